/* ls-history-page.h — the model history (DESIGN §2): every model of the
 * workspace with its lineage, dataset version, test metrics, date and
 * status (active, deleted, an interrupted or failed run); the selected
 * one's card, charts (training curves, confusion, reliability) and its
 * run's log; Make Active, Export and Delete
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-session-history.h"

G_BEGIN_DECLS

#define LS_TYPE_HISTORY_PAGE (ls_history_page_get_type ())

G_DECLARE_FINAL_TYPE (LsHistoryPage, ls_history_page, LS, HISTORY_PAGE, GtkWidget)

/* Signals: "model-changed" (const char *id): Make Active made @id the
 * active model; the window opens the workspace again with it. */

GtkWidget *ls_history_page_new (void);
void ls_history_page_set_session (LsHistoryPage *self,
                                  LsSession *session);
/* Reads the history again (after a retrain, a promotion elsewhere). */
void ls_history_page_refresh (LsHistoryPage *self);
/* A training run of this app is in progress: an unfinished run is running,
 * not interrupted. */
void ls_history_page_set_run_in_progress (LsHistoryPage *self,
                                          gboolean running);
/* Selects the row of @model_id, as a click does; FALSE when not listed. */
gboolean ls_history_page_select_model (LsHistoryPage *self,
                                       const char *model_id);
/* What Export does once the file chooser answered @path. */
void ls_history_page_export_to (LsHistoryPage *self,
                                const char *path);

/* For tests: a read or an action in flight; the entries listed; the
 * selected entry (NULL when none); the details of the selection (its card
 * and charts) are on screen. */
gboolean ls_history_page_is_busy (LsHistoryPage *self);
GPtrArray *ls_history_page_get_entries (LsHistoryPage *self);
const LsHistoryEntry *ls_history_page_get_selected (LsHistoryPage *self);
const LsSessionModelDetails *ls_history_page_get_details (LsHistoryPage *self);

G_END_DECLS
