/* workspace-paths.c — which workspace, and which image of it
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pipeline/workspace-paths.h"

const char *
ls_workspace_origin_to_string (LsWorkspaceOrigin origin)
{
  switch (origin)
    {
    case LS_WORKSPACE_ORIGIN_NONE:
      return "none";
    case LS_WORKSPACE_ORIGIN_OPTION:
      return "option";
    case LS_WORKSPACE_ORIGIN_ENV:
      return "environment";
    case LS_WORKSPACE_ORIGIN_LAST:
      return "last";
    case LS_WORKSPACE_ORIGIN_APP:
      return "app";
    default:
      g_return_val_if_reached ("none");
    }
}

char *
ls_pipeline_get_last_workspace (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *path = NULL;

  /* g_settings_new() aborts on a missing schema: look it up first (the CLI
   * runs where the app's schema may not be installed). */
  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, LS_SETTINGS_LAST_WORKSPACE))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  path = g_settings_get_string (settings, LS_SETTINGS_LAST_WORKSPACE);
  if (path == NULL || *path == '\0' || !g_file_test (path, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_steal_pointer (&path);
}

char *
ls_pipeline_resolve_workspace (const char *option,
                               LsWorkspaceOrigin *origin)
{
  const char *env = g_getenv (LS_WORKSPACE_ENV);
  LsWorkspaceOrigin o = LS_WORKSPACE_ORIGIN_NONE;
  char *path = NULL;

  if (option != NULL)
    {
      o = LS_WORKSPACE_ORIGIN_OPTION;
      path = g_strdup (option);
    }
  else if (env != NULL && *env != '\0')
    {
      o = LS_WORKSPACE_ORIGIN_ENV;
      path = g_strdup (env);
    }
  else if ((path = ls_pipeline_get_last_workspace ()) != NULL)
    o = LS_WORKSPACE_ORIGIN_LAST;
  if (origin != NULL)
    *origin = o;
  return path;
}

LsStoreImage *
ls_workspace_find_image (LsStore *store,
                         const char *image,
                         GError **error)
{
  g_autofree char *contents = NULL, *sha = NULL;
  gsize len;

  if (!g_file_test (image, G_FILE_TEST_IS_REGULAR))
    return ls_store_find_image (store, image, error);
  if (!g_file_get_contents (image, &contents, &len, error))
    return NULL;
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  return ls_store_find_image (store, sha, error);
}

LsAugmentPipeline *
ls_workspace_get_augment (LsStore *store,
                          gboolean *is_default,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *text = ls_store_get_setting (store, LS_WORKSPACE_SETTING_AUGMENT, &local);
  LsAugmentPipeline *pipeline;

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (is_default != NULL)
    *is_default = text == NULL;
  if (text == NULL)
    return ls_augment_pipeline_new_default ();
  pipeline = ls_augment_pipeline_new_from_string (text, &local);
  if (pipeline == NULL)
    g_set_error (error, local->domain, local->code, "%s: the workspace's augmentation: %s",
                 ls_store_get_path (store), local->message);
  return pipeline;
}

gboolean
ls_workspace_set_augment (LsStore *store,
                          const LsAugmentPipeline *pipeline,
                          GError **error)
{
  g_autofree char *text = pipeline != NULL ? ls_augment_pipeline_to_string (pipeline) : NULL;

  return ls_store_set_setting (store, LS_WORKSPACE_SETTING_AUGMENT, text, error);
}
