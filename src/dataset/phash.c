/* phash.c — perceptual hash for near-duplicate grouping
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dataset/phash.h"

#define N 32            /* the DCT's and the coarse correlation's image */
#define K 8             /* the coefficients kept per axis */
#define S LS_PHASH_SIDE /* 64: the stored signature */

/* Area-averages one axis of length @n_in onto S cells (any ratio). */
static void
resample_weights (int n_in,
                  int *first,
                  int *last,
                  double w[S][2])
{
  double scale = (double) n_in / S;

  for (int o = 0; o < S; o++)
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
        double out[S][S])
{
  int fx[S], lx[S], fy[S], ly[S];
  double wx[S][2], wy[S][2];
  double rows[S]; /* per output column, the sum of one source row */

  resample_weights (image->width, fx, lx, wx);
  resample_weights (image->height, fy, ly, wy);
  for (int oy = 0; oy < S; oy++)
    {
      double total_y = 0.0;

      for (int ox = 0; ox < S; ox++)
        out[oy][ox] = 0.0;
      for (int y = fy[oy]; y <= ly[oy]; y++)
        {
          const float *src = image->data + (gsize) y * image->width;
          double wyv = weight (y, fy[oy], ly[oy], wy[oy]);

          for (int ox = 0; ox < S; ox++)
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
          for (int ox = 0; ox < S; ox++)
            out[oy][ox] += wyv * rows[ox];
          total_y += wyv;
        }
      for (int ox = 0; ox < S; ox++)
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

/* The 32 × 32 image of a signature: 2 × 2 means, in [0, 1]. */
static void
coarse_image (const guint8 *signature,
              double small[N][N])
{
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      {
        const guint8 *p = signature + 2 * y * S + 2 * x;

        small[y][x] = (p[0] + p[1] + p[S] + p[S + 1]) / (4.0 * 255.0);
      }
}

void
ls_phash_from_signature (LsPHash *out)
{
  double small[N][N];

  coarse_image (out->signature, small);
  dct_hashes (small, out);
}

void
ls_phash_compute (const LsImage *image,
                  LsPHash *out)
{
  double big[S][S];

  g_return_if_fail (image != NULL && image->width > 0 && image->height > 0);

  reduce (image, big);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      out->signature[y * S + x] = (guint8) lround (CLAMP (big[y][x], 0.0, 1.0) * 255.0);
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

#define CROP 5                /* margin of the coarse centre (of 32) */
#define CENTRE (N - 2 * CROP) /* 22 */
#define DIM LS_NEARDUP_DIM
#define N_ANGLES LS_NEARDUP_ROTATIONS
#define DCROP 10                 /* margin of the detail centre (of 64) */
#define DCENTRE (S - 2 * DCROP)  /* 44 */
#define DDIM (DCENTRE * DCENTRE) /* 1936 */
#define D_ANGLES 9               /* −6° … 6° in steps of 1.5° */
#define BLUR 3                   /* the detail is the image minus its 7 × 7 box mean */

G_STATIC_ASSERT (DIM == CENTRE * CENTRE);

static const double angles[N_ANGLES] = { -6.0, -3.0, 0.0, 3.0, 6.0 };

/* Mean-subtracted, unit-norm (all zero for a flat image). */
static void
normalise (const double *v,
           int n,
           float *out)
{
  double mean = 0.0, norm = 0.0;

  for (int i = 0; i < n; i++)
    mean += v[i];
  mean /= n;
  for (int i = 0; i < n; i++)
    norm += (v[i] - mean) * (v[i] - mean);
  norm = sqrt (norm);
  for (int i = 0; i < n; i++)
    out[i] = norm > 1e-9 ? (float) ((v[i] - mean) / norm) : 0.0f;
}

/* Bilinear sample of a side × side image at (sx, sy), clamped. */
static double
bilinear (const double *img,
          int side,
          double sx,
          double sy)
{
  int x0 = CLAMP ((int) floor (sx), 0, side - 2), y0 = CLAMP ((int) floor (sy), 0, side - 2);
  double fx = CLAMP (sx - x0, 0.0, 1.0), fy = CLAMP (sy - y0, 0.0, 1.0);
  const double *p = img + y0 * side + x0;

  return (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[side] + fx * p[side + 1]);
}

/* @img (side²) rotated by @degrees about its centre into @out (side²). */
static void
rotate (const double *img,
        int side,
        double degrees,
        double *out)
{
  double cs = cos (degrees * G_PI / 180.0), sn = sin (degrees * G_PI / 180.0);
  double c0 = (side - 1) / 2.0;

  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        double dx = x - c0, dy = y - c0;

        out[y * side + x] = bilinear (img, side, cs * dx + sn * dy + c0, -sn * dx + cs * dy + c0);
      }
}

/* The centre of a side² image, as is or mirrored. */
static void
centre_of (const double *img,
           int side,
           int crop,
           gboolean mirror,
           double *out)
{
  int c = side - 2 * crop;

  for (int y = 0; y < c; y++)
    for (int x = 0; x < c; x++)
      out[y * c + x] = img[(y + crop) * side + (mirror ? side - 1 - crop - x : x + crop)];
}

void
ls_neardup_vectors (const guint8 *signature,
                    float *rotated,
                    float *centre)
{
  double small[N][N], r[N * N], v[DIM];

  coarse_image (signature, small);
  for (int a = 0; a < N_ANGLES; a++)
    {
      rotate (&small[0][0], N, angles[a], r);
      centre_of (r, N, CROP, FALSE, v);
      normalise (v, DIM, rotated + a * DIM);
    }
  centre_of (&small[0][0], N, CROP, FALSE, v);
  normalise (v, DIM, centre);
  centre_of (&small[0][0], N, CROP, TRUE, v);
  normalise (v, DIM, centre + DIM);
}

/* The image minus its (2·BLUR + 1)² box mean, edges clamped. */
static void
high_pass (const double *img,
           double *out)
{
  double tmp[S * S];

  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        double sum = 0.0;

        for (int k = -BLUR; k <= BLUR; k++)
          sum += img[y * S + CLAMP (x + k, 0, S - 1)];
        tmp[y * S + x] = sum / (2 * BLUR + 1);
      }
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      {
        double sum = 0.0;

        for (int k = -BLUR; k <= BLUR; k++)
          sum += tmp[CLAMP (y + k, 0, S - 1) * S + x];
        out[y * S + x] = img[y * S + x] - sum / (2 * BLUR + 1);
      }
}

/* Detail vectors: the high-passed centre of the signature rotated by each
 * of D_ANGLES angles (@rotated, may be NULL), and as is and mirrored. */
static void
detail_vectors (const guint8 *signature,
                float *rotated,
                float *centre)
{
  double img[S * S], r[S * S], hp[S * S], v[DDIM];

  for (int i = 0; i < S * S; i++)
    img[i] = signature[i] / 255.0;
  for (int a = 0; rotated != NULL && a < D_ANGLES; a++)
    {
      rotate (img, S, -6.0 + 1.5 * a, r);
      high_pass (r, hp);
      centre_of (hp, S, DCROP, FALSE, v);
      normalise (v, DDIM, rotated + a * DDIM);
    }
  high_pass (img, hp);
  centre_of (hp, S, DCROP, FALSE, v);
  normalise (v, DDIM, centre);
  centre_of (hp, S, DCROP, TRUE, v);
  normalise (v, DDIM, centre + DDIM);
}

static float
best_dot (const float *rotated,
          int n_rotated,
          const float *centre,
          int dim)
{
  float best = -1.0f;

  for (int k = 0; k < n_rotated; k++)
    for (int f = 0; f < 2; f++)
      {
        const float *x = rotated + k * dim, *y = centre + f * dim;
        float s = 0.0f;

        for (int i = 0; i < dim; i++)
          s += x[i] * y[i];
        best = MAX (best, s);
      }
  return best;
}

gboolean
ls_neardup_match (const guint8 *a,
                  const guint8 *b,
                  double *coarse,
                  double *detail)
{
  g_autofree float *ra = g_malloc_n ((gsize) N_ANGLES * DIM, sizeof (float));
  g_autofree float *cb = g_new (float, 2 * DIM);
  g_autofree float *dra = g_malloc_n ((gsize) D_ANGLES * DDIM, sizeof (float));
  g_autofree float *dcb = g_new (float, 2 * DDIM);
  g_autofree float *unused = g_malloc_n ((gsize) N_ANGLES * DIM, sizeof (float));

  ls_neardup_vectors (a, ra, unused);
  ls_neardup_vectors (b, unused, cb);
  detail_vectors (a, dra, dcb);
  detail_vectors (b, NULL, dcb);
  *coarse = best_dot (ra, N_ANGLES, cb, DIM);
  *detail = best_dot (dra, D_ANGLES, dcb, DDIM);
  return *coarse >= LS_NEARDUP_DEFAULT_SIMILARITY && *detail >= LS_NEARDUP_DEFAULT_DETAIL;
}

typedef struct
{
  guint i, j;
} Pair;

static int
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  const Pair *p = a, *q = b;

  return p->i != q->i ? (p->i > q->i) - (p->i < q->i) : (p->j > q->j) - (p->j < q->j);
}

#define TILE 256

gboolean
ls_neardup_find_pairs (const guint8 *const *signatures,
                       guint n,
                       double threshold,
                       double detail_threshold,
                       LsNearDupPairFunc func,
                       gpointer user_data,
                       GCancellable *cancellable,
                       GError **error)
{
  g_autofree guint *index = g_new (guint, MAX (n, 1));
  g_autofree float *rotated = NULL, *centre = NULL, *dots = NULL, *drot = NULL;
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr (GHashTable) detail = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  guint m = 0, current = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    if (signatures[i] != NULL)
      index[m++] = i;
  rotated = g_new (float, (gsize) MAX (m, 1) * N_ANGLES * DIM);
  centre = g_new (float, (gsize) MAX (m, 1) * 2 * DIM);
  dots = g_new (float, (gsize) TILE *N_ANGLES *TILE * 2);
  for (guint a = 0; a < m; a++)
    ls_neardup_vectors (signatures[index[a]], rotated + (gsize) a * N_ANGLES * DIM,
                        centre + (gsize) a * 2 * DIM);

  /* Stage 1, coarse: every rotation of every image against every centre,
   * one GEMM a tile. */
  for (guint bi = 0; bi < m; bi += TILE)
    {
      guint ni = MIN (TILE, m - bi);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (guint bj = bi; bj < m; bj += TILE)
        {
          guint nj = MIN (TILE, m - bj), cols = nj * 2;

          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) (ni * N_ANGLES), (int) cols,
                       DIM, 1.0f, rotated + (gsize) bi * N_ANGLES * DIM, DIM,
                       centre + (gsize) bj * 2 * DIM, DIM, 0.0f, dots, (int) cols);
          for (guint ii = 0; ii < ni; ii++)
            for (guint jj = bi == bj ? ii + 1 : 0; jj < nj; jj++)
              {
                float best = -1.0f;

                for (int k = 0; k < N_ANGLES; k++)
                  {
                    const float *row = dots + (gsize) (ii * N_ANGLES + k) * cols + jj * 2;

                    best = MAX (best, MAX (row[0], row[1]));
                  }
                if (best >= threshold)
                  {
                    Pair p = { bi + ii, bj + jj };

                    g_array_append_val (pairs, p);
                  }
              }
        }
    }

  /* Stage 2, detail, on the candidates only: each first image's rotations
   * once, each second image's centres once (cached). */
  g_array_sort (pairs, compare_pairs);
  drot = g_malloc_n ((gsize) D_ANGLES * DDIM, sizeof (float));
  for (guint p = 0; p < pairs->len; p++)
    {
      Pair *pair = &g_array_index (pairs, Pair, p);
      float *dc = g_hash_table_lookup (detail, GUINT_TO_POINTER (pair->j + 1));
      float scratch[2 * DDIM];
      float sim;

      if (p % 1024 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (pair->i != current)
        {
          detail_vectors (signatures[index[pair->i]], drot, scratch);
          current = pair->i;
        }
      if (dc == NULL)
        {
          dc = g_new (float, 2 * DDIM);
          detail_vectors (signatures[index[pair->j]], NULL, dc);
          g_hash_table_insert (detail, GUINT_TO_POINTER (pair->j + 1), dc);
        }
      sim = best_dot (drot, D_ANGLES, dc, DDIM);
      if (sim >= detail_threshold)
        func (index[pair->i], index[pair->j], sim, user_data);
    }
  return TRUE;
}
