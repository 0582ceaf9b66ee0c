/* ls-image-list.h — the workspace's images as a GListModel: filter, sort,
 * search
 *
 * A GListModel of LsImageItem: the images of one workspace that pass the
 * filter and the search, in the chosen order. Loading reads the whole list
 * (images, current labels, the latest prediction of each) in a worker with
 * two queries; updates read only the images named. The classes come from
 * the workspace's store.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-image-item.h"

G_BEGIN_DECLS

typedef enum
{
  LS_IMAGE_FILTER_ALL,
  LS_IMAGE_FILTER_UNLABELLED,
  LS_IMAGE_FILTER_LABEL,     /* labelled as the class in the filter-class property */
  LS_IMAGE_FILTER_DISAGREES, /* labelled and predicted, and the two differ */
  LS_IMAGE_FILTER_UNCERTAIN, /* uncertainty ≥ ls_image_list_get_uncertain_threshold() */
  LS_IMAGE_FILTER_OOD,       /* the latest prediction found it out of distribution */
} LsImageFilter;

typedef enum
{
  LS_IMAGE_SORT_NAME,        /* file name, natural order ("img2" before "img10") */
  LS_IMAGE_SORT_ADDED,       /* newest first */
  LS_IMAGE_SORT_UNCERTAINTY, /* most uncertain first; images without a prediction last */
} LsImageSort;

/* "Uncertain" means an entropy of at least this fraction of the largest
 * possible, ln (number of classes): 0.549 nats for three classes, which
 * 0.70/0.25/0.05 reaches (0.75) and 0.85/0.10/0.05 does not (0.52). */
#define LS_IMAGE_LIST_UNCERTAIN_FRACTION 0.5

#define LS_TYPE_IMAGE_FILTER (ls_image_filter_get_type ())
#define LS_TYPE_IMAGE_SORT (ls_image_sort_get_type ())
GType ls_image_filter_get_type (void);
GType ls_image_sort_get_type (void);

#define LS_TYPE_IMAGE_LIST (ls_image_list_get_type ())

G_DECLARE_FINAL_TYPE (LsImageList, ls_image_list, LS, IMAGE_LIST, GObject)

LsImageList *ls_image_list_new (void) G_GNUC_WARN_UNUSED_RESULT;

/* Reads the workspace's images in a worker (the store opened read-only)
 * and replaces the list's contents with them; a failed load leaves the
 * list as it was. A second load makes the first fail with
 * G_IO_ERROR_CANCELLED. */
void ls_image_list_load_async (LsImageList *self,
                               const char *workspace_path,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean ls_image_list_load_finish (LsImageList *self,
                                    GAsyncResult *result,
                                    GError **error);

/* Reads the images @sha256 (full hashes) again in a worker: items already in
 * the list take their new label and latest prediction (notifying what
 * changed; filter and order follow), new images are appended. Call it after
 * a label, a prediction or an import. Hashes that name no image are
 * ignored. Only after a load. */
void ls_image_list_update_async (LsImageList *self,
                                 const char *const *sha256,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean ls_image_list_update_finish (LsImageList *self,
                                      GAsyncResult *result,
                                      GError **error);
/* ls_image_list_update_async() of one image; a failure is logged as a
 * warning. */
void ls_image_list_reload_item (LsImageList *self,
                                const char *sha256);

/* (nullable) the folder of the workspace last loaded (notified before its
 * items arrive). */
const char *ls_image_list_get_workspace_path (LsImageList *self);
/* (nullable) the workspace's classes in output order; NULL before a load. */
const char *const *ls_image_list_get_classes (LsImageList *self);
guint ls_image_list_get_n_classes (LsImageList *self);
/* TRUE while a load runs. */
gboolean ls_image_list_get_loading (LsImageList *self);
/* Items that pass the filter and search (g_list_model_get_n_items). */
guint ls_image_list_get_n_items (LsImageList *self);
/* All the workspace's images. */
guint ls_image_list_get_n_total (LsImageList *self);
/* (transfer none) every item, in import order, whatever the filter. */
GListModel *ls_image_list_get_all (LsImageList *self);
/* (transfer none) (nullable) the item of an image, filtered out or not. */
LsImageItem *ls_image_list_lookup (LsImageList *self,
                                   const char *sha256);
/* The item's position in the filtered, sorted list, or
 * GTK_INVALID_LIST_POSITION. */
guint ls_image_list_find (LsImageList *self,
                          const char *sha256);
/* The entropy (nats) from which an image counts as uncertain, for the
 * loaded classes (NAN before a load). */
double ls_image_list_get_uncertain_threshold (LsImageList *self);

LsImageFilter ls_image_list_get_filter (LsImageList *self);
/* The class the LS_IMAGE_FILTER_LABEL filter keeps. */
int ls_image_list_get_filter_class (LsImageList *self);
/* Sets the filter and, for LS_IMAGE_FILTER_LABEL, its class (≥ 0; any
 * value, -1 say, is ignored with the other filters) in one change. */
void ls_image_list_set_filter (LsImageList *self,
                               LsImageFilter filter,
                               int filter_class);
LsImageSort ls_image_list_get_sort (LsImageList *self);
void ls_image_list_set_sort (LsImageList *self,
                             LsImageSort sort);
/* Queue mode: only the images @sha256 (full hashes, a review queue), in
 * that order, whatever the filter and sort (the search still applies);
 * NULL leaves queue mode. Hashes that name no image are skipped. */
void ls_image_list_set_queue (LsImageList *self,
                              const char *const *sha256);
gboolean ls_image_list_get_in_queue_mode (LsImageList *self);
const char *ls_image_list_get_search (LsImageList *self);
/* Keeps the images whose file name contains @search (case-insensitive);
 * NULL or "" keeps all. */
void ls_image_list_set_search (LsImageList *self,
                               const char *search);

G_END_DECLS
