/* test-split.c — perceptual hash, split stability and groups, dataset
 * versions, export
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset/import.h"
#include "dataset/split.h"
#include "ls-test.h"
#include "store-test-util.h"

/* A random image: a sum of Gaussian blobs, large (the shape) and small
 * (texture, as a radiograph's fine structure); different seeds give
 * unrelated images. */
static LsImage *
synthetic (guint32 seed,
           int w,
           int h)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  LsImage *im = ls_image_new (w, h);
  enum
  {
    BLOBS = 74
  };
  double cx[BLOBS], cy[BLOBS], s[BLOBS], a[BLOBS];

  for (int k = 0; k < BLOBS; k++)
    {
      cx[k] = g_rand_double (rand);
      cy[k] = g_rand_double (rand);
      s[k] = k < 14 ? g_rand_double_range (rand, 0.05, 0.25) : g_rand_double_range (rand, 0.012, 0.03);
      a[k] = k < 14 ? g_rand_double_range (rand, -0.5, 0.5) : g_rand_double_range (rand, -0.15, 0.15);
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double v = 0.5, u = (x + 0.5) / w, t = (y + 0.5) / h;

        for (int k = 0; k < BLOBS; k++)
          {
            double d2 = (u - cx[k]) * (u - cx[k]) + (t - cy[k]) * (t - cy[k]);

            if (d2 < 16 * s[k] * s[k])
              v += a[k] * exp (-d2 / (2 * s[k] * s[k]));
          }
        im->data[y * w + x] = (float) CLAMP (v, 0.0, 1.0);
      }
  return im;
}

static float
sample (const LsImage *im,
        double x,
        double y)
{
  int x0, y0;
  double fx, fy;

  x = CLAMP (x, 0.0, im->width - 1.001);
  y = CLAMP (y, 0.0, im->height - 1.001);
  x0 = (int) x;
  y0 = (int) y;
  fx = x - x0;
  fy = y - y0;
  return (float) ((1 - fy) * ((1 - fx) * im->data[y0 * im->width + x0] +
                              fx * im->data[y0 * im->width + x0 + 1]) +
                  fy * ((1 - fx) * im->data[(y0 + 1) * im->width + x0] +
                        fx * im->data[(y0 + 1) * im->width + x0 + 1]));
}

static LsImage *
resized (const LsImage *src,
         int w,
         int h)
{
  LsImage *im = ls_image_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      im->data[y * w + x] = sample (src, (x + 0.5) * src->width / w - 0.5,
                                    (y + 0.5) * src->height / h - 0.5);
  return im;
}

static LsImage *
rotated (const LsImage *src,
         double degrees)
{
  LsImage *im = ls_image_new (src->width, src->height);
  double c = cos (degrees * G_PI / 180), s = sin (degrees * G_PI / 180);
  double mx = src->width / 2.0, my = src->height / 2.0;

  for (int y = 0; y < src->height; y++)
    for (int x = 0; x < src->width; x++)
      im->data[y * src->width + x] = sample (src, c * (x - mx) + s * (y - my) + mx, -s * (x - mx) + c * (y - my) + my);
  return im;
}

static LsImage *
flipped (const LsImage *src)
{
  LsImage *im = ls_image_new (src->width, src->height);

  for (int y = 0; y < src->height; y++)
    for (int x = 0; x < src->width; x++)
      im->data[y * src->width + x] = src->data[y * src->width + (src->width - 1 - x)];
  return im;
}

/* "Re-encoded": 8-bit quantisation, noise, and a brightness/contrast change. */
static LsImage *
reencoded (const LsImage *src,
           guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  LsImage *im = ls_image_copy (src);

  for (int i = 0; i < im->width * im->height; i++)
    {
      double v = 0.9 * im->data[i] + 0.05 + g_rand_double_range (rand, -0.03, 0.03);

      im->data[i] = (float) (round (CLAMP (v, 0.0, 1.0) * 255) / 255);
    }
  return im;
}

/* The copies of one image and their perceptual hashes. */
static void
variant_hashes (guint32 seed,
                LsPHash out[6])
{
  g_autoptr (LsImage) original = synthetic (seed, 256, 256);
  LsImage *variants[6];

  variants[0] = ls_image_copy (original);
  variants[1] = resized (original, 150, 150);
  variants[2] = resized (original, 400, 380);
  variants[3] = reencoded (original, seed);
  variants[4] = rotated (original, 4.0);
  variants[5] = flipped (original);
  for (int v = 0; v < 6; v++)
    {
      ls_phash_compute (variants[v], &out[v]);
      ls_image_free (variants[v]);
    }
}

static gboolean
near_duplicates (const LsPHash *a,
                 const LsPHash *b,
                 int *distance,
                 double *similarity)
{
  double detail;
  gboolean match = ls_neardup_match (a->signature, b->signature, similarity, &detail);

  *distance = ls_phash_distance (a, b);
  return match && *distance <= LS_PHASH_CANDIDATE_DISTANCE;
}

static void
test_phash (void)
{
  const char *names[] = { "original", "smaller", "larger", "re-encoded", "rotated 4°", "flipped" };
  LsPHash distinct[40];
  int worst_distance[6] = { 0 };
  double worst_similarity[6] = { 1, 1, 1, 1, 1, 1 }, best_distinct = -1.0;

  for (guint32 seed = 1; seed <= 10; seed++)
    {
      LsPHash h[6], again;

      variant_hashes (seed, h);
      for (int v = 1; v < 6; v++)
        {
          int d;
          double sim;

          g_assert_true (near_duplicates (&h[0], &h[v], &d, &sim));
          g_assert_true (near_duplicates (&h[v], &h[0], &d, &sim));
          worst_distance[v] = MAX (worst_distance[v], d);
          worst_similarity[v] = MIN (worst_similarity[v], sim);
        }
      /* The mirror image's own hash is the original's mirrored hash. */
      g_assert_cmpint (__builtin_popcountll (h[5].hash ^ h[0].flipped), <=, 2);
      /* Hashes are a function of the stored signature. */
      memcpy (again.signature, h[3].signature, sizeof again.signature);
      ls_phash_from_signature (&again);
      g_assert_true (again.hash == h[3].hash && again.flipped == h[3].flipped);
    }
  for (int v = 1; v < 6; v++)
    g_test_message ("%s: worst distance %d, worst similarity %.4f", names[v], worst_distance[v],
                    worst_similarity[v]);
  for (int i = 0; i < 40; i++)
    {
      g_autoptr (LsImage) im = synthetic (1000 + i, 200, 240);

      ls_phash_compute (im, &distinct[i]);
    }
  for (int i = 0; i < 40; i++)
    for (int j = i + 1; j < 40; j++)
      {
        int d;
        double sim;

        g_assert_false (near_duplicates (&distinct[i], &distinct[j], &d, &sim));
        best_distinct = MAX (best_distinct, sim);
      }
  g_test_message ("most similar distinct pair: %.4f", best_distinct);
}

static LsStore *
workspace_with (const char *tmp,
                const char *name,
                guint first,
                guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autofree char *src = g_build_filename (tmp, name, NULL);
  g_autoptr (LsImportReport) r = NULL;
  const char *classes[] = { "normal", "pneumonia", "covid" };
  LsStore *store;

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *file = g_strdup_printf ("i%04u.png", i);

      WRITE_PNG (5000 + i, 4, src, classes[i % 3], file);
    }
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  r = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->added, ==, n);
  return store;
}

static GHashTable *
parts_of (LsStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  GHashTable *parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];

      g_hash_table_insert (parts, g_strdup (im->sha256),
                           GINT_TO_POINTER (ls_store_get_part (store, im->sha256, &error)));
    }
  return parts;
}

static void
test_stable (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = workspace_with (tmp, "first", 0, 300);
  g_autoptr (LsSplitReport) r = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_autoptr (LsSplitReport) r2 = NULL;
  g_autoptr (GHashTable) before = parts_of (store);
  g_autoptr (GHashTable) after = NULL;
  g_autoptr (LsImportReport) more = NULL;
  g_autofree char *src2 = g_build_filename (tmp, "second", NULL);
  GHashTableIter it;
  gpointer key, value;
  guint part_total[3] = { 0 };

  g_assert_no_error (error);
  for (int p = LS_SPLIT_TRAIN; p <= LS_SPLIT_TEST; p++)
    for (int c = 0; c < 3; c++)
      {
        guint n = ls_split_report_count (r, p, c);

        g_test_message ("%s %s: %u", ls_split_part_to_string (p), r->classes[c], n);
        part_total[p - 1] += n;
        /* Every class in every part, near the fractions (100 per class). */
        g_assert_cmpuint (n, >=, p == LS_SPLIT_TRAIN ? 55 : p == LS_SPLIT_TEST ? 9
                                                                               : 2);
      }
  g_assert_cmpuint (part_total[0] + part_total[1] + part_total[2], ==, 300);
  g_assert_cmpfloat (fabs (part_total[2] / 300.0 - 0.2), <, 0.07);
  g_assert_cmpfloat (fabs (part_total[1] / 300.0 - 0.1), <, 0.06);
  g_assert_cmpuint (r->near_duplicates->len, ==, 0);

  /* 150 more images: no existing image moves; the new ones get parts. */
  for (guint i = 300; i < 450; i++)
    {
      g_autofree char *file = g_strdup_printf ("i%04u.png", i);

      WRITE_PNG (5000 + i, 4, src2, i % 2 ? "covid" : "normal", file);
    }
  more = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src2, NULL, NULL, NULL, NULL, &error);
  g_assert_cmpuint (more->added, ==, 150);
  {
    g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);

    g_assert_cmpint (ls_store_get_part (store, ((LsStoreImage *) images->pdata[400])->sha256, &error),
                     ==, LS_SPLIT_NONE);
  }
  r2 = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  after = parts_of (store);
  g_hash_table_iter_init (&it, before);
  while (g_hash_table_iter_next (&it, &key, &value))
    g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (after, key)), ==,
                     GPOINTER_TO_INT (value));
  g_hash_table_iter_init (&it, after);
  while (g_hash_table_iter_next (&it, &key, &value))
    g_assert_cmpint (GPOINTER_TO_INT (value), !=, LS_SPLIT_NONE);

  /* Another seed is another split. */
  {
    LsSplitOptions o;
    g_autoptr (LsSplitReport) r3 = NULL;
    g_autoptr (GHashTable) other = NULL;
    guint moved = 0;

    ls_split_options_init (&o);
    o.seed = 7;
    r3 = ls_store_split (store, &o, NULL, NULL, NULL, &error);
    other = parts_of (store);
    g_hash_table_iter_init (&it, after);
    while (g_hash_table_iter_next (&it, &key, &value))
      moved += GPOINTER_TO_INT (g_hash_table_lookup (other, key)) != GPOINTER_TO_INT (value);
    g_assert_cmpuint (moved, >, 50);
    o.test = 0.7;
    o.val = 0.4;
    g_assert_null (ls_store_split (store, &o, NULL, NULL, NULL, &error));
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  }
  remove_tree (tmp);
}

static void
test_patients (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *csv = g_build_filename (src, "labels.csv", NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autoptr (GString) text = g_string_new ("path,label,patient\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (GHashTable) patient_part = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) images = NULL;
  guint parts_seen[4] = { 0 };

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *file = g_strdup_printf ("p%03u.png", i);

      WRITE_PNG (9000 + i, 4, src, file);
      g_string_append_printf (text, "%s,%s,patient-%u\n", file, i % 2 ? "covid" : "normal", i / 4);
    }
  g_assert_true (g_file_set_contents (csv, text->str, -1, NULL));
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  r = ls_store_import (store, LS_IMPORT_CSV, csv, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->added, ==, 120);
  split = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (split->n_groups, ==, 30);
  images = ls_store_list_images (store, &error);
  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];
      LsSplitPart part = ls_store_get_part (store, im->sha256, &error);
      gpointer seen;

      parts_seen[part]++;
      if (g_hash_table_lookup_extended (patient_part, im->patient, NULL, &seen))
        g_assert_cmpint (GPOINTER_TO_INT (seen), ==, part);
      else
        g_hash_table_insert (patient_part, g_strdup (im->patient), GINT_TO_POINTER (part));
    }
  g_assert_cmpuint (parts_seen[LS_SPLIT_TRAIN], >, 0);
  g_assert_cmpuint (parts_seen[LS_SPLIT_TEST], >, 0);
  remove_tree (tmp);
}

/* Copies of an image (resized, re-encoded, rotated, flipped) land in the
 * part of the original, and are reported as one group. */
static void
test_near_duplicates (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = workspace_with (tmp, "src", 0, 80);
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  g_autoptr (LsSplitReport) r = NULL;
  guint groups = 8;

  /* Images 0–47: 8 groups of 6 copies; 48–79: distinct images. */
  for (guint g = 0; g < groups; g++)
    {
      LsPHash h[6];

      variant_hashes (300 + g, h);
      for (guint v = 0; v < 6; v++)
        g_assert_true (ls_store_set_image_phash (
            store, ((LsStoreImage *) images->pdata[g * 6 + v])->sha256, &h[v], &error));
    }
  for (guint i = groups * 6; i < images->len; i++)
    {
      g_autoptr (LsImage) im = synthetic (7000 + i, 128, 128);
      LsPHash h;

      ls_phash_compute (im, &h);
      g_assert_true (ls_store_set_image_phash (store, ((LsStoreImage *) images->pdata[i])->sha256,
                                               &h, &error));
    }
  r = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->near_duplicates->len, ==, groups);
  g_assert_cmpuint (r->n_groups, ==, groups + (images->len - groups * 6));
  for (guint g = 0; g < groups; g++)
    {
      char **members = r->near_duplicates->pdata[g];
      LsSplitPart first = ls_store_get_part (store, ((LsStoreImage *) images->pdata[g * 6])->sha256, &error);

      g_assert_cmpuint (g_strv_length (members), ==, 6);
      for (guint v = 0; v < 6; v++)
        {
          const char *sha = ((LsStoreImage *) images->pdata[g * 6 + v])->sha256;

          g_assert_true (g_strv_contains ((const char *const *) members, sha));
          g_assert_cmpint (ls_store_get_part (store, sha, &error), ==, first);
        }
    }
  remove_tree (tmp);
}

static char *
find_in_part (LsStore *store,
              LsSplitPart part)
{
  g_autoptr (GPtrArray) images = ls_store_list_images (store, NULL);

  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];

      if (ls_store_get_part (store, im->sha256, NULL) == part && im->label != NULL)
        return g_strdup (im->sha256);
    }
  g_assert_not_reached ();
}

static void
test_version (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = workspace_with (tmp, "src", 0, 60);
  g_autoptr (LsSplitReport) r = NULL;
  g_autofree char *v0 = NULL, *v = NULL, *train = NULL, *test = NULL, *val = NULL, *old = NULL;
  g_autofree char *model_file = NULL;
  g_autoptr (GPtrArray) changed = NULL;
  gboolean version_changed = FALSE;

  g_assert_null (ls_store_dataset_version (store, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  r = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  v0 = ls_store_dataset_version (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (v0), ==, 64);
  train = find_in_part (store, LS_SPLIT_TRAIN);
  test = find_in_part (store, LS_SPLIT_TEST);
  val = find_in_part (store, LS_SPLIT_VAL);

#define VERSION_NOW() (g_free (v), v = ls_store_dataset_version (store, &error))
  /* A test or validation label: same version. */
  ls_store_set_label (store, test, "covid", LS_LABEL_SOURCE_USER, "t", NULL, &error);
  ls_store_set_label (store, test, "normal", LS_LABEL_SOURCE_USER, "t", NULL, &error);
  ls_store_set_label (store, val, "pneumonia", LS_LABEL_SOURCE_USER, "t", NULL, &error);
  ls_store_set_label (store, val, "covid", LS_LABEL_SOURCE_USER, "t", NULL, &error);
  g_assert_no_error (error);
  VERSION_NOW ();
  g_assert_cmpstr (v, ==, v0);
  /* A training label: another version; back again: the same version. */
  old = ls_store_get_label (store, train, &error);
  ls_store_set_label (store, train, g_str_equal (old, "covid") ? "normal" : "covid",
                      LS_LABEL_SOURCE_USER, "t", NULL, &error);
  VERSION_NOW ();
  g_assert_cmpstr (v, !=, v0);
  ls_store_undo_label (store, "t", &error);
  VERSION_NOW ();
  g_assert_cmpstr (v, ==, v0);
  /* Unlabelling a training image changes it too. */
  ls_store_set_label (store, train, NULL, LS_LABEL_SOURCE_USER, "t", NULL, &error);
  VERSION_NOW ();
  g_assert_cmpstr (v, !=, v0);
  ls_store_undo_label (store, "t", &error);
  VERSION_NOW ();
  g_assert_cmpstr (v, ==, v0);

  /* Labels changed since a model. */
  model_file = g_build_filename (ls_store_get_path (store), "models", "m1.safetensors", NULL);
  g_assert_true (g_file_set_contents (model_file, "m", -1, NULL));
  g_assert_true (ls_store_add_model (store, "m1", NULL, v0, NULL, TRUE, &error));
  changed = ls_store_labels_changed_since (store, "m1", &version_changed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 0);
  g_assert_false (version_changed);
  g_clear_pointer (&changed, g_ptr_array_unref);
  ls_store_set_label (store, test, "pneumonia", LS_LABEL_SOURCE_USER, "t", NULL, &error);
  changed = ls_store_labels_changed_since (store, "m1", &version_changed, &error);
  g_assert_cmpuint (changed->len, ==, 1);
  g_assert_cmpstr (changed->pdata[0], ==, test);
  g_assert_false (version_changed);
  g_clear_pointer (&changed, g_ptr_array_unref);
  ls_store_set_label (store, train, g_str_equal (old, "covid") ? "normal" : "covid",
                      LS_LABEL_SOURCE_USER, "t", NULL, &error);
  changed = ls_store_labels_changed_since (store, "m1", &version_changed, &error);
  g_assert_cmpuint (changed->len, ==, 2);
  g_assert_true (version_changed);
  remove_tree (tmp);
}

static guint
count_lines (const char *file)
{
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static void
test_export (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = workspace_with (tmp, "src", 0, 30);
  g_autoptr (LsSplitReport) r = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_autofree char *links = g_build_filename (tmp, "export-links", NULL);
  g_autofree char *csvdir = g_build_filename (tmp, "export-csv", NULL);
  g_autofree char *csv = g_build_filename (links, "dataset.csv", NULL);
  g_autofree char *csv2 = g_build_filename (csvdir, "dataset.csv", NULL);
  g_autofree char *version_file = g_build_filename (links, "VERSION", NULL);
  g_autofree char *version = ls_store_dataset_version (store, &error);
  g_autofree char *written = NULL;
  g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);
  guint n = 0, found = 0;

  g_assert_true (ls_store_export (store, links, LS_EXPORT_LINKS, &n, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 30);
  g_assert_cmpuint (count_lines (csv), ==, 31);
  g_assert_true (g_file_get_contents (version_file, &written, NULL, NULL));
  g_assert_true (g_str_has_prefix (written, version));
  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];
      LsSplitPart part = ls_store_get_part (store, im->sha256, &error);
      g_autofree char *name = g_strdup_printf ("%.16s-%s", im->sha256, im->original_name);
      g_autofree char *file = g_build_filename (links, ls_split_part_to_string (part), im->label, name, NULL);

      found += g_file_test (file, G_FILE_TEST_IS_REGULAR);
    }
  g_assert_cmpuint (found, ==, 30);
  /* Not into a non-empty folder. */
  g_assert_false (ls_store_export (store, links, LS_EXPORT_COPIES, &n, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (ls_store_export (store, csvdir, LS_EXPORT_CSV, &n, NULL, NULL, NULL, &error));
  g_assert_cmpuint (count_lines (csv2), ==, 31);
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/dataset/split/phash", test_phash);
  g_test_add_func ("/lungscope/dataset/split/stable", test_stable);
  g_test_add_func ("/lungscope/dataset/split/patients", test_patients);
  g_test_add_func ("/lungscope/dataset/split/near-duplicates", test_near_duplicates);
  g_test_add_func ("/lungscope/dataset/split/version", test_version);
  g_test_add_func ("/lungscope/dataset/split/export", test_export);
  return g_test_run ();
}
