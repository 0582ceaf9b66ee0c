/* augment-ops.c — the pixel kernels of the augmentations
 *
 * Plain loops over float planes; nothing here allocates.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/augment-private.h"
#include "imaging/preprocess.h"
#include "imaging/simd.h"

static inline float
tap (const float *src,
     int width,
     int height,
     int x,
     int y)
{
  return (x >= 0 && y >= 0 && x < width && y < height) ? src[(gsize) y * width + x] : 0.0f;
}

/* Bilinear sample at (u, v), pixel centres at integers. Zeros: taps outside
 * count as 0 (grid_sample padding_mode="zeros"); border: (u, v) is clamped
 * into the image first (padding_mode="border"). With fx = fy = 0 the result
 * is exactly the pixel, so flips and identities are lossless. */
static inline __attribute__ ((always_inline)) float
sample (const float *src,
        int width,
        int height,
        float u,
        float v,
        LsPadding padding)
{
  int x0, y0;
  float fx, fy, a, b, c, d, top, bottom;

  if (padding == LS_PADDING_BORDER)
    {
      u = u < 0.0f ? 0.0f : (u > width - 1 ? (float) (width - 1) : u);
      v = v < 0.0f ? 0.0f : (v > height - 1 ? (float) (height - 1) : v);
    }
  if (!(u > -1.0f && v > -1.0f && u < (float) width && v < (float) height)) /* also NaN */
    return 0.0f;
  /* u, v > −1 here: truncation of u + 1 is floor(u) + 1 */
  x0 = (int) (u + 1.0f) - 1;
  y0 = (int) (v + 1.0f) - 1;
  fx = u - (float) x0;
  fy = v - (float) y0;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height)
    {
      const float *p = src + (gsize) y0 * width + x0;

      a = p[0];
      b = p[1];
      c = p[width];
      d = p[width + 1];
    }
  else
    {
      a = tap (src, width, height, x0, y0);
      b = tap (src, width, height, x0 + 1, y0);
      c = tap (src, width, height, x0, y0 + 1);
      d = tap (src, width, height, x0 + 1, y0 + 1);
    }
  top = a + fx * (b - a);
  bottom = c + fx * (d - c);
  return top + fy * (bottom - top);
}

typedef double PairVec __attribute__ ((vector_size (16)));

/* { p[0], p[1], q[0], q[1] } */
static inline LsVf
pair_load (const float *p,
           const float *q)
{
  double a, b;
  PairVec v;

  memcpy (&a, p, 8);
  memcpy (&b, q, 8);
  v = (PairVec){ a, b };
  return (LsVf) v;
}

/* The x in [0, width) where lo ≤ a x + b ≤ hi, shrunk by one pixel at
 * each end as a margin for float rounding; empty when *start ≥ *end. */
static void
row_interval (double a,
              double b,
              double lo,
              double hi,
              int width,
              int *start,
              int *end)
{
  double x0, x1;

  if (lo > hi) /* an image one pixel wide or high: no interior */
    {
      *start = *end = 0;
      return;
    }
  if (fabs (a) < 1e-12)
    {
      gboolean inside = b >= lo && b <= hi;

      *start = inside ? MAX (*start, 0) : 0;
      *end = inside ? MIN (*end, width) : 0;
      return;
    }
  x0 = (lo - b) / a;
  x1 = (hi - b) / a;
  if (x0 > x1)
    {
      double t = x0;

      x0 = x1;
      x1 = t;
    }
  *start = MAX (*start, (int) MAX (ceil (x0) + 1.0, 0.0));
  *end = MIN (*end, (int) MIN (floor (x1), (double) width)); /* last x is floor (x1) − 1 */
}

/* Narrows [*lead, *trail) to the x in [0, width) where −1 < a x + b < n
 * may hold, widened by a pixel on each side; outside it a bilinear sample
 * has no tap inside an image of n pixels along that axis. */
static void
row_outside (double a,
             double b,
             int n,
             int *lead,
             int *trail)
{
  double x0, x1;

  if (fabs (a) < 1e-12)
    {
      if (!(b > -1.0 && b < n))
        *lead = *trail = 0;
      return;
    }
  x0 = (-1.0 - b) / a;
  x1 = (n - b) / a;
  if (x0 > x1)
    {
      double t = x0;

      x0 = x1;
      x1 = t;
    }
  x0 = floor (x0) - 1.0;
  x1 = ceil (x1) + 2.0;
  *lead = MAX (*lead, (int) CLAMP (x0, 0.0, (double) *trail));
  *trail = MIN (*trail, (int) CLAMP (x1, (double) *lead, (double) *trail));
}

/* Narrows [*start, *end) to the x where α x + β ≥ 0, less one pixel at the
 * moving end as a margin for float rounding. */
static void
half_line (double alpha,
           double beta,
           int *start,
           int *end)
{
  double x0;

  if (fabs (alpha) < 1e-12)
    {
      if (beta < 0.0)
        *start = *end = 0;
      return;
    }
  x0 = -beta / alpha;
  if (alpha > 0.0)
    *start = MAX (*start, (int) CLAMP (ceil (x0) + 1.0, 0.0, (double) *end));
  else
    *end = MIN (*end, (int) CLAMP (floor (x0), (double) *start, (double) *end));
}

/* Bilinear samples at four (u, v) whose taps are all inside the image. */
static inline LsVf
gather_bilinear (const float *src,
                 int width,
                 LsVf u,
                 LsVf v)
{
  LsVf uf = __builtin_convertvector(__builtin_convertvector(u, LsVi), LsVf);
  LsVf vf = __builtin_convertvector(__builtin_convertvector(v, LsVi), LsVf);
  LsVf fx = u - uf, fy = v - vf;
  LsVi idx = __builtin_convertvector(vf * ls_vf_set1 ((float) width) + uf, LsVi);
  LsVf ab01, ab23, cd01, cd23, ta, tb, tc, td, top, bottom;

  /* each pair of horizontal taps is one 8-byte load */
  ab01 = pair_load (src + idx[0], src + idx[1]);
  ab23 = pair_load (src + idx[2], src + idx[3]);
  cd01 = pair_load (src + idx[0] + width, src + idx[1] + width);
  cd23 = pair_load (src + idx[2] + width, src + idx[3] + width);
  ta = __builtin_shufflevector (ab01, ab23, 0, 2, 4, 6);
  tb = __builtin_shufflevector (ab01, ab23, 1, 3, 5, 7);
  tc = __builtin_shufflevector (cd01, cd23, 0, 2, 4, 6);
  td = __builtin_shufflevector (cd01, cd23, 1, 3, 5, 7);
  top = ta + fx * (tb - ta);
  bottom = tc + fx * (td - tc);
  return top + fy * (bottom - top);
}

/* The same for one sample. */
static inline float
gather_bilinear1 (const float *src,
                  int width,
                  float u,
                  float v)
{
  int x0 = (int) u, y0 = (int) v;
  float fx = u - (float) x0, fy = v - (float) y0;
  const float *p = src + (gsize) y0 * width + x0;
  float top = p[0] + fx * (p[1] - p[0]);
  float bottom = p[width] + fx * (p[width + 1] - p[width]);

  return top + fy * (bottom - top);
}

/* One row of an affine warp. Where all four taps are inside the source
 * (an interval of x) the samples are read without checks, four at a time;
 * with zero padding, where no tap can reach the source the row is 0 (what
 * sample() would give); sample() does the rest. */
static void
warp_row_affine (const float *src,
                 float *o,
                 int width,
                 int height,
                 const double *m,
                 double bu,
                 double bv,
                 LsPadding padding,
                 gboolean vector)
{
  float a = (float) m[0], d = (float) m[3], fu = (float) bu, fv = (float) bv;
  int start = 0, end = width, lead = 0, trail = width, x = 0;

  row_interval (m[0], bu, 1e-3, width - 1 - 1e-3, width, &start, &end);
  row_interval (m[3], bv, 1e-3, height - 1 - 1e-3, width, &start, &end);
  if (start >= end)
    start = end = width;
  if (padding == LS_PADDING_ZEROS)
    {
      row_outside (m[0], bu, width, &lead, &trail);
      row_outside (m[3], bv, height, &lead, &trail);
      if (lead >= trail) /* the whole row misses the image */
        lead = trail = width;
      lead = MIN (lead, start);
      trail = MAX (trail, end);
    }
  for (; x < lead; x++)
    o[x] = 0.0f;
  for (; x < start; x++)
    o[x] = sample (src, width, height, a * (float) x + fu, d * (float) x + fv, padding);
  if (vector)
    {
      LsVf va = ls_vf_set1 (a), vd = ls_vf_set1 (d), vfu = ls_vf_set1 (fu), vfv = ls_vf_set1 (fv);
      LsVf xs = { (float) x, (float) x + 1, (float) x + 2, (float) x + 3 };

      for (; x + LS_VF_N <= end; x += LS_VF_N, xs += ls_vf_set1 ((float) LS_VF_N))
        ls_vf_store (o + x, gather_bilinear (src, width, va * xs + vfu, vd * xs + vfv));
    }
  for (; x < end; x++)
    o[x] = gather_bilinear1 (src, width, a * (float) x + fu, d * (float) x + fv);
  for (; x < trail; x++)
    o[x] = sample (src, width, height, a * (float) x + fu, d * (float) x + fv, padding);
  for (; x < width; x++)
    o[x] = 0.0f;
}

/* One row of a projective warp: w = m6 x + bw must be positive. Where u =
 * (m0 x + bu) / w and v are inside the source's interior — linear
 * conditions on x once multiplied by w > 0, so an interval — samples are
 * computed in float four at a time without checks; elsewhere in double
 * through sample(). */
static void
warp_row_projective (const float *src,
                     float *o,
                     int width,
                     int height,
                     const double *m,
                     double bu,
                     double bv,
                     double bw,
                     LsPadding padding,
                     gboolean vector)
{
  const double ulo = 1e-3, uhi = width - 1 - 1e-3, vlo = 1e-3, vhi = height - 1 - 1e-3;
  int start = 0, end = width, x = 0;

  if (uhi < ulo || vhi < vlo)
    start = end = 0;
  half_line (m[6], bw - 1e-6, &start, &end);
  half_line (m[0] - ulo * m[6], bu - ulo * bw, &start, &end);
  half_line (uhi * m[6] - m[0], uhi * bw - bu, &start, &end);
  half_line (m[3] - vlo * m[6], bv - vlo * bw, &start, &end);
  half_line (vhi * m[6] - m[3], vhi * bw - bv, &start, &end);
  if (start >= end)
    start = end = width;

  for (; x < width; x++)
    {
      double w = m[6] * x + bw;
      float u = NAN, v = NAN;

      if (x == start)
        break;
      if (w > 1e-12)
        {
          double inv = 1.0 / w;

          u = (float) ((m[0] * x + bu) * inv);
          v = (float) ((m[3] * x + bv) * inv);
        }
      o[x] = sample (src, width, height, u, v, padding);
    }
  if (vector)
    {
      LsVf xs = { (float) x, (float) x + 1, (float) x + 2, (float) x + 3 };
      LsVf a = ls_vf_set1 ((float) m[0]), d = ls_vf_set1 ((float) m[3]), g = ls_vf_set1 ((float) m[6]);
      LsVf fu = ls_vf_set1 ((float) bu), fv = ls_vf_set1 ((float) bv), fw = ls_vf_set1 ((float) bw);

      for (; x + LS_VF_N <= end; x += LS_VF_N, xs += ls_vf_set1 ((float) LS_VF_N))
        {
          LsVf inv = ls_vf_set1 (1.0f) / (g * xs + fw);

          ls_vf_store (o + x, gather_bilinear (src, width, (a * xs + fu) * inv, (d * xs + fv) * inv));
        }
    }
  for (; x < end; x++)
    {
      float inv = 1.0f / ((float) m[6] * (float) x + (float) bw);

      o[x] = gather_bilinear1 (src, width, ((float) m[0] * (float) x + (float) bu) * inv,
                               ((float) m[3] * (float) x + (float) bv) * inv);
    }
  for (; x < width; x++)
    {
      double w = m[6] * x + bw;
      float u = NAN, v = NAN;

      if (w > 1e-12)
        {
          double inv = 1.0 / w;

          u = (float) ((m[0] * x + bu) * inv);
          v = (float) ((m[3] * x + bv) * inv);
        }
      o[x] = sample (src, width, height, u, v, padding);
    }
}

/* dst(x, y) = src(m · (x, y, 1)): m is the inverse map, row-major 3 × 3. */
void
ls_augment_warp_homography (const float *src,
                            float *dst,
                            int width,
                            int height,
                            const double *m,
                            LsPadding padding)
{
  gboolean affine = m[6] == 0.0 && m[7] == 0.0 && m[8] == 1.0;
  gboolean vector = (double) width * height < 16777216.0; /* float indices exact */

  for (int y = 0; y < height; y++)
    {
      double bu = m[1] * y + m[2], bv = m[4] * y + m[5], bw = m[7] * y + m[8];
      float *o = dst + (gsize) y * width;

      if (affine)
        warp_row_affine (src, o, width, height, m, bu, bv, padding, vector);
      else
        warp_row_projective (src, o, width, height, m, bu, bv, bw, padding, vector);
    }
}

/* dst(x, y) = src(x + dx, y + dy). */
void
ls_augment_warp_displacement (const float *src,
                              float *dst,
                              int width,
                              int height,
                              const float *dx,
                              const float *dy,
                              LsPadding padding)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;

        dst[i] = sample (src, width, height, (float) x + dx[i], (float) y + dy[i], padding);
      }
}

/* Kornia's get_gaussian_kernel1d: x = i − size / 2 (+ 0.5 when size is
 * even), exp(−x² / 2σ²), normalised. */
void
ls_augment_gaussian_kernel (float *kernel,
                            int size,
                            double sigma)
{
  double sum = 0.0, k[256];

  g_assert (size > 0 && size <= 256);
  for (int i = 0; i < size; i++)
    {
      double x = i - size / 2 + (size % 2 == 0 ? 0.5 : 0.0);

      k[i] = exp (-(x * x) / (2.0 * sigma * sigma));
      sum += k[i];
    }
  for (int i = 0; i < size; i++)
    kernel[i] = (float) (k[i] / sum);
}

/* Separable convolution with reflected borders (Kornia's filter2d,
 * border_type="reflect"). @tmp is width × height, @row holds max(width,
 * height) + size + 8 floats. dst may equal src. */
void
ls_augment_blur (const float *src,
                 float *dst,
                 int width,
                 int height,
                 const float *kernel,
                 int size,
                 float *tmp,
                 float *row)
{
  int r = size / 2;

  g_assert (size <= 256);
  for (int y = 0; y < height; y++)
    {
      const float *s = src + (gsize) y * width;
      float *o = tmp + (gsize) y * width;
      int x = 0;

      for (int i = 0; i < r; i++)
        {
          row[i] = s[ls_reflect_index (i - r, width)];
          row[r + width + i] = s[ls_reflect_index (width + i, width)];
        }
      memcpy (row + r, s, (gsize) width * sizeof (float));
      for (; x + 2 * LS_VF_N <= width; x += 2 * LS_VF_N)
        {
          LsVf acc0 = ls_vf_set1 (0.0f), acc1 = acc0;

          for (int k = 0; k < size; k++)
            {
              LsVf wk = ls_vf_set1 (kernel[k]);

              acc0 += wk * ls_vf_load (row + x + k);
              acc1 += wk * ls_vf_load (row + x + k + LS_VF_N);
            }
          ls_vf_store (o + x, acc0);
          ls_vf_store (o + x + LS_VF_N, acc1);
        }
      for (; x < width; x++)
        {
          float acc = 0.0f;

          for (int k = 0; k < size; k++)
            acc += kernel[k] * row[x + k];
          o[x] = acc;
        }
    }
  for (int y = 0; y < height; y++)
    {
      float *o = dst + (gsize) y * width;
      const float *rows[256];
      int x = 0;

      for (int k = 0; k < size; k++)
        rows[k] = tmp + (gsize) ls_reflect_index (y + k - r, height) * width;
      for (; x + 2 * LS_VF_N <= width; x += 2 * LS_VF_N)
        {
          LsVf acc0 = ls_vf_set1 (0.0f), acc1 = acc0;

          for (int k = 0; k < size; k++)
            {
              LsVf wk = ls_vf_set1 (kernel[k]);

              acc0 += wk * ls_vf_load (rows[k] + x);
              acc1 += wk * ls_vf_load (rows[k] + x + LS_VF_N);
            }
          ls_vf_store (o + x, acc0);
          ls_vf_store (o + x + LS_VF_N, acc1);
        }
      for (; x < width; x++)
        {
          float acc = 0.0f;

          for (int k = 0; k < size; k++)
            acc += kernel[k] * rows[k][x];
          o[x] = acc;
        }
    }
}

/* torchvision's adjust_sharpness: the smoothing kernel [1 1 1; 1 5 1; 1 1 1]
 * / 13 on interior pixels (border pixels stay), then
 * clamp(factor × image + (1 − factor) × smoothed). dst must differ from src. */
void
ls_augment_sharpness (const float *src,
                      float *dst,
                      int width,
                      int height,
                      float factor)
{
  float keep = 1.0f - factor;

  g_assert (src != dst);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        float smooth = src[i];

        if (x > 0 && y > 0 && x < width - 1 && y < height - 1)
          {
            const float *a = src + i - width, *c = src + i + width;

            smooth = (a[-1] + a[0] + a[1] + src[i - 1] + 5.0f * src[i] + src[i + 1] + c[-1] + c[0] + c[1]) / 13.0f;
          }
        dst[i] = CLAMP (factor * src[i] + keep * smooth, 0.0f, 1.0f);
      }
}

/* torchvision's adjust_brightness: clamp(factor × x). */
void
ls_augment_brightness (const float *src,
                       float *dst,
                       gsize n,
                       float factor)
{
  LsVf f = ls_vf_set1 (factor);
  gsize i = 0;

  for (; i + LS_VF_N <= n; i += LS_VF_N)
    ls_vf_store (dst + i, ls_vf_clamp01 (f * ls_vf_load (src + i)));
  for (; i < n; i++)
    dst[i] = CLAMP (factor * src[i], 0.0f, 1.0f);
}

/* torchvision's adjust_contrast: clamp(factor × x + (1 − factor) × mean),
 * the mean over the whole image. */
void
ls_augment_contrast (const float *src,
                     float *dst,
                     gsize n,
                     float factor)
{
  LsVf acc = ls_vf_set1 (0.0f);
  double sum = 0.0;
  float bias;
  gsize i = 0;

  for (; i + LS_VF_N <= n; i += LS_VF_N)
    acc += ls_vf_load (src + i);
  for (int k = 0; k < LS_VF_N; k++)
    sum += acc[k];
  for (; i < n; i++)
    sum += src[i];
  bias = (1.0f - factor) * (float) (sum / (double) n);
  {
    LsVf f = ls_vf_set1 (factor), b = ls_vf_set1 (bias);

    for (i = 0; i + LS_VF_N <= n; i += LS_VF_N)
      ls_vf_store (dst + i, ls_vf_clamp01 (f * ls_vf_load (src + i) + b));
  }
  for (; i < n; i++)
    dst[i] = CLAMP (factor * src[i] + bias, 0.0f, 1.0f);
}

/* x + N(mean, std²), clamped to [0, 1] (the image contract; Kornia does not
 * clamp). The noise comes from its own generator seeded by @seed, turned
 * into normal deviates four pairs at a time by the Box–Muller transform:
 * r = √(−2 ln u₁) with u₁ in (0, 1] (so |z| ≤ 5.8), the angle's sine and
 * cosine from Taylor polynomials of its half (error below 3e-5). */
void
ls_augment_noise (const float *src,
                  float *dst,
                  gsize n,
                  guint64 seed,
                  float mean,
                  float std)
{
  LsRng rng;
  LsVf vmean = ls_vf_set1 (mean), vstd = ls_vf_set1 (std), one = ls_vf_set1 (1.0f);
  gsize i = 0;

  ls_rng_init (&rng, seed, 0x6e6f697365); /* "noise" */
  for (; i + 2 * LS_VF_N <= n; i += 2 * LS_VF_N)
    {
      LsVf u1, u2, r2, r, h, h2, s, c, z0, z1;

      for (int k = 0; k < LS_VF_N; k++)
        {
          u1[k] = (float) ((ls_rng_next (&rng) >> 8) + 1) * 0x1.0p-24f;
          u2[k] = (float) (ls_rng_next (&rng) >> 8) * 0x1.0p-24f;
        }
      r2 = ls_vf_set1 (-2.0f * 0.69314718f) * ls_vf_log2 (u1);
      for (int k = 0; k < LS_VF_N; k++)
        r[k] = sqrtf (r2[k]);
      /* half the angle, shifted by π (which only flips both signs): |h| ≤ π/2 */
      h = (u2 - ls_vf_set1 (0.5f)) * ls_vf_set1 ((float) G_PI);
      h2 = h * h;
      s = ls_vf_set1 (1.0f / 362880.0f);
      s = s * h2 - ls_vf_set1 (1.0f / 5040.0f);
      s = s * h2 + ls_vf_set1 (1.0f / 120.0f);
      s = s * h2 - ls_vf_set1 (1.0f / 6.0f);
      s = (s * h2 + one) * h;
      c = ls_vf_set1 (1.0f / 3628800.0f);
      c = c * h2 + ls_vf_set1 (-1.0f / 40320.0f);
      c = c * h2 + ls_vf_set1 (1.0f / 720.0f);
      c = c * h2 - ls_vf_set1 (1.0f / 24.0f);
      c = c * h2 + ls_vf_set1 (0.5f);
      c = one - c * h2;
      z0 = r * (one - ls_vf_set1 (2.0f) * s * s); /* cos 2h */
      z1 = r * (ls_vf_set1 (2.0f) * s * c);       /* sin 2h */
      ls_vf_store (dst + i, ls_vf_clamp01 (ls_vf_load (src + i) + vmean + vstd * z0));
      ls_vf_store (dst + i + LS_VF_N, ls_vf_clamp01 (ls_vf_load (src + i + LS_VF_N) + vmean + vstd * z1));
    }
  for (; i < n; i += 2)
    {
      float a, b;

      ls_rng_normal2 (&rng, &a, &b);
      dst[i] = CLAMP (src[i] + mean + std * a, 0.0f, 1.0f);
      if (i + 1 < n)
        dst[i + 1] = CLAMP (src[i + 1] + mean + std * b, 0.0f, 1.0f);
    }
}

/* clamp(gain × x^gamma) by linear interpolation in a table whose knots
 * are evenly spaced within each binary octave (the top 7 mantissa bits and
 * the exponent of x index it, the other 16 bits interpolate), filled with
 * ls_gamma_plane. On a knot spacing of 1/128 of x the interpolation error
 * is below |γ(γ − 1)| / 8 × 2^−14 of the value. */
void
ls_augment_gamma (const float *src,
                  float *dst,
                  gsize n,
                  float gamma,
                  float gain,
                  float *lut)
{
  const int shift = 23 - LS_AUGMENT_GAMMA_LUT_BITS;
  const int base = (127 - LS_AUGMENT_GAMMA_LUT_OCTAVES) << LS_AUGMENT_GAMMA_LUT_BITS;
  const int knots = LS_AUGMENT_GAMMA_LUT_SIZE - 1;
  const float scale = 1.0f / (float) (1 << shift);
  gsize i = 0;

  for (int k = 0; k < knots; k++)
    {
      gint32 bits = (base + k) << shift;

      memcpy (&lut[k], &bits, sizeof (float));
    }
  ls_gamma_plane (lut, lut, knots, gamma, gain);
  lut[knots] = lut[knots - 1];

  for (; i + LS_VF_N <= n; i += LS_VF_N)
    {
      LsVf x = ls_vf_clamp01 (ls_vf_load (src + i));
      LsVi bits = (LsVi) x;
      LsVi k = (bits >> shift) - base;
      LsVi tiny = k < 0;
      LsVf f = __builtin_convertvector(bits & ((1 << shift) - 1), LsVf) * ls_vf_set1 (scale);
      LsVf p01, p23, lo, hi;

      k = (LsVi) ls_vf_select (tiny, (LsVf) (LsVi){ 0, 0, 0, 0 }, (LsVf) k);
      p01 = pair_load (lut + k[0], lut + k[1]);
      p23 = pair_load (lut + k[2], lut + k[3]);
      lo = __builtin_shufflevector (p01, p23, 0, 2, 4, 6);
      hi = __builtin_shufflevector (p01, p23, 1, 3, 5, 7);
      ls_vf_store (dst + i, ls_vf_select (tiny, ls_vf_set1 (0.0f), lo + f * (hi - lo)));
    }
  for (; i < n; i++)
    {
      float x = CLAMP (src[i], 0.0f, 1.0f);
      gint32 bits, k;
      float f;

      memcpy (&bits, &x, sizeof bits);
      k = (bits >> shift) - base;
      f = (float) (bits & ((1 << shift) - 1)) * scale;
      dst[i] = k < 0 ? 0.0f : lut[k] + f * (lut[k + 1] - lut[k]);
    }
}

void
ls_augment_erase (float *image,
                  int width,
                  const int *box,
                  float value)
{
  for (int y = box[1]; y < box[1] + box[3]; y++)
    for (int x = box[0]; x < box[0] + box[2]; x++)
      image[(gsize) y * width + x] = value;
}

/* Kornia's elastic_transform2d: noise uniform in [−1, 1) per axis, blurred
 * by a Gaussian (kernel_size, σ; reflected borders), times alpha, is a
 * displacement in normalised coordinates; here converted to pixels
 * ((width − 1) / 2 and (height − 1) / 2 a unit). Fills scratch->dx, ->dy. */
void
ls_augment_elastic_field (LsAugmentScratch *scratch,
                          int width,
                          int height,
                          guint64 seed,
                          int kernel_size,
                          double sigma,
                          double alpha)
{
  gsize n = (gsize) width * height;
  LsRng rng;
  float sx, sy;

  ls_rng_init (&rng, seed, 0x656c6173); /* "elas" */
  for (gsize i = 0; i < n; i++)
    scratch->dx[i] = (float) (ls_rng_next (&rng) >> 8) * 0x1.0p-23f - 1.0f;
  for (gsize i = 0; i < n; i++)
    scratch->dy[i] = (float) (ls_rng_next (&rng) >> 8) * 0x1.0p-23f - 1.0f;
  ls_augment_gaussian_kernel (scratch->kernel, kernel_size, sigma);
  ls_augment_blur (scratch->dx, scratch->dx, width, height, scratch->kernel, kernel_size, scratch->tmp, scratch->row);
  ls_augment_blur (scratch->dy, scratch->dy, width, height, scratch->kernel, kernel_size, scratch->tmp, scratch->row);
  sx = (float) (alpha * (width - 1) / 2.0);
  sy = (float) (alpha * (height - 1) / 2.0);
  for (gsize i = 0; i < n; i++)
    {
      scratch->dx[i] *= sx;
      scratch->dy[i] *= sy;
    }
}
