/* conv2d.c — 2-D convolution: im2col + cblas_sgemm, and its naive twin
 *
 * Per image: col (C·k·k, Ho·Wo) = im2col (x); y (M, Ho·Wo) = W (M, C·k·k) ·
 * col. The backward recomputes col, accumulates dW += dy · colᵀ, then
 * reuses the same scratch for dcol = Wᵀ · dy and scatters it back with
 * col2im, the adjoint of im2col. A 1×1, stride-1, pad-0 convolution uses x
 * itself as col.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "layers.h"

#include <cblas.h>
#include <string.h>

void
ls_conv_shape_init (LsConvShape *s,
                    int n,
                    int c,
                    int h,
                    int w,
                    int m,
                    int k,
                    int stride,
                    int pad)
{
  s->n = n;
  s->c = c;
  s->h = h;
  s->w = w;
  s->m = m;
  s->k = k;
  s->stride = stride;
  s->pad = pad;
  s->ho = (h + 2 * pad - k) / stride + 1;
  s->wo = (w + 2 * pad - k) / stride + 1;
  g_assert (s->ho > 0 && s->wo > 0);
}

static inline gboolean
is_pointwise (const LsConvShape *s)
{
  return s->k == 1 && s->stride == 1 && s->pad == 0;
}

/* Output rows per im2col chunk: the chunk's columns stay near
 * LS_CONV_CHUNK_FLOATS floats, so they are still in cache when the GEMM
 * reads them. */
static int
chunk_rows (const LsConvShape *s)
{
  gsize per_row = (gsize) s->c * s->k * s->k * s->wo;

  return (int) CLAMP (LS_CONV_CHUNK_FLOATS / per_row, 1, (gsize) s->ho);
}

gsize
ls_engine_conv2d_scratch_size (const LsConvShape *s)
{
  if (is_pointwise (s))
    return 0;
  return (gsize) s->c * s->k * s->k * chunk_rows (s) * s->wo;
}

/* The range of output columns [lo, hi) whose input column lies inside. */
static inline void
valid_range (int w,
             int stride,
             int offset,
             int wo,
             int *lo,
             int *hi)
{
  /* iw = ow * stride + offset must satisfy 0 <= iw < w */
  int a = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int b = (w - 1 - offset) >= 0 ? (w - 1 - offset) / stride + 1 : 0;

  *lo = MIN (a, wo);
  *hi = CLAMP (b, *lo, wo);
}

void
ls_engine_im2col (const float *x,
                  float *col,
                  int c,
                  int h,
                  int w,
                  int k,
                  int stride,
                  int pad,
                  int ho,
                  int wo)
{
  ls_engine_im2col_ld (x, col, (gsize) ho * wo, c, h, w, k, stride, pad, wo, 0, ho);
}

void
ls_engine_im2col_ld (const float *x,
                     float *col,
                     gsize ld,
                     int c,
                     int h,
                     int w,
                     int k,
                     int stride,
                     int pad,
                     int wo,
                     int oh0,
                     int oh1)
{
  for (int ci = 0; ci < c; ci++)
    for (int kh = 0; kh < k; kh++)
      for (int kw = 0; kw < k; kw++)
        {
          float *row = col + (((gsize) ci * k + kh) * k + kw) * ld;
          int lo, hi;

          valid_range (w, stride, kw - pad, wo, &lo, &hi);
          for (int oh = oh0; oh < oh1; oh++)
            {
              int ih = oh * stride - pad + kh;
              float *dst = row + (gsize) (oh - oh0) * wo;
              const float *src;

              if (ih < 0 || ih >= h)
                {
                  memset (dst, 0, sizeof (float) * wo);
                  continue;
                }
              src = x + ((gsize) ci * h + ih) * w + kw - pad;
              for (int ow = 0; ow < lo; ow++)
                dst[ow] = 0.0f;
              if (stride == 1)
                memcpy (dst + lo, src + lo, sizeof (float) * (hi - lo));
              else
                for (int ow = lo; ow < hi; ow++)
                  dst[ow] = src[ow * stride];
              for (int ow = hi; ow < wo; ow++)
                dst[ow] = 0.0f;
            }
        }
}

void
ls_engine_col2im (const float *col,
                  float *x,
                  int c,
                  int h,
                  int w,
                  int k,
                  int stride,
                  int pad,
                  int ho,
                  int wo)
{
  memset (x, 0, sizeof (float) * c * h * w);
  ls_engine_col2im_ld (col, (gsize) ho * wo, x, c, h, w, k, stride, pad, wo, 0, ho);
}

void
ls_engine_col2im_ld (const float *col,
                     gsize ld,
                     float *x,
                     int c,
                     int h,
                     int w,
                     int k,
                     int stride,
                     int pad,
                     int wo,
                     int oh0,
                     int oh1)
{
  for (int ci = 0; ci < c; ci++)
    for (int kh = 0; kh < k; kh++)
      for (int kw = 0; kw < k; kw++)
        {
          const float *row = col + (((gsize) ci * k + kh) * k + kw) * ld;
          int lo, hi;

          valid_range (w, stride, kw - pad, wo, &lo, &hi);
          for (int oh = oh0; oh < oh1; oh++)
            {
              int ih = oh * stride - pad + kh;
              const float *src = row + (gsize) (oh - oh0) * wo;
              float *dst;

              if (ih < 0 || ih >= h)
                continue;
              dst = x + ((gsize) ci * h + ih) * w + kw - pad;
              if (stride == 1)
                for (int ow = lo; ow < hi; ow++)
                  dst[ow] += src[ow];
              else
                for (int ow = lo; ow < hi; ow++)
                  dst[ow * stride] += src[ow];
            }
        }
}

int
ls_engine_conv2d_group (const LsConvShape *s,
                        int max_images)
{
  int p = s->ho * s->wo;
  gsize per_image = (gsize) s->c * s->k * s->k * p;
  int by_columns, by_floats;

  if (is_pointwise (s) || p >= LS_CONV_GROUP_COLUMNS)
    return 1;
  by_columns = (LS_CONV_GROUP_COLUMNS + p - 1) / p;
  by_floats = (int) MAX (LS_CONV_GROUP_FLOATS / per_image, 1);
  return CLAMP (MIN (by_columns, by_floats), 1, MAX (max_images, 1));
}

gsize
ls_engine_conv2d_scratch_size_group (const LsConvShape *s,
                                     int group)
{
  gsize p = (gsize) s->ho * s->wo;

  if (group <= 1)
    return ls_engine_conv2d_scratch_size (s);
  return ((gsize) s->c * s->k * s->k + s->m) * p * group;
}

static void
add_bias (float *y,
          const float *b,
          int m,
          gsize p,
          gsize ld)
{
  for (int i = 0; i < m; i++)
    {
      float bm = b[i];
      float *row = y + (gsize) i * ld;

      for (gsize j = 0; j < p; j++)
        row[j] += bm;
    }
}

void
ls_engine_conv2d_forward_rows (const LsConvShape *s,
                               int n,
                               int oh0,
                               int oh1,
                               const float *x,
                               const float *w,
                               const float *b,
                               float *y,
                               float *scratch)
{
  int kk = s->c * s->k * s->k;
  gsize p = (gsize) s->ho * s->wo, xs = (gsize) s->c * s->h * s->w, ys = (gsize) s->m * p;
  float *yn = y + n * ys;
  int rows = chunk_rows (s);

  for (int oh = oh0; oh < oh1; oh += rows)
    {
      int end = MIN (oh + rows, oh1);
      gsize pc = (gsize) (end - oh) * s->wo, p0 = (gsize) oh * s->wo;

      if (is_pointwise (s))
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, pc, kk, 1.0f, w, kk,
                     x + n * xs + p0, p, 0.0f, yn + p0, p);
      else
        {
          ls_engine_im2col_ld (x + n * xs, scratch, pc, s->c, s->h, s->w, s->k, s->stride, s->pad,
                               s->wo, oh, end);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, pc, kk, 1.0f, w, kk,
                       scratch, pc, 0.0f, yn + p0, p);
        }
      if (b != NULL)
        for (int m = 0; m < s->m; m++)
          for (gsize i = 0; i < pc; i++)
            yn[m * p + p0 + i] += b[m];
    }
}

void
ls_engine_conv2d_forward_images (const LsConvShape *s,
                                 int n0,
                                 int n1,
                                 int group,
                                 const float *x,
                                 const float *w,
                                 const float *b,
                                 float *y,
                                 float *scratch)
{
  int kk = s->c * s->k * s->k;
  gsize p = (gsize) s->ho * s->wo, xs = (gsize) s->c * s->h * s->w, ys = (gsize) s->m * p;

  for (int n = n0; n < n1; n += group)
    {
      int g = MIN (group, n1 - n);
      float *col = scratch, *tmp = scratch + (gsize) kk * p * group;
      gsize ld = p * g;

      if (group <= 1)
        {
          ls_engine_conv2d_forward_rows (s, n, 0, s->ho, x, w, b, y, scratch);
          continue;
        }
      for (int i = 0; i < g; i++)
        ls_engine_im2col_ld (x + (n + i) * xs, col + i * p, ld, s->c, s->h, s->w, s->k, s->stride,
                             s->pad, s->wo, 0, s->ho);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, ld, kk, 1.0f, w, kk, col, ld,
                   0.0f, tmp, ld);
      if (b != NULL)
        add_bias (tmp, b, s->m, ld, ld);
      for (int i = 0; i < g; i++)
        for (int m = 0; m < s->m; m++)
          memcpy (y + (n + i) * ys + m * p, tmp + m * ld + i * p, sizeof (float) * p);
    }
}

void
ls_engine_conv2d_backward_images (const LsConvShape *s,
                                  int n0,
                                  int n1,
                                  int group,
                                  const float *x,
                                  const float *w,
                                  const float *dy,
                                  float *dw,
                                  float *db,
                                  float *dx,
                                  float *scratch)
{
  int kk = s->c * s->k * s->k;
  gsize p = (gsize) s->ho * s->wo, xs = (gsize) s->c * s->h * s->w, ys = (gsize) s->m * p;

  if (db != NULL)
    for (int n = n0; n < n1; n++)
      for (int m = 0; m < s->m; m++)
        {
          const float *row = dy + n * ys + m * p;
          float acc[8] = { 0 };

          for (gsize i = 0; i + 8 <= p; i += 8)
            for (int j = 0; j < 8; j++)
              acc[j] += row[i + j];
          for (gsize i = p / 8 * 8; i < p; i++)
            acc[0] += row[i];
          db[m] += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        }
  for (int n = n0; n < n1; n += group)
    {
      int g = MIN (group, n1 - n);
      float *col = scratch, *tmp = scratch + (gsize) kk * p * group;
      gsize ld = p * g;

      if (group <= 1)
        {
          const float *xn = x + n * xs;
          const float *dyn = dy + n * ys;
          float *dxn = dx != NULL ? dx + n * xs : NULL;
          int rows = chunk_rows (s);

          if (is_pointwise (s))
            {
              if (dw != NULL)
                cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, s->m, kk, p, 1.0f, dyn, p, xn,
                             p, 1.0f, dw, kk);
              if (dxn != NULL)
                cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kk, p, s->m, 1.0f, w, kk, dyn,
                             p, 0.0f, dxn, p);
              continue;
            }
          if (dxn != NULL)
            memset (dxn, 0, sizeof (float) * xs);
          for (int oh = 0; oh < s->ho; oh += rows)
            {
              int oh1 = MIN (oh + rows, s->ho);
              gsize pc = (gsize) (oh1 - oh) * s->wo;
              const float *dyc = dyn + (gsize) oh * s->wo;

              if (dw != NULL)
                {
                  ls_engine_im2col_ld (xn, scratch, pc, s->c, s->h, s->w, s->k, s->stride, s->pad,
                                       s->wo, oh, oh1);
                  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, s->m, kk, pc, 1.0f, dyc, p,
                               scratch, pc, 1.0f, dw, kk);
                }
              if (dxn != NULL)
                {
                  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kk, pc, s->m, 1.0f, w, kk,
                               dyc, p, 0.0f, scratch, pc);
                  ls_engine_col2im_ld (scratch, pc, dxn, s->c, s->h, s->w, s->k, s->stride,
                                       s->pad, s->wo, oh, oh1);
                }
            }
          continue;
        }
      /* gather dy of the group as (M, g·P) */
      for (int i = 0; i < g; i++)
        for (int m = 0; m < s->m; m++)
          memcpy (tmp + m * ld + i * p, dy + (n + i) * ys + m * p, sizeof (float) * p);
      if (dw != NULL)
        {
          for (int i = 0; i < g; i++)
            ls_engine_im2col_ld (x + (n + i) * xs, col + i * p, ld, s->c, s->h, s->w, s->k,
                                 s->stride, s->pad, s->wo, 0, s->ho);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, s->m, kk, ld, 1.0f, tmp, ld, col,
                       ld, 1.0f, dw, kk);
        }
      if (dx != NULL)
        {
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kk, ld, s->m, 1.0f, w, kk, tmp, ld,
                       0.0f, col, ld);
          for (int i = 0; i < g; i++)
            {
              memset (dx + (n + i) * xs, 0, sizeof (float) * xs);
              ls_engine_col2im_ld (col + i * p, ld, dx + (n + i) * xs, s->c, s->h, s->w, s->k,
                                   s->stride, s->pad, s->wo, 0, s->ho);
            }
        }
    }
}

void
ls_engine_conv2d_backward_input_channels (const LsConvShape *s,
                                          int n,
                                          int c0,
                                          int c1,
                                          const float *w,
                                          const float *dy,
                                          float *dx,
                                          float *scratch)
{
  int kk2 = s->k * s->k, kk = s->c * kk2, kc = (c1 - c0) * kk2;
  gsize p = (gsize) s->ho * s->wo, xs = (gsize) s->c * s->h * s->w, plane = (gsize) s->h * s->w;
  const float *dyn = dy + n * (gsize) s->m * p;
  float *dxn = dx + n * xs + c0 * plane;
  int rows = chunk_rows (s);

  if (c1 <= c0)
    return;
  if (is_pointwise (s))
    {
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kc, p, s->m, 1.0f, w + c0 * kk2, kk, dyn,
                   p, 0.0f, dxn, p);
      return;
    }
  memset (dxn, 0, sizeof (float) * (c1 - c0) * plane);
  for (int oh = 0; oh < s->ho; oh += rows)
    {
      int oh1 = MIN (oh + rows, s->ho);
      gsize pc = (gsize) (oh1 - oh) * s->wo;

      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kc, pc, s->m, 1.0f, w + c0 * kk2, kk,
                   dyn + (gsize) oh * s->wo, p, 0.0f, scratch, pc);
      ls_engine_col2im_ld (scratch, pc, dxn, c1 - c0, s->h, s->w, s->k, s->stride, s->pad, s->wo,
                           oh, oh1);
    }
}

void
ls_engine_conv2d_forward (const LsConvShape *s,
                          const float *x,
                          const float *w,
                          const float *b,
                          float *y,
                          float *scratch)
{
  ls_engine_conv2d_forward_images (s, 0, s->n, 1, x, w, b, y, scratch);
}

void
ls_engine_conv2d_backward (const LsConvShape *s,
                           const float *x,
                           const float *w,
                           const float *dy,
                           float *dw,
                           float *db,
                           float *dx,
                           float *scratch)
{
  ls_engine_conv2d_backward_images (s, 0, s->n, 1, x, w, dy, dw, db, dx, scratch);
}

/* The direct seven loops, accumulated in double. */
void
ls_engine_conv2d_forward_ref (const LsConvShape *s,
                              const float *x,
                              const float *w,
                              const float *b,
                              float *y)
{
  for (int n = 0; n < s->n; n++)
    for (int m = 0; m < s->m; m++)
      for (int oh = 0; oh < s->ho; oh++)
        for (int ow = 0; ow < s->wo; ow++)
          {
            double acc = b != NULL ? b[m] : 0.0;

            for (int c = 0; c < s->c; c++)
              for (int kh = 0; kh < s->k; kh++)
                for (int kw = 0; kw < s->k; kw++)
                  {
                    int ih = oh * s->stride - s->pad + kh;
                    int iw = ow * s->stride - s->pad + kw;

                    if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                      continue;
                    acc += (double) x[(((gsize) n * s->c + c) * s->h + ih) * s->w + iw] * w[(((gsize) m * s->c + c) * s->k + kh) * s->k + kw];
                  }
            y[(((gsize) n * s->m + m) * s->ho + oh) * s->wo + ow] = (float) acc;
          }
}

void
ls_engine_conv2d_backward_ref (const LsConvShape *s,
                               const float *x,
                               const float *w,
                               const float *dy,
                               float *dw,
                               float *db,
                               float *dx)
{
  if (dx != NULL)
    memset (dx, 0, sizeof (float) * s->n * s->c * s->h * s->w);
  for (int n = 0; n < s->n; n++)
    for (int m = 0; m < s->m; m++)
      for (int oh = 0; oh < s->ho; oh++)
        for (int ow = 0; ow < s->wo; ow++)
          {
            float g = dy[(((gsize) n * s->m + m) * s->ho + oh) * s->wo + ow];

            if (db != NULL)
              db[m] += g;
            for (int c = 0; c < s->c; c++)
              for (int kh = 0; kh < s->k; kh++)
                for (int kw = 0; kw < s->k; kw++)
                  {
                    int ih = oh * s->stride - s->pad + kh;
                    int iw = ow * s->stride - s->pad + kw;
                    gsize xi = (((gsize) n * s->c + c) * s->h + ih) * s->w + iw;
                    gsize wi = (((gsize) m * s->c + c) * s->k + kh) * s->k + kw;

                    if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                      continue;
                    if (dw != NULL)
                      dw[wi] += g * x[xi];
                    if (dx != NULL)
                      dx[xi] += g * w[wi];
                  }
          }
}
