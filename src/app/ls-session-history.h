/* ls-session-history.h — the model history, the registry's actions and
 * monitoring, as _async/_finish pairs on a session (the model-history and
 * monitoring pages, the drift info bar)
 *
 * Each call runs in a GTask worker with its own store connection, as
 * ls-session.h does; none uses the session's model (its net), so none
 * takes its lock. Promote, export and delete go through the registry
 * (pipeline/registry.h); the session keeps the model it opened with until
 * the window opens the workspace again.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-session.h"

#include "pipeline/charts.h"
#include "pipeline/history.h"
#include "pipeline/monitor.h"
#include "pipeline/registry.h"

G_BEGIN_DECLS

/* (element-type LsHistoryEntry) every model and run, oldest first
 * (pipeline/history.h). */
void ls_session_history_async (LsSession *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
GPtrArray *ls_session_history_finish (LsSession *self,
                                      GAsyncResult *result,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* What the history page shows of one entry beyond its row. */
typedef struct
{
  LsModelCard *card;      /* NULL for a deleted model, a run without a model, or an unreadable file */
  char *card_error;       /* why a model has no card, or NULL */
  LsMetrics *metrics;     /* the store's test metrics of the model, or NULL */
  LsMetricCharts *charts; /* confusion and reliability of @metrics, or NULL */
  LsCurvesChart *curves;  /* the run's epochs, or NULL without a run */
} LsSessionModelDetails;

void ls_session_model_details_free (LsSessionModelDetails *details);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionModelDetails, ls_session_model_details_free)

/* The card of @entry's model (its file, read in the worker) and its charts. */
void ls_session_model_details_async (LsSession *self,
                                     const LsHistoryEntry *entry,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
LsSessionModelDetails *ls_session_model_details_finish (LsSession *self,
                                                        GAsyncResult *result,
                                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Makes @model_id the only active model (ls_registry_promote). */
void ls_session_promote_model_async (LsSession *self,
                                     const char *model_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
/* Deletes @model_id's file; its row, lineage and predictions stay
 * (ls_registry_delete). */
void ls_session_delete_model_async (LsSession *self,
                                    const char *model_id,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
/* Copies @model_id's file to @dest durably, replacing it (the file chooser
 * asked) (ls_registry_export). */
void ls_session_export_model_async (LsSession *self,
                                    const char *model_id,
                                    const char *dest,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
/* The result of any of the three. */
gboolean ls_session_model_action_finish (LsSession *self,
                                         GAsyncResult *result,
                                         GError **error);

/* The monitoring report and its charts. */
typedef struct
{
  LsMonitorReport *report;
  LsMonitorCharts *charts;
  LsMetricCharts *reliability; /* the active model's, or NULL */
} LsSessionMonitor;

void ls_session_monitor_free (LsSessionMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionMonitor, ls_session_monitor_free)

/* ls_monitor_compute with @options (NULL: the defaults; copied). */
void ls_session_monitor_async (LsSession *self,
                               const LsMonitorOptions *options,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
LsSessionMonitor *ls_session_monitor_finish (LsSession *self,
                                             GAsyncResult *result,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
