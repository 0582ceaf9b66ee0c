/* test-blas.c — OpenBLAS kernel choice and the results it gives
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cblas.h>
#include <math.h>

#include "engine/blas.h"
#include "ls-test.h"

static void
test_fallback_rules (void)
{
  g_assert_true (ls_engine_blas_core_is_fallback ("Prescott", "SkylakeX"));
  g_assert_true (ls_engine_blas_core_is_fallback ("Haswell", "SkylakeX"));
  g_assert_false (ls_engine_blas_core_is_fallback ("SkylakeX", "SkylakeX"));
  g_assert_false (ls_engine_blas_core_is_fallback ("Cooperlake", "SkylakeX"));
  g_assert_true (ls_engine_blas_core_is_fallback ("Prescott", "Haswell"));
  g_assert_true (ls_engine_blas_core_is_fallback ("Sandybridge", "Haswell"));
  g_assert_false (ls_engine_blas_core_is_fallback ("Haswell", "Haswell"));
  g_assert_false (ls_engine_blas_core_is_fallback ("Zen", "Haswell"));
  g_assert_false (ls_engine_blas_core_is_fallback ("Prescott", NULL));
}

static void
test_core_in_use (void)
{
  LsBlasInfo info;

  ls_engine_blas_get_info (&info);
  g_test_message ("core %s (%s), best %s, %d threads, %d cores", info.core,
                  ls_engine_blas_core_source_to_string (info.source),
                  info.best ? info.best : "-", info.threads, info.cores);
  g_assert_nonnull (info.core);
  g_assert_cmpint (info.threads, >=, 1);
  if (info.source == LS_BLAS_CORE_SOURCE_AUTO || info.source == LS_BLAS_CORE_SOURCE_CHOSEN)
    g_assert_false (ls_engine_blas_core_is_fallback (info.core, info.best));
  if (info.source == LS_BLAS_CORE_SOURCE_CHOSEN)
    g_assert_cmpstr (info.core, ==, info.best);
}

/* The chosen kernels against a plain triple loop in double. */
static void
test_sgemm_matches_reference (void)
{
  const int sizes[][3] = { { 1, 1, 1 }, { 7, 5, 3 }, { 64, 27, 3136 }, { 256, 2304, 49 }, { 33, 129, 65 } };
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int m = sizes[s][0], k = sizes[s][1], n = sizes[s][2];
      g_autofree float *a = g_new (float, (gsize) m *k);
      g_autofree float *b = g_new (float, (gsize) k *n);
      g_autofree float *c = g_new (float, (gsize) m *n);
      double max_rel = 0;

      for (int i = 0; i < m * k; i++)
        a[i] = (float) g_rand_double_range (rand, -1, 1);
      for (int i = 0; i < k * n; i++)
        b[i] = (float) g_rand_double_range (rand, -1, 1);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);

      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
          {
            double ref = 0, scale = 0;

            for (int p = 0; p < k; p++)
              {
                ref += (double) a[i * k + p] * b[p * n + j];
                scale += fabs ((double) a[i * k + p] * b[p * n + j]);
              }
            max_rel = MAX (max_rel, fabs (c[i * n + j] - ref) / MAX (scale, 1e-30));
          }
      g_test_message ("sgemm %dx%dx%d: max error relative to sum |a·b| = %.3g", m, k, n, max_rel);
      g_assert_cmpfloat (max_rel, <, 1e-5);
    }
}

/* A user-set OPENBLAS_CORETYPE is respected by the programs. */
static void
test_user_core_respected (void)
{
  const char *cli = g_getenv ("LS_CLI");
  const char *argv[] = { cli, "info", "--json", NULL };
  g_auto (GStrv) envp = g_get_environ ();
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (cli == NULL)
    {
      g_test_skip ("LS_CLI not set");
      return;
    }
  envp = g_environ_setenv (envp, "OPENBLAS_CORETYPE", "Prescott", TRUE);
  envp = g_environ_unsetenv (envp, LS_BLAS_REEXEC_ENV);
  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "\"core\" : \"Prescott\""));
  g_assert_nonnull (strstr (out, "\"core_source\" : \"user\""));
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/engine/blas/fallback-rules", test_fallback_rules);
  g_test_add_func ("/lungscope/engine/blas/core-in-use", test_core_in_use);
  g_test_add_func ("/lungscope/engine/blas/sgemm-reference", test_sgemm_matches_reference);
  g_test_add_func ("/lungscope/engine/blas/user-core", test_user_core_respected);

  return g_test_run ();
}
