/* labels.c — label events: set, undo, redo, history
 *
 * Labels are never updated in place: every change is a new row in
 * label_events (triggers refuse UPDATE and DELETE), and an image's current
 * label is its latest event. Undo and redo are events too, so the history
 * keeps them. Each call is its own BEGIN IMMEDIATE transaction.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "dataset/store-private.h"

static const char *const source_names[] = { "import", "user", "model" };
static const char *const kind_names[] = { "set", "undo", "redo" };

const char *
ls_label_source_to_string (LsLabelSource source)
{
  g_return_val_if_fail (source <= LS_LABEL_SOURCE_MODEL, "unknown");
  return source_names[source];
}

static int
index_of (const char *const *names,
          guint n,
          const char *s)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], s) == 0)
      return (int) i;
  return 0;
}

void
ls_label_event_free (LsLabelEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->sha256);
  g_free (event->old_label);
  g_free (event->new_label);
  g_free (event->author);
  g_free (event->note);
  g_free (event);
}

/* The image's latest event: its id (0 when none) and label. */
static gboolean
current_event (LsStore *store,
               gint64 image_id,
               gint64 *event_id,
               char **label,
               GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (
      store, "SELECT id, new_label FROM label_events WHERE image_id = ?1 ORDER BY id DESC LIMIT 1",
      error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, image_id);
  rc = sqlite3_step (stmt);
  *event_id = 0;
  *label = NULL;
  if (rc == SQLITE_ROW)
    {
      *event_id = sqlite3_column_int64 (stmt, 0);
      *label = ls_store_column_dup (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading a label");
      return FALSE;
    }
  return TRUE;
}

/* Inserts one event inside the caller's transaction. */
static gint64
insert_event (LsStore *store,
              gint64 image_id,
              const char *old_label,
              const char *new_label,
              LsLabelSource source,
              LsLabelKind kind,
              gint64 reverts,
              const char *author,
              const char *note,
              GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (
      store,
      "INSERT INTO label_events "
      "(image_id, old_label, new_label, source, kind, reverts, author, time, note) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, image_id);
  ls_store_bind_text_or_null (stmt, 2, old_label);
  ls_store_bind_text_or_null (stmt, 3, new_label);
  sqlite3_bind_text (stmt, 4, source_names[source], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, kind_names[kind], -1, SQLITE_STATIC);
  if (reverts > 0)
    sqlite3_bind_int64 (stmt, 6, reverts);
  else
    sqlite3_bind_null (stmt, 6);
  ls_store_bind_text_or_null (stmt, 7, author);
  sqlite3_bind_int64 (stmt, 8, ls_store_now ());
  ls_store_bind_text_or_null (stmt, 9, note);
  if (!ls_store_step_done (store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

gint64
ls_store_set_label_locked (LsStore *store,
                           gint64 image_id,
                           const char *label,
                           LsLabelSource source,
                           const char *author,
                           const char *note,
                           GError **error)
{
  g_autofree char *current = NULL;
  gint64 current_id = 0;

  if (!current_event (store, image_id, &current_id, &current, error))
    return 0;
  if (g_strcmp0 (current, label) == 0)
    return current_id > 0 ? current_id : -1;
  return insert_event (store, image_id, current, label, source, LS_LABEL_KIND_SET, 0, author, note,
                       error);
}

gint64
ls_store_set_label (LsStore *store,
                    const char *sha256,
                    const char *label,
                    LsLabelSource source,
                    const char *author,
                    const char *note,
                    GError **error)
{
  gint64 image_id, id;

  g_return_val_if_fail (source <= LS_LABEL_SOURCE_MODEL, 0);

  if (!ls_store_check_writable (store, error))
    return 0;
  if (label != NULL && !ls_store_class_exists (store, label, error))
    return 0;
  if (!ls_store_begin_write (store, error))
    return 0;
  image_id = ls_store_image_id (store, sha256, error);
  if (image_id == 0)
    goto failed;
  id = ls_store_set_label_locked (store, image_id, label, source, author, note, error);
  if (id == 0 || !ls_store_commit (store, error))
    goto failed;
  return id;

failed:
  ls_store_rollback (store);
  return 0;
}

char *
ls_store_get_label (LsStore *store,
                    const char *sha256,
                    GError **error)
{
  gint64 image_id = ls_store_image_id (store, sha256, error);
  gint64 event_id;
  char *label = NULL;

  if (image_id == 0)
    return NULL;
  current_event (store, image_id, &event_id, &label, error);
  return label;
}

GHashTable *
ls_store_human_labels (LsStore *store,
                       GError **error)
{
  g_autoptr (GHashTable) labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  sqlite3_stmt *stmt = ls_store_stmt (store,
                                      "SELECT i.id, e.new_label FROM images i JOIN label_events e "
                                      "ON e.id = (SELECT max (f.id) FROM label_events f "
                                      "WHERE f.image_id = i.id) "
                                      "WHERE e.new_label IS NOT NULL AND e.source <> 'model'",
                                      error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (labels, g_memdup2 (&(gint64){ sqlite3_column_int64 (stmt, 0) }, sizeof (gint64)),
                         ls_store_column_dup (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading the labels");
      return NULL;
    }
  return g_steal_pointer (&labels);
}

#define EVENT_COLUMNS                                                                         \
  "e.id, i.sha256, e.old_label, e.new_label, e.source, e.kind, e.reverts, e.author, e.time, " \
  "e.note "

static LsLabelEvent *
event_from_row (sqlite3_stmt *stmt)
{
  LsLabelEvent *event = g_new0 (LsLabelEvent, 1);

  event->id = sqlite3_column_int64 (stmt, 0);
  event->sha256 = ls_store_column_dup (stmt, 1);
  event->old_label = ls_store_column_dup (stmt, 2);
  event->new_label = ls_store_column_dup (stmt, 3);
  event->source = index_of (source_names, G_N_ELEMENTS (source_names),
                            (const char *) sqlite3_column_text (stmt, 4));
  event->kind = index_of (kind_names, G_N_ELEMENTS (kind_names),
                          (const char *) sqlite3_column_text (stmt, 5));
  event->reverts = sqlite3_column_int64 (stmt, 6);
  event->author = ls_store_column_dup (stmt, 7);
  event->time = sqlite3_column_int64 (stmt, 8);
  event->note = ls_store_column_dup (stmt, 9);
  return event;
}

GPtrArray *
ls_store_label_history (LsStore *store,
                        const char *sha256,
                        GError **error)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_label_event_free);
  gint64 image_id = ls_store_image_id (store, sha256, error);
  sqlite3_stmt *stmt;
  int rc;

  if (image_id == 0)
    return NULL;
  stmt = ls_store_stmt (store,
                        "SELECT " EVENT_COLUMNS "FROM label_events e "
                        "JOIN images i ON i.id = e.image_id WHERE e.image_id = ?1 ORDER BY e.id",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, image_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (events, event_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading the label history");
      return NULL;
    }
  return g_steal_pointer (&events);
}

LsLabelEvent *
ls_store_get_label_event (LsStore *store,
                          gint64 id,
                          GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store,
                                      "SELECT " EVENT_COLUMNS "FROM label_events e "
                                      "JOIN images i ON i.id = e.image_id WHERE e.id = ?1",
                                      error);
  LsLabelEvent *event = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    event = event_from_row (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no label event %" G_GINT64_FORMAT,
                 id);
  else
    ls_store_set_sqlite_error (store, error, "reading a label event");
  sqlite3_reset (stmt);
  return event;
}

/* The latest user change not yet undone: sets and redos are on the undo
 * stack until an undo event reverts them. */
static const char undo_candidate_sql[] = "SELECT e.id, e.image_id, e.old_label FROM label_events e "
                                         "WHERE e.source = 'user' AND e.kind IN ('set', 'redo') "
                                         "AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.kind = 'undo' AND u.reverts = e.id) "
                                         "ORDER BY e.id DESC LIMIT 1";

/* The latest undo not yet redone, unless a user set came after it (a new
 * change clears the redo stack); the label to restore is the new label of
 * the event the undo reverted. */
static const char redo_candidate_sql[] = "SELECT u.id, u.image_id, x.new_label FROM label_events u "
                                         "JOIN label_events x ON x.id = u.reverts "
                                         "WHERE u.source = 'user' AND u.kind = 'undo' "
                                         "AND NOT EXISTS (SELECT 1 FROM label_events r WHERE r.kind = 'redo' AND r.reverts = u.id) "
                                         "AND NOT EXISTS (SELECT 1 FROM label_events s "
                                         "                WHERE s.source = 'user' AND s.kind = 'set' AND s.id > u.id) "
                                         "ORDER BY u.id DESC LIMIT 1";

static gboolean
find_candidate (LsStore *store,
                const char *sql,
                gint64 *event_id,
                gint64 *image_id,
                char **label,
                GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *event_id = 0;
  if (rc == SQLITE_ROW)
    {
      *event_id = sqlite3_column_int64 (stmt, 0);
      *image_id = sqlite3_column_int64 (stmt, 1);
      *label = ls_store_column_dup (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading the undo history");
      return FALSE;
    }
  return TRUE;
}

static gint64
undo_redo (LsStore *store,
           LsLabelKind kind,
           const char *author,
           GError **error)
{
  g_autofree char *target = NULL, *current = NULL;
  gint64 reverts = 0, image_id = 0, current_id = 0, id;

  if (!ls_store_begin_write (store, error))
    return 0;
  if (!find_candidate (store, kind == LS_LABEL_KIND_UNDO ? undo_candidate_sql : redo_candidate_sql,
                       &reverts, &image_id, &target, error))
    goto failed;
  if (reverts == 0)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOTHING_TO_UNDO,
                   kind == LS_LABEL_KIND_UNDO ? "there is no label change to undo"
                                              : "there is no undone label change to redo");
      goto failed;
    }
  if (!current_event (store, image_id, &current_id, &current, error))
    goto failed;
  id = insert_event (store, image_id, current, target, LS_LABEL_SOURCE_USER, kind, reverts, author,
                     NULL, error);
  if (id == 0 || !ls_store_commit (store, error))
    goto failed;
  return id;

failed:
  ls_store_rollback (store);
  return 0;
}

gint64
ls_store_undo_label (LsStore *store,
                     const char *author,
                     GError **error)
{
  return undo_redo (store, LS_LABEL_KIND_UNDO, author, error);
}

gint64
ls_store_redo_label (LsStore *store,
                     const char *author,
                     GError **error)
{
  return undo_redo (store, LS_LABEL_KIND_REDO, author, error);
}

static gboolean
has_candidate (LsStore *store,
               const char *sql)
{
  g_autofree char *label = NULL;
  gint64 event_id = 0, image_id = 0;

  return find_candidate (store, sql, &event_id, &image_id, &label, NULL) && event_id > 0;
}

gboolean
ls_store_can_undo (LsStore *store)
{
  return !store->read_only && has_candidate (store, undo_candidate_sql);
}

gboolean
ls_store_can_redo (LsStore *store)
{
  return !store->read_only && has_candidate (store, redo_candidate_sql);
}
