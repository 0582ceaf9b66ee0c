/* ls-window.h
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-application.h"

G_BEGIN_DECLS

#define LS_TYPE_WINDOW (ls_window_get_type ())

G_DECLARE_FINAL_TYPE (LsWindow, ls_window, LS, WINDOW, AdwApplicationWindow)

LsWindow *ls_window_new (LsApplication *application) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
