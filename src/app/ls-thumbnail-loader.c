/* ls-thumbnail-loader.c — the gallery's thumbnails, loaded in workers
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include "dataset/thumbnail.h"
#include "ls-image-item-private.h"
#include "ls-store-pool.h"
#include "ls-thumbnail-loader.h"
#include "ls-texture.h"

struct _LsThumbnailLoader
{
  guint ref_count; /* the owner and each running load; main thread only */
  gboolean shut_down;
  guint max_in_flight;
  guint max_cached;
  LsThumbnailFailedFunc failed_func;
  gpointer user_data;
  LsThumbnailPriorityFunc priority_func;
  gpointer priority_data;
  int max_side;

  LsStorePool *read_pool;  /* read-only stores, one per running load */
  LsStorePool *write_pool; /* one store that writes missing cache files */
  guint generation;        /* bumps with the workspace */

  GHashTable *bound;   /* item → number of cells showing it */
  GQueue pending;      /* items (ref), the most recently bound at the head */
  GHashTable *queued;  /* item → its GList link in pending */
  GHashTable *running; /* item → GCancellable of its load */
  GQueue lru;          /* items holding a thumbnail (ref), most recent first */
  GHashTable *cached;  /* item → its GList link in lru */
  GHashTable *errors;  /* item (ref) → message */

  LsThumbnailLoaderStats stats;
};

static LsThumbnailLoader *
loader_ref (LsThumbnailLoader *loader)
{
  loader->ref_count++;
  return loader;
}

static void
loader_unref (LsThumbnailLoader *loader)
{
  if (--loader->ref_count > 0)
    return;
  g_assert (loader->pending.length == 0 && loader->lru.length == 0);
  g_hash_table_unref (loader->bound);
  g_hash_table_unref (loader->queued);
  g_hash_table_unref (loader->running);
  g_hash_table_unref (loader->cached);
  g_hash_table_unref (loader->errors);
  g_clear_pointer (&loader->read_pool, ls_store_pool_unref);
  g_clear_pointer (&loader->write_pool, ls_store_pool_unref);
  g_free (loader);
}

LsThumbnailLoader *
ls_thumbnail_loader_new (guint max_in_flight,
                         guint max_cached,
                         LsThumbnailFailedFunc failed,
                         gpointer user_data)
{
  LsThumbnailLoader *loader = g_new0 (LsThumbnailLoader, 1);

  g_return_val_if_fail (max_in_flight > 0, NULL);
  loader->ref_count = 1;
  loader->max_in_flight = max_in_flight;
  loader->max_cached = max_cached;
  loader->failed_func = failed;
  loader->user_data = user_data;
  loader->bound = g_hash_table_new (NULL, NULL);
  loader->queued = g_hash_table_new (NULL, NULL);
  loader->running = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  loader->cached = g_hash_table_new (NULL, NULL);
  loader->errors = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  g_queue_init (&loader->pending);
  g_queue_init (&loader->lru);
  loader->stats.max_in_flight = 0;
  return loader;
}

/* ---- the cache ---- */

static void
cache_touch (LsThumbnailLoader *loader,
             LsImageItem *item)
{
  GList *link = g_hash_table_lookup (loader->cached, item);

  if (link != NULL)
    {
      g_queue_unlink (&loader->lru, link);
      g_queue_push_head_link (&loader->lru, link);
    }
}

static void
cache_evict (LsThumbnailLoader *loader)
{
  GList *link = loader->lru.tail;

  /* The least recent first; items on screen keep theirs, so the cache may
   * grow past its size while more cells show than it holds. */
  while (link != NULL && loader->lru.length > loader->max_cached)
    {
      GList *prev = link->prev;
      LsImageItem *item = link->data;

      if (!g_hash_table_contains (loader->bound, item))
        {
          g_queue_delete_link (&loader->lru, link);
          g_hash_table_remove (loader->cached, item);
          ls_image_item_set_thumbnail (item, NULL);
          g_object_unref (item);
        }
      link = prev;
    }
}

static void
cache_add (LsThumbnailLoader *loader,
           LsImageItem *item,
           GdkTexture *texture)
{
  ls_image_item_set_thumbnail (item, texture);
  if (!g_hash_table_contains (loader->cached, item))
    {
      g_queue_push_head (&loader->lru, g_object_ref (item));
      g_hash_table_insert (loader->cached, item, loader->lru.head);
    }
  else
    cache_touch (loader, item);
  cache_evict (loader);
}

static void
cache_clear (LsThumbnailLoader *loader)
{
  LsImageItem *item;

  while ((item = g_queue_pop_head (&loader->lru)) != NULL)
    {
      ls_image_item_set_thumbnail (item, NULL);
      g_object_unref (item);
    }
  g_hash_table_remove_all (loader->cached);
}

/* ---- loads ---- */

typedef struct
{
  LsThumbnailLoader *loader;
  LsImageItem *item;
  LsStoreImage image; /* what the worker needs of the item's row (copies) */
  LsStorePool *read_pool;
  LsStorePool *write_pool;
  guint generation;
  int max_side;
} Load;

static void
load_free (Load *load)
{
  loader_unref (load->loader);
  g_object_unref (load->item);
  g_free (load->image.sha256);
  g_free (load->image.path);
  g_free (load->image.reference);
  g_free (load->image.original_name);
  ls_store_pool_unref (load->read_pool);
  ls_store_pool_unref (load->write_pool);
  g_free (load);
}

static LsImage *
thumbnail_with (LsStorePool *pool,
                const LsStoreImage *image,
                GError **error)
{
  LsStore *store = ls_store_pool_acquire (pool, error);
  LsImage *thumb;

  if (store == NULL)
    return NULL;
  thumb = ls_store_get_thumbnail (store, image, error);
  ls_store_pool_release (pool, store);
  return thumb;
}

static void
load_worker (GTask *task,
             gpointer source_object,
             gpointer task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr (LsImage) thumb = NULL;
  g_autofree char *file = NULL;
  GError *error = NULL;
  LsStore *store;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  store = ls_store_pool_acquire (load->read_pool, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  file = ls_store_thumbnail_file (store, load->image.sha256);
  if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    thumb = ls_store_get_thumbnail (store, &load->image, &error);
  ls_store_pool_release (load->read_pool, store);
  /* Not in the cache: made from the image and cached (the rare case). */
  if (thumb == NULL && error == NULL && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    thumb = thumbnail_with (load->write_pool, &load->image, &error);
  if (thumb == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (load->max_side > 0 && MAX (thumb->width, thumb->height) > load->max_side)
    {
      LsImage *smaller = ls_thumbnail_from_image (thumb, load->max_side);

      ls_image_free (thumb);
      thumb = smaller;
    }
  g_task_return_pointer (task, ls_texture_new_from_gray (thumb), g_object_unref);
}

static void pump (LsThumbnailLoader *loader);

static void
load_done_cb (GObject *source_object,
              GAsyncResult *res,
              gpointer user_data)
{
  Load *load = g_task_get_task_data (G_TASK (res));
  LsThumbnailLoader *loader = load->loader;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  gboolean current = !loader->shut_down && load->generation == loader->generation;

  texture = g_task_propagate_pointer (G_TASK (res), &error);
  if (!current)
    return;
  loader->stats.in_flight--;
  g_hash_table_remove (loader->running, load->item);
  if (!g_hash_table_contains (loader->bound, load->item))
    loader->stats.cancelled++;
  else if (texture != NULL)
    {
      loader->stats.loaded++;
      cache_add (loader, load->item, texture);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      loader->stats.failed++;
      g_debug ("no thumbnail for %s: %s", load->image.sha256, error->message);
      g_hash_table_replace (loader->errors, g_object_ref (load->item), g_strdup (error->message));
      if (loader->failed_func != NULL)
        loader->failed_func (load->item, error->message, loader->user_data);
    }
  else
    {
      /* Cancelled before it ran, and bound again since: once more. */
      g_queue_push_head (&loader->pending, g_object_ref (load->item));
      g_hash_table_insert (loader->queued, load->item, loader->pending.head);
    }
  pump (loader);
}

static void
start_load (LsThumbnailLoader *loader,
            LsImageItem *item)
{
  const LsStoreImage *image = ls_image_item_get_image (item);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = NULL;
  Load *load = g_new0 (Load, 1);

  load->loader = loader_ref (loader);
  load->item = g_object_ref (item);
  load->image.id = image->id;
  load->image.sha256 = g_strdup (image->sha256);
  load->image.path = g_strdup (image->path);
  load->image.reference = g_strdup (image->reference);
  load->image.original_name = g_strdup (image->original_name);
  load->image.format = image->format;
  load->read_pool = ls_store_pool_ref (loader->read_pool);
  load->write_pool = ls_store_pool_ref (loader->write_pool);
  load->generation = loader->generation;
  load->max_side = loader->max_side;

  g_hash_table_insert (loader->running, item, g_object_ref (cancellable));
  loader->stats.in_flight++;
  loader->stats.max_in_flight = MAX (loader->stats.max_in_flight, loader->stats.in_flight);
  task = g_task_new (NULL, cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, start_load);
  /* A load that finished is kept if its item was bound again meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_worker);
}

/* The pending item to load next: the head, or the one the priority
 * function ranks first (one pass over the few hundred bound at most). */
static GList *
next_pending (LsThumbnailLoader *loader)
{
  GList *best = loader->pending.head;
  double best_priority = G_MAXDOUBLE;

  if (loader->priority_func == NULL)
    return best;
  for (GList *l = loader->pending.head; l != NULL; l = l->next)
    {
      double priority = loader->priority_func (l->data, loader->priority_data);

      if (priority < best_priority)
        {
          best = l;
          best_priority = priority;
        }
    }
  return best;
}

static void
pump (LsThumbnailLoader *loader)
{
  while (loader->stats.in_flight < loader->max_in_flight && loader->pending.length > 0)
    {
      GList *link = next_pending (loader);
      LsImageItem *item = link->data;

      g_queue_delete_link (&loader->pending, link);
      g_hash_table_remove (loader->queued, item);
      start_load (loader, item);
      g_object_unref (item);
    }
}

static void
drop_all (LsThumbnailLoader *loader)
{
  GHashTableIter iter;
  gpointer cancellable;
  LsImageItem *item;

  loader->generation++;
  g_hash_table_iter_init (&iter, loader->running);
  while (g_hash_table_iter_next (&iter, NULL, &cancellable))
    g_cancellable_cancel (cancellable);
  g_hash_table_remove_all (loader->running);
  loader->stats.in_flight = 0;
  while ((item = g_queue_pop_head (&loader->pending)) != NULL)
    g_object_unref (item);
  g_hash_table_remove_all (loader->queued);
  g_hash_table_remove_all (loader->errors);
  cache_clear (loader);
}

/* ---- public API ---- */

void
ls_thumbnail_loader_free (LsThumbnailLoader *loader)
{
  if (loader == NULL)
    return;
  drop_all (loader);
  g_hash_table_remove_all (loader->bound);
  loader->shut_down = TRUE;
  loader_unref (loader);
}

void
ls_thumbnail_loader_set_priority_func (LsThumbnailLoader *loader,
                                       LsThumbnailPriorityFunc func,
                                       gpointer user_data)
{
  loader->priority_func = func;
  loader->priority_data = user_data;
}

void
ls_thumbnail_loader_set_max_side (LsThumbnailLoader *loader,
                                  int max_side)
{
  loader->max_side = MAX (max_side, 0);
}

void
ls_thumbnail_loader_set_workspace (LsThumbnailLoader *loader,
                                   const char *workspace_path)
{
  drop_all (loader);
  g_clear_pointer (&loader->read_pool, ls_store_pool_unref);
  g_clear_pointer (&loader->write_pool, ls_store_pool_unref);
  if (workspace_path == NULL)
    return;
  loader->read_pool = ls_store_pool_new (workspace_path, LS_STORE_OPEN_READ_ONLY,
                                         loader->max_in_flight);
  loader->write_pool = ls_store_pool_new (workspace_path, LS_STORE_OPEN_DEFAULT, 1);
  /* Cells that show items now ask again when they bind. */
}

void
ls_thumbnail_loader_bind (LsThumbnailLoader *loader,
                          LsImageItem *item)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (loader->bound, item));
  GList *link;

  g_hash_table_insert (loader->bound, item, GUINT_TO_POINTER (n + 1));
  if (ls_image_item_get_thumbnail (item) != NULL)
    {
      cache_touch (loader, item);
      return;
    }
  if (loader->read_pool == NULL || g_hash_table_contains (loader->errors, item) ||
      g_hash_table_contains (loader->running, item))
    return;
  link = g_hash_table_lookup (loader->queued, item);
  if (link != NULL)
    {
      g_queue_unlink (&loader->pending, link);
      g_queue_push_head_link (&loader->pending, link);
    }
  else
    {
      g_queue_push_head (&loader->pending, g_object_ref (item));
      g_hash_table_insert (loader->queued, item, loader->pending.head);
    }
  pump (loader);
}

void
ls_thumbnail_loader_unbind (LsThumbnailLoader *loader,
                            LsImageItem *item)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (loader->bound, item));
  GCancellable *cancellable;
  GList *link;

  if (n > 1)
    {
      g_hash_table_insert (loader->bound, item, GUINT_TO_POINTER (n - 1));
      return;
    }
  g_hash_table_remove (loader->bound, item);
  link = g_hash_table_lookup (loader->queued, item);
  if (link != NULL)
    {
      g_hash_table_remove (loader->queued, item);
      g_queue_delete_link (&loader->pending, link);
      g_object_unref (item);
    }
  cancellable = g_hash_table_lookup (loader->running, item);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  cache_evict (loader);
}

const char *
ls_thumbnail_loader_get_error (LsThumbnailLoader *loader,
                               LsImageItem *item)
{
  return g_hash_table_lookup (loader->errors, item);
}

void
ls_thumbnail_loader_get_stats (LsThumbnailLoader *loader,
                               LsThumbnailLoaderStats *stats)
{
  *stats = loader->stats;
  stats->pending = loader->pending.length;
  stats->cached = loader->lru.length;
}
