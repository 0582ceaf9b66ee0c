/* ls-window-queues.c — the window's review queues, cross-validation and
 * PDF reading: win.crossval, win.read-unread, win.cancel-crossval, win.save-report and
 * win.save-report-to (the file chooser's Save, with the path)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ls-session-queues.h"
#include "ls-window-private.h"

/* ---- cross-validation ---- */

static void
crossval_action (GtkWidget *widget,
                 const char *name,
                 GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);
  int folds = 0, epochs = 0;

  /* Preferences' folds and epochs (0, the pipeline's defaults, without
   * the schema). */
  if (self->settings != NULL)
    {
      folds = g_settings_get_int (self->settings, "crossval-folds");
      epochs = g_settings_get_int (self->settings, "crossval-epochs");
    }
  ls_queue_bar_run_crossval (self->queue_bar, folds, epochs);
}

static void
read_unread_action (GtkWidget *widget,
                    const char *name,
                    GVariant *parameter)
{
  ls_queue_bar_read_unread (LS_WINDOW (widget)->queue_bar);
}

static void
cancel_crossval_action (GtkWidget *widget,
                        const char *name,
                        GVariant *parameter)
{
  ls_queue_bar_cancel_crossval (LS_WINDOW (widget)->queue_bar);
}

/* ---- the PDF reading ---- */

/* Where the last report of this window went (object data, a string). */
#define REPORT_FOLDER "ls-report-folder"

/* The outcome of what was just asked for: shown at once, before any
 * toast waiting. */
static void
show_toast_now (LsWindow *self,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (toast, 6);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

typedef struct
{
  LsWindow *self; /* a reference */
  char *path;
} ReportCall;

static void
report_cb (GObject *source,
           GAsyncResult *result,
           gpointer user_data)
{
  ReportCall *call = user_data;
  LsWindow *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (ls_session_save_report_finish (LS_SESSION (source), result, &error))
    {
      g_autofree char *base = g_path_get_basename (call->path);
      g_autofree char *shown = g_filename_display_name (base);

      /* The next report is offered the same folder. */
      g_object_set_data_full (G_OBJECT (self), REPORT_FOLDER, g_path_get_dirname (call->path), g_free);

      text = g_strdup_printf (_ ("Report saved as %s"), shown);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup_printf (_ ("The report was not saved: %s"), error->message);
  if (text != NULL)
    show_toast_now (self, text);
  g_object_unref (call->self);
  g_free (call->path);
  g_free (call);
}

void
ls_window_save_report (LsWindow *self,
                       const char *path)
{
  LsDiagnoseOptions options;
  ReportCall *call;

  g_return_if_fail (LS_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  if (self->session == NULL || (self->current_path == NULL && self->current_sha256 == NULL))
    return;
  options = ls_window_get_diagnose_options (self);
  call = g_new0 (ReportCall, 1);
  call->self = g_object_ref (self);
  call->path = g_strdup (path);
  ls_session_save_report_async (self->session, self->current_path, self->current_sha256, self->current_name, &options,
                                ls_viewer_get_colormap (self->viewer),
                                (float) ls_viewer_get_overlay_opacity (self->viewer), path, self->cancellable,
                                report_cb, call);
}

static void
report_chooser_cb (GtkNativeDialog *dialog,
                   int response,
                   LsWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.save-report-to", "s", path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_report_action (GtkWidget *widget,
                    const char *name,
                    GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr (GtkFileFilter) pdf = gtk_file_filter_new ();
  g_autofree char *stem = NULL, *suggested = NULL;
  const char *dot;

  dialog = gtk_file_chooser_native_new (_ ("Save Report"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _ ("_Save"), _ ("_Cancel"));
  gtk_file_filter_set_name (pdf, _ ("PDF documents"));
  gtk_file_filter_add_mime_type (pdf, "application/pdf");
  gtk_file_filter_add_suffix (pdf, "pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), pdf);
  /* "chest-017.png" → "chest-017 reading.pdf" */
  stem = g_strdup (self->current_name != NULL ? self->current_name : _ ("Radiograph"));
  dot = strrchr (stem, '.');
  if (dot != NULL && dot != stem)
    stem[dot - stem] = '\0';
  /* Translators: the suggested file name of a report, from the image's */
  suggested = g_strdup_printf (_ ("%s reading.pdf"), stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested);
  /* The last report's folder, else Documents, else home: never the
   * process's working folder. */
  {
    const char *folder = g_object_get_data (G_OBJECT (self), REPORT_FOLDER);
    g_autoptr (GFile) file = NULL;

    if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
      folder = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
    if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
      folder = g_get_home_dir ();
    file = g_file_new_for_path (folder);
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), file, NULL);
  }
  g_signal_connect (dialog, "response", G_CALLBACK (report_chooser_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_report_to_action (GtkWidget *widget,
                       const char *name,
                       GVariant *parameter)
{
  ls_window_save_report (LS_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* ---- the actions ---- */

void
ls_window_queues_update_actions (LsWindow *self)
{
  gboolean writable = self->session != NULL && !ls_session_is_read_only (self->session);
  gboolean busy = ls_queue_bar_is_busy (self->queue_bar);
  gboolean image = self->session != NULL && ls_session_get_model (self->session) != NULL &&
                   (self->current_path != NULL || self->current_sha256 != NULL);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.crossval", writable && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.read-unread",
                                 writable && !busy && self->session != NULL &&
                                     ls_session_get_model (self->session) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-crossval", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-report", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-report-to", image);
}

void
ls_window_queues_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.crossval", NULL, crossval_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-crossval", NULL, cancel_crossval_action);
  gtk_widget_class_install_action (widget_class, "win.read-unread", NULL, read_unread_action);
  gtk_widget_class_install_action (widget_class, "win.save-report", NULL, save_report_action);
  gtk_widget_class_install_action (widget_class, "win.save-report-to", "s", save_report_to_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-report", NULL);
}
