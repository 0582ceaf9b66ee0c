/* ls-retrain-page.h — relabel and retrain (DESIGN §2, flows 2 and 3): how many
 * training labels changed since the active model, Retrain (a fine-tuned
 * child in the background, with progress, live curves and Cancel), then
 * the parent and the child side by side (test metrics, confusion
 * matrices, accuracy on the corrected images, the images whose class
 * flipped, with both models' Grad-CAM) and Accept (the child becomes
 * active) or Discard (deleted). Train from scratch (the Train dialog) runs
 * here too, with the same progress and the same comparison against the
 * active model.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-session-train.h"
#include "ls-session.h"

G_BEGIN_DECLS

#define LS_TYPE_RETRAIN_PAGE (ls_retrain_page_get_type ())

G_DECLARE_FINAL_TYPE (LsRetrainPage, ls_retrain_page, LS, RETRAIN_PAGE, GtkWidget)

GtkWidget *ls_retrain_page_new (void);
void ls_retrain_page_set_session (LsRetrainPage *self,
                                  LsSession *session);
/* Counts the corrections again (after a label changed). */
void ls_retrain_page_refresh (LsRetrainPage *self);
/* Retrain, as the button does. */
void ls_retrain_page_start (LsRetrainPage *self);
/* Train a model from scratch (the Train dialog's Train); FALSE when a run
 * is in flight or the workspace cannot be written. */
gboolean ls_retrain_page_train (LsRetrainPage *self,
                                const LsSessionTrainOptions *options);
/* The colour map and opacity of the next Grad-CAM maps (the viewer's). */
void ls_retrain_page_set_overlay_look (LsRetrainPage *self,
                                       LsColormap colormap,
                                       double opacity);

/* For tests: a training or a resolve in flight; the corrections counted;
 * the finished child awaiting Accept or Discard (NULL otherwise). */
gboolean ls_retrain_page_is_busy (LsRetrainPage *self);
guint ls_retrain_page_get_n_corrections (LsRetrainPage *self);
/* How far the run in progress is, from 0 to 1 (as its progress bar). */
double ls_retrain_page_get_fraction (LsRetrainPage *self);
const LsSessionRetrain *ls_retrain_page_get_result (LsRetrainPage *self);
/* The model trained from scratch awaiting Accept or Discard, or NULL. */
const LsSessionTrain *ls_retrain_page_get_train_result (LsRetrainPage *self);
/* (element-type LsSessionMapPair) the Grad-CAM pairs of the flipped
 * images shown, once computed (NULL before); whether they are computing. */
const GPtrArray *ls_retrain_page_get_flip_maps (LsRetrainPage *self);
gboolean ls_retrain_page_get_maps_pending (LsRetrainPage *self);
/* The epochs the run in flight (or the last) has reported. */
guint ls_retrain_page_get_n_epochs_seen (LsRetrainPage *self);

G_END_DECLS
