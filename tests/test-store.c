/* test-store.c — the workspace store: open, schema, migrations, refusals,
 * read-only, labels with undo/redo, files beside the store, models
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "dataset/image-info.h"
#include "dataset/import.h"
#include "dataset/thumbnail.h"
#include "dataset/store-private.h"
#include "ls-test.h"
#include "store-test-util.h"

static int
db_int (const char *db_path,
        const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int value = -1;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
db_exec (const char *db_path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* Runs @sql with foreign keys on; returns SQLite's (primary) result code. */
static int
db_try_exec (const char *db_path,
             const char *sql)
{
  sqlite3 *db = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), ==, SQLITE_OK);
  rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_close (db);
  return rc & 0xff;
}

static char *
file_sha (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

/* A workspace with @n imported test images in class folders. */
static LsStore *
make_workspace (const char *tmp,
                guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autoptr (LsImportReport) report = NULL;
  const char *classes[] = { "normal", "pneumonia", "covid" };
  LsStore *store;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("img%03u.png", i);
      g_autofree char *path = g_build_filename (src, classes[i % 3], name, NULL);

      write_test_png (path, 1000 + i, 8);
    }
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  if (n > 0)
    {
      report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, NULL, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (report->added, ==, n);
    }
  return store;
}

static void
test_create (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_workspace (tmp, 0);
  g_autofree char *db = g_build_filename (ls_store_get_path (store), "lungscope.db", NULL);
  g_auto (GStrv) classes = ls_store_get_classes (store, &error);
  const char *dirs[] = { "images", "models", "runs", "cache" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *d = g_build_filename (ls_store_get_path (store), dirs[i], NULL);

      g_assert_true (g_file_test (d, G_FILE_TEST_IS_DIR));
    }
  g_assert_cmpuint (g_strv_length (classes), ==, 3);
  g_assert_cmpstr (classes[0], ==, "normal");
  g_assert_cmpstr (classes[1], ==, "pneumonia");
  g_assert_cmpstr (classes[2], ==, "covid");
  g_assert_false (ls_store_is_read_only (store));
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, LS_STORE_SCHEMA_VERSION);
  g_assert_cmpint (db_int (db, "PRAGMA application_id"), ==, LS_STORE_APPLICATION_ID);
  g_clear_pointer (&store, ls_store_close);
  /* WAL is persistent in the file header (bytes 18–19 are 2). */
  {
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (db, &contents, &len, NULL));
    g_assert_cmpuint (len, >=, 100);
    g_assert_cmpint (contents[18], ==, 2);
    g_assert_cmpint (contents[19], ==, 2);
  }
  /* Settings and classes persist. */
  {
    g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);

    store = ls_store_open (ws, 0, &error);
  }
  g_assert_no_error (error);
  g_assert_true (ls_store_set_setting (store, "k", "v", &error));
  g_assert_true (ls_store_add_class (store, "tuberculosis", &error));
  g_assert_false (ls_store_add_class (store, "a/b", &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&classes, g_strfreev);
  classes = ls_store_get_classes (store, &error);
  g_assert_cmpuint (g_strv_length (classes), ==, 4);
  g_assert_cmpstr (classes[3], ==, "tuberculosis");
  {
    g_autofree char *v = ls_store_get_setting (store, "k", &error);

    g_assert_cmpstr (v, ==, "v");
  }
  /* No workspace there, and no silent creation. */
  g_clear_pointer (&store, ls_store_close);
  {
    g_autofree char *nothing = g_build_filename (tmp, "nothing", NULL);

    store = ls_store_open (nothing, 0, &error);
  }
  g_assert_null (store);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  remove_tree (tmp);
}

/* Fills a database of schema @version (≥ 1) with the data every version
 * can hold: two images, four label events. */
static void
fill_old (const char *db)
{
  db_exec (db, "INSERT INTO images (sha256, path, byte_size, width, height, bit_depth, "
               "color_type, patient, added) VALUES "
               "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, 10, 4, 4, "
               "8, 'gray', 'p1', 1), "
               "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', NULL, 20, 5, 5, "
               "16, 'rgb', NULL, 2);"
               "INSERT INTO label_events (image_id, old_label, new_label, source, author, time, "
               "note) VALUES (1, NULL, 'covid', 'import', 'a', 1, NULL), "
               "(2, NULL, 'normal', 'import', 'a', 2, NULL), "
               "(1, 'covid', 'pneumonia', 'user', 'b', 3, 'second look'), "
               "(2, 'normal', 'covid', 'user', 'b', 4, NULL);"
               "INSERT INTO settings (key, value) VALUES ('old', 'yes');");
}

static void
test_migrations (void)
{
  /* From every older version, with data in it. */
  for (int from = 0; from < LS_STORE_SCHEMA_VERSION; from++)
    {
      g_autofree char *tmp = make_temp_dir ();
      g_autofree char *ws = g_build_filename (tmp, "old.lungscope", NULL);
      g_autofree char *db_path = g_build_filename (ws, "lungscope.db", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsStore) store = NULL;
      g_autofree char *label = NULL, *setting = NULL;
      g_autoptr (GPtrArray) history = NULL;
      sqlite3 *db = NULL;

      g_test_message ("migrating from version %d", from);
      g_assert_cmpint (g_mkdir_with_parents (ws, 0755), ==, 0);
      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      g_assert_true (ls_store_schema_migrate (db, db_path, 0, from, &error));
      g_assert_no_error (error);
      sqlite3_close (db);
      if (from >= 1)
        fill_old (db_path);
      /* Versions 2 and 3 logged predictions of workspace images only. */
      if (from >= 2 && from < 4)
        db_exec (db_path,
                 "UPDATE images SET original_name = 'a.png' WHERE id = 1;"
                 "INSERT INTO models (id, dataset_version, file, created, active) VALUES "
                 "('m-old', 'v', 'models/m-old.safetensors', 5, 1);"
                 "INSERT INTO predictions (image_id, model_id, probabilities, ood_score, "
                 "saliency_method, latency_ms, time) VALUES "
                 "(1, 'm-old', '{\"normal\":0.25,\"pneumonia\":0.25,\"covid\":0.5}', 1.5, "
                 "'gradcam', 12.5, 6), (2, 'm-old', '[1, 0, 0]', NULL, NULL, 3, 7);");
      /* Version 4 on names the file (the second row by its hash, as the
       * migration to 4 does without a name). */
      if (from >= 4)
        db_exec (db_path,
                 "UPDATE images SET original_name = 'a.png' WHERE id = 1;"
                 "INSERT INTO models (id, dataset_version, file, created, active) VALUES "
                 "('m-old', 'v', 'models/m-old.safetensors', 5, 1);"
                 "INSERT INTO predictions (sha256, name, image_id, model_id, probabilities, "
                 "predicted, ood_score, ood_flag, saliency_method, latency_ms, time) VALUES "
                 "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'a.png', 1, "
                 "'m-old', '{\"normal\":0.25,\"pneumonia\":0.25,\"covid\":0.5}', NULL, 1.5, 1, "
                 "'gradcam', 12.5, 6), "
                 "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', "
                 "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 2, 'm-old', "
                 "'[1, 0, 0]', 'normal', NULL, NULL, NULL, 3, 7);");

      store = ls_store_open (ws, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpint (db_int (db_path, "PRAGMA user_version"), ==, LS_STORE_SCHEMA_VERSION);
      if (from == 0)
        {
          g_assert_cmpuint (ls_store_count_images (store, &error), ==, 0);
          remove_tree (tmp);
          continue;
        }
      g_assert_cmpuint (ls_store_count_images (store, &error), ==, 2);
      /* Version 5's DICOM facts are unknown for older rows. */
      g_assert_cmpint (db_int (db_path, "SELECT count(*) FROM images WHERE modality IS NULL AND "
                                        "view_position IS NULL AND pixel_spacing_row IS NULL"),
                       ==, 2);
      if (from >= 2)
        {
          g_autoptr (GPtrArray) predictions = ls_store_list_predictions (store, NULL, NULL, &error);
          const LsStorePrediction *p;

          g_assert_no_error (error);
          g_assert_cmpuint (predictions->len, ==, 2);
          p = predictions->pdata[0];
          g_assert_cmpint (p->id, ==, 1);
          g_assert_cmpstr (p->sha256, ==,
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
          g_assert_cmpstr (p->name, ==, "a.png");
          g_assert_cmpint (p->image_id, ==, 1);
          g_assert_cmpstr (p->model_id, ==, "m-old");
          g_assert_cmpstr (p->probabilities_json, ==,
                           "{\"normal\":0.25,\"pneumonia\":0.25,\"covid\":0.5}");
          g_assert_null (p->predicted);
          g_assert_cmpfloat (p->ood_score, ==, 1.5);
          g_assert_cmpstr (p->saliency_method, ==, "gradcam");
          g_assert_cmpfloat (p->latency_ms, ==, 12.5);
          g_assert_cmpint (p->time, ==, 6);
          p = predictions->pdata[1];
          /* No name before version 4: the hash stands for it. */
          g_assert_cmpstr (p->name, ==, p->sha256);
          g_assert_cmpint (p->image_id, ==, 2);
          g_assert_true (isnan (p->ood_score));
          g_assert_null (p->saliency_method);
          /* Version 4's columns survive the rebuild of version 6. */
          if (from >= 4)
            {
              g_assert_cmpstr (p->predicted, ==, "normal");
              g_assert_true (((LsStorePrediction *) predictions->pdata[0])->ood_flag);
            }
          g_assert_cmpuint (ls_store_count_predictions (store, "m-old", &error), ==, 2);
          /* Version 6: deleting the model keeps its row, marked, and its
           * predictions; it cannot be made active again, and the rows
           * cannot be deleted behind the store's back either. */
          g_assert_true (ls_store_delete_model (store, "m-old", &error));
          g_assert_no_error (error);
          g_assert_cmpuint (ls_store_count_predictions (store, "m-old", &error), ==, 2);
          g_assert_cmpint (db_int (db_path, "SELECT count(*) FROM models WHERE deleted > 0"), ==, 1);
          g_assert_cmpint (db_int (db_path, "SELECT count(*) FROM models WHERE active = 1"), ==, 0);
          g_assert_false (ls_store_set_active_model (store, "m-old", &error));
          g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_DELETED);
          g_clear_error (&error);
          g_assert_cmpint (db_try_exec (db_path, "DELETE FROM models WHERE id = 'm-old'"), ==,
                           SQLITE_CONSTRAINT);
          g_assert_cmpint (db_try_exec (db_path, "UPDATE models SET active = 1"), ==,
                           SQLITE_CONSTRAINT);
          g_assert_cmpuint (ls_store_count_predictions (store, "m-old", &error), ==, 2);
        }
      /* Version 5: a cross-validation's out-of-fold rows, all or none. */
      {
        g_autoptr (GPtrArray) oof = NULL;
        g_autofree char *run_id = NULL;
        LsStoreOutOfFold rows[2] = {
          { (char *) "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 1, (char *) "pneumonia",
            (char *) "{\"normal\":0.1,\"pneumonia\":0.7,\"covid\":0.2}" },
          { (char *) "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 0, 0, (char *) "normal",
            (char *) "{}" },
        };

        oof = ls_store_latest_out_of_fold (store, &run_id, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (oof->len, ==, 0);
        g_assert_null (run_id);
        g_clear_pointer (&oof, g_ptr_array_unref);
        g_assert_true (ls_store_run_begin (store, "cv-1", NULL, "{\"kind\":\"crossval\"}", &error));
        /* An unknown image rolls the whole run back. */
        g_assert_false (ls_store_finish_crossval (store, "cv-1", rows, 2, &error));
        g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
        g_clear_error (&error);
        oof = ls_store_latest_out_of_fold (store, &run_id, &error);
        g_assert_cmpuint (oof->len, ==, 0);
        g_clear_pointer (&oof, g_ptr_array_unref);
        g_assert_true (ls_store_finish_crossval (store, "cv-1", rows, 1, &error));
        g_assert_no_error (error);
        oof = ls_store_latest_out_of_fold (store, &run_id, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (run_id, ==, "cv-1");
        g_assert_cmpuint (oof->len, ==, 1);
        g_assert_cmpint (((LsStoreOutOfFold *) oof->pdata[0])->image_id, ==, 1);
        g_assert_cmpint (((LsStoreOutOfFold *) oof->pdata[0])->fold, ==, 1);
        g_assert_cmpstr (((LsStoreOutOfFold *) oof->pdata[0])->label, ==, "pneumonia");
        g_assert_cmpstr (((LsStoreOutOfFold *) oof->pdata[0])->probabilities_json, ==, rows[0].probabilities_json);
      }
      label = ls_store_get_label (store, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                  &error);
      g_assert_cmpstr (label, ==, "pneumonia");
      setting = ls_store_get_setting (store, "old", &error);
      g_assert_cmpstr (setting, ==, "yes");
      history = ls_store_label_history (
          store, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &error);
      g_assert_cmpuint (history->len, ==, 2);
      g_assert_cmpint (((LsLabelEvent *) history->pdata[1])->kind, ==, LS_LABEL_KIND_SET);
      g_assert_cmpstr (((LsLabelEvent *) history->pdata[1])->note, ==, "second look");
      /* The old user events are on the undo stack of the new version. */
      g_assert_cmpint (ls_store_undo_label (store, "c", &error), >, 0);
      g_assert_no_error (error);
      g_clear_pointer (&label, g_free);
      label = ls_store_get_label (store, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                                  &error);
      g_assert_cmpstr (label, ==, "normal");
      /* The old rows were files the v1 schema did not track: reported missing,
       * never dropped. */
      {
        g_autoptr (GPtrArray) missing = ls_store_check_files (store, &error);

        g_assert_cmpuint (missing->len, ==, 2);
      }
      g_clear_pointer (&store, ls_store_close);
      remove_tree (tmp);
    }
}

static void
test_refusals (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autofree char *db = g_build_filename (ws, "lungscope.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  LsStore *store;

  /* Newer than the code: refused naming both versions, nothing written. */
  store = make_workspace (tmp, 0);
  ls_store_close (store);
  db_exec (db, "PRAGMA user_version = 99");
  before = file_sha (db);
  store = ls_store_open (ws, 0, &error);
  g_assert_null (store);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_TOO_NEW);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "99"));
  g_assert_nonnull (strstr (error->message, G_STRINGIFY (LS_STORE_SCHEMA_VERSION)));
  after = file_sha (db);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 99);
  g_clear_error (&error);

  /* Not an SQLite file at all. */
  g_assert_true (g_file_set_contents (db, "this is not a database, just text\n", -1, NULL));
  g_clear_pointer (&before, g_free);
  before = file_sha (db);
  store = ls_store_open (ws, 0, &error);
  g_assert_null (store);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE);
  g_test_message ("%s", error->message);
  g_clear_pointer (&after, g_free);
  after = file_sha (db);
  g_assert_cmpstr (before, ==, after);
  g_clear_error (&error);

  /* Another program's SQLite database: refused, not "migrated". */
  g_unlink (db);
  db_exec (db, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"
               "INSERT INTO photos (name) VALUES ('cat');");
  g_clear_pointer (&before, g_free);
  before = file_sha (db);
  store = ls_store_open (ws, 0, &error);
  g_assert_null (store);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE);
  g_test_message ("%s", error->message);
  g_clear_pointer (&after, g_free);
  after = file_sha (db);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 0);
  g_clear_error (&error);

  /* A folder without a db is not a workspace unless we create one. */
  g_unlink (db);
  store = ls_store_open (ws, 0, &error);
  g_assert_null (store);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE);
  remove_tree (tmp);
}

/* Read-only on request: SQLITE_OPEN_READONLY on purpose (works as root). */
static void
test_read_only_flag (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  LsStore *store = make_workspace (tmp, 3);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  g_autofree char *sha = g_strdup (((LsStoreImage *) images->pdata[0])->sha256);
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *label = NULL;

  ls_store_close (store);
  store = ls_store_open (ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (ls_store_is_read_only (store));
  g_assert_nonnull (ls_store_get_read_only_reason (store));
  label = ls_store_get_label (store, sha, &error);
  g_assert_no_error (error);
  g_assert_nonnull (label);
  g_assert_cmpint (ls_store_set_label (store, sha, "covid", LS_LABEL_SOURCE_USER, "t", NULL, &error),
                   ==, 0);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (ls_store_set_setting (store, "x", "y", &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (ls_store_can_undo (store));
  ls_store_close (store);
  remove_tree (tmp);
}

/* A workspace on a read-only medium: store-tool runs in a private mount
 * namespace where the workspace is bind-mounted read-only (root in CI
 * ignores file modes, but not a read-only mount); without the privilege
 * for that, as an unprivileged user (setpriv) on a chmod'ed folder. */
static void
test_read_only_medium (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  LsStore *store = make_workspace (tmp, 3);
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *tool = ls_test_build_path ("tests", "store-tool", NULL);
  g_autofree char *script = NULL, *out = NULL, *err = NULL;
  g_autofree char *shm = g_strconcat (ws, "/lungscope.db-shm", NULL);
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  int status = -1;

  ls_store_close (store);
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS)); /* a clean close removes it */
  script = g_strdup_printf ("mount --bind -o ro '%s' '%s' && exec '%s' ro-check '%s'", ws, ws,
                            tool, ws);
  if (unshare != NULL)
    {
      const char *argv[] = { unshare, "-m", "/bin/sh", "-c", script, NULL };

      g_assert_true (ls_test_run (argv, &out, &err, &status));
    }
  if (status != 0 && getuid () == 0 && setpriv != NULL)
    {
      /* No mount namespace: try as an unprivileged user. */
      const char *argv[] = { setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                             tool, "ro-check", ws, NULL };

      g_test_message ("unshare: %s", err);
      g_chmod (tmp, 0755);
      g_chmod (ws, 0555);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_true (ls_test_run (argv, &out, &err, &status));
      g_chmod (ws, 0755);
    }
  if (status != 0)
    {
      g_test_message ("store-tool: %s %s", out, err);
      g_test_skip ("cannot make a read-only medium here (no mount namespace, no setpriv)");
      remove_tree (tmp);
      return;
    }
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "read_only=1"));
  g_assert_nonnull (strstr (out, "immutable=1"));
  g_assert_nonnull (strstr (out, "images=3"));
  g_assert_nonnull (strstr (out, "write=refused"));
  remove_tree (tmp);
}

static void
test_labels_undo_redo (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_workspace (tmp, 3);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  const char *a = NULL, *b = NULL;
  g_autofree char *a0 = NULL;
  g_autofree char *b0 = NULL;
  g_autoptr (GPtrArray) history = NULL;
  gint64 e1, e2, e3, u, r;
  char *l;

  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];

      if (g_str_equal (im->label, "normal"))
        a = im->sha256;
      if (g_str_equal (im->label, "pneumonia"))
        b = im->sha256;
    }
  a0 = ls_store_get_label (store, a, &error);
  b0 = ls_store_get_label (store, b, &error);
  {
  }
  g_assert_cmpstr (a0, ==, "normal");
  g_assert_cmpstr (b0, ==, "pneumonia");
  g_assert_false (ls_store_can_undo (store)); /* import events are not undone */
  e1 = ls_store_set_label (store, a, "covid", LS_LABEL_SOURCE_USER, "ann", "looks like GGO", &error);
  g_assert_no_error (error);
  e2 = ls_store_set_label (store, b, "normal", LS_LABEL_SOURCE_USER, "ann", NULL, &error);
  e3 = ls_store_set_label (store, a, "pneumonia", LS_LABEL_SOURCE_USER, "bob", NULL, &error);
  g_assert_cmpint (e1, <, e2);
  g_assert_cmpint (e2, <, e3);
  /* Setting the same label again writes nothing. */
  g_assert_cmpint (ls_store_set_label (store, a, "pneumonia", LS_LABEL_SOURCE_USER, "bob", NULL,
                                       &error),
                   ==, e3);
  /* Unknown class and unknown image. */
  g_assert_cmpint (ls_store_set_label (store, a, "flu", LS_LABEL_SOURCE_USER, "x", NULL, &error), ==,
                   0);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (ls_store_set_label (store, "0000000000000000000000000000000000000000000000000000000000000000",
                                       "covid", LS_LABEL_SOURCE_USER, "x", NULL, &error),
                   ==, 0);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Undo e3, e2; redo e2; a new set clears the redo stack. */
  g_assert_true (ls_store_can_undo (store));
  u = ls_store_undo_label (store, "bob", &error);
  g_assert_cmpint (u, >, e3);
  l = ls_store_get_label (store, a, &error);
  g_assert_cmpstr (l, ==, "covid");
  g_free (l);
  ls_store_undo_label (store, "bob", &error);
  l = ls_store_get_label (store, b, &error);
  g_assert_cmpstr (l, ==, "pneumonia");
  g_free (l);
  g_assert_true (ls_store_can_redo (store));
  r = ls_store_redo_label (store, "bob", &error);
  g_assert_cmpint (r, >, 0);
  l = ls_store_get_label (store, b, &error);
  g_assert_cmpstr (l, ==, "normal");
  g_free (l);
  r = ls_store_redo_label (store, "bob", &error);
  l = ls_store_get_label (store, a, &error);
  g_assert_cmpstr (l, ==, "pneumonia");
  g_free (l);
  g_assert_false (ls_store_can_redo (store));
  g_assert_cmpint (ls_store_redo_label (store, "bob", &error), ==, 0);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOTHING_TO_UNDO);
  g_clear_error (&error);
  /* Undo the redo, then set: redo is gone. */
  ls_store_undo_label (store, "bob", &error);
  g_assert_true (ls_store_can_redo (store));
  ls_store_set_label (store, b, "covid", LS_LABEL_SOURCE_USER, "ann", NULL, &error);
  g_assert_false (ls_store_can_redo (store));
  /* Undo all the way down: back to the import labels, then nothing. */
  while (ls_store_can_undo (store))
    g_assert_cmpint (ls_store_undo_label (store, "z", &error), >, 0);
  l = ls_store_get_label (store, a, &error);
  g_assert_cmpstr (l, ==, "normal");
  g_free (l);
  l = ls_store_get_label (store, b, &error);
  g_assert_cmpstr (l, ==, "pneumonia");
  g_free (l);
  g_assert_cmpint (ls_store_undo_label (store, "z", &error), ==, 0);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOTHING_TO_UNDO);
  g_clear_error (&error);

  /* The full history is kept: import, 2 sets, undo, redo, undo, undo … */
  history = ls_store_label_history (store, a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, >=, 6);
  g_assert_cmpint (((LsLabelEvent *) history->pdata[0])->source, ==, LS_LABEL_SOURCE_IMPORT);
  g_assert_cmpstr (((LsLabelEvent *) history->pdata[1])->note, ==, "looks like GGO");
  g_assert_cmpstr (((LsLabelEvent *) history->pdata[1])->author, ==, "ann");
  for (guint i = 1; i < history->len; i++)
    {
      LsLabelEvent *prev = history->pdata[i - 1], *ev = history->pdata[i];

      g_assert_cmpstr (ev->old_label, ==, prev->new_label);
      g_assert_cmpint (ev->id, >, prev->id);
    }
  /* Label events are never changed in place. */
  {
    g_autofree char *db = g_build_filename (ls_store_get_path (store), "lungscope.db", NULL);
    sqlite3 *raw = NULL;

    g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (raw, "UPDATE label_events SET new_label = 'covid'", NULL, NULL,
                                   NULL),
                     !=, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (raw, "DELETE FROM label_events", NULL, NULL, NULL), !=,
                     SQLITE_OK);
    sqlite3_close (raw);
  }
  /* Unlabel. */
  g_assert_cmpint (ls_store_set_label (store, a, NULL, LS_LABEL_SOURCE_USER, "ann", NULL, &error),
                   >, 0);
  l = ls_store_get_label (store, a, &error);
  g_assert_null (l);
  g_assert_no_error (error);
  remove_tree (tmp);
}

static void
test_files (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  LsStore *store = make_workspace (tmp, 3);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  LsStoreImage *first = images->pdata[0];
  g_autofree char *ws = g_strdup (ls_store_get_path (store));
  g_autofree char *stored = ls_store_image_file (store, first);
  g_autofree char *orphan_tmp = g_build_filename (ws, "images", "ab", ".tmp-12345", NULL);
  g_autofree char *orphan = g_build_filename (
      ws, "images", "ab", "ab00000000000000000000000000000000000000000000000000000000000000", NULL);
  g_autofree char *model_tmp = g_build_filename (ws, "models", ".tmp-abc", NULL);
  g_autofree char *thumb_tmp = g_build_filename (ws, "cache", "thumbs", "ab", ".tmp-Q1w2E3", NULL);
  g_autofree char *thumb = g_build_filename (ws, "cache", "thumbs", "ab", "ab01.png", NULL);
  g_autofree char *rel = ls_store_image_relpath (first->sha256);
  g_autoptr (GPtrArray) missing = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *sha = NULL;

  /* Stored content-addressed, byte for byte. */
  g_assert_cmpstr (first->path, ==, rel);
  g_assert_true (g_str_has_prefix (first->path, "images/"));
  sha = file_sha (stored);
  g_assert_cmpstr (sha, ==, first->sha256);
  bytes = ls_store_read_image_bytes (store, first, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_bytes_get_size (bytes), ==, first->byte_size);
  g_assert_cmpint (first->width, ==, 8);
  g_assert_cmpint (first->height, ==, 8);
  g_assert_cmpint (first->bit_depth, ==, 8);
  g_assert_cmpint (first->format, ==, LS_IMAGE_FORMAT_PNG);
  ls_store_close (store);

  /* Orphans of a crash are removed at open. */
  {
    g_autofree char *dir = g_path_get_dirname (orphan_tmp);

    g_autofree char *thumb_dir = g_path_get_dirname (thumb_tmp);

    g_mkdir_with_parents (dir, 0755);
    g_mkdir_with_parents (thumb_dir, 0755);
  }
  /* issue 16: a thumbnail's temp file left by a killed import */
  g_assert_true (g_file_set_contents (thumb_tmp, "half a thumbnail", -1, NULL));
  g_assert_true (g_file_set_contents (thumb, "a thumbnail", -1, NULL));
  g_assert_true (g_file_set_contents (orphan_tmp, "half", -1, NULL));
  g_assert_true (g_file_set_contents (orphan, "unregistered", -1, NULL));
  g_assert_true (g_file_set_contents (model_tmp, "half a model", -1, NULL));
  store = ls_store_open (ws, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_store_get_orphans_removed (store), ==, 4);
  g_assert_false (g_file_test (thumb_tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (thumb, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (orphan_tmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (model_tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (stored, G_FILE_TEST_EXISTS));
  missing = ls_store_check_files (store, &error);
  g_assert_cmpuint (missing->len, ==, 0);
  ls_store_close (store);

  /* A missing file is reported, and its row kept. */
  g_unlink (stored);
  store = ls_store_open (ws, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_store_get_missing_files (store)->len, ==, 1);
  g_clear_pointer (&missing, g_ptr_array_unref);
  missing = ls_store_check_files (store, &error);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpstr (((LsStoreMissingFile *) missing->pdata[0])->sha256, ==, first->sha256);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, 3);
  g_assert_null (ls_store_read_image_bytes (store, first, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A changed file is caught by its hash. */
  g_assert_true (g_file_set_contents (stored, "not the same bytes", -1, NULL));
  g_assert_null (ls_store_read_image_bytes (store, first, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  /* Lookup by prefix. */
  {
    g_autofree char *prefix = g_strndup (first->sha256, 10);
    g_autoptr (LsStoreImage) found = ls_store_find_image (store, prefix, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (found->sha256, ==, first->sha256);
  }
  ls_store_close (store);
  remove_tree (tmp);
}

static void
test_models (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_workspace (tmp, 3);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  const char *sha = ((LsStoreImage *) images->pdata[0])->sha256;
  g_autofree char *f1 = g_build_filename (ls_store_get_path (store), "models", "m1.safetensors", NULL);
  g_autofree char *f2 = g_build_filename (ls_store_get_path (store), "models", "m2.safetensors", NULL);
  g_autoptr (LsStoreModel) active = NULL;
  g_autoptr (GPtrArray) epochs = NULL;

  /* No file, no row. */
  g_assert_false (ls_store_add_model (store, "m1", NULL, "v", NULL, TRUE, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ls_store_add_model (store, "../evil", NULL, "v", NULL, TRUE, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (f1, "model one", -1, NULL));
  g_assert_true (g_file_set_contents (f2, "model two", -1, NULL));
  g_assert_true (ls_store_add_model (store, "m1", NULL, "v1", "{\"accuracy\": 0.9}", TRUE, &error));
  g_assert_true (ls_store_add_model (store, "m2", "m1", "v2", NULL, TRUE, &error));
  g_assert_no_error (error);
  active = ls_store_get_active_model (store, &error);
  g_assert_cmpstr (active->id, ==, "m2");
  g_assert_cmpstr (active->parent_id, ==, "m1");
  g_assert_true (ls_store_set_active_model (store, "m1", &error));
  g_clear_pointer (&active, ls_store_model_free);
  active = ls_store_get_active_model (store, &error);
  g_assert_cmpstr (active->id, ==, "m1");
  g_assert_cmpstr (active->metrics_json, ==, "{\"accuracy\": 0.9}");

  g_assert_true (ls_store_add_prediction (store, sha, "m2", "[0.1, 0.2, 0.7]", 0.3, "gradcam", 2.5,
                                          &error));
  g_assert_cmpuint (ls_store_count_predictions (store, "m2", &error), ==, 1);
  /* Any file can be logged: by hash and name, linked to the workspace image
   * with the same bytes when there is one. */
  {
    g_autoptr (GPtrArray) list = NULL;
    LsStorePrediction p = { 0 };
    const LsStorePrediction *q;
    char other[65];

    memset (other, 'e', 64);
    other[64] = '\0';
    p.sha256 = other;
    p.name = (char *) "/tmp/elsewhere.png";
    p.model_id = (char *) "m1";
    p.probabilities_json = (char *) "{\"normal\":0.5,\"pneumonia\":0.3,\"covid\":0.2}";
    p.predicted = (char *) "normal";
    p.ood_score = NAN;
    p.latency_ms = 4.0;
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
    g_assert_no_error (error);
    p.sha256 = (char *) sha;
    p.name = (char *) "copy-of-first.png";
    p.ood_score = 7.5;
    p.ood_flag = TRUE;
    p.saliency_method = (char *) "smoothgrad";
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
    g_assert_no_error (error);
    /* Refused: a model that is not registered, a hash that is not one. */
    p.model_id = (char *) "nobody";
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), ==, 0);
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    p.model_id = (char *) "m1";
    p.sha256 = (char *) "abc";
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), ==, 0);
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
    g_clear_error (&error);

    list = ls_store_list_predictions (store, "m1", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 2);
    q = list->pdata[0];
    g_assert_cmpstr (q->sha256, ==, other);
    g_assert_cmpstr (q->name, ==, "/tmp/elsewhere.png");
    g_assert_cmpint (q->image_id, ==, 0);
    g_assert_cmpstr (q->predicted, ==, "normal");
    g_assert_true (isnan (q->ood_score));
    g_assert_false (q->ood_flag);
    g_assert_null (q->saliency_method);
    g_assert_cmpfloat (q->latency_ms, ==, 4.0);
    g_assert_cmpint (q->time, >, 0);
    q = list->pdata[1];
    g_assert_cmpint (q->image_id, >, 0);
    g_assert_cmpfloat (q->ood_score, ==, 7.5);
    g_assert_true (q->ood_flag);
    g_assert_cmpstr (q->saliency_method, ==, "smoothgrad");
    g_clear_pointer (&list, g_ptr_array_unref);
    list = ls_store_list_predictions (store, NULL, sha, &error);
    g_assert_cmpuint (list->len, ==, 2);
    g_assert_cmpstr (((LsStorePrediction *) list->pdata[0])->model_id, ==, "m2");
    g_assert_cmpstr (((LsStorePrediction *) list->pdata[0])->name, ==,
                     ((LsStoreImage *) images->pdata[0])->original_name);
    g_assert_cmpstr (((LsStorePrediction *) list->pdata[1])->model_id, ==, "m1");
  }
  g_assert_true (ls_store_run_begin (store, "run1", "m1", "{\"epochs\": 2}", &error));
  g_assert_true (ls_store_run_add_epoch (store, "run1", 1, "{\"loss\": 1.0}", &error));
  g_assert_true (ls_store_run_add_epoch (store, "run1", 2, "{\"loss\": 0.5}", &error));
  g_assert_false (ls_store_run_add_epoch (store, "run1", 2, "{\"loss\": 0.4}", &error));
  g_clear_error (&error);
  g_assert_true (ls_store_run_finish (store, "run1", "done", "m2", &error));
  epochs = ls_store_run_epochs (store, "run1", &error);
  g_assert_cmpuint (epochs->len, ==, 2);
  g_assert_cmpstr (epochs->pdata[1], ==, "{\"loss\": 0.5}");

  /* A parent with a child cannot go; the child can: row first, then file. */
  g_assert_false (ls_store_delete_model (store, "m1", &error));
  g_clear_error (&error);
  g_assert_true (ls_store_delete_model (store, "m2", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f2, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (f1, G_FILE_TEST_EXISTS));
  /* Deleting keeps the row, marked, and the predictions logged with it. */
  g_assert_cmpuint (ls_store_count_predictions (store, "m2", &error), ==, 1);
  {
    g_autoptr (GPtrArray) present = ls_store_list_models (store, &error);
    g_autoptr (GPtrArray) all = ls_store_list_models_full (store, TRUE, &error);
    g_autoptr (LsStoreModel) m2 = ls_store_get_model (store, "m2", &error);
    g_autoptr (GPtrArray) runs = ls_store_list_runs (store, &error);
    LsStorePrediction p = { 0 };

    g_assert_no_error (error);
    g_assert_cmpuint (present->len, ==, 1);
    g_assert_cmpstr (((LsStoreModel *) present->pdata[0])->id, ==, "m1");
    g_assert_cmpuint (all->len, ==, 2);
    g_assert_cmpint (((LsStoreModel *) all->pdata[0])->deleted, ==, 0);
    g_assert_cmpint (((LsStoreModel *) all->pdata[1])->deleted, >, 0);
    g_assert_cmpint (m2->deleted, >, 0);
    g_assert_cmpstr (m2->parent_id, ==, "m1");
    g_assert_false (m2->active);
    /* Its run still names it. */
    g_assert_cmpuint (runs->len, ==, 1);
    g_assert_cmpstr (((LsStoreRun *) runs->pdata[0])->model_id, ==, "m2");
    g_assert_cmpstr (((LsStoreRun *) runs->pdata[0])->status, ==, "done");
    g_assert_cmpint (((LsStoreRun *) runs->pdata[0])->finished, >, 0);
    /* Not twice, never active, no new predictions. */
    g_assert_false (ls_store_delete_model (store, "m2", &error));
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_DELETED);
    g_clear_error (&error);
    g_assert_false (ls_store_set_active_model (store, "m2", &error));
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_DELETED);
    g_assert_nonnull (strstr (error->message, "m2"));
    g_clear_error (&error);
    p.sha256 = (char *) sha;
    p.name = (char *) "x.png";
    p.model_id = (char *) "m2";
    p.probabilities_json = (char *) "[1, 0, 0]";
    p.ood_score = NAN;
    g_assert_cmpint (ls_store_log_prediction (store, &p, &error), ==, 0);
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    /* Its parent can go now that its child is deleted. */
    g_assert_true (ls_store_delete_model (store, "m1", &error));
    g_assert_no_error (error);
    g_assert_false (g_file_test (f1, G_FILE_TEST_EXISTS));
    g_assert_null (ls_store_get_active_model (store, &error));
    g_assert_no_error (error);
  }
  /* Registering a deleted id again restores its row in place. */
  g_assert_true (g_file_set_contents (f2, "model two", -1, NULL));
  g_assert_true (ls_store_add_model (store, "m2", "m1", "v3", NULL, FALSE, &error));
  g_assert_no_error (error);
  {
    g_autoptr (LsStoreModel) m2 = ls_store_get_model (store, "m2", &error);

    g_assert_cmpint (m2->deleted, ==, 0);
    g_assert_cmpstr (m2->dataset_version, ==, "v3");
    g_assert_cmpuint (ls_store_count_predictions (store, "m2", &error), ==, 1);
  }
  /* A present id is not registered twice. */
  g_assert_false (ls_store_add_model (store, "m2", NULL, "v4", NULL, FALSE, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  /* A crash between the row and the file: the next open removes the file
   * of the deleted model. */
  {
    g_autofree char *ws = g_strdup (ls_store_get_path (store));
    g_autofree char *db = g_build_filename (ws, "lungscope.db", NULL);

    db_exec (db, "UPDATE models SET deleted = 1 WHERE id = 'm2'");
    g_assert_true (g_file_test (f2, G_FILE_TEST_EXISTS));
    g_clear_pointer (&store, ls_store_close);
    store = ls_store_open (ws, 0, &error);
    g_assert_no_error (error);
    g_assert_false (g_file_test (f2, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (ls_store_get_orphans_removed (store), ==, 1);
  }
  remove_tree (tmp);
}

/* The latest prediction of every image in one query: the newest row per
 * image whatever the model (or of one model), images without one left out,
 * a prediction logged before its file was imported linked to the image. */
static void
test_latest_predictions (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_workspace (tmp, 4);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  g_autofree char *f1 = g_build_filename (ls_store_get_path (store), "models", "m1.safetensors", NULL);
  g_autofree char *f2 = g_build_filename (ls_store_get_path (store), "models", "m2.safetensors", NULL);
  g_autofree char *late_dir = g_build_filename (tmp, "late", NULL);
  g_autofree char *late_png = g_build_filename (late_dir, "late.png", NULL);
  g_autofree char *late_sha = NULL;
  g_autoptr (GPtrArray) latest = NULL;
  g_autoptr (LsImportReport) report = NULL;
  const LsStoreImage *im[4];
  const LsStorePrediction *q;
  LsStorePrediction p = { 0 };

  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    im[i] = images->pdata[i];
  g_assert_true (g_file_set_contents (f1, "model one", -1, NULL));
  g_assert_true (g_file_set_contents (f2, "model two", -1, NULL));
  g_assert_true (ls_store_add_model (store, "m1", NULL, "v1", NULL, TRUE, &error));
  g_assert_true (ls_store_add_model (store, "m2", "m1", "v2", NULL, FALSE, &error));
  g_assert_no_error (error);

  /* Empty before anything was logged. */
  latest = ls_store_latest_predictions (store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (latest->len, ==, 0);
  g_clear_pointer (&latest, g_ptr_array_unref);

  /* Image 2 first (m1, then m2), image 0 by m2 then m1; image 1 never;
   * image 3 once, by m1. */
  p.ood_score = NAN;
  p.latency_ms = NAN;
  p.sha256 = im[2]->sha256;
  p.name = (char *) "two.png";
  p.model_id = (char *) "m1";
  p.probabilities_json = (char *) "{\"normal\":0.2,\"pneumonia\":0.7,\"covid\":0.1}";
  p.predicted = (char *) "pneumonia";
  g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
  p.model_id = (char *) "m2";
  p.probabilities_json = (char *) "{\"normal\":0.1,\"pneumonia\":0.1,\"covid\":0.8}";
  p.predicted = (char *) "covid";
  p.ood_score = 9.0;
  p.ood_flag = TRUE;
  g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
  g_assert_true (ls_store_add_prediction (store, im[0]->sha256, "m2", "[0.6, 0.3, 0.1]", NAN, NULL,
                                          NAN, &error));
  g_assert_true (ls_store_add_prediction (store, im[0]->sha256, "m1", "[0.9, 0.05, 0.05]", 1.0,
                                          "gradcam", 3.0, &error));
  g_assert_true (ls_store_add_prediction (store, im[3]->sha256, "m1", "[0.3, 0.3, 0.4]", NAN, NULL,
                                          NAN, &error));
  g_assert_no_error (error);

  latest = ls_store_latest_predictions (store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (latest->len, ==, 3);
  q = latest->pdata[0]; /* import order: image 0, 2, 3 */
  g_assert_cmpstr (q->sha256, ==, im[0]->sha256);
  g_assert_cmpint (q->image_id, ==, im[0]->id);
  g_assert_cmpstr (q->model_id, ==, "m1");
  g_assert_cmpstr (q->probabilities_json, ==, "[0.9, 0.05, 0.05]");
  g_assert_cmpstr (q->saliency_method, ==, "gradcam");
  g_assert_cmpfloat (q->ood_score, ==, 1.0);
  q = latest->pdata[1];
  g_assert_cmpstr (q->sha256, ==, im[2]->sha256);
  g_assert_cmpstr (q->model_id, ==, "m2");
  g_assert_cmpstr (q->predicted, ==, "covid");
  g_assert_true (q->ood_flag);
  g_assert_cmpstr (q->name, ==, "two.png");
  q = latest->pdata[2];
  g_assert_cmpstr (q->sha256, ==, im[3]->sha256);
  g_assert_true (isnan (q->ood_score));
  g_assert_false (q->ood_flag);
  g_clear_pointer (&latest, g_ptr_array_unref);

  /* One model's latest only. */
  latest = ls_store_latest_predictions (store, "m2", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (latest->len, ==, 2);
  g_assert_cmpstr (((LsStorePrediction *) latest->pdata[0])->probabilities_json, ==,
                   "[0.6, 0.3, 0.1]");
  g_assert_cmpstr (((LsStorePrediction *) latest->pdata[1])->sha256, ==, im[2]->sha256);
  g_clear_pointer (&latest, g_ptr_array_unref);

  /* One image only; an image without a prediction gives an empty list. */
  latest = ls_store_latest_predictions (store, NULL, im[2]->sha256, &error);
  g_assert_cmpuint (latest->len, ==, 1);
  g_assert_cmpstr (((LsStorePrediction *) latest->pdata[0])->model_id, ==, "m2");
  g_clear_pointer (&latest, g_ptr_array_unref);
  latest = ls_store_latest_predictions (store, NULL, im[1]->sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (latest->len, ==, 0);
  g_clear_pointer (&latest, g_ptr_array_unref);

  /* A file predicted before it was imported: linked once it is. */
  write_test_png (late_png, 4242, 8);
  {
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (late_png, &contents, &len, NULL));
    late_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  }
  p.sha256 = late_sha;
  p.name = late_png;
  p.model_id = (char *) "m1";
  g_assert_cmpint (ls_store_log_prediction (store, &p, &error), >, 0);
  latest = ls_store_latest_predictions (store, NULL, late_sha, &error);
  g_assert_cmpuint (latest->len, ==, 0);
  g_clear_pointer (&latest, g_ptr_array_unref);
  report = ls_store_import (store, LS_IMPORT_UNLABELLED, late_dir, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->added, ==, 1);
  latest = ls_store_latest_predictions (store, NULL, NULL, &error);
  g_assert_cmpuint (latest->len, ==, 4);
  q = latest->pdata[3];
  g_assert_cmpstr (q->sha256, ==, late_sha);
  g_assert_cmpint (q->image_id, >, im[3]->id);
  remove_tree (tmp);
}

/* Two connections (as two threads would have): the second writer waits for
 * the first's lock instead of failing, and readers see committed data. */
static void
test_two_connections (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) a = make_workspace (tmp, 3);
  g_autoptr (LsStore) b = ls_store_open (ls_store_get_path (a), 0, &error);
  g_autoptr (GPtrArray) images = ls_store_list_images (a, &error);
  const char *sha = ((LsStoreImage *) images->pdata[2])->sha256;
  g_autofree char *seen = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (ls_store_set_label (a, sha, "normal", LS_LABEL_SOURCE_USER, "a", NULL, &error), >,
                   0);
  seen = ls_store_get_label (b, sha, &error);
  g_assert_cmpstr (seen, ==, "normal");
  g_assert_cmpint (ls_store_set_label (b, sha, "covid", LS_LABEL_SOURCE_USER, "b", NULL, &error), >,
                   0);
  g_clear_pointer (&seen, g_free);
  seen = ls_store_get_label (a, sha, &error);
  g_assert_cmpstr (seen, ==, "covid");
  remove_tree (tmp);
}

static void
test_thumbnail (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = make_workspace (tmp, 0);
  g_autoptr (LsImage) image = ls_image_new (600, 300);
  g_autoptr (LsImage) thumb = NULL, same = NULL;
  g_autofree char *file = NULL, *contents = NULL;
  g_autoptr (GBytes) bytes = NULL;
  LsDatasetImageInfo info;
  const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  double sum_in = 0.0, sum_out = 0.0;
  gsize len;

  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 600; x++)
      {
        image->data[y * 600 + x] = (float) ((x / 7 + y / 5) % 2);
        sum_in += image->data[y * 600 + x];
      }
  thumb = ls_thumbnail_from_image (image, LS_THUMBNAIL_SIZE);
  g_assert_cmpint (thumb->width, ==, 256);
  g_assert_cmpint (thumb->height, ==, 128);
  for (int i = 0; i < 256 * 128; i++)
    {
      g_assert_cmpfloat (thumb->data[i], >=, 0.0f);
      g_assert_cmpfloat (thumb->data[i], <=, 1.0f);
      sum_out += thumb->data[i];
    }
  /* Area averaging keeps the mean. */
  g_assert_cmpfloat_with_epsilon (sum_out / (256 * 128), sum_in / (600 * 300), 1e-3);
  same = ls_thumbnail_from_image (thumb, LS_THUMBNAIL_SIZE);
  g_assert_cmpint (same->width, ==, 256);
  g_assert_cmpfloat (same->data[77], ==, thumb->data[77]);

  g_assert_true (ls_store_save_thumbnail (store, sha, thumb, &error));
  g_assert_no_error (error);
  file = ls_store_thumbnail_file (store, sha);
  g_assert_true (g_str_has_prefix (file, ls_store_get_path (store)));
  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  bytes = g_bytes_new (contents, len);
  g_assert_true (ls_dataset_image_info (file, bytes, &info, NULL, &error));
  g_assert_cmpint (info.width, ==, 256);
  g_assert_cmpint (info.height, ==, 128);
  g_assert_cmpint (info.bit_depth, ==, 8);
  g_assert_cmpint (info.color_type, ==, LS_COLOR_TYPE_GRAY);
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/dataset/store/create", test_create);
  g_test_add_func ("/lungscope/dataset/store/migrations", test_migrations);
  g_test_add_func ("/lungscope/dataset/store/refusals", test_refusals);
  g_test_add_func ("/lungscope/dataset/store/read-only-flag", test_read_only_flag);
  g_test_add_func ("/lungscope/dataset/store/read-only-medium", test_read_only_medium);
  g_test_add_func ("/lungscope/dataset/store/labels-undo-redo", test_labels_undo_redo);
  g_test_add_func ("/lungscope/dataset/store/files", test_files);
  g_test_add_func ("/lungscope/dataset/store/models", test_models);
  g_test_add_func ("/lungscope/dataset/store/latest-predictions", test_latest_predictions);
  g_test_add_func ("/lungscope/dataset/store/two-connections", test_two_connections);
  g_test_add_func ("/lungscope/dataset/store/thumbnail", test_thumbnail);
  return g_test_run ();
}
