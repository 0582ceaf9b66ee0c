/* bench-loader.c — training data loader throughput and starvation at S = 224
 *
 * Not a test: run with `meson test -C build --benchmark loader-bench`.
 * On /work/shared/data/cxr-real (when present) and on 512² phantoms:
 *  1. throughput (images/s, the consumer releasing at once) with 1 and 2
 *     workers, with and without the default augmentation, cache cold
 *     (epoch 0: every image decoded) and warm (epoch 1: from the cache),
 *     with the CPU time per image, which does not depend on what else runs;
 *  2. starvation: a consumer that stands for the engine, keeping both cores
 *     busy for batch / rate seconds per batch (LS_BENCH_RATE, default
 *     100 images/s) — the share of its time spent waiting in next();
 *  3. the cost of the 8- and 16-bit cache: error of the quantised fitted
 *     image against the float one.
 * LS_BENCH_PHANTOMS sets the number of phantoms (default 96).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "dataset/phantom.h"
#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "ls-test.h"
#include "pipeline/loader.h"

#define SIZE 224
#define BATCH 32

typedef struct
{
  const char *name;
  GPtrArray *paths;
  GArray *items; /* LsLoaderItem */
} Set;

static void
set_add (Set *set,
         char *path,
         int label)
{
  LsLoaderItem item = { 0 };

  g_ptr_array_add (set->paths, path);
  item.path = path;
  item.label = label;
  g_array_append_val (set->items, item);
}

static gboolean
load_cxr_real (Set *set)
{
  const char *root = g_getenv ("LS_SHARED_DATA");
  g_autofree char *dir = g_build_filename (root != NULL ? root : "/work/shared/data", "cxr-real", NULL);
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  const char *classes[] = { "normal", "pneumonia", "covid" };

  if (!g_file_get_contents (csv, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ",", 3);

      if (g_strv_length (fields) < 2)
        continue;
      for (int c = 0; c < 3; c++)
        if (g_str_equal (fields[1], classes[c]))
          set_add (set, g_build_filename (dir, fields[0], NULL), c);
    }
  return set->items->len > 0;
}

static gboolean
make_phantoms (Set *set,
               const char *dir,
               guint n)
{
  LsPhantomParams params;
  g_autoptr (GError) error = NULL;

  ls_phantom_params_init (&params);
  params.size = 512;
  for (guint i = 0; i < n; i++)
    {
      guint c = i % ls_phantom_get_n_classes ();
      g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 1, c, i);
      char name[32];
      char *path;

      g_snprintf (name, sizeof name, "p%04u.png", i);
      path = g_build_filename (dir, name, NULL);
      if (!ls_png_write_image (path, ph->image, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error))
        {
          fprintf (stderr, "bench-loader: %s\n", error->message);
          g_free (path);
          return FALSE;
        }
      set_add (set, path, (int) c);
    }
  return TRUE;
}

static void
config_for (LsLoaderConfig *config,
            guint workers,
            const LsAugmentPipeline *augment)
{
  ls_loader_config_init (config);
  config->size = SIZE;
  config->batch_size = BATCH;
  config->mean[0] = 0.5f;
  config->std[0] = 0.25f;
  config->augment = augment;
  config->n_workers = workers;
  config->cache_bytes = G_GUINT64_CONSTANT (1) << 30;
  config->seed = 1;
}

/* CPU time of the whole process (all threads), seconds. */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Runs one epoch releasing at once; returns images/s (wall). */
static double
drain_epoch (LsLoader *loader,
             guint epoch,
             guint *n_images,
             double *cpu_ms)
{
  double cpu0 = cpu_seconds ();
  g_autoptr (GError) error = NULL;
  LsBatch *batch = NULL;
  gint64 t0 = g_get_monotonic_time ();
  guint n = 0;

  ls_loader_start_epoch (loader, epoch);
  while (ls_loader_next (loader, &batch, NULL, &error) && batch != NULL)
    {
      n += batch->n;
      ls_loader_release (loader, batch);
    }
  if (error != NULL)
    fprintf (stderr, "bench-loader: %s\n", error->message);
  *n_images = n;
  *cpu_ms = 1000 * (cpu_seconds () - cpu0) / MAX (n, 1);
  return n / ((g_get_monotonic_time () - t0) / 1e6);
}

static void
throughput (const Set *set,
            const LsAugmentPipeline *augment)
{
  for (guint workers = 1; workers <= 2; workers++)
    for (int aug = 0; aug < 2; aug++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (LsLoader) loader = NULL;
        LsLoaderConfig config;
        LsLoaderStats stats;
        double cold, warm, cold_ms, warm_ms;
        guint n;

        config_for (&config, workers, aug ? augment : NULL);
        loader = ls_loader_new ((LsLoaderItem *) set->items->data, set->items->len, &config, &error);
        if (loader == NULL)
          {
            fprintf (stderr, "bench-loader: %s\n", error->message);
            return;
          }
        cold = drain_epoch (loader, 0, &n, &cold_ms);
        warm = drain_epoch (loader, 1, &n, &warm_ms);
        ls_loader_get_stats (loader, &stats);
        printf ("%-10s %u worker%s  %-8s  cold %6.1f images/s (%5.2f ms CPU each)  warm %7.1f images/s "
                "(%5.3f ms CPU each)  [%u images, cache %.1f MiB, %u failed]\n",
                set->name, workers, workers > 1 ? "s" : " ", aug ? "augment" : "plain", cold, cold_ms, warm, warm_ms,
                n, stats.cache_bytes_used / 1048576.0, stats.n_failures);
        fflush (stdout);
      }
}

typedef struct
{
  gint64 until;
  volatile double sink;
} Spin;

static gpointer
spin_until (gpointer data)
{
  Spin *spin = data;
  double x = 1.0;

  while (g_get_monotonic_time () < spin->until)
    for (int i = 0; i < 1000; i++)
      x = x * 1.0000001 + 1e-9;
  spin->sink = x;
  return NULL;
}

/* The engine's stand-in: both cores busy for n / rate seconds. */
static void
train_step (guint n,
            double rate)
{
  Spin spin = { g_get_monotonic_time () + (gint64) (n / rate * 1e6), 0.0 };
  GThread *other = g_thread_new ("engine", spin_until, &spin);

  spin_until (&spin);
  g_thread_join (other);
}

static void
starvation (const Set *set,
            const LsAugmentPipeline *augment,
            double rate)
{
  for (guint workers = 1; workers <= 2; workers++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsLoader) loader = NULL;
      LsLoaderConfig config;

      config_for (&config, workers, augment);
      loader = ls_loader_new ((LsLoaderItem *) set->items->data, set->items->len, &config, &error);
      for (guint epoch = 0; epoch < 2; epoch++)
        {
          LsLoaderStats before, after;
          LsBatch *batch = NULL;
          gint64 t0 = g_get_monotonic_time ();
          double total;
          guint n = 0;

          ls_loader_get_stats (loader, &before);
          ls_loader_start_epoch (loader, epoch);
          while (ls_loader_next (loader, &batch, NULL, &error) && batch != NULL)
            {
              guint k = batch->n;

              ls_loader_release (loader, batch);
              train_step (k, rate);
              n += k;
            }
          total = (g_get_monotonic_time () - t0) / 1e6;
          ls_loader_get_stats (loader, &after);
          printf ("%-10s %u worker%s  augment  %s  engine at %.0f images/s: %.1f images/s trained, "
                  "waited %.2f s of %.2f s (%.0f%%)\n",
                  set->name, workers, workers > 1 ? "s" : " ", epoch == 0 ? "cold" : "warm", rate, n / total,
                  after.wait_seconds - before.wait_seconds, total,
                  100 * (after.wait_seconds - before.wait_seconds) / total);
          fflush (stdout);
        }
    }
}

/* Error of the cached (quantised) fitted image against the float one. */
static void
quantisation (const Set *set,
              guint limit)
{
  double max8 = 0, sq8 = 0, max16 = 0, sq16 = 0;
  gsize count = 0;
  guint n16 = 0, n = MIN (limit, set->items->len);

  for (guint i = 0; i < n; i++)
    {
      const LsLoaderItem *item = &g_array_index (set->items, LsLoaderItem, i);
      g_autoptr (LsImage) image = NULL;
      g_autoptr (LsImage) fitted = NULL;
      LsDecodeOptions opts;

      ls_decode_options_init (&opts);
      opts.target_size = SIZE;
      image = ls_image_load (item->path, &opts, NULL);
      if (image == NULL)
        continue;
      n16 += image->bit_depth == 16;
      fitted = ls_image_fit (image, SIZE, LS_FIT_LETTERBOX);
      for (gsize k = 0; k < (gsize) SIZE * SIZE; k++)
        {
          float v = CLAMP (fitted->data[k], 0.0f, 1.0f);
          double e8 = fabs ((float) (guint8) (v * 255.0f + 0.5f) / 255.0f - fitted->data[k]);
          double e16 = fabs ((float) (guint16) (v * 65535.0f + 0.5f) / 65535.0f - fitted->data[k]);

          max8 = MAX (max8, e8);
          sq8 += e8 * e8;
          max16 = MAX (max16, e16);
          sq16 += e16 * e16;
          count++;
        }
    }
  printf ("%-10s cache quantisation over %u images (%u of them 16-bit): 8 bits max %.3f/255 RMS %.3f/255; "
          "16 bits max %.4f/255 RMS %.4f/255\n",
          set->name, n, n16, 255 * max8, 255 * sqrt (sq8 / MAX (count, 1)), 255 * max16,
          255 * sqrt (sq16 / MAX (count, 1)));
}

static void
set_clear (Set *set)
{
  g_ptr_array_unref (set->paths);
  g_array_unref (set->items);
}

int
main (int argc,
      char **argv)
{
  const char *env = g_getenv ("LS_BENCH_PHANTOMS");
  const char *rate_env = g_getenv ("LS_BENCH_RATE");
  guint n_phantoms = env != NULL ? (guint) atoi (env) : 96;
  double rate = rate_env != NULL ? g_ascii_strtod (rate_env, NULL) : 100.0;
  g_autoptr (LsAugmentPipeline) augment = ls_augment_pipeline_new_default ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  Set real = { "cxr-real", g_ptr_array_new_with_free_func (g_free), g_array_new (FALSE, TRUE, sizeof (LsLoaderItem)) };
  Set phantoms = { "phantom512", g_ptr_array_new_with_free_func (g_free),
                   g_array_new (FALSE, TRUE, sizeof (LsLoaderItem)) };

  printf ("loader at S=%d, batch %d, %u processors; figures are wall clock on a shared machine\n", SIZE, BATCH,
          g_get_num_processors ());
  dir = g_dir_make_tmp ("lungscope-bench-loader-XXXXXX", &error);
  if (dir == NULL || !make_phantoms (&phantoms, dir, n_phantoms))
    {
      if (error != NULL)
        fprintf (stderr, "bench-loader: %s\n", error->message);
      return 1;
    }
  if (!load_cxr_real (&real))
    printf ("cxr-real: not found, skipped\n");

  if (real.items->len > 0)
    throughput (&real, augment);
  throughput (&phantoms, augment);
  if (real.items->len > 0)
    starvation (&real, augment, rate);
  starvation (&phantoms, augment, rate);
  if (real.items->len > 0)
    quantisation (&real, real.items->len);
  quantisation (&phantoms, phantoms.items->len);

  ls_test_remove_tree (dir);
  set_clear (&real);
  set_clear (&phantoms);
  return 0;
}
