/* ls-image-list.c — the workspace's images as a GListModel: filter, sort,
 * search
 *
 * All items sit in a GListStore in import order, with a hash table from
 * SHA-256 to item; a GtkFilterListModel (filter and search) and a
 * GtkSortListModel over it give the list this object forwards. Filtering and
 * sorting read only fields computed in the worker (sort keys, entropy), so
 * a change of filter or order over 5000 images costs a few milliseconds.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ls-image-item-private.h"
#include "ls-image-list.h"
#include "ls-store-pool.h"

/* Up to this many images an update asks for each one; more read the whole
 * list (two queries) and pick. */
#define UPDATE_ONE_BY_ONE_MAX 32

struct _LsImageList
{
  GObject parent_instance;

  GListStore *all;
  GHashTable *by_sha; /* the item's sha256 → item (borrowed from all) */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkCustomSorter *sorter;
  GtkSortListModel *sorted;
  guint n_items; /* of sorted, as last announced */

  char *path;
  GStrv classes;
  double uncertain_threshold;
  LsStorePool *pool;
  guint generation; /* bumps with each load; older results are dropped */
  guint loads_running;

  LsImageFilter filter_kind;
  int filter_class;
  LsImageSort sort;
  char *search;
  char *search_key;  /* case-folded, or NULL for none */
  GHashTable *queue; /* queue mode: sha256 (owned) → rank + 1; else NULL */
};

static void ls_image_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LsImageList, ls_image_list, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, ls_image_list_model_init))

G_DEFINE_ENUM_TYPE (LsImageFilter, ls_image_filter, G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_ALL, "all"), G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_UNLABELLED, "unlabelled"), G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_LABEL, "label"), G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_DISAGREES, "disagrees"), G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_UNCERTAIN, "uncertain"), G_DEFINE_ENUM_VALUE (LS_IMAGE_FILTER_OOD, "ood"))

G_DEFINE_ENUM_TYPE (LsImageSort, ls_image_sort, G_DEFINE_ENUM_VALUE (LS_IMAGE_SORT_NAME, "name"), G_DEFINE_ENUM_VALUE (LS_IMAGE_SORT_ADDED, "added"), G_DEFINE_ENUM_VALUE (LS_IMAGE_SORT_UNCERTAINTY, "uncertainty"))

enum
{
  PROP_0,
  PROP_WORKSPACE_PATH,
  PROP_CLASSES,
  PROP_LOADING,
  PROP_N_ITEMS,
  PROP_N_TOTAL,
  PROP_FILTER,
  PROP_FILTER_CLASS,
  PROP_SORT,
  PROP_SEARCH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- GListModel ---- */

static GType
ls_image_list_get_item_type (GListModel *model)
{
  return LS_TYPE_IMAGE_ITEM;
}

static guint
ls_image_list_model_get_n_items (GListModel *model)
{
  LsImageList *self = LS_IMAGE_LIST (model);

  return g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
}

static gpointer
ls_image_list_get_item (GListModel *model,
                        guint position)
{
  LsImageList *self = LS_IMAGE_LIST (model);

  return g_list_model_get_item (G_LIST_MODEL (self->sorted), position);
}

static void
ls_image_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ls_image_list_get_item_type;
  iface->get_n_items = ls_image_list_model_get_n_items;
  iface->get_item = ls_image_list_get_item;
}

static void
sorted_items_changed_cb (GListModel *model,
                         guint position,
                         guint removed,
                         guint added,
                         LsImageList *self)
{
  guint n = g_list_model_get_n_items (model);

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (n != self->n_items)
    {
      self->n_items = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

static void
all_items_changed_cb (GListModel *model,
                      guint position,
                      guint removed,
                      guint added,
                      LsImageList *self)
{
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
}

/* ---- filter and order ---- */

static gboolean
filter_func (gpointer object,
             gpointer user_data)
{
  LsImageList *self = user_data;
  LsImageItem *item = object;
  int label, predicted;

  if (self->search_key != NULL && strstr (ls_image_item_get_search_key (item), self->search_key) == NULL)
    return FALSE;
  if (self->queue != NULL)
    return g_hash_table_contains (self->queue, ls_image_item_get_sha256 (item));
  switch (self->filter_kind)
    {
    case LS_IMAGE_FILTER_ALL:
      return TRUE;
    case LS_IMAGE_FILTER_UNLABELLED:
      return ls_image_item_get_label (item) < 0;
    case LS_IMAGE_FILTER_LABEL:
      return ls_image_item_get_label (item) == self->filter_class;
    case LS_IMAGE_FILTER_DISAGREES:
      label = ls_image_item_get_label (item);
      predicted = ls_image_item_get_predicted (item);
      return label >= 0 && predicted >= 0 && label != predicted;
    case LS_IMAGE_FILTER_UNCERTAIN:
      /* NAN (no prediction) compares false. */
      return ls_image_item_get_uncertainty (item) >= self->uncertain_threshold;
    case LS_IMAGE_FILTER_OOD:
      return ls_image_item_get_ood (item);
    default:
      g_assert_not_reached ();
    }
}

static int
compare_names (LsImageItem *a,
               LsImageItem *b)
{
  int c = strcmp (ls_image_item_get_sort_key (a), ls_image_item_get_sort_key (b));

  return c != 0 ? c : strcmp (ls_image_item_get_sha256 (a), ls_image_item_get_sha256 (b));
}

static int
sort_func (gconstpointer pa,
           gconstpointer pb,
           gpointer user_data)
{
  LsImageList *self = user_data;
  LsImageItem *a = (LsImageItem *) pa, *b = (LsImageItem *) pb;
  gint64 ta, tb;
  double ua, ub;

  if (self->queue != NULL)
    {
      guint ra = GPOINTER_TO_UINT (g_hash_table_lookup (self->queue, ls_image_item_get_sha256 (a)));
      guint rb = GPOINTER_TO_UINT (g_hash_table_lookup (self->queue, ls_image_item_get_sha256 (b)));

      if (ra != rb)
        return ra < rb ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
    }
  switch (self->sort)
    {
    case LS_IMAGE_SORT_NAME:
      break;
    case LS_IMAGE_SORT_ADDED:
      ta = ls_image_item_get_added (a);
      tb = ls_image_item_get_added (b);
      if (ta != tb)
        return ta > tb ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
      break;
    case LS_IMAGE_SORT_UNCERTAINTY:
      ua = ls_image_item_get_uncertainty (a);
      ub = ls_image_item_get_uncertainty (b);
      if (isnan (ua) != isnan (ub))
        return isnan (ua) ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
      if (!isnan (ua) && ua != ub)
        return ua > ub ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
      break;
    default:
      g_assert_not_reached ();
    }
  return gtk_ordering_from_cmpfunc (compare_names (a, b));
}

static double
uncertain_threshold_for (guint n_classes)
{
  /* With one class nothing is uncertain. */
  return n_classes >= 2 ? LS_IMAGE_LIST_UNCERTAIN_FRACTION * log ((double) n_classes) : INFINITY;
}

/* ---- loading ---- */

typedef struct
{
  LsStorePool *pool;
  guint generation;
  GStrv classes; /* update: the loaded classes, so indices stay the same */
  GStrv sha256;  /* update: the images to read */
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->pool, ls_store_pool_unref);
  g_strfreev (job->classes);
  g_strfreev (job->sha256);
  g_free (job);
}

typedef struct
{
  GStrv classes;
  GPtrArray *items; /* LsImageItem */
} JobResult;

static void
job_result_free (JobResult *result)
{
  g_strfreev (result->classes);
  g_clear_pointer (&result->items, g_ptr_array_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobResult, job_result_free)

/* Items for @images (stolen from the array), matched by image id with
 * @predictions; both in import order. Only those in @wanted when it is
 * not NULL. */
static GPtrArray *
make_items (GPtrArray *images,
            GPtrArray *predictions,
            const char *const *classes,
            GHashTable *wanted)
{
  GPtrArray *items = g_ptr_array_new_full (images->len, g_object_unref);
  guint p = 0;

  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *image = images->pdata[i];
      const LsStorePrediction *prediction = NULL;

      while (p < predictions->len &&
             ((LsStorePrediction *) predictions->pdata[p])->image_id < image->id)
        p++;
      if (p < predictions->len && ((LsStorePrediction *) predictions->pdata[p])->image_id == image->id)
        prediction = predictions->pdata[p];
      if (wanted != NULL && !g_hash_table_contains (wanted, image->sha256))
        continue;
      images->pdata[i] = NULL;
      g_ptr_array_add (items, ls_image_item_new (image, prediction, classes));
    }
  return items;
}

static void
load_worker (GTask *task,
             gpointer source_object,
             gpointer task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr (JobResult) result = g_new0 (JobResult, 1);
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) predictions = NULL;
  GError *error = NULL;
  LsStore *store;

  store = ls_store_pool_acquire (job->pool, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  result->classes = ls_store_get_classes (store, &error);
  if (result->classes != NULL)
    images = ls_store_list_images (store, &error);
  if (images != NULL && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    predictions = ls_store_latest_predictions (store, NULL, NULL, &error);
  ls_store_pool_release (job->pool, store);
  if (predictions == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  result->items = make_items (images, predictions, (const char *const *) result->classes, NULL);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) job_result_free);
}

static void
set_loading (LsImageList *self,
             gboolean start)
{
  gboolean was = self->loads_running > 0;

  if (start)
    self->loads_running++;
  else
    self->loads_running--;
  if (was != (self->loads_running > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
apply_load (LsImageList *self,
            LsStorePool *pool,
            JobResult *result)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->all));
  gboolean classes_changed = self->classes == NULL ||
                             !g_strv_equal ((const char *const *) self->classes,
                                            (const char *const *) result->classes);

  g_hash_table_remove_all (self->by_sha);
  for (guint i = 0; i < result->items->len; i++)
    {
      LsImageItem *item = result->items->pdata[i];

      g_hash_table_replace (self->by_sha, (gpointer) ls_image_item_get_sha256 (item), item);
    }
  /* The workspace first: a gallery loads the new items' thumbnails from it. */
  if (self->pool != pool)
    {
      g_clear_pointer (&self->pool, ls_store_pool_unref);
      self->pool = ls_store_pool_ref (pool);
      g_free (self->path);
      self->path = g_strdup (ls_store_pool_get_path (pool));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE_PATH]);
    }
  if (classes_changed)
    {
      g_strfreev (self->classes);
      self->classes = g_steal_pointer (&result->classes);
      self->uncertain_threshold = uncertain_threshold_for (g_strv_length (self->classes));
      if (self->filter_class >= (int) g_strv_length (self->classes))
        self->filter_class = 0;
    }
  /* The filter and the sorter read the new threshold from here on. */
  g_list_store_splice (self->all, 0, n_old, result->items->pdata, result->items->len);
  if (classes_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSES]);
}

static void
load_done_cb (GObject *source_object,
              GAsyncResult *res,
              gpointer user_data)
{
  LsImageList *self = LS_IMAGE_LIST (source_object);
  g_autoptr (GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (res));
  g_autoptr (JobResult) result = NULL;
  GError *error = NULL;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  set_loading (self, FALSE);
  if (result != NULL && job->generation != self->generation)
    {
      g_clear_pointer (&result, job_result_free);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "replaced by a later load");
    }
  if (result == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  apply_load (self, job->pool, result);
  g_task_return_boolean (outer, TRUE);
}

void
ls_image_list_load_async (LsImageList *self,
                          const char *workspace_path,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) inner = NULL;
  GTask *outer;
  Job *job;

  g_return_if_fail (LS_IS_IMAGE_LIST (self));
  g_return_if_fail (workspace_path != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, ls_image_list_load_async);

  self->generation++;
  job = g_new0 (Job, 1);
  /* One read-only connection, kept for the updates; the list takes the
   * new workspace's only when its load succeeds. */
  if (self->pool != NULL && g_strcmp0 (self->path, workspace_path) == 0)
    job->pool = ls_store_pool_ref (self->pool);
  else
    job->pool = ls_store_pool_new (workspace_path, LS_STORE_OPEN_READ_ONLY, 1);
  job->generation = self->generation;
  set_loading (self, TRUE);

  inner = g_task_new (self, cancellable, load_done_cb, outer);
  g_task_set_source_tag (inner, load_worker);
  g_task_set_task_data (inner, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (inner, load_worker);
}

gboolean
ls_image_list_load_finish (LsImageList *self,
                           GAsyncResult *result,
                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ls_image_list_load_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- updates ---- */

static gboolean
add_one (LsStore *store,
         const char *sha256,
         const char *const *classes,
         GPtrArray *items,
         GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LsStoreImage) image = NULL;
  g_autoptr (GPtrArray) predictions = NULL;

  image = ls_store_find_image (store, sha256, &local);
  if (image == NULL)
    {
      if (g_error_matches (local, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND) ||
          g_error_matches (local, LS_STORE_ERROR, LS_STORE_ERROR_INVALID))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* A prefix of another image's hash is not this image. */
  if (strcmp (image->sha256, sha256) != 0)
    return TRUE;
  predictions = ls_store_latest_predictions (store, NULL, sha256, error);
  if (predictions == NULL)
    return FALSE;
  g_ptr_array_add (items,
                   ls_image_item_new (g_steal_pointer (&image),
                                      predictions->len > 0 ? predictions->pdata[0] : NULL, classes));
  return TRUE;
}

static void
update_worker (GTask *task,
               gpointer source_object,
               gpointer task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  const char *const *classes = (const char *const *) job->classes;
  g_autoptr (JobResult) result = g_new0 (JobResult, 1);
  GError *error = NULL;
  guint n = g_strv_length (job->sha256);
  gboolean ok = TRUE;
  LsStore *store;

  store = ls_store_pool_acquire (job->pool, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (n <= UPDATE_ONE_BY_ONE_MAX)
    {
      result->items = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; ok && i < n; i++)
        ok = !g_cancellable_set_error_if_cancelled (cancellable, &error) &&
             add_one (store, job->sha256[i], classes, result->items, &error);
    }
  else
    {
      g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
      g_autoptr (GPtrArray) predictions = NULL;
      g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);

      if (images != NULL)
        predictions = ls_store_latest_predictions (store, NULL, NULL, &error);
      ok = predictions != NULL;
      if (ok)
        {
          for (guint i = 0; i < n; i++)
            g_hash_table_add (wanted, job->sha256[i]);
          result->items = make_items (images, predictions, classes, wanted);
        }
    }
  ls_store_pool_release (job->pool, store);
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) job_result_free);
}

static void
apply_update (LsImageList *self,
              JobResult *result)
{
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  gboolean changed = FALSE;

  for (guint i = 0; i < result->items->len; i++)
    {
      LsImageItem *item = result->items->pdata[i];
      LsImageItem *old = g_hash_table_lookup (self->by_sha, ls_image_item_get_sha256 (item));

      if (old != NULL)
        changed |= ls_image_item_update (old, item);
      else
        {
          g_hash_table_replace (self->by_sha, (gpointer) ls_image_item_get_sha256 (item), item);
          g_ptr_array_add (added, item);
        }
    }
  if (changed)
    {
      gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
      if (self->sort == LS_IMAGE_SORT_UNCERTAINTY)
        gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
    }
  if (added->len > 0)
    g_list_store_splice (self->all, g_list_model_get_n_items (G_LIST_MODEL (self->all)), 0,
                         added->pdata, added->len);
}

static void
update_done_cb (GObject *source_object,
                GAsyncResult *res,
                gpointer user_data)
{
  LsImageList *self = LS_IMAGE_LIST (source_object);
  g_autoptr (GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (res));
  g_autoptr (JobResult) result = NULL;
  GError *error = NULL;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  if (result == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }
  /* An update read before a newer load began describes the old list. */
  if (job->generation == self->generation)
    apply_update (self, result);
  g_task_return_boolean (outer, TRUE);
}

void
ls_image_list_update_async (LsImageList *self,
                            const char *const *sha256,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) inner = NULL;
  GTask *outer;
  Job *job;

  g_return_if_fail (LS_IS_IMAGE_LIST (self));
  g_return_if_fail (sha256 != NULL);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, ls_image_list_update_async);
  if (self->pool == NULL || self->classes == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "cannot update the image list: no workspace was loaded");
      g_object_unref (outer);
      return;
    }
  job = g_new0 (Job, 1);
  job->pool = ls_store_pool_ref (self->pool);
  job->generation = self->generation;
  job->classes = g_strdupv (self->classes);
  job->sha256 = g_strdupv ((char **) sha256);

  inner = g_task_new (self, cancellable, update_done_cb, outer);
  g_task_set_source_tag (inner, update_worker);
  g_task_set_task_data (inner, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (inner, update_worker);
}

gboolean
ls_image_list_update_finish (LsImageList *self,
                             GAsyncResult *result,
                             GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ls_image_list_update_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
reload_item_cb (GObject *source_object,
                GAsyncResult *res,
                gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sha256 = user_data;

  if (!ls_image_list_update_finish (LS_IMAGE_LIST (source_object), res, &error))
    g_warning ("cannot read image %s again: %s", sha256, error->message);
}

void
ls_image_list_reload_item (LsImageList *self,
                           const char *sha256)
{
  const char *one[] = { sha256, NULL };

  g_return_if_fail (sha256 != NULL);
  ls_image_list_update_async (self, one, NULL, reload_item_cb, g_strdup (sha256));
}

/* ---- GObject ---- */

static void
ls_image_list_dispose (GObject *object)
{
  LsImageList *self = LS_IMAGE_LIST (object);

  if (self->sorted != NULL)
    g_signal_handlers_disconnect_by_data (self->sorted, self);
  if (self->all != NULL)
    g_signal_handlers_disconnect_by_data (self->all, self);
  g_clear_object (&self->sorted);
  g_clear_object (&self->sorter);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_pointer (&self->by_sha, g_hash_table_unref);
  g_clear_object (&self->all);
  g_clear_pointer (&self->pool, ls_store_pool_unref);
  G_OBJECT_CLASS (ls_image_list_parent_class)->dispose (object);
}

static void
ls_image_list_finalize (GObject *object)
{
  LsImageList *self = LS_IMAGE_LIST (object);

  g_free (self->path);
  g_strfreev (self->classes);
  g_free (self->search);
  g_free (self->search_key);
  g_clear_pointer (&self->queue, g_hash_table_unref);
  G_OBJECT_CLASS (ls_image_list_parent_class)->finalize (object);
}

static void
ls_image_list_get_property (GObject *object,
                            guint prop_id,
                            GValue *value,
                            GParamSpec *pspec)
{
  LsImageList *self = LS_IMAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_CLASSES:
      g_value_set_boxed (value, self->classes);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, ls_image_list_get_loading (self));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, ls_image_list_get_n_items (self));
      break;
    case PROP_N_TOTAL:
      g_value_set_uint (value, ls_image_list_get_n_total (self));
      break;
    case PROP_FILTER:
      g_value_set_enum (value, self->filter_kind);
      break;
    case PROP_FILTER_CLASS:
      g_value_set_int (value, self->filter_class);
      break;
    case PROP_SORT:
      g_value_set_enum (value, self->sort);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_image_list_set_property (GObject *object,
                            guint prop_id,
                            const GValue *value,
                            GParamSpec *pspec)
{
  LsImageList *self = LS_IMAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      ls_image_list_set_filter (self, g_value_get_enum (value), self->filter_class);
      break;
    case PROP_FILTER_CLASS:
      ls_image_list_set_filter (self, self->filter_kind, g_value_get_int (value));
      break;
    case PROP_SORT:
      ls_image_list_set_sort (self, g_value_get_enum (value));
      break;
    case PROP_SEARCH:
      ls_image_list_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_image_list_class_init (LsImageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ls_image_list_dispose;
  object_class->finalize = ls_image_list_finalize;
  object_class->get_property = ls_image_list_get_property;
  object_class->set_property = ls_image_list_set_property;

  properties[PROP_WORKSPACE_PATH] = g_param_spec_string ("workspace-path", NULL, NULL, NULL, ro);
  properties[PROP_CLASSES] = g_param_spec_boxed ("classes", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_TOTAL] = g_param_spec_uint ("n-total", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_FILTER] = g_param_spec_enum ("filter", NULL, NULL, LS_TYPE_IMAGE_FILTER,
                                               LS_IMAGE_FILTER_ALL, rw);
  properties[PROP_FILTER_CLASS] = g_param_spec_int ("filter-class", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_SORT] = g_param_spec_enum ("sort", NULL, NULL, LS_TYPE_IMAGE_SORT,
                                             LS_IMAGE_SORT_NAME, rw);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ls_image_list_init (LsImageList *self)
{
  self->uncertain_threshold = NAN;
  self->all = g_list_store_new (LS_TYPE_IMAGE_ITEM);
  self->by_sha = g_hash_table_new (g_str_hash, g_str_equal);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->all)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  self->sorter = gtk_custom_sorter_new (sort_func, self, NULL);
  self->sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                          g_object_ref (GTK_SORTER (self->sorter)));
  g_signal_connect (self->sorted, "items-changed", G_CALLBACK (sorted_items_changed_cb), self);
  g_signal_connect (self->all, "items-changed", G_CALLBACK (all_items_changed_cb), self);
}

/* ---- public API ---- */

LsImageList *
ls_image_list_new (void)
{
  return g_object_new (LS_TYPE_IMAGE_LIST, NULL);
}

const char *
ls_image_list_get_workspace_path (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NULL);
  return self->path;
}

const char *const *
ls_image_list_get_classes (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NULL);
  return (const char *const *) self->classes;
}

guint
ls_image_list_get_n_classes (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), 0);
  return self->classes != NULL ? g_strv_length (self->classes) : 0;
}

gboolean
ls_image_list_get_loading (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), FALSE);
  return self->loads_running > 0;
}

guint
ls_image_list_get_n_items (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
}

guint
ls_image_list_get_n_total (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->all));
}

GListModel *
ls_image_list_get_all (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NULL);
  return G_LIST_MODEL (self->all);
}

LsImageItem *
ls_image_list_lookup (LsImageList *self,
                      const char *sha256)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);
  return g_hash_table_lookup (self->by_sha, sha256);
}

guint
ls_image_list_find (LsImageList *self,
                    const char *sha256)
{
  LsImageItem *item;
  guint n;

  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), GTK_INVALID_LIST_POSITION);
  item = sha256 != NULL ? g_hash_table_lookup (self->by_sha, sha256) : NULL;
  if (item == NULL)
    return GTK_INVALID_LIST_POSITION;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LsImageItem) at = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

      if (at == item)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

double
ls_image_list_get_uncertain_threshold (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NAN);
  return self->uncertain_threshold;
}

LsImageFilter
ls_image_list_get_filter (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), LS_IMAGE_FILTER_ALL);
  return self->filter_kind;
}

int
ls_image_list_get_filter_class (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), 0);
  return self->filter_class;
}

void
ls_image_list_set_filter (LsImageList *self,
                          LsImageFilter filter,
                          int filter_class)
{
  gboolean filter_changed, class_changed;

  g_return_if_fail (LS_IS_IMAGE_LIST (self));
  g_return_if_fail (filter >= LS_IMAGE_FILTER_ALL && filter <= LS_IMAGE_FILTER_OOD);
  g_return_if_fail (filter != LS_IMAGE_FILTER_LABEL || filter_class >= 0);

  /* The class matters only to the label filter (callers pass -1 otherwise). */
  if (filter != LS_IMAGE_FILTER_LABEL)
    filter_class = self->filter_class;
  filter_changed = filter != self->filter_kind;
  class_changed = filter_class != self->filter_class;
  if (!filter_changed && !class_changed)
    return;
  self->filter_kind = filter;
  self->filter_class = filter_class;
  if (filter_changed || filter == LS_IMAGE_FILTER_LABEL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (filter_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
  if (class_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER_CLASS]);
}

LsImageSort
ls_image_list_get_sort (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), LS_IMAGE_SORT_NAME);
  return self->sort;
}

void
ls_image_list_set_sort (LsImageList *self,
                        LsImageSort sort)
{
  g_return_if_fail (LS_IS_IMAGE_LIST (self));
  g_return_if_fail (sort >= LS_IMAGE_SORT_NAME && sort <= LS_IMAGE_SORT_UNCERTAINTY);

  if (sort == self->sort)
    return;
  self->sort = sort;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
}

const char *
ls_image_list_get_search (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), NULL);
  return self->search;
}

void
ls_image_list_set_search (LsImageList *self,
                          const char *search)
{
  g_autofree char *key = NULL;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  g_return_if_fail (LS_IS_IMAGE_LIST (self));

  if (search != NULL && *search == '\0')
    search = NULL;
  if (g_strcmp0 (search, self->search) == 0)
    return;
  if (search != NULL)
    {
      g_autofree char *folded = g_utf8_casefold (search, -1);

      key = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
    }
  /* A longer search keeps a subset; a shorter one a superset. */
  if (self->search_key == NULL || (key != NULL && strstr (key, self->search_key) != NULL))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (key == NULL || strstr (self->search_key, key) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  g_free (self->search);
  self->search = g_strdup (search);
  g_free (self->search_key);
  self->search_key = g_steal_pointer (&key);
  gtk_filter_changed (GTK_FILTER (self->filter), change);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

void
ls_image_list_set_queue (LsImageList *self,
                         const char *const *sha256)
{
  g_autoptr (GHashTable) queue = NULL;

  g_return_if_fail (LS_IS_IMAGE_LIST (self));

  if (sha256 == NULL && self->queue == NULL)
    return;
  if (sha256 != NULL)
    {
      queue = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; sha256[i] != NULL; i++)
        if (!g_hash_table_contains (queue, sha256[i]))
          g_hash_table_insert (queue, g_strdup (sha256[i]), GUINT_TO_POINTER (i + 1));
    }
  g_clear_pointer (&self->queue, g_hash_table_unref);
  self->queue = g_steal_pointer (&queue);
  /* One change for both: the sorter first, so the filter's change is
   * announced in the new order. */
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

gboolean
ls_image_list_get_in_queue_mode (LsImageList *self)
{
  g_return_val_if_fail (LS_IS_IMAGE_LIST (self), FALSE);
  return self->queue != NULL;
}
