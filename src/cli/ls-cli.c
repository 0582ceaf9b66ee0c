/* ls-cli.c — option parsing, errors and output shared by the subcommands
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "ls-cli.h"

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
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  puts (text);
}
