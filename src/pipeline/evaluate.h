/* evaluate.h — a model's calibrated predictions and metrics on an item list
 *
 * ls_pipeline_evaluate() runs a loaded model over labelled items in eval
 * mode, in batches, with the loader's decoding workers and the model's own
 * preprocessing (size, fit, mean and std from its card), and scores the
 * calibrated probabilities (the card's temperature) with metrics.h. Items
 * that cannot be read are skipped and counted; `rows` maps each row back
 * to its item. The evaluation, the workspace's `eval`, fine-tuning's
 * before/after comparison and the app's comparison view all use it.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pipeline/loader.h"
#include "pipeline/metrics.h"
#include "pipeline/predict.h"

G_BEGIN_DECLS

typedef struct
{
  int batch_size;             /* default 32 */
  int threads;                /* engine threads (default 1) */
  guint loader_workers;       /* 0 = the loader's default */
  gboolean features;          /* keep the GAP features (OOD) */
  const char *const *sources; /* per item (n_items) for the per-source
                               * breakdown, or NULL */
} LsEvaluateOptions;

typedef struct
{
  int n; /* rows: items that could be read */
  int n_classes;
  guint n_failed;  /* items that could not be read */
  float *logits;   /* n × n_classes, before calibration */
  float *probs;    /* n × n_classes, calibrated */
  int *labels;     /* n */
  guint *rows;     /* n: the item of each row */
  float *features; /* n × feature_dim when asked, else NULL */
  int feature_dim;
  double *ood; /* n OOD scores (NAN without a detector) */
  LsMetrics *metrics;
  double seconds;
} LsEvaluation;

void ls_evaluate_options_init (LsEvaluateOptions *options);

/* Labels must be class indices of the model. The model's net is re-planned
 * for the batch (one caller at a time, as for prediction). Progress is
 * called from the calling thread; cancellation is checked every batch. */
LsEvaluation *ls_pipeline_evaluate (LsModel *model,
                                    const LsLoaderItem *items,
                                    guint n_items,
                                    const LsEvaluateOptions *options,
                                    LsProgressFunc progress,
                                    gpointer user_data,
                                    GCancellable *cancellable,
                                    GError **error);
void ls_evaluation_free (LsEvaluation *evaluation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsEvaluation, ls_evaluation_free)

G_END_DECLS
