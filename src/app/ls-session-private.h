/* ls-session-private.h — what the session's companion files
 * (ls-session-train.c) share with ls-session.c
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-session.h"

G_BEGIN_DECLS

/* A GTask on @source whose progress relay (when @progress is not NULL;
 * *@relay gets it) is freed on the main thread before @callback runs. */
GTask *ls_session_task_new (gpointer source,
                            GCancellable *cancellable,
                            LsProgressShowFunc progress,
                            gpointer progress_data,
                            GAsyncReadyCallback callback,
                            gpointer user_data,
                            LsProgressRelay **relay);
/* The lock a worker holds while it runs the session's model. */
GMutex *ls_session_get_model_lock (LsSession *self);
/* That lock taken, and the engine set to the session's threads (a worker
 * runs the model between the two). */
void ls_session_lock_model (LsSession *self);
void ls_session_unlock_model (LsSession *self);
/* The session's engine threads as a count (its setting, 0 for one a
 * core, resolved): for training, cross-validation and comparisons. */
int ls_session_engine_threads (LsSession *self);
/* From a worker: a copy of @epoch to @func (may be NULL: nothing) on
 * @context. */
void ls_session_relay_epoch (GMainContext *context,
                             LsSessionEpochFunc func,
                             gpointer data,
                             const LsTrainEpoch *epoch);

G_END_DECLS
