/* cmd-bench.c — lungscope-cli bench: the side-by-side benchmarks' own half
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "engine/bench.h"
#include "engine/blas.h"
#include "ls-cli.h"

static void
print_engine (const LsEngineBenchResult *r,
              JsonBuilder *b)
{
  LsBlasInfo info;

  ls_engine_blas_get_info (&info);
  if (b == NULL)
    {
      printf ("engine (lungnet-s, BLAS core %s, %d threads)\n", info.core, r->threads);
      printf ("  training, batch 32        %8.1f images/s (%.1f per CPU-second)\n",
              r->train_images_per_s, r->train_images_per_cpu_s);
      printf ("  achieved in training      %8.1f GFLOP/s (%.0f %% of sgemm peak)\n",
              r->train_gflops, 100.0 * r->train_gflops / r->sgemm_gflops);
      printf ("  peak RSS after training   %8.1f MB\n", r->peak_rss_mb);
      printf ("  single-image forward      %8.2f ms\n", r->forward_ms);
      printf ("  forward + Grad-CAM        %8.2f ms\n", r->gradcam_ms);
      printf ("  cblas_sgemm 2048²         %8.1f GFLOP/s\n", r->sgemm_gflops);
      return;
    }
  json_builder_set_member_name (b, "engine");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "blas_core");
  json_builder_add_string_value (b, info.core);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, r->threads);
  json_builder_set_member_name (b, "train_images_per_s");
  json_builder_add_double_value (b, r->train_images_per_s);
  json_builder_set_member_name (b, "train_images_per_cpu_s");
  json_builder_add_double_value (b, r->train_images_per_cpu_s);
  json_builder_set_member_name (b, "train_gflops");
  json_builder_add_double_value (b, r->train_gflops);
  json_builder_set_member_name (b, "peak_rss_mb");
  json_builder_add_double_value (b, r->peak_rss_mb);
  json_builder_set_member_name (b, "forward_ms");
  json_builder_add_double_value (b, r->forward_ms);
  json_builder_set_member_name (b, "gradcam_ms");
  json_builder_add_double_value (b, r->gradcam_ms);
  json_builder_set_member_name (b, "sgemm_gflops");
  json_builder_add_double_value (b, r->sgemm_gflops);
  json_builder_end_object (b);
}

int
ls_cli_cmd_bench (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  gboolean json = FALSE;
  int threads = 2, steps = 5;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (default 2)", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Timed training steps (default 5)", "N" },
    { NULL },
  };
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  LsEngineBenchConfig config;
  LsEngineBenchResult result;
  const char *what = "all";
  int exit_code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2)
    return ls_cli_usage_error (command, "too many arguments");
  if (argc == 2)
    what = argv[1];
  if (!g_str_equal (what, "engine") && !g_str_equal (what, "imaging") && !g_str_equal (what, "all"))
    return ls_cli_usage_error (command, "unknown benchmark “%s” (engine, imaging or all)", what);
  if (threads < 1 || threads > 256 || steps < 1)
    return ls_cli_usage_error (command, "--threads and --steps must be positive");
  if (g_str_equal (what, "imaging"))
    return ls_cli_failure ("no imaging benchmark in this build (try “engine”)");

  ls_engine_bench_config_init (&config);
  config.threads = threads;
  config.train_steps = steps;
  if (!ls_engine_bench_run (&config, &result, NULL, &error))
    return ls_cli_failure ("%s", error->message);
  if (json)
    {
      b = json_builder_new ();
      json_builder_begin_object (b);
      print_engine (&result, b);
      json_builder_end_object (b);
      {
        g_autoptr (JsonNode) root = json_builder_get_root (b);

        ls_cli_print_json (root);
      }
    }
  else
    print_engine (&result, NULL);
  return LS_EXIT_OK;
}
