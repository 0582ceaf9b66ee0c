/* ls-session.c — an open workspace and the pipeline calls the app makes
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ls-session-private.h"
#include "ls-texture.h"

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "dataset/split.h"
#include "dataset/store.h"
#include "imaging/decode.h"
#include "pipeline/info.h"
#include "pipeline/model-info.h"
#include "pipeline/params.h"
#include "pipeline/registry.h"
#include "pipeline/workspace-paths.h"

struct _LsSession
{
  GObject parent_instance;

  char *path;
  char *title;
  gboolean read_only;
  char *read_only_reason;
  char *open_notice;
  char *model_notice;
  char *model_error; /* why there is no model, or NULL */
  GStrv classes;
  LsModelChoice *choice;
  gboolean synthetic;
  /* The model's net is used by one worker at a time. */
  GMutex model_lock;
  int threads; /* engine threads (0: one a core); atomic, workers read it */
};

G_DEFINE_FINAL_TYPE (LsSession, ls_session, G_TYPE_OBJECT)

static void
ls_session_finalize (GObject *object)
{
  LsSession *self = LS_SESSION (object);

  g_free (self->path);
  g_free (self->title);
  g_free (self->read_only_reason);
  g_free (self->open_notice);
  g_free (self->model_notice);
  g_free (self->model_error);
  g_strfreev (self->classes);
  ls_model_choice_free (self->choice);
  g_mutex_clear (&self->model_lock);
  G_OBJECT_CLASS (ls_session_parent_class)->finalize (object);
}

static void
ls_session_class_init (LsSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ls_session_finalize;
}

static void
ls_session_init (LsSession *self)
{
  g_mutex_init (&self->model_lock);
}

/* ---- a task whose progress relay ends on the main thread ---- */

typedef struct
{
  GAsyncReadyCallback callback;
  gpointer user_data;
  LsProgressRelay *relay;
} Done;

static void
task_done_cb (GObject *source,
              GAsyncResult *result,
              gpointer data)
{
  Done *done = data;

  /* No progress call after this: the relay and the caller's callback are
   * both on the main thread. */
  ls_progress_relay_free (done->relay);
  if (done->callback != NULL)
    done->callback (source, result, done->user_data);
  g_free (done);
}

static GTask *
task_new (gpointer source,
          GCancellable *cancellable,
          LsProgressShowFunc progress,
          gpointer progress_data,
          GAsyncReadyCallback callback,
          gpointer user_data,
          LsProgressRelay **relay)
{
  Done *done = g_new0 (Done, 1);

  done->callback = callback;
  done->user_data = user_data;
  if (progress != NULL)
    done->relay = ls_progress_relay_new (progress, progress_data);
  if (relay != NULL)
    *relay = done->relay;
  return g_task_new (source, cancellable, task_done_cb, done);
}

static void
progress_of (LsProgressRelay *relay,
             LsProgressFunc *func,
             gpointer *data)
{
  *func = relay != NULL ? ls_progress_relay_func : NULL;
  *data = relay;
}

/* ---- open ---- */

typedef struct
{
  char *path;
  LsSessionOpenFlags flags;
} OpenData;

static void
open_data_free (OpenData *d)
{
  g_free (d->path);
  g_free (d);
}

static void
open_worker (GTask *task,
             gpointer source,
             gpointer task_data,
             GCancellable *cancellable)
{
  OpenData *d = task_data;
  g_autoptr (LsSession) self = g_object_new (LS_TYPE_SESSION, NULL);
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *missing; /* the store's */
  g_autofree char *base = NULL;
  GString *notice = g_string_new (NULL);

  store = ls_store_open (d->path,
                         (d->flags & LS_SESSION_OPEN_CREATE) ? LS_STORE_OPEN_CREATE
                                                             : LS_STORE_OPEN_DEFAULT,
                         &error);
  if (store == NULL)
    {
      g_string_free (notice, TRUE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->path = g_strdup (ls_store_get_path (store));
  base = g_path_get_basename (self->path);
  self->title = g_str_has_suffix (base, ".lungscope")
                    ? g_strndup (base, strlen (base) - strlen (".lungscope"))
                    : g_strdup (base);
  self->read_only = ls_store_is_read_only (store);
  self->read_only_reason = g_strdup (ls_store_get_read_only_reason (store));
  self->classes = ls_store_get_classes (store, &error);
  if (self->classes == NULL)
    {
      g_string_free (notice, TRUE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  missing = ls_store_get_missing_files (store);
  if (missing != NULL && missing->len > 0)
    g_string_append_printf (notice,
                            ngettext ("%u image file of this workspace is missing.",
                                      "%u image files of this workspace are missing.",
                                      missing->len),
                            missing->len);
  if (ls_store_get_orphans_removed (store) > 0)
    g_string_append_printf (notice, "%s%s", notice->len > 0 ? " " : "",
                            _ ("Unfinished files of an interrupted import were removed."));
  /* Before this session starts any run: a run still "running" now was
   * killed with its process (or runs in another process, which holds its
   * log's lock). */
  if (ls_workspace_mark_interrupted_runs (store, NULL) > 0)
    g_string_append_printf (notice, "%s%s", notice->len > 0 ? " " : "",
                            _ ("A training run was interrupted when Lungscope or the computer "
                               "stopped; the model history lists it as interrupted."));
  if (notice->len > 0)
    self->open_notice = g_string_free (notice, FALSE);
  else
    g_string_free (notice, TRUE);

  self->choice = ls_pipeline_choose_model (store, NULL, &error);
  if (self->choice == NULL)
    {
      /* The workspace still opens, to browse and label; diagnosing says
       * why it cannot. */
      self->model_error = g_strdup (error->message);
      self->model_notice = g_strdup_printf (_ ("No model to diagnose with: %s"), error->message);
      g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
      return;
    }
  self->synthetic = ls_model_choice_is_synthetic (self->choice);
  if (self->choice->registered && self->choice->activated)
    self->model_notice = g_strdup (_ ("The workspace had no model: the shipped default model is "
                                      "now its active model, so every prediction is traceable."));
  else if (self->choice->not_logged != NULL)
    self->model_notice = g_strdup_printf (_ ("Predictions are not logged: %s"),
                                          self->choice->not_logged);
  g_task_return_pointer (task, g_steal_pointer (&self), g_object_unref);
}

void
ls_session_open_async (const char *path,
                       LsSessionOpenFlags flags,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  OpenData *d = g_new0 (OpenData, 1);

  g_return_if_fail (path != NULL);

  d->path = g_strdup (path);
  d->flags = flags;
  task = task_new (NULL, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_open_async);
  g_task_set_task_data (task, d, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_worker);
}

LsSession *
ls_session_open_finish (GAsyncResult *result,
                        GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ls_session_set_threads (LsSession *self,
                        int threads)
{
  g_return_if_fail (LS_IS_SESSION (self));
  g_atomic_int_set (&self->threads, MAX (threads, 0));
}

int
ls_session_get_threads (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), 0);
  return g_atomic_int_get (&self->threads);
}

const char *
ls_session_get_path (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->path;
}

const char *
ls_session_get_title (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->title;
}

gboolean
ls_session_is_read_only (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), TRUE);
  return self->read_only;
}

const char *
ls_session_get_read_only_reason (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->read_only_reason;
}

const char *
ls_session_get_open_notice (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->open_notice;
}

const char *const *
ls_session_get_classes (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return (const char *const *) self->classes;
}

const LsModelChoice *
ls_session_get_model (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->choice;
}

gboolean
ls_session_is_synthetic_model (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), FALSE);
  return self->synthetic;
}

const char *
ls_session_get_model_notice (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return self->model_notice;
}

/* ---- diagnose ---- */

typedef struct
{
  char *path;
  char *sha256;
  LsDiagnoseOptions options;
  LsDiagnoseEarlyFunc early;
  LsSessionImageFunc decoded;
  gpointer early_data;
  GMainContext *context;
} DiagnoseData;

static void
diagnose_data_free (DiagnoseData *d)
{
  g_free (d->path);
  g_free (d->sha256);
  g_main_context_unref (d->context);
  g_free (d);
}

typedef struct
{
  LsDiagnoseEarlyFunc func;
  gpointer data;
  LsPrediction *prediction;
} Early;

static gboolean
early_idle_cb (gpointer data)
{
  Early *e = data;

  e->func (e->prediction, e->data);
  return G_SOURCE_REMOVE;
}

static void
early_free (gpointer data)
{
  Early *e = data;

  ls_prediction_free (e->prediction);
  g_free (e);
}

/* In the worker: a copy of the probabilities to the main context. */
static void
early_from_worker (const LsPrediction *prediction,
                   gpointer user_data)
{
  GTask *task = user_data;
  DiagnoseData *d = g_task_get_task_data (task);
  Early *e = g_new0 (Early, 1);
  LsPrediction *p = g_new0 (LsPrediction, 1);

  *p = *prediction;
  p->logits = g_memdup2 (prediction->logits, sizeof (float) * prediction->n_classes);
  p->probs = g_memdup2 (prediction->probs, sizeof (float) * prediction->n_classes);
  p->saliency = NULL;
  e->func = d->early;
  e->data = d->early_data;
  e->prediction = p;
  g_main_context_invoke_full (d->context, G_PRIORITY_DEFAULT, early_idle_cb, e, early_free);
}

/* A DICOM image with its full-precision values: all of them scaled over
 * their range (inverted for MONOCHROME1) in place of the file's window,
 * which stays in the facts for the viewer's default. Here, in the worker. */
static void
spread_values (LsImage *image)
{
  LsDicomFacts *f = image->dicom;
  gsize n = (gsize) image->width * image->height;
  double range;

  if (f == NULL || f->values == NULL || f->window_source == LS_WINDOW_SOURCE_NONE ||
      f->value_max <= f->value_min || image->width != image->orig_width ||
      image->height != image->orig_height)
    return;
  range = f->value_max - f->value_min;
  for (gsize i = 0; i < n; i++)
    {
      float v = (float) ((f->values[i] - f->value_min) / range);

      image->data[i] = f->monochrome1 ? 1.0f - v : v;
    }
  g_clear_pointer (&f->values, g_aligned_free);
}

typedef struct
{
  LsSessionImageFunc func;
  gpointer data;
  LsImage *image;
} Decoded;

static gboolean
decoded_idle_cb (gpointer data)
{
  Decoded *e = data;

  e->func (g_steal_pointer (&e->image), e->data);
  return G_SOURCE_REMOVE;
}

static void
decoded_free (gpointer data)
{
  Decoded *e = data;

  g_clear_pointer (&e->image, ls_image_free);
  g_free (e);
}

/* In the worker: a copy of the decoded image (its values spread as the
 * final image's will be) to the main context, while the model runs. */
static void
decoded_from_worker (const LsImage *image,
                     gpointer user_data)
{
  GTask *task = user_data;
  DiagnoseData *d = g_task_get_task_data (task);
  Decoded *e = g_new0 (Decoded, 1);

  e->func = d->decoded;
  e->data = d->early_data;
  e->image = ls_image_copy (image);
  if (d->options.keep_values)
    spread_values (e->image);
  g_main_context_invoke_full (d->context, G_PRIORITY_DEFAULT, decoded_idle_cb, e, decoded_free);
}

static void
diagnose_worker (GTask *task,
                 gpointer source,
                 gpointer task_data,
                 GCancellable *cancellable)
{
  LsSession *self = source;
  DiagnoseData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autofree char *path = NULL;
  LsDiagnosis *diagnosis;

  if (self->choice == NULL)
    {
      g_task_return_new_error (task, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_ACTIVE,
                               _ ("No model to diagnose with: %s"), self->model_error);
      return;
    }
  if (!self->read_only || d->sha256 != NULL)
    {
      store = ls_store_open (self->path, self->read_only ? LS_STORE_OPEN_READ_ONLY : LS_STORE_OPEN_DEFAULT,
                             &error);
      if (store == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  if (d->path != NULL)
    path = g_strdup (d->path);
  else
    {
      g_autoptr (LsStoreImage) image = ls_store_find_image (store, d->sha256, &error);

      if (image == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      path = ls_store_image_file (store, image);
    }
  if (d->early != NULL)
    {
      d->options.early = early_from_worker;
      d->options.early_data = task;
    }
  if (d->decoded != NULL)
    {
      d->options.decoded = decoded_from_worker;
      d->options.decoded_data = task;
    }
  ls_session_lock_model (self);
  diagnosis = ls_pipeline_diagnose_file (self->choice, self->read_only ? NULL : store, path,
                                         &d->options, cancellable, &error);
  ls_session_unlock_model (self);
  if (diagnosis == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (d->options.keep_values)
    spread_values (diagnosis->image);
  g_task_return_pointer (task, diagnosis, (GDestroyNotify) ls_diagnosis_free);
}

void
ls_session_diagnose_async (LsSession *self,
                           const char *path,
                           const char *sha256,
                           const LsDiagnoseOptions *options,
                           LsDiagnoseEarlyFunc early,
                           LsSessionImageFunc decoded,
                           gpointer early_data,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  DiagnoseData *d;

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (path != NULL || sha256 != NULL);

  d = g_new0 (DiagnoseData, 1);
  d->path = g_strdup (path);
  d->sha256 = g_strdup (sha256);
  if (options != NULL)
    d->options = *options;
  else
    ls_diagnose_options_init (&d->options);
  /* The app writes no overlay file: the viewer draws the map. */
  d->options.overlay_path = NULL;
  d->early = early;
  d->decoded = decoded;
  d->early_data = early_data;
  d->context = g_main_context_ref_thread_default ();
  task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_diagnose_async);
  g_task_set_task_data (task, d, (GDestroyNotify) diagnose_data_free);
  g_task_run_in_thread (task, diagnose_worker);
}

LsDiagnosis *
ls_session_diagnose_finish (LsSession *self,
                            GAsyncResult *result,
                            GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- import ---- */

typedef struct
{
  GStrv paths;
  LsProgressRelay *relay;
} ImportData;

static void
import_data_free (ImportData *d)
{
  g_strfreev (d->paths);
  g_free (d);
}

void
ls_session_import_free (LsSessionImport *import)
{
  if (import == NULL)
    return;
  g_free (import->failures);
  g_strfreev (import->sha256);
  g_free (import);
}

/* A folder whose subfolders (or itself) name classes is imported with
 * their labels; any other is imported unlabelled. */
static LsImportMode
folder_mode (const char *dir,
             const char *const *classes)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *base = g_path_get_basename (dir);
  const char *name;

  if (ls_dataset_class_for_name (classes, NULL, base) != NULL)
    return LS_IMPORT_CLASS_FOLDERS;
  if (d == NULL)
    return LS_IMPORT_UNLABELLED;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *full = g_build_filename (dir, name, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR) &&
          ls_dataset_class_for_name (classes, NULL, name) != NULL)
        return LS_IMPORT_CLASS_FOLDERS;
    }
  return LS_IMPORT_UNLABELLED;
}

typedef struct
{
  LsProgressFunc func;
  gpointer data;
  guint index, count;
} ImportProgress;

static void
import_progress (double fraction,
                 const char *message,
                 gpointer user_data)
{
  ImportProgress *p = user_data;

  if (p->func != NULL)
    p->func ((p->index + fraction) / p->count, message, p->data);
}

static void
import_worker (GTask *task,
               gpointer source,
               gpointer task_data,
               GCancellable *cancellable)
{
  LsSession *self = source;
  ImportData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (LsSessionImport) result = g_new0 (LsSessionImport, 1);
  g_autoptr (GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  GString *failures = g_string_new (NULL);
  ImportProgress progress = { 0 };
  LsImportOptions options = { 0 };

  if (store == NULL)
    {
      g_string_free (failures, TRUE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (ls_store_is_read_only (store))
    {
      g_string_free (failures, TRUE);
      g_task_return_new_error (task, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY,
                               _ ("%s is read-only (%s): nothing can be added to it"),
                               self->path,
                               ls_store_get_read_only_reason (store)
                                   ? ls_store_get_read_only_reason (store)
                                   : _ ("no permission"));
      return;
    }
  options.author = g_get_user_name ();
  progress_of (d->relay, &progress.func, &progress.data);
  progress.count = g_strv_length (d->paths);
  for (guint i = 0; d->paths[i] != NULL; i++)
    {
      const char *path = d->paths[i];
      gboolean folder = g_file_test (path, G_FILE_TEST_IS_DIR);
      g_autoptr (LsImportReport) report = NULL;

      progress.index = i;
      report = ls_store_import (store,
                                folder ? folder_mode (path, (const char *const *) self->classes)
                                       : LS_IMPORT_UNLABELLED,
                                path, &options, import_progress, &progress, cancellable, &error);
      if (report == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              result->cancelled = TRUE;
              g_clear_error (&error);
              break;
            }
          g_string_append_printf (failures, "%s%s", failures->len ? "\n" : "", error->message);
          result->n_failed++;
          g_clear_error (&error);
          continue;
        }
      result->added += report->added;
      result->known += report->unchanged;
      for (guint f = 0; f < report->failures->len; f++)
        {
          const LsImportProblem *p = report->failures->pdata[f];

          g_string_append_printf (failures, "%s%s: %s", failures->len ? "\n" : "", p->path,
                                  p->reason);
          result->n_failed++;
        }
      if (!folder && report->failures->len == 0)
        {
          g_autoptr (LsStoreImage) image = ls_workspace_find_image (store, path, NULL);

          if (image != NULL)
            g_ptr_array_add (hashes, g_strdup (image->sha256));
        }
    }
  g_ptr_array_add (hashes, NULL);
  result->sha256 = (GStrv) g_ptr_array_free (g_steal_pointer (&hashes), FALSE);
  if (failures->len > 0)
    result->failures = g_string_free (failures, FALSE);
  else
    g_string_free (failures, TRUE);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) ls_session_import_free);
}

void
ls_session_import_async (LsSession *self,
                         const char *const *paths,
                         LsProgressShowFunc progress,
                         gpointer progress_data,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ImportData *d;

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (paths != NULL);

  d = g_new0 (ImportData, 1);
  d->paths = g_strdupv ((char **) paths);
  task = task_new (self, cancellable, progress, progress_data, callback, user_data, &d->relay);
  g_task_set_source_tag (task, ls_session_import_async);
  g_task_set_task_data (task, d, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_worker);
}

LsSessionImport *
ls_session_import_finish (LsSession *self,
                          GAsyncResult *result,
                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- augmentation ---- */

static void
get_augment_worker (GTask *task,
                    gpointer source,
                    gpointer task_data,
                    GCancellable *cancellable)
{
  LsSession *self = source;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_READ_ONLY, &error);
  LsAugmentPipeline *pipeline;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pipeline = ls_workspace_get_augment (store, NULL, &error);
  if (pipeline == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, pipeline, (GDestroyNotify) ls_augment_pipeline_free);
}

void
ls_session_get_augment_async (LsSession *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);

  g_task_set_source_tag (task, ls_session_get_augment_async);
  g_task_run_in_thread (task, get_augment_worker);
}

LsAugmentPipeline *
ls_session_get_augment_finish (LsSession *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_augment_worker (GTask *task,
                    gpointer source,
                    gpointer task_data,
                    GCancellable *cancellable)
{
  LsSession *self = source;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (LsAugmentPipeline) pipeline = NULL;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pipeline = ls_augment_pipeline_new_from_string (task_data, &error);
  if (pipeline == NULL || !ls_workspace_set_augment (store, pipeline, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
ls_session_set_augment_async (LsSession *self,
                              const LsAugmentPipeline *pipeline,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);

  g_task_set_source_tag (task, ls_session_set_augment_async);
  g_task_set_task_data (task, ls_augment_pipeline_to_string (pipeline), g_free);
  g_task_run_in_thread (task, set_augment_worker);
}

gboolean
ls_session_set_augment_finish (LsSession *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- test-time augmentation ---- */

typedef struct
{
  char *path;
  char *pipeline;
  guint n;
  guint64 seed;
} TtaData;

static void
tta_data_free (TtaData *d)
{
  g_free (d->path);
  g_free (d->pipeline);
  g_free (d);
}

static void
tta_worker (GTask *task,
            gpointer source,
            gpointer task_data,
            GCancellable *cancellable)
{
  LsSession *self = source;
  TtaData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new_from_string (d->pipeline, &error);
  g_autoptr (LsImage) image = NULL;
  LsTta *tta;

  if (pipeline == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->choice == NULL)
    {
      g_task_return_new_error (task, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_ACTIVE,
                               _ ("No model to diagnose with: %s"), self->model_error);
      return;
    }
  image = ls_pipeline_read_image (d->path, NULL, &error);
  if (image == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ls_session_lock_model (self);
  tta = ls_pipeline_tta (self->choice->model, image, pipeline, d->n, d->seed, cancellable, &error);
  ls_session_unlock_model (self);
  if (tta == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, tta, (GDestroyNotify) ls_tta_free);
}

void
ls_session_tta_async (LsSession *self,
                      const char *path,
                      const LsAugmentPipeline *pipeline,
                      guint n,
                      guint64 seed,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  TtaData *d;

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (path != NULL && pipeline != NULL && n > 0);

  d = g_new0 (TtaData, 1);
  d->path = g_strdup (path);
  d->pipeline = ls_augment_pipeline_to_string (pipeline);
  d->n = n;
  d->seed = seed;
  task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_tta_async);
  g_task_set_task_data (task, d, (GDestroyNotify) tta_data_free);
  g_task_run_in_thread (task, tta_worker);
}

LsTta *
ls_session_tta_finish (LsSession *self,
                       GAsyncResult *result,
                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- an image's file ---- */

static void
image_file_worker (GTask *task,
                   gpointer source,
                   gpointer task_data,
                   GCancellable *cancellable)
{
  LsSession *self = source;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsStoreImage) image = NULL;

  if (store != NULL)
    image = ls_store_find_image (store, task_data, &error);
  if (image == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, ls_store_image_file (store, image), g_free);
}

void
ls_session_image_file_async (LsSession *self,
                             const char *sha256,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);

  g_task_set_source_tag (task, ls_session_image_file_async);
  g_task_set_task_data (task, g_strdup (sha256), g_free);
  g_task_run_in_thread (task, image_file_worker);
}

char *
ls_session_image_file_finish (LsSession *self,
                              GAsyncResult *result,
                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- labels ---- */

typedef struct
{
  LsSessionLabelOp op;
  char *sha256;
  char *label;
  char *note;
  gboolean read_only; /* history only */
} LabelData;

static void
label_data_free (LabelData *d)
{
  g_free (d->sha256);
  g_free (d->label);
  g_free (d->note);
  g_free (d);
}

void
ls_session_label_free (LsSessionLabel *label)
{
  if (label == NULL)
    return;
  ls_label_event_free (label->event);
  if (label->history != NULL)
    g_ptr_array_unref (label->history);
  g_free (label);
}

static void
label_worker (GTask *task,
              gpointer source,
              gpointer task_data,
              GCancellable *cancellable)
{
  LsSession *self = source;
  LabelData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSessionLabel) result = g_new0 (LsSessionLabel, 1);
  /* Writable even to read the history: the undo state is a question for
   * a writer (nothing is written). */
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_DEFAULT, &error);
  const char *sha256 = d->sha256;
  gint64 id = 0;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!d->read_only)
    {
      const char *author = g_get_user_name ();

      switch (d->op)
        {
        case LS_SESSION_LABEL_SET:
          id = ls_store_set_label (store, d->sha256, d->label, LS_LABEL_SOURCE_USER, author,
                                   d->note, &error);
          break;
        case LS_SESSION_LABEL_UNDO:
          id = ls_store_undo_label (store, author, &error);
          break;
        case LS_SESSION_LABEL_REDO:
          id = ls_store_redo_label (store, author, &error);
          break;
        default:
          g_assert_not_reached ();
        }
      if (id == 0)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (id > 0)
        {
          result->event = ls_store_get_label_event (store, id, &error);
          if (result->event == NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          sha256 = result->event->sha256;
        }
    }
  if (sha256 != NULL)
    {
      result->history = ls_store_label_history (store, sha256, &error);
      if (result->history == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  result->can_undo = !ls_store_is_read_only (store) && ls_store_can_undo (store);
  result->can_redo = !ls_store_is_read_only (store) && ls_store_can_redo (store);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) ls_session_label_free);
}

static void
label_async (LsSession *self,
             LsSessionLabelOp op,
             gboolean read_only,
             const char *sha256,
             const char *label,
             const char *note,
             GCancellable *cancellable,
             GAsyncReadyCallback callback,
             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  LabelData *d = g_new0 (LabelData, 1);

  d->op = op;
  d->read_only = read_only;
  d->sha256 = g_strdup (sha256);
  d->label = g_strdup (label);
  d->note = note != NULL && *note != '\0' ? g_strdup (note) : NULL;
  task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_label_async);
  g_task_set_task_data (task, d, (GDestroyNotify) label_data_free);
  g_task_run_in_thread (task, label_worker);
}

void
ls_session_label_async (LsSession *self,
                        LsSessionLabelOp op,
                        const char *sha256,
                        const char *label,
                        const char *note,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (op != LS_SESSION_LABEL_SET || sha256 != NULL);

  label_async (self, op, FALSE, sha256, label, note, cancellable, callback, user_data);
}

void
ls_session_label_history_async (LsSession *self,
                                const char *sha256,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (LS_IS_SESSION (self));

  label_async (self, LS_SESSION_LABEL_SET, TRUE, sha256, NULL, NULL, cancellable, callback,
               user_data);
}

LsSessionLabel *
ls_session_label_finish (LsSession *self,
                         GAsyncResult *result,
                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- relabel and retrain ---- */

void
ls_session_corrections_free (LsSessionCorrections *c)
{
  if (c == NULL)
    return;
  g_free (c->parent_id);
  g_free (c);
}

static void
corrections_worker (GTask *task,
                    gpointer source,
                    gpointer task_data,
                    GCancellable *cancellable)
{
  LsSession *self = source;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsSessionCorrections) c = g_new0 (LsSessionCorrections, 1);

  if (store == NULL ||
      !ls_workspace_count_corrections (store, NULL, &c->parent_id, &c->n_train, &c->n_elsewhere,
                                       &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&c), (GDestroyNotify) ls_session_corrections_free);
}

void
ls_session_corrections_async (LsSession *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);

  g_task_set_source_tag (task, ls_session_corrections_async);
  g_task_run_in_thread (task, corrections_worker);
}

LsSessionCorrections *
ls_session_corrections_finish (LsSession *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ls_session_retrain_free (LsSessionRetrain *r)
{
  if (r == NULL)
    return;
  ls_workspace_finetune_free (r->finetune);
  g_strfreev (r->flip_sha256);
  g_strfreev (r->flip_names);
  if (r->flip_thumbnails != NULL)
    g_ptr_array_unref (r->flip_thumbnails);
  g_free (r);
}

typedef struct
{
  int epochs;
  LsProgressRelay *relay;
  LsSessionEpochFunc on_epoch;
  gpointer user_data;
  GMainContext *context;
} RetrainData;

static void
retrain_data_free (RetrainData *d)
{
  g_main_context_unref (d->context);
  g_free (d);
}

typedef struct
{
  LsSessionEpochFunc func;
  gpointer data;
  LsTrainEpoch epoch;
} EpochCall;

static gboolean
epoch_idle_cb (gpointer data)
{
  EpochCall *e = data;

  e->func (&e->epoch, e->data);
  return G_SOURCE_REMOVE;
}

void
ls_session_relay_epoch (GMainContext *context,
                        LsSessionEpochFunc func,
                        gpointer data,
                        const LsTrainEpoch *epoch)
{
  EpochCall *e;

  if (func == NULL)
    return;
  e = g_new0 (EpochCall, 1);
  e->func = func;
  e->data = data;
  e->epoch = *epoch;
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, epoch_idle_cb, e, g_free);
}

static void
epoch_from_worker (const LsTrainEpoch *epoch,
                   gpointer user_data)
{
  RetrainData *d = user_data;

  ls_session_relay_epoch (d->context, d->on_epoch, d->user_data, epoch);
}

static void
retrain_worker (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  LsSession *self = source;
  RetrainData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (LsSessionRetrain) r = g_new0 (LsSessionRetrain, 1);
  g_autoptr (LsWorkspacePart) test = NULL;
  LsWorkspaceFinetuneOptions options;
  LsProgressFunc progress;
  gpointer progress_data;
  const LsFinetuneComparison *cmp;
  guint n;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  progress_of (d->relay, &progress, &progress_data);
  ls_workspace_finetune_options_init (&options);
  if (d->epochs > 0)
    options.finetune.epochs = d->epochs;
  options.finetune.threads = ls_session_engine_threads (self);
  r->finetune = ls_workspace_finetune (store, &options, progress, progress_data, epoch_from_worker,
                                       d, cancellable, &error);
  if (r->finetune == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The flipped test images: their names and thumbnails. */
  cmp = &r->finetune->result->test;
  test = ls_workspace_load_part (store, LS_SPLIT_TEST, &error);
  n = test != NULL ? (guint) cmp->n_flips : 0;
  r->flip_sha256 = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      guint item = (guint) cmp->flips[i].index;

      if (item >= test->n_items)
        break;
      r->flip_sha256[i] = g_strdup (test->sha256[item]);
    }
  {
    g_autoptr (GPtrArray) thumbnails = NULL;

    ls_workspace_image_names (store, (const char *const *) r->flip_sha256, g_strv_length (r->flip_sha256), 24,
                              &r->flip_names, &thumbnails);
    r->flip_thumbnails = ls_textures_new_from_gray (thumbnails);
  }
  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) ls_session_retrain_free);
}

void
ls_session_retrain_async (LsSession *self,
                          int epochs,
                          LsProgressShowFunc progress,
                          LsSessionEpochFunc on_epoch,
                          gpointer user_data,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer callback_data)
{
  g_autoptr (GTask) task = NULL;
  RetrainData *d = g_new0 (RetrainData, 1);

  g_return_if_fail (LS_IS_SESSION (self));

  d->epochs = epochs;
  d->on_epoch = on_epoch;
  d->user_data = user_data;
  d->context = g_main_context_ref_thread_default ();
  task = task_new (self, cancellable, progress, user_data, callback, callback_data, &d->relay);
  g_task_set_source_tag (task, ls_session_retrain_async);
  g_task_set_task_data (task, d, (GDestroyNotify) retrain_data_free);
  g_task_run_in_thread (task, retrain_worker);
}

LsSessionRetrain *
ls_session_retrain_finish (LsSession *self,
                           GAsyncResult *result,
                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char *model_id;
  gboolean accept;
} ResolveData;

static void
resolve_data_free (ResolveData *d)
{
  g_free (d->model_id);
  g_free (d);
}

static void
resolve_worker (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  LsSession *self = source;
  ResolveData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (self->path, LS_STORE_OPEN_DEFAULT, &error);
  gboolean ok = store != NULL && (d->accept ? ls_registry_promote (store, d->model_id, &error)
                                            : ls_registry_delete (store, d->model_id, &error));

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
ls_session_resolve_child_async (LsSession *self,
                                const char *model_id,
                                gboolean accept,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  ResolveData *d = g_new0 (ResolveData, 1);

  d->model_id = g_strdup (model_id);
  d->accept = accept;
  g_task_set_source_tag (task, ls_session_resolve_child_async);
  g_task_set_task_data (task, d, (GDestroyNotify) resolve_data_free);
  g_task_run_in_thread (task, resolve_worker);
}

gboolean
ls_session_resolve_child_finish (LsSession *self,
                                 GAsyncResult *result,
                                 GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the demo workspace ---- */

typedef struct
{
  char *path;
  guint per_class;
  LsProgressRelay *relay;
} DemoData;

static void
demo_data_free (DemoData *d)
{
  g_free (d->path);
  g_free (d);
}

/* A stage of the demo's making: its part of the progress, and what it
 * says (the app's words, translated, not the library's). */
typedef struct
{
  LsProgressFunc func;
  gpointer data;
  double from, to;
  const char *what;
  guint total; /* the images the stage makes, counted in its message; or 0 */
} Stage;

static void
stage_progress (double fraction,
                const char *message,
                gpointer user_data)
{
  Stage *s = user_data;
  g_autofree char *text = NULL;

  if (s->func == NULL)
    return;
  if (s->total > 0)
    /* Translators: "Drawing synthetic chest films…: 80 of 300" */
    text = g_strdup_printf (_ ("%s %u of %u"), s->what, (guint) (fraction * s->total + 0.5), s->total);
  s->func (s->from + (s->to - s->from) * fraction, text != NULL ? text : s->what, s->data);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *full = g_build_filename (path, name, NULL);

        if (g_file_test (full, G_FILE_TEST_IS_DIR) && !g_file_test (full, G_FILE_TEST_IS_SYMLINK))
          remove_tree (full);
        else
          g_unlink (full);
      }
  g_rmdir (path);
}

static void
demo_worker (GTask *task,
             gpointer source,
             gpointer task_data,
             GCancellable *cancellable)
{
  DemoData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) report = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (LsModelChoice) choice = NULL;
  g_autofree char *parent = g_path_get_dirname (d->path);
  g_autofree char *phantoms = NULL;
  LsImportOptions options = { 0 };
  LsSplitOptions split_options;
  Stage stage = { 0 };

  progress_of (d->relay, &stage.func, &stage.data);
  if (g_file_test (d->path, G_FILE_TEST_EXISTS))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, _ ("%s already exists"),
                               d->path);
      return;
    }
  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int e = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", parent,
                               g_strerror (e));
      return;
    }
  phantoms = g_build_filename (parent, ".demo-phantoms-XXXXXX", NULL);
  if (g_mkdtemp (phantoms) == NULL)
    {
      int e = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", parent,
                               g_strerror (e));
      return;
    }
  stage.from = 0.0;
  stage.to = 0.4;
  stage.what = _ ("Drawing synthetic chest films…");
  stage.total = ls_phantom_get_n_classes () * d->per_class;
  /* At the shipped model's input size, as it was trained, from another
   * seed than its training images (2026): images it has never seen. */
  if (!ls_phantom_write_dataset (phantoms, d->per_class, 7, 224, stage_progress, &stage,
                                 cancellable, &error))
    goto failed;
  store = ls_store_open (d->path, LS_STORE_OPEN_CREATE, &error);
  if (store == NULL)
    goto failed;
  stage.from = 0.4;
  stage.to = 0.9;
  stage.what = _ ("Importing the films…");
  stage.total = 0;
  options.author = "lungscope-demo";
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, phantoms, &options, stage_progress,
                            &stage, cancellable, &error);
  if (report == NULL)
    goto failed;
  stage.from = 0.9;
  stage.to = 0.97;
  stage.what = _ ("Setting test images aside…");
  ls_split_options_init (&split_options);
  split = ls_store_split (store, &split_options, stage_progress, &stage, cancellable, &error);
  if (split == NULL)
    goto failed;
  /* The shipped model, registered and active. */
  choice = ls_pipeline_choose_model (store, NULL, &error);
  if (choice == NULL)
    goto failed;
  if (stage.func != NULL)
    stage.func (1.0, _ ("Done"), stage.data);
  remove_tree (phantoms);
  g_task_return_boolean (task, TRUE);
  return;

failed:
  g_clear_pointer (&store, ls_store_close);
  remove_tree (phantoms);
  remove_tree (d->path);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
ls_create_demo_workspace_async (const char *path,
                                guint per_class,
                                LsProgressShowFunc progress,
                                gpointer progress_data,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  DemoData *d = g_new0 (DemoData, 1);

  d->path = g_strdup (path);
  d->per_class = per_class;
  task = task_new (NULL, cancellable, progress, progress_data, callback, user_data, &d->relay);
  g_task_set_source_tag (task, ls_create_demo_workspace_async);
  g_task_set_task_data (task, d, (GDestroyNotify) demo_data_free);
  g_task_run_in_thread (task, demo_worker);
}

gboolean
ls_create_demo_workspace_finish (GAsyncResult *result,
                                 GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- for the session's companion files (ls-session-private.h) ---- */

GTask *
ls_session_task_new (gpointer source,
                     GCancellable *cancellable,
                     LsProgressShowFunc progress,
                     gpointer progress_data,
                     GAsyncReadyCallback callback,
                     gpointer user_data,
                     LsProgressRelay **relay)
{
  return task_new (source, cancellable, progress, progress_data, callback, user_data, relay);
}

GMutex *
ls_session_get_model_lock (LsSession *self)
{
  g_return_val_if_fail (LS_IS_SESSION (self), NULL);
  return &self->model_lock;
}

void
ls_session_lock_model (LsSession *self)
{
  g_mutex_lock (&self->model_lock);
  ls_use_engine_threads (g_atomic_int_get (&self->threads));
}

void
ls_session_unlock_model (LsSession *self)
{
  g_mutex_unlock (&self->model_lock);
}

int
ls_session_engine_threads (LsSession *self)
{
  int threads = g_atomic_int_get (&self->threads);

  return threads > 0 ? threads : ls_default_threads ();
}

/* ---- the facts for a bug report ---- */

static void
info_worker (GTask *task,
             gpointer source,
             gpointer task_data,
             GCancellable *cancellable)
{
  const char *workspace = task_data;
  g_autoptr (JsonNode) info = ls_pipeline_info (workspace, workspace != NULL ? LS_WORKSPACE_ORIGIN_APP
                                                                             : LS_WORKSPACE_ORIGIN_NONE);

  g_task_return_pointer (task, ls_pipeline_info_to_text (info), g_free);
}

void
ls_info_text_async (const char *workspace,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = task_new (NULL, cancellable, NULL, NULL, callback, user_data, NULL);

  g_task_set_source_tag (task, ls_info_text_async);
  g_task_set_task_data (task, g_strdup (workspace), g_free);
  g_task_run_in_thread (task, info_worker);
}

char *
ls_info_text_finish (GAsyncResult *result,
                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
