/* test-engine-layers.c — every layer against its reference and against
 * finite differences
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "engine/layers.h"
#include "engine/optim.h"
#include "base/xoshiro.h"
#include "ls-test.h"

static void
fill (float *v,
      gsize n,
      LsXoshiro *rng,
      float scale)
{
  for (gsize i = 0; i < n; i++)
    v[i] = scale * (float) ls_xoshiro_normal (rng);
}

static double
max_abs (const float *v,
         gsize n)
{
  double m = 0.0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (v[i]));
  return m;
}

static double
max_rel_diff (const float *a,
              const float *b,
              gsize n)
{
  double m = 0.0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a[i] - b[i]));
  return m / MAX (max_abs (b, n), 1e-12);
}

/* ---- convolution against the seven loops ------------------------------ */

static void
test_conv_reference (void)
{
  LsXoshiro rng;
  int cases = 0;

  ls_xoshiro_init (&rng, 1);
  for (int k = 1; k <= 5; k += 2)
    for (int stride = 1; stride <= 3; stride++)
      for (int pad = 0; pad <= k / 2 + 1 && pad <= 2; pad++)
        for (int hw = k; hw <= 11; hw += 5)
          {
            int n = 2, c = 1 + (hw + k) % 3, m = 3 + stride;
            int h = hw, w = hw + 1;
            LsConvShape s;
            gsize nx, nw, ny;
            g_autofree float *x = NULL, *wt = NULL, *b = NULL, *y = NULL, *y_ref = NULL;
            g_autofree float *dy = NULL, *dx = NULL, *dx_ref = NULL, *dw = NULL, *dw_ref = NULL;
            g_autofree float *db = NULL, *db_ref = NULL, *scratch = NULL;

            if ((h + 2 * pad - k) < 0)
              continue;
            ls_conv_shape_init (&s, n, c, h, w, m, k, stride, pad);
            nx = (gsize) n * c * h * w;
            nw = (gsize) m * c * k * k;
            ny = (gsize) n * m * s.ho * s.wo;
            x = g_new (float, nx);
            wt = g_new (float, nw);
            b = g_new (float, m);
            y = g_new (float, ny);
            y_ref = g_new (float, ny);
            dy = g_new (float, ny);
            dx = g_new (float, nx);
            dx_ref = g_new (float, nx);
            dw = g_new0 (float, nw);
            dw_ref = g_new0 (float, nw);
            db = g_new0 (float, m);
            db_ref = g_new0 (float, m);
            scratch = g_new (float, MAX (ls_engine_conv2d_scratch_size (&s), 1));
            fill (x, nx, &rng, 1.0f);
            fill (wt, nw, &rng, 0.5f);
            fill (b, m, &rng, 0.5f);
            fill (dy, ny, &rng, 1.0f);

            ls_engine_conv2d_forward (&s, x, wt, b, y, scratch);
            ls_engine_conv2d_forward_ref (&s, x, wt, b, y_ref);
            g_assert_cmpfloat (max_rel_diff (y, y_ref, ny), <, 1e-5);

            ls_engine_conv2d_backward (&s, x, wt, dy, dw, db, dx, scratch);
            ls_engine_conv2d_backward_ref (&s, x, wt, dy, dw_ref, db_ref, dx_ref);
            g_assert_cmpfloat (max_rel_diff (dx, dx_ref, nx), <, 1e-5);
            g_assert_cmpfloat (max_rel_diff (dw, dw_ref, nw), <, 1e-5);
            g_assert_cmpfloat (max_rel_diff (db, db_ref, m), <, 1e-5);
            cases++;
          }
  /* a map large enough for im2col in several bands of rows, by rows too */
  {
    LsConvShape s;
    gsize nx = 16 * 72 * 70, nw = 5 * 16 * 9, ny;
    g_autofree float *x = g_new (float, nx), *wt = g_new (float, nw), *y = NULL, *y_ref = NULL;
    g_autofree float *y_rows = NULL, *dy = NULL, *dx = NULL, *dx_ref = NULL, *dw = g_new0 (float, nw);
    g_autofree float *dw_ref = g_new0 (float, nw), *scratch = NULL;

    ls_conv_shape_init (&s, 1, 16, 72, 70, 5, 3, 1, 1);
    ny = (gsize) 5 * s.ho * s.wo;
    g_assert_cmpuint (ls_engine_conv2d_scratch_size (&s), <, (gsize) 16 * 9 * s.ho * s.wo / 2);
    y = g_new (float, ny);
    y_ref = g_new (float, ny);
    y_rows = g_new (float, ny);
    dy = g_new (float, ny);
    dx = g_new (float, nx);
    dx_ref = g_new (float, nx);
    scratch = g_new (float, ls_engine_conv2d_scratch_size (&s));
    fill (x, nx, &rng, 1.0f);
    fill (wt, nw, &rng, 0.5f);
    fill (dy, ny, &rng, 1.0f);
    ls_engine_conv2d_forward (&s, x, wt, NULL, y, scratch);
    ls_engine_conv2d_forward_ref (&s, x, wt, NULL, y_ref);
    g_assert_cmpfloat (max_rel_diff (y, y_ref, ny), <, 1e-5);
    ls_engine_conv2d_forward_rows (&s, 0, 0, 31, x, wt, NULL, y_rows, scratch);
    ls_engine_conv2d_forward_rows (&s, 0, 31, s.ho, x, wt, NULL, y_rows, scratch);
    g_assert_cmpfloat (max_rel_diff (y_rows, y_ref, ny), <, 1e-5);
    ls_engine_conv2d_backward (&s, x, wt, dy, dw, NULL, dx, scratch);
    ls_engine_conv2d_backward_ref (&s, x, wt, dy, dw_ref, NULL, dx_ref);
    g_assert_cmpfloat (max_rel_diff (dx, dx_ref, nx), <, 1e-5);
    /* the input gradient by channel ranges, as threads split it */
    memset (dx, 0xff, sizeof (float) * nx);
    ls_engine_conv2d_backward_input_channels (&s, 0, 0, 7, wt, dy, dx, scratch);
    ls_engine_conv2d_backward_input_channels (&s, 0, 7, 16, wt, dy, dx, scratch);
    g_assert_cmpfloat (max_rel_diff (dx, dx_ref, nx), <, 1e-5);
    g_assert_cmpfloat (max_rel_diff (dw, dw_ref, nw), <, 1e-5);
  }
  g_test_message ("%d convolution shapes", cases);
  g_assert_cmpint (cases, >, 40);
}

/* Grouped convolution (several images per GEMM) against the reference */
static void
test_conv_grouped (void)
{
  LsXoshiro rng;

  ls_xoshiro_init (&rng, 12);
  for (int group = 2; group <= 4; group++)
    {
      LsConvShape s;
      int n = 5;
      gsize nx, nw, ny;
      g_autofree float *x = NULL, *w = NULL, *b = NULL, *y = NULL, *y_ref = NULL, *dy = NULL;
      g_autofree float *dx = NULL, *dx_ref = NULL, *dw = NULL, *dw_ref = NULL, *db = NULL;
      g_autofree float *db_ref = NULL, *scratch = NULL;

      ls_conv_shape_init (&s, n, 3, 6, 5, 4, 3, 1 + group % 2, 1);
      nx = (gsize) n * 3 * 6 * 5;
      nw = 4 * 3 * 9;
      ny = (gsize) n * 4 * s.ho * s.wo;
      x = g_new (float, nx);
      w = g_new (float, nw);
      b = g_new (float, 4);
      y = g_new (float, ny);
      y_ref = g_new (float, ny);
      dy = g_new (float, ny);
      dx = g_new (float, nx);
      dx_ref = g_new (float, nx);
      dw = g_new0 (float, nw);
      dw_ref = g_new0 (float, nw);
      db = g_new0 (float, 4);
      db_ref = g_new0 (float, 4);
      scratch = g_new (float, ls_engine_conv2d_scratch_size_group (&s, group));
      fill (x, nx, &rng, 1.0f);
      fill (w, nw, &rng, 0.5f);
      fill (b, 4, &rng, 0.5f);
      fill (dy, ny, &rng, 1.0f);
      /* two calls over image ranges, as two threads would */
      ls_engine_conv2d_forward_images (&s, 0, 2, group, x, w, b, y, scratch);
      ls_engine_conv2d_forward_images (&s, 2, n, group, x, w, b, y, scratch);
      ls_engine_conv2d_forward_ref (&s, x, w, b, y_ref);
      g_assert_cmpfloat (max_rel_diff (y, y_ref, ny), <, 1e-5);
      ls_engine_conv2d_backward_images (&s, 0, 2, group, x, w, dy, dw, db, dx, scratch);
      ls_engine_conv2d_backward_images (&s, 2, n, group, x, w, dy, dw, db, dx, scratch);
      ls_engine_conv2d_backward_ref (&s, x, w, dy, dw_ref, db_ref, dx_ref);
      g_assert_cmpfloat (max_rel_diff (dx, dx_ref, nx), <, 1e-5);
      g_assert_cmpfloat (max_rel_diff (dw, dw_ref, nw), <, 1e-5);
      g_assert_cmpfloat (max_rel_diff (db, db_ref, 4), <, 1e-5);
    }
}

/* The direct 3×3 kernels against the seven loops: tiles along the rows
 * (Wo a multiple of LS_DIRECT_PIXELS) and along the pitched grid (any
 * other Wo), channel counts on and off the tile's LS_DIRECT_CHANNELS, every
 * padding, rows and images split as threads split them. On a CPU without
 * AVX-512 (and under valgrind) this runs the portable build. */
static void
test_conv_direct (void)
{
  static const int shapes[][5] = {
    /* c, h, w, m, n */
    { 1, 5, 5, 3, 2 },
    { 3, 9, 14, 5, 3 },
    { 5, 13, 28, 40, 2 },
    { 4, 7, 33, 33, 3 },
    { 2, 28, 16, 16, 2 },
    { 6, 14, 14, 70, 2 },
    { 24, 12, 14, 32, 2 },
    { 40, 7, 7, 64, 5 },
    { 3, 20, 31, 32, 1 },
  };
  LsXoshiro rng;
  int cases = 0;

  ls_xoshiro_init (&rng, 21);
  g_test_message ("direct kernels: %s build", ls_engine_conv2d_direct_fast () ? "AVX-512" : "portable");
  for (guint si = 0; si < G_N_ELEMENTS (shapes); si++)
    for (int pad = 0; pad <= 2; pad++)
      {
        int c = shapes[si][0], h = shapes[si][1], w = shapes[si][2], m = shapes[si][3];
        int n = shapes[si][4], group;
        LsConvShape s;
        gsize nx, nw, ny;
        g_autofree float *x = NULL, *wt = NULL, *b = NULL, *y = NULL, *y_ref = NULL;
        g_autofree float *dy = NULL, *dx = NULL, *dx_ref = NULL, *dw = NULL, *dw_ref = NULL;
        g_autofree float *db = NULL, *db_ref = NULL;
        float *scratch, *packed;

        if (h + 2 * pad < 3 || w + 2 * pad < 3)
          continue;
        ls_conv_shape_init (&s, n, c, h, w, m, 3, 1, pad);
        g_assert_true (ls_engine_conv2d_direct_supported (&s));
        nx = (gsize) n * c * h * w;
        nw = (gsize) m * c * 9;
        ny = (gsize) n * m * s.ho * s.wo;
        x = g_new (float, nx);
        wt = g_new (float, nw);
        b = g_new (float, m);
        y = g_new (float, ny);
        y_ref = g_new (float, ny);
        dy = g_new (float, ny);
        dx = g_new (float, nx);
        dx_ref = g_new (float, nx);
        dw = g_new0 (float, nw);
        dw_ref = g_new0 (float, nw);
        db = g_new0 (float, m);
        db_ref = g_new0 (float, m);
        fill (x, nx, &rng, 1.0f);
        fill (wt, nw, &rng, 0.5f);
        fill (b, m, &rng, 0.5f);
        fill (dy, ny, &rng, 1.0f);
        /* groups of 1 and of all images, over two image ranges */
        for (group = 1; group <= n; group += MAX (n - 1, 1))
          {
            /* the scratch and packed weights unaligned, as a caller may pass them */
            g_autofree float *scratch_block = g_new (float, ls_engine_conv2d_direct_scratch_size (&s, group) + 1);
            g_autofree float *packed_block = g_new (float, ls_engine_conv2d_direct_packed_size (&s) + 1);
            int half = n / 2;

            scratch = scratch_block + 1;
            packed = packed_block + 1;
            memset (y, 0xff, sizeof (float) * ny);
            memset (dx, 0xff, sizeof (float) * nx);
            memset (dw, 0, sizeof (float) * nw);
            memset (db, 0, sizeof (float) * m);
            ls_engine_conv2d_direct_pack_forward (&s, wt, packed);
            for (int i = 0; i < n; i++)
              {
                ls_engine_conv2d_direct_forward (&s, i, 0, s.ho / 3, x, packed, b, y, scratch);
                ls_engine_conv2d_direct_forward (&s, i, s.ho / 3, s.ho, x, packed, b, y, scratch);
              }
            ls_engine_conv2d_direct_pack_backward (&s, wt, packed);
            for (int i = 0; i < n; i++)
              {
                ls_engine_conv2d_direct_backward_data (&s, i, 0, h / 2, packed, dy, dx, scratch);
                ls_engine_conv2d_direct_backward_data (&s, i, h / 2, h, packed, dy, dx, scratch);
              }
            ls_engine_conv2d_direct_backward_weights (&s, 0, half, group, x, dy, dw, db, scratch);
            ls_engine_conv2d_direct_backward_weights (&s, half, n, group, x, dy, dw, db, scratch);
            memset (dw_ref, 0, sizeof (float) * nw);
            memset (db_ref, 0, sizeof (float) * m);
            ls_engine_conv2d_forward_ref (&s, x, wt, b, y_ref);
            ls_engine_conv2d_backward_ref (&s, x, wt, dy, dw_ref, db_ref, dx_ref);
            g_assert_cmpfloat (max_rel_diff (y, y_ref, ny), <, 1e-5);
            g_assert_cmpfloat (max_rel_diff (dx, dx_ref, nx), <, 1e-5);
            g_assert_cmpfloat (max_rel_diff (dw, dw_ref, nw), <, 1e-5);
            g_assert_cmpfloat (max_rel_diff (db, db_ref, m), <, 1e-5);
            cases++;
          }
      }
  g_test_message ("%d direct convolution cases", cases);
  g_assert_cmpint (cases, >, 40);
}

/* The inference kernels against their _ref twin (the seven loops, then
 * bias, ReLU and max-pool one after the other): the direct kernel with its
 * epilogue, split into channel blocks and row bands as threads split it,
 * writing a contiguous or a padded output; and the im2col + GEMM path
 * (any stride) with the same epilogue. */
static void
test_conv_infer (void)
{
  static const int shapes[][6] = {
    /* c, h, w, m, stride, pad */
    { 3, 9, 14, 5, 1, 1 },
    { 5, 13, 28, 40, 1, 1 },
    { 4, 7, 33, 33, 1, 0 },
    { 24, 12, 28, 32, 1, 1 },
    { 40, 7, 7, 64, 1, 1 },
    { 6, 14, 14, 70, 1, 2 },
    { 2, 11, 11, 3, 1, 1 },
    { 32, 16, 56, 64, 1, 1 },
    { 1, 17, 17, 24, 2, 1 },
    { 3, 12, 10, 7, 2, 0 },
  };
  LsXoshiro rng;
  int cases = 0;

  ls_xoshiro_init (&rng, 33);
  for (guint si = 0; si < G_N_ELEMENTS (shapes); si++)
    for (int mode = 0; mode < 8; mode++)
      {
        int c = shapes[si][0], h = shapes[si][1], w = shapes[si][2], m = shapes[si][3];
        gboolean relu = mode & 1, pool = (mode >> 1) & 1, padded = (mode >> 2) & 1;
        LsConvShape s;
        int yh, yw, rows, half_rows, half_m;
        gsize pitch, plane, ny;
        g_autofree float *x = NULL, *wt = NULL, *b = NULL, *y_ref = NULL, *y = NULL;
        g_autofree float *y_out = NULL, *scratch = NULL;
        LsConvEpilogue e_ref, e;

        ls_conv_shape_init (&s, 1, c, h, w, m, 3, shapes[si][4], shapes[si][5]);
        yh = pool ? s.ho / 2 : s.ho;
        yw = pool ? s.wo / 2 : s.wo;
        rows = pool ? yh * 2 : s.ho;
        pitch = padded ? yw + 2 : yw;
        plane = padded ? (gsize) (yh + 2) * pitch : (gsize) yh * yw;
        ny = (gsize) m * yh * yw;
        x = g_new (float, (gsize) c *h *w);
        wt = g_new (float, (gsize) m *c * 9);
        b = g_new (float, m);
        y_ref = g_new (float, ny);
        y = g_new (float, (gsize) m *plane);
        y_out = g_new (float, ny);
        fill (x, (gsize) c * h * w, &rng, 1.0f);
        fill (wt, (gsize) m * c * 9, &rng, 0.5f);
        fill (b, m, &rng, 0.5f);
        e_ref = (LsConvEpilogue){ b, relu, pool, y_ref, (gsize) yh * yw, yw };
        ls_engine_conv2d_infer_ref (&s, x, wt, &e_ref);
        /* a padded output keeps its borders: a sentinel there */
        for (gsize i = 0; i < (gsize) m * plane; i++)
          y[i] = 1234.5f;
        e = (LsConvEpilogue){ b, relu, pool, padded ? y + pitch + 1 : y, plane, pitch };
        half_rows = rows / 2 / 2 * 2;
        if (ls_engine_conv2d_direct_supported (&s))
          {
            g_autofree float *packed = g_new (float, ls_engine_conv2d_direct_packed_size (&s));
            g_autofree float *xp = g_new (float, ls_engine_conv2d_direct_padded_size (&s));

            scratch = g_new (float, ls_engine_conv2d_direct_infer_scratch_size (&s, pool));
            ls_engine_conv2d_direct_pack_forward (&s, wt, packed);
            ls_engine_conv2d_direct_pad (&s, x, xp);
            half_m = m > LS_DIRECT_CHANNELS ? LS_DIRECT_CHANNELS : m;
            /* four pieces: channel blocks by row bands */
            ls_engine_conv2d_direct_infer (&s, xp, packed, &e, 0, half_m, 0, half_rows, scratch);
            ls_engine_conv2d_direct_infer (&s, xp, packed, &e, 0, half_m, half_rows, rows, scratch);
            ls_engine_conv2d_direct_infer (&s, xp, packed, &e, half_m, m, 0, half_rows, scratch);
            ls_engine_conv2d_direct_infer (&s, xp, packed, &e, half_m, m, half_rows, rows, scratch);
          }
        else
          {
            g_autofree float *tmp = g_new (float, (gsize) m *s.ho *s.wo);

            scratch = g_new (float, ls_engine_conv2d_scratch_size (&s) + 1);
            ls_engine_conv2d_forward_rows (&s, 0, 0, half_rows, x, wt, NULL, tmp, scratch);
            ls_engine_conv2d_forward_rows (&s, 0, half_rows, rows, x, wt, NULL, tmp, scratch);
            ls_engine_conv2d_epilogue (&e, tmp, (gsize) s.ho * s.wo, 0, m, 0, half_rows, s.wo);
            ls_engine_conv2d_epilogue (&e, tmp + (gsize) half_rows * s.wo, (gsize) s.ho * s.wo, 0,
                                       m, half_rows, rows, s.wo);
          }
        for (int j = 0; j < m; j++)
          for (int r = 0; r < yh + (padded ? 2 : 0); r++)
            for (int col = 0; col < yw + (padded ? 2 : 0); col++)
              {
                float v = y[j * plane + r * pitch + col];
                gboolean border = padded && (r == 0 || col == 0 || r == yh + 1 || col == yw + 1);

                if (border)
                  g_assert_cmpfloat (v, ==, 1234.5f);
                else
                  y_out[((gsize) j * yh + r - padded) * yw + col - padded] = v;
              }
        if (max_rel_diff (y_out, y_ref, ny) >= 1e-5)
          g_error ("shape %u mode %d: relative difference %.3g", si, mode,
                   max_rel_diff (y_out, y_ref, ny));
        if (relu)
          for (gsize i = 0; i < ny; i++)
            g_assert_cmpfloat (y_out[i], >=, 0.0f);
        cases++;
      }
  g_test_message ("%d inference convolution cases (%s build)", cases,
                  ls_engine_conv2d_direct_fast () ? "AVX-512" : "portable");
  g_assert_cmpint (cases, ==, 80);
}

/* <im2col x, y> = <x, col2im y> */
static void
test_col2im_adjoint (void)
{
  LsXoshiro rng;

  ls_xoshiro_init (&rng, 2);
  for (int k = 1; k <= 5; k += 2)
    for (int stride = 1; stride <= 3; stride++)
      for (int pad = 0; pad <= 2; pad++)
        {
          int c = 3, h = 10, w = 7;
          int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
          gsize nx = (gsize) c * h * w, ncol = (gsize) c * k * k * ho * wo;
          g_autofree float *x = g_new (float, nx);
          g_autofree float *ax = g_new (float, ncol);
          g_autofree float *y = g_new (float, ncol);
          g_autofree float *aty = g_new (float, nx);
          double lhs = 0.0, rhs = 0.0;

          fill (x, nx, &rng, 1.0f);
          fill (y, ncol, &rng, 1.0f);
          ls_engine_im2col (x, ax, c, h, w, k, stride, pad, ho, wo);
          ls_engine_col2im (y, aty, c, h, w, k, stride, pad, ho, wo);
          for (gsize i = 0; i < ncol; i++)
            lhs += (double) ax[i] * y[i];
          for (gsize i = 0; i < nx; i++)
            rhs += (double) x[i] * aty[i];
          g_assert_cmpfloat_with_epsilon (lhs, rhs, 1e-4 * MAX (1.0, fabs (rhs)));
        }
}

/* ---- finite differences ------------------------------------------------ */

/* A layer as a function of one of its inputs: fills out from the current
 * inputs. The check perturbs @param and compares central differences of
 * L = Σ r·out (accumulated in double) with the analytic gradient. */
typedef void (*ForwardFunc) (gpointer data,
                             float *out);

static void
check_gradient (const char *what,
                ForwardFunc forward,
                gpointer data,
                float *param,
                gsize n_param,
                const float *analytic,
                const float *r,
                gsize n_out,
                float h,
                double tol)
{
  g_autofree float *out = g_new (float, n_out);
  double scale = MAX (max_abs (analytic, n_param), 1e-3);
  double worst = 0.0;

  for (gsize i = 0; i < n_param; i++)
    {
      float saved = param[i];
      double lp = 0.0, lm = 0.0, fd;

      param[i] = saved + h;
      forward (data, out);
      for (gsize j = 0; j < n_out; j++)
        lp += (double) r[j] * out[j];
      param[i] = saved - h;
      forward (data, out);
      for (gsize j = 0; j < n_out; j++)
        lm += (double) r[j] * out[j];
      param[i] = saved;
      fd = (lp - lm) / (2.0 * h);
      worst = MAX (worst, fabs (fd - analytic[i]) / scale);
    }
  g_test_message ("%s: worst error %.2e of max |grad| %.3g", what, worst, scale);
  if (worst >= tol)
    g_error ("%s: finite differences disagree (%.3e ≥ %.1e)", what, worst, tol);
}

typedef struct
{
  LsConvShape s;
  float *x, *w, *b, *scratch;
} ConvData;

static void
conv_fwd (gpointer data,
          float *out)
{
  ConvData *d = data;

  ls_engine_conv2d_forward (&d->s, d->x, d->w, d->b, out, d->scratch);
}

static void
test_gradcheck_conv (void)
{
  ConvData d;
  LsXoshiro rng;
  gsize nx, nw, ny;
  g_autofree float *r = NULL, *dx = NULL, *dw = NULL, *db = NULL;

  ls_xoshiro_init (&rng, 3);
  ls_conv_shape_init (&d.s, 2, 3, 7, 6, 4, 3, 2, 1);
  nx = 2 * 3 * 7 * 6;
  nw = 4 * 3 * 9;
  ny = (gsize) 2 * 4 * d.s.ho * d.s.wo;
  d.x = g_new (float, nx);
  d.w = g_new (float, nw);
  d.b = g_new (float, 4);
  d.scratch = g_new (float, ls_engine_conv2d_scratch_size (&d.s));
  r = g_new (float, ny);
  dx = g_new (float, nx);
  dw = g_new0 (float, nw);
  db = g_new0 (float, 4);
  fill (d.x, nx, &rng, 1.0f);
  fill (d.w, nw, &rng, 0.5f);
  fill (d.b, 4, &rng, 0.5f);
  fill (r, ny, &rng, 1.0f);
  ls_engine_conv2d_backward (&d.s, d.x, d.w, r, dw, db, dx, d.scratch);
  check_gradient ("conv dx", conv_fwd, &d, d.x, nx, dx, r, ny, 1e-2f, 1e-3);
  check_gradient ("conv dw", conv_fwd, &d, d.w, nw, dw, r, ny, 1e-2f, 1e-3);
  check_gradient ("conv db", conv_fwd, &d, d.b, 4, db, r, ny, 1e-2f, 1e-3);
  g_free (d.x);
  g_free (d.w);
  g_free (d.b);
  g_free (d.scratch);
}

typedef struct
{
  float *x, *gamma, *beta, *rm, *rv, *save;
  int n, c, hw;
  gboolean train;
  gboolean relu;
} BnData;

static void
bn_fwd (gpointer data,
        float *out)
{
  BnData *d = data;

  if (d->train)
    ls_engine_batchnorm_forward_train (d->x, out, d->gamma, d->beta, d->rm, d->rv, d->save,
                                       d->save + d->c, d->relu, d->n, d->c, d->hw, 0, d->c);
  else
    ls_engine_batchnorm_forward_eval (d->x, out, d->gamma, d->beta, d->rm, d->rv, d->save,
                                      d->save + d->c, d->relu, d->n, d->c, d->hw, 0, d->c);
}

static void
run_bn_gradcheck (gboolean train,
                  gboolean relu)
{
  BnData d = { 0 };
  LsXoshiro rng;
  gsize nx;
  g_autofree float *r = NULL, *dx = NULL, *dg = NULL, *db = NULL, *out = NULL;

  d.n = 3;
  d.c = 2;
  d.hw = 5;
  d.train = train;
  d.relu = relu;
  nx = (gsize) d.n * d.c * d.hw;
  d.x = g_new (float, nx);
  d.gamma = g_new (float, d.c);
  d.beta = g_new (float, d.c);
  d.rm = g_new (float, d.c);
  d.rv = g_new (float, d.c);
  d.save = g_new (float, 2 * d.c);
  r = g_new (float, nx);
  out = g_new (float, nx);
  dx = g_new (float, nx);
  dg = g_new0 (float, d.c);
  db = g_new0 (float, d.c);
  for (int c = 0; c < d.c; c++)
    {
      d.gamma[c] = 0.5f + c;
      d.beta[c] = 0.1f * c;
      d.rm[c] = 0.3f;
      d.rv[c] = 1.7f;
    }
  /* with a fused ReLU, pick data whose normalized values all keep 0.08
   * away from the kink */
  for (guint64 seed = 4;; seed++)
    {
      float margin = G_MAXFLOAT;

      g_assert_cmpuint (seed, <, 1000);
      ls_xoshiro_init (&rng, seed);
      fill (d.x, nx, &rng, 2.0f);
      d.relu = FALSE;
      bn_fwd (&d, out);
      d.relu = relu;
      for (gsize i = 0; i < nx; i++)
        margin = MIN (margin, fabsf (out[i]));
      if (!relu || margin > 0.08f)
        break;
    }
  fill (r, nx, &rng, 1.0f);
  bn_fwd (&d, out);
  ls_engine_batchnorm_backward (d.x, r, d.gamma, d.beta, d.save, d.save + d.c, relu, train, dg,
                                db, dx, d.n, d.c, d.hw, 0, d.c);
  check_gradient (train ? (relu ? "bn+relu train dx" : "bn train dx") : (relu ? "bn+relu eval dx" : "bn eval dx"), bn_fwd, &d, d.x, nx, dx, r, nx, 1e-2f,
                  2e-3);
  check_gradient ("bn dgamma", bn_fwd, &d, d.gamma, d.c, dg, r, nx, 1e-2f, 2e-3);
  check_gradient ("bn dbeta", bn_fwd, &d, d.beta, d.c, db, r, nx, 1e-2f, 2e-3);
  g_free (d.x);
  g_free (d.gamma);
  g_free (d.beta);
  g_free (d.rm);
  g_free (d.rv);
  g_free (d.save);
}

static void
test_gradcheck_bn (void)
{
  run_bn_gradcheck (TRUE, FALSE);
  run_bn_gradcheck (FALSE, FALSE);
  /* fused ReLU; the kinks are avoided by checking that no output sits near 0 */
  run_bn_gradcheck (TRUE, TRUE);
  run_bn_gradcheck (FALSE, TRUE);
}

/* bn → relu → max-pool backward in one equals the three one after another;
 * widths below and above eight windows (the vector path) and odd sizes */
static void
test_bn_pooled (void)
{
  static const int shapes[][4] = { { 3, 4, 7, 5 }, { 2, 3, 10, 37 }, { 2, 2, 5, 16 } };
  LsXoshiro rng;

  ls_xoshiro_init (&rng, 21);
  for (guint si = 0; si < G_N_ELEMENTS (shapes); si++)
    {
      const int n = shapes[si][0], c = shapes[si][1], h = shapes[si][2], w = shapes[si][3];
      gsize nx = (gsize) n * c * h * w, np = (gsize) n * c * (h / 2) * (w / 2);
      g_autofree float *x = g_new (float, nx), *y = g_new (float, nx), *dy = g_new (float, nx);
      g_autofree float *dx1 = g_new (float, nx), *dx2 = g_new (float, nx);
      g_autofree float *pooled = g_new (float, np), *pdy = g_new (float, np);
      g_autofree float *pooled2 = g_new (float, np);
      g_autofree uint8_t *argmax = g_new (uint8_t, np), *argmax2 = g_new (uint8_t, np);
      float gamma[4] = { 0.5f, 1.5f, 1.0f, 0.8f }, beta[4] = { 0.1f, -0.3f, 0.0f, 0.2f };
      float rm[4] = { 0 }, rv[4] = { 1, 1, 1, 1 }, save[8];

      fill (x, nx, &rng, 1.0f);
      fill (pdy, np, &rng, 1.0f);
      /* ties: a plateau where the first maximum must win */
      for (int i = 0; i < 2 * w && i < (int) nx; i++)
        x[i] = 0.25f;
      for (int train = 0; train <= 1; train++)
        {
          float dg1[4] = { 0 }, db1[4] = { 0 }, dg2[4] = { 0 }, db2[4] = { 0 };

          if (train)
            ls_engine_batchnorm_forward_train (x, y, gamma, beta, rm, rv, save, save + c, TRUE, n,
                                               c, h * w, 0, c);
          else
            ls_engine_batchnorm_forward_eval (x, y, gamma, beta, rm, rv, save, save + c, TRUE, n, c,
                                              h * w, 0, c);
          ls_engine_maxpool2_forward (y, pooled, argmax, n, c, h, w);
          /* the fused forward gives the same bits */
          {
            float rm2[4] = { 0 }, rv2[4] = { 1, 1, 1, 1 }, save2[8];

            if (train)
              {
                memcpy (rm2, rm, sizeof rm);
                memcpy (rv2, rv, sizeof rv);
                /* both sides from the same running statistics: one more update each */
                ls_engine_batchnorm_forward_train (x, y, gamma, beta, rm, rv, save, save + c, TRUE,
                                                   n, c, h * w, 0, c);
              }
            ls_engine_batchnorm_pool_forward (x, pooled2, argmax2, gamma, beta, rm2, rv2, save2,
                                              save2 + c, train, n, c, h, w, 0, 1);
            ls_engine_batchnorm_pool_forward (x, pooled2, argmax2, gamma, beta, rm2, rv2, save2,
                                              save2 + c, train, n, c, h, w, 1, c);
            g_assert_true (memcmp (pooled2, pooled, sizeof (float) * np) == 0);
            g_assert_true (memcmp (argmax2, argmax, np) == 0);
            g_assert_true (memcmp (save2, save, sizeof (float) * 2 * c) == 0);
            g_assert_true (memcmp (rm2, rm, sizeof (float) * c) == 0);
            g_assert_true (memcmp (rv2, rv, sizeof (float) * c) == 0);
          }
          ls_engine_maxpool2_backward (pdy, argmax, dy, n, c, h, w);
          ls_engine_batchnorm_backward (x, dy, gamma, beta, save, save + c, TRUE, train, dg1, db1,
                                        dx1, n, c, h * w, 0, c);
          /* in two channel ranges, as two threads */
          ls_engine_batchnorm_backward_pooled (x, pdy, argmax, gamma, beta, save, save + c, train,
                                               dg2, db2, dx2, n, c, h, w, 0, 1);
          ls_engine_batchnorm_backward_pooled (x, pdy, argmax, gamma, beta, save, save + c, train,
                                               dg2, db2, dx2, n, c, h, w, 1, c);
          g_assert_cmpfloat (max_rel_diff (dx2, dx1, nx), <, 1e-5);
          g_assert_cmpfloat (max_rel_diff (dg2, dg1, c), <, 1e-5);
          g_assert_cmpfloat (max_rel_diff (db2, db1, c), <, 1e-5);
        }
    }
}

static void
test_bn_statistics (void)
{
  /* running statistics: momentum 0.1, unbiased variance */
  float x[] = { 1, 2, 3, 4, 10, 20, 30, 40 };
  float y[8], g[2] = { 1, 1 }, b[2] = { 0, 0 }, rm[2] = { 0, 0 }, rv[2] = { 1, 1 }, save[4];

  ls_engine_batchnorm_forward_train (x, y, g, b, rm, rv, save, save + 2, FALSE, 2, 2, 2, 0, 2);
  /* channel 0: 1,2,10,20 → mean 8.25, biased var 58.1875, unbiased 77.5833 */
  g_assert_cmpfloat_with_epsilon (rm[0], 0.825f, 1e-5);
  g_assert_cmpfloat_with_epsilon (rv[0], 0.9f + 0.1f * 77.583333f, 1e-4);
  g_assert_cmpfloat_with_epsilon (save[2], 1.0f / sqrtf (58.1875f + 1e-5f), 1e-6);
  g_assert_cmpfloat_with_epsilon (y[0], (1.0f - 8.25f) / sqrtf (58.1875f + 1e-5f), 1e-5);
}

typedef struct
{
  float *x;
  int n, c, h, w, in, out;
  float *wt, *b;
  uint8_t *argmax;
  float *mask;
  LsXoshiro rng;
  int kind;
} SimpleData;

enum
{
  K_RELU,
  K_POOL,
  K_GAP,
  K_LINEAR,
  K_DROPOUT
};

static void
simple_fwd (gpointer data,
            float *out)
{
  SimpleData *d = data;

  switch (d->kind)
    {
    case K_RELU:
      ls_engine_relu_forward (d->x, out, (gsize) d->n * d->c * d->h * d->w);
      break;
    case K_POOL:
      ls_engine_maxpool2_forward (d->x, out, d->argmax, d->n, d->c, d->h, d->w);
      break;
    case K_GAP:
      ls_engine_gap_forward (d->x, out, d->n, d->c, d->h * d->w);
      break;
    case K_LINEAR:
      ls_engine_linear_forward (d->x, d->wt, d->b, out, d->n, d->in, d->out);
      break;
    case K_DROPOUT:
      ls_xoshiro_init (&d->rng, 11);
      ls_engine_dropout_forward (d->x, out, d->mask, 0.4f, &d->rng, (gsize) d->n * d->in);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
test_gradcheck_simple (void)
{
  SimpleData d = { 0 };
  LsXoshiro rng;
  gsize nx, ny;
  float x[2 * 3 * 5 * 5], r[2 * 3 * 5 * 5], y[2 * 3 * 5 * 5], dx[2 * 3 * 5 * 5];
  float wt[4 * 6], b[4], dw[4 * 6], db[4], mask[2 * 6];
  uint8_t argmax[2 * 3 * 5 * 5];

  ls_xoshiro_init (&rng, 6);
  d.x = x;
  d.n = 2;
  d.c = 3;
  d.h = 5;
  d.w = 5;
  d.argmax = argmax;
  d.mask = mask;
  nx = G_N_ELEMENTS (x);

  /* ReLU away from the kink: |x| ≥ 0.1 > h */
  fill (x, nx, &rng, 1.0f);
  for (gsize i = 0; i < nx; i++)
    x[i] = x[i] >= 0 ? x[i] + 0.1f : x[i] - 0.1f;
  fill (r, nx, &rng, 1.0f);
  d.kind = K_RELU;
  simple_fwd (&d, y);
  ls_engine_relu_backward (y, r, dx, nx);
  check_gradient ("relu", simple_fwd, &d, x, nx, dx, r, nx, 1e-2f, 1e-3);

  /* max-pool with distinct values 0.1 apart (odd size: the last row and column are dropped) */
  for (gsize i = 0; i < nx; i++)
    x[i] = 0.1f * (float) ((i * 37) % nx);
  d.kind = K_POOL;
  ny = (gsize) 2 * 3 * 2 * 2;
  simple_fwd (&d, y);
  ls_engine_maxpool2_backward (r, argmax, dx, 2, 3, 5, 5);
  check_gradient ("maxpool", simple_fwd, &d, x, nx, dx, r, ny, 1e-2f, 1e-3);

  fill (x, nx, &rng, 1.0f);
  d.kind = K_GAP;
  ny = 6;
  ls_engine_gap_backward (r, dx, 2, 3, 25);
  check_gradient ("gap", simple_fwd, &d, x, nx, dx, r, ny, 1e-2f, 1e-3);

  d.kind = K_LINEAR;
  d.in = 6;
  d.out = 4;
  d.wt = wt;
  d.b = b;
  fill (wt, 24, &rng, 0.5f);
  fill (b, 4, &rng, 0.5f);
  memset (dw, 0, sizeof dw);
  memset (db, 0, sizeof db);
  ls_engine_linear_backward (x, wt, r, dw, db, dx, 2, 6, 4);
  check_gradient ("linear dx", simple_fwd, &d, x, 12, dx, r, 8, 1e-2f, 1e-3);
  check_gradient ("linear dw", simple_fwd, &d, wt, 24, dw, r, 8, 1e-2f, 1e-3);
  check_gradient ("linear db", simple_fwd, &d, b, 4, db, r, 8, 1e-2f, 1e-3);

  d.kind = K_DROPOUT;
  simple_fwd (&d, y);
  ls_engine_dropout_backward (r, mask, dx, 12);
  check_gradient ("dropout", simple_fwd, &d, x, 12, dx, r, 12, 1e-2f, 1e-3);
  {
    int zeros = 0;

    for (int i = 0; i < 12; i++)
      {
        g_assert_true (mask[i] == 0.0f || fabsf (mask[i] - 1.0f / 0.6f) < 1e-6f);
        zeros += mask[i] == 0.0f;
      }
    g_assert_cmpint (zeros, >, 0);
    g_assert_cmpint (zeros, <, 12);
  }
}

typedef struct
{
  float *logits;
  int labels[4];
  float weights[3];
  float smoothing;
} CeData;

static void
ce_fwd (gpointer data,
        float *out)
{
  CeData *d = data;
  float probs[12];

  out[0] = ls_engine_cross_entropy (d->logits, d->labels, d->weights, d->smoothing, probs, NULL, 4,
                                    3);
}

static void
test_cross_entropy (void)
{
  float logits[12] = { 1, 2, 3, -1, 0, 1, 0.5f, 0.5f, -2, 3, -3, 0 };
  CeData d = { logits, { 2, 0, 1, 0 }, { 1.0f, 2.0f, 0.5f }, 0.1f };
  float probs[12], dl[12], r = 1.0f;
  float loss;
  double ref = 0.0, wsum = 0.0;

  loss = ls_engine_cross_entropy (logits, d.labels, d.weights, d.smoothing, probs, dl, 4, 3);
  /* the formula of torch's cross_entropy with weight and label smoothing */
  for (int i = 0; i < 4; i++)
    {
      double lse = log (exp (logits[i * 3]) + exp (logits[i * 3 + 1]) + exp (logits[i * 3 + 2]));
      double smooth = 0.0;

      for (int j = 0; j < 3; j++)
        smooth += d.weights[j] * (lse - logits[i * 3 + j]);
      ref += 0.9 * d.weights[d.labels[i]] * (lse - logits[i * 3 + d.labels[i]]) + 0.1 / 3 * smooth;
      wsum += d.weights[d.labels[i]];
    }
  g_assert_cmpfloat_with_epsilon (loss, ref / wsum, 1e-5);
  check_gradient ("cross-entropy", ce_fwd, &d, logits, 12, dl, &r, 1, 1e-2f, 1e-3);
  d.smoothing = 0.0f;
  loss = ls_engine_cross_entropy (logits, d.labels, NULL, 0.0f, probs, dl, 4, 3);
  g_assert_cmpfloat (loss, >, 0.0f);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (probs[i * 3] + probs[i * 3 + 1] + probs[i * 3 + 2], 1.0, 1e-6);
}

/* ---- optimizers --------------------------------------------------------- */

static void
test_optimizers (void)
{
  LsOptimConfig cfg;
  float p[2] = { 1.0f, -2.0f }, g[2] = { 0.5f, -0.25f };
  g_autoptr (LsOptimizer) adam = NULL;
  g_autoptr (LsOptimizer) sgd = NULL;

  /* AdamW first step: p·(1 − lr·wd) − lr·sign(g) (approximately, eps tiny) */
  ls_optim_config_init (&cfg, LS_OPTIM_ADAMW);
  cfg.weight_decay = 0.1f;
  adam = ls_optimizer_new (&cfg, 2);
  ls_optimizer_step (adam, p, g, 0.01f);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0f * (1 - 0.001f) - 0.01f, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], -2.0f * (1 - 0.001f) + 0.01f, 1e-6);

  /* SGD Nesterov, two steps by hand */
  p[0] = 1.0f;
  ls_optim_config_init (&cfg, LS_OPTIM_SGD);
  cfg.nesterov = TRUE;
  cfg.weight_decay = 0.01f;
  sgd = ls_optimizer_new (&cfg, 1);
  {
    float d1 = 0.5f + 0.01f * 1.0f, buf = d1, p1 = 1.0f - 0.1f * (d1 + 0.9f * buf);
    float d2 = 0.5f + 0.01f * p1, buf2 = 0.9f * buf + d2, p2 = p1 - 0.1f * (d2 + 0.9f * buf2);

    ls_optimizer_step (sgd, p, g, 0.1f);
    g_assert_cmpfloat_with_epsilon (p[0], p1, 1e-6);
    ls_optimizer_step (sgd, p, g, 0.1f);
    g_assert_cmpfloat_with_epsilon (p[0], p2, 1e-6);
  }

  /* clipping as torch.nn.utils.clip_grad_norm_ */
  {
    float v[2] = { 3.0f, 4.0f };

    g_assert_cmpfloat_with_epsilon (ls_engine_clip_grad_norm (v, 2, 1.0f), 5.0f, 1e-6);
    g_assert_cmpfloat_with_epsilon (hypotf (v[0], v[1]), 1.0f, 1e-5);
    g_assert_cmpfloat_with_epsilon (ls_engine_clip_grad_norm (v, 2, 10.0f), 1.0f, 1e-5);
    g_assert_cmpfloat_with_epsilon (hypotf (v[0], v[1]), 1.0f, 1e-5);
  }

  /* cosine schedule with warm-up */
  g_assert_cmpfloat_with_epsilon (ls_engine_cosine_lr (1.0f, 0.0f, 0, 10, 110), 0.1f, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_engine_cosine_lr (1.0f, 0.0f, 9, 10, 110), 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_engine_cosine_lr (1.0f, 0.0f, 10, 10, 110), 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_engine_cosine_lr (1.0f, 0.0f, 60, 10, 110), 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (ls_engine_cosine_lr (1.0f, 0.1f, 110, 10, 110), 0.1f, 1e-6);
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/engine/conv2d/reference", test_conv_reference);
  g_test_add_func ("/lungscope/engine/conv2d/grouped", test_conv_grouped);
  g_test_add_func ("/lungscope/engine/conv2d/direct", test_conv_direct);
  g_test_add_func ("/lungscope/engine/conv2d/infer", test_conv_infer);
  g_test_add_func ("/lungscope/engine/conv2d/col2im-adjoint", test_col2im_adjoint);
  g_test_add_func ("/lungscope/engine/conv2d/gradcheck", test_gradcheck_conv);
  g_test_add_func ("/lungscope/engine/batchnorm/gradcheck", test_gradcheck_bn);
  g_test_add_func ("/lungscope/engine/batchnorm/statistics", test_bn_statistics);
  g_test_add_func ("/lungscope/engine/batchnorm/pooled", test_bn_pooled);
  g_test_add_func ("/lungscope/engine/layers/gradcheck", test_gradcheck_simple);
  g_test_add_func ("/lungscope/engine/loss/cross-entropy", test_cross_entropy);
  g_test_add_func ("/lungscope/engine/optim/steps", test_optimizers);
  return g_test_run ();
}
