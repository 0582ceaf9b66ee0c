/* ls-window-actions.c — the window's win.* actions and their keys
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-train-dialog.h"
#include "ls-window-private.h"

/* ---- files through the portal-friendly native chooser ---- */

typedef enum
{
  CHOOSE_RADIOGRAPHS,
  CHOOSE_FOLDER_TO_IMPORT,
  CHOOSE_WORKSPACE,
  CHOOSE_NEW_WORKSPACE,
} Choose;

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int response,
                     LsWindow *self)
{
  Choose what = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "choose"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      switch (what)
        {
        case CHOOSE_RADIOGRAPHS:
          {
            g_autoptr (GListModel) files = gtk_file_chooser_get_files (chooser);
            g_autoptr (GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);

            for (guint i = 0; i < g_list_model_get_n_items (files); i++)
              g_ptr_array_add (array, g_list_model_get_item (files, i));
            ls_window_take_files (self, (GFile **) array->pdata, array->len);
          }
          break;
        case CHOOSE_FOLDER_TO_IMPORT:
          {
            g_autoptr (GFile) file = gtk_file_chooser_get_file (chooser);
            g_autofree char *path = g_file_get_path (file);
            const char *paths[] = { path, NULL };

            if (path != NULL)
              ls_window_import (self, paths, NULL);
          }
          break;
        case CHOOSE_WORKSPACE:
        case CHOOSE_NEW_WORKSPACE:
          {
            g_autoptr (GFile) file = gtk_file_chooser_get_file (chooser);
            g_autofree char *path = g_file_get_path (file);

            if (path != NULL && what == CHOOSE_NEW_WORKSPACE && !g_str_has_suffix (path, ".lungscope"))
              {
                char *with = g_strconcat (path, ".lungscope", NULL);

                g_free (path);
                path = with;
              }
            if (path != NULL)
              ls_window_open_workspace (self, path, what == CHOOSE_NEW_WORKSPACE);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose (LsWindow *self,
        Choose what)
{
  GtkFileChooserAction action = GTK_FILE_CHOOSER_ACTION_OPEN;
  const char *title = _ ("Open Radiographs");
  const char *accept = _ ("_Open");
  GtkFileChooserNative *dialog;

  switch (what)
    {
    case CHOOSE_RADIOGRAPHS:
      break;
    case CHOOSE_FOLDER_TO_IMPORT:
      action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
      title = _ ("Import a Folder of Radiographs");
      accept = _ ("_Import");
      break;
    case CHOOSE_WORKSPACE:
      action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
      title = _ ("Open Workspace");
      break;
    case CHOOSE_NEW_WORKSPACE:
      action = GTK_FILE_CHOOSER_ACTION_SAVE;
      title = _ ("New Workspace");
      accept = _ ("_Create");
      break;
    default:
      g_assert_not_reached ();
    }
  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept, _ ("_Cancel"));
  g_object_set_data (G_OBJECT (dialog), "choose", GINT_TO_POINTER (what));
  if (what == CHOOSE_RADIOGRAPHS)
    {
      g_autoptr (GtkFileFilter) images = gtk_file_filter_new ();
      g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
      gtk_file_filter_set_name (images, _ ("Radiographs"));
      gtk_file_filter_add_mime_type (images, "image/png");
      gtk_file_filter_add_mime_type (images, "image/jpeg");
      gtk_file_filter_add_mime_type (images, "image/webp");
      gtk_file_filter_add_mime_type (images, "application/dicom");
      gtk_file_filter_add_suffix (images, "dcm");
      gtk_file_filter_set_name (all, _ ("All files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), images);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
    }
  else if (what == CHOOSE_NEW_WORKSPACE)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), _ ("Radiographs.lungscope"));
  g_signal_connect (dialog, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_action (GtkWidget *widget,
             const char *name,
             GVariant *parameter)
{
  choose (LS_WINDOW (widget), CHOOSE_RADIOGRAPHS);
}

static void
import_folder_action (GtkWidget *widget,
                      const char *name,
                      GVariant *parameter)
{
  choose (LS_WINDOW (widget), CHOOSE_FOLDER_TO_IMPORT);
}

static void
open_workspace_action (GtkWidget *widget,
                       const char *name,
                       GVariant *parameter)
{
  choose (LS_WINDOW (widget), CHOOSE_WORKSPACE);
}

static void
new_workspace_action (GtkWidget *widget,
                      const char *name,
                      GVariant *parameter)
{
  choose (LS_WINDOW (widget), CHOOSE_NEW_WORKSPACE);
}

static void
open_recent_action (GtkWidget *widget,
                    const char *name,
                    GVariant *parameter)
{
  ls_window_open_workspace (LS_WINDOW (widget), g_variant_get_string (parameter, NULL), FALSE);
}

/* ---- the viewer ---- */

static void
viewer_action (GtkWidget *widget,
               const char *name,
               GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);
  const char *viewer_action_name = NULL;

  if (g_str_equal (name, "win.zoom-in"))
    viewer_action_name = "viewer.zoom-in";
  else if (g_str_equal (name, "win.zoom-out"))
    viewer_action_name = "viewer.zoom-out";
  else if (g_str_equal (name, "win.zoom-fit"))
    viewer_action_name = "viewer.zoom-fit";
  else if (g_str_equal (name, "win.zoom-original"))
    viewer_action_name = "viewer.zoom-original";
  else if (g_str_equal (name, "win.reset-view"))
    viewer_action_name = "viewer.reset";
  g_return_if_fail (viewer_action_name != NULL);
  gtk_widget_activate_action (GTK_WIDGET (self->viewer), viewer_action_name, NULL);
  ls_window_update_zoom_label (self);
}

static void
overlay_action (GtkWidget *widget,
                const char *name,
                GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  ls_viewer_set_overlay_visible (self->viewer, !ls_viewer_get_overlay_visible (self->viewer));
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "overlay-visible",
                            ls_viewer_get_overlay_visible (self->viewer));
}

static void
invert_action (GtkWidget *widget,
               const char *name,
               GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  ls_viewer_set_inverted (self->viewer, !ls_viewer_get_inverted (self->viewer));
}

/* ---- moving through the gallery ---- */

static void
step_image (LsWindow *self,
            int step)
{
  guint n, pos;

  if (self->list == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  if (n == 0)
    return;
  pos = self->current_sha256 != NULL ? ls_image_list_find (self->list, self->current_sha256)
                                     : GTK_INVALID_LIST_POSITION;
  if (pos == GTK_INVALID_LIST_POSITION)
    pos = step > 0 ? 0 : n - 1;
  else if ((step < 0 && pos == 0) || (step > 0 && pos + 1 >= n))
    return;
  else
    pos = (guint) ((int) pos + step);
  {
    g_autoptr (LsImageItem) item = g_list_model_get_item (G_LIST_MODEL (self->list), pos);

    const char *sha256 = ls_image_item_get_sha256 (item);

    ls_gallery_set_selected_sha256 (self->gallery, sha256);
    /* Selected already (nothing to notify): diagnose it all the same. */
    if (g_strcmp0 (self->current_sha256, sha256) != 0)
      ls_window_diagnose_file (self, NULL, sha256);
  }
}

static void
next_image_action (GtkWidget *widget,
                   const char *name,
                   GVariant *parameter)
{
  step_image (LS_WINDOW (widget), +1);
}

static void
previous_image_action (GtkWidget *widget,
                       const char *name,
                       GVariant *parameter)
{
  step_image (LS_WINDOW (widget), -1);
}

static void
show_page_action (GtkWidget *widget,
                  const char *name,
                  GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

static void
search_action (GtkWidget *widget,
               const char *name,
               GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* ---- train from scratch ---- */

static void
train_cb (LsTrainDialog *dialog,
          const LsSessionTrainOptions *options,
          LsWindow *self)
{
  if (!ls_retrain_page_train (self->retrain_page, options))
    {
      ls_window_show_toast (self, _ ("A training is already running"));
      return;
    }
  adw_view_stack_set_visible_child_name (self->view_stack, "retrain");
}

static void
train_from_scratch_action (GtkWidget *widget,
                           const char *name,
                           GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);
  GtkWidget *dialog;

  if (self->session == NULL || ls_session_is_read_only (self->session))
    return;
  if (ls_retrain_page_is_busy (self->retrain_page))
    {
      ls_window_show_toast (self, _ ("A training is already running"));
      return;
    }
  if (self->train_dialog != NULL)
    {
      gtk_window_present (self->train_dialog);
      return;
    }
  dialog = ls_train_dialog_new (GTK_WINDOW (self), self->session,
                                ls_previews_page_get_pipeline (self->previews_page));
  g_signal_connect_object (dialog, "train", G_CALLBACK (train_cb), self, 0);
  self->train_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->train_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- labels ---- */

static void
label_action (GtkWidget *widget,
              const char *name,
              GVariant *parameter)
{
  ls_window_set_label (LS_WINDOW (widget), g_variant_get_int32 (parameter));
}

static void
undo_action (GtkWidget *widget,
             const char *name,
             GVariant *parameter)
{
  ls_window_undo_label (LS_WINDOW (widget), g_str_equal (name, "win.redo"));
}

/* ---- work in flight ---- */

static void
cancel_import_action (GtkWidget *widget,
                      const char *name,
                      GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

static void
cancel_progress_action (GtkWidget *widget,
                        const char *name,
                        GVariant *parameter)
{
  LsWindow *self = LS_WINDOW (widget);

  if (self->progress_cancellable != NULL)
    g_cancellable_cancel (self->progress_cancellable);
}

void
ls_window_update_actions (LsWindow *self)
{
  gboolean open = self->session != NULL;
  gboolean writable = open && !ls_session_is_read_only (self->session);
  gboolean image = self->current_path != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-folder", writable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.train-from-scratch", writable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-import",
                                 self->import_cancellable != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-progress",
                                 self->progress_cancellable != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.zoom-in", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.zoom-out", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.zoom-fit", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.zoom-original", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-view", image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.next-image", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.label",
                                 writable && self->current_sha256 != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", writable && self->can_undo);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo", writable && self->can_redo);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.previous-image", open);
  ls_window_queues_update_actions (self);
}

void
ls_window_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.import-folder", NULL, import_folder_action);
  gtk_widget_class_install_action (widget_class, "win.open-workspace", NULL, open_workspace_action);
  gtk_widget_class_install_action (widget_class, "win.new-workspace", NULL, new_workspace_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, viewer_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, viewer_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, viewer_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-original", NULL, viewer_action);
  gtk_widget_class_install_action (widget_class, "win.reset-view", NULL, viewer_action);
  gtk_widget_class_install_action (widget_class, "win.overlay", NULL, overlay_action);
  gtk_widget_class_install_action (widget_class, "win.invert", NULL, invert_action);
  gtk_widget_class_install_action (widget_class, "win.next-image", NULL, next_image_action);
  gtk_widget_class_install_action (widget_class, "win.previous-image", NULL, previous_image_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.train-from-scratch", NULL,
                                   train_from_scratch_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.label", "i", label_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-import", NULL, cancel_import_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-progress", NULL,
                                   cancel_progress_action);

  ls_window_queues_install_actions (widget_class);

  /* Keys: the window's own, in the bubble phase, so a focused text field
   * keeps its letters. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-workspace", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, 0, "win.overlay", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, 0, "win.invert", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "win.zoom-original", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "win.reset-view", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "win.next-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "win.previous-image",
                                       NULL);
  /* 1 … 9: the workspace's classes in their order. */
  for (int k = 0; k < 9; k++)
    {
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + k, 0, "win.label", "i", k);
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1 + k, 0, "win.label", "i", k);
    }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s",
                                       "image");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s",
                                       "previews");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s",
                                       "retrain");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-page", "s",
                                       "history");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_ALT_MASK, "win.show-page", "s",
                                       "monitoring");
}
