/* cmd-info.c — lungscope-cli info: versions, BLAS kernels and threads, paths,
 * sandbox
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "ls-cli.h"
#include "pipeline/info.h"

int
ls_cli_cmd_info (const LsCliCommand *command,
                 LsCliGlobal *global,
                 int argc,
                 char **argv)
{
  g_autoptr (JsonNode) root = NULL;
  gboolean json = FALSE;
  int exit_code;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);

  root = ls_pipeline_info (global->workspace, global->workspace_source);
  if (json)
    ls_cli_print_json (root);
  else
    {
      g_autofree char *text = ls_pipeline_info_to_text (root);

      fputs (text, stdout);
    }
  return LS_EXIT_OK;
}
