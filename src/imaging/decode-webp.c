/* decode-webp.c — WebP with libwebp (still images; lossy and lossless)
 *
 * The header is read with WebPGetFeatures and checked against the limits
 * before the RGB buffer is allocated; libwebp then decodes into that buffer.
 * Alpha is ignored like everywhere else. Animated WebP is refused.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <webp/decode.h>

#include "imaging/decode-private.h"

static gboolean
get_features (const guint8 *data,
              gsize size,
              const char *name,
              WebPBitstreamFeatures *features,
              GError **error)
{
  VP8StatusCode status = WebPGetFeatures (data, size, features);

  switch (status)
    {
    case VP8_STATUS_OK:
      break;
    case VP8_STATUS_NOT_ENOUGH_DATA:
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                   "%s: truncated WebP: the header ends early", name);
      return FALSE;
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: WebP feature not supported", name);
      return FALSE;
    case VP8_STATUS_OUT_OF_MEMORY:
    case VP8_STATUS_INVALID_PARAM:
    case VP8_STATUS_BITSTREAM_ERROR:
    case VP8_STATUS_SUSPENDED:
    case VP8_STATUS_USER_ABORT:
    default:
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                   "%s: corrupt WebP header (libwebp status %d)", name, (int) status);
      return FALSE;
    }
  if (features->has_animation)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: animated WebP is not supported", name);
      return FALSE;
    }
  return TRUE;
}

LsImage *
ls_decode_webp (const guint8 *data,
                gsize size,
                const char *name,
                const LsDecodeLimits *limits,
                GError **error)
{
  WebPBitstreamFeatures features;
  g_autofree guint8 *rgb = NULL;
  LsGraySink sink;
  LsImage *image;
  gsize stride, total;
  int factor;

  if (!get_features (data, size, name, &features, error))
    return NULL;
  if (!ls_decode_check_size (name, "WebP", features.width, features.height, limits, error))
    return NULL;
  stride = (gsize) features.width * 3;
  if (!g_size_checked_mul (&total, stride, (gsize) features.height))
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE, "%s: WebP image too large", name);
      return NULL;
    }
  rgb = g_try_malloc (total);
  if (rgb == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                   "%s: out of memory for a WebP image of %d x %d", name, features.width,
                   features.height);
      return NULL;
    }
  if (WebPDecodeRGBInto (data, size, rgb, total, (int) stride) == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT, "%s: corrupt or truncated WebP data",
                   name);
      return NULL;
    }

  factor = ls_decode_box_factor (features.width, features.height, limits->target_size);
  if (!ls_gray_sink_init (&sink, features.width, features.height, factor, name, error))
    return NULL;
  for (int y = 0; y < features.height; y++)
    {
      ls_gray_from_u8 (rgb + (gsize) y * stride, 3, features.width, ls_gray_sink_row (&sink));
      ls_gray_sink_commit (&sink);
    }

  image = ls_gray_sink_steal (&sink);
  ls_gray_sink_clear (&sink);
  image->orig_width = features.width;
  image->orig_height = features.height;
  image->bit_depth = 8;
  image->color_type = features.has_alpha ? LS_COLOR_TYPE_RGBA : LS_COLOR_TYPE_RGB;
  image->format = LS_IMAGE_FORMAT_WEBP;
  return image;
}

gboolean
ls_probe_webp (const guint8 *data,
               gsize size,
               const char *name,
               LsImageInfo *info,
               GError **error)
{
  WebPBitstreamFeatures features;

  if (!get_features (data, size, name, &features, error))
    return FALSE;
  info->format = LS_IMAGE_FORMAT_WEBP;
  info->width = features.width;
  info->height = features.height;
  info->bit_depth = 8;
  info->color_type = features.has_alpha ? LS_COLOR_TYPE_RGBA : LS_COLOR_TYPE_RGB;
  info->has_alpha = features.has_alpha;
  info->interlaced = FALSE;
  return TRUE;
}
