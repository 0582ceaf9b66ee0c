/* test-app-danish.c — the app in Danish (LANGUAGE=da), under Xvfb: the first
 * start's demo workspace, an image ls_gui_test_diagnosed, the Retrain page, the Model
 * History and Monitoring pages, the review queues in the gallery's sidebar,
 * Preferences and About; every text on screen that the catalog translates is shown
 * translated (no English left), the class names are Danish, and no
 * translated text is cut short. Rendered to build/gui-renders/app-danish*.png.
 *
 * The catalog is the build folder's (po/da/LC_MESSAGES/lungscope.mo), bound
 * before GTK starts, as main.c binds the installed one.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-preferences-window.h"
#include "ls-test.h"
#include "ls-window-private.h"

static struct
{
  char *home;
  LsApplication *app;
  LsWindow *window;
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

/* The queue bar read its counts and the chosen queue (@data: its kind). */
static gboolean
queue_shown (gpointer data)
{
  LsQueueBar *bar = fx.window->queue_bar;
  const LsQueue *q = ls_queue_bar_get_current (bar);
  LsQueueCounts counts;

  return ls_gui_test_diagnosed (NULL) && !ls_queue_bar_is_refreshing (bar) && ls_queue_bar_get_counts (bar, &counts) &&
         q != NULL && (int) q->kind == GPOINTER_TO_INT (data) && ls_image_list_get_in_queue_mode (fx.window->list);
}

static gboolean
queue_left (gpointer data)
{
  return !ls_queue_bar_is_refreshing (fx.window->queue_bar) && !ls_image_list_get_in_queue_mode (fx.window->list) &&
         ls_gui_test_list_loaded (NULL);
}

static GtkWindow *
app_window_of_type (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fx.app)); l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}

static gboolean
window_of_type_shown (gpointer data)
{
  GtkWindow *window = app_window_of_type ((GType) GPOINTER_TO_SIZE (data));

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

/* Activates app.@action and waits for the window of @type it opens. */
static GtkWindow *
open_app_window (const char *action,
                 GType type)
{
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), action, NULL);
  ls_gui_test_wait_for (window_of_type_shown, GSIZE_TO_POINTER (type), 10, action);
  return app_window_of_type (type);
}

static void
render (GtkWindow *window,
        const char *name)
{
  g_autofree char *file = g_strdup_printf ("app-danish%s%s.png", *name ? "-" : "", name);

  /* Past the stacks' and info bars' transitions (about 250 ms). */
  ls_gui_test_wait_frames (GTK_WIDGET (window), 25);
  g_free (ls_gui_test_save_window_png (window, file));
}

/* ---- what is on screen ---- */

typedef struct
{
  GPtrArray *english; /* texts shown that the catalog would translate */
  GPtrArray *cut;     /* translated texts shown ellipsized */
  GString *all;       /* every text shown, one a line */
  guint n_texts;
} Seen;

/* @text is shown: it is English if the catalog has a translation for it
 * (the translated text is what should have been shown). */
static void
see (Seen *seen,
     const char *text,
     const char *where)
{
  const char *translated;

  if (text == NULL || *text == '\0')
    return;
  seen->n_texts++;
  g_string_append_printf (seen->all, "%s\n", text);
  translated = g_dgettext (GETTEXT_PACKAGE, text);
  if (translated != text && strcmp (translated, text) != 0)
    g_ptr_array_add (seen->english, g_strdup_printf ("%s “%s” (Danish: “%s”)", where, text, translated));
}

static void
see_list (Seen *seen,
          GListModel *model,
          const char *where)
{
  for (guint i = 0; model != NULL && GTK_IS_STRING_LIST (model) && i < g_list_model_get_n_items (model); i++)
    see (seen, gtk_string_list_get_string (GTK_STRING_LIST (model), i), where);
}

static void
walk (GtkWidget *widget,
      Seen *seen)
{
  if (!gtk_widget_get_visible (widget))
    return;
  see (seen, gtk_widget_get_tooltip_text (widget), "tooltip");
  if (GTK_IS_LABEL (widget))
    {
      GtkLabel *label = GTK_LABEL (widget);
      const char *text = gtk_label_get_text (label);

      see (seen, gtk_label_get_label (label), "label");
      /* A label cut short on a page on screen: a Danish word too long for
       * its place. File names and paths are cut on purpose. */
      if (gtk_widget_get_mapped (widget) && gtk_label_get_ellipsize (label) != PANGO_ELLIPSIZE_NONE &&
          pango_layout_is_ellipsized (gtk_label_get_layout (label)) && text != NULL &&
          strchr (text, '/') == NULL && !g_str_has_suffix (text, ".png") && !g_str_has_suffix (text, ".dcm"))
        g_ptr_array_add (seen->cut, g_strdup_printf ("“%s” (%s)", text, G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget))));
    }
  else if (GTK_IS_DROP_DOWN (widget))
    see_list (seen, gtk_drop_down_get_model (GTK_DROP_DOWN (widget)), "drop-down item");
  else if (ADW_IS_COMBO_ROW (widget))
    see_list (seen, adw_combo_row_get_model (ADW_COMBO_ROW (widget)), "combo row item");
  else if (ADW_IS_STATUS_PAGE (widget))
    {
      see (seen, adw_status_page_get_title (ADW_STATUS_PAGE (widget)), "status page");
      see (seen, adw_status_page_get_description (ADW_STATUS_PAGE (widget)), "status page");
    }
  if (ADW_IS_PREFERENCES_ROW (widget))
    see (seen, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "row title");
  if (ADW_IS_ACTION_ROW (widget))
    see (seen, adw_action_row_get_subtitle (ADW_ACTION_ROW (widget)), "row subtitle");
  if (ADW_IS_PREFERENCES_GROUP (widget))
    see (seen, adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), "group title");
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    walk (c, seen);
}

/* Walks @root; fails on English left or Danish cut short. Returns every
 * text shown (for the checks of particular words). */
static char *
check_danish (GtkWidget *root,
              const char *what)
{
  Seen seen = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free), g_string_new (NULL), 0 };

  walk (root, &seen);
  g_test_message ("%s: %u texts shown", what, seen.n_texts);
  for (guint i = 0; i < seen.english->len; i++)
    g_test_message ("%s: English: %s", what, (char *) seen.english->pdata[i]);
  for (guint i = 0; i < seen.cut->len; i++)
    g_test_message ("%s: cut short: %s", what, (char *) seen.cut->pdata[i]);
  g_assert_cmpuint (seen.n_texts, >=, 5);
  g_assert_cmpuint (seen.english->len, ==, 0);
  g_assert_cmpuint (seen.cut->len, ==, 0);
  g_ptr_array_unref (seen.english);
  g_ptr_array_unref (seen.cut);
  return g_string_free (seen.all, FALSE);
}

static void
assert_shown (const char *all,
              const char *text)
{
  g_autofree char *line = g_strdup_printf ("\n%s\n", text);
  g_autofree char *padded = g_strdup_printf ("\n%s", all);

  if (strstr (padded, line) == NULL)
    g_error ("“%s” is not on screen; shown:\n%s", text, all);
}

/* ---- the cases ---- */

static void
test_window (void)
{
  LsWindow *w;
  g_autofree char *all = NULL;
  GListModel *pages;
  const char *titles[] = { "Billede", "Augmenterede versioner", "Genoptræn", "Modelhistorik", "Overvågning" };

  /* The catalog is there and used: a string of each kind of file. */
  g_assert_cmpstr (_ ("Calibrated probabilities"), ==, "Kalibrerede sandsynligheder");
  g_assert_cmpstr (g_dpgettext2 (GETTEXT_PACKAGE, "class", "Pneumonia"), ==, "Lungebetændelse");

  g_application_activate (G_APPLICATION (fx.app));
  fx.window = w = LS_WINDOW (gtk_application_get_windows (GTK_APPLICATION (fx.app))->data);
  ls_gui_test_set_window (GTK_WINDOW (fx.window));
  gtk_window_set_default_size (GTK_WINDOW (w), 1280, 800);
  /* The first start makes the demo workspace: its progress page. */
  ls_gui_test_wait_for (ls_gui_test_on_page, (gpointer) "progress", 10, "the first-start progress page");
  render (GTK_WINDOW (w), "first-start");
  g_free (check_danish (GTK_WIDGET (w->progress_page), "progress page"));
  ls_gui_test_wait_for (ls_gui_test_on_page, (gpointer) "workspace", 240, "the demo workspace");
  ls_gui_test_wait_for (ls_gui_test_list_loaded, NULL, 60, "the gallery's list");
  gtk_widget_activate_action (GTK_WIDGET (w), "win.next-image", NULL);
  ls_gui_test_wait_for (ls_gui_test_diagnosed, NULL, 60, "the first image's diagnosis");

  /* The page titles. */
  pages = G_LIST_MODEL (adw_view_stack_get_pages (w->view_stack));
  g_assert_cmpuint (g_list_model_get_n_items (pages), ==, G_N_ELEMENTS (titles));
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autoptr (AdwViewStackPage) page = g_list_model_get_item (pages, i);

      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, titles[i]);
    }
  g_object_unref (pages);
  /* The diagnosis panel: its heading and the class names on its bars. */
  render (GTK_WINDOW (w), "");
  all = check_danish (GTK_WIDGET (w), "main window");
  assert_shown (all, "Kalibrerede sandsynligheder");
  assert_shown (all, "Normal");
  assert_shown (all, "Lungebetændelse");
  assert_shown (all, "COVID-19");
  g_assert_null (strstr (all, "\nPneumonia\n"));
  assert_shown (all, "Mærkat");

  /* The Retrain page. */
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "retrain");
  ls_gui_test_wait_frames (GTK_WIDGET (w), 10);
  ls_gui_test_wait_for (ls_gui_test_diagnosed, NULL, 60, "the window idle");
  render (GTK_WINDOW (w), "retrain");
  g_free (check_danish (GTK_WIDGET (w->retrain_page), "retrain page"));
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "image");
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

/* Scrolls every scrolled window in @widget to its end. */
static void
scroll_all_to_end (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));

      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    scroll_all_to_end (c);
}

/* Scrolls @page to its end (twice: what comes into view may grow the
 * page), for the render of its lower part. */
static void
scroll_to_end (GtkWidget *page)
{
  g_assert_nonnull (find_child (page, GTK_TYPE_SCROLLED_WINDOW));
  for (int i = 0; i < 2; i++)
    {
      ls_gui_test_wait_frames (page, 5);
      scroll_all_to_end (page);
    }
}

/* The Model History and Monitoring pages, and the review queues in the
 * gallery's sidebar with a queue chosen (its note shown). */
static void
test_pages (void)
{
  LsWindow *w = fx.window;
  g_autofree char *history = NULL, *monitoring = NULL, *queues = NULL;

  if (w == NULL)
    {
      g_test_skip ("the window case did not run");
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "history");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (w->view_stack), ==, "history");
  ls_gui_test_wait_for (history_idle, NULL, 30, "the model history");
  g_assert_nonnull (ls_history_page_get_selected (w->history_page));
  render (GTK_WINDOW (w), "history");
  history = check_danish (GTK_WIDGET (w->history_page), "model history");
  assert_shown (history, "Modeller");
  assert_shown (history, "Status");
  assert_shown (history, "Aktiv");
  assert_shown (history, "Afstamning");
  assert_shown (history, "Netværk");
  g_assert_null (strstr (history, " layers, "));
  /* The card's classes in Danish, as on the bars. */
  assert_shown (history, "Normal, Lungebetændelse, COVID-19");
  g_assert_null (strstr (history, "Pneumonia"));
  scroll_to_end (GTK_WIDGET (w->history_page));
  render (GTK_WINDOW (w), "history-end");

  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "monitoring");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (w->view_stack), ==, "monitoring");
  ls_gui_test_wait_for (monitor_idle, NULL, 30, "the monitoring report");
  render (GTK_WINDOW (w), "monitoring");
  monitoring = check_danish (GTK_WIDGET (w->monitor_page), "monitoring");
  assert_shown (monitoring, "Overvågning");
  assert_shown (monitoring, "Periode");
  assert_shown (monitoring, "Afdrift");
  assert_shown (monitoring, "Klassefordeling");
  g_assert_null (strstr (monitoring, "Pneumonia"));
  scroll_to_end (GTK_WIDGET (w->monitor_page));
  render (GTK_WINDOW (w), "monitoring-end");
  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "image");

  /* The queues: the uncertain one chosen, its note under the buttons. */
  ls_queue_bar_set_queue (w->queue_bar, LS_QUEUE_UNCERTAIN);
  ls_gui_test_wait_for (queue_shown, GINT_TO_POINTER (LS_QUEUE_UNCERTAIN), 60, "the uncertain queue");
  render (GTK_WINDOW (w), "queues");
  queues = check_danish (GTK_WIDGET (w->queue_bar), "review queues");
  assert_shown (queues, "Uden mærkat");
  assert_shown (queues, "Uenige");
  assert_shown (queues, "Usikre");
  assert_shown (queues, "Mærkatfejl");
  assert_shown (queues, ls_queue_bar_get_note (w->queue_bar));
  g_assert_cmpstr (ls_queue_bar_get_note (w->queue_bar), !=, "");
  g_assert_nonnull (strstr (ls_queue_bar_get_note (w->queue_bar), "usikre"));
  ls_queue_bar_set_queue (w->queue_bar, LS_QUEUE_BAR_NONE);
  ls_gui_test_wait_for (queue_left, NULL, 60, "the gallery without a queue");
}

static gboolean
toast_changed (gpointer data)
{
  return g_strcmp0 (fx.window->last_toast, data) != 0 && ls_gui_test_window_idle (NULL);
}

/* The PDF reading from Save Report, in Danish: the page's own text, the
 * class names and the model card's lines. */
/* @s somewhere in @text (a page's text), else an error showing it. */
static void
in_text (const char *text,
         const char *s)
{
  if (strstr (text, s) == NULL)
    g_error ("“%s” is not on the page; it says:\n%s", s, text);
}

static void
test_report (void)
{
  LsWindow *w = fx.window;
  g_autofree char *pdf = NULL, *before = NULL, *pdftotext = NULL, *text = NULL, *err = NULL;
  int status = -1;

  if (w == NULL)
    {
      g_test_skip ("the window case did not run");
      return;
    }
  pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext == NULL)
    {
      g_test_skip ("no pdftotext (poppler-utils) to read the page");
      return;
    }
  pdf = g_build_filename (fx.home, "aflæsning.pdf", NULL);
  before = g_strdup (w->last_toast);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.save-report-to", "s", pdf));
  ls_gui_test_wait_for (toast_changed, before, 60, "the report's toast");
  g_test_message ("toast: %s", w->last_toast);
  g_assert_cmpstr (w->last_toast, ==, "Rapporten er gemt som aflæsning.pdf");
  {
    const char *argv[] = { pdftotext, "-layout", pdf, "-", NULL };

    g_assert_true (ls_test_run (argv, &text, &err, &status));
  }
  g_assert_cmpint (status, ==, 0);
  in_text (text, "Ikke medicinsk udstyr. Dette er ikke en diagnose.");
  in_text (text, "Aflæsning");
  in_text (text, "Mest sandsynligt");
  in_text (text, "Lungebetændelse");
  in_text (text, "Modelkort");
  g_assert_null (strstr (text, "Pneumonia"));
  g_assert_null (strstr (text, "This is not a diagnosis"));
  g_assert_null (strstr (text, "Most likely"));
}

static void
test_preferences (void)
{
  GtkWindow *prefs;
  g_autofree char *all = NULL;

  if (fx.window == NULL)
    {
      g_test_skip ("the window case did not run");
      return;
    }
  prefs = open_app_window ("preferences", LS_TYPE_PREFERENCES_WINDOW);
  render (prefs, "preferences");
  all = check_danish (GTK_WIDGET (prefs), "preferences");
  assert_shown (all, "Indstillinger");
  assert_shown (all, "Salienskortets uigennemsigtighed");
  gtk_window_destroy (prefs);
}

/* About: ours in Danish, libadwaita's from the system's catalog. */
static void
test_about (void)
{
  GtkWindow *about;

  if (fx.window == NULL)
    {
      g_test_skip ("the window case did not run");
      return;
    }
  about = open_app_window ("about", ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_developer_name (ADW_ABOUT_WINDOW (about)), ==, "Lungscope-udviklerne");
  render (about, "about");
  g_free (check_danish (GTK_WIDGET (about), "about"));
  gtk_window_destroy (about);
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *catalog = g_build_filename (g_getenv ("LS_BUILD_ROOT"), "po", NULL);
  int rc;

  ls_test_init (&argc, &argv);
  /* As main.c does, with the build folder's catalog. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, catalog);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, "da");

  /* A first start: a home of its own, empty. */
  fx.home = g_dir_make_tmp ("ls-app-da-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  gtk_init ();
  fx.app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/lungscope/app-danish/window", test_window);
  g_test_add_func ("/lungscope/app-danish/pages", test_pages);
  g_test_add_func ("/lungscope/app-danish/report", test_report);
  g_test_add_func ("/lungscope/app-danish/preferences", test_preferences);
  g_test_add_func ("/lungscope/app-danish/about", test_about);
  rc = g_test_run ();

  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fx.app);
  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  return rc;
}
