/* test-app-queues.c — the review queues, cross-validation and the PDF
 * reading in the app, under Xvfb: each queue through its button shows the
 * count and the order the pipeline gives (ls_workspace_queue); pressing 2
 * in a queue labels and moves on within it, and its count drops; a
 * cross-validation run from the window (cancelled once, then to the end)
 * makes the label-error queue rank out of fold; Save Report writes a PDF,
 * and a read-only folder gives a one-line error. Each state is rendered to
 * build/gui-renders/queues-*.png.
 *
 * The workspace is the first start's demo workspace, with one image in
 * ten relabelled as another class and one in ten made unlabelled (as a
 * labeller's mistakes would), each image but the last UNREAD read once by
 * the active model through `lungscope-cli predict`; the window's Read
 * button reads those (stopped once, then to the end).
 *
 * The cases run in order on one application and one window.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "dataset/store.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-session-private.h"
#include "ls-test.h"
#include "ls-window-private.h"
#include "pipeline/queues.h"

/* The demo images the CLI leaves for the window's Read button. */
#define UNREAD 20

static struct
{
  char *home;
  LsApplication *app;
  LsWindow *window;
  char *workspace;
  guint n_flipped;
  guint n_unlabelled;
  GHashTable *flipped; /* sha256 of the images relabelled on purpose */
  GPtrArray *unread;   /* sha256 of the images no prediction was logged of */
} fx;

/* ---- waiting ---- */

static gboolean
thumbnails_loaded (gpointer data)
{
  LsThumbnailLoaderStats stats;

  ls_gallery_get_thumbnail_stats (fx.window->gallery, &stats);
  return stats.pending == 0 && stats.in_flight == 0;
}

static gboolean
counts_read (gpointer data)
{
  LsQueueCounts counts;

  return ls_gui_test_window_idle (NULL) && ls_queue_bar_get_counts (fx.window->queue_bar, &counts);
}

static void
render (const char *name)
{
  g_autofree char *file = g_strdup_printf ("queues-%s.png", name);

  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 3);
  ls_gui_test_wait_for (thumbnails_loaded, NULL, 30, "the gallery's thumbnails");
  /* Past the revealers' and buttons' transitions. */
  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (fx.window), file));
}

static gboolean
need_window (void)
{
  if (fx.window == NULL)
    g_test_skip ("the first-start case did not run");
  return fx.window != NULL;
}

/* ---- the workspace: the demo's, with mistakes, every image read ---- */

static void
add_mistakes_and_predict (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GPtrArray) images = NULL;
  g_auto (GStrv) classes = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  guint k;

  g_assert_no_error (error);
  classes = ls_store_get_classes (store, &error);
  g_assert_no_error (error);
  k = g_strv_length (classes);
  images = ls_store_list_images (store, &error);
  g_assert_no_error (error);
  g_ptr_array_add (argv, g_strdup (g_getenv ("LS_CLI")));
  g_ptr_array_add (argv, g_strdup ("-w"));
  g_ptr_array_add (argv, g_strdup (fx.workspace));
  g_ptr_array_add (argv, g_strdup ("predict"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  for (guint i = 0; i < images->len; i++)
    {
      const LsStoreImage *image = images->pdata[i];

      if (i + UNREAD < images->len)
        g_ptr_array_add (argv, ls_store_image_file (store, image));
      else
        g_ptr_array_add (fx.unread, g_strdup (image->sha256));
      if (i % 10 == 3)
        {
          /* A labeller's slip: the next class. */
          guint c = 0;

          while (c < k && g_strcmp0 (classes[c], image->label) != 0)
            c++;
          g_assert_cmpuint (c, <, k);
          g_assert_cmpint (ls_store_set_label (store, image->sha256, classes[(c + 1) % k], LS_LABEL_SOURCE_USER,
                                               "test", NULL, &error),
                           >, 0);
          g_assert_no_error (error);
          g_hash_table_add (fx.flipped, g_strdup (image->sha256));
          fx.n_flipped++;
        }
      else if (i % 10 == 7)
        {
          g_assert_cmpint (ls_store_set_label (store, image->sha256, NULL, LS_LABEL_SOURCE_USER, "test", NULL,
                                               &error),
                           >, 0);
          g_assert_no_error (error);
          fx.n_unlabelled++;
        }
    }
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (&store, ls_store_close);
  /* Every image read once by the active model and logged, as the CLI
   * does (the app reads the images one by one as they are opened). */
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, &out, &err, &status));
  if (status != 0)
    g_test_message ("lungscope-cli predict: %s", err);
  g_assert_cmpint (status, ==, 0);
}

static void
test_first_start (void)
{
  GList *windows;

  g_application_activate (G_APPLICATION (fx.app));
  windows = gtk_application_get_windows (GTK_APPLICATION (fx.app));
  g_assert_nonnull (windows);
  fx.window = LS_WINDOW (windows->data);
  ls_gui_test_set_window (GTK_WINDOW (fx.window));
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 1280, 800);
  ls_gui_test_wait_for (ls_gui_test_on_page, (gpointer) "workspace", 240, "the demo workspace");
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the gallery's list");
  fx.workspace = g_strdup (ls_session_get_path (ls_window_get_session (fx.window)));
  ls_gui_test_wait_for (counts_read, NULL, 60, "the first counts");

  add_mistakes_and_predict ();
  /* Opened again, as from the Recent Workspaces menu. */
  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.open-recent", "s", fx.workspace);
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the workspace again");
  ls_gui_test_wait_for (counts_read, NULL, 60, "the counts");
  render ("none");
}

/* ---- each queue through its button ---- */

static LsQueue *
direct_queue (LsQueueKind kind)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  LsQueue *q;

  g_assert_no_error (error);
  q = ls_workspace_queue (store, kind, NULL, &error);
  g_assert_no_error (error);
  return q;
}

static gboolean
queue_shown (gpointer data)
{
  LsWindow *w = fx.window;
  const LsQueue *q = ls_queue_bar_get_current (w->queue_bar);

  return ls_gui_test_window_idle (NULL) && q != NULL && (int) q->kind == GPOINTER_TO_INT (data) &&
         ls_image_list_get_in_queue_mode (w->list);
}

/* The count on the queue's button, as shown. */
static guint
shown_count (LsQueueKind kind)
{
  GtkWidget *box = gtk_button_get_child (GTK_BUTTON (ls_queue_bar_get_button (fx.window->queue_bar, kind)));
  const char *text = gtk_label_get_label (GTK_LABEL (gtk_widget_get_last_child (box)));
  guint64 n = 0;

  g_assert_true (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &n, NULL));
  return (guint) n;
}

/* The gallery shows @want's images, in its order. */
static void
assert_list_is (const LsQueue *want)
{
  GListModel *list = G_LIST_MODEL (fx.window->list);

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, want->n_total);
  for (guint i = 0; i < want->n_entries; i++)
    {
      g_autoptr (LsImageItem) item = g_list_model_get_item (list, i);

      g_assert_cmpstr (ls_image_item_get_sha256 (item), ==, want->entries[i].sha256);
    }
}

static void
choose_queue (LsQueueKind kind)
{
  GtkToggleButton *button = ls_queue_bar_get_button (fx.window->queue_bar, kind);

  if (ls_queue_bar_get_queue (fx.window->queue_bar) != (int) kind)
    {
      g_assert_false (gtk_toggle_button_get_active (button));
      /* A click, as a person makes it. */
      g_signal_emit_by_name (button, "clicked");
    }
  g_assert_true (gtk_toggle_button_get_active (button));
  ls_gui_test_wait_for (queue_shown, GINT_TO_POINTER (kind), 60, "the queue in the gallery");
}

/* How many of the images relabelled on purpose the label-error queue
 * finds: the share of them in its first tenth of the workspace (precision)
 * and the share of them found there (recall). */
static void
report_label_errors (const LsQueue *q,
                     const char *how)
{
  guint top = MIN (q->n_entries, MAX (1u, ls_image_list_get_n_total (fx.window->list) / 10));
  guint hits = 0, all_hits = 0;

  for (guint i = 0; i < q->n_entries; i++)
    if (g_hash_table_contains (fx.flipped, q->entries[i].sha256))
      {
        all_hits++;
        if (i < top)
          hits++;
      }
  g_test_message ("label errors %s: %u candidates, %u of the %u flipped labels among them; top %u: "
                  "precision %.2f, recall %.2f",
                  how, q->n_total, all_hits, fx.n_flipped, top, top > 0 ? (double) hits / top : 0.0,
                  fx.n_flipped > 0 ? (double) hits / fx.n_flipped : 0.0);
}

static void
test_each_queue (void)
{
  LsWindow *w = fx.window;

  if (!need_window ())
    return;
  for (guint k = 0; k < LS_QUEUE_N_KINDS; k++)
    {
      g_autoptr (LsQueue) want = direct_queue ((LsQueueKind) k);
      g_autofree char *png = g_strdup_printf ("queue-%s", ls_queue_kind_to_string ((LsQueueKind) k));

      choose_queue ((LsQueueKind) k);
      g_test_message ("%s: %u images; %s", ls_queue_kind_to_string ((LsQueueKind) k), want->n_total,
                      ls_queue_bar_get_note (w->queue_bar));
      g_assert_cmpuint (shown_count ((LsQueueKind) k), ==, want->n_total);
      assert_list_is (want);
      /* The filter and order are the queue's while it is chosen. */
      g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (w->filter_dropdown)));
      render (png);
    }
  /* The workspace's mistakes are in the queues. */
  g_assert_cmpuint (shown_count (LS_QUEUE_UNLABELLED), ==, fx.n_unlabelled);
  g_assert_cmpuint (shown_count (LS_QUEUE_LABEL_ERRORS), >, 0);
  g_assert_cmpuint (shown_count (LS_QUEUE_DISAGREE), >, 0);
  /* Until a cross-validation ran, label errors are ranked in-sample, and
   * the line says so, with the button to run one. */
  {
    const LsQueue *q = ls_queue_bar_get_current (w->queue_bar);

    g_assert_true (q->in_sample);
    g_assert_nonnull (strstr (ls_queue_bar_get_note (w->queue_bar), "in-sample"));
    report_label_errors (q, "in-sample");
  }
  /* The chosen queue's button again: the whole gallery. */
  g_signal_emit_by_name (ls_queue_bar_get_button (w->queue_bar, LS_QUEUE_LABEL_ERRORS), "clicked");
  g_assert_cmpint (ls_queue_bar_get_queue (w->queue_bar), ==, LS_QUEUE_BAR_NONE);
  g_assert_false (ls_image_list_get_in_queue_mode (w->list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (w->list)), ==, ls_image_list_get_n_total (w->list));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (w->filter_dropdown)));
}

/* ---- Read: the images without a prediction ---- */

static gboolean
read_button_shown (gpointer data)
{
  return ls_gui_test_window_idle (NULL) && !ls_queue_bar_is_refreshing (fx.window->queue_bar) &&
         gtk_widget_get_visible (GTK_WIDGET (fx.window->queue_bar)) &&
         gtk_widget_is_visible (GTK_WIDGET (ls_queue_bar_get_read_button (fx.window->queue_bar))) ==
             GPOINTER_TO_INT (data);
}

static gboolean
read_done (gpointer data)
{
  return !ls_queue_bar_is_busy (fx.window->queue_bar) && ls_gui_test_window_idle (NULL) &&
         !ls_queue_bar_is_refreshing (fx.window->queue_bar);
}

/* The window shows a session other than @data, its list loaded. */
static gboolean
session_other_than (gpointer data)
{
  return ls_window_get_session (fx.window) != data && ls_gui_test_list_loaded (NULL);
}

/* The latest predictions of the active model, by image. */
static GHashTable *
logged_predictions (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsStoreModel) active = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_no_error (error);
  active = ls_store_get_active_model (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (active);
  rows = ls_store_latest_predictions (store, active->id, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_add (set, g_strdup (((LsStorePrediction *) rows->pdata[i])->sha256));
  return set;
}

static void
test_read_unread (void)
{
  LsWindow *w = fx.window;
  g_autoptr (LsQueue) before = NULL, after = NULL;
  g_autoptr (GHashTable) logged = NULL;
  guint n_stopped;

  if (!need_window ())
    return;
  choose_queue (LS_QUEUE_UNCERTAIN);
  before = direct_queue (LS_QUEUE_UNCERTAIN);
  g_assert_cmpuint (before->n_unranked, ==, UNREAD);
  g_assert_nonnull (strstr (ls_queue_bar_get_note (w->queue_bar), "20 images have no prediction"));
  ls_gui_test_wait_for (read_button_shown, GINT_TO_POINTER (TRUE), 30, "the Read button");
  render ("read-offered");

  /* Read, and stopped at once (the 20 images take a few hundred ms):
   * what was read stays logged, and the toast says how many. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.read-unread", NULL));
  g_assert_true (ls_queue_bar_is_busy (w->queue_bar));
  g_assert_true (ls_queue_bar_is_reading (w->queue_bar));
  gtk_widget_activate_action (GTK_WIDGET (w), "win.cancel-crossval", NULL);
  ls_gui_test_wait_for (read_done, NULL, 120, "the reading stopped");
  g_test_message ("toast: %s", w->last_toast);
  logged = logged_predictions ();
  n_stopped = 0;
  for (guint i = 0; i < fx.unread->len; i++)
    n_stopped += g_hash_table_contains (logged, fx.unread->pdata[i]);
  g_test_message ("%u of the %u images read before the stop", n_stopped, UNREAD);
  g_assert_cmpuint (n_stopped, <, UNREAD);
  {
    g_autofree char *want =
        n_stopped == 0 ? g_strdup ("Reading stopped before the first image")
                       : g_strdup_printf (n_stopped == 1 ? "Reading stopped after %u image; what was read is logged"
                                                         : "Reading stopped after %u images; what was read is logged",
                                          n_stopped);

    g_assert_cmpstr (w->last_toast, ==, want);
  }
  g_clear_pointer (&logged, g_hash_table_unref);

  /* Read, and the workspace opened again meanwhile (as accepting a model
   * does): the reading stops, for it reads with the model it began with,
   * and says why. The model is held meanwhile, so that the reading cannot
   * end first. */
  {
    LsSession *old = ls_window_get_session (w);
    GMutex *model = ls_session_get_model_lock (old);

    g_mutex_lock (model);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.read-unread", NULL));
    gtk_widget_activate_action (GTK_WIDGET (w), "win.open-recent", "s", fx.workspace);
    ls_gui_test_wait_for (session_other_than, old, 60, "the workspace opened again");
    g_mutex_unlock (model);
  }
  ls_gui_test_wait_for (read_done, NULL, 120, "the reading stopped by the reopening");
  g_test_message ("toast: %s", w->last_toast);
  g_assert_true (g_str_has_prefix (w->last_toast, "Reading stopped after "));
  g_assert_nonnull (strstr (w->last_toast, "the workspace was opened again"));
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the workspace again");
  ls_gui_test_wait_for (counts_read, NULL, 60, "the counts again");
  choose_queue (LS_QUEUE_UNCERTAIN);
  logged = logged_predictions ();
  n_stopped = 0;
  for (guint i = 0; i < fx.unread->len; i++)
    n_stopped += g_hash_table_contains (logged, fx.unread->pdata[i]);
  g_clear_pointer (&logged, g_hash_table_unref);
  g_test_message ("%u of the %u images read before the workspace was opened again", n_stopped, UNREAD);
  g_assert_cmpuint (n_stopped, <, UNREAD);

  /* Then to the end: every image read, the queue ranks all, the button
   * gone, the gallery's badges show the images read. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.read-unread", NULL));
  ls_gui_test_wait_frames (GTK_WIDGET (w), 3);
  if (ls_queue_bar_is_busy (w->queue_bar))
    g_free (ls_gui_test_save_window_png (GTK_WINDOW (w), "queues-reading.png"));
  ls_gui_test_wait_for (read_done, NULL, 300, "the reading");
  g_test_message ("toast: %s", w->last_toast);
  {
    g_autofree char *want = g_strdup_printf (UNREAD - n_stopped == 1 ? "Read %u image with the active model"
                                                                     : "Read %u images with the active model",
                                             UNREAD - n_stopped);

    g_assert_cmpstr (w->last_toast, ==, want);
  }
  logged = logged_predictions ();
  for (guint i = 0; i < fx.unread->len; i++)
    g_assert_true (g_hash_table_contains (logged, fx.unread->pdata[i]));
  ls_gui_test_wait_for (queue_shown, GINT_TO_POINTER (LS_QUEUE_UNCERTAIN), 60, "the queue again");
  ls_gui_test_wait_for (read_button_shown, GINT_TO_POINTER (FALSE), 30, "the Read button gone");
  after = direct_queue (LS_QUEUE_UNCERTAIN);
  g_assert_cmpuint (after->n_unranked, ==, 0);
  g_assert_null (strstr (ls_queue_bar_get_note (w->queue_bar), "no prediction"));
  g_assert_cmpuint (shown_count (LS_QUEUE_UNCERTAIN), ==, after->n_total);
  assert_list_is (after);
  {
    g_autoptr (LsQueue) disagree = direct_queue (LS_QUEUE_DISAGREE);

    g_assert_cmpuint (disagree->n_unranked, ==, 0);
    g_assert_cmpuint (shown_count (LS_QUEUE_DISAGREE), ==, disagree->n_total);
  }
  /* The gallery's badge of an image read. */
  {
    g_autoptr (LsImageItem) item = NULL;
    LsImageList *all = w->list;
    guint pos;

    pos = ls_image_list_find (all, fx.unread->pdata[fx.unread->len - 1]);
    g_assert_cmpuint (pos, !=, GTK_INVALID_LIST_POSITION);
    item = g_list_model_get_item (G_LIST_MODEL (all), pos);
    g_assert_cmpint (ls_image_item_get_predicted (item), >=, 0);
  }
  render ("read-done");
}

/* ---- 2 in a queue: labelled, the next of the queue, one fewer ---- */

static gboolean
current_is (gpointer data)
{
  return g_strcmp0 (fx.window->current_sha256, data) == 0 && ls_gui_test_diagnosed (NULL);
}

static gboolean
unlabelled_count_is (gpointer data)
{
  LsQueueCounts counts;

  return ls_gui_test_window_idle (NULL) && ls_queue_bar_get_counts (fx.window->queue_bar, &counts) &&
         counts.counts[LS_QUEUE_UNLABELLED] == GPOINTER_TO_UINT (data) &&
         g_list_model_get_n_items (G_LIST_MODEL (fx.window->list)) == GPOINTER_TO_UINT (data);
}

static void
test_label_in_queue (void)
{
  LsWindow *w = fx.window;
  g_autoptr (LsQueue) before = NULL;
  g_autofree char *first = NULL, *second = NULL, *label = NULL;

  if (!need_window ())
    return;
  choose_queue (LS_QUEUE_UNLABELLED);
  before = direct_queue (LS_QUEUE_UNLABELLED);
  g_assert_cmpuint (before->n_total, >=, 3);
  first = g_strdup (before->entries[0].sha256);
  second = g_strdup (before->entries[1].sha256);
  /* The queue's first image (Page Down from nothing selected). */
  ls_gallery_set_selected_sha256 (w->gallery, NULL);
  gtk_widget_activate_action (GTK_WIDGET (w), "win.next-image", NULL);
  ls_gui_test_wait_for (current_is, first, 60, "the queue's first image");

  /* 2: the second class; the queue goes on to its next image. */
  gtk_widget_activate_action (GTK_WIDGET (w), "win.label", "i", 1);
  ls_gui_test_wait_for (current_is, second, 60, "the queue's next image");
  ls_gui_test_wait_for (unlabelled_count_is, GUINT_TO_POINTER (before->n_total - 1), 30,
                        "the count one lower");
  g_assert_cmpuint (shown_count (LS_QUEUE_UNLABELLED), ==, before->n_total - 1);
  g_assert_cmpuint (ls_image_list_find (w->list, first), ==, GTK_INVALID_LIST_POSITION);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
    g_autoptr (LsQueue) after = direct_queue (LS_QUEUE_UNLABELLED);

    g_assert_no_error (error);
    label = ls_store_get_label (store, first, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (label, ==, ls_session_get_classes (ls_window_get_session (w))[1]);
    assert_list_is (after);
  }
  render ("labelled-in-queue");
}

/* ---- cross-validation from the window ---- */

static gboolean
crossval_done (gpointer data)
{
  return !ls_queue_bar_is_busy (fx.window->queue_bar) && ls_gui_test_window_idle (NULL);
}

static gboolean
crossval_past (gpointer data)
{
  LsWindow *w = fx.window;
  double *fraction = data;
  GtkProgressBar *bar = NULL;

  /* The progress bar under the queues. */
  for (GtkWidget *c = GTK_WIDGET (w->queue_bar); c != NULL;)
    {
      if (GTK_IS_PROGRESS_BAR (c))
        {
          bar = GTK_PROGRESS_BAR (c);
          break;
        }
      if (gtk_widget_get_first_child (c) != NULL)
        c = gtk_widget_get_first_child (c);
      else
        {
          while (c != NULL && gtk_widget_get_next_sibling (c) == NULL && c != GTK_WIDGET (w->queue_bar))
            c = gtk_widget_get_parent (c);
          c = c == NULL || c == GTK_WIDGET (w->queue_bar) ? NULL : gtk_widget_get_next_sibling (c);
        }
    }
  g_assert_nonnull (bar);
  return !ls_queue_bar_is_busy (w->queue_bar) || gtk_progress_bar_get_fraction (bar) >= *fraction;
}

static void
test_crossval (void)
{
  LsWindow *w = fx.window;
  g_autoptr (LsQueue) want = NULL;
  const LsQueue *q;
  double fraction = 0.2;

  if (!need_window ())
    return;
  choose_queue (LS_QUEUE_LABEL_ERRORS);
  g_assert_true (ls_queue_bar_get_current (w->queue_bar)->in_sample);

  /* Started from the window (the button in the queue's line and the main
   * menu's item), then Cancel: nothing stored, still in-sample. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.crossval", NULL));
  g_assert_true (ls_queue_bar_is_busy (w->queue_bar));
  ls_gui_test_wait_frames (GTK_WIDGET (w), 5);
  gtk_widget_activate_action (GTK_WIDGET (w), "win.cancel-crossval", NULL);
  ls_gui_test_wait_for (crossval_done, NULL, 120, "the cancelled cross-validation");
  g_test_message ("toast: %s", w->last_toast);
  g_assert_nonnull (strstr (w->last_toast, "cancelled"));
  ls_gui_test_wait_for (queue_shown, GINT_TO_POINTER (LS_QUEUE_LABEL_ERRORS), 60, "the queue again");
  g_assert_true (ls_queue_bar_get_current (w->queue_bar)->in_sample);

  /* Two folds of one epoch each, as set in Preferences (the defaults:
   * five of ten), through the same action as the button. */
  {
    g_autoptr (GSettings) settings = ls_application_settings_new ();

    g_settings_set_int (settings, "crossval-folds", 2);
    g_settings_set_int (settings, "crossval-epochs", 1);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.crossval", NULL));
  g_assert_true (ls_queue_bar_is_busy (w->queue_bar));
  ls_gui_test_wait_for (crossval_past, &fraction, 300, "the cross-validation under way");
  if (ls_queue_bar_is_busy (w->queue_bar))
    {
      render ("crossval-progress");
      /* The workspace opened again, as accepting a model does: the
       * cross-validation trains its own fold models and goes on. */
      gtk_widget_activate_action (GTK_WIDGET (w), "win.open-recent", "s", fx.workspace);
      ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the workspace again");
      ls_gui_test_wait_for (counts_read, NULL, 60, "the counts again");
      if (!g_strrstr (w->last_toast ? w->last_toast : "", "Cross-validation done"))
        g_assert_true (ls_queue_bar_is_busy (w->queue_bar));
      g_test_message ("the workspace opened again during the cross-validation: %s",
                      ls_queue_bar_is_busy (w->queue_bar) ? "it goes on" : "it had ended");
    }
  /* The rest of the run, the window idle but for its progress (a render
   * would count as a stall). */
  ls_gui_test_stall_probe_start ();
  ls_gui_test_wait_for (crossval_done, NULL, 600, "the cross-validation");
  {
    double cpu_ms = 0, stall_ms = ls_gui_test_stall_probe_stop (&cpu_ms);

    /* Shared cores: a figure, not a bound. */
    g_test_message ("longest main-loop stall during the cross-validation: %.1f ms (%.1f ms of CPU)", stall_ms,
                    cpu_ms);
  }
  g_test_message ("toast: %s", w->last_toast);
  g_assert_nonnull (strstr (w->last_toast, "Cross-validation done"));
  choose_queue (LS_QUEUE_LABEL_ERRORS);
  ls_gui_test_wait_for (queue_shown, GINT_TO_POINTER (LS_QUEUE_LABEL_ERRORS), 60, "the queue ranked again");

  /* Out of fold now, and said so; the same queue the pipeline gives. */
  q = ls_queue_bar_get_current (w->queue_bar);
  want = direct_queue (LS_QUEUE_LABEL_ERRORS);
  g_assert_cmpint (q->source, ==, LS_QUEUE_SOURCE_CROSSVAL);
  g_assert_false (q->in_sample);
  g_assert_cmpint (want->source, ==, LS_QUEUE_SOURCE_CROSSVAL);
  g_test_message ("label errors out of fold: %u; %s", want->n_total, ls_queue_bar_get_note (w->queue_bar));
  g_assert_nonnull (strstr (ls_queue_bar_get_note (w->queue_bar), "out of fold"));
  g_assert_cmpuint (shown_count (LS_QUEUE_LABEL_ERRORS), ==, want->n_total);
  assert_list_is (want);
  report_label_errors (want, "out of fold (2 folds of 1 epoch)");
  render ("queue-label-errors-out-of-fold");
}

/* ---- Save Report as PDF ---- */

static gboolean
toast_changed (gpointer data)
{
  return g_strcmp0 (fx.window->last_toast, data) != 0 && ls_gui_test_window_idle (NULL);
}

static void
save_report (const char *path)
{
  g_autofree char *before = g_strdup (fx.window->last_toast);

  /* What the file chooser's Save does, with the path chosen. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.save-report-to", "s", path));
  ls_gui_test_wait_for (toast_changed, before, 60, "the report's toast");
  g_test_message ("toast: %s", fx.window->last_toast);
}

/* The file chooser Save Report opens (GtkFileChooserNative without a
 * portal: a GtkFileChooserDialog). */
static GtkWidget *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  GtkWidget *chooser = find_chooser ();

  return chooser != NULL && gtk_widget_get_mapped (chooser);
}

static gboolean
chooser_gone (gpointer data)
{
  return find_chooser () == NULL;
}

static gboolean
chooser_in (gpointer data)
{
  GtkWidget *chooser = find_chooser ();
  g_autoptr (GFile) folder = chooser != NULL ? gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser)) : NULL;

  return folder != NULL && g_file_equal (folder, data);
}

/* A file can be made in @dir (root's access () says yes to everything). */
static gboolean
folder_takes_files (const char *dir)
{
  g_autofree char *probe = g_build_filename (dir, ".lungscope-probe", NULL);

  if (!g_file_set_contents (probe, "", 0, NULL))
    return FALSE;
  g_unlink (probe);
  return TRUE;
}

static void
test_report (void)
{
  LsWindow *w = fx.window;
  g_autofree char *dir = NULL, *pdf = NULL, *contents = NULL, *ro_dir = NULL, *ro_pdf = NULL;
  gsize length = 0;

  if (!need_window ())
    return;
  if (w->current_sha256 == NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (w), "win.next-image", NULL);
      ls_gui_test_wait_for (ls_gui_test_diagnosed, NULL, 60, "an image");
    }
  dir = g_build_filename (fx.home, "reports", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  pdf = g_build_filename (dir, "reading & notes.pdf", NULL);
  save_report (pdf);
  g_assert_nonnull (strstr (w->last_toast, "Report saved as reading & notes.pdf"));
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 10000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  /* Whole: the trailer's end-of-file marker near the end. */
  {
    gboolean eof = FALSE;

    for (gsize i = length - 5; i + 64 > length && !eof; i--)
      eof = memcmp (contents + i, "%%EOF", 5) == 0;
    g_assert_true (eof);
  }
  /* The page names the image as the gallery does, not by its file in the
   * workspace. */
  {
    g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");

    if (pdftotext != NULL)
      {
        const char *argv[] = { pdftotext, "-layout", pdf, "-", NULL };
        g_autofree char *text = NULL, *err = NULL;
        int status = -1;

        g_assert_true (ls_test_run (argv, &text, &err, &status));
        g_assert_cmpint (status, ==, 0);
        g_assert_nonnull (strstr (text, w->current_name));
        g_assert_nonnull (strstr (text, "This is not a diagnosis"));
      }
    else
      g_test_message ("no pdftotext: the page's text is not checked");
  }
  render ("report-saved");

  /* Through the file chooser, as a person saves it: the name it
   * suggests, in the folder chosen. */
  {
    g_autoptr (GFile) folder = g_file_new_for_path (dir);
    g_autoptr (GError) error = NULL;
    g_autofree char *before = g_strdup (w->last_toast);
    g_autofree char *stem = g_strndup (w->current_name, strrchr (w->current_name, '.') - w->current_name);
    g_autofree char *want = g_strdup_printf ("%s reading.pdf", stem);
    g_autofree char *want_path = g_build_filename (dir, want, NULL);
    g_autofree char *toast = g_strdup_printf ("Report saved as %s", want);
    g_autofree char *name = NULL;
    GtkWidget *chooser;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.save-report", NULL));
    ls_gui_test_wait_for (chooser_shown, NULL, 30, "the file chooser");
    chooser = find_chooser ();
    name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
    g_assert_cmpstr (name, ==, want);
    g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error));
    g_assert_no_error (error);
    /* Only for the render: GTK 4.8's chooser under Xvfb has been seen
     * not to report the folder within 30 s on a loaded machine, and the
     * saving below does not depend on it (the whole path is typed). */
    {
      gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      while (!chooser_in (folder) && g_get_monotonic_time () < until)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (5000);
      if (!chooser_in (folder))
        g_test_message ("the chooser did not report the folder set in 10 s; saving by the whole path");
    }
    ls_gui_test_wait_frames (chooser, 10);
    g_free (ls_gui_test_save_window_png (GTK_WINDOW (chooser), "queues-report-chooser.png"));
    /* The whole path typed into the name field: where it goes whatever
     * the chooser's folder view loaded. */
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), want_path);
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
    ls_gui_test_wait_for (toast_changed, before, 60, "the report's toast");
    g_test_message ("toast: %s", w->last_toast);
    g_assert_cmpstr (w->last_toast, ==, toast);
    g_assert_true (g_file_test (want_path, G_FILE_TEST_IS_REGULAR));
  }
  /* The chooser again: the last report's folder. */
  {
    g_autoptr (GFile) folder = g_file_new_for_path (dir);
    g_autofree char *before = g_strdup (w->last_toast);
    GtkWidget *chooser;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.save-report", NULL));
    ls_gui_test_wait_for (chooser_shown, NULL, 30, "the file chooser again");
    ls_gui_test_wait_for (chooser_in, folder, 30, "the last report's folder");
    chooser = find_chooser ();
    ls_gui_test_wait_frames (chooser, 30);
    g_free (ls_gui_test_save_window_png (GTK_WINDOW (chooser), "queues-report-chooser-again.png"));
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "second.pdf");
    gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
    ls_gui_test_wait_for (chooser_gone, NULL, 30, "the file chooser closed");
    ls_gui_test_wait_for (toast_changed, before, 60, "the second report's toast");
    {
      g_autofree char *second = g_build_filename (dir, "second.pdf", NULL);

      g_assert_cmpstr (w->last_toast, ==, "Report saved as second.pdf");
      g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
    }
  }

  /* A read-only folder: one line saying why, nothing written. Root
   * writes into a folder without write permission: then sysfs, which
   * takes no new file from anyone. */
  ro_dir = g_build_filename (fx.home, "read-only", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ro_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (ro_dir, 0555), ==, 0);
  if (folder_takes_files (ro_dir))
    {
      g_free (ro_dir);
      ro_dir = g_strdup ("/sys");
    }
  if (folder_takes_files (ro_dir))
    {
      g_test_skip ("no read-only folder here");
      return;
    }
  ro_pdf = g_build_filename (ro_dir, "reading.pdf", NULL);
  save_report (ro_pdf);
  g_assert_true (g_str_has_prefix (w->last_toast, "The report was not saved: "));
  g_assert_nonnull (strstr (w->last_toast, ro_dir));
  g_assert_null (strchr (w->last_toast, '\n'));
  g_assert_false (g_file_test (ro_pdf, G_FILE_TEST_EXISTS));
  render ("report-read-only");
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  int rc;

  ls_test_init (&argc, &argv);
  /* A first start: a home of its own, empty. */
  fx.home = g_dir_make_tmp ("ls-app-queues-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  fx.flipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fx.unread = g_ptr_array_new_with_free_func (g_free);
  fx.app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/lungscope/app/queues/first-start", test_first_start);
  g_test_add_func ("/lungscope/app/queues/each-queue", test_each_queue);
  g_test_add_func ("/lungscope/app/queues/read-unread", test_read_unread);
  g_test_add_func ("/lungscope/app/queues/label-in-queue", test_label_in_queue);
  g_test_add_func ("/lungscope/app/queues/crossval", test_crossval);
  g_test_add_func ("/lungscope/app/queues/report", test_report);
  rc = g_test_run ();

  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fx.app);
  {
    g_autofree char *ro = g_build_filename (fx.home, "read-only", NULL);

    g_chmod (ro, 0755);
  }
  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  g_free (fx.workspace);
  g_hash_table_unref (fx.flipped);
  g_ptr_array_unref (fx.unread);
  return rc;
}
