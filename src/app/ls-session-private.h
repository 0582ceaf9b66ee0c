/* ls-session-private.h — what the session's companions (ls-session-*.c)
 * share with ls-session.c
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-session.h"

G_BEGIN_DECLS

/* A GTask whose progress relay (when @progress is not NULL; *@relay gets
 * it, for the worker) is freed on the main thread before @callback runs. */
GTask *ls_session_task_new (gpointer source,
                            GCancellable *cancellable,
                            LsProgressShowFunc progress,
                            gpointer progress_data,
                            GAsyncReadyCallback callback,
                            gpointer user_data,
                            LsProgressRelay **relay);

G_END_DECLS
