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

void
ls_phash_compute (const LsImage *image,
                  LsPHash *out)
{
  double small[N][N], tmp[K][N], coeff[K][K], basis[K][N];

  g_return_if_fail (image != NULL && image->width > 0 && image->height > 0);

  reduce (image, small);
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

int
ls_phash_distance (const LsPHash *a,
                   const LsPHash *b)
{
  int direct = __builtin_popcountll (a->hash ^ b->hash);
  int mirrored = __builtin_popcountll (a->hash ^ b->flipped);

  return MIN (direct, mirrored);
}
