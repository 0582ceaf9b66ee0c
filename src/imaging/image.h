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
  LS_IMAGE_FORMAT_DICOM,
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

/* Where a DICOM image's default (displayed) window came from. */
typedef enum
{
  LS_WINDOW_SOURCE_FILE,    /* the first Window Center/Width pair */
  LS_WINDOW_SOURCE_VOI_LUT, /* the first VOI LUT Sequence item; center/width span its input */
  LS_WINDOW_SOURCE_RANGE,   /* neither: the pixels' own minimum to maximum */
  LS_WINDOW_SOURCE_NONE,    /* colour images: no window, gray as for PNG */
} LsWindowSource;

/* What a DICOM file says about its image, beside the displayed pixels.
 * Values are modality values: stored value × Rescale Slope + Rescale
 * Intercept. No identifying tag other than the patient id is ever read. */
typedef struct
{
  char *modality;          /* (0008,0060) "DX", "CR", "CT"…; NULL when absent */
  char *view_position;     /* (0018,5101) "PA", "AP", "LL"…; NULL when absent */
  char *patient_id;        /* (0010,0020); NULL when absent or empty */
  char *transfer_syntax;   /* its UID */
  double pixel_spacing[2]; /* row, column spacing in mm; 0 when unknown */
  int bits_stored;
  gboolean is_signed;
  gboolean monochrome1; /* displayed inverted (white is zero) */
  double rescale_slope;
  double rescale_intercept;
  /* The default window: data[] is this window of the values (inverted for
   * MONOCHROME1). For LS_WINDOW_SOURCE_VOI_LUT the displayed image follows
   * the LUT and center/width are the LUT's input span. */
  LsWindowSource window_source;
  double window_center;
  double window_width;
  double value_min; /* of the image's values */
  double value_max;
  /* Full precision, when LsDecodeOptions.keep_values asked for it: the
   * modality values, orig_width × orig_height, row-major; else NULL. */
  float *values;
} LsDicomFacts;

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
  int orientation;     /* EXIF orientation that was applied, 1 when none */
  char *source;        /* file path, or NULL */
  int n_warnings;      /* recoverable problems the decoder met (corrupt data, broken EXIF…) */
  char *warning;       /* the first of them, one line, or NULL */
  LsDicomFacts *dicom; /* DICOM files only, else NULL */
} LsImage;

LsImage *ls_image_new (int width,
                       int height);
LsImage *ls_image_copy (const LsImage *image);
void ls_image_free (LsImage *image);
const char *ls_image_format_to_string (LsImageFormat format);
const char *ls_image_color_type_to_string (LsColorType color_type);

LsDicomFacts *ls_dicom_facts_copy (const LsDicomFacts *facts,
                                   gsize n_values);
void ls_dicom_facts_free (LsDicomFacts *facts);
/* DICOM's linear VOI function (PS3.3 C.11.2.1.2.1) with output [0, 1]:
 * @n values through window @center/@width (width ≥ 1), inverted when
 * @invert, into @out. The viewer's window/level on LsDicomFacts.values. */
void ls_dicom_window (const float *values,
                      gsize n,
                      double center,
                      double width,
                      gboolean invert,
                      float *out);
/* A warning (one line, g_free) when the facts say the image is not a chest
 * radiograph the model was made for (a CT or MR modality, a lateral view),
 * else NULL. @name names the file. */
char *ls_dicom_facts_warning (const LsDicomFacts *facts,
                              const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsImage, ls_image_free)

G_END_DECLS
