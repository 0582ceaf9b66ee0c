/* blas.c — choosing OpenBLAS kernels and threads, and reporting them
 *
 * Debian 12's OpenBLAS 0.3.21 does not know newer Intel models and falls
 * back to its SSE3 "Prescott" kernels, about 4× slower than the AVX-512 ones
 * on the same CPU. The core is chosen in the library's constructor, before
 * main() runs, from OPENBLAS_CORETYPE; setting the variable later does
 * nothing. So when the core in use is a fallback on a CPU that has AVX2 or
 * AVX-512, ls_engine_blas_init() sets OPENBLAS_CORETYPE and re-executes the
 * program once. A value the user set is always respected. Under valgrind
 * the CPU reports no AVX-512, so only Haswell kernels are ever chosen there.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "blas.h"

#include <cblas.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Cores whose SGEMM kernels use AVX-512 / AVX2+FMA, as OpenBLAS names them. */
static const char *const avx512_cores[] = { "SkylakeX", "Cooperlake", "SapphireRapids", NULL };
static const char *const avx2_cores[] = { "Haswell", "Zen", "SkylakeX", "Cooperlake",
                                          "SapphireRapids", NULL };

static gboolean
core_in (const char *core,
         const char *const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (g_ascii_strcasecmp (core, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
cpu_has_avx512 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw") &&
         __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512dq");
}

static gboolean
cpu_has_avx2 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
}

/**
 * ls_engine_blas_best_core_for_cpu:
 *
 * Returns: the OpenBLAS core with the fastest SGEMM kernels this CPU (as it
 * reports itself now) can run, or %NULL when OpenBLAS's detection is trusted.
 */
const char *
ls_engine_blas_best_core_for_cpu (void)
{
  if (cpu_has_avx512 ())
    return "SkylakeX";
  if (cpu_has_avx2 ())
    return "Haswell";
  return NULL;
}

/**
 * ls_engine_blas_core_is_fallback:
 * @core: the core OpenBLAS uses
 * @best: (nullable): the result of ls_engine_blas_best_core_for_cpu()
 *
 * Returns: %TRUE when @core's kernels are slower than the CPU allows.
 */
gboolean
ls_engine_blas_core_is_fallback (const char *core,
                                 const char *best)
{
  if (best == NULL || core == NULL)
    return FALSE;
  if (g_str_equal (best, "SkylakeX"))
    return !core_in (core, avx512_cores);
  return !core_in (core, avx2_cores);
}

/**
 * ls_engine_blas_init:
 * @argv: the program's argv, %NULL-terminated, as main() received it
 *
 * Call first in main(), before any thread is started. When OpenBLAS runs a
 * fallback core and OPENBLAS_CORETYPE is unset, sets it and re-executes
 * /proc/self/exe with the same arguments; returns only when no re-exec is
 * needed or the re-exec failed (then the slower kernels are used).
 */
void
ls_engine_blas_init (char **argv)
{
  const char *best;
  const char *core;

  if (g_getenv ("OPENBLAS_CORETYPE") != NULL || g_getenv (LS_BLAS_REEXEC_ENV) != NULL)
    return;

  best = ls_engine_blas_best_core_for_cpu ();
  core = openblas_get_corename ();
  if (!ls_engine_blas_core_is_fallback (core, best))
    return;

  g_setenv ("OPENBLAS_CORETYPE", best, TRUE);
  g_setenv (LS_BLAS_REEXEC_ENV, best, TRUE);
  execv ("/proc/self/exe", argv);

  /* Still here: keep the slow kernels rather than fail. */
  g_unsetenv ("OPENBLAS_CORETYPE");
  g_setenv (LS_BLAS_REEXEC_ENV, "failed", TRUE);
}

const char *
ls_engine_blas_core_source_to_string (LsBlasCoreSource source)
{
  switch (source)
    {
    case LS_BLAS_CORE_SOURCE_AUTO:
      return "auto";
    case LS_BLAS_CORE_SOURCE_USER:
      return "user";
    case LS_BLAS_CORE_SOURCE_CHOSEN:
      return "chosen";
    case LS_BLAS_CORE_SOURCE_FALLBACK:
      return "fallback";
    default:
      g_assert_not_reached ();
    }
}

void
ls_engine_blas_get_info (LsBlasInfo *info)
{
  const char *marker = g_getenv (LS_BLAS_REEXEC_ENV);

  memset (info, 0, sizeof *info);
  info->core = openblas_get_corename ();
  info->config = openblas_get_config ();
  info->threads = openblas_get_num_threads ();
  info->cores = (int) g_get_num_processors ();
  info->best = ls_engine_blas_best_core_for_cpu ();
  info->avx2 = cpu_has_avx2 ();
  info->avx512 = cpu_has_avx512 ();

  if (marker != NULL && g_str_equal (marker, "failed"))
    info->source = LS_BLAS_CORE_SOURCE_FALLBACK;
  else if (marker != NULL && g_strcmp0 (g_getenv ("OPENBLAS_CORETYPE"), marker) == 0)
    info->source = LS_BLAS_CORE_SOURCE_CHOSEN;
  else if (g_getenv ("OPENBLAS_CORETYPE") != NULL)
    info->source = LS_BLAS_CORE_SOURCE_USER;
  else
    info->source = LS_BLAS_CORE_SOURCE_AUTO;
}

void
ls_engine_blas_set_threads (int n_threads)
{
  g_return_if_fail (n_threads >= 1);
  openblas_set_num_threads (n_threads);
}

int
ls_engine_blas_get_threads (void)
{
  return openblas_get_num_threads ();
}
