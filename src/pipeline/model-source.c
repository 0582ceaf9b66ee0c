/* model-source.c — the model a prediction uses: a named file, the
 * workspace's active model or the shipped default
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pipeline/model-source.h"

#include "pipeline/registry.h"

/* clang-format off */
G_DEFINE_QUARK (ls-model-source-error-quark, ls_model_source_error)
/* clang-format on */

const char *
ls_model_source_to_string (LsModelSource source)
{
  switch (source)
    {
    case LS_MODEL_SOURCE_FILE:
      return "file";
    case LS_MODEL_SOURCE_WORKSPACE:
      return "workspace";
    case LS_MODEL_SOURCE_DEFAULT:
      return "default";
    default:
      return "?";
    }
}

char *
ls_pipeline_default_model_path (GError **error)
{
  const char *env = g_getenv (LS_DEFAULT_MODEL_ENV);

  if (env != NULL && *env != '\0')
    {
      if (!g_file_test (env, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_DEFAULT,
                       "no default model: %s names %s, which is not a file", LS_DEFAULT_MODEL_ENV,
                       env);
          return NULL;
        }
      return g_strdup (env);
    }
  if (g_file_test (LS_DEFAULT_MODEL_PATH, G_FILE_TEST_IS_REGULAR))
    return g_strdup (LS_DEFAULT_MODEL_PATH);
  /* Only when the installed file is absent: a run from the build tree. */
  if (g_file_test (LS_SOURCE_DEFAULT_MODEL_PATH, G_FILE_TEST_IS_REGULAR))
    return g_strdup (LS_SOURCE_DEFAULT_MODEL_PATH);
  g_set_error (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_DEFAULT,
               "no model: the default model is not installed (%s is missing); give a model file "
               "or train a model in a workspace",
               LS_DEFAULT_MODEL_PATH);
  return NULL;
}

void
ls_model_choice_free (LsModelChoice *choice)
{
  if (choice == NULL)
    return;
  ls_model_free (choice->model);
  g_free (choice->path);
  g_free (choice->log_id);
  g_free (choice->not_logged);
  g_free (choice);
}

static gboolean
load (LsModelChoice *choice,
      const char *path,
      LsModelSource source,
      GError **error)
{
  choice->path = g_strdup (path);
  choice->source = source;
  choice->model = ls_model_load (path, error);
  return choice->model != NULL;
}

/* Makes the chosen model traceable in @store: registered (and active when
 * @activate) unless it already is. */
static gboolean
register_in (LsModelChoice *choice,
             LsStore *store,
             gboolean activate,
             GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LsStoreModel) existing = NULL;
  char *id;

  if (ls_store_is_read_only (store))
    {
      choice->not_logged = g_strdup_printf ("the workspace %s is read-only (%s)",
                                            ls_store_get_path (store),
                                            ls_store_get_read_only_reason (store));
      return TRUE;
    }
  existing = ls_store_get_model (store, choice->model->id, &local);
  if (existing == NULL && !g_error_matches (local, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* Registering an id that is there with the same bytes changes nothing;
   * with other bytes it is refused. */
  id = ls_registry_register (store, choice->path, activate, error);
  if (id == NULL)
    {
      g_prefix_error (error, "cannot log predictions in %s: ", ls_store_get_path (store));
      return FALSE;
    }
  choice->log_id = id;
  choice->registered = existing == NULL;
  choice->activated = activate && (existing == NULL || !existing->active);
  return TRUE;
}

LsModelChoice *
ls_pipeline_choose_model (LsStore *store,
                          const char *model_path,
                          GError **error)
{
  g_autoptr (LsModelChoice) choice = g_new0 (LsModelChoice, 1);
  g_autofree char *default_path = NULL;

  if (model_path != NULL)
    {
      if (!load (choice, model_path, LS_MODEL_SOURCE_FILE, error))
        return NULL;
      if (store != NULL && !register_in (choice, store, FALSE, error))
        return NULL;
      return g_steal_pointer (&choice);
    }

  if (store != NULL)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &local);
      g_autoptr (GPtrArray) models = NULL;

      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (active != NULL)
        {
          g_autofree char *path = g_build_filename (ls_store_get_path (store), active->file, NULL);

          if (!load (choice, path, LS_MODEL_SOURCE_WORKSPACE, error))
            return NULL;
          if (ls_store_is_read_only (store))
            choice->not_logged = g_strdup_printf ("the workspace %s is read-only (%s)",
                                                  ls_store_get_path (store),
                                                  ls_store_get_read_only_reason (store));
          else
            choice->log_id = g_strdup (active->id);
          return g_steal_pointer (&choice);
        }
      models = ls_store_list_models (store, error);
      if (models == NULL)
        return NULL;
      if (models->len > 0)
        {
          g_set_error (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_ACTIVE,
                       "the workspace %s has %u model%s but none is active; promote one or give "
                       "a model file",
                       ls_store_get_path (store), models->len, models->len == 1 ? "" : "s");
          return NULL;
        }
    }

  default_path = ls_pipeline_default_model_path (error);
  if (default_path == NULL || !load (choice, default_path, LS_MODEL_SOURCE_DEFAULT, error))
    return NULL;
  if (store != NULL && !register_in (choice, store, TRUE, error))
    return NULL;
  return g_steal_pointer (&choice);
}
