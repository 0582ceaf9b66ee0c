/* decode.h — PNG, JPEG, WebP and DICOM files in, LsImage (float gray [0, 1]) out
 *
 * DICOM (when built with the meson feature `dicom`, through GDCM; see
 * decode-dicom.c): the displayed image is the file's default window of its
 * modality values, MONOCHROME1 inverted; LsImage.dicom holds the header
 * facts (modality, view, patient id, pixel spacing, the window used) and,
 * with LsDecodeOptions.keep_values, the full-precision values for a
 * viewer's window/level (ls_dicom_window in image.h). A multi-frame file is
 * refused. Without the feature, a DICOM file gets a one-line "built without
 * DICOM support" error.
 *
 * The format is sniffed from the magic bytes, never from the file name.
 * Colour is turned to gray with 0.299 R + 0.587 G + 0.114 B on the encoded
 * (gamma-compressed) values, as PIL's convert("L") and torchvision's
 * rgb_to_grayscale do; alpha is ignored (the colour samples are used as
 * stored, not composited over a background); 16-bit samples keep their
 * precision (value / 65535). An inverted, MONOCHROME1-like image is not
 * guessed: what the file says is what comes out.
 *
 * Full resolution against PIL 9.4's convert("L") (tests/data/decode-ref.txt,
 * and tests/ref/decode-parity.py on all of cxr-real): PIL rounds to 8 bits
 * with fixed-point weights, so a colour pixel differs by at most 0.5/255 plus
 * 0.004/255 (measured on cxr-real: 0.499/255); CMYK by at most 1.01/255, as
 * PIL also rounds R, G and B; gray pixels (8-bit exactly, 16-bit as
 * value / 65535) are equal.
 *
 * The fast path (LsDecodeOptions.target_size = N > 0) decodes straight to a
 * smaller image whose shorter side is at least N (or the full image when it is
 * smaller), for thumbnails and model input:
 *  - JPEG: libjpeg's DCT scaling, with scale M/8 the smallest M (1…8) that
 *    keeps the shorter side ≥ N; YCbCr files are decoded to their Y channel
 *    (= 0.299 R + 0.587 G + 0.114 B before rounding and chroma subsampling,
 *    within 2/255 of the full path's gray on photographic content);
 *  - then, for every format, an integer box (area) average over f × f blocks
 *    with f = ⌊shorter side / N⌋ while the rows are decoded (edge blocks
 *    average the pixels they have), so no full-resolution buffer is made for
 *    non-interlaced PNG and baseline JPEG.
 * The result is antialiased (box filter) but not equal to a direct resize;
 * callers resize it to their exact size afterwards.
 *
 * EXIF orientation (JPEG APP1, PNG eXIf before the image data) is applied, so
 * width/height are the displayed ones. WebP metadata is not read.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_IMAGE_ERROR (ls_image_error_quark ())

typedef enum
{
  LS_IMAGE_ERROR_IO,          /* the file cannot be opened or read */
  LS_IMAGE_ERROR_FORMAT,      /* not a PNG, JPEG or WebP file, or a feature we do not decode */
  LS_IMAGE_ERROR_CORRUPT,     /* the decoder found invalid data */
  LS_IMAGE_ERROR_TRUNCATED,   /* the data ends early (including an empty file) */
  LS_IMAGE_ERROR_TOO_LARGE,   /* over LsDecodeOptions' size limits */
  LS_IMAGE_ERROR_EMPTY_IMAGE, /* the header claims zero pixels */
} LsImageError;

#define LS_DECODE_DEFAULT_MAX_SIDE 16384
#define LS_DECODE_DEFAULT_MAX_PIXELS G_GINT64_CONSTANT (100000000)

typedef struct
{
  int max_side;      /* longest accepted side in pixels; 0 = LS_DECODE_DEFAULT_MAX_SIDE */
  gint64 max_pixels; /* largest accepted width × height; 0 = LS_DECODE_DEFAULT_MAX_PIXELS */
  int target_size;   /* 0 = full resolution; N > 0 = fast path, shorter side ≥ N (see above) */
  /* DICOM only: keep the full-precision modality values in
   * LsImage.dicom->values (orig_width × orig_height floats), for a viewer's
   * window/level. */
  gboolean keep_values;
} LsDecodeOptions;

/* What the header says, without decoding pixels. */
typedef struct
{
  LsImageFormat format;
  int width; /* as stored in the file, before EXIF orientation */
  int height;
  int bit_depth; /* bits per sample: PNG 1/2/4/8/16, JPEG and WebP 8, DICOM bits stored */
  LsColorType color_type;
  int orientation;     /* EXIF orientation 1–8, 1 when absent or unreadable */
  gboolean interlaced; /* Adam7 PNG or progressive JPEG */
  gboolean has_alpha;
} LsImageInfo;

GQuark ls_image_error_quark (void);
void ls_decode_options_init (LsDecodeOptions *opts);

LsImage *ls_image_load (const char *path,
                        const LsDecodeOptions *opts,
                        GError **error);
LsImage *ls_image_load_bytes (const guint8 *data,
                              gsize size,
                              const char *name_for_errors,
                              const LsDecodeOptions *opts,
                              GError **error);
gboolean ls_image_probe (const char *path,
                         LsImageInfo *info,
                         GError **error);
gboolean ls_image_probe_bytes (const guint8 *data,
                               gsize size,
                               const char *name_for_errors,
                               LsImageInfo *info,
                               GError **error);
LsImageFormat ls_image_sniff_format (const guint8 *data,
                                     gsize size);

G_END_DECLS
