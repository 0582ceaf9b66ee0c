/* test-history.c — the model history: lineage, status, metrics, runs
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "dataset/store.h"
#include "engine/safetensors.h"
#include "ls-test.h"
#include "pipeline/history.h"
#include "pipeline/workspace.h"
#include "store-test-util.h"

static void
add_model (LsStore *store,
           const char *id,
           const char *parent,
           const char *metrics,
           gboolean active)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strconcat (id, ".safetensors", NULL);
  g_autofree char *file = g_build_filename (ls_store_get_path (store), "models", name, NULL);

  if (strcmp (id, "root") == 0)
    {
      /* A model file's header with a card name (no tensors needed). */
      g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);

      g_hash_table_insert (metadata, (gpointer) "name", (gpointer) "Root model");
      g_assert_true (ls_safetensors_write (file, metadata, NULL, 0, &error));
      g_assert_no_error (error);
    }
  else
    g_assert_true (g_file_set_contents (file, id, -1, NULL));
  g_assert_true (ls_store_add_model (store, id, parent, "ab12", metrics, active, &error));
  g_assert_no_error (error);
  /* Distinct registration times, so the order is the order of creation. */
  g_usleep (2000);
}

/* root (from a file) → child (trained, 2 epochs) → grandchild (deleted);
 * a failed run from child; an unfinished run (killed) from child. */
static LsStore *
make_history (const char *tmp)
{
  g_autofree char *ws = g_build_filename (tmp, "hist.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  LsStore *store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);

  add_model (store, "root", NULL, "{\"test\":{\"accuracy\":0.8,\"ece\":0.05,\"macro\":{\"f1\":0.7}}}", FALSE);
  g_assert_true (ls_store_run_begin (store, "run-child", "root", "{\"epochs\":2}", &error));
  g_assert_true (ls_store_run_add_epoch (store, "run-child", 1,
                                         "{\"epoch\":1,\"epochs\":2,\"images\":10,\"train_loss\":1.0,"
                                         "\"train_accuracy\":0.5,\"lr\":0.001,\"val_loss\":0.9,"
                                         "\"val_accuracy\":0.6,\"best\":true}",
                                         &error));
  g_assert_true (ls_store_run_add_epoch (store, "run-child", 2,
                                         "{\"epoch\":2,\"epochs\":2,\"images\":10,\"train_loss\":0.5,"
                                         "\"train_accuracy\":0.8,\"lr\":0.0005,\"val_loss\":1.1,"
                                         "\"val_accuracy\":0.55,\"best\":false}",
                                         &error));
  add_model (store, "child", "root", "{\"accuracy\":0.9,\"ece\":0.02}", TRUE);
  g_assert_true (ls_store_run_finish (store, "run-child", "done", "child", &error));
  add_model (store, "grandchild", "child", NULL, FALSE);
  g_assert_true (ls_store_delete_model (store, "grandchild", &error));
  g_assert_true (ls_store_run_begin (store, "run-failed", "child", NULL, &error));
  g_assert_true (ls_store_run_finish (store, "run-failed", "failed", NULL, &error));
  g_usleep (2000);
  g_assert_true (ls_store_run_begin (store, "run-killed", "child", NULL, &error));
  g_assert_true (ls_store_run_add_epoch (store, "run-killed", 1, "{\"epoch\":1,\"train_loss\":2.0}", &error));
  g_assert_no_error (error);
  return store;
}

static void
test_history (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_history (tmp);
  g_autoptr (GPtrArray) history = NULL;
  const LsHistoryEntry *e;

  history = ls_model_history (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 5);

  e = history->pdata[0];
  g_assert_cmpstr (e->model_id, ==, "root");
  g_assert_cmpstr (e->name, ==, "Root model");
  g_assert_cmpint (e->status, ==, LS_HISTORY_AVAILABLE);
  g_assert_null (e->parent_id);
  g_assert_cmpint (e->depth, ==, 0);
  g_assert_null (e->run_id);
  g_assert_cmpint (e->n_epochs, ==, 0);
  g_assert_cmpfloat_with_epsilon (e->accuracy, 0.8, 1e-12);
  g_assert_cmpfloat_with_epsilon (e->macro_f1, 0.7, 1e-12);
  g_assert_cmpfloat_with_epsilon (e->ece, 0.05, 1e-12);
  g_assert_cmpstr (e->dataset_version, ==, "ab12");

  e = history->pdata[1];
  g_assert_cmpstr (e->model_id, ==, "child");
  /* Not a model file: no name, and no error. */
  g_assert_null (e->name);
  g_assert_cmpint (e->status, ==, LS_HISTORY_ACTIVE);
  g_assert_cmpstr (ls_history_status_to_string (e->status), ==, "active");
  g_assert_cmpstr (e->parent_id, ==, "root");
  g_assert_cmpint (e->depth, ==, 1);
  g_assert_cmpstr (e->run_id, ==, "run-child");
  g_assert_cmpstr (e->run_status, ==, "done");
  g_assert_cmpstr (e->run_config_json, ==, "{\"epochs\":2}");
  g_assert_cmpint (e->run_finished, >=, e->run_started);
  g_assert_cmpint (e->n_epochs, ==, 2);
  g_assert_cmpint (e->best_epoch, ==, 1);
  g_assert_cmpfloat (e->epochs[1].train_loss, ==, 0.5);
  g_assert_cmpfloat (e->epochs[0].val_accuracy, ==, 0.6);
  g_assert_cmpuint (e->epochs[0].n_images, ==, 10);
  g_assert_true (isnan (e->macro_f1));
  g_assert_cmpfloat_with_epsilon (e->accuracy, 0.9, 1e-12);

  e = history->pdata[2];
  g_assert_cmpstr (e->model_id, ==, "grandchild");
  g_assert_cmpint (e->status, ==, LS_HISTORY_DELETED);
  g_assert_cmpint (e->deleted, >, 0);
  g_assert_cmpint (e->depth, ==, 2);
  g_assert_true (isnan (e->accuracy));

  e = history->pdata[3];
  g_assert_null (e->model_id);
  g_assert_cmpint (e->status, ==, LS_HISTORY_RUN_FAILED);
  g_assert_cmpstr (e->parent_id, ==, "child");
  g_assert_cmpint (e->depth, ==, 2);
  g_assert_cmpstr (e->run_id, ==, "run-failed");

  e = history->pdata[4];
  g_assert_null (e->model_id);
  g_assert_cmpint (e->status, ==, LS_HISTORY_RUN_UNFINISHED);
  g_assert_cmpstr (ls_history_status_to_string (e->status), ==, "unfinished");
  g_assert_cmpstr (e->run_status, ==, "running");
  g_assert_cmpint (e->run_finished, ==, 0);
  g_assert_cmpint (e->n_epochs, ==, 1);
  g_assert_cmpfloat (e->epochs[0].train_loss, ==, 2.0);
  g_assert_true (isnan (e->epochs[0].val_loss));

  g_clear_pointer (&store, ls_store_close);
  remove_tree (tmp);
}

/* A run still "running" is interrupted when nobody holds its log's lock
 * (its process is gone), running while somebody does. */
static void
test_interrupted (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = make_history (tmp);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autofree char *log = g_strdup_printf ("%s/runs/run-live.jsonl", ls_store_get_path (store));
  int fd;

  g_assert_true (ls_store_run_begin (store, "run-live", "child", NULL, &error));
  g_assert_no_error (error);
  fd = g_open (log, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX | LOCK_NB), ==, 0);
  /* flock() locks belong to an open file: the marking's own open of the
   * log conflicts with this one as another process's would. */
  g_assert_cmpuint (ls_workspace_mark_interrupted_runs (store, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_workspace_mark_interrupted_runs (store, &error), ==, 0);
  history = ls_model_history (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < history->len; i++)
    {
      LsHistoryEntry *e = history->pdata[i];

      if (g_strcmp0 (e->run_id, "run-killed") == 0)
        {
          g_assert_cmpint (e->status, ==, LS_HISTORY_RUN_INTERRUPTED);
          g_assert_cmpstr (ls_history_status_to_string (e->status), ==, "interrupted");
          g_assert_cmpint (e->run_finished, >, 0);
        }
      else if (g_strcmp0 (e->run_id, "run-live") == 0)
        g_assert_cmpint (e->status, ==, LS_HISTORY_RUN_UNFINISHED);
    }
  /* The lock gone with its holder: interrupted. */
  close (fd);
  g_assert_cmpuint (ls_workspace_mark_interrupted_runs (store, &error), ==, 1);
  g_clear_pointer (&store, ls_store_close);
  remove_tree (tmp);
}

static void
test_empty (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *ws = g_build_filename (tmp, "empty.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_autoptr (GPtrArray) history = ls_model_history (store, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 0);
  g_clear_pointer (&store, ls_store_close);
  remove_tree (tmp);
}

static int
cli (char **out,
     char **err,
     const char *first,
     ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  int status = -1;

  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, out, err, &status));
  g_test_message ("%s%s", *out, *err);
  return status;
}

static void
test_cli (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = make_history (tmp);
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *a;
  JsonObject *o;

  g_clear_pointer (&store, ls_store_close);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "history", NULL), ==, 0);
  /* Children indented under their parents. */
  g_assert_nonnull (strstr (out, "active        child  parent root"));
  g_assert_nonnull (strstr (out, "deleted         grandchild  parent child"));
  g_assert_nonnull (strstr (out, "run run-child, 2 epochs"));
  /* The run nobody runs any more: the CLI marked it when it opened the
   * workspace. */
  g_assert_nonnull (strstr (out, "interrupted     (no model)  parent child"));
  g_assert_nonnull (strstr (out, "run run-killed, 1 epoch\n"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "history", "--json", NULL), ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  a = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (a), ==, 5);
  o = json_array_get_object_element (a, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (o, "parent_id"), ==, "root");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "epochs")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "run_config"), "epochs"), ==, 2);
  o = json_array_get_object_element (a, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "deleted");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "deleted"), "20"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "history", "extra", NULL), ==, 2);
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/history/lineage-status-runs", test_history);
  g_test_add_func ("/lungscope/pipeline/history/empty", test_empty);
  g_test_add_func ("/lungscope/pipeline/history/cli", test_cli);
  g_test_add_func ("/lungscope/pipeline/history/interrupted", test_interrupted);
  return g_test_run ();
}
