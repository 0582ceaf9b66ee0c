/* ls-texture.c — a gray LsImage as a texture
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "ls-texture.h"

/* Opaque BGRA, premultiplied (GDK_MEMORY_DEFAULT): the format the Cairo
 * renderer draws from without a per-pixel conversion at every frame, which
 * a 3-byte RGB texture costs it. */
GdkTexture *
ls_texture_new_from_gray (const LsImage *image)
{
  gsize n = (gsize) image->width * image->height;
  guint8 *bgra = g_malloc (n * 4);
  g_autoptr (GBytes) bytes = NULL;

  for (gsize i = 0; i < n; i++)
    {
      float v = CLAMP (image->data[i], 0.0f, 1.0f);
      guint8 g = (guint8) lrintf (v * 255.0f);

      bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = g;
      bgra[4 * i + 3] = 255;
    }
  bytes = g_bytes_new_take (bgra, n * 4);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
                                 bytes, (gsize) image->width * 4);
}

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

GPtrArray *
ls_textures_new_from_gray (GPtrArray *images)
{
  GPtrArray *textures = g_ptr_array_new_full (images->len, unref_nullable);

  for (guint i = 0; i < images->len; i++)
    g_ptr_array_add (textures, images->pdata[i] != NULL ? ls_texture_new_from_gray (images->pdata[i]) : NULL);
  return textures;
}
