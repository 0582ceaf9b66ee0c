/* ls-gallery-cell.h — one cell of the gallery: thumbnail, file name, label
 * and predicted-class badges, the out-of-distribution mark
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-image-item.h"

G_BEGIN_DECLS

/* The side of the square a thumbnail is shown in, in pixels. */
#define LS_GALLERY_CELL_THUMB_SIZE 148

#define LS_TYPE_GALLERY_CELL (ls_gallery_cell_get_type ())

G_DECLARE_FINAL_TYPE (LsGalleryCell, ls_gallery_cell, LS, GALLERY_CELL, GtkWidget)

GtkWidget *ls_gallery_cell_new (void);
/* Shows @item (followed through its property notifications until unbind);
 * @classes names the label and prediction indices. */
void ls_gallery_cell_bind (LsGalleryCell *self,
                           LsImageItem *item,
                           const char *const *classes);
void ls_gallery_cell_unbind (LsGalleryCell *self);
/* (nullable) the item shown. */
LsImageItem *ls_gallery_cell_get_item (LsGalleryCell *self);
/* Shows that the thumbnail could not be made, and why (NULL: clears). */
void ls_gallery_cell_set_error (LsGalleryCell *self,
                                const char *message);

G_END_DECLS
