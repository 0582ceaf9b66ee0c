/* cmd-phantoms.c — lungscope-cli phantoms: write a synthetic data set
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "dataset/phantom.h"
#include "ls-cli.h"

typedef struct
{
  const char *dir;
  guint per_class;
  guint64 seed;
  int size;
} Job;

static gboolean
phantoms_work (gpointer data,
               LsProgressFunc progress,
               gpointer progress_data,
               GCancellable *cancellable,
               GError **error)
{
  Job *job = data;

  return ls_phantom_write_dataset (job->dir, job->per_class, job->seed, job->size, progress,
                                   progress_data, cancellable, error);
}

int
ls_cli_cmd_phantoms (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv)
{
  g_autofree char *seed_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *note = NULL;
  gint64 t0;
  int per_class = -1, size = 512;
  int exit_code;
  Job run = { 0 };
  const GOptionEntry entries[] = {
    { "per-class", 'n', 0, G_OPTION_ARG_INT, &per_class, "Images per class (required)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, "Seed of the data set (default 0)", "S" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Side of the images in pixels (default 512)", "PX" },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2)
    return ls_cli_usage_error (command, "no folder given");
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  if (per_class == -1)
    return ls_cli_usage_error (command, "--per-class is required");
  if (per_class < 1 || per_class > 99999)
    return ls_cli_usage_error (command, "--per-class must be 1 … 99999, not %d", per_class);
  if (size < 32 || size > 4096)
    return ls_cli_usage_error (command, "--size must be 32 … 4096 pixels, not %d", size);
  if (seed_text != NULL &&
      !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &run.seed, &error))
    return ls_cli_usage_error (command, "--seed: %s", error->message);

  run.dir = argv[1];
  run.per_class = (guint) per_class;
  run.size = size;
  note = g_strdup_printf ("the files written are whole; %s has no labels.csv", run.dir);
  t0 = g_get_monotonic_time ();
  exit_code = ls_cli_run_work ("phantoms", phantoms_work, &run, note);
  if (exit_code != LS_EXIT_OK)
    return exit_code;
  {
    double seconds = (g_get_monotonic_time () - t0) / 1e6;
    guint total = run.per_class * ls_phantom_get_n_classes ();

    fprintf (stderr, "lungscope-cli phantoms: %u images of %d × %d in %u classes in %s (%.0f images/s)\n",
             total, size, size, ls_phantom_get_n_classes (), run.dir, total / MAX (seconds, 1e-6));
  }
  return LS_EXIT_OK;
}
