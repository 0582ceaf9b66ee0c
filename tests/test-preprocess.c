/* test-preprocess.c — resize, geometry, normalisation, intensity, CLAHE
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/image.h"
#include "imaging/preprocess.h"
#include "imaging/resize.h"
#include "imaging/rng.h"
#include "ls-test.h"

/* Resize tolerance against PIL and torchvision (float32 inputs): PIL
 * accumulates in double and goes horizontal first, we accumulate in float
 * and go vertical first; the two references differ from each other by
 * about 1e-6. */
#define RESIZE_TOLERANCE 1e-5

static LsImage *
random_image (int width,
              int height,
              guint64 seed)
{
  LsImage *image = ls_image_new (width, height);
  LsRng rng;

  ls_rng_init (&rng, seed, 7);
  for (gsize i = 0; i < (gsize) width * height; i++)
    image->data[i] = (float) ls_rng_uniform (&rng);
  return image;
}

/* The input of tests/ref/make-resize-fixtures.py. */
static LsImage *
fixture_source (void)
{
  LsImage *image = ls_image_new (24, 18);

  for (int y = 0; y < 18; y++)
    for (int x = 0; x < 24; x++)
      image->data[y * 24 + x] = (float) (((3 * x * x + 5 * y * y + 7 * x * y + 11 * x) % 251) / 250.0);
  return image;
}

static guint32
read_u32 (const guint8 **p)
{
  guint32 v = (guint32) (*p)[0] | ((guint32) (*p)[1] << 8) | ((guint32) (*p)[2] << 16) | ((guint32) (*p)[3] << 24);

  *p += 4;
  return v;
}

static void
test_resize_fixtures (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("LS_SOURCE_ROOT"), "tests", "data", "resize-fixtures.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) src = fixture_source ();
  const guint8 *p, *end;
  gsize length;
  guint32 count;
  double worst[2][2] = { { 0 } };

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, 8);
  g_assert_cmpmem (contents, 4, "LSRZ", 4);
  p = (const guint8 *) contents + 4;
  end = (const guint8 *) contents + length;
  count = read_u32 (&p);
  g_assert_cmpuint (count, >=, 12);
  for (guint32 r = 0; r < count; r++)
    {
      guint32 filter, ref, w, h;
      g_autoptr (LsImage) out = NULL;

      g_assert_true (p + 16 <= end);
      filter = read_u32 (&p);
      ref = read_u32 (&p);
      w = read_u32 (&p);
      h = read_u32 (&p);
      g_assert_cmpuint (filter, <=, 1);
      g_assert_cmpuint (ref, <=, 1);
      g_assert_true (p + (gsize) w * h * 4 <= end);
      out = ls_image_resize (src, (int) w, (int) h, filter == 0 ? LS_RESIZE_BILINEAR : LS_RESIZE_BOX);
      for (guint32 i = 0; i < w * h; i++)
        {
          float expected;
          double diff;

          memcpy (&expected, p + 4 * (gsize) i, 4);
          diff = fabs ((double) out->data[i] - expected);
          worst[filter][ref] = MAX (worst[filter][ref], diff);
          if (diff > RESIZE_TOLERANCE)
            g_error ("resize %s to %u×%u vs %s: pixel %u is %.8g, expected %.8g",
                     filter == 0 ? "bilinear" : "box", w, h, ref == 0 ? "PIL" : "torchvision", i,
                     out->data[i], expected);
        }
      p += (gsize) w * h * 4;
    }
  g_assert_true (p == end);
  g_test_message ("max |diff|: bilinear vs PIL %.3g, vs torchvision %.3g; box vs PIL %.3g",
                  worst[0][0], worst[0][1], worst[1][0]);
}

static void
test_resize_basics (void)
{
  g_autoptr (LsImage) src = random_image (37, 23, 1);
  g_autoptr (LsImage) same = ls_image_resize (src, 37, 23, LS_RESIZE_BILINEAR);
  g_autoptr (LsImage) flat = ls_image_new (61, 47);
  g_autoptr (LsImage) small = NULL;
  g_autoptr (LsImage) big = NULL;

  /* same size: exact copy */
  g_assert_cmpmem (same->data, 37 * 23 * 4, src->data, 37 * 23 * 4);
  /* weights sum to one: a constant stays constant, down and up */
  for (int i = 0; i < 61 * 47; i++)
    flat->data[i] = 0.375f;
  small = ls_image_resize (flat, 9, 5, LS_RESIZE_BILINEAR);
  big = ls_image_resize (flat, 200, 150, LS_RESIZE_BOX);
  for (int i = 0; i < 9 * 5; i++)
    g_assert_cmpfloat_with_epsilon (small->data[i], 0.375, 1e-6);
  for (int i = 0; i < 200 * 150; i++)
    g_assert_cmpfloat_with_epsilon (big->data[i], 0.375, 1e-6);
  /* box 2× down of a 2×2 block pattern is the block mean */
  {
    g_autoptr (LsImage) blocks = ls_image_new (4, 2);
    g_autoptr (LsImage) half = NULL;
    const float v[8] = { 0.0f, 1.0f, 0.5f, 0.25f, 1.0f, 0.0f, 0.75f, 0.5f };

    memcpy (blocks->data, v, sizeof v);
    half = ls_image_resize (blocks, 2, 1, LS_RESIZE_BOX);
    g_assert_cmpfloat_with_epsilon (half->data[0], 0.5, 1e-7);
    g_assert_cmpfloat_with_epsilon (half->data[1], 0.5, 1e-7);
  }
}

/* Pushing rows one by one gives exactly what the whole-plane run gives. */
static void
test_resize_stream (void)
{
  const int cases[][4] = {
    { 37, 23, 9, 5 },
    { 24, 18, 31, 23 },
    { 24, 18, 13, 25 },
    { 40, 30, 40, 11 },
    { 40, 30, 17, 30 },
    { 40, 30, 40, 30 },
    { 1, 1, 3, 2 },
    { 5, 7, 1, 1 },
    { 300, 200, 224, 224 },
    { 2000, 1500, 224, 224 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      int sw = cases[c][0], sh = cases[c][1], dw = cases[c][2], dh = cases[c][3];
      g_autoptr (LsImage) src = random_image (sw, sh, 20 + c);

      for (int f = 0; f < 2; f++)
        {
          LsResizeFilter filter = f == 0 ? LS_RESIZE_BILINEAR : LS_RESIZE_BOX;
          g_autoptr (LsResizePlan) plan = ls_resize_plan_new (sw, sh, dw, dh, filter);
          g_autofree float *scratch = g_new (float, MAX (ls_resize_plan_scratch_size (plan), 1));
          g_autofree float *whole = g_new (float, (gsize) dw *dh);
          g_autofree float *streamed = g_new (float, (gsize) (dw + 3) * dh);
          g_autoptr (LsResizeStream) stream = NULL;

          ls_resize_plan_run (plan, src->data, sw, whole, dw, scratch);
          stream = ls_resize_stream_new (plan, streamed, dw + 3);
          for (int y = 0; y < sh; y++)
            g_assert_true (ls_resize_stream_push (stream, src->data + (gsize) y * sw) == (y == sh - 1));
          for (int y = 0; y < dh; y++)
            g_assert_cmpmem (streamed + (gsize) y * (dw + 3), dw * sizeof (float), whole + (gsize) y * dw,
                             dw * sizeof (float));
        }
    }
}

static void
test_center_crop (void)
{
  g_autoptr (LsImage) src = ls_image_new (5, 4);
  g_autoptr (LsImage) crop = NULL;
  g_autoptr (LsImage) grow = NULL;

  for (int i = 0; i < 20; i++)
    src->data[i] = (float) i / 20.0f;
  /* (5 − 2) / 2 = 1.5 → round half to even: 2; (4 − 3) / 2 = 0.5 → 0 */
  crop = ls_image_center_crop (src, 2, 3);
  g_assert_cmpint (crop->width, ==, 2);
  g_assert_cmpint (crop->height, ==, 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 2; x++)
      g_assert_cmpfloat (crop->data[y * 2 + x], ==, src->data[y * 5 + x + 2]);
  /* larger than the image: padded 1 before, 2 after horizontally (3 extra),
   * vertically (4 − 2)/2 = 1 cropped away at the top. */
  grow = ls_image_center_crop (src, 8, 2);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 8; x++)
      {
        float expected = (x >= 1 && x < 6) ? src->data[(y + 1) * 5 + x - 1] : 0.0f;

        g_assert_cmpfloat (grow->data[y * 8 + x], ==, expected);
      }
}

static void
test_pad (void)
{
  g_autoptr (LsImage) src = random_image (3, 2, 2);
  g_autoptr (LsImage) pad = ls_image_pad (src, 1, 2, 3, 0, 0.5f);

  g_assert_cmpint (pad->width, ==, 7);
  g_assert_cmpint (pad->height, ==, 4);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 7; x++)
      {
        gboolean inside = x >= 1 && x < 4 && y >= 2;

        g_assert_cmpfloat (pad->data[y * 7 + x], ==, inside ? src->data[(y - 2) * 3 + x - 1] : 0.5f);
      }
}

static void
test_fit (void)
{
  g_autoptr (LsImage) wide = ls_image_new (40, 20);
  g_autoptr (LsImage) letter = NULL;
  g_autoptr (LsImage) stretch = NULL;
  g_autoptr (LsImage) tall = ls_image_new (10, 30);
  g_autoptr (LsImage) tall_fit = NULL;
  g_autoptr (GError) error = NULL;
  LsFit fit;

  for (int i = 0; i < 40 * 20; i++)
    wide->data[i] = 1.0f;
  for (int i = 0; i < 10 * 30; i++)
    tall->data[i] = 1.0f;
  letter = ls_image_fit (wide, 20, LS_FIT_LETTERBOX);
  g_assert_cmpint (letter->width, ==, 20);
  g_assert_cmpint (letter->height, ==, 20);
  for (int y = 0; y < 20; y++)
    for (int x = 0; x < 20; x++)
      g_assert_cmpfloat_with_epsilon (letter->data[y * 20 + x], (y >= 5 && y < 15) ? 1.0 : 0.0, 1e-6);
  stretch = ls_image_fit (wide, 20, LS_FIT_STRETCH);
  for (int i = 0; i < 400; i++)
    g_assert_cmpfloat_with_epsilon (stretch->data[i], 1.0, 1e-6);
  /* 10 × 30 into 16: 5.33 → 5 wide, margins 5 left and 6 right */
  tall_fit = ls_image_fit (tall, 16, LS_FIT_LETTERBOX);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++)
      g_assert_cmpfloat_with_epsilon (tall_fit->data[y * 16 + x], (x >= 5 && x < 10) ? 1.0 : 0.0, 1e-6);

  g_assert_true (ls_fit_from_string ("stretch", &fit, &error));
  g_assert_cmpint (fit, ==, LS_FIT_STRETCH);
  g_assert_true (ls_fit_from_string (ls_fit_to_string (LS_FIT_LETTERBOX), &fit, &error));
  g_assert_cmpint (fit, ==, LS_FIT_LETTERBOX);
  g_assert_false (ls_fit_from_string ("crop", &fit, &error));
  g_assert_error (error, LS_PREPROCESS_ERROR, LS_PREPROCESS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "crop"));
}

static void
test_normalize (void)
{
  g_autoptr (LsImage) src = random_image (7, 5, 3);
  const float mean[3] = { 0.485f, 0.456f, 0.406f };
  const float std[3] = { 0.229f, 0.224f, 0.225f };
  float out[3 * 35];

  ls_image_normalize (src, 3, mean, std, out);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 35; i++)
      g_assert_cmpfloat_with_epsilon (out[c * 35 + i], (src->data[i] - mean[c]) / std[c], 1e-5);
}

static void
test_model_input (void)
{
  g_autoptr (LsImage) src = random_image (90, 60, 5);
  g_autoptr (LsImage) fitted = ls_image_fit (src, 32, LS_FIT_LETTERBOX);
  const float mean[1] = { 0.5f }, std[1] = { 0.25f };
  float out[32 * 32], expected[32 * 32];

  ls_image_to_model_input (src, 32, LS_FIT_LETTERBOX, 1, mean, std, out);
  ls_image_normalize (fitted, 1, mean, std, expected);
  g_assert_cmpmem (out, sizeof out, expected, sizeof expected);
  /* the letterbox margin is black, so (0 − mean) / std there */
  g_assert_cmpfloat (out[0], ==, -2.0f);
  g_assert_cmpfloat_with_epsilon (out[16 * 32 + 16], (fitted->data[16 * 32 + 16] - 0.5f) / 0.25f, 1e-6);
}

static void
test_equalize (void)
{
  g_autoptr (LsImage) ramp = ls_image_new (256, 1);
  g_autoptr (LsImage) two = ls_image_new (32, 16);
  g_autoptr (LsImage) flat = ls_image_new (9, 9);
  g_autoptr (LsImage) flat_copy = NULL;

  /* each of the 256 levels once: step 1, lut = identity */
  for (int i = 0; i < 256; i++)
    ramp->data[i] = (float) i / 255.0f;
  ls_image_equalize (ramp);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon (ramp->data[i], (float) i / 255.0f, 1e-6);
  /* two levels, 256 pixels each: step 1, lut[51] = 0, lut[153] = 255 */
  for (int i = 0; i < 512; i++)
    two->data[i] = i % 2 ? 0.2f : 0.6f;
  ls_image_equalize (two);
  for (int i = 0; i < 512; i++)
    g_assert_cmpfloat (two->data[i], ==, i % 2 ? 0.0f : 1.0f);
  /* constant: unchanged */
  for (int i = 0; i < 81; i++)
    flat->data[i] = 0.3f;
  flat_copy = ls_image_copy (flat);
  ls_image_equalize (flat);
  g_assert_cmpmem (flat->data, 81 * 4, flat_copy->data, 81 * 4);
}

static void
test_point_ops (void)
{
  g_autoptr (LsImage) src = random_image (101, 3, 4);
  g_autoptr (LsImage) img = NULL;
  const float gammas[] = { 0.5f, 0.8f, 1.0f, 1.2f, 2.2f };

  src->data[0] = 0.0f;
  src->data[1] = 1.0f;
  src->data[2] = 1e-30f;
  for (guint g = 0; g < G_N_ELEMENTS (gammas); g++)
    {
      img = ls_image_copy (src);
      ls_image_gamma (img, gammas[g], 1.0f);
      for (int i = 0; i < 303; i++)
        {
          double expected = pow (src->data[i], gammas[g]);

          g_assert_cmpfloat (fabs (img->data[i] - expected), <=, 2e-6 * expected + 1e-9);
        }
      g_clear_pointer (&img, ls_image_free);
    }
  img = ls_image_copy (src);
  ls_image_gamma (img, 1.0f, 1.5f);
  for (int i = 0; i < 303; i++)
    g_assert_cmpfloat_with_epsilon (img->data[i], MIN (1.5 * src->data[i], 1.0), 2e-6);
  g_clear_pointer (&img, ls_image_free);

  img = ls_image_copy (src);
  ls_image_invert (img);
  for (int i = 0; i < 303; i++)
    g_assert_cmpfloat (img->data[i], ==, 1.0f - src->data[i]);
  g_clear_pointer (&img, ls_image_free);

  img = ls_image_copy (src);
  ls_image_window (img, 0.4f, 0.2f); /* [0.3, 0.5] → [0, 1] */
  for (int i = 0; i < 303; i++)
    g_assert_cmpfloat_with_epsilon (img->data[i], CLAMP ((src->data[i] - 0.3) / 0.2, 0.0, 1.0), 1e-5);
}

/* A slow reference of Kornia's equalize_clahe, written after its tensor
 * code (kornia/enhance/equalization.py: _compute_tiles,
 * _compute_interpolation_tiles, _compute_luts, _map_luts,
 * _compute_equalized_tiles) with explicit half tiles; Kornia itself is not
 * installed here, so this is what the fast version is held to. */
static int
ref_reflect (int i,
             int n)
{
  return i < n ? i : 2 * (n - 1) - i;
}

static void
clahe_reference (const float *src,
                 float *dst,
                 int w,
                 int h,
                 float clip,
                 int GH,
                 int GW)
{
  int th = (int) ceil ((double) h / GH), tw = (int) ceil ((double) w / GW);
  int Hp, Wp, pixels, gh = 2 * GH, gw = 2 * GW, ith, itw;
  g_autofree float *pad = NULL;
  g_autofree float *luts = NULL;

  th += th % 2;
  tw += tw % 2;
  Hp = th * GH;
  Wp = tw * GW;
  ith = th / 2;
  itw = tw / 2;
  pixels = th * tw;
  g_assert_cmpint (Hp - h, <, h);
  g_assert_cmpint (Wp - w, <, w);
  pad = g_new (float, (gsize) Hp *Wp);
  for (int y = 0; y < Hp; y++)
    for (int x = 0; x < Wp; x++)
      pad[y * Wp + x] = src[ref_reflect (y, h) * w + ref_reflect (x, w)];

  /* _compute_luts */
  luts = g_new (float, (gsize) GH *GW * 256);
  for (int ty = 0; ty < GH; ty++)
    for (int tx = 0; tx < GW; tx++)
      {
        float histo[256] = { 0 };
        float *lut = luts + (ty * GW + tx) * 256;
        float cum = 0.0f;

        for (int y = 0; y < th; y++)
          for (int x = 0; x < tw; x++)
            {
              int pos = (int) (pad[(ty * th + y) * Wp + tx * tw + x] * 256.0f);

              histo[pos > 255 ? 255 : pos] += 1.0f;
            }
        if (clip > 0.0f)
          {
            float max_val = fmaxf (floorf (clip * pixels / 256.0f), 1.0f);
            float s = 0.0f, clipped, residual, redist;

            for (int b = 0; b < 256; b++)
              {
                histo[b] = fminf (histo[b], max_val);
                s += histo[b];
              }
            clipped = pixels - s;
            residual = fmodf (clipped, 256.0f);
            redist = (clipped - residual) / 256.0f;
            for (int b = 0; b < 256; b++)
              histo[b] += redist;
            for (int b = 0; b < 256; b++)
              histo[b] += (float) b < residual ? 1.0f : 0.0f;
          }
        for (int b = 0; b < 256; b++)
          {
            cum += histo[b];
            lut[b] = floorf (fminf (fmaxf (cum * (float) (255.0 / pixels), 0.0f), 255.0f));
          }
      }

  /* _map_luts + _compute_equalized_tiles, one half tile at a time */
  for (int r = 0; r < gh; r++)
    for (int c = 0; c < gw; c++)
      {
        int L[4][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } }; /* (tile row, tile col) */
        gboolean row_edge = r == 0 || r == gh - 1, col_edge = c == 0 || c == gw - 1;
        int edge_row = r == 0 ? 0 : GH - 1, edge_col = c == 0 ? 0 : GW - 1;
        int jf = r / 2, jpat[4], ipat[4], if_ = c / 2;

        if ((r - 1) % 2 == 0)
          memcpy (jpat, (int[4]){ 0, 0, 1, 1 }, sizeof jpat);
        else
          memcpy (jpat, (int[4]){ -1, -1, 0, 0 }, sizeof jpat);
        if ((c - 1) % 2 == 0)
          memcpy (ipat, (int[4]){ 0, 1, 0, 1 }, sizeof ipat);
        else
          memcpy (ipat, (int[4]){ -1, 0, -1, 0 }, sizeof ipat);

        if (row_edge && col_edge)
          {
            L[0][0] = edge_row;
            L[0][1] = edge_col;
          }
        else if (col_edge) /* border region (h) */
          {
            L[0][0] = jpat[0] + jf;
            L[0][1] = edge_col;
            L[1][0] = jpat[2] + jf;
            L[1][1] = edge_col;
          }
        else if (row_edge) /* border region (w) */
          {
            L[0][0] = edge_row;
            L[0][1] = ipat[0] + if_;
            L[1][0] = edge_row;
            L[1][1] = ipat[1] + if_;
          }
        else
          for (int k = 0; k < 4; k++)
            {
              L[k][0] = jpat[k] + jf;
              L[k][1] = ipat[k] + if_;
            }

        for (int a = 0; a < ith; a++)
          for (int b = 0; b < itw; b++)
            {
              int y = r * ith + a, x = c * itw + b;
              int v = (int) (pad[y * Wp + x] * 255.0f);
              float pre[4] = { 0 }, out;
              /* ih/iw: arange(2 t − 1, −1, −1) / (2 t − 1), unfolded in halves */
              float tih = (float) (2 * ith - 1 - ((r - 1) % 2 == 0 ? a : ith + a)) / (float) (2 * ith - 1);
              float tiw = (float) (2 * itw - 1 - ((c - 1) % 2 == 0 ? b : itw + b)) / (float) (2 * itw - 1);

              if (y >= h || x >= w)
                continue;
              for (int k = 0; k < 4; k++)
                if (L[k][0] >= 0)
                  pre[k] = luts[(L[k][0] * GW + L[k][1]) * 256 + v];
              if (row_edge && col_edge)
                out = pre[0];
              else if (col_edge)
                out = tih * (pre[0] - pre[1]) + pre[1];
              else if (row_edge)
                out = tiw * (pre[0] - pre[1]) + pre[1];
              else
                {
                  float t = tiw * (pre[0] - pre[1]) + pre[1];
                  float bo = tiw * (pre[2] - pre[3]) + pre[3];

                  out = tih * (t - bo) + bo;
                }
              dst[y * w + x] = out / 255.0f;
            }
      }
}

static void
test_clahe (void)
{
  const struct
  {
    int w, h, gr, gc;
    float clip;
  } cases[] = {
    { 224, 224, 8, 8, 40.0f },
    { 64, 48, 8, 8, 2.0f },
    { 50, 37, 4, 4, 3.0f },
    { 61, 45, 2, 2, 0.0f },
    { 33, 33, 1, 1, 10.0f },
    { 100, 80, 4, 4, 1.0f },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      int w = cases[c].w, h = cases[c].h;
      g_autoptr (LsImage) src = random_image (w, h, 10 + c);
      g_autofree float *fast = g_new (float, (gsize) w *h);
      g_autofree float *ref = g_new (float, (gsize) w *h);
      g_autofree float *scratch = g_new (float, ls_clahe_scratch_size (w, h, cases[c].gr, cases[c].gc));
      double worst = 0.0;

      /* a smooth structure under the noise so the tiles differ */
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          src->data[y * w + x] = 0.6f * src->data[y * w + x] * (float) x / w + 0.3f * (float) y / h;
      ls_clahe_plane (src->data, fast, w, h, cases[c].clip, cases[c].gr, cases[c].gc, scratch);
      clahe_reference (src->data, ref, w, h, cases[c].clip, cases[c].gr, cases[c].gc);
      for (int i = 0; i < w * h; i++)
        {
          worst = MAX (worst, fabs ((double) fast[i] - ref[i]));
          g_assert_cmpfloat (fast[i], >=, 0.0f);
          g_assert_cmpfloat (fast[i], <=, 1.0f);
        }
      g_assert_cmpfloat (worst, <=, 1e-6);
    }
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/imaging/resize/fixtures", test_resize_fixtures);
  g_test_add_func ("/lungscope/imaging/resize/basics", test_resize_basics);
  g_test_add_func ("/lungscope/imaging/resize/stream", test_resize_stream);
  g_test_add_func ("/lungscope/imaging/preprocess/center-crop", test_center_crop);
  g_test_add_func ("/lungscope/imaging/preprocess/pad", test_pad);
  g_test_add_func ("/lungscope/imaging/preprocess/fit", test_fit);
  g_test_add_func ("/lungscope/imaging/preprocess/normalize", test_normalize);
  g_test_add_func ("/lungscope/imaging/preprocess/model-input", test_model_input);
  g_test_add_func ("/lungscope/imaging/preprocess/equalize", test_equalize);
  g_test_add_func ("/lungscope/imaging/preprocess/point-ops", test_point_ops);
  g_test_add_func ("/lungscope/imaging/preprocess/clahe", test_clahe);
  return g_test_run ();
}
