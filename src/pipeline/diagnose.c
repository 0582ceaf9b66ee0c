/* diagnose.c — one radiograph file through a model: read, hash, predict,
 * overlay, log
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pipeline/diagnose.h"

#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "pipeline/json-text.h"

GQuark
ls_diagnose_error_quark (void)
{
  return g_quark_from_static_string ("ls-diagnose-error-quark");
}

void
ls_diagnose_options_init (LsDiagnoseOptions *options)
{
  memset (options, 0, sizeof *options);
  ls_predict_options_init (&options->predict);
  options->colormap = LS_DIAGNOSE_DEFAULT_COLORMAP;
  options->opacity = LS_DIAGNOSE_DEFAULT_OPACITY;
  options->sync_folder = TRUE;
  options->log = TRUE;
  options->fast_decode = FALSE;
}

/* The file's bytes, one read; errors name the file. */
static char *
read_bytes (const char *path,
            gsize *len,
            GError **error)
{
  g_autofree char *shown = g_filename_display_name (path);
  char *bytes = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s: is a folder", shown);
      return NULL;
    }
  if (!g_file_get_contents (path, &bytes, len, error))
    return NULL;
  return bytes;
}

static LsImage *
decode_bytes (const char *path,
              const char *bytes,
              gsize len,
              const LsDecodeOptions *options,
              GError **error)
{
  g_autofree char *shown = g_filename_display_name (path);
  LsImage *image = ls_image_load_bytes ((const guint8 *) bytes, len, shown, options, error);

  if (image != NULL && image->source == NULL)
    image->source = g_strdup (path);
  return image;
}

LsImage *
ls_pipeline_read_image (const char *path,
                        char **sha256,
                        GError **error)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  LsImage *image;

  g_return_val_if_fail (path != NULL, NULL);

  /* One read: the bytes hashed are the bytes decoded. */
  bytes = read_bytes (path, &len, error);
  if (bytes == NULL)
    return NULL;
  image = decode_bytes (path, bytes, len, NULL, error);
  if (image == NULL)
    return NULL;
  if (sha256 != NULL)
    *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) bytes, len);
  return image;
}

guint8 *
ls_pipeline_render_overlay (const LsImage *image,
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
ls_pipeline_write_overlay (const char *path,
                           const LsImage *image,
                           const LsPrediction *prediction,
                           LsColormap colormap,
                           float opacity,
                           gboolean sync_folder,
                           GError **error)
{
  g_autofree guint8 *rgba = ls_pipeline_render_overlay (image, prediction, colormap, opacity);

  return ls_png_write_rgba8 (path, rgba, image->width, image->height, (gsize) image->width * 4,
                             sync_folder ? LS_PNG_WRITE_DEFAULT : LS_PNG_WRITE_NO_FOLDER_SYNC,
                             error);
}

JsonNode *
ls_pipeline_probabilities_node (const LsModel *model,
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
ls_pipeline_log_prediction (LsStore *store,
                            const LsModelChoice *choice,
                            const char *name,
                            const char *sha256,
                            const LsPrediction *prediction,
                            const char *saliency_method,
                            GError **error)
{
  g_autoptr (JsonNode) probs = NULL;
  g_autofree char *probs_json = NULL;
  LsStorePrediction p = { 0 };

  if (store == NULL || choice->log_id == NULL)
    return -1;
  probs = ls_pipeline_probabilities_node (choice->model, prediction);
  probs_json = ls_json_to_string (probs, FALSE);
  p.sha256 = (char *) sha256;
  p.name = (char *) name;
  p.model_id = choice->log_id;
  p.probabilities_json = probs_json;
  p.predicted = choice->model->classes[prediction->predicted];
  p.ood_score = prediction->ood_score;
  p.ood_flag = prediction->ood_flag;
  p.saliency_method = (char *) saliency_method;
  p.latency_ms = prediction->seconds * 1000.0;
  return ls_store_log_prediction (store, &p, error);
}

void
ls_diagnosis_free (LsDiagnosis *diagnosis)
{
  if (diagnosis == NULL)
    return;
  g_free (diagnosis->path);
  g_free (diagnosis->name);
  g_free (diagnosis->sha256);
  ls_image_free (diagnosis->image);
  ls_prediction_free (diagnosis->prediction);
  g_clear_error (&diagnosis->log_error);
  g_free (diagnosis);
}

LsDiagnosis *
ls_pipeline_diagnose_file (const LsModelChoice *choice,
                           LsStore *store,
                           const char *path,
                           const LsDiagnoseOptions *options,
                           GCancellable *cancellable,
                           GError **error)
{
  g_autoptr (LsDiagnosis) d = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;
  LsDiagnoseOptions defaults;
  gint64 start;
  const char *method;

  g_return_val_if_fail (choice != NULL && choice->model != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (options == NULL)
    {
      ls_diagnose_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->overlay_path == NULL || options->predict.saliency, NULL);
  g_return_val_if_fail (options->overlay_path == NULL || options->predict.saliency_max_side == 0,
                        NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  d = g_new0 (LsDiagnosis, 1);
  d->path = g_strdup (path);
  /* Names in the data are UTF-8 (the log, JSON); a file name's bytes may
   * not be. */
  d->name = g_filename_display_name (path);
  d->log_id = -1;
  start = g_get_monotonic_time ();
  bytes = read_bytes (path, &len, error);
  if (bytes == NULL)
    return NULL;
  if (options->early != NULL && options->predict.saliency)
    {
      /* The first answer from the decoder's fast path, straight to about
       * the model's size; the full image for the viewer and the map comes
       * next. */
      g_autoptr (LsImage) small = NULL;
      g_autoptr (LsPrediction) quick = NULL;
      LsDecodeOptions fast;

      ls_decode_options_init (&fast);
      fast.target_size = choice->model->size;
      small = decode_bytes (path, bytes, len, &fast, error);
      if (small == NULL)
        return NULL;
      quick = ls_pipeline_predict (choice->model, small, NULL, error);
      if (quick == NULL)
        return NULL;
      options->early (quick, options->early_data);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  if (!options->predict.saliency && options->fast_decode)
    {
      LsDecodeOptions fast;

      ls_decode_options_init (&fast);
      fast.target_size = choice->model->size;
      d->image = decode_bytes (path, bytes, len, &fast, error);
    }
  else
    {
      LsDecodeOptions full;

      ls_decode_options_init (&full);
      full.keep_values = options->keep_values;
      d->image = decode_bytes (path, bytes, len, &full, error);
    }
  if (d->image == NULL)
    return NULL;
  if (options->decoded != NULL)
    options->decoded (d->image, options->decoded_data);
  d->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) bytes, len);
  g_clear_pointer (&bytes, g_free);
  d->read_seconds = (g_get_monotonic_time () - start) / 1e6;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  d->prediction = ls_pipeline_predict (choice->model, d->image, &options->predict, error);
  if (d->prediction == NULL)
    return NULL;
  /* Nothing is written once cancelled. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (options->overlay_path != NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!ls_pipeline_write_overlay (options->overlay_path, d->image, d->prediction,
                                      options->colormap, options->opacity, options->sync_folder,
                                      &local))
        {
          g_set_error_literal (error, LS_DIAGNOSE_ERROR, LS_DIAGNOSE_ERROR_OUTPUT, local->message);
          return NULL;
        }
    }
  method = options->predict.saliency ? ls_saliency_method_to_string (options->predict.method)
                                     : NULL;
  if (options->log)
    {
      d->log_id = ls_pipeline_log_prediction (store, choice, d->name, d->sha256, d->prediction,
                                              method, &d->log_error);
      if (d->log_id == 0)
        d->log_id = -1;
    }
  return g_steal_pointer (&d);
}
