/* store-schema.c — the store's schema and its migrations
 *
 * Each version is one step, run in one BEGIN IMMEDIATE transaction that ends
 * by setting PRAGMA user_version, so a crash leaves the old version or the
 * new one. Steps never change: a new version adds a step. The tests build a
 * database of every older version, fill it, and migrate it.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "dataset/store-private.h"

typedef struct
{
  int version;
  const char *sql;
} LsSchemaStep;

/* Version 1: images, label events, classes, settings. */
static const char schema_v1[] =
    "PRAGMA application_id = 1280525136;\n" /* LS_STORE_APPLICATION_ID, 'LSCP' */
    "CREATE TABLE settings (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL);\n"
    "CREATE TABLE classes (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  position INTEGER NOT NULL UNIQUE);\n"
    "INSERT INTO classes (name, position) VALUES ('normal', 0), ('pneumonia', 1), ('covid', 2);\n"
    "CREATE TABLE images (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL UNIQUE CHECK (length (sha256) = 64),\n"
    "  path TEXT,\n"
    "  byte_size INTEGER NOT NULL,\n"
    "  width INTEGER,\n"
    "  height INTEGER,\n"
    "  bit_depth INTEGER,\n"
    "  color_type TEXT,\n"
    "  patient TEXT,\n"
    "  added INTEGER NOT NULL);\n"
    "CREATE TABLE label_events (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  image_id INTEGER NOT NULL REFERENCES images (id),\n"
    "  old_label TEXT REFERENCES classes (name),\n"
    "  new_label TEXT REFERENCES classes (name),\n"
    "  source TEXT NOT NULL CHECK (source IN ('import', 'user', 'model')),\n"
    "  author TEXT,\n"
    "  time INTEGER NOT NULL,\n"
    "  note TEXT);\n"
    "CREATE INDEX label_events_image ON label_events (image_id, id);\n"
    "PRAGMA user_version = 1;\n";

/* Version 2: reference mode, formats and perceptual hashes on images;
 * undo/redo on label events, which become append-only; split, models,
 * predictions, training runs. */
static const char schema_v2[] =
    "ALTER TABLE images ADD COLUMN reference TEXT;\n"
    "ALTER TABLE images ADD COLUMN format TEXT;\n"
    "ALTER TABLE images ADD COLUMN original_name TEXT;\n"
    "ALTER TABLE images ADD COLUMN phash INTEGER;\n"
    "ALTER TABLE images ADD COLUMN phash_flip INTEGER;\n"
    "ALTER TABLE label_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'set'\n"
    "  CHECK (kind IN ('set', 'undo', 'redo'));\n"
    "ALTER TABLE label_events ADD COLUMN reverts INTEGER REFERENCES label_events (id);\n"
    "CREATE TRIGGER label_events_never_updated BEFORE UPDATE ON label_events\n"
    "  BEGIN SELECT RAISE (ABORT, 'label events are never changed'); END;\n"
    "CREATE TRIGGER label_events_never_deleted BEFORE DELETE ON label_events\n"
    "  BEGIN SELECT RAISE (ABORT, 'label events are never deleted'); END;\n"
    "CREATE TABLE split (\n"
    "  image_id INTEGER PRIMARY KEY REFERENCES images (id),\n"
    "  part TEXT NOT NULL CHECK (part IN ('train', 'val', 'test')),\n"
    "  seed INTEGER NOT NULL,\n"
    "  group_key TEXT NOT NULL);\n"
    "CREATE TABLE models (\n"
    "  id TEXT PRIMARY KEY,\n"
    "  parent_id TEXT REFERENCES models (id),\n"
    "  dataset_version TEXT NOT NULL,\n"
    "  file TEXT NOT NULL,\n"
    "  metrics TEXT,\n"
    "  created INTEGER NOT NULL,\n"
    "  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),\n"
    "  last_label_event INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;\n"
    "CREATE TABLE predictions (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  image_id INTEGER NOT NULL REFERENCES images (id),\n"
    "  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,\n"
    "  probabilities TEXT NOT NULL,\n"
    "  ood_score REAL,\n"
    "  saliency_method TEXT,\n"
    "  latency_ms REAL,\n"
    "  time INTEGER NOT NULL);\n"
    "CREATE INDEX predictions_image ON predictions (image_id);\n"
    "CREATE INDEX predictions_model ON predictions (model_id);\n"
    "CREATE TABLE runs (\n"
    "  id TEXT PRIMARY KEY,\n"
    "  parent_model_id TEXT REFERENCES models (id) ON DELETE SET NULL,\n"
    "  model_id TEXT REFERENCES models (id) ON DELETE SET NULL,\n"
    "  config TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'running',\n"
    "  started INTEGER NOT NULL,\n"
    "  finished INTEGER);\n"
    "CREATE TABLE run_epochs (\n"
    "  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "  epoch INTEGER NOT NULL,\n"
    "  metrics TEXT NOT NULL,\n"
    "  time INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, epoch));\n"
    /* Version 1 kept no file names: old rows are named after their hash. */
    "UPDATE images SET original_name = sha256 WHERE original_name IS NULL;\n"
    "PRAGMA user_version = 2;\n";

/* Version 3: the near-duplicate signature (phash.h) beside the hashes. */
static const char schema_v3[] = "ALTER TABLE images ADD COLUMN neardup BLOB;\n"
                                "PRAGMA user_version = 3;\n";

/* Version 4: predictions of any file, not only of workspace images. Each
 * row records the file's SHA-256 and name; image_id is set only when the
 * bytes are a workspace image. The predicted class and the OOD flag are
 * kept as the model gave them. SQLite cannot drop a NOT NULL constraint, so
 * the table is rebuilt (its rows keep their ids). */
static const char schema_v4[] =
    "CREATE TABLE predictions_v4 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL CHECK (length (sha256) = 64),\n"
    "  name TEXT NOT NULL,\n"
    "  image_id INTEGER REFERENCES images (id),\n"
    "  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,\n"
    "  probabilities TEXT NOT NULL,\n"
    "  predicted TEXT,\n"
    "  ood_score REAL,\n"
    "  ood_flag INTEGER CHECK (ood_flag IN (0, 1)),\n"
    "  saliency_method TEXT,\n"
    "  latency_ms REAL,\n"
    "  time INTEGER NOT NULL);\n"
    "INSERT INTO predictions_v4 (id, sha256, name, image_id, model_id, probabilities, ood_score,\n"
    "    saliency_method, latency_ms, time)\n"
    "  SELECT p.id, i.sha256, coalesce (i.original_name, i.sha256), p.image_id, p.model_id,\n"
    "    p.probabilities, p.ood_score, p.saliency_method, p.latency_ms, p.time\n"
    "  FROM predictions AS p JOIN images AS i ON i.id = p.image_id;\n"
    "DROP TABLE predictions;\n"
    "ALTER TABLE predictions_v4 RENAME TO predictions;\n"
    "CREATE INDEX predictions_image ON predictions (image_id);\n"
    "CREATE INDEX predictions_sha256 ON predictions (sha256);\n"
    "CREATE INDEX predictions_model ON predictions (model_id);\n"
    "PRAGMA user_version = 4;\n";

/* Version 5: what a DICOM header says of the image (modality, view
 * position, pixel spacing in mm); NULL for other files. */
static const char schema_v5[] = "ALTER TABLE images ADD COLUMN modality TEXT;\n"
                                "ALTER TABLE images ADD COLUMN view_position TEXT;\n"
                                "ALTER TABLE images ADD COLUMN pixel_spacing_row REAL;\n"
                                "ALTER TABLE images ADD COLUMN pixel_spacing_col REAL;\n"
                                "PRAGMA user_version = 5;\n";

/* Version 6: deleting a model keeps its row, marked with the time it was
 * deleted, and the predictions logged with it (monitoring reads them): the
 * predictions' foreign key loses its ON DELETE CASCADE, so deleting a
 * model row that has predictions is refused rather than wiping them. A
 * deleted model is never active. The predictions table is rebuilt as in
 * version 4 (its rows keep their ids). */
static const char schema_v6[] =
    "ALTER TABLE models ADD COLUMN deleted INTEGER;\n"
    "CREATE TRIGGER models_deleted_never_active BEFORE UPDATE ON models\n"
    "  WHEN NEW.active = 1 AND NEW.deleted IS NOT NULL\n"
    "  BEGIN SELECT RAISE (ABORT, 'a deleted model cannot be made active'); END;\n"
    "CREATE TABLE predictions_v5 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL CHECK (length (sha256) = 64),\n"
    "  name TEXT NOT NULL,\n"
    "  image_id INTEGER REFERENCES images (id),\n"
    "  model_id TEXT NOT NULL REFERENCES models (id),\n"
    "  probabilities TEXT NOT NULL,\n"
    "  predicted TEXT,\n"
    "  ood_score REAL,\n"
    "  ood_flag INTEGER CHECK (ood_flag IN (0, 1)),\n"
    "  saliency_method TEXT,\n"
    "  latency_ms REAL,\n"
    "  time INTEGER NOT NULL);\n"
    "INSERT INTO predictions_v5 SELECT id, sha256, name, image_id, model_id, probabilities,\n"
    "    predicted, ood_score, ood_flag, saliency_method, latency_ms, time FROM predictions;\n"
    "DROP TABLE predictions;\n"
    "ALTER TABLE predictions_v5 RENAME TO predictions;\n"
    "CREATE INDEX predictions_image ON predictions (image_id);\n"
    "CREATE INDEX predictions_sha256 ON predictions (sha256);\n"
    "CREATE INDEX predictions_model ON predictions (model_id);\n"
    "PRAGMA user_version = 6;\n";

/* Version 7: out-of-fold probabilities of a cross-validation run (one row
 * per labelled image, from the model of the fold that did not train on it),
 * with the label the image had then; the review queues rank from the
 * latest run whose status is "done". */
static const char schema_v7[] =
    "CREATE TABLE out_of_fold (\n"
    "  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "  image_id INTEGER NOT NULL REFERENCES images (id),\n"
    "  fold INTEGER NOT NULL CHECK (fold >= 0),\n"
    "  label TEXT NOT NULL REFERENCES classes (name),\n"
    "  probabilities TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, image_id));\n"
    "PRAGMA user_version = 7;\n";

static const LsSchemaStep steps[] = {
  { 1, schema_v1 },
  { 2, schema_v2 },
  { 3, schema_v3 },
  { 4, schema_v4 },
  { 5, schema_v5 },
  { 6, schema_v6 },
  { 7, schema_v7 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (steps) == LS_STORE_SCHEMA_VERSION);

static gboolean
read_int_pragma (sqlite3 *db,
                 const char *sql,
                 int *value,
                 int *rc)
{
  sqlite3_stmt *stmt = NULL;

  *rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (*rc != SQLITE_OK)
    return FALSE;
  *rc = sqlite3_step (stmt);
  if (*rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int (stmt, 0);
      *rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return *rc == SQLITE_OK;
}

gboolean
ls_store_schema_check (sqlite3 *db,
                       const char *db_path,
                       int *version,
                       GError **error)
{
  int app_id = 0, user_version = 0, n_objects = 0, rc = SQLITE_OK;

  if (!read_int_pragma (db, "PRAGMA application_id", &app_id, &rc) ||
      !read_int_pragma (db, "PRAGMA user_version", &user_version, &rc) ||
      !read_int_pragma (db, "SELECT count(*) FROM sqlite_schema", &n_objects, &rc))
    {
      if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
        g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE,
                     "%s is not a Lungscope workspace database: %s", db_path,
                     sqlite3_errstr (rc));
      else
        g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot read %s: %s", db_path,
                     sqlite3_errmsg (db));
      return FALSE;
    }

  if ((guint32) app_id != LS_STORE_APPLICATION_ID)
    {
      if (app_id == 0 && user_version == 0 && n_objects == 0)
        {
          *version = 0; /* a new, empty database */
          return TRUE;
        }
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE,
                   "%s is an SQLite database but not a Lungscope workspace (application id %#x); "
                   "it is left as it is",
                   db_path, (guint) app_id);
      return FALSE;
    }
  if (user_version > LS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_TOO_NEW,
                   "%s has schema version %d, newer than the version %d this Lungscope knows; "
                   "open it with a newer Lungscope",
                   db_path, user_version, LS_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  if (user_version < 1)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE,
                   "%s carries the Lungscope id but no schema version; it is left as it is",
                   db_path);
      return FALSE;
    }
  *version = user_version;
  return TRUE;
}

gboolean
ls_store_schema_migrate (sqlite3 *db,
                         const char *db_path,
                         int from,
                         int to,
                         GError **error)
{
  g_return_val_if_fail (to <= LS_STORE_SCHEMA_VERSION, FALSE);

  for (int v = from + 1; v <= to; v++)
    {
      const LsSchemaStep *step = &steps[v - 1];
      char *message = NULL;
      int current = 0, rc = SQLITE_OK;

      g_assert (step->version == v);
      if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, &message) != SQLITE_OK)
        goto failed;
      /* Another process may have migrated while we waited for the lock. */
      if (!read_int_pragma (db, "PRAGMA user_version", &current, &rc))
        goto failed;
      if (current >= v)
        {
          if (sqlite3_exec (db, "COMMIT", NULL, NULL, &message) != SQLITE_OK)
            goto failed;
          continue;
        }
      if (current != v - 1)
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED,
                       "%s: expected schema version %d before migrating to %d, found %d", db_path,
                       v - 1, v, current);
          return FALSE;
        }
      if (sqlite3_exec (db, step->sql, NULL, NULL, &message) != SQLITE_OK ||
          sqlite3_exec (db, "COMMIT", NULL, NULL, &message) != SQLITE_OK)
        goto failed;
      continue;

    failed:
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED,
                   "%s: migrating the schema to version %d failed: %s", db_path, v,
                   message != NULL ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}
