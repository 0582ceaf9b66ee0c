/* ls-image-item.h — one workspace image as the gallery shows it
 *
 * An immutable-looking snapshot of an image's row, its current label and
 * its latest prediction. Only LsImageList changes it (when it reloads the
 * image after a new label or prediction) and LsGallery (its thumbnail); both
 * notify the properties that changed. Main thread only once it is in a list.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "dataset/store.h"

G_BEGIN_DECLS

#define LS_TYPE_IMAGE_ITEM (ls_image_item_get_type ())

G_DECLARE_FINAL_TYPE (LsImageItem, ls_image_item, LS, IMAGE_ITEM, GObject)

/* The same string for the item's life. */
const char *ls_image_item_get_sha256 (LsImageItem *self);
/* The file's name at import (a base name). */
const char *ls_image_item_get_name (LsImageItem *self);
/* When the image was imported: µs since the epoch, UTC. */
gint64 ls_image_item_get_added (LsImageItem *self);
/* The current label as an index in the list's classes, or -1. */
int ls_image_item_get_label (LsImageItem *self);
/* The latest prediction's class index, or -1 without one. */
int ls_image_item_get_predicted (LsImageItem *self);
/* The latest prediction's probability of its class, NAN without one. */
double ls_image_item_get_confidence (LsImageItem *self);
/* Entropy (nats) of the latest prediction's probabilities, NAN without one. */
double ls_image_item_get_uncertainty (LsImageItem *self);
/* The latest prediction found the image unlike the training images. */
gboolean ls_image_item_get_ood (LsImageItem *self);
/* (nullable) the latest prediction's model. */
const char *ls_image_item_get_model_id (LsImageItem *self);
/* (nullable) the latest prediction's probabilities in class order
 * (*@n_classes of them); NULL without a prediction. */
const double *ls_image_item_get_probabilities (LsImageItem *self,
                                               guint *n_classes);
/* (nullable) the thumbnail, NULL until a gallery loaded it. */
GdkTexture *ls_image_item_get_thumbnail (LsImageItem *self);
/* The store's row (path of the bytes, size, format); its label field is
 * the one at load time: use ls_image_item_get_label(). */
const LsStoreImage *ls_image_item_get_image (LsImageItem *self);

G_END_DECLS
