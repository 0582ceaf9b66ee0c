/* predict.c — LsModel (a net and its parsed card) and one image's
 * prediction
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pipeline/predict.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/model.h"
#include "pipeline/calibrate.h"
#include "pipeline/metrics.h"

/* clang-format off */
G_DEFINE_QUARK (ls-model-error-quark, ls_model_error)
/* clang-format on */

static const char *
card_get (GHashTable *metadata,
          const char *key)
{
  const char *v = g_hash_table_lookup (metadata, key);

  return v != NULL ? v : "";
}

static JsonNode *
parse_json (const char *text,
            const char *key,
            JsonNodeType type,
            GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, &local))
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD, "card key “%s” %s%s", key,
                   text == NULL ? "is missing" : "is not JSON: ",
                   local != NULL ? local->message : "");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != type)
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD, "card key “%s” has the wrong type",
                   key);
      return NULL;
    }
  return json_node_copy (root);
}

static gboolean
parse_floats (JsonObject *obj,
              const char *member,
              int n,
              float *out,
              GError **error)
{
  JsonArray *a;

  if (!json_object_has_member (obj, member) || JSON_NODE_TYPE (json_object_get_member (obj, member)) != JSON_NODE_ARRAY)
    goto bad;
  a = json_object_get_array_member (obj, member);
  if ((int) json_array_get_length (a) != n)
    goto bad;
  for (int i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);

      if (JSON_NODE_TYPE (e) != JSON_NODE_VALUE || json_node_get_value_type (e) == G_TYPE_STRING)
        goto bad;
      out[i] = (float) json_node_get_double (e);
    }
  return TRUE;
bad:
  g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
               "card key “input”: “%s” is not an array of %d numbers", member, n);
  return FALSE;
}

static gboolean
parse_input (LsModel *self,
             GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *obj;
  const char *fit;

  root = parse_json (g_hash_table_lookup (self->metadata, "input"), "input", JSON_NODE_OBJECT, error);
  if (root == NULL)
    return FALSE;
  obj = json_node_get_object (root);
  self->size = (int) json_object_get_int_member_with_default (obj, "size", 0);
  self->channels = (int) json_object_get_int_member_with_default (obj, "channels", 0);
  fit = json_object_get_string_member_with_default (obj, "fit", "");
  if (self->size != ls_net_get_input_size (self->net) || self->channels != ls_net_get_input_channels (self->net))
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
                   "card key “input”: size %d and channels %d do not match the architecture's %d "
                   "and %d",
                   self->size, self->channels, ls_net_get_input_size (self->net),
                   ls_net_get_input_channels (self->net));
      return FALSE;
    }
  if (self->channels > LS_MODEL_MAX_CHANNELS)
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD, "card key “input”: %d channels",
                   self->channels);
      return FALSE;
    }
  if (!ls_fit_from_string (fit, &self->fit, error))
    {
      g_prefix_error (error, "card key “input”: ");
      return FALSE;
    }
  if (!parse_floats (obj, "mean", self->channels, self->mean, error) || !parse_floats (obj, "std", self->channels, self->std, error))
    return FALSE;
  for (int c = 0; c < self->channels; c++)
    if (!(self->std[c] > 0.0f) || !isfinite (self->mean[c]))
      {
        g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
                     "card key “input”: std must be positive and mean finite");
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_classes (LsModel *self,
               GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonArray *a;
  guint n;

  root = parse_json (g_hash_table_lookup (self->metadata, "classes"), "classes", JSON_NODE_ARRAY,
                     error);
  if (root == NULL)
    return FALSE;
  a = json_node_get_array (root);
  n = json_array_get_length (a);
  if ((int) n != ls_net_get_n_classes (self->net))
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
                   "card key “classes” names %u classes, the network has %d outputs", n,
                   ls_net_get_n_classes (self->net));
      return FALSE;
    }
  self->classes = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);

      if (json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
                       "card key “classes”: entry %u is not a string", i);
          return FALSE;
        }
      self->classes[i] = g_strdup (json_node_get_string (e));
    }
  self->n_classes = (int) n;
  return TRUE;
}

LsModel *
ls_model_new (LsNet *net,
              GHashTable *metadata,
              LsOod *ood,
              GError **error)
{
  g_autoptr (LsModel) self = g_new0 (LsModel, 1);
  const char *cal;

  self->net = net;
  self->metadata = metadata;
  self->ood = ood;
  self->temperature = 1.0;
  self->feature_layer = ls_net_find_layer (net, LS_LAYER_GAP);
  if (!g_str_equal (card_get (metadata, "format"), LS_MODEL_FORMAT))
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD, "card key “format” is not “%s”",
                   LS_MODEL_FORMAT);
      return NULL;
    }
  if (!parse_classes (self, error) || !parse_input (self, error))
    return NULL;
  cal = g_hash_table_lookup (metadata, "calibration");
  if (cal != NULL && *cal != '\0' && !ls_calibration_from_json (cal, &self->temperature, error))
    return NULL;
  self->id = card_get (metadata, "model_id");
  self->name = card_get (metadata, "name");
  self->parent_id = card_get (metadata, "parent_id");
  if (ls_net_get_batch (net) < 1 && !ls_net_plan (net, 1, error))
    return NULL;
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  return g_steal_pointer (&self);
}

LsModel *
ls_model_load (const char *path,
               GError **error)
{
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsOod) ood = NULL;
  GHashTable *metadata;
  const char *ood_json;
  LsModel *model;

  net = ls_net_load (path, &st, error);
  if (net == NULL)
    return NULL;
  ood_json = g_hash_table_lookup (st->metadata, "ood");
  if (ood_json != NULL && *ood_json != '\0')
    {
      const LsTensorEntry *means = ls_safetensors_find (st, LS_OOD_TENSOR_MEANS);
      const LsTensorEntry *prec = ls_safetensors_find (st, LS_OOD_TENSOR_PRECISION);

      ood = ls_ood_new_from_metadata (ood_json, means ? means->data : NULL,
                                      means ? means->n_elements : 0, prec ? prec->data : NULL,
                                      prec ? prec->n_elements : 0, error);
      if (ood == NULL)
        {
          g_prefix_error (error, "%s: ", path);
          return NULL;
        }
    }
  metadata = g_steal_pointer (&st->metadata);
  st->metadata = g_hash_table_new (g_str_hash, g_str_equal);
  model = ls_model_new (g_steal_pointer (&net), metadata, g_steal_pointer (&ood), error);
  if (model == NULL)
    g_prefix_error (error, "%s: ", path);
  else if (model->ood != NULL && model->ood->dim > 0 && model->ood->dim != ls_model_get_feature_dim (model))
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_CARD,
                   "%s: the OOD statistics have %d features, the network %d", path,
                   model->ood->dim, ls_model_get_feature_dim (model));
      ls_model_free (model);
      return NULL;
    }
  return model;
}

void
ls_model_free (LsModel *model)
{
  if (model == NULL)
    return;
  ls_net_free (model->net);
  if (model->metadata != NULL)
    g_hash_table_unref (model->metadata);
  g_strfreev (model->classes);
  ls_ood_free (model->ood);
  g_free (model);
}

gboolean
ls_model_save (LsModel *model,
               const char *path,
               GError **error)
{
  LsTensorEntry extra[2];
  guint n_extra = 0;

  memset (extra, 0, sizeof extra);
  if (model->ood != NULL && model->ood->method == LS_OOD_METHOD_MAHALANOBIS)
    {
      extra[0].name = (char *) LS_OOD_TENSOR_MEANS;
      extra[0].n_dims = 2;
      extra[0].shape[0] = model->ood->n_classes;
      extra[0].shape[1] = model->ood->dim;
      extra[0].n_elements = (gsize) model->ood->n_classes * model->ood->dim;
      extra[0].data = model->ood->means;
      extra[1].name = (char *) LS_OOD_TENSOR_PRECISION;
      extra[1].n_dims = 2;
      extra[1].shape[0] = model->ood->dim;
      extra[1].shape[1] = model->ood->dim;
      extra[1].n_elements = (gsize) model->ood->dim * model->ood->dim;
      extra[1].data = model->ood->precision;
      n_extra = 2;
    }
  return ls_net_save (model->net, path, model->metadata, extra, n_extra, error);
}

int
ls_model_get_feature_dim (const LsModel *model)
{
  int c = 0;

  if (model->feature_layer < 0)
    return 0;
  ls_net_get_layer_output (model->net, model->feature_layer, &c, NULL, NULL);
  return c;
}

void
ls_model_forward_one (LsModel *model,
                      const float *input,
                      float *logits,
                      float *features)
{
  const float *z;

  ls_net_set_mode (model->net, LS_NET_MODE_EVAL);
  z = ls_net_infer (model->net, input);
  memcpy (logits, z, sizeof (float) * model->n_classes);
  if (features != NULL && model->feature_layer >= 0)
    memcpy (features,
            ls_net_get_layer_output (model->net, model->feature_layer, NULL, NULL, NULL),
            sizeof (float) * ls_model_get_feature_dim (model));
}

void
ls_predict_options_init (LsPredictOptions *options)
{
  memset (options, 0, sizeof *options);
  options->method = LS_SALIENCY_GRADCAM;
  options->target_class = -1;
}

/* The map at input resolution → the original image's geometry: crop the
 * letterbox's content (as ls_image_fit placed it) and resize. */
static float *
map_to_image (const float *map,
              int size,
              LsFit fit,
              int width,
              int height)
{
  int w = size, h = size, x0, y0;
  g_autofree float *crop = NULL;
  float *out;

  if (fit == LS_FIT_LETTERBOX)
    {
      if (width >= height)
        h = MAX (1, (int) lround ((double) height * size / width));
      else
        w = MAX (1, (int) lround ((double) width * size / height));
    }
  x0 = (size - w) / 2;
  y0 = (size - h) / 2;
  crop = g_new (float, (gsize) w *h);
  for (int y = 0; y < h; y++)
    memcpy (crop + (gsize) y * w, map + (gsize) (y0 + y) * size + x0, sizeof (float) * w);
  out = g_new (float, (gsize) width *height);
  ls_engine_resize_bilinear (crop, h, w, out, height, width);
  for (gsize i = 0; i < (gsize) width * height; i++)
    out[i] = CLAMP (out[i], 0.0f, 1.0f);
  return out;
}

LsPrediction *
ls_pipeline_predict (LsModel *model,
                     const LsImage *image,
                     const LsPredictOptions *options,
                     GError **error)
{
  g_autoptr (LsPrediction) p = NULL;
  g_autofree float *input = NULL;
  g_autofree float *features = NULL;
  gint64 start = g_get_monotonic_time ();
  int k, dim;

  g_return_val_if_fail (model != NULL && image != NULL, NULL);
  k = model->n_classes;
  dim = ls_model_get_feature_dim (model);
  if (image->width < 1 || image->height < 1 || image->data == NULL)
    {
      g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_INPUT, "%s: empty image",
                   image->source ? image->source : "image");
      return NULL;
    }
  if (options != NULL && options->saliency)
    {
      if (options->target_class >= k)
        {
          g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_INPUT,
                       "saliency class %d: the model has %d classes", options->target_class, k);
          return NULL;
        }
      if (options->method == LS_SALIENCY_GRADCAM && ls_net_get_cam_layer (model->net) < 0)
        {
          g_set_error (error, LS_MODEL_ERROR, LS_MODEL_ERROR_INPUT,
                       "Grad-CAM needs a cam=yes layer; model “%s” has none", model->name);
          return NULL;
        }
    }
  p = g_new0 (LsPrediction, 1);
  p->n_classes = k;
  p->logits = g_new (float, k);
  p->probs = g_new (float, k);
  p->ood_score = NAN;
  p->saliency_class = -1;
  input = g_new (float, (gsize) model->channels * model->size * model->size);
  features = g_new0 (float, MAX (dim, 1));
  ls_image_to_model_input (image, model->size, model->fit, model->channels, model->mean,
                           model->std, input);
  ls_model_forward_one (model, input, p->logits, dim > 0 ? features : NULL);
  ls_softmax (p->logits, k, model->temperature, p->probs);
  p->predicted = ls_metrics_argmax (p->probs, k);
  if (model->ood != NULL)
    {
      ls_ood_score (model->ood, dim > 0 ? features : NULL, p->logits, 1, &p->ood_score);
      p->ood_flag = ls_ood_is_outlier (model->ood, p->ood_score);
    }
  if (options != NULL && options->saliency)
    {
      LsSaliencyConfig cfg;
      g_autofree float *map = g_new (float, (gsize) model->size * model->size);

      ls_saliency_config_init (&cfg, options->method);
      cfg.target_class = options->target_class >= 0 ? options->target_class : p->predicted;
      if (options->method == LS_SALIENCY_GRADCAM && ls_net_infer_can_backward_to (model->net, ls_net_get_cam_layer (model->net)))
        {
          /* from the forward above: only the head and the target block run */
          ls_engine_gradcam_last (model->net, cfg.target_class, map);
          p->saliency_class = cfg.target_class;
        }
      else
        p->saliency_class = ls_engine_saliency (model->net, input, &cfg, map, NULL);
      p->saliency_width = image->width;
      p->saliency_height = image->height;
      if (options->saliency_max_side > 0 && MAX (image->width, image->height) > options->saliency_max_side)
        {
          double f = (double) options->saliency_max_side / MAX (image->width, image->height);

          p->saliency_width = MAX (1, (int) lround (image->width * f));
          p->saliency_height = MAX (1, (int) lround (image->height * f));
        }
      p->saliency = map_to_image (map, model->size, model->fit, p->saliency_width, p->saliency_height);
    }
  p->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&p);
}

void
ls_prediction_free (LsPrediction *prediction)
{
  if (prediction == NULL)
    return;
  g_free (prediction->logits);
  g_free (prediction->probs);
  g_free (prediction->saliency);
  g_free (prediction);
}
