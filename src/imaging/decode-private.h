/* decode-private.h — what decode.c shares with the per-format decoders
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/decode.h"

G_BEGIN_DECLS

/* Options with defaults filled in (never NULL inside the decoders). */
typedef struct
{
  int max_side;
  gint64 max_pixels;
  int target_size;
  gboolean keep_values;
} LsDecodeLimits;

/* Receives full-resolution gray rows top to bottom and writes them to an
 * image, box-averaged over factor × factor blocks when factor > 1. Lives in
 * the decoders' setjmp-safe context structs. */
typedef struct
{
  LsImage *image; /* the output, owned until ls_gray_sink_steal() */
  int in_width;
  int in_height;
  int factor;
  int row;        /* full-resolution rows committed so far */
  int acc_rows;   /* rows summed in acc */
  float *scratch; /* one full-resolution row, when factor > 1 */
  double *acc;    /* one output row of sums, when factor > 1 */
  guint32 *acc8;  /* column sums of 8-bit gray rows, when factor > 1 */
} LsGraySink;

/* Size of a factor-reduced side: edge blocks keep the pixels they have. */
static inline int
ls_decode_reduced_side (int side,
                        int factor)
{
  return (side + factor - 1) / factor;
}

void ls_decode_limits_init (LsDecodeLimits *limits,
                            const LsDecodeOptions *opts);
gboolean ls_decode_check_size (const char *name,
                               const char *format,
                               gint64 width,
                               gint64 height,
                               const LsDecodeLimits *limits,
                               GError **error);
int ls_decode_box_factor (int width,
                          int height,
                          int target_size);

gboolean ls_gray_sink_init (LsGraySink *sink,
                            int in_width,
                            int in_height,
                            int factor,
                            const char *name,
                            GError **error);
float *ls_gray_sink_row (LsGraySink *sink);
void ls_gray_sink_commit (LsGraySink *sink);
/* The fast lane for 8-bit gray rows (most radiographs): no float row is made
 * when reducing. An image is pushed through one lane only. */
void ls_gray_sink_push_gray8 (LsGraySink *sink,
                              const guint8 *row);
LsImage *ls_gray_sink_steal (LsGraySink *sink);
void ls_gray_sink_clear (LsGraySink *sink);

/* Row converters to gray [0, 1]: channels 1 = gray, 2 = gray + alpha
 * (ignored), 3 = RGB, 4 = RGBA (alpha ignored). */
void ls_gray_from_u8 (const guint8 *src,
                      int channels,
                      int n,
                      float *dst);
void ls_gray_from_u16 (const guint16 *src,
                       int channels,
                       int n,
                       float *dst);

/* Counts a recoverable problem and keeps the first one's message. */
void ls_decode_note_warning (int *n_warnings,
                             char **first,
                             const char *name,
                             const char *message);
/* Hands the counted warnings to the image (consumes *first). */
void ls_decode_give_warnings (LsImage *image,
                              int n_warnings,
                              char **first);

/* exif.c: the Orientation tag (1–8) of a TIFF structure (the body of a PNG
 * eXIf chunk, or a JPEG APP1 block after its "Exif\0\0" header). Returns 0
 * when the tag is absent, -1 when the structure is broken (with a reason). */
int ls_exif_orientation_from_tiff (const guint8 *data,
                                   gsize size,
                                   const char **reason);
int ls_exif_orientation_from_app1 (const guint8 *data,
                                   gsize size,
                                   const char **reason);
/* Returns the image turned to EXIF orientation 1 (a new image, or @image
 * itself for orientation 1); consumes @image. */
LsImage *ls_image_apply_orientation (LsImage *image,
                                     int orientation);

LsImage *ls_decode_png (const guint8 *data,
                        gsize size,
                        const char *name,
                        const LsDecodeLimits *limits,
                        GError **error);
gboolean ls_probe_png (const guint8 *data,
                       gsize size,
                       const char *name,
                       LsImageInfo *info,
                       GError **error);
LsImage *ls_decode_jpeg (const guint8 *data,
                         gsize size,
                         const char *name,
                         const LsDecodeLimits *limits,
                         GError **error);
gboolean ls_probe_jpeg (const guint8 *data,
                        gsize size,
                        const char *name,
                        LsImageInfo *info,
                        GError **error);
/* decode-dicom.c: a DICOM Part 10 file, with or without its preamble. */
gboolean ls_dicom_sniff (const guint8 *data,
                         gsize size);
/* Where the value of a file's top-level Pixel Data element lies in it:
 * length 0 when the data is compressed or the data set deflated. */
typedef struct
{
  gsize offset;
  gsize length;
} LsDicomSpan;

/* dicom-check.c: every element's length fits, down through sequences, the
 * image is within @limits and single-frame, and RLE data decodes to its
 * size, before GDCM reads the file. @image_bytes (nullable) gets an upper
 * bound of its decoded pixels' size in bytes, @native (nullable) where its
 * native pixel data is. */
gboolean ls_dicom_check_structure (const guint8 *data,
                                   gsize size,
                                   const char *name,
                                   const LsDecodeLimits *limits,
                                   gsize *image_bytes,
                                   LsDicomSpan *native,
                                   GError **error);
/* The size and components a JPEG, JPEG-LS or JPEG 2000 codestream declares
 * in its first bytes; FALSE when none is found. */
gboolean ls_dicom_codestream_size (const guint8 *d,
                                   gsize n,
                                   const char **kind,
                                   gint64 *width,
                                   gint64 *height,
                                   int *components);
LsImage *ls_decode_dicom (const guint8 *data,
                          gsize size,
                          const char *name,
                          const LsDecodeLimits *limits,
                          GError **error);
gboolean ls_probe_dicom (const guint8 *data,
                         gsize size,
                         const char *name,
                         LsImageInfo *info,
                         GError **error);
LsImage *ls_decode_webp (const guint8 *data,
                         gsize size,
                         const char *name,
                         const LsDecodeLimits *limits,
                         GError **error);
gboolean ls_probe_webp (const guint8 *data,
                        gsize size,
                        const char *name,
                        LsImageInfo *info,
                        GError **error);

G_END_DECLS
