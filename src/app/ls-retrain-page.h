/* ls-retrain-page.h — relabel and retrain (DESIGN §2, flow 2): how many
 * training labels changed since the active model, Retrain (a fine-tuned
 * child in the background, with progress, live curves and Cancel), then
 * the parent and the child side by side (test metrics, confusion
 * matrices, accuracy on the corrected images, the images whose class
 * flipped) and Accept (the child becomes active) or Discard (deleted)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-session.h"

G_BEGIN_DECLS

#define LS_TYPE_RETRAIN_PAGE (ls_retrain_page_get_type ())

G_DECLARE_FINAL_TYPE (LsRetrainPage, ls_retrain_page, LS, RETRAIN_PAGE, GtkWidget)

/* Signals: "model-changed": a child was accepted (it is active now);
 * "models-changed": the workspace's models or runs changed (a run ended,
 * a child was accepted or discarded). */

GtkWidget *ls_retrain_page_new (void);
void ls_retrain_page_set_session (LsRetrainPage *self,
                                  LsSession *session);
/* Counts the corrections again (after a label changed). */
void ls_retrain_page_refresh (LsRetrainPage *self);
/* Retrain, as the button does. */
void ls_retrain_page_start (LsRetrainPage *self);

/* For tests: a training or a resolve in flight; the corrections counted;
 * the finished child awaiting Accept or Discard (NULL otherwise). */
gboolean ls_retrain_page_is_busy (LsRetrainPage *self);
guint ls_retrain_page_get_n_corrections (LsRetrainPage *self);
const LsSessionRetrain *ls_retrain_page_get_result (LsRetrainPage *self);

G_END_DECLS
