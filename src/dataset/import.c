/* import.c — class folders, CSV and unlabelled folders into a workspace
 *
 * Two passes. The first reads every file once outside any transaction:
 * SHA-256, image metadata (image-info.c), and groups files by hash, so the
 * same bytes under two labels are seen as a conflict before anything is
 * written. The second writes in batches: each batch is one BEGIN IMMEDIATE
 * transaction in which every new image's file is made durable (link or
 * copy, fsync, rename, fsync of the folder) before its row is inserted and
 * the batch commits. A cancelled or killed import leaves whole batches; the
 * next import finishes the rest, the next open removes orphaned files.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dataset/image-info.h"
#include "dataset/import.h"
#include "dataset/store-private.h"
#include "dataset/thumbnail.h"
#include "imaging/image-files.h"

#define BATCH_IMAGES 32
#define BATCH_BYTES (64 * 1024 * 1024)

typedef struct
{
  char *path;    /* absolute */
  char *display; /* as shown in reports */
  char *label;   /* class or NULL */
  char *patient;
  char *sha256;
  gint64 size;
  LsDatasetImageInfo info;
  gboolean ok;
  GStatBuf st;         /* at pass 1: pass 2 copies only the same file */
  gboolean primary;    /* first file of its hash: the one imported */
  gboolean conflicted; /* its hash came with two labels in this import */
} Entry;

static void
entry_free (Entry *e)
{
  g_free (e->path);
  g_free (e->display);
  g_free (e->label);
  g_free (e->patient);
  g_free (e->sha256);
  g_free (e->info.warning);
  g_free (e);
}

static void
problem_free (LsImportProblem *p)
{
  g_free (p->path);
  g_free (p->reason);
  g_free (p);
}

static void
conflict_free (LsImportConflict *c)
{
  g_free (c->sha256);
  g_free (c->path);
  g_free (c->label);
  g_free (c->other_path);
  g_free (c->other_label);
  g_free (c);
}

void
ls_import_report_free (LsImportReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->failures);
  g_ptr_array_unref (report->skipped);
  g_ptr_array_unref (report->duplicates);
  g_ptr_array_unref (report->conflicts);
  g_ptr_array_unref (report->warnings);
  g_free (report);
}

static void
add_problem (GPtrArray *list,
             const char *path,
             const char *reason)
{
  LsImportProblem *p = g_new0 (LsImportProblem, 1);

  p->path = g_strdup (path);
  p->reason = g_strdup (reason);
  g_ptr_array_add (list, p);
}

static void
add_conflict (LsImportReport *report,
              const char *sha256,
              const char *path,
              const char *label,
              const char *other_path,
              const char *other_label)
{
  LsImportConflict *c = g_new0 (LsImportConflict, 1);

  c->sha256 = g_strdup (sha256);
  c->path = g_strdup (path);
  c->label = g_strdup (label);
  c->other_path = g_strdup (other_path);
  c->other_label = g_strdup (other_label);
  g_ptr_array_add (report->conflicts, c);
}

/* ---- class names ---- */

typedef struct
{
  const char *name;
  const char *klass;
  gboolean prefix;
} Synonym;

static const Synonym synonyms[] = {
  { "normal", "normal", FALSE },
  { "no finding", "normal", FALSE },
  { "no_finding", "normal", FALSE },
  { "healthy", "normal", FALSE },
  { "pneumonia", "pneumonia", FALSE },
  { "bacterial", "pneumonia", FALSE },
  { "viral", "pneumonia", FALSE },
  { "pneumonia-", "pneumonia", TRUE },
  { "covid", "covid", FALSE },
  { "covid-19", "covid", FALSE },
  { "covid19", "covid", FALSE },
  { "covid_19", "covid", FALSE },
  { "sars-cov-2", "covid", FALSE },
};

static const char *
find_class (const char *const *classes,
            const char *name)
{
  for (guint i = 0; classes[i] != NULL; i++)
    if (g_ascii_strcasecmp (classes[i], name) == 0)
      return classes[i];
  return NULL;
}

const char *
ls_dataset_class_for_name (const char *const *classes,
                           const char *const *class_map,
                           const char *name)
{
  g_autofree char *key = g_strstrip (g_ascii_strdown (name, -1));
  const char *klass;

  for (guint i = 0; class_map != NULL && class_map[i] != NULL; i++)
    {
      const char *eq = strchr (class_map[i], '=');
      g_autofree char *map_name = NULL;

      if (eq == NULL)
        continue;
      map_name = g_strstrip (g_ascii_strdown (class_map[i], eq - class_map[i]));
      if (strcmp (map_name, key) == 0)
        {
          g_autofree char *value = g_strstrip (g_strdup (eq + 1));

          return find_class (classes, value);
        }
    }
  if ((klass = find_class (classes, key)) != NULL)
    return klass;
  for (guint i = 0; i < G_N_ELEMENTS (synonyms); i++)
    if (synonyms[i].prefix ? g_str_has_prefix (key, synonyms[i].name)
                           : strcmp (key, synonyms[i].name) == 0)
      return find_class (classes, synonyms[i].klass);
  return NULL;
}

/* ---- CSV ---- */

GPtrArray *
ls_dataset_parse_csv (const char *text,
                      gsize length,
                      const char *name,
                      GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) field = g_string_new (NULL);
  const char *p = text, *end = text + length;
  gboolean quoted = FALSE, was_quoted = FALSE;
  guint line = 1, row_line = 1;

  if (length >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  while (p <= end)
    {
      char c = p < end ? *p : '\n';
      gboolean at_end = p == end;

      if (quoted)
        {
          if (at_end)
            {
              g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                           "%s:%u: a quoted field is not closed", name, row_line);
              return NULL;
            }
          if (c == '"' && p + 1 < end && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p += 2;
              continue;
            }
          if (c == '"')
            quoted = FALSE;
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          p++;
          continue;
        }
      if (c == '"' && field->len == 0 && !was_quoted)
        {
          quoted = was_quoted = TRUE;
          p++;
          continue;
        }
      if (c == ',' || c == '\n')
        {
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          was_quoted = FALSE;
          if (c == '\n')
            {
              gboolean blank = fields->len == 1 && *(char *) fields->pdata[0] == '\0';

              if (!blank)
                {
                  g_ptr_array_add (fields, NULL);
                  g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
                }
              else
                g_ptr_array_set_size (fields, 0);
              line++;
              row_line = line;
            }
          p++;
          if (at_end)
            break;
          continue;
        }
      if (c == '\r' && (p + 1 == end || p[1] == '\n'))
        {
          p++;
          continue;
        }
      if (was_quoted)
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                       "%s:%u: text after a closing quote", name, line);
          return NULL;
        }
      g_string_append_c (field, c);
      p++;
    }
  return g_steal_pointer (&rows);
}

/* ---- collecting the files ---- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

typedef struct
{
  LsImportMode mode;
  const char *const *classes;
  const char *const *class_map;
  GPtrArray *entries;
  LsImportReport *report;
  GCancellable *cancellable;
} Collect;

/* The nearest folder (deepest first, then the root itself) that names a class. */
static const char *
label_for_dir (Collect *c,
               GPtrArray *dirs)
{
  for (guint i = dirs->len; i > 0; i--)
    {
      const char *klass = ls_dataset_class_for_name (c->classes, c->class_map, g_ptr_array_index (dirs, i - 1));

      if (klass != NULL)
        return klass;
    }
  return NULL;
}

static gboolean
walk (Collect *c,
      const char *dir,
      const char *rel,
      GPtrArray *dirs,
      GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    {
      add_problem (c->report->failures, rel[0] ? rel : dir, local->message);
      return TRUE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *full = g_build_filename (dir, n, NULL);
      g_autofree char *sub = rel[0] ? g_build_filename (rel, n, NULL) : g_strdup (n);

      if (g_cancellable_set_error_if_cancelled (c->cancellable, error))
        return FALSE;
      if (n[0] == '.')
        continue; /* hidden files and folders */
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (g_file_test (full, G_FILE_TEST_IS_SYMLINK))
            {
              add_problem (c->report->skipped, sub, "a link to a folder (not followed)");
              continue;
            }
          g_ptr_array_add (dirs, (gpointer) n);
          if (!walk (c, full, sub, dirs, error))
            return FALSE;
          g_ptr_array_remove_index (dirs, dirs->len - 1);
          continue;
        }
      if (!ls_image_file_is_candidate (full, n))
        {
          add_problem (c->report->skipped, sub, "not an image file name");
          continue;
        }
      if (ls_image_file_name_is_mask (n))
        {
          add_problem (c->report->skipped, sub, "a lesion mask, not a radiograph");
          continue;
        }
      {
        Entry *e = g_new0 (Entry, 1);

        e->path = g_steal_pointer (&full);
        e->display = g_steal_pointer (&sub);
        if (c->mode == LS_IMPORT_CLASS_FOLDERS)
          {
            const char *klass = label_for_dir (c, dirs);

            if (klass == NULL)
              {
                add_problem (c->report->failures, e->display,
                             "no folder above it names a class");
                entry_free (e);
                continue;
              }
            e->label = g_strdup (klass);
          }
        g_ptr_array_add (c->entries, e);
      }
    }
  return TRUE;
}

static int
column_of (char **header,
           const char *const *names)
{
  for (int i = 0; header[i] != NULL; i++)
    for (guint j = 0; names[j] != NULL; j++)
      if (g_ascii_strcasecmp (g_strstrip (header[i]), names[j]) == 0)
        return i;
  return -1;
}

static gboolean
collect_csv (Collect *c,
             const char *csv_path,
             GError **error)
{
  static const char *const path_names[] = { "path", "file", "filename", NULL };
  static const char *const label_names[] = { "label", "class", NULL };
  static const char *const patient_names[] = { "patient", "patient_id", "patientid", NULL };
  g_autofree char *text = NULL, *base = NULL, *classes_text = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  int col_path = 0, col_label = 1, col_patient = 2;
  guint first = 0;
  gsize len;

  if (!g_file_get_contents (csv_path, &text, &len, error))
    return FALSE;
  rows = ls_dataset_parse_csv (text, len, csv_path, error);
  if (rows == NULL)
    return FALSE;
  base = g_path_get_dirname (csv_path);
  classes_text = g_strjoinv (", ", (char **) c->classes);
  if (rows->len > 0)
    {
      char **header = g_ptr_array_index (rows, 0);

      if (column_of (header, path_names) >= 0)
        {
          col_path = column_of (header, path_names);
          col_label = column_of (header, label_names);
          col_patient = column_of (header, patient_names);
          first = 1;
        }
    }
  for (guint r = first; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      guint n = g_strv_length (row);
      g_autofree char *where = g_strdup_printf ("%s row %u", csv_path, r + 1);
      const char *file = (guint) col_path < n ? g_strstrip (row[col_path]) : "";
      const char *label = col_label >= 0 && (guint) col_label < n ? g_strstrip (row[col_label]) : "";
      const char *patient = col_patient >= 0 && (guint) col_patient < n ? g_strstrip (row[col_patient]) : "";
      Entry *e;

      if (*file == '\0')
        {
          add_problem (c->report->failures, where, "no path");
          continue;
        }
      e = g_new0 (Entry, 1);
      e->path = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (base, file, NULL);
      e->display = g_strdup (file);
      if (*label != '\0')
        {
          const char *klass = ls_dataset_class_for_name (c->classes, c->class_map, label);

          if (klass == NULL)
            {
              g_autofree char *reason = g_strdup_printf ("%s: “%s” is not a class (%s)", where, label, classes_text);

              add_problem (c->report->failures, file, reason);
              entry_free (e);
              continue;
            }
          e->label = g_strdup (klass);
        }
      if (*patient != '\0')
        e->patient = g_strdup (patient);
      g_ptr_array_add (c->entries, e);
    }
  return TRUE;
}

/* ---- pass 1: read, hash, probe ---- */

static gboolean
image_known (LsStore *store,
             const char *sha256)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "SELECT 1 FROM images WHERE sha256 = ?1", NULL);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

/* Reads and hashes one file; decodes it (metadata, hashes, thumbnail) unless
 * its bytes are already in the workspace or were decoded in this import. */
static void
read_entry (LsStore *store,
            Entry *e,
            GHashTable *decoded,
            LsImportReport *report)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (LsImage) thumbnail = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (g_stat (e->path, &e->st) != 0)
    {
      add_problem (report->failures, e->display, g_strerror (errno));
      return;
    }
  if (!g_file_get_contents (e->path, &contents, &len, &local))
    {
      add_problem (report->failures, e->display, local->message);
      return;
    }
  e->size = (gint64) len;
  e->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  if (g_hash_table_contains (decoded, e->sha256) || image_known (store, e->sha256))
    {
      e->ok = TRUE;
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  if (!ls_dataset_image_info (e->display, bytes, &e->info, &thumbnail, &local))
    {
      /* The decoder names the file first; the report has it already. */
      const char *reason = local->message;

      if (g_str_has_prefix (reason, e->display) && g_str_has_prefix (reason + strlen (e->display), ": "))
        reason += strlen (e->display) + 2;
      add_problem (report->failures, e->display, reason);
      return;
    }
  g_hash_table_add (decoded, g_strdup (e->sha256));
  /* A DICOM file's Patient ID is its patient unless the CSV names one. */
  if (e->patient == NULL && e->info.patient_id[0] != '\0')
    e->patient = g_strdup (e->info.patient_id);
  if (e->info.warning != NULL)
    {
      const char *reason = e->info.warning;

      if (g_str_has_prefix (reason, e->display) && g_str_has_prefix (reason + strlen (e->display), ": "))
        reason += strlen (e->display) + 2;
      add_problem (report->warnings, e->display, reason);
    }
  /* The cache is best-effort: a thumbnail that cannot be written now is
   * rebuilt when it is asked for. */
  g_clear_error (&local);
  if (!ls_store_save_thumbnail (store, e->sha256, thumbnail, &local))
    g_debug ("%s", local->message);
  e->ok = TRUE;
}

/* Groups the readable entries by hash: the first is imported; the others
 * are duplicates, or conflicts when their labels differ. */
static void
group_entries (GPtrArray *entries,
               LsImportReport *report)
{
  g_autoptr (GHashTable) first = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);
      Entry *f;

      if (!e->ok)
        continue;
      f = g_hash_table_lookup (first, e->sha256);
      if (f == NULL)
        {
          e->primary = TRUE;
          g_hash_table_insert (first, e->sha256, e);
          continue;
        }
      if (e->label != NULL && f->label != NULL && strcmp (e->label, f->label) != 0)
        {
          add_conflict (report, e->sha256, e->display, e->label, f->display, f->label);
          f->conflicted = TRUE;
        }
      else
        {
          g_autofree char *reason = g_strdup_printf ("the same bytes as %s", f->display);

          add_problem (report->duplicates, e->display, reason);
          if (f->label == NULL && e->label != NULL)
            f->label = g_strdup (e->label);
        }
      if (f->patient == NULL && e->patient != NULL)
        f->patient = g_strdup (e->patient);
    }
}

/* ---- pass 2: write ---- */

static gboolean
lookup_image (LsStore *store,
              const char *sha256,
              gint64 *id,
              gboolean *has_patient,
              GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (
      store, "SELECT id, patient IS NOT NULL FROM images WHERE sha256 = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  *id = 0;
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (stmt, 0);
      *has_patient = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "looking up an image");
      return FALSE;
    }
  return TRUE;
}

static gint64
insert_image (LsStore *store,
              const Entry *e,
              const char *relpath,
              const char *reference,
              GError **error)
{
  g_autofree char *name = g_path_get_basename (e->path);
  sqlite3_stmt *stmt = ls_store_stmt (
      store,
      "INSERT INTO images (sha256, path, reference, byte_size, width, height, bit_depth, "
      "color_type, format, patient, original_name, added, phash, phash_flip, neardup, "
      "modality, view_position, pixel_spacing_row, pixel_spacing_col) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
      error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, e->sha256, -1, SQLITE_TRANSIENT);
  ls_store_bind_text_or_null (stmt, 2, relpath);
  ls_store_bind_text_or_null (stmt, 3, reference);
  sqlite3_bind_int64 (stmt, 4, e->size);
  sqlite3_bind_int (stmt, 5, e->info.width);
  sqlite3_bind_int (stmt, 6, e->info.height);
  sqlite3_bind_int (stmt, 7, e->info.bit_depth);
  sqlite3_bind_text (stmt, 8, ls_image_color_type_to_string (e->info.color_type), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, ls_image_format_to_string (e->info.format), -1, SQLITE_STATIC);
  ls_store_bind_text_or_null (stmt, 10, e->patient);
  sqlite3_bind_text (stmt, 11, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 12, ls_store_now ());
  if (e->info.has_phash)
    {
      sqlite3_bind_int64 (stmt, 13, (gint64) e->info.phash.hash);
      sqlite3_bind_int64 (stmt, 14, (gint64) e->info.phash.flipped);
      sqlite3_bind_blob (stmt, 15, e->info.phash.signature, LS_PHASH_SIGNATURE_BYTES,
                         SQLITE_TRANSIENT);
    }
  if (e->info.format == LS_IMAGE_FORMAT_DICOM)
    {
      ls_store_bind_text_or_null (stmt, 16, e->info.modality[0] != '\0' ? e->info.modality : NULL);
      ls_store_bind_text_or_null (stmt, 17, e->info.view_position[0] != '\0' ? e->info.view_position : NULL);
      if (e->info.pixel_spacing[0] > 0)
        {
          sqlite3_bind_double (stmt, 18, e->info.pixel_spacing[0]);
          sqlite3_bind_double (stmt, 19, e->info.pixel_spacing[1]);
        }
    }
  if (!ls_store_step_done (store, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (store->db);
}

static gboolean
set_patient (LsStore *store,
             gint64 id,
             const char *patient,
             GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (
      store, "UPDATE images SET patient = ?2 WHERE id = ?1 AND patient IS NULL", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, patient, -1, SQLITE_TRANSIENT);
  return ls_store_step_done (store, stmt, error);
}

/* Writes one entry inside the batch's transaction. A file that changed or
 * vanished since pass 1 is a failure of that file, not of the import. */
static gboolean
write_entry (LsStore *store,
             Entry *e,
             const LsImportOptions *options,
             LsImportReport *report,
             GPtrArray *created,
             LsFileBatch *batch,
             GError **error)
{
  g_autofree char *relpath = NULL, *dest = NULL, *current = NULL, *note = NULL;
  g_autofree char *reference = NULL;
  g_autoptr (GError) local = NULL;
  gboolean has_patient = FALSE;
  gint64 id = 0, event_id = 0;

  if (!lookup_image (store, e->sha256, &id, &has_patient, error))
    return FALSE;
  if (id == 0)
    {
      if (options->reference)
        reference = g_canonicalize_filename (e->path, NULL);
      else
        {
          GStatBuf now;
          gboolean existed;

          /* The same file as in pass 1 (a changed one would also be caught
           * by the hash check of every read, but is refused here already). */
          if (g_stat (e->path, &now) != 0 || now.st_ino != e->st.st_ino ||
              now.st_dev != e->st.st_dev || now.st_size != e->st.st_size ||
              now.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
              now.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec)
            {
              add_problem (report->failures, e->display, "changed while it was being imported");
              return TRUE;
            }
          relpath = ls_store_image_relpath (e->sha256);
          dest = g_build_filename (ls_store_get_path (store), relpath, NULL);
          existed = g_file_test (dest, G_FILE_TEST_EXISTS);
          /* Durable before the row commits (CHECKLIST 10): the folders are
           * synced before the batch's COMMIT. */
          if (!ls_store_put_file_durably (dest, e->path, NULL, TRUE, batch, error))
            return FALSE;
          if (!existed)
            g_ptr_array_add (created, g_strdup (dest));
        }
      id = insert_image (store, e, relpath, reference, error);
      if (id == 0)
        return FALSE;
      report->added++;
    }
  else if (!has_patient && e->patient != NULL && !set_patient (store, id, e->patient, error))
    return FALSE;

  if (e->conflicted)
    return TRUE; /* reported in pass 1; the image stays as it was */
  if (e->label == NULL)
    {
      report->unchanged++;
      return TRUE;
    }
  current = ls_store_get_label (store, e->sha256, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (current != NULL && strcmp (current, e->label) != 0)
    {
      add_conflict (report, e->sha256, e->display, e->label, NULL, current);
      return TRUE;
    }
  if (current != NULL)
    {
      report->unchanged++;
      return TRUE;
    }
  note = g_strdup_printf ("imported from %s", e->display);
  event_id = ls_store_set_label_locked (store, id, e->label, LS_LABEL_SOURCE_IMPORT,
                                        options->author, note, error);
  if (event_id == 0)
    return FALSE;
  report->labelled++;
  return TRUE;
}

static void
remove_created (GPtrArray *created)
{
  for (guint i = 0; i < created->len; i++)
    g_unlink (g_ptr_array_index (created, i));
  g_ptr_array_set_size (created, 0);
}

LsImportReport *
ls_store_import (LsStore *store,
                 LsImportMode mode,
                 const char *path,
                 const LsImportOptions *options,
                 LsProgressFunc progress,
                 gpointer user_data,
                 GCancellable *cancellable,
                 GError **error)
{
  static const LsImportOptions defaults = { 0 };
  g_autoptr (LsImportReport) report = g_new0 (LsImportReport, 1);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr (GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (LsFileBatch) batch = ls_file_batch_new ();
  g_autoptr (GHashTable) decoded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) classes = NULL;
  g_autofree char *root = NULL;
  Collect collect;
  guint batch_images = 0;
  gsize batch_bytes = 0;
  gboolean in_tx = FALSE;

  g_return_val_if_fail (store != NULL && path != NULL, NULL);
  if (options == NULL)
    options = &defaults;

  report->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  report->skipped = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  report->duplicates = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  report->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  report->conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) conflict_free);

  if (!ls_store_check_writable (store, error))
    return NULL;
  classes = ls_store_get_classes (store, error);
  if (classes == NULL)
    return NULL;
  for (guint i = 0; options->class_map != NULL && options->class_map[i] != NULL; i++)
    {
      const char *eq = strchr (options->class_map[i], '=');

      g_autofree char *value = eq != NULL ? g_strstrip (g_strdup (eq + 1)) : NULL;

      if (eq == NULL || eq == options->class_map[i] ||
          find_class ((const char *const *) classes, value) == NULL)
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                       "“%s” is not a NAME=CLASS mapping onto a class of the workspace",
                       options->class_map[i]);
          return NULL;
        }
    }

  root = g_canonicalize_filename (path, NULL);
  collect = (Collect){ mode, (const char *const *) classes, options->class_map, entries, report,
                       cancellable };
  if (progress != NULL)
    progress (0.0, "Looking for images", user_data);
  if (mode == LS_IMPORT_CSV)
    {
      if (!collect_csv (&collect, root, error))
        return NULL;
    }
  else
    {
      g_autoptr (GPtrArray) dirs = g_ptr_array_new ();
      g_autofree char *base = g_path_get_basename (root);

      if (mode == LS_IMPORT_UNLABELLED && g_file_test (root, G_FILE_TEST_IS_REGULAR))
        {
          /* One file (a drop, an open): imported as it is, whatever its
           * name says. */
          Entry *e = g_new0 (Entry, 1);

          e->path = g_strdup (root);
          e->display = g_strdup (base);
          g_ptr_array_add (entries, e);
        }
      else if (!g_file_test (root, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "%s is not a folder",
                       root);
          return NULL;
        }
      else
        {
          g_ptr_array_add (dirs, base); /* the root's own name is the last candidate */
          if (!walk (&collect, root, "", dirs, error))
            return NULL;
        }
    }
  report->files = entries->len;

  /* Pass 1. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (progress != NULL)
        progress (0.9 * i / MAX (entries->len, 1), e->display, user_data);
      read_entry (store, e, decoded, report);
    }
  group_entries (entries, report);

  /* Pass 2. */
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);

      if (!e->primary)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto failed;
      if (progress != NULL)
        progress (0.9 + 0.1 * i / MAX (entries->len, 1), e->display, user_data);
      if (!in_tx)
        {
          if (!ls_store_begin_write (store, error))
            goto failed;
          in_tx = TRUE;
        }
      if (!write_entry (store, e, options, report, created, batch, error))
        goto failed;
      batch_images++;
      batch_bytes += (gsize) e->size;
      if (batch_images >= BATCH_IMAGES || batch_bytes >= BATCH_BYTES)
        {
          if (!ls_file_batch_finish (batch, error))
            goto failed;
          in_tx = FALSE;
          if (!ls_store_commit (store, error))
            goto failed;
          g_ptr_array_set_size (created, 0);
          batch_images = 0;
          batch_bytes = 0;
        }
    }
  if (in_tx)
    {
      if (!ls_file_batch_finish (batch, error))
        goto failed;
      in_tx = FALSE;
      if (!ls_store_commit (store, error))
        goto failed;
    }
  if (progress != NULL)
    progress (1.0, "Imported", user_data);
  return g_steal_pointer (&report);

failed:
  if (in_tx)
    ls_store_rollback (store);
  /* Files of the rolled-back batch have no row: remove them now (the next
   * open would otherwise). */
  remove_created (created);
  return NULL;
}
