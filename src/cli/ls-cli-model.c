/* ls-cli-model.c — the model predict, saliency and report use, and what
 * they share: reading an image with its hash, the overlay, the log
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "ls-cli-predict.h"
#include "report/report.h"
#include "pipeline/json-text.h"

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

int
ls_cli_model_class (const LsModel *model,
                    const char *name)
{
  for (int i = 0; i < model->n_classes; i++)
    if (g_ascii_strcasecmp (model->classes[i], name) == 0 ||
        g_ascii_strcasecmp (ls_report_class_display_name (model->classes[i]), name) == 0)
      return i;
  return -1;
}

char *
ls_cli_model_class_list (const LsModel *model)
{
  return g_strjoinv (", ", model->classes);
}

LsImage *
ls_cli_read_image (const char *path,
                   char **sha256,
                   GError **error)
{
  g_autofree char *bytes = NULL;
  g_autofree char *shown = g_filename_display_name (path);
  gsize len = 0;
  LsImage *image;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a folder", shown);
      return NULL;
    }
  /* One read: the bytes hashed are the bytes decoded. */
  if (!g_file_get_contents (path, &bytes, &len, error))
    return NULL;
  image = ls_image_load_bytes ((const guint8 *) bytes, len, shown, NULL, error);
  if (image == NULL)
    return NULL;
  if (image->source == NULL)
    image->source = g_strdup (path);
  if (image->dicom != NULL)
    {
      g_autofree char *warning = ls_dicom_facts_warning (image->dicom, shown);

      if (warning != NULL)
        g_printerr ("lungscope-cli: warning: %s\n", warning);
    }
  *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) bytes, len);
  return image;
}

guint8 *
ls_cli_render_overlay (const LsImage *image,
                       const LsPrediction *prediction,
                       LsColormap colormap,
                       float opacity)
{
  int w = image->width, h = image->height;
  guint8 *out;

  g_return_val_if_fail (prediction->saliency != NULL && prediction->saliency_width == w &&
                            prediction->saliency_height == h,
                        NULL);
  out = g_malloc ((gsize) w * h * 4);
  ls_render_heatmap_argb32 (image->data, prediction->saliency, w, h, colormap, opacity, out,
                            w * 4);
  /* Cairo's native-endian 0xAARRGGBB words → R, G, B, A bytes. */
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint32 px;

      memcpy (&px, out + 4 * i, 4);
      out[4 * i + 0] = (guint8) (px >> 16);
      out[4 * i + 1] = (guint8) (px >> 8);
      out[4 * i + 2] = (guint8) px;
      out[4 * i + 3] = (guint8) (px >> 24);
    }
  return out;
}

gboolean
ls_cli_write_overlay (const char *path,
                      const LsImage *image,
                      const LsPrediction *prediction,
                      LsColormap colormap,
                      float opacity,
                      gboolean sync_folder,
                      GError **error)
{
  g_autofree guint8 *rgba = ls_cli_render_overlay (image, prediction, colormap, opacity);

  return ls_png_write_rgba8 (path, rgba, image->width, image->height, (gsize) image->width * 4,
                             sync_folder ? LS_PNG_WRITE_DEFAULT : LS_PNG_WRITE_NO_FOLDER_SYNC,
                             error);
}

JsonNode *
ls_cli_probabilities_node (const LsModel *model,
                           const LsPrediction *prediction)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  for (int i = 0; i < model->n_classes; i++)
    {
      json_builder_set_member_name (b, model->classes[i]);
      json_builder_add_double_value (b, prediction->probs[i]);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gint64
ls_cli_log_prediction (LsStore *store,
                       const LsModelChoice *choice,
                       const char *name,
                       const char *sha256,
                       const LsPrediction *prediction,
                       const char *method,
                       GError **error)
{
  g_autoptr (JsonNode) probs = NULL;
  g_autofree char *probs_json = NULL;
  LsStorePrediction p = { 0 };

  if (store == NULL || choice->log_id == NULL)
    return -1;
  probs = ls_cli_probabilities_node (choice->model, prediction);
  probs_json = ls_json_to_string (probs, FALSE);
  p.sha256 = (char *) sha256;
  p.name = (char *) name;
  p.model_id = choice->log_id;
  p.probabilities_json = probs_json;
  p.predicted = choice->model->classes[prediction->predicted];
  p.ood_score = prediction->ood_score;
  p.ood_flag = prediction->ood_flag;
  p.saliency_method = (char *) method;
  p.latency_ms = prediction->seconds * 1000.0;
  return ls_store_log_prediction (store, &p, error);
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
