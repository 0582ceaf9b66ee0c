/* ls-monitor-page.h — monitoring (DESIGN §2): the logged predictions over
 * time (volume, agreement with the final human labels and Cohen's kappa,
 * OOD and low-confidence rates, class mix against the training data), the
 * active model's reliability and the drift verdict with its bounds, as
 * charts and in words; an empty state before the first prediction
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-session-history.h"

G_BEGIN_DECLS

#define LS_TYPE_MONITOR_PAGE (ls_monitor_page_get_type ())

G_DECLARE_FINAL_TYPE (LsMonitorPage, ls_monitor_page, LS, MONITOR_PAGE, GtkWidget)

GtkWidget *ls_monitor_page_new (void);
void ls_monitor_page_set_session (LsMonitorPage *self,
                                  LsSession *session);
/* Computes the report again (in a worker). */
void ls_monitor_page_refresh (LsMonitorPage *self);

/* The drift verdict in a sentence: what drifted and the bound it passed
 * (the info bar's text too). */
char *ls_monitor_drift_text (const LsMonitorDrift *drift);

/* For tests: a computation in flight; the report on screen (NULL before
 * the first, or after an error). */
gboolean ls_monitor_page_is_busy (LsMonitorPage *self);
const LsMonitorReport *ls_monitor_page_get_report (LsMonitorPage *self);

G_END_DECLS
