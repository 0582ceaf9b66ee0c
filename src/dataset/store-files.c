/* store-files.c — files beside the store (CHECKLIST 3 and 10)
 *
 * Content files are written as temp file → fsync → rename → fsync of the
 * folder, inside the write transaction that registers them, so a file is
 * durable before its row commits and orphan cleanup (which also takes the
 * write lock) can never remove a file another connection is about to
 * register.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "dataset/store-private.h"

#define TEMP_PREFIX ".tmp-"

char *
ls_store_image_relpath (const char *sha256)
{
  char sub[3] = { sha256[0], sha256[1], '\0' };

  return g_build_filename ("images", sub, sha256, NULL);
}

static gboolean
set_errno_error (GError **error,
                 int saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* How each step of a durable write failing reads before the path. */
static const char *const write_steps[] = {
  [LS_FILE_STEP_CREATE] = "cannot create a temporary file in",
  [LS_FILE_STEP_WRITE] = "cannot write",
  [LS_FILE_STEP_SYNC] = "cannot sync",
  [LS_FILE_STEP_CLOSE] = "cannot close",
  [LS_FILE_STEP_EXISTS] = "cannot replace",
  [LS_FILE_STEP_RENAME] = "cannot rename into place",
  [LS_FILE_STEP_OPEN_FOLDER] = "cannot open the folder",
  [LS_FILE_STEP_SYNC_FOLDER] = "cannot sync the folder",
};

static gboolean
set_file_error (GError **error,
                const LsFileFailure *failure)
{
  return set_errno_error (error, failure->errsv, write_steps[failure->step], failure->path);
}

gboolean
ls_store_fsync_dir (const char *dir,
                    GError **error)
{
  g_auto (LsFileFailure) failure = { 0 };

  return ls_file_sync_folder (dir, &failure) || set_file_error (error, &failure);
}

/* Copies @src into @writer. */
static gboolean
copy_into (LsFileWriter *writer,
           const char *src,
           GError **error)
{
  guint8 buf[1 << 16];
  int in = open (src, O_RDONLY | O_CLOEXEC);

  if (in < 0)
    return set_errno_error (error, errno, "cannot read", src);
  for (;;)
    {
      g_auto (LsFileFailure) failure = { 0 };
      gssize n = read (in, buf, sizeof buf);

      if (n == 0)
        break;
      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          close (in);
          return set_errno_error (error, saved, "cannot read", src);
        }
      if (!ls_file_writer_write (writer, buf, (gsize) n, &failure))
        {
          close (in);
          return set_errno_error (error, failure.errsv, "cannot write a copy of", src);
        }
    }
  close (in);
  return TRUE;
}

static gboolean
ensure_dir (const char *dir,
            GError **error)
{
  g_autofree char *parent = NULL;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_mkdir (dir, 0755) != 0 && errno != EEXIST)
    return set_errno_error (error, errno, "cannot create the folder", dir);
  parent = g_path_get_dirname (dir);
  return ls_store_fsync_dir (parent, error);
}

struct _LsFileBatch
{
  GPtrArray *writers; /* written, not yet synced */
  GHashTable *dirs;   /* folders to sync after the renames */
};

LsFileBatch *
ls_file_batch_new (void)
{
  LsFileBatch *batch = g_new0 (LsFileBatch, 1);

  batch->writers = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_file_writer_abort);
  batch->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return batch;
}

void
ls_file_batch_free (LsFileBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->writers);
  g_hash_table_unref (batch->dirs);
  g_free (batch);
}

gboolean
ls_file_batch_finish (LsFileBatch *batch,
                      GError **error)
{
  GHashTableIter it;
  gpointer dir;

  /* One fsync per file, but on ext4 (data=ordered) the first commits the
   * journal for all of them, so the rest are cheap; the folders once each
   * at the end. */
  while (batch->writers->len > 0)
    {
      g_auto (LsFileFailure) failure = { 0 };

      if (!ls_file_writer_commit (g_ptr_array_steal_index (batch->writers, 0), &failure))
        return set_file_error (error, &failure);
    }
  g_hash_table_iter_init (&it, batch->dirs);
  while (g_hash_table_iter_next (&it, &dir, NULL))
    if (!ls_store_fsync_dir (dir, error))
      return FALSE;
  g_hash_table_remove_all (batch->dirs);
  return TRUE;
}

gboolean
ls_store_put_file_durably (const char *dest,
                           const char *src_path,
                           GBytes *data,
                           gboolean allow_link,
                           LsFileBatch *batch,
                           GError **error)
{
  g_autofree char *dir = g_path_get_dirname (dest);
  g_auto (LsFileFailure) failure = { 0 };
  LsFileWriteFlags flags = batch != NULL ? LS_FILE_WRITE_NO_FOLDER_SYNC : 0;
  LsFileWriter *writer = NULL;

  g_return_val_if_fail (src_path != NULL || data != NULL, FALSE);

  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    return TRUE; /* content-addressed: the same name holds the same bytes */
  if (!ensure_dir (dir, error))
    return FALSE;

  /* A linked file's data (someone just wrote it) is synced on commit too. */
  if (allow_link && src_path != NULL)
    writer = ls_file_writer_new_link (dest, src_path, TEMP_PREFIX, flags);
  if (writer == NULL)
    {
      gboolean ok;

      writer = ls_file_writer_new (dest, TEMP_PREFIX, flags, &failure);
      if (writer == NULL)
        return set_file_error (error, &failure);
      if (data != NULL)
        {
          gsize len;
          const guint8 *bytes = g_bytes_get_data (data, &len);

          ok = ls_file_writer_write (writer, bytes, len, &failure) || set_file_error (error, &failure);
        }
      else
        ok = copy_into (writer, src_path, error);
      if (!ok)
        {
          ls_file_writer_abort (writer);
          return FALSE;
        }
    }
  if (batch != NULL)
    {
      g_ptr_array_add (batch->writers, writer);
      g_hash_table_add (batch->dirs, g_steal_pointer (&dir));
      return TRUE;
    }
  return ls_file_writer_commit (writer, &failure) || set_file_error (error, &failure);
}

static gboolean
is_sha256_name (const char *name)
{
  if (strlen (name) != 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
image_registered (LsStore *store,
                  const char *sha256,
                  gboolean *registered,
                  GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT 1 FROM images WHERE sha256 = ?1 AND path IS NOT NULL", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "checking for orphans");
      return FALSE;
    }
  *registered = rc == SQLITE_ROW;
  return TRUE;
}

/* Removes temp files in @dir; with @store, also content files without a row. */
static gboolean
clean_dir (LsStore *store,
           const char *dir,
           gboolean content,
           guint *removed,
           GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  gboolean changed = FALSE;

  if (d == NULL)
    return TRUE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      gboolean remove = g_str_has_prefix (name, TEMP_PREFIX);

      if (!remove && content && is_sha256_name (name))
        {
          gboolean registered = TRUE;

          if (!image_registered (store, name, &registered, error))
            return FALSE;
          remove = !registered;
        }
      if (remove)
        {
          if (g_unlink (file) != 0 && errno != ENOENT)
            return set_errno_error (error, errno, "cannot remove the orphan", file);
          g_debug ("removed orphan %s", file);
          (*removed)++;
          changed = TRUE;
        }
    }
  return !changed || ls_store_fsync_dir (dir, error);
}

/* Inside the write lock. */
static gboolean
remove_deleted_model_files (LsStore *store,
                            guint *removed,
                            GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT file FROM models WHERE deleted IS NOT NULL", error);
  g_autofree char *models = g_build_filename (store->path, "models", NULL);
  gboolean changed = FALSE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (files, ls_store_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "listing deleted models");
      return FALSE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *abs = NULL;

      if (files->pdata[i] == NULL)
        continue;
      abs = g_build_filename (store->path, (const char *) files->pdata[i], NULL);
      if (g_unlink (abs) == 0)
        {
          g_debug ("removed the file of a deleted model, %s", abs);
          (*removed)++;
          changed = TRUE;
        }
      else if (errno != ENOENT)
        return set_errno_error (error, errno, "cannot remove the deleted model file", abs);
    }
  return !changed || ls_store_fsync_dir (models, error);
}

gboolean
ls_store_clean_orphans (LsStore *store,
                        guint *removed,
                        GError **error)
{
  g_autofree char *images = g_build_filename (store->path, "images", NULL);
  g_autofree char *models = g_build_filename (store->path, "models", NULL);
  g_autofree char *cache = g_build_filename (store->path, "cache", NULL);
  g_autofree char *thumbs = g_build_filename (cache, "thumbs", NULL);
  g_autoptr (GDir) d = NULL;
  g_autoptr (GDir) t = NULL;
  const char *name;

  *removed = 0;
  /* The write lock: no other connection is between writing a file and
   * committing its row while we look. */
  if (!ls_store_begin_write (store, error))
    return FALSE;
  d = g_dir_open (images, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sub = g_build_filename (images, name, NULL);

      if (strlen (name) == 2 && g_file_test (sub, G_FILE_TEST_IS_DIR) &&
          !clean_dir (store, sub, TRUE, removed, error))
        goto failed;
    }
  /* Thumbnails (cache/thumbs/ab/<sha>.png) are written through temp files
   * beside them: a killed import leaves those behind. */
  t = g_dir_open (thumbs, 0, NULL);
  while (t != NULL && (name = g_dir_read_name (t)) != NULL)
    {
      g_autofree char *sub = g_build_filename (thumbs, name, NULL);

      if (g_file_test (sub, G_FILE_TEST_IS_DIR) && !clean_dir (store, sub, FALSE, removed, error))
        goto failed;
    }
  /* A crash between marking a model deleted and removing its file leaves
   * the file behind. */
  if (!remove_deleted_model_files (store, removed, error))
    goto failed;
  /* Model files are registered by the pipeline after it wrote them, so
   * only temp files are orphans there. */
  if (!clean_dir (store, images, FALSE, removed, error) ||
      !clean_dir (store, models, FALSE, removed, error) ||
      !clean_dir (store, cache, FALSE, removed, error) ||
      !clean_dir (store, thumbs, FALSE, removed, error))
    goto failed;
  return ls_store_commit (store, error);

failed:
  ls_store_rollback (store);
  return FALSE;
}
