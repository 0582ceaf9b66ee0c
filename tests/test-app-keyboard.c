/* test-app-keyboard.c — the app from the keyboard alone: real key presses
 * (XTest, through xdotool) into the window under Xvfb, no pointer and no
 * action called by the test: the next image (Page Down) is diagnosed, 2
 * labels it and Ctrl+Z undoes it, Alt+3 shows Retrain and Tab reaches its
 * button, Return starts a fine-tune and Tab + Return on Cancel stops it,
 * Ctrl+O opens the file chooser and Escape closes it, Alt+4 and Alt+5 show
 * the history and monitoring pages. Renders build/gui-renders/
 * app-keyboard-*.png.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/x11/gdkx.h>

#include "dataset/store.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window-private.h"

static struct
{
  char *home;
  LsApplication *app;
  LsWindow *window;
  char *xid;
} fx;

static void
keys (const char *first,
      ...) G_GNUC_NULL_TERMINATED;

/* Presses each key (xdotool's names) into the window, in order. */
static void
keys (const char *first,
      ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) "/usr/bin/xdotool");
  g_ptr_array_add (argv, (gpointer) "key");
  g_ptr_array_add (argv, (gpointer) "--delay");
  g_ptr_array_add (argv, (gpointer) "30");
  va_start (args, first);
  for (const char *k = first; k != NULL; k = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) k);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, NULL, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 3);
}

static void
focus_window (void)
{
  const char *argv[] = { "/usr/bin/xdotool", "windowfocus", "--sync", fx.xid, NULL };
  int status = -1;

  g_assert_true (ls_test_run (argv, NULL, NULL, &status));
  g_assert_cmpint (status, ==, 0);
}

static void
render (const char *name)
{
  g_autofree char *file = g_strdup_printf ("app-keyboard-%s.png", name);

  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (fx.window), file));
}

static gboolean
on_workspace (gpointer data)
{
  LsWindow *w = fx.window;

  return g_strcmp0 (gtk_stack_get_visible_child_name (w->main_stack), "workspace") == 0 && w->list != NULL &&
         !ls_image_list_get_loading (w->list) && ls_image_list_get_n_total (w->list) > 0 && !ls_window_is_busy (w);
}

static gboolean
shown_other_than (gpointer data)
{
  LsWindow *w = fx.window;

  return !ls_window_is_busy (w) && w->current_sha256 != NULL && g_strcmp0 (w->current_sha256, data) != 0 &&
         ls_viewer_get_image (w->viewer) != NULL && ls_diagnosis_panel_get_predicted (w->diagnosis_panel) >= 0;
}

static gboolean
on_page (gpointer data)
{
  return g_strcmp0 (adw_view_stack_get_visible_child_name (fx.window->view_stack), data) == 0;
}

static gboolean
label_is (gpointer data)
{
  const char *const *want = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (ls_window_get_session (fx.window)),
                                             LS_STORE_OPEN_READ_ONLY, &error);
  g_autofree char *label = store != NULL ? ls_store_get_label (store, want[0], NULL) : NULL;

  return !ls_window_is_busy (fx.window) && g_strcmp0 (label, want[1]) == 0;
}

static gboolean
retrain_counted (gpointer data)
{
  return !ls_window_is_busy (fx.window) && ls_retrain_page_get_n_corrections (fx.window->retrain_page) > 0;
}

static gboolean
retrain_busy (gpointer data)
{
  return ls_retrain_page_is_busy (fx.window->retrain_page) == GPOINTER_TO_INT (data);
}

static gboolean
dialog_open (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      n += GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window));
    }
  return (n > 0) == GPOINTER_TO_INT (data);
}

/* Tab until the focus is on @target (or inside it); fails after 80. */
static void
tab_to (GtkWidget *target,
        const char *what)
{
  for (int i = 0; i < 80; i++)
    {
      GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fx.window));

      if (focus != NULL && (focus == target || gtk_widget_is_ancestor (focus, target)))
        return;
      g_test_message ("focus: %s %s", focus ? G_OBJECT_TYPE_NAME (focus) : "none",
                      focus && gtk_widget_get_parent (focus) ? G_OBJECT_TYPE_NAME (gtk_widget_get_parent (focus)) : "");
      keys ("Tab", NULL);
    }
  g_error ("Tab never reached %s", what);
}

static GtkWidget *
find_by_action (GtkWidget *root,
                const char *action)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (c) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (c)), action) == 0 &&
          gtk_widget_is_drawable (c))
        return c;
      found = find_by_action (c, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_keyboard (void)
{
  LsWindow *w;
  const char *const *classes;
  g_autofree char *first = NULL, *old = NULL;
  GtkWidget *button;

  g_application_activate (G_APPLICATION (fx.app));
  fx.window = w = LS_WINDOW (gtk_application_get_windows (GTK_APPLICATION (fx.app))->data);
  gtk_window_set_default_size (GTK_WINDOW (w), 1280, 800);
  ls_gui_test_wait_for (on_workspace, NULL, 300, "the demo workspace");
  fx.xid = g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (
                                       gtk_native_get_surface (GTK_NATIVE (w))));
  focus_window ();
  classes = ls_session_get_classes (ls_window_get_session (w));

  /* Page Down: the first image, diagnosed. */
  keys ("Next", NULL);
  ls_gui_test_wait_for (shown_other_than, NULL, 60, "the first image after Page Down");
  first = g_strdup (w->current_sha256);
  {
    g_autoptr (LsStore) store = ls_store_open (ls_session_get_path (ls_window_get_session (w)),
                                               LS_STORE_OPEN_READ_ONLY, NULL);

    old = ls_store_get_label (store, first, NULL);
  }
  g_assert_cmpstr (old, !=, classes[1]);

  /* 2: labelled, then the next image; Ctrl+Z: the old label again. */
  keys ("2", NULL);
  ls_gui_test_wait_for (shown_other_than, first, 60, "the next image after 2");
  {
    const char *want[] = { first, classes[1] };

    ls_gui_test_wait_for (label_is, want, 30, "the label from the key 2");
  }
  render ("labelled");
  keys ("ctrl+z", NULL);
  {
    const char *want[] = { first, old };

    ls_gui_test_wait_for (label_is, want, 30, "the label undone by Ctrl+Z");
  }
  /* Some training labels changed, for Retrain: 3 on the next images. */
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *before = g_strdup (w->current_sha256);

      keys ("3", NULL);
      ls_gui_test_wait_for (shown_other_than, before, 60, "the next image after 3");
    }

  /* Alt+3: Retrain; Tab to its button, Return; Tab to Cancel, Return. */
  keys ("alt+3", NULL);
  ls_gui_test_wait_for (on_page, (gpointer) "retrain", 10, "the Retrain page");
  ls_gui_test_wait_for (retrain_counted, NULL, 60, "corrections to train on");
  button = find_by_action (GTK_WIDGET (w->retrain_page), "retrain.start");
  g_assert_nonnull (button);
  tab_to (button, "the Retrain button");
  render ("retrain-focused");
  keys ("Return", NULL);
  ls_gui_test_wait_for (retrain_busy, GINT_TO_POINTER (TRUE), 30, "the fine-tune started by Return");
  ls_gui_test_wait_frames (GTK_WIDGET (w), 5);
  button = find_by_action (GTK_WIDGET (w->retrain_page), "retrain.cancel");
  g_assert_nonnull (button);
  tab_to (button, "the Cancel button");
  keys ("Return", NULL);
  ls_gui_test_wait_for (retrain_busy, GINT_TO_POINTER (FALSE), 120, "the fine-tune cancelled by Return");
  g_assert_null (ls_retrain_page_get_result (w->retrain_page));

  /* Alt+4, Alt+5: history and monitoring; Alt+1 back. */
  keys ("alt+4", NULL);
  ls_gui_test_wait_for (on_page, (gpointer) "history", 10, "the Model History page");
  render ("history");
  keys ("alt+5", NULL);
  ls_gui_test_wait_for (on_page, (gpointer) "monitoring", 10, "the Monitoring page");
  keys ("alt+1", NULL);
  ls_gui_test_wait_for (on_page, (gpointer) "image", 10, "the Image page");

  /* Ctrl+O: the file chooser; Escape closes it. */
  keys ("ctrl+o", NULL);
  ls_gui_test_wait_for (dialog_open, GINT_TO_POINTER (TRUE), 30, "the file chooser after Ctrl+O");
  keys ("Escape", NULL);
  ls_gui_test_wait_for (dialog_open, GINT_TO_POINTER (FALSE), 30, "the file chooser closed by Escape");
  focus_window ();
  render ("end");
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  int rc;

  ls_test_init (&argc, &argv);
  if (!g_file_test ("/usr/bin/xdotool", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_print ("1..0 # SKIP xdotool is not installed (scripts/install-deps.sh installs it)\n");
      return 0;
    }
  fx.home = g_dir_make_tmp ("ls-app-keyboard-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  fx.app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/lungscope/app/keyboard", test_keyboard);
  rc = g_test_run ();

  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fx.app);
  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  g_free (fx.xid);
  return rc;
}
