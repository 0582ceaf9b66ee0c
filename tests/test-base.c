/* test-base.c — src/base (durable files, the xoshiro generator) and the
 * names of every error domain
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/xoshiro.h"
#include "dataset/phantom.h"
#include "dataset/store.h"
#include "engine/net.h"
#include "engine/safetensors.h"
#include "engine/spec.h"
#include "imaging/augment.h"
#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "imaging/preprocess.h"
#include "ls-test.h"
#include "pipeline/calibrate.h"
#include "pipeline/loader.h"
#include "pipeline/metrics.h"
#include "pipeline/model-source.h"
#include "pipeline/ood.h"
#include "pipeline/predict.h"
#include "pipeline/registry.h"
#include "pipeline/train.h"
#include "pipeline/workspace.h"
#include "report/report.h"

/* ---- Durable files ------------------------------------------------------- */

static char *
make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-base-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The names in @dir, sorted, joined by spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_contents (const char *path,
                 const char *expected)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_file_write (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "a.txt", NULL);
  g_autofree char *names = NULL;
  g_auto (LsFileFailure) failure = { 0 };
  GStatBuf st;

  g_assert_true (ls_file_write (path, NULL, "one", 3, LS_FILE_WRITE_DEFAULT, &failure));
  assert_contents (path, "one");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0600, ==, 0600);
  /* Replacing leaves the new contents and no temporary file. */
  g_assert_true (ls_file_write (path, NULL, "two!", 4, LS_FILE_WRITE_DEFAULT, &failure));
  g_assert_true (ls_file_write (path, ".tmp-", "three", 5, LS_FILE_WRITE_NO_SYNC, &failure));
  assert_contents (path, "three");
  g_assert_true (ls_file_write (path, NULL, "", 0, LS_FILE_WRITE_NO_FOLDER_SYNC, &failure));
  assert_contents (path, "");
  g_assert_true (ls_file_sync_folder (dir, &failure));
  names = list_dir (dir);
  g_assert_cmpstr (names, ==, "a.txt");
  g_assert_null (failure.path);
  ls_test_remove_tree (dir);
}

static void
test_file_no_replace (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model", NULL);
  g_autofree char *names = NULL;
  g_auto (LsFileFailure) failure = { 0 };

  g_assert_true (ls_file_write (path, ".tmp-", "first", 5, LS_FILE_WRITE_NO_REPLACE, &failure));
  g_assert_false (ls_file_write (path, ".tmp-", "second", 6, LS_FILE_WRITE_NO_REPLACE, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_EXISTS);
  g_assert_cmpint (failure.errsv, ==, EEXIST);
  g_assert_cmpstr (failure.path, ==, path);
  assert_contents (path, "first");
  names = list_dir (dir);
  g_assert_cmpstr (names, ==, "model");
  ls_test_remove_tree (dir);
}

/* Each failure names its step, the path it worked on and errno; nothing is
 * left behind. */
static void
test_file_failures (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", NULL);
  g_autofree char *nowhere = g_build_filename (missing, "x", NULL);
  g_autofree char *file = g_build_filename (dir, "f", NULL);
  g_autofree char *below_file = g_build_filename (file, "x", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder", NULL);
  g_autofree char *names = NULL;
  g_auto (LsFileFailure) failure = { 0 };

  g_assert_false (ls_file_write (nowhere, NULL, "x", 1, LS_FILE_WRITE_DEFAULT, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_CREATE);
  g_assert_cmpint (failure.errsv, ==, ENOENT);
  g_assert_cmpstr (failure.path, ==, missing);

  g_assert_false (ls_file_sync_folder (missing, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_OPEN_FOLDER);
  g_assert_cmpint (failure.errsv, ==, ENOENT);
  g_assert_cmpstr (failure.path, ==, missing);

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_false (ls_file_sync_folder (file, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_OPEN_FOLDER);
  g_assert_cmpint (failure.errsv, ==, ENOTDIR);
  g_assert_false (ls_file_write (below_file, NULL, "x", 1, LS_FILE_WRITE_DEFAULT, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_CREATE);
  g_assert_cmpint (failure.errsv, ==, ENOTDIR);

  /* A folder in the way: the rename fails, the temporary file goes. */
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_false (ls_file_write (folder, NULL, "x", 1, LS_FILE_WRITE_DEFAULT, &failure));
  g_assert_cmpint (failure.step, ==, LS_FILE_STEP_RENAME);
  g_assert_cmpint (failure.errsv, ==, EISDIR);
  g_assert_cmpstr (failure.path, ==, folder);
  names = list_dir (dir);
  g_assert_cmpstr (names, ==, "f folder");
  ls_test_remove_tree (dir);
}

static void
test_file_writer (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "s.txt", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy.txt", NULL);
  g_autofree char *names = NULL;
  g_auto (LsFileFailure) failure = { 0 };
  LsFileWriter *writer;
  FILE *fp;

  /* Through stdio, as libpng writes. */
  writer = ls_file_writer_new (path, NULL, LS_FILE_WRITE_DEFAULT, &failure);
  g_assert_nonnull (writer);
  fp = ls_file_writer_get_stream (writer, &failure);
  g_assert_nonnull (fp);
  g_assert_true (ls_file_writer_get_stream (writer, &failure) == fp);
  fprintf (fp, "%d lines\n", 2);
  fputs ("and more\n", fp);
  names = list_dir (dir);
  g_assert_true (g_str_has_prefix (names, ".s.txt."));
  g_clear_pointer (&names, g_free);
  g_assert_true (ls_file_writer_commit (writer, &failure));
  assert_contents (path, "2 lines\nand more\n");

  /* Abandoned: the destination is as it was. */
  writer = ls_file_writer_new (path, NULL, LS_FILE_WRITE_DEFAULT, &failure);
  g_assert_true (ls_file_writer_write (writer, "half", 4, &failure));
  ls_file_writer_abort (writer);
  ls_file_writer_abort (NULL);
  assert_contents (path, "2 lines\nand more\n");

  /* A hard link committed like a written file, where links exist. */
  writer = ls_file_writer_new_link (copy, path, ".tmp-", LS_FILE_WRITE_NO_REPLACE);
  if (writer != NULL)
    {
      g_assert_true (ls_file_writer_commit (writer, &failure));
      assert_contents (copy, "2 lines\nand more\n");
      names = list_dir (dir);
      g_assert_cmpstr (names, ==, "copy.txt s.txt");
    }
  else
    g_test_message ("no hard links here: %s", g_strerror (errno));
  g_assert_null (ls_file_writer_new_link (copy, dir, ".tmp-", LS_FILE_WRITE_DEFAULT));
  ls_test_remove_tree (dir);
}

/* ---- xoshiro256** -------------------------------------------------------- */

/* Values from an independent implementation (Python, from the reference C
 * code): SplitMix64 seeding, then xoshiro256**. */
static void
test_xoshiro_reference (void)
{
  static const guint64 seed0[] = { 0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull,
                                   0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull };
  static const guint64 seed2026[] = { 0x92e011592e98ae15ull, 0x489f37946d6d18d8ull,
                                      0xd0009e279d9cdedaull, 0xe4c7dca786d56702ull };
  LsXoshiro rng;

  ls_xoshiro_init (&rng, 0);
  for (guint i = 0; i < G_N_ELEMENTS (seed0); i++)
    g_assert_cmphex (ls_xoshiro_next (&rng), ==, seed0[i]);
  g_assert_cmpfloat (ls_xoshiro_uniform (&rng), ==, 12297645.0f / 16777216.0f);
  g_assert_cmpfloat (ls_xoshiro_uniform_double (&rng), ==, 0.9997484362337864);

  ls_xoshiro_init (&rng, 2026);
  for (guint i = 0; i < G_N_ELEMENTS (seed2026); i++)
    g_assert_cmphex (ls_xoshiro_next (&rng), ==, seed2026[i]);
  g_assert_cmpfloat (ls_xoshiro_uniform (&rng), ==, 13623691.0f / 16777216.0f);
  g_assert_cmpfloat (ls_xoshiro_uniform_double (&rng), ==, 0.7887831712080791);

  ls_xoshiro_init (&rng, 7);
  g_assert_cmpfloat_with_epsilon (ls_xoshiro_normal (&rng), -0.15157274547711355, 1e-15);
}

/* Ranges, chances and normals have the shape they claim. */
static void
test_xoshiro_distributions (void)
{
  const int n = 200000;
  double sum = 0, sum2 = 0, lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  int hits = 0;
  LsXoshiro rng;

  ls_xoshiro_init (&rng, 99);
  for (int i = 0; i < n; i++)
    {
      double r = ls_xoshiro_range (&rng, -3.0, 5.0);
      double z = ls_xoshiro_normal (&rng);
      float u = ls_xoshiro_uniform (&rng);

      g_assert_true (u >= 0.0f && u < 1.0f);
      lo = MIN (lo, r);
      hi = MAX (hi, r);
      hits += ls_xoshiro_chance (&rng, 0.3);
      sum += z;
      sum2 += z * z;
    }
  g_assert_true (lo >= -3.0 && lo < -2.99);
  g_assert_true (hi < 5.0 && hi > 4.99);
  g_assert_cmpfloat_with_epsilon ((double) hits / n, 0.3, 0.005);
  g_assert_cmpfloat_with_epsilon (sum / n, 0.0, 0.01);
  g_assert_cmpfloat_with_epsilon (sum2 / n, 1.0, 0.02);
}

/* ---- Error domains ------------------------------------------------------- */

/* A domain's name is what g_dbus and logs show and what g_quark_from_string
 * finds; clang-format once turned them into "ls - net - error - quark". */
static void
test_error_domains (void)
{
  static const struct
  {
    GQuark (*quark) (void);
    const char *name;
  } domains[] = {
    { ls_phantom_error_quark, "ls-phantom-error-quark" },
    { ls_store_error_quark, "ls-store-error-quark" },
    { ls_net_error_quark, "ls-net-error-quark" },
    { ls_safetensors_error_quark, "ls-safetensors-error-quark" },
    { ls_spec_error_quark, "ls-spec-error-quark" },
    { ls_augment_error_quark, "ls-augment-error-quark" },
    { ls_image_error_quark, "ls-image-error-quark" },
    { ls_png_write_error_quark, "ls-png-write-error-quark" },
    { ls_preprocess_error_quark, "ls-preprocess-error-quark" },
    { ls_calibrate_error_quark, "ls-calibrate-error-quark" },
    { ls_loader_error_quark, "ls-loader-error-quark" },
    { ls_metrics_error_quark, "ls-metrics-error-quark" },
    { ls_model_source_error_quark, "ls-model-source-error-quark" },
    { ls_ood_error_quark, "ls-ood-error-quark" },
    { ls_model_error_quark, "ls-model-error-quark" },
    { ls_registry_error_quark, "ls-registry-error-quark" },
    { ls_train_error_quark, "ls-train-error-quark" },
    { ls_workspace_error_quark, "ls-workspace-error-quark" },
    { ls_report_error_quark, "ls-report-error-quark" },
  };

  g_assert_cmpstr (g_quark_to_string (LS_MODEL_ERROR), ==, "ls-model-error-quark");
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    {
      g_assert_cmpstr (g_quark_to_string (domains[i].quark ()), ==, domains[i].name);
      g_assert_cmpuint (g_quark_try_string (domains[i].name), ==, domains[i].quark ());
    }
}

/* ---- Guards -------------------------------------------------------------- */

/* A NULL model is a programming error the guard reports; it is not
 * dereferenced before the guard runs. */
static void
test_predict_without_model (void)
{
  g_autoptr (LsImage) image = ls_image_new (8, 8);
  g_autoptr (GError) error = NULL;

  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*model != NULL*");
  g_assert_null (ls_pipeline_predict (NULL, image, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/base/file/write", test_file_write);
  g_test_add_func ("/lungscope/base/file/no-replace", test_file_no_replace);
  g_test_add_func ("/lungscope/base/file/failures", test_file_failures);
  g_test_add_func ("/lungscope/base/file/writer", test_file_writer);
  g_test_add_func ("/lungscope/base/xoshiro/reference", test_xoshiro_reference);
  g_test_add_func ("/lungscope/base/xoshiro/distributions", test_xoshiro_distributions);
  g_test_add_func ("/lungscope/errors/domains", test_error_domains);
  g_test_add_func ("/lungscope/pipeline/predict/without-model", test_predict_without_model);

  return g_test_run ();
}
