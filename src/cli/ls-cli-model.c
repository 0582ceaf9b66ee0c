/* ls-cli-model.c — the model predict, saliency and report use, and what
 * they share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "imaging/decode.h"
#include "ls-cli-predict.h"

LsModelChoice *
ls_cli_choose_model (const LsCliCommand *command,
                     LsCliGlobal *global,
                     LsStore **store,
                     int *exit_code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModelChoice) choice = NULL;
  LsModel *model;

  *store = NULL;
  if (global->workspace != NULL)
    {
      *store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, exit_code);
      if (*store == NULL)
        return NULL;
    }
  choice = ls_pipeline_choose_model (*store, global->model, &error);
  if (choice == NULL)
    {
      if (g_error_matches (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_DEFAULT))
        *exit_code = ls_cli_failure ("%s (use --model FILE, set %s, or train one with "
                                     "'lungscope-cli -w WS train')",
                                     error->message, LS_DEFAULT_MODEL_ENV);
      else if (g_error_matches (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_ACTIVE))
        *exit_code = ls_cli_failure ("%s (lungscope-cli models promote MODEL, or --model FILE)",
                                     error->message);
      else
        *exit_code = ls_cli_failure ("%s", error->message);
      g_clear_pointer (store, ls_store_close);
      return NULL;
    }
  model = choice->model;
  if (choice->registered && choice->activated)
    fprintf (stderr,
             "lungscope-cli: the workspace %s had no model: registered the default model %s "
             "(%s) and made it active, so predictions are traceable\n",
             ls_store_get_path (*store), model->id, *model->name ? model->name : choice->path);
  else if (choice->registered)
    fprintf (stderr,
             "lungscope-cli: registered %s in the workspace %s as model %s (not active), so "
             "its predictions are traceable\n",
             choice->path, ls_store_get_path (*store), model->id);
  if (choice->not_logged != NULL)
    fprintf (stderr, "lungscope-cli: predictions are not logged: %s\n", choice->not_logged);
  return g_steal_pointer (&choice);
}

void
ls_cli_warn_image (const LsDiagnosis *diagnosis)
{
  g_autofree char *warning = NULL;

  if (diagnosis->image == NULL || diagnosis->image->dicom == NULL)
    return;
  warning = ls_dicom_facts_warning (diagnosis->image->dicom, diagnosis->name);
  if (warning != NULL)
    g_printerr ("lungscope-cli: warning: %s\n", warning);
}

char *
ls_cli_number (double value,
               const char *format)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    return g_strdup ("");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, format, value));
}
