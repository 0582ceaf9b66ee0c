/* ls-gui-test.c — helpers for GUI tests
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "imaging/png-write.h"
#include "ls-gui-test.h"
#include "ls-window-private.h"
#include "ls-test.h"

typedef struct
{
  GtkWindow *window;
  LsGuiTestDrawnFunc func;
  gpointer user_data;
  gulong map_id;
  gulong paint_id;
  GdkFrameClock *clock;
} WhenDrawn;

static gboolean
drawn_idle_cb (gpointer data)
{
  WhenDrawn *w = data;

  w->func (w->window, w->user_data);
  g_object_unref (w->window);
  g_free (w);
  return G_SOURCE_REMOVE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                WhenDrawn *w)
{
  g_signal_handler_disconnect (clock, w->paint_id);
  g_clear_object (&w->clock);
  /* Leave the paint cycle before the test goes on. */
  g_idle_add (drawn_idle_cb, w);
}

static void
watch_paint (WhenDrawn *w)
{
  w->clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (w->window)));
  g_assert_nonnull (w->clock);
  w->paint_id = g_signal_connect (w->clock, "after-paint", G_CALLBACK (after_paint_cb), w);
  gtk_widget_queue_draw (GTK_WIDGET (w->window));
}

static void
map_cb (GtkWidget *widget,
        WhenDrawn *w)
{
  g_signal_handler_disconnect (widget, w->map_id);
  watch_paint (w);
}

/* Calls @func once @window is mapped and a frame of it has been painted. */
void
ls_gui_test_when_drawn (GtkWindow *window,
                        LsGuiTestDrawnFunc func,
                        gpointer user_data)
{
  WhenDrawn *w = g_new0 (WhenDrawn, 1);

  w->window = g_object_ref (window);
  w->func = func;
  w->user_data = user_data;
  if (gtk_widget_get_mapped (GTK_WIDGET (window)))
    watch_paint (w);
  else
    w->map_id = g_signal_connect (window, "map", G_CALLBACK (map_cb), w);
}

/* Renders @window as it is on screen into $LS_BUILD_ROOT/gui-renders/@file_name.
 * Returns the path written. */
char *
ls_gui_test_save_window_png (GtkWindow *window,
                             const char *file_name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *dir = ls_test_build_path ("gui-renders", NULL);
  char *path = g_build_filename (dir, file_name, NULL);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s (%dx%d)", path, width, height);
  return path;
}

/* ---- main-loop stall probe ---- */

#define PROBE_INTERVAL_MS 5

static struct
{
  guint source_id;
  gint64 last;      /* µs, monotonic */
  gint64 last_cpu;  /* µs of the main thread's CPU time */
  gint64 worst;     /* µs */
  gint64 worst_cpu; /* µs */
} probe;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
probe_tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  gint64 late = now - probe.last - PROBE_INTERVAL_MS * 1000;

  /* How late this tick came, and how much of that the main thread spent
   * working (the rest, on a busy machine, it waited for a core). */
  probe.worst = MAX (probe.worst, late);
  probe.worst_cpu = MAX (probe.worst_cpu, cpu - probe.last_cpu);
  probe.last = now;
  probe.last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

void
ls_gui_test_stall_probe_start (void)
{
  g_assert_cmpuint (probe.source_id, ==, 0);
  probe.worst = 0;
  probe.worst_cpu = 0;
  probe.last = g_get_monotonic_time ();
  probe.last_cpu = thread_cpu_us ();
  probe.source_id = g_timeout_add (PROBE_INTERVAL_MS, probe_tick_cb, NULL);
}

double
ls_gui_test_stall_probe_stop (double *longest_cpu_ms)
{
  g_assert_cmpuint (probe.source_id, !=, 0);
  /* The time since the last tick counts too. */
  probe_tick_cb (NULL);
  g_clear_handle_id (&probe.source_id, g_source_remove);
  if (longest_cpu_ms != NULL)
    *longest_cpu_ms = probe.worst_cpu / 1000.0;
  return probe.worst / 1000.0;
}

/* ---- waiting ---- */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
ls_gui_test_wait_for (LsGuiTestCondition condition,
                      gpointer user_data,
                      double timeout_s,
                      const char *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  /* Wakes the loop now and then to look at the clock. */
  guint wake_id = g_timeout_add (50, wake_cb, NULL);

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %.0f s waiting for %s", timeout_s, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake_id);
}

typedef struct
{
  GtkWidget *widget;
  guint count;
  guint target;
} FrameWait;

static void
count_frame_cb (GdkFrameClock *clock,
                FrameWait *w)
{
  if (++w->count < w->target)
    gtk_widget_queue_draw (w->widget);
}

static gboolean
frames_done (gpointer user_data)
{
  FrameWait *w = user_data;

  return w->count >= w->target;
}

void
ls_gui_test_wait_frames (GtkWidget *widget,
                         guint n_frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  FrameWait w = { widget, 0, n_frames };
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_frame_cb), &w);
  gtk_widget_queue_draw (widget);
  ls_gui_test_wait_for (frames_done, &w, 10.0 + n_frames, "frames");
  g_signal_handler_disconnect (clock, id);
}

/* ---- accessibility ---- */

static gboolean
has_text_child (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && *gtk_label_get_label (GTK_LABEL (c)) != '\0')
        return TRUE;
      if (has_text_child (c))
        return TRUE;
    }
  return FALSE;
}

static gboolean
interactive (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_RANGE (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_SWITCH (widget) || GTK_IS_ENTRY (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_CHECK_BUTTON (widget);
}

static void
walk_names (GtkWidget *widget,
            GPtrArray *unnamed,
            guint *n_checked)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (interactive (widget))
    {
      GtkAccessible *a = GTK_ACCESSIBLE (widget);
      gboolean named = gtk_test_accessible_has_property (a, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
                       gtk_test_accessible_has_relation (a, GTK_ACCESSIBLE_RELATION_LABELLED_BY) ||
                       has_text_child (widget);

      (*n_checked)++;
      if (!named)
        g_ptr_array_add (unnamed,
                         g_strdup_printf ("%s (%s)", G_OBJECT_TYPE_NAME (widget), gtk_widget_get_name (widget)));
      /* A composite control's own parts are its business. */
      return;
    }
  /* Window controls are named by GTK; scroll bars are not controls a
   * person names. */
  if (GTK_IS_WINDOW_CONTROLS (widget) || GTK_IS_SCROLLBAR (widget))
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    walk_names (c, unnamed, n_checked);
}

void
ls_gui_test_check_accessible_names (GtkWidget *root,
                                    const char *what)
{
  g_autoptr (GPtrArray) unnamed = g_ptr_array_new_with_free_func (g_free);
  guint n = 0;

  walk_names (root, unnamed, &n);
  g_test_message ("%s: %u interactive widgets checked", what, n);
  for (guint i = 0; i < unnamed->len; i++)
    g_test_message ("no accessible name: %s", (char *) unnamed->pdata[i]);
  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpuint (unnamed->len, ==, 0);
}

/* ---- a big workspace ---- */

#define PHANTOM_MODEL "phantom-test"
#define PHANTOM_SIZE 128

static void
write_phantoms (const char *root,
                guint n_images)
{
  g_autoptr (GError) error = NULL;
  LsPhantomParams params;
  guint n_classes = ls_phantom_get_n_classes ();

  ls_phantom_params_init (&params);
  params.size = PHANTOM_SIZE;
  for (guint i = 0; i < n_images; i++)
    {
      guint c = i % n_classes;
      g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 20261207, c, i);
      g_autofree char *name = g_strdup_printf ("cxr-%05u.png", i);
      g_autofree char *dir = i % 5 == 4 ? g_build_filename (root, "unlabelled", NULL)
                                        : g_build_filename (root, "labelled",
                                                            ls_phantom_get_class (c)->name, NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      g_assert_true (ls_png_write_image (path, ph->image, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
      g_assert_no_error (error);
    }
}

/* Made-up probabilities for image @i of class @c: mostly confident in the
 * true class, one in eight confident in another, one in five uncertain. */
static void
fake_probabilities (guint i,
                    guint c,
                    guint n_classes,
                    double *probs,
                    guint salt)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (i * 7919u + salt);
  guint kind = g_rand_int_range (rand, 0, 40);
  guint top = kind < 5 ? (c + 1 + g_rand_int_range (rand, 0, n_classes - 1)) % n_classes : c;
  double spread = kind >= 5 && kind < 13 ? 0.6 : 4.0;
  double sum = 0.0;

  for (guint k = 0; k < n_classes; k++)
    {
      probs[k] = exp (spread * (k == top ? 1.0 : g_rand_double_range (rand, -1.0, 0.3)));
      sum += probs[k];
    }
  for (guint k = 0; k < n_classes; k++)
    probs[k] /= sum;
}

static void
log_fake_predictions (LsStore *store,
                      guint n_images)
{
  g_autofree char *db_path = g_build_filename (ls_store_get_path (store), "lungscope.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  g_auto (GStrv) classes = ls_store_get_classes (store, &error);
  guint n_classes = g_strv_length (classes);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time ();

  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, n_images);
  /* One transaction for thousands of rows: the API commits (and syncs)
   * each prediction, which would take minutes. */
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO predictions (sha256, name, image_id, model_id, "
                                       "probabilities, predicted, ood_score, ood_flag, time) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  for (guint n = 0; n < images->len; n++)
    {
      const LsStoreImage *image = images->pdata[n];
      guint i, c;

      /* Back from the name to the phantom's number and class. */
      g_assert_cmpint (sscanf (image->original_name, "cxr-%05u.png", &i), ==, 1);
      c = i % n_classes;
      if (i % 6 == 5)
        continue;
      for (guint round = i % 10 == 0 ? 0 : 1; round < 2; round++)
        {
          g_autofree double *probs = g_new0 (double, n_classes);
          g_autoptr (GString) json = g_string_new ("{");
          gboolean ood = round == 1 && i % 37 == 0;
          guint best = 0;

          fake_probabilities (i, c, n_classes, probs, round);
          for (guint k = 0; k < n_classes; k++)
            {
              char buf[G_ASCII_DTOSTR_BUF_SIZE];

              g_string_append_printf (json, "%s\"%s\":%s", k > 0 ? "," : "", classes[k],
                                      g_ascii_dtostr (buf, sizeof buf, probs[k]));
              if (probs[k] > probs[best])
                best = k;
            }
          g_string_append_c (json, '}');
          sqlite3_bind_text (stmt, 1, image->sha256, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 2, image->original_name, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 3, image->id);
          sqlite3_bind_text (stmt, 4, PHANTOM_MODEL, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 5, json->str, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 6, classes[best], -1, SQLITE_TRANSIENT);
          sqlite3_bind_double (stmt, 7, ood ? 12.0 : 1.0);
          sqlite3_bind_int (stmt, 8, ood ? 1 : 0);
          sqlite3_bind_int64 (stmt, 9, now + round);
          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
          sqlite3_reset (stmt);
        }
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

char *
ls_gui_test_phantom_workspace (guint n_images)
{
  g_autofree char *name = g_strdup_printf ("phantoms-%u-v1.lungscope", n_images);
  g_autofree char *cache = ls_test_build_path ("gui-cache", NULL);
  char *path = g_build_filename (cache, name, NULL);
  g_autofree char *stamp = g_strconcat (path, ".complete", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) labelled = NULL;
  g_autoptr (LsImportReport) unlabelled = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *src = NULL;
  g_autofree char *model = NULL;
  g_autofree char *labelled_dir = NULL;
  g_autofree char *unlabelled_dir = NULL;
  gint64 start = g_get_monotonic_time ();

  if (g_file_test (stamp, G_FILE_TEST_EXISTS) && g_file_test (path, G_FILE_TEST_IS_DIR))
    return path;
  g_assert_cmpint (g_mkdir_with_parents (cache, 0755), ==, 0);
  tmp = g_build_filename (cache, "making-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (tmp));
  src = g_build_filename (tmp, "src", NULL);
  ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_test_message ("making a workspace of %u phantoms in %s (once)", n_images, path);
  write_phantoms (src, n_images);

  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  labelled_dir = g_build_filename (src, "labelled", NULL);
  unlabelled_dir = g_build_filename (src, "unlabelled", NULL);
  labelled = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, labelled_dir, NULL, NULL, NULL, NULL,
                              &error);
  g_assert_no_error (error);
  if (g_file_test (unlabelled_dir, G_FILE_TEST_IS_DIR))
    {
      unlabelled = ls_store_import (store, LS_IMPORT_UNLABELLED, unlabelled_dir, NULL, NULL, NULL,
                                    NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ls_store_count_images (store, NULL), ==, n_images);
  model = g_build_filename (ws, "models", PHANTOM_MODEL ".safetensors", NULL);
  g_assert_true (g_file_set_contents (model, "a placeholder, never loaded", -1, &error));
  g_assert_true (ls_store_add_model (store, PHANTOM_MODEL, NULL, "0", NULL, TRUE, &error));
  g_assert_no_error (error);
  log_fake_predictions (store, n_images);
  g_clear_pointer (&store, ls_store_close);

  ls_test_remove_tree (src);
  if (g_rename (ws, path) != 0)
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR)); /* another test made it first */
  g_assert_true (g_file_set_contents (stamp, "", 0, &error));
  ls_test_remove_tree (tmp);
  g_test_message ("made the workspace in %.1f s",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  return path;
}

/* ---- the app's window ---- */

static LsWindow *app_window;

void
ls_gui_test_set_window (GtkWindow *window)
{
  app_window = LS_WINDOW (window);
}

gboolean
ls_gui_test_window_idle (gpointer unused)
{
  LsWindow *w = app_window;

  return !ls_window_is_busy (w) && !ls_viewer_get_busy (w->viewer) && !ls_queue_bar_is_refreshing (w->queue_bar);
}

gboolean
ls_gui_test_on_page (gpointer name)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (app_window->main_stack), name) == 0;
}

gboolean
ls_gui_test_list_loaded (gpointer unused)
{
  LsWindow *w = app_window;

  return w->list != NULL && !ls_image_list_get_loading (w->list) && ls_image_list_get_n_total (w->list) > 0;
}

gboolean
ls_gui_test_diagnosed (gpointer unused)
{
  LsWindow *w = app_window;

  return ls_gui_test_window_idle (NULL) && ls_diagnosis_panel_get_predicted (w->diagnosis_panel) >= 0 &&
         ls_viewer_get_image (w->viewer) != NULL;
}

gboolean
ls_gui_test_current_changed (gpointer sha256)
{
  return g_strcmp0 (app_window->current_sha256, sha256) != 0 && ls_gui_test_diagnosed (NULL);
}
