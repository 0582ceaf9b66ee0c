/* ls-queue-bar.h — the review queues beside the gallery: one button a
 * queue with its count, a line on how the chosen queue is ranked, and the
 * cross-validation that ranks label errors out of fold, with its progress
 *
 * Choosing a queue puts the gallery's list in queue mode (the queue's
 * images in its order, ls_image_list_set_queue); choosing it again leaves
 * it. The counts and the chosen queue are read in a worker
 * (ls_session_queues_async), again a moment after each label change
 * (ls_queue_bar_refresh: changes within 300 ms are read once).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ls-image-list.h"
#include "ls-session-queues.h"

G_BEGIN_DECLS

#define LS_TYPE_QUEUE_BAR (ls_queue_bar_get_type ())

G_DECLARE_FINAL_TYPE (LsQueueBar, ls_queue_bar, LS, QUEUE_BAR, GtkWidget)

/* No queue chosen. */
#define LS_QUEUE_BAR_NONE (-1)

/* A workspace's session and the gallery's list (both may be NULL); leaves
 * any queue and cancels a cross-validation of the previous one. */
void ls_queue_bar_set_workspace (LsQueueBar *self,
                                 LsSession *session,
                                 LsImageList *list);
/* Reads the counts and the chosen queue again, soon (labels changed). */
void ls_queue_bar_refresh (LsQueueBar *self);

/* LsQueueKind or LS_QUEUE_BAR_NONE (property "queue"). */
int ls_queue_bar_get_queue (LsQueueBar *self);
void ls_queue_bar_set_queue (LsQueueBar *self,
                             int queue);
/* (transfer none) the button of a queue. */
/* The Read button (shown when the chosen queue has images without a
 * prediction) and the progress bar of the job in flight. */
GtkButton *ls_queue_bar_get_read_button (LsQueueBar *self);
GtkProgressBar *ls_queue_bar_get_progress_bar (LsQueueBar *self);
GtkToggleButton *ls_queue_bar_get_button (LsQueueBar *self,
                                          LsQueueKind kind);
/* The counts last read; FALSE before the first read. */
gboolean ls_queue_bar_get_counts (LsQueueBar *self,
                                  LsQueueCounts *counts);
/* The chosen queue as last read (NULL before it arrives). */
const LsQueue *ls_queue_bar_get_current (LsQueueBar *self);
/* The line under the buttons ("" when hidden). */
const char *ls_queue_bar_get_note (LsQueueBar *self);
/* A read of the store is pending or in flight. */
gboolean ls_queue_bar_is_refreshing (LsQueueBar *self);

/* K-fold cross-validation in the background (0: the defaults); when it
 * ends the counts and the label-error queue are read again. Emits
 * "message" with a one-line outcome. */
void ls_queue_bar_run_crossval (LsQueueBar *self,
                                int folds,
                                int epochs);
/* Reads the workspace images the active model has no prediction of (the
 * ones the queues cannot rank), with progress in the same place; the
 * queues and the gallery's badges are read again when it ends. */
void ls_queue_bar_read_unread (LsQueueBar *self);
/* TRUE while that reading runs (ls_queue_bar_is_busy is then TRUE too). */
gboolean ls_queue_bar_is_reading (LsQueueBar *self);
/* Cancels the cross-validation or the reading in flight. */
void ls_queue_bar_cancel_crossval (LsQueueBar *self);
/* A cross-validation or a reading runs (property "busy"). */
gboolean ls_queue_bar_is_busy (LsQueueBar *self);

G_END_DECLS
