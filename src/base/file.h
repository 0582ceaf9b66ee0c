/* file.h — writing files atomically and durably (CHECKLIST 3 and 10)
 *
 * Every file Lungscope writes goes through a temporary file in the
 * destination's folder: write, fsync, rename over the destination, fsync of
 * the folder. A crash leaves the old file or the new one, never half of
 * one, and once the call returns the new one survives a power cut.
 *
 * Failures are not GErrors here: each caller words them in its own domain,
 * so a failure says which step failed, on which path, with which errno.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef enum
{
  LS_FILE_WRITE_DEFAULT = 0,
  /* Atomic but not durable: neither the file nor its folder is fsync'ed.
   * For caches, which cost a rebuild when lost. */
  LS_FILE_WRITE_NO_SYNC = 1 << 0,
  /* The file is fsync'ed, its folder is not: for batches, whose caller
   * calls ls_file_sync_folder() once after the last file. */
  LS_FILE_WRITE_NO_FOLDER_SYNC = 1 << 1,
  /* Never replace an existing destination (LS_FILE_STEP_EXISTS): a hard
   * link into place, or where there are none (FAT, some network shares) a
   * check, then the rename. */
  LS_FILE_WRITE_NO_REPLACE = 1 << 2,
} LsFileWriteFlags;

typedef enum
{
  LS_FILE_STEP_CREATE,      /* creating the temporary file (path: the folder) */
  LS_FILE_STEP_WRITE,       /* writing it (path: the temporary file) */
  LS_FILE_STEP_SYNC,        /* fsync of it (path: the temporary file) */
  LS_FILE_STEP_CLOSE,       /* closing it (path: the temporary file) */
  LS_FILE_STEP_EXISTS,      /* LS_FILE_WRITE_NO_REPLACE, and the destination exists */
  LS_FILE_STEP_RENAME,      /* moving it into place (path: the destination) */
  LS_FILE_STEP_OPEN_FOLDER, /* opening the folder to fsync it (path: the folder) */
  LS_FILE_STEP_SYNC_FOLDER, /* fsync of the folder (path: the folder) */
} LsFileStep;

typedef struct
{
  LsFileStep step;
  int errsv;  /* the errno of the call that failed */
  char *path; /* what that call worked on (see LsFileStep) */
} LsFileFailure;

void ls_file_failure_clear (LsFileFailure *failure);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LsFileFailure, ls_file_failure_clear)

/* A file being written beside its destination. */
typedef struct _LsFileWriter LsFileWriter;

/* @temp_prefix names the temporary file (@temp_prefix + six random
 * characters); NULL gives ".<basename>.". */
LsFileWriter *ls_file_writer_new (const char *path,
                                  const char *temp_prefix,
                                  LsFileWriteFlags flags,
                                  LsFileFailure *failure);
/* A writer whose temporary file is a hard link to @source, to be committed
 * like any other; NULL (errno set) when the link cannot be made, e.g.
 * across file systems: then copy instead. */
LsFileWriter *ls_file_writer_new_link (const char *path,
                                       const char *source,
                                       const char *temp_prefix,
                                       LsFileWriteFlags flags);
gboolean ls_file_writer_write (LsFileWriter *writer,
                               gconstpointer data,
                               gsize len,
                               LsFileFailure *failure);
/* The temporary file as a stdio stream (for libpng and the like), owned by
 * the writer; NULL when it cannot be had. Use it or
 * ls_file_writer_write(), not both. */
FILE *ls_file_writer_get_stream (LsFileWriter *writer,
                                 LsFileFailure *failure);
/* Flush, fsync, close, rename (or link) into place, fsync of the folder, as
 * the flags say. Frees @writer; on failure the temporary file is removed
 * and the destination is as it was. */
gboolean ls_file_writer_commit (LsFileWriter *writer,
                                LsFileFailure *failure);
/* Frees @writer and removes its temporary file. */
void ls_file_writer_abort (LsFileWriter *writer);

/* The writer in one call, for contents already in memory. */
gboolean ls_file_write (const char *path,
                        const char *temp_prefix,
                        gconstpointer data,
                        gsize len,
                        LsFileWriteFlags flags,
                        LsFileFailure *failure);

/* fsyncs @folder, so the renames into it survive a crash. A file system
 * that cannot sync folders (EINVAL) is not an error. */
gboolean ls_file_sync_folder (const char *folder,
                              LsFileFailure *failure);

G_END_DECLS
