/* ls-preferences-window.h — the app's settings a person changes, each bound
 * to its GSettings key: changed here, they take effect in the open window
 * at once (the window follows the keys, ls-window.c)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LS_TYPE_PREFERENCES_WINDOW (ls_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (LsPreferencesWindow, ls_preferences_window, LS, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @settings: the app's (ls_application_settings_new), or NULL where its
 * schema is not installed: the rows then show the defaults, cannot be
 * changed, and the window says why. */
GtkWidget *ls_preferences_window_new (GtkWindow *parent,
                                      GSettings *settings);

GSettings *ls_preferences_window_get_settings (LsPreferencesWindow *self);

G_END_DECLS
