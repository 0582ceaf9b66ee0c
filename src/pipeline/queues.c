/* queues.c — the review queues from the store's labels, the active
 * model's latest predictions and the latest cross-validation
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pipeline/queues.h"

#include "pipeline/diagnose.h"

static const char *const kind_names[LS_QUEUE_N_KINDS] = { "unlabelled", "disagree", "uncertain", "label-errors" };
static const char *const ranking_names[] = { "default", "entropy", "margin", "self-confidence",
                                             "normalized-margin" };

void
ls_queue_options_init (LsQueueOptions *options)
{
  memset (options, 0, sizeof *options);
}

void
ls_queue_free (LsQueue *queue)
{
  if (queue == NULL)
    return;
  g_free (queue->source_id);
  g_strfreev (queue->classes);
  g_free (queue->entries);
  g_free (queue->probabilities);
  g_free (queue->thresholds);
  g_free (queue);
}

const char *
ls_queue_kind_to_string (LsQueueKind kind)
{
  g_return_val_if_fail ((guint) kind < LS_QUEUE_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
ls_queue_kind_from_string (const char *text,
                           LsQueueKind *kind)
{
  for (guint i = 0; i < LS_QUEUE_N_KINDS; i++)
    if (g_strcmp0 (text, kind_names[i]) == 0)
      {
        *kind = (LsQueueKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ls_queue_ranking_to_string (LsQueueRanking ranking)
{
  g_return_val_if_fail ((guint) ranking < G_N_ELEMENTS (ranking_names), NULL);
  return ranking_names[ranking];
}

gboolean
ls_queue_ranking_from_string (const char *text,
                              LsQueueRanking *ranking)
{
  for (guint i = 0; i < G_N_ELEMENTS (ranking_names); i++)
    if (g_strcmp0 (text, ranking_names[i]) == 0)
      {
        *ranking = (LsQueueRanking) i;
        return TRUE;
      }
  return FALSE;
}

void
ls_queue_class_thresholds (const float *probs,
                           const int *labels,
                           guint n,
                           int n_classes,
                           double *thresholds)
{
  g_autofree guint *count = g_new0 (guint, n_classes);

  for (int j = 0; j < n_classes; j++)
    thresholds[j] = 0;
  for (guint i = 0; i < n; i++)
    if (labels[i] >= 0 && labels[i] < n_classes)
      {
        thresholds[labels[i]] += probs[(gsize) i * n_classes + labels[i]];
        count[labels[i]]++;
      }
  for (int j = 0; j < n_classes; j++)
    thresholds[j] = count[j] > 0 ? thresholds[j] / count[j] : NAN;
}

/* ---- reading the workspace once ---- */

typedef struct
{
  GStrv classes;
  int k;
  GPtrArray *images; /* LsStoreImage, import order */
  int *label;
  float *model; /* n × k, the active model's latest prediction */
  gboolean *has_model;
  float *oof; /* n × k, out of fold */
  gboolean *has_oof;
  char *model_id;    /* or NULL */
  char *crossval_id; /* or NULL */
} Data;

static void
data_clear (Data *d)
{
  g_clear_pointer (&d->classes, g_strfreev);
  g_clear_pointer (&d->images, g_ptr_array_unref);
  g_clear_pointer (&d->label, g_free);
  g_clear_pointer (&d->model, g_free);
  g_clear_pointer (&d->has_model, g_free);
  g_clear_pointer (&d->oof, g_free);
  g_clear_pointer (&d->has_oof, g_free);
  g_clear_pointer (&d->model_id, g_free);
  g_clear_pointer (&d->crossval_id, g_free);
}

/* Probabilities as {"class": p, …} (or, as early versions logged them,
 * [p, …] in class order) into @p; FALSE when it is neither. */
static gboolean
parse_probabilities (const char *json,
                     GStrv classes,
                     int k,
                     float *p)
{
  g_autoptr (JsonNode) node = json != NULL ? json_from_string (json, NULL) : NULL;
  double sum = 0;

  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);

      for (int c = 0; c < k; c++)
        {
          JsonNode *m = json_object_get_member (o, classes[c]);

          p[c] = m != NULL && json_node_get_value_type (m) == G_TYPE_DOUBLE  ? (float) json_node_get_double (m)
                 : m != NULL && json_node_get_value_type (m) == G_TYPE_INT64 ? (float) json_node_get_int (m)
                                                                             : 0.0f;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);

      for (int c = 0; c < k; c++)
        p[c] = (guint) c < json_array_get_length (a) ? (float) json_array_get_double_element (a, c) : 0.0f;
    }
  else
    return FALSE;
  for (int c = 0; c < k; c++)
    {
      if (!isfinite (p[c]) || p[c] < 0)
        return FALSE;
      sum += p[c];
    }
  return sum > 0;
}

static int
class_index (GStrv classes,
             const char *label)
{
  for (int c = 0; classes[c] != NULL; c++)
    if (strcmp (classes[c], label) == 0)
      return c;
  return -1;
}

static gboolean
data_load (LsStore *store,
           gboolean want_oof,
           Data *d,
           GError **error)
{
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (LsStoreModel) active = NULL;
  g_autoptr (GError) local = NULL;
  guint n;

  d->classes = ls_store_get_classes (store, error);
  if (d->classes == NULL)
    return FALSE;
  d->k = (int) g_strv_length (d->classes);
  d->images = ls_store_list_images (store, error);
  if (d->images == NULL)
    return FALSE;
  n = d->images->len;
  d->label = g_new (int, MAX (n, 1));
  d->model = g_new0 (float, (gsize) MAX (n, 1) * d->k);
  d->has_model = g_new0 (gboolean, MAX (n, 1));
  d->oof = g_new0 (float, (gsize) MAX (n, 1) * d->k);
  d->has_oof = g_new0 (gboolean, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const LsStoreImage *image = d->images->pdata[i];

      d->label[i] = image->label != NULL ? class_index (d->classes, image->label) : -1;
      g_hash_table_insert (index, image->sha256, GUINT_TO_POINTER (i + 1));
    }

  active = ls_store_get_active_model (store, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (active != NULL)
    {
      g_autoptr (GPtrArray) predictions = ls_store_latest_predictions (store, active->id, NULL, error);

      if (predictions == NULL)
        return FALSE;
      d->model_id = g_strdup (active->id);
      for (guint r = 0; r < predictions->len; r++)
        {
          const LsStorePrediction *p = predictions->pdata[r];
          guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index, p->sha256));

          if (i > 0)
            d->has_model[i - 1] = parse_probabilities (p->probabilities_json, d->classes, d->k,
                                                       d->model + (gsize) (i - 1) * d->k);
        }
    }
  if (want_oof)
    {
      g_autoptr (GPtrArray) rows = ls_store_latest_out_of_fold (store, &d->crossval_id, error);

      if (rows == NULL)
        return FALSE;
      for (guint r = 0; r < rows->len; r++)
        {
          const LsStoreOutOfFold *row = rows->pdata[r];
          guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index, row->sha256));

          if (i > 0)
            d->has_oof[i - 1] = parse_probabilities (row->probabilities_json, d->classes, d->k,
                                                     d->oof + (gsize) (i - 1) * d->k);
        }
    }
  return TRUE;
}

/* ---- building a queue ---- */

typedef struct
{
  guint image; /* index into Data.images */
  double key;  /* sorted ascending */
  double score;
  int suggested;
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->image < y->image ? -1 : x->image > y->image;
}

static int
argmax (const float *p,
        int k)
{
  int best = 0;

  for (int c = 1; c < k; c++)
    if (p[c] > p[best])
      best = c;
  return best;
}

static double
entropy (const float *p,
         int k)
{
  double h = 0;

  for (int c = 0; c < k; c++)
    if (p[c] > 0)
      h -= p[c] * log (p[c]);
  return h;
}

static double
top_margin (const float *p,
            int k)
{
  float first = -1, second = 0;

  for (int c = 0; c < k; c++)
    if (p[c] > first)
      {
        second = MAX (first, 0);
        first = p[c];
      }
    else if (p[c] > second)
      second = p[c];
  return first - second;
}

static LsQueue *
build_queue (const Data *d,
             LsQueueKind kind,
             const LsQueueOptions *options)
{
  g_autoptr (LsQueue) q = g_new0 (LsQueue, 1);
  g_autoptr (GArray) list = g_array_new (FALSE, TRUE, sizeof (Candidate));
  const guint n = d->images->len;
  const int k = d->k;
  const float *probs = NULL;
  const gboolean *has = NULL;

  q->kind = kind;
  q->classes = g_strdupv (d->classes);
  q->n_classes = k;
  q->ranking = options->ranking;
  switch (kind)
    {
    case LS_QUEUE_UNLABELLED:
      q->ranking = LS_QUEUE_RANK_DEFAULT;
      if (d->model_id != NULL)
        q->source = LS_QUEUE_SOURCE_ACTIVE_MODEL;
      break;
    case LS_QUEUE_DISAGREE:
      q->ranking = LS_QUEUE_RANK_SELF_CONFIDENCE;
      if (d->model_id != NULL)
        q->source = LS_QUEUE_SOURCE_ACTIVE_MODEL;
      break;
    case LS_QUEUE_UNCERTAIN:
      if (q->ranking != LS_QUEUE_RANK_MARGIN)
        q->ranking = LS_QUEUE_RANK_ENTROPY;
      if (d->model_id != NULL)
        q->source = LS_QUEUE_SOURCE_ACTIVE_MODEL;
      break;
    case LS_QUEUE_LABEL_ERRORS:
      if (q->ranking != LS_QUEUE_RANK_NORMALIZED_MARGIN)
        q->ranking = LS_QUEUE_RANK_SELF_CONFIDENCE;
      if (d->crossval_id != NULL)
        q->source = LS_QUEUE_SOURCE_CROSSVAL;
      else if (d->model_id != NULL)
        q->source = LS_QUEUE_SOURCE_ACTIVE_MODEL;
      q->in_sample = q->source == LS_QUEUE_SOURCE_ACTIVE_MODEL;
      break;
    default:
      g_return_val_if_reached (NULL);
    }
  if (q->source == LS_QUEUE_SOURCE_CROSSVAL)
    {
      probs = d->oof;
      has = d->has_oof;
      q->source_id = g_strdup (d->crossval_id);
    }
  else if (q->source == LS_QUEUE_SOURCE_ACTIVE_MODEL)
    {
      probs = d->model;
      has = d->has_model;
      q->source_id = g_strdup (d->model_id);
    }

  if (kind == LS_QUEUE_LABEL_ERRORS)
    {
      g_autofree int *labels = g_new (int, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        labels[i] = has != NULL && has[i] ? d->label[i] : -1;
      q->thresholds = g_new (double, k);
      if (probs != NULL)
        ls_queue_class_thresholds (probs, labels, n, k, q->thresholds);
      else
        for (int c = 0; c < k; c++)
          q->thresholds[c] = NAN;
    }

  for (guint i = 0; i < n; i++)
    {
      const float *p = has != NULL && has[i] ? probs + (gsize) i * k : NULL;
      const int y = d->label[i];
      Candidate c = { i, 0, NAN, p != NULL ? argmax (p, k) : -1 };

      switch (kind)
        {
        case LS_QUEUE_UNLABELLED:
          if (y >= 0)
            continue;
          c.key = i;
          if (p != NULL)
            c.score = entropy (p, k);
          break;
        case LS_QUEUE_DISAGREE:
          if (y < 0)
            continue;
          if (p == NULL)
            {
              q->n_unranked++;
              continue;
            }
          if (c.suggested == y)
            continue;
          c.key = c.score = p[y];
          break;
        case LS_QUEUE_UNCERTAIN:
          if (options->unlabelled_only && y >= 0)
            continue;
          if (p == NULL)
            {
              q->n_unranked++;
              continue;
            }
          if (q->ranking == LS_QUEUE_RANK_MARGIN)
            c.key = c.score = top_margin (p, k);
          else
            {
              c.score = entropy (p, k);
              c.key = -c.score;
            }
          break;
        case LS_QUEUE_LABEL_ERRORS:
          {
            int best = -1;
            float other = 0;

            if (y < 0)
              continue;
            if (p == NULL)
              {
                q->n_unranked++;
                continue;
              }
            for (int j = 0; j < k; j++)
              if (j != y)
                {
                  other = MAX (other, p[j]);
                  if (isfinite (q->thresholds[j]) && p[j] >= q->thresholds[j] && (best < 0 || p[j] > p[best]))
                    best = j;
                }
            if (best < 0)
              continue;
            c.suggested = best;
            c.key = c.score = q->ranking == LS_QUEUE_RANK_NORMALIZED_MARGIN ? p[y] - other : p[y];
          }
          break;
        default:
          g_assert_not_reached ();
        }
      g_array_append_val (list, c);
    }
  g_array_sort (list, compare_candidates);

  q->n_total = list->len;
  q->n_entries = options->limit > 0 ? MIN (list->len, options->limit) : list->len;
  q->entries = g_new0 (LsQueueEntry, MAX (q->n_entries, 1));
  q->probabilities = g_new (float, (gsize) MAX (q->n_entries, 1) * k);
  for (guint r = 0; r < q->n_entries; r++)
    {
      const Candidate *c = &g_array_index (list, Candidate, r);
      const LsStoreImage *image = d->images->pdata[c->image];
      LsQueueEntry *e = &q->entries[r];
      float *row = q->probabilities + (gsize) r * k;

      g_strlcpy (e->sha256, image->sha256, sizeof e->sha256);
      e->image_id = image->id;
      e->label = d->label[c->image];
      e->predicted = has != NULL && has[c->image] ? argmax (probs + (gsize) c->image * k, k) : -1;
      e->suggested = c->suggested;
      e->score = c->score;
      for (int j = 0; j < k; j++)
        row[j] = e->predicted >= 0 ? probs[(gsize) c->image * k + j] : NAN;
    }
  return g_steal_pointer (&q);
}

LsQueue *
ls_workspace_queue (LsStore *store,
                    LsQueueKind kind,
                    const LsQueueOptions *options,
                    GError **error)
{
  LsQueueOptions defaults;
  Data d = { 0 };
  LsQueue *q = NULL;

  g_return_val_if_fail ((guint) kind < LS_QUEUE_N_KINDS, NULL);
  if (options == NULL)
    {
      ls_queue_options_init (&defaults);
      options = &defaults;
    }
  if (data_load (store, kind == LS_QUEUE_LABEL_ERRORS, &d, error))
    q = build_queue (&d, kind, options);
  data_clear (&d);
  return q;
}

gboolean
ls_workspace_queue_counts (LsStore *store,
                           LsQueueCounts *counts,
                           GError **error)
{
  LsQueueOptions options;
  Data d = { 0 };

  memset (counts, 0, sizeof *counts);
  ls_queue_options_init (&options);
  options.limit = 1;
  if (!data_load (store, TRUE, &d, error))
    {
      data_clear (&d);
      return FALSE;
    }
  for (guint kind = 0; kind < LS_QUEUE_N_KINDS; kind++)
    {
      g_autoptr (LsQueue) q = build_queue (&d, (LsQueueKind) kind, &options);

      counts->counts[kind] = q->n_total;
      if (kind == LS_QUEUE_LABEL_ERRORS)
        {
          counts->label_errors_in_sample = q->in_sample;
          counts->label_errors_source = q->source;
        }
    }
  data_clear (&d);
  return TRUE;
}

/* ---- reading the images a queue cannot judge ---- */

void
ls_predict_unread_free (LsPredictUnread *result)
{
  if (result == NULL)
    return;
  g_free (result->first_failure);
  g_strfreev (result->sha256);
  g_free (result);
}

LsPredictUnread *
ls_workspace_predict_unread (LsStore *store,
                             const LsModelChoice *choice,
                             GMutex *model_lock,
                             LsProgressFunc progress,
                             gpointer user_data,
                             GCancellable *cancellable,
                             GError **error)
{
  g_autoptr (LsPredictUnread) result = g_new0 (LsPredictUnread, 1);
  g_autoptr (GPtrArray) images = NULL, predictions = NULL, unread = NULL;
  g_autoptr (GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GStrvBuilder) done = g_strv_builder_new ();
  LsDiagnoseOptions options;

  g_return_val_if_fail (choice != NULL && choice->log_id != NULL, NULL);

  images = ls_store_list_images (store, error);
  if (images == NULL)
    return NULL;
  predictions = ls_store_latest_predictions (store, choice->log_id, NULL, error);
  if (predictions == NULL)
    return NULL;
  for (guint i = 0; i < predictions->len; i++)
    g_hash_table_add (read, ((LsStorePrediction *) predictions->pdata[i])->sha256);
  unread = g_ptr_array_new ();
  for (guint i = 0; i < images->len; i++)
    if (!g_hash_table_contains (read, ((LsStoreImage *) images->pdata[i])->sha256))
      g_ptr_array_add (unread, images->pdata[i]);
  result->n_unread = unread->len;

  ls_diagnose_options_init (&options);
  for (guint i = 0; i < unread->len; i++)
    {
      const LsStoreImage *image = unread->pdata[i];
      g_autofree char *path = NULL;
      g_autoptr (GError) local = NULL;
      LsDiagnosis *d;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      path = ls_store_image_file (store, image);
      if (model_lock != NULL)
        g_mutex_lock (model_lock);
      d = ls_pipeline_diagnose_file (choice, store, path, &options, cancellable, &local);
      if (model_lock != NULL)
        g_mutex_unlock (model_lock);
      if (d != NULL && d->log_error != NULL)
        {
          /* Nothing read is worth more than its log: a full disk or a
           * read-only workspace stops the run. */
          g_propagate_error (error, g_steal_pointer (&d->log_error));
          ls_diagnosis_free (d);
          return NULL;
        }
      if (d != NULL)
        {
          result->n_read++;
          g_strv_builder_add (done, image->sha256);
          ls_diagnosis_free (d);
        }
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          break;
        }
      else
        {
          result->n_failed++;
          if (result->first_failure == NULL)
            result->first_failure = g_strdup (local->message);
        }
      if (progress != NULL)
        {
          g_autofree char *message = g_strdup_printf ("image %u/%u: %s", i + 1, unread->len,
                                                      image->original_name != NULL ? image->original_name : image->sha256);

          progress ((double) (i + 1) / unread->len, message, user_data);
        }
    }
  result->sha256 = g_strv_builder_end (done);
  return g_steal_pointer (&result);
}
