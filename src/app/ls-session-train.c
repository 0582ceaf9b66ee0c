/* ls-session-train.c — Train from scratch and the comparison's Grad-CAM
 * maps, in workers
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ls-session-private.h"
#include "ls-session-train.h"
#include "ls-texture.h"
#include "ls-viewer-render.h"

#include "pipeline/params.h"
#include "pipeline/registry.h"

/* ---- options ---- */

void
ls_session_train_options_init (LsSessionTrainOptions *options)
{
  const LsParam *epochs = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS);
  const LsParam *seed = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_SEED_NAME);

  memset (options, 0, sizeof *options);
  options->epochs = (int) epochs->default_value;
  options->seed = (guint64) seed->default_value;
}

void
ls_session_train_options_clear (LsSessionTrainOptions *options)
{
  g_clear_pointer (&options->augment, g_free);
}

/* ---- train from scratch ---- */

void
ls_session_train_free (LsSessionTrain *train)
{
  if (train == NULL)
    return;
  ls_workspace_run_free (train->run);
  g_free (train->parent_id);
  ls_workspace_comparison_free (train->comparison);
  g_strfreev (train->flip_names);
  if (train->flip_thumbnails != NULL)
    g_ptr_array_unref (train->flip_thumbnails);
  g_free (train);
}

typedef struct
{
  LsSessionTrainOptions options;
  LsProgressRelay *relay;
  LsSessionEpochFunc on_epoch;
  gpointer user_data;
  GMainContext *context;
  /* The part of the whole job a stage reports in. */
  double lo, hi;
} TrainData;

static void
train_data_free (TrainData *d)
{
  ls_session_train_options_clear (&d->options);
  g_main_context_unref (d->context);
  g_free (d);
}

static void
stage_progress (double fraction,
                const char *message,
                gpointer user_data)
{
  TrainData *d = user_data;

  if (d->relay != NULL)
    ls_progress_relay_func (d->lo + (d->hi - d->lo) * CLAMP (fraction, 0, 1), message, d->relay);
}

static void
epoch_from_worker (const LsTrainEpoch *epoch,
                   gpointer user_data)
{
  TrainData *d = user_data;

  ls_session_relay_epoch (d->context, d->on_epoch, d->user_data, epoch);
}

/* The names and thumbnails of the images whose class flipped. */
static void
load_flips (LsStore *store,
            LsSessionTrain *t)
{
  guint n = t->comparison != NULL ? (guint) t->comparison->n_flips : 0;
  g_autoptr (GPtrArray) thumbnails = NULL;

  ls_workspace_image_names (store, (const char *const *) (t->comparison != NULL ? t->comparison->flip_sha256 : NULL),
                            n, 24, &t->flip_names, &thumbnails);
  t->flip_thumbnails = ls_textures_new_from_gray (thumbnails);
}

static void
train_worker (GTask *task,
              gpointer source,
              gpointer task_data,
              GCancellable *cancellable)
{
  LsSession *self = source;
  TrainData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (self), LS_STORE_OPEN_DEFAULT,
                                             &error);
  g_autoptr (LsSessionTrain) t = g_new0 (LsSessionTrain, 1);
  g_autoptr (LsStoreModel) active = NULL;
  g_autofree char *arch = NULL;
  LsWorkspaceTrainOptions options;
  LsTrainConfig *c = &options.train;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  active = ls_store_get_active_model (store, &error);
  if (active == NULL && error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  t->parent_id = active != NULL ? g_strdup (active->id) : NULL;

  ls_workspace_train_options_init (&options);
  if (d->options.size > 0)
    {
      if (!ls_train_check_arch (NULL, d->options.size, &arch, &error))
        {
          g_task_return_new_error (task, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                                   _ ("An input size of %d pixels does not fit the network: %s"),
                                   d->options.size, error->message);
          return;
        }
      c->arch = arch;
    }
  c->epochs = d->options.epochs;
  c->augment = d->options.augment;
  c->balanced = d->options.balanced;
  c->seed = d->options.seed;
  c->threads = ls_session_engine_threads (self); /* Preferences' engine threads */
  options.activate = FALSE;

  /* Training is most of the work; the comparison reads the test part
   * twice. */
  d->lo = 0;
  d->hi = t->parent_id != NULL ? 0.9 : 1.0;
  t->run = ls_workspace_train (store, &options, stage_progress, d, epoch_from_worker, d,
                               cancellable, &error);
  if (t->run == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (t->parent_id != NULL && !t->run->activated)
    {
      /* Not cancellable half-way: a registered model is either compared
       * or deleted whole, below. */
      d->lo = 0.9;
      d->hi = 1.0;
      t->comparison = ls_workspace_compare (store, t->parent_id, t->run->model_id, LS_SPLIT_TEST,
                                            ls_session_engine_threads (self), stage_progress, d, NULL, &error);
      if (t->comparison == NULL && !g_error_matches (error, LS_WORKSPACE_ERROR,
                                                     LS_WORKSPACE_ERROR_NO_DATA))
        {
          g_autoptr (GError) local = NULL;

          if (!ls_registry_delete (store, t->run->model_id, &local))
            g_warning ("model %s: not deleted after a failed comparison: %s", t->run->model_id,
                       local->message);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_clear_error (&error);
    }
  else
    g_clear_pointer (&t->parent_id, g_free);
  if (g_cancellable_is_cancelled (cancellable))
    {
      /* Cancelled while comparing: the model goes too. */
      if (!ls_registry_delete (store, t->run->model_id, &error))
        g_warning ("model %s: not deleted after a cancel: %s", t->run->model_id, error->message);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("Cancelled"));
      return;
    }
  load_flips (store, t);
  g_task_return_pointer (task, g_steal_pointer (&t), (GDestroyNotify) ls_session_train_free);
}

void
ls_session_train_async (LsSession *self,
                        const LsSessionTrainOptions *options,
                        LsProgressShowFunc progress,
                        LsSessionEpochFunc on_epoch,
                        gpointer user_data,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer callback_data)
{
  g_autoptr (GTask) task = NULL;
  TrainData *d = g_new0 (TrainData, 1);

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (options != NULL);

  d->options = *options;
  d->options.augment = g_strdup (options->augment);
  d->on_epoch = on_epoch;
  d->user_data = user_data;
  d->context = g_main_context_ref_thread_default ();
  task = ls_session_task_new (self, cancellable, progress, user_data, callback, callback_data,
                              &d->relay);
  g_task_set_source_tag (task, ls_session_train_async);
  g_task_set_task_data (task, d, (GDestroyNotify) train_data_free);
  g_task_run_in_thread (task, train_worker);
}

LsSessionTrain *
ls_session_train_finish (LsSession *self,
                         GAsyncResult *result,
                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Grad-CAM of two models on the flipped images ---- */

static void
map_pair_free (gpointer data)
{
  LsSessionMapPair *p = data;

  g_clear_object (&p->before);
  g_clear_object (&p->after);
  g_free (p);
}

void
ls_session_map_pairs_free (GPtrArray *pairs)
{
  if (pairs != NULL)
    g_ptr_array_unref (pairs);
}

typedef struct
{
  char *model_a, *model_b;
  GStrv sha256;
  int max_side;
  LsColormap colormap;
  double opacity;
} MapsData;

static void
maps_data_free (MapsData *d)
{
  g_free (d->model_a);
  g_free (d->model_b);
  g_strfreev (d->sha256);
  g_free (d);
}

/* The image and its map, each averaged over f × f blocks (f the smallest
 * whole factor that brings the longer side to @max_side at most), the map
 * over the image as the viewer composes it: a = opacity × ramp (t). */
static GdkTexture *
overlay_texture (const LsImage *image,
                 const LsPrediction *prediction,
                 int max_side,
                 LsColormap colormap,
                 double opacity)
{
  guint8 table[256][3];
  int f = 1, w, h;
  gsize stride;
  guint8 *out;
  g_autoptr (GBytes) bytes = NULL;

  if (prediction->saliency == NULL || prediction->saliency_width != image->width ||
      prediction->saliency_height != image->height)
    return NULL;
  while (MAX (image->width, image->height) / f > max_side)
    f++;
  w = MAX (image->width / f, 1);
  h = MAX (image->height / f, 1);
  stride = (gsize) w * 3;
  out = g_malloc (stride * h);
  ls_colormap_table (colormap, table);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double gray = 0, heat = 0, a;
        int n = 0, i;

        for (int v = y * f; v < MIN ((y + 1) * f, image->height); v++)
          for (int u = x * f; u < MIN ((x + 1) * f, image->width); u++)
            {
              gsize k = (gsize) v * image->width + u;

              gray += image->data[k];
              heat += prediction->saliency[k];
              n++;
            }
        gray = CLAMP (gray / n, 0, 1);
        heat = CLAMP (heat / n, 0, 1);
        i = (int) lround (heat * 255);
        a = opacity * ls_viewer_overlay_ramp ((float) heat);
        for (int ch = 0; ch < 3; ch++)
          out[y * stride + 3 * x + ch] =
              (guint8) lround (255 * gray * (1 - a) + table[i][ch] * a);
      }
  bytes = g_bytes_new_take (out, stride * h);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* One model's map of @image, drawn; the session's model under its lock. */
static GdkTexture *
model_map (LsSession *self,
           LsModel *model,
           gboolean shared,
           const LsImage *image,
           const MapsData *d,
           int *predicted,
           GError **error)
{
  g_autoptr (LsPrediction) p = NULL;
  LsPredictOptions options;

  ls_predict_options_init (&options);
  options.saliency = TRUE;
  options.method = LS_SALIENCY_GRADCAM;
  options.target_class = -1;
  if (shared)
    ls_session_lock_model (self);
  p = ls_pipeline_predict (model, image, &options, error);
  if (shared)
    ls_session_unlock_model (self);
  if (p == NULL)
    return NULL;
  *predicted = p->predicted;
  return overlay_texture (image, p, d->max_side, d->colormap, d->opacity);
}

static void
maps_worker (GTask *task,
             gpointer source,
             gpointer task_data,
             GCancellable *cancellable)
{
  LsSession *self = source;
  MapsData *d = task_data;
  const LsModelChoice *choice = ls_session_get_model (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (self), LS_STORE_OPEN_READ_ONLY,
                                             &error);
  g_autoptr (LsModel) own_a = NULL;
  g_autoptr (LsModel) own_b = NULL;
  g_autoptr (GPtrArray) pairs = g_ptr_array_new_with_free_func (map_pair_free);
  LsModel *a, *b;
  gboolean shared_a, shared_b;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The session's model is immutable once opened; its net is shared. */
  shared_a = choice != NULL && g_strcmp0 (choice->model->id, d->model_a) == 0;
  shared_b = choice != NULL && g_strcmp0 (choice->model->id, d->model_b) == 0;
  if (!shared_a && (own_a = ls_workspace_load_model (store, d->model_a, NULL, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!shared_b && (own_b = ls_workspace_load_model (store, d->model_b, NULL, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  a = shared_a ? choice->model : own_a;
  b = shared_b ? choice->model : own_b;
  for (guint i = 0; d->sha256[i] != NULL; i++)
    {
      LsSessionMapPair *pair = g_new0 (LsSessionMapPair, 1);
      g_autoptr (LsStoreImage) record = NULL;
      g_autoptr (LsImage) image = NULL;
      g_autofree char *path = NULL;
      g_autoptr (GError) local = NULL;

      pair->class_before = pair->class_after = -1;
      g_ptr_array_add (pairs, pair);
      if (g_task_return_error_if_cancelled (task))
        return;
      record = ls_store_find_image (store, d->sha256[i], &local);
      if (record != NULL)
        {
          path = ls_store_image_file (store, record);
          image = ls_pipeline_read_image (path, NULL, &local);
        }
      if (image != NULL)
        pair->before = model_map (self, a, shared_a, image, d, &pair->class_before, &local);
      if (image != NULL && local == NULL)
        pair->after = model_map (self, b, shared_b, image, d, &pair->class_after, &local);
      if (local != NULL)
        g_warning ("Grad-CAM of %s: %s", d->sha256[i], local->message);
    }
  g_task_return_pointer (task, g_steal_pointer (&pairs), (GDestroyNotify) g_ptr_array_unref);
}

void
ls_session_flip_maps_async (LsSession *self,
                            const char *model_a,
                            const char *model_b,
                            const char *const *sha256,
                            int max_side,
                            LsColormap colormap,
                            double opacity,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  MapsData *d = g_new0 (MapsData, 1);

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (model_a != NULL && model_b != NULL && sha256 != NULL);

  d->model_a = g_strdup (model_a);
  d->model_b = g_strdup (model_b);
  d->sha256 = g_strdupv ((char **) sha256);
  d->max_side = MAX (max_side, 16);
  d->colormap = colormap;
  d->opacity = CLAMP (opacity, 0, 1);
  task = ls_session_task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_flip_maps_async);
  g_task_set_task_data (task, d, (GDestroyNotify) maps_data_free);
  g_task_run_in_thread (task, maps_worker);
}

GPtrArray *
ls_session_flip_maps_finish (LsSession *self,
                             GAsyncResult *result,
                             GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
