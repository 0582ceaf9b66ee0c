/* ls-gui-test.h — helpers for GUI tests: wait for a window to be drawn,
 * render it to a PNG in the build folder
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

G_END_DECLS
