/* metrics-json.c — the metrics as the model card's JSON and back
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "metrics.h"
#include "metrics-private.h"
#include "pipeline/json-text.h"

#include <math.h>

/**
 * ls_metrics_to_json_node:
 *
 * The model card's `metrics` value (DESIGN §4):
 * |[
 * { "n_samples": 300, "classes": ["normal", …], "accuracy": 0.97,
 *   "per_class": [{ "class": "normal", "precision": …, "recall": …, "f1": …,
 *                   "auc": … or null, "support": 100 }, …],
 *   "macro": { "precision": …, "recall": …, "f1": …, "auc": … },
 *   "confusion_matrix": [[…], …],            rows true, columns predicted
 *   "ece": …, "ece_bins": 15,
 *   "reliability": [{ "lower": 0, "upper": 0.0667, "count": …,
 *                     "confidence": …, "accuracy": … }, …],
 *   "nll": …, "brier": …,
 *   "sources": [{ "source": "…", "count": …, "correct": …, "accuracy": … }] }
 * ]|
 * Undefined numbers (an AUC without positives) are null. "sources" is
 * present only when there was a breakdown.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
ls_metrics_to_json_node (const LsMetrics *m)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  int k;

  g_return_val_if_fail (m != NULL, NULL);
  k = m->n_classes;
  json_builder_begin_object (b);
  ls_json_add_int (b, "n_samples", m->n_samples);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < k; c++)
    json_builder_add_string_value (b, m->class_names[c]);
  json_builder_end_array (b);
  ls_json_add_number (b, "accuracy", m->accuracy);

  json_builder_set_member_name (b, "per_class");
  json_builder_begin_array (b);
  for (int c = 0; c < k; c++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, m->class_names[c]);
      ls_json_add_number (b, "precision", m->precision[c]);
      ls_json_add_number (b, "recall", m->recall[c]);
      ls_json_add_number (b, "f1", m->f1[c]);
      ls_json_add_number (b, "auc", m->auc[c]);
      ls_json_add_int (b, "support", m->support[c]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "macro");
  json_builder_begin_object (b);
  ls_json_add_number (b, "precision", m->macro_precision);
  ls_json_add_number (b, "recall", m->macro_recall);
  ls_json_add_number (b, "f1", m->macro_f1);
  ls_json_add_number (b, "auc", m->macro_auc);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "confusion_matrix");
  json_builder_begin_array (b);
  for (int r = 0; r < k; r++)
    {
      json_builder_begin_array (b);
      for (int c = 0; c < k; c++)
        json_builder_add_int_value (b, m->confusion[(gsize) r * k + c]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);

  ls_json_add_number (b, "ece", m->ece);
  ls_json_add_int (b, "ece_bins", m->n_bins);
  json_builder_set_member_name (b, "reliability");
  json_builder_begin_array (b);
  for (int i = 0; i < m->n_bins; i++)
    {
      json_builder_begin_object (b);
      ls_json_add_number (b, "lower", m->bins[i].lower);
      ls_json_add_number (b, "upper", m->bins[i].upper);
      ls_json_add_int (b, "count", m->bins[i].count);
      ls_json_add_number (b, "confidence", m->bins[i].confidence);
      ls_json_add_number (b, "accuracy", m->bins[i].accuracy);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  ls_json_add_number (b, "nll", m->nll);
  ls_json_add_number (b, "brier", m->brier);

  if (m->n_sources > 0)
    {
      json_builder_set_member_name (b, "sources");
      json_builder_begin_array (b);
      for (int s = 0; s < m->n_sources; s++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "source");
          json_builder_add_string_value (b, m->sources[s].source);
          ls_json_add_int (b, "count", m->sources[s].count);
          ls_json_add_int (b, "correct", m->sources[s].correct);
          ls_json_add_number (b, "accuracy", m->sources[s].accuracy);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * ls_metrics_to_json:
 *
 * Returns: (transfer full): ls_metrics_to_json_node() as compact JSON text,
 * the form stored in the model file's `metrics` metadata key.
 */
char *
ls_metrics_to_json (const LsMetrics *m)
{
  g_autoptr (JsonNode) node = NULL;

  g_return_val_if_fail (m != NULL, NULL);
  node = ls_metrics_to_json_node (m);
  return ls_json_to_string (node, FALSE);
}

static JsonNode *
get_member (JsonObject *obj,
            const char *where,
            const char *key,
            JsonNodeType type,
            GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || JSON_NODE_TYPE (node) != type)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s“%s” is missing or not %s", where, key,
                   type == JSON_NODE_ARRAY ? "an array" : type == JSON_NODE_OBJECT ? "an object"
                                                                                   : "a value");
      return NULL;
    }
  return node;
}

/* A number member; null reads as NAN when @nullable. */
static gboolean
get_number (JsonObject *obj,
            const char *where,
            const char *key,
            gboolean nullable,
            double *out,
            GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *out = NAN;
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s“%s” is missing or not a number", where, key);
      return FALSE;
    }
  *out = json_node_get_double (node);
  return TRUE;
}

static gboolean
int_from_node (JsonNode *node,
               const char *what,
               gint64 min,
               gint64 max,
               int *out,
               GError **error)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s is missing or not an integer", what);
      return FALSE;
    }
  v = json_node_get_int (node);
  if (v < min || v > max)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s is %" G_GINT64_FORMAT ", outside [%" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT "]",
                   what, v, min, max);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static gboolean
get_int (JsonObject *obj,
         const char *where,
         const char *key,
         gint64 min,
         gint64 max,
         int *out,
         GError **error)
{
  g_autofree char *what = g_strdup_printf ("%s“%s”", where, key);

  return int_from_node (json_object_get_member (obj, key), what, min, max, out, error);
}

static JsonArray *
get_array (JsonObject *obj,
           const char *where,
           const char *key,
           guint length,
           GError **error)
{
  JsonNode *node = get_member (obj, where, key, JSON_NODE_ARRAY, error);
  JsonArray *array;

  if (node == NULL)
    return NULL;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != length)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s“%s” has %u entries, expected %u", where, key,
                   json_array_get_length (array), length);
      return NULL;
    }
  return array;
}

static JsonObject *
array_object (JsonArray *array,
              guint i,
              const char *key,
              GError **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: “%s” entry %u is not an object", key, i);
      return NULL;
    }
  return json_node_get_object (node);
}

static const char *
string_from_node (JsonNode *node,
                  const char *what,
                  GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: %s is missing or not a string", what);
      return NULL;
    }
  return json_node_get_string (node);
}

/**
 * ls_metrics_from_json_node:
 *
 * Reads back what ls_metrics_to_json_node() wrote; every member but
 * "sources" is required and shapes must agree with "classes".
 *
 * Returns: (transfer full): the metrics, or NULL with @error set.
 */
LsMetrics *
ls_metrics_from_json_node (JsonNode *node,
                           GError **error)
{
  g_autoptr (LsMetrics) m = NULL;
  JsonObject *root, *macro;
  JsonArray *classes, *per_class, *confusion, *reliability;
  JsonNode *sources_node, *member;
  int k, n_samples, n_bins;
  gint64 total = 0;

  g_return_val_if_fail (node != NULL, NULL);
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: the top level is not an object");
      return NULL;
    }
  root = json_node_get_object (node);
  if (!get_int (root, "", "n_samples", 0, G_MAXINT, &n_samples, error) ||
      !get_int (root, "", "ece_bins", 1, 100000, &n_bins, error))
    return NULL;
  if ((member = get_member (root, "", "classes", JSON_NODE_ARRAY, error)) == NULL)
    return NULL;
  classes = json_node_get_array (member);
  k = json_array_get_length (classes);
  if (k < 2 || k > 100000)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: “classes” has %d entries, need at least 2", k);
      return NULL;
    }

  sources_node = json_object_get_member (root, "sources");
  if (sources_node != NULL && JSON_NODE_TYPE (sources_node) != JSON_NODE_ARRAY)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: “sources” is not an array");
      return NULL;
    }

  /* Check the shapes before allocating k × k counts and n_bins bins, so
   * that what is allocated is proportional to the text. */
  if ((per_class = get_array (root, "", "per_class", k, error)) == NULL ||
      (confusion = get_array (root, "", "confusion_matrix", k, error)) == NULL ||
      (reliability = get_array (root, "", "reliability", n_bins, error)) == NULL)
    return NULL;
  for (int r = 0; r < k; r++)
    {
      JsonNode *row_node = json_array_get_element (confusion, r);

      if (JSON_NODE_TYPE (row_node) != JSON_NODE_ARRAY ||
          json_array_get_length (json_node_get_array (row_node)) != (guint) k)
        {
          g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                       "metrics JSON: “confusion_matrix” row %d is not an array of %d counts", r, k);
          return NULL;
        }
    }

  m = ls_metrics_alloc (k, n_bins, 0);
  m->n_samples = n_samples;
  for (int c = 0; c < k; c++)
    {
      g_autofree char *what = g_strdup_printf ("“classes” entry %d", c);
      const char *name = string_from_node (json_array_get_element (classes, c), what, error);

      if (name == NULL)
        return NULL;
      m->class_names[c] = g_strdup (name);
    }

  if (!get_number (root, "", "accuracy", FALSE, &m->accuracy, error) ||
      !get_number (root, "", "ece", FALSE, &m->ece, error) ||
      !get_number (root, "", "nll", FALSE, &m->nll, error) ||
      !get_number (root, "", "brier", FALSE, &m->brier, error))
    return NULL;

  for (int c = 0; c < k; c++)
    {
      JsonObject *o = array_object (per_class, c, "per_class", error);
      g_autofree char *where = g_strdup_printf ("“per_class” entry %d: ", c);

      if (o == NULL ||
          !get_number (o, where, "precision", FALSE, &m->precision[c], error) ||
          !get_number (o, where, "recall", FALSE, &m->recall[c], error) ||
          !get_number (o, where, "f1", FALSE, &m->f1[c], error) ||
          !get_number (o, where, "auc", TRUE, &m->auc[c], error) ||
          !get_int (o, where, "support", 0, G_MAXINT, &m->support[c], error))
        return NULL;
    }

  if ((member = get_member (root, "", "macro", JSON_NODE_OBJECT, error)) == NULL)
    return NULL;
  macro = json_node_get_object (member);
  if (!get_number (macro, "“macro”: ", "precision", FALSE, &m->macro_precision, error) ||
      !get_number (macro, "“macro”: ", "recall", FALSE, &m->macro_recall, error) ||
      !get_number (macro, "“macro”: ", "f1", FALSE, &m->macro_f1, error) ||
      !get_number (macro, "“macro”: ", "auc", TRUE, &m->macro_auc, error))
    return NULL;

  for (int r = 0; r < k; r++)
    {
      JsonArray *row = json_node_get_array (json_array_get_element (confusion, r));
      gint64 row_sum = 0;

      for (int c = 0; c < k; c++)
        {
          g_autofree char *what = g_strdup_printf ("“confusion_matrix”[%d][%d]", r, c);

          if (!int_from_node (json_array_get_element (row, c), what, 0, G_MAXINT,
                              &m->confusion[(gsize) r * k + c], error))
            return NULL;
          row_sum += m->confusion[(gsize) r * k + c];
        }
      if (row_sum != m->support[r])
        {
          g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                       "metrics JSON: “confusion_matrix” row %d sums to %" G_GINT64_FORMAT
                       " but class %d has support %d",
                       r, row_sum, r, m->support[r]);
          return NULL;
        }
      total += row_sum;
    }
  if (total != m->n_samples)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                   "metrics JSON: the confusion matrix counts %" G_GINT64_FORMAT " samples, “n_samples” is %d",
                   total, m->n_samples);
      return NULL;
    }

  for (int b = 0; b < n_bins; b++)
    {
      JsonObject *o = array_object (reliability, b, "reliability", error);
      g_autofree char *where = g_strdup_printf ("“reliability” entry %d: ", b);
      LsReliabilityBin *bin = &m->bins[b];

      if (o == NULL ||
          !get_number (o, where, "lower", FALSE, &bin->lower, error) ||
          !get_number (o, where, "upper", FALSE, &bin->upper, error) ||
          !get_int (o, where, "count", 0, G_MAXINT, &bin->count, error) ||
          !get_number (o, where, "confidence", FALSE, &bin->confidence, error) ||
          !get_number (o, where, "accuracy", FALSE, &bin->accuracy, error))
        return NULL;
    }

  if (sources_node != NULL)
    {
      JsonArray *sources = json_node_get_array (sources_node);
      int n_sources = json_array_get_length (sources);

      m->sources = g_new0 (LsSourceMetrics, n_sources);
      for (int s = 0; s < n_sources; s++)
        {
          JsonObject *o = array_object (sources, s, "sources", error);
          g_autofree char *where = g_strdup_printf ("“sources” entry %d: ", s);
          g_autofree char *what = g_strdup_printf ("%s“source”", where);
          LsSourceMetrics *sm = &m->sources[s];
          const char *name;

          if (o == NULL)
            return NULL;
          name = string_from_node (json_object_get_member (o, "source"), what, error);
          if (name == NULL)
            return NULL;
          sm->source = g_strdup (name);
          m->n_sources = s + 1;
          if (!get_int (o, where, "count", 0, G_MAXINT, &sm->count, error) ||
              !get_int (o, where, "correct", 0, G_MAXINT, &sm->correct, error) ||
              !get_number (o, where, "accuracy", FALSE, &sm->accuracy, error))
            return NULL;
        }
    }
  return g_steal_pointer (&m);
}

/**
 * ls_metrics_from_json:
 * @text: JSON text as written by ls_metrics_to_json()
 *
 * Returns: (transfer full): the metrics, or NULL with @error set.
 */
LsMetrics *
ls_metrics_from_json (const char *text,
                      GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  if (!json_parser_load_from_data (parser, text, -1, &local))
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE, "metrics JSON: %s",
                   local->message);
      return NULL;
    }
  return ls_metrics_from_json_node (json_parser_get_root (parser), error);
}
