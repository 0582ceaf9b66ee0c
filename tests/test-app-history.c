/* test-app-history.c — the model history and monitoring pages and the drift
 * info bar, as a clinician uses them, under Xvfb: the demo workspace's
 * model listed as active; a fine-tuned child (Retrain, one epoch) listed
 * under its parent once the run ends; Make Active switches the model (the
 * store and the diagnosis panel); Delete keeps the model listed as deleted
 * and its predictions in the store; Export copies its file; monitoring is
 * empty before the first prediction and shows its charts after; the drift
 * bar stays hidden on in-distribution inputs and shows on drifting ones.
 * Each state is rendered to build/gui-renders/app-history-*.png.
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

#include "dataset/phantom.h"
#include "dataset/store.h"
#include "imaging/png-write.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window-private.h"

#define REAL_DATA "../shared/data/cxr-real"

static struct
{
  char *home;
  char *files;
  LsApplication *app;
  LsWindow *window;
  char *workspace;
  char *demo_model; /* the shipped model, active at first */
  char *child;      /* the fine-tuned child */
} fx;

/* ---- waiting ---- */

/* The history page read the store and the selection's card. */
static gboolean
history_idle (gpointer data)
{
  LsHistoryPage *page = fx.window->history_page;

  return !ls_history_page_is_busy (page) && ls_history_page_get_entries (page) != NULL &&
         (ls_history_page_get_selected (page) == NULL || ls_history_page_get_details (page) != NULL);
}

static gboolean
monitor_idle (gpointer data)
{
  return !ls_monitor_page_is_busy (fx.window->monitor_page) &&
         ls_monitor_page_get_report (fx.window->monitor_page) != NULL;
}

static void
render (const char *name)
{
  g_autofree char *file = g_strdup_printf ("app-history-%s.png", name);

  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 3);
  /* Past the stacks' and info bars' transitions (about 250 ms). */
  ls_gui_test_wait_frames (GTK_WIDGET (fx.window), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (fx.window), file));
}

static gboolean
need_window (void)
{
  if (fx.window == NULL)
    {
      g_test_skip ("the first-start case did not run");
      return FALSE;
    }
  return TRUE;
}

static void
show_page (const char *name)
{
  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.show-page", "s", name);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (fx.window->view_stack), ==, name);
}

/* The first descendant of @widget of @type (depth first), or NULL. */
static GtkWidget *
find_child (GtkWidget *widget,
            GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_child (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A visible label of @widget's that says @text. */
static gboolean
shows_text (GtkWidget *widget,
            const char *text)
{
  if (!gtk_widget_get_visible (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (shows_text (c, text))
      return TRUE;
  return FALSE;
}

static GtkWidget *
find_action_button (GtkWidget *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_action_button (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The history page's button for @action can be clicked. */
static gboolean
button_sensitive (const char *action)
{
  GtkWidget *button = find_action_button (GTK_WIDGET (fx.window->history_page), action);

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button) && gtk_widget_is_visible (button);
}

/* Every chart under @widget has an accessible name (a screen reader says
 * what it shows). */
static guint
count_unnamed_charts (GtkWidget *widget,
                      guint *n_charts)
{
  guint n = 0;

  if (GTK_IS_DRAWING_AREA (widget) && gtk_widget_get_visible (widget))
    {
      (*n_charts)++;
      return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ? 0 : 1;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += count_unnamed_charts (c, n_charts);
  return n;
}

static void
check_chart_names (GtkWidget *widget)
{
  guint n_charts = 0;

  g_assert_cmpuint (count_unnamed_charts (widget, &n_charts), ==, 0);
  g_assert_cmpuint (n_charts, >=, 3);
}

/* Scrolls the page's scrolled window to @fraction of its height. */
static void
scroll_page (GtkWidget *page,
             double fraction)
{
  GtkWidget *scroller = NULL;

  /* The visible stack page's scroller. */
  for (GtkWidget *c = find_child (page, GTK_TYPE_STACK); c != NULL;)
    {
      GtkWidget *child = gtk_stack_get_visible_child (GTK_STACK (c));

      scroller = child != NULL ? find_child (child, GTK_TYPE_SCROLLED_WINDOW) : NULL;
      break;
    }
  g_assert_nonnull (scroller);
  /* Twice: the first scroll lays out what comes into view, which may grow
   * the page. */
  for (int i = 0; i < 2; i++)
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

      ls_gui_test_wait_frames (page, 5);
      gtk_adjustment_set_value (adj, fraction * (gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj)));
    }
}

static const LsHistoryEntry *
entry_of (const char *model_id)
{
  GPtrArray *entries = ls_history_page_get_entries (fx.window->history_page);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const LsHistoryEntry *e = entries->pdata[i];

      if (g_strcmp0 (e->model_id, model_id) == 0)
        return e;
    }
  return NULL;
}

static char *
store_active_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsStoreModel) active = NULL;

  g_assert_no_error (error);
  active = ls_store_get_active_model (store, &error);
  g_assert_no_error (error);
  return active != NULL ? g_strdup (active->id) : NULL;
}

static guint
store_predictions (const char *model_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_READ_ONLY, &error);
  guint n;

  g_assert_no_error (error);
  n = ls_store_count_predictions (store, model_id, &error);
  g_assert_no_error (error);
  return n;
}

static gboolean
session_model_is (gpointer data)
{
  LsSession *session = ls_window_get_session (fx.window);
  const LsModelChoice *choice = session != NULL ? ls_session_get_model (session) : NULL;

  return choice != NULL && g_strcmp0 (choice->model->id, data) == 0 && ls_gui_test_window_idle (NULL) &&
         ls_gui_test_list_loaded (NULL);
}

/* Diagnoses the next image of the gallery, as Page Down does. */
static void
diagnose_next (void)
{
  g_autofree char *before = g_strdup (fx.window->current_sha256);

  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.next-image", NULL);
  ls_gui_test_wait_for (ls_gui_test_current_changed, before, 60, "the next image's diagnosis");
}

/* The drift check the window runs after a logged diagnosis has finished. */
static gboolean
drift_checked (gpointer data)
{
  guint n;

  ls_window_get_drift_state (fx.window, &n);
  return n >= GPOINTER_TO_UINT (data) && !fx.window->drift_in_flight && fx.window->drift_timeout == 0;
}

static void
wait_drift_check (void)
{
  guint n;

  ls_window_get_drift_state (fx.window, &n);
  diagnose_next ();
  ls_gui_test_wait_for (drift_checked, GUINT_TO_POINTER (n + 1), 30, "the drift check");
}

/* `lungscope-cli predict` of @files: logged in the workspace as the app
 * logs them. */
static void
cli_predict (GPtrArray *files)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  g_ptr_array_add (argv, (gpointer) "-w");
  g_ptr_array_add (argv, fx.workspace);
  g_ptr_array_add (argv, (gpointer) "predict");
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (argv, files->pdata[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, &out, &err, &status));
  if (status != 0)
    g_test_message ("cli: %s", err);
  g_assert_cmpint (status, ==, 0);
}

static char *
write_phantom (const char *name,
               guint index,
               int klass)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsPhantom) ph = NULL;
  LsPhantomParams params;
  char *path = g_build_filename (fx.files, name, NULL);

  ls_phantom_params_init (&params);
  params.size = 256;
  ph = ls_phantom_generate (&params, 777, klass, index);
  g_assert_true (ls_png_write_image (path, ph->image, 8, 0, &error));
  g_assert_no_error (error);
  return path;
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
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 1280, 800);
  ls_gui_test_wait_for (ls_gui_test_on_page, (gpointer) "workspace", 240, "the demo workspace");
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the gallery's list");
  fx.workspace = g_strdup (ls_session_get_path (ls_window_get_session (fx.window)));
  fx.demo_model = g_strdup (ls_session_get_model (ls_window_get_session (fx.window))->model->id);
}

/* ---- a fresh workspace: one model, no predictions, no drift ---- */

static void
test_fresh (void)
{
  LsWindow *w = fx.window;
  GPtrArray *entries;
  const LsHistoryEntry *e;
  const LsSessionModelDetails *d;
  guint n_checks;

  if (!need_window ())
    return;
  show_page ("history");
  ls_gui_test_wait_for (history_idle, NULL, 30, "the model history");
  entries = ls_history_page_get_entries (w->history_page);
  g_assert_cmpuint (entries->len, ==, 1);
  e = entries->pdata[0];
  g_assert_cmpstr (e->model_id, ==, fx.demo_model);
  g_assert_cmpint (e->status, ==, LS_HISTORY_ACTIVE);
  g_assert_true (ls_history_page_get_selected (w->history_page) == e);
  d = ls_history_page_get_details (w->history_page);
  g_assert_nonnull (d->card);
  g_assert_cmpstr (d->card->id, ==, fx.demo_model);
  /* The active model cannot be made active again or deleted; it can be
   * exported. */
  g_assert_false (button_sensitive ("history.make-active"));
  g_assert_false (button_sensitive ("history.delete"));
  g_assert_true (button_sensitive ("history.export"));
  render ("demo");

  show_page ("monitoring");
  ls_gui_test_wait_for (monitor_idle, NULL, 30, "the monitoring report");
  g_assert_cmpuint (ls_monitor_page_get_report (w->monitor_page)->total.n_predictions, ==, 0);
  render ("monitoring-empty");

  /* No drift bar on a fresh workspace (the check ran when it opened). */
  ls_gui_test_wait_for (drift_checked, GUINT_TO_POINTER (1), 30, "the first drift check");
  g_assert_cmpint (ls_window_get_drift_state (w, &n_checks), !=, LS_MONITOR_DRIFT_DETECTED);
  g_assert_false (gtk_info_bar_get_revealed (w->drift_bar));
}

/* ---- diagnoses: the monitoring page's charts; no drift on the demo mix ---- */

static void
test_monitoring (void)
{
  LsWindow *w = fx.window;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const LsMonitorReport *r;

  if (!need_window ())
    return;
  /* Six images ls_gui_test_diagnosed in the app, as a reader goes through them. */
  show_page ("image");
  ls_gallery_set_selected_sha256 (w->gallery, NULL);
  for (int i = 0; i < 6; i++)
    diagnose_next ();
  /* Forty more phantoms like the training data (all three classes),
   * predicted by the CLI into the same log. */
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("mixed-%02u.png", i);

      g_ptr_array_add (files, write_phantom (name, 100 + i, (int) (i % 3)));
    }
  cli_predict (files);
  wait_drift_check ();
  g_assert_cmpint (ls_window_get_drift_state (w, NULL), ==, LS_MONITOR_DRIFT_NONE);
  g_assert_false (gtk_info_bar_get_revealed (w->drift_bar));

  show_page ("monitoring");
  ls_gui_test_wait_for (monitor_idle, NULL, 30, "the monitoring report");
  r = ls_monitor_page_get_report (w->monitor_page);
  g_test_message ("monitoring: %u predictions, %u bins, kappa %.2f, drift: %s", r->total.n_predictions, r->n_bins,
                  r->total.kappa, r->drift.message);
  g_assert_cmpuint (r->total.n_predictions, >=, 47);
  g_assert_cmpuint (r->n_bins, >=, 1);
  g_assert_cmpuint (r->total.n_labelled, >=, 6);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (
                       GTK_STACK (find_child (GTK_WIDGET (w->monitor_page), GTK_TYPE_STACK))),
                   ==, "report");
  /* Each chart has a name a screen reader says. */
  check_chart_names (GTK_WIDGET (w->monitor_page));
  render ("monitoring");
  scroll_page (GTK_WIDGET (w->monitor_page), 1.0);
  render ("monitoring-charts");
  scroll_page (GTK_WIDGET (w->monitor_page), 0.0);

  /* The last 24 hours in bins of a day (automatic bins over these minutes
   * are hours), as the rows choose. */
  {
    AdwComboRow *period = ADW_COMBO_ROW (find_child (GTK_WIDGET (w->monitor_page), ADW_TYPE_COMBO_ROW));
    AdwComboRow *bins = ADW_COMBO_ROW (
        find_child (gtk_widget_get_next_sibling (GTK_WIDGET (period)), ADW_TYPE_COMBO_ROW));

    adw_combo_row_set_selected (period, 1);
    adw_combo_row_set_selected (bins, 2);
    ls_gui_test_wait_for (monitor_idle, NULL, 30, "the report of the last day");
    r = ls_monitor_page_get_report (w->monitor_page);
    g_assert_cmpint (r->bin_seconds, ==, LS_MONITOR_BIN_DAY);
    g_assert_cmpuint (r->total.n_predictions, >=, 47);
    adw_combo_row_set_selected (period, 0);
    adw_combo_row_set_selected (bins, 0);
    ls_gui_test_wait_for (monitor_idle, NULL, 30, "the report of all time");
  }
}

/* ---- Retrain (one epoch): the child listed under its parent ---- */

static gboolean
retrain_counted (gpointer data)
{
  return !ls_window_is_busy (fx.window) && ls_retrain_page_get_n_corrections (fx.window->retrain_page) > 0;
}

static gboolean
retrain_done (gpointer data)
{
  return !ls_retrain_page_is_busy (fx.window->retrain_page);
}

static gboolean
child_listed (gpointer data)
{
  const LsHistoryEntry *e = entry_of (data);

  return e != NULL && history_idle (NULL);
}

static gboolean
cancelled_run_listed (gpointer data)
{
  GPtrArray *entries = ls_history_page_get_entries (fx.window->history_page);

  for (guint i = 0; entries != NULL && history_idle (NULL) && i < entries->len; i++)
    {
      const LsHistoryEntry *e = entries->pdata[i];

      if (e->model_id == NULL && e->status == LS_HISTORY_RUN_CANCELLED)
        return TRUE;
    }
  return FALSE;
}

static void
test_child (void)
{
  LsWindow *w = fx.window;
  GtkWidget *page;
  const LsSessionRetrain *r;
  const LsHistoryEntry *e;
  const LsSessionModelDetails *d;

  if (!need_window ())
    return;
  page = GTK_WIDGET (w->retrain_page);
  /* Twelve labels corrected, as a labeller does: 1 (the gallery starts
   * with COVID-19 images), then the next image. */
  show_page ("image");
  ls_gallery_set_selected_sha256 (w->gallery, NULL);
  diagnose_next ();
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *before = g_strdup (w->current_sha256);

      gtk_widget_activate_action (GTK_WIDGET (w), "win.label", "i", 0);
      ls_gui_test_wait_for (ls_gui_test_current_changed, before, 60, "the next image after a label");
    }
  show_page ("retrain");
  ls_gui_test_wait_for (retrain_counted, NULL, 60, "corrections to train on");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_child (page, GTK_TYPE_SPIN_BUTTON)), 1);
  /* Retrain, then Cancel: a run without a model, listed as cancelled. */
  gtk_widget_activate_action (page, "retrain.start", NULL);
  g_assert_true (ls_retrain_page_is_busy (w->retrain_page));
  gtk_widget_activate_action (page, "retrain.cancel", NULL);
  ls_gui_test_wait_for (retrain_done, NULL, 120, "the cancelled retraining");
  ls_gui_test_wait_for (cancelled_run_listed, NULL, 30, "the cancelled run in the history");
  gtk_widget_activate_action (page, "retrain.start", NULL);
  ls_gui_test_wait_for (retrain_done, NULL, 300, "the retraining");
  r = ls_retrain_page_get_result (w->retrain_page);
  g_assert_nonnull (r);
  fx.child = g_strdup (r->finetune->model_id);

  /* The history page heard of it without being shown. */
  ls_gui_test_wait_for (child_listed, fx.child, 30, "the child in the history");
  e = entry_of (fx.child);
  g_assert_cmpint (e->status, ==, LS_HISTORY_AVAILABLE);
  g_assert_cmpstr (e->parent_id, ==, fx.demo_model);
  g_assert_cmpint (e->depth, ==, 1);
  g_assert_nonnull (e->run_id);
  g_assert_cmpint (e->n_epochs, ==, 1);

  /* Accept: the child is active; the history says so. */
  gtk_widget_activate_action (page, "retrain.accept", NULL);
  ls_gui_test_wait_for (session_model_is, fx.child, 60, "the workspace with the child");
  g_assert_cmpstr (store_active_model (), ==, fx.child);
  show_page ("history");
  ls_gui_test_wait_for (history_idle, NULL, 30, "the history after Accept");
  g_assert_cmpint (entry_of (fx.child)->status, ==, LS_HISTORY_ACTIVE);
  g_assert_cmpint (entry_of (fx.demo_model)->status, ==, LS_HISTORY_AVAILABLE);

  /* The child's card, curves, confusion and reliability. */
  g_assert_true (ls_history_page_select_model (w->history_page, fx.child));
  ls_gui_test_wait_for (history_idle, NULL, 30, "the child's card");
  d = ls_history_page_get_details (w->history_page);
  g_assert_nonnull (d->card);
  g_assert_nonnull (d->curves);
  g_assert_cmpint (d->curves->curves.n_epochs, ==, 1);
  g_assert_nonnull (d->charts);
  ls_gui_test_check_accessible_names (GTK_WIDGET (w->history_page), "history page");
  render ("child");
  scroll_page (GTK_WIDGET (w->history_page), 0.55);
  render ("child-charts");
  /* The charts follow the dark style. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  render ("child-charts-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  scroll_page (GTK_WIDGET (w->history_page), 1.0);
  render ("child-log");
  scroll_page (GTK_WIDGET (w->history_page), 0.0);
}

/* ---- Make Active (roll back), Export, Delete ---- */

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS) && !ls_history_page_is_busy (fx.window->history_page);
}

static void
test_actions (void)
{
  LsWindow *w = fx.window;
  guint child_predictions;
  const LsHistoryEntry *e;

  if (!need_window ())
    return;
  if (fx.child == NULL)
    {
      g_test_skip ("no child model");
      return;
    }
  /* A diagnosis with the child, logged against it. */
  show_page ("image");
  diagnose_next ();
  child_predictions = store_predictions (fx.child);
  g_assert_cmpuint (child_predictions, >=, 1);

  /* Make Active on the parent: the store and the diagnosis panel. */
  show_page ("history");
  ls_gui_test_wait_for (history_idle, NULL, 30, "the history");
  g_assert_true (ls_history_page_select_model (w->history_page, fx.demo_model));
  ls_gui_test_wait_for (history_idle, NULL, 30, "the parent's card");
  g_assert_true (button_sensitive ("history.make-active"));
  /* A parent with a child cannot be deleted. */
  g_assert_false (button_sensitive ("history.delete"));
  gtk_widget_activate_action (GTK_WIDGET (w->history_page), "history.make-active", NULL);
  ls_gui_test_wait_for (session_model_is, fx.demo_model, 60, "the workspace with the parent again");
  g_assert_cmpstr (store_active_model (), ==, fx.demo_model);
  g_assert_true (shows_text (GTK_WIDGET (w->diagnosis_panel), fx.demo_model));
  g_assert_false (shows_text (GTK_WIDGET (w->diagnosis_panel), fx.child));
  ls_gui_test_wait_for (history_idle, NULL, 30, "the history after Make Active");
  g_assert_cmpint (entry_of (fx.demo_model)->status, ==, LS_HISTORY_ACTIVE);
  g_assert_cmpint (entry_of (fx.child)->status, ==, LS_HISTORY_AVAILABLE);

  /* Export the parent's file: the same bytes as the registered one. */
  {
    g_autofree char *dest = g_build_filename (fx.home, "exported.safetensors", NULL);
    g_autofree char *a = NULL, *b = NULL;
    gsize na = 0, nb = 0;

    g_assert_true (ls_history_page_select_model (w->history_page, fx.demo_model));
    ls_gui_test_wait_for (history_idle, NULL, 30, "the parent's card");
    ls_history_page_export_to (w->history_page, dest);
    ls_gui_test_wait_for (file_exists, dest, 30, "the exported file");
    g_assert_true (g_file_get_contents (dest, &a, &na, NULL));
    g_assert_true (g_file_get_contents (ls_history_page_get_details (w->history_page)->card->file, &b, &nb, NULL));
    g_assert_cmpmem (a, na, b, nb);
  }

  /* Delete the child: confirmed, listed as deleted, predictions kept. */
  g_assert_true (ls_history_page_select_model (w->history_page, fx.child));
  ls_gui_test_wait_for (history_idle, NULL, 30, "the child's card");
  g_assert_true (button_sensitive ("history.delete"));
  gtk_widget_activate_action (GTK_WIDGET (w->history_page), "history.delete", NULL);
  ls_gui_test_wait_for (dialog_shown, NULL, 10, "the confirmation");
  ls_gui_test_wait_frames (GTK_WIDGET (find_dialog ()), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (find_dialog ()), "app-history-delete-dialog.png"));
  adw_message_dialog_response (find_dialog (), "delete");
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while ((entry_of (fx.child) == NULL || entry_of (fx.child)->status != LS_HISTORY_DELETED ||
            !history_idle (NULL)) &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  e = entry_of (fx.child);
  g_assert_nonnull (e);
  g_assert_cmpint (e->status, ==, LS_HISTORY_DELETED);
  g_assert_cmpuint (e->n_predictions, ==, child_predictions);
  g_assert_cmpuint (store_predictions (fx.child), ==, child_predictions);
  /* Still selected: its card from the store, nothing to do with it. */
  g_assert_true (ls_history_page_get_selected (w->history_page) == e);
  g_assert_false (button_sensitive ("history.make-active"));
  render ("deleted");
}

/* ---- inputs that drift: the info bar, and its button ---- */

static void
test_drift (void)
{
  LsWindow *w = fx.window;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *real = g_build_filename (g_getenv ("LS_BUILD_ROOT"), "..", REAL_DATA, NULL);
  const char *what;

  if (!need_window ())
    return;
  if (g_file_test (real, G_FILE_TEST_IS_DIR))
    {
      /* Real radiographs: unlike the phantoms the model was trained on. */
      const char *classes[] = { "normal", "pneumonia", "covid" };

      what = "real radiographs";
      for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
        {
          g_autofree char *dir = g_build_filename (real, classes[k], NULL);
          g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
          const char *name;
          guint n = 0;

          g_assert_nonnull (d);
          while ((name = g_dir_read_name (d)) != NULL && n < 30)
            if (g_str_has_suffix (name, ".png") || g_str_has_suffix (name, ".jpg"))
              {
                g_ptr_array_add (files, g_build_filename (dir, name, NULL));
                n++;
              }
        }
    }
  else
    {
      g_test_message ("%s is absent: phantoms of one class drift instead", real);
      what = "phantoms of one class";
    }
  /* Phantoms of one class only, as well: the class mix drifts. */
  for (guint i = 0; i < 90; i++)
    {
      g_autofree char *name = g_strdup_printf ("covid-%02u.png", i);

      g_ptr_array_add (files, write_phantom (name, 300 + i, 2));
    }
  g_test_message ("predicting %u files (%s and phantoms of one class)", files->len, what);
  cli_predict (files);
  show_page ("image");
  wait_drift_check ();
  g_assert_cmpint (ls_window_get_drift_state (w, NULL), ==, LS_MONITOR_DRIFT_DETECTED);
  g_assert_true (gtk_info_bar_get_revealed (w->drift_bar));
  g_test_message ("drift bar: %s", gtk_label_get_label (w->drift_label));
  g_assert_nonnull (strstr (gtk_label_get_label (w->drift_label), "bound"));
  ls_gui_test_check_accessible_names (GTK_WIDGET (w), "window with the drift bar");
  render ("drift-bar");

  /* Its button opens the monitoring page. */
  g_signal_emit_by_name (find_action_button (GTK_WIDGET (w->drift_bar), "win.show-page"), "clicked");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (w->view_stack), ==, "monitoring");
  ls_gui_test_wait_for (monitor_idle, NULL, 30, "the monitoring report");
  g_assert_cmpint (ls_monitor_page_get_report (w->monitor_page)->drift.state, ==, LS_MONITOR_DRIFT_DETECTED);
  render ("monitoring-drift");

  /* Closed, it stays closed while the drift lasts. */
  gtk_info_bar_response (w->drift_bar, GTK_RESPONSE_CLOSE);
  g_assert_false (gtk_info_bar_get_revealed (w->drift_bar));
  show_page ("image");
  wait_drift_check ();
  g_assert_false (gtk_info_bar_get_revealed (w->drift_bar));
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  int rc;

  ls_test_init (&argc, &argv);
  fx.home = g_dir_make_tmp ("ls-app-history-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  fx.files = g_build_filename (fx.home, "files", NULL);
  g_mkdir_with_parents (fx.files, 0755);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  fx.app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/lungscope/app-history/first-start", test_first_start);
  g_test_add_func ("/lungscope/app-history/fresh", test_fresh);
  g_test_add_func ("/lungscope/app-history/monitoring", test_monitoring);
  g_test_add_func ("/lungscope/app-history/child", test_child);
  g_test_add_func ("/lungscope/app-history/actions", test_actions);
  g_test_add_func ("/lungscope/app-history/drift", test_drift);
  rc = g_test_run ();

  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fx.app);
  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  g_free (fx.files);
  g_free (fx.workspace);
  g_free (fx.demo_model);
  g_free (fx.child);
  return rc;
}
