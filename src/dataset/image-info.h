/* image-info.h — what the import learns about an image's content
 *
 * The one function through which the store gets an image's size, bit
 * depth, colour type, format, near-duplicate hashes and thumbnail: one
 * fast small decode (imaging/decode.h, target size LS_THUMBNAIL_SIZE).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "dataset/phash.h"
#include "imaging/image.h"

G_BEGIN_DECLS

typedef struct
{
  int width; /* as displayed (after EXIF orientation) */
  int height;
  int bit_depth;
  LsColorType color_type;
  LsImageFormat format;
  gboolean has_phash;
  LsPHash phash;
  /* DICOM files only ("" / 0 otherwise): the header's facts. */
  char patient_id[68];
  char modality[20];
  char view_position[20];
  double pixel_spacing[2];
  char *warning; /* not a frontal radiograph (ls_dicom_facts_warning), or NULL; g_free */
} LsDatasetImageInfo;

/* Fills @info from the file's bytes and, with @thumbnail, returns the
 * thumbnail (fits in LS_THUMBNAIL_SIZE²); FALSE with a one-line reason
 * naming @path when the bytes are not a readable PNG, JPEG or WebP image. */
gboolean ls_dataset_image_info (const char *path,
                                GBytes *bytes,
                                LsDatasetImageInfo *info,
                                LsImage **thumbnail,
                                GError **error);

G_END_DECLS
