/* blas.h — choosing OpenBLAS kernels and threads, and reporting them
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The environment variable Lungscope sets when it re-executes itself with a
 * kernel core it chose; its presence stops a second re-exec. */
#define LS_BLAS_REEXEC_ENV "LUNGSCOPE_BLAS_REEXEC"

typedef enum
{
  LS_BLAS_CORE_SOURCE_AUTO,     /* OpenBLAS's own detection, and it was right */
  LS_BLAS_CORE_SOURCE_USER,     /* OPENBLAS_CORETYPE was set by the user */
  LS_BLAS_CORE_SOURCE_CHOSEN,   /* Lungscope detected a fallback and chose */
  LS_BLAS_CORE_SOURCE_FALLBACK, /* a better core exists but re-exec failed */
} LsBlasCoreSource;

typedef struct
{
  const char *core;   /* kernel core in use, as OpenBLAS names it */
  const char *config; /* OpenBLAS build configuration string */
  const char *best;   /* best core this CPU supports: "SkylakeX", "Haswell" or NULL */
  int threads;        /* threads OpenBLAS uses */
  int cores;          /* processors available to this process */
  LsBlasCoreSource source;
  gboolean avx2;
  gboolean avx512;
} LsBlasInfo;

void ls_engine_blas_init (char **argv);
void ls_engine_blas_get_info (LsBlasInfo *info);
const char *ls_engine_blas_core_source_to_string (LsBlasCoreSource source);
void ls_engine_blas_set_threads (int n_threads);
int ls_engine_blas_get_threads (void);
const char *ls_engine_blas_best_core_for_cpu (void);
gboolean ls_engine_blas_core_is_fallback (const char *core,
                                          const char *best);

G_END_DECLS
