/* crossval.h — K-fold cross-validation on a workspace for out-of-fold
 * probabilities (the label-error review queue ranks from them, queues.h)
 *
 * Every labelled image of the workspace (all three parts of the split) is
 * in one of K folds. Folds follow the split's groups (split.h: one patient,
 * or near-duplicate copies, stay together; an image the last split did not
 * assign is grouped by its patient id, else alone), and each class's
 * groups are dealt to the folds in an order fixed by a hash of the seed and
 * the group key, so every fold holds about 1/K of each class. For each fold
 * a model is trained from scratch (train.h) on the other folds — an eighth
 * of their groups held out for validation, early stopping and temperature
 * scaling — and predicts the fold's images with calibrated probabilities.
 * No model is registered.
 *
 * The run is recorded as training runs are (workspace.h): a runs row with
 * the configuration ({"kind": "crossval", …}), each epoch as a row and a
 * line of WS/runs/<run-id>.jsonl, numbered across the folds (fold f's epoch
 * e, from 0 and 1, is f × epochs + e). The out-of-fold probabilities are
 * written with the run's status "done" in one transaction at the end: a
 * cancelled or failed run writes none and is marked so.
 *
 * Call it in a worker thread that owns the LsStore (store.h); progress is
 * called from that thread; cancellation is checked before every batch.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dataset/store.h"
#include "pipeline/metrics.h"
#include "pipeline/train.h"

G_BEGIN_DECLS

typedef struct
{
  LsTrainConfig train;  /* per fold; epochs and seed from the CROSSVAL parameter
                         * table (params.h); class_names, dataset_version and
                         * output_path are set by the function; augment NULL =
                         * the workspace's, else the default */
  int folds;            /* 2 … 20, default 5 */
  const char *log_path; /* each epoch's JSON line also appended here, or NULL */
} LsCrossvalOptions;

void ls_crossval_options_init (LsCrossvalOptions *options);

typedef struct
{
  char *run_id;
  int folds;
  guint n_images;        /* labelled images, each with out-of-fold probabilities */
  guint n_groups;        /* their groups */
  guint n_unlabelled;    /* images left out for having no label */
  guint n_failed;        /* labelled images that could not be read (no row) */
  guint *fold_images;    /* folds: images of each fold */
  double *fold_accuracy; /* folds: accuracy of each fold's model on its fold */
  LsMetrics *metrics;    /* all out-of-fold probabilities together */
  double seconds;
} LsCrossval;

void ls_crossval_free (LsCrossval *crossval);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsCrossval, ls_crossval_free)

/* The fold (0 … @folds − 1) of each of @n items with class @labels[i] and
 * group @groups[i] (items of one group share its fold; a group's class is
 * that of its first item). Exposed for the tests. */
void ls_crossval_assign_folds (const char *const *groups,
                               const int *labels,
                               guint n,
                               int folds,
                               guint64 seed,
                               int *fold_of);

/* Runs the cross-validation and stores the out-of-fold probabilities. A
 * workspace never split gets the default split first (for its groups). */
LsCrossval *ls_workspace_crossval (LsStore *store,
                                   const LsCrossvalOptions *options,
                                   LsProgressFunc progress,
                                   gpointer user_data,
                                   LsTrainEpochFunc on_epoch,
                                   gpointer epoch_data,
                                   GCancellable *cancellable,
                                   GError **error);

G_END_DECLS
