/* image.c — the image type
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "image.h"

#include <string.h>

/**
 * ls_image_new:
 * @width: width in pixels, > 0
 * @height: height in pixels, > 0
 *
 * Allocates a zeroed image of generated origin. Sizes are the caller's to
 * check against the decoding limits; an overflow here is a programming error.
 */
LsImage *
ls_image_new (int width,
              int height)
{
  LsImage *image;
  gsize n, bytes;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  if (!g_size_checked_mul (&n, (gsize) width, (gsize) height) ||
      !g_size_checked_mul (&bytes, n, sizeof (float)))
    g_error ("image of %d × %d pixels overflows the address space", width, height);

  image = g_new0 (LsImage, 1);
  image->width = width;
  image->height = height;
  image->data = g_aligned_alloc0 (n, sizeof (float), 64);
  image->orig_width = width;
  image->orig_height = height;
  image->bit_depth = 8;
  image->color_type = LS_COLOR_TYPE_GRAY;
  image->format = LS_IMAGE_FORMAT_GENERATED;
  image->orientation = 1;
  return image;
}

LsImage *
ls_image_copy (const LsImage *image)
{
  LsImage *copy;

  g_return_val_if_fail (image != NULL, NULL);
  copy = ls_image_new (image->width, image->height);
  memcpy (copy->data, image->data, (gsize) image->width * image->height * sizeof (float));
  copy->orig_width = image->orig_width;
  copy->orig_height = image->orig_height;
  copy->bit_depth = image->bit_depth;
  copy->color_type = image->color_type;
  copy->format = image->format;
  copy->orientation = image->orientation;
  copy->source = g_strdup (image->source);
  copy->n_warnings = image->n_warnings;
  copy->warning = g_strdup (image->warning);
  if (image->dicom != NULL)
    copy->dicom = ls_dicom_facts_copy (image->dicom, (gsize) image->orig_width * image->orig_height);
  return copy;
}

void
ls_image_free (LsImage *image)
{
  if (image == NULL)
    return;
  g_aligned_free (image->data);
  g_free (image->source);
  g_free (image->warning);
  ls_dicom_facts_free (image->dicom);
  g_free (image);
}

const char *
ls_image_format_to_string (LsImageFormat format)
{
  switch (format)
    {
    case LS_IMAGE_FORMAT_PNG:
      return "png";
    case LS_IMAGE_FORMAT_JPEG:
      return "jpeg";
    case LS_IMAGE_FORMAT_WEBP:
      return "webp";
    case LS_IMAGE_FORMAT_GENERATED:
      return "generated";
    case LS_IMAGE_FORMAT_DICOM:
      return "dicom";
    case LS_IMAGE_FORMAT_UNKNOWN:
    default:
      return "unknown";
    }
}

const char *
ls_image_color_type_to_string (LsColorType color_type)
{
  switch (color_type)
    {
    case LS_COLOR_TYPE_GRAY:
      return "gray";
    case LS_COLOR_TYPE_GRAY_ALPHA:
      return "gray+alpha";
    case LS_COLOR_TYPE_RGB:
      return "rgb";
    case LS_COLOR_TYPE_RGBA:
      return "rgba";
    case LS_COLOR_TYPE_PALETTE:
      return "palette";
    case LS_COLOR_TYPE_YCBCR:
      return "ycbcr";
    case LS_COLOR_TYPE_CMYK:
      return "cmyk";
    case LS_COLOR_TYPE_YCCK:
      return "ycck";
    case LS_COLOR_TYPE_UNKNOWN:
    default:
      return "unknown";
    }
}

/**
 * ls_dicom_facts_copy:
 * @facts: DICOM facts
 * @n_values: how many values @facts->values holds (orig_width × orig_height)
 *
 * Returns: (transfer full): a deep copy.
 */
LsDicomFacts *
ls_dicom_facts_copy (const LsDicomFacts *facts,
                     gsize n_values)
{
  LsDicomFacts *copy;

  g_return_val_if_fail (facts != NULL, NULL);
  copy = g_memdup2 (facts, sizeof *facts);
  copy->modality = g_strdup (facts->modality);
  copy->view_position = g_strdup (facts->view_position);
  copy->patient_id = g_strdup (facts->patient_id);
  copy->transfer_syntax = g_strdup (facts->transfer_syntax);
  if (facts->values != NULL)
    {
      copy->values = g_aligned_alloc (n_values, sizeof (float), 64);
      memcpy (copy->values, facts->values, n_values * sizeof (float));
    }
  return copy;
}

void
ls_dicom_facts_free (LsDicomFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->modality);
  g_free (facts->view_position);
  g_free (facts->patient_id);
  g_free (facts->transfer_syntax);
  g_aligned_free (facts->values);
  g_free (facts);
}

void
ls_dicom_window (const float *values,
                 gsize n,
                 double center,
                 double width,
                 gboolean invert,
                 float *out)
{
  double w1 = MAX (width, 1.0) - 1.0;
  double lo = center - 0.5 - w1 / 2, hi = center - 0.5 + w1 / 2;

  g_return_if_fail (values != NULL || n == 0);
  for (gsize i = 0; i < n; i++)
    {
      double x = values[i], y;

      if (x <= lo)
        y = 0;
      else if (x > hi)
        y = 1;
      else
        y = (x - (center - 0.5)) / w1 + 0.5;
      out[i] = (float) (invert ? 1 - y : y);
    }
}

char *
ls_dicom_facts_warning (const LsDicomFacts *facts,
                        const char *name)
{
  static const char *const radiographs[] = { "CR", "DX", "RG", "DR", "RF", "XA", "MG", "OT", NULL };
  static const char *const laterals[] = { "LL", "RL", "LLD", "RLD", "LAT", "LATERAL", NULL };

  g_return_val_if_fail (facts != NULL, NULL);
  if (facts->modality != NULL && !g_strv_contains (radiographs, facts->modality))
    return g_strdup_printf ("%s: DICOM modality %s is not a radiograph; the model was made for "
                            "chest radiographs",
                            name, facts->modality);
  if (facts->view_position != NULL)
    {
      g_autofree char *up = g_ascii_strup (facts->view_position, -1);

      if (g_strv_contains (laterals, up))
        return g_strdup_printf ("%s: lateral view (%s); the model was made for frontal (PA/AP) "
                                "chest radiographs",
                                name, facts->view_position);
    }
  return NULL;
}
