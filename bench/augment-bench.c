/* augment-bench.c — our half of the side-by-side augmentation benchmark
 *
 * Prints "name milliseconds-per-image" lines (median of several passes,
 * one thread): the default augmentation pipeline on 224 × 224 images, and
 * the antialiased resize of a large radiograph-sized plane to 224 × 224.
 * bench/augment-bench.sh runs this and bench/torchvision_augment_bench.py
 * and prints both with the ratio.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "imaging/augment.h"
#include "imaging/resize.h"
#include "imaging/rng.h"

#define PASSES 7

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v,
        int n)
{
  qsort (v, n, sizeof *v, compare_double);
  return v[n / 2];
}

static void
phantom (float *image,
         int width,
         int height)
{
  LsRng rng;

  ls_rng_init (&rng, 1, 1);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double dx = (x - width * 0.5) / width, dy = (y - height * 0.5) / height;
        double v = 0.55 + 0.3 * cos (5.0 * dx) * cos (4.0 * dy) - 0.25 * exp (-40.0 * (dx + 0.2) * (dx + 0.2)) +
                   0.05 * (ls_rng_uniform (&rng) - 0.5);

        image[(gsize) y * width + x] = (float) CLAMP (v, 0.0, 1.0);
      }
}

static void
bench_augment (int n_images)
{
  const int size = 224;
  g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new_default ();
  g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (pipeline, size, size);
  g_autoptr (LsAugmentRecord) record = ls_augment_record_new (pipeline);
  float *src = g_aligned_alloc ((gsize) size * size, sizeof (float), 64);
  float *dst = g_aligned_alloc ((gsize) size * size, sizeof (float), 64);
  double times[PASSES];
  volatile float sink = 0.0f;
  LsRng rng;

  phantom (src, size, size);
  ls_rng_init (&rng, 2026, 0);
  for (int i = 0; i < 50; i++) /* warm up */
    ls_augment_pipeline_apply (pipeline, &rng, src, dst, size, size, scratch, record);
  for (int pass = 0; pass < PASSES; pass++)
    {
      gint64 t0 = g_get_monotonic_time ();

      for (int i = 0; i < n_images; i++)
        {
          ls_augment_pipeline_apply (pipeline, &rng, src, dst, size, size, scratch, record);
          sink += dst[i % (size * size)];
        }
      times[pass] = (g_get_monotonic_time () - t0) / 1000.0 / n_images;
    }
  printf ("augment_default_224 %.4f\n", median (times, PASSES));
  g_aligned_free (src);
  g_aligned_free (dst);
}

static void
bench_resize (int src_size,
              int n_images)
{
  const int size = 224;
  g_autoptr (LsResizePlan) plan = NULL;
  float *src = g_aligned_alloc ((gsize) src_size * src_size, sizeof (float), 64);
  float *dst = g_aligned_alloc ((gsize) size * size, sizeof (float), 64);
  float *scratch;
  double times[PASSES];

  phantom (src, src_size, src_size);
  for (int pass = 0; pass < PASSES; pass++)
    {
      gint64 t0 = g_get_monotonic_time ();

      /* planning is part of the work: each radiograph has its own size */
      for (int i = 0; i < n_images; i++)
        {
          plan = ls_resize_plan_new (src_size, src_size, size, size, LS_RESIZE_BILINEAR);
          scratch = g_new (float, ls_resize_plan_scratch_size (plan));
          ls_resize_plan_run (plan, src, src_size, dst, size, scratch);
          g_free (scratch);
          g_clear_pointer (&plan, ls_resize_plan_free);
        }
      times[pass] = (g_get_monotonic_time () - t0) / 1000.0 / n_images;
    }
  printf ("resize_%d_to_224 %.4f\n", src_size, median (times, PASSES));
  g_aligned_free (src);
  g_aligned_free (dst);
}

int
main (int argc,
      char *argv[])
{
  int n = argc > 1 ? atoi (argv[1]) : 1000;

  if (n <= 0)
    {
      fprintf (stderr, "usage: %s [images per pass]\n", argv[0]);
      return 2;
    }
  bench_augment (n);
  bench_resize (1024, MAX (n / 50, 5));
  bench_resize (2048, MAX (n / 200, 3));
  return 0;
}
