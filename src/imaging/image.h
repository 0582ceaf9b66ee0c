/* image.h — the image type every layer above decoding works with
 *
 * A decoded radiograph: float32 grayscale in [0, 1], row-major, one
 * 64-byte-aligned buffer, with what is known of the file it came from.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LS_IMAGE_FORMAT_UNKNOWN,
  LS_IMAGE_FORMAT_PNG,
  LS_IMAGE_FORMAT_JPEG,
  LS_IMAGE_FORMAT_WEBP,
  LS_IMAGE_FORMAT_GENERATED, /* made in memory (phantoms, tests) */
} LsImageFormat;

/* The colour model of the source file, before conversion to gray. */
typedef enum
{
  LS_COLOR_TYPE_UNKNOWN,
  LS_COLOR_TYPE_GRAY,
  LS_COLOR_TYPE_GRAY_ALPHA,
  LS_COLOR_TYPE_RGB,
  LS_COLOR_TYPE_RGBA,
  LS_COLOR_TYPE_PALETTE,
  LS_COLOR_TYPE_YCBCR,
  LS_COLOR_TYPE_CMYK,
  LS_COLOR_TYPE_YCCK,
} LsColorType;

typedef struct
{
  int width; /* of data[] */
  int height;
  float *data; /* width × height, row-major, values in [0, 1], 64-byte aligned */

  /* What is known of the source. */
  int orig_width; /* full-resolution size after EXIF orientation */
  int orig_height;
  int bit_depth; /* bits per sample in the file: 1, 2, 4, 8 or 16 */
  LsColorType color_type;
  LsImageFormat format;
  int orientation; /* EXIF orientation that was applied, 1 when none */
  char *source;    /* file path, or NULL */
  int n_warnings;  /* recoverable problems the decoder met (corrupt data, broken EXIF…) */
  char *warning;   /* the first of them, one line, or NULL */
} LsImage;

LsImage *ls_image_new (int width,
                       int height);
LsImage *ls_image_copy (const LsImage *image);
void ls_image_free (LsImage *image);
const char *ls_image_format_to_string (LsImageFormat format);
const char *ls_image_color_type_to_string (LsColorType color_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsImage, ls_image_free)

G_END_DECLS
