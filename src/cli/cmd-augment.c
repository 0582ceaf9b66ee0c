/* cmd-augment.c — lungscope-cli augment: augmented previews of one image,
 * with the parameters each one drew
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "ls-cli.h"
#include "pipeline/preview.h"
#include "pipeline/json-text.h"

/* The record beside the previews: enough to make each one again (the
 * pipeline text, the seed and the preview's index) and the parameters in
 * words. */
static JsonNode *
build_record (const char *image_path,
              const char *config_text,
              guint64 seed,
              int size,
              LsFit fit,
              GPtrArray *previews,
              char **files)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, image_path);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) seed);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, size);
  json_builder_set_member_name (b, "fit");
  json_builder_add_string_value (b, ls_fit_to_string (fit));
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, config_text);
  json_builder_set_member_name (b, "previews");
  json_builder_begin_array (b);
  for (guint i = 0; i < previews->len; i++)
    {
      const LsAugmentPreview *p = g_ptr_array_index (previews, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, p->index);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, files[i]);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, p->description);
      json_builder_set_member_name (b, "steps");
      json_builder_begin_array (b);
      for (guint s = 0; s < p->record->n_steps; s++)
        {
          const LsAugmentParams *params = &p->record->params[s];
          g_autofree char *words = ls_augment_params_describe (params, p->record->width, p->record->height);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, ls_augment_kind_to_string (params->kind));
          json_builder_set_member_name (b, "applied");
          json_builder_add_boolean_value (b, params->applied);
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, words);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
ls_cli_cmd_augment (const LsCliCommand *command,
                    LsCliGlobal *global,
                    int argc,
                    char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *fit_text = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *record_path = NULL;
  g_autofree char *record_text = NULL;
  g_autoptr (LsAugmentPipeline) pipeline = NULL;
  g_autoptr (LsImage) image = NULL;
  g_autoptr (GPtrArray) previews = NULL;
  g_autoptr (JsonNode) record = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) files = NULL;
  gboolean json = FALSE, dump_config = FALSE;
  guint64 seed = 0;
  int n = 8, size = 224;
  int exit_code;
  LsFit fit = LS_FIT_LETTERBOX;
  const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &n, "How many previews (default 8)", "N" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Augmentation pipeline (key file; default: the chest X-ray pipeline)", "FILE" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, "Seed (default 0)", "S" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Side of the model input in pixels (default 224)", "PX" },
    { "fit", 0, 0, G_OPTION_ARG_STRING, &fit_text, "letterbox (default) or stretch", "FIT" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Folder for the previews (required)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the record as one JSON document", NULL },
    { "dump-config", 0, 0, G_OPTION_ARG_NONE, &dump_config,
      "Print the pipeline's configuration and exit", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;

  if (config_path != NULL)
    pipeline = ls_augment_pipeline_new_from_file (config_path, &error);
  else
    pipeline = ls_augment_pipeline_new_default ();
  if (pipeline == NULL)
    return ls_cli_failure ("%s", error->message);
  config_text = ls_augment_pipeline_to_string (pipeline);
  if (dump_config)
    {
      if (argc > 1)
        return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
      fputs (config_text, stdout);
      return LS_EXIT_OK;
    }

  if (argc < 2)
    return ls_cli_usage_error (command, "no image given");
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  if (out_dir == NULL)
    return ls_cli_usage_error (command, "--out is required");
  if (n < 1 || n > 1000)
    return ls_cli_usage_error (command, "--count must be 1 … 1000, not %d", n);
  if (size < 16 || size > 4096)
    return ls_cli_usage_error (command, "--size must be 16 … 4096 pixels, not %d", size);
  if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, &error))
    return ls_cli_usage_error (command, "--seed: %s", error->message);
  if (fit_text != NULL && !ls_fit_from_string (fit_text, &fit, &error))
    return ls_cli_usage_error (command, "--fit: %s", error->message);

  image = ls_image_load (argv[1], NULL, &error);
  if (image == NULL)
    return ls_cli_failure ("%s", error->message);

  previews = ls_pipeline_augment_previews (image, pipeline, (guint) n, seed, size, fit, NULL, &error);
  if (previews == NULL)
    return ls_cli_failure ("%s", error->message);

  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    return ls_cli_failure ("cannot create folder %s: %s", out_dir, g_strerror (errno));

  {
    g_autofree char *base = g_path_get_basename (argv[1]);
    char *dot = strrchr (base, '.');

    if (dot != NULL && dot != base)
      *dot = '\0';
    stem = g_steal_pointer (&base);
  }

  files = g_new0 (char *, previews->len + 1);
  for (guint i = 0; i < previews->len; i++)
    {
      const LsAugmentPreview *p = g_ptr_array_index (previews, i);
      g_autofree char *path = NULL;

      files[i] = g_strdup_printf ("%s-aug-%02u.png", stem, p->index);
      path = g_build_filename (out_dir, files[i], NULL);
      if (!ls_png_write_image (path, p->image, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error))
        return ls_cli_failure ("%s", error->message);
      if (!json)
        printf ("%s\t%s\n", files[i], p->description);
    }

  record = build_record (argv[1], config_text, seed, size, fit, previews, files);
  record_text = ls_json_to_string (record, TRUE);
  record_path = g_build_filename (out_dir, "augment.json", NULL);
  if (!g_file_set_contents_full (record_path, record_text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644, &error))
    return ls_cli_failure ("%s", error->message);
  if (!ls_png_sync_folder (out_dir, &error))
    return ls_cli_failure ("%s", error->message);

  if (json)
    ls_cli_print_json (record);
  return LS_EXIT_OK;
}
