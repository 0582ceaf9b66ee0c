/* ls-previews-page.h — augmented versions of the current radiograph with
 * the model's answer on each (test-time augmentation), and the workspace's
 * training augmentation: a switch, a probability and a range per step
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-session.h"

G_BEGIN_DECLS

#define LS_TYPE_PREVIEWS_PAGE (ls_previews_page_get_type ())

G_DECLARE_FINAL_TYPE (LsPreviewsPage, ls_previews_page, LS, PREVIEWS_PAGE, GtkWidget)

/* How many versions the page shows. */
#define LS_PREVIEWS_N 8

GtkWidget *ls_previews_page_new (void);
/* The workspace (its augmentation) and model; NULL clears. */
void ls_previews_page_set_session (LsPreviewsPage *self,
                                   LsSession *session);
/* The radiograph's file; previews are made when the page is shown. */
void ls_previews_page_set_file (LsPreviewsPage *self,
                                const char *path);
/* New random versions (another seed). */
void ls_previews_page_reroll (LsPreviewsPage *self);
/* @pipeline in words: its steps that apply, with how often, or "No
 * augmentation" (the Train dialog shows it). */
char *ls_previews_page_describe_pipeline (const LsAugmentPipeline *pipeline);

/* For tests: the result on screen (NULL while none), whether work is in
 * flight, and the pipeline the page edits (NULL before it is loaded). */
const LsTta *ls_previews_page_get_tta (LsPreviewsPage *self);
gboolean ls_previews_page_is_busy (LsPreviewsPage *self);
const LsAugmentPipeline *ls_previews_page_get_pipeline (LsPreviewsPage *self);
/* Turns step @index on or off as its switch does. */
void ls_previews_page_set_step_enabled (LsPreviewsPage *self,
                                        guint index,
                                        gboolean enabled);

G_END_DECLS
