/* train.h — training a network from scratch: the loop, calibration, OOD
 * statistics, evaluation and the model card (DESIGN.md §2 flow 3, §4)
 *
 * ls_pipeline_train() takes plain item arrays for the training, validation
 * and test parts (the workspace store fills them) and a configuration:
 *
 *   0. the weights are initialised at random (seed), or copied from
 *      `init` (a parent model: transfer learning, the head re-made when
 *      the classes differ);
 *   1. every epoch: one pass over the training part through the loader
 *      (augmentation, optional class-balanced sampling) with AdamW or SGD
 *      on a cosine schedule with warm-up; one pass over the validation
 *      part in eval mode; an LsTrainEpoch record to @on_epoch; the
 *      parameters and running statistics of the epoch with the lowest
 *      validation loss are copied aside (one buffer, allocated once);
 *      training stops early after `patience` epochs without improvement;
 *   2. the best epoch's weights are restored;
 *   3. temperature scaling is fitted on the validation logits
 *      (calibrate.h);
 *   4. Mahalanobis statistics (ood.h) are fitted on the global-average-
 *      pooled features of the training part (no augmentation) and the
 *      threshold set at the 95th percentile of the validation scores;
 *   5. the test part is evaluated with calibrated probabilities
 *      (metrics.h);
 *   6. the result holds the net as an LsModel with its full card; when
 *      `output_path` is set it is written there atomically.
 *
 * Cancellation is checked before every batch; a cancelled training
 * returns G_IO_ERROR_CANCELLED and writes nothing. @progress is called
 * from the calling thread with a fraction in [0, 1] and a short message
 * in a stack buffer (copy it if you keep it).
 *
 * Determinism: for one seed, configuration and item list, with threads = 1,
 * the weights and metrics are bit-identical from run to run (the loader's
 * batches do not depend on its workers; see loader.h).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/optim.h"
#include "pipeline/calibrate.h"
#include "pipeline/loader.h"
#include "pipeline/metrics.h"
#include "pipeline/predict.h"

G_BEGIN_DECLS

#define LS_TRAIN_ERROR (ls_train_error_quark ())

typedef enum
{
  LS_TRAIN_ERROR_INVALID, /* a configuration or item list that cannot train */
  LS_TRAIN_ERROR_FAILED,  /* training went wrong (non-finite loss, no images) */
} LsTrainError;

typedef struct
{
  const char *arch;               /* network spec text; NULL = lungnet-s */
  const char *const *class_names; /* NULL-terminated, as many as the net's outputs */
  LsFit fit;                      /* default letterbox; the size is the arch's */
  float mean[LS_LOADER_MAX_CHANNELS];
  float std[LS_LOADER_MAX_CHANNELS]; /* default 0 and 1 */

  int epochs;                 /* default 30 */
  int batch_size;             /* default 32 */
  LsOptimConfig optim;        /* default AdamW, decay 1e-4, clipping at 5 */
  float lr;                   /* peak learning rate (default 1e-3) */
  float min_lr;               /* at the end of the cosine (default 0) */
  float warmup_epochs;        /* linear warm-up (default 1) */
  float label_smoothing;      /* default 0.05 */
  const float *class_weights; /* loss weights (classes) or NULL */
  gboolean balanced;          /* class-balanced sampling instead of a shuffle */
  const char *augment;        /* augmentation text (augment.h); NULL = the default
                               * chest pipeline; "" = none */
  guint64 seed;
  int threads;                 /* engine threads (default 1; 0 = ls_default_threads ()) */
  guint loader_workers;        /* 0 = the loader's default */
  int patience;                /* epochs without a better validation loss before
                                * stopping; 0 = never stop early (default 5) */
  const char *dataset_version; /* recorded in the card */
  const char *name;            /* the model's human name; NULL = "<arch> <date>" */
  const char *parent_id;       /* NULL or "" for a model trained from scratch;
                                * with @init, NULL means init's id */
  const LsModel *init;         /* start from this model's weights instead of a random
                                * initialisation; the head (the last linear layer) is
                                * re-made when its classes are not @class_names.
                                * With @arch NULL the arch is init's (its head resized
                                * to the classes). NULL = from scratch */
  const char *output_path;     /* if set, the model is saved there at the end */
} LsTrainConfig;

/* One epoch's record: the CLI writes it as a JSON line, the store keeps it. */
typedef struct
{
  int epoch; /* from 1 */
  int epochs;
  guint n_images; /* training images this epoch */
  double train_loss;
  double train_accuracy;
  double lr; /* at the epoch's last step */
  double images_per_second;
  double wait_seconds; /* the trainer waiting for the loader */
  double seconds;      /* wall time of the epoch, validation included */
  double val_loss;
  double val_accuracy;
  gboolean best; /* the best epoch so far */
} LsTrainEpoch;

typedef void (*LsTrainEpochFunc) (const LsTrainEpoch *epoch,
                                  gpointer user_data);

typedef struct
{
  LsModel *model;     /* the trained net (best epoch) and its card */
  LsMetrics *metrics; /* test part with calibrated probabilities; NULL without one */
  LsTemperatureFit calibration;
  double val_ece_before; /* validation ECE at T = 1 and at the fitted T */
  double val_ece_after;
  LsTrainEpoch *epochs; /* every epoch run */
  int n_epochs;
  int best_epoch; /* from 1 */
  gboolean stopped_early;
  double seconds;
} LsTrainResult;

GQuark ls_train_error_quark (void);
void ls_train_config_init (LsTrainConfig *config);

/* Checks a network spec to train (@arch; NULL: the default network) before
 * any work; with @size other than 0, *@sized gets the spec resized to that
 * input size (else NULL). FALSE with @error (the spec's own message). */
gboolean ls_train_check_arch (const char *arch,
                              int size,
                              char **sized,
                              GError **error);
/* The default network's input size, pixels. */
int ls_train_default_input_size (void);

gboolean ls_pipeline_train (const LsTrainConfig *config,
                            const LsLoaderItem *train,
                            guint n_train,
                            const LsLoaderItem *val,
                            guint n_val,
                            const LsLoaderItem *test,
                            guint n_test,
                            LsProgressFunc progress,
                            gpointer user_data,
                            LsTrainEpochFunc on_epoch,
                            gpointer epoch_data,
                            GCancellable *cancellable,
                            LsTrainResult **result,
                            GError **error);
void ls_train_result_free (LsTrainResult *result);

/* One JSON object on one line (no newline), for a JSON-lines run log. */
char *ls_train_epoch_to_json (const LsTrainEpoch *epoch);

/* A 26-character time-sortable id (ULID: 48-bit milliseconds since the
 * epoch, 80 random bits, Crockford base32). */
char *ls_model_id_new (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsTrainResult, ls_train_result_free)

G_END_DECLS
