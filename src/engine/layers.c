/* layers.c — batch norm, ReLU, max-pool, average pool, linear, dropout and
 * the loss, each as a forward/backward pair over raw pointers
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
/* x·scale + shift rounds the same in every loop and every build (the
 * fused and unfused batch norm, the ReLU mask recomputed in the backward),
 * whatever width each loop is vectorized at */
#pragma GCC optimize("fp-contract=off")
#endif

#include "layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The batch-norm and pooling loops are built twice, for AVX-512 and for
 * the baseline, and the loader picks one for the CPU (an ifunc). Their
 * sums run in fixed lanes, so both give the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CLONES __attribute__ ((target_clones ("avx512f", "default")))
#endif
#endif
#ifndef CLONES
#define CLONES
#endif
#define INLINE static inline __attribute__ ((always_inline))

/* the vector helpers below are always inlined: no vector crosses a call */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef float V8 __attribute__ ((vector_size (32)));
typedef int V8i __attribute__ ((vector_size (32)));
typedef double V8d __attribute__ ((vector_size (64)));
typedef unsigned char V8u8 __attribute__ ((vector_size (8)));

/* 2×2 windows, eight at a time: the even and odd columns of 16 floats */
INLINE void
load_pairs (const float *r,
            V8 *even,
            V8 *odd)
{
  V8 a, b;

  memcpy (&a, r, sizeof a);
  memcpy (&b, r + 8, sizeof b);
  *even = __builtin_shufflevector (a, b, 0, 2, 4, 6, 8, 10, 12, 14);
  *odd = __builtin_shufflevector (a, b, 1, 3, 5, 7, 9, 11, 13, 15);
}

/* m ? a : b, lane by lane (m all ones or all zeros) */
INLINE V8
select8 (V8i m,
         V8 a,
         V8 b)
{
  return (V8) (((V8i) a & m) | ((V8i) b & ~m));
}

INLINE V8
relu8 (V8 v)
{
  return (V8) ((V8i) v & (v > 0.0f));
}

/* ---- batch norm ------------------------------------------------------ */

/* Sums in eight lanes, added in a fixed order: vectorizes without
 * reassociation and gives the same bits every run. */
static inline double
lane_sum (const double *acc)
{
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Batch statistics of channel @ci: saves mean and 1/sqrt(var+eps),
 * updates the running statistics, returns the affine map of the forward. */
INLINE void
bn_train_stats (const float *x,
                const float *gamma,
                const float *beta,
                float *running_mean,
                float *running_var,
                float *save_mean,
                float *save_invstd,
                int n,
                int c,
                int hw,
                int ci,
                float *scale,
                float *shift)
{
  double count = (double) n * hw;
  double sum = 0.0, sq = 0.0, mean, var;
  float fmean, invstd;
  /* one pass, shifted by a sample of the channel against cancellation */
  float s0 = x[(gsize) ci * hw];

  for (int ni = 0; ni < n; ni++)
    {
      const float *p = x + ((gsize) ni * c + ci) * hw;
      double a1[8] = { 0 }, a2[8] = { 0 };
      V8d v1 = { 0 }, v2 = { 0 };
      int i;

      /* eight lanes of doubles, as vectors */
      for (i = 0; i + 8 <= hw; i += 8)
        {
          V8 pv;
          V8d d;

          memcpy (&pv, p + i, sizeof pv);
          d = __builtin_convertvector(pv, V8d) - (double) s0;
          v1 += d;
          v2 += d * d;
        }
      memcpy (a1, &v1, sizeof v1);
      memcpy (a2, &v2, sizeof v2);
      for (; i < hw; i++)
        {
          double d = (double) p[i] - s0;

          a1[0] += d;
          a2[0] += d * d;
        }
      sum += lane_sum (a1);
      sq += lane_sum (a2);
    }
  mean = s0 + sum / count;
  fmean = (float) mean;
  sq = MAX (sq - sum * sum / count, 0.0);
  var = sq / count;
  invstd = (float) (1.0 / sqrt (var + LS_BN_EPS));
  save_mean[ci] = fmean;
  save_invstd[ci] = invstd;
  running_mean[ci] = (1.0f - LS_BN_MOMENTUM) * running_mean[ci] + LS_BN_MOMENTUM * fmean;
  running_var[ci] = (1.0f - LS_BN_MOMENTUM) * running_var[ci] + LS_BN_MOMENTUM * (float) (var * count / (count - 1.0));
  *scale = gamma[ci] * invstd;
  *shift = beta[ci] - fmean * *scale;
}

INLINE void
bn_eval_stats (const float *gamma,
               const float *beta,
               const float *running_mean,
               const float *running_var,
               float *save_mean,
               float *save_invstd,
               int ci,
               float *scale,
               float *shift)
{
  float invstd = 1.0f / sqrtf (running_var[ci] + LS_BN_EPS);

  *scale = gamma[ci] * invstd;
  *shift = beta[ci] - running_mean[ci] * *scale;
  save_mean[ci] = running_mean[ci];
  save_invstd[ci] = invstd;
}

INLINE void
bn_apply (const float *x,
          float *y,
          gboolean relu,
          int n,
          int c,
          int hw,
          int ci,
          float scale,
          float shift)
{
  for (int ni = 0; ni < n; ni++)
    {
      const float *p = x + ((gsize) ni * c + ci) * hw;
      float *q = y + ((gsize) ni * c + ci) * hw;

      if (relu)
        for (int i = 0; i < hw; i++)
          {
            float v = p[i] * scale + shift;

            q[i] = v > 0.0f ? v : 0.0f;
          }
      else
        for (int i = 0; i < hw; i++)
          q[i] = p[i] * scale + shift;
    }
}

CLONES void
ls_engine_batchnorm_forward_train (const float *x,
                                   float *y,
                                   const float *gamma,
                                   const float *beta,
                                   float *running_mean,
                                   float *running_var,
                                   float *save_mean,
                                   float *save_invstd,
                                   gboolean relu,
                                   int n,
                                   int c,
                                   int hw,
                                   int c0,
                                   int c1)
{
  g_assert (n * hw > 1);
  for (int ci = c0; ci < c1; ci++)
    {
      float scale, shift;

      bn_train_stats (x, gamma, beta, running_mean, running_var, save_mean, save_invstd, n, c, hw,
                      ci, &scale, &shift);
      bn_apply (x, y, relu, n, c, hw, ci, scale, shift);
    }
}

CLONES void
ls_engine_batchnorm_forward_eval (const float *x,
                                  float *y,
                                  const float *gamma,
                                  const float *beta,
                                  const float *running_mean,
                                  const float *running_var,
                                  float *save_mean,
                                  float *save_invstd,
                                  gboolean relu,
                                  int n,
                                  int c,
                                  int hw,
                                  int c0,
                                  int c1)
{
  for (int ci = c0; ci < c1; ci++)
    {
      float scale, shift;

      bn_eval_stats (gamma, beta, running_mean, running_var, save_mean, save_invstd, ci, &scale,
                     &shift);
      bn_apply (x, y, relu, n, c, hw, ci, scale, shift);
    }
}

CLONES void
ls_engine_batchnorm_pool_forward (const float *x,
                                  float *pooled,
                                  uint8_t *argmax,
                                  const float *gamma,
                                  const float *beta,
                                  float *running_mean,
                                  float *running_var,
                                  float *save_mean,
                                  float *save_invstd,
                                  gboolean train,
                                  int n,
                                  int c,
                                  int h,
                                  int w,
                                  int c0,
                                  int c1)
{
  int ho = h / 2, wo = w / 2;

  g_assert (!train || n * h * w > 1);
  for (int ci = c0; ci < c1; ci++)
    {
      float scale, shift;

      if (train)
        bn_train_stats (x, gamma, beta, running_mean, running_var, save_mean, save_invstd, n, c,
                        h * w, ci, &scale, &shift);
      else
        bn_eval_stats (gamma, beta, running_mean, running_var, save_mean, save_invstd, ci, &scale,
                       &shift);
      for (int ni = 0; ni < n; ni++)
        {
          const float *p = x + ((gsize) ni * c + ci) * h * w;
          float *q = pooled + ((gsize) ni * c + ci) * ho * wo;
          uint8_t *a = argmax + ((gsize) ni * c + ci) * ho * wo;

          for (int oh = 0; oh < ho; oh++)
            {
              const float *r0 = p + (gsize) (2 * oh) * w, *r1 = r0 + w;
              int ow = 0;

              /* eight windows at a time, as the loop below does one */
              for (; ow + 8 <= wo; ow += 8)
                {
                  V8 e0, o0, e1, o1, best;
                  V8i idx = { 0 }, m;
                  V8u8 bytes;

                  load_pairs (r0 + 2 * ow, &e0, &o0);
                  load_pairs (r1 + 2 * ow, &e1, &o1);
                  e0 = relu8 (e0 * scale + shift);
                  o0 = relu8 (o0 * scale + shift);
                  e1 = relu8 (e1 * scale + shift);
                  o1 = relu8 (o1 * scale + shift);
                  best = e0;
                  m = o0 > best;
                  best = select8 (m, o0, best);
                  idx = (idx & ~m) | (m & 1);
                  m = e1 > best;
                  best = select8 (m, e1, best);
                  idx = (idx & ~m) | (m & 2);
                  m = o1 > best;
                  best = select8 (m, o1, best);
                  idx = (idx & ~m) | (m & 3);
                  bytes = __builtin_convertvector(idx, V8u8);
                  memcpy (q + oh * wo + ow, &best, sizeof best);
                  memcpy (a + oh * wo + ow, &bytes, sizeof bytes);
                }
              for (; ow < wo; ow++)
                {
                  float v0 = r0[2 * ow] * scale + shift, v1 = r0[2 * ow + 1] * scale + shift;
                  float v2 = r1[2 * ow] * scale + shift, v3 = r1[2 * ow + 1] * scale + shift;
                  float best;
                  uint8_t idx = 0;

                  /* as relu then ls_engine_maxpool2_forward: first maximum wins */
                  v0 = v0 > 0.0f ? v0 : 0.0f;
                  v1 = v1 > 0.0f ? v1 : 0.0f;
                  v2 = v2 > 0.0f ? v2 : 0.0f;
                  v3 = v3 > 0.0f ? v3 : 0.0f;
                  best = v0;
                  if (v1 > best)
                    best = v1, idx = 1;
                  if (v2 > best)
                    best = v2, idx = 2;
                  if (v3 > best)
                    best = v3, idx = 3;
                  q[oh * wo + ow] = best;
                  a[oh * wo + ow] = idx;
                }
            }
        }
    }
}

static inline double
flane_sum (const float *acc)
{
  return ((double) acc[0] + acc[1] + ((double) acc[2] + acc[3])) + ((double) acc[4] + acc[5] + ((double) acc[6] + acc[7]));
}

/* Σ g and Σ g·(x − mean) over one plane, g masked by the fused ReLU (its
 * output x·scale + shift > 0, recomputed as the forward computed it).
 * Float lanes over blocks of 256, the blocks summed in double. */
INLINE void
bn_plane_sums (const float *p,
               const float *g,
               int hw,
               float mean,
               gboolean relu,
               float scale,
               float shift,
               double *sdy,
               double *sdyx)
{
  for (int i0 = 0; i0 < hw; i0 += 256)
    {
      int i1 = MIN (i0 + 256, hw), i = i0;
      float a1[8] = { 0 }, a2[8] = { 0 };

      if (relu)
        {
          /* the same eight lanes, as vectors (the select does not
           * vectorize by itself) */
          V8 v1 = { 0 }, v2 = { 0 };

          for (; i + 8 <= i1; i += 8)
            {
              V8 pv, gv, gm;
              V8i keep;

              memcpy (&pv, p + i, sizeof pv);
              memcpy (&gv, g + i, sizeof gv);
              keep = pv * scale + shift > 0.0f;
              gm = (V8) ((V8i) gv & keep);
              v1 += gm;
              v2 += gm * (pv - mean);
            }
          memcpy (a1, &v1, sizeof v1);
          memcpy (a2, &v2, sizeof v2);
          for (; i < i1; i++)
            {
              float gi = g[i];
              float gm = p[i] * scale + shift > 0.0f ? gi : 0.0f;

              a1[0] += gm;
              a2[0] += gm * (p[i] - mean);
            }
        }
      else
        {
          for (; i + 8 <= i1; i += 8)
            for (int j = 0; j < 8; j++)
              {
                a1[j] += g[i + j];
                a2[j] += g[i + j] * (p[i + j] - mean);
              }
          for (; i < i1; i++)
            {
              a1[0] += g[i];
              a2[0] += g[i] * (p[i] - mean);
            }
        }
      *sdy += flane_sum (a1);
      *sdyx += flane_sum (a2);
    }
}

CLONES void
ls_engine_batchnorm_backward (const float *x,
                              const float *dy,
                              const float *gamma,
                              const float *beta,
                              const float *save_mean,
                              const float *save_invstd,
                              gboolean relu,
                              gboolean train,
                              float *dgamma,
                              float *dbeta,
                              float *dx,
                              int n,
                              int c,
                              int hw,
                              int c0,
                              int c1)
{
  float count = (float) n * hw;

  for (int ci = c0; ci < c1; ci++)
    {
      float mean = save_mean[ci], invstd = save_invstd[ci];
      float scale = gamma[ci] * invstd, shift = beta[ci] - mean * scale;
      double sdy = 0.0, sdyx = 0.0;
      float fsdy, fsdyx, a, b;

      for (int ni = 0; ni < n; ni++)
        {
          gsize off = ((gsize) ni * c + ci) * hw;

          bn_plane_sums (x + off, dy + off, hw, mean, relu, scale, shift, &sdy, &sdyx);
        }
      fsdy = (float) sdy;
      fsdyx = (float) (sdyx * invstd); /* Σ dy · x̂ */
      if (dgamma != NULL)
        dgamma[ci] += fsdyx;
      if (dbeta != NULL)
        dbeta[ci] += fsdy;
      if (dx == NULL)
        continue;
      if (train)
        {
          /* dx = scale · (dy − mean(dy) − x̂ · mean(dy·x̂)) */
          a = scale * invstd * fsdyx / count; /* per unit (x − mean) */
          b = scale * fsdy / count;
        }
      else
        a = b = 0.0f;
      for (int ni = 0; ni < n; ni++)
        {
          gsize off = ((gsize) ni * c + ci) * hw;
          const float *p = x + off;
          const float *g = dy + off;
          float *q = dx + off;

          if (relu)
            for (int i = 0; i < hw; i++)
              {
                float v = p[i] * scale + shift, gi = g[i];
                float gm = v > 0.0f ? gi : 0.0f;

                q[i] = scale * gm - b - a * (p[i] - mean);
              }
          else
            for (int i = 0; i < hw; i++)
              q[i] = scale * g[i] - b - a * (p[i] - mean);
        }
    }
}

/* Batch norm → ReLU → 2×2 max-pool, backward in one pass pair: the
 * gradient arrives at the pool's output, so the full-size gradient of the
 * batch-norm output is never written or read. */
CLONES void
ls_engine_batchnorm_backward_pooled (const float *x,
                                     const float *pdy,
                                     const uint8_t *argmax,
                                     const float *gamma,
                                     const float *beta,
                                     const float *save_mean,
                                     const float *save_invstd,
                                     gboolean train,
                                     float *dgamma,
                                     float *dbeta,
                                     float *dx,
                                     int n,
                                     int c,
                                     int h,
                                     int w,
                                     int c0,
                                     int c1)
{
  int ho = h / 2, wo = w / 2, hw = h * w;
  float count = (float) n * hw;

  for (int ci = c0; ci < c1; ci++)
    {
      float mean = save_mean[ci], invstd = save_invstd[ci];
      float scale = gamma[ci] * invstd, shift = beta[ci] - mean * scale;
      double sdy = 0.0, sdyx = 0.0;
      float fsdy, fsdyx, a, b;

      /* only the element each window routed to has a gradient */
      for (int ni = 0; ni < n; ni++)
        {
          const float *p = x + ((gsize) ni * c + ci) * hw;
          const float *g = pdy + ((gsize) ni * c + ci) * ho * wo;
          const uint8_t *am = argmax + ((gsize) ni * c + ci) * ho * wo;
          float s1 = 0.0f, s2 = 0.0f;

          for (int oh = 0; oh < ho; oh++)
            {
              const float *r0 = p + (gsize) (2 * oh) * w, *r1 = r0 + w;
              int ow = 0;
              V8 v1 = { 0 }, v2 = { 0 };

              /* eight windows at a time: the routed element by select */
              for (; ow + 8 <= wo; ow += 8)
                {
                  V8 e0, o0, e1, o1, xi, gv, gm;
                  V8u8 bytes;
                  V8i idx;

                  load_pairs (r0 + 2 * ow, &e0, &o0);
                  load_pairs (r1 + 2 * ow, &e1, &o1);
                  memcpy (&bytes, am + oh * wo + ow, sizeof bytes);
                  memcpy (&gv, g + oh * wo + ow, sizeof gv);
                  idx = __builtin_convertvector(bytes, V8i);
                  xi = select8 (idx == 0, e0, select8 (idx == 1, o0, select8 (idx == 2, e1, o1)));
                  gm = (V8) ((V8i) gv & (xi * scale + shift > 0.0f));
                  v1 += gm;
                  v2 += gm * (xi - mean);
                }
              s1 += ((v1[0] + v1[1]) + (v1[2] + v1[3])) + ((v1[4] + v1[5]) + (v1[6] + v1[7]));
              s2 += ((v2[0] + v2[1]) + (v2[2] + v2[3])) + ((v2[4] + v2[5]) + (v2[6] + v2[7]));
              for (; ow < wo; ow++)
                {
                  int idx = am[oh * wo + ow];
                  float xi = p[(gsize) (2 * oh + (idx >> 1)) * w + 2 * ow + (idx & 1)];
                  float gi = g[oh * wo + ow];
                  float gm = xi * scale + shift > 0.0f ? gi : 0.0f;

                  s1 += gm;
                  s2 += gm * (xi - mean);
                }
              if ((oh & 7) == 7 || oh == ho - 1)
                {
                  sdy += s1;
                  sdyx += s2;
                  s1 = s2 = 0.0f;
                }
            }
        }
      fsdy = (float) sdy;
      fsdyx = (float) (sdyx * invstd);
      if (dgamma != NULL)
        dgamma[ci] += fsdyx;
      if (dbeta != NULL)
        dbeta[ci] += fsdy;
      if (dx == NULL)
        continue;
      if (train)
        {
          a = scale * invstd * fsdyx / count;
          b = scale * fsdy / count;
        }
      else
        a = b = 0.0f;
      for (int ni = 0; ni < n; ni++)
        {
          const float *p = x + ((gsize) ni * c + ci) * hw;
          const float *g = pdy + ((gsize) ni * c + ci) * ho * wo;
          const uint8_t *am = argmax + ((gsize) ni * c + ci) * ho * wo;
          float *q = dx + ((gsize) ni * c + ci) * hw;

          /* the base term everywhere, then the routed gradients on top */
          for (int i = 0; i < hw; i++)
            q[i] = -b - a * (p[i] - mean);
          for (int oh = 0; oh < ho; oh++)
            {
              const float *r0 = p + (gsize) (2 * oh) * w, *r1 = r0 + w;
              float *q0 = q + (gsize) (2 * oh) * w, *q1 = q0 + w;
              int ow = 0;

              for (; ow + 8 <= wo; ow += 8)
                {
                  V8 cand[4], gv, add[4];
                  V8u8 bytes;
                  V8i idx;

                  load_pairs (r0 + 2 * ow, &cand[0], &cand[1]);
                  load_pairs (r1 + 2 * ow, &cand[2], &cand[3]);
                  memcpy (&bytes, am + oh * wo + ow, sizeof bytes);
                  memcpy (&gv, g + oh * wo + ow, sizeof gv);
                  idx = __builtin_convertvector(bytes, V8i);
                  gv = scale * gv;
                  for (int k = 0; k < 4; k++)
                    add[k] = (V8) ((V8i) gv & (idx == k) & (cand[k] * scale + shift > 0.0f));
                  /* back to the rows' order: even, odd, even, odd, … */
                  for (int r = 0; r < 2; r++)
                    {
                      float *row = r == 0 ? q0 + 2 * ow : q1 + 2 * ow;
                      V8 lo, hi;

                      memcpy (&lo, row, sizeof lo);
                      memcpy (&hi, row + 8, sizeof hi);
                      lo += __builtin_shufflevector (add[2 * r], add[2 * r + 1], 0, 8, 1, 9, 2, 10, 3, 11);
                      hi += __builtin_shufflevector (add[2 * r], add[2 * r + 1], 4, 12, 5, 13, 6, 14, 7, 15);
                      memcpy (row, &lo, sizeof lo);
                      memcpy (row + 8, &hi, sizeof hi);
                    }
                }
              for (; ow < wo; ow++)
                {
                  int idx = am[oh * wo + ow];
                  gsize at = (gsize) (2 * oh + (idx >> 1)) * w + 2 * ow + (idx & 1);
                  float gi = g[oh * wo + ow];

                  if (p[at] * scale + shift > 0.0f)
                    q[at] += scale * gi;
                }
            }
        }
    }
}

/* ---- ReLU ------------------------------------------------------------ */

CLONES void
ls_engine_relu_forward (const float *x,
                        float *y,
                        gsize count)
{
  for (gsize i = 0; i < count; i++)
    {
      float v = x[i];

      y[i] = v > 0.0f ? v : 0.0f;
    }
}

CLONES void
ls_engine_relu_backward (const float *y,
                         const float *dy,
                         float *dx,
                         gsize count)
{
  for (gsize i = 0; i < count; i++)
    {
      float g = dy[i];

      dx[i] = y[i] > 0.0f ? g : 0.0f;
    }
}

/* ---- max-pool 2×2 ---------------------------------------------------- */

CLONES void
ls_engine_maxpool2_forward (const float *x,
                            float *y,
                            uint8_t *argmax,
                            int n,
                            int c,
                            int h,
                            int w)
{
  int ho = h / 2, wo = w / 2;

  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    {
      const float *p = x + plane * h * w;
      float *q = y + plane * ho * wo;
      uint8_t *a = argmax + plane * ho * wo;

      for (int oh = 0; oh < ho; oh++)
        {
          const float *r0 = p + (gsize) (2 * oh) * w;
          const float *r1 = r0 + w;

          for (int ow = 0; ow < wo; ow++)
            {
              float best = r0[2 * ow];
              uint8_t idx = 0;

              if (r0[2 * ow + 1] > best)
                best = r0[2 * ow + 1], idx = 1;
              if (r1[2 * ow] > best)
                best = r1[2 * ow], idx = 2;
              if (r1[2 * ow + 1] > best)
                best = r1[2 * ow + 1], idx = 3;
              q[oh * wo + ow] = best;
              a[oh * wo + ow] = idx;
            }
        }
    }
}

CLONES void
ls_engine_maxpool2_backward (const float *dy,
                             const uint8_t *argmax,
                             float *dx,
                             int n,
                             int c,
                             int h,
                             int w)
{
  int ho = h / 2, wo = w / 2;

  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    {
      const float *g = dy + plane * ho * wo;
      const uint8_t *a = argmax + plane * ho * wo;
      float *q = dx + plane * h * w;

      for (int oh = 0; oh < ho; oh++)
        {
          float *r0 = q + (gsize) (2 * oh) * w, *r1 = r0 + w;

          for (int ow = 0; ow < wo; ow++)
            {
              float v = g[oh * wo + ow];
              int idx = a[oh * wo + ow];

              r0[2 * ow] = idx == 0 ? v : 0.0f;
              r0[2 * ow + 1] = idx == 1 ? v : 0.0f;
              r1[2 * ow] = idx == 2 ? v : 0.0f;
              r1[2 * ow + 1] = idx == 3 ? v : 0.0f;
            }
          if (w & 1)
            r0[w - 1] = r1[w - 1] = 0.0f;
        }
      if (h & 1)
        memset (q + (gsize) (h - 1) * w, 0, sizeof (float) * w);
    }
}

/* ---- global average pool --------------------------------------------- */

void
ls_engine_gap_forward (const float *x,
                       float *y,
                       int n,
                       int c,
                       int hw)
{
  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    {
      const float *p = x + plane * hw;
      float s = 0.0f;

      for (int i = 0; i < hw; i++)
        s += p[i];
      y[plane] = s / (float) hw;
    }
}

void
ls_engine_gap_backward (const float *dy,
                        float *dx,
                        int n,
                        int c,
                        int hw)
{
  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    {
      float g = dy[plane] / (float) hw;
      float *q = dx + plane * hw;

      for (int i = 0; i < hw; i++)
        q[i] = g;
    }
}

/* ---- linear ---------------------------------------------------------- */

void
ls_engine_linear_forward (const float *x,
                          const float *w,
                          const float *b,
                          float *y,
                          int n,
                          int in,
                          int out)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in, 0.0f, y,
               out);
  if (b != NULL)
    for (int i = 0; i < n; i++)
      for (int o = 0; o < out; o++)
        y[(gsize) i * out + o] += b[o];
}

void
ls_engine_linear_backward (const float *x,
                           const float *w,
                           const float *dy,
                           float *dw,
                           float *db,
                           float *dx,
                           int n,
                           int in,
                           int out)
{
  if (dw != NULL)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x, in, 1.0f,
                 dw, in);
  if (db != NULL)
    for (int i = 0; i < n; i++)
      for (int o = 0; o < out; o++)
        db[o] += dy[(gsize) i * out + o];
  if (dx != NULL)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, w, in, 0.0f,
                 dx, in);
}

/* ---- dropout --------------------------------------------------------- */

void
ls_engine_dropout_forward (const float *x,
                           float *y,
                           float *mask,
                           float p,
                           LsXoshiro *rng,
                           gsize count)
{
  float keep = 1.0f / (1.0f - p);

  for (gsize i = 0; i < count; i++)
    {
      mask[i] = ls_xoshiro_uniform (rng) < p ? 0.0f : keep;
      y[i] = x[i] * mask[i];
    }
}

void
ls_engine_dropout_backward (const float *dy,
                            const float *mask,
                            float *dx,
                            gsize count)
{
  for (gsize i = 0; i < count; i++)
    dx[i] = dy[i] * mask[i];
}

/* ---- softmax and the loss -------------------------------------------- */

void
ls_engine_softmax (const float *logits,
                   float *probs,
                   int n,
                   int k)
{
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (gsize) i * k;
      float *p = probs + (gsize) i * k;
      double max = z[0], sum = 0.0;

      for (int j = 1; j < k; j++)
        max = MAX (max, z[j]);
      for (int j = 0; j < k; j++)
        sum += exp (z[j] - max);
      for (int j = 0; j < k; j++)
        p[j] = (float) (exp (z[j] - max) / sum);
    }
}

/* loss = (1/W) Σ_i [(1−ε) w_{y_i} (−log p_{i,y_i}) + ε/K Σ_c w_c (−log p_{i,c})]
 * with W = Σ_i w_{y_i}, as torch 1.13's cross_entropy with weight and
 * label smoothing in 'mean' reduction. */
float
ls_engine_cross_entropy (const float *logits,
                         const int *labels,
                         const float *class_weights,
                         float label_smoothing,
                         float *probs,
                         float *dlogits,
                         int n,
                         int k)
{
  double total_w = 0.0, loss = 0.0, sum_cw = 0.0;
  double eps = label_smoothing;

  for (int j = 0; j < k; j++)
    sum_cw += class_weights != NULL ? class_weights[j] : 1.0;
  for (int i = 0; i < n; i++)
    {
      const float *z = logits + (gsize) i * k;
      int y = labels[i];
      double max = z[0], sum = 0.0, lse, wy, smooth = 0.0;

      g_assert (y >= 0 && y < k);
      wy = class_weights != NULL ? class_weights[y] : 1.0;
      total_w += wy;
      for (int j = 1; j < k; j++)
        max = MAX (max, z[j]);
      for (int j = 0; j < k; j++)
        sum += exp (z[j] - max);
      lse = max + log (sum);
      for (int j = 0; j < k; j++)
        {
          probs[(gsize) i * k + j] = (float) exp (z[j] - lse);
          smooth += (class_weights != NULL ? class_weights[j] : 1.0) * (lse - z[j]);
        }
      loss += (1.0 - eps) * wy * (lse - z[y]) + eps / k * smooth;
    }
  if (total_w <= 0.0)
    return 0.0f;
  if (dlogits != NULL)
    for (int i = 0; i < n; i++)
      {
        int y = labels[i];
        double wy = class_weights != NULL ? class_weights[y] : 1.0;

        for (int j = 0; j < k; j++)
          {
            double p = probs[(gsize) i * k + j];
            double wj = class_weights != NULL ? class_weights[j] : 1.0;
            double g = (1.0 - eps) * wy * (p - (j == y)) + eps / k * (sum_cw * p - wj);

            dlogits[(gsize) i * k + j] = (float) (g / total_w);
          }
      }
  return (float) (loss / total_w);
}
