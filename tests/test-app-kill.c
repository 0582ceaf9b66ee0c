/* test-app-kill.c — the app killed (SIGKILL) while labelling and while
 * retraining, then started again: every label the screen showed as saved
 * is in the store, the killed run is listed as interrupted, no half-made
 * model is listed and no model file is left without its row.
 *
 * The test runs the app as a child process (this program with --child,
 * under the same X server and session bus), drives it through the actions
 * a labeller triggers (win.label, retrain.start), reads what it
 * acknowledged from its standard output, and kills it. Renders go to
 * build/gui-renders/app-kill-*.png.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dataset/store.h"
#include "ls-application.h"
#include "ls-gui-test.h"
#include "ls-test.h"
#include "ls-window-private.h"
#include "pipeline/history.h"

#define PER_CLASS 20

static struct
{
  char *home;
  char *workspace;
} fx;

/* ==== the child: the app, driven through its actions ==== */

static LsWindow *child_window;

static gboolean
child_ready (gpointer data)
{
  LsWindow *w = child_window;
  LsSession *session = ls_window_get_session (w);

  return session != NULL && g_strcmp0 (ls_session_get_path (session), data) == 0 && !ls_window_is_busy (w) &&
         w->list != NULL && !ls_image_list_get_loading (w->list) && ls_image_list_get_n_total (w->list) > 0;
}

static gboolean
child_shown (gpointer data)
{
  LsWindow *w = child_window;

  return !ls_window_is_busy (w) && w->current_sha256 != NULL && g_strcmp0 (w->current_sha256, data) != 0 &&
         ls_viewer_get_image (w->viewer) != NULL;
}

static gboolean
child_counted (gpointer data)
{
  return !ls_window_is_busy (child_window) && ls_retrain_page_get_n_corrections (child_window->retrain_page) > 0;
}

static gboolean
child_training (gpointer data)
{
  /* The first epoch's steps are logged in the run's row and log. */
  return ls_retrain_page_is_busy (child_window->retrain_page) &&
         ls_retrain_page_get_fraction (child_window->retrain_page) > 0.05;
}

static void
child_say (const char *format,
           ...) G_GNUC_PRINTF (1, 2);

static void
child_say (const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
child_render (const char *name)
{
  g_autofree char *file = g_strdup_printf ("app-kill-%s.png", name);

  ls_gui_test_wait_frames (GTK_WIDGET (child_window), 20);
  g_free (ls_gui_test_save_window_png (GTK_WINDOW (child_window), file));
}

/* Labels image after image (3, 1, 2… never the label it has), saying
 * each one once the screen shows it saved, until killed. */
static void
child_label (void)
{
  LsWindow *w = child_window;
  const char *const *classes = ls_session_get_classes (ls_window_get_session (w));

  gtk_widget_activate_action (GTK_WIDGET (w), "win.next-image", NULL);
  ls_gui_test_wait_for (child_shown, NULL, 60, "the first image");
  for (guint i = 0;; i++)
    {
      g_autofree char *sha256 = g_strdup (w->current_sha256);
      const char *shown = ls_label_bar_get_shown_label (w->label_bar);
      int k = (int) (i % 3);

      if (g_strcmp0 (shown, classes[k]) == 0)
        k = (k + 1) % 3;
      gtk_widget_activate_action (GTK_WIDGET (w), "win.label", "i", k);
      /* The queue moves on once the label is committed and shown saved. */
      ls_gui_test_wait_for (child_shown, sha256, 60, "the next image after a label");
      child_say ("saved %s %s", sha256, classes[k]);
      if (i == 2)
        child_render ("labelling");
    }
}

static void
child_retrain (void)
{
  LsWindow *w = child_window;

  gtk_widget_activate_action (GTK_WIDGET (w), "win.show-page", "s", "retrain");
  ls_gui_test_wait_for (child_counted, NULL, 60, "corrections to train on");
  gtk_widget_activate_action (GTK_WIDGET (w->retrain_page), "retrain.start", NULL);
  ls_gui_test_wait_for (child_training, NULL, 300, "the retraining under way");
  child_render ("retraining");
  child_say ("training");
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

static void
child_reopen (void)
{
  child_render ("reopened");
  child_say ("notice %s", gtk_info_bar_get_revealed (child_window->notice_bar)
                              ? gtk_label_get_label (child_window->notice_label)
                              : "");
}

static int
child_main (const char *mode,
            const char *workspace)
{
  g_autoptr (LsApplication) app = NULL;

  gtk_init ();
  app = ls_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  child_window = ls_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (child_window), 1280, 800);
  gtk_window_present (GTK_WINDOW (child_window));
  ls_window_open_workspace (child_window, workspace, FALSE);
  ls_gui_test_wait_for (child_ready, (gpointer) workspace, 120, "the workspace");
  child_say ("ready");
  if (g_str_equal (mode, "label"))
    child_label ();
  else if (g_str_equal (mode, "retrain"))
    child_retrain ();
  else
    child_reopen ();
  gtk_window_destroy (GTK_WINDOW (child_window));
  return 0;
}

/* ==== the test: start, read, kill, check ==== */

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
} Child;

static void
child_start (Child *c,
             const char *mode)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  c->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self, "--child", mode,
                                 fx.workspace, NULL);
  g_assert_no_error (error);
  c->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->process));
}

/* The child's next line (NULL once it ended), past its comments
 * ("# rendered…"). */
static char *
child_read (Child *c)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      char *line = g_data_input_stream_read_line_utf8 (c->out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL || line[0] != '#')
        return line;
      g_test_message ("%s", line + 2);
      g_free (line);
    }
}

static void
child_kill (Child *c)
{
  g_autoptr (GError) error = NULL;

  kill (atoi (g_subprocess_get_identifier (c->process)), SIGKILL);
  g_subprocess_wait (c->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (c->process));
  g_assert_cmpint (g_subprocess_get_term_sig (c->process), ==, SIGKILL);
  g_clear_object (&c->out);
  g_clear_object (&c->process);
}

static void
make_workspace_done (GObject *source,
                     GAsyncResult *result,
                     gpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ls_create_demo_workspace_finish (result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Model rows against the files in WS/models/: each listed model has its
 * file, and no file is there without its row. */
static guint
check_models (LsStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) models = ls_store_list_models (store, &error);
  g_autofree char *dir = g_build_filename (fx.workspace, "models", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  const char *name;
  guint n_files = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < models->len; i++)
    {
      LsStoreModel *m = models->pdata[i];
      g_autofree char *file = g_build_filename (fx.workspace, m->file, NULL);

      g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      gboolean listed = FALSE;

      for (guint i = 0; i < models->len; i++)
        listed |= g_str_has_suffix (((LsStoreModel *) models->pdata[i])->file, name);
      if (!listed)
        g_error ("%s/%s is not a listed model", dir, name);
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, models->len);
  return models->len;
}

static void
test_killed_labelling (void)
{
  Child c = { 0 };
  g_autoptr (GPtrArray) saved = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ready = NULL;

  child_start (&c, "label");
  ready = child_read (&c);
  g_assert_cmpstr (ready, ==, "ready");
  /* Killed just after the sixth label shown saved: the seventh is on
   * its way. */
  while (saved->len < 6)
    {
      char *line = child_read (&c);

      g_assert_nonnull (line);
      if (!g_str_has_prefix (line, "saved "))
        g_error ("the app said: %s", line);
      g_ptr_array_add (saved, line);
    }
  child_kill (&c);

  store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < saved->len; i++)
    {
      g_auto (GStrv) f = g_strsplit (saved->pdata[i], " ", 3);
      g_autofree char *label = ls_store_get_label (store, f[1], &error);
      g_autoptr (GPtrArray) history = ls_store_label_history (store, f[1], &error);
      const LsLabelEvent *e;

      g_assert_no_error (error);
      g_assert_cmpstr (label, ==, f[2]);
      e = history->pdata[history->len - 1];
      g_assert_cmpstr (e->author, ==, g_get_user_name ());
      g_assert_cmpint (e->source, ==, LS_LABEL_SOURCE_USER);
    }
  g_test_message ("%u labels shown saved before the kill, all in the store", saved->len);
  check_models (store);
}

static void
test_killed_retraining (void)
{
  Child c = { 0 };
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = NULL, history = NULL;
  g_autofree char *line = NULL, *notice = NULL;
  guint n_models, n_interrupted = 0;

  store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  n_models = check_models (store);
  g_clear_pointer (&store, ls_store_close);

  child_start (&c, "retrain");
  line = child_read (&c);
  g_assert_cmpstr (line, ==, "ready");
  g_free (line);
  line = child_read (&c);
  g_assert_cmpstr (line, ==, "training");
  child_kill (&c);

  /* Started again: the window says what happened. */
  child_start (&c, "reopen");
  g_free (line);
  line = child_read (&c);
  g_assert_cmpstr (line, ==, "ready");
  notice = child_read (&c);
  g_test_message ("%s", notice);
  g_assert_nonnull (strstr (notice, "interrupted"));
  g_assert_nonnull (g_subprocess_wait_check (c.process, NULL, &error) ? c.process : NULL);
  g_assert_no_error (error);
  g_clear_object (&c.out);
  g_clear_object (&c.process);

  store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  runs = ls_store_list_runs (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    {
      LsStoreRun *run = runs->pdata[i];

      g_assert_cmpstr (run->status, !=, "running");
      n_interrupted += g_strcmp0 (run->status, "interrupted") == 0;
    }
  g_assert_cmpuint (n_interrupted, ==, 1);
  history = ls_model_history (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((LsHistoryEntry *) history->pdata[history->len - 1])->status, ==,
                   LS_HISTORY_RUN_INTERRUPTED);
  /* No half-made model listed, no file left behind. */
  g_assert_cmpuint (check_models (store), ==, n_models);
}

int
main (int argc,
      char **argv)
{
  g_autofree char *data = NULL;
  gboolean made = FALSE;
  int rc;

  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2], argv[3]);

  ls_test_init (&argc, &argv);
  fx.home = g_dir_make_tmp ("ls-app-kill-XXXXXX", NULL);
  data = g_build_filename (fx.home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  fx.workspace = g_build_filename (fx.home, "killed.lungscope", NULL);

  /* A small demo workspace (the shipped model active), and some training
   * labels changed since the model, so Retrain has work. */
  ls_create_demo_workspace_async (fx.workspace, PER_CLASS, NULL, NULL, NULL, make_workspace_done, &made);
  ls_gui_test_wait_for (is_true, &made, 300, "the workspace");
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.workspace, LS_STORE_OPEN_DEFAULT, &error);
    g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
    g_auto (GStrv) classes = ls_store_get_classes (store, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < images->len; i += 3)
      {
        LsStoreImage *im = images->pdata[i];
        const char *other = g_strcmp0 (im->label, classes[0]) == 0 ? classes[1] : classes[0];

        g_assert_cmpint (ls_store_set_label (store, im->sha256, other, LS_LABEL_SOURCE_USER, "test", NULL, &error),
                         >, 0);
      }
  }

  g_test_add_func ("/lungscope/app/kill/labelling", test_killed_labelling);
  g_test_add_func ("/lungscope/app/kill/retraining", test_killed_retraining);
  rc = g_test_run ();

  ls_test_remove_tree (fx.home);
  g_free (fx.home);
  g_free (fx.workspace);
  return rc;
}
