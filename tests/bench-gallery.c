/* bench-gallery.c — the gallery on 5000 phantoms: opening a workspace (a
 * second time) to the first painted gallery, and the longest main-loop
 * stall while scrolling through it (meson test --benchmark gallery-bench;
 * not a test)
 *
 * Each round opens a new window with a gallery and loads the cached
 * workspace of ls_gui_test_phantom_workspace(), which an earlier round (or
 * test-gallery) already opened, as a user reopens their workspace. Beside
 * it, in the same run, the store's own reading of the same list (open,
 * images, latest predictions) in this thread, so the figure has a
 * baseline: the gallery's time is that reading plus GTK's first frame.
 * Figures are medians over the rounds; the stall is reported as wall time
 * and as the main thread's own CPU time (on a busy machine the difference
 * is waiting for a core).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "ls-gallery.h"
#include "ls-gui-test.h"
#include "ls-image-list.h"
#include "ls-test.h"

#define N_IMAGES 5000
#define N_ROUNDS 5

typedef struct
{
  GtkWindow *window;
  LsGallery *gallery;
  LsImageList *list;
} Gui;

static gboolean
grid_painted (gpointer user_data)
{
  Gui *g = user_data;

  return !ls_image_list_get_loading (g->list) && ls_image_list_get_n_items (g->list) > 0;
}

static gboolean
thumbnails_idle (gpointer user_data)
{
  Gui *g = user_data;
  LsThumbnailLoaderStats stats;

  ls_gallery_get_thumbnail_stats (g->gallery, &stats);
  return stats.pending == 0 && stats.in_flight == 0 && stats.loaded > 0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static double
store_read_ms (const char *ws)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) predictions = NULL;

  g_assert_no_error (error);
  images = ls_store_list_images (store, &error);
  predictions = ls_store_latest_predictions (store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, N_IMAGES);
  return (g_get_monotonic_time () - start) / 1000.0;
}

int
main (int argc,
      char **argv)
{
  g_autofree char *ws = NULL;
  double store[N_ROUNDS], painted[N_ROUNDS], thumbs[N_ROUNDS], first_stall[N_ROUNDS];
  double first_stall_cpu[N_ROUNDS], stall[N_ROUNDS], stall_cpu[N_ROUNDS], frame_ms[N_ROUNDS];

  ls_test_init (&argc, &argv);
  gtk_init ();
  adw_init ();
  ws = ls_gui_test_phantom_workspace (N_IMAGES);
  /* The first opening, not counted: the workspace is "opened before". */
  store_read_ms (ws);

  for (guint r = 0; r < N_ROUNDS; r++)
    {
      Gui g = { 0 };
      GtkAdjustment *adj;
      gint64 start;
      guint steps = 0;
      double cpu;

      store[r] = store_read_ms (ws);

      g.window = GTK_WINDOW (gtk_window_new ());
      gtk_window_set_default_size (g.window, 980, 700);
      g.gallery = LS_GALLERY (ls_gallery_new ());
      g.list = ls_image_list_new ();
      gtk_window_set_child (g.window, GTK_WIDGET (g.gallery));
      ls_gallery_set_list (g.gallery, g.list);
      gtk_window_present (g.window);
      ls_gui_test_wait_frames (GTK_WIDGET (g.window), 3);

      ls_gui_test_stall_probe_start ();
      start = g_get_monotonic_time ();
      ls_image_list_load_async (g.list, ws, NULL, NULL, NULL);
      ls_gui_test_wait_for (grid_painted, &g, 60, "the list");
      ls_gui_test_wait_frames (GTK_WIDGET (g.window), 1);
      painted[r] = (g_get_monotonic_time () - start) / 1000.0;
      ls_gui_test_wait_for (thumbnails_idle, &g, 60, "the thumbnails");
      ls_gui_test_wait_frames (GTK_WIDGET (g.window), 1);
      thumbs[r] = (g_get_monotonic_time () - start) / 1000.0;
      first_stall[r] = ls_gui_test_stall_probe_stop (&cpu);
      first_stall_cpu[r] = cpu;

      adj = ls_gallery_get_vadjustment (g.gallery);
      ls_gui_test_stall_probe_start ();
      start = g_get_monotonic_time ();
      while (gtk_adjustment_get_value (adj) <
             gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 1)
        {
          gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) +
                                             0.9 * gtk_adjustment_get_page_size (adj));
          ls_gui_test_wait_frames (GTK_WIDGET (g.window), 1);
          steps++;
        }
      stall[r] = ls_gui_test_stall_probe_stop (&cpu);
      stall_cpu[r] = cpu;
      frame_ms[r] = (g_get_monotonic_time () - start) / 1000.0 / MAX (steps, 1);
      g_print ("round %u: store read %.0f ms; gallery painted %.0f ms, thumbnails on screen %.0f "
               "ms (stall %.0f ms, %.0f working); scroll %u frames, %.1f ms a frame, longest stall %.0f ms "
               "(%.0f ms working)\n",
               r + 1, store[r], painted[r], thumbs[r], first_stall[r], first_stall_cpu[r], steps, frame_ms[r], stall[r],
               stall_cpu[r]);

      gtk_window_destroy (g.window);
      g_object_unref (g.list);
      /* Loads still running in workers finish and drop their items. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  g_print ("\ngallery on %u phantoms, median of %u rounds (target: painted ≤ 1000 ms, "
           "stall ≤ 50 ms)\n",
           N_IMAGES, N_ROUNDS);
  g_print ("  store read (open + 2 queries)     %7.0f ms\n", median (store, N_ROUNDS));
  g_print ("  opened to first painted gallery   %7.0f ms  (%.1f × the store read)\n",
           median (painted, N_ROUNDS), median (painted, N_ROUNDS) / median (store, N_ROUNDS));
  g_print ("  opened to thumbnails on screen    %7.0f ms\n", median (thumbs, N_ROUNDS));
  g_print ("  longest stall while opening       %7.0f ms  (main thread working %.0f ms of it)\n",
           median (first_stall, N_ROUNDS), median (first_stall_cpu, N_ROUNDS));
  g_print ("  scrolling: time a frame           %7.1f ms\n", median (frame_ms, N_ROUNDS));
  g_print ("  scrolling: longest stall          %7.0f ms  (main thread working %.0f ms of it)\n",
           median (stall, N_ROUNDS), median (stall_cpu, N_ROUNDS));
  g_print ("  load average now                  %s", "");
  {
    g_autofree char *loadavg = NULL;

    if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
      g_print ("%s", loadavg);
    else
      g_print ("unknown\n");
  }
  return 0;
}
