/* augment.c — Kornia-style random augmentation: steps, sampling, rendering
 *
 * Conventions (Kornia 0.6 / torchvision 0.14 where they agree, else as said):
 *
 * - RandomAffine: rotation about the image centre ((w − 1) / 2, (h − 1) / 2),
 *   shear, zoom, then a shift of up to translate × size; bilinear; black
 *   outside (padding "zeros", Kornia's default; "border" repeats the edge).
 * - RandomResizedCrop: torchvision's box sampling (10 tries, then a centre
 *   crop), then the box is resized back to the input size (half-pixel
 *   centres, bilinear; the box is never larger than the image, so this is
 *   a magnification and needs no antialiasing).
 * - RandomPerspective: torchvision's corner sampling (each corner moves
 *   inward by up to distortion × half the side, whole pixels).
 * - RandomBrightness/Contrast/Sharpness: torchvision's multiplicative
 *   factors (1 is the identity): brightness x f, contrast blends with the
 *   image mean, sharpness blends with a 3 × 3 smoothing; all clamped.
 * - RandomGamma: Kornia's gain × x^gamma, clamped; through a table with
 *   128 knots an octave (relative error below 2e-6; values under 2^−24
 *   give 0), three times faster than the polynomials of ls_gamma_plane.
 * - RandomGaussianBlur: Kornia's kernel, σ sampled, reflected borders.
 * - RandomGaussianNoise: x + N(mean, std²) clamped to [0, 1].
 * - RandomErasing: torchvision's box sampling; no box fitting in 10 tries
 *   means nothing is erased (applied is FALSE then).
 * - RandomElasticTransform: Kornia's, with one alpha and one σ for both
 *   axes, each sampled from its range.
 * - RandomClahe: ls_clahe_plane() with a sampled clip limit.
 * - RandomEqualize: ls_equalize_plane().
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/augment-private.h"
#include "imaging/preprocess.h"

/* clang-format off */
G_DEFINE_QUARK (ls-augment-error-quark, ls_augment_error)
/* clang-format on */

static const char *const kind_names[LS_AUGMENT_N_KINDS] = {
  [LS_AUGMENT_AFFINE] = "RandomAffine",
  [LS_AUGMENT_RESIZED_CROP] = "RandomResizedCrop",
  [LS_AUGMENT_HFLIP] = "RandomHorizontalFlip",
  [LS_AUGMENT_PERSPECTIVE] = "RandomPerspective",
  [LS_AUGMENT_ELASTIC] = "RandomElasticTransform",
  [LS_AUGMENT_BRIGHTNESS] = "RandomBrightness",
  [LS_AUGMENT_CONTRAST] = "RandomContrast",
  [LS_AUGMENT_GAMMA] = "RandomGamma",
  [LS_AUGMENT_BLUR] = "RandomGaussianBlur",
  [LS_AUGMENT_NOISE] = "RandomGaussianNoise",
  [LS_AUGMENT_SHARPNESS] = "RandomSharpness",
  [LS_AUGMENT_ERASING] = "RandomErasing",
  [LS_AUGMENT_CLAHE] = "RandomClahe",
  [LS_AUGMENT_EQUALIZE] = "RandomEqualize",
};

const char *
ls_augment_kind_to_string (LsAugmentKind kind)
{
  g_return_val_if_fail (kind < LS_AUGMENT_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
ls_augment_kind_from_string (const char *name,
                             LsAugmentKind *kind)
{
  for (int k = 0; k < LS_AUGMENT_N_KINDS; k++)
    if (g_strcmp0 (name, kind_names[k]) == 0)
      {
        *kind = (LsAugmentKind) k;
        return TRUE;
      }
  return FALSE;
}

static void
set_range (double *r,
           double lo,
           double hi)
{
  r[0] = lo;
  r[1] = hi;
}

/**
 * ls_augment_spec_init:
 *
 * A step of @kind with p = 0.5 (Kornia's usual default) and ranges that make
 * sense for a [0, 1] radiograph; every field not used by @kind is neutral.
 */
void
ls_augment_spec_init (LsAugmentSpec *spec,
                      LsAugmentKind kind)
{
  memset (spec, 0, sizeof *spec);
  spec->kind = kind;
  spec->p = 0.5;
  set_range (spec->scale, 1.0, 1.0);
  set_range (spec->ratio, 1.0, 1.0);
  set_range (spec->factor, 1.0, 1.0);
  set_range (spec->gamma, 1.0, 1.0);
  set_range (spec->gain, 1.0, 1.0);
  set_range (spec->alpha, 1.0, 1.0);
  set_range (spec->sigma, 1.0, 1.0);
  spec->kernel_size = 3;
  spec->grid[0] = spec->grid[1] = 8;
  spec->padding = LS_PADDING_ZEROS;
  set_range (spec->clip_limit, 40.0, 40.0);

  switch (kind)
    {
    case LS_AUGMENT_AFFINE:
      set_range (spec->degrees, -10.0, 10.0);
      break;
    case LS_AUGMENT_RESIZED_CROP:
      set_range (spec->scale, 0.08, 1.0);
      set_range (spec->ratio, 3.0 / 4.0, 4.0 / 3.0);
      break;
    case LS_AUGMENT_PERSPECTIVE:
      spec->distortion = 0.5;
      break;
    case LS_AUGMENT_ELASTIC:
      spec->kernel_size = 63;
      set_range (spec->sigma, 32.0, 32.0);
      break;
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
      set_range (spec->factor, 0.8, 1.2);
      break;
    case LS_AUGMENT_SHARPNESS:
      set_range (spec->factor, 0.5, 1.5);
      break;
    case LS_AUGMENT_GAMMA:
      set_range (spec->gamma, 0.8, 1.2);
      break;
    case LS_AUGMENT_BLUR:
      spec->kernel_size = 5;
      set_range (spec->sigma, 0.1, 2.0);
      break;
    case LS_AUGMENT_NOISE:
      set_range (spec->std, 0.01, 0.05);
      break;
    case LS_AUGMENT_ERASING:
      set_range (spec->scale, 0.02, 0.33);
      set_range (spec->ratio, 0.3, 3.3);
      break;
    case LS_AUGMENT_CLAHE:
      set_range (spec->clip_limit, 1.0, 4.0);
      break;
    case LS_AUGMENT_HFLIP:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      break;
    }
}

gboolean
ls_augment_spec_equal (const LsAugmentSpec *a,
                       const LsAugmentSpec *b)
{
  /* Field by field: padding bytes are not compared. */
#define SAME2(f) (a->f[0] == b->f[0] && a->f[1] == b->f[1])
  return a->kind == b->kind && a->p == b->p && SAME2 (degrees) && SAME2 (translate) && SAME2 (scale) &&
         SAME2 (shear_x) && SAME2 (shear_y) && SAME2 (ratio) && a->distortion == b->distortion && SAME2 (alpha) &&
         SAME2 (sigma) && a->kernel_size == b->kernel_size && SAME2 (factor) && SAME2 (gamma) && SAME2 (gain) &&
         a->mean == b->mean && SAME2 (std) && a->value == b->value && SAME2 (clip_limit) && SAME2 (grid) &&
         a->padding == b->padding && !a->same_on_batch == !b->same_on_batch;
#undef SAME2
}

LsAugmentPipeline *
ls_augment_pipeline_new (void)
{
  LsAugmentPipeline *pipeline = g_new0 (LsAugmentPipeline, 1);

  pipeline->steps = g_array_new (FALSE, TRUE, sizeof (LsAugmentSpec));
  return pipeline;
}

/**
 * ls_augment_pipeline_new_default:
 *
 * The default pipeline for chest radiographs: the seed project's (DESIGN
 * §7) with ranges chosen for this kind of image.
 *
 * 1. RandomAffine, always: ±10° rotation, ±6 % shift, zoom 0.9–1.1, ±5°
 *    horizontal shear, black outside. Patients are never perfectly
 *    centred, upright or at the same distance from the detector; beyond
 *    these ranges lungs leave the frame. No flip: the heart is on the left
 *    and a mirrored chest is dextrocardia, a finding of its own.
 * 2. RandomBrightness and RandomContrast, always, factors 0.8–1.2:
 *    exposure and processing differ between machines and sites.
 * 3. RandomGamma, p 0.5, 0.8–1.2: the vendors' tone curves differ.
 * 4. RandomGaussianBlur, p 0.3, 5 taps, σ 0.1–2: detector sharpness and
 *    resampling of the source files.
 * 5. RandomErasing, p 0.25, 2–15 % of the area, black: markers, cables
 *    and text hide parts of real films; larger boxes would hide whole lung
 *    fields and the finding with them (torchvision's 33 % is for photos).
 */
LsAugmentPipeline *
ls_augment_pipeline_new_default (void)
{
  LsAugmentPipeline *pipeline = ls_augment_pipeline_new ();
  LsAugmentSpec spec;

  ls_augment_spec_init (&spec, LS_AUGMENT_AFFINE);
  spec.p = 1.0;
  set_range (spec.degrees, -10.0, 10.0);
  set_range (spec.translate, 0.06, 0.06);
  set_range (spec.scale, 0.9, 1.1);
  set_range (spec.shear_x, -5.0, 5.0);
  ls_augment_pipeline_add (pipeline, &spec);

  ls_augment_spec_init (&spec, LS_AUGMENT_BRIGHTNESS);
  spec.p = 1.0;
  set_range (spec.factor, 0.8, 1.2);
  ls_augment_pipeline_add (pipeline, &spec);

  ls_augment_spec_init (&spec, LS_AUGMENT_CONTRAST);
  spec.p = 1.0;
  set_range (spec.factor, 0.8, 1.2);
  ls_augment_pipeline_add (pipeline, &spec);

  ls_augment_spec_init (&spec, LS_AUGMENT_GAMMA);
  spec.p = 0.5;
  set_range (spec.gamma, 0.8, 1.2);
  ls_augment_pipeline_add (pipeline, &spec);

  ls_augment_spec_init (&spec, LS_AUGMENT_BLUR);
  spec.p = 0.3;
  spec.kernel_size = 5;
  set_range (spec.sigma, 0.1, 2.0);
  ls_augment_pipeline_add (pipeline, &spec);

  ls_augment_spec_init (&spec, LS_AUGMENT_ERASING);
  spec.p = 0.25;
  set_range (spec.scale, 0.02, 0.15);
  set_range (spec.ratio, 0.3, 3.3);
  spec.value = 0.0;
  ls_augment_pipeline_add (pipeline, &spec);

  return pipeline;
}

void
ls_augment_pipeline_free (LsAugmentPipeline *pipeline)
{
  if (pipeline == NULL)
    return;
  g_array_unref (pipeline->steps);
  g_free (pipeline);
}

void
ls_augment_pipeline_add (LsAugmentPipeline *pipeline,
                         const LsAugmentSpec *spec)
{
  g_return_if_fail (pipeline != NULL && spec != NULL);
  g_return_if_fail (spec->kind < LS_AUGMENT_N_KINDS);
  g_array_append_vals (pipeline->steps, spec, 1);
}

guint
ls_augment_pipeline_get_n_steps (const LsAugmentPipeline *pipeline)
{
  return pipeline->steps->len;
}

const LsAugmentSpec *
ls_augment_pipeline_get_step (const LsAugmentPipeline *pipeline,
                              guint index)
{
  g_return_val_if_fail (index < pipeline->steps->len, NULL);
  return &g_array_index (pipeline->steps, LsAugmentSpec, index);
}

void
ls_augment_pipeline_set_same_on_batch (LsAugmentPipeline *pipeline,
                                       gboolean same_on_batch)
{
  pipeline->same_on_batch = !!same_on_batch;
}

gboolean
ls_augment_pipeline_get_same_on_batch (const LsAugmentPipeline *pipeline)
{
  return pipeline->same_on_batch;
}

gboolean
ls_augment_pipeline_equal (const LsAugmentPipeline *a,
                           const LsAugmentPipeline *b)
{
  if (a->same_on_batch != b->same_on_batch || a->steps->len != b->steps->len)
    return FALSE;
  for (guint i = 0; i < a->steps->len; i++)
    if (!ls_augment_spec_equal (ls_augment_pipeline_get_step (a, i), ls_augment_pipeline_get_step (b, i)))
      return FALSE;
  return TRUE;
}

/**
 * ls_augment_scratch_new:
 *
 * Working memory for applying @pipeline to images of up to @width × @height
 * (one scratch per thread).
 */
LsAugmentScratch *
ls_augment_scratch_new (const LsAugmentPipeline *pipeline,
                        int width,
                        int height)
{
  LsAugmentScratch *scratch;
  gsize n;
  int max_kernel = 3, grid_rows = 1, grid_cols = 1;

  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  for (guint i = 0; i < pipeline->steps->len; i++)
    {
      const LsAugmentSpec *spec = ls_augment_pipeline_get_step (pipeline, i);

      if (spec->kind == LS_AUGMENT_BLUR || spec->kind == LS_AUGMENT_ELASTIC)
        max_kernel = MAX (max_kernel, spec->kernel_size);
      if (spec->kind == LS_AUGMENT_CLAHE)
        {
          grid_rows = MAX (grid_rows, spec->grid[0]);
          grid_cols = MAX (grid_cols, spec->grid[1]);
        }
    }
  n = (gsize) width * height;
  scratch = g_new0 (LsAugmentScratch, 1);
  scratch->width = width;
  scratch->height = height;
  scratch->max_kernel = max_kernel;
  scratch->buf = g_aligned_alloc (n, sizeof (float), 64);
  scratch->tmp = g_aligned_alloc (n, sizeof (float), 64);
  scratch->dx = g_aligned_alloc (n, sizeof (float), 64);
  scratch->dy = g_aligned_alloc (n, sizeof (float), 64);
  scratch->row = g_new (float, (gsize) MAX (width, height) + max_kernel + 8);
  scratch->kernel = g_new (float, max_kernel);
  scratch->gamma_lut = g_new (float, LS_AUGMENT_GAMMA_LUT_SIZE);
  scratch->clahe_size = ls_clahe_scratch_size (width, height, grid_rows, grid_cols);
  scratch->clahe = g_new (float, scratch->clahe_size);
  return scratch;
}

void
ls_augment_scratch_free (LsAugmentScratch *scratch)
{
  if (scratch == NULL)
    return;
  g_aligned_free (scratch->buf);
  g_aligned_free (scratch->tmp);
  g_aligned_free (scratch->dx);
  g_aligned_free (scratch->dy);
  g_free (scratch->row);
  g_free (scratch->kernel);
  g_free (scratch->gamma_lut);
  g_free (scratch->clahe);
  g_free (scratch);
}

LsAugmentRecord *
ls_augment_record_new (const LsAugmentPipeline *pipeline)
{
  LsAugmentRecord *record = g_new0 (LsAugmentRecord, 1);

  record->n_steps = pipeline->steps->len;
  record->params = g_new0 (LsAugmentParams, MAX (record->n_steps, 1));
  return record;
}

void
ls_augment_record_free (LsAugmentRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->params);
  g_free (record);
}

/* Matrices: row-major 3 × 3, doubles. */

static void
mat_mul (const double *a,
         const double *b,
         double *out)
{
  double r[9];

  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  memcpy (out, r, sizeof r);
}

static gboolean
mat_inverse (const double *m,
             double *out)
{
  double det, r[9];

  r[0] = m[4] * m[8] - m[5] * m[7];
  r[1] = m[2] * m[7] - m[1] * m[8];
  r[2] = m[1] * m[5] - m[2] * m[4];
  r[3] = m[5] * m[6] - m[3] * m[8];
  r[4] = m[0] * m[8] - m[2] * m[6];
  r[5] = m[2] * m[3] - m[0] * m[5];
  r[6] = m[3] * m[7] - m[4] * m[6];
  r[7] = m[1] * m[6] - m[0] * m[7];
  r[8] = m[0] * m[4] - m[1] * m[3];
  det = m[0] * r[0] + m[1] * r[3] + m[2] * r[6];
  if (fabs (det) < 1e-12)
    return FALSE;
  for (int i = 0; i < 9; i++)
    out[i] = r[i] / det;
  /* keep affine maps exactly affine */
  if (m[6] == 0.0 && m[7] == 0.0 && m[8] == 1.0)
    {
      out[6] = out[7] = 0.0;
      out[8] = 1.0;
    }
  return TRUE;
}

static void
mat_identity (double *m)
{
  static const double id[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

  memcpy (m, id, sizeof id);
}

/* The homography taking each (x, y) of @from to the matching point of @to
 * (four points each, x, y pairs), by Gaussian elimination on the 8 × 8
 * system; FALSE when three points are collinear. */
static gboolean
homography_from_points (const double *from,
                        const double *to,
                        double *m)
{
  double a[8][9];

  for (int k = 0; k < 4; k++)
    {
      double x = from[2 * k], y = from[2 * k + 1], X = to[2 * k], Y = to[2 * k + 1];
      double r0[9] = { x, y, 1, 0, 0, 0, -x * X, -y * X, X };
      double r1[9] = { 0, 0, 0, x, y, 1, -x * Y, -y * Y, Y };

      memcpy (a[2 * k], r0, sizeof r0);
      memcpy (a[2 * k + 1], r1, sizeof r1);
    }
  for (int c = 0; c < 8; c++)
    {
      int pivot = c;

      for (int r = c + 1; r < 8; r++)
        if (fabs (a[r][c]) > fabs (a[pivot][c]))
          pivot = r;
      if (fabs (a[pivot][c]) < 1e-12)
        return FALSE;
      if (pivot != c)
        for (int j = 0; j < 9; j++)
          {
            double t = a[c][j];

            a[c][j] = a[pivot][j];
            a[pivot][j] = t;
          }
      for (int r = 0; r < 8; r++)
        if (r != c)
          {
            double f = a[r][c] / a[c][c];

            for (int j = c; j < 9; j++)
              a[r][j] -= f * a[c][j];
          }
    }
  for (int i = 0; i < 8; i++)
    m[i] = a[i][8] / a[i][i];
  m[8] = 1.0;
  return TRUE;
}

/* The inverse map (output pixel → source pixel) of a geometric step. */
static void
step_inverse (const LsAugmentParams *params,
              int width,
              int height,
              double *inv)
{
  switch (params->kind)
    {
    case LS_AUGMENT_AFFINE:
      {
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        double th = params->angle * G_PI / 180.0;
        double c = cos (th), s = sin (th);
        double shx = tan (params->shear_x * G_PI / 180.0), shy = tan (params->shear_y * G_PI / 180.0);
        /* forward: p' = centre + shift + R · Sh · scale · (p − centre); R
         * turns anticlockwise on screen (y points down). */
        double rot[9] = { c, s, 0, -s, c, 0, 0, 0, 1 };
        double sh[9] = { 1, shx, 0, shy, 1, 0, 0, 0, 1 };
        double sc[9] = { params->scale, 0, 0, 0, params->scale, 0, 0, 0, 1 };
        double pre[9] = { 1, 0, -cx, 0, 1, -cy, 0, 0, 1 };
        double post[9] = { 1, 0, cx + params->tx * width, 0, 1, cy + params->ty * height, 0, 0, 1 };
        double fwd[9];

        mat_mul (sh, sc, fwd);
        mat_mul (rot, fwd, fwd);
        mat_mul (fwd, pre, fwd);
        mat_mul (post, fwd, fwd);
        if (!mat_inverse (fwd, inv))
          mat_identity (inv);
      }
      break;
    case LS_AUGMENT_RESIZED_CROP:
      {
        double sx = (double) params->box[2] / width, sy = (double) params->box[3] / height;
        double m[9] = { sx, 0, params->box[0] + 0.5 * sx - 0.5, 0, sy, params->box[1] + 0.5 * sy - 0.5, 0, 0, 1 };

        memcpy (inv, m, sizeof m);
      }
      break;
    case LS_AUGMENT_HFLIP:
      {
        double m[9] = { -1, 0, width - 1, 0, 1, 0, 0, 0, 1 };

        memcpy (inv, m, sizeof m);
      }
      break;
    case LS_AUGMENT_PERSPECTIVE:
      {
        double start[8] = { 0, 0, width - 1, 0, width - 1, height - 1, 0, height - 1 };

        if (!homography_from_points (params->corners, start, inv))
          mat_identity (inv);
      }
      break;
    case LS_AUGMENT_ELASTIC:
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
    case LS_AUGMENT_GAMMA:
    case LS_AUGMENT_BLUR:
    case LS_AUGMENT_NOISE:
    case LS_AUGMENT_SHARPNESS:
    case LS_AUGMENT_ERASING:
    case LS_AUGMENT_CLAHE:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_homography (LsAugmentKind kind)
{
  return kind == LS_AUGMENT_AFFINE || kind == LS_AUGMENT_RESIZED_CROP || kind == LS_AUGMENT_HFLIP ||
         kind == LS_AUGMENT_PERSPECTIVE;
}

/**
 * ls_augment_pipeline_replay:
 * @record: parameters sampled for this pipeline (by ls_augment_pipeline_sample
 *   or a previous apply), for a record->width × record->height image
 * @src: the source plane
 * @dst: the output plane, same size (may be @src)
 * @scratch: made for this pipeline and at least this size
 *
 * Renders the image the record describes; allocates nothing.
 */
void
ls_augment_pipeline_replay (const LsAugmentPipeline *pipeline,
                            const LsAugmentRecord *record,
                            const float *src,
                            float *dst,
                            LsAugmentScratch *scratch)
{
  int w = record->width, h = record->height;
  gsize n = (gsize) w * h;
  const float *cur = src;
  double m[9];
  gboolean pending = FALSE;
  LsPadding padding = LS_PADDING_BORDER;

  g_return_if_fail (record->n_steps == pipeline->steps->len);
  g_return_if_fail (w > 0 && h > 0 && w <= scratch->width && h <= scratch->height);

  for (guint i = 0; i <= pipeline->steps->len; i++)
    {
      const LsAugmentSpec *spec = i < pipeline->steps->len ? ls_augment_pipeline_get_step (pipeline, i) : NULL;
      const LsAugmentParams *params = spec != NULL ? &record->params[i] : NULL;
      float *out;

      if (params != NULL && !params->applied)
        continue;
      if (params != NULL && is_homography (spec->kind))
        {
          double inv[9];

          step_inverse (params, w, h, inv);
          if (!pending)
            {
              memcpy (m, inv, sizeof m);
              padding = spec->padding;
              pending = TRUE;
            }
          else
            {
              mat_mul (m, inv, m);
              if (spec->padding == LS_PADDING_ZEROS)
                padding = LS_PADDING_ZEROS;
            }
          continue;
        }
      if (pending) /* one sampling pass for the run of geometric steps */
        {
          out = cur == dst ? scratch->buf : dst;
          ls_augment_warp_homography (cur, out, w, h, m, padding);
          cur = out;
          pending = FALSE;
        }
      if (params == NULL)
        break;

      /* in place where the operation allows it, never on the source */
      out = cur == src ? dst : (float *) cur;
      switch (spec->kind)
        {
        case LS_AUGMENT_BRIGHTNESS:
          ls_augment_brightness (cur, out, n, (float) params->factor);
          break;
        case LS_AUGMENT_CONTRAST:
          ls_augment_contrast (cur, out, n, (float) params->factor);
          break;
        case LS_AUGMENT_GAMMA:
          ls_augment_gamma (cur, out, n, (float) params->gamma, (float) params->gain, scratch->gamma_lut);
          break;
        case LS_AUGMENT_NOISE:
          ls_augment_noise (cur, out, n, params->seed, (float) params->mean, (float) params->std);
          break;
        case LS_AUGMENT_EQUALIZE:
          ls_equalize_plane (cur, out, n);
          break;
        case LS_AUGMENT_BLUR:
          ls_augment_gaussian_kernel (scratch->kernel, spec->kernel_size, params->sigma);
          ls_augment_blur (cur, out, w, h, scratch->kernel, spec->kernel_size, scratch->tmp, scratch->row);
          break;
        case LS_AUGMENT_ERASING:
          if (out != cur)
            memcpy (out, cur, n * sizeof (float));
          ls_augment_erase (out, w, params->box, (float) spec->value);
          break;
        case LS_AUGMENT_SHARPNESS:
          out = cur == dst ? scratch->buf : dst;
          ls_augment_sharpness (cur, out, w, h, (float) params->factor);
          break;
        case LS_AUGMENT_CLAHE:
          out = cur == dst ? scratch->buf : dst;
          ls_clahe_plane (cur, out, w, h, (float) params->clip_limit, spec->grid[0], spec->grid[1], scratch->clahe);
          break;
        case LS_AUGMENT_ELASTIC:
          out = cur == dst ? scratch->buf : dst;
          ls_augment_elastic_field (scratch, w, h, params->seed, spec->kernel_size, params->sigma, params->alpha);
          ls_augment_warp_displacement (cur, out, w, h, scratch->dx, scratch->dy, spec->padding);
          break;
        case LS_AUGMENT_AFFINE:
        case LS_AUGMENT_RESIZED_CROP:
        case LS_AUGMENT_HFLIP:
        case LS_AUGMENT_PERSPECTIVE:
        case LS_AUGMENT_N_KINDS:
        default:
          g_assert_not_reached ();
        }
      cur = out;
    }
  if (cur != dst)
    memcpy (dst, cur, n * sizeof (float));
}

/**
 * ls_augment_pipeline_apply:
 * @record: (out caller-allocates): receives the sampled parameters
 *
 * Samples parameters for a @width × @height image from @rng and renders
 * @src with them into @dst (which may be @src).
 */
void
ls_augment_pipeline_apply (const LsAugmentPipeline *pipeline,
                           LsRng *rng,
                           const float *src,
                           float *dst,
                           int width,
                           int height,
                           LsAugmentScratch *scratch,
                           LsAugmentRecord *record)
{
  ls_augment_pipeline_sample (pipeline, rng, width, height, record);
  ls_augment_pipeline_replay (pipeline, record, src, dst, scratch);
}

/**
 * ls_augment_pipeline_apply_batch:
 * @records: one record per image
 *
 * Applies the pipeline to @n_images images of one size. Each image draws
 * its own parameters, in order; a step with same_on_batch (or every step,
 * when the pipeline has it) then takes the first image's parameters, coin
 * included, as Kornia's same_on_batch does.
 */
void
ls_augment_pipeline_apply_batch (const LsAugmentPipeline *pipeline,
                                 LsRng *rng,
                                 guint n_images,
                                 const float *const *src,
                                 float *const *dst,
                                 int width,
                                 int height,
                                 LsAugmentScratch *scratch,
                                 LsAugmentRecord *const *records)
{
  for (guint i = 0; i < n_images; i++)
    {
      ls_augment_pipeline_sample (pipeline, rng, width, height, records[i]);
      if (i > 0)
        for (guint s = 0; s < pipeline->steps->len; s++)
          if (pipeline->same_on_batch || ls_augment_pipeline_get_step (pipeline, s)->same_on_batch)
            records[i]->params[s] = records[0]->params[s];
      ls_augment_pipeline_replay (pipeline, records[i], src[i], dst[i], scratch);
    }
}
