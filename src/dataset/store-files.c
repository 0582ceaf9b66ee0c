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

gboolean
ls_store_fsync_dir (const char *dir,
                    GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open the folder", dir);
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int saved = errno;

      close (fd);
      return set_errno_error (error, saved, "cannot sync the folder", dir);
    }
  close (fd);
  return TRUE;
}

static gboolean
fsync_path (const char *path,
            GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", path);
  if (fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      return set_errno_error (error, saved, "cannot sync", path);
    }
  close (fd);
  return TRUE;
}

static gboolean
write_all (int fd,
           const guint8 *data,
           gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Copies @src into the open @fd. */
static gboolean
copy_into (int fd,
           const char *src,
           GError **error)
{
  guint8 buf[1 << 16];
  int in = open (src, O_RDONLY | O_CLOEXEC);

  if (in < 0)
    return set_errno_error (error, errno, "cannot read", src);
  for (;;)
    {
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
      if (!write_all (fd, buf, (gsize) n))
        {
          int saved = errno;

          close (in);
          return set_errno_error (error, saved, "cannot write a copy of", src);
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
  GPtrArray *tmps;  /* written, not yet synced */
  GPtrArray *dests; /* where each goes */
  GHashTable *dirs; /* folders to sync after the renames */
};

LsFileBatch *
ls_file_batch_new (void)
{
  LsFileBatch *batch = g_new0 (LsFileBatch, 1);

  batch->tmps = g_ptr_array_new_with_free_func (g_free);
  batch->dests = g_ptr_array_new_with_free_func (g_free);
  batch->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return batch;
}

void
ls_file_batch_free (LsFileBatch *batch)
{
  if (batch == NULL)
    return;
  for (guint i = 0; i < batch->tmps->len; i++)
    g_unlink (g_ptr_array_index (batch->tmps, i));
  g_ptr_array_unref (batch->tmps);
  g_ptr_array_unref (batch->dests);
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
   * journal for all of them, so the rest are cheap. */
  for (guint i = 0; i < batch->tmps->len; i++)
    if (!fsync_path (g_ptr_array_index (batch->tmps, i), error))
      return FALSE;
  while (batch->tmps->len > 0)
    {
      const char *tmp = g_ptr_array_index (batch->tmps, 0);
      const char *dest = g_ptr_array_index (batch->dests, 0);

      if (rename (tmp, dest) != 0)
        return set_errno_error (error, errno, "cannot rename into place", dest);
      g_ptr_array_remove_index (batch->tmps, 0);
      g_ptr_array_remove_index (batch->dests, 0);
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
  g_autofree char *tmp = NULL;
  gboolean linked = FALSE;

  g_return_val_if_fail (src_path != NULL || data != NULL, FALSE);

  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    return TRUE; /* content-addressed: the same name holds the same bytes */
  if (!ensure_dir (dir, error))
    return FALSE;

  if (allow_link && src_path != NULL)
    {
      tmp = g_strdup_printf ("%s/" TEMP_PREFIX "%08x%08x", dir, g_random_int (), g_random_int ());
      linked = link (src_path, tmp) == 0;
      if (!linked)
        g_clear_pointer (&tmp, g_free);
    }
  if (!linked)
    {
      int fd;
      gboolean ok;

      tmp = g_build_filename (dir, TEMP_PREFIX "XXXXXX", NULL);
      fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          set_errno_error (error, errno, "cannot create a temporary file in", dir);
          g_clear_pointer (&tmp, g_free);
          return FALSE;
        }
      if (data != NULL)
        {
          gsize len;
          const guint8 *bytes = g_bytes_get_data (data, &len);

          ok = write_all (fd, bytes, len);
          if (!ok)
            set_errno_error (error, errno, "cannot write", tmp);
        }
      else
        ok = copy_into (fd, src_path, error);
      if (close (fd) != 0 && ok)
        ok = set_errno_error (error, errno, "cannot close", tmp);
      if (!ok)
        goto failed;
    }
  if (batch != NULL)
    {
      g_ptr_array_add (batch->tmps, g_steal_pointer (&tmp));
      g_ptr_array_add (batch->dests, g_strdup (dest));
      g_hash_table_add (batch->dirs, g_steal_pointer (&dir));
      return TRUE;
    }
  /* The data (of a copy, or of a linked file someone just wrote) is on
   * disk before the name points at it. */
  if (!fsync_path (tmp, error))
    goto failed;
  if (rename (tmp, dest) != 0)
    {
      set_errno_error (error, errno, "cannot rename into place", dest);
      goto failed;
    }
  return ls_store_fsync_dir (dir, error);

failed:
  if (tmp != NULL)
    g_unlink (tmp);
  return FALSE;
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
