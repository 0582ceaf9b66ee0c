/* augment-describe.c — sampled parameters in words, for people
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/augment-private.h"

static void
describe_shift (GString *s,
                double fraction,
                const char *plus,
                const char *minus)
{
  g_string_append_printf (s, "%.0f %% %s", fabs (fraction) * 100.0, fraction >= 0 ? plus : minus);
}

/**
 * ls_augment_params_describe:
 *
 * Returns: (transfer full): what the step did, in a few words ("rotated
 * 4.2° anticlockwise, shifted 3 % right and 1 % up, zoomed ×1.04, sheared
 * 2.0°"), or NULL when it was not applied.
 */
char *
ls_augment_params_describe (const LsAugmentParams *params,
                            int width,
                            int height)
{
  GString *s;

  if (!params->applied)
    return NULL;
  s = g_string_new (NULL);
  switch (params->kind)
    {
    case LS_AUGMENT_AFFINE:
      g_string_append_printf (s, "rotated %.1f° %s, shifted ", fabs (params->angle),
                              params->angle >= 0 ? "anticlockwise" : "clockwise");
      describe_shift (s, params->tx, "right", "left");
      g_string_append (s, " and ");
      describe_shift (s, params->ty, "down", "up");
      g_string_append_printf (s, ", zoomed ×%.2f", params->scale);
      if (params->shear_x != 0.0 || params->shear_y != 0.0)
        g_string_append_printf (s, ", sheared %.1f°", params->shear_x);
      if (params->shear_y != 0.0)
        g_string_append_printf (s, " (vertically %.1f°)", params->shear_y);
      break;
    case LS_AUGMENT_RESIZED_CROP:
      g_string_append_printf (s, "cropped %d×%d px at (%d, %d) (%.0f %% of the area) and resized back", params->box[2],
                              params->box[3], params->box[0], params->box[1],
                              100.0 * params->box[2] * params->box[3] / ((double) width * height));
      break;
    case LS_AUGMENT_HFLIP:
      g_string_append (s, "flipped left to right");
      break;
    case LS_AUGMENT_PERSPECTIVE:
      {
        double start[8] = { 0, 0, width - 1, 0, width - 1, height - 1, 0, height - 1 };
        double most = 0.0;

        for (int i = 0; i < 8; i++)
          most = MAX (most, fabs (params->corners[i] - start[i]) / (i % 2 ? height : width));
        g_string_append_printf (s, "perspective tilt, corners moved up to %.0f %% inward", most * 100.0);
      }
      break;
    case LS_AUGMENT_ELASTIC:
      g_string_append_printf (s, "elastic deformation (alpha %.2f, σ %.1f px)", params->alpha, params->sigma);
      break;
    case LS_AUGMENT_BRIGHTNESS:
      g_string_append_printf (s, "brightness ×%.2f", params->factor);
      break;
    case LS_AUGMENT_CONTRAST:
      g_string_append_printf (s, "contrast ×%.2f", params->factor);
      break;
    case LS_AUGMENT_SHARPNESS:
      g_string_append_printf (s, "sharpness ×%.2f", params->factor);
      break;
    case LS_AUGMENT_GAMMA:
      g_string_append_printf (s, "gamma %.2f", params->gamma);
      if (params->gain != 1.0)
        g_string_append_printf (s, " with gain %.2f", params->gain);
      break;
    case LS_AUGMENT_BLUR:
      g_string_append_printf (s, "blurred (σ %.2f px)", params->sigma);
      break;
    case LS_AUGMENT_NOISE:
      g_string_append_printf (s, "noise added (σ %.3f)", params->std);
      break;
    case LS_AUGMENT_ERASING:
      g_string_append_printf (s, "erased a %d×%d px box at (%d, %d)", params->box[2], params->box[3], params->box[0],
                              params->box[1]);
      break;
    case LS_AUGMENT_CLAHE:
      g_string_append_printf (s, "local contrast equalised (CLAHE, clip %.1f)", params->clip_limit);
      break;
    case LS_AUGMENT_EQUALIZE:
      g_string_append (s, "histogram equalised");
      break;
    case LS_AUGMENT_N_KINDS:
    default:
      g_string_append (s, "unknown step");
      break;
    }
  return g_string_free (s, FALSE);
}

/**
 * ls_augment_record_describe:
 *
 * Returns: (transfer full): the applied steps in words, joined by "; ", or
 * "unchanged".
 */
char *
ls_augment_record_describe (const LsAugmentRecord *record)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < record->n_steps; i++)
    {
      g_autofree char *part = ls_augment_params_describe (&record->params[i], record->width, record->height);

      if (part == NULL)
        continue;
      if (s->len > 0)
        g_string_append (s, "; ");
      g_string_append (s, part);
    }
  if (s->len == 0)
    g_string_append (s, "unchanged");
  return g_string_free (s, FALSE);
}
