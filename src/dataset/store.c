/* store.c — opening a workspace, its connection, classes, settings, images
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "dataset/store-private.h"

#define LS_STORE_BUSY_TIMEOUT_MS 10000

/* clang-format off */
G_DEFINE_QUARK (ls-store-error-quark, ls_store_error)
/* clang-format on */

static const char *const workspace_dirs[] = { "images", "models", "runs", "cache" };

gint64
ls_store_now (void)
{
  return g_get_real_time ();
}

void
ls_store_bind_text_or_null (sqlite3_stmt *stmt,
                            int index,
                            const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

char *
ls_store_column_dup (sqlite3_stmt *stmt,
                     int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

void
ls_store_set_sqlite_error (LsStore *store,
                           GError **error,
                           const char *what)
{
  int code = sqlite3_extended_errcode (store->db);
  int primary = code & 0xff;

  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED,
                 "%s: %s is busy (another program holds its write lock): %s", what,
                 store->db_path, sqlite3_errmsg (store->db));
  else if (primary == SQLITE_READONLY)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY, "%s: %s is read-only: %s", what,
                 store->db_path, sqlite3_errmsg (store->db));
  else
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "%s: %s: %s", what, store->db_path,
                 sqlite3_errmsg (store->db));
}

sqlite3_stmt *
ls_store_stmt (LsStore *store,
               const char *sql,
               GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (store->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      ls_store_set_sqlite_error (store, error, "preparing a statement");
      return NULL;
    }
  g_hash_table_insert (store->stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
ls_store_exec (LsStore *store,
               const char *sql,
               GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, sql, error);

  return stmt != NULL && ls_store_step_done (store, stmt, error);
}

gboolean
ls_store_step_done (LsStore *store,
                    sqlite3_stmt *stmt,
                    GError **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "writing");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
ls_store_check_writable (LsStore *store,
                         GError **error)
{
  if (!store->read_only)
    return TRUE;
  g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY,
               "the workspace %s is open read-only (%s); nothing can be changed", store->path,
               store->read_only_reason);
  return FALSE;
}

gboolean
ls_store_begin_write (LsStore *store,
                      GError **error)
{
  if (!ls_store_check_writable (store, error))
    return FALSE;
  return ls_store_exec (store, "BEGIN IMMEDIATE", error);
}

gboolean
ls_store_commit (LsStore *store,
                 GError **error)
{
  if (!ls_store_exec (store, "COMMIT", error))
    {
      ls_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

void
ls_store_rollback (LsStore *store)
{
  if (!sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
store_pragma_text (LsStore *store,
                   const char *sql,
                   char **value,
                   GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* PRAGMAs take no parameters; these are constant strings. */
  if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      ls_store_set_sqlite_error (store, error, sql);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, sql);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  if (value != NULL)
    *value = rc == SQLITE_ROW ? ls_store_column_dup (stmt, 0) : NULL;
  sqlite3_finalize (stmt);
  return TRUE;
}

static void
stmt_free (gpointer data)
{
  sqlite3_finalize (data);
}

void
ls_store_missing_file_free (LsStoreMissingFile *missing)
{
  if (missing == NULL)
    return;
  g_free (missing->sha256);
  g_free (missing->path);
  g_free (missing->reason);
  g_free (missing);
}

void
ls_store_close (LsStore *store)
{
  if (store == NULL)
    return;
  g_clear_pointer (&store->stmts, g_hash_table_unref);
  if (store->db != NULL)
    sqlite3_close (store->db);
  g_clear_pointer (&store->missing, g_ptr_array_unref);
  g_free (store->read_only_reason);
  g_free (store->db_path);
  g_free (store->path);
  g_free (store);
}

/* Whether we may write here: access() follows the real rules (read-only
 * mounts give EROFS even to root). */
static char *
unwritable_reason (const char *folder,
                   const char *db_path)
{
  if (access (folder, W_OK) != 0)
    return g_strdup_printf ("the folder %s is not writable: %s", folder, g_strerror (errno));
  if (access (db_path, F_OK) == 0 && access (db_path, W_OK) != 0)
    return g_strdup_printf ("%s is not writable: %s", db_path, g_strerror (errno));
  return NULL;
}

static gboolean
store_open_db (LsStore *store,
               gboolean create,
               GError **error)
{
  int flags, rc;

  if (store->db != NULL)
    {
      g_hash_table_remove_all (store->stmts);
      sqlite3_close (store->db);
      store->db = NULL;
    }
  if (store->immutable)
    {
      g_autofree char *escaped = g_uri_escape_string (store->db_path, "/", FALSE);
      g_autofree char *uri = g_strconcat ("file:", escaped, "?mode=ro&immutable=1", NULL);

      flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
      rc = sqlite3_open_v2 (uri, &store->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    }
  else
    {
      flags = store->read_only ? SQLITE_OPEN_READONLY
                               : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
      rc = sqlite3_open_v2 (store->db_path, &store->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot open %s: %s",
                   store->db_path,
                   store->db != NULL ? sqlite3_errmsg (store->db) : sqlite3_errstr (rc));
      return FALSE;
    }
  sqlite3_extended_result_codes (store->db, 1);
  sqlite3_busy_timeout (store->db, LS_STORE_BUSY_TIMEOUT_MS);
  return TRUE;
}

static gboolean
store_make_dirs (LsStore *store,
                 GError **error)
{
  gboolean made = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (workspace_dirs); i++)
    {
      g_autofree char *dir = g_build_filename (store->path, workspace_dirs[i], NULL);

      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        continue;
      if (g_mkdir (dir, 0755) != 0 && errno != EEXIST)
        {
          int saved = errno;

          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot create %s: %s", dir,
                       g_strerror (saved));
          return FALSE;
        }
      made = TRUE;
    }
  return !made || ls_store_fsync_dir (store->path, error);
}

LsStore *
ls_store_open (const char *path,
               LsStoreOpenFlags flags,
               GError **error)
{
  g_autoptr (LsStore) store = NULL;
  g_autofree char *journal = NULL;
  g_autoptr (GError) check_error = NULL;
  gboolean create = (flags & LS_STORE_OPEN_CREATE) != 0;
  gboolean db_exists;
  int version = 0;

  g_return_val_if_fail (path != NULL, NULL);

  store = g_new0 (LsStore, 1);
  store->path = g_canonicalize_filename (path, NULL);
  store->db_path = g_build_filename (store->path, "lungscope.db", NULL);
  store->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, stmt_free);

  if (!g_file_test (store->path, G_FILE_TEST_EXISTS))
    {
      if (!create)
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no workspace at %s",
                       store->path);
          return NULL;
        }
      if (g_mkdir_with_parents (store->path, 0755) != 0)
        {
          int saved = errno;

          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot create %s: %s",
                       store->path, g_strerror (saved));
          return NULL;
        }
    }
  if (!g_file_test (store->path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE,
                   "%s is not a folder, so not a Lungscope workspace", store->path);
      return NULL;
    }
  db_exists = g_file_test (store->db_path, G_FILE_TEST_EXISTS);
  if (!db_exists && !create)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_A_WORKSPACE,
                   "%s has no lungscope.db, so it is not a Lungscope workspace", store->path);
      return NULL;
    }

  if (flags & LS_STORE_OPEN_READ_ONLY)
    store->read_only_reason = g_strdup ("opened read-only on request");
  else
    store->read_only_reason = unwritable_reason (store->path, store->db_path);
  store->read_only = store->read_only_reason != NULL;
  if (store->read_only && !db_exists)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY,
                   "cannot create a workspace in %s: %s", store->path, store->read_only_reason);
      return NULL;
    }

  if (!store_open_db (store, create, error))
    return NULL;

  /* Nothing is written before this check (CHECKLIST 8): not even the WAL
   * switch, which changes the file header. */
  if (!ls_store_schema_check (store->db, store->db_path, &version, &check_error))
    {
      int code = sqlite3_extended_errcode (store->db) & 0xff;

      /* A WAL database on a medium where even -shm cannot be made: read it
       * as immutable. */
      if (!store->read_only || check_error->code != LS_STORE_ERROR_FAILED ||
          (code != SQLITE_CANTOPEN && code != SQLITE_READONLY))
        {
          g_propagate_error (error, g_steal_pointer (&check_error));
          return NULL;
        }
      g_debug ("%s: reading as immutable: %s", store->db_path, check_error->message);
      store->immutable = TRUE;
      if (!store_open_db (store, FALSE, error) ||
          !ls_store_schema_check (store->db, store->db_path, &version, error))
        return NULL;
    }

  if (store->read_only)
    {
      if (version < LS_STORE_SCHEMA_VERSION)
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY,
                       "%s has schema version %d and needs upgrading to %d, but it is read-only "
                       "(%s)",
                       store->db_path, version, LS_STORE_SCHEMA_VERSION, store->read_only_reason);
          return NULL;
        }
      if (!store_pragma_text (store, "PRAGMA query_only = ON", NULL, error))
        return NULL;
    }
  else
    {
      if (!store_pragma_text (store, "PRAGMA journal_mode = WAL", &journal, error))
        return NULL;
      if (g_strcmp0 (journal, "wal") != 0)
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED,
                       "%s: cannot switch to WAL mode (journal mode is %s)", store->db_path,
                       journal != NULL ? journal : "unknown");
          return NULL;
        }
      if (!store_pragma_text (store, "PRAGMA synchronous = FULL", NULL, error))
        return NULL;
    }
  if (!store_pragma_text (store, "PRAGMA foreign_keys = ON", NULL, error))
    return NULL;

  if (!store->read_only)
    {
      if (version < LS_STORE_SCHEMA_VERSION &&
          !ls_store_schema_migrate (store->db, store->db_path, version, LS_STORE_SCHEMA_VERSION,
                                    error))
        return NULL;
      if (!db_exists && !ls_store_fsync_dir (store->path, error))
        return NULL;
      if (!store_make_dirs (store, error))
        return NULL;
      if (!ls_store_clean_orphans (store, &store->orphans_removed, error))
        return NULL;
    }

  store->missing = ls_store_check_files (store, error);
  if (store->missing == NULL)
    return NULL;
  for (guint i = 0; i < store->missing->len; i++)
    {
      LsStoreMissingFile *m = g_ptr_array_index (store->missing, i);

      g_debug ("workspace %s: image %s: %s (%s)", store->path, m->sha256, m->reason, m->path);
    }
  return g_steal_pointer (&store);
}

const char *
ls_store_get_path (LsStore *store)
{
  return store->path;
}

gboolean
ls_store_is_read_only (LsStore *store)
{
  return store->read_only;
}

const char *
ls_store_get_read_only_reason (LsStore *store)
{
  return store->read_only_reason;
}

gboolean
ls_store_is_immutable (LsStore *store)
{
  return store->immutable;
}

guint
ls_store_get_orphans_removed (LsStore *store)
{
  return store->orphans_removed;
}

GPtrArray *
ls_store_get_missing_files (LsStore *store)
{
  return store->missing;
}

/* ---- classes and settings ---- */

GStrv
ls_store_get_classes (LsStore *store,
                      GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT name FROM classes ORDER BY position", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading the classes");
      return NULL;
    }
  return g_strv_builder_end (builder);
}

gboolean
ls_store_class_exists (LsStore *store,
                       const char *name,
                       GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT 1 FROM classes WHERE name = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                 "“%s” is not a class of the workspace %s", name, store->path);
  else
    ls_store_set_sqlite_error (store, error, "reading the classes");
  return FALSE;
}

static gboolean
valid_class_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64 || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == '\\' || *p == ',' || *p == '"' || g_ascii_iscntrl (*p))
      return FALSE;
  return strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

gboolean
ls_store_add_class (LsStore *store,
                    const char *name,
                    GError **error)
{
  sqlite3_stmt *stmt;

  if (!valid_class_name (name))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "“%s” cannot be a class name (1–64 characters, no / \\ , \" or controls)",
                   name != NULL ? name : "");
      return FALSE;
    }
  if (!ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        "INSERT INTO classes (name, position) "
                        "SELECT ?1, coalesce (max (position), -1) + 1 FROM classes",
                        error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (!ls_store_step_done (store, stmt, error))
    goto failed;
  return ls_store_commit (store, error);

failed:
  ls_store_rollback (store);
  return FALSE;
}

char *
ls_store_get_setting (LsStore *store,
                      const char *key,
                      GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT value FROM settings WHERE key = ?1", error);
  char *value = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = ls_store_column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    ls_store_set_sqlite_error (store, error, "reading a setting");
  sqlite3_reset (stmt);
  return value;
}

gboolean
ls_store_set_setting (LsStore *store,
                      const char *key,
                      const char *value,
                      GError **error)
{
  sqlite3_stmt *stmt;

  if (!ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (store,
                        value != NULL ? "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)"
                                      : "DELETE FROM settings WHERE key = ?1",
                        error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  if (!ls_store_step_done (store, stmt, error))
    goto failed;
  return ls_store_commit (store, error);

failed:
  ls_store_rollback (store);
  return FALSE;
}

/* ---- images ---- */

void
ls_store_image_free (LsStoreImage *image)
{
  if (image == NULL)
    return;
  g_free (image->sha256);
  g_free (image->path);
  g_free (image->reference);
  g_free (image->patient);
  g_free (image->original_name);
  g_free (image->label);
  g_free (image->modality);
  g_free (image->view_position);
  g_free (image);
}

static LsColorType
color_type_from_string (const char *s)
{
  for (int c = LS_COLOR_TYPE_UNKNOWN; c <= LS_COLOR_TYPE_YCCK; c++)
    if (g_strcmp0 (s, ls_image_color_type_to_string (c)) == 0)
      return c;
  return LS_COLOR_TYPE_UNKNOWN;
}

static LsImageFormat
format_from_string (const char *s)
{
  for (int f = LS_IMAGE_FORMAT_UNKNOWN; f <= LS_IMAGE_FORMAT_DICOM; f++)
    if (g_strcmp0 (s, ls_image_format_to_string (f)) == 0)
      return f;
  return LS_IMAGE_FORMAT_UNKNOWN;
}

#define IMAGE_COLUMNS                                                                             \
  "i.id, i.sha256, i.path, i.reference, i.byte_size, i.width, i.height, i.bit_depth, "            \
  "i.color_type, i.format, i.patient, i.original_name, i.added, "                                 \
  "(SELECT e.new_label FROM label_events e WHERE e.image_id = i.id ORDER BY e.id DESC LIMIT 1), " \
  "i.modality, i.view_position, i.pixel_spacing_row, i.pixel_spacing_col "

static LsStoreImage *
image_from_row (sqlite3_stmt *stmt)
{
  LsStoreImage *image = g_new0 (LsStoreImage, 1);
  g_autofree char *color = NULL, *format = NULL;

  image->id = sqlite3_column_int64 (stmt, 0);
  image->sha256 = ls_store_column_dup (stmt, 1);
  image->path = ls_store_column_dup (stmt, 2);
  image->reference = ls_store_column_dup (stmt, 3);
  image->byte_size = sqlite3_column_int64 (stmt, 4);
  image->width = sqlite3_column_int (stmt, 5);
  image->height = sqlite3_column_int (stmt, 6);
  image->bit_depth = sqlite3_column_int (stmt, 7);
  color = ls_store_column_dup (stmt, 8);
  format = ls_store_column_dup (stmt, 9);
  image->color_type = color_type_from_string (color);
  image->format = format_from_string (format);
  image->patient = ls_store_column_dup (stmt, 10);
  image->original_name = ls_store_column_dup (stmt, 11);
  image->added = sqlite3_column_int64 (stmt, 12);
  image->label = ls_store_column_dup (stmt, 13);
  image->modality = ls_store_column_dup (stmt, 14);
  image->view_position = ls_store_column_dup (stmt, 15);
  image->pixel_spacing[0] = sqlite3_column_double (stmt, 16);
  image->pixel_spacing[1] = sqlite3_column_double (stmt, 17);
  return image;
}

GPtrArray *
ls_store_list_images (LsStore *store,
                      GError **error)
{
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_image_free);
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT " IMAGE_COLUMNS "FROM images i ORDER BY i.id",
                                      error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (images, image_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "listing images");
      return NULL;
    }
  return g_steal_pointer (&images);
}

static gboolean
is_hex_prefix (const char *s)
{
  gsize n = strlen (s);

  if (n < 4 || n > 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

LsStoreImage *
ls_store_find_image (LsStore *store,
                     const char *sha256_or_prefix,
                     GError **error)
{
  g_autofree char *lower = g_ascii_strdown (sha256_or_prefix, -1);
  g_autofree char *upper_bound = NULL;
  LsStoreImage *image = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!is_hex_prefix (lower))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "“%s” is not an image hash or a prefix of at least 4 hex digits",
                   sha256_or_prefix);
      return NULL;
    }
  /* A range query on the unique index: prefix ≤ sha256 < prefix + 'g'. */
  upper_bound = g_strconcat (lower, "g", NULL);
  stmt = ls_store_stmt (store,
                        "SELECT " IMAGE_COLUMNS
                        "FROM images i WHERE i.sha256 >= ?1 AND i.sha256 < ?2 LIMIT 2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, lower, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, upper_bound, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      image = image_from_row (stmt);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          g_clear_pointer (&image, ls_store_image_free);
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_AMBIGUOUS,
                       "the prefix %s names more than one image", lower);
        }
      else if (rc != SQLITE_DONE)
        {
          g_clear_pointer (&image, ls_store_image_free);
          ls_store_set_sqlite_error (store, error, "finding an image");
        }
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no image %s in %s", lower,
                 store->path);
  else
    ls_store_set_sqlite_error (store, error, "finding an image");
  sqlite3_reset (stmt);
  return image;
}

gint64
ls_store_image_id (LsStore *store,
                   const char *sha256,
                   GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT id FROM images WHERE sha256 = ?1", error);
  gint64 id = 0;
  int rc;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc == SQLITE_DONE)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no image %s in %s", sha256,
                 store->path);
  else
    ls_store_set_sqlite_error (store, error, "finding an image");
  sqlite3_reset (stmt);
  return id;
}

guint
ls_store_count_images (LsStore *store,
                       GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT count(*) FROM images", error);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  else
    ls_store_set_sqlite_error (store, error, "counting images");
  sqlite3_reset (stmt);
  return n;
}

char *
ls_store_image_file (LsStore *store,
                     const LsStoreImage *image)
{
  if (image->reference != NULL)
    return g_strdup (image->reference);
  if (image->path != NULL)
    return g_build_filename (store->path, image->path, NULL);
  return NULL;
}

GBytes *
ls_store_read_image_bytes (LsStore *store,
                           const LsStoreImage *image,
                           GError **error)
{
  g_autofree char *file = ls_store_image_file (store, image);
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;

  if (file == NULL)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "image %s has no file",
                   image->sha256);
      return NULL;
    }
  if (!g_file_get_contents (file, &contents, &len, &local))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "image %s: %s",
                   image->sha256, local->message);
      return NULL;
    }
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  if (strcmp (sha, image->sha256) != 0)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_HASH_MISMATCH,
                   "%s changed since it was imported: its SHA-256 is %s, not %s", file, sha,
                   image->sha256);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

GPtrArray *
ls_store_check_files (LsStore *store,
                      GError **error)
{
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_store_missing_file_free);
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT sha256, path, reference FROM images ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *sha = (const char *) sqlite3_column_text (stmt, 0);
      const char *rel = (const char *) sqlite3_column_text (stmt, 1);
      const char *ref = (const char *) sqlite3_column_text (stmt, 2);
      g_autofree char *file = ref != NULL   ? g_strdup (ref)
                              : rel != NULL ? g_build_filename (store->path, rel, NULL)
                                            : NULL;
      GStatBuf st;

      if (file == NULL || g_stat (file, &st) != 0 || !S_ISREG (st.st_mode))
        {
          LsStoreMissingFile *m = g_new0 (LsStoreMissingFile, 1);

          m->sha256 = g_strdup (sha);
          m->path = g_strdup (file != NULL ? file : "");
          m->reason = g_strdup (file == NULL  ? "no file recorded"
                                : ref != NULL ? "the referenced file is missing"
                                              : "the stored file is missing");
          g_ptr_array_add (missing, m);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "checking files");
      return NULL;
    }
  return g_steal_pointer (&missing);
}
