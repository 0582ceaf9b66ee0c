/* ls-thumbnail-loader.h — the gallery's thumbnails: loaded in workers, a
 * few at a time, newest request first, kept in a small LRU
 *
 * The gallery binds an item when a cell shows it and unbinds it when the
 * cell is recycled. Binding an item without a thumbnail queues a load;
 * unbinding drops a queued load and cancels a running one (its result is
 * dropped unless the item was bound again meanwhile). At most
 * max_in_flight loads run at once, those the priority function ranks first
 * (the gallery: on screen, then nearest to it), so a fast scroll loads what
 * is on screen now, not what flew past or the rows GtkGridView keeps
 * bound beyond the view. Loaded
 * thumbnails go into the item (its thumbnail property) and an LRU of
 * max_cached items; the least recently shown unbound ones lose theirs.
 *
 * Workers read the workspace's thumbnail cache through read-only stores
 * (one per running load, opened once); a thumbnail missing from the cache
 * is made from the image and cached by one writable store.
 *
 * Main thread only.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-image-item.h"

G_BEGIN_DECLS

typedef struct _LsThumbnailLoader LsThumbnailLoader;

/* Called when an item's thumbnail could not be made (@message says why). */
typedef void (*LsThumbnailFailedFunc) (LsImageItem *item,
                                       const char *message,
                                       gpointer user_data);

LsThumbnailLoader *ls_thumbnail_loader_new (guint max_in_flight,
                                            guint max_cached,
                                            LsThumbnailFailedFunc failed,
                                            gpointer user_data);
/* Cancels everything; running loads finish in their workers and are
 * dropped. The callback is not called after this. */
void ls_thumbnail_loader_free (LsThumbnailLoader *loader);

/* How soon an item's thumbnail is wanted: the smallest first (the
 * gallery: its distance from the visible area). Without one, the most
 * recently bound first. */
typedef double (*LsThumbnailPriorityFunc) (LsImageItem *item,
                                           gpointer user_data);

void ls_thumbnail_loader_set_priority_func (LsThumbnailLoader *loader,
                                            LsThumbnailPriorityFunc func,
                                            gpointer user_data);
/* Thumbnails larger than @max_side² are scaled down (area average) in
 * the worker; 0 keeps the cache's size (LS_THUMBNAIL_SIZE). */
void ls_thumbnail_loader_set_max_side (LsThumbnailLoader *loader,
                                       int max_side);

/* The workspace the items come from (NULL: none); drops every queued,
 * running and cached thumbnail of the previous one. */
void ls_thumbnail_loader_set_workspace (LsThumbnailLoader *loader,
                                        const char *workspace_path);
void ls_thumbnail_loader_bind (LsThumbnailLoader *loader,
                               LsImageItem *item);
void ls_thumbnail_loader_unbind (LsThumbnailLoader *loader,
                                 LsImageItem *item);
/* (nullable) why the item's thumbnail could not be made, if it could not. */
const char *ls_thumbnail_loader_get_error (LsThumbnailLoader *loader,
                                           LsImageItem *item);

/* For tests and benchmarks. */
typedef struct
{
  guint in_flight;     /* running now */
  guint max_in_flight; /* the most that ran at once */
  guint pending;       /* queued */
  guint cached;        /* items holding a thumbnail */
  guint loaded;        /* thumbnails made since the start */
  guint cancelled;     /* loads dropped after they had started */
  guint failed;
} LsThumbnailLoaderStats;

void ls_thumbnail_loader_get_stats (LsThumbnailLoader *loader,
                                    LsThumbnailLoaderStats *stats);

G_END_DECLS
