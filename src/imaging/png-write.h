/* png-write.h — writing PNG files atomically and durably
 *
 * Grayscale (8 or 16 bit, from floats in [0, 1] or from bytes) and RGBA8.
 * Every writer goes through a temporary file in the destination's folder,
 * fsync, rename and an fsync of the folder (CHECKLIST 3): a crash or a
 * cancelled run leaves the old file or the new one, never half of one.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_PNG_WRITE_ERROR (ls_png_write_error_quark ())

typedef enum
{
  LS_PNG_WRITE_ERROR_INVALID, /* bad size or bit depth */
  LS_PNG_WRITE_ERROR_IO,      /* the file system refused */
  LS_PNG_WRITE_ERROR_ENCODE,  /* libpng refused */
} LsPngWriteError;

typedef enum
{
  LS_PNG_WRITE_DEFAULT = 0,
  /* Skip the fsync of the folder after the rename. For batches: the caller
   * calls ls_png_sync_folder() once after the last file instead. The file's
   * own data is still synced before the rename. */
  LS_PNG_WRITE_NO_FOLDER_SYNC = 1 << 0,
  /* RGBA8 input is premultiplied by alpha (Cairo's and GDK's layout, byte
   * order R, G, B, A); it is un-premultiplied for PNG. */
  LS_PNG_WRITE_PREMULTIPLIED = 1 << 1,
} LsPngWriteFlags;

GQuark ls_png_write_error_quark (void);

gboolean ls_png_write_gray (const char *path,
                            const float *data,
                            int width,
                            int height,
                            gsize stride,
                            int bit_depth,
                            LsPngWriteFlags flags,
                            GError **error);
gboolean ls_png_write_image (const char *path,
                             const LsImage *image,
                             int bit_depth,
                             LsPngWriteFlags flags,
                             GError **error);
gboolean ls_png_write_gray8 (const char *path,
                             const guint8 *data,
                             int width,
                             int height,
                             gsize stride,
                             LsPngWriteFlags flags,
                             GError **error);
gboolean ls_png_write_rgba8 (const char *path,
                             const guint8 *data,
                             int width,
                             int height,
                             gsize stride,
                             LsPngWriteFlags flags,
                             GError **error);
gboolean ls_png_sync_folder (const char *folder,
                             GError **error);

G_END_DECLS
