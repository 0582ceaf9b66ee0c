/* ls-cli.h — shared pieces of lungscope-cli's subcommands
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <stdio.h>
#include <json-glib/json-glib.h>

#include "dataset/split.h"
#include "dataset/store.h"
#include "pipeline/params.h"
#include "pipeline/train.h"
#include "pipeline/workspace-paths.h"

G_BEGIN_DECLS

/* Exit codes scripts can trust (DESIGN.md §10). */
enum
{
  LS_EXIT_OK = 0,
  LS_EXIT_FAILURE = 1,
  LS_EXIT_USAGE = 2,
  LS_EXIT_CANCELLED = 130,
};

/* Options that come before the subcommand. */
typedef struct
{
  char *workspace;
  LsWorkspaceOrigin workspace_source;
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
/* The option of parameter @name of @set (pipeline/params.h): its long name,
 * placeholder and help line with the default; the help text is added to
 * @keep, which must outlive the parsing. */
typedef struct
{
  const char *name;
  double value;
} LsCliParamValue;

/* LS_EXIT_OK when each value is in its parameter's range; else the usage
 * error "--NAME must be RANGE, not VALUE" (its exit code). */
int ls_cli_check_params (const LsCliCommand *command,
                         LsParamSet set,
                         const LsCliParamValue *values,
                         guint n_values);
GOptionEntry ls_cli_param_entry (LsParamSet set,
                                 const char *name,
                                 char short_name,
                                 GOptionArg arg,
                                 gpointer arg_data,
                                 GPtrArray *keep);
int ls_cli_usage_error (const LsCliCommand *command,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);
int ls_cli_failure (const char *format,
                    ...) G_GNUC_PRINTF (1, 2);
void ls_cli_print_json (JsonNode *node);

/* Opens the workspace of -w / $LUNGSCOPE_WORKSPACE; on failure prints one
 * line and sets *@exit_code (2 without a workspace, 1 when it cannot be
 * opened). Call it after the options were parsed, so --help needs none. */
LsStore *ls_cli_open_workspace (const LsCliCommand *command,
                                LsCliGlobal *global,
                                LsStoreOpenFlags flags,
                                int *exit_code);

/* A long operation run by ls_cli_run_work(): called in a worker thread with
 * a progress function that is safe to call from it. */
typedef gboolean (*LsCliWorkFunc) (gpointer data,
                                   LsProgressFunc progress,
                                   gpointer progress_data,
                                   GCancellable *cancellable,
                                   GError **error);

/* Runs @func in a worker thread while the main thread waits for SIGINT or
 * SIGTERM, which cancel it. When stderr is a terminal a progress bar shows
 * the fraction, the message, the elapsed time and an estimate of the time
 * left. Returns the exit code: 0; 1 with the reason printed; 130 when
 * cancelled (with @cancelled_note, or a default line, on stderr). */
int ls_cli_run_work (const char *what,
                     LsCliWorkFunc func,
                     gpointer data,
                     const char *cancelled_note);

/* The split's table on @out as 'split' prints it, and its summary line on
 * stderr; returns the exit code. */
int ls_cli_print_split (FILE *out,
                        LsStore *store,
                        const LsSplitReport *report);
/* Splits the workspace (@options NULL: the defaults) and prints it. */
int ls_cli_run_split (FILE *out,
                      LsStore *store,
                      const LsSplitOptions *options);

/* An LsTrainEpochFunc: one line per epoch on stderr (validation when the
 * record has it). */
void ls_cli_print_epoch (const LsTrainEpoch *epoch,
                         gpointer user_data);
/* "epochs": [each epoch's record] */
void ls_cli_json_add_epochs (JsonBuilder *b,
                             const LsTrainEpoch *epochs,
                             int n_epochs);
/* @name: the metrics, or null */
void ls_cli_json_add_metrics (JsonBuilder *b,
                              const char *name,
                              const LsMetrics *metrics);

/* Formats seconds as "12 s", "3 min 05 s" or "1 h 02 min". */
char *ls_cli_format_duration (double seconds);

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
int ls_cli_cmd_monitor (const LsCliCommand *command,
                        LsCliGlobal *global,
                        int argc,
                        char **argv);
int ls_cli_cmd_train (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv);
int ls_cli_cmd_finetune (const LsCliCommand *command,
                         LsCliGlobal *global,
                         int argc,
                         char **argv);
int ls_cli_cmd_calibrate (const LsCliCommand *command,
                          LsCliGlobal *global,
                          int argc,
                          char **argv);
int ls_cli_cmd_eval (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv);
int ls_cli_cmd_phantoms (const LsCliCommand *command,
                         LsCliGlobal *global,
                         int argc,
                         char **argv);
int ls_cli_cmd_crossval (const LsCliCommand *command,
                         LsCliGlobal *global,
                         int argc,
                         char **argv);
int ls_cli_cmd_queue (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv);

G_END_DECLS
