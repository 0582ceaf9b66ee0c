/* phash.c — perceptual hash for near-duplicate grouping
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/phash.h"

#define N 32 /* the reduced image */
#define K 8  /* the coefficients kept per axis */

/* Area-averages one axis of length @n_in onto N cells (any ratio). */
static void
resample_weights (int n_in,
                  int *first,
                  int *last,
                  double w[N][2])
{
  double scale = (double) n_in / N;

  for (int o = 0; o < N; o++)
    {
      double a = o * scale, b = (o + 1) * scale;

      if (scale < 1.0)
        {
          /* Upsampling: nearest source sample covering the cell centre. */
          int s = MIN ((int) ((o + 0.5) * scale), n_in - 1);

          first[o] = last[o] = s;
          w[o][0] = w[o][1] = 1.0;
          continue;
        }
      first[o] = (int) a;
      last[o] = MIN ((int) ceil (b) - 1, n_in - 1);
      w[o][0] = (first[o] + 1) - a;                    /* coverage of the first sample */
      w[o][1] = b - last[o] < 1.0 ? b - last[o] : 1.0; /* coverage of the last */
    }
}

static double
weight (int i,
        int first,
        int last,
        const double w[2])
{
  if (first == last)
    return 1.0;
  if (i == first)
    return w[0];
  if (i == last)
    return w[1];
  return 1.0;
}

static void
reduce (const LsImage *image,
        double out[N][N])
{
  int fx[N], lx[N], fy[N], ly[N];
  double wx[N][2], wy[N][2];
  double rows[N]; /* per output column, the sum of one source row */

  resample_weights (image->width, fx, lx, wx);
  resample_weights (image->height, fy, ly, wy);
  for (int oy = 0; oy < N; oy++)
    {
      double total_y = 0.0;

      for (int ox = 0; ox < N; ox++)
        out[oy][ox] = 0.0;
      for (int y = fy[oy]; y <= ly[oy]; y++)
        {
          const float *src = image->data + (gsize) y * image->width;
          double wyv = weight (y, fy[oy], ly[oy], wy[oy]);

          for (int ox = 0; ox < N; ox++)
            {
              double s = 0.0, total_x = 0.0;

              for (int x = fx[ox]; x <= lx[ox]; x++)
                {
                  double wxv = weight (x, fx[ox], lx[ox], wx[ox]);

                  s += wxv * src[x];
                  total_x += wxv;
                }
              rows[ox] = s / total_x;
            }
          for (int ox = 0; ox < N; ox++)
            out[oy][ox] += wyv * rows[ox];
          total_y += wyv;
        }
      for (int ox = 0; ox < N; ox++)
        out[oy][ox] /= total_y;
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static guint64
bits_over_median (const double coeff[K][K],
                  gboolean mirrored)
{
  double values[K * K - 1], sorted[K * K - 1], median;
  guint64 hash = 0;
  int n = 0;

  for (int u = 0; u < K; u++)
    for (int v = 0; v < K; v++)
      if (u != 0 || v != 0)
        values[n++] = coeff[u][v] * (mirrored && (v & 1) ? -1.0 : 1.0);
  memcpy (sorted, values, sizeof values);
  qsort (sorted, n, sizeof (double), compare_double);
  median = sorted[n / 2];
  for (int i = 0; i < n; i++)
    if (values[i] > median)
      hash |= G_GUINT64_CONSTANT (1) << i;
  return hash;
}

static void
dct_hashes (const double small[N][N],
            LsPHash *out)
{
  double tmp[K][N], coeff[K][K], basis[K][N];

  for (int u = 0; u < K; u++)
    for (int x = 0; x < N; x++)
      basis[u][x] = cos (G_PI * (2 * x + 1) * u / (2.0 * N));
  /* Rows of the 2-D DCT-II (vertical frequency u), then columns (v). */
  for (int u = 0; u < K; u++)
    for (int x = 0; x < N; x++)
      {
        double s = 0.0;

        for (int y = 0; y < N; y++)
          s += basis[u][y] * small[y][x];
        tmp[u][x] = s;
      }
  for (int u = 0; u < K; u++)
    for (int v = 0; v < K; v++)
      {
        double s = 0.0;

        for (int x = 0; x < N; x++)
          s += basis[v][x] * tmp[u][x];
        coeff[u][v] = s;
      }
  out->hash = bits_over_median (coeff, FALSE);
  out->flipped = bits_over_median (coeff, TRUE);
}

void
ls_phash_from_signature (LsPHash *out)
{
  double small[N][N];

  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      small[y][x] = out->signature[y * N + x] / 255.0;
  dct_hashes (small, out);
}

void
ls_phash_compute (const LsImage *image,
                  LsPHash *out)
{
  double small[N][N];

  g_return_if_fail (image != NULL && image->width > 0 && image->height > 0);

  reduce (image, small);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      out->signature[y * N + x] = (guint8) lround (CLAMP (small[y][x], 0.0, 1.0) * 255.0);
  /* The hashes come from the stored signature, so they can be recomputed. */
  ls_phash_from_signature (out);
}

int
ls_phash_distance (const LsPHash *a,
                   const LsPHash *b)
{
  int direct = __builtin_popcountll (a->hash ^ b->hash);
  int mirrored = __builtin_popcountll (a->hash ^ b->flipped);

  return MIN (direct, mirrored);
}

/* ---- correlation of rotated centres ---- */

#define CROP 5                /* margin of the compared centre */
#define CENTRE (N - 2 * CROP) /* 22: the compared side */
#define N_ANGLES 5
#define SCALE 2000.0 /* int16 range: 484 × 2000² < 2³¹ */

static const double angles[N_ANGLES] = { -6.0, -3.0, 0.0, 3.0, 6.0 };

struct _LsNearDup
{
  gint16 rotated[N_ANGLES][CENTRE * CENTRE];
  double rotated_norm[N_ANGLES];
  gint16 centre[2][CENTRE * CENTRE]; /* as is, mirrored */
  double centre_norm[2];
};

static double
quantise (const double *v,
          gint16 *out)
{
  double mean = 0.0, max = 0.0, norm = 0.0;

  for (int i = 0; i < CENTRE * CENTRE; i++)
    mean += v[i];
  mean /= CENTRE * CENTRE;
  for (int i = 0; i < CENTRE * CENTRE; i++)
    max = MAX (max, fabs (v[i] - mean));
  for (int i = 0; i < CENTRE * CENTRE; i++)
    {
      out[i] = (gint16) (max > 0.0 ? lround ((v[i] - mean) / max * SCALE) : 0);
      norm += (double) out[i] * out[i];
    }
  return sqrt (norm);
}

LsNearDup *
ls_neardup_prepare (const guint8 *signature)
{
  LsNearDup *p = g_new0 (LsNearDup, 1);
  double v[CENTRE * CENTRE], m[CENTRE * CENTRE];
  const double c0 = (N - 1) / 2.0;

  for (int a = 0; a < N_ANGLES; a++)
    {
      double cs = cos (angles[a] * G_PI / 180.0), sn = sin (angles[a] * G_PI / 180.0);

      for (int y = 0; y < CENTRE; y++)
        for (int x = 0; x < CENTRE; x++)
          {
            double dx = x + CROP - c0, dy = y + CROP - c0;
            double sx = cs * dx + sn * dy + c0, sy = -sn * dx + cs * dy + c0;
            int x0 = CLAMP ((int) floor (sx), 0, N - 2), y0 = CLAMP ((int) floor (sy), 0, N - 2);
            double fx = CLAMP (sx - x0, 0.0, 1.0), fy = CLAMP (sy - y0, 0.0, 1.0);
            const guint8 *s = signature + y0 * N + x0;

            v[y * CENTRE + x] = (1 - fy) * ((1 - fx) * s[0] + fx * s[1]) + fy * ((1 - fx) * s[N] + fx * s[N + 1]);
          }
      p->rotated_norm[a] = quantise (v, p->rotated[a]);
    }
  for (int y = 0; y < CENTRE; y++)
    for (int x = 0; x < CENTRE; x++)
      {
        v[y * CENTRE + x] = signature[(y + CROP) * N + x + CROP];
        m[y * CENTRE + x] = signature[(y + CROP) * N + (N - 1 - CROP - x)];
      }
  p->centre_norm[0] = quantise (v, p->centre[0]);
  p->centre_norm[1] = quantise (m, p->centre[1]);
  return p;
}

void
ls_neardup_free (LsNearDup *prepared)
{
  g_free (prepared);
}

static gint32
dot (const gint16 *a,
     const gint16 *b)
{
  gint32 s = 0;

  for (int i = 0; i < CENTRE * CENTRE; i++)
    s += (gint32) a[i] * b[i];
  return s;
}

double
ls_neardup_similarity (const LsNearDup *a,
                       const LsNearDup *b)
{
  double best = -1.0;

  for (int k = 0; k < N_ANGLES; k++)
    for (int f = 0; f < 2; f++)
      {
        double den = a->rotated_norm[k] * b->centre_norm[f];

        if (den > 0.0)
          best = MAX (best, dot (a->rotated[k], b->centre[f]) / den);
      }
  return best;
}
