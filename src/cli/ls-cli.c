/* ls-cli.c — option parsing, errors and output shared by the subcommands
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ls-cli.h"
#include "pipeline/workspace.h"
#include "pipeline/json-text.h"

/**
 * ls_cli_parse_options:
 * @command: the subcommand
 * @entries: its options, ending with an empty entry
 * @argc: (inout): argument count, the command name first
 * @argv: (inout): arguments; on return only the positional ones remain
 * @exit_code: (out): set when this returns %FALSE
 *
 * Parses a subcommand's options. Handles -h/--help itself (printing to
 * stdout) and turns a usage error into one line on stderr.
 *
 * Returns: %TRUE to go on; %FALSE to exit with *@exit_code.
 */
gboolean
ls_cli_parse_options (const LsCliCommand *command,
                      const GOptionEntry *entries,
                      int *argc,
                      char ***argv,
                      int *exit_code)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help", NULL },
    { NULL }
  };

  context = g_option_context_new (command->parameters);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_summary (context, command->summary);
  if (command->description != NULL)
    g_option_context_set_description (context, command->description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, help_entries, NULL);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = ls_cli_usage_error (command, "%s", error->message);
      return FALSE;
    }
  if (help)
    {
      g_autofree char *text = NULL;
      g_autofree char *program = g_strdup (g_get_prgname ());
      g_autofree char *full_name = g_strdup_printf ("%s %s", program, command->name);

      /* GOption names the program in the usage line; name the command too. */
      g_set_prgname (full_name);
      text = g_option_context_get_help (context, TRUE, NULL);
      g_set_prgname (program);
      fputs (text, stdout);
      *exit_code = LS_EXIT_OK;
      return FALSE;
    }
  return TRUE;
}

int
ls_cli_check_params (const LsCliCommand *command,
                     LsParamSet set,
                     const LsCliParamValue *values,
                     guint n_values)
{
  for (guint i = 0; i < n_values; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!ls_param_check (ls_params_find (set, values[i].name), values[i].value, "--", &error))
        return ls_cli_usage_error (command, "%s", error->message);
    }
  return LS_EXIT_OK;
}

GOptionEntry
ls_cli_param_entry (LsParamSet set,
                    const char *name,
                    char short_name,
                    GOptionArg arg,
                    gpointer arg_data,
                    GPtrArray *keep)
{
  const LsParam *p = ls_params_find (set, name);
  char *help = ls_param_help_text (p);
  GOptionEntry entry = { p->name, short_name, 0, arg, arg_data, help, p->arg };

  g_ptr_array_add (keep, help);
  return entry;
}

int
ls_cli_usage_error (const LsCliCommand *command,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (message, "\n", ' ');
  fprintf (stderr, "lungscope-cli %s: %s (see 'lungscope-cli %s --help')\n",
           command->name, message, command->name);
  return LS_EXIT_USAGE;
}

int
ls_cli_failure (const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (message, "\n", ' ');
  fprintf (stderr, "lungscope-cli: %s\n", message);
  return LS_EXIT_FAILURE;
}

void
ls_cli_print_json (JsonNode *node)
{
  g_autofree char *text = NULL;

  text = ls_json_to_string (node, TRUE);
  puts (text);
}

LsStore *
ls_cli_open_workspace (const LsCliCommand *command,
                       LsCliGlobal *global,
                       LsStoreOpenFlags flags,
                       int *exit_code)
{
  g_autoptr (GError) error = NULL;
  LsStore *store;

  if (global->workspace == NULL)
    {
      *exit_code = ls_cli_usage_error (command, "no workspace: give -w PATH or set "
                                                "LUNGSCOPE_WORKSPACE");
      return NULL;
    }
  store = ls_store_open (global->workspace, flags, &error);
  if (store == NULL)
    {
      *exit_code = ls_cli_failure ("%s", error->message);
      return NULL;
    }
  /* Runs whose process was killed say so from now on (not worth failing
   * the command for). */
  ls_workspace_mark_interrupted_runs (store, NULL);
  return store;
}

char *
ls_cli_format_duration (double seconds)
{
  long s = lround (MAX (seconds, 0));

  if (s < 60)
    return g_strdup_printf ("%ld s", s);
  if (s < 3600)
    return g_strdup_printf ("%ld min %02ld s", s / 60, s % 60);
  return g_strdup_printf ("%ld h %02ld min", s / 3600, (s / 60) % 60);
}

/* ---- running a long operation with a progress bar and Ctrl-C ---- */

typedef struct
{
  const char *what;
  LsCliWorkFunc func;
  gpointer data;
  GCancellable *cancellable;
  GMainLoop *loop;
  gboolean tty;
  int columns;
  gint64 start;
  gint64 last_draw; /* µs; the bar is redrawn at most 10 times a second */
  gboolean ok;
  GError *error;
} Work;

static void
draw_bar (double fraction,
          const char *message,
          gpointer user_data)
{
  Work *work = user_data;
  gint64 now = g_get_monotonic_time ();
  double elapsed = (now - work->start) / 1e6;
  g_autofree char *spent = NULL;
  g_autofree char *left = NULL;
  char bar[21];
  int filled, room;

  if (!work->tty || (now - work->last_draw < 100000 && fraction < 1))
    return;
  work->last_draw = now;
  fraction = CLAMP (fraction, 0, 1);
  filled = (int) (fraction * 20 + 0.5);
  for (int i = 0; i < 20; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[20] = '\0';
  spent = ls_cli_format_duration (elapsed);
  left = fraction > 0.01 && elapsed > 2 ? ls_cli_format_duration (elapsed * (1 - fraction) / fraction)
                                        : g_strdup ("?");
  /* The message is cut to what is left of the terminal line. */
  room = MAX (work->columns - 52, 10);
  fprintf (stderr, "\r\033[K%s [%s] %3d%%  %s, %s left  %.*s", work->what, bar, (int) (fraction * 100),
           spent, left, room, message != NULL ? message : "");
}

static gboolean
work_done (gpointer data)
{
  g_main_loop_quit (((Work *) data)->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
work_thread (gpointer data)
{
  Work *work = data;

  work->ok = work->func (work->data, draw_bar, work, work->cancellable, &work->error);
  /* An idle source, not g_main_context_invoke(): that would run work_done
   * here if the main thread had not entered the loop yet, and the quit
   * would be lost. */
  g_idle_add (work_done, work);
  return NULL;
}

static gboolean
on_signal (gpointer data)
{
  g_cancellable_cancel (((Work *) data)->cancellable);
  return G_SOURCE_CONTINUE;
}

int
ls_cli_run_work (const char *what,
                 LsCliWorkFunc func,
                 gpointer data,
                 const char *cancelled_note)
{
  Work work = { 0 };
  GThread *thread;
  guint sigint, sigterm;
  struct winsize ws = { 0 };
  int code;

  work.what = what;
  work.func = func;
  work.data = data;
  work.cancellable = g_cancellable_new ();
  work.loop = g_main_loop_new (NULL, FALSE);
  work.tty = isatty (STDERR_FILENO);
  work.columns = work.tty && ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 ? ws.ws_col : 100;
  work.start = g_get_monotonic_time ();
  sigint = g_unix_signal_add (SIGINT, on_signal, &work);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &work);
  thread = g_thread_new (what, work_thread, &work);
  g_main_loop_run (work.loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (work.tty)
    fputs ("\r\033[K", stderr);
  if (work.ok)
    code = LS_EXIT_OK;
  else if (g_error_matches (work.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fprintf (stderr, "lungscope-cli %s: cancelled; %s\n", what,
               cancelled_note != NULL ? cancelled_note : "what was committed stays");
      code = LS_EXIT_CANCELLED;
    }
  else
    code = ls_cli_failure ("%s", work.error->message);
  g_clear_error (&work.error);
  g_main_loop_unref (work.loop);
  g_object_unref (work.cancellable);
  return code;
}
