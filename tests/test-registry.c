/* test-registry.c — the model registry and lungscope-cli models
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/model.h"
#include "ls-test.h"
#include "pipeline/registry.h"
#include "store-test-util.h"

static const char spec[] = "input channels=1 size=8\n"
                           "conv name=c1 out=3 k=3 pad=1 bias=no\n"
                           "bn name=b1\n"
                           "relu cam=yes\n"
                           "gap\n"
                           "linear name=fc out=3\n";

static const char metrics[] = "{\"accuracy\":0.9,\"ece\":0.03,\"per_class\":[{\"class\":\"normal\",\"recall\":0.95},"
                              "{\"class\":\"pneumonia\",\"recall\":0.85},{\"class\":\"covid\",\"recall\":null}]}";

#define ID_A "01JDAAAAAAAAAAAAAAAAAAAAAA"
#define ID_B "01JDBBBBBBBBBBBBBBBBBBBBBB"
#define ID_C "01JDBCCCCCCCCCCCCCCCCCCCCC"

static void
put (GHashTable *meta,
     const char *key,
     const char *value)
{
  g_hash_table_insert (meta, g_strdup (key), g_strdup (value));
}

/* Writes a model file with a full card; @classes NULL = the workspace's. */
static char *
write_model (const char *dir,
             const char *id,
             const char *parent,
             const char *classes,
             guint64 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsNet) net = ls_net_new (spec, &error);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *name = g_strdup_printf ("%s-%" G_GUINT64_FORMAT ".safetensors", id, seed);
  char *path = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  ls_net_init_params (net, seed);
  put (meta, "model_id", id);
  put (meta, "parent_id", (parent != NULL ? parent : ""));
  put (meta, "name", "tiny test net");
  put (meta, "classes",
       (classes != NULL ? classes
                        : "[\"normal\",\"pneumonia\",\"covid\"]"));
  put (meta, "dataset_version",
       "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12");
  put (meta, "train_config", "{\"epochs\":3,\"seed\":7}");
  put (meta, "metrics", metrics);
  put (meta, "created", "2026-11-26T12:00:00Z");
  g_assert_true (ls_net_save (net, path, meta, NULL, 0, &error));
  g_assert_no_error (error);
  return path;
}

/* Rewrites @path with one metadata key changed. */
static void
set_card_key (const char *path,
              const char *key,
              const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = ls_safetensors_read (path, &error);

  g_assert_no_error (error);
  g_hash_table_insert (st->metadata, g_strdup (key), g_strdup (value));
  g_assert_true (ls_safetensors_write (path, st->metadata, st->tensors, st->n_tensors, &error));
  g_assert_no_error (error);
}

static LsStore *
new_workspace (const char *tmp)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ws = g_build_filename (tmp, "reg.lungscope", NULL);
  LsStore *store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  return store;
}

static guint
count_models (LsStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) models = ls_registry_list (store, &error);

  g_assert_no_error (error);
  return models->len;
}

static char *
registered_file (LsStore *store,
                 const char *id)
{
  g_autofree char *name = g_strconcat (id, ".safetensors", NULL);

  return g_build_filename (ls_store_get_path (store), "models", name, NULL);
}

static char *
active_id (LsStore *store)
{
  g_autoptr (LsStoreModel) m = ls_store_get_active_model (store, NULL);

  return m != NULL ? g_strdup (m->id) : NULL;
}

static void
test_lifecycle (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *b = write_model (tmp, ID_B, ID_A, NULL, 2);
  g_autofree char *c = write_model (tmp, ID_C, ID_B, NULL, 3);
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (LsModelCard) card = NULL;
  g_autofree char *id = NULL, *active = NULL, *fc = NULL;

  id = ls_registry_register (store, a, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_A);
  g_clear_pointer (&id, g_free);
  fc = registered_file (store, ID_A);
  g_assert_true (g_file_test (fc, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&fc, g_free);
  g_free (ls_registry_register (store, b, FALSE, &error));
  g_assert_no_error (error);
  g_free (ls_registry_register (store, c, FALSE, &error));
  g_assert_no_error (error);

  models = ls_registry_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 3);
  g_assert_cmpstr (((LsStoreModel *) models->pdata[0])->id, ==, ID_A);
  g_assert_true (((LsStoreModel *) models->pdata[0])->active);
  g_assert_cmpstr (((LsStoreModel *) models->pdata[1])->parent_id, ==, ID_A);
  g_assert_false (((LsStoreModel *) models->pdata[2])->active);
  g_assert_cmpstr (((LsStoreModel *) models->pdata[2])->parent_id, ==, ID_B);

  /* Prefixes: unique, ambiguous, unknown; NULL = the active model. */
  id = ls_registry_resolve (store, "01JDA", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_A);
  g_clear_pointer (&id, g_free);
  g_assert_null (ls_registry_resolve (store, "01JDB", &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_AMBIGUOUS);
  g_assert_nonnull (strstr (error->message, ID_B));
  g_clear_error (&error);
  g_assert_null (ls_registry_resolve (store, "zz", &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  id = ls_registry_resolve (store, NULL, &error);
  g_assert_cmpstr (id, ==, ID_A);
  g_clear_pointer (&id, g_free);

  /* The card. */
  card = ls_registry_show (store, ID_C, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (card->name, ==, "tiny test net");
  g_assert_cmpuint (g_strv_length (card->lineage), ==, 2);
  g_assert_cmpstr (card->lineage[0], ==, ID_B);
  g_assert_cmpstr (card->lineage[1], ==, ID_A);
  g_assert_cmpint (card->n_layers, ==, 5);
  g_assert_cmpuint (card->n_params, ==, 27 + 6 + 9 + 3);
  g_assert_cmpfloat_with_epsilon (card->accuracy, 0.9, 1e-9);
  g_assert_cmpfloat_with_epsilon (card->ece, 0.03, 1e-9);
  g_assert_cmpstr (card->recall_classes[1], ==, "pneumonia");
  g_assert_cmpfloat_with_epsilon (card->recall[1], 0.85, 1e-9);
  g_assert_true (isnan (card->recall[2]));
  g_assert_cmpstr (card->train_config, ==, "{\"epochs\":3,\"seed\":7}");
  g_assert_false (card->active);

  /* Promote and roll back along the lineage. */
  g_assert_true (ls_registry_promote (store, ID_C, &error));
  g_assert_no_error (error);
  active = active_id (store);
  g_assert_cmpstr (active, ==, ID_C);
  g_clear_pointer (&active, g_free);
  id = ls_registry_rollback (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_B);
  g_clear_pointer (&id, g_free);
  id = ls_registry_rollback (store, &error);
  g_assert_cmpstr (id, ==, ID_A);
  g_clear_pointer (&id, g_free);
  g_assert_null (ls_registry_rollback (store, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NO_PARENT);
  g_assert_nonnull (strstr (error->message, ID_A));
  g_clear_error (&error);
  active = active_id (store);
  g_assert_cmpstr (active, ==, ID_A);
  g_clear_pointer (&active, g_free);

  /* A model whose file is gone is not activated. */
  fc = registered_file (store, ID_C);
  g_assert_true (g_rename (fc, c) == 0);
  g_assert_false (ls_registry_promote (store, ID_C, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO);
  g_assert_nonnull (strstr (error->message, fc));
  g_clear_error (&error);
  g_assert_true (g_rename (c, fc) == 0);
  g_clear_pointer (&fc, g_free);

  /* Delete: never the active one, never a parent. */
  g_assert_false (ls_registry_delete (store, ID_A, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_ACTIVE);
  g_clear_error (&error);
  g_assert_false (ls_registry_delete (store, ID_B, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_HAS_CHILDREN);
  g_assert_nonnull (strstr (error->message, ID_C));
  g_clear_error (&error);
  fc = registered_file (store, ID_C);
  g_assert_true (ls_registry_delete (store, ID_C, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (fc, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_models (store), ==, 2);
  g_assert_true (ls_registry_delete (store, ID_B, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_models (store), ==, 1);
  /* A deleted model stays, marked: listed when asked, named by its full
   * id, never made active, shown, exported or deleted again. */
  g_assert_false (ls_registry_delete (store, ID_B, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED);
  g_assert_nonnull (strstr (error->message, ID_B));
  g_clear_error (&error);
  g_assert_false (ls_registry_delete (store, "nope", &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ls_registry_promote (store, ID_C, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED);
  g_assert_nonnull (strstr (error->message, "cannot activate model " ID_C));
  g_clear_error (&error);
  g_assert_null (ls_registry_show (store, ID_C, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED);
  g_clear_error (&error);
  g_assert_false (ls_registry_export (store, ID_C, c, TRUE, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED);
  g_clear_error (&error);
  active = active_id (store);
  g_assert_cmpstr (active, ==, ID_A);
  g_clear_pointer (&active, g_free);
  id = ls_registry_resolve (store, ID_C, &error);
  g_assert_cmpstr (id, ==, ID_C);
  g_clear_pointer (&id, g_free);
  /* "01JDB" names both deleted models: still ambiguous, and it names no
   * present model. */
  g_assert_null (ls_registry_resolve (store, "01JDB", &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_AMBIGUOUS);
  g_clear_error (&error);
  g_clear_pointer (&models, g_ptr_array_unref);
  models = ls_registry_list_full (store, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 3);
  g_assert_cmpint (((LsStoreModel *) models->pdata[0])->deleted, ==, 0);
  g_assert_cmpint (((LsStoreModel *) models->pdata[1])->deleted, >, 0);
  g_assert_cmpint (((LsStoreModel *) models->pdata[2])->deleted, >, 0);
  g_assert_cmpstr (((LsStoreModel *) models->pdata[2])->parent_id, ==, ID_B);
  /* Registering the file again restores the model, lineage included. */
  id = ls_registry_register (store, b, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_B);
  g_clear_pointer (&id, g_free);
  g_clear_pointer (&fc, g_free);
  fc = registered_file (store, ID_B);
  g_assert_true (g_file_test (fc, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&fc, g_free);
  g_assert_cmpuint (count_models (store), ==, 2);
  g_assert_true (ls_registry_promote (store, ID_B, &error));
  g_assert_no_error (error);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
}

static void
test_idempotent_and_conflict (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *a2 = write_model (tmp, ID_A, NULL, NULL, 99);
  g_autofree char *id = NULL, *active = NULL;

  /* No active model: nothing to roll back. */
  g_assert_null (ls_registry_rollback (store, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_free (ls_registry_register (store, a, FALSE, &error));
  g_assert_no_error (error);
  /* Same id, same bytes: nothing new, but --activate still activates. */
  id = ls_registry_register (store, a, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_A);
  g_assert_cmpuint (count_models (store), ==, 1);
  active = active_id (store);
  g_assert_cmpstr (active, ==, ID_A);
  /* Same id, other bytes. */
  g_assert_null (ls_registry_register (store, a2, FALSE, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, ID_A));
  g_assert_nonnull (strstr (error->message, a2));
  g_clear_error (&error);
  g_assert_cmpuint (count_models (store), ==, 1);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
}

static void
expect_refused (LsStore *store,
                const char *path,
                int code,
                const char *fragment)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (ls_registry_register (store, path, FALSE, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, fragment));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_bad_files (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autofree char *text = g_build_filename (tmp, "notes.safetensors", NULL);
  g_autofree char *fmt = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *ver = write_model (tmp, ID_A, NULL, NULL, 2);
  g_autofree char *cls = write_model (tmp, ID_A, NULL, "[\"normal\",\"covid\",\"pneumonia\"]", 3);
  g_autofree char *notarray = write_model (tmp, ID_A, NULL, "normal,covid", 4);
  g_autofree char *badid = write_model (tmp, ID_A, NULL, NULL, 5);
  g_autofree char *badmetrics = write_model (tmp, ID_A, NULL, NULL, 6);
  g_autofree char *badarch = write_model (tmp, ID_A, NULL, NULL, 7);
  g_autofree char *models_dir = NULL;
  g_autoptr (GDir) d = NULL;

  g_assert_true (g_file_set_contents (text, "just some text, no model", -1, NULL));
  set_card_key (fmt, "format", "someone-else");
  set_card_key (ver, "format_version", "2");
  set_card_key (badid, "model_id", "../../etc/passwd");
  set_card_key (badmetrics, "metrics", "[1, 2");
  set_card_key (badarch, "arch", "input channels=1 size=8\nconv name=c1 out=4 k=3 pad=1 bias=no\n"
                                 "bn name=b1\nrelu\ngap\nlinear name=fc out=3\n");

  expect_refused (store, text, LS_REGISTRY_ERROR_INVALID, "not a Lungscope model file");
  expect_refused (store, fmt, LS_REGISTRY_ERROR_INVALID, "someone-else");
  expect_refused (store, ver, LS_REGISTRY_ERROR_INVALID, "version “2”");
  expect_refused (store, cls, LS_REGISTRY_ERROR_CLASSES, "normal, covid, pneumonia");
  expect_refused (store, notarray, LS_REGISTRY_ERROR_INVALID, "classes");
  expect_refused (store, badid, LS_REGISTRY_ERROR_INVALID, "model_id");
  expect_refused (store, badmetrics, LS_REGISTRY_ERROR_INVALID, "metrics");
  expect_refused (store, badarch, LS_REGISTRY_ERROR_INVALID, "c1.weight");
  {
    g_autofree char *missing = g_build_filename (tmp, "absent.safetensors", NULL);

    expect_refused (store, missing, LS_REGISTRY_ERROR_IO, "absent");
  }
  /* Nothing registered, nothing copied. */
  g_assert_cmpuint (count_models (store), ==, 0);
  models_dir = g_build_filename (ls_store_get_path (store), "models", NULL);
  d = g_dir_open (models_dir, 0, NULL);
  g_assert_null (d != NULL ? g_dir_read_name (d) : NULL);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
}

static void
exec_sql (const char *db_path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* The file is in place before the row: an insert that fails after the copy
 * leaves the file and no row; a copy that fails leaves neither. */
static void
test_file_before_row (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *b = write_model (tmp, ID_B, NULL, NULL, 2);
  g_autofree char *db = g_build_filename (ls_store_get_path (store), "lungscope.db", NULL);
  g_autofree char *fa = registered_file (store, ID_A);
  g_autofree char *fb = registered_file (store, ID_B);
  g_autofree char *id = NULL;

  exec_sql (db, "CREATE TRIGGER fail_insert BEFORE INSERT ON models "
                "BEGIN SELECT RAISE (ABORT, 'injected failure'); END");
  g_assert_null (ls_registry_register (store, a, TRUE, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "injected failure"));
  g_clear_error (&error);
  g_assert_cmpuint (count_models (store), ==, 0);
  g_assert_true (g_file_test (fa, G_FILE_TEST_IS_REGULAR));
  exec_sql (db, "DROP TRIGGER fail_insert");
  /* The unregistered file left behind is taken over by the next attempt. */
  id = ls_registry_register (store, a, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, ID_A);
  g_assert_cmpuint (count_models (store), ==, 1);

  /* The destination cannot be written: no row. */
  g_assert_cmpint (g_mkdir (fb, 0755), ==, 0);
  g_assert_null (ls_registry_register (store, b, FALSE, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpuint (count_models (store), ==, 1);
  g_assert_true (g_file_test (fb, G_FILE_TEST_IS_DIR));
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
}

static void
test_export (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *b = write_model (tmp, ID_B, NULL, NULL, 2);
  g_autofree char *out = g_build_filename (tmp, "out.safetensors", NULL);
  g_autofree char *ca = NULL, *cout = NULL, *cb = NULL;
  gsize la, lout, lb;

  g_free (ls_registry_register (store, a, FALSE, &error));
  g_free (ls_registry_register (store, b, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (ls_registry_export (store, ID_A, out, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (out, &cout, &lout, NULL));
  g_assert_cmpmem (ca, la, cout, lout);
  g_clear_pointer (&cout, g_free);
  /* No overwrite without force; the file is untouched. */
  g_assert_false (ls_registry_export (store, ID_B, out, FALSE, &error));
  g_assert_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, out));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (out, &cout, &lout, NULL));
  g_assert_cmpmem (ca, la, cout, lout);
  g_clear_pointer (&cout, g_free);
  g_assert_true (ls_registry_export (store, ID_B, out, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  g_assert_true (g_file_get_contents (out, &cout, &lout, NULL));
  g_assert_cmpmem (cb, lb, cout, lout);
  /* No temp file left beside the export. */
  {
    g_autoptr (GDir) d = g_dir_open (tmp, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_false (g_str_has_prefix (name, ".out.safetensors."));
  }
  g_assert_false (ls_registry_export (store, "nope", out, TRUE, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
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

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* One line on stderr naming @what. */
static void
assert_one_line_error (const char *err,
                       const char *what)
{
  guint lines = 0;

  for (const char *p = err; *p; p++)
    lines += *p == '\n';
  g_assert_nonnull (strstr (err, what));
  g_assert_cmpuint (lines, ==, 1);
}

static void
test_cli (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (LsStore) store = new_workspace (tmp);
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *a = write_model (tmp, ID_A, NULL, NULL, 1);
  g_autofree char *b = write_model (tmp, ID_B, ID_A, NULL, 2);
  g_autofree char *c = write_model (tmp, ID_C, ID_B, NULL, 3);
  g_autofree char *text = g_build_filename (tmp, "notes.txt", NULL);
  g_autofree char *exported = g_build_filename (tmp, "exported.safetensors", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) list = NULL, card = NULL;
  JsonArray *array;
  JsonObject *object, *summary, *recall;

  g_clear_pointer (&store, ls_store_close);
  g_assert_true (g_file_set_contents (text, "not a model", -1, NULL));

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "add", a, "--activate", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "registered " ID_A " (active)\n");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "add", b, NULL), ==, 0);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "add", c, NULL), ==, 0);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "add", c, NULL), ==, 0);

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", "--json", NULL), ==, 0);
  list = parse_json (out);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  object = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, ID_A);
  g_assert_true (json_object_get_boolean_member (object, "active"));
  g_assert_true (json_object_get_null_member (object, "parent_id"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "accuracy"), 0.9, 1e-9);
  object = json_array_get_object_element (array, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "parent_id"), ==, ID_B);
  g_assert_false (json_object_get_boolean_member (object, "active"));

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "show", "01JDBC", "--json", NULL), ==, 0);
  card = parse_json (out);
  object = json_node_get_object (card);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, ID_C);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "tiny test net");
  array = json_object_get_array_member (object, "lineage");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, ID_A);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "network"),
                                               "parameters"),
                   ==, 45);
  g_assert_cmpint (json_object_get_int_member (
                       json_object_get_object_member (object, "train_config"), "epochs"),
                   ==, 3);
  summary = json_object_get_object_member (object, "summary");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (summary, "ece"), 0.03, 1e-9);
  recall = json_object_get_object_member (summary, "recall");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (recall, "pneumonia"), 0.85,
                                  1e-9);
  g_assert_true (json_object_get_null_member (recall, "covid"));

  /* Text card of the active model. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "show", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "model       " ID_A " (active)\n"));
  g_assert_nonnull (strstr (out, "lineage     none"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "* " ID_A));

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "promote", "01JDBC", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "active model: " ID_C "\n");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "rollback", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "active model: " ID_B "\n");

  /* Refusals: one line naming the model or file, exit 1; usage errors exit 2. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "delete", ID_B, NULL), ==, 1);
  assert_one_line_error (err, ID_B);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "delete", ID_A, NULL), ==, 1);
  assert_one_line_error (err, "parent of " ID_B);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "delete", "01JDB", NULL), ==, 1);
  assert_one_line_error (err, "several models");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "show", "nope", NULL), ==, 1);
  assert_one_line_error (err, "no model nope");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "add", text, NULL), ==, 1);
  assert_one_line_error (err, text);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "promote", NULL), ==, 2);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "frob", NULL), ==, 2);
  g_assert_cmpint (cli (&out, &err, "models", "list", NULL), ==, 2);

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "export", ID_A, exported, NULL), ==, 0);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "export", ID_C, exported, NULL), ==, 1);
  assert_one_line_error (err, "--force");
  g_assert_cmpint (
      cli (&out, &err, "-w", ws, "models", "export", ID_C, exported, "--force", NULL), ==, 0);
  {
    g_autofree char *cc = NULL, *ce = NULL;
    gsize lc, le;

    g_assert_true (g_file_get_contents (c, &cc, &lc, NULL));
    g_assert_true (g_file_get_contents (exported, &ce, &le, NULL));
    g_assert_cmpmem (cc, lc, ce, le);
  }

  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "delete", ID_C, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "deleted " ID_C "\n");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", "--json", NULL), ==, 0);
  g_clear_pointer (&list, json_node_unref);
  list = parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  /* --all lists it, marked. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", "--all", "--json", NULL), ==, 0);
  g_clear_pointer (&list, json_node_unref);
  list = parse_json (out);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  g_assert_true (json_object_get_null_member (json_array_get_object_element (array, 0), "deleted"));
  object = json_array_get_object_element (array, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, ID_C);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "deleted"), "20"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", "--all", NULL), ==, 0);
  g_assert_nonnull (strstr (out, ID_C));
  g_assert_nonnull (strstr (out, "DELETED 20"));
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "list", NULL), ==, 0);
  g_assert_null (strstr (out, ID_C));
  /* A deleted model cannot be made active: one clear line. */
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "promote", ID_C, NULL), ==, 1);
  assert_one_line_error (err, "deleted");
  g_assert_cmpint (cli (&out, &err, "-w", ws, "models", "delete", ID_C, NULL), ==, 1);
  assert_one_line_error (err, ID_C);
  ls_test_remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/registry/lifecycle", test_lifecycle);
  g_test_add_func ("/lungscope/pipeline/registry/idempotent", test_idempotent_and_conflict);
  g_test_add_func ("/lungscope/pipeline/registry/bad-files", test_bad_files);
  g_test_add_func ("/lungscope/pipeline/registry/file-before-row", test_file_before_row);
  g_test_add_func ("/lungscope/pipeline/registry/export", test_export);
  g_test_add_func ("/lungscope/pipeline/registry/cli", test_cli);
  return g_test_run ();
}
