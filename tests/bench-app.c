/* bench-app.c — the app's latencies, side by side with the CLI in one run
 * (a benchmark, not a test: `meson test -C build --benchmark app-latency`)
 *
 *  - a dropped 2000 × 2000 PNG: time to the probabilities on screen and to
 *    the overlay on screen (the frame after each is painted), against
 *    `lungscope-cli predict --saliency` on the same file (its own latency
 *    and the whole process);
 *  - the longest main-loop stall while those diagnoses run;
 *  - opening a 5000-phantom workspace a second time: to the first painted
 *    gallery; and the longest stall while scrolling through it.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dataset/phantom.h"
#include "imaging/png-write.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window-private.h"

#define RUNS 7

static LsWindow *window;

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v,
        int n)
{
  qsort (v, n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static gboolean
session_ready (gpointer data)
{
  return ls_window_get_session (window) != NULL && !ls_window_is_busy (window);
}

static gboolean
probabilities_shown (gpointer data)
{
  double p, o;

  ls_window_get_last_timings (window, &p, &o);
  return isfinite (p);
}

static gboolean
overlay_shown (gpointer data)
{
  double p, o;

  ls_window_get_last_timings (window, &p, &o);
  return isfinite (o) && !ls_viewer_get_busy (window->viewer);
}

static gboolean
list_ready (gpointer data)
{
  return window->list != NULL && !ls_image_list_get_loading (window->list) &&
         ls_image_list_get_n_total (window->list) == GPOINTER_TO_UINT (data);
}

/* The CLI on the same file: its latency (read excluded) and the whole
 * process, milliseconds. */
static void
cli_predict (const char *workspace,
             const char *file,
             const char *out_dir,
             double *latency,
             double *process)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *argv[] = { g_getenv ("LS_CLI"), "-w", workspace, "predict", "--json", "--saliency",
                         out_dir, file, NULL };
  int status = -1;
  gint64 start = g_get_monotonic_time ();
  JsonObject *p;

  g_assert_true (ls_test_run (argv, &out, &err, &status));
  *process = (g_get_monotonic_time () - start) / 1000.0;
  g_assert_cmpint (status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  p = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                    "predictions"),
      0);
  *latency = json_object_get_double_member (p, "latency_ms");
}

int
main (int argc,
      char **argv)
{
  g_autoptr (LsApplication) app = NULL;
  g_autofree char *home = NULL, *data = NULL, *ws = NULL, *file = NULL, *out = NULL;
  g_autoptr (LsPhantom) ph = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) gfile = NULL;
  LsPhantomParams params;
  double probs[RUNS], overlay[RUNS], cli_latency[RUNS], cli_process[RUNS];
  double stall, cpu = 0;

  ls_test_init (&argc, &argv);
  home = g_dir_make_tmp ("ls-bench-app-XXXXXX", NULL);
  data = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  window = ls_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));

  /* A workspace with the shipped model, and a 2000 × 2000 radiograph. */
  ws = g_build_filename (home, "bench.lungscope", NULL);
  ls_window_open_workspace (window, ws, TRUE);
  ls_gui_test_wait_for (session_ready, NULL, 60, "the workspace");
  ls_phantom_params_init (&params);
  params.size = 2000;
  ph = ls_phantom_generate (&params, 99, 1, 0);
  file = g_build_filename (home, "chest-2000.png", NULL);
  g_assert_true (ls_png_write_image (file, ph->image, 8, 0, &error));
  g_assert_no_error (error);
  gfile = g_file_new_for_path (file);
  out = g_build_filename (home, "overlays", NULL);

  printf ("# dropped 2000 x 2000 PNG, %d runs, medians (ms)\n", RUNS);
  ls_gui_test_stall_probe_start ();
  for (int i = 0; i < RUNS; i++)
    {
      GFile *files[] = { gfile };
      double p, o;

      ls_window_take_files (window, files, 1);
      ls_gui_test_wait_for (probabilities_shown, NULL, 60, "the probabilities");
      ls_gui_test_wait_frames (GTK_WIDGET (window), 1);
      ls_window_get_last_timings (window, &p, &o);
      probs[i] = (g_get_monotonic_time () - window->request_time) / 1000.0;
      ls_gui_test_wait_for (overlay_shown, NULL, 60, "the overlay");
      ls_gui_test_wait_frames (GTK_WIDGET (window), 1);
      overlay[i] = (g_get_monotonic_time () - window->request_time) / 1000.0;
      ls_gui_test_wait_for (session_ready, NULL, 60, "the import");
    }
  stall = ls_gui_test_stall_probe_stop (&cpu);
  for (int i = 0; i < RUNS; i++)
    cli_predict (ws, file, out, &cli_latency[i], &cli_process[i]);
  printf ("app: drop to probabilities on screen %7.1f ms   (target <= 100)\n", median (probs, RUNS));
  printf ("app: drop to overlay on screen       %7.1f ms   (target <= 150)\n", median (overlay, RUNS));
  printf ("cli: predict --saliency, its latency %7.1f ms (decode excluded)\n",
          median (cli_latency, RUNS));
  printf ("cli: predict --saliency, the process %7.1f ms (start, model load, decode, write)\n",
          median (cli_process, RUNS));
  printf ("app: longest main-loop stall while diagnosing %.1f ms (%.1f ms main-thread CPU; target < 50)\n",
          stall, cpu);

  /* 5000 phantoms: the second opening to the first painted gallery. */
  {
    g_autofree char *big = ls_gui_test_phantom_workspace (5000);
    gint64 start;
    double first_paint;
    GtkAdjustment *adj;

    ls_window_open_workspace (window, big, FALSE);
    ls_gui_test_wait_for (list_ready, GUINT_TO_POINTER (5000), 120, "the first opening");
    ls_window_open_workspace (window, ws, FALSE);
    ls_gui_test_wait_for (list_ready, GUINT_TO_POINTER (1), 60, "the small workspace");
    start = g_get_monotonic_time ();
    ls_window_open_workspace (window, big, FALSE);
    ls_gui_test_wait_for (list_ready, GUINT_TO_POINTER (5000), 120, "the second opening");
    ls_gui_test_wait_frames (GTK_WIDGET (window), 1);
    first_paint = (g_get_monotonic_time () - start) / 1000.0;
    printf ("app: 5000-image workspace opened again, to the first painted gallery %.0f ms "
            "(target <= 1000)\n",
            first_paint);
    adj = ls_gallery_get_vadjustment (window->gallery);
    ls_gui_test_stall_probe_start ();
    for (double v = 0; v <= gtk_adjustment_get_upper (adj); v += gtk_adjustment_get_page_size (adj))
      {
        gtk_adjustment_set_value (adj, v);
        ls_gui_test_wait_frames (GTK_WIDGET (window), 1);
      }
    stall = ls_gui_test_stall_probe_stop (&cpu);
    printf ("app: longest main-loop stall scrolling 5000 images %.1f ms (%.1f ms main-thread CPU; "
            "target < 50)\n",
            stall, cpu);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  ls_test_remove_tree (home);
  return 0;
}
