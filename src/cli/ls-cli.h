/* ls-cli.h — shared pieces of lungscope-cli's subcommands
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Exit codes scripts can trust (DESIGN.md §10). */
enum
{
  LS_EXIT_OK = 0,
  LS_EXIT_FAILURE = 1,
  LS_EXIT_USAGE = 2,
  LS_EXIT_CANCELLED = 130,
};

typedef enum
{
  LS_CLI_WORKSPACE_NONE,
  LS_CLI_WORKSPACE_OPTION,
  LS_CLI_WORKSPACE_ENV,
} LsCliWorkspaceSource;

/* Options that come before the subcommand. */
typedef struct
{
  char *workspace;
  LsCliWorkspaceSource workspace_source;
  char *model;
} LsCliGlobal;

typedef struct _LsCliCommand LsCliCommand;

typedef int (*LsCliCommandFunc) (const LsCliCommand *command,
                                 LsCliGlobal *global,
                                 int argc,
                                 char **argv);

struct _LsCliCommand
{
  const char *name;
  const char *parameters; /* e.g. "[--json]", shown after the name */
  const char *summary;
  const char *description; /* longer text for --help, or NULL */
  LsCliCommandFunc func;
};

gboolean ls_cli_parse_options (const LsCliCommand *command,
                               const GOptionEntry *entries,
                               int *argc,
                               char ***argv,
                               int *exit_code);
int ls_cli_usage_error (const LsCliCommand *command,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);
int ls_cli_failure (const char *format,
                    ...) G_GNUC_PRINTF (1, 2);
void ls_cli_print_json (JsonNode *node);

int ls_cli_cmd_bench (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv);
int ls_cli_cmd_info (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv);
int ls_cli_cmd_import (const LsCliCommand *command,
                       LsCliGlobal *global,
                       int argc,
                       char **argv);
int ls_cli_cmd_label (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv);
int ls_cli_cmd_split (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv);
int ls_cli_cmd_augment (const LsCliCommand *command,
                        LsCliGlobal *global,
                        int argc,
                        char **argv);
int ls_cli_cmd_models (const LsCliCommand *command,
                       LsCliGlobal *global,
                       int argc,
                       char **argv);
int ls_cli_cmd_phantoms (const LsCliCommand *command,
                         LsCliGlobal *global,
                         int argc,
                         char **argv);

G_END_DECLS
