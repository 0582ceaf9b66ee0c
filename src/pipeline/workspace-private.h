/* workspace-private.h — what workspace.c and workspace-finetune.c share:
 * the run log and registering a model made in memory
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pipeline/workspace.h"

G_BEGIN_DECLS

/* A training run's record: the runs row, WS/runs/<run-id>.jsonl and an
 * optional copy of the lines elsewhere. */
typedef struct
{
  LsStore *store;
  char *run_id;
  char *log_path; /* WS/runs/<run-id>.jsonl */
  int log_fd;
  const char *user_path; /* or NULL */
  int user_fd;
  LsTrainEpochFunc on_epoch; /* the caller's, after the epoch is logged */
  gpointer epoch_data;
  GCancellable *stop; /* pass this to the work: it follows the caller's
                       * cancellable and is cancelled when logging fails */
  GCancellable *cancellable;
  gulong forward;
  GError *error; /* the first logging failure */
} LsRunLog;

/* Adds the run's row (status "running") and opens its logs. */
gboolean ls_run_log_begin (LsRunLog *log,
                           LsStore *store,
                           const char *parent_id,
                           const char *config_json,
                           const char *user_path,
                           LsTrainEpochFunc on_epoch,
                           gpointer epoch_data,
                           GCancellable *cancellable,
                           GError **error);
/* The LsTrainEpochFunc to give the work, with the LsRunLog as data. */
void ls_run_log_epoch (const LsTrainEpoch *epoch,
                       gpointer log);

typedef char *(*LsRunLogRegister) (gpointer data,
                                   GError **error);

/* Ends the run: when the work succeeded (@ok) and logging did too, calls
 * @register_func for the new model's id (into *@model_id); then marks the
 * run done, cancelled or failed. On failure the work's error (or the
 * logging's, or the registration's) goes to @error. A run that makes no
 * model (cross-validation) passes @model_id NULL: @register_func then
 * stores its result and returns any non-NULL string, freed here. */
gboolean ls_run_log_end (LsRunLog *log,
                         gboolean ok,
                         GError **work_error,
                         LsRunLogRegister register_func,
                         gpointer register_data,
                         char **model_id,
                         GError **error);

/* Saves @model into a private temporary folder and registers it (copied
 * durably into WS/models/, then the row); returns its id. */
char *ls_workspace_register_model (LsStore *store,
                                   LsModel *model,
                                   gboolean activate,
                                   GError **error);

G_END_DECLS
