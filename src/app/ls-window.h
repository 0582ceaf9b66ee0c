/* ls-window.h — the main window: gallery, viewer, diagnosis, previews
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-application.h"
#include "ls-session.h"

G_BEGIN_DECLS

#define LS_TYPE_WINDOW (ls_window_get_type ())

G_DECLARE_FINAL_TYPE (LsWindow, ls_window, LS, WINDOW, AdwApplicationWindow)

LsWindow *ls_window_new (LsApplication *application);

/* Opens a workspace (in a worker); @create makes it when absent. */
void ls_window_open_workspace (LsWindow *self,
                               const char *path,
                               gboolean create);
/* First start: makes the demo workspace at @path with a progress page,
 * then opens it. */
void ls_window_create_demo (LsWindow *self,
                            const char *path);
/* Files opened with the app (`lungscope FILE…`): as a drop. */
void ls_window_open_files (LsWindow *self,
                           GFile **files,
                           guint n_files);

/* For tests and benchmarks. */
LsSession *ls_window_get_session (LsWindow *self);
const char *ls_window_get_current_path (LsWindow *self);
/* Work in flight (opening, diagnosing, importing, making the demo). */
gboolean ls_window_is_busy (LsWindow *self);
/* Milliseconds from the last request to the probabilities and to the
 * overlay on screen (NAN before). */
void ls_window_get_last_timings (LsWindow *self,
                                 double *probabilities_ms,
                                 double *overlay_ms);

G_END_DECLS
