/* thumbnail.h — the workspace's thumbnail cache (cache/thumbs/ab/<sha>.png)
 *
 * Thumbnails are 8-bit gray PNG files that fit in LS_THUMBNAIL_SIZE² and
 * never upscale; they are made from the decoder's fast small decode during
 * import and rebuilt on demand when the cache was deleted. Cache files are
 * written atomically (temp + rename) but not fsync'ed: losing one costs a
 * rebuild, nothing else.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "dataset/store.h"

G_BEGIN_DECLS

#define LS_THUMBNAIL_SIZE 256

/* An area-averaged copy of @image that fits in @max_side² (or a copy when
 * it already fits). */
LsImage *ls_thumbnail_from_image (const LsImage *image,
                                  int max_side);
/* The cache file of an image's thumbnail. */
char *ls_store_thumbnail_file (LsStore *store,
                               const char *sha256);
/* Writes @thumbnail (values in [0, 1]) as the image's cached thumbnail. */
gboolean ls_store_save_thumbnail (LsStore *store,
                                  const char *sha256,
                                  const LsImage *thumbnail,
                                  GError **error);

/* The image's thumbnail: from the cache, or rebuilt from the image's
 * (hash-verified) bytes and cached again when the workspace is writable. */
LsImage *ls_store_get_thumbnail (LsStore *store,
                                 const LsStoreImage *image,
                                 GError **error);

G_END_DECLS
