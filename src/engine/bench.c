/* bench.c — the engine's half of the side-by-side benchmark
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bench.h"

#include <cblas.h>
#include <string.h>
#include <sys/resource.h>

#include "blas.h"
#include "net.h"
#include "saliency.h"

void
ls_engine_bench_config_init (LsEngineBenchConfig *config)
{
  config->batch = 32;
  config->size = 224;
  config->threads = 2;
  config->train_steps = 5;
  config->forward_reps = 20;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v,
        int n)
{
  qsort (v, n, sizeof (double), compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double
cpu_seconds (void)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static char *
spec_for_size (int size)
{
  g_autofree char *from = g_strdup ("size=224");
  g_autofree char *to = g_strdup_printf ("size=%d", size);
  g_auto (GStrv) parts = g_strsplit (ls_engine_default_arch (), from, 2);

  return g_strjoinv (to, parts);
}

gboolean
ls_engine_bench_run (const LsEngineBenchConfig *config,
                     LsEngineBenchResult *result,
                     GCancellable *cancellable,
                     GError **error)
{
  g_autofree char *spec = spec_for_size (config->size);
  g_autoptr (LsNet) net = ls_net_new (spec, error);
  g_autoptr (LsOptimizer) opt = NULL;
  g_autofree float *x = NULL;
  g_autofree int *labels = NULL;
  g_autofree double *times = NULL;
  g_autofree float *map = NULL;
  LsOptimConfig ocfg;
  LsStepResult step;
  LsSaliencyConfig scfg;
  struct rusage usage;
  gsize in;
  LsXoshiro rng;
  gint64 t0;
  double c0;

  memset (result, 0, sizeof *result);
  if (net == NULL)
    return FALSE;
  ls_engine_blas_set_threads (1);
  ls_net_set_threads (net, config->threads);
  result->threads = config->threads;
  if (!ls_net_plan (net, config->batch, error))
    return FALSE;
  ls_net_init_params (net, 1);
  result->gflop_per_image = 2.0 * ls_net_get_macs (net) / 1e9;
  in = (gsize) config->size * config->size;
  x = g_new (float, config->batch *in);
  labels = g_new (int, config->batch);
  ls_xoshiro_init (&rng, 7);
  for (gsize i = 0; i < config->batch * in; i++)
    x[i] = (float) ls_xoshiro_normal (&rng);
  for (int i = 0; i < config->batch; i++)
    labels[i] = i % 3;

  /* training */
  ls_optim_config_init (&ocfg, LS_OPTIM_ADAMW);
  opt = ls_optimizer_new (&ocfg, ls_net_get_n_params (net));
  ls_net_set_mode (net, LS_NET_MODE_TRAIN);
  ls_net_train_step (net, opt, x, labels, config->batch, NULL, 1e-3f, &step);
  t0 = g_get_monotonic_time ();
  c0 = cpu_seconds ();
  for (int s = 0; s < config->train_steps; s++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      ls_net_train_step (net, opt, x, labels, config->batch, NULL, 1e-3f, &step);
    }
  result->train_images_per_s = (double) config->train_steps * config->batch / ((g_get_monotonic_time () - t0) / 1e6);
  result->train_images_per_cpu_s = (double) config->train_steps * config->batch / MAX (cpu_seconds () - c0, 1e-9);
  result->train_gflops = 3.0 * result->gflop_per_image * result->train_images_per_s;
  getrusage (RUSAGE_SELF, &usage);
  result->peak_rss_mb = usage.ru_maxrss / 1024.0;

  /* single image */
  if (!ls_net_plan (net, 1, error))
    return FALSE;
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  times = g_new (double, MAX (config->forward_reps, 1));
  ls_net_infer (net, x);
  for (int r = 0; r < config->forward_reps; r++)
    {
      t0 = g_get_monotonic_time ();
      ls_net_infer (net, x);
      times[r] = (g_get_monotonic_time () - t0) / 1e3;
    }
  result->forward_ms = median (times, config->forward_reps);
  map = g_new (float, in);
  ls_saliency_config_init (&scfg, LS_SALIENCY_GRADCAM);
  ls_engine_saliency (net, x, &scfg, map, NULL);
  for (int r = 0; r < config->forward_reps; r++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      t0 = g_get_monotonic_time ();
      ls_engine_saliency (net, x, &scfg, map, NULL);
      times[r] = (g_get_monotonic_time () - t0) / 1e3;
    }
  result->gradcam_ms = median (times, config->forward_reps);
  ls_net_free (g_steal_pointer (&net));

  /* the sgemm peak, with OpenBLAS's own threads */
  ls_engine_blas_set_threads (config->threads);
  {
    const int n = 2048;
    float *a = g_aligned_alloc0 ((gsize) n * n, sizeof (float), 64);
    float *b = g_aligned_alloc0 ((gsize) n * n, sizeof (float), 64);
    float *c = g_aligned_alloc0 ((gsize) n * n, sizeof (float), 64);
    double best = 0.0;

    for (gsize i = 0; i < (gsize) n * n; i++)
      {
        a[i] = (float) (i % 7) * 0.1f;
        b[i] = (float) (i % 5) * 0.1f;
      }
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    for (int r = 0; r < 3; r++)
      {
        double s;

        t0 = g_get_monotonic_time ();
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c,
                     n);
        s = (g_get_monotonic_time () - t0) / 1e6;
        best = MAX (best, 2.0 * n * n * (double) n / s / 1e9);
      }
    result->sgemm_gflops = best;
    g_aligned_free (a);
    g_aligned_free (b);
    g_aligned_free (c);
  }
  return TRUE;
}
