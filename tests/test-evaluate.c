/* test-evaluate.c — ls_pipeline_evaluate against the single-image path
 *
 * The batched evaluation (loader workers, engine threads, batches of 4)
 * must give, image by image, the probabilities ls_pipeline_predict gives
 * one image at a time, skip an unreadable file and say which rows are
 * which items; its metrics must be those of the rows.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset/phantom.h"
#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "ls-test.h"
#include "pipeline/evaluate.h"
#include "pipeline/train.h"

#define N_ITEMS 13
#define BAD 5 /* the unreadable item */
#define PX 64
#define TEMPERATURE 1.7

static LsModel *
make_model (void)
{
  g_autoptr (GError) error = NULL;
  LsNet *net = ls_net_new (ls_test_small_arch, &error);
  GHashTable *md = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  LsModel *model;

  g_assert_no_error (error);
  ls_net_init_params (net, 5);
  g_hash_table_insert (md, g_strdup ("format"), g_strdup ("lungscope-model"));
  g_hash_table_insert (md, g_strdup ("model_id"), g_strdup ("01JDEVALEVALEVALEVALEVALEV"));
  g_hash_table_insert (md, g_strdup ("classes"), g_strdup ("[\"normal\",\"pneumonia\",\"covid\"]"));
  g_hash_table_insert (md, g_strdup ("input"),
                       g_strdup ("{\"size\":64,\"channels\":1,\"fit\":\"letterbox\",\"mean\":[0.5],"
                                 "\"std\":[0.25]}"));
  g_hash_table_insert (md, g_strdup ("calibration"), g_strdup_printf ("{\"temperature\":%g}", TEMPERATURE));
  model = ls_model_new (net, md, NULL, &error);
  g_assert_no_error (error);
  return model;
}

typedef struct
{
  char *dir;
  char *paths[N_ITEMS];
  LsLoaderItem items[N_ITEMS];
} Data;

static void
make_data (Data *d)
{
  g_autoptr (GError) error = NULL;
  LsPhantomParams params;

  d->dir = g_dir_make_tmp ("ls-evaluate-XXXXXX", &error);
  g_assert_no_error (error);
  ls_phantom_params_init (&params);
  params.size = PX;
  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_autofree char *name = g_strdup_printf ("item-%02u.png", i);

      d->paths[i] = g_build_filename (d->dir, name, NULL);
      d->items[i].path = d->paths[i];
      d->items[i].label = (int) (i % 3);
      if (i == BAD)
        g_assert_true (g_file_set_contents (d->paths[i], "\x89PNG\r\n\x1a\n truncated", -1, NULL));
      else
        {
          g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 21, i % 3, i);

          g_assert_true (ls_png_write_image (d->paths[i], ph->image, 8, 0, &error));
          g_assert_no_error (error);
        }
    }
}

static void
free_data (Data *d)
{
  for (guint i = 0; i < N_ITEMS; i++)
    g_free (d->paths[i]);
  ls_test_remove_tree (d->dir);
  g_free (d->dir);
}

static void
test_matches_predict (void)
{
  g_autoptr (LsModel) model = make_model ();
  g_autoptr (LsEvaluation) ev = NULL;
  g_autoptr (GError) error = NULL;
  LsEvaluateOptions o;
  Data d = { 0 };
  int correct = 0;

  make_data (&d);
  ls_evaluate_options_init (&o);
  o.batch_size = 4;
  o.threads = 2;
  o.loader_workers = 2;
  o.features = TRUE;
  ls_net_set_mode (model->net, LS_NET_MODE_TRAIN);
  ev = ls_pipeline_evaluate (model, d.items, N_ITEMS, &o, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ls_net_get_mode (model->net), ==, LS_NET_MODE_TRAIN);
  ls_net_set_mode (model->net, LS_NET_MODE_EVAL);
  g_assert_cmpint (ev->n, ==, N_ITEMS - 1);
  g_assert_cmpuint (ev->n_failed, ==, 1);
  g_assert_cmpint (ev->feature_dim, ==, 32);
  g_assert_nonnull (ev->features);
  for (int r = 0; r < ev->n; r++)
    {
      guint item = ev->rows[r];
      g_autoptr (LsImage) image = NULL;
      g_autoptr (LsPrediction) p = NULL;
      double sum = 0;

      /* In order, the bad item left out. */
      g_assert_cmpuint (item, ==, (guint) (r < BAD ? r : r + 1));
      g_assert_cmpint (ev->labels[r], ==, d.items[item].label);
      g_assert_true (isnan (ev->ood[r]));
      image = ls_image_load (d.paths[item], NULL, &error);
      g_assert_no_error (error);
      p = ls_pipeline_predict (model, image, NULL, &error);
      g_assert_no_error (error);
      for (int c = 0; c < 3; c++)
        {
          float prob = ev->probs[r * 3 + c];

          g_assert_cmpfloat (fabsf (ev->logits[r * 3 + c] - p->logits[c]), <=, 1e-4f * (1 + fabsf (p->logits[c])));
          g_assert_cmpfloat (fabsf (prob - p->probs[c]), <=, 1e-5f);
          sum += prob;
        }
      g_assert_cmpfloat (fabs (sum - 1), <=, 1e-5);
      {
        /* The card's temperature: softmax(logits / T). */
        double z[3], m, s = 0;

        for (int c = 0; c < 3; c++)
          z[c] = ev->logits[r * 3 + c] / TEMPERATURE;
        m = MAX (z[0], MAX (z[1], z[2]));
        for (int c = 0; c < 3; c++)
          s += exp (z[c] - m);
        for (int c = 0; c < 3; c++)
          g_assert_cmpfloat (fabs (exp (z[c] - m) / s - ev->probs[r * 3 + c]), <=, 1e-6);
      }
      correct += ls_metrics_argmax (ev->probs + r * 3, 3) == ev->labels[r];
    }
  g_assert_cmpint (ev->metrics->n_samples, ==, ev->n);
  g_assert_cmpfloat (ev->metrics->accuracy, ==, (double) correct / ev->n);
  free_data (&d);
}

static void
test_errors (void)
{
  g_autoptr (LsModel) model = make_model ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  LsLoaderItem items[2] = { { "/nonexistent/a.png", NULL, 0, 1, 0 }, { "/nonexistent/b.png", NULL, 3, 1, 0 } };
  Data d = { 0 };

  /* A label the model does not have. */
  g_assert_null (ls_pipeline_evaluate (model, items, 2, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "b.png"));
  g_clear_error (&error);
  /* Nothing to evaluate, and nothing readable. */
  g_assert_null (ls_pipeline_evaluate (model, items, 0, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ls_pipeline_evaluate (model, items, 1, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED);
  g_clear_error (&error);
  /* Cancelled. */
  make_data (&d);
  g_cancellable_cancel (cancellable);
  g_assert_null (ls_pipeline_evaluate (model, d.items, N_ITEMS, NULL, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  free_data (&d);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/evaluate/matches-predict", test_matches_predict);
  g_test_add_func ("/lungscope/pipeline/evaluate/errors", test_errors);
  return g_test_run ();
}
