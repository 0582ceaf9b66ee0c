/* ls-session-queues.h — the session's review queues, cross-validation and
 * PDF reading, as _async/_finish pairs that run in GTask workers
 *
 * Same rules as ls-session.h: each worker opens its own store connection;
 * the session's model is used through ls_session_diagnose_async (its
 * mutex); results are plain structs handed to the main thread.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-session.h"
#include "pipeline/crossval.h"
#include "pipeline/queues.h"

G_BEGIN_DECLS

/* No queue: only the counts. */
#define LS_SESSION_NO_QUEUE ((LsQueueKind) -1)

typedef struct
{
  LsQueueCounts counts;
  LsQueue *queue; /* the queue asked for, whole, or NULL */
} LsSessionQueues;

void ls_session_queues_free (LsSessionQueues *queues);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionQueues, ls_session_queues_free)

/* Every queue's count and, unless @kind is LS_SESSION_NO_QUEUE, that queue
 * in its order (default ranking), from one read of the store. */
void ls_session_queues_async (LsSession *self,
                              LsQueueKind kind,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
LsSessionQueues *ls_session_queues_finish (LsSession *self,
                                           GAsyncResult *result,
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* K-fold cross-validation of the workspace (ls_workspace_crossval) for
 * out-of-fold probabilities; @folds and @epochs 0: the defaults. Progress
 * through one pending update (ls-tasks.h), its message "fold F/K: …" as
 * the pipeline words it. Cancelled: no probabilities stored, the run
 * marked cancelled. */
void ls_session_crossval_async (LsSession *self,
                                int folds,
                                int epochs,
                                LsProgressShowFunc progress,
                                gpointer progress_data,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
LsCrossval *ls_session_crossval_finish (LsSession *self,
                                        GAsyncResult *result,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Reads the workspace images the session's model has no prediction of
 * (ls_workspace_predict_unread), logged as the window's diagnoses are,
 * taking turns with them for the model. @progress gets "image I/N: NAME".
 * Cancelled, it stops between two images and still returns what it read
 * (the images read stay logged); a failure to log stops it with an error. */
void ls_session_predict_unread_async (LsSession *self,
                                      LsProgressShowFunc progress,
                                      gpointer progress_data,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
LsPredictUnread *ls_session_predict_unread_finish (LsSession *self,
                                                   GAsyncResult *result,
                                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The PDF reading (pipeline/reading.h) of a file (@path) or a workspace
 * image (@sha256 when @path is NULL), named @name on the page (NULL: the
 * file's), with the session's model, @options' saliency method and class,
 * drawn in @colormap at @opacity, to @out (atomic). Nothing is logged. */
void ls_session_save_report_async (LsSession *self,
                                   const char *path,
                                   const char *sha256,
                                   const char *name,
                                   const LsDiagnoseOptions *options,
                                   LsColormap colormap,
                                   float opacity,
                                   const char *out,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean ls_session_save_report_finish (LsSession *self,
                                        GAsyncResult *result,
                                        GError **error);

G_END_DECLS
