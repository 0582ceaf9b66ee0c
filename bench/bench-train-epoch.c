/* bench-train-epoch.c — one training epoch of lungnet-s at 224² on 5000
 * phantoms, data loading included, against the engine's pure compute
 * figure (issue 6's benchmark; DESIGN.md §7)
 *
 *   bench-train-epoch [--threads N] [--images N]
 *
 * The phantoms (PNG, 224², seed 7) are written to $LS_PHANTOM_CACHE when
 * it is set (and reused from there on the next run), else to a temporary
 * folder removed at the end. Then, in this one process:
 *
 *   1. the engine's own training figure (engine/bench.h: batch 32 of
 *      random tensors, no loader);
 *   2. one epoch of ls_pipeline_train over the N training images (the
 *      loader decodes, letterboxes and augments with the default chest
 *      pipeline in its worker threads; nothing is cached before the epoch
 *      starts), then its validation pass on 99 images; the OOD fit and the
 *      model card that follow are timed apart.
 *
 * Prints the epoch's images/s, its wall time, the share of it the trainer
 * spent waiting for the loader, and the ratio to the engine's figure.
 * Exits 77 when the phantoms cannot be written (no space, no temp dir).
 * Not a test: run by `meson test -C build --benchmark`.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dataset/phantom.h"
#include "engine/bench.h"
#include "engine/blas.h"
#include "pipeline/train.h"

#define SEED 7
#define SIZE 224
#define N_VAL_PER_CLASS 33

static const char *const class_names[] = { "normal", "pneumonia", "covid", NULL };

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
on_epoch (const LsTrainEpoch *e,
          gpointer data)
{
  LsTrainEpoch *out = data;

  *out = *e;
}

int
main (int argc,
      char **argv)
{
  int threads = 2, n_images = 5000;
  guint per_class, per_train;
  const char *cache = g_getenv ("LS_PHANTOM_CACHE");
  g_autofree char *dir = NULL;
  g_autofree char *labels = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (LsTrainResult) result = NULL;
  g_autofree LsLoaderItem *train = NULL;
  g_autofree LsLoaderItem *val = NULL;
  LsEngineBenchConfig ecfg;
  LsEngineBenchResult engine;
  LsTrainConfig cfg;
  LsTrainEpoch epoch = { 0 };
  gboolean temporary = FALSE;
  guint nt = 0, nv = 0;
  gint64 t0, t1;
  double epoch_wall;
  int rc = 0;

  ls_engine_blas_init (argv);
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc)
        threads = atoi (argv[++i]);
      else if (strcmp (argv[i], "--images") == 0 && i + 1 < argc)
        n_images = atoi (argv[++i]);
      else
        {
          fprintf (stderr, "usage: bench-train-epoch [--threads N] [--images N]\n");
          return 2;
        }
    }
  if (threads < 1 || n_images < 30)
    {
      fprintf (stderr, "bench-train-epoch: --threads ≥ 1, --images ≥ 30\n");
      return 2;
    }
  per_train = (guint) (n_images + 2) / 3;
  per_class = per_train + N_VAL_PER_CLASS;

  if (cache != NULL && cache[0] != '\0')
    dir = g_strdup_printf ("%s/phantoms-%u-%d-seed%d", cache, per_class, SIZE, SEED);
  else
    {
      dir = g_dir_make_tmp ("lungscope-epoch-XXXXXX", &error);
      if (dir == NULL)
        {
          printf ("SKIP: no temporary folder: %s\n", error->message);
          return 77;
        }
      temporary = TRUE;
    }
  labels = g_build_filename (dir, "labels.csv", NULL);
  if (!g_file_test (labels, G_FILE_TEST_EXISTS))
    {
      t0 = g_get_monotonic_time ();
      if (!ls_phantom_write_dataset (dir, per_class, SEED, SIZE, NULL, NULL, NULL, &error))
        {
          printf ("SKIP: cannot write the phantoms: %s\n", error->message);
          if (temporary)
            remove_tree (dir);
          return 77;
        }
      printf ("phantoms: %u a class at %d² written to %s in %.1f s\n", per_class, SIZE, dir,
              (g_get_monotonic_time () - t0) / 1e6);
    }
  else
    printf ("phantoms: reusing %s\n", dir);

  train = g_new0 (LsLoaderItem, 3 * per_train);
  val = g_new0 (LsLoaderItem, 3 * N_VAL_PER_CLASS);
  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < per_class; i++)
      {
        char *path = g_strdup_printf ("%s/%s/%s-%05u.png", dir, class_names[c], class_names[c], i);
        LsLoaderItem *it = i < per_train ? &train[nt++] : &val[nv++];

        g_ptr_array_add (paths, path);
        it->path = path;
        it->label = (int) c;
      }

  ls_engine_bench_config_init (&ecfg);
  ecfg.threads = threads;
  ecfg.train_steps = 10;
  ecfg.forward_reps = 3;
  if (!ls_engine_bench_run (&ecfg, &engine, NULL, &error))
    {
      fprintf (stderr, "bench-train-epoch: %s\n", error->message);
      rc = 1;
      goto out;
    }
  printf ("engine, pure compute (batch %d of random tensors, %d steps): %.1f images/s, "
          "%.0f GFLOP/s\n",
          ecfg.batch, ecfg.train_steps, engine.train_images_per_s, engine.train_gflops);
  fflush (stdout);

  ls_train_config_init (&cfg);
  cfg.class_names = class_names;
  cfg.epochs = 1;
  cfg.threads = threads;
  cfg.seed = 1;
  cfg.patience = 0;
  cfg.dataset_version = "bench";
  t0 = g_get_monotonic_time ();
  if (!ls_pipeline_train (&cfg, train, nt, val, nv, NULL, 0, NULL, NULL, on_epoch, &epoch, NULL,
                          &result, &error))
    {
      fprintf (stderr, "bench-train-epoch: %s\n", error->message);
      rc = 1;
      goto out;
    }
  t1 = g_get_monotonic_time ();
  /* The epoch's seconds include its validation pass; images/s is the
   * training pass's own. */
  epoch_wall = epoch.n_images / epoch.images_per_second;
  printf ("epoch, loader included (%u images, %d threads, default augmentation): %.1f images/s\n",
          epoch.n_images, threads, epoch.images_per_second);
  printf ("  training pass %.1f s, with validation (%u images) %.1f s; the trainer waited "
          "%.1f s for the loader (%.1f %% of the pass)\n",
          epoch_wall, nv, epoch.seconds, epoch.wait_seconds,
          100.0 * epoch.wait_seconds / epoch_wall);
  printf ("  ratio to the pure engine: %.2f\n",
          epoch.images_per_second / engine.train_images_per_s);
  printf ("  OOD fit, calibration and card after the epoch: %.1f s; ls_pipeline_train "
          "total %.1f s\n",
          (t1 - t0) / 1e6 - epoch.seconds, (t1 - t0) / 1e6);

out:
  if (temporary)
    remove_tree (dir);
  return rc;
}
