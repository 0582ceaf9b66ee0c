/* ls-session.h — an open workspace and the model the window diagnoses
 * with; every pipeline call the app makes, as _async/_finish pairs that run
 * in GTask workers
 *
 * A session is opened in a worker (the store, the model choice: the
 * workspace's active model, else the shipped default, registered so that
 * predictions are traceable). What it exposes afterwards is immutable
 * (path, classes, the model's card), so the main thread reads it freely.
 * Each worker opens its own store connection (one sqlite3* per thread);
 * the model is used by one worker at a time (a mutex), as predict.h asks.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ls-tasks.h"
#include "pipeline/diagnose.h"
#include "pipeline/preview.h"
#include "pipeline/workspace.h"

G_BEGIN_DECLS

#define LS_TYPE_SESSION (ls_session_get_type ())

G_DECLARE_FINAL_TYPE (LsSession, ls_session, LS, SESSION, GObject)

typedef enum
{
  LS_SESSION_OPEN_DEFAULT = 0,
  LS_SESSION_OPEN_CREATE = 1 << 0, /* make the workspace when it is not there */
} LsSessionOpenFlags;

void ls_session_open_async (const char *path,
                            LsSessionOpenFlags flags,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
LsSession *ls_session_open_finish (GAsyncResult *result,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

const char *ls_session_get_path (LsSession *self);
/* The folder's name without ".lungscope". */
const char *ls_session_get_title (LsSession *self);
gboolean ls_session_is_read_only (LsSession *self);
/* Why (a read-only medium, no permission), or NULL. */
const char *ls_session_get_read_only_reason (LsSession *self);
/* What opening found: missing image files, orphans removed; or NULL. */
const char *ls_session_get_open_notice (LsSession *self);
const char *const *ls_session_get_classes (LsSession *self);
/* NULL when no model could be loaded (the model notice says why): the
 * workspace can be browsed, diagnosing fails with that reason. */
const LsModelChoice *ls_session_get_model (LsSession *self);
/* The model was trained on synthetic images only (model-info.h). */
gboolean ls_session_is_synthetic_model (LsSession *self);
/* One line about what the model choice did (registered the default…), or
 * NULL. */
const char *ls_session_get_model_notice (LsSession *self);

/* Gets a decoded image (transfer full) on the main context. */
typedef void (*LsSessionImageFunc) (LsImage *image,
                                    gpointer user_data);

/* Diagnoses a file (@path) or a workspace image (@sha256, when @path is
 * NULL) with the session's model (pipeline/diagnose.h); logged unless
 * @options->log is FALSE. With @options->keep_values a DICOM image comes
 * back over its full value range (for a viewer; its window in the facts).
 * On the main context, before the result and each with @early_data:
 * @early (may be NULL) gets the first probabilities before the saliency map
 * is done, @decoded (may be NULL) the whole image (as the result's) while
 * the model runs on it. */
void ls_session_diagnose_async (LsSession *self,
                                const char *path,
                                const char *sha256,
                                const LsDiagnoseOptions *options,
                                LsDiagnoseEarlyFunc early,
                                LsSessionImageFunc decoded,
                                gpointer early_data,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
LsDiagnosis *ls_session_diagnose_finish (LsSession *self,
                                         GAsyncResult *result,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  guint added;    /* new images */
  guint known;    /* already in the workspace */
  guint n_failed; /* files that could not be read */
  char *failures; /* one line a failure: "name: reason", or NULL */
  GStrv sha256;   /* the images of the files given (added or known), in order */
  gboolean cancelled;
} LsSessionImport;

void ls_session_import_free (LsSessionImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionImport, ls_session_import_free)

/* Imports files (unlabelled) and folders (class folders where a folder
 * names a class, else unlabelled) into the workspace, with progress. A
 * cancelled import keeps what was committed and says so. */
void ls_session_import_async (LsSession *self,
                              const char *const *paths,
                              LsProgressShowFunc progress,
                              gpointer progress_data,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
LsSessionImport *ls_session_import_finish (LsSession *self,
                                           GAsyncResult *result,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The workspace's augmentation pipeline (the default until saved). */
void ls_session_get_augment_async (LsSession *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
LsAugmentPipeline *ls_session_get_augment_finish (LsSession *self,
                                                  GAsyncResult *result,
                                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void ls_session_set_augment_async (LsSession *self,
                                   const LsAugmentPipeline *pipeline,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean ls_session_set_augment_finish (LsSession *self,
                                        GAsyncResult *result,
                                        GError **error);

/* Test-time augmentation of a file with the session's model. */
void ls_session_tta_async (LsSession *self,
                           const char *path,
                           const LsAugmentPipeline *pipeline,
                           guint n,
                           guint64 seed,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data);
LsTta *ls_session_tta_finish (LsSession *self,
                              GAsyncResult *result,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The absolute path of a workspace image's file (a worker reads the store). */
void ls_session_image_file_async (LsSession *self,
                                  const char *sha256,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
char *ls_session_image_file_finish (LsSession *self,
                                    GAsyncResult *result,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* ---- labels (each one its own transaction, DESIGN §5) ---- */

typedef enum
{
  LS_SESSION_LABEL_SET,
  LS_SESSION_LABEL_UNDO,
  LS_SESSION_LABEL_REDO,
} LsSessionLabelOp;

typedef struct
{
  LsLabelEvent *event; /* the event written (committed), or NULL when nothing changed */
  GPtrArray *history;  /* (element-type LsLabelEvent) the image's events, oldest first */
  gboolean can_undo;
  gboolean can_redo;
} LsSessionLabel;

void ls_session_label_free (LsSessionLabel *label);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionLabel, ls_session_label_free)

/* SET: @label (a class name, NULL: unlabelled) with @note on image @sha256,
 * by the user; UNDO/REDO: the latest user change (the image it touched
 * comes back in the event). Returns once committed. */
void ls_session_label_async (LsSession *self,
                             LsSessionLabelOp op,
                             const char *sha256,
                             const char *label,
                             const char *note,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
LsSessionLabel *ls_session_label_finish (LsSession *self,
                                         GAsyncResult *result,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The image's label history and the undo state, read only. */
void ls_session_label_history_async (LsSession *self,
                                     const char *sha256,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);

/* ---- relabel and retrain (DESIGN §2, flow 2) ---- */

typedef struct
{
  char *parent_id; /* the active model */
  guint n_train;   /* training labels changed since it was registered */
  guint n_elsewhere;
} LsSessionCorrections;

void ls_session_corrections_free (LsSessionCorrections *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionCorrections, ls_session_corrections_free)

void ls_session_corrections_async (LsSession *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
LsSessionCorrections *ls_session_corrections_finish (LsSession *self,
                                                     GAsyncResult *result,
                                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct
{
  LsWorkspaceFinetune *finetune; /* the child, registered, not active */
  /* The test images whose class flipped (finetune->result->test.flips). */
  GStrv flip_sha256;
  GStrv flip_names;
  GPtrArray *flip_thumbnails; /* GdkTexture or NULL, one a flip */
} LsSessionRetrain;

void ls_session_retrain_free (LsSessionRetrain *retrain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionRetrain, ls_session_retrain_free)

/* Called on the main context after each epoch (a copy). */
typedef void (*LsSessionEpochFunc) (const LsTrainEpoch *epoch,
                                    gpointer user_data);

/* Fine-tunes a child of the active model on the corrected training images
 * (ls_workspace_finetune, @epochs 0: the default), with progress and each
 * epoch on the main context. Cancelled: no model and no file left. */
void ls_session_retrain_async (LsSession *self,
                               int epochs,
                               LsProgressShowFunc progress,
                               LsSessionEpochFunc on_epoch,
                               gpointer user_data,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer callback_data);
LsSessionRetrain *ls_session_retrain_finish (LsSession *self,
                                             GAsyncResult *result,
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Accept (make @model_id active) or discard (delete it; its logged
 * predictions stay). */
void ls_session_resolve_child_async (LsSession *self,
                                     const char *model_id,
                                     gboolean accept,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean ls_session_resolve_child_finish (LsSession *self,
                                          GAsyncResult *result,
                                          GError **error);

/* The demo workspace of a first start: @per_class synthetic phantoms of
 * each class, imported with their labels and split, in @path (made; it
 * must not exist). A cancelled or failed creation removes what it made. */
void ls_create_demo_workspace_async (const char *path,
                                     guint per_class,
                                     LsProgressShowFunc progress,
                                     gpointer progress_data,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean ls_create_demo_workspace_finish (GAsyncResult *result,
                                          GError **error);

G_END_DECLS
