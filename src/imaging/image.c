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
