/* ls-texture.h — a gray LsImage as a texture GTK 4.8 can draw
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "imaging/image.h"

G_BEGIN_DECLS

/* An opaque 8-bit BGRA texture of @image's values in [0, 1] (GTK 4.8 has
 * no gray memory format). Safe in a worker thread. */
GdkTexture *ls_texture_new_from_gray (const LsImage *image) G_GNUC_WARN_UNUSED_RESULT;
/* (element-type GdkTexture) a texture for each image of @images (LsImage),
 * NULL for NULL. Safe in a worker thread. */
GPtrArray *ls_textures_new_from_gray (GPtrArray *images) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
