/* ls-gallery.h — the workspace's images as a grid of thumbnails
 *
 * A GtkGridView over an LsImageList (filtered and sorted there) with a
 * single selection. Each cell shows the thumbnail (loaded in workers, a few
 * at a time, dropped when the cell is recycled), the file name, the label
 * and the model's latest reading as small badges in the class colours, and
 * a mark on images unlike the training images. Arrow keys move through the
 * grid; Enter or a double click activates an image. When nothing is to be
 * shown the gallery says why (no images, no match for the filter or the
 * search) and shows a spinner while the list loads.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-image-list.h"
#include "ls-thumbnail-loader.h"

G_BEGIN_DECLS

#define LS_TYPE_GALLERY (ls_gallery_get_type ())

G_DECLARE_FINAL_TYPE (LsGallery, ls_gallery, LS, GALLERY, AdwBin)

GtkWidget *ls_gallery_new (void);

/* The list shown (a reference is kept); NULL shows nothing. */
void ls_gallery_set_list (LsGallery *self,
                          LsImageList *list);
LsImageList *ls_gallery_get_list (LsGallery *self);

/* (nullable) the selected image. */
LsImageItem *ls_gallery_get_selected_item (LsGallery *self);
const char *ls_gallery_get_selected_sha256 (LsGallery *self);
/* Selects the image and scrolls to it; NULL, or an image the filter hides,
 * clears the selection. */
void ls_gallery_set_selected_sha256 (LsGallery *self,
                                     const char *sha256);

/* The grid's vertical scrolling, for tests and benchmarks. */
GtkAdjustment *ls_gallery_get_vadjustment (LsGallery *self);
void ls_gallery_get_thumbnail_stats (LsGallery *self,
                                     LsThumbnailLoaderStats *stats);

G_END_DECLS
