/* ls-window-dnd.c — files and folders dropped on the window, opened with
 * Ctrl+O or given on the command line
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-window-private.h"

void
ls_window_take_files (LsWindow *self,
                      GFile **files,
                      guint n_files)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *first_file = NULL;
  guint n_remote = 0;

  if (self->session == NULL)
    {
      ls_window_show_toast (self, _ ("Open or create a workspace first"));
      return;
    }
  for (guint i = 0; i < n_files; i++)
    {
      char *path = g_file_get_path (files[i]);

      if (path == NULL)
        {
          n_remote++;
          continue;
        }
      g_ptr_array_add (paths, path);
      /* The first file (not folder) is diagnosed at once. */
      if (first_file == NULL && !g_file_test (path, G_FILE_TEST_IS_DIR))
        first_file = path;
    }
  if (n_remote > 0)
    ls_window_show_toast (self, _ ("Only local files can be opened"));
  if (paths->len == 0)
    return;
  if (first_file != NULL)
    {
      adw_view_stack_set_visible_child_name (self->view_stack, "image");
      ls_window_diagnose_file (self, first_file, NULL);
    }
  g_ptr_array_add (paths, NULL);
  if (!ls_session_is_read_only (self->session))
    ls_window_import (self, (const char *const *) paths->pdata, first_file);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue *value,
         double x,
         double y,
         LsWindow *self)
{
  GSList *list;
  g_autoptr (GPtrArray) files = g_ptr_array_new ();

  gtk_widget_remove_css_class (GTK_WIDGET (self), "ls-drop-hover");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  if (files->len == 0)
    return FALSE;
  ls_window_take_files (self, (GFile **) files->pdata, files->len);
  return TRUE;
}

static GdkDragAction
enter_cb (GtkDropTarget *target,
          double x,
          double y,
          LsWindow *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "ls-drop-hover");
  return GDK_ACTION_COPY;
}

static void
leave_cb (GtkDropTarget *target,
          LsWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "ls-drop-hover");
}

void
ls_window_setup_drop (LsWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  g_signal_connect (target, "enter", G_CALLBACK (enter_cb), self);
  g_signal_connect (target, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
