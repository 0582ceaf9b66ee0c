/* finetune.h — the relabel-and-retrain loop: a child of a model, trained
 * on corrected images plus a replay sample (DESIGN.md §2 flow 2)
 *
 * ls_pipeline_finetune() takes a parent LsModel (only read: its tensors,
 * card and detector are never written, its net is never run, so another
 * thread may keep predicting with it), the CORRECTED items (the images
 * whose label changed since the parent was trained, with their new
 * labels), a replay POOL (the parent's training items with their current
 * labels), and the validation and test parts. It:
 *
 *   1. copies the parent's net (parameters and running statistics) into a
 *      new one and scores the test and corrected items with it at the
 *      parent's temperature: the "before" figures;
 *   2. draws the replay sample from the pool (below) and trains a few
 *      epochs on corrected + replay in LS_NET_MODE_FINETUNE: batch norm
 *      frozen (the running statistics of the parent's whole training part
 *      normalise, only its affine parameters learn), dropout on, with the
 *      parent's augmentation (the card's train_config.augmentation) and
 *      preprocessing (the card's input: size, fit, mean, std); AdamW on a
 *      cosine schedule without warm-up; the LAST epoch is kept (the
 *      validation part holds few corrected images, so choosing the epoch
 *      by validation loss would favour the epoch that learned least);
 *   3. refits temperature scaling on the validation part;
 *   4. refits the OOD statistics (Mahalanobis, as ls_pipeline_train()) on
 *      the un-augmented features of the items trained on — the corrected
 *      items and the replay sample — with the threshold at the 95th
 *      percentile of the validation scores. The child's features moved,
 *      so the parent's means and covariance no longer describe them. If
 *      that fit is impossible (a class missing from corrected + replay,
 *      a singular covariance), the parent's statistics are kept and only
 *      the threshold is refitted on the child's validation features
 *      (LsFinetuneResult.ood_refit says which);
 *   5. scores the test and corrected items with the child at its new
 *      temperature: the "after" figures, their difference and the images
 *      whose predicted class flipped (metrics.h);
 *   6. returns the child as an LsModel with a fresh id, parent_id = the
 *      parent's id, and a card whose train_config has a "finetune" object
 *      (parent id, corrected and replay counts, pool size, oversampling,
 *      epochs, lr, batch, seed, "batch_norm": "frozen"); when
 *      `output_path` is set the child is written there atomically.
 *
 * The choices and why (the quality figures are tests/test-finetune.c's:
 * a 64² net whose parent learned 30 wrong labels; the time figures are
 * bench/bench-finetune.c's: lungnet-s at 224², 50 corrections):
 *
 *  - Oversampling (default 4): each corrected item is drawn with weight
 *    `oversample`, each replay item with weight 1 (LS_LOADER_SAMPLE_WEIGHTED,
 *    with replacement), and an epoch has oversample × corrected + replay
 *    draws: each corrected image is seen 4 times an epoch on average, each
 *    replay image once. Undoing a label the parent had learned takes
 *    repetition: with 3 epochs of batch 4, 2 draws an epoch fixed 19 of 30
 *    corrected images in the test, 4 fixed 22; the test accuracy held.
 *  - Replay size: replay_ratio × corrected (default 1×), at least
 *    replay_min (default 64, so a handful of corrections still comes with
 *    a sample of every class), at most replay_max (0 = no cap) and at most
 *    the pool. The replay then makes a fifth to a third of the draws, and
 *    one replay image or more sits in most batches of 4. A ratio of 2
 *    costs 108 more trained images for 50 corrections and is what to
 *    raise first when time allows. The sample is stratified by
 *    class in the pool's proportions (largest remainders; every class
 *    present in the pool gets one when the sample has room), drawn with
 *    the seed, so the replay mirrors the data the parent learned from.
 *    Pool items that are also corrected items (same path, or same bytes)
 *    are left out: in the pool they may carry the old label.
 *  - Learning rate (default 0 = a tenth of the parent's peak rate from its
 *    card's train_config.optimizer.lr; 1e-4 when the card has none): a
 *    fine-tune adjusts a converged net and must not undo it. In the test a
 *    tenth kept the test accuracy (0.783 → 0.783), a fifth fixed more
 *    corrections (25 of 30) but moved test accuracy by up to ±0.05 over
 *    four seeds, the parent's own rate dropped it to 0.33. The rate decays
 *    to 0 by a
 *    cosine over the steps; no warm-up is needed at that rate.
 *  - Epochs (default 3) and batch (default 4): with batch norm frozen the
 *    batch size no longer changes the normalisation, so a small batch
 *    costs no quality and little speed (lungnet-s trains about 10 % fewer
 *    images per CPU-second at 4 than at 32); it doubles the steps over a
 *    batch of 8 (22 fixed instead of 19 in the test) and keeps each step
 *    short, so a cancel is seen within about 100 ms of work even for
 *    lungnet-s at 224².
 *  - The time: 50 corrections give 50 × 4 + 64 = 264 draws an epoch, 792
 *    trained images, plus about 880 scored ones (parent and child on 300
 *    test and 50 corrected images, 120 validation, 64 replay). Measured
 *    on the shared 2-core machine: 51 s wall and 50.8 s of CPU at a load
 *    of 5 (one core's worth for us), 157 s and 53.6 s at a load of 9.5;
 *    about 26 s on two free cores if the work spreads over both. Three
 *    quarters of it is training steps, so the engine's speed sets it.
 *    Raising the replay ratio to 2 adds about 5 s of CPU.
 *
 * Validation happens before any work: no corrected items, no validation
 * part, labels outside the parent's classes, a replay wanted from an empty
 * pool, a bad configuration or an existing output file are
 * LS_TRAIN_ERROR_INVALID (G_IO_ERROR_EXISTS for the file). Cancellation is
 * checked before every batch; a cancelled fine-tune returns
 * G_IO_ERROR_CANCELLED and writes nothing. @progress gets one fraction for
 * the whole job, epochs and evaluations weighted by their cost (a trained
 * image counts as three scored ones); @on_epoch gets each epoch's record,
 * whose validation fields are filled for the last epoch only (NAN before:
 * the validation part is scored once, for the calibration).
 *
 * Determinism: for one seed, configuration and item lists, with threads =
 * 1, the child's weights and metrics are bit-identical from run to run.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pipeline/train.h"

G_BEGIN_DECLS

#define LS_FINETUNE_DEFAULT_EPOCHS 3
#define LS_FINETUNE_DEFAULT_BATCH 4
#define LS_FINETUNE_DEFAULT_OVERSAMPLE 4.0f
#define LS_FINETUNE_DEFAULT_REPLAY_RATIO 1.0f
#define LS_FINETUNE_DEFAULT_REPLAY_MIN 64
#define LS_FINETUNE_FALLBACK_LR 1e-4f

typedef struct
{
  int epochs;                  /* default 3 */
  int batch_size;              /* default 4 */
  float lr;                    /* peak learning rate; 0 = a tenth of the parent's */
  float min_lr;                /* at the end of the cosine (default 0) */
  LsOptimConfig optim;         /* default AdamW, decay 1e-4, clipping at 5 (as training) */
  float label_smoothing;       /* default 0.05 */
  float oversample;            /* sampling weight of a corrected item (≥ 1, default 4) */
  float replay_ratio;          /* replay items per corrected item (≥ 0, default 1) */
  guint replay_min;            /* default 64 */
  guint replay_max;            /* 0 = no cap */
  const char *augment;         /* NULL = the parent's (card); "" = none; else this text */
  guint64 seed;                /* default 1 */
  int threads;                 /* engine threads (default 1; 0 = ls_default_threads ()) */
  guint loader_workers;        /* 0 = the loader's default */
  const char *dataset_version; /* recorded in the card */
  const char *name;            /* NULL = "<parent name> fine-tuned <date>" */
  const char *output_path;     /* if set, the child is saved there (must not exist) */
} LsFinetuneConfig;

/* Parent and child on one set of items. Rows are the images scored (an
 * unreadable file is left out of both). Empty (n = 0, NULL pointers) for
 * an empty set. */
typedef struct
{
  int n;
  guint *items;        /* [n] index into the set's items */
  int *labels;         /* [n] the items' labels */
  int *pred_before;    /* [n] the parent's class */
  int *pred_after;     /* [n] the child's class */
  LsMetrics *before;   /* the parent, calibrated at its temperature */
  LsMetrics *after;    /* the child, calibrated at its new temperature */
  LsMetricsDiff *diff; /* after − before */
  LsFlip *flips;       /* images whose class changed: index is an item index,
                        * pred_a the parent's class, pred_b the child's */
  int n_flips;
} LsFinetuneComparison;

typedef struct
{
  LsModel *model;                 /* the child; its card's metrics are test.after */
  LsFinetuneComparison test;      /* the test part */
  LsFinetuneComparison corrected; /* the corrected items, with their new labels */
  LsTemperatureFit calibration;
  double val_ece_before; /* the child's validation ECE at T = 1 and at the fit */
  double val_ece_after;
  gboolean ood_refit; /* FALSE: the parent's statistics, new threshold */
  LsTrainEpoch *epochs;
  int n_epochs;
  guint n_corrected;
  guint n_replay;
  guint *replay; /* [n_replay] pool indices of the replay sample, ascending */
  float oversample;
  float lr; /* the peak rate used */
  double seconds;
} LsFinetuneResult;

void ls_finetune_config_init (LsFinetuneConfig *config);
/* Whether @config's values are in the ranges of params.h (and consistent);
 * FALSE with @error naming the first that is not. */
gboolean ls_finetune_check_config (const LsFinetuneConfig *config,
                                   GError **error);

gboolean ls_pipeline_finetune (const LsFinetuneConfig *config,
                               const LsModel *parent,
                               const LsLoaderItem *corrected,
                               guint n_corrected,
                               const LsLoaderItem *pool,
                               guint n_pool,
                               const LsLoaderItem *val,
                               guint n_val,
                               const LsLoaderItem *test,
                               guint n_test,
                               LsProgressFunc progress,
                               gpointer user_data,
                               LsTrainEpochFunc on_epoch,
                               gpointer epoch_data,
                               GCancellable *cancellable,
                               LsFinetuneResult **result,
                               GError **error);
void ls_finetune_result_free (LsFinetuneResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsFinetuneResult, ls_finetune_result_free)

G_END_DECLS
