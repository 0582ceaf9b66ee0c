/* test-augment.c — augmentation: identity, reproducibility, replay, ranges,
 * config text, batches, words, and the colour output
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/augment.h"
#include "imaging/colormap.h"
#include "imaging/preprocess.h"
#include "imaging/rng.h"
#include "ls-test.h"

#define W 64
#define H 48

/* A phantom-like test image: smooth structure plus texture, values in (0, 1). */
static float *
make_image (int width,
            int height,
            guint64 seed)
{
  float *image = g_new (float, (gsize) width *height);
  LsRng rng;

  ls_rng_init (&rng, seed, 3);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double dx = (x - width * 0.5) / width, dy = (y - height * 0.5) / height;
        double v = 0.5 + 0.35 * cos (6.0 * dx) * cos (5.0 * dy) + 0.1 * (ls_rng_uniform (&rng) - 0.5);

        image[(gsize) y * width + x] = (float) CLAMP (v, 0.02, 0.98);
      }
  return image;
}

/* A step of every kind, with ranges wide enough to do something visible. */
static void
spec_for (LsAugmentSpec *spec,
          LsAugmentKind kind,
          double p)
{
  ls_augment_spec_init (spec, kind);
  spec->p = p;
  switch (kind)
    {
    case LS_AUGMENT_AFFINE:
      spec->degrees[0] = -15.0;
      spec->degrees[1] = 20.0;
      spec->translate[0] = 0.1;
      spec->translate[1] = 0.05;
      spec->scale[0] = 0.8;
      spec->scale[1] = 1.2;
      spec->shear_x[0] = -5.0;
      spec->shear_x[1] = 5.0;
      spec->shear_y[0] = -2.0;
      spec->shear_y[1] = 3.0;
      break;
    case LS_AUGMENT_RESIZED_CROP:
      spec->scale[0] = 0.5;
      spec->scale[1] = 0.9;
      break;
    case LS_AUGMENT_PERSPECTIVE:
      spec->distortion = 0.4;
      break;
    case LS_AUGMENT_ELASTIC:
      spec->kernel_size = 15;
      spec->sigma[0] = 4.0;
      spec->sigma[1] = 6.0;
      spec->alpha[0] = 1.0;
      spec->alpha[1] = 3.0;
      break;
    case LS_AUGMENT_NOISE:
      spec->mean = 0.01;
      break;
    case LS_AUGMENT_ERASING:
      spec->value = 0.25;
      break;
    case LS_AUGMENT_CLAHE:
      spec->grid[0] = 4;
      spec->grid[1] = 2;
      break;
    case LS_AUGMENT_HFLIP:
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
    case LS_AUGMENT_GAMMA:
    case LS_AUGMENT_BLUR:
    case LS_AUGMENT_SHARPNESS:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      break;
    }
}

static LsAugmentPipeline *
single (LsAugmentKind kind,
        double p)
{
  LsAugmentPipeline *pipeline = ls_augment_pipeline_new ();
  LsAugmentSpec spec;

  spec_for (&spec, kind, p);
  ls_augment_pipeline_add (pipeline, &spec);
  return pipeline;
}

static LsAugmentPipeline *
every_kind (double p)
{
  LsAugmentPipeline *pipeline = ls_augment_pipeline_new ();

  for (int k = 0; k < LS_AUGMENT_N_KINDS; k++)
    {
      LsAugmentSpec spec;

      spec_for (&spec, (LsAugmentKind) k, p);
      ls_augment_pipeline_add (pipeline, &spec);
    }
  return pipeline;
}

static void
test_p_zero_identity (void)
{
  g_autofree float *src = make_image (W, H, 1);
  g_autofree float *dst = g_new (float, W *H);

  for (int k = 0; k <= LS_AUGMENT_N_KINDS; k++)
    {
      /* each kind alone, then all of them */
      g_autoptr (LsAugmentPipeline) pipeline = k < LS_AUGMENT_N_KINDS ? single ((LsAugmentKind) k, 0.0) : every_kind (0.0);
      g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, W, H);
      g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);
      LsRng rng;

      ls_rng_init (&rng, 42, 0);
      ls_augment_pipeline_apply (pipeline, &rng, src, dst, W, H, scratch, record);
      g_assert_cmpmem (dst, W * H * sizeof (float), src, W * H * sizeof (float));
      for (guint i = 0; i < record->n_steps; i++)
        g_assert_false (record->params[i].applied);
    }
}

static void
test_reproducible (void)
{
  g_autofree float *src = make_image (W, H, 2);
  g_autofree float *a = g_new (float, W *H);
  g_autofree float *b = g_new (float, W *H);
  g_autofree float *c = g_new (float, W *H);

  for (int k = 0; k <= LS_AUGMENT_N_KINDS; k++)
    {
      g_autoptr (LsAugmentPipeline) pipeline = k < LS_AUGMENT_N_KINDS ? single ((LsAugmentKind) k, 1.0) : every_kind (0.7);
      g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, W, H);
      g_autoptr (LsAugmentScratch) scratch2 = ls_augment_scratch_new (pipeline, W, H);
      g_autoptr (LsAugmentRecord) ra = ls_augment_record_new (pipeline);
      g_autoptr (LsAugmentRecord) rb = ls_augment_record_new (pipeline);
      g_autoptr (LsAugmentRecord) rc = ls_augment_record_new (pipeline);
      LsRng rng;

      for (guint64 seed = 1; seed <= 5; seed++)
        {
          ls_rng_init (&rng, seed, 0);
          ls_augment_pipeline_apply (pipeline, &rng, src, a, W, H, scratch, ra);
          ls_rng_init (&rng, seed, 0);
          ls_augment_pipeline_apply (pipeline, &rng, src, b, W, H, scratch2, rb);
          /* same seed: same parameters, same pixels */
          g_assert_cmpmem (ra->params, ra->n_steps * sizeof (LsAugmentParams), rb->params,
                           rb->n_steps * sizeof (LsAugmentParams));
          g_assert_cmpmem (a, W * H * sizeof (float), b, W * H * sizeof (float));
          /* replaying the record reproduces the image bit for bit, also in place */
          ls_augment_pipeline_replay (pipeline, ra, src, c, scratch);
          g_assert_cmpmem (a, W * H * sizeof (float), c, W * H * sizeof (float));
          memcpy (c, src, W * H * sizeof (float));
          ls_augment_pipeline_replay (pipeline, ra, c, c, scratch2);
          g_assert_cmpmem (a, W * H * sizeof (float), c, W * H * sizeof (float));
          for (int i = 0; i < W * H; i++)
            g_assert_true (a[i] >= 0.0f && a[i] <= 1.0f);
          /* and p = 1 changes the image (every kind here does) */
          if (k < LS_AUGMENT_N_KINDS && ra->params[0].applied)
            g_assert_true (memcmp (a, src, W * H * sizeof (float)) != 0);
        }
      /* another seed gives other parameters */
      ls_rng_init (&rng, 1000, 0);
      ls_augment_pipeline_sample (pipeline, &rng, W, H, rc);
      if (k != LS_AUGMENT_HFLIP && k != LS_AUGMENT_EQUALIZE)
        g_assert_true (memcmp (ra->params, rc->params, ra->n_steps * sizeof (LsAugmentParams)) != 0);
    }
}

static void
assert_in (double v,
           const double *range)
{
  if (v < range[0] || v > range[1])
    g_error ("sampled %g outside [%g, %g]", v, range[0], range[1]);
}

static void
test_ranges (void)
{
  for (int k = 0; k < LS_AUGMENT_N_KINDS; k++)
    {
      g_autoptr (LsAugmentPipeline) pipeline = single ((LsAugmentKind) k, 0.5);
      g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);
      const LsAugmentSpec *spec = ls_augment_pipeline_get_step (pipeline, 0);
      int applied = 0, n = 1000;

      for (int seed = 0; seed < n; seed++)
        {
          const LsAugmentParams *q = &record->params[0];
          int w = seed % 3 == 0 ? W : 37 + seed % 50, h = seed % 3 == 0 ? H : 29 + seed % 41;
          LsRng rng;

          ls_rng_init (&rng, (guint64) seed, 11);
          ls_augment_pipeline_sample (pipeline, &rng, w, h, record);
          g_assert_cmpint (q->kind, ==, k);
          if (!q->applied)
            continue;
          applied++;
          switch (q->kind)
            {
            case LS_AUGMENT_AFFINE:
              assert_in (q->angle, spec->degrees);
              g_assert_cmpfloat (fabs (q->tx), <=, spec->translate[0]);
              g_assert_cmpfloat (fabs (q->ty), <=, spec->translate[1]);
              assert_in (q->scale, spec->scale);
              assert_in (q->shear_x, spec->shear_x);
              assert_in (q->shear_y, spec->shear_y);
              break;
            case LS_AUGMENT_RESIZED_CROP:
            case LS_AUGMENT_ERASING:
              {
                double area = (double) q->box[2] * q->box[3] / ((double) w * h);
                double ratio = (double) q->box[2] / q->box[3];

                g_assert_cmpint (q->box[0], >=, 0);
                g_assert_cmpint (q->box[1], >=, 0);
                g_assert_cmpint (q->box[2], >=, 1);
                g_assert_cmpint (q->box[3], >=, 1);
                g_assert_cmpint (q->box[0] + q->box[2], <=, w);
                g_assert_cmpint (q->box[1] + q->box[3], <=, h);
                /* boxes are whole pixels: allow the rounding of each side */
                g_assert_cmpfloat (area, >=, spec->scale[0] * 0.75 - 2.0 / MIN (w, h));
                g_assert_cmpfloat (area, <=, spec->scale[1] * 1.25 + 2.0 / MIN (w, h));
                if (q->kind == LS_AUGMENT_ERASING) /* torchvision's ratio is h/w there */
                  ratio = 1.0 / ratio;
                if (q->kind == LS_AUGMENT_ERASING || area < 0.999)
                  {
                    g_assert_cmpfloat (ratio, >=, spec->ratio[0] * 0.5);
                    g_assert_cmpfloat (ratio, <=, spec->ratio[1] * 2.0);
                  }
              }
              break;
            case LS_AUGMENT_PERSPECTIVE:
              {
                double dw = (int) (spec->distortion * (w / 2)), dh = (int) (spec->distortion * (h / 2));
                const double *c = q->corners;

                g_assert_true (c[0] >= 0 && c[0] <= dw && c[1] >= 0 && c[1] <= dh);
                g_assert_true (c[2] >= w - 1 - dw && c[2] <= w - 1 && c[3] >= 0 && c[3] <= dh);
                g_assert_true (c[4] >= w - 1 - dw && c[4] <= w - 1 && c[5] >= h - 1 - dh && c[5] <= h - 1);
                g_assert_true (c[6] >= 0 && c[6] <= dw && c[7] >= h - 1 - dh && c[7] <= h - 1);
              }
              break;
            case LS_AUGMENT_ELASTIC:
              assert_in (q->alpha, spec->alpha);
              assert_in (q->sigma, spec->sigma);
              break;
            case LS_AUGMENT_BRIGHTNESS:
            case LS_AUGMENT_CONTRAST:
            case LS_AUGMENT_SHARPNESS:
              assert_in (q->factor, spec->factor);
              break;
            case LS_AUGMENT_GAMMA:
              assert_in (q->gamma, spec->gamma);
              assert_in (q->gain, spec->gain);
              break;
            case LS_AUGMENT_BLUR:
              assert_in (q->sigma, spec->sigma);
              break;
            case LS_AUGMENT_NOISE:
              assert_in (q->std, spec->std);
              g_assert_cmpfloat (q->mean, ==, spec->mean);
              break;
            case LS_AUGMENT_CLAHE:
              assert_in (q->clip_limit, spec->clip_limit);
              break;
            case LS_AUGMENT_HFLIP:
            case LS_AUGMENT_EQUALIZE:
            case LS_AUGMENT_N_KINDS:
            default:
              break;
            }
        }
      /* p = 0.5 over 1000 draws: 500 ± 5 σ (erasing may fail to fit a box) */
      g_assert_cmpint (applied, <=, 580);
      g_assert_cmpint (applied, >=, k == LS_AUGMENT_ERASING ? 380 : 420);
    }
}

/* Every step at p = 1 on images down to one pixel, strong settings, many
 * seeds: values stay in [0, 1] (and ASan sees every read). */
static void
test_small_images (void)
{
  const int sizes[][2] = { { 1, 1 }, { 2, 1 }, { 1, 5 }, { 3, 2 }, { 7, 5 }, { 16, 3 }, { 33, 17 } };
  g_autoptr (LsAugmentPipeline) pipeline = every_kind (1.0);
  LsAugmentSpec spec;

  /* and the geometric steps again with border padding, after the others */
  for (int k = LS_AUGMENT_AFFINE; k <= LS_AUGMENT_ELASTIC; k++)
    {
      spec_for (&spec, (LsAugmentKind) k, 1.0);
      spec.padding = LS_PADDING_BORDER;
      if (k == LS_AUGMENT_AFFINE)
        {
          spec.degrees[0] = -180.0;
          spec.degrees[1] = 180.0;
          spec.scale[0] = 0.1;
          spec.scale[1] = 4.0;
        }
      ls_augment_pipeline_add (pipeline, &spec);
    }
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int w = sizes[s][0], h = sizes[s][1];
      g_autofree float *src = make_image (w, h, 40 + s);
      g_autofree float *dst = g_new (float, w *h);
      g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, w, h);
      g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);

      for (guint64 seed = 0; seed < 20; seed++)
        {
          LsRng rng;

          ls_rng_init (&rng, seed, 1);
          ls_augment_pipeline_apply (pipeline, &rng, src, dst, w, h, scratch, record);
          for (int i = 0; i < w * h; i++)
            g_assert_true (dst[i] >= 0.0f && dst[i] <= 1.0f);
        }
    }
}

static void
test_geometry (void)
{
  g_autofree float *src = make_image (W, W, 5);
  g_autofree float *dst = g_new (float, W *W);
  g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new ();
  g_autoptr (LsAugmentScratch) scratch = NULL;
  g_autoptr (LsAugmentRecord) record = NULL;
  LsAugmentSpec spec;

  ls_augment_spec_init (&spec, LS_AUGMENT_AFFINE);
  ls_augment_pipeline_add (pipeline, &spec);
  ls_augment_spec_init (&spec, LS_AUGMENT_HFLIP);
  ls_augment_pipeline_add (pipeline, &spec);
  scratch = ls_augment_scratch_new (pipeline, W, W);
  record = ls_augment_record_new (pipeline);
  record->width = record->height = W;
  record->params[0].kind = LS_AUGMENT_AFFINE;
  record->params[1].kind = LS_AUGMENT_HFLIP;

  /* a neutral affine is exactly the identity */
  record->params[0].applied = TRUE;
  record->params[0].scale = 1.0;
  ls_augment_pipeline_replay (pipeline, record, src, dst, scratch);
  g_assert_cmpmem (dst, W * W * 4, src, W * W * 4);

  /* 90° anticlockwise: what was right of the centre is above it */
  record->params[0].angle = 90.0;
  ls_augment_pipeline_replay (pipeline, record, src, dst, scratch);
  for (int y = 0; y < W; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmpfloat_with_epsilon (dst[y * W + x], src[x * W + (W - 1 - y)], 1e-4);

  /* a shift of 1/8 to the right, then a flip: both in one pass */
  record->params[0].angle = 0.0;
  record->params[0].tx = 0.125;
  record->params[1].applied = TRUE;
  ls_augment_pipeline_replay (pipeline, record, src, dst, scratch);
  for (int y = 0; y < W; y++)
    for (int x = 0; x < W; x++)
      {
        int sx = (W - 1 - x) - W / 8; /* unflip, then unshift */

        g_assert_cmpfloat (dst[y * W + x], ==, sx >= 0 ? src[y * W + sx] : 0.0f);
      }
}

/* RandomPerspective's projective path against the affine one: corners
 * moved to c + s (corner − c) is a zoom by s about the centre. */
static void
test_perspective_vs_affine (void)
{
  g_autofree float *src = make_image (W, H, 6);
  g_autofree float *persp = g_new (float, W *H);
  g_autofree float *affine = g_new (float, W *H);
  g_autoptr (LsAugmentPipeline) pp = single (LS_AUGMENT_PERSPECTIVE, 1.0);
  g_autoptr (LsAugmentPipeline) pa = single (LS_AUGMENT_AFFINE, 1.0);
  g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pp, W, H);
  g_autoptr (LsAugmentRecord) rp = ls_augment_record_new (pp);
  g_autoptr (LsAugmentRecord) ra = ls_augment_record_new (pa);
  const double scales[] = { 1.0, 0.8, 1.3 };

  for (guint k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      double s = scales[k], cx = (W - 1) / 2.0, cy = (H - 1) / 2.0;
      const double corners[8] = { 0, 0, W - 1, 0, W - 1, H - 1, 0, H - 1 };
      double worst = 0.0;

      rp->width = ra->width = W;
      rp->height = ra->height = H;
      memset (rp->params, 0, sizeof (LsAugmentParams));
      memset (ra->params, 0, sizeof (LsAugmentParams));
      rp->params[0].kind = LS_AUGMENT_PERSPECTIVE;
      ra->params[0].kind = LS_AUGMENT_AFFINE;
      rp->params[0].applied = ra->params[0].applied = TRUE;
      for (int i = 0; i < 8; i += 2)
        {
          rp->params[0].corners[i] = cx + s * (corners[i] - cx);
          rp->params[0].corners[i + 1] = cy + s * (corners[i + 1] - cy);
        }
      ra->params[0].scale = s;
      ls_augment_pipeline_replay (pp, rp, src, persp, scratch);
      ls_augment_pipeline_replay (pa, ra, src, affine, scratch);
      for (int i = 0; i < W * H; i++)
        worst = MAX (worst, fabs (persp[i] - affine[i]));
      g_test_message ("zoom %.1f: perspective vs affine max |diff| %.2g", s, worst);
      g_assert_cmpfloat (worst, <=, 1e-4);
      if (s == 1.0)
        for (int i = 0; i < W * H; i++)
          g_assert_cmpfloat_with_epsilon (persp[i], src[i], 1e-4);
    }
}

/* Double-precision reference of a perspective step: the homography from
 * the moved corners to the image corners by Gaussian elimination, then
 * bilinear sampling with black outside. */
static void
perspective_reference (const float *src,
                       float *dst,
                       int w,
                       int h,
                       const double *to)
{
  const double from[8] = { 0, 0, w - 1, 0, w - 1, h - 1, 0, h - 1 };
  double a[8][9], m[9];

  for (int k = 0; k < 4; k++)
    {
      double x = to[2 * k], y = to[2 * k + 1], X = from[2 * k], Y = from[2 * k + 1];
      double r0[9] = { x, y, 1, 0, 0, 0, -x * X, -y * X, X }, r1[9] = { 0, 0, 0, x, y, 1, -x * Y, -y * Y, Y };

      memcpy (a[2 * k], r0, sizeof r0);
      memcpy (a[2 * k + 1], r1, sizeof r1);
    }
  for (int c = 0; c < 8; c++)
    {
      int p = c;

      for (int r = c + 1; r < 8; r++)
        if (fabs (a[r][c]) > fabs (a[p][c]))
          p = r;
      for (int j = 0; j < 9; j++)
        {
          double t = a[c][j];

          a[c][j] = a[p][j];
          a[p][j] = t;
        }
      for (int r = 0; r < 8; r++)
        if (r != c)
          {
            double f = a[r][c] / a[c][c];

            for (int j = 0; j < 9; j++)
              a[r][j] -= f * a[c][j];
          }
    }
  for (int i = 0; i < 8; i++)
    m[i] = a[i][8] / a[i][i];
  m[8] = 1.0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double q = m[6] * x + m[7] * y + m[8];
        double u = (m[0] * x + m[1] * y + m[2]) / q, v = (m[3] * x + m[4] * y + m[5]) / q;
        int x0 = (int) floor (u), y0 = (int) floor (v);
        double fx = u - x0, fy = v - y0, t[4];

        for (int k = 0; k < 4; k++)
          {
            int tx = x0 + k % 2, ty = y0 + k / 2;

            t[k] = (tx >= 0 && ty >= 0 && tx < w && ty < h) ? src[ty * w + tx] : 0.0;
          }
        dst[y * w + x] = (float) ((1 - fy) * ((1 - fx) * t[0] + fx * t[1]) + fy * ((1 - fx) * t[2] + fx * t[3]));
      }
}

static void
test_perspective_reference (void)
{
  g_autofree float *src = make_image (W, H, 7);
  g_autofree float *out = g_new (float, W *H);
  g_autofree float *ref = g_new (float, W *H);
  g_autoptr (LsAugmentPipeline) pipeline = single (LS_AUGMENT_PERSPECTIVE, 1.0);
  g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, W, H);
  g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);

  for (guint64 seed = 0; seed < 10; seed++)
    {
      double worst = 0.0;
      LsRng rng;

      ls_rng_init (&rng, seed, 2);
      ls_augment_pipeline_apply (pipeline, &rng, src, out, W, H, scratch, record);
      perspective_reference (src, ref, W, H, record->params[0].corners);
      for (int i = 0; i < W * H; i++)
        worst = MAX (worst, fabs (out[i] - ref[i]));
      if (seed == 0)
        g_test_message ("perspective vs double reference: max |diff| %.2g", worst);
      g_assert_cmpfloat (worst, <=, 1e-4);
    }
}

static void
test_photometric (void)
{
  g_autofree float *src = make_image (W, H, 6);
  g_autofree float *dst = g_new (float, W *H);
  g_autofree float *ref = g_new (float, W *H);
  g_autofree float *clahe_scratch = g_new (float, ls_clahe_scratch_size (W, H, 4, 2));
  double mean_src = 0.0, mean_dst = 0.0;

  for (int k = LS_AUGMENT_BRIGHTNESS; k < LS_AUGMENT_N_KINDS; k++)
    {
      g_autoptr (LsAugmentPipeline) pipeline = single ((LsAugmentKind) k, 1.0);
      g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, W, H);
      g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);
      const LsAugmentParams *q = &record->params[0];
      LsRng rng;

      ls_rng_init (&rng, 77, 0);
      ls_augment_pipeline_apply (pipeline, &rng, src, dst, W, H, scratch, record);
      switch (k)
        {
        case LS_AUGMENT_BRIGHTNESS:
          for (int i = 0; i < W * H; i++)
            g_assert_cmpfloat_with_epsilon (dst[i], MIN (src[i] * q->factor, 1.0), 1e-6);
          break;
        case LS_AUGMENT_CONTRAST:
          mean_src = mean_dst = 0.0;
          for (int i = 0; i < W * H; i++)
            {
              mean_src += src[i];
              mean_dst += dst[i];
            }
          /* nothing clips in this image at these factors: the mean stays */
          g_assert_cmpfloat_with_epsilon (mean_dst / (W * H), mean_src / (W * H), 1e-4);
          break;
        case LS_AUGMENT_GAMMA:
          for (int i = 0; i < W * H; i++)
            g_assert_cmpfloat_with_epsilon (dst[i], MIN (q->gain * pow (src[i], q->gamma), 1.0), 1e-5);
          break;
        case LS_AUGMENT_ERASING:
          for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
              {
                gboolean inside = x >= q->box[0] && x < q->box[0] + q->box[2] && y >= q->box[1] &&
                                  y < q->box[1] + q->box[3];

                g_assert_cmpfloat (dst[y * W + x], ==, inside ? 0.25f : src[y * W + x]);
              }
          break;
        case LS_AUGMENT_CLAHE:
          ls_clahe_plane (src, ref, W, H, (float) q->clip_limit, 4, 2, clahe_scratch);
          g_assert_cmpmem (dst, W * H * 4, ref, W * H * 4);
          break;
        case LS_AUGMENT_EQUALIZE:
          ls_equalize_plane (src, ref, W * H);
          g_assert_cmpmem (dst, W * H * 4, ref, W * H * 4);
          break;
        case LS_AUGMENT_NOISE:
          {
            double s = 0.0, s2 = 0.0;

            for (int i = 0; i < W * H; i++)
              {
                double d = dst[i] - src[i];

                s += d;
                s2 += d * d;
              }
            s /= W * H;
            g_assert_cmpfloat_with_epsilon (s, q->mean, 0.005);
            g_assert_cmpfloat_with_epsilon (sqrt (s2 / (W * H) - s * s), q->std, 0.2 * q->std + 0.002);
          }
          break;
        case LS_AUGMENT_BLUR:
        case LS_AUGMENT_SHARPNESS:
        case LS_AUGMENT_AFFINE:
        case LS_AUGMENT_RESIZED_CROP:
        case LS_AUGMENT_HFLIP:
        case LS_AUGMENT_PERSPECTIVE:
        case LS_AUGMENT_ELASTIC:
        case LS_AUGMENT_N_KINDS:
        default:
          break;
        }
    }

  /* blur and sharpness leave a constant image alone; elastic with alpha 0 too */
  {
    const LsAugmentKind kinds[] = { LS_AUGMENT_BLUR, LS_AUGMENT_SHARPNESS, LS_AUGMENT_ELASTIC };

    for (int i = 0; i < W * H; i++)
      src[i] = 0.625f;
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new ();
        g_autoptr (LsAugmentScratch) scratch = NULL;
        g_autoptr (LsAugmentRecord) record = NULL;
        LsAugmentSpec spec;
        LsRng rng;

        spec_for (&spec, kinds[k], 1.0);
        spec.alpha[0] = spec.alpha[1] = 0.0;
        spec.padding = LS_PADDING_BORDER;
        ls_augment_pipeline_add (pipeline, &spec);
        scratch = ls_augment_scratch_new (pipeline, W, H);
        record = ls_augment_record_new (pipeline);
        ls_rng_init (&rng, 5, 0);
        ls_augment_pipeline_apply (pipeline, &rng, src, dst, W, H, scratch, record);
        for (int i = 0; i < W * H; i++)
          g_assert_cmpfloat_with_epsilon (dst[i], 0.625, 1e-5);
      }
  }
}

/* The table behind RandomGamma against pow() over six decades. */
static void
test_gamma_table (void)
{
  const float gammas[] = { 0.5f, 0.8f, 1.0f, 1.2f, 2.0f };
  const int n = 4001;
  g_autofree float *x = g_new (float, n);
  g_autofree float *y = g_new (float, n);
  g_autoptr (LsAugmentPipeline) pipeline = single (LS_AUGMENT_GAMMA, 1.0);
  g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, n, 1);
  g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);

  for (int i = 0; i < n; i++)
    x[i] = (float) pow (10.0, -6.0 + 6.0 * i / (n - 1));
  x[0] = 0.0f;
  record->width = n;
  record->height = 1;
  record->params[0].kind = LS_AUGMENT_GAMMA;
  record->params[0].applied = TRUE;
  record->params[0].gain = 1.0;
  for (guint g = 0; g < G_N_ELEMENTS (gammas); g++)
    {
      double worst = 0.0;

      record->params[0].gamma = gammas[g];
      ls_augment_pipeline_replay (pipeline, record, x, y, scratch);
      for (int i = 0; i < n; i++)
        {
          double expected = pow (x[i], gammas[g]);

          worst = MAX (worst, fabs (y[i] - expected) / (expected + 1e-7));
        }
      g_test_message ("gamma %.1f: worst relative error %.2g", gammas[g], worst);
      /* the interpolation bound of ls_augment_gamma, plus float rounding */
      g_assert_cmpfloat (worst, <=, fabs (gammas[g] * (gammas[g] - 1.0)) / 8.0 * 0x1.0p-14 + 2.5e-6);
    }
}

/* RandomGaussianNoise draws normal deviates: moments and the 1σ / 2σ
 * fractions on a flat image where nothing clips. */
static void
test_noise_distribution (void)
{
  const int w = 256, h = 200;
  g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new ();
  g_autoptr (LsAugmentScratch) scratch = NULL;
  g_autoptr (LsAugmentRecord) record = NULL;
  g_autofree float *src = g_new (float, w *h);
  g_autofree float *dst = g_new (float, w *h);
  double sum = 0.0, sum2 = 0.0, within1 = 0.0, within2 = 0.0, n = (double) w * h, mean, sd;
  LsAugmentSpec spec;
  LsRng rng;

  ls_augment_spec_init (&spec, LS_AUGMENT_NOISE);
  spec.p = 1.0;
  spec.std[0] = spec.std[1] = 0.05;
  ls_augment_pipeline_add (pipeline, &spec);
  scratch = ls_augment_scratch_new (pipeline, w, h);
  record = ls_augment_record_new (pipeline);
  for (int i = 0; i < w * h; i++)
    src[i] = 0.5f;
  ls_rng_init (&rng, 123, 0);
  ls_augment_pipeline_apply (pipeline, &rng, src, dst, w, h, scratch, record);
  for (int i = 0; i < w * h; i++)
    {
      double z = (dst[i] - 0.5) / 0.05;

      sum += z;
      sum2 += z * z;
      within1 += fabs (z) < 1.0;
      within2 += fabs (z) < 2.0;
    }
  mean = sum / n;
  sd = sqrt (sum2 / n - mean * mean);
  g_test_message ("noise: mean %.4f σ, sd %.4f σ, |z| < 1: %.4f, |z| < 2: %.4f", mean, sd, within1 / n,
                  within2 / n);
  g_assert_cmpfloat (fabs (mean), <, 0.02);
  g_assert_cmpfloat (fabs (sd - 1.0), <, 0.02);
  g_assert_cmpfloat (fabs (within1 / n - 0.6827), <, 0.01);
  g_assert_cmpfloat (fabs (within2 / n - 0.9545), <, 0.005);
}

static void
test_same_on_batch (void)
{
  g_autoptr (LsAugmentPipeline) pipeline = every_kind (0.5);
  g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, W, H);
  g_autofree float *src = make_image (W, H, 8);
  float *out[4];
  const float *in[4] = { src, src, src, src };
  LsAugmentRecord *records[4];
  LsRng rng;

  for (int i = 0; i < 4; i++)
    {
      out[i] = g_new (float, W *H);
      records[i] = ls_augment_record_new (pipeline);
    }
  for (int same = 1; same >= 0; same--)
    {
      gboolean all_equal = TRUE;

      ls_augment_pipeline_set_same_on_batch (pipeline, same);
      ls_rng_init (&rng, 9, 0);
      ls_augment_pipeline_apply_batch (pipeline, &rng, 4, in, out, W, H, scratch, records);
      for (int i = 1; i < 4; i++)
        all_equal = all_equal && memcmp (records[i]->params, records[0]->params, records[0]->n_steps * sizeof (LsAugmentParams)) == 0 &&
                    memcmp (out[i], out[0], W * H * sizeof (float)) == 0;
      g_assert_true (all_equal == same);
    }
  /* per step: only the affine step (the first) is shared */
  {
    g_autoptr (LsAugmentPipeline) per_step = ls_augment_pipeline_new ();
    gboolean others_differ = FALSE;

    for (guint k = 0; k < ls_augment_pipeline_get_n_steps (pipeline); k++)
      {
        LsAugmentSpec spec = *ls_augment_pipeline_get_step (pipeline, k);

        spec.same_on_batch = spec.kind == LS_AUGMENT_AFFINE;
        ls_augment_pipeline_add (per_step, &spec);
      }
    ls_rng_init (&rng, 10, 0);
    ls_augment_pipeline_apply_batch (per_step, &rng, 4, in, out, W, H, scratch, records);
    for (int i = 1; i < 4; i++)
      {
        g_assert_cmpmem (&records[i]->params[0], sizeof (LsAugmentParams), &records[0]->params[0],
                         sizeof (LsAugmentParams));
        others_differ = others_differ || memcmp (&records[i]->params[1], &records[0]->params[1],
                                                 (records[0]->n_steps - 1) * sizeof (LsAugmentParams)) != 0;
      }
    g_assert_true (others_differ);
  }
  for (int i = 0; i < 4; i++)
    {
      g_free (out[i]);
      ls_augment_record_free (records[i]);
    }
}

static void
test_config_round_trip (void)
{
  g_autoptr (LsAugmentPipeline) def = ls_augment_pipeline_new_default ();
  g_autoptr (LsAugmentPipeline) all = every_kind (0.3);
  LsAugmentPipeline *pipelines[] = { def, all };
  LsAugmentSpec spec;

  /* a repeated kind and awkward numbers */
  spec_for (&spec, LS_AUGMENT_AFFINE, 0.1);
  spec.degrees[0] = -1.0 / 3.0;
  spec.translate[0] = 0.1 + 0.2;
  spec.padding = LS_PADDING_BORDER;
  spec.same_on_batch = TRUE;
  ls_augment_pipeline_add (all, &spec);
  ls_augment_pipeline_set_same_on_batch (all, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (pipelines); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text = ls_augment_pipeline_to_string (pipelines[i]);
      g_autoptr (LsAugmentPipeline) back = ls_augment_pipeline_new_from_string (text, &error);
      g_autofree char *again = NULL;

      g_assert_no_error (error);
      g_assert_true (ls_augment_pipeline_equal (back, pipelines[i]));
      again = ls_augment_pipeline_to_string (back);
      g_assert_cmpstr (again, ==, text);
    }

  /* short forms and defaults */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsAugmentPipeline) p = ls_augment_pipeline_new_from_string ("[RandomAffine]\n"
                                                                           "p=1\n"
                                                                           "degrees=10\n"
                                                                           "translate=0.06\n"
                                                                           "\n"
                                                                           "[RandomGamma]\n",
                                                                           &error);
    const LsAugmentSpec *a;

    g_assert_no_error (error);
    g_assert_cmpuint (ls_augment_pipeline_get_n_steps (p), ==, 2);
    a = ls_augment_pipeline_get_step (p, 0);
    g_assert_cmpfloat (a->degrees[0], ==, -10.0);
    g_assert_cmpfloat (a->degrees[1], ==, 10.0);
    g_assert_cmpfloat (a->translate[1], ==, 0.06);
    g_assert_cmpint (ls_augment_pipeline_get_step (p, 1)->kind, ==, LS_AUGMENT_GAMMA);
    g_assert_cmpfloat (ls_augment_pipeline_get_step (p, 1)->p, ==, 0.5);
  }
}

static void
test_config_refused (void)
{
  const struct
  {
    const char *text;
    int code;
    const char *needle1, *needle2;
  } cases[] = {
    { "[RandomAffine\np=1\n", LS_AUGMENT_ERROR_PARSE, "config", NULL },
    { "[RandomZoom]\np=1\n", LS_AUGMENT_ERROR_UNKNOWN_GROUP, "RandomZoom", NULL },
    { "[RandomAffine]\nzoom=1\n", LS_AUGMENT_ERROR_UNKNOWN_KEY, "RandomAffine", "zoom" },
    { "[RandomGamma]\ndegrees=3\n", LS_AUGMENT_ERROR_UNKNOWN_KEY, "RandomGamma", "degrees" },
    { "[RandomAffine]\np=often\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "p" },
    { "[RandomAffine]\np=1.5\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "p" },
    { "[RandomAffine]\nscale=1.1;0.9\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "scale" },
    { "[RandomAffine]\nscale=0.9;1.1;1.2\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "scale" },
    { "[RandomAffine]\ndegrees=nan\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "degrees" },
    { "[RandomAffine]\npadding=mirror\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomAffine", "padding" },
    { "[RandomGaussianBlur]\nkernel-size=4\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomGaussianBlur", "kernel-size" },
    { "[RandomGaussianBlur]\nkernel-size=5.5\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomGaussianBlur", "kernel-size" },
    { "[RandomClahe]\ngrid=0;8\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomClahe", "grid" },
    { "[RandomErasing]\narea=0.5;1\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomErasing", "area" },
    { "[RandomGamma]\np=1\n[RandomGamma]\np=0\n", LS_AUGMENT_ERROR_PARSE, "RandomGamma", "twice" },
    { "[RandomGamma]\n[Pipeline]\nsame-on-batch=true\n", LS_AUGMENT_ERROR_UNKNOWN_GROUP, "Pipeline", NULL },
    { "[Pipeline]\nsame-on-batch=yes\n", LS_AUGMENT_ERROR_INVALID_VALUE, "Pipeline", "same-on-batch" },
    { "[Pipeline]\nseed=3\n", LS_AUGMENT_ERROR_UNKNOWN_KEY, "Pipeline", "seed" },
    { "[RandomGamma]\nsame-on-batch=1\n", LS_AUGMENT_ERROR_INVALID_VALUE, "RandomGamma", "same-on-batch" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsAugmentPipeline) p = ls_augment_pipeline_new_from_string (cases[i].text, &error);

      g_assert_null (p);
      g_assert_error (error, LS_AUGMENT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle1));
      if (cases[i].needle2 != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].needle2));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_describe (void)
{
  g_autoptr (LsAugmentPipeline) pipeline = every_kind (1.0);
  g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);
  g_autofree char *words = NULL;
  g_autofree char *none = NULL;
  LsRng rng;

  ls_rng_init (&rng, 4, 0);
  ls_augment_pipeline_sample (pipeline, &rng, W, H, record);
  record->params[0].angle = 4.2;
  record->params[0].tx = 0.03;
  record->params[0].ty = -0.01;
  words = ls_augment_record_describe (record);
  g_test_message ("%s", words);
  g_assert_nonnull (strstr (words, "rotated 4.2° anticlockwise, shifted 3 % right and 1 % up"));
  g_assert_nonnull (strstr (words, "flipped left to right"));
  g_assert_nonnull (strstr (words, "gamma"));
  g_assert_nonnull (strstr (words, "blurred"));
  for (guint i = 0; i < record->n_steps; i++)
    record->params[i].applied = FALSE;
  none = ls_augment_record_describe (record);
  g_assert_cmpstr (none, ==, "unchanged");
}

static void
test_colormaps (void)
{
  guint8 table[256][3];
  LsColormap map;
  /* matplotlib's and Google's tables at t = 0 and 1, and the largest
   * distance the published polynomials are allowed from them */
  const struct
  {
    LsColormap map;
    guint8 lo[3], hi[3];
    int tolerance;
  } ends[] = {
    { LS_COLORMAP_VIRIDIS, { 68, 1, 84 }, { 253, 231, 37 }, 4 },
    { LS_COLORMAP_INFERNO, { 0, 0, 4 }, { 252, 255, 164 }, 4 },
    { LS_COLORMAP_TURBO, { 48, 18, 59 }, { 122, 4, 3 }, 35 },
  };

  ls_colormap_table (LS_COLORMAP_GRAY, table);
  for (int i = 0; i < 256; i++)
    g_assert_true (table[i][0] == i && table[i][1] == i && table[i][2] == i);
  for (guint m = 0; m < G_N_ELEMENTS (ends); m++)
    {
      ls_colormap_table (ends[m].map, table);
      for (int c = 0; c < 3; c++)
        {
          g_assert_cmpint (ABS (table[0][c] - ends[m].lo[c]), <=, ends[m].tolerance);
          g_assert_cmpint (ABS (table[255][c] - ends[m].hi[c]), <=, ends[m].tolerance);
        }
    }
  /* viridis and inferno get brighter all the way (Rec. 709 luma) */
  for (LsColormap m = LS_COLORMAP_INFERNO; m <= LS_COLORMAP_VIRIDIS; m++)
    {
      double last = -1.0;

      ls_colormap_table (m, table);
      for (int i = 0; i < 256; i++)
        {
          double luma = 0.2126 * table[i][0] + 0.7152 * table[i][1] + 0.0722 * table[i][2];

          g_assert_cmpfloat (luma, >=, last - 0.5);
          last = luma;
        }
    }
  g_assert_true (ls_colormap_from_string ("turbo", &map));
  g_assert_cmpint (map, ==, LS_COLORMAP_TURBO);
  g_assert_cmpstr (ls_colormap_to_string (LS_COLORMAP_INFERNO), ==, "inferno");
  g_assert_false (ls_colormap_from_string ("jet", &map));
}

static guint32
pixel (const guint8 *buf,
       int stride,
       int x,
       int y)
{
  guint32 v;

  memcpy (&v, buf + y * stride + 4 * x, 4);
  return v;
}

static void
test_heatmap (void)
{
  const int w = 5, h = 3, stride = 4 * w + 12;
  float gray[15], heat[15];
  guint8 out[3 * (4 * 5 + 12)], layer[3 * (4 * 5 + 12)];
  guint8 table[256][3];

  for (int i = 0; i < w * h; i++)
    {
      gray[i] = (float) i / (w * h - 1);
      heat[i] = 1.0f - gray[i];
    }
  ls_colormap_table (LS_COLORMAP_INFERNO, table);

  /* opacity 0: the radiograph, opaque gray, 0xAARRGGBB native-endian */
  ls_render_heatmap_argb32 (gray, heat, w, h, LS_COLORMAP_INFERNO, 0.0f, out, stride);
  for (int i = 0; i < w * h; i++)
    {
      guint32 v = (guint32) lroundf (gray[i] * 255.0f);

      g_assert_cmphex (pixel (out, stride, i % w, i / w), ==, 0xff000000u | v << 16 | v << 8 | v);
    }
  /* opacity 1: the colormap */
  ls_render_heatmap_argb32 (gray, heat, w, h, LS_COLORMAP_INFERNO, 1.0f, out, stride);
  for (int i = 0; i < w * h; i++)
    {
      const guint8 *c = table[(int) (heat[i] * 255.0f + 0.5f)];

      g_assert_cmphex (pixel (out, stride, i % w, i / w), ==,
                       0xff000000u | (guint32) c[0] << 16 | (guint32) c[1] << 8 | c[2]);
    }
  /* half: the blend; and the premultiplied layer over the gray gives the same */
  ls_render_heatmap_argb32 (gray, heat, w, h, LS_COLORMAP_INFERNO, 0.5f, out, stride);
  ls_render_heatmap_layer_argb32 (heat, w, h, LS_COLORMAP_INFERNO, 0.5f, layer, stride);
  for (int i = 0; i < w * h; i++)
    {
      guint32 o = pixel (out, stride, i % w, i / w), l = pixel (layer, stride, i % w, i / w);
      guint32 a = l >> 24, g = (guint32) lroundf (gray[i] * 255.0f);

      g_assert_cmpuint (a, ==, 128);
      for (int shift = 0; shift <= 16; shift += 8)
        {
          guint32 lc = (l >> shift) & 0xff, oc = (o >> shift) & 0xff;
          /* Cairo OVER: dst = src + (1 − αsrc) × dst */
          double over = lc + (255.0 - a) / 255.0 * g;

          g_assert_cmpuint (lc, <=, a); /* premultiplied */
          g_assert_cmpfloat (fabs (over - oc), <=, 2.0);
        }
    }
  /* the gray-only renderer */
  ls_render_gray_argb32 (gray, w, h, out, stride);
  g_assert_cmphex (pixel (out, stride, w - 1, h - 1), ==, 0xffffffffu);
  g_assert_cmphex (pixel (out, stride, 0, 0), ==, 0xff000000u);
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/imaging/augment/p-zero-identity", test_p_zero_identity);
  g_test_add_func ("/lungscope/imaging/augment/reproducible", test_reproducible);
  g_test_add_func ("/lungscope/imaging/augment/ranges", test_ranges);
  g_test_add_func ("/lungscope/imaging/augment/small-images", test_small_images);
  g_test_add_func ("/lungscope/imaging/augment/geometry", test_geometry);
  g_test_add_func ("/lungscope/imaging/augment/perspective", test_perspective_vs_affine);
  g_test_add_func ("/lungscope/imaging/augment/perspective-reference", test_perspective_reference);
  g_test_add_func ("/lungscope/imaging/augment/photometric", test_photometric);
  g_test_add_func ("/lungscope/imaging/augment/gamma-table", test_gamma_table);
  g_test_add_func ("/lungscope/imaging/augment/noise-distribution", test_noise_distribution);
  g_test_add_func ("/lungscope/imaging/augment/same-on-batch", test_same_on_batch);
  g_test_add_func ("/lungscope/imaging/augment/config-round-trip", test_config_round_trip);
  g_test_add_func ("/lungscope/imaging/augment/config-refused", test_config_refused);
  g_test_add_func ("/lungscope/imaging/augment/describe", test_describe);
  g_test_add_func ("/lungscope/imaging/colormap/tables", test_colormaps);
  g_test_add_func ("/lungscope/imaging/colormap/heatmap", test_heatmap);
  return g_test_run ();
}
