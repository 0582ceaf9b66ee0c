/* ls-cli-predict.h — what predict, saliency and report share: the model
 * they use, reading an image with its hash, the overlay and the log
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/colormap.h"
#include "ls-cli.h"
#include "pipeline/model-source.h"

G_BEGIN_DECLS

/* The overlay's look unless --colormap / --opacity say otherwise. */
#define LS_CLI_DEFAULT_COLORMAP LS_COLORMAP_TURBO
#define LS_CLI_DEFAULT_OPACITY 0.45f

/* Opens the workspace when one was given (-w or $LUNGSCOPE_WORKSPACE) and
 * chooses the model (model-source.h), telling on stderr, once, what it
 * registered. On failure prints one line, sets *@exit_code and returns
 * NULL. *@store gets the workspace or NULL. */
LsModelChoice *ls_cli_choose_model (const LsCliCommand *command,
                                    LsCliGlobal *global,
                                    LsStore **store,
                                    int *exit_code);

/* The index of class @name in the model (its name or display name, any
 * case), or −1. */
int ls_cli_model_class (const LsModel *model,
                        const char *name);
/* "normal, pneumonia, covid" */
char *ls_cli_model_class_list (const LsModel *model);

/* Reads @path once: its SHA-256 (hex) and the decoded image at full
 * resolution. Errors name the file. */
LsImage *ls_cli_read_image (const char *path,
                            char **sha256,
                            GError **error);

/* The saliency map over the radiograph, opaque, as R, G, B, A bytes
 * (4 × width a row). */
guint8 *ls_cli_render_overlay (const LsImage *image,
                               const LsPrediction *prediction,
                               LsColormap colormap,
                               float opacity);
/* Writes the overlay PNG (atomic: temp file, fsync, rename). */
gboolean ls_cli_write_overlay (const char *path,
                               const LsImage *image,
                               const LsPrediction *prediction,
                               LsColormap colormap,
                               float opacity,
                               gboolean sync_folder,
                               GError **error);

/* {"normal": p, …} in the model's class order. */
JsonNode *ls_cli_probabilities_node (const LsModel *model,
                                     const LsPrediction *prediction);

/* Logs one prediction in the workspace against choice->log_id; returns
 * the row id, 0 with @error set. Does nothing (returns −1) when the choice
 * logs nothing. */
gint64 ls_cli_log_prediction (LsStore *store,
                              const LsModelChoice *choice,
                              const char *name,
                              const char *sha256,
                              const LsPrediction *prediction,
                              const char *method,
                              GError **error);

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
