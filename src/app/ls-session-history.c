/* ls-session-history.c — the model history, the registry's actions and
 * monitoring in GTask workers (ls-session-history.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include "ls-session-history.h"

#include "pipeline/model-info.h"

static LsStore *
open_store (LsSession *self,
            gboolean write,
            GError **error)
{
  return ls_store_open (ls_session_get_path (self), write ? LS_STORE_OPEN_DEFAULT : LS_STORE_OPEN_READ_ONLY,
                        error);
}

static GTask *
task_new (LsSession *self,
          gpointer source_tag,
          GCancellable *cancellable,
          GAsyncReadyCallback callback,
          gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* ---- history ---- */

static void
unref_array (gpointer array)
{
  g_ptr_array_unref (array);
}

static void
history_worker (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = open_store (source, FALSE, &error);
  GPtrArray *history = store != NULL ? ls_model_history (store, &error) : NULL;

  if (history == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, history, unref_array);
}

void
ls_session_history_async (LsSession *self,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (LS_IS_SESSION (self));

  task = task_new (self, ls_session_history_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, history_worker);
}

GPtrArray *
ls_session_history_finish (LsSession *self,
                           GAsyncResult *result,
                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- one model's details ---- */

void
ls_session_model_details_free (LsSessionModelDetails *d)
{
  if (d == NULL)
    return;
  ls_model_card_free (d->card);
  g_free (d->card_error);
  ls_metric_charts_free (d->charts);
  ls_metrics_free (d->metrics);
  ls_curves_chart_free (d->curves);
  g_free (d);
}

typedef struct
{
  char *model_id; /* or NULL (a run without a model) */
  gboolean deleted;
  char *metrics_json;
  gboolean has_run;
  LsTrainEpoch *epochs;
  int n_epochs;
  int best_epoch;
} DetailsData;

static void
details_data_free (DetailsData *d)
{
  g_free (d->model_id);
  g_free (d->metrics_json);
  g_free (d->epochs);
  g_free (d);
}

static void
details_worker (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  DetailsData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsSessionModelDetails) details = g_new0 (LsSessionModelDetails, 1);

  if (d->model_id != NULL && !d->deleted)
    {
      store = open_store (source, FALSE, &error);
      if (store == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      details->card = ls_registry_show (store, d->model_id, &error);
      if (details->card == NULL)
        details->card_error = g_strdup (error->message);
    }
  details->metrics = ls_metrics_from_model_json (d->metrics_json);
  if (details->metrics != NULL && details->metrics->n_classes >= 2)
    details->charts = ls_metric_charts_new (details->metrics);
  if (d->has_run)
    details->curves = ls_curves_chart_new (d->epochs, d->n_epochs, d->best_epoch);
  g_task_return_pointer (task, g_steal_pointer (&details), (GDestroyNotify) ls_session_model_details_free);
}

void
ls_session_model_details_async (LsSession *self,
                                const LsHistoryEntry *entry,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  DetailsData *d = g_new0 (DetailsData, 1);

  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (entry != NULL);

  d->model_id = g_strdup (entry->model_id);
  d->deleted = entry->status == LS_HISTORY_DELETED;
  d->metrics_json = g_strdup (entry->metrics_json);
  d->has_run = entry->run_id != NULL;
  d->n_epochs = entry->n_epochs;
  d->epochs = g_memdup2 (entry->epochs, sizeof (LsTrainEpoch) * (gsize) entry->n_epochs);
  d->best_epoch = entry->best_epoch;
  task = task_new (self, ls_session_model_details_async, cancellable, callback, user_data);
  g_task_set_task_data (task, d, (GDestroyNotify) details_data_free);
  g_task_run_in_thread (task, details_worker);
}

LsSessionModelDetails *
ls_session_model_details_finish (LsSession *self,
                                 GAsyncResult *result,
                                 GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- promote, delete, export ---- */

typedef enum
{
  ACTION_PROMOTE,
  ACTION_DELETE,
  ACTION_EXPORT,
} Action;

typedef struct
{
  Action action;
  char *model_id;
  char *dest;
} ActionData;

static void
action_data_free (ActionData *d)
{
  g_free (d->model_id);
  g_free (d->dest);
  g_free (d);
}

static void
action_worker (GTask *task,
               gpointer source,
               gpointer task_data,
               GCancellable *cancellable)
{
  ActionData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = open_store (source, d->action != ACTION_EXPORT, &error);
  gboolean ok = FALSE;

  if (store != NULL)
    switch (d->action)
      {
      case ACTION_PROMOTE:
        ok = ls_registry_promote (store, d->model_id, &error);
        break;
      case ACTION_DELETE:
        ok = ls_registry_delete (store, d->model_id, &error);
        break;
      case ACTION_EXPORT:
        ok = ls_registry_export (store, d->model_id, d->dest, TRUE, &error);
        break;
      default:
        g_assert_not_reached ();
      }
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_action (LsSession *self,
            Action action,
            const char *model_id,
            const char *dest,
            GCancellable *cancellable,
            GAsyncReadyCallback callback,
            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ActionData *d = g_new0 (ActionData, 1);

  d->action = action;
  d->model_id = g_strdup (model_id);
  d->dest = g_strdup (dest);
  task = task_new (self, ls_session_model_action_finish, cancellable, callback, user_data);
  g_task_set_task_data (task, d, (GDestroyNotify) action_data_free);
  g_task_run_in_thread (task, action_worker);
}

void
ls_session_promote_model_async (LsSession *self,
                                const char *model_id,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (model_id != NULL);
  run_action (self, ACTION_PROMOTE, model_id, NULL, cancellable, callback, user_data);
}

void
ls_session_delete_model_async (LsSession *self,
                               const char *model_id,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (model_id != NULL);
  run_action (self, ACTION_DELETE, model_id, NULL, cancellable, callback, user_data);
}

void
ls_session_export_model_async (LsSession *self,
                               const char *model_id,
                               const char *dest,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (LS_IS_SESSION (self));
  g_return_if_fail (model_id != NULL && dest != NULL);
  run_action (self, ACTION_EXPORT, model_id, dest, cancellable, callback, user_data);
}

gboolean
ls_session_model_action_finish (LsSession *self,
                                GAsyncResult *result,
                                GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- monitoring ---- */

void
ls_session_monitor_free (LsSessionMonitor *m)
{
  if (m == NULL)
    return;
  /* The charts borrow the report's arrays. */
  ls_monitor_charts_free (m->charts);
  ls_metric_charts_free (m->reliability);
  ls_monitor_report_free (m->report);
  g_free (m);
}

typedef struct
{
  LsMonitorOptions options;
  char *model_id;
} MonitorData;

static void
monitor_data_free (MonitorData *d)
{
  g_free (d->model_id);
  g_free (d);
}

static void
monitor_worker (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  MonitorData *d = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = open_store (source, FALSE, &error);
  g_autoptr (LsSessionMonitor) m = g_new0 (LsSessionMonitor, 1);

  if (store != NULL)
    m->report = ls_monitor_compute (store, &d->options, &error);
  if (m->report == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  m->charts = ls_monitor_charts_new (m->report);
  if (m->report->active_metrics != NULL && m->report->active_metrics->n_classes >= 2)
    m->reliability = ls_metric_charts_new (m->report->active_metrics);
  g_task_return_pointer (task, g_steal_pointer (&m), (GDestroyNotify) ls_session_monitor_free);
}

void
ls_session_monitor_async (LsSession *self,
                          const LsMonitorOptions *options,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  MonitorData *d = g_new0 (MonitorData, 1);

  g_return_if_fail (LS_IS_SESSION (self));

  if (options != NULL)
    d->options = *options;
  else
    ls_monitor_options_init (&d->options);
  d->model_id = g_strdup (d->options.model_id);
  d->options.model_id = d->model_id;
  task = task_new (self, ls_session_monitor_async, cancellable, callback, user_data);
  g_task_set_task_data (task, d, (GDestroyNotify) monitor_data_free);
  g_task_run_in_thread (task, monitor_worker);
}

LsSessionMonitor *
ls_session_monitor_finish (LsSession *self,
                           GAsyncResult *result,
                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
