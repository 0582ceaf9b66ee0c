/* model-info.c — a model's card in words
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>

#include "pipeline/model-info.h"

#include "report/report.h"

const char *
ls_model_card_get (const LsModel *model,
                   const char *key)
{
  const char *v = g_hash_table_lookup (model->metadata, key);

  return v != NULL && *v != '\0' ? v : NULL;
}

const char *
ls_saliency_method_title (LsSaliencyMethod method)
{
  switch (method)
    {
    case LS_SALIENCY_GRADCAM:
      return "Grad-CAM";
    case LS_SALIENCY_GRADIENT:
      return N_ ("Input gradient");
    case LS_SALIENCY_SMOOTHGRAD:
      return "SmoothGrad";
    default:
      return N_ ("Saliency");
    }
}

double
ls_metrics_json_number (const char *metrics_json,
                        const char *name)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;
  JsonNode *member;

  if (metrics_json == NULL)
    return NAN;
  node = json_from_string (metrics_json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NAN;
  object = json_node_get_object (node);
  if (!json_object_has_member (object, name) && json_object_has_member (object, "test") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "test")))
    object = json_object_get_object_member (object, "test");
  member = json_object_get_member (object, name);
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member))
    return NAN;
  switch (json_node_get_value_type (member))
    {
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return json_node_get_double (member);
    default:
      return NAN;
    }
}

LsMetrics *
ls_metrics_from_model_json (const char *metrics_json)
{
  g_autoptr (JsonNode) root = metrics_json != NULL ? json_from_string (metrics_json, NULL) : NULL;
  JsonObject *o;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  o = json_node_get_object (root);
  if (!json_object_has_member (o, "confusion_matrix") && json_object_has_member (o, "test") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "test")))
    return ls_metrics_from_json_node (json_object_get_member (o, "test"), NULL);
  return ls_metrics_from_json_node (root, NULL);
}

char *
ls_model_class_list (const LsModel *model)
{
  return g_strjoinv (", ", model->classes);
}

int
ls_model_find_class (const LsModel *model,
                     const char *name)
{
  for (int i = 0; i < model->n_classes; i++)
    if (g_ascii_strcasecmp (model->classes[i], name) == 0 ||
        g_ascii_strcasecmp (ls_report_class_display_name (model->classes[i]), name) == 0)
      return i;
  return -1;
}

gboolean
ls_model_choice_is_synthetic (const LsModelChoice *choice)
{
  const char *keys[] = { "name", "train_config", "data", "training_data" };

  if (choice->source == LS_MODEL_SOURCE_DEFAULT)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *v = ls_model_card_get (choice->model, keys[i]);
      g_autofree char *lower = v != NULL ? g_ascii_strdown (v, -1) : NULL;

      if (lower != NULL && (strstr (lower, "phantom") != NULL || strstr (lower, "synthetic") != NULL))
        return TRUE;
    }
  return FALSE;
}

GStrv
ls_model_card_lines (const LsModelChoice *choice)
{
  const LsModel *model = choice->model;
  GPtrArray *lines = g_ptr_array_new ();
  const char *created = ls_model_card_get (model, "created");
  const char *metrics = ls_model_card_get (model, "metrics");
  const char *parent = ls_model_card_get (model, "parent_id");
  double accuracy = ls_metrics_json_number (metrics, "accuracy");
  double ece = ls_metrics_json_number (metrics, "ece");
  g_autofree char *classes = ls_model_class_list (model);

  if (created != NULL)
    g_ptr_array_add (lines, g_strdup_printf (_ ("Created %s"), created));
  if (!isnan (accuracy) && !isnan (ece))
    g_ptr_array_add (lines, g_strdup_printf (_ ("Test accuracy %.1f %%, calibration error (ECE) %.3f"),
                                             100 * accuracy, ece));
  else if (!isnan (accuracy))
    g_ptr_array_add (lines, g_strdup_printf (_ ("Test accuracy %.1f %%"), 100 * accuracy));
  {
    g_autofree char *n = g_strdup_printf ("%" G_GSIZE_FORMAT, ls_net_get_n_params (model->net));

    g_ptr_array_add (lines, g_strdup_printf (_ ("%s parameters, input %d × %d, classes %s"), n, model->size,
                                             model->size, classes));
  }
  g_ptr_array_add (lines, g_strdup_printf (model->ood != NULL ? _ ("Temperature %.3f, out-of-distribution check")
                                                              : _ ("Temperature %.3f"),
                                           model->temperature));
  if (parent != NULL)
    g_ptr_array_add (lines, g_strdup_printf (_ ("Fine-tuned from %s"), parent));
  if (choice->source == LS_MODEL_SOURCE_DEFAULT)
    g_ptr_array_add (lines, g_strdup (_ ("The shipped default model")));
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (lines, FALSE);
}
