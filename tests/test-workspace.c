/* test-workspace.c — the library calls the app makes on a workspace, called
 * directly (not through the CLI): train, evaluate, calibrate, compare,
 * finetune, diagnose a file, find an image, the folder walk, and which
 * workspace is used
 *
 * One workspace of 120 small phantoms (64², the shared small network) is
 * made once and trained for a few epochs; the cases run in order on it.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "dataset/split.h"
#include "dataset/store.h"
#include "imaging/decode.h"
#include "imaging/image-files.h"
#include "imaging/png-write.h"
#include "ls-test.h"
#include "pipeline/diagnose.h"
#include "pipeline/model-info.h"
#include "pipeline/preview.h"
#include "pipeline/workspace-paths.h"
#include "pipeline/workspace.h"
#include "store-test-util.h"

#define PER_CLASS 40
#define PX 64

static struct
{
  char *tmp;
  char *phantoms;
  char *ws;
  char *first_model; /* trained */
  char *calibrated;  /* its recalibrated child */
  guint n_epoch_calls;
} fx;

static void
make_workspace (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) report = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  LsImportOptions import;
  LsSplitOptions split_options;

  if (fx.ws != NULL)
    return;
  fx.tmp = make_temp_dir ();
  fx.phantoms = g_build_filename (fx.tmp, "phantoms", NULL);
  fx.ws = g_build_filename (fx.tmp, "lib.lungscope", NULL);
  g_assert_true (ls_phantom_write_dataset (fx.phantoms, PER_CLASS, 7, PX, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  store = ls_store_open (fx.ws, LS_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  memset (&import, 0, sizeof import);
  import.author = "test";
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, fx.phantoms, &import, NULL, NULL, NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->added, ==, 3 * PER_CLASS);
  ls_split_options_init (&split_options);
  split = ls_store_split (store, &split_options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
count_epoch (const LsTrainEpoch *epoch,
             gpointer user_data)
{
  fx.n_epoch_calls++;
}

static void
progress_check (double fraction,
                const char *message,
                gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

/* ls_workspace_train registers an active model with its run log. */
static void
train_once (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsWorkspaceRun) run = NULL;
  g_autoptr (LsStoreModel) active = NULL;
  g_autofree char *log = NULL;
  LsWorkspaceTrainOptions options;
  double last = -1;

  if (fx.first_model != NULL)
    return;
  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  ls_workspace_train_options_init (&options);
  options.train.arch = ls_test_small_arch;
  options.train.epochs = 10;
  options.train.batch_size = 16;
  options.train.lr = 1e-2f;
  options.train.augment = "";
  options.train.patience = 0;
  options.train.seed = 3;
  options.train.threads = 1;
  options.train.loader_workers = 1;
  run = ls_workspace_train (store, &options, progress_check, &last, count_epoch, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_cmpuint (fx.n_epoch_calls, ==, 10);
  g_assert_true (run->activated);
  g_assert_cmpuint (run->n_train + run->n_val + run->n_test, ==, 3 * PER_CLASS);
  active = ls_store_get_active_model (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (active->id, ==, run->model_id);
  log = g_strdup_printf ("%s/runs/%s.jsonl", fx.ws, run->run_id);
  g_assert_true (g_file_test (log, G_FILE_TEST_IS_REGULAR));
  fx.first_model = g_strdup (run->model_id);
}

static void
test_train (void)
{
  train_once ();
  g_assert_nonnull (fx.first_model);
}

/* ls_workspace_evaluate scores every labelled test image. */
static void
test_evaluate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsEvaluation) ev = NULL;
  g_autoptr (LsWorkspacePart) part = NULL;
  g_autofree char *id = NULL;

  train_once ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  ev = ls_workspace_evaluate (store, NULL, LS_SPLIT_TEST, 1, &id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, fx.first_model);
  part = ls_workspace_load_part (store, LS_SPLIT_TEST, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ev->n, ==, (int) part->n_items);
  g_assert_cmpint (ev->n, >, 0);
  /* Ten epochs of the small network on 84 phantoms: well above chance. */
  g_test_message ("test accuracy %.3f on %d images", ev->metrics->accuracy, ev->n);
  g_assert_cmpfloat (ev->metrics->accuracy, >=, 0.6);
}

/* ls_workspace_calibrate makes a child with the same weights; comparing
 * parent and child flips nothing (a temperature keeps the argmax). */
static void
test_calibrate_compare (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsWorkspaceCalibration) cal = NULL;
  g_autoptr (LsWorkspaceComparison) cmp = NULL;
  double last = -1;

  train_once ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  cal = ls_workspace_calibrate (store, fx.first_model, 1, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cal->parent_id, ==, fx.first_model);
  g_assert_cmpstr (cal->model_id, !=, fx.first_model);
  fx.calibrated = g_strdup (cal->model_id);

  cmp = ls_workspace_compare (store, fx.first_model, cal->model_id, LS_SPLIT_TEST, 1,
                              progress_check, &last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_cmpstr (cmp->id_a, ==, fx.first_model);
  g_assert_cmpstr (cmp->id_b, ==, cal->model_id);
  g_assert_cmpint (cmp->a->n, ==, cmp->b->n);
  g_assert_cmpint (cmp->n_flips, ==, 0);
  g_assert_cmpfloat (cmp->a->metrics->accuracy, ==, cmp->b->metrics->accuracy);
  g_assert_cmpuint (g_strv_length (cmp->flip_sha256), ==, 0);
}

/* Relabel four training images, fine-tune, compare parent and child: the
 * flips name workspace images. */
static void
test_finetune_compare (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsWorkspacePart) train = NULL;
  g_autoptr (LsWorkspaceFinetune) ft = NULL;
  g_autoptr (LsWorkspaceComparison) cmp = NULL;
  g_auto (GStrv) classes = NULL;
  LsWorkspaceFinetuneOptions options;

  train_once ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  classes = ls_store_get_classes (store, &error);
  g_assert_no_error (error);
  train = ls_workspace_load_part (store, LS_SPLIT_TRAIN, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (train->n_items, >=, 4);
  for (guint i = 0; i < 4; i++)
    {
      int label = train->items[i].label;
      const char *to = classes[(label + 1) % 3];

      g_assert_cmpint (ls_store_set_label (store, train->sha256[i], to, LS_LABEL_SOURCE_USER, "test",
                                           NULL, &error),
                       >, 0);
      g_assert_no_error (error);
    }
  {
    /* What the app's Retrain button counts. */
    g_autofree char *parent_id = NULL;
    guint n_train = 0, n_elsewhere = 0;

    g_assert_true (ls_workspace_count_corrections (store, fx.first_model, &parent_id, &n_train,
                                                   &n_elsewhere, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (parent_id, ==, fx.first_model);
    g_assert_cmpuint (n_train, ==, 4);
    g_assert_cmpuint (n_elsewhere, ==, 0);
  }
  ls_workspace_finetune_options_init (&options);
  options.parent = fx.first_model;
  options.finetune.epochs = 1;
  options.finetune.threads = 1;
  options.finetune.loader_workers = 1;
  ft = ls_workspace_finetune (store, &options, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ft->parent_id, ==, fx.first_model);
  g_assert_cmpuint (ft->n_corrected, ==, 4);
  g_assert_false (ft->activated);
  g_assert_cmpuint (g_strv_length (ft->corrected), ==, 4);

  cmp = ls_workspace_compare (store, fx.first_model, ft->model_id, LS_SPLIT_TRAIN, 1, NULL, NULL,
                              NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (cmp->flip_sha256), ==, (guint) cmp->n_flips);
  for (int i = 0; i < cmp->n_flips; i++)
    {
      g_autoptr (LsStoreImage) image = ls_store_find_image (store, cmp->flip_sha256[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (image);
      g_assert_cmpint (cmp->flips[i].pred_a, !=, cmp->flips[i].pred_b);
    }
  g_test_message ("fine-tuned %s: %d of %d training images flip", ft->model_id, cmp->n_flips,
                  cmp->a->n);
}

static char *
phantom_file (int klass,
              int index)
{
  g_autofree char *folder = NULL;
  g_autoptr (GPtrArray) files = NULL;

  folder = g_build_filename (fx.phantoms, klass == 0 ? "normal" : klass == 1 ? "pneumonia"
                                                                             : "covid",
                             NULL);
  files = ls_image_files_in_folder (folder, NULL);
  g_assert_cmpuint (files->len, >, (guint) index);
  return g_strdup (((LsImageFileEntry *) files->pdata[index])->path);
}

static void
early_cb (const LsPrediction *prediction,
          gpointer user_data)
{
  LsPrediction **out = user_data;
  LsPrediction *copy = g_new0 (LsPrediction, 1);

  g_assert_null (*out);
  copy->n_classes = prediction->n_classes;
  copy->probs = g_memdup2 (prediction->probs, sizeof (float) * prediction->n_classes);
  copy->logits = g_memdup2 (prediction->logits, sizeof (float) * prediction->n_classes);
  copy->saliency = prediction->saliency;
  *out = copy;
}

/* One call reads, predicts, writes the overlay and logs; the probabilities
 * are the model's on the decoded file; a broken file names itself; a
 * cancelled call writes nothing. */
static void
test_diagnose (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsModelChoice) choice = NULL;
  g_autoptr (LsDiagnosis) d = NULL;
  g_autoptr (LsImage) image = NULL;
  g_autoptr (LsPrediction) p = NULL;
  g_autoptr (GPtrArray) logged = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (LsImage) overlay = NULL;
  g_autofree char *file = phantom_file (1, 0);
  g_autofree char *overlay_path = g_build_filename (fx.tmp, "overlay.png", NULL);
  g_autofree char *broken = g_build_filename (fx.tmp, "broken.png", NULL);
  g_autofree char *cancelled_overlay = g_build_filename (fx.tmp, "never.png", NULL);
  g_autofree char *shown = NULL;
  LsDiagnoseOptions options;
  g_autoptr (LsPrediction) early = NULL;
  guint before;

  train_once ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  choice = ls_pipeline_choose_model (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (choice->source, ==, LS_MODEL_SOURCE_WORKSPACE);
  g_assert_nonnull (choice->log_id);
  before = ls_store_count_predictions (store, choice->log_id, &error);
  g_assert_no_error (error);

  ls_diagnose_options_init (&options);
  options.predict.saliency = TRUE;
  options.predict.method = LS_SALIENCY_GRADCAM;
  options.overlay_path = overlay_path;
  options.early = early_cb;
  options.early_data = &early;
  d = ls_pipeline_diagnose_file (choice, store, file, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d);
  g_assert_null (d->log_error);
  g_assert_cmpint (d->log_id, >, 0);
  g_assert_cmpuint (ls_store_count_predictions (store, choice->log_id, &error), ==, before + 1);
  g_assert_cmpint (strlen (d->sha256), ==, 64);
  g_assert_nonnull (d->prediction->saliency);
  g_assert_cmpint (d->prediction->saliency_width, ==, d->image->width);
  /* The early answer came without a map, close to the final one (here the
   * file is small: the fast path decodes it whole, so they are equal). */
  g_assert_nonnull (early);
  g_assert_null (early->saliency);
  for (int k = 0; k < early->n_classes; k++)
    g_assert_cmpfloat_with_epsilon (early->probs[k], d->prediction->probs[k], 1e-3);

  /* The same probabilities as predicting the decoded file directly. */
  image = ls_image_load (file, NULL, &error);
  g_assert_no_error (error);
  p = ls_pipeline_predict (choice->model, image, NULL, &error);
  g_assert_no_error (error);
  for (int k = 0; k < p->n_classes; k++)
    g_assert_cmpfloat_with_epsilon (p->probs[k], d->prediction->probs[k], 1e-6);

  /* Logged under the display name, with the method. */
  logged = ls_store_list_predictions (store, NULL, d->sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (logged->len, >=, 1);
  shown = g_filename_display_name (file);
  g_assert_cmpstr (((LsStorePrediction *) logged->pdata[logged->len - 1])->name, ==, shown);
  g_assert_cmpstr (((LsStorePrediction *) logged->pdata[logged->len - 1])->saliency_method, ==,
                   "gradcam");

  /* The overlay file: the image's size. */
  overlay = ls_image_load (overlay_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (overlay->width, ==, d->image->width);
  g_assert_cmpint (overlay->height, ==, d->image->height);

  /* A broken file: an error that names it, nothing logged. */
  g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\n-truncated", -1, NULL));
  g_clear_pointer (&d, ls_diagnosis_free);
  d = ls_pipeline_diagnose_file (choice, store, broken, NULL, NULL, &error);
  g_assert_null (d);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "broken.png"));
  g_clear_error (&error);
  g_assert_cmpuint (ls_store_count_predictions (store, choice->log_id, &error), ==, before + 1);

  /* Cancelled: nothing written, nothing logged. */
  g_cancellable_cancel (cancel);
  options.overlay_path = cancelled_overlay;
  d = ls_pipeline_diagnose_file (choice, store, file, &options, cancel, &error);
  g_assert_null (d);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (g_file_test (cancelled_overlay, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ls_store_count_predictions (store, choice->log_id, &error), ==, before + 1);

  /* Without a store: predicted, not logged. */
  d = ls_pipeline_diagnose_file (choice, NULL, file, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->log_id, ==, -1);
  g_assert_null (d->log_error);
}

/* An image named by its file (anywhere: hashed) or by a hash prefix. */
static void
test_find_image (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsStoreImage) by_file = NULL;
  g_autoptr (LsStoreImage) by_prefix = NULL;
  g_autoptr (LsStoreImage) missing = NULL;
  g_autofree char *file = phantom_file (2, 3);
  g_autofree char *copy = g_build_filename (fx.tmp, "copy.png", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *prefix = NULL;
  gsize len;

  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) len, NULL));
  by_file = ls_workspace_find_image (store, copy, &error);
  g_assert_no_error (error);
  g_assert_nonnull (by_file);
  prefix = g_strndup (by_file->sha256, 10);
  by_prefix = ls_workspace_find_image (store, prefix, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_prefix->sha256, ==, by_file->sha256);
  missing = ls_workspace_find_image (store, "ffffffffffffffffffff", &error);
  g_assert_null (missing);
  g_assert_error (error, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND);
}

/* The folder walk: sorted, recursive; masks, hidden files and non-images
 * left out and counted; an extension-less file kept only when its bytes
 * are an image. */
static void
test_image_files (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *src = NULL;
  g_autoptr (GPtrArray) files = NULL;
  const char *expect[] = { "b.PNG", "noext", "sub/a.dcm", "sub/c.jpg" };
  guint skipped = 0;
  gsize len;

  make_workspace ();
  dir = g_build_filename (fx.tmp, "walk", NULL);
  sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  src = phantom_file (0, 0);
  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
#define PUT(name, data, n)                                      \
  do                                                            \
    {                                                           \
      g_autofree char *p_ = g_build_filename (dir, name, NULL); \
      g_assert_true (g_file_set_contents (p_, data, n, NULL));  \
    }                                                           \
  while (0)
  PUT ("b.PNG", contents, (gssize) len);
  PUT ("noext", contents, (gssize) len);
  PUT ("README", "not an image", -1);
  PUT ("labels.csv", "path,label\n", -1);
  PUT ("b_mask.png", contents, (gssize) len);
  PUT (".hidden.png", contents, (gssize) len);
  PUT ("sub/c.jpg", "whatever", -1);
  PUT ("sub/a.dcm", "whatever", -1);
#undef PUT
  files = ls_image_files_in_folder (dir, &skipped);
  g_assert_cmpuint (files->len, ==, G_N_ELEMENTS (expect));
  for (guint i = 0; i < files->len; i++)
    {
      const LsImageFileEntry *e = files->pdata[i];
      g_autofree char *want = g_build_filename (dir, expect[i], NULL);

      g_assert_cmpstr (e->path, ==, want);
      g_assert_null (e->error);
    }
  /* README, labels.csv and the mask; hidden files are not counted. */
  g_assert_cmpuint (skipped, ==, 3);
  g_assert_true (ls_image_file_name_is_mask ("x_MASK.png"));
  g_assert_false (ls_image_file_name_is_mask ("mask.png"));
  g_assert_true (ls_image_file_name_has_image_extension ("x.JPEG"));
  g_assert_false (ls_image_file_name_has_image_extension ("x.txt"));

  /* A folder that is not there is an entry with its error. */
  g_clear_pointer (&files, g_ptr_array_unref);
  files = ls_image_files_in_folder ("/nonexistent-lungscope-folder", NULL);
  g_assert_cmpuint (files->len, ==, 1);
  g_assert_nonnull (((LsImageFileEntry *) files->pdata[0])->error);
}

/* One file imported unlabelled (a drop): added once, then known; a broken
 * file is a failure of the report, not an error. */
static void
test_import_one_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) first = NULL;
  g_autoptr (LsImportReport) again = NULL;
  g_autoptr (LsImportReport) broken = NULL;
  g_autoptr (LsPhantom) ph = NULL;
  g_autoptr (LsStoreImage) image = NULL;
  g_autofree char *path = g_build_filename (fx.tmp, "dropped.png", NULL);
  g_autofree char *bad = g_build_filename (fx.tmp, "dropped-broken.png", NULL);
  LsPhantomParams params;
  LsImportOptions options = { 0 };
  guint before;

  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  before = ls_store_count_images (store, &error);
  ls_phantom_params_init (&params);
  params.size = PX;
  ph = ls_phantom_generate (&params, 99, 0, 0);
  g_assert_true (ls_png_write_image (path, ph->image, 8, 0, &error));
  g_assert_no_error (error);
  first = ls_store_import (store, LS_IMPORT_UNLABELLED, path, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->added, ==, 1);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, before + 1);
  image = ls_workspace_find_image (store, path, &error);
  g_assert_no_error (error);
  g_assert_null (image->label);
  g_assert_cmpstr (image->original_name, ==, "dropped.png");
  again = ls_store_import (store, LS_IMPORT_UNLABELLED, path, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->added, ==, 0);
  g_assert_true (g_file_set_contents (bad, "not a picture", -1, NULL));
  broken = ls_store_import (store, LS_IMPORT_UNLABELLED, bad, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (broken->added, ==, 0);
  g_assert_cmpuint (broken->failures->len, ==, 1);
  g_assert_cmpuint (ls_store_count_images (store, &error), ==, before + 1);
}

/* -w, then $LUNGSCOPE_WORKSPACE, then the app's last workspace (no schema
 * here: none). */
static void
test_resolve_workspace (void)
{
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  LsWorkspaceOrigin origin;

  g_setenv (LS_WORKSPACE_ENV, "/from/env", TRUE);
  a = ls_pipeline_resolve_workspace ("/from/option", &origin);
  g_assert_cmpstr (a, ==, "/from/option");
  g_assert_cmpint (origin, ==, LS_WORKSPACE_ORIGIN_OPTION);
  b = ls_pipeline_resolve_workspace (NULL, &origin);
  g_assert_cmpstr (b, ==, "/from/env");
  g_assert_cmpstr (ls_workspace_origin_to_string (origin), ==, "environment");
  g_unsetenv (LS_WORKSPACE_ENV);
  c = ls_pipeline_resolve_workspace (NULL, &origin);
  if (c != NULL)
    g_assert_cmpint (origin, ==, LS_WORKSPACE_ORIGIN_LAST);
  else
    g_assert_cmpint (origin, ==, LS_WORKSPACE_ORIGIN_NONE);
}

/* Test-time augmentation: without steps every preview is the plain image
 * (no spread, full agreement); with the default steps each row is a
 * distribution and the spread is not zero. */
static void
test_tta (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsModel) model = NULL;
  g_autoptr (LsImage) image = NULL;
  g_autoptr (LsAugmentPipeline) none = ls_augment_pipeline_new ();
  g_autoptr (LsAugmentPipeline) def = ls_augment_pipeline_new_default ();
  g_autoptr (LsTta) same = NULL;
  g_autoptr (LsTta) varied = NULL;
  g_autoptr (LsTta) again = NULL;
  g_autofree char *file = phantom_file (2, 1);
  double spread = 0;

  train_once ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  model = ls_workspace_load_model (store, NULL, NULL, &error);
  g_assert_no_error (error);
  image = ls_image_load (file, NULL, &error);
  g_assert_no_error (error);
  same = ls_pipeline_tta (model, image, none, 4, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (same->previews->len, ==, 4);
  g_assert_cmpfloat (same->agreement, ==, 1.0);
  for (int c = 0; c < same->n_classes; c++)
    {
      g_assert_cmpfloat_with_epsilon (same->mean[c], same->plain[c], 1e-6);
      g_assert_cmpfloat_with_epsilon (same->std[c], 0.0, 1e-6);
    }
  varied = ls_pipeline_tta (model, image, def, 8, 5, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < varied->n; i++)
    {
      double sum = 0;

      for (int c = 0; c < varied->n_classes; c++)
        sum += varied->probs[i * varied->n_classes + c];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_nonnull (((LsAugmentPreview *) varied->previews->pdata[i])->description);
    }
  for (int c = 0; c < varied->n_classes; c++)
    spread += varied->std[c];
  g_assert_cmpfloat (spread, >, 0.0);
  /* The same seed, the same previews and answers. */
  again = ls_pipeline_tta (model, image, def, 8, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (again->probs, sizeof (float) * 8 * again->n_classes, varied->probs,
                   sizeof (float) * 8 * varied->n_classes);
}

/* The workspace's augmentation: the default until set; set, it is what
 * the next training records. */
static void
test_augment_setting (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsAugmentPipeline) a = NULL;
  g_autoptr (LsAugmentPipeline) b = NULL;
  g_autoptr (LsAugmentPipeline) mine = ls_augment_pipeline_new ();
  LsAugmentSpec spec;
  gboolean is_default = FALSE;

  make_workspace ();
  store = ls_store_open (fx.ws, LS_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  a = ls_workspace_get_augment (store, &is_default, &error);
  g_assert_no_error (error);
  g_assert_true (is_default);
  ls_augment_spec_init (&spec, LS_AUGMENT_HFLIP);
  spec.p = 0.25;
  ls_augment_pipeline_add (mine, &spec);
  g_assert_true (ls_workspace_set_augment (store, mine, &error));
  g_assert_no_error (error);
  b = ls_workspace_get_augment (store, &is_default, &error);
  g_assert_no_error (error);
  g_assert_false (is_default);
  g_assert_true (ls_augment_pipeline_equal (b, mine));
  {
    /* The next training without an augmentation of its own uses it. */
    g_autoptr (LsWorkspaceRun) run = NULL;
    LsWorkspaceTrainOptions options;
    const char *card;

    ls_workspace_train_options_init (&options);
    options.train.arch = ls_test_small_arch;
    options.train.epochs = 1;
    options.train.batch_size = 16;
    options.train.threads = 1;
    options.train.loader_workers = 1;
    run = ls_workspace_train (store, &options, NULL, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    card = g_hash_table_lookup (run->result->model->metadata, "train_config");
    g_assert_nonnull (card);
    g_test_message ("train_config: %s", card);
    g_assert_nonnull (strstr (card, ls_augment_kind_to_string (LS_AUGMENT_HFLIP)));
    g_assert_null (strstr (card, ls_augment_kind_to_string (LS_AUGMENT_AFFINE)));
  }
  g_assert_true (ls_workspace_set_augment (store, NULL, &error));
  g_clear_pointer (&b, ls_augment_pipeline_free);
  b = ls_workspace_get_augment (store, &is_default, &error);
  g_assert_true (is_default);
}

/* The model's card in words, and metrics read from JSON. */
static void
test_model_info (void)
{
  g_assert_cmpfloat (ls_metrics_json_number ("{\"accuracy\": 0.5}", "accuracy"), ==, 0.5);
  g_assert_cmpfloat (ls_metrics_json_number ("{\"test\": {\"ece\": 0.25}}", "ece"), ==, 0.25);
  g_assert_true (isnan (ls_metrics_json_number ("{\"accuracy\": \"high\"}", "accuracy")));
  g_assert_true (isnan (ls_metrics_json_number ("not json", "accuracy")));
  g_assert_true (isnan (ls_metrics_json_number (NULL, "accuracy")));
  g_assert_cmpstr (ls_saliency_method_title (LS_SALIENCY_SMOOTHGRAD), ==, "SmoothGrad");
}

int
main (int argc,
      char **argv)
{
  int rc;

  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/workspace/train", test_train);
  g_test_add_func ("/lungscope/workspace/evaluate", test_evaluate);
  g_test_add_func ("/lungscope/workspace/calibrate-compare", test_calibrate_compare);
  g_test_add_func ("/lungscope/workspace/finetune-compare", test_finetune_compare);
  g_test_add_func ("/lungscope/workspace/diagnose", test_diagnose);
  g_test_add_func ("/lungscope/workspace/find-image", test_find_image);
  g_test_add_func ("/lungscope/workspace/image-files", test_image_files);
  g_test_add_func ("/lungscope/workspace/import-one-file", test_import_one_file);
  g_test_add_func ("/lungscope/workspace/resolve", test_resolve_workspace);
  g_test_add_func ("/lungscope/workspace/model-info", test_model_info);
  g_test_add_func ("/lungscope/workspace/tta", test_tta);
  g_test_add_func ("/lungscope/workspace/augment-setting", test_augment_setting);
  rc = g_test_run ();
  if (fx.tmp != NULL)
    remove_tree (fx.tmp);
  g_free (fx.tmp);
  g_free (fx.phantoms);
  g_free (fx.ws);
  g_free (fx.first_model);
  g_free (fx.calibrated);
  return rc;
}
