/* bench-label-errors.c — how well the label-error queue finds labels
 * flipped on purpose
 *
 * Writes phantoms (N per class), imports them into a fresh workspace,
 * splits it, flips a fraction of the labels (default 10 %, picked at random
 * with the seed, each to the next class) through the store as a user would,
 * trains one model on the split's training part and logs its predictions
 * of every labelled image (what the queue ranks by, in-sample, until a
 * cross-validation exists), then runs the K-fold cross-validation
 * (crossval.h) and reads the label-error queue again (queues.h, confident
 * learning on the out-of-fold probabilities).
 * Prints, before and after, for both rankings (self-confidence and
 * normalised margin):
 *
 *   precision  the share of flipped images among the queue's top 10 % of
 *              the labelled images (as many as were flipped);
 *   recall     the share of the flipped images the queue holds at all
 *              (they are candidates), and the share in its top 10 %.
 *
 *   bench-label-errors [--per-class N] [--size PX] [--folds K] [--epochs N]
 *                      [--flip F] [--seed S] [--threads N] [--lungnet] [--no-augment]
 *
 * Measured 2026-12-07 (defaults: 300 phantoms of 64², 30 flipped, 5 folds,
 * the small network, 40 epochs, augmentation, 2 threads), self-confidence
 * ranking, seeds 1 / 2 / 3:
 *
 *   out-of-fold  precision of the top 10 % 0.69 / 0.77 / 0.67,
 *                recall of the queue 0.67 / 0.80 / 0.67 (queue 29 / 34 / 30)
 *   in-sample    precision 0.73 / 0.73 / 0.85, recall 0.73 / 0.73 / 0.73
 *                (queue 30 / 30 / 26)
 *
 * Here the in-sample ranking (a model of the training part, 70 % of the
 * images, trained with augmentation) does as well: that model does not
 * memorise the flipped labels. Without augmentation it does, and only the
 * out-of-fold ranking still finds them (seed 1, --no-augment: in-sample
 * queue of 4 images, recall 0.07; out-of-fold precision and recall 0.73).
 *
 * The network is the tests' small one at PX (fast), or lungnet-s at PX
 * with --lungnet; trained with the default augmentation (it keeps the
 * folds' models from memorising the flipped labels) unless --no-augment.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dataset/import.h"
#include "dataset/phantom.h"
#include "dataset/split.h"
#include "dataset/store.h"
#include "engine/blas.h"
#include "engine/spec.h"
#include "ls-test.h"
#include "pipeline/crossval.h"
#include "pipeline/queues.h"
#include "pipeline/workspace.h"

static void
report (LsStore *store,
        LsQueueRanking ranking,
        GHashTable *flipped,
        guint n_labelled)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsQueue) q = NULL;
  LsQueueOptions o;
  guint n_flipped = g_hash_table_size (flipped), top_n = (n_labelled + 5) / 10, found = 0, top = 0;

  ls_queue_options_init (&o);
  o.ranking = ranking;
  q = ls_workspace_queue (store, LS_QUEUE_LABEL_ERRORS, &o, &error);
  if (q == NULL)
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      exit (1);
    }
  for (guint r = 0; r < q->n_entries; r++)
    if (g_hash_table_contains (flipped, q->entries[r].sha256))
      {
        found++;
        top += r < top_n;
      }
  printf ("%-18s queue %3u images; top 10 %% (%u): precision %.3f, recall %.3f; whole queue: recall %.3f "
          "(%u of %u flipped)\n",
          ls_queue_ranking_to_string (q->ranking), q->n_total, top_n, (double) top / MAX (MIN (top_n, q->n_total), 1),
          (double) top / n_flipped, (double) found / n_flipped, found, n_flipped);
}

/* What the queue ranks by until a cross-validation exists: a model trained
 * on the split's training part (active), its predictions of every labelled
 * image logged. */
static gboolean
in_sample (LsStore *store,
           const char *arch,
           int epochs,
           gboolean lungnet,
           gboolean no_augment,
           guint64 seed,
           int threads,
           GError **error)
{
  g_autoptr (LsWorkspaceRun) run = NULL;
  LsWorkspaceTrainOptions t;

  ls_workspace_train_options_init (&t);
  t.train.arch = arch;
  t.train.epochs = epochs;
  t.train.batch_size = 16;
  t.train.lr = lungnet ? 1e-3f : 1e-2f;
  t.train.augment = no_augment ? "" : NULL;
  t.train.patience = 0;
  t.train.seed = seed;
  t.train.threads = threads;
  t.activate = TRUE;
  run = ls_workspace_train (store, &t, NULL, NULL, NULL, NULL, NULL, error);
  if (run == NULL)
    return FALSE;
  for (LsSplitPart part = LS_SPLIT_TRAIN; part <= LS_SPLIT_TEST; part++)
    {
      g_autoptr (LsWorkspacePart) items = ls_workspace_load_part (store, part, error);
      g_autoptr (LsEvaluation) ev = NULL;
      g_autoptr (LsModel) model = NULL;
      LsEvaluateOptions eo;

      if (items == NULL || (model = ls_workspace_load_model (store, run->model_id, NULL, error)) == NULL)
        return FALSE;
      ls_evaluate_options_init (&eo);
      eo.threads = threads;
      ev = ls_pipeline_evaluate (model, items->items, items->n_items, &eo, NULL, NULL, NULL, error);
      if (ev == NULL)
        return FALSE;
      for (int r = 0; r < ev->n; r++)
        {
          const float *p = ev->probs + (gsize) r * ev->n_classes;
          g_autofree char *json = g_strdup_printf ("{\"%s\":%.9g,\"%s\":%.9g,\"%s\":%.9g}", items->classes[0], p[0],
                                                   items->classes[1], p[1], items->classes[2], p[2]);

          if (!ls_store_add_prediction (store, items->sha256[ev->rows[r]], run->model_id, json, NAN, NULL, NAN, error))
            return FALSE;
        }
    }
  return TRUE;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("— the label-error queue on phantoms with flipped labels");
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsImportReport) imported = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GHashTable) flipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (LsCrossval) cv = NULL;
  g_autoptr (GRand) rand = NULL;
  g_autofree char *tmp = NULL, *phantoms = NULL, *ws = NULL, *arch = NULL;
  int per_class = 100, size = 64, folds = 5, epochs = 40, threads = 2;
  double flip = 0.1;
  gint64 seed = 1;
  gboolean lungnet = FALSE, no_augment = FALSE;
  LsImportOptions import;
  LsCrossvalOptions o;
  LsBlasInfo blas;
  guint n_flip;
  GStrv classes;
  const GOptionEntry entries[] = {
    { "per-class", 0, 0, G_OPTION_ARG_INT, &per_class, "Phantoms per class (default 100)", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Image and input size (default 64)", "PX" },
    { "folds", 0, 0, G_OPTION_ARG_INT, &folds, "Folds (default 5)", "K" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs per fold (default 40)", "N" },
    { "flip", 0, 0, G_OPTION_ARG_DOUBLE, &flip, "Share of labels flipped (default 0.1)", "F" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the phantoms, the flips and training (default 1)", "S" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Engine threads (default 2)", "N" },
    { "lungnet", 0, 0, G_OPTION_ARG_NONE, &lungnet, "lungnet-s instead of the tests' small network", NULL },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { NULL }
  };

  ls_engine_blas_init (argv);
  ls_engine_blas_get_info (&blas);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      return 2;
    }
  if (per_class < 10 || folds < 2 || epochs < 1 || threads < 1 || flip <= 0 || flip >= 0.5)
    {
      fprintf (stderr, "bench-label-errors: --per-class ≥ 10, --folds ≥ 2, --epochs and --threads ≥ 1, "
                       "--flip in (0, 0.5)\n");
      return 2;
    }
  arch = ls_net_spec_text_resize (lungnet ? ls_engine_default_arch () : ls_test_small_arch, size, 0, &error);
  if (arch == NULL)
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      return 2;
    }
  tmp = g_dir_make_tmp ("bench-label-errors-XXXXXX", &error);
  if (tmp == NULL)
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      return 1;
    }
  phantoms = g_build_filename (tmp, "phantoms", NULL);
  ws = g_build_filename (tmp, "flipped.lungscope", NULL);
  memset (&import, 0, sizeof import);
  import.author = "bench";
  if (!ls_phantom_write_dataset (phantoms, per_class, (guint64) seed, size, NULL, NULL, NULL, &error) ||
      (store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error)) == NULL ||
      (imported = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, phantoms, &import, NULL, NULL, NULL, &error)) ==
          NULL ||
      (split = ls_store_split (store, NULL, NULL, NULL, NULL, &error)) == NULL ||
      (images = ls_store_list_images (store, &error)) == NULL || (classes = ls_store_get_classes (store, &error)) == NULL)
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      ls_test_remove_tree (tmp);
      return 1;
    }

  rand = g_rand_new_with_seed ((guint32) seed);
  n_flip = (guint) (images->len * flip + 0.5);
  while (g_hash_table_size (flipped) < n_flip)
    {
      const LsStoreImage *image = images->pdata[g_rand_int_range (rand, 0, (gint32) images->len)];
      guint c = 0;

      if (g_hash_table_contains (flipped, image->sha256))
        continue;
      while (strcmp (classes[c], image->label) != 0)
        c++;
      if (ls_store_set_label (store, image->sha256, classes[(c + 1) % 3], LS_LABEL_SOURCE_USER, "bench",
                              "flipped on purpose", &error) <= 0)
        {
          fprintf (stderr, "bench-label-errors: %s\n", error->message);
          ls_test_remove_tree (tmp);
          return 1;
        }
      g_hash_table_add (flipped, g_strdup (image->sha256));
    }
  g_strfreev (classes);

  printf ("phantoms: %u images of %d², %u labels flipped (%.0f %%); %d folds, %s at %d², %d epochs, %s, "
          "%d threads, BLAS %s\n",
          images->len, size, n_flip, 100 * flip, folds, lungnet ? "lungnet-s" : "the tests' small network", size,
          epochs, no_augment ? "no augmentation" : "default augmentation", threads, blas.core);
  fflush (stdout);
  if (!in_sample (store, arch, epochs, lungnet, no_augment, (guint64) seed, threads, &error))
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      ls_test_remove_tree (tmp);
      return 1;
    }
  printf ("before the cross-validation (in-sample: the active model's predictions):\n");
  report (store, LS_QUEUE_RANK_SELF_CONFIDENCE, flipped, images->len);
  report (store, LS_QUEUE_RANK_NORMALIZED_MARGIN, flipped, images->len);

  ls_crossval_options_init (&o);
  o.folds = folds;
  o.train.arch = arch;
  o.train.epochs = epochs;
  o.train.batch_size = 16;
  o.train.lr = lungnet ? 1e-3f : 1e-2f;
  o.train.augment = no_augment ? "" : NULL;
  o.train.patience = 0;
  o.train.seed = (guint64) seed;
  o.train.threads = threads;
  cv = ls_workspace_crossval (store, &o, NULL, NULL, NULL, NULL, NULL, &error);
  if (cv == NULL)
    {
      fprintf (stderr, "bench-label-errors: %s\n", error->message);
      ls_test_remove_tree (tmp);
      return 1;
    }
  printf ("cross-validation: out-of-fold accuracy %.3f against the given (partly flipped) labels, %.0f s\n",
          cv->metrics->accuracy, cv->seconds);
  printf ("after it (out-of-fold):\n");
  report (store, LS_QUEUE_RANK_SELF_CONFIDENCE, flipped, images->len);
  report (store, LS_QUEUE_RANK_NORMALIZED_MARGIN, flipped, images->len);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (tmp);
  return 0;
}
