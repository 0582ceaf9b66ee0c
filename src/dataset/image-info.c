/* image-info.c — what the import learns about an image's content
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "dataset/image-info.h"
#include "dataset/thumbnail.h"
#include "imaging/decode.h"

gboolean
ls_dataset_image_info (const char *path,
                       GBytes *bytes,
                       LsDatasetImageInfo *info,
                       LsImage **thumbnail,
                       GError **error)
{
  g_autoptr (LsImage) small = NULL;
  LsDecodeOptions options;
  gsize n;
  const guint8 *data = g_bytes_get_data (bytes, &n);

  memset (info, 0, sizeof *info);
  ls_decode_options_init (&options);
  /* One decode at thumbnail size (DCT-scaled for JPEG, box-averaged while
   * decoding for the rest) gives the metadata, the hashes and the
   * thumbnail, and proves the whole file decodes. */
  options.target_size = LS_THUMBNAIL_SIZE;
  small = ls_image_load_bytes (data, n, path, &options, error);
  if (small == NULL)
    return FALSE;
  info->width = small->orig_width;
  info->height = small->orig_height;
  info->bit_depth = small->bit_depth;
  info->color_type = small->color_type;
  info->format = small->format;
  ls_phash_compute (small, &info->phash);
  info->has_phash = TRUE;
  if (thumbnail != NULL)
    *thumbnail = ls_thumbnail_from_image (small, LS_THUMBNAIL_SIZE);
  return TRUE;
}
