/* ls-cli-predict.h — what predict, saliency and report share: the model
 * they use (reading, predicting, the overlay and the log: pipeline/diagnose.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-cli.h"
#include "pipeline/diagnose.h"
#include "pipeline/model-info.h"

G_BEGIN_DECLS

/* Opens the workspace when one was given (-w or $LUNGSCOPE_WORKSPACE) and
 * chooses the model (model-source.h), telling on stderr, once, what it
 * registered. On failure prints one line, sets *@exit_code and returns
 * NULL. *@store gets the workspace or NULL. */
LsModelChoice *ls_cli_choose_model (const LsCliCommand *command,
                                    LsCliGlobal *global,
                                    LsStore **store,
                                    int *exit_code);

/* A DICOM file's warning (not a radiograph modality, a lateral view) on
 * stderr, once. */
void ls_cli_warn_image (const LsDiagnosis *diagnosis);

/* Formats a number with a '.' whatever the locale. */
char *ls_cli_number (double value,
                     const char *format);

int ls_cli_cmd_predict (const LsCliCommand *command,
                        LsCliGlobal *global,
                        int argc,
                        char **argv);
int ls_cli_cmd_saliency (const LsCliCommand *command,
                         LsCliGlobal *global,
                         int argc,
                         char **argv);
int ls_cli_cmd_report (const LsCliCommand *command,
                       LsCliGlobal *global,
                       int argc,
                       char **argv);

G_END_DECLS
