/* history.h — every model of a workspace with its lineage, data, metrics,
 * status and its run's epochs: the app's model-history page
 *
 * One entry per model (deleted ones included) and one per training run
 * that registered no model (failed, cancelled, or unfinished: running now,
 * or interrupted by a crash or kill, which the store cannot tell apart; the
 * app knows which runs it is running). Oldest first: a model by its
 * registration, a model-less run by its start.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "dataset/store.h"
#include "pipeline/train.h"

G_BEGIN_DECLS

typedef enum
{
  LS_HISTORY_ACTIVE,          /* the active model */
  LS_HISTORY_AVAILABLE,       /* registered, not active */
  LS_HISTORY_DELETED,         /* deleted: row, lineage and predictions kept, file gone */
  LS_HISTORY_RUN_UNFINISHED,  /* a run with no end recorded: running, or interrupted and not
                               * yet marked so */
  LS_HISTORY_RUN_FAILED,      /* a run that ended in an error */
  LS_HISTORY_RUN_CANCELLED,   /* a run cancelled by the user */
  LS_HISTORY_RUN_INTERRUPTED, /* its process was killed or crashed, or the computer stopped
                               * (ls_workspace_mark_interrupted_runs) */
} LsHistoryStatus;

const char *ls_history_status_to_string (LsHistoryStatus status);

typedef struct
{
  LsHistoryStatus status;
  char *model_id;        /* NULL for a run that registered no model */
  char *name;            /* the model card's name; NULL when its file is gone or has none */
  char *parent_id;       /* the model's parent, or the run's starting model; NULL for a root */
  int depth;             /* generations below its root (0: a root) */
  char *dataset_version; /* NULL for a model-less run */
  char *metrics_json;    /* the model's metrics, or NULL */
  double accuracy;       /* from the metrics (top level or "test"); NAN when absent */
  double macro_f1;
  double ece;
  gint64 time;         /* µs: registered (a model) or started (a model-less run) */
  gint64 deleted;      /* µs, or 0 */
  guint n_predictions; /* logged with this model */
  /* The run that made it; all NULL/0 for a model added from a file. */
  char *run_id;
  char *run_status; /* "running", "done", "failed", "cancelled", "interrupted" as stored */
  char *run_config_json;
  gint64 run_started;
  gint64 run_finished; /* 0 when unfinished */
  int n_epochs;
  LsTrainEpoch *epochs; /* n_epochs, parsed from the run's epoch log, for ls_curves_chart_new */
  int best_epoch;       /* from 1, the last epoch marked best; 0 when none */
} LsHistoryEntry;

void ls_history_entry_free (LsHistoryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsHistoryEntry, ls_history_entry_free)

/* (element-type LsHistoryEntry) the workspace's history, oldest first.
 * Read-only; on the store's thread (the app: a worker with its own
 * LsStore). */
GPtrArray *ls_model_history (LsStore *store,
                             GError **error);

G_END_DECLS
