/* store-oof.c — out-of-fold probabilities of cross-validation runs, and
 * the split's group keys they are folded by
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "dataset/store-private.h"

void
ls_store_out_of_fold_free (LsStoreOutOfFold *row)
{
  if (row == NULL)
    return;
  g_free (row->sha256);
  g_free (row->label);
  g_free (row->probabilities_json);
  g_free (row);
}

static gboolean
insert_row (LsStore *store,
            const char *run_id,
            const LsStoreOutOfFold *row,
            GError **error)
{
  sqlite3_stmt *stmt;
  gint64 image_id = ls_store_image_id (store, row->sha256, error);

  if (image_id == 0)
    return FALSE;
  stmt = ls_store_stmt (store,
                        "INSERT INTO out_of_fold (run_id, image_id, fold, label, probabilities) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, image_id);
  sqlite3_bind_int (stmt, 3, row->fold);
  sqlite3_bind_text (stmt, 4, row->label, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, row->probabilities_json, -1, SQLITE_TRANSIENT);
  return ls_store_step_done (store, stmt, error);
}

gboolean
ls_store_finish_crossval (LsStore *store,
                          const char *run_id,
                          const LsStoreOutOfFold *rows,
                          guint n_rows,
                          GError **error)
{
  sqlite3_stmt *stmt;

  if (!ls_store_begin_write (store, error))
    return FALSE;
  for (guint i = 0; i < n_rows; i++)
    if (!insert_row (store, run_id, &rows[i], error))
      {
        ls_store_rollback (store);
        return FALSE;
      }
  stmt = ls_store_stmt (store, "UPDATE runs SET status = 'done', finished = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    {
      ls_store_rollback (store);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, run_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, ls_store_now ());
  if (!ls_store_step_done (store, stmt, error))
    {
      ls_store_rollback (store);
      return FALSE;
    }
  if (sqlite3_changes (store->db) != 1)
    {
      ls_store_rollback (store);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no run %s in %s", run_id, store->path);
      return FALSE;
    }
  return ls_store_commit (store, error);
}

GPtrArray *
ls_store_latest_out_of_fold (LsStore *store,
                             char **run_id,
                             GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_out_of_fold_free);
  g_autofree char *latest = NULL;
  sqlite3_stmt *stmt;
  int rc;

  *run_id = NULL;
  stmt = ls_store_stmt (store,
                        "SELECT r.id FROM runs AS r WHERE r.status = 'done' AND "
                        "EXISTS (SELECT 1 FROM out_of_fold AS o WHERE o.run_id = r.id) "
                        "ORDER BY r.finished DESC, r.id DESC LIMIT 1",
                        error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    latest = ls_store_column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "finding the latest cross-validation");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  if (latest == NULL)
    return g_steal_pointer (&rows);

  stmt = ls_store_stmt (store,
                        "SELECT i.sha256, o.image_id, o.fold, o.label, o.probabilities "
                        "FROM out_of_fold AS o JOIN images AS i ON i.id = o.image_id "
                        "WHERE o.run_id = ?1 ORDER BY o.image_id",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, latest, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LsStoreOutOfFold *row = g_new0 (LsStoreOutOfFold, 1);

      row->sha256 = ls_store_column_dup (stmt, 0);
      row->image_id = sqlite3_column_int64 (stmt, 1);
      row->fold = sqlite3_column_int (stmt, 2);
      row->label = ls_store_column_dup (stmt, 3);
      row->probabilities_json = ls_store_column_dup (stmt, 4);
      g_ptr_array_add (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading out-of-fold probabilities");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  *run_id = g_steal_pointer (&latest);
  return g_steal_pointer (&rows);
}

GHashTable *
ls_store_get_group_keys (LsStore *store,
                         GError **error)
{
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = ls_store_stmt (store,
                                      "SELECT i.sha256, s.group_key FROM split AS s "
                                      "JOIN images AS i ON i.id = s.image_id",
                                      error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (keys, ls_store_column_dup (stmt, 0), ls_store_column_dup (stmt, 1));
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading the split's groups");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&keys);
}
