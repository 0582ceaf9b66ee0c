/* progress.h — how long work reports how far it got
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called from the thread doing the work (a GTask worker in the app), so it
 * must be cheap and thread-safe (DESIGN.md §6): @fraction in [0, 1] and a
 * short line saying what is being done, or NULL. */
typedef void (*LsProgressFunc) (double fraction,
                                const char *message,
                                gpointer user_data);

G_END_DECLS
