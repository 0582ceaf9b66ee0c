/* version.c — dataset versions and exports
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dataset/split.h"
#include "dataset/store-private.h"

#define CURRENT_LABEL \
  "(SELECT e.new_label FROM label_events e WHERE e.image_id = i.id ORDER BY e.id DESC LIMIT 1)"

static gboolean
has_split (LsStore *store,
           gboolean *any,
           GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT EXISTS (SELECT 1 FROM split)", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      ls_store_set_sqlite_error (store, error, "reading the split");
      return FALSE;
    }
  *any = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  return TRUE;
}

char *
ls_store_dataset_version (LsStore *store,
                          GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gboolean any = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  if (!has_split (store, &any, error))
    return NULL;
  if (!any)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND,
                   "the workspace %s has no split yet, so no training part to version",
                   store->path);
      return NULL;
    }
  /* Read in one transaction so the version is of one state. */
  if (!ls_store_exec (store, "BEGIN", error))
    return NULL;
  stmt = ls_store_stmt (store,
                        "SELECT sha256, label FROM (SELECT i.sha256 AS sha256, " CURRENT_LABEL
                        " AS label FROM split s JOIN images i ON i.id = s.image_id "
                        "WHERE s.part = 'train') WHERE label IS NOT NULL ORDER BY sha256",
                        error);
  if (stmt == NULL)
    goto failed;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_checksum_update (sum, sqlite3_column_text (stmt, 0), -1);
      g_checksum_update (sum, (const guchar *) "\t", 1);
      g_checksum_update (sum, sqlite3_column_text (stmt, 1), -1);
      g_checksum_update (sum, (const guchar *) "\n", 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "computing the dataset version");
      goto failed;
    }
  ls_store_exec (store, "COMMIT", NULL);
  return g_strdup (g_checksum_get_string (sum));

failed:
  ls_store_rollback (store);
  return NULL;
}

GPtrArray *
ls_store_labels_changed_since (LsStore *store,
                               const char *model_id,
                               gboolean *version_changed,
                               GError **error)
{
  g_autoptr (LsStoreModel) model = ls_store_get_model (store, model_id, error);
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *version = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (model == NULL)
    return NULL;
  version = ls_store_dataset_version (store, error);
  if (version == NULL)
    return NULL;
  *version_changed = g_strcmp0 (version, model->dataset_version) != 0;
  stmt = ls_store_stmt (store,
                        "SELECT DISTINCT i.sha256 FROM label_events e "
                        "JOIN images i ON i.id = e.image_id WHERE e.id > ?1 ORDER BY i.sha256",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, model->last_label_event);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (changed, ls_store_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading label changes");
      return NULL;
    }
  return g_steal_pointer (&changed);
}

/* ---- export ---- */

static void
csv_field (GString *out,
           const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
row_free (gpointer data)
{
  char **row = data;

  for (int c = 0; c < 7; c++)
    g_free (row[c]);
  g_free (row);
}

/* A file name from the original one: safe characters only, hash-prefixed so
 * names never collide. */
static char *
export_name (const char *sha256,
             const char *original)
{
  g_autofree char *safe = g_strdup (original != NULL ? original : "image");

  for (char *p = safe; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  return g_strdup_printf ("%.16s-%s", sha256, safe);
}

static gboolean
dir_is_empty_or_absent (const char *dir,
                        GError **error)
{
  g_autoptr (GDir) d = NULL;

  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          int saved = errno;

          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot create %s: %s", dir,
                       g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }
  d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return FALSE;
  if (g_dir_read_name (d) != NULL)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "%s is not empty; export into a new folder", dir);
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_store_export (LsStore *store,
                 const char *dir,
                 LsExportMode mode,
                 guint *n_exported,
                 LsProgressFunc progress,
                 gpointer user_data,
                 GCancellable *cancellable,
                 GError **error)
{
  g_autoptr (GString) csv = g_string_new ("path,label,part,patient,sha256\n");
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  g_autofree char *version = NULL, *csv_path = NULL, *version_path = NULL, *version_text = NULL;
  sqlite3_stmt *stmt;
  int rc;

  version = ls_store_dataset_version (store, error);
  if (version == NULL || !dir_is_empty_or_absent (dir, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        "SELECT sha256, label, part, patient, path, reference, original_name "
                        "FROM (SELECT i.sha256 AS sha256, " CURRENT_LABEL " AS label, "
                        "s.part AS part, i.patient AS patient, i.path AS path, "
                        "i.reference AS reference, i.original_name AS original_name "
                        "FROM split s JOIN images i ON i.id = s.image_id) "
                        "WHERE label IS NOT NULL ORDER BY part, label, sha256",
                        error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char **row = g_new0 (char *, 7);

      for (int c = 0; c < 7; c++)
        row[c] = ls_store_column_dup (stmt, c);
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading images to export");
      return FALSE;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      const char *sha = row[0], *label = row[1], *part = row[2], *patient = row[3];
      g_autofree char *src = row[5] != NULL ? g_strdup (row[5])
                                            : g_build_filename (store->path, row[4], NULL);
      g_autofree char *rel = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (progress != NULL)
        progress ((double) i / rows->len, sha, user_data);
      if (mode == LS_EXPORT_CSV)
        rel = g_strdup (src);
      else
        {
          g_autofree char *name = export_name (sha, row[6]);
          g_autofree char *dest = NULL;

          rel = g_build_filename (part, label, name, NULL);
          dest = g_build_filename (dir, rel, NULL);
          {
            g_autofree char *sub = g_path_get_dirname (dest);

            if (g_mkdir_with_parents (sub, 0755) != 0)
              {
                int saved = errno;

                g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED,
                             "cannot create %s: %s", sub, g_strerror (saved));
                return FALSE;
              }
          }
          if (!ls_store_put_file_durably (dest, src, NULL, mode == LS_EXPORT_LINKS, NULL, error))
            return FALSE;
        }
      csv_field (csv, rel);
      g_string_append_c (csv, ',');
      csv_field (csv, label);
      g_string_append_c (csv, ',');
      csv_field (csv, part);
      g_string_append_c (csv, ',');
      csv_field (csv, patient);
      g_string_append_c (csv, ',');
      csv_field (csv, sha);
      g_string_append_c (csv, '\n');
    }
  csv_path = g_build_filename (dir, "dataset.csv", NULL);
  version_path = g_build_filename (dir, "VERSION", NULL);
  version_text = g_strdup_printf ("%s\n", version);
  if (!g_file_set_contents_full (csv_path, csv->str, (gssize) csv->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, error) ||
      !g_file_set_contents_full (version_path, version_text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, error))
    return FALSE;
  if (n_exported != NULL)
    *n_exported = rows->len;
  if (progress != NULL)
    progress (1.0, "Exported", user_data);
  return TRUE;
}
