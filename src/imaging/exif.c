/* exif.c — the EXIF Orientation tag, and turning an image upright by it
 *
 * Only IFD0's Orientation (0x0112) is read. Every offset and count is
 * checked against the block before it is used (CHECKLIST 15).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "imaging/decode-private.h"

#define TAG_ORIENTATION 0x0112
#define TYPE_SHORT 3
#define MAX_IFD_ENTRIES 1024

static guint16
get16 (const guint8 *p,
       gboolean big_endian)
{
  return big_endian ? (guint16) (p[0] << 8 | p[1]) : (guint16) (p[1] << 8 | p[0]);
}

static guint32
get32 (const guint8 *p,
       gboolean big_endian)
{
  return big_endian ? ((guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3])
                    : ((guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0]);
}

int
ls_exif_orientation_from_tiff (const guint8 *data,
                               gsize size,
                               const char **reason)
{
  gboolean big_endian;
  guint32 ifd;
  guint count;

  *reason = NULL;
  if (size < 8)
    {
      *reason = "EXIF block too short for a TIFF header";
      return -1;
    }
  if (memcmp (data, "II", 2) == 0)
    big_endian = FALSE;
  else if (memcmp (data, "MM", 2) == 0)
    big_endian = TRUE;
  else
    {
      *reason = "EXIF block has no TIFF byte-order mark";
      return -1;
    }
  if (get16 (data + 2, big_endian) != 42)
    {
      *reason = "EXIF block has a bad TIFF magic number";
      return -1;
    }
  ifd = get32 (data + 4, big_endian);
  if (ifd < 8 || ifd > size - 2)
    {
      *reason = "EXIF IFD0 offset points outside the block";
      return -1;
    }
  count = get16 (data + ifd, big_endian);
  if (count > MAX_IFD_ENTRIES || (gsize) count * 12 > size - ifd - 2)
    {
      *reason = "EXIF IFD0 entry count runs past the block";
      return -1;
    }
  for (guint i = 0; i < count; i++)
    {
      const guint8 *entry = data + ifd + 2 + (gsize) i * 12;
      guint16 value;

      if (get16 (entry, big_endian) != TAG_ORIENTATION)
        continue;
      if (get16 (entry + 2, big_endian) != TYPE_SHORT || get32 (entry + 4, big_endian) < 1)
        {
          *reason = "EXIF Orientation tag is not a SHORT";
          return -1;
        }
      /* One SHORT fits in the value field: it sits in its first two bytes. */
      value = get16 (entry + 8, big_endian);
      if (value < 1 || value > 8)
        {
          *reason = "EXIF Orientation value is outside 1–8";
          return -1;
        }
      return value;
    }
  return 0;
}

int
ls_exif_orientation_from_app1 (const guint8 *data,
                               gsize size,
                               const char **reason)
{
  *reason = NULL;
  if (size < 6 || memcmp (data, "Exif\0\0", 6) != 0)
    return 0; /* another APP1 block (XMP): not ours */
  return ls_exif_orientation_from_tiff (data + 6, size - 6, reason);
}

/* Source coordinates of output pixel (x, y) for each orientation, on a
 * source of w × h: out(x, y) = in(sx, sy). Orientations 5–8 swap sides. */
LsImage *
ls_image_apply_orientation (LsImage *image,
                            int orientation)
{
  int w = image->width, h = image->height;
  gboolean swap = orientation >= 5;
  int ow = swap ? h : w, oh = swap ? w : h;
  const float *in = image->data;
  LsImage *out;

  if (orientation < 2 || orientation > 8)
    return image;

  out = ls_image_new (ow, oh);
  for (int y = 0; y < oh; y++)
    {
      float *row = out->data + (gsize) y * ow;

      for (int x = 0; x < ow; x++)
        {
          int sx, sy;

          switch (orientation)
            {
            case 2: /* mirrored left–right */
              sx = w - 1 - x, sy = y;
              break;
            case 3: /* rotated 180° */
              sx = w - 1 - x, sy = h - 1 - y;
              break;
            case 4: /* mirrored top–bottom */
              sx = x, sy = h - 1 - y;
              break;
            case 5: /* transposed */
              sx = y, sy = x;
              break;
            case 6: /* stored rotated 90° counter-clockwise: turn clockwise */
              sx = y, sy = h - 1 - x;
              break;
            case 7: /* transversed */
              sx = w - 1 - y, sy = h - 1 - x;
              break;
            case 8: /* stored rotated 90° clockwise: turn counter-clockwise */
            default:
              sx = w - 1 - y, sy = x;
              break;
            }
          row[x] = in[(gsize) sy * w + sx];
        }
    }

  out->orig_width = swap ? image->orig_height : image->orig_width;
  out->orig_height = swap ? image->orig_width : image->orig_height;
  out->bit_depth = image->bit_depth;
  out->color_type = image->color_type;
  out->format = image->format;
  out->orientation = orientation;
  out->source = g_steal_pointer (&image->source);
  out->n_warnings = image->n_warnings;
  out->warning = g_steal_pointer (&image->warning);
  ls_image_free (image);
  return out;
}
