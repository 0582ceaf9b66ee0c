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
static inline float
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
  x0 = (int) floorf (u);
  y0 = (int) floorf (v);
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

  for (int y = 0; y < height; y++)
    {
      double bu = m[1] * y + m[2], bv = m[4] * y + m[5], bw = m[7] * y + m[8];
      float *o = dst + (gsize) y * width;

      if (affine)
        {
          float a = (float) m[0], d = (float) m[3], fu = (float) bu, fv = (float) bv;

          for (int x = 0; x < width; x++)
            o[x] = sample (src, width, height, a * (float) x + fu, d * (float) x + fv, padding);
        }
      else
        for (int x = 0; x < width; x++)
          {
            double w = m[6] * x + bw;
            float u = NAN, v = NAN;

            if (w > 1e-12)
              {
                u = (float) ((m[0] * x + bu) / w);
                v = (float) ((m[3] * x + bv) / w);
              }
            o[x] = sample (src, width, height, u, v, padding);
          }
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

  for (int y = 0; y < height; y++)
    {
      const float *s = src + (gsize) y * width;
      float *o = tmp + (gsize) y * width;
      int x = 0;

      for (int i = 0; i < width + size - 1; i++)
        row[i] = s[ls_reflect_index (i - r, width)];
      for (; x + LS_VF_N <= width; x += LS_VF_N)
        {
          LsVf acc = ls_vf_set1 (0.0f);

          for (int k = 0; k < size; k++)
            acc += ls_vf_set1 (kernel[k]) * ls_vf_load (row + x + k);
          ls_vf_store (o + x, acc);
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
      int x = 0;

      for (; x + LS_VF_N <= width; x += LS_VF_N)
        {
          LsVf acc = ls_vf_set1 (0.0f);

          for (int k = 0; k < size; k++)
            acc += ls_vf_set1 (kernel[k]) * ls_vf_load (tmp + (gsize) ls_reflect_index (y + k - r, height) * width + x);
          ls_vf_store (o + x, acc);
        }
      for (; x < width; x++)
        {
          float acc = 0.0f;

          for (int k = 0; k < size; k++)
            acc += kernel[k] * tmp[(gsize) ls_reflect_index (y + k - r, height) * width + x];
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
 * clamp). The noise comes from its own generator seeded by @seed. */
void
ls_augment_noise (const float *src,
                  float *dst,
                  gsize n,
                  guint64 seed,
                  float mean,
                  float std)
{
  LsRng rng;
  gsize i = 0;

  ls_rng_init (&rng, seed, 0x6e6f697365); /* "noise" */
  for (; i + 2 <= n; i += 2)
    {
      float a, b;

      ls_rng_normal2 (&rng, &a, &b);
      dst[i] = CLAMP (src[i] + mean + std * a, 0.0f, 1.0f);
      dst[i + 1] = CLAMP (src[i + 1] + mean + std * b, 0.0f, 1.0f);
    }
  if (i < n)
    {
      float a, b;

      ls_rng_normal2 (&rng, &a, &b);
      dst[i] = CLAMP (src[i] + mean + std * a, 0.0f, 1.0f);
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
