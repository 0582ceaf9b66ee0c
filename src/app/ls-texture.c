/* ls-texture.c — a gray LsImage as a texture
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "ls-texture.h"

GdkTexture *
ls_texture_new_from_gray (const LsImage *image)
{
  gsize n = (gsize) image->width * image->height;
  guint8 *rgb = g_malloc (n * 3);
  g_autoptr (GBytes) bytes = NULL;

  for (gsize i = 0; i < n; i++)
    {
      float v = CLAMP (image->data[i], 0.0f, 1.0f);
      guint8 g = (guint8) lrintf (v * 255.0f);

      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = g;
    }
  bytes = g_bytes_new_take (rgb, n * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}
