/* workspace.h — the pipeline on a workspace: its split parts as loader
 * items, training, calibration and evaluation of registered models, with
 * the run log kept in the store (DESIGN.md §2 flows 2 and 3, §5)
 *
 * These tie src/dataset (the store, the split) to the pipeline: the CLI's
 * train, calibrate and eval and the app's Train and Retrain call them in a
 * worker thread that owns the LsStore for the duration (store.h's threading
 * contract). Progress is called from that thread.
 *
 * Training records a run: a row in the store's runs table at the start
 * (configuration JSON, status "running"), one row per epoch and one line
 * per epoch in WS/runs/<run-id>.jsonl (written whole and synced, so a
 * killed process leaves complete lines), then status "done" with the new
 * model's id, or "cancelled" / "failed". The model file is written to a
 * private temporary folder and registered (copied durably into
 * WS/models/, then the row) only when everything succeeded: a cancelled
 * or failed run registers nothing.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dataset/split.h"
#include "dataset/store.h"
#include "pipeline/evaluate.h"
#include "pipeline/finetune.h"
#include "pipeline/train.h"

G_BEGIN_DECLS

#define LS_WORKSPACE_ERROR (ls_workspace_error_quark ())

typedef enum
{
  LS_WORKSPACE_ERROR_NO_DATA,  /* a part of the split has no labelled image */
  LS_WORKSPACE_ERROR_CLASSES,  /* the model's classes are not the workspace's */
  LS_WORKSPACE_ERROR_NO_MODEL, /* no model given and none active */
} LsWorkspaceError;

GQuark ls_workspace_error_quark (void);

/* Labelled images as loader items (label = index in the workspace's
 * classes); the strings the items point to live as long as the part. */
typedef struct
{
  LsLoaderItem *items;
  guint n_items;
  char **sha256;      /* n_items, NULL-terminated */
  GStrv classes;      /* the workspace's classes */
  guint n_unlabelled; /* images of the part left out for having no label */
  GPtrArray *strings; /* (private) what the items point to */
} LsWorkspacePart;

void ls_workspace_part_free (LsWorkspacePart *part);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkspacePart, ls_workspace_part_free)

/* The labelled images of one part of the split, in import order. */
LsWorkspacePart *ls_workspace_load_part (LsStore *store,
                                         LsSplitPart part,
                                         GError **error);
/* The items of @part whose hash is in @sha256 (a set of hashes) when
 * @in_set, or not in it otherwise; a new part, nothing read again. */
LsWorkspacePart *ls_workspace_part_select (const LsWorkspacePart *part,
                                           GHashTable *sha256,
                                           gboolean in_set);

/* Loads the registered model @id_or_prefix (NULL: the active one) and
 * checks its classes against the workspace's. *@id gets the full id. */
LsModel *ls_workspace_load_model (LsStore *store,
                                  const char *id_or_prefix,
                                  char **id,
                                  GError **error);

typedef struct
{
  LsTrainConfig train;  /* class_names, dataset_version are the workspace's */
  const char *log_path; /* each epoch's JSON line also appended here, or NULL */
  gboolean activate;    /* make the new model active (it is when none is) */
  const char *init;     /* a model to start from: a model file when a file of that
                         * name exists, else a registered model (id or prefix); its
                         * weights, its head re-made when its classes are not the
                         * workspace's; recorded as the parent in the card (and in
                         * the store when registered). NULL = from scratch */
} LsWorkspaceTrainOptions;

void ls_workspace_train_options_init (LsWorkspaceTrainOptions *options);

typedef struct
{
  char *run_id;
  char *model_id;
  gboolean activated;
  guint n_train, n_val, n_test; /* labelled images of each part */
  LsTrainResult *result;
  LsSplitReport *split; /* the default split training made first, or NULL */
} LsWorkspaceRun;

void ls_workspace_run_free (LsWorkspaceRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkspaceRun, ls_workspace_run_free)

/* Whether the workspace has images and was never split (no split seed
 * recorded): training then makes the default split first. */
gboolean ls_workspace_needs_split (LsStore *store,
                                   gboolean *needs_split,
                                   GError **error);

/* Makes the default split (ls_split_options_init) when the workspace
 * needs one; *@report gets it, or NULL when nothing was done. */
gboolean ls_workspace_ensure_split (LsStore *store,
                                    LsSplitReport **report,
                                    LsProgressFunc progress,
                                    gpointer user_data,
                                    GCancellable *cancellable,
                                    GError **error);

/* Trains a model from scratch on the workspace's split (flow 3) and
 * registers it; a workspace never split gets the default split first
 * (ls_workspace_ensure_split, kept in the result's `split`). @on_epoch
 * (may be NULL) sees each epoch after the store and the run log have it. */
LsWorkspaceRun *ls_workspace_train (LsStore *store,
                                    const LsWorkspaceTrainOptions *options,
                                    LsProgressFunc progress,
                                    gpointer user_data,
                                    LsTrainEpochFunc on_epoch,
                                    gpointer epoch_data,
                                    GCancellable *cancellable,
                                    GError **error);

typedef struct
{
  char *model_id;  /* the new, recalibrated model */
  char *parent_id; /* the model it was made from */
  gboolean activated;
  LsTemperatureFit fit;
  double val_ece_before, val_ece_after; /* validation ECE at the old and new T */
  double old_temperature;
  LsMetrics *test; /* test part with the new temperature, or NULL without one */
} LsWorkspaceCalibration;

void ls_workspace_calibration_free (LsWorkspaceCalibration *calibration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkspaceCalibration, ls_workspace_calibration_free)

/* Fits the temperature of model @id_or_prefix (NULL: active) on the
 * validation part. Model files are never rewritten: the result is a new
 * model, the child of the old one with the same weights and the new
 * temperature, registered and made active when its parent was. */
LsWorkspaceCalibration *ls_workspace_calibrate (LsStore *store,
                                                const char *id_or_prefix,
                                                int threads,
                                                LsProgressFunc progress,
                                                gpointer user_data,
                                                GCancellable *cancellable,
                                                GError **error);

typedef struct
{
  LsFinetuneConfig finetune; /* dataset_version is the workspace's */
  const char *parent;        /* a model id or prefix; NULL = the active one */
  const char *log_path;      /* each epoch's JSON line also appended here, or NULL */
  gboolean activate;         /* accept at once: make the child active */
} LsWorkspaceFinetuneOptions;

void ls_workspace_finetune_options_init (LsWorkspaceFinetuneOptions *options);

typedef struct
{
  char *run_id;
  char *model_id;  /* the child, registered */
  char *parent_id; /* never modified */
  gboolean activated;
  guint n_corrected;         /* training images whose label changed since the parent */
  guint n_changed_elsewhere; /* changed images of the validation and test parts, not trained on */
  char **corrected;          /* their hashes, NULL-terminated */
  LsFinetuneResult *result;  /* before/after on the test part and the corrected images */
} LsWorkspaceFinetune;

void ls_workspace_finetune_free (LsWorkspaceFinetune *finetune);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkspaceFinetune, ls_workspace_finetune_free)

/* Relabel and retrain (flow 2): fine-tunes a child of @options->parent on
 * the training images whose label changed since the parent was registered
 * (ls_store_labels_changed_since) plus a replay sample of the rest of the
 * training part (finetune.h), with the validation part for calibration and
 * before/after figures on the test part. The child is registered; it is
 * made active only with @options->activate (the app's Accept, or
 * 'lungscope-cli models promote'); Discard is deleting it. The run is
 * logged as a training run with the parent recorded. */
LsWorkspaceFinetune *ls_workspace_finetune (LsStore *store,
                                            const LsWorkspaceFinetuneOptions *options,
                                            LsProgressFunc progress,
                                            gpointer user_data,
                                            LsTrainEpochFunc on_epoch,
                                            gpointer epoch_data,
                                            GCancellable *cancellable,
                                            GError **error);

/* For a list of @n workspace images (by hash): *@names their file names as
 * imported (the hash where the store has none), NULL-terminated; and
 * *@thumbnails (LsImage, entries NULL where there is none) their cached
 * thumbnails, the first @n_thumbnails of them only. For lists of images in
 * a window. */
void ls_workspace_image_names (LsStore *store,
                               const char *const *sha256,
                               guint n,
                               guint n_thumbnails,
                               char ***names,
                               GPtrArray **thumbnails);

/* Marks each run still "running" whose process is gone (killed, crashed,
 * the computer stopped: its log is not locked) as "interrupted"; returns
 * how many. Nothing on a read-only workspace. */
guint ls_workspace_mark_interrupted_runs (LsStore *store,
                                          GError **error);

/* How many training images' labels changed since model @parent (NULL: the
 * active one) was registered — what a fine-tune would train on — and how
 * many of the validation and test parts (never trained on). *@parent_id
 * (may be NULL) gets the model's full id. The app's Retrain button. */
gboolean ls_workspace_count_corrections (LsStore *store,
                                         const char *parent,
                                         char **parent_id,
                                         guint *n_train,
                                         guint *n_elsewhere,
                                         GError **error);

/* Evaluates model @id_or_prefix (NULL: active) on one part of the split
 * with calibrated probabilities. *@id (may be NULL) gets the full id. */
LsEvaluation *ls_workspace_evaluate (LsStore *store,
                                     const char *id_or_prefix,
                                     LsSplitPart part,
                                     int threads,
                                     char **id,
                                     LsProgressFunc progress,
                                     gpointer user_data,
                                     GCancellable *cancellable,
                                     GError **error);

/* The predicted (argmax) class of each row of @evaluation. */
int *ls_evaluation_predictions (const LsEvaluation *evaluation);

typedef struct
{
  LsSplitPart part;
  char *id_a, *id_b;   /* full ids */
  LsEvaluation *a, *b; /* the same rows (same images, same order) */
  LsFlip *flips;       /* rows whose predicted class differs */
  int n_flips;
  char **flip_sha256; /* the image of each flip, NULL-terminated */
} LsWorkspaceComparison;

void ls_workspace_comparison_free (LsWorkspaceComparison *comparison);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsWorkspaceComparison, ls_workspace_comparison_free)

/* Evaluates models @model_a (NULL: the active one) and @model_b on one
 * part of the split, read once: both metrics and the images whose
 * predicted class flips between them (`eval --compare`; the app's
 * parent/child comparison after Retrain). */
LsWorkspaceComparison *ls_workspace_compare (LsStore *store,
                                             const char *model_a,
                                             const char *model_b,
                                             LsSplitPart part,
                                             int threads,
                                             LsProgressFunc progress,
                                             gpointer user_data,
                                             GCancellable *cancellable,
                                             GError **error);

G_END_DECLS
