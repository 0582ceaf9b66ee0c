/* store.h — the workspace store: a folder NAME.lungscope/ with an SQLite db
 *
 * Layout (DESIGN.md §5):
 *
 *   lungscope.db       SQLite in WAL mode: images, label events, classes,
 *                      split, models, predictions, runs, settings
 *   images/ab/abcdef…  imported originals, content-addressed by SHA-256
 *   models/            model files (<id>.safetensors)
 *   runs/              per-epoch logs (<run-id>.jsonl)
 *   cache/             thumbnails; may be deleted at any time
 *
 * Threading contract: an LsStore owns one sqlite3 connection and is used
 * from one thread at a time (the thread that opened it, or a worker it was
 * handed to). Another thread opens its own LsStore on the same folder; SQLite
 * serialises writers (BEGIN IMMEDIATE, busy timeout) and WAL keeps readers
 * from blocking the writer. Never share an LsStore between threads at once.
 *
 * Durability: every write is one BEGIN IMMEDIATE … COMMIT transaction with
 * synchronous=FULL; a function that returns TRUE for a write returned after
 * COMMIT, so the change survives a crash or power loss from then on. Files
 * beside the store are durable (temp, fsync, rename, fsync of the folder)
 * before the row that names them commits.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "base/progress.h"
#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_STORE_ERROR (ls_store_error_quark ())

typedef enum
{
  LS_STORE_ERROR_FAILED,          /* SQLite or I/O failure */
  LS_STORE_ERROR_NOT_A_WORKSPACE, /* the file is not a Lungscope database */
  LS_STORE_ERROR_TOO_NEW,         /* written by a newer Lungscope */
  LS_STORE_ERROR_READ_ONLY,       /* a write on a read-only workspace */
  LS_STORE_ERROR_NOT_FOUND,       /* no such image, model, class, run */
  LS_STORE_ERROR_AMBIGUOUS,       /* a hash prefix names several images */
  LS_STORE_ERROR_INVALID,         /* a bad argument from outside (class name, fraction) */
  LS_STORE_ERROR_HASH_MISMATCH,   /* a file's bytes no longer match their hash */
  LS_STORE_ERROR_NOTHING_TO_UNDO, /* undo or redo with an empty stack */
  LS_STORE_ERROR_DELETED,         /* the model was deleted (its row is kept) */
} LsStoreError;

GQuark ls_store_error_quark (void);

/* The schema version this code writes (PRAGMA user_version). */
#define LS_STORE_SCHEMA_VERSION 7
/* PRAGMA application_id of a Lungscope database: 'LSCP'. */
#define LS_STORE_APPLICATION_ID 0x4C534350

typedef enum
{
  LS_STORE_OPEN_DEFAULT = 0,
  LS_STORE_OPEN_CREATE = 1 << 0,    /* create the folder and db if absent */
  LS_STORE_OPEN_READ_ONLY = 1 << 1, /* never write, even where allowed */
} LsStoreOpenFlags;

typedef struct _LsStore LsStore;

LsStore *ls_store_open (const char *path,
                        LsStoreOpenFlags flags,
                        GError **error);
void ls_store_close (LsStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStore, ls_store_close)

const char *ls_store_get_path (LsStore *store);
gboolean ls_store_is_read_only (LsStore *store);
/* Why the store is read-only (for a banner), or NULL when writable. */
const char *ls_store_get_read_only_reason (LsStore *store);
/* TRUE when opened with ?immutable=1 (not even -shm could be created). */
gboolean ls_store_is_immutable (LsStore *store);
/* Number of orphaned temp and unregistered files removed by the last open. */
guint ls_store_get_orphans_removed (LsStore *store);

/* A registered image whose bytes are missing (or unreadable). */
typedef struct
{
  char *sha256;
  char *path; /* the absolute path that should hold the bytes */
  char *reason;
} LsStoreMissingFile;

void ls_store_missing_file_free (LsStoreMissingFile *missing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStoreMissingFile, ls_store_missing_file_free)

/* (transfer none) (element-type LsStoreMissingFile) what the open found
 * missing: a banner lists these; rows are never dropped. */
GPtrArray *ls_store_get_missing_files (LsStore *store);
/* (element-type LsStoreMissingFile) rows whose file is missing now; never
 * removes a row. */
GPtrArray *ls_store_check_files (LsStore *store,
                                 GError **error);

/* ---- classes and settings ---- */

/* (transfer full) the workspace's classes in output order. */
GStrv ls_store_get_classes (LsStore *store,
                            GError **error);
gboolean ls_store_add_class (LsStore *store,
                             const char *name,
                             GError **error);
char *ls_store_get_setting (LsStore *store,
                            const char *key,
                            GError **error);
gboolean ls_store_set_setting (LsStore *store,
                               const char *key,
                               const char *value,
                               GError **error);

/* ---- images ---- */

typedef struct
{
  gint64 id;
  char *sha256;
  char *path;      /* relative to the workspace (images/ab/…), or NULL in reference mode */
  char *reference; /* absolute external path in reference mode, or NULL */
  gint64 byte_size;
  int width; /* 0 when unknown */
  int height;
  int bit_depth;
  LsColorType color_type;
  LsImageFormat format;
  char *patient;       /* or NULL */
  char *original_name; /* file name at import */
  gint64 added;        /* µs since the epoch, UTC */
  char *label;         /* current label, or NULL when unlabelled */
  /* DICOM files only (NULL / 0 otherwise): their header's facts. */
  char *modality;          /* "DX", "CR"… */
  char *view_position;     /* "PA", "AP", "LL"… */
  double pixel_spacing[2]; /* row, column in mm; 0 when unknown */
} LsStoreImage;

void ls_store_image_free (LsStoreImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStoreImage, ls_store_image_free)

/* (element-type LsStoreImage) all images in import order. */
GPtrArray *ls_store_list_images (LsStore *store,
                                 GError **error);
/* An image by full hash or unique prefix (≥ 4 hex digits). */
LsStoreImage *ls_store_find_image (LsStore *store,
                                   const char *sha256_or_prefix,
                                   GError **error);
guint ls_store_count_images (LsStore *store,
                             GError **error);
/* The absolute path of the image's bytes. */
char *ls_store_image_file (LsStore *store,
                           const LsStoreImage *image);
/* The image's bytes, verified against its hash (reference mode and hard
 * links can change under us). */
GBytes *ls_store_read_image_bytes (LsStore *store,
                                   const LsStoreImage *image,
                                   GError **error);

/* ---- labels ---- */

typedef enum
{
  LS_LABEL_SOURCE_IMPORT,
  LS_LABEL_SOURCE_USER,
  LS_LABEL_SOURCE_MODEL,
} LsLabelSource;

typedef enum
{
  LS_LABEL_KIND_SET,
  LS_LABEL_KIND_UNDO,
  LS_LABEL_KIND_REDO,
} LsLabelKind;

typedef struct
{
  gint64 id; /* increases with time: the latest event has the largest id */
  char *sha256;
  char *old_label; /* NULL = unlabelled */
  char *new_label; /* NULL = unlabelled */
  LsLabelSource source;
  LsLabelKind kind;
  gint64 reverts; /* for undo/redo: the event undone or the undo redone; 0 otherwise */
  char *author;
  gint64 time; /* µs since the epoch, UTC */
  char *note;
} LsLabelEvent;

void ls_label_event_free (LsLabelEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsLabelEvent, ls_label_event_free)

const char *ls_label_source_to_string (LsLabelSource source);

/* Sets the label of an image (NULL label = unlabelled) as one transaction;
 * returns the new event's id (> 0), or 0 with @error set. Setting the label
 * an image already has writes nothing and returns the current event's id
 * (-1 when an image that never had a label is set to unlabelled). */
gint64 ls_store_set_label (LsStore *store,
                           const char *sha256,
                           const char *label,
                           LsLabelSource source,
                           const char *author,
                           const char *note,
                           GError **error);
char *ls_store_get_label (LsStore *store,
                          const char *sha256,
                          GError **error);
/* The current label of every image whose latest label event was not made
 * by a model (source import or user): image id (gint64 *) → class name.
 * What monitoring compares the model's answers with. */
GHashTable *ls_store_human_labels (LsStore *store,
                                   GError **error);
/* (element-type LsLabelEvent) the image's events, oldest first. */
GPtrArray *ls_store_label_history (LsStore *store,
                                   const char *sha256,
                                   GError **error);
/* Undo the latest user label change not yet undone, as a new event;
 * returns the new event's id or 0 (LS_STORE_ERROR_NOTHING_TO_UNDO). */
gint64 ls_store_undo_label (LsStore *store,
                            const char *author,
                            GError **error);
/* Redo the latest undo, unless a user label was set since. */
gint64 ls_store_redo_label (LsStore *store,
                            const char *author,
                            GError **error);
gboolean ls_store_can_undo (LsStore *store);
gboolean ls_store_can_redo (LsStore *store);
/* Looks up one event by id (for tests and the crash check). */
LsLabelEvent *ls_store_get_label_event (LsStore *store,
                                        gint64 id,
                                        GError **error);

/* ---- models, predictions, runs ---- */

typedef struct
{
  char *id;
  char *parent_id;       /* or NULL */
  char *dataset_version; /* full 64-hex */
  char *file;            /* relative to the workspace: models/<id>.safetensors */
  char *metrics_json;    /* or NULL */
  gint64 created;        /* µs since the epoch */
  gboolean active;
  gint64 last_label_event; /* the latest label event when the model was registered */
  gint64 deleted;          /* µs since the epoch when it was deleted; 0 while present */
} LsStoreModel;

void ls_store_model_free (LsStoreModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStoreModel, ls_store_model_free)

/* Registers a model whose file already exists (durably) under models/.
 * @active makes it the only active model. Registering the id of a deleted
 * model again restores its row (with the new values); any other id that is
 * registered already is an error. */
gboolean ls_store_add_model (LsStore *store,
                             const char *id,
                             const char *parent_id,
                             const char *dataset_version,
                             const char *metrics_json,
                             gboolean active,
                             GError **error);
/* A model by id, also a deleted one (its deleted field says so). */
LsStoreModel *ls_store_get_model (LsStore *store,
                                  const char *id,
                                  GError **error);
/* (element-type LsStoreModel) the models that are not deleted, oldest
 * first (created, then id). */
GPtrArray *ls_store_list_models (LsStore *store,
                                 GError **error);
/* (element-type LsStoreModel) as ls_store_list_models, and the deleted
 * models too when @include_deleted. */
GPtrArray *ls_store_list_models_full (LsStore *store,
                                      gboolean include_deleted,
                                      GError **error);
/* The active model, or NULL without error when there is none. */
LsStoreModel *ls_store_get_active_model (LsStore *store,
                                         GError **error);
/* A deleted model cannot be made active (LS_STORE_ERROR_DELETED). */
gboolean ls_store_set_active_model (LsStore *store,
                                    const char *id,
                                    GError **error);
/* Marks the model deleted (it stops being active; its row, lineage and
 * predictions stay), then removes its file: row first, then file
 * (CHECKLIST 10). Refused for a model that is the parent of a model not
 * deleted (LS_STORE_ERROR_INVALID) and for one already deleted
 * (LS_STORE_ERROR_DELETED). */
gboolean ls_store_delete_model (LsStore *store,
                                const char *id,
                                GError **error);

/* One logged prediction. A prediction names the file it was made on by
 * its SHA-256 and name; image_id is the workspace image with those bytes,
 * or 0 when the file is not in the workspace. */
typedef struct
{
  gint64 id; /* increases with time */
  char *sha256;
  char *name; /* the file's name as given (a path or a base name) */
  gint64 image_id;
  char *model_id;
  char *probabilities_json; /* JSON as the caller logged it */
  char *predicted;          /* class name, or NULL when not logged */
  double ood_score;         /* NAN without a detector */
  gboolean ood_flag;
  char *saliency_method; /* NULL when no saliency was computed */
  double latency_ms;     /* NAN when not logged */
  gint64 time;           /* µs since the epoch, UTC */
} LsStorePrediction;

void ls_store_prediction_free (LsStorePrediction *prediction);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStorePrediction, ls_store_prediction_free)

/* Logs a prediction of a workspace image (by full hash; its name is its
 * name at import). */
gboolean ls_store_add_prediction (LsStore *store,
                                  const char *sha256,
                                  const char *model_id,
                                  const char *probabilities_json,
                                  double ood_score,
                                  const char *saliency_method,
                                  double latency_ms,
                                  GError **error);
/* Logs a prediction of any file: @prediction's sha256 (64 hex digits),
 * name, model_id (a registered model) and probabilities_json are
 * required; id, image_id and time are ignored (the row links to the image
 * with the same bytes, if any, and takes the current time). Returns the
 * new row's id, or 0 with @error set. */
gint64 ls_store_log_prediction (LsStore *store,
                                const LsStorePrediction *prediction,
                                GError **error);
guint ls_store_count_predictions (LsStore *store,
                                  const char *model_id,
                                  GError **error);
/* (element-type LsStorePrediction) the predictions, oldest first; only
 * @model_id's and only of the file @sha256 when they are not NULL. */
GPtrArray *ls_store_list_predictions (LsStore *store,
                                      const char *model_id,
                                      const char *sha256,
                                      GError **error);
/* (element-type LsStorePrediction) the latest prediction of each workspace
 * image that has one, in import order, in one query (a gallery's whole
 * list): only @model_id's and only of the image @sha256 when they are not
 * NULL. image_id is always the image's, also for a prediction logged
 * before the file was imported. */
GPtrArray *ls_store_latest_predictions (LsStore *store,
                                        const char *model_id,
                                        const char *sha256,
                                        GError **error);

gboolean ls_store_run_begin (LsStore *store,
                             const char *run_id,
                             const char *parent_model_id,
                             const char *config_json,
                             GError **error);
gboolean ls_store_run_add_epoch (LsStore *store,
                                 const char *run_id,
                                 int epoch,
                                 const char *metrics_json,
                                 GError **error);
gboolean ls_store_run_finish (LsStore *store,
                              const char *run_id,
                              const char *status,
                              const char *model_id,
                              GError **error);
/* (element-type utf8) the epochs' metrics JSON in epoch order. */
GPtrArray *ls_store_run_epochs (LsStore *store,
                                const char *run_id,
                                GError **error);

/* One training run (train, fine-tune). */
typedef struct
{
  char *id;
  char *parent_model_id; /* or NULL */
  char *model_id;        /* the model it registered, or NULL */
  char *config_json;     /* or NULL */
  char *status;          /* "running" (or killed while running), "done", "failed", "cancelled",
                          * "interrupted" (found killed) */
  gint64 started;        /* µs since the epoch */
  gint64 finished;       /* 0 while unfinished */
} LsStoreRun;

void ls_store_run_free (LsStoreRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStoreRun, ls_store_run_free)

/* (element-type LsStoreRun) every run, oldest first. */
GPtrArray *ls_store_list_runs (LsStore *store,
                               GError **error);
/* ---- out-of-fold probabilities (cross-validation) ---- */

/* One image's out-of-fold probabilities: from the model of the fold that
 * did not train on it. */
typedef struct
{
  char *sha256;
  gint64 image_id;          /* ignored when adding */
  int fold;                 /* from 0 */
  char *label;              /* the label the image had when its fold trained */
  char *probabilities_json; /* {"class": p, …}, calibrated */
} LsStoreOutOfFold;

void ls_store_out_of_fold_free (LsStoreOutOfFold *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsStoreOutOfFold, ls_store_out_of_fold_free)

/* Stores the run's out-of-fold rows and marks the run "done", in one
 * transaction: a run has all its rows or none. */
gboolean ls_store_finish_crossval (LsStore *store,
                                   const char *run_id,
                                   const LsStoreOutOfFold *rows,
                                   guint n_rows,
                                   GError **error);
/* (element-type LsStoreOutOfFold) the rows of the latest finished
 * cross-validation run, in import order; *@run_id gets its id. With no
 * such run: an empty array and *@run_id NULL. */
GPtrArray *ls_store_latest_out_of_fold (LsStore *store,
                                        char **run_id,
                                        GError **error);
/* (element-type utf8 utf8) image hash → its split group key (split.h),
 * for every image the last split assigned. */
GHashTable *ls_store_get_group_keys (LsStore *store,
                                     GError **error);

G_END_DECLS
