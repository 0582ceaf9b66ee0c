/* conv-direct.c — stride-1 convolution without im2col: a register-tiled
 * direct kernel over a zero-padded copy of the image
 *
 * The image is copied once into a padded plane per channel, of pitch
 * Wp = W + 2·pad, so every tap (kh, kw) of output pixel q = oh·Wp + ow
 * reads the padded input at q + kh·Wp + kw, with no bounds to check. A
 * tile is LS_DIRECT_PIXELS consecutive pixels of that pitched grid by
 * LS_DIRECT_CHANNELS output channels: per input channel and tap it loads
 * the packed weights of its channels (two vectors), broadcasts each
 * pixel's input value and does one fused multiply-add per pixel and
 * vector, all in registers. When Wo is a multiple of the tile width the
 * tiles follow the rows; otherwise they run along the pitched grid and
 * the pixels that fall on its padding columns are computed and dropped.
 *
 * The same kernel gives the input gradient: dx is the convolution of dy
 * (padded by k − 1 − pad) with the weights flipped in both taps and with
 * input and output channels exchanged.
 *
 * The weight gradient is dW[m][c][tap] = Σ_q dy[m][q] · x[c][q + tap]
 * over the pitched grid, dy copied with zeros on its padding columns; the
 * kernel keeps LS_DIRECT_CHANNELS values of m by the k·k taps of one c in
 * registers and runs over every pixel of every image given, so the
 * reduction is one long dot product per weight, in a fixed order.
 *
 * Each kernel is compiled twice: for AVX-512 and for the baseline x86-64
 * (or any other target), chosen once at run time from the CPU. The net
 * uses the direct path only on an AVX-512 CPU (elsewhere im2col and
 * OpenBLAS are faster); the tests run it on any CPU against the seven
 * loops.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#include "layers.h"

#include <string.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif

#define DT LS_DIRECT_PIXELS
#define DM LS_DIRECT_CHANNELS

typedef float Vec16 __attribute__ ((vector_size (64)));
/* the same for memory of any alignment (packed weights and scratch may be
 * the caller's) */
typedef float Vec16u __attribute__ ((vector_size (64), aligned (4)));

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_CLONE 1
#define AVX512 __attribute__ ((target ("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#endif

/* The two hot loops run without AddressSanitizer's checks (they would
 * triple a sanitized training run's time); valgrind checks their portable
 * build, and ASan everything around them. */
#define HOT __attribute__ ((no_sanitize_address))

gboolean
ls_engine_conv2d_direct_fast (void)
{
#ifdef HAVE_AVX512_CLONE
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl") &&
         __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512bw");
#else
  return FALSE;
#endif
}

gboolean
ls_engine_conv2d_direct_supported (const LsConvShape *s)
{
  return s->stride == 1 && s->k == 3 && s->pad >= 0 && s->pad < s->k;
}

static inline int
round_channels (int m)
{
  return (m + DM - 1) / DM * DM;
}

/* The pitched, padded copy of one image (c, h, w) with @pad: its floats. */
static gsize
padded_size (int c,
             int h,
             int w,
             int pad)
{
  gsize hp = h + 2 * pad, wp = w + 2 * pad;

  /* a flat tile may read one tile and a row of taps past the last plane */
  return (gsize) c * hp * wp + 2 * DT + 16;
}

gsize
ls_engine_conv2d_direct_packed_size (const LsConvShape *s)
{
  gsize kk2 = (gsize) s->k * s->k;

  return MAX ((gsize) round_channels (s->m) * s->c * kk2, (gsize) round_channels (s->c) * s->m * kk2);
}

int
ls_engine_conv2d_direct_group (const LsConvShape *s,
                               int max_images)
{
  int p = s->ho * s->wo;

  return CLAMP ((LS_DIRECT_DW_COLUMNS + p - 1) / p, 1, MAX (max_images, 1));
}

gsize
ls_engine_conv2d_direct_scratch_size (const LsConvShape *s,
                                      int group)
{
  int pt = s->k - 1 - s->pad;
  gsize fwd = padded_size (s->c, s->h, s->w, s->pad);
  gsize bwd = padded_size (s->m, s->ho, s->wo, pt);
  gsize dw = (gsize) group * (fwd + (gsize) round_channels (s->m) * s->ho * s->wo) + (gsize) round_channels (s->m) * s->c * s->k * s->k;

  return MAX (MAX (fwd, bwd), dw) + 16;
}

/* ---- the kernels, in two builds ----------------------------------------- */

#define INLINE static inline __attribute__ ((always_inline))

/* out[j][i] = Σ_c Σ_t xp[c·plane + koff[t] + j] · wt[(c·kk2 + t)·DM + i] */
INLINE void HOT
tile_body (const float *xp,
           gsize plane,
           const int *koff,
           int kk2,
           int c,
           const float *wt,
           float *out)
{
  Vec16 acc[DT][2];

  for (int j = 0; j < DT; j++)
    acc[j][0] = acc[j][1] = (Vec16){ 0 };
  for (int ci = 0; ci < c; ci++, xp += plane)
    for (int t = 0; t < kk2; t++, wt += DM)
      {
        const float *p = xp + koff[t];
        Vec16 w0 = *(const Vec16u *) wt, w1 = *(const Vec16u *) (wt + 16);

#pragma GCC unroll 16
        for (int j = 0; j < DT; j++)
          {
            /* a broadcast (x − 0 is exactly x, so nothing is added) */
            Vec16 v = p[j] - (Vec16){ 0 };

            acc[j][0] += v * w0;
            acc[j][1] += v * w1;
          }
      }
  for (int j = 0; j < DT; j++)
    {
      *(Vec16 *) (out + j * DM) = acc[j][0];
      *(Vec16 *) (out + j * DM + 16) = acc[j][1];
    }
}

/* out[t][i] += Σ_img Σ_r Σ_ow g[img][r·wo + ow][i] · x[img][r·wp + ow + tap t]
 * for the 3×3 taps t of one input channel (x its padded plane at the first
 * row) and DM output channels (g: dy transposed, (rows·wo, DM) per image). */
INLINE void HOT
dw_body (const float *x,
         gsize x_stride,
         int wp,
         const float *g,
         gsize g_stride,
         int n_img,
         int rows,
         int wo,
         float *out)
{
  Vec16 acc[9][2];

  for (int t = 0; t < 9; t++)
    acc[t][0] = acc[t][1] = (Vec16){ 0 };
  for (int img = 0; img < n_img; img++, x += x_stride, g += g_stride)
    for (int r = 0; r < rows; r++)
      {
        const float *r0 = x + (gsize) r * wp, *r1 = r0 + wp, *r2 = r1 + wp;
        const float *gr = g + (gsize) r * wo * DM;

        for (int ow = 0; ow < wo; ow++)
          {
            Vec16 g0 = *(const Vec16u *) (gr + ow * DM);
            Vec16 g1 = *(const Vec16u *) (gr + ow * DM + 16);
            const float *row[3] = { r0 + ow, r1 + ow, r2 + ow };

#pragma GCC unroll 9
            for (int t = 0; t < 9; t++)
              {
                Vec16 v = row[t / 3][t % 3] - (Vec16){ 0 };

                acc[t][0] += v * g0;
                acc[t][1] += v * g1;
              }
          }
      }
  for (int t = 0; t < 9; t++)
    {
      *(Vec16u *) (out + t * DM) += acc[t][0];
      *(Vec16u *) (out + t * DM + 16) += acc[t][1];
    }
}

static void HOT
tile_generic (const float *xp,
              gsize plane,
              const int *koff,
              int kk2,
              int c,
              const float *wt,
              float *out)
{
  tile_body (xp, plane, koff, kk2, c, wt, out);
}

static void HOT
dw_generic (const float *x,
            gsize x_stride,
            int wp,
            const float *g,
            gsize g_stride,
            int n_img,
            int rows,
            int wo,
            float *out)
{
  dw_body (x, x_stride, wp, g, g_stride, n_img, rows, wo, out);
}

#ifdef HAVE_AVX512_CLONE
static void AVX512 HOT
tile_avx512 (const float *xp,
             gsize plane,
             const int *koff,
             int kk2,
             int c,
             const float *wt,
             float *out)
{
  tile_body (xp, plane, koff, kk2, c, wt, out);
}

static void AVX512 HOT
dw_avx512 (const float *x,
           gsize x_stride,
           int wp,
           const float *g,
           gsize g_stride,
           int n_img,
           int rows,
           int wo,
           float *out)
{
  dw_body (x, x_stride, wp, g, g_stride, n_img, rows, wo, out);
}
#endif

/* dst[i·ld + j] = out[j·DM + i] + bias[i], i < mv, j < DT: the tile's
 * channels as rows of the output. */
static void
store_generic (const float *out,
               float *dst,
               gsize ld,
               int mv,
               const float *bias)
{
  for (int i = 0; i < mv; i++)
    {
      float b = bias != NULL ? bias[i] : 0.0f;

      for (int j = 0; j < DT; j++)
        dst[i * ld + j] = out[j * DM + i] + b;
    }
}

#ifdef HAVE_AVX512_CLONE
/* GCC 12 takes the intrinsics' undefined pass-through operands
 * (_mm512_undefined_ps) for uninitialised values */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

/* The 16×16 block r (rows: pixels, columns: channels) transposed in
 * registers; column k is stored, DT lanes, at dst + k·ld for k < mv. */
static void AVX512
store_block_avx512 (const __m512 *r,
                    float *dst,
                    gsize ld,
                    int mv,
                    const float *bias,
                    __mmask16 mask)
{
  __m512 t[16], u[16];

  for (int i = 0; i < 16; i += 2)
    {
      t[i] = _mm512_unpacklo_ps (r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps (r[i], r[i + 1]);
    }
  /* u[4g + c], 128-bit lane L: rows 4g … 4g+3 of column 4L + c */
  for (int g = 0; g < 16; g += 4)
    {
      u[g] = _mm512_shuffle_ps (t[g], t[g + 2], 0x44);
      u[g + 1] = _mm512_shuffle_ps (t[g], t[g + 2], 0xEE);
      u[g + 2] = _mm512_shuffle_ps (t[g + 1], t[g + 3], 0x44);
      u[g + 3] = _mm512_shuffle_ps (t[g + 1], t[g + 3], 0xEE);
    }
  for (int c = 0; c < 4; c++)
    {
      __m512 v0 = _mm512_shuffle_f32x4 (u[c], u[4 + c], 0x88);
      __m512 v1 = _mm512_shuffle_f32x4 (u[8 + c], u[12 + c], 0x88);
      __m512 v2 = _mm512_shuffle_f32x4 (u[c], u[4 + c], 0xDD);
      __m512 v3 = _mm512_shuffle_f32x4 (u[8 + c], u[12 + c], 0xDD);
      __m512 col[4];
      int k[4] = { c, 8 + c, 4 + c, 12 + c };

      col[0] = _mm512_shuffle_f32x4 (v0, v1, 0x88);
      col[1] = _mm512_shuffle_f32x4 (v0, v1, 0xDD);
      col[2] = _mm512_shuffle_f32x4 (v2, v3, 0x88);
      col[3] = _mm512_shuffle_f32x4 (v2, v3, 0xDD);
      for (int i = 0; i < 4; i++)
        if (k[i] < mv)
          {
            __m512 v = col[i];

            if (bias != NULL)
              v = _mm512_add_ps (v, _mm512_set1_ps (bias[k[i]]));
            _mm512_mask_storeu_ps (dst + k[i] * ld, mask, v);
          }
    }
}

static void AVX512
store_avx512 (const float *out,
              float *dst,
              gsize ld,
              int mv,
              const float *bias)
{
  for (int half = 0; half < DM && half < mv; half += 16)
    {
      __m512 r[16];

      for (int j = 0; j < 16; j++)
        r[j] = j < DT ? _mm512_loadu_ps (out + j * DM + half) : _mm512_setzero_ps ();
      store_block_avx512 (r, dst + half * ld, ld, mv - half, bias != NULL ? bias + half : NULL,
                          (__mmask16) ((1u << DT) - 1));
    }
}

static void AVX512
gather_dy_avx512 (const float *src,
                  gsize p,
                  int mv,
                  float *dst)
{
  for (gsize q0 = 0; q0 < p; q0 += 16)
    {
      int nq = (int) MIN (16, p - q0);
      __mmask16 qmask = (__mmask16) ((1u << nq) - 1);

      for (int half = 0; half < DM; half += 16)
        {
          __m512 r[16];

          for (int j = 0; j < 16; j++)
            r[j] = half + j < mv ? _mm512_maskz_loadu_ps (qmask, src + (gsize) (half + j) * p + q0)
                                 : _mm512_setzero_ps ();
          store_block_avx512 (r, dst + q0 * DM + half, DM, nq, NULL, 0xffff);
        }
    }
}
#pragma GCC diagnostic pop
#endif

typedef void (*TileFunc) (const float *, gsize, const int *, int, int, const float *, float *);
typedef void (*DwFunc) (const float *, gsize, int, const float *, gsize, int, int, int, float *);
typedef void (*StoreFunc) (const float *, float *, gsize, int, const float *);
typedef void (*GatherFunc) (const float *, gsize, int, float *);

/* dst[q][j] = src[j·p + q] for j < mv, 0 for mv ≤ j < DM: dy of DM
 * channels, pixel by pixel */
static void
gather_dy_generic (const float *src,
                   gsize p,
                   int mv,
                   float *dst)
{
  /* in blocks of 64 pixels, so the block being written stays in cache */
  for (gsize q0 = 0; q0 < p; q0 += 64)
    {
      gsize q1 = MIN (q0 + 64, p);

      for (int j = 0; j < mv; j++)
        for (gsize q = q0; q < q1; q++)
          dst[q * DM + j] = src[j * p + q];
      for (int j = mv; j < DM; j++)
        for (gsize q = q0; q < q1; q++)
          dst[q * DM + j] = 0.0f;
    }
}

static GatherFunc
gather_func (void)
{
#ifdef HAVE_AVX512_CLONE
  if (ls_engine_conv2d_direct_fast ())
    return gather_dy_avx512;
#endif
  return gather_dy_generic;
}

/* packed[mb][c][tap][DM] = w[mb·DM + i][c][tap], zero past m: each block
 * of DM filters transposed */
void
ls_engine_conv2d_direct_pack_forward (const LsConvShape *s,
                                      const float *w,
                                      float *packed)
{
  GatherFunc gather = gather_func ();
  gsize kk = (gsize) s->c * s->k * s->k;

  g_assert (ls_engine_conv2d_direct_supported (s));
  for (int mb = 0; mb < round_channels (s->m); mb += DM)
    gather (w + mb * kk, kk, MIN (DM, s->m - mb), packed + mb * kk);
}

/* For the input gradient: packed[cb][m][tap][DM] = w[m][cb·DM + i][k²−1−tap] */
void
ls_engine_conv2d_direct_pack_backward (const LsConvShape *s,
                                       const float *w,
                                       float *packed)
{
  GatherFunc gather = gather_func ();
  int kk2 = s->k * s->k, cp = round_channels (s->c);
  gsize kk = (gsize) s->m * kk2, kc = (gsize) s->c * kk2;
  float taps[9 * DM];

  g_assert (ls_engine_conv2d_direct_supported (s) && kk2 <= 9);
  for (int cb = 0; cb < cp; cb += DM)
    for (int m = 0; m < s->m; m++)
      {
        float *dst = packed + (gsize) cb * kk + (gsize) m * kk2 * DM;

        /* taps[t][i] = w[m][cb + i][t], then the taps in reverse order */
        gather (w + m * kc + (gsize) cb * kk2, kk2, MIN (DM, s->c - cb), taps);
        for (int t = 0; t < kk2; t++)
          memcpy (dst + t * DM, taps + (kk2 - 1 - t) * DM, sizeof (float) * DM);
      }
}

static StoreFunc
store_func (void)
{
#ifdef HAVE_AVX512_CLONE
  if (ls_engine_conv2d_direct_fast ())
    return store_avx512;
#endif
  return store_generic;
}

static TileFunc
tile_func (void)
{
#ifdef HAVE_AVX512_CLONE
  if (ls_engine_conv2d_direct_fast ())
    return tile_avx512;
#endif
  return tile_generic;
}

static DwFunc
dw_func (void)
{
#ifdef HAVE_AVX512_CLONE
  if (ls_engine_conv2d_direct_fast ())
    return dw_avx512;
#endif
  return dw_generic;
}

/* ---- padding and the tile loop ------------------------------------------ */

/* xp (c, h + 2·pad, w + 2·pad) = x (c, h, w) with zeros around, and zeros
 * in the slack after the last plane. */
static void
pad_image (const float *x,
           float *xp,
           int c,
           int h,
           int w,
           int pad)
{
  int hp = h + 2 * pad, wp = w + 2 * pad;
  gsize plane = (gsize) hp * wp;

  for (int ci = 0; ci < c; ci++)
    {
      float *dst = xp + ci * plane;
      const float *src = x + (gsize) ci * h * w;

      memset (dst, 0, sizeof (float) * pad * wp);
      for (int r = 0; r < h; r++)
        {
          float *row = dst + (gsize) (r + pad) * wp;

          memset (row, 0, sizeof (float) * pad);
          memcpy (row + pad, src + (gsize) r * w, sizeof (float) * w);
          memset (row + pad + w, 0, sizeof (float) * pad);
        }
      memset (dst + (gsize) (h + pad) * wp, 0, sizeof (float) * pad * wp);
    }
  memset (xp + c * plane, 0, sizeof (float) * (padded_size (c, h, w, pad) - c * plane));
}

/* Rows oh0 … oh1−1 of output channels m0 … m1−1 (m0 a multiple of DM) of
 * the stride-1 convolution of the padded image xp (c, hp, wp) with the
 * packed weights; b (m) or NULL. Output row oh of channel j is written at
 * y + j·ld + (oh − row0)·pitch. */
static void
run_tiles_ex (const float *xp,
              int c,
              int hp,
              int wp,
              int k,
              int m0,
              int m1,
              const float *packed,
              const float *b,
              float *y,
              gsize ld,
              gsize pitch,
              int row0,
              int oh0,
              int oh1)
{
  TileFunc tile = tile_func ();
  StoreFunc store = store_func ();
  int wo = wp - k + 1, kk2 = k * k;
  gsize plane = (gsize) hp * wp, kk = (gsize) c * kk2;
  int koff[9];
  float out[DT * DM] __attribute__ ((aligned (64)));
  int idx[DT];
  gboolean by_rows = wo % DT == 0;

  g_assert (kk2 <= 9 && m0 % DM == 0);
  for (int kh = 0; kh < k; kh++)
    for (int kw = 0; kw < k; kw++)
      koff[kh * k + kw] = kh * wp + kw;
  for (int mb = m0; mb < m1; mb += DM)
    {
      const float *wt = packed + (gsize) mb * kk;
      int mv = MIN (DM, m1 - mb);
      float *ym = y + (gsize) (mb - m0) * ld;

      if (by_rows)
        for (int oh = oh0; oh < oh1; oh++)
          for (int ow = 0; ow < wo; ow += DT)
            {
              tile (xp + (gsize) oh * wp + ow, plane, koff, kk2, c, wt, out);
              store (out, ym + (gsize) (oh - row0) * pitch + ow, ld, mv, b != NULL ? b + mb : NULL);
            }
      else
        for (gsize q0 = (gsize) oh0 * wp; q0 < (gsize) oh1 * wp; q0 += DT)
          {
            tile (xp + q0, plane, koff, kk2, c, wt, out);
            for (int j = 0; j < DT; j++)
              {
                gsize q = q0 + j;
                int oh = (int) (q / wp), ow = (int) (q % wp);

                idx[j] = oh < oh1 && ow < wo ? (int) ((oh - row0) * pitch + ow) : -1;
              }
            for (int i = 0; i < mv; i++)
              {
                float *dst = ym + i * ld;
                float bias = b != NULL ? b[mb + i] : 0.0f;

                for (int j = 0; j < DT; j++)
                  if (idx[j] >= 0)
                    dst[idx[j]] = out[j * DM + i] + bias;
              }
          }
    }
}

/* y (m, ho, wo) rows oh0 … oh1−1 of the stride-1 convolution of the padded
 * image xp (c, hp, wp) with the packed weights; b (m) or NULL. */
static void
run_tiles (const float *xp,
           int c,
           int hp,
           int wp,
           int k,
           int m,
           const float *packed,
           const float *b,
           float *y,
           int oh0,
           int oh1)
{
  int ho = hp - k + 1, wo = wp - k + 1;

  run_tiles_ex (xp, c, hp, wp, k, 0, m, packed, b, y, (gsize) ho * wo, wo, 0, oh0, oh1);
}

void
ls_engine_conv2d_direct_forward (const LsConvShape *s,
                                 int n,
                                 int oh0,
                                 int oh1,
                                 const float *x,
                                 const float *packed,
                                 const float *b,
                                 float *y,
                                 float *scratch)
{
  gsize xs = (gsize) s->c * s->h * s->w, ys = (gsize) s->m * s->ho * s->wo;

  g_assert (ls_engine_conv2d_direct_supported (s) && oh0 >= 0 && oh1 <= s->ho);
  if (oh1 <= oh0)
    return;
  pad_image (x + n * xs, scratch, s->c, s->h, s->w, s->pad);
  run_tiles (scratch, s->c, s->h + 2 * s->pad, s->w + 2 * s->pad, s->k, s->m, packed, b,
             y + n * ys, oh0, oh1);
}

void
ls_engine_conv2d_direct_backward_data (const LsConvShape *s,
                                       int n,
                                       int h0,
                                       int h1,
                                       const float *packed,
                                       const float *dy,
                                       float *dx,
                                       float *scratch)
{
  gsize xs = (gsize) s->c * s->h * s->w, ys = (gsize) s->m * s->ho * s->wo;
  int pt = s->k - 1 - s->pad;

  g_assert (ls_engine_conv2d_direct_supported (s) && h0 >= 0 && h1 <= s->h);
  if (h1 <= h0)
    return;
  pad_image (dy + n * ys, scratch, s->m, s->ho, s->wo, pt);
  run_tiles (scratch, s->m, s->ho + 2 * pt, s->wo + 2 * pt, s->k, s->c, packed, NULL, dx + n * xs,
             h0, h1);
}

/* dw (m, c, 3, 3) += Σ over images n0 … n1−1, @group at a time; db (m) too
 * if not NULL. */
void
ls_engine_conv2d_direct_backward_weights (const LsConvShape *s,
                                          int n0,
                                          int n1,
                                          int group,
                                          const float *x,
                                          const float *dy,
                                          float *dw,
                                          float *db,
                                          float *scratch)
{
  DwFunc kernel = dw_func ();
  GatherFunc gather = gather_func ();
  int hp = s->h + 2 * s->pad, wp = s->w + 2 * s->pad, mp = round_channels (s->m);
  gsize xs = (gsize) s->c * s->h * s->w, p = (gsize) s->ho * s->wo, ys = (gsize) s->m * p;
  gsize padded = padded_size (s->c, s->h, s->w, s->pad), plane = (gsize) hp * wp;
  gsize kk = (gsize) s->c * 9;
  float *dwp, *xps, *gts;

  g_assert (ls_engine_conv2d_direct_supported (s) && group >= 1);
  if (n1 <= n0)
    return;
  dwp = scratch;
  xps = dwp + (gsize) mp * kk;
  gts = xps + (gsize) group * padded;
  memset (dwp, 0, sizeof (float) * mp * kk);
  for (int n = n0; n < n1; n += group)
    {
      int g = MIN (group, n1 - n);
      int rows = CLAMP (LS_DIRECT_DW_COLUMNS / (g * s->wo), 1, s->ho);

      /* the padded images, and dy as (mb, image, q, DM) */
      for (int i = 0; i < g; i++)
        pad_image (x + (n + i) * xs, xps + i * padded, s->c, s->h, s->w, s->pad);
      for (int mb = 0; mb < mp; mb += DM)
        for (int i = 0; i < g; i++)
          {
            float *dst = gts + ((gsize) mb * g + (gsize) i * DM) * p;
            const float *src = dy + (n + i) * ys + mb * p;

            gather (src, p, MIN (DM, s->m - mb), dst);
          }
      for (int r0 = 0; r0 < s->ho; r0 += rows)
        {
          int r1 = MIN (r0 + rows, s->ho);

          for (int mb = 0; mb < mp; mb += DM)
            for (int c = 0; c < s->c; c++)
              kernel (xps + c * plane + (gsize) r0 * wp, padded, wp,
                      gts + ((gsize) mb * g) * p + (gsize) r0 * s->wo * DM, p * DM, g, r1 - r0,
                      s->wo, dwp + (gsize) mb * kk + (gsize) c * 9 * DM);
        }
    }
  /* unpack: dwp[mb][c][t][i] → dw[mb + i][c][t] */
  for (int mb = 0; mb < mp; mb += DM)
    for (int i = 0; i < MIN (DM, s->m - mb); i++)
      for (gsize r = 0; r < kk; r++)
        dw[(gsize) (mb + i) * kk + r] += dwp[(gsize) mb * kk + r * DM + i];
  if (db != NULL)
    for (int n = n0; n < n1; n++)
      for (int m = 0; m < s->m; m++)
        {
          const float *row = dy + n * ys + m * p;
          float acc = 0.0f;

          for (gsize q = 0; q < p; q++)
            acc += row[q];
          db[m] += acc;
        }
}

/* ---- inference: a convolution with its epilogue ------------------------ */

/* y = relu?(pool?(src + bias)) of channels 0 … mv−1 (src rows of @wo
 * floats, a channel every src_ld), rows 0 … rows−1 (pairs when pooling;
 * max-pool and ReLU commute, and so do max-pool and a constant bias). */
INLINE void
epilogue_body (const float *src,
               gsize src_ld,
               int mv,
               int rows,
               int wo,
               const float *bias,
               gboolean relu,
               gboolean pool,
               float *y,
               gsize plane,
               gsize pitch)
{
  float lo = relu ? 0.0f : -G_MAXFLOAT;

  for (int i = 0; i < mv; i++)
    {
      const float *s0 = src + i * src_ld;
      float b = bias != NULL ? bias[i] : 0.0f;
      float *d = y + i * plane;

      if (pool)
        for (int r = 0; r + 1 < rows; r += 2)
          {
            const float *a = s0 + (gsize) r * wo, *c = a + wo;
            float *dr = d + (gsize) (r / 2) * pitch;

            for (int j = 0; j < wo / 2; j++)
              {
                float v = MAX (MAX (a[2 * j], a[2 * j + 1]), MAX (c[2 * j], c[2 * j + 1])) + b;

                dr[j] = MAX (v, lo);
              }
          }
      else
        for (int r = 0; r < rows; r++)
          {
            const float *a = s0 + (gsize) r * wo;
            float *dr = d + (gsize) r * pitch;

            for (int j = 0; j < wo; j++)
              dr[j] = MAX (a[j] + b, lo);
          }
    }
}

typedef void (*EpilogueFunc) (const float *, gsize, int, int, int, const float *, gboolean, gboolean, float *, gsize, gsize);

static void
epilogue_generic (const float *src,
                  gsize src_ld,
                  int mv,
                  int rows,
                  int wo,
                  const float *bias,
                  gboolean relu,
                  gboolean pool,
                  float *y,
                  gsize plane,
                  gsize pitch)
{
  epilogue_body (src, src_ld, mv, rows, wo, bias, relu, pool, y, plane, pitch);
}

#ifdef HAVE_AVX512_CLONE
static void AVX512
epilogue_avx512 (const float *src,
                 gsize src_ld,
                 int mv,
                 int rows,
                 int wo,
                 const float *bias,
                 gboolean relu,
                 gboolean pool,
                 float *y,
                 gsize plane,
                 gsize pitch)
{
  epilogue_body (src, src_ld, mv, rows, wo, bias, relu, pool, y, plane, pitch);
}
#endif

static EpilogueFunc
epilogue_func (void)
{
#ifdef HAVE_AVX512_CLONE
  if (ls_engine_conv2d_direct_fast ())
    return epilogue_avx512;
#endif
  return epilogue_generic;
}

void
ls_engine_conv2d_epilogue (const LsConvEpilogue *e,
                           const float *src,
                           gsize src_ld,
                           int m0,
                           int m1,
                           int oh0,
                           int oh1,
                           int wo)
{
  gsize row = e->pool ? (gsize) (oh0 / 2) : (gsize) oh0;

  g_assert (!e->pool || oh0 % 2 == 0);
  if (m1 <= m0 || oh1 <= oh0)
    return;
  epilogue_func () (src, src_ld, m1 - m0, oh1 - oh0, wo, e->bias != NULL ? e->bias + m0 : NULL,
                    e->relu, e->pool, e->y + (gsize) m0 * e->plane + row * e->pitch, e->plane,
                    e->pitch);
}

static int
band_rows (const LsConvShape *s,
           gboolean pool)
{
  return pool ? 2 : CLAMP (LS_DIRECT_BAND_PIXELS / s->wo, 1, s->ho);
}

gsize
ls_engine_conv2d_direct_padded_size (const LsConvShape *s)
{
  return padded_size (s->c, s->h, s->w, s->pad);
}

void
ls_engine_conv2d_direct_pad (const LsConvShape *s,
                             const float *x,
                             float *xp)
{
  pad_image (x, xp, s->c, s->h, s->w, s->pad);
}

gsize
ls_engine_conv2d_direct_infer_scratch_size (const LsConvShape *s,
                                            gboolean pool)
{
  return (gsize) DM * band_rows (s, pool) * s->wo + 16;
}

void
ls_engine_conv2d_direct_infer (const LsConvShape *s,
                               const float *xp,
                               const float *packed,
                               const LsConvEpilogue *e,
                               int m0,
                               int m1,
                               int oh0,
                               int oh1,
                               float *scratch)
{
  int hp = s->h + 2 * s->pad, wp = s->w + 2 * s->pad, band = band_rows (s, e->pool);
  gsize ld = (gsize) band * s->wo;

  g_assert (ls_engine_conv2d_direct_supported (s) && (m0 % DM == 0 || m0 >= m1) && m1 <= s->m);
  g_assert (oh0 >= 0 && oh1 <= s->ho && (!e->pool || (oh0 % 2 == 0 && oh1 % 2 == 0)));
  for (int mb = m0; mb < m1; mb += DM)
    for (int oh = oh0; oh < oh1; oh += band)
      {
        int end = MIN (oh + band, oh1), me = MIN (mb + DM, m1);

        run_tiles_ex (xp, s->c, hp, wp, s->k, mb, me, packed, NULL, scratch, ld, s->wo, oh, oh,
                      end);
        ls_engine_conv2d_epilogue (e, scratch, ld, mb, me, oh, end, s->wo);
      }
}

/* The seven loops, then bias, ReLU and max-pool one after the other. */
void
ls_engine_conv2d_infer_ref (const LsConvShape *s,
                            const float *x,
                            const float *w,
                            const LsConvEpilogue *e)
{
  LsConvShape one = *s;
  gsize p = (gsize) s->ho * s->wo;
  g_autofree float *y = g_new (float, (gsize) s->m *p);

  one.n = 1;
  ls_engine_conv2d_forward_ref (&one, x, w, e->bias, y);
  if (e->relu)
    for (gsize i = 0; i < (gsize) s->m * p; i++)
      y[i] = y[i] > 0.0f ? y[i] : 0.0f;
  for (int m = 0; m < s->m; m++)
    {
      const float *ym = y + m * p;
      float *d = e->y + m * e->plane;

      if (!e->pool)
        for (int r = 0; r < s->ho; r++)
          for (int c = 0; c < s->wo; c++)
            d[r * e->pitch + c] = ym[r * s->wo + c];
      else
        for (int r = 0; r < s->ho / 2; r++)
          for (int c = 0; c < s->wo / 2; c++)
            {
              float v = ym[2 * r * s->wo + 2 * c];

              for (int dr = 0; dr < 2; dr++)
                for (int dc = 0; dc < 2; dc++)
                  v = MAX (v, ym[(2 * r + dr) * s->wo + 2 * c + dc]);
              d[r * e->pitch + c] = v;
            }
    }
}
