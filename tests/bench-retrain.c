/* bench-retrain.c — relabel and retrain in the app, side by side with the
 * CLI in one run (a benchmark, not a test: `meson test -C build --benchmark
 * app-retrain --verbose`)
 *
 * On the demo workspace the app makes at its first start (300 phantoms, the
 * shipped model): 50 images relabelled through win.label (the key a
 * labeller presses), then Retrain pressed (retrain.start): the time from
 * the press to the comparison on screen, and the longest main-loop stall
 * meanwhile; then `lungscope-cli finetune` on a copy of the same workspace
 * in the same state, the whole process.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window-private.h"

#define RELABEL 50

static LsWindow *window;

static gboolean
on_workspace (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (window->main_stack), "workspace") == 0 &&
         window->list != NULL && !ls_image_list_get_loading (window->list) &&
         ls_image_list_get_n_total (window->list) > 0 && !ls_window_is_busy (window);
}

static gboolean
shown_other_than (gpointer data)
{
  return !ls_window_is_busy (window) && window->current_sha256 != NULL &&
         g_strcmp0 (window->current_sha256, data) != 0 && ls_viewer_get_image (window->viewer) != NULL;
}

static gboolean
counted (gpointer data)
{
  return !ls_window_is_busy (window) &&
         ls_retrain_page_get_n_corrections (window->retrain_page) >= GPOINTER_TO_UINT (data);
}

static gboolean
compared (gpointer data)
{
  return !ls_retrain_page_is_busy (window->retrain_page) &&
         ls_retrain_page_get_result (window->retrain_page) != NULL;
}

static void
copy_tree (const char *from,
           const char *to)
{
  const char *argv[] = { "/bin/cp", "-a", from, to, NULL };
  int status = -1;

  g_assert_true (ls_test_run (argv, NULL, NULL, &status));
  g_assert_cmpint (status, ==, 0);
}

int
main (int argc,
      char **argv)
{
  g_autoptr (LsApplication) app = NULL;
  g_autofree char *home = NULL, *data = NULL, *ws = NULL, *copy = NULL;
  const char *const *classes;
  double label_ms = 0, app_s, cli_s, stall, cpu = 0;
  guint n_corrections;
  gint64 start;

  ls_test_init (&argc, &argv);
  home = g_dir_make_tmp ("ls-bench-retrain-XXXXXX", NULL);
  data = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  /* The first start: the demo workspace. */
  g_application_activate (G_APPLICATION (app));
  window = LS_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  ls_gui_test_wait_for (on_workspace, NULL, 300, "the demo workspace");
  ws = g_strdup (ls_session_get_path (ls_window_get_session (window)));
  classes = ls_session_get_classes (ls_window_get_session (window));

  /* 50 images relabelled as a labeller does: a class key, then the next
   * image of the list comes up. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.next-image", NULL);
  ls_gui_test_wait_for (shown_other_than, NULL, 60, "the first image");
  for (int i = 0; i < RELABEL; i++)
    {
      g_autofree char *before = g_strdup (window->current_sha256);
      const char *shown = ls_label_bar_get_shown_label (window->label_bar);
      int k = g_strcmp0 (shown, classes[0]) == 0 ? 1 : 0;
      gint64 t = g_get_monotonic_time ();

      gtk_widget_activate_action (GTK_WIDGET (window), "win.label", "i", k);
      ls_gui_test_wait_for (shown_other_than, before, 60, "the next image after a label");
      label_ms += (g_get_monotonic_time () - t) / 1000.0;
    }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "retrain");
  ls_gui_test_wait_for (counted, GUINT_TO_POINTER (1), 60, "the corrections counted");
  n_corrections = ls_retrain_page_get_n_corrections (window->retrain_page);
  copy = g_build_filename (home, "copy.lungscope", NULL);
  copy_tree (ws, copy);

  /* Retrain pressed: to the comparison on screen. */
  ls_gui_test_stall_probe_start ();
  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window->retrain_page), "retrain.start", NULL);
  ls_gui_test_wait_for (compared, NULL, 600, "the comparison");
  ls_gui_test_wait_frames (GTK_WIDGET (window), 1);
  app_s = (g_get_monotonic_time () - start) / 1e6;
  stall = ls_gui_test_stall_probe_stop (&cpu);
  /* Past the page's transition, for the picture. */
  ls_gui_test_wait_frames (GTK_WIDGET (window), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (window), "bench-retrain-comparison.png"));

  /* The CLI on the copy, the whole process. */
  {
    const char *cli[] = { g_getenv ("LS_CLI"), "-w", copy, "finetune", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;

    start = g_get_monotonic_time ();
    g_assert_true (ls_test_run (cli, &out, &err, &status));
    cli_s = (g_get_monotonic_time () - start) / 1e6;
    if (status != 0)
      g_error ("lungscope-cli finetune: %s", err);
  }

  printf ("# demo workspace, %d images relabelled in the app (%u training labels changed)\n", RELABEL,
          n_corrections);
  printf ("app: a label to the next image shown, mean     %7.1f ms\n", label_ms / RELABEL);
  printf ("app: Retrain pressed to the comparison on screen %5.1f s   (target <= 30)\n", app_s);
  printf ("cli: finetune on a copy, the whole process       %5.1f s\n", cli_s);
  printf ("app: longest main-loop stall while retraining %.1f ms (%.1f ms main-thread CPU; target <= 50)\n",
          stall, cpu);

  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  ls_test_remove_tree (home);
  return 0;
}
