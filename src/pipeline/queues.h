/* queues.h — the review queues: ranked lists of a workspace's images for a
 * person to look at next
 *
 *   unlabelled    images without a label, in import order (ranking
 *                 DEFAULT; an entry's score is the entropy of the active
 *                 model's latest prediction, NAN without one);
 *   disagree      labelled images whose latest prediction by the active
 *                 model is another class, the model's probability of the
 *                 given label lowest first;
 *   uncertain     images with a prediction by the active model, most
 *                 uncertain first (active learning): entropy of the
 *                 probabilities, highest first, or the margin between the
 *                 two most probable classes, smallest first;
 *   label-errors  possible label errors as confident learning finds them
 *                 (Northcutt, Jiang and Chuang, JAIR 2021): the threshold
 *                 of class j is the mean probability of j over the images
 *                 labelled j, t_j = mean p_j; an image labelled y is a
 *                 candidate when its probability of some other class k
 *                 reaches t_k; candidates are ranked by the probability of
 *                 the given label (self-confidence), lowest first, or by
 *                 the normalised margin p_y − max_{k≠y} p_k, lowest first.
 *
 * The label-error queue uses the out-of-fold probabilities of the latest
 * cross-validation (crossval.h) when there is one; until then the active
 * model's latest predictions, which the model may have trained on: the
 * queue then says that its ranking is in-sample. The current label counts,
 * also for images relabelled after the cross-validation.
 *
 * The results are plain structs, read in one pass over the store: call
 * these in a worker that owns the LsStore and hand the result over.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "base/progress.h"
#include "dataset/store.h"
#include "pipeline/model-source.h"

G_BEGIN_DECLS

typedef enum
{
  LS_QUEUE_UNLABELLED,
  LS_QUEUE_DISAGREE,
  LS_QUEUE_UNCERTAIN,
  LS_QUEUE_LABEL_ERRORS,
} LsQueueKind;

#define LS_QUEUE_N_KINDS 4

typedef enum
{
  LS_QUEUE_RANK_DEFAULT, /* entropy for uncertain, self-confidence for label errors */
  LS_QUEUE_RANK_ENTROPY,
  LS_QUEUE_RANK_MARGIN,
  LS_QUEUE_RANK_SELF_CONFIDENCE,
  LS_QUEUE_RANK_NORMALIZED_MARGIN,
} LsQueueRanking;

typedef enum
{
  LS_QUEUE_SOURCE_NONE,         /* no probabilities: no model, no cross-validation */
  LS_QUEUE_SOURCE_ACTIVE_MODEL, /* the active model's latest predictions */
  LS_QUEUE_SOURCE_CROSSVAL,     /* out-of-fold probabilities */
} LsQueueSource;

typedef struct
{
  LsQueueRanking ranking;
  guint limit;              /* entries kept, 0 = all (n_total counts all) */
  gboolean unlabelled_only; /* uncertain: only unlabelled images */
} LsQueueOptions;

void ls_queue_options_init (LsQueueOptions *options);

typedef struct
{
  char sha256[65];
  gint64 image_id;
  int label;     /* class index of the current label, −1 when unlabelled */
  int predicted; /* the most probable class, −1 without probabilities */
  int suggested; /* label errors: the other class k with p_k ≥ t_k most
                  * probable; other queues: predicted */
  double score;  /* the ranking's value (entropy, margin, p_y, …); NAN without one */
} LsQueueEntry;

typedef struct
{
  LsQueueKind kind;
  LsQueueRanking ranking; /* the one applied (never DEFAULT) */
  LsQueueSource source;
  gboolean in_sample; /* label errors ranked by a model that may have trained on them */
  char *source_id;    /* the model id or the cross-validation run id, or NULL */
  GStrv classes;
  int n_classes;
  guint n_total;   /* images in the queue */
  guint n_entries; /* kept: min (n_total, limit) */
  LsQueueEntry *entries;
  float *probabilities; /* n_entries × n_classes of the source; NAN rows without */
  double *thresholds;   /* label errors: t_j (NAN for a class no image is labelled with); else NULL */
  guint n_unranked;     /* images the queue could not judge: no probabilities */
} LsQueue;

void ls_queue_free (LsQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsQueue, ls_queue_free)

const char *ls_queue_kind_to_string (LsQueueKind kind);
gboolean ls_queue_kind_from_string (const char *text,
                                    LsQueueKind *kind);
const char *ls_queue_ranking_to_string (LsQueueRanking ranking);
gboolean ls_queue_ranking_from_string (const char *text,
                                       LsQueueRanking *ranking);

/* One queue of the workspace. */
LsQueue *ls_workspace_queue (LsStore *store,
                             LsQueueKind kind,
                             const LsQueueOptions *options,
                             GError **error);

typedef struct
{
  guint counts[LS_QUEUE_N_KINDS]; /* n_total of each queue, default options */
  gboolean label_errors_in_sample;
  LsQueueSource label_errors_source;
} LsQueueCounts;

/* Every queue's count, from one read of the store. */
gboolean ls_workspace_queue_counts (LsStore *store,
                                    LsQueueCounts *counts,
                                    GError **error);

/* Confident learning's per-class thresholds: t_j = mean of probs[i, j] over
 * the rows with labels[i] = j (NAN when there is none); rows with a label
 * < 0 are ignored. */
void ls_queue_class_thresholds (const float *probs,
                                const int *labels,
                                guint n,
                                int n_classes,
                                double *thresholds);

/* What ls_workspace_predict_unread did. */
typedef struct
{
  guint n_unread; /* images without a prediction by the model when it began */
  guint n_read;   /* of them, read and logged */
  guint n_failed; /* could not be read (the first one's reason below) */
  char *first_failure;
  GStrv sha256; /* the images read, in import order */
} LsPredictUnread;

void ls_predict_unread_free (LsPredictUnread *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsPredictUnread, ls_predict_unread_free)

/* Reads every workspace image that @choice's model has no logged
 * prediction of — the images the queues cannot judge — with
 * ls_pipeline_diagnose_file, logged as `lungscope-cli predict` logs (no
 * saliency). @progress (nullable) gets "image I/N: NAME" after each.
 * An image that cannot be read is counted and skipped. Cancelling stops
 * between two images: what was read stays logged, and the result says how
 * far it came (with @error set to G_IO_ERROR_CANCELLED and the result
 * returned all the same). NULL with @error when the store cannot be read
 * or a prediction cannot be logged. @model_lock (nullable) is held while
 * the model reads each image, so that a window's own diagnoses with the
 * same model take turns with the run instead of waiting for its end. */
LsPredictUnread *ls_workspace_predict_unread (LsStore *store,
                                              const LsModelChoice *choice,
                                              GMutex *model_lock,
                                              LsProgressFunc progress,
                                              gpointer user_data,
                                              GCancellable *cancellable,
                                              GError **error);

G_END_DECLS
