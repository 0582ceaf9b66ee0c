/* info.c — versions, BLAS kernels and threads, paths, sandbox (info.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo.h>
#include <png.h>
#include <sqlite3.h>
#include <stdio.h>
/* jpeglib.h needs size_t and FILE first. */
#include <jpeglib.h>

#include "engine/blas.h"
#include "pipeline/info.h"
#include "pipeline/model-source.h"

/* Flatpak writes /.flatpak-info into every sandbox it runs: the app, its
 * runtime and flatpak's version, which a bug report needs. */
static void
add_sandbox (JsonBuilder *b)
{
  g_autoptr (GKeyFile) info = g_key_file_new ();
  static const struct
  {
    const char *member, *group, *key;
  } fields[] = {
    { "app", "Application", "name" },
    { "runtime", "Application", "runtime" },
    { "app_commit", "Instance", "app-commit" },
    { "runtime_commit", "Instance", "runtime-commit" },
    { "flatpak", "Instance", "flatpak-version" },
  };

  json_builder_set_member_name (b, "sandbox");
  if (!g_key_file_load_from_file (info, "/.flatpak-info", G_KEY_FILE_NONE, NULL))
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "flatpak");
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = g_key_file_get_string (info, fields[i].group, fields[i].key, NULL);

      json_builder_set_member_name (b, fields[i].member);
      if (value != NULL)
        json_builder_add_string_value (b, value);
      else
        json_builder_add_null_value (b);
    }
  json_builder_end_object (b);
}

JsonNode *
ls_pipeline_info (const char *workspace,
                  LsWorkspaceOrigin origin)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *glib_version = g_strdup_printf ("%u.%u.%u", glib_major_version,
                                                   glib_minor_version, glib_micro_version);
  g_autofree char *jpeg_version = g_strdup_printf ("%d.%d.%d", LIBJPEG_TURBO_VERSION_NUMBER / 1000000,
                                                   LIBJPEG_TURBO_VERSION_NUMBER / 1000 % 1000,
                                                   LIBJPEG_TURBO_VERSION_NUMBER % 1000);
  g_autofree char *user_data = g_build_filename (g_get_user_data_dir (), "lungscope", NULL);
  g_autofree char *default_model = ls_pipeline_default_model_path (NULL);
  LsBlasInfo blas;

  ls_engine_blas_get_info (&blas);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, PROFILE);

  json_builder_set_member_name (b, "libraries");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "glib");
  json_builder_add_string_value (b, glib_version);
  json_builder_set_member_name (b, "json-glib");
  json_builder_add_string_value (b, JSON_VERSION_S);
  json_builder_set_member_name (b, "sqlite");
  json_builder_add_string_value (b, sqlite3_libversion ());
  json_builder_set_member_name (b, "libpng");
  json_builder_add_string_value (b, png_get_libpng_ver (NULL));
  json_builder_set_member_name (b, "libjpeg-turbo");
  json_builder_add_string_value (b, jpeg_version);
  json_builder_set_member_name (b, "cairo");
  json_builder_add_string_value (b, cairo_version_string ());
  json_builder_end_object (b);

  json_builder_set_member_name (b, "blas");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "library");
  json_builder_add_string_value (b, blas.config);
  json_builder_set_member_name (b, "core");
  json_builder_add_string_value (b, blas.core);
  json_builder_set_member_name (b, "core_source");
  json_builder_add_string_value (b, ls_engine_blas_core_source_to_string (blas.source));
  json_builder_set_member_name (b, "best_core");
  if (blas.best != NULL)
    json_builder_add_string_value (b, blas.best);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, blas.threads);
  json_builder_set_member_name (b, "cores");
  json_builder_add_int_value (b, blas.cores);
  json_builder_set_member_name (b, "avx2");
  json_builder_add_boolean_value (b, blas.avx2);
  json_builder_set_member_name (b, "avx512");
  json_builder_add_boolean_value (b, blas.avx512);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "paths");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, PKGDATADIR);
  json_builder_set_member_name (b, "user_data");
  json_builder_add_string_value (b, user_data);
  json_builder_set_member_name (b, "workspace");
  if (workspace != NULL)
    json_builder_add_string_value (b, workspace);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "workspace_from");
  json_builder_add_string_value (b, ls_workspace_origin_to_string (origin));
  /* The model predict uses without a workspace or --model. */
  json_builder_set_member_name (b, "default_model");
  if (default_model != NULL)
    json_builder_add_string_value (b, default_model);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  add_sandbox (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
ls_pipeline_info_to_text (JsonNode *info)
{
  GString *s = g_string_new (NULL);
  JsonObject *o = json_node_get_object (info);
  JsonObject *libs = json_object_get_object_member (o, "libraries");
  JsonObject *blas = json_object_get_object_member (o, "blas");
  JsonObject *paths = json_object_get_object_member (o, "paths");
  JsonNode *sandbox = json_object_get_member (o, "sandbox");
  g_autoptr (GList) names = json_object_get_members (libs);

  g_string_append_printf (s, "Lungscope %s (%s profile). Not a medical device.\n\n",
                          json_object_get_string_member (o, "version"), json_object_get_string_member (o, "profile"));
  g_string_append (s, "Libraries\n");
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (s, "  %-14s %s\n", (const char *) l->data, json_object_get_string_member (libs, l->data));
  g_string_append (s, "\nBLAS\n");
  g_string_append_printf (s, "  %-14s %s\n", "library", json_object_get_string_member (blas, "library"));
  g_string_append_printf (s, "  %-14s %s (%s)\n", "core", json_object_get_string_member (blas, "core"),
                          json_object_get_string_member (blas, "core_source"));
  g_string_append_printf (s, "  %-14s %s\n", "best for CPU",
                          json_object_get_string_member_with_default (blas, "best_core", "(OpenBLAS detection)"));
  g_string_append_printf (s, "  %-14s %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " cores\n", "threads",
                          json_object_get_int_member (blas, "threads"), json_object_get_int_member (blas, "cores"));
  g_string_append_printf (s, "  %-14s AVX2 %s, AVX-512 %s\n", "CPU", json_object_get_boolean_member (blas, "avx2") ? "yes" : "no",
                          json_object_get_boolean_member (blas, "avx512") ? "yes" : "no");
  g_string_append (s, "\nPaths\n");
  g_string_append_printf (s, "  %-14s %s\n", "data", json_object_get_string_member (paths, "data"));
  g_string_append_printf (s, "  %-14s %s\n", "user data", json_object_get_string_member (paths, "user_data"));
  g_string_append_printf (s, "  %-14s %s (%s)\n", "workspace",
                          json_object_get_string_member_with_default (paths, "workspace", "none"),
                          json_object_get_string_member (paths, "workspace_from"));
  g_string_append_printf (s, "  %-14s %s\n", "default model",
                          JSON_NODE_HOLDS_NULL (json_object_get_member (paths, "default_model"))
                              ? "not installed"
                              : json_object_get_string_member (paths, "default_model"));
  g_string_append (s, "\nSandbox\n");
  if (JSON_NODE_HOLDS_NULL (sandbox))
    g_string_append_printf (s, "  %-14s %s\n", "flatpak", "no");
  else
    {
      JsonObject *flatpak = json_node_get_object (sandbox);

      g_string_append_printf (s, "  %-14s %s\n", "flatpak",
                              json_object_get_string_member_with_default (flatpak, "flatpak", "?"));
      g_string_append_printf (s, "  %-14s %s\n", "app", json_object_get_string_member_with_default (flatpak, "app", "?"));
      g_string_append_printf (s, "  %-14s %s\n", "runtime",
                              json_object_get_string_member_with_default (flatpak, "runtime", "?"));
    }
  return g_string_free (s, FALSE);
}
