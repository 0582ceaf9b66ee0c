/* ls-reveal-model.h — a GListModel that shows a growing prefix of another
 *
 * GtkGridView 4.8 makes and binds a cell for up to 30 rows of items as soon
 * as they appear in its model, all in the frame that shows them: a gallery
 * whose list fills with 5000 images at once spends that frame making 150
 * cells. This model passes its model's items through, except that a change
 * that adds more than a few dozen items at once is shown a step at a time:
 * the first @step items at once, then @step more each time
 * ls_reveal_model_step() is called (the gallery calls it once a frame), so
 * the cells are made over a few frames, the ones on screen first.
 * Positions are the model's (the shown items are always a prefix).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LS_TYPE_REVEAL_MODEL (ls_reveal_model_get_type ())

G_DECLARE_FINAL_TYPE (LsRevealModel, ls_reveal_model, LS, REVEAL_MODEL, GObject)

LsRevealModel *ls_reveal_model_new (GListModel *model,
                                    guint step) G_GNUC_WARN_UNUSED_RESULT;
/* Shows @step more items; returns TRUE while some are still hidden. */
gboolean ls_reveal_model_step (LsRevealModel *self);
/* Shows everything now. */
void ls_reveal_model_reveal_all (LsRevealModel *self);
/* Items of the model not shown yet ("revealing" notifies when it changes
 * between none and some). */
guint ls_reveal_model_get_n_hidden (LsRevealModel *self);

G_END_DECLS
