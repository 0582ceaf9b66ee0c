/* test-app-train.c — Train from scratch and the retrain comparison's
 * Grad-CAM, under Xvfb, as a person does it: first start makes the demo
 * workspace; a fine-tune after relabelling training images (as a labeller
 * does) shows the Grad-CAM of the parent and the child on the images that
 * changed class, each map of the class that model answers, then Discard;
 * the Train dialog opens through its action, takes small values and
 * starts; the progress view shows epochs while the window still diagnoses
 * with the active model; the comparison with the active model shows;
 * Accept makes the new model active (the store's registry, the diagnosis
 * panel); a second run cancelled leaves no model row and no model file.
 * The time from the click to the comparison and the longest main-loop
 * stall are reported (messages, not checks). Each state is rendered to
 * build/gui-renders/app-train-*.png.
 *
 * The cases run in order on one application and one window.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dataset/store.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-train-dialog-private.h"
#include "ls-window-private.h"
#include "pipeline/workspace.h"

static struct
{
  char *home;
  LsApplication *app;
  LsWindow *window;
  char *workspace;
  char *shipped; /* the active model of the first start */
  char *trained; /* the model trained from scratch and accepted */
} fx;

/* ---- waiting ---- */

/* @data: the image's hash; its diagnosis on screen. */
static gboolean
shown (gpointer data)
{
  LsWindow *w = fx.window;

  return w->diagnose_cancellable == NULL && w->labels_in_flight == 0 &&
         g_strcmp0 (w->current_sha256, data) == 0 &&
         ls_diagnosis_panel_get_predicted (w->diagnosis_panel) >= 0;
}

static gboolean
dialog_ready (gpointer data)
{
  LsTrainDialog *d = LS_TRAIN_DIALOG (fx.window->train_dialog);

  return d != NULL && d->workspace_pipeline != NULL && gtk_widget_get_mapped (GTK_WIDGET (d));
}

static gboolean
epochs_seen (gpointer data)
{
  return ls_retrain_page_get_n_epochs_seen (fx.window->retrain_page) >= GPOINTER_TO_UINT (data);
}

static gboolean
run_done (gpointer data)
{
  return !ls_retrain_page_is_busy (fx.window->retrain_page);
}

static gboolean
maps_done (gpointer data)
{
  return !ls_retrain_page_get_maps_pending (fx.window->retrain_page);
}

static gboolean
active_is (gpointer data)
{
  LsWindow *w = fx.window;
  LsSession *session = ls_window_get_session (w);

  return session != NULL && !ls_window_is_busy (w) && ls_session_get_model (session) != NULL &&
         g_strcmp0 (ls_session_get_model (session)->model->id, data) == 0;
}

static gboolean
corrections_counted (gpointer data)
{
  return !ls_window_is_busy (fx.window) &&
         ls_retrain_page_get_n_corrections (fx.window->retrain_page) >= GPOINTER_TO_UINT (data);
}

static void
render_window (GtkWindow *window,
               const char *name)
{
  g_autofree char *file = g_strdup_printf ("app-train-%s.png", name);

  /* Past the stacks' transitions (about 250 ms). */
  ls_gui_test_wait_frames (GTK_WIDGET (window), 20);
  g_free (ls_gui_test_save_window_png (window, file));
}

/* The comparison scrolled down to the images that changed class. */
static GtkScrolledWindow *
mapped_scroller (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget) && gtk_widget_get_mapped (widget))
    return GTK_SCROLLED_WINDOW (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkScrolledWindow *found = mapped_scroller (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
render_flips (const char *name)
{
  GtkScrolledWindow *scroller = mapped_scroller (GTK_WIDGET (fx.window->retrain_page));
  GtkAdjustment *v;

  g_assert_nonnull (scroller);
  v = gtk_scrolled_window_get_vadjustment (scroller);
  gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
  render_window (GTK_WINDOW (fx.window), name);
  gtk_adjustment_set_value (v, 0);
}

/* From the click to the comparison on screen, and the main loop's longest
 * stall meanwhile (the probe started before the click). */
static void
report_timing (const char *what,
               gint64 started)
{
  double cpu_ms, stall_ms;

  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 2);
  stall_ms = ls_gui_test_stall_probe_stop (&cpu_ms);
  g_test_message ("%s: %.1f s from the click to the comparison; longest main-loop stall %.0f ms "
                  "(%.0f ms of CPU)",
                  what, (g_get_monotonic_time () - started) / 1e6, stall_ms, cpu_ms);
}

static void
need_window (void)
{
  if (fx.window == NULL)
    g_test_skip ("the first-start case did not run");
}

/* ---- the store ---- */

static guint
count_models (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (GPtrArray) models = NULL;

  g_assert_no_error (error);
  models = ls_store_list_models_full (store, TRUE, &error);
  g_assert_no_error (error);
  return models->len;
}

static guint
count_model_files (void)
{
  g_autofree char *dir = g_build_filename (fx.workspace, "models", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    n++;
  return n;
}

static char *
active_model_id (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsStoreModel) active = NULL;

  g_assert_no_error (error);
  active = ls_store_get_active_model (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (active);
  return g_strdup (active->id);
}

/* ---- first start ---- */

static void
test_first_start (void)
{
  GList *windows;

  g_application_activate (G_APPLICATION (fx.app));
  windows = gtk_application_get_windows (GTK_APPLICATION (fx.app));
  g_assert_nonnull (windows);
  fx.window = LS_WINDOW (windows->data);
  ls_gui_test_set_window (GTK_WINDOW (fx.window));
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 1280, 860);
  ls_gui_test_wait_for (ls_gui_test_on_page, (gpointer) "workspace", 240, "the demo workspace");
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the gallery's list");
  fx.workspace = g_strdup (ls_session_get_path (ls_window_get_session (fx.window)));
  g_assert_true (g_str_has_suffix (fx.workspace, "Demo.lungscope"));
  fx.shipped = active_model_id ();
}

/* ---- the Train dialog, the progress, the comparison, Accept ---- */

static LsTrainDialog *
open_dialog (void)
{
  LsWindow *w = fx.window;

  g_assert_null (w->train_dialog);
  gtk_widget_activate_action (GTK_WIDGET (w), "win.train-from-scratch", NULL);
  ls_gui_test_wait_for (dialog_ready, NULL, 30, "the Train dialog");
  return LS_TRAIN_DIALOG (w->train_dialog);
}

static void
small_values (LsTrainDialog *d,
              int epochs)
{
  gtk_spin_button_set_value (d->epochs_spin, epochs);
  gtk_spin_button_set_value (d->size_spin, 64);
  gtk_switch_set_active (d->balanced_switch, TRUE);
  gtk_spin_button_set_value (d->seed_spin, 7);
}

/* Every interactive widget of the dialog has a name (as test-app.c's
 * accessible-names case checks the window). */
static gboolean
has_text_child (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if ((GTK_IS_LABEL (c) && *gtk_label_get_label (GTK_LABEL (c)) != '\0') || has_text_child (c))
      return TRUE;
  return FALSE;
}

static void
walk (GtkWidget *widget,
      guint *n_checked,
      guint *n_unnamed)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
      GTK_IS_RANGE (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_SWITCH (widget) ||
      GTK_IS_ENTRY (widget) || GTK_IS_CHECK_BUTTON (widget))
    {
      GtkAccessible *a = GTK_ACCESSIBLE (widget);

      (*n_checked)++;
      if (!gtk_test_accessible_has_property (a, GTK_ACCESSIBLE_PROPERTY_LABEL) &&
          !gtk_test_accessible_has_relation (a, GTK_ACCESSIBLE_RELATION_LABELLED_BY) &&
          !has_text_child (widget))
        {
          g_test_message ("no accessible name: %s", G_OBJECT_TYPE_NAME (widget));
          (*n_unnamed)++;
        }
      return;
    }
  if (GTK_IS_WINDOW_CONTROLS (widget) || GTK_IS_SCROLLBAR (widget))
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    walk (c, n_checked, n_unnamed);
}

static void
check_named (GtkWidget *root)
{
  guint n = 0, unnamed = 0;

  walk (root, &n, &unnamed);
  g_test_message ("Train dialog: %u interactive widgets checked", n);
  /* Cancel, Train, three spin buttons, the switch. */
  g_assert_cmpuint (n, >=, 6);
  g_assert_cmpuint (unnamed, ==, 0);
}

static void
test_train (void)
{
  LsWindow *w = fx.window;
  LsTrainDialog *d;
  const LsSessionTrain *t;
  g_autofree char *old_id = NULL, *sha = NULL;
  guint n_models, n_files;
  gint64 started;

  need_window ();
  if (w == NULL)
    return;
  old_id = active_model_id ();
  n_models = count_models ();
  n_files = count_model_files ();

  d = open_dialog ();
  /* The default augmentation is the Previews page's, in words. */
  g_assert_cmpuint (adw_combo_row_get_selected (d->augment_row), ==, LS_TRAIN_AUGMENT_WORKSPACE);
  g_assert_nonnull (strstr (adw_preferences_group_get_description (d->augment_group), "%"));
  check_named (GTK_WIDGET (d));
  small_values (d, 2);
  render_window (GTK_WINDOW (d), "dialog");
  {
    g_auto (LsSessionTrainOptions) o = { 0 };

    ls_train_dialog_get_options (d, &o);
    g_assert_cmpint (o.epochs, ==, 2);
    g_assert_cmpint (o.size, ==, 64);
    g_assert_true (o.balanced);
    g_assert_cmpuint (o.seed, ==, 7);
    g_assert_nonnull (o.augment);
  }

  /* Train: the dialog closes, the Retrain page shows the progress. */
  ls_gui_test_stall_probe_start ();
  started = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (d), "train.start", NULL);
  ls_gui_test_wait_frames (GTK_WIDGET (w), 3);
  g_assert_null (w->train_dialog);
  g_assert_true (ls_retrain_page_is_busy (w->retrain_page));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (w->view_stack), ==, "retrain");

  /* The window stays usable: an image is diagnosed with the active model. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
    g_autoptr (LsWorkspacePart) test = ls_workspace_load_part (store, LS_SPLIT_TEST, &error);

    g_assert_no_error (error);
    sha = g_strdup (test->sha256[0]);
  }
  ls_gallery_set_selected_sha256 (w->gallery, sha);
  ls_gui_test_wait_for (shown, sha, 60, "a diagnosis during training");
  g_assert_cmpstr (ls_diagnosis_panel_get_model_id (w->diagnosis_panel), ==, old_id);

  ls_gui_test_wait_for (epochs_seen, GUINT_TO_POINTER (1), 300, "the first epoch");
  if (ls_retrain_page_is_busy (w->retrain_page))
    {
      /* The render is the test's own work on the main loop: not counted. */
      double cpu_ms, stall_ms = ls_gui_test_stall_probe_stop (&cpu_ms);

      g_test_message ("train from scratch: longest main-loop stall %.0f ms (%.0f ms of CPU) up to "
                      "the first epoch, a diagnosis included",
                      stall_ms, cpu_ms);
      render_window (GTK_WINDOW (w), "progress");
      ls_gui_test_stall_probe_start ();
    }
  ls_gui_test_wait_for (run_done, NULL, 600, "the training");
  report_timing ("train from scratch (stall after the render)", started);
  t = ls_retrain_page_get_train_result (w->retrain_page);
  g_assert_nonnull (t);
  g_assert_cmpint (t->run->result->n_epochs, >=, 1);
  g_assert_cmpint (t->run->result->model->size, ==, 64);
  g_assert_cmpstr (t->parent_id, ==, old_id);
  g_assert_nonnull (t->comparison);
  g_assert_cmpstr (t->comparison->id_a, ==, old_id);
  g_assert_cmpstr (t->comparison->id_b, ==, t->run->model_id);
  g_assert_cmpuint (count_models (), ==, n_models + 1);
  g_assert_cmpuint (count_model_files (), ==, n_files + 1);
  /* Not active until accepted. */
  {
    g_autofree char *still = active_model_id ();

    g_assert_cmpstr (still, ==, old_id);
  }
  g_test_message ("from scratch: %d flips against the active model", t->comparison->n_flips);
  if (t->comparison->n_flips > 0)
    {
      const GPtrArray *maps;

      ls_gui_test_wait_for (maps_done, NULL, 120, "the Grad-CAM maps");
      maps = ls_retrain_page_get_flip_maps (w->retrain_page);
      g_assert_nonnull (maps);
      g_assert_cmpuint (maps->len, ==, MIN ((guint) t->comparison->n_flips, 12));
    }
  render_window (GTK_WINDOW (w), "comparison");
  render_flips ("comparison-maps");

  /* Accept: the new model is active in the store, in the session and in
   * the diagnosis panel. */
  fx.trained = g_strdup (t->run->model_id);
  gtk_widget_activate_action (GTK_WIDGET (w->retrain_page), "retrain.accept", NULL);
  ls_gui_test_wait_for (active_is, fx.trained, 120, "the new model active");
  {
    g_autofree char *now = active_model_id ();

    g_assert_cmpstr (now, ==, fx.trained);
  }
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the gallery with the new model");
  ls_gallery_set_selected_sha256 (w->gallery, NULL);
  ls_gallery_set_selected_sha256 (w->gallery, sha);
  ls_gui_test_wait_for (shown, sha, 60, "a diagnosis with the new model");
  g_assert_cmpstr (ls_diagnosis_panel_get_model_id (w->diagnosis_panel), ==, fx.trained);
}

/* ---- Cancel: no model, no file ---- */

static void
test_cancel (void)
{
  LsWindow *w = fx.window;
  LsTrainDialog *d;
  guint n_models, n_files;

  need_window ();
  if (w == NULL)
    return;
  ls_gui_test_wait_for (ls_gui_test_window_idle, NULL, 60, "the window idle");
  n_models = count_models ();
  n_files = count_model_files ();
  d = open_dialog ();
  small_values (d, 2);
  gtk_widget_activate_action (GTK_WIDGET (d), "train.start", NULL);
  g_assert_true (ls_retrain_page_is_busy (w->retrain_page));
  gtk_widget_activate_action (GTK_WIDGET (w->retrain_page), "retrain.cancel", NULL);
  ls_gui_test_wait_for (run_done, NULL, 120, "the cancelled training");
  g_assert_null (ls_retrain_page_get_train_result (w->retrain_page));
  g_assert_cmpuint (count_models (), ==, n_models);
  g_assert_cmpuint (count_model_files (), ==, n_files);
  {
    g_autofree char *active = active_model_id ();

    g_assert_cmpstr (active, ==, fx.trained);
  }
  render_window (GTK_WINDOW (w), "cancelled");
}

/* ---- a fine-tune: Grad-CAM before and after on the flipped images ---- */

static void
test_finetune_maps (void)
{
  LsWindow *w = fx.window;
  g_autoptr (LsWorkspacePart) train = NULL;
  const LsSessionRetrain *r;
  const GPtrArray *maps;
  g_autofree char *child = NULL;
  guint n_relabel;
  int n_flips;
  gint64 started;

  need_window ();
  if (w == NULL)
    return;
  ls_gui_test_wait_for (ls_gui_test_window_idle, NULL, 60, "the window idle");
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);

    train = ls_workspace_load_part (store, LS_SPLIT_TRAIN, &error);
    g_assert_no_error (error);
  }
  /* Most training images of the second class given the first, as a
   * labeller does (the image on screen, then its key): a shift the child
   * learns, so that test images of that class change their answer. */
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "image");
  n_relabel = 0;
  for (guint i = 0; i < train->n_items && n_relabel < 60; i++)
    {
      const char *sha = train->sha256[i];

      if (train->items[i].label != 1)
        continue;
      ls_gallery_set_selected_sha256 (w->gallery, sha);
      ls_gui_test_wait_for (shown, (gpointer) sha, 60, "a training image on screen");
      gtk_widget_activate_action (GTK_WIDGET (w), "win.label", "i", 0);
      ls_gui_test_wait_for (ls_gui_test_window_idle, NULL, 60, "the label written");
      n_relabel++;
    }
  g_assert_cmpuint (n_relabel, >, 10);
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "retrain");
  ls_gui_test_wait_for (corrections_counted, GUINT_TO_POINTER (n_relabel), 60,
                        "the corrections counted");

  ls_gui_test_stall_probe_start ();
  started = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (w->retrain_page), "retrain.start", NULL);
  ls_gui_test_wait_for (run_done, NULL, 600, "the fine-tuning");
  report_timing ("fine-tune", started);
  r = ls_retrain_page_get_result (w->retrain_page);
  g_assert_nonnull (r);
  g_assert_cmpstr (r->finetune->parent_id, ==, fx.shipped);
  n_flips = r->finetune->result->test.n_flips;
  g_test_message ("fine-tune: %u corrected, %d test images flipped", r->finetune->n_corrected,
                  n_flips);
  started = g_get_monotonic_time ();
  ls_gui_test_wait_for (maps_done, NULL, 180, "the Grad-CAM maps");
  g_test_message ("Grad-CAM of both models on %d images: %.2f s after the comparison", MIN (n_flips, 12),
                  (g_get_monotonic_time () - started) / 1e6);
  maps = ls_retrain_page_get_flip_maps (w->retrain_page);
  if (n_flips == 0)
    g_test_message ("no test image flipped: no maps to check");
  else
    {
      g_assert_nonnull (maps);
      g_assert_cmpuint (maps->len, ==, MIN ((guint) n_flips, 12));
      for (guint i = 0; i < maps->len; i++)
        {
          const LsSessionMapPair *p = maps->pdata[i];
          const LsFlip *f = &r->finetune->result->test.flips[i];

          g_assert_nonnull (p->before);
          g_assert_nonnull (p->after);
          g_assert_cmpint (gdk_texture_get_width (p->before), >, 16);
          g_assert_cmpint (gdk_texture_get_width (p->before), <=, 112);
          /* Each map explains the answer that model gave. */
          g_assert_cmpint (p->class_before, ==, f->pred_a);
          g_assert_cmpint (p->class_after, ==, f->pred_b);
        }
    }
  render_window (GTK_WINDOW (w), "finetune-comparison");
  render_flips ("finetune-maps");
  /* A prediction logged with the child (as another program may have done
   * with a model not yet accepted): Discard keeps it. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
    LsStorePrediction p = { 0 };

    g_assert_no_error (error);
    child = g_strdup (r->finetune->model_id);
    p.sha256 = ((LsStoreImage *) images->pdata[0])->sha256;
    p.name = ((LsStoreImage *) images->pdata[0])->original_name;
    p.model_id = child;
    p.probabilities_json = (char *) "[0.2,0.3,0.5]";
    p.predicted = (char *) "COVID-19";
    p.ood_score = NAN;
    p.latency_ms = NAN;
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
    g_assert_no_error (error);
  }
  /* Discard: the child goes, the shipped model stays active. */
  gtk_widget_activate_action (GTK_WIDGET (w->retrain_page), "retrain.discard", NULL);
  ls_gui_test_wait_for (run_done, NULL, 60, "the discard");
  {
    g_autofree char *active = active_model_id ();
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
    g_autoptr (LsStoreModel) gone = NULL;

    g_assert_cmpstr (active, ==, fx.shipped);
    /* Listed as deleted, its prediction kept. */
    gone = ls_store_get_model (store, child, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gone->deleted, >, 0);
    g_assert_cmpuint (ls_store_count_predictions (store, child, &error), ==, 1);
    g_assert_no_error (error);
  }
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  int rc;

  ls_test_init (&argc, &argv);
  /* A first start: a home of its own, empty. */
  fx.home = g_dir_make_tmp ("ls-app-train-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  fx.app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/lungscope/app-train/first-start", test_first_start);
  g_test_add_func ("/lungscope/app-train/finetune-maps", test_finetune_maps);
  g_test_add_func ("/lungscope/app-train/train", test_train);
  g_test_add_func ("/lungscope/app-train/cancel", test_cancel);
  rc = g_test_run ();

  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fx.app);
  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  g_free (fx.workspace);
  g_free (fx.trained);
  g_free (fx.shipped);
  return rc;
}
