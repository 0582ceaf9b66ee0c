/* bench-phantom.c — phantom generation and writing, images/s at 512×512
 *
 * Not a test: run with `meson test -C build --benchmark phantom-bench`.
 * Prints generation alone on one thread, then the whole data-set writer
 * (generation + PNG encoding + durable writes, on all cores). DESIGN.md §7
 * asks for at least 100 images/s end to end.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "dataset/phantom.h"
#include "ls-test.h"

/* CPU time of the whole process (all threads), seconds. */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main (int argc,
      char **argv)
{
  const char *env = g_getenv ("LS_BENCH_PER_CLASS");
  guint per_class = env != NULL ? (guint) atoi (env) : 200;
  guint n_gen = 60;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  LsPhantomParams params;
  gint64 t0;
  double gen_s, write_s, gen_cpu, write_cpu;
  guint total = per_class * ls_phantom_get_n_classes ();

  ls_phantom_params_init (&params);
  params.size = 512;
  t0 = g_get_monotonic_time ();
  gen_cpu = cpu_seconds ();
  for (guint i = 0; i < n_gen; i++)
    {
      LsPhantom *ph = ls_phantom_generate (&params, 1, i % ls_phantom_get_n_classes (), i);

      ls_phantom_free (ph);
    }
  gen_s = (g_get_monotonic_time () - t0) / 1e6;
  gen_cpu = cpu_seconds () - gen_cpu;

  dir = g_dir_make_tmp ("lungscope-bench-phantom-XXXXXX", &error);
  if (dir == NULL)
    {
      fprintf (stderr, "bench-phantom: %s\n", error->message);
      return 1;
    }
  t0 = g_get_monotonic_time ();
  write_cpu = cpu_seconds ();
  if (!ls_phantom_write_dataset (dir, per_class, 1, 512, NULL, NULL, NULL, &error))
    {
      fprintf (stderr, "bench-phantom: %s\n", error->message);
      ls_test_remove_tree (dir);
      return 1;
    }
  write_s = (g_get_monotonic_time () - t0) / 1e6;
  write_cpu = cpu_seconds () - write_cpu;
  ls_test_remove_tree (dir);

  /* Wall-clock figures depend on what else runs; CPU time per image gives
   * what the cores could do if they were free. */
  printf ("phantom generation, 512x512, 1 thread: %.1f images/s wall (%.2f ms wall, %.2f ms CPU each)\n",
          n_gen / gen_s, 1000 * gen_s / n_gen, 1000 * gen_cpu / n_gen);
  printf ("phantom data set, 512x512, %u images (generate + PNG + durable write), %u cores: %.1f images/s wall; "
          "%.2f ms CPU an image, %.0f images/s on %u idle cores\n",
          total, g_get_num_processors (), total / write_s, 1000 * write_cpu / total,
          g_get_num_processors () * total / write_cpu, g_get_num_processors ());
  return 0;
}
