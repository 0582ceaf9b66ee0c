/* train-private.h — what train.c and train-card.c share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

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

  /* what ls_pipeline_train() and ls_pipeline_finetune() set differently */
  LsNetMode train_mode; /* TRAIN, or FINETUNE (batch norm frozen) */
  guint epoch_size;     /* 0: every training item once an epoch (shuffled or
                         * balanced draws); else WEIGHTED draws */
  double progress_from; /* the epochs' share of the progress fraction */
  double progress_to;
  JsonNode *card_finetune; /* borrowed; the card's train_config.finetune, or NULL */

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
 * NULL. With a message, progress goes from progress_from to progress_to
 * batch by batch. */
typedef struct
{
  float *logits;
  int *labels;
  float *features;
  guint *items; /* the loader's item index of each row */
  int capacity;
  const char *message;
  double progress_from, progress_to;
  int n;
  double loss; /* mean cross-entropy */
  int correct;
} LsTrainPass;

gboolean ls_train_run_pass (LsTrainRun *run,
                            LsLoader *loader,
                            LsTrainPass *pass,
                            GError **error);

/* Every label in [0, k); the error names the part and the item. */
gboolean ls_train_check_labels (const LsLoaderItem *items,
                                guint n,
                                int k,
                                const char *part,
                                GError **error);
void ls_train_report (LsTrainRun *run,
                      double fraction,
                      const char *message);
/* Training loaders augment with run->augment and sample as run->epoch_size
 * says; others run through the items once, in order, unaugmented. */
LsLoader *ls_train_make_loader (LsTrainRun *run,
                                const LsLoaderItem *items,
                                guint n,
                                gboolean training,
                                GError **error);
/* One epoch of training steps in run->train_mode (epoch from 0); fills
 * the training fields of @rec. */
gboolean ls_train_run_epoch (LsTrainRun *run,
                             int epoch,
                             LsTrainEpoch *rec,
                             GError **error);
/* A pass over run->val_loader (@n_val items) into run->val_logits,
 * _labels, _features (progress as in LsTrainPass when @message is set);
 * the temperature fit and the validation ECE before and after. */
gboolean ls_train_run_calibrate (LsTrainRun *run,
                                 guint n_val,
                                 const char *message,
                                 double progress_from,
                                 double progress_to,
                                 GError **error);
/* Mahalanobis statistics of @features (n × feature_dim, with @labels), or
 * an energy score when the net has no feature layer (@features unused);
 * the threshold from the validation pass of ls_train_run_calibrate(). */
gboolean ls_train_run_fit_ood (LsTrainRun *run,
                               const float *features,
                               const int *labels,
                               int n,
                               GError **error);
/* Calibrated metrics at @temperature of a pass over @loader (@pass: its
 * arrays may be NULL; logits and labels are provided if so). */
LsMetrics *ls_train_run_evaluate (LsTrainRun *run,
                                  LsLoader *loader,
                                  guint n,
                                  double temperature,
                                  LsTrainPass *pass,
                                  GError **error);

/* A float member as the number a person wrote (0.05, not 0.0500000007),
 * always valid JSON. */
void ls_train_card_add_float (JsonBuilder *b,
                              const char *key,
                              float v);

/* Frees what the run owns (loaders, augmentation, optimizer, net, OOD
 * detector, metrics, buffers); the config is borrowed. */
void ls_train_run_clear (LsTrainRun *run);

/* Takes the net, OOD detector and metrics from @run into a result with
 * the full card. */
LsTrainResult *ls_train_build_result (LsTrainRun *run,
                                      GError **error);

G_END_DECLS
