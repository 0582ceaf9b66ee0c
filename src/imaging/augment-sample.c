/* augment-sample.c — drawing each step's parameters (conventions in augment.c)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/augment-private.h"

static void
sample_resized_crop (const LsAugmentSpec *spec,
                     LsRng *rng,
                     int width,
                     int height,
                     int *box)
{
  double area = (double) width * height;
  double log_lo = log (spec->ratio[0]), log_hi = log (spec->ratio[1]);
  double in_ratio;

  for (int attempt = 0; attempt < 10; attempt++)
    {
      double target = area * ls_rng_range (rng, spec->scale[0], spec->scale[1]);
      double aspect = exp (ls_rng_range (rng, log_lo, log_hi));
      int w = (int) lround (sqrt (target * aspect));
      int h = (int) lround (sqrt (target / aspect));

      if (w > 0 && h > 0 && w <= width && h <= height)
        {
          box[1] = ls_rng_int (rng, 0, height - h);
          box[0] = ls_rng_int (rng, 0, width - w);
          box[2] = w;
          box[3] = h;
          return;
        }
    }
  /* torchvision's fallback: the largest centred box of an allowed ratio */
  in_ratio = (double) width / height;
  box[2] = width;
  box[3] = height;
  if (in_ratio < spec->ratio[0])
    box[3] = MAX (1, MIN (height, (int) lround (width / spec->ratio[0])));
  else if (in_ratio > spec->ratio[1])
    box[2] = MAX (1, MIN (width, (int) lround (height * spec->ratio[1])));
  box[0] = (width - box[2]) / 2;
  box[1] = (height - box[3]) / 2;
}

static gboolean
sample_erasing (const LsAugmentSpec *spec,
                LsRng *rng,
                int width,
                int height,
                int *box)
{
  double area = (double) width * height;
  double log_lo = log (spec->ratio[0]), log_hi = log (spec->ratio[1]);

  for (int attempt = 0; attempt < 10; attempt++)
    {
      double target = area * ls_rng_range (rng, spec->scale[0], spec->scale[1]);
      double aspect = exp (ls_rng_range (rng, log_lo, log_hi));
      int h = (int) lround (sqrt (target * aspect));
      int w = (int) lround (sqrt (target / aspect));

      if (!(h < height && w < width) || w <= 0 || h <= 0)
        continue;
      box[1] = ls_rng_int (rng, 0, height - h);
      box[0] = ls_rng_int (rng, 0, width - w);
      box[2] = w;
      box[3] = h;
      return TRUE;
    }
  return FALSE;
}

static void
sample_step (const LsAugmentSpec *spec,
             LsRng *rng,
             int width,
             int height,
             LsAugmentParams *params)
{
  memset (params, 0, sizeof *params);
  params->kind = spec->kind;
  params->applied = ls_rng_bernoulli (rng, spec->p);
  if (!params->applied)
    return;

  switch (spec->kind)
    {
    case LS_AUGMENT_AFFINE:
      params->angle = ls_rng_range (rng, spec->degrees[0], spec->degrees[1]);
      params->tx = ls_rng_range (rng, -spec->translate[0], spec->translate[0]);
      params->ty = ls_rng_range (rng, -spec->translate[1], spec->translate[1]);
      params->scale = ls_rng_range (rng, spec->scale[0], spec->scale[1]);
      params->shear_x = ls_rng_range (rng, spec->shear_x[0], spec->shear_x[1]);
      params->shear_y = ls_rng_range (rng, spec->shear_y[0], spec->shear_y[1]);
      break;
    case LS_AUGMENT_RESIZED_CROP:
      sample_resized_crop (spec, rng, width, height, params->box);
      break;
    case LS_AUGMENT_PERSPECTIVE:
      {
        int dw = (int) (spec->distortion * (width / 2));
        int dh = (int) (spec->distortion * (height / 2));
        double *c = params->corners;

        c[0] = ls_rng_int (rng, 0, dw);
        c[1] = ls_rng_int (rng, 0, dh);
        c[2] = width - 1 - ls_rng_int (rng, 0, dw);
        c[3] = ls_rng_int (rng, 0, dh);
        c[4] = width - 1 - ls_rng_int (rng, 0, dw);
        c[5] = height - 1 - ls_rng_int (rng, 0, dh);
        c[6] = ls_rng_int (rng, 0, dw);
        c[7] = height - 1 - ls_rng_int (rng, 0, dh);
      }
      break;
    case LS_AUGMENT_ELASTIC:
      params->seed = ls_rng_next64 (rng);
      params->alpha = ls_rng_range (rng, spec->alpha[0], spec->alpha[1]);
      params->sigma = ls_rng_range (rng, spec->sigma[0], spec->sigma[1]);
      break;
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
    case LS_AUGMENT_SHARPNESS:
      params->factor = ls_rng_range (rng, spec->factor[0], spec->factor[1]);
      break;
    case LS_AUGMENT_GAMMA:
      params->gamma = ls_rng_range (rng, spec->gamma[0], spec->gamma[1]);
      params->gain = ls_rng_range (rng, spec->gain[0], spec->gain[1]);
      break;
    case LS_AUGMENT_BLUR:
      params->sigma = ls_rng_range (rng, spec->sigma[0], spec->sigma[1]);
      break;
    case LS_AUGMENT_NOISE:
      params->seed = ls_rng_next64 (rng);
      params->mean = spec->mean;
      params->std = ls_rng_range (rng, spec->std[0], spec->std[1]);
      break;
    case LS_AUGMENT_ERASING:
      params->applied = sample_erasing (spec, rng, width, height, params->box);
      break;
    case LS_AUGMENT_CLAHE:
      params->clip_limit = ls_rng_range (rng, spec->clip_limit[0], spec->clip_limit[1]);
      break;
    case LS_AUGMENT_HFLIP:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      break;
    }
}

/**
 * ls_augment_pipeline_sample:
 *
 * Draws every step's coin and parameters for a @width × @height image into
 * @record (made for this pipeline), in step order.
 */
void
ls_augment_pipeline_sample (const LsAugmentPipeline *pipeline,
                            LsRng *rng,
                            int width,
                            int height,
                            LsAugmentRecord *record)
{
  g_return_if_fail (record->n_steps == pipeline->steps->len);
  record->width = width;
  record->height = height;
  for (guint i = 0; i < pipeline->steps->len; i++)
    sample_step (ls_augment_pipeline_get_step (pipeline, i), rng, width, height, &record->params[i]);
}
