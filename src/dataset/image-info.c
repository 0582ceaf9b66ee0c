/* image-info.c — what the import learns about an image's content
 *
 * TEMPORARY: until the decoder (src/imaging/decode.h) is merged, this reads
 * only the headers — PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X — and computes
 * no perceptual hash. Once the decoder lands, this function switches to
 * ls_image_probe/ls_image_load (a small decode for the perceptual hash and
 * the thumbnail) and the header reader below goes away.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "dataset/image-info.h"
#include "dataset/store.h"

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint
be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

static guint
le16 (const guint8 *p)
{
  return (guint) p[1] << 8 | p[0];
}

static guint32
le24 (const guint8 *p)
{
  return (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

static gboolean
fail (GError **error,
      const char *path,
      const char *reason)
{
  g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID, "%s: %s", path, reason);
  return FALSE;
}

static gboolean
png_info (const char *path,
          const guint8 *d,
          gsize n,
          LsDatasetImageInfo *info,
          GError **error)
{
  static const LsColorType colors[7] = { LS_COLOR_TYPE_GRAY, LS_COLOR_TYPE_UNKNOWN,
                                         LS_COLOR_TYPE_RGB, LS_COLOR_TYPE_PALETTE,
                                         LS_COLOR_TYPE_GRAY_ALPHA, LS_COLOR_TYPE_UNKNOWN,
                                         LS_COLOR_TYPE_RGBA };

  if (n < 33 || be32 (d + 8) != 13 || memcmp (d + 12, "IHDR", 4) != 0)
    return fail (error, path, "broken PNG: no IHDR chunk");
  info->format = LS_IMAGE_FORMAT_PNG;
  info->width = (int) MIN (be32 (d + 16), (guint32) G_MAXINT);
  info->height = (int) MIN (be32 (d + 20), (guint32) G_MAXINT);
  info->bit_depth = d[24];
  info->color_type = d[25] < 7 ? colors[d[25]] : LS_COLOR_TYPE_UNKNOWN;
  if (info->width == 0 || info->height == 0 || info->color_type == LS_COLOR_TYPE_UNKNOWN)
    return fail (error, path, "broken PNG: bad IHDR values");
  if (n < 12 + 33 || memcmp (d + n - 8, "IEND", 4) != 0)
    return fail (error, path, "truncated PNG: it does not end with an IEND chunk");
  return TRUE;
}

static gboolean
jpeg_info (const char *path,
           const guint8 *d,
           gsize n,
           LsDatasetImageInfo *info,
           GError **error)
{
  gsize i = 2;
  int adobe_transform = -1;

  while (i + 4 <= n)
    {
      guint marker, len;

      if (d[i] != 0xFF)
        return fail (error, path, "broken JPEG: bad marker sequence");
      marker = d[i + 1];
      if (marker == 0xFF)
        {
          i++;
          continue;
        }
      if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
        {
          i += 2;
          continue;
        }
      len = be16 (d + i + 2);
      if (len < 2 || i + 2 + len > n)
        break;
      if (marker == 0xEE && len >= 14 && memcmp (d + i + 4, "Adobe", 5) == 0)
        adobe_transform = d[i + 4 + 11];
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
        {
          int components;

          if (len < 8)
            break;
          info->format = LS_IMAGE_FORMAT_JPEG;
          info->bit_depth = d[i + 4];
          info->height = (int) be16 (d + i + 5);
          info->width = (int) be16 (d + i + 7);
          components = d[i + 9];
          info->color_type = components == 1   ? LS_COLOR_TYPE_GRAY
                             : components == 3 ? (adobe_transform == 0 ? LS_COLOR_TYPE_RGB
                                                                       : LS_COLOR_TYPE_YCBCR)
                             : components == 4 ? (adobe_transform == 2 ? LS_COLOR_TYPE_YCCK
                                                                       : LS_COLOR_TYPE_CMYK)
                                               : LS_COLOR_TYPE_UNKNOWN;
          if (info->width == 0 || info->height == 0 || info->color_type == LS_COLOR_TYPE_UNKNOWN)
            return fail (error, path, "broken JPEG: bad frame header");
          return TRUE;
        }
      if (marker == 0xDA || marker == 0xD9)
        break;
      i += 2 + len;
    }
  return fail (error, path, "broken or truncated JPEG: no frame header");
}

static gboolean
webp_info (const char *path,
           const guint8 *d,
           gsize n,
           LsDatasetImageInfo *info,
           GError **error)
{
  info->format = LS_IMAGE_FORMAT_WEBP;
  info->bit_depth = 8;
  info->color_type = LS_COLOR_TYPE_RGB;
  if (n >= 30 && memcmp (d + 12, "VP8X", 4) == 0)
    {
      if (d[20] & 0x10)
        info->color_type = LS_COLOR_TYPE_RGBA;
      info->width = (int) le24 (d + 24) + 1;
      info->height = (int) le24 (d + 27) + 1;
      return TRUE;
    }
  if (n >= 25 && memcmp (d + 12, "VP8L", 4) == 0 && d[20] == 0x2F)
    {
      guint32 bits = (guint32) d[21] | (guint32) d[22] << 8 | (guint32) d[23] << 16 | (guint32) d[24] << 24;

      info->width = (int) (bits & 0x3FFF) + 1;
      info->height = (int) ((bits >> 14) & 0x3FFF) + 1;
      if (bits & (1u << 28))
        info->color_type = LS_COLOR_TYPE_RGBA;
      return TRUE;
    }
  if (n >= 30 && memcmp (d + 12, "VP8 ", 4) == 0 && d[23] == 0x9D && d[24] == 0x01 && d[25] == 0x2A)
    {
      info->width = (int) (le16 (d + 26) & 0x3FFF);
      info->height = (int) (le16 (d + 28) & 0x3FFF);
      return info->width > 0 && info->height > 0
                 ? TRUE
                 : fail (error, path, "broken WebP: bad frame size");
    }
  return fail (error, path, "broken WebP: no VP8, VP8L or VP8X chunk");
}

gboolean
ls_dataset_image_info (const char *path,
                       GBytes *bytes,
                       LsDatasetImageInfo *info,
                       GError **error)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);

  memset (info, 0, sizeof *info);
  if (n == 0)
    return fail (error, path, "empty file");
  if (n >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return png_info (path, d, n, info, error);
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return jpeg_info (path, d, n, info, error);
  if (n >= 16 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return webp_info (path, d, n, info, error);
  return fail (error, path, "not a PNG, JPEG or WebP image");
}
