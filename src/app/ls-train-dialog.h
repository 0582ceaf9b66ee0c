/* ls-train-dialog.h — Train from scratch (DESIGN §2, flow 3): epochs,
 * input size, augmentation (the Previews page's, in words), balanced
 * sampling and seed; Train hands them on and closes
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "imaging/augment.h"
#include "ls-session-train.h"

G_BEGIN_DECLS

#define LS_TYPE_TRAIN_DIALOG (ls_train_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LsTrainDialog, ls_train_dialog, LS, TRAIN_DIALOG, AdwWindow)

/* A modal dialog over @parent for @session's workspace. @pipeline (may be
 * NULL: the workspace's saved one is read) is the Previews page's. The
 * "train" signal carries the options (an LsSessionTrainOptions *, valid
 * during the emission). */
GtkWidget *ls_train_dialog_new (GtkWindow *parent,
                                LsSession *session,
                                const LsAugmentPipeline *pipeline);

/* The options as set now (clear them with ls_session_train_options_clear). */
void ls_train_dialog_get_options (LsTrainDialog *self,
                                  LsSessionTrainOptions *options);

G_END_DECLS
