/* train-private.h — what train.c and train-card.c share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/augment.h"
#include "pipeline/ood.h"
#include "pipeline/train.h"

G_BEGIN_DECLS

typedef struct
{
  const LsTrainConfig *config;
  LsProgressFunc progress;
  gpointer user_data;
  LsTrainEpochFunc on_epoch;
  gpointer epoch_data;
  GCancellable *cancellable;

  LsNet *net;
  LsOptimizer *opt;
  LsAugmentPipeline *augment; /* NULL: no augmentation */
  LsLoader *train_loader;
  LsLoader *val_loader;
  int feature_layer; /* GAP, or −1 */
  int feature_dim;
  float *best; /* the best epoch's tensors, in state-dict order */
  gsize n_snapshot;
  guint batches_per_epoch;
  gint64 step, warmup_steps, total_steps;

  LsTrainEpoch *epochs;
  int n_epochs;
  int best_epoch;
  gboolean stopped_early;

  /* after training */
  float *val_logits;
  int *val_labels;
  float *val_features;
  int n_val;
  LsTemperatureFit calibration;
  double val_ece_before, val_ece_after;
  LsOod *ood;
  LsMetrics *metrics;
  double seconds;
} LsTrainRun;

/* One pass in eval mode over a loader; the arrays (capacity rows) may be
 * NULL. */
typedef struct
{
  float *logits;
  int *labels;
  float *features;
  int capacity;
  int n;
  double loss; /* mean cross-entropy */
  int correct;
} LsTrainPass;

gboolean ls_train_run_pass (LsTrainRun *run,
                            LsLoader *loader,
                            LsTrainPass *pass,
                            GError **error);

/* Takes the net, OOD detector and metrics from @run into a result with
 * the full card. */
LsTrainResult *ls_train_build_result (LsTrainRun *run,
                                      GError **error);

G_END_DECLS
