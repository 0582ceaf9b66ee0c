/* monitor.c — monitoring from the logged predictions (monitor.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pipeline/monitor.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "dataset/split.h"
#include "pipeline/json-text.h"
#include "pipeline/model-info.h"

G_DEFINE_QUARK (ls - monitor - error - quark, ls_monitor_error)

void
ls_monitor_options_init (LsMonitorOptions *options)
{
  *options = (LsMonitorOptions){
    .since = 0,
    .model_id = NULL,
    .bin_seconds = LS_MONITOR_BIN_AUTO,
    .low_confidence = 0.6,
    .drift_window = 200,
    .drift_min = 30,
    .ood_rate_bound = 0.1,
    .class_mix_bound = 0.25,
  };
}

static void
bin_init (LsMonitorBin *bin,
          int n_classes)
{
  bin->predicted = g_new0 (guint, n_classes);
  bin->labelled = g_new0 (guint, n_classes);
  bin->class_agreement = g_new (double, n_classes);
  /* the confusion (label × predicted) lives only while counting */
}

static void
bin_clear (LsMonitorBin *bin)
{
  g_free (bin->predicted);
  g_free (bin->labelled);
  g_free (bin->class_agreement);
}

void
ls_monitor_report_free (LsMonitorReport *report)
{
  if (report == NULL)
    return;
  for (guint i = 0; i < report->n_bins; i++)
    bin_clear (&report->bins[i]);
  g_free (report->bins);
  bin_clear (&report->total);
  g_strfreev (report->classes);
  g_free (report->training_counts);
  g_free (report->training_mix);
  g_free (report->predicted_mix);
  g_free (report->active_model_id);
  g_clear_pointer (&report->active_metrics, ls_metrics_free);
  g_free (report->drift.recent_mix);
  g_free (report->drift.message);
  g_free (report);
}

static double
ratio (guint num,
       guint den)
{
  return den > 0 ? (double) num / den : NAN;
}

/* One prediction reduced to what the report counts. */
typedef struct
{
  gint64 time;
  gint64 id;
  int predicted; /* class index */
  int label;     /* class index of the human label, -1 when none */
  double confidence;
  int ood; /* -1 without a detector, else 0 or 1 */
} Row;

static int
class_index (GStrv classes,
             const char *name)
{
  for (int i = 0; name != NULL && classes[i] != NULL; i++)
    if (g_str_equal (classes[i], name))
      return i;
  return -1;
}

/* The class and top probability of a logged prediction: probabilities as
 * an object (class → p) or an array in class order. FALSE when unreadable. */
static gboolean
read_prediction (const LsStorePrediction *p,
                 GStrv classes,
                 int n_classes,
                 int *predicted,
                 double *confidence)
{
  g_autoptr (JsonNode) root = json_from_string (p->probabilities_json, NULL);
  int best = -1;
  double top = -1;

  if (root == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *o = json_node_get_object (root);

      for (int c = 0; c < n_classes; c++)
        {
          JsonNode *v = json_object_get_member (o, classes[c]);
          double x;

          if (v == NULL || !JSON_NODE_HOLDS_VALUE (v))
            continue;
          x = json_node_get_double (v);
          if (isfinite (x) && x > top)
            {
              top = x;
              best = c;
            }
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *a = json_node_get_array (root);

      if ((int) json_array_get_length (a) != n_classes)
        return FALSE;
      for (int c = 0; c < n_classes; c++)
        {
          JsonNode *v = json_array_get_element (a, c);
          double x = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_double (v) : NAN;

          if (isfinite (x) && x > top)
            {
              top = x;
              best = c;
            }
        }
    }
  if (best < 0)
    return FALSE;
  *confidence = CLAMP (top, 0.0, 1.0);
  /* The logged class wins over the argmax (they agree unless the logger
   * applied a decision rule). */
  *predicted = p->predicted != NULL && class_index (classes, p->predicted) >= 0
                   ? class_index (classes, p->predicted)
                   : best;
  return TRUE;
}

/* Counts @rows[from … to) into @bin; @confusion is n × n scratch. */
static void
count_bin (LsMonitorBin *bin,
           const Row *rows,
           guint from,
           guint to,
           int n,
           double low_confidence,
           guint *confusion)
{
  double p_e = 0;

  memset (confusion, 0, sizeof (guint) * n * n);
  for (guint i = from; i < to; i++)
    {
      const Row *r = &rows[i];

      bin->n_predictions++;
      bin->predicted[r->predicted]++;
      bin->n_low_confidence += r->confidence < low_confidence;
      if (r->ood >= 0)
        {
          bin->n_ood_checked++;
          bin->n_ood += r->ood;
        }
      if (r->label >= 0)
        {
          bin->n_labelled++;
          bin->labelled[r->label]++;
          bin->n_agree += r->label == r->predicted;
          confusion[r->label * n + r->predicted]++;
        }
    }
  bin->low_confidence_rate = ratio (bin->n_low_confidence, bin->n_predictions);
  bin->ood_rate = ratio (bin->n_ood, bin->n_ood_checked);
  bin->agreement = ratio (bin->n_agree, bin->n_labelled);
  for (int c = 0; c < n; c++)
    {
      guint col = 0;

      for (int r = 0; r < n; r++)
        col += confusion[r * n + c];
      bin->class_agreement[c] = ratio (confusion[c * n + c], bin->labelled[c]);
      if (bin->n_labelled > 0)
        p_e += ((double) bin->labelled[c] / bin->n_labelled) * ((double) col / bin->n_labelled);
    }
  bin->kappa = bin->n_labelled > 0 && p_e < 1 ? (bin->agreement - p_e) / (1 - p_e) : NAN;
}

/* Total variation between two distributions of @n classes. */
static double
total_variation (const double *p,
                 const double *q,
                 int n)
{
  double d = 0;

  for (int c = 0; c < n; c++)
    {
      if (!isfinite (p[c]) || !isfinite (q[c]))
        return NAN;
      d += fabs (p[c] - q[c]);
    }
  return d / 2;
}

static gint64
auto_bin_seconds (gint64 span_seconds)
{
  static const gint64 widths[] = { LS_MONITOR_BIN_HOUR, 6 * LS_MONITOR_BIN_HOUR, LS_MONITOR_BIN_DAY,
                                   LS_MONITOR_BIN_WEEK, 30 * LS_MONITOR_BIN_DAY, 365 * LS_MONITOR_BIN_DAY };

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    if (span_seconds / widths[i] < 60)
      return widths[i];
  return span_seconds / 60 + 1;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const Row *x = a, *y = b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static gint64
floor_div (gint64 a,
           gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The human labels by image id (gint64 * → class index + 1), and the
 * training mix. */
static gboolean
read_labels (LsStore *store,
             LsMonitorReport *report,
             GHashTable *labels,
             GError **error)
{
  g_autoptr (GPtrArray) images = ls_store_list_images (store, error);
  g_autoptr (GHashTable) human = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint *all = NULL;
  guint n_all = 0;

  if (images == NULL)
    return FALSE;
  all = g_new0 (guint, report->n_classes);
  for (guint i = 0; i < images->len; i++)
    {
      const LsStoreImage *image = images->pdata[i];
      int c = class_index (report->classes, image->label);
      GError *local = NULL;

      if (c < 0)
        continue;
      all[c]++;
      n_all++;
      if (ls_store_get_part (store, image->sha256, &local) == LS_SPLIT_TRAIN)
        {
          report->training_counts[c]++;
          report->n_training++;
        }
      if (local != NULL)
        {
          g_propagate_error (error, local);
          g_free (all);
          return FALSE;
        }
    }
  human = ls_store_human_labels (store, error);
  if (human == NULL)
    {
      g_free (all);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, human);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int c = class_index (report->classes, value);

      if (c >= 0)
        g_hash_table_insert (labels, g_memdup2 (key, sizeof (gint64)), GINT_TO_POINTER (c + 1));
    }
  report->training_from_split = report->n_training > 0;
  if (!report->training_from_split)
    {
      memcpy (report->training_counts, all, sizeof (guint) * report->n_classes);
      report->n_training = n_all;
    }
  for (int c = 0; c < report->n_classes; c++)
    report->training_mix[c] = ratio (report->training_counts[c], report->n_training);
  g_free (all);
  return TRUE;
}

static void
drift_verdict (LsMonitorReport *report,
               const LsMonitorOptions *o,
               const Row *rows,
               guint n_rows)
{
  LsMonitorDrift *d = &report->drift;
  guint from = n_rows > o->drift_window ? n_rows - o->drift_window : 0;
  guint *counts = g_new0 (guint, report->n_classes);
  guint n_ood = 0, n_checked = 0;
  char ood_text[32], bound_text[32];

  d->window = o->drift_window;
  d->n = n_rows - from;
  d->ood_rate_bound = o->ood_rate_bound;
  d->class_mix_bound = o->class_mix_bound;
  d->recent_mix = g_new (double, report->n_classes);
  for (guint i = from; i < n_rows; i++)
    {
      counts[rows[i].predicted]++;
      if (rows[i].ood >= 0)
        {
          n_checked++;
          n_ood += rows[i].ood;
        }
    }
  for (int c = 0; c < report->n_classes; c++)
    d->recent_mix[c] = ratio (counts[c], d->n);
  g_free (counts);
  d->ood_rate = ratio (n_ood, n_checked);
  d->class_mix_distance = report->n_training > 0 && d->n > 0
                              ? total_variation (d->recent_mix, report->training_mix, report->n_classes)
                              : NAN;
  if (d->n < o->drift_min)
    {
      d->state = LS_MONITOR_DRIFT_TOO_FEW;
      d->message = g_strdup_printf ("Not enough predictions to judge drift: %u of the %u needed.",
                                    d->n, o->drift_min);
      return;
    }
  d->ood_exceeded = isfinite (d->ood_rate) && d->ood_rate > d->ood_rate_bound;
  d->class_mix_exceeded = isfinite (d->class_mix_distance) && d->class_mix_distance > d->class_mix_bound;
  d->state = d->ood_exceeded || d->class_mix_exceeded ? LS_MONITOR_DRIFT_DETECTED : LS_MONITOR_DRIFT_NONE;
  if (d->ood_exceeded)
    {
      g_snprintf (ood_text, sizeof ood_text, "%.0f %%", 100 * d->ood_rate);
      g_snprintf (bound_text, sizeof bound_text, "%.0f %%", 100 * d->ood_rate_bound);
      d->message = g_strdup_printf (
          "Recent inputs drift from the training data: %s of the last %u predictions were flagged "
          "out of distribution (bound %s)%s.",
          ood_text, d->n, bound_text,
          d->class_mix_exceeded ? ", and their class mix differs from the training data's" : "");
    }
  else if (d->class_mix_exceeded)
    d->message = g_strdup_printf (
        "Recent inputs drift from the training data: the class mix of the last %u predictions is "
        "%.2f from the training data's (total variation; bound %.2f).",
        d->n, d->class_mix_distance, d->class_mix_bound);
  else
    {
      g_autofree char *ood = isfinite (d->ood_rate) ? g_strdup_printf ("%.0f %%", 100 * d->ood_rate)
                                                    : g_strdup ("not measured (no OOD detector)");
      g_autofree char *mix = isfinite (d->class_mix_distance)
                                 ? g_strdup_printf ("%.2f", d->class_mix_distance)
                                 : g_strdup ("not measured (no labelled training data)");

      d->message = g_strdup_printf ("No drift in the last %u predictions: OOD rate %s (bound %.0f %%), "
                                    "class-mix distance %s (bound %.2f).",
                                    d->n, ood, 100 * d->ood_rate_bound, mix, d->class_mix_bound);
    }
}

LsMonitorReport *
ls_monitor_compute (LsStore *store,
                    const LsMonitorOptions *options,
                    GError **error)
{
  g_autoptr (LsMonitorReport) report = g_new0 (LsMonitorReport, 1);
  g_autoptr (GPtrArray) predictions = NULL;
  g_autoptr (GHashTable) labels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr (LsStoreModel) active = NULL;
  g_autofree guint *confusion = NULL;
  LsMonitorOptions o;
  GError *local = NULL;
  int n;

  if (options != NULL)
    o = *options;
  else
    ls_monitor_options_init (&o);
  if (!(o.low_confidence >= 0 && o.low_confidence <= 1) || !(o.ood_rate_bound >= 0 && o.ood_rate_bound <= 1) ||
      !(o.class_mix_bound >= 0 && o.class_mix_bound <= 1) || o.drift_window == 0 || o.bin_seconds < 0)
    {
      g_set_error (error, LS_MONITOR_ERROR, LS_MONITOR_ERROR_INVALID,
                   "monitoring options out of range: low-confidence threshold %g, OOD-rate bound %g "
                   "and class-mix bound %g must lie in [0, 1], the drift window (%u) be at least 1",
                   o.low_confidence, o.ood_rate_bound, o.class_mix_bound, o.drift_window);
      return NULL;
    }

  report->classes = ls_store_get_classes (store, error);
  if (report->classes == NULL)
    return NULL;
  n = report->n_classes = (int) g_strv_length (report->classes);
  report->low_confidence = o.low_confidence;
  report->training_counts = g_new0 (guint, n);
  report->training_mix = g_new (double, n);
  report->predicted_mix = g_new (double, n);
  bin_init (&report->total, n);
  if (!read_labels (store, report, labels, error))
    return NULL;

  active = ls_store_get_active_model (store, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (active != NULL)
    {
      report->active_model_id = g_strdup (active->id);
      report->active_metrics = ls_metrics_from_model_json (active->metrics_json);
    }

  predictions = ls_store_list_predictions (store, o.model_id, NULL, error);
  if (predictions == NULL)
    return NULL;
  for (guint i = 0; i < predictions->len; i++)
    {
      const LsStorePrediction *p = predictions->pdata[i];
      Row r = { 0 };

      if (p->time < o.since)
        continue;
      if (!read_prediction (p, report->classes, n, &r.predicted, &r.confidence))
        {
          report->n_skipped++;
          continue;
        }
      r.time = p->time;
      r.id = p->id;
      r.label = p->image_id > 0 ? GPOINTER_TO_INT (g_hash_table_lookup (labels, &p->image_id)) - 1 : -1;
      r.ood = isfinite (p->ood_score) ? (p->ood_flag ? 1 : 0) : -1;
      g_array_append_val (rows, r);
    }
  /* By time (ids follow time unless a clock was set back): each bin is one
   * run of rows, and the drift window is the latest rows. */
  g_array_sort (rows, compare_rows);
  confusion = g_new (guint, (gsize) n * n);
  count_bin (&report->total, (const Row *) (void *) rows->data, 0, rows->len, n, o.low_confidence,
             confusion);
  for (int c = 0; c < n; c++)
    report->predicted_mix[c] = ratio (report->total.predicted[c], report->total.n_predictions);
  report->class_mix_distance = report->n_training > 0 && rows->len > 0
                                   ? total_variation (report->predicted_mix, report->training_mix, n)
                                   : NAN;

  if (rows->len > 0)
    {
      const Row *all = (const Row *) (void *) rows->data;
      gint64 first = all[0].time / G_USEC_PER_SEC, last = all[rows->len - 1].time / G_USEC_PER_SEC;
      gint64 width, start_s;
      guint j = 0;

      width = o.bin_seconds > 0 ? o.bin_seconds : auto_bin_seconds (last - first);
      start_s = floor_div (first, width) * width;
      if ((last - start_s) / width + 1 > LS_MONITOR_MAX_BINS)
        {
          g_set_error (error, LS_MONITOR_ERROR, LS_MONITOR_ERROR_INVALID,
                       "%" G_GINT64_FORMAT " bins of %" G_GINT64_FORMAT
                       " s would cover these predictions; at most %d: choose wider bins or a later "
                       "start",
                       (last - start_s) / width + 1, width, LS_MONITOR_MAX_BINS);
          return NULL;
        }
      report->bin_seconds = width;
      report->n_bins = (guint) ((last - start_s) / width + 1);
      report->bins = g_new0 (LsMonitorBin, report->n_bins);
      for (guint b = 0; b < report->n_bins; b++)
        {
          LsMonitorBin *bin = &report->bins[b];
          guint from = j;

          bin_init (bin, n);
          bin->start = (start_s + (gint64) b * width) * G_USEC_PER_SEC;
          bin->end = bin->start + width * G_USEC_PER_SEC;
          while (j < rows->len && all[j].time / G_USEC_PER_SEC < start_s + ((gint64) b + 1) * width)
            j++;
          count_bin (bin, all, from, j, n, o.low_confidence, confusion);
        }
      g_assert (j == rows->len);
    }
  drift_verdict (report, &o, (const Row *) (void *) rows->data, rows->len);
  return g_steal_pointer (&report);
}

static void
add_time (JsonBuilder *b,
          const char *key,
          gint64 usec)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *text = t != NULL ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ") : NULL;

  json_builder_set_member_name (b, key);
  if (text != NULL)
    json_builder_add_string_value (b, text);
  else
    json_builder_add_null_value (b);
}

/* { class: value } for @n classes. */
static void
add_class_numbers (JsonBuilder *b,
                   const char *key,
                   GStrv classes,
                   const double *values)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  for (int c = 0; classes[c] != NULL; c++)
    ls_json_add_number (b, classes[c], values[c]);
  json_builder_end_object (b);
}

static void
add_class_counts (JsonBuilder *b,
                  const char *key,
                  GStrv classes,
                  const guint *values)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  for (int c = 0; classes[c] != NULL; c++)
    ls_json_add_int (b, classes[c], values[c]);
  json_builder_end_object (b);
}

static void
add_bin (JsonBuilder *b,
         GStrv classes,
         const LsMonitorBin *bin,
         gboolean times)
{
  json_builder_begin_object (b);
  if (times)
    {
      add_time (b, "start", bin->start);
      add_time (b, "end", bin->end);
    }
  ls_json_add_int (b, "predictions", bin->n_predictions);
  add_class_counts (b, "predicted", classes, bin->predicted);
  ls_json_add_int (b, "low_confidence", bin->n_low_confidence);
  ls_json_add_number (b, "low_confidence_rate", bin->low_confidence_rate);
  ls_json_add_int (b, "ood_checked", bin->n_ood_checked);
  ls_json_add_int (b, "ood", bin->n_ood);
  ls_json_add_number (b, "ood_rate", bin->ood_rate);
  ls_json_add_int (b, "labelled", bin->n_labelled);
  ls_json_add_number (b, "agreement", bin->agreement);
  ls_json_add_number (b, "kappa", bin->kappa);
  add_class_numbers (b, "class_agreement", classes, bin->class_agreement);
  json_builder_end_object (b);
}

static const char *
drift_state_name (LsMonitorDriftState state)
{
  switch (state)
    {
    case LS_MONITOR_DRIFT_TOO_FEW:
      return "too-few";
    case LS_MONITOR_DRIFT_NONE:
      return "none";
    case LS_MONITOR_DRIFT_DETECTED:
      return "drift";
    default:
      g_assert_not_reached ();
    }
}

char *
ls_monitor_report_to_json (const LsMonitorReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const LsMonitorDrift *d = &r->drift;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < r->n_classes; c++)
    json_builder_add_string_value (b, r->classes[c]);
  json_builder_end_array (b);
  ls_json_add_int (b, "bin_seconds", r->bin_seconds);
  ls_json_add_number (b, "low_confidence_threshold", r->low_confidence);
  ls_json_add_int (b, "skipped", r->n_skipped);
  json_builder_set_member_name (b, "total");
  add_bin (b, r->classes, &r->total, FALSE);
  json_builder_set_member_name (b, "bins");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->n_bins; i++)
    add_bin (b, r->classes, &r->bins[i], TRUE);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "class_mix");
  json_builder_begin_object (b);
  ls_json_add_int (b, "training_images", r->n_training);
  json_builder_set_member_name (b, "training_source");
  json_builder_add_string_value (b, r->training_from_split ? "train split" : "all labelled images");
  add_class_numbers (b, "training", r->classes, r->training_mix);
  add_class_numbers (b, "predicted", r->classes, r->predicted_mix);
  ls_json_add_number (b, "total_variation", r->class_mix_distance);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "active_model");
  if (r->active_model_id == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, r->active_model_id);
      json_builder_set_member_name (b, "reliability");
      if (r->active_metrics == NULL)
        json_builder_add_null_value (b);
      else
        {
          const LsMetrics *m = r->active_metrics;

          json_builder_begin_object (b);
          ls_json_add_number (b, "accuracy", m->accuracy);
          ls_json_add_number (b, "ece", m->ece);
          json_builder_set_member_name (b, "bins");
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
          json_builder_end_object (b);
        }
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "drift");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, drift_state_name (d->state));
  ls_json_add_int (b, "window", d->window);
  ls_json_add_int (b, "predictions", d->n);
  ls_json_add_number (b, "ood_rate", d->ood_rate);
  ls_json_add_number (b, "ood_rate_bound", d->ood_rate_bound);
  json_builder_set_member_name (b, "ood_exceeded");
  json_builder_add_boolean_value (b, d->ood_exceeded);
  ls_json_add_number (b, "class_mix_distance", d->class_mix_distance);
  ls_json_add_number (b, "class_mix_bound", d->class_mix_bound);
  json_builder_set_member_name (b, "class_mix_exceeded");
  json_builder_add_boolean_value (b, d->class_mix_exceeded);
  add_class_numbers (b, "recent_mix", r->classes, d->recent_mix);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, d->message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, TRUE);
}
