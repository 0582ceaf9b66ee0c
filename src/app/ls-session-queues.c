/* ls-session-queues.c — the session's review queues, cross-validation and
 * PDF reading
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-session-private.h"
#include "ls-session-queues.h"

#include "pipeline/params.h"
#include "pipeline/reading.h"

/* ---- queues ---- */

void
ls_session_queues_free (LsSessionQueues *queues)
{
  if (queues == NULL)
    return;
  ls_queue_free (queues->queue);
  g_free (queues);
}

static void
queues_worker (GTask *task,
               gpointer source,
               gpointer task_data,
               GCancellable *cancellable)
{
  LsSession *self = source;
  LsQueueKind kind = (LsQueueKind) GPOINTER_TO_INT (task_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (self), LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsSessionQueues) q = g_new0 (LsSessionQueues, 1);

  if (store == NULL || !ls_workspace_queue_counts (store, &q->counts, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (kind != LS_SESSION_NO_QUEUE)
    {
      q->queue = ls_workspace_queue (store, kind, NULL, &error);
      if (q->queue == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&q), (GDestroyNotify) ls_session_queues_free);
}

void
ls_session_queues_async (LsSession *self,
                         LsQueueKind kind,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (kind == LS_SESSION_NO_QUEUE || (guint) kind < LS_QUEUE_N_KINDS);

  task = ls_session_task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_queues_async);
  g_task_set_task_data (task, GINT_TO_POINTER ((int) kind), NULL);
  g_task_run_in_thread (task, queues_worker);
}

LsSessionQueues *
ls_session_queues_finish (LsSession *self,
                          GAsyncResult *result,
                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- cross-validation ---- */

typedef struct
{
  int folds;
  int epochs;
  LsProgressRelay *relay;
} CrossvalData;

static void
crossval_worker (GTask *task,
                 gpointer source,
                 gpointer task_data,
                 GCancellable *cancellable)
{
  LsSession *self = source;
  CrossvalData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (self), LS_STORE_OPEN_DEFAULT, &error);
  LsCrossvalOptions options;
  LsCrossval *cv;

  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ls_crossval_options_init (&options);
  if (d->folds > 0)
    options.folds = d->folds;
  if (d->epochs > 0)
    options.train.epochs = d->epochs;
  /* Preferences' engine threads, as a count (crossval passes it on to its
   * evaluation, which takes no 0). */
  options.train.threads = ls_session_engine_threads (self);
  cv = ls_workspace_crossval (store, &options, d->relay != NULL ? ls_progress_relay_func : NULL, d->relay, NULL,
                              NULL, cancellable, &error);
  if (cv == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, cv, (GDestroyNotify) ls_crossval_free);
}

void
ls_session_crossval_async (LsSession *self,
                           int folds,
                           int epochs,
                           LsProgressShowFunc progress,
                           gpointer progress_data,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  CrossvalData *d;

  g_return_if_fail (LS_IS_SESSION (self));

  d = g_new0 (CrossvalData, 1);
  d->folds = folds;
  d->epochs = epochs;
  task = ls_session_task_new (self, cancellable, progress, progress_data, callback, user_data, &d->relay);
  g_task_set_source_tag (task, ls_session_crossval_async);
  g_task_set_task_data (task, d, g_free);
  g_task_run_in_thread (task, crossval_worker);
}

LsCrossval *
ls_session_crossval_finish (LsSession *self,
                            GAsyncResult *result,
                            GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the images no prediction ranks yet ---- */

static void
predict_unread_worker (GTask *task,
                       gpointer source,
                       gpointer task_data,
                       GCancellable *cancellable)
{
  LsSession *self = source;
  LsProgressRelay *relay = task_data;
  const LsModelChoice *choice = ls_session_get_model (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  LsPredictUnread *result;

  if (choice == NULL || choice->log_id == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s",
                               choice == NULL ? _ ("There is no model to read the images with")
                                              : _ ("The workspace is read-only: predictions cannot be logged"));
      return;
    }
  store = ls_store_open (ls_session_get_path (self), LS_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* (The pipeline takes the model's lock image by image; the engine's
   * threads are a process-wide setting, set here once.) */
  ls_use_engine_threads (ls_session_engine_threads (self));
  result = ls_workspace_predict_unread (store, choice, ls_session_get_model_lock (self),
                                        relay != NULL ? ls_progress_relay_func : NULL, relay, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, (GDestroyNotify) ls_predict_unread_free);
}

void
ls_session_predict_unread_async (LsSession *self,
                                 LsProgressShowFunc progress,
                                 gpointer progress_data,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  LsProgressRelay *relay = NULL;

  g_return_if_fail (LS_IS_SESSION (self));

  task = ls_session_task_new (self, cancellable, progress, progress_data, callback, user_data, &relay);
  g_task_set_source_tag (task, ls_session_predict_unread_async);
  /* Cancelled, what was read is still the answer. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, relay, NULL);
  g_task_run_in_thread (task, predict_unread_worker);
}

LsPredictUnread *
ls_session_predict_unread_finish (LsSession *self,
                                  GAsyncResult *result,
                                  GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the PDF reading ---- */

/* The image through the session's model (ls_session_diagnose_async, under
 * its mutex), then the page written in a worker of this task. */
typedef struct
{
  LsSaliencyMethod method;
  LsColormap colormap;
  float opacity;
  char *name;
  char *out;
  LsDiagnosis *diagnosis;
} ReportData;

static void
report_data_free (ReportData *d)
{
  g_free (d->name);
  g_free (d->out);
  ls_diagnosis_free (d->diagnosis);
  g_free (d);
}

static void
report_worker (GTask *task,
               gpointer source,
               gpointer task_data,
               GCancellable *cancellable)
{
  LsSession *self = source;
  ReportData *d = task_data;
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ls_pipeline_save_reading_pdf (ls_session_get_model (self), d->diagnosis, d->method, d->name, d->colormap,
                                     d->opacity, d->out, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
report_diagnosed_cb (GObject *source,
                     GAsyncResult *result,
                     gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ReportData *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->diagnosis = ls_session_diagnose_finish (LS_SESSION (source), result, &error);
  if (d->diagnosis == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, report_worker);
}

void
ls_session_save_report_async (LsSession *self,
                              const char *path,
                              const char *sha256,
                              const char *name,
                              const LsDiagnoseOptions *options,
                              LsColormap colormap,
                              float opacity,
                              const char *out,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task;
  ReportData *d;
  LsDiagnoseOptions o;

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (path != NULL || sha256 != NULL);
  g_return_if_fail (out != NULL);

  if (options != NULL)
    o = *options;
  else
    ls_diagnose_options_init (&o);
  o.predict.saliency = TRUE;
  o.log = FALSE;
  o.keep_values = FALSE;
  o.early = NULL;
  d = g_new0 (ReportData, 1);
  d->method = o.predict.method;
  d->colormap = colormap;
  d->opacity = opacity;
  d->name = g_strdup (name);
  d->out = g_strdup (out);
  task = ls_session_task_new (self, cancellable, NULL, NULL, callback, user_data, NULL);
  g_task_set_source_tag (task, ls_session_save_report_async);
  g_task_set_task_data (task, d, (GDestroyNotify) report_data_free);
  if (ls_session_get_model (self) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s",
                               ls_session_get_model_notice (self) != NULL ? ls_session_get_model_notice (self)
                                                                          : _ ("No model to read the image with"));
      g_object_unref (task);
      return;
    }
  ls_session_diagnose_async (self, path, path == NULL ? sha256 : NULL, &o, NULL, NULL, NULL, cancellable,
                             report_diagnosed_cb, task);
}

gboolean
ls_session_save_report_finish (LsSession *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
