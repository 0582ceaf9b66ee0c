/* test-cli-pipeline.c — lungscope-cli end to end: phantoms → import →
 * split → train → eval → calibrate → predict → report, then relabel →
 * finetune → promote → rollback, with exit codes, JSON and the run log
 *
 * A small network (64² input, four convolutions, the one test-train
 * trains through the library) is trained through the CLI on 285 phantoms;
 * at 20 epochs it reaches about 92 % on the test part, MIN_ACCURACY is
 * what is asserted.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dataset/split.h"
#include "dataset/store.h"
#include "imaging/decode.h"
#include "pipeline/predict.h"
#include "ls-test.h"
#include "store-test-util.h"

#define EPOCHS 20
#define MIN_ACCURACY 0.80

static struct
{
  char *tmp;
  char *phantoms;
  char *arch;
  char *ws;
  char *split_out; /* what 'split' printed */
} fx;

static int
cli_argv (char **out,
          char **err,
          const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, out, err, &status));
  return status;
}

#define CLI(out, err, ...) cli_argv ((out), (err), (const char *const[]){ __VA_ARGS__, NULL })

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* Phantoms → import → split, once for all cases. */
static void
make_workspace (void)
{
  g_autofree char *out = NULL, *err = NULL;

  if (fx.ws != NULL)
    return;
  fx.tmp = make_temp_dir ();
  fx.phantoms = g_build_filename (fx.tmp, "phantoms", NULL);
  fx.arch = g_build_filename (fx.tmp, "tiny.arch", NULL);
  fx.ws = g_build_filename (fx.tmp, "e2e.lungscope", NULL);
  g_assert_true (g_file_set_contents (fx.arch, ls_test_small_arch, -1, NULL));
  g_assert_cmpint (CLI (&out, &err, "phantoms", fx.phantoms, "--per-class", "95", "--size", "64", "--seed", "3"), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "import", fx.phantoms), ==, 0);
  g_assert_nonnull (strstr (err, "added 285 images"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "split"), ==, 0);
  fx.split_out = g_steal_pointer (&out);
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      {
        g_autoptr (JsonParser) parser = json_parser_new ();

        /* Every line is a whole JSON object. */
        parse_object (parser, lines[i]);
        n++;
      }
  return n;
}

static char *
run_status (const char *run_id)
{
  g_autofree char *db_path = g_build_filename (fx.ws, "lungscope.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *status = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT status, (SELECT count(*) FROM run_epochs WHERE run_id = ?1) FROM runs WHERE id = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    status = g_strdup_printf ("%s %d", sqlite3_column_text (stmt, 0), sqlite3_column_int (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return status;
}

static void
test_usage (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *empty = g_build_filename (tmp, "empty.lungscope", NULL);
  const char *const *cases[] = {
    (const char *const[]){ "train", NULL },
    (const char *const[]){ "-w", empty, "train", "--epochs", "0", NULL },
    (const char *const[]){ "-w", empty, "train", "--bogus", NULL },
    (const char *const[]){ "-w", empty, "train", "--augment", "a", "--no-augment", NULL },
    (const char *const[]){ "-w", empty, "train", "extra", NULL },
    (const char *const[]){ "-w", empty, "eval", "--part", "nope", NULL },
    (const char *const[]){ "-w", empty, "eval", "a", "b", NULL },
    (const char *const[]){ "calibrate", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (cli_argv (&out, &err, cases[i]), ==, 2);
      g_assert_cmpstr (out, ==, "");
      /* One line, naming the command. */
      g_assert_true (g_str_has_prefix (err, "lungscope-cli "));
      g_assert_nonnull (strchr (err, '\n'));
      g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
    }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *arch = g_build_filename (tmp, "bad.arch", NULL);

    /* A bad spec names its line; the workspace is not even opened. */
    g_assert_true (g_file_set_contents (arch, "input channels=1 size=64\nconv out=8 k=3 colour=red\n", -1, NULL));
    g_assert_cmpint (CLI (&out, &err, "-w", empty, "train", "--arch", arch), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "line 2"));
  }
  {
    g_autofree char *out = NULL, *err = NULL;

    /* A workspace without labelled images: a failure (1) that says what to do. */
    g_autofree char *nothing = g_build_filename (tmp, "nothing", NULL);

    g_assert_cmpint (g_mkdir (nothing, 0755), ==, 0);
    g_assert_cmpint (CLI (&out, &err, "-w", empty, "import", nothing), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (CLI (&out, &err, "-w", empty, "train", "--epochs", "1"), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "no labelled training images"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (CLI (&out, &err, "-w", empty, "eval"), ==, 1);
    g_test_message ("%s", err);
    g_assert_nonnull (strstr (err, "no active model"));
  }
  remove_tree (tmp);
}

/* Issue 16: import → train works: a workspace never split gets the
 * default split first, printed as 'split' prints it; a second training
 * keeps it. */
static void
test_train_splits (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *ws = NULL, *first = NULL;

  make_workspace ();
  ws = g_build_filename (fx.tmp, "unsplit.lungscope", NULL);
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "import", fx.phantoms), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "train", "--arch", fx.arch, "--epochs", "1", "--batch", "16", "--no-augment", "--threads", "1"),
                   ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_str_has_prefix (out, fx.split_out));
  g_assert_true (g_str_has_prefix (out + strlen (fx.split_out), "model "));
  g_assert_nonnull (strstr (err, "285 images in "));
  first = g_strndup (out + strlen (fx.split_out) + 6, 26);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* split once: the next training trains on it; --init starts it from the
   * first model, recorded as its parent in the run */
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "train", "--init", first, "--epochs", "1", "--batch", "16", "--no-augment", "--threads", "1", "--json"),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out, "{"));
  g_assert_null (strstr (err, "285 images in "));
  {
    g_autofree char *db_path = g_build_filename (ws, "lungscope.db", NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM models WHERE parent_id = ?1", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    sqlite3_bind_text (stmt, 1, first, -1, SQLITE_STATIC);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "train", "--init", "nosuchmodel", "--epochs", "1"), ==, 1);
  g_assert_nonnull (strstr (err, "nosuchmodel"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --init FILE: the shipped phantom model (lungnet-s, here at 64 px), not
   * registered; the child's card names it as the parent */
  {
    g_autofree char *shipped = g_build_filename (g_getenv ("LS_SOURCE_ROOT"), "models",
                                                 "lungnet-s-phantoms.safetensors", NULL);
    g_autoptr (LsModel) parent = ls_model_load (shipped, NULL);
    g_autoptr (LsModel) child = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autofree char *file = NULL;
    JsonObject *o;

    g_assert_nonnull (parent);
    g_assert_cmpint (CLI (&out, &err, "-w", ws, "train", "--init", shipped, "--size", "64", "--epochs", "1", "--batch", "16", "--no-augment", "--threads", "1", "--json"),
                     ==, 0);
    o = parse_object (parser, out);
    file = g_strdup_printf ("%s/models/%s.safetensors", ws, json_object_get_string_member (o, "model_id"));
    child = ls_model_load (file, NULL);
    g_assert_nonnull (child);
    g_assert_cmpstr (child->parent_id, ==, parent->id);
  }
}

static void
test_end_to_end (void)
{
  g_autofree char *out = NULL, *err = NULL, *log = NULL, *run_log = NULL, *plots = NULL;
  g_autofree char *model_id = NULL, *run_id = NULL, *status = NULL, *epochs = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonParser) eval_parser = json_parser_new ();
  g_autoptr (JsonParser) cal_parser = json_parser_new ();
  JsonObject *train, *eval, *cal;
  double accuracy;

  make_workspace ();
  log = g_build_filename (fx.tmp, "train.jsonl", NULL);
  plots = g_build_filename (fx.tmp, "plots", NULL);
  epochs = g_strdup_printf ("%d", EPOCHS);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "train", "--arch", fx.arch, "--epochs", epochs, "--batch", "16", "--lr", "0.01", "--no-augment", "--patience", "0", "--threads", "1", "--seed", "11", "--log", log, "--plots", plots, "--json"),
                   ==, 0);
  g_test_message ("%s", err);
  train = parse_object (parser, out);
  model_id = g_strdup (json_object_get_string_member (train, "model_id"));
  run_id = g_strdup (json_object_get_string_member (train, "run_id"));
  g_assert_cmpuint (strlen (model_id), ==, 26);
  g_assert_true (json_object_get_boolean_member (train, "activated"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (train, "epochs")), ==, EPOCHS);
  accuracy = json_object_get_double_member (json_object_get_object_member (train, "metrics"), "accuracy");
  g_test_message ("test accuracy after training through the CLI: %.3f", accuracy);
  g_assert_cmpfloat (accuracy, >=, MIN_ACCURACY);
  /* The training curves, confusion matrix and reliability diagram. */
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "curves.png", "confusion.png", "reliability.png" };
      g_autofree char *png = g_build_filename (plots, names[i], NULL);
      g_autoptr (LsImage) image = ls_image_load (png, NULL, NULL);

      g_assert_nonnull (image);
      g_assert_cmpint (image->width, ==, 960);
      g_assert_cmpint (image->height, ==, 640);
    }
  /* One progress line per epoch on stderr. */
  g_assert_nonnull (strstr (err, "epoch 20/20"));

  /* The run log: the --log file, WS/runs/<run>.jsonl and the store agree. */
  run_log = g_strdup_printf ("%s/runs/%s.jsonl", fx.ws, run_id);
  g_assert_cmpuint (count_lines (log), ==, EPOCHS);
  g_assert_cmpuint (count_lines (run_log), ==, EPOCHS);
  status = run_status (run_id);
  g_assert_cmpstr (status, ==, "done 20");

  /* eval: the active model, the same test part, the same accuracy. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *eval_plots = g_build_filename (fx.tmp, "eval-plots", NULL);
    g_autofree char *png = g_build_filename (eval_plots, "reliability.png", NULL);

    g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "eval", "--json", "--plots", eval_plots), ==, 0);
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  }
  eval = parse_object (eval_parser, out);
  g_assert_cmpstr (json_object_get_string_member (eval, "model_id"), ==, model_id);
  g_assert_cmpstr (json_object_get_string_member (eval, "part"), ==, "test");
  g_assert_cmpfloat (fabs (json_object_get_double_member (json_object_get_object_member (eval, "metrics"), "accuracy") - accuracy),
                     <=, 1.0 / json_object_get_int_member (eval, "images"));

  /* Compared with itself, by prefix: nothing changes class. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *prefix = g_strndup (model_id, 12);

    g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "eval", prefix, "--compare", model_id), ==, 0);
  }
  g_assert_nonnull (strstr (out, "0 images change class"));

  /* calibrate: a child with the parent recorded, active as its parent was. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "calibrate", "--json"), ==, 0);
  cal = parse_object (cal_parser, out);
  g_assert_cmpstr (json_object_get_string_member (cal, "parent_id"), ==, model_id);
  g_assert_cmpstr (json_object_get_string_member (cal, "model_id"), !=, model_id);
  g_assert_true (json_object_get_boolean_member (cal, "activated"));
  g_assert_cmpfloat (json_object_get_double_member (cal, "val_ece_after"), <=,
                     json_object_get_double_member (cal, "val_ece_before") + 1e-9);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "models", "show", json_object_get_string_member (cal, "model_id")), ==, 0);
  g_assert_nonnull (strstr (out, model_id));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
    g_autoptr (GPtrArray) models = NULL;

    g_assert_no_error (error);
    models = ls_store_list_models (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (models->len, ==, 2);
  }

  /* predict with the active (recalibrated) model: one pneumonia and one
   * covid phantom, logged in the workspace. */
  {
    g_autoptr (JsonParser) pp = json_parser_new ();
    g_autofree char *a = g_build_filename (fx.phantoms, "pneumonia", "pneumonia-00001.png", NULL);
    g_autofree char *b = g_build_filename (fx.phantoms, "covid", "covid-00002.png", NULL);
    g_autofree char *pdf = g_build_filename (fx.tmp, "report.pdf", NULL);
    g_autofree char *bytes = NULL;
    const char *active = json_object_get_string_member (cal, "model_id");
    JsonNode *root;
    JsonArray *rows = NULL;
    gsize len = 0;

    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "predict", "--json", a, b), ==, 0);
    json_parser_load_from_data (pp, out, -1, NULL);
    root = json_parser_get_root (pp);
    g_assert_nonnull (root);
    rows = json_object_get_array_member (json_node_get_object (root), "predictions");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (root), "model"), "id"), ==, active);
    g_assert_nonnull (rows);
    g_assert_cmpuint (json_array_get_length (rows), ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "report", a, "--out", pdf), ==, 0);
    g_assert_true (g_file_get_contents (pdf, &bytes, &len, NULL));
    g_assert_true (len > 1000 && memcmp (bytes, "%PDF", 4) == 0);
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsStore) store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);

      g_assert_no_error (error);
      /* Two predictions and the report's. */
      g_assert_cmpuint (ls_store_count_predictions (store, active, &error), ==, 3);
      g_assert_no_error (error);
    }
  }
}

static char *
file_checksum (const char *path)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) bytes, len);
}

/* Relabel and retrain: six training images get another label; finetune
 * trains a child on them plus a replay sample, registers it without
 * activating it, records the parent, and leaves the parent's file as it
 * was. */
static void
test_finetune (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL, *parent = NULL, *parent_file = NULL, *before = NULL, *after = NULL;
  g_autofree char *child = NULL;
  const char *const names[] = { "normal", "pneumonia", "covid" };
  JsonObject *ft;
  guint relabelled = 0;

  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  {
    g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &error);

    if (active == NULL)
      {
        /* Run alone (-p): train the parent here, briefly; the end-to-end
         * case's model serves when it ran first. */
        g_autofree char *o = NULL, *e = NULL;

        g_clear_pointer (&store, ls_store_close);
        g_assert_cmpint (CLI (&o, &e, "-w", fx.ws, "train", "--arch", fx.arch, "--epochs", "4", "--batch", "16", "--lr", "0.01", "--no-augment", "--patience", "0", "--threads", "1", "--seed", "11"),
                         ==, 0);
        store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
        g_assert_no_error (error);
        active = ls_store_get_active_model (store, &error);
        g_assert_no_error (error);
        g_assert_nonnull (active);
      }
    parent = g_strdup (active->id);
    parent_file = g_build_filename (fx.ws, active->file, NULL);
  }
  before = file_checksum (parent_file);
  images = ls_store_list_images (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < images->len && relabelled < 6; i++)
    {
      const LsStoreImage *image = images->pdata[i];
      g_autofree char *o = NULL, *e = NULL;
      const char *to;

      if (ls_store_get_part (store, image->sha256, &error) != LS_SPLIT_TRAIN)
        continue;
      to = names[(relabelled + (strcmp (image->label, "normal") == 0 ? 1 : 0)) % 3];
      if (strcmp (to, image->label) == 0)
        to = names[(relabelled + 1) % 3];
      g_assert_cmpint (CLI (&o, &e, "-w", fx.ws, "label", image->sha256, to, "--note", "second reader"), ==, 0);
      relabelled++;
    }
  g_clear_pointer (&store, ls_store_close);

  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "finetune", "--epochs", "2", "--threads", "1", "--json"), ==, 0);
  g_test_message ("%s", err);
  ft = parse_object (parser, out);
  child = g_strdup (json_object_get_string_member (ft, "model_id"));
  g_assert_cmpstr (json_object_get_string_member (ft, "parent_id"), ==, parent);
  g_assert_cmpstr (child, !=, parent);
  g_assert_false (json_object_get_boolean_member (ft, "activated"));
  g_assert_cmpint (json_object_get_int_member (ft, "corrected"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (ft, "replay"), >, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ft, "epochs")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (ft, "corrected_images"), "images"), ==, 6);
  g_assert_true (json_object_has_member (json_object_get_object_member (ft, "test"), "after"));

  /* The parent is untouched and still active; the child knows its parent. */
  after = file_checksum (parent_file);
  g_assert_cmpstr (after, ==, before);
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  {
    g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &error);
    g_autoptr (LsStoreModel) row = ls_store_get_model (store, child, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (active->id, ==, parent);
    g_assert_cmpstr (row->parent_id, ==, parent);
  }
  g_clear_pointer (&store, ls_store_close);

  /* The child has seen every change: fine-tuning it again has nothing to do. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "finetune", "--from", child), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "nothing to fine-tune on"));

  /* Accept, then roll back to the parent. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "models", "promote", child), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (CLI (&out, &err, "-w", fx.ws, "models", "rollback"), ==, 0);
  g_assert_nonnull (strstr (out, parent));
}

/* Ctrl-C in the middle of a training: exit 130, the run is marked
 * cancelled with the epochs it finished, no model is registered and no
 * file is left in models/. */
static void
test_cancel (void)
{
  g_autofree char *models_dir = NULL, *err_path = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GPtrArray) before = NULL, after = NULL;
  g_autoptr (GDir) dir = NULL;
  guint n_files = 0;
  GPid pid;
  int status, err_fd;
  gint64 deadline;
  const char *name;

  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  before = ls_store_list_models (store, &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, ls_store_close);
  err_path = g_build_filename (fx.tmp, "cancel.err", NULL);
  {
    const char *argv[] = { g_getenv ("LS_CLI"), "-w", fx.ws, "train", "--arch", fx.arch, "--epochs", "1000", "--patience", "0", "--threads", "1", NULL };

    g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                             G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                             &pid, NULL, NULL, &err_fd, &error));
    g_assert_no_error (error);
  }
  /* Wait for the first finished epoch, then press Ctrl-C. */
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  {
    GString *text = g_string_new (NULL);
    char buf[256];

    while (strstr (text->str, "epoch") == NULL && g_get_monotonic_time () < deadline)
      {
        ssize_t n = read (err_fd, buf, sizeof buf);

        if (n <= 0)
          break;
        g_string_append_len (text, buf, n);
      }
    g_assert_nonnull (strstr (text->str, "epoch"));
    kill (pid, SIGINT);
    while (TRUE)
      {
        ssize_t n = read (err_fd, buf, sizeof buf);

        if (n <= 0)
          break;
        g_string_append_len (text, buf, n);
      }
    err = g_string_free (text, FALSE);
  }
  close (err_fd);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_test_message ("%s", err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  g_assert_nonnull (strstr (err, "cancelled"));

  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  after = ls_store_list_models (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, before->len);
  g_assert_cmpuint (ls_store_get_missing_files (store)->len, ==, 0);
  models_dir = g_build_filename (fx.ws, "models", NULL);
  dir = g_dir_open (models_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_test_message ("models/%s", name);
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, after->len);
  {
    /* The newest run is the cancelled one, with its finished epochs. */
    g_autofree char *db_path = g_build_filename (fx.ws, "lungscope.db", NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT status, model_id, (SELECT count(*) FROM run_epochs e WHERE e.run_id = r.id) FROM runs r ORDER BY started DESC LIMIT 1", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "cancelled");
    g_assert_cmpint (sqlite3_column_type (stmt, 1), ==, SQLITE_NULL);
    g_assert_cmpint (sqlite3_column_int (stmt, 2), >=, 1);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
}

int
main (int argc,
      char **argv)
{
  int rc;

  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/cli/pipeline/usage", test_usage);
  g_test_add_func ("/lungscope/cli/pipeline/end-to-end", test_end_to_end);
  g_test_add_func ("/lungscope/cli/pipeline/train-splits", test_train_splits);
  g_test_add_func ("/lungscope/cli/pipeline/finetune", test_finetune);
  g_test_add_func ("/lungscope/cli/pipeline/cancel", test_cancel);
  rc = g_test_run ();
  if (fx.tmp != NULL)
    remove_tree (fx.tmp);
  g_free (fx.tmp);
  g_free (fx.phantoms);
  g_free (fx.arch);
  g_free (fx.ws);
  g_free (fx.split_out);
  return rc;
}
