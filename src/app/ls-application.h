/* ls-application.h
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LS_TYPE_APPLICATION (ls_application_get_type ())

G_DECLARE_FINAL_TYPE (LsApplication, ls_application, LS, APPLICATION, AdwApplication)

LsApplication *ls_application_new (void) G_GNUC_WARN_UNUSED_RESULT;

/* The app's settings, or NULL where its schema is not installed (an
 * uninstalled run without the compiled schema still works, without
 * remembering anything). */
GSettings *ls_application_settings_new (void) G_GNUC_WARN_UNUSED_RESULT;

/* A class as the app shows it: the report layer's label, translated
 * (ls_report_class_label). */
const char *ls_application_class_name (const char *class_name);
/* "about N s left" (or min) at @fraction done after @elapsed seconds, or
 * NULL while no estimate is worth showing. */
char *ls_application_time_left (double elapsed,
                                double fraction);
/* The report layer's charts in the window's light or dark style. */
void ls_application_set_chart_theme (cairo_t *cr);

G_END_DECLS
