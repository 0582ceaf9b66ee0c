/* store-private.h — what the store's modules share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "dataset/store.h"

G_BEGIN_DECLS

struct _LsStore
{
  char *path;    /* the workspace folder */
  char *db_path; /* path/lungscope.db */
  sqlite3 *db;
  GHashTable *stmts; /* SQL text → prepared sqlite3_stmt */
  gboolean read_only;
  gboolean immutable;
  char *read_only_reason;
  guint orphans_removed;
  GPtrArray *missing; /* LsStoreMissingFile found at open */
};

/* The one prepared statement for @sql (reset, bindings cleared), or NULL
 * with @error set. Owned by the store. */
sqlite3_stmt *ls_store_stmt (LsStore *store,
                             const char *sql,
                             GError **error);
/* Sets @error from the connection's last error, with @what as context. */
void ls_store_set_sqlite_error (LsStore *store,
                                GError **error,
                                const char *what);
gboolean ls_store_exec (LsStore *store,
                        const char *sql,
                        GError **error);
/* Fails with LS_STORE_ERROR_READ_ONLY on a read-only store. */
gboolean ls_store_check_writable (LsStore *store,
                                  GError **error);
/* BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout). */
gboolean ls_store_begin_write (LsStore *store,
                               GError **error);
gboolean ls_store_commit (LsStore *store,
                          GError **error);
void ls_store_rollback (LsStore *store);
/* Runs a prepared statement to completion (no rows expected). */
gboolean ls_store_step_done (LsStore *store,
                             sqlite3_stmt *stmt,
                             GError **error);
gint64 ls_store_now (void);
/* Image id for a full hash, 0 with LS_STORE_ERROR_NOT_FOUND. */
gint64 ls_store_image_id (LsStore *store,
                          const char *sha256,
                          GError **error);
gboolean ls_store_class_exists (LsStore *store,
                                const char *name,
                                GError **error);
/* Binds @text, or SQL NULL when @text is NULL. */
void ls_store_bind_text_or_null (sqlite3_stmt *stmt,
                                 int index,
                                 const char *text);
/* Column text as a new string, NULL for SQL NULL. */
char *ls_store_column_dup (sqlite3_stmt *stmt,
                           int column);

/* labels.c */
/* Sets the label inside the caller's write transaction; returns the event
 * id, -1 when the image is unlabelled and stays so, 0 on error. */
gint64 ls_store_set_label_locked (LsStore *store,
                                  gint64 image_id,
                                  const char *label,
                                  LsLabelSource source,
                                  const char *author,
                                  const char *note,
                                  GError **error);

/* store-schema.c */
/* Reads application_id and user_version; refuses foreign and newer dbs.
 * Writes nothing. *@version gets the db's schema version (0 = new, empty). */
gboolean ls_store_schema_check (sqlite3 *db,
                                const char *db_path,
                                int *version,
                                GError **error);
/* Migrates from @from up to @to, one transaction per step. Exposed with @to
 * so the tests can build databases of every older version. */
gboolean ls_store_schema_migrate (sqlite3 *db,
                                  const char *db_path,
                                  int from,
                                  int to,
                                  GError **error);

/* store-files.c */
/* The workspace-relative path of an image's stored copy: images/ab/abcdef… */
char *ls_store_image_relpath (const char *sha256);
/* Files written for one transaction: synced and renamed into place
 * together by ls_file_batch_finish() before the COMMIT; freeing an
 * unfinished batch removes its temp files. */
typedef struct _LsFileBatch LsFileBatch;

LsFileBatch *ls_file_batch_new (void);
void ls_file_batch_free (LsFileBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsFileBatch, ls_file_batch_free)
gboolean ls_file_batch_finish (LsFileBatch *batch,
                               GError **error);
/* Makes @dest (absolute) hold the bytes of @src_path (or @data): hard link
 * where possible, copy otherwise, through a temp file in the same folder,
 * fsync, rename, fsync of the folder — at once, or with @batch when the
 * batch finishes. Nothing is done if @dest exists. */
gboolean ls_store_put_file_durably (const char *dest,
                                    const char *src_path,
                                    GBytes *data,
                                    gboolean allow_link,
                                    LsFileBatch *batch,
                                    GError **error);
/* Removes temp files and unregistered content files (under the write lock);
 * returns how many were removed. */
gboolean ls_store_clean_orphans (LsStore *store,
                                 guint *removed,
                                 GError **error);
gboolean ls_store_fsync_dir (const char *dir,
                             GError **error);

G_END_DECLS
