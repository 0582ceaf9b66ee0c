/* split.c — the split and its near-duplicate groups
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "dataset/split.h"
#include "dataset/store-private.h"

static const char *const part_names[] = { "none", "train", "val", "test" };

const char *
ls_split_part_to_string (LsSplitPart part)
{
  g_return_val_if_fail (part <= LS_SPLIT_TEST, "none");
  return part_names[part];
}

static LsSplitPart
part_from_string (const char *s)
{
  for (int p = LS_SPLIT_TRAIN; p <= LS_SPLIT_TEST; p++)
    if (g_strcmp0 (s, part_names[p]) == 0)
      return p;
  return LS_SPLIT_NONE;
}

void
ls_split_options_init (LsSplitOptions *options)
{
  options->test = 0.2;
  options->val = 0.1;
  options->seed = 42;
  options->phash_candidate_distance = LS_PHASH_CANDIDATE_DISTANCE;
  options->neardup_similarity = LS_NEARDUP_DEFAULT_SIMILARITY;
  options->neardup_detail = LS_NEARDUP_DEFAULT_DETAIL;
}

void
ls_split_report_free (LsSplitReport *report)
{
  if (report == NULL)
    return;
  g_strfreev (report->classes);
  g_free (report->counts);
  g_clear_pointer (&report->near_duplicates, g_ptr_array_unref);
  g_free (report);
}

guint
ls_split_report_count (const LsSplitReport *report,
                       LsSplitPart part,
                       int klass)
{
  guint n = g_strv_length (report->classes);

  g_return_val_if_fail (part >= LS_SPLIT_TRAIN && part <= LS_SPLIT_TEST, 0);
  g_return_val_if_fail (klass >= 0 && (guint) klass <= n, 0);
  return report->counts[(part - 1) * (n + 1) + klass];
}

LsSplitPart
ls_split_part_for_key (const char *group_key,
                       guint64 seed,
                       double test,
                       double val)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  char seed_text[32];
  guint64 h = 0;
  double u;

  g_snprintf (seed_text, sizeof seed_text, "%" G_GUINT64_FORMAT ":", seed);
  g_checksum_update (sum, (const guchar *) seed_text, -1);
  g_checksum_update (sum, (const guchar *) group_key, -1);
  g_checksum_get_digest (sum, digest, &len);
  for (int i = 0; i < 8; i++)
    h = h << 8 | digest[i];
  u = (double) (h >> 11) / (double) (G_GUINT64_CONSTANT (1) << 53);
  if (u < test)
    return LS_SPLIT_TEST;
  if (u < test + val)
    return LS_SPLIT_VAL;
  return LS_SPLIT_TRAIN;
}

typedef struct
{
  gint64 id;
  char *sha256;
  char *patient;
  char *label;
  gboolean has_phash; /* and the signature */
  LsPHash phash;
} SplitImage;

static void
split_image_clear (gpointer data)
{
  SplitImage *im = data;

  g_free (im->sha256);
  g_free (im->patient);
  g_free (im->label);
}

/* Union-find whose root is always the smallest index: the earliest image. */
static guint
find (guint *parent,
      guint i)
{
  while (parent[i] != i)
    {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
  return i;
}

static void
unite (guint *parent,
       guint a,
       guint b)
{
  a = find (parent, a);
  b = find (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

typedef struct
{
  GArray *images;
  guint *parent;
  guint *dup_parent;
  int max_distance;
} PairContext;

static void
on_pair (guint i,
         guint j,
         double similarity,
         gpointer user_data)
{
  PairContext *ctx = user_data;
  const SplitImage *a = &g_array_index (ctx->images, SplitImage, i);
  const SplitImage *b = &g_array_index (ctx->images, SplitImage, j);

  if (ls_phash_distance (&a->phash, &b->phash) > ctx->max_distance)
    return;
  unite (ctx->parent, i, j);
  unite (ctx->dup_parent, i, j);
}

static GArray *
load_images (LsStore *store,
             GError **error)
{
  g_autoptr (GArray) images = g_array_new (FALSE, TRUE, sizeof (SplitImage));
  sqlite3_stmt *stmt = ls_store_stmt (
      store,
      "SELECT i.id, i.sha256, i.patient, i.phash, i.phash_flip, "
      "(SELECT e.new_label FROM label_events e WHERE e.image_id = i.id ORDER BY e.id DESC LIMIT 1), "
      "i.neardup FROM images i ORDER BY i.id",
      error);
  int rc;

  g_array_set_clear_func (images, split_image_clear);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SplitImage im = { 0 };

      im.id = sqlite3_column_int64 (stmt, 0);
      im.sha256 = ls_store_column_dup (stmt, 1);
      im.patient = ls_store_column_dup (stmt, 2);
      im.has_phash = sqlite3_column_type (stmt, 3) != SQLITE_NULL;
      im.phash.hash = (guint64) sqlite3_column_int64 (stmt, 3);
      im.phash.flipped = (guint64) sqlite3_column_int64 (stmt, 4);
      im.label = ls_store_column_dup (stmt, 5);
      if (im.has_phash && sqlite3_column_bytes (stmt, 6) == LS_PHASH_SIGNATURE_BYTES)
        memcpy (im.phash.signature, sqlite3_column_blob (stmt, 6), LS_PHASH_SIGNATURE_BYTES);
      else
        im.has_phash = FALSE;
      g_array_append_val (images, im);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ls_store_set_sqlite_error (store, error, "reading images for the split");
      return NULL;
    }
  return g_steal_pointer (&images);
}

static gboolean
write_setting (LsStore *store,
               const char *key,
               const char *value,
               GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (store, "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return ls_store_step_done (store, stmt, error);
}

LsSplitReport *
ls_store_split (LsStore *store,
                const LsSplitOptions *options,
                LsProgressFunc progress,
                gpointer user_data,
                GCancellable *cancellable,
                GError **error)
{
  g_autoptr (LsSplitReport) report = g_new0 (LsSplitReport, 1);
  g_autoptr (GArray) images = NULL;
  g_autofree guint *parent = NULL, *dup_parent = NULL, *dup_size = NULL;
  g_autoptr (GHashTable) by_patient = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) class_index = g_hash_table_new (g_str_hash, g_str_equal);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  LsSplitOptions defaults;
  guint n, n_classes;
  sqlite3_stmt *stmt;

  if (options == NULL)
    {
      ls_split_options_init (&defaults);
      options = &defaults;
    }
  if (!(options->test >= 0.0 && options->val >= 0.0 && options->test + options->val < 1.0))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID,
                   "test (%g) and validation (%g) fractions must be ≥ 0 and leave some training",
                   options->test, options->val);
      return NULL;
    }
  if (!ls_store_check_writable (store, error))
    return NULL;
  report->classes = ls_store_get_classes (store, error);
  if (report->classes == NULL)
    return NULL;
  n_classes = g_strv_length (report->classes);
  for (guint c = 0; c < n_classes; c++)
    g_hash_table_insert (class_index, report->classes[c], GUINT_TO_POINTER (c));
  report->counts = g_new0 (guint, LS_SPLIT_N_PARTS * (n_classes + 1));
  report->near_duplicates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  images = load_images (store, error);
  if (images == NULL)
    return NULL;
  n = images->len;
  report->n_images = n;
  parent = g_new (guint, MAX (n, 1));
  dup_parent = g_new (guint, MAX (n, 1));
  dup_size = g_new0 (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    parent[i] = dup_parent[i] = i;

  /* Patients. */
  for (guint i = 0; i < n; i++)
    {
      SplitImage *im = &g_array_index (images, SplitImage, i);
      gpointer first;

      if (im->patient == NULL)
        continue;
      if (g_hash_table_lookup_extended (by_patient, im->patient, NULL, &first))
        unite (parent, GPOINTER_TO_UINT (first), i);
      else
        g_hash_table_insert (by_patient, im->patient, GUINT_TO_POINTER (i));
    }
  /* Near-duplicates: all pairs by correlation (matrix products), confirmed
   * by the DCT hash distance. */
  if (progress != NULL)
    progress (0.0, "Grouping near-duplicates", user_data);
  {
    g_autofree const guint8 **signatures = g_new0 (const guint8 *, MAX (n, 1));
    PairContext ctx = { images, parent, dup_parent, options->phash_candidate_distance };

    for (guint i = 0; i < n; i++)
      {
        SplitImage *im = &g_array_index (images, SplitImage, i);

        if (im->has_phash)
          signatures[i] = im->phash.signature;
      }
    if (!ls_neardup_find_pairs (signatures, n, options->neardup_similarity, options->neardup_detail,
                                on_pair, &ctx, cancellable, error))
      return NULL;
  }
  for (guint i = 0; i < n; i++)
    dup_size[find (dup_parent, i)]++;
  for (guint r = 0; r < n; r++)
    {
      g_autoptr (GStrvBuilder) members = NULL;

      if (dup_size[r] < 2)
        continue;
      members = g_strv_builder_new ();
      for (guint i = r; i < n; i++)
        if (find (dup_parent, i) == r)
          g_strv_builder_add (members, g_array_index (images, SplitImage, i).sha256);
      g_ptr_array_add (report->near_duplicates, g_strv_builder_end (members));
    }

  if (progress != NULL)
    progress (0.8, "Writing the split", user_data);
  if (!ls_store_begin_write (store, error))
    return NULL;
  if (!ls_store_exec (store, "DELETE FROM split", error))
    goto failed;
  stmt = ls_store_stmt (store,
                        "INSERT INTO split (image_id, part, seed, group_key) VALUES (?1, ?2, ?3, ?4)",
                        error);
  if (stmt == NULL)
    goto failed;
  for (guint i = 0; i < n; i++)
    {
      SplitImage *im = &g_array_index (images, SplitImage, i);
      guint root = find (parent, i);
      SplitImage *first = &g_array_index (images, SplitImage, root);
      g_autofree char *key = first->patient != NULL ? g_strconcat ("patient:", first->patient, NULL)
                                                    : g_strconcat ("image:", first->sha256, NULL);
      LsSplitPart part = ls_split_part_for_key (key, options->seed, options->test, options->val);
      gpointer c;
      guint klass = n_classes;

      if (root == i)
        report->n_groups++;
      if (im->label != NULL && g_hash_table_lookup_extended (class_index, im->label, NULL, &c))
        klass = GPOINTER_TO_UINT (c);
      report->counts[(part - 1) * (n_classes + 1) + klass]++;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, im->id);
      sqlite3_bind_text (stmt, 2, part_names[part], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, (gint64) options->seed);
      sqlite3_bind_text (stmt, 4, key, -1, SQLITE_TRANSIENT);
      if (!ls_store_step_done (store, stmt, error))
        goto failed;
    }
  if (!write_setting (store, "split.test", g_ascii_dtostr (buf, sizeof buf, options->test), error) ||
      !write_setting (store, "split.val", g_ascii_dtostr (buf, sizeof buf, options->val), error))
    goto failed;
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, options->seed);
  if (!write_setting (store, "split.seed", buf, error))
    goto failed;
  if (!ls_store_commit (store, error))
    return NULL;
  if (progress != NULL)
    progress (1.0, "Split", user_data);
  return g_steal_pointer (&report);

failed:
  ls_store_rollback (store);
  return NULL;
}

LsSplitPart
ls_store_get_part (LsStore *store,
                   const char *sha256,
                   GError **error)
{
  sqlite3_stmt *stmt = ls_store_stmt (
      store, "SELECT s.part FROM split s JOIN images i ON i.id = s.image_id WHERE i.sha256 = ?1",
      error);
  LsSplitPart part = LS_SPLIT_NONE;
  int rc;

  if (stmt == NULL)
    return LS_SPLIT_NONE;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    part = part_from_string ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    ls_store_set_sqlite_error (store, error, "reading the split");
  sqlite3_reset (stmt);
  return part;
}

gboolean
ls_store_set_image_phash (LsStore *store,
                          const char *sha256,
                          const LsPHash *phash,
                          GError **error)
{
  sqlite3_stmt *stmt;

  if (!ls_store_begin_write (store, error))
    return FALSE;
  stmt = ls_store_stmt (
      store, "UPDATE images SET phash = ?2, phash_flip = ?3, neardup = ?4 WHERE sha256 = ?1", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, (gint64) phash->hash);
  sqlite3_bind_int64 (stmt, 3, (gint64) phash->flipped);
  sqlite3_bind_blob (stmt, 4, phash->signature, LS_PHASH_SIGNATURE_BYTES, SQLITE_TRANSIENT);
  if (!ls_store_step_done (store, stmt, error))
    goto failed;
  if (sqlite3_changes (store->db) != 1)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND, "no image %s in %s", sha256,
                   store->path);
      goto failed;
    }
  return ls_store_commit (store, error);

failed:
  ls_store_rollback (store);
  return FALSE;
}
