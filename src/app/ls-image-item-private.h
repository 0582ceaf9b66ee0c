/* ls-image-item-private.h — what LsImageList and LsGallery do to items
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-image-item.h"

G_BEGIN_DECLS

/* A new item (any thread) from @image (transfer full) and its latest
 * @prediction (or NULL), classes as the workspace orders them. */
LsImageItem *ls_image_item_new (LsStoreImage *image,
                                const LsStorePrediction *prediction,
                                const char *const *classes);
/* Takes @from's row, label and prediction (main thread), leaving @from
 * spent (only to be unreferenced); notifies what changed; returns TRUE when
 * anything did. The thumbnail stays. */
gboolean ls_image_item_update (LsImageItem *self,
                               LsImageItem *from);
void ls_image_item_set_thumbnail (LsImageItem *self,
                                  GdkTexture *thumbnail);
/* The name's sort key (natural order: "img2" before "img10"). */
const char *ls_image_item_get_sort_key (LsImageItem *self);
/* The name case-folded, for search. */
const char *ls_image_item_get_search_key (LsImageItem *self);

G_END_DECLS
