/* test-import.c — importing class folders, CSV, unlabelled folders and the
 * real test set into a workspace
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "dataset/split.h"
#include "dataset/thumbnail.h"
#include "imaging/decode.h"
#include "ls-test.h"
#include "store-test-util.h"

static gboolean
has_problem (GPtrArray *list,
             const char *path_part,
             const char *reason_part)
{
  for (guint i = 0; i < list->len; i++)
    {
      LsImportProblem *p = list->pdata[i];

      if (strstr (p->path, path_part) != NULL &&
          (reason_part == NULL || strstr (p->reason, reason_part) != NULL))
        return TRUE;
    }
  return FALSE;
}

static void
dump (const LsImportReport *r)
{
  g_test_message ("files %u added %u labelled %u unchanged %u failures %u skipped %u duplicates "
                  "%u conflicts %u",
                  r->files, r->added, r->labelled, r->unchanged, r->failures->len, r->skipped->len,
                  r->duplicates->len, r->conflicts->len);
  for (guint i = 0; i < r->failures->len; i++)
    g_test_message ("  failure %s: %s", ((LsImportProblem *) r->failures->pdata[i])->path,
                    ((LsImportProblem *) r->failures->pdata[i])->reason);
  for (guint i = 0; i < r->conflicts->len; i++)
    {
      LsImportConflict *c = r->conflicts->pdata[i];

      g_test_message ("  conflict %s: %s (%s) vs %s (%s)", c->sha256, c->path, c->label,
                      c->other_path ? c->other_path : "workspace", c->other_label);
    }
}

static char *
label_of_file (LsStore *store,
               const char *first,
               ...)
{
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *file = NULL;
  va_list args;
  gsize len;

  va_start (args, first);
  file = g_build_filename_valist (first, &args);
  va_end (args);

  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  return ls_store_get_label (store, sha, NULL);
}

static void
test_class_names (void)
{
  const char *classes[] = { "normal", "pneumonia", "covid", NULL };
  const char *map[] = { "Opacity=pneumonia", "clear = normal", NULL };
  const char *const *c = classes;

  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "NORMAL"), ==, "normal");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "No Finding"), ==, "normal");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "healthy"), ==, "normal");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "Pneumonia"), ==, "pneumonia");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "BACTERIAL"), ==, "pneumonia");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "viral"), ==, "pneumonia");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "Pneumonia-Bacterial"), ==, "pneumonia");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "COVID-19"), ==, "covid");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "covid19"), ==, "covid");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "SARS-CoV-2"), ==, "covid");
  g_assert_cmpstr (ls_dataset_class_for_name (c, NULL, "Covid"), ==, "covid");
  g_assert_null (ls_dataset_class_for_name (c, NULL, "opacity"));
  g_assert_null (ls_dataset_class_for_name (c, NULL, "train"));
  g_assert_cmpstr (ls_dataset_class_for_name (c, map, "opacity"), ==, "pneumonia");
  g_assert_cmpstr (ls_dataset_class_for_name (c, map, "CLEAR"), ==, "normal");
  /* Synonyms only for classes the workspace has. */
  {
    const char *other[] = { "tb", "normal", NULL };

    g_assert_null (ls_dataset_class_for_name (other, NULL, "covid"));
    g_assert_cmpstr (ls_dataset_class_for_name (other, NULL, "TB"), ==, "tb");
  }
}

static void
test_csv_parser (void)
{
  const char text[] = "\xEF\xBB\xBFpath,label\r\n\"a, b.png\",covid\r\n\r\n"
                      "\"say \"\"hi\"\".png\",normal\nlast.png,\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = ls_dataset_parse_csv (text, sizeof text - 1, "t.csv", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (((char **) rows->pdata[0])[0], ==, "path");
  g_assert_cmpstr (((char **) rows->pdata[1])[0], ==, "a, b.png");
  g_assert_cmpstr (((char **) rows->pdata[1])[1], ==, "covid");
  g_assert_cmpstr (((char **) rows->pdata[2])[0], ==, "say \"hi\".png");
  g_assert_cmpstr (((char **) rows->pdata[3])[1], ==, "");
  g_assert_null (ls_dataset_parse_csv ("\"open,x\n", 8, "bad.csv", &error));
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "bad.csv:1"));
}

/* A tree with synonyms, nested folders, an unmapped folder, unreadable
 * files, duplicates and a conflict. */
static void
make_tree (const char *src)
{
  g_autofree char *a = g_build_filename (src, "COVID-19", "a.png", NULL);
  g_autofree char *c = g_build_filename (src, "PNEUMONIA", "c.png", NULL);
  g_autofree char *dup = g_build_filename (src, "covid19", "copy-of-a.png", NULL);
  g_autofree char *conflict = g_build_filename (src, "Normal", "same-as-c.png", NULL);
  g_autofree char *broken = g_build_filename (src, "Normal", "broken.png", NULL);
  g_autofree char *truncated = g_build_filename (src, "Normal", "truncated.png", NULL);
  g_autofree char *empty = g_build_filename (src, "Normal", "empty.jpg", NULL);
  g_autofree char *notes = g_build_filename (src, "notes.txt", NULL);
  g_autofree char *contents = NULL;
  gsize len;

  write_test_png (a, 1, 8);
  write_test_png (c, 3, 8);
  WRITE_PNG (2, 8, src, "Normal", "2020", "ap", "b.png");
  WRITE_PNG (4, 8, src, "train", "healthy", "d.png");
  WRITE_PNG (5, 8, src, "pneumonia-viral", "e.png");
  WRITE_PNG (6, 8, src, "Opacity", "f.png");
  WRITE_PNG (7, 8, src, "misc", "g.png");
  WRITE_PNG (8, 8, src, ".hidden", "h.png");
  {
    g_autofree char *dir = g_path_get_dirname (dup);

    g_mkdir_with_parents (dir, 0755);
  }
  copy_file (a, dup);
  copy_file (c, conflict);
  g_assert_true (g_file_set_contents (broken, "this is not a PNG at all", -1, NULL));
  g_assert_true (g_file_get_contents (a, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, (gssize) len / 2, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (notes, "notes", -1, NULL));
  WRITE_PNG (9, 8, src, "COVID-19", "a_mask.png");
}

static void
test_tree (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL, again = NULL;
  const char *map[] = { "opacity=pneumonia", NULL };
  LsImportOptions options = { .class_map = map, .author = "tester" };
  g_autofree char *label = NULL;

  make_tree (src);
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  r = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  /* a, b (nested), c, d (train/healthy), e, f (mapped); a's copy and c's
   * same bytes under another label are the same images. */
  g_assert_cmpuint (r->added, ==, 6);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, 6);
  g_assert_cmpuint (r->duplicates->len, ==, 1);
  g_assert_true (has_problem (r->duplicates, "copy-of-a.png", "a.png"));
  g_assert_cmpuint (r->conflicts->len, ==, 1);
  {
    LsImportConflict *c = r->conflicts->pdata[0];
    g_autofree char *pair = g_strdup_printf ("%s+%s", c->label, c->other_label);

    g_assert_true (g_str_equal (pair, "normal+pneumonia") || g_str_equal (pair, "pneumonia+normal"));
    g_assert_nonnull (c->other_path);
  }
  g_assert_true (has_problem (r->failures, "broken.png", "not a PNG"));
  g_assert_true (has_problem (r->failures, "truncated.png", "truncated"));
  g_assert_true (has_problem (r->failures, "empty.jpg", "empty"));
  g_assert_true (has_problem (r->failures, "g.png", "class"));
  g_assert_cmpuint (r->failures->len, ==, 4);
  g_assert_true (has_problem (r->skipped, "notes.txt", NULL));
  g_assert_true (has_problem (r->skipped, "a_mask.png", "mask"));
  g_assert_false (has_problem (r->failures, "h.png", NULL));
  g_assert_cmpuint (r->labelled, ==, 5); /* c stays unlabelled: a conflict is not resolved */

  label = label_of_file (store, src, "Normal", "2020", "ap", "b.png", NULL);
  g_assert_cmpstr (label, ==, "normal");
  g_free (label);
  label = label_of_file (store, src, "train", "healthy", "d.png", NULL);
  g_assert_cmpstr (label, ==, "normal");
  g_free (label);
  label = label_of_file (store, src, "pneumonia-viral", "e.png", NULL);
  g_assert_cmpstr (label, ==, "pneumonia");
  g_free (label);
  label = label_of_file (store, src, "Opacity", "f.png", NULL);
  g_assert_cmpstr (label, ==, "pneumonia");
  g_free (label);
  label = label_of_file (store, src, "PNEUMONIA", "c.png", NULL);
  g_assert_null (label);
  label = label_of_file (store, src, "COVID-19", "a.png", NULL);
  g_assert_cmpstr (label, ==, "covid");
  g_clear_pointer (&label, g_free);

  /* Importing again adds nothing and still reports the conflict. */
  again = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (again);
  g_assert_cmpuint (again->added, ==, 0);
  g_assert_cmpuint (again->labelled, ==, 0);
  g_assert_cmpuint (again->unchanged, ==, 5);
  g_assert_cmpuint (again->conflicts->len, ==, 1);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, 6);

  /* A bad mapping is refused before anything is read. */
  {
    const char *bad[] = { "opacity=flu", NULL };
    LsImportOptions b = { .class_map = bad };

    g_assert_null (ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &b, NULL, NULL, NULL,
                                    &error));
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
  remove_tree (tmp);
}

static void
on_progress (double fraction,
             const char *message,
             gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_nonnull (message);
  *last = fraction;
}

static void
on_progress_cancel (double fraction,
                    const char *message,
                    gpointer user_data)
{
  if (fraction > 0.3)
    g_cancellable_cancel (user_data);
}

static void
test_csv_unlabelled_reference (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws.lungscope", NULL);
  g_autofree char *csv = g_build_filename (tmp, "src", "labels.csv", NULL);
  g_autofree char *csv2 = g_build_filename (tmp, "plain.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GPtrArray) images = NULL;
  double last = 0.0;

  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("x%d.png", i);

      WRITE_PNG (100 + i, 8, src, "files", name);
    }
  WRITE_PNG (200, 8, src, "files", "with, comma.png");
  g_assert_true (g_file_set_contents (
      csv,
      "Path,Label,Patient,source\n"
      "files/x0.png,COVID-19,p1,somewhere\n"
      "files/x1.png,normal,p1,\n"
      "\"files/with, comma.png\",Pneumonia,,\n"
      "files/x2.png,,p2,\n"
      "files/missing.png,normal,,\n"
      "files/x3.png,influenza,,\n",
      -1, NULL));
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  r = ls_store_import (store, LS_IMPORT_CSV, csv, NULL, on_progress, &last, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_cmpuint (r->added, ==, 4);
  g_assert_cmpuint (r->labelled, ==, 3);
  g_assert_true (has_problem (r->failures, "missing.png", NULL));
  g_assert_true (has_problem (r->failures, "x3.png", "influenza"));
  g_assert_cmpuint (r->failures->len, ==, 2);
  images = ls_store_list_images (store, &error);
  g_assert_cmpstr (((LsStoreImage *) images->pdata[0])->patient, ==, "p1");
  g_assert_cmpstr (((LsStoreImage *) images->pdata[0])->label, ==, "covid");
  g_assert_cmpstr (((LsStoreImage *) images->pdata[2])->label, ==, "pneumonia");
  g_assert_cmpstr (((LsStoreImage *) images->pdata[2])->original_name, ==, "with, comma.png");
  g_assert_null (((LsStoreImage *) images->pdata[3])->label);
  g_clear_pointer (&r, ls_import_report_free);
  g_clear_pointer (&images, g_ptr_array_unref);

  /* Headerless CSV disagreeing with the workspace: a conflict, kept as is. */
  g_assert_true (g_file_set_contents (csv2, "src/files/x0.png,normal\nsrc/files/x2.png,covid\n", -1,
                                      NULL));
  r = ls_store_import (store, LS_IMPORT_CSV, csv2, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpuint (r->added, ==, 0);
  g_assert_cmpuint (r->conflicts->len, ==, 1);
  g_assert_null (((LsImportConflict *) r->conflicts->pdata[0])->other_path);
  g_assert_cmpstr (((LsImportConflict *) r->conflicts->pdata[0])->other_label, ==, "covid");
  g_assert_cmpuint (r->labelled, ==, 1); /* x2 was unlabelled */
  g_clear_pointer (&r, ls_import_report_free);

  /* Unlabelled folder, cancelled part-way, then finished. */
  g_cancellable_cancel (cancel);
  g_assert_null (ls_store_import (store, LS_IMPORT_UNLABELLED, src, NULL, NULL, NULL, cancel,
                                  &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_cancellable_reset (cancel);
  g_assert_null (ls_store_import (store, LS_IMPORT_UNLABELLED, src, NULL, on_progress_cancel,
                                  cancel, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  r = ls_store_import (store, LS_IMPORT_UNLABELLED, src, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, 7);
  g_assert_true (has_problem (r->skipped, "labels.csv", NULL));
  g_clear_pointer (&r, ls_import_report_free);
  g_clear_pointer (&store, ls_store_close);

  /* Reference mode keeps the external path and checks the hash on read. */
  {
    g_autofree char *ws2 = g_build_filename (tmp, "ref.lungscope", NULL);
    g_autofree char *file = g_build_filename (src, "files", "x5.png", NULL);
    g_autofree char *stored_dir = NULL;
    LsImportOptions ref = { .reference = TRUE };
    LsStoreImage *im;
    g_autoptr (GBytes) bytes = NULL;

    store = ls_store_open (ws2, LS_STORE_OPEN_CREATE, &error);
    r = ls_store_import (store, LS_IMPORT_UNLABELLED, src, &ref, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (r->added, ==, 7);
    images = ls_store_list_images (store, &error);
    for (guint i = 0; i < images->len; i++)
      {
        im = images->pdata[i];
        g_assert_null (im->path);
        g_assert_true (g_path_is_absolute (im->reference));
      }
    stored_dir = g_build_filename (ws2, "images", NULL);
    {
      g_autoptr (GDir) d = g_dir_open (stored_dir, 0, NULL);

      g_assert_null (g_dir_read_name (d)); /* nothing copied */
    }
    im = NULL;
    for (guint i = 0; i < images->len; i++)
      if (g_str_has_suffix (((LsStoreImage *) images->pdata[i])->reference, "/x5.png"))
        im = images->pdata[i];
    g_assert_nonnull (im);
    bytes = ls_store_read_image_bytes (store, im, &error);
    g_assert_no_error (error);
    g_clear_pointer (&bytes, g_bytes_unref);
    write_test_png (file, 999, 8);
    bytes = ls_store_read_image_bytes (store, im, &error);
    g_assert_null (bytes);
    g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_HASH_MISMATCH);
    g_test_message ("%s", error->message);
  }
  remove_tree (tmp);
}

static void
test_cxr_real (void)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *root = g_build_filename (shared != NULL ? shared : "", "cxr-real", NULL);
  g_autofree char *csv = g_build_filename (root, "labels.csv", NULL);
  g_autofree char *tmp = NULL, *ws = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL, again = NULL;
  g_autoptr (GPtrArray) images = NULL;
  guint per_class[3] = { 0 }, with_patient = 0;
  g_auto (GStrv) classes = NULL;

  if (shared == NULL || !g_file_test (csv, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("cxr-real is absent (set LS_SHARED_DATA)");
      return;
    }
  tmp = make_temp_dir ();
  ws = g_build_filename (tmp, "real.lungscope", NULL);
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  r = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, root, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpuint (r->failures->len, ==, 0);
  g_assert_cmpuint (r->conflicts->len, ==, 0);
  g_assert_cmpuint (r->duplicates->len, ==, 0);
  g_assert_cmpuint (r->added, ==, 200);
  g_assert_cmpuint (r->labelled, ==, 200);
  g_assert_true (has_problem (r->skipped, "MANIFEST.md", NULL));
  /* The CSV adds the patients and nothing else. */
  again = ls_store_import (store, LS_IMPORT_CSV, csv, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (again);
  g_assert_cmpuint (again->added, ==, 0);
  g_assert_cmpuint (again->conflicts->len, ==, 0);
  g_assert_cmpuint (again->failures->len, ==, 0);
  g_assert_cmpuint (again->unchanged, ==, 200);
  classes = ls_store_get_classes (store, &error);
  images = ls_store_list_images (store, &error);
  g_assert_cmpuint (images->len, ==, 200);
  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];

      g_assert_cmpint (im->width, >, 0);
      g_assert_cmpint (im->height, >, 0);
      g_assert_cmpint (im->format, !=, LS_IMAGE_FORMAT_UNKNOWN);
      for (guint c = 0; c < 3; c++)
        if (g_strcmp0 (im->label, classes[c]) == 0)
          per_class[c]++;
      with_patient += im->patient != NULL;
    }
  g_test_message ("normal %u pneumonia %u covid %u, %u with patient ids", per_class[0],
                  per_class[1], per_class[2], with_patient);
  /* MANIFEST.md: covid 70, pneumonia 66, normal 64. */
  g_assert_cmpuint (per_class[0], ==, 64);
  g_assert_cmpuint (per_class[1], ==, 66);
  g_assert_cmpuint (per_class[2], ==, 70);
  g_assert_cmpuint (with_patient, >, 150);

  /* Thumbnails were made during the import, and are rebuilt once deleted. */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < images->len; i += pass == 0 ? 1 : 17)
        {
          LsStoreImage *im = images->pdata[i];
          g_autofree char *file = ls_store_thumbnail_file (store, im->sha256);
          g_autoptr (LsImage) thumb = NULL;

          g_assert_true (pass == 1 || g_file_test (file, G_FILE_TEST_IS_REGULAR));
          thumb = ls_store_get_thumbnail (store, im, &error);
          g_assert_no_error (error);
          g_assert_cmpint (MAX (thumb->width, thumb->height), <=, LS_THUMBNAIL_SIZE);
          g_assert_cmpint (MAX (thumb->width, thumb->height), ==,
                           MIN (LS_THUMBNAIL_SIZE, MAX (im->width, im->height)));
          g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
        }
      if (pass == 0)
        {
          g_autofree char *cache = g_build_filename (ls_store_get_path (store), "cache", NULL);

          remove_tree (cache);
        }
    }

  /* The 200 are different patients' images, not near-duplicates of each
   * other (MANIFEST.md: near-duplicates were removed). */
  {
    g_autoptr (LsSplitReport) split = ls_store_split (store, NULL, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (split->near_duplicates->len, ==, 0);
  }
  remove_tree (tmp);
}

static LsImage *
transform (const LsImage *src,
           int w,
           int h,
           double degrees,
           gboolean flip,
           double gain,
           double offset)
{
  LsImage *im = ls_image_new (w, h);
  double c = cos (degrees * G_PI / 180), s = sin (degrees * G_PI / 180);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        /* Output pixel → source coordinates: scale, rotate about the centre. */
        double u = ((flip ? w - 1 - x : x) + 0.5) / w - 0.5, v = (y + 0.5) / h - 0.5;
        double su = c * u + s * v, sv = -s * u + c * v;
        double sx = (su + 0.5) * src->width - 0.5, sy = (sv + 0.5) * src->height - 0.5;
        int x0 = (int) floor (sx), y0 = (int) floor (sy);
        float value = 0.0f; /* outside: black corners, as augmented copies have */

        if (x0 >= 0 && y0 >= 0 && x0 + 1 < src->width && y0 + 1 < src->height)
          {
            double fx = sx - x0, fy = sy - y0;
            const float *p = src->data + (gsize) y0 * src->width + x0;

            value = (float) ((1 - fy) * ((1 - fx) * p[0] + fx * p[1]) +
                             fy * ((1 - fx) * p[src->width] + fx * p[src->width + 1]));
          }
        im->data[y * w + x] = (float) CLAMP (gain * value + offset, 0.0, 1.0);
      }
  return im;
}

/* Resized, re-encoded, rotated and flipped copies of real radiographs land
 * in their original's part, and are reported as near-duplicates. */
static void
test_cxr_real_copies (void)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *root = g_build_filename (shared != NULL ? shared : "", "cxr-real", NULL);
  const char *originals[] = { "covid/covidcxnet_411.jpeg", "normal", "pneumonia" };
  g_autofree char *tmp = NULL, *ws = NULL, *copies = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL, r2 = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (GPtrArray) picked = g_ptr_array_new_with_free_func (g_free);

  if (shared == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("cxr-real is absent (set LS_SHARED_DATA)");
      return;
    }
  tmp = make_temp_dir ();
  ws = g_build_filename (tmp, "copies.lungscope", NULL);
  copies = g_build_filename (tmp, "copies", NULL);
  /* One JPEG, and the first file of the other two folders. */
  g_ptr_array_add (picked, g_build_filename (root, originals[0], NULL));
  for (guint k = 1; k < G_N_ELEMENTS (originals); k++)
    {
      g_autofree char *dir = g_build_filename (root, originals[k], NULL);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while ((name = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      g_ptr_array_add (picked, g_build_filename (dir, names->pdata[0], NULL));
    }
  for (guint k = 0; k < picked->len; k++)
    {
      const char *file = picked->pdata[k];
      g_autoptr (LsImage) full = ls_image_load (file, NULL, &error);
      g_autofree char *parent = g_path_get_dirname (file);
      g_autofree char *klass = g_path_get_basename (parent);
      LsImage *variants[4];

      g_assert_no_error (error);
      variants[0] = transform (full, full->width / 2, full->height / 2, 0.0, FALSE, 1.0, 0.0);
      variants[1] = transform (full, full->width * 3 / 4, full->height * 3 / 4, 3.0, FALSE, 1.0, 0.0);
      variants[2] = transform (full, full->width * 2 / 3, full->height * 2 / 3, 0.0, TRUE, 1.0, 0.0);
      variants[3] = transform (full, full->width / 3, full->height / 3, -4.0, FALSE, 0.85, 0.1);
      for (int v = 0; v < 4; v++)
        {
          g_autofree char *name = g_strdup_printf ("copy%u-%d.png", k, v);
          g_autofree char *path = g_build_filename (copies, klass, name, NULL);

          write_float_png (path, variants[v]->data, variants[v]->width, variants[v]->height);
          ls_image_free (variants[v]);
        }
    }
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  r = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, root, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  r2 = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, copies, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r2->added, ==, 12);
  split = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (split->near_duplicates->len, ==, 3);
  for (guint k = 0; k < picked->len; k++)
    {
      g_autofree char *contents = NULL, *sha = NULL;
      gsize len;
      LsSplitPart part;
      gboolean grouped = FALSE;

      g_assert_true (g_file_get_contents (picked->pdata[k], &contents, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      part = ls_store_get_part (store, sha, &error);
      for (guint g = 0; g < split->near_duplicates->len; g++)
        {
          char **members = split->near_duplicates->pdata[g];

          if (!g_strv_contains ((const char *const *) members, sha))
            continue;
          grouped = TRUE;
          g_assert_cmpuint (g_strv_length (members), ==, 5);
          for (guint m = 0; members[m] != NULL; m++)
            g_assert_cmpint (ls_store_get_part (store, members[m], &error), ==, part);
        }
      g_assert_true (grouped);
    }
  remove_tree (tmp);
}

/* The generator's data set: class folders with masks beside the images and
 * a labels.csv; both forms import the same images and skip the masks. */
static void
test_phantoms (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *dir = g_build_filename (tmp, "phantoms", NULL);
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *ws = g_build_filename (tmp, "ph.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) r = NULL, again = NULL;
  g_autoptr (GPtrArray) images = NULL;
  guint masks = 0;

  g_assert_true (ls_phantom_write_dataset (dir, 4, 7, 128, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  r = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, dir, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (r);
  g_assert_cmpuint (r->added, ==, 12);
  g_assert_cmpuint (r->labelled, ==, 12);
  g_assert_cmpuint (r->failures->len, ==, 0);
  for (guint i = 0; i < r->skipped->len; i++)
    masks += strstr (((LsImportProblem *) r->skipped->pdata[i])->reason, "mask") != NULL;
  g_assert_cmpuint (masks, >=, 8); /* pneumonia and covid images have masks */
  again = ls_store_import (store, LS_IMPORT_CSV, csv, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  dump (again);
  g_assert_cmpuint (again->added, ==, 0);
  g_assert_cmpuint (again->conflicts->len, ==, 0);
  g_assert_cmpuint (again->failures->len, ==, 0);
  images = ls_store_list_images (store, &error);
  for (guint i = 0; i < images->len; i++)
    {
      LsStoreImage *im = images->pdata[i];

      g_assert_cmpint (im->width, ==, 128);
      g_assert_nonnull (im->label);
    }
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/dataset/import/class-names", test_class_names);
  g_test_add_func ("/lungscope/dataset/import/csv-parser", test_csv_parser);
  g_test_add_func ("/lungscope/dataset/import/tree", test_tree);
  g_test_add_func ("/lungscope/dataset/import/csv-unlabelled-reference",
                   test_csv_unlabelled_reference);
  g_test_add_func ("/lungscope/dataset/import/phantoms", test_phantoms);
  g_test_add_func ("/lungscope/dataset/import/cxr-real", test_cxr_real);
  g_test_add_func ("/lungscope/dataset/import/cxr-real-copies", test_cxr_real_copies);
  return g_test_run ();
}
