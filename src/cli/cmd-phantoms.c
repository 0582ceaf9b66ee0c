/* cmd-phantoms.c — lungscope-cli phantoms: write a synthetic data set
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "dataset/phantom.h"
#include "ls-cli.h"

typedef struct
{
  char *dir;
  guint per_class;
  guint64 seed;
  int size;
  gboolean show_progress;
  GCancellable *cancellable;
  GMainLoop *loop;

  /* Set by the worker thread, read after it is joined. */
  gboolean ok;
  GError *error;
} Run;

static void
on_progress (double fraction,
             const char *message,
             gpointer user_data)
{
  Run *run = user_data;

  if (run->show_progress)
    fprintf (stderr, "\rphantoms: %3.0f %% (%s)   ", 100 * fraction, message);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
run_thread (gpointer user_data)
{
  Run *run = user_data;

  run->ok = ls_phantom_write_dataset (run->dir, run->per_class, run->seed, run->size, on_progress, run,
                                      run->cancellable, &run->error);
  /* An idle source, not g_main_context_invoke(): that would run quit_loop
   * here if the main thread had not entered the loop yet, and the quit
   * would be lost. */
  g_idle_add (quit_loop, run->loop);
  return NULL;
}

static gboolean
on_signal (gpointer user_data)
{
  /* Stop after the images in flight: their files are written whole. */
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

int
ls_cli_cmd_phantoms (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv)
{
  g_autofree char *seed_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GThread *thread;
  gint64 t0;
  int per_class = -1, size = 512;
  int exit_code;
  guint sigint_id, sigterm_id;
  Run run = { 0 };
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
  run.show_progress = isatty (STDERR_FILENO);
  run.cancellable = cancellable;
  run.loop = loop;

  sigint_id = g_unix_signal_add (SIGINT, on_signal, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, cancellable);
  t0 = g_get_monotonic_time ();
  thread = g_thread_new ("phantoms", run_thread, &run);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  if (run.show_progress)
    fputc ('\n', stderr);

  if (!run.ok)
    {
      g_autoptr (GError) failure = g_steal_pointer (&run.error);

      if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fprintf (stderr, "lungscope-cli phantoms: cancelled; %s has no labels.csv\n", run.dir);
          return LS_EXIT_CANCELLED;
        }
      return ls_cli_failure ("%s", failure->message);
    }
  {
    double seconds = (g_get_monotonic_time () - t0) / 1e6;
    guint total = run.per_class * ls_phantom_get_n_classes ();

    fprintf (stderr, "lungscope-cli phantoms: %u images of %d × %d in %u classes in %s (%.0f images/s)\n",
             total, size, size, ls_phantom_get_n_classes (), run.dir, total / MAX (seconds, 1e-6));
  }
  return LS_EXIT_OK;
}
