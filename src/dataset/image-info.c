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
  if (small->dicom != NULL)
    {
      const LsDicomFacts *f = small->dicom;

      g_strlcpy (info->patient_id, f->patient_id != NULL ? f->patient_id : "", sizeof info->patient_id);
      g_strlcpy (info->modality, f->modality != NULL ? f->modality : "", sizeof info->modality);
      g_strlcpy (info->view_position, f->view_position != NULL ? f->view_position : "",
                 sizeof info->view_position);
      info->pixel_spacing[0] = f->pixel_spacing[0];
      info->pixel_spacing[1] = f->pixel_spacing[1];
      info->warning = ls_dicom_facts_warning (f, path);
    }
  if (thumbnail != NULL)
    *thumbnail = ls_thumbnail_from_image (small, LS_THUMBNAIL_SIZE);
  return TRUE;
}
