/* init.c — what a program does first (see init.h)
 *
 * The app and the CLI reach the engine only through the pipeline (DESIGN.md
 * §1 and §13), its start-up included.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "engine/blas.h"
#include "pipeline/init.h"

/**
 * ls_pipeline_init:
 * @argv: the program's argv, %NULL-terminated, as main() received it
 *
 * Call first in main(), before any thread is started and before anything
 * else is set up: it chooses the engine's BLAS kernels, which may
 * re-execute the program with the same arguments (ls_engine_blas_init()).
 */
void
ls_pipeline_init (char **argv)
{
  g_return_if_fail (argv != NULL);

  ls_engine_blas_init (argv);
}
