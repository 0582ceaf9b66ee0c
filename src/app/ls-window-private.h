/* ls-window-private.h — the window's struct, shared by ls-window.c, its
 * actions (ls-window-actions.c) and its drops (ls-window-dnd.c)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ls-diagnosis-panel.h"
#include "ls-gallery.h"
#include "ls-history-page.h"
#include "ls-image-list.h"
#include "ls-label-bar.h"
#include "ls-monitor-page.h"
#include "ls-previews-page.h"
#include "ls-queue-bar.h"
#include "ls-retrain-page.h"
#include "ls-session.h"
#include "ls-viewer.h"
#include "ls-window.h"

G_BEGIN_DECLS

struct _LsWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwHeaderBar *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar *switcher_bar;
  GtkInfoBar *synthetic_bar;
  GtkLabel *synthetic_label;
  GtkInfoBar *notice_bar;
  GtkLabel *notice_label;
  GtkInfoBar *drift_bar;
  GtkLabel *drift_label;
  GtkStack *main_stack;
  AdwStatusPage *welcome_page;
  AdwStatusPage *progress_page;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkSearchEntry *search_entry;
  GtkDropDown *filter_dropdown;
  GtkDropDown *sort_dropdown;
  GtkLabel *count_label;
  LsQueueBar *queue_bar;
  LsGallery *gallery;
  GtkRevealer *import_revealer;
  GtkLabel *import_label;
  GtkProgressBar *import_bar;
  AdwViewStack *view_stack;
  LsViewer *viewer;
  AdwStatusPage *viewer_empty;
  GtkDropDown *method_dropdown;
  GtkDropDown *class_dropdown;
  GtkDropDown *colormap_dropdown;
  GtkAdjustment *opacity_adjustment;
  GtkDropDown *window_dropdown;
  GtkButton *zoom_button;
  GtkToggleButton *overlay_toggle;
  GtkToggleButton *invert_toggle;
  GtkMenuButton *overlay_menu_button;
  LsPreviewsPage *previews_page;
  LsRetrainPage *retrain_page;
  AdwViewStackPage *retrain_stack_page;
  LsHistoryPage *history_page;
  LsMonitorPage *monitor_page;
  LsDiagnosisPanel *diagnosis_panel;
  LsLabelBar *label_bar;
  GMenu *recent_section;

  /* Borrowed references */
  GtkWindow *train_dialog; /* the Train dialog while open (a weak pointer) */

  /* Owned references */
  GSettings *settings; /* NULL where the schema is not installed */
  LsSession *session;
  LsImageList *list;
  GCancellable *cancellable;          /* everything of the window; cancelled on close */
  GCancellable *diagnose_cancellable; /* the diagnosis in flight */
  GCancellable *import_cancellable;   /* the import in flight */
  GCancellable *progress_cancellable; /* the demo workspace being made */
  char *current_path;                 /* the file on screen */
  char *current_sha256;               /* its workspace image, or NULL */
  char *current_name;
  char *last_toast;         /* the latest toast's text (tests read it) */
  GPtrArray *pending_files; /* opened before the workspace was ready */
  guint diagnose_serial;
  gboolean updating_controls;
  gboolean updating_selection;
  guint labels_in_flight;
  gboolean can_undo;
  gboolean can_redo;
  /* Timings of the last diagnosis (benchmarks): from the request (a drop,
   * a selection) to the probabilities and to the overlay on screen. */
  gint64 request_time;
  double probabilities_ms;
  double overlay_ms;
  /* The drift check (the info bar): at most one in flight, and one again
   * a second after the last logged diagnosis of a burst. */
  guint drift_timeout;
  gboolean drift_in_flight;
  gboolean drift_again;
  gboolean drift_dismissed; /* closed by the user until drift is gone */
  LsMonitorDriftState drift_state;
  guint drift_checks; /* finished, for tests */
};

/* ls-window.c */
/* For tests: the last drift verdict of the info bar's check, and how many
 * checks finished (@n_checks may be NULL). */
LsMonitorDriftState ls_window_get_drift_state (LsWindow *self,
                                               guint *n_checks);
void ls_window_show_toast (LsWindow *self,
                           const char *text);
void ls_window_show_notice (LsWindow *self,
                            GtkMessageType type,
                            const char *text);
void ls_window_diagnose_file (LsWindow *self,
                              const char *path,
                              const char *sha256);
void ls_window_import (LsWindow *self,
                       const char *const *paths,
                       const char *select_path);
void ls_window_add_recent (LsWindow *self,
                           const char *path);
void ls_window_update_zoom_label (LsWindow *self);

/* The label bar of the image on screen, from the store (its history and
 * the undo state). */
void ls_window_refresh_label (LsWindow *self);
/* Writes a label (class index, −1: unlabelled) for the image on screen and
 * moves to the next image of the gallery's current list. */
void ls_window_set_label (LsWindow *self,
                          int class_index);
void ls_window_undo_label (LsWindow *self,
                           gboolean redo);

/* ls-window-actions.c */
void ls_window_class_install_actions (GtkWidgetClass *widget_class);
void ls_window_update_actions (LsWindow *self);

/* The saliency choices of the viewer's controls (method, class). */
LsDiagnoseOptions ls_window_get_diagnose_options (LsWindow *self);

/* ls-window-queues.c: review queues, cross-validation, the PDF reading */
void ls_window_queues_install_actions (GtkWidgetClass *widget_class);
void ls_window_queues_update_actions (LsWindow *self);
/* Writes the PDF reading of the image on screen to @path (what the file
 * chooser's Save does); a toast names the file, or says why not. */
void ls_window_save_report (LsWindow *self,
                            const char *path);

/* ls-window-dnd.c */
void ls_window_setup_drop (LsWindow *self);
/* What a drop of @files does (also `lungscope FILE…` and Open). */
void ls_window_take_files (LsWindow *self,
                           GFile **files,
                           guint n_files);

G_END_DECLS
