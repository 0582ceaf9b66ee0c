/* store-models.c — models, predictions and training runs in the store
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dataset/store-private.h"

void
ls_store_model_free (LsStoreModel *model)
{
  if (model == NULL)
    return;
  g_free (model->id);
  g_free (model->parent_id);
  g_free (model->dataset_version);
  g_free (model->file);
  g_free (model->metrics_json);
  g_free (model);
}

static gboolean
valid_id (const char *id,
          const char *what,
          GError **error)
{
  gboolean ok = id != NULL && *id != '\0' && strlen (id) <= 64;

  for (const char *p = id; ok && *p; p++)
    ok = g_ascii_isalnum (*p) || *p == '-' || *p == '_';
  if (!ok)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                 "“%s” is not a valid %s id (1–64 letters, digits, - or _)", id ? id : "", what);
  return ok;
}

static gboolean
run_in_write (LsStore *store,
              sqlite3_stmt *stmt,
              GError **error)
{
  if (stmt == NULL || !ls_store_step_done (store, stmt, error))
    {
      ls_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_store_add_model (LsStore *store,
                    const char *id,
                    const char *parent_id,
                    const char *dataset_version,
                    const char *metrics_json,
                    gboolean active,
                    GError **error)
{
  g_autofree char *file = NULL, *abs = NULL;
  sqlite3_stmt *stmt;

  if (!valid_id (id, "model", error) || !ls_store_check_writable (store, error))
    return FALSE;
  file = g_strconcat ("models/", id, ".safetensors", NULL);
  abs = g_build_filename (store->path, file, NULL);
  if (!ls_store_begin_write (store, error))
    return FALSE;
  /* The file is written durably before its row (CHECKLIST 10); checked
   * under the write lock, which an open holds while it removes the files
   * of deleted models. */
  if (!g_file_test (abs, G_FILE_TEST_IS_REGULAR))
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND,
                   "cannot register model %s: %s does not exist", id, abs);
      return FALSE;
    }
  if (active && !run_in_write (store,
                               ls_store_stmt (store, "UPDATE models SET active = 0 WHERE active = 1",
                                              error),
                               error))
    return FALSE;
  /* The id of a deleted model is restored in place: its predictions and
   * children keep pointing at the same row. */
  stmt = ls_store_stmt (store,
                        "INSERT INTO models (id, parent_id, dataset_version, file, metrics, "
                        "created, active, last_label_event) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                        "(SELECT coalesce (max (id), 0) FROM label_events)) "
                        "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, "
                        "dataset_version = excluded.dataset_version, file = excluded.file, "
                        "metrics = excluded.metrics, created = excluded.created, "
                        "last_label_event = excluded.last_label_event, deleted = NULL, "
                        "active = excluded.active WHERE deleted IS NOT NULL",
                        error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      ls_store_bind_text_or_null (stmt, 2, parent_id);
      sqlite3_bind_text (stmt, 3, dataset_version != NULL ? dataset_version : "", -1,
                         SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, file, -1, SQLITE_TRANSIENT);
      ls_store_bind_text_or_null (stmt, 5, metrics_json);
      sqlite3_bind_int64 (stmt, 6, ls_store_now ());
      sqlite3_bind_int (stmt, 7, active ? 1 : 0);
    }
  if (!run_in_write (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (store->db) != 1)
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "cannot register model %s: it is registered already in %s", id, store->path);
      return FALSE;
    }
  return ls_store_commit (store, error);
}

static LsStoreModel *
model_from_row (sqlite3_stmt *stmt)
{
  LsStoreModel *model = g_new0 (LsStoreModel, 1);

  model->id = ls_store_column_dup (stmt, 0);
  model->parent_id = ls_store_column_dup (stmt, 1);
  model->dataset_version = ls_store_column_dup (stmt, 2);
  model->file = ls_store_column_dup (stmt, 3);
  model->metrics_json = ls_store_column_dup (stmt, 4);
  model->created = sqlite3_column_int64 (stmt, 5);
  model->active = sqlite3_column_int (stmt, 6) != 0;
  model->last_label_event = sqlite3_column_int64 (stmt, 7);
  model->deleted = sqlite3_column_int64 (stmt, 8);
  return model;
}

static LsStoreModel *
get_model (LsStore *store,
           const char *sql,
           const char *id,
           GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, sql, error);
  LsStoreModel *model = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (id != NULL)
    sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    model = model_from_row (stmt);
  else if (rc == SQLITE_DONE)
    {
      if (id != NULL)
        g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no model %s in %s", id,
                     store->path);
    }
  else
    ls_store_set_sqlite_error (store, error, "reading a model");
  sqlite3_reset (stmt);
  return model;
}

#define MODEL_COLUMNS                                                                  \
  "id, parent_id, dataset_version, file, metrics, created, active, last_label_event, " \
  "coalesce (deleted, 0) "

LsStoreModel *
ls_store_get_model (LsStore *store,
                    const char *id,
                    GError **error)
{
  return get_model (store, "SELECT " MODEL_COLUMNS "FROM models WHERE id = ?1", id, error);
}

GPtrArray *
ls_store_list_models_full (LsStore *store,
                           gboolean include_deleted,
                           GError **error)
{
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_model_free);
  sqlite3_stmt *stmt = ls_store_stmt (store,
                                      "SELECT " MODEL_COLUMNS "FROM models "
                                      "WHERE ?1 OR deleted IS NULL ORDER BY created, id",
                                      error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, include_deleted ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (models, model_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "listing models");
      return NULL;
    }
  return g_steal_pointer (&models);
}

GPtrArray *
ls_store_list_models (LsStore *store,
                      GError **error)
{
  return ls_store_list_models_full (store, FALSE, error);
}

LsStoreModel *
ls_store_get_active_model (LsStore *store,
                           GError **error)
{
  return get_model (store, "SELECT " MODEL_COLUMNS "FROM models WHERE active = 1", NULL, error);
}

gboolean
ls_store_set_active_model (LsStore *store,
                           const char *id,
                           GError **error)
{
  g_autoptr (LsStoreModel) model = NULL;
  sqlite3_stmt *stmt;

  model = ls_store_get_model (store, id, error);
  if (model == NULL)
    return FALSE;
  if (model->deleted != 0)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (model->deleted / G_USEC_PER_SEC);
      g_autofree char *date = g_date_time_format_iso8601 (when);

      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_DELETED,
                   "model %s was deleted (%s) and its file removed: a deleted model cannot be "
                   "made active; register its file again to restore it",
                   id, date);
      return FALSE;
    }
  if (!ls_store_begin_write (store, error))
    return FALSE;
  if (!run_in_write (store,
                     ls_store_stmt (store, "UPDATE models SET active = 0 WHERE active = 1", error),
                     error))
    return FALSE;
  stmt = ls_store_stmt (store, "UPDATE models SET active = 1 WHERE id = ?1", error);
  if (stmt != NULL)
    sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (!run_in_write (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (store->db) != 1)
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no model %s in %s", id,
                   store->path);
      return FALSE;
    }
  return ls_store_commit (store, error);
}

gboolean
ls_store_delete_model (LsStore *store,
                       const char *id,
                       GError **error)
{
  g_autoptr (LsStoreModel) model = NULL;
  g_autofree char *abs = NULL, *dir = NULL;
  sqlite3_stmt *stmt;

  if (!ls_store_check_writable (store, error))
    return FALSE;
  model = ls_store_get_model (store, id, error);
  if (model == NULL)
    return FALSE;
  if (model->deleted != 0)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_DELETED, "model %s is deleted already",
                   id);
      return FALSE;
    }
  if (!ls_store_begin_write (store, error))
    return FALSE;
  /* The row stays, marked: its predictions and lineage are history. */
  stmt = ls_store_stmt (store,
                        "UPDATE models SET active = 0, deleted = ?2 WHERE id = ?1 "
                        "AND deleted IS NULL AND NOT EXISTS (SELECT 1 FROM models c "
                        "WHERE c.parent_id = ?1 AND c.deleted IS NULL)",
                        error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, ls_store_now ());
    }
  if (!run_in_write (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (store->db) != 1)
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "cannot delete model %s: it is the parent of a model that is not deleted", id);
      return FALSE;
    }
  if (!ls_store_commit (store, error))
    return FALSE;
  /* Row first, then the file: a crash in between leaves the file of a
   * deleted model, which the next open removes; never a present model
   * without its file. */
  abs = g_build_filename (store->path, model->file, NULL);
  dir = g_path_get_dirname (abs);
  if (g_unlink (abs) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot remove %s: %s", abs,
                   g_strerror (saved));
      return FALSE;
    }
  return ls_store_fsync_dir (dir, error);
}

void
ls_store_prediction_free (LsStorePrediction *prediction)
{
  if (prediction == NULL)
    return;
  g_free (prediction->sha256);
  g_free (prediction->name);
  g_free (prediction->model_id);
  g_free (prediction->probabilities_json);
  g_free (prediction->predicted);
  g_free (prediction->saliency_method);
  g_free (prediction);
}

static gboolean
valid_sha256 (const char *sha256)
{
  gsize n = 0;

  for (const char *p = sha256; p != NULL && *p; p++, n++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return n == 64;
}

static void
bind_double_or_null (sqlite3_stmt *stmt,
                     int index,
                     double value)
{
  if (isfinite (value))
    sqlite3_bind_double (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

/* Inside the caller's write transaction. */
static gint64
insert_prediction (LsStore *store,
                   const LsStorePrediction *p,
                   GError **error)
{
  sqlite3_stmt *stmt;
  gboolean known = FALSE;

  stmt = ls_store_stmt (store, "SELECT 1 FROM models WHERE id = ?1 AND deleted IS NULL", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, p->model_id, -1, SQLITE_TRANSIENT);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      known = TRUE;
      break;
    case SQLITE_DONE:
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND,
                   "cannot log a prediction of %s: model %s is not registered (or was deleted) "
                   "in %s",
                   p->name,
                   p->model_id, store->path);
      break;
    default:
      ls_store_set_sqlite_error (store, error, "finding a model");
      break;
    }
  sqlite3_reset (stmt);
  if (!known)
    return 0;
  stmt = ls_store_stmt (store,
                        "INSERT INTO predictions (sha256, name, image_id, model_id, probabilities, "
                        "predicted, ood_score, ood_flag, saliency_method, latency_ms, time) "
                        "VALUES (?1, ?2, (SELECT id FROM images WHERE sha256 = ?1), ?3, ?4, ?5, "
                        "?6, ?7, ?8, ?9, ?10)",
                        error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, p->sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, p->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, p->model_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, p->probabilities_json, -1, SQLITE_TRANSIENT);
  ls_store_bind_text_or_null (stmt, 5, p->predicted);
  bind_double_or_null (stmt, 6, p->ood_score);
  if (isfinite (p->ood_score))
    sqlite3_bind_int (stmt, 7, p->ood_flag ? 1 : 0);
  else
    sqlite3_bind_null (stmt, 7);
  ls_store_bind_text_or_null (stmt, 8, p->saliency_method);
  bind_double_or_null (stmt, 9, p->latency_ms);
  sqlite3_bind_int64 (stmt, 10, ls_store_now ());
  if (!ls_store_step_done (store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

gint64
ls_store_log_prediction (LsStore *store,
                         const LsStorePrediction *prediction,
                         GError **error)
{
  const LsStorePrediction *p = prediction;
  gint64 id;

  g_return_val_if_fail (p != NULL, 0);
  if (!valid_sha256 (p->sha256) || p->name == NULL || *p->name == '\0' ||
      p->probabilities_json == NULL || !valid_id (p->model_id, "model", error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                     "cannot log a prediction without a file hash (64 lower-case hex digits), "
                     "a name and probabilities");
      return 0;
    }
  if (!ls_store_check_writable (store, error) || !ls_store_begin_write (store, error))
    return 0;
  id = insert_prediction (store, p, error);
  if (id == 0)
    {
      ls_store_rollback (store);
      return 0;
    }
  if (!ls_store_commit (store, error))
    return 0;
  return id;
}

gboolean
ls_store_add_prediction (LsStore *store,
                         const char *sha256,
                         const char *model_id,
                         const char *probabilities_json,
                         double ood_score,
                         const char *saliency_method,
                         double latency_ms,
                         GError **error)
{
  g_autoptr (LsStoreImage) image = NULL;
  LsStorePrediction p = { 0 };

  if (!valid_sha256 (sha256))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "“%s” is not a full SHA-256 (64 lower-case hex digits)", sha256 ? sha256 : "");
      return FALSE;
    }
  image = ls_store_find_image (store, sha256, error);
  if (image == NULL)
    return FALSE;
  p.sha256 = (char *) sha256;
  p.name = image->original_name != NULL ? image->original_name : (char *) sha256;
  p.model_id = (char *) model_id;
  p.probabilities_json = (char *) probabilities_json;
  p.ood_score = ood_score;
  p.saliency_method = (char *) saliency_method;
  p.latency_ms = latency_ms;
  return ls_store_log_prediction (store, &p, error) > 0;
}

guint
ls_store_count_predictions (LsStore *store,
                            const char *model_id,
                            GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT count(*) FROM predictions WHERE model_id = ?1", error);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, model_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  else
    ls_store_set_sqlite_error (store, error, "counting predictions");
  sqlite3_reset (stmt);
  return n;
}

static double
column_double_or_nan (sqlite3_stmt *stmt,
                      int column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? NAN
                                                           : sqlite3_column_double (stmt, column);
}

/* Steps @stmt (columns as in ls_store_list_predictions) to its end. */
static GPtrArray *
predictions_from_rows (LsStore *store,
                       sqlite3_stmt *stmt,
                       GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_prediction_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LsStorePrediction *p = g_new0 (LsStorePrediction, 1);

      p->id = sqlite3_column_int64 (stmt, 0);
      p->sha256 = ls_store_column_dup (stmt, 1);
      p->name = ls_store_column_dup (stmt, 2);
      p->image_id = sqlite3_column_int64 (stmt, 3);
      p->model_id = ls_store_column_dup (stmt, 4);
      p->probabilities_json = ls_store_column_dup (stmt, 5);
      p->predicted = ls_store_column_dup (stmt, 6);
      p->ood_score = column_double_or_nan (stmt, 7);
      p->ood_flag = sqlite3_column_int (stmt, 8) != 0;
      p->saliency_method = ls_store_column_dup (stmt, 9);
      p->latency_ms = column_double_or_nan (stmt, 10);
      p->time = sqlite3_column_int64 (stmt, 11);
      g_ptr_array_add (list, p);
    }
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "listing predictions");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}

GPtrArray *
ls_store_list_predictions (LsStore *store,
                           const char *model_id,
                           const char *sha256,
                           GError **error)
{
  sqlite3_stmt *stmt;

  stmt = ls_store_stmt (store,
                        "SELECT id, sha256, name, coalesce (image_id, 0), model_id, probabilities, "
                        "predicted, ood_score, coalesce (ood_flag, 0), saliency_method, latency_ms, "
                        "time FROM predictions "
                        "WHERE (?1 IS NULL OR model_id = ?1) AND (?2 IS NULL OR sha256 = ?2) "
                        "ORDER BY id",
                        error);
  if (stmt == NULL)
    return NULL;
  ls_store_bind_text_or_null (stmt, 1, model_id);
  ls_store_bind_text_or_null (stmt, 2, sha256);
  return predictions_from_rows (store, stmt, error);
}

GPtrArray *
ls_store_latest_predictions (LsStore *store,
                             const char *model_id,
                             const char *sha256,
                             GError **error)
{
  sqlite3_stmt *stmt;

  /* For each image, the largest prediction id with its hash: one probe of
   * the predictions_sha256 index (hash, rowid) per image, no scan. */
  stmt = ls_store_stmt (store,
                        "SELECT p.id, p.sha256, p.name, i.id, p.model_id, p.probabilities, "
                        "p.predicted, p.ood_score, coalesce (p.ood_flag, 0), p.saliency_method, "
                        "p.latency_ms, p.time FROM images i "
                        "JOIN predictions p ON p.id = (SELECT max (q.id) FROM predictions q "
                        "WHERE q.sha256 = i.sha256 AND (?1 IS NULL OR q.model_id = ?1)) "
                        "WHERE (?2 IS NULL OR i.sha256 = ?2) ORDER BY i.id",
                        error);
  if (stmt == NULL)
    return NULL;
  ls_store_bind_text_or_null (stmt, 1, model_id);
  ls_store_bind_text_or_null (stmt, 2, sha256);
  return predictions_from_rows (store, stmt, error);
}

gboolean
ls_store_run_begin (LsStore *store,
                    const char *run_id,
                    const char *parent_model_id,
                    const char *config_json,
                    GError **error)
{
  sqlite3_stmt *stmt;

  if (!valid_id (run_id, "run", error) || !ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        "INSERT INTO runs (id, parent_model_id, config, started) "
                        "VALUES (?1, ?2, ?3, ?4)",
                        error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
      ls_store_bind_text_or_null (stmt, 2, parent_model_id);
      ls_store_bind_text_or_null (stmt, 3, config_json);
      sqlite3_bind_int64 (stmt, 4, ls_store_now ());
    }
  if (!run_in_write (store, stmt, error))
    return FALSE;
  return ls_store_commit (store, error);
}

gboolean
ls_store_run_add_epoch (LsStore *store,
                        const char *run_id,
                        int epoch,
                        const char *metrics_json,
                        GError **error)
{
  sqlite3_stmt *stmt;

  if (!ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        "INSERT INTO run_epochs (run_id, epoch, metrics, time) "
                        "VALUES (?1, ?2, ?3, ?4)",
                        error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 2, epoch);
      sqlite3_bind_text (stmt, 3, metrics_json, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, ls_store_now ());
    }
  if (!run_in_write (store, stmt, error))
    return FALSE;
  return ls_store_commit (store, error);
}

gboolean
ls_store_run_finish (LsStore *store,
                     const char *run_id,
                     const char *status,
                     const char *model_id,
                     GError **error)
{
  sqlite3_stmt *stmt;

  if (!ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        "UPDATE runs SET status = ?2, model_id = ?3, finished = ?4 WHERE id = ?1",
                        error);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, status, -1, SQLITE_TRANSIENT);
      ls_store_bind_text_or_null (stmt, 3, model_id);
      sqlite3_bind_int64 (stmt, 4, ls_store_now ());
    }
  if (!run_in_write (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (store->db) != 1)
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no run %s in %s", run_id,
                   store->path);
      return FALSE;
    }
  return ls_store_commit (store, error);
}

GPtrArray *
ls_store_run_epochs (LsStore *store,
                     const char *run_id,
                     GError **error)
{
  g_autoptr (GPtrArray) epochs = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ls_store_stmt (
      store, "SELECT metrics FROM run_epochs WHERE run_id = ?1 ORDER BY epoch", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (epochs, ls_store_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading a run");
      return NULL;
    }
  return g_steal_pointer (&epochs);
}

void
ls_store_run_free (LsStoreRun *run)
{
  if (run == NULL)
    return;
  g_free (run->id);
  g_free (run->parent_model_id);
  g_free (run->model_id);
  g_free (run->config_json);
  g_free (run->status);
  g_free (run);
}

GPtrArray *
ls_store_list_runs (LsStore *store,
                    GError **error)
{
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_run_free);
  sqlite3_stmt *stmt = ls_store_stmt (store,
                                      "SELECT id, parent_model_id, model_id, config, status, "
                                      "started, coalesce (finished, 0) FROM runs "
                                      "ORDER BY started, id",
                                      error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LsStoreRun *run = g_new0 (LsStoreRun, 1);

      run->id = ls_store_column_dup (stmt, 0);
      run->parent_model_id = ls_store_column_dup (stmt, 1);
      run->model_id = ls_store_column_dup (stmt, 2);
      run->config_json = ls_store_column_dup (stmt, 3);
      run->status = ls_store_column_dup (stmt, 4);
      run->started = sqlite3_column_int64 (stmt, 5);
      run->finished = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (runs, run);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "listing runs");
      return NULL;
    }
  return g_steal_pointer (&runs);
}
