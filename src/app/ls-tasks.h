/* ls-tasks.h — worker progress to the main loop, one pending update at a
 * time (Sysprof's loader pattern)
 *
 * A pipeline call in a GTask worker reports progress through
 * ls_progress_relay_func (an LsProgressFunc). The relay keeps the latest
 * fraction and message under a mutex and has at most one low-priority idle
 * pending on the main context, which hands them to the main-thread
 * callback; so a worker reporting thousands of times a second costs the
 * main loop one redraw a frame at most.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*LsProgressShowFunc) (double fraction,
                                    const char *message,
                                    gpointer user_data);

typedef struct _LsProgressRelay LsProgressRelay;

/* @show runs on the main context of the calling thread; @user_data is
 * kept alive by the caller until ls_progress_relay_free (which stops any
 * further call). */
LsProgressRelay *ls_progress_relay_new (LsProgressShowFunc show,
                                        gpointer user_data);
/* Stops calls to @show and drops the relay once no update is pending. */
void ls_progress_relay_free (LsProgressRelay *relay);

/* An LsProgressFunc; @user_data is the relay. Thread-safe and cheap. */
void ls_progress_relay_func (double fraction,
                             const char *message,
                             gpointer user_data);

G_END_DECLS
