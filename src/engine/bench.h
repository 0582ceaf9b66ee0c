/* bench.h — the engine's half of the side-by-side benchmark (DESIGN.md §7)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  int batch;        /* training batch (32) */
  int size;         /* input size (224) */
  int threads;      /* threads for the engine (2) */
  int train_steps;  /* timed training steps (5) */
  int forward_reps; /* timed single-image passes (20) */
} LsEngineBenchConfig;

typedef struct
{
  double train_images_per_s;
  double train_images_per_cpu_s; /* per second of CPU time (user + system) */
  double train_gflops;           /* achieved: 3 × forward FLOPs per image × images/s */
  double forward_ms;             /* single image, eval, median */
  double gradcam_ms;             /* single image forward + Grad-CAM, median */
  double peak_rss_mb;            /* of this process, read right after the training run */
  double sgemm_gflops;           /* cblas_sgemm 2048², best of 3 */
  double gflop_per_image;        /* forward FLOPs of one image */
  int threads;
} LsEngineBenchResult;

void ls_engine_bench_config_init (LsEngineBenchConfig *config);
/* Runs lungnet-s: training first (so the peak RSS is the training run's),
 * then single-image forward and Grad-CAM, then the sgemm peak. */
gboolean ls_engine_bench_run (const LsEngineBenchConfig *config,
                              LsEngineBenchResult *result,
                              GCancellable *cancellable,
                              GError **error);

G_END_DECLS
