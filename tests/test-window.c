/* test-window.c — the app starts, draws its main window, and quits cleanly
 *
 * Runs the real LsApplication under Xvfb (see gui-run.sh), waits until the
 * main window has been drawn, renders it to a PNG in the build folder, opens
 * About through its action, and quits through app.quit as Ctrl+Q does. Any
 * GLib warning or critical fails the test (G_DEBUG=fatal-warnings).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window.h"

typedef struct
{
  LsApplication *app;
  GtkWindow *window;
  gboolean shot_main;
  gboolean shot_about;
  gboolean quit_seen;
  guint timeout_id;
} Fixture;

static gboolean
timeout_cb (gpointer data)
{
  g_error ("the window was not drawn within 30 s");
  return G_SOURCE_REMOVE;
}

/* Quit as the user does with Ctrl+Q, from the main loop, once the test
 * holds no window. */
static gboolean
quit_idle_cb (gpointer user_data)
{
  Fixture *f = user_data;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
after_about_drawn (GtkWindow *about,
                   gpointer user_data)
{
  Fixture *f = user_data;

  g_free (ls_gui_test_save_window_png (about, "test-window-about.png"));
  f->shot_about = TRUE;
  g_idle_add (quit_idle_cb, f);
}

static void
after_main_drawn (GtkWindow *window,
                  gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_true (LS_IS_WINDOW (window));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >=, 360);
  g_free (ls_gui_test_save_window_png (window, "test-window-main.png"));
  f->shot_main = TRUE;

  /* Open About through its action, as the menu item does: it opens once
   * its debug information is read (window_added_cb). */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow *window,
                 Fixture *f)
{
  if (LS_IS_WINDOW (window) && f->window == NULL)
    {
      f->window = window;
      ls_gui_test_when_drawn (window, after_main_drawn, f);
    }
  else if (ADW_IS_ABOUT_WINDOW (window))
    {
      g_assert_true (f->shot_main);
      g_assert_true (gtk_window_get_transient_for (window) == f->window);
      g_assert_nonnull (strstr (adw_about_window_get_debug_info (ADW_ABOUT_WINDOW (window)), "\nBLAS\n"));
      ls_gui_test_when_drawn (window, after_about_drawn, f);
    }
}

static void
shutdown_cb (GApplication *app,
             Fixture *f)
{
  f->quit_seen = TRUE;
}

static void
test_window_starts_and_quits (void)
{
  Fixture f = { 0 };
  int status;

  f.app = ls_application_new ();
  g_signal_connect (f.app, "window-added", G_CALLBACK (window_added_cb), &f);
  g_signal_connect (f.app, "shutdown", G_CALLBACK (shutdown_cb), &f);
  f.timeout_id = g_timeout_add_seconds (30, timeout_cb, NULL);

  status = g_application_run (G_APPLICATION (f.app), 0, NULL);

  g_source_remove (f.timeout_id);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (f.shot_main);
  g_assert_true (f.shot_about);
  g_assert_true (f.quit_seen);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (f.app)));
  g_assert_finalize_object (f.app);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/app/window/start-draw-quit", test_window_starts_and_quits);

  return g_test_run ();
}
