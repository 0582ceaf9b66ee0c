/* model-source.h — which model a prediction uses (DESIGN.md §10)
 *
 * In order: a model file the person named; else, with a workspace, its
 * active model; else the shipped default model (trained on synthetic
 * phantoms, installed with the app). The default is found through
 * $LUNGSCOPE_DEFAULT_MODEL when it is set, else at the installed path
 * (PKGDATADIR/models/), else — for uninstalled runs from a build tree only —
 * in the source tree's models/ folder.
 *
 * With a workspace every prediction is logged against a registered model,
 * so a choice also makes the model traceable there: a workspace without
 * models gets the default registered and made active; a named file is
 * registered (not made active) when it is not registered yet. A read-only
 * workspace is not written; its predictions are not logged and the choice
 * says why.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dataset/store.h"
#include "pipeline/predict.h"

G_BEGIN_DECLS

/* Overrides where the default model is looked for (tests, relocated installs). */
#define LS_DEFAULT_MODEL_ENV "LUNGSCOPE_DEFAULT_MODEL"

#define LS_MODEL_SOURCE_ERROR (ls_model_source_error_quark ())

typedef enum
{
  LS_MODEL_SOURCE_ERROR_NO_DEFAULT, /* the default model is not installed */
  LS_MODEL_SOURCE_ERROR_NO_ACTIVE,  /* the workspace has models, none active */
} LsModelSourceError;

typedef enum
{
  LS_MODEL_SOURCE_FILE,      /* a file the person named */
  LS_MODEL_SOURCE_WORKSPACE, /* the workspace's active model */
  LS_MODEL_SOURCE_DEFAULT,   /* the shipped default model */
} LsModelSource;

typedef struct
{
  LsModel *model;
  char *path; /* the file the model was read from */
  LsModelSource source;
  /* The id predictions are logged against in the workspace; NULL without a
   * workspace or when it is read-only. */
  char *log_id;
  gboolean registered; /* this choice registered the model in the workspace */
  gboolean activated;  /* … and made it the active model */
  char *not_logged;    /* with a read-only workspace: why nothing is logged */
} LsModelChoice;

GQuark ls_model_source_error_quark (void);

const char *ls_model_source_to_string (LsModelSource source);

/* The default model's file: $LUNGSCOPE_DEFAULT_MODEL, the installed file,
 * or the source tree's copy, the first that is set or exists. */
char *ls_pipeline_default_model_path (GError **error);

/* Chooses and loads the model (see above). @store and @model_path may be
 * NULL. */
LsModelChoice *ls_pipeline_choose_model (LsStore *store,
                                         const char *model_path,
                                         GError **error);
void ls_model_choice_free (LsModelChoice *choice);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsModelChoice, ls_model_choice_free)

G_END_DECLS
