/* ls-label-bar.h — the current image's label: a button per class (keys
 * 1, 2, 3 … in the workspace's class order), a note, undo and redo, and the
 * label's history (who, when, old → new, source, note)
 *
 * The bar shows and asks; the window writes (through the session, each
 * label its own transaction) and tells the bar what was committed.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "dataset/store.h"

G_BEGIN_DECLS

#define LS_TYPE_LABEL_BAR (ls_label_bar_get_type ())

G_DECLARE_FINAL_TYPE (LsLabelBar, ls_label_bar, LS, LABEL_BAR, GtkWidget)

GtkWidget *ls_label_bar_new (void);

/* The workspace's classes: a button each, bound to win.label (index). */
void ls_label_bar_set_classes (LsLabelBar *self,
                               const char *const *classes);
/* The image whose label is shown (NULL: none, or a file not in the
 * workspace: the buttons are off). */
void ls_label_bar_set_image (LsLabelBar *self,
                             const char *sha256,
                             gboolean in_workspace);
/* The image's events (LsLabelEvent, oldest first), as committed. */
void ls_label_bar_set_history (LsLabelBar *self,
                               GPtrArray *events);
/* A label is being written; the screen says saved only once committed. */
void ls_label_bar_set_saving (LsLabelBar *self,
                              const char *label);
/* The note typed for the next label (NULL when empty); cleared once used. */
const char *ls_label_bar_get_note (LsLabelBar *self);
void ls_label_bar_clear_note (LsLabelBar *self);
/* Types @note into the note field. */
void ls_label_bar_set_note (LsLabelBar *self,
                            const char *note);
/* What the bar shows as the current label (tests): the class or NULL. */
const char *ls_label_bar_get_shown_label (LsLabelBar *self);

G_END_DECLS
