/* ls-gui-test.h — helpers for GUI tests: wait for a window to be drawn,
 * render it to a PNG in the build folder, wait on conditions and frames,
 * probe the main loop for stalls, a cached workspace of many phantoms
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*LsGuiTestDrawnFunc) (GtkWindow *window,
                                    gpointer user_data);

void ls_gui_test_when_drawn (GtkWindow *window,
                             LsGuiTestDrawnFunc func,
                             gpointer user_data);
char *ls_gui_test_save_window_png (GtkWindow *window,
                                   const char *file_name);

/* ---- main-loop stall probe ---- */

/* Starts a timeout source (every 5 ms, default priority) that measures its
 * own lateness: how long the main loop was busy past its due time. */
void ls_gui_test_stall_probe_start (void);
/* Stops the probe; returns the longest stall seen, in milliseconds. On a
 * loaded machine a stall is partly waiting for a core: @longest_cpu_ms
 * (may be NULL) gets the most CPU time the main thread spent between two
 * ticks, what the stall would be on an idle machine. */
double ls_gui_test_stall_probe_stop (double *longest_cpu_ms);

/* ---- waiting ---- */

typedef gboolean (*LsGuiTestCondition) (gpointer user_data);

/* Iterates the default main context until @condition holds; fails the test
 * (naming @what) after @timeout_s seconds. */
void ls_gui_test_wait_for (LsGuiTestCondition condition,
                           gpointer user_data,
                           double timeout_s,
                           const char *what);
/* Iterates until @widget's frame clock painted @n_frames more frames. */
void ls_gui_test_wait_frames (GtkWidget *widget,
                              guint n_frames);

/* ---- accessibility ---- */

/* Fails the test when a visible interactive widget under @root (a button,
 * a drop-down, a range, an entry, a switch…) has no accessible name: no
 * label property, no labelled-by relation, no text of its own; @what names
 * @root in the messages. At least three widgets must be checked. */
void ls_gui_test_check_accessible_names (GtkWidget *root,
                                         const char *what);

/* ---- the app's window: conditions for ls_gui_test_wait_for ---- */

/* The window (an LsWindow) the conditions below look at. */
void ls_gui_test_set_window (GtkWindow *window);
/* Nothing in flight: no work of the window's, the viewer and the queue
 * counts settled. */
gboolean ls_gui_test_window_idle (gpointer unused);
/* The main stack shows the page named @name (a string). */
gboolean ls_gui_test_on_page (gpointer name);
/* The gallery's list is loaded and holds images. */
gboolean ls_gui_test_list_loaded (gpointer unused);
/* Idle, with a diagnosis and an image on screen. */
gboolean ls_gui_test_diagnosed (gpointer unused);
/* Diagnosed, and the image on screen is no longer @sha256 (a string). */
gboolean ls_gui_test_current_changed (gpointer sha256);

/* ---- a big workspace ---- */

/* The path of a workspace of @n_images phantoms, made once and kept in
 * $LS_BUILD_ROOT/gui-cache/ (importing thousands takes a minute; later runs
 * reuse it). Image i is phantom i of class i mod 3, 128² px, named
 * cxr-NNNNN.png (5 digits); every fifth (i mod 5 = 4) is unlabelled, the
 * others labelled with their class. Model "phantom-test" (a placeholder
 * file) is active, and all images but every sixth (i mod 6 = 5) have a
 * logged prediction from it with made-up probabilities: mostly the true
 * class, sometimes another, sometimes uncertain; every 37th flagged out of
 * distribution; every tenth has an older prediction before its latest. */
char *ls_gui_test_phantom_workspace (guint n_images);

G_END_DECLS
