/* file.c — writing files atomically and durably (see file.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

struct _LsFileWriter
{
  char *path;   /* the destination */
  char *folder; /* its folder, where the temporary file is */
  char *tmp;    /* the temporary file */
  int fd;       /* open on tmp, or -1 for a linked file */
  FILE *stream; /* on fd, once asked for */
  LsFileWriteFlags flags;
};

void
ls_file_failure_clear (LsFileFailure *failure)
{
  g_clear_pointer (&failure->path, g_free);
}

static gboolean
fail (LsFileFailure *failure,
      LsFileStep step,
      const char *path,
      int errsv)
{
  if (failure != NULL)
    {
      failure->step = step;
      failure->errsv = errsv != 0 ? errsv : EIO;
      g_free (failure->path);
      failure->path = g_strdup (path);
    }
  return FALSE;
}

static LsFileWriter *
writer_alloc (const char *path,
              const char *temp_prefix,
              const char *suffix,
              LsFileWriteFlags flags)
{
  LsFileWriter *writer = g_new0 (LsFileWriter, 1);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = NULL;

  if (temp_prefix != NULL)
    name = g_strconcat (temp_prefix, suffix, NULL);
  else
    name = g_strconcat (".", base, ".", suffix, NULL);
  writer->path = g_strdup (path);
  writer->folder = g_path_get_dirname (path);
  writer->tmp = g_build_filename (writer->folder, name, NULL);
  writer->fd = -1;
  writer->flags = flags;
  return writer;
}

static void
writer_free (LsFileWriter *writer)
{
  g_free (writer->path);
  g_free (writer->folder);
  g_free (writer->tmp);
  g_free (writer);
}

LsFileWriter *
ls_file_writer_new (const char *path,
                    const char *temp_prefix,
                    LsFileWriteFlags flags,
                    LsFileFailure *failure)
{
  LsFileWriter *writer;

  g_return_val_if_fail (path != NULL, NULL);

  writer = writer_alloc (path, temp_prefix, "XXXXXX", flags);
  writer->fd = g_mkstemp_full (writer->tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (writer->fd < 0)
    {
      fail (failure, LS_FILE_STEP_CREATE, writer->folder, errno);
      writer_free (writer);
      return NULL;
    }
  return writer;
}

LsFileWriter *
ls_file_writer_new_link (const char *path,
                         const char *source,
                         const char *temp_prefix,
                         LsFileWriteFlags flags)
{
  g_return_val_if_fail (path != NULL && source != NULL, NULL);

  for (int attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *suffix = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
      LsFileWriter *writer = writer_alloc (path, temp_prefix, suffix, flags);
      int errsv;

      if (link (source, writer->tmp) == 0)
        return writer;
      errsv = errno;
      writer_free (writer);
      errno = errsv;
      if (errsv != EEXIST)
        break;
    }
  return NULL;
}

gboolean
ls_file_writer_write (LsFileWriter *writer,
                      gconstpointer data,
                      gsize len,
                      LsFileFailure *failure)
{
  const guint8 *p = data;

  g_return_val_if_fail (writer != NULL && writer->fd >= 0 && writer->stream == NULL, FALSE);

  while (len > 0)
    {
      gssize n = write (writer->fd, p, MIN (len, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return fail (failure, LS_FILE_STEP_WRITE, writer->tmp, n < 0 ? errno : EIO);
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

FILE *
ls_file_writer_get_stream (LsFileWriter *writer,
                           LsFileFailure *failure)
{
  g_return_val_if_fail (writer != NULL && writer->fd >= 0, NULL);

  if (writer->stream == NULL)
    {
      writer->stream = fdopen (writer->fd, "wb");
      if (writer->stream == NULL)
        fail (failure, LS_FILE_STEP_CREATE, writer->folder, errno);
    }
  return writer->stream;
}

/* Closes the temporary file; FALSE when the close reported an error. */
static gboolean
close_tmp (LsFileWriter *writer)
{
  int rc = 0;

  if (writer->stream != NULL)
    rc = fclose (writer->stream);
  else if (writer->fd >= 0)
    rc = close (writer->fd);
  writer->stream = NULL;
  writer->fd = -1;
  return rc == 0;
}

static gboolean
sync_tmp (LsFileWriter *writer,
          LsFileFailure *failure)
{
  int fd = writer->fd;
  int errsv;

  /* A linked file: someone else wrote it; its data is synced here too. */
  if (fd < 0)
    fd = g_open (writer->tmp, O_RDONLY | O_CLOEXEC, 0);
  if (fd >= 0 && fsync (fd) == 0)
    {
      if (fd != writer->fd)
        close (fd);
      return TRUE;
    }
  errsv = errno;
  if (fd >= 0 && fd != writer->fd)
    close (fd);
  return fail (failure, LS_FILE_STEP_SYNC, writer->tmp, errsv);
}

/* Moves the closed temporary file to the destination. */
static gboolean
put_in_place (LsFileWriter *writer,
              LsFileFailure *failure)
{
  if (writer->flags & LS_FILE_WRITE_NO_REPLACE)
    {
      if (link (writer->tmp, writer->path) == 0)
        {
          g_unlink (writer->tmp);
          return TRUE;
        }
      if (errno == EEXIST || g_file_test (writer->path, G_FILE_TEST_EXISTS))
        return fail (failure, LS_FILE_STEP_EXISTS, writer->path, EEXIST);
      /* No hard links here: checked, then renamed. */
    }
  if (g_rename (writer->tmp, writer->path) != 0)
    return fail (failure, LS_FILE_STEP_RENAME, writer->path, errno);
  return TRUE;
}

gboolean
ls_file_writer_commit (LsFileWriter *writer,
                       LsFileFailure *failure)
{
  gboolean sync, ok = TRUE;

  g_return_val_if_fail (writer != NULL, FALSE);

  sync = !(writer->flags & LS_FILE_WRITE_NO_SYNC);

  if (writer->stream != NULL)
    {
      errno = 0;
      if (fflush (writer->stream) != 0 || ferror (writer->stream))
        ok = fail (failure, LS_FILE_STEP_WRITE, writer->tmp, errno);
    }
  if (ok && sync)
    ok = sync_tmp (writer, failure);
  if (!close_tmp (writer) && ok)
    ok = fail (failure, LS_FILE_STEP_CLOSE, writer->tmp, errno);
  if (ok)
    ok = put_in_place (writer, failure);
  if (!ok)
    g_unlink (writer->tmp);
  else if (sync && !(writer->flags & LS_FILE_WRITE_NO_FOLDER_SYNC))
    ok = ls_file_sync_folder (writer->folder, failure);
  writer_free (writer);
  return ok;
}

void
ls_file_writer_abort (LsFileWriter *writer)
{
  if (writer == NULL)
    return;
  close_tmp (writer);
  g_unlink (writer->tmp);
  writer_free (writer);
}

gboolean
ls_file_write (const char *path,
               const char *temp_prefix,
               gconstpointer data,
               gsize len,
               LsFileWriteFlags flags,
               LsFileFailure *failure)
{
  LsFileWriter *writer = ls_file_writer_new (path, temp_prefix, flags, failure);

  if (writer == NULL)
    return FALSE;
  if (!ls_file_writer_write (writer, data, len, failure))
    {
      ls_file_writer_abort (writer);
      return FALSE;
    }
  return ls_file_writer_commit (writer, failure);
}

gboolean
ls_file_sync_folder (const char *folder,
                     LsFileFailure *failure)
{
  int fd;

  g_return_val_if_fail (folder != NULL, FALSE);

  fd = g_open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0)
    return fail (failure, LS_FILE_STEP_OPEN_FOLDER, folder, errno);
  /* EINVAL: a file system that cannot sync folders; nothing more to do. */
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int errsv = errno;

      close (fd);
      return fail (failure, LS_FILE_STEP_SYNC_FOLDER, folder, errsv);
    }
  close (fd);
  return TRUE;
}
