/* metrics.c — classification metrics on plain arrays
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How far a probability may stray outside [0, 1] and a row sum from 1
 * before the input is refused (float softmax rounding stays far inside). */
#define PROB_TOLERANCE 1e-5
#define ROW_SUM_TOLERANCE 1e-3

GQuark
ls_metrics_error_quark (void)
{
  return g_quark_from_static_string ("ls-metrics-error-quark");
}

static LsMetrics *
metrics_alloc (int n_classes,
               int n_bins,
               int n_sources)
{
  LsMetrics *m = g_new0 (LsMetrics, 1);

  m->n_classes = n_classes;
  m->class_names = g_new0 (char *, n_classes + 1);
  m->precision = g_new0 (double, n_classes);
  m->recall = g_new0 (double, n_classes);
  m->f1 = g_new0 (double, n_classes);
  m->support = g_new0 (int, n_classes);
  m->confusion = g_new0 (int, (gsize) n_classes *n_classes);
  m->auc = g_new0 (double, n_classes);
  m->n_bins = n_bins;
  m->bins = g_new0 (LsReliabilityBin, n_bins);
  m->n_sources = n_sources;
  m->sources = n_sources > 0 ? g_new0 (LsSourceMetrics, n_sources) : NULL;
  return m;
}

void
ls_metrics_free (LsMetrics *metrics)
{
  if (metrics == NULL)
    return;
  g_strfreev (metrics->class_names);
  g_free (metrics->precision);
  g_free (metrics->recall);
  g_free (metrics->f1);
  g_free (metrics->support);
  g_free (metrics->confusion);
  g_free (metrics->auc);
  g_free (metrics->bins);
  for (int s = 0; s < metrics->n_sources; s++)
    g_free (metrics->sources[s].source);
  g_free (metrics->sources);
  g_free (metrics);
}

LsMetrics *
ls_metrics_copy (const LsMetrics *metrics)
{
  LsMetrics *m;
  int k;

  g_return_val_if_fail (metrics != NULL, NULL);
  k = metrics->n_classes;
  m = metrics_alloc (k, metrics->n_bins, metrics->n_sources);
  m->n_samples = metrics->n_samples;
  for (int c = 0; c < k; c++)
    m->class_names[c] = g_strdup (metrics->class_names[c]);
  m->accuracy = metrics->accuracy;
  memcpy (m->precision, metrics->precision, k * sizeof (double));
  memcpy (m->recall, metrics->recall, k * sizeof (double));
  memcpy (m->f1, metrics->f1, k * sizeof (double));
  memcpy (m->support, metrics->support, k * sizeof (int));
  memcpy (m->confusion, metrics->confusion, (gsize) k * k * sizeof (int));
  memcpy (m->auc, metrics->auc, k * sizeof (double));
  m->macro_precision = metrics->macro_precision;
  m->macro_recall = metrics->macro_recall;
  m->macro_f1 = metrics->macro_f1;
  m->macro_auc = metrics->macro_auc;
  m->ece = metrics->ece;
  memcpy (m->bins, metrics->bins, metrics->n_bins * sizeof (LsReliabilityBin));
  m->nll = metrics->nll;
  m->brier = metrics->brier;
  for (int s = 0; s < metrics->n_sources; s++)
    {
      m->sources[s] = metrics->sources[s];
      m->sources[s].source = g_strdup (metrics->sources[s].source);
    }
  return m;
}

/**
 * ls_metrics_argmax:
 *
 * The index of the largest value of @row; the lowest index on ties, as
 * numpy.argmax. NaNs never win.
 */
int
ls_metrics_argmax (const float *row,
                   int n_classes)
{
  int best = 0;

  for (int c = 1; c < n_classes; c++)
    if (row[c] > row[best] || isnan (row[best]))
      best = c;
  return best;
}

typedef struct
{
  float score;
  gboolean positive;
} Scored;

static int
scored_compare (const void *pa,
                const void *pb)
{
  float a = ((const Scored *) pa)->score;
  float b = ((const Scored *) pb)->score;

  return (a > b) - (a < b);
}

/**
 * ls_metrics_roc_auc:
 * @n_samples: number of scores
 * @scores: (array length=n_samples): higher means more likely positive
 * @positive: (array length=n_samples): which samples are positive
 *
 * Exact area under the ROC curve by the rank-sum (Mann–Whitney) formula;
 * tied scores get their average rank, so a tied positive/negative pair
 * counts 1/2, as sklearn.metrics.roc_auc_score.
 *
 * Returns: the AUC in [0, 1], or NAN when there is no positive or no
 * negative sample or a score is not finite.
 */
double
ls_metrics_roc_auc (int n_samples,
                    const float *scores,
                    const gboolean *positive)
{
  g_autofree Scored *items = NULL;
  double rank_sum = 0;
  gint64 n_pos = 0, n_neg;

  g_return_val_if_fail (n_samples >= 0, NAN);
  if (n_samples == 0)
    return NAN;
  items = g_new (Scored, n_samples);
  for (int i = 0; i < n_samples; i++)
    {
      if (!isfinite (scores[i]))
        return NAN;
      items[i].score = scores[i];
      items[i].positive = positive[i];
    }
  qsort (items, n_samples, sizeof (Scored), scored_compare);

  for (int i = 0; i < n_samples;)
    {
      int j = i;
      double avg_rank;

      while (j < n_samples && items[j].score == items[i].score)
        j++;
      /* ranks i+1 … j share their mean */
      avg_rank = ((double) (i + 1) + (double) j) / 2.0;
      for (int t = i; t < j; t++)
        if (items[t].positive)
          {
            rank_sum += avg_rank;
            n_pos++;
          }
      i = j;
    }
  n_neg = n_samples - n_pos;
  if (n_pos == 0 || n_neg == 0)
    return NAN;
  return (rank_sum - (double) n_pos * (double) (n_pos + 1) / 2.0) / ((double) n_pos * (double) n_neg);
}

/* Bin b covers (b·w, (b+1)·w] with w = 1/n_bins; 0 goes to bin 0 and
 * anything above 1 to the last bin. */
static int
ece_bin_index (double confidence,
               int n_bins)
{
  double w = 1.0 / n_bins;
  int b;

  if (!(confidence > 0))
    return 0;
  if (confidence >= 1)
    return n_bins - 1;
  b = (int) floor (confidence * n_bins);
  if (b > n_bins - 1)
    b = n_bins - 1;
  while (b > 0 && confidence <= b * w)
    b--;
  while (b < n_bins - 1 && confidence > (b + 1) * w)
    b++;
  return b;
}

static double
safe_ratio (double num,
            double den)
{
  return den > 0 ? num / den : 0.0;
}

static gboolean
check_inputs (int n,
              int k,
              const float *probs,
              const int *labels,
              GError **error)
{
  if (n < 1)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID,
                   "metrics need at least one sample, got %d", n);
      return FALSE;
    }
  if (k < 2)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID,
                   "metrics need at least two classes, got %d", k);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      const float *row = probs + (gsize) i * k;
      double sum = 0;

      if (labels[i] < 0 || labels[i] >= k)
        {
          g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID,
                       "sample %d: label %d is not a class index in [0, %d)", i, labels[i], k);
          return FALSE;
        }
      for (int c = 0; c < k; c++)
        {
          if (!isfinite (row[c]) || row[c] < -PROB_TOLERANCE || row[c] > 1 + PROB_TOLERANCE)
            {
              g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID,
                           "sample %d: probability of class %d is %g, not in [0, 1]", i, c,
                           (double) row[c]);
              return FALSE;
            }
          sum += row[c];
        }
      if (fabs (sum - 1.0) > ROW_SUM_TOLERANCE)
        {
          g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID,
                       "sample %d: probabilities sum to %g, not 1", i, sum);
          return FALSE;
        }
    }
  return TRUE;
}

typedef struct
{
  const char *name;
  int count;
  int correct;
} SourceAcc;

static int
source_acc_compare (const void *pa,
                    const void *pb)
{
  return strcmp (((const SourceAcc *) pa)->name, ((const SourceAcc *) pb)->name);
}

/* Fills m->sources from the per-sample sources; NULL entries count as "". */
static void
compute_sources (LsMetrics *m,
                 int n,
                 const char *const *sources,
                 const int *pred,
                 const int *labels)
{
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) acc = g_array_new (FALSE, TRUE, sizeof (SourceAcc));

  for (int i = 0; i < n; i++)
    {
      const char *name = sources[i] != NULL ? sources[i] : "";
      gpointer slot;
      SourceAcc *a;

      if (!g_hash_table_lookup_extended (index, name, NULL, &slot))
        {
          SourceAcc fresh = { name, 0, 0 };

          slot = GINT_TO_POINTER (acc->len);
          g_array_append_val (acc, fresh);
          g_hash_table_insert (index, (gpointer) name, slot);
        }
      a = &g_array_index (acc, SourceAcc, GPOINTER_TO_INT (slot));
      a->count++;
      a->correct += pred[i] == labels[i];
    }
  qsort (acc->data, acc->len, sizeof (SourceAcc), source_acc_compare);

  m->n_sources = acc->len;
  m->sources = g_new0 (LsSourceMetrics, acc->len);
  for (guint s = 0; s < acc->len; s++)
    {
      const SourceAcc *a = &g_array_index (acc, SourceAcc, s);

      m->sources[s].source = g_strdup (a->name);
      m->sources[s].count = a->count;
      m->sources[s].correct = a->correct;
      m->sources[s].accuracy = (double) a->correct / a->count;
    }
}

/**
 * ls_metrics_compute:
 * @n_samples: n ≥ 1
 * @n_classes: k ≥ 2
 * @probs: (array length=n_samples×n_classes): row-major probabilities; each
 *   row in [0, 1] summing to 1 (within 1e-3)
 * @labels: (array length=n_samples): true classes in [0, k)
 * @sources: (array length=n_samples) (nullable): the source of each sample
 *   for the per-source breakdown (NULL entries count as ""), or NULL
 * @class_names: (array length=n_classes) (nullable): class names, or NULL
 *   for "0", "1", …
 * @n_bins: ECE bins, or ≤ 0 for %LS_METRICS_DEFAULT_BINS
 * @error: set when the inputs cannot be scored
 *
 * Computes all metrics (see metrics.h for the conventions).
 *
 * Returns: (transfer full): the metrics, or NULL with @error set.
 */
LsMetrics *
ls_metrics_compute (int n_samples,
                    int n_classes,
                    const float *probs,
                    const int *labels,
                    const char *const *sources,
                    const char *const *class_names,
                    int n_bins,
                    GError **error)
{
  g_autoptr (LsMetrics) m = NULL;
  g_autofree int *pred = NULL;
  g_autofree float *column = NULL;
  g_autofree gboolean *positive = NULL;
  g_autofree double *bin_conf = NULL;
  g_autofree int *bin_correct = NULL;
  const int n = n_samples, k = n_classes;
  int correct = 0, n_auc = 0;
  double nll = 0, brier = 0, ece = 0, auc_sum = 0;

  g_return_val_if_fail (probs != NULL || n_samples <= 0, NULL);
  g_return_val_if_fail (labels != NULL || n_samples <= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_bins <= 0)
    n_bins = LS_METRICS_DEFAULT_BINS;
  if (!check_inputs (n, k, probs, labels, error))
    return NULL;

  m = metrics_alloc (k, n_bins, 0);
  m->n_samples = n;
  for (int c = 0; c < k; c++)
    m->class_names[c] = class_names != NULL && class_names[c] != NULL
                            ? g_strdup (class_names[c])
                            : g_strdup_printf ("%d", c);

  pred = g_new (int, n);
  bin_conf = g_new0 (double, n_bins);
  bin_correct = g_new0 (int, n_bins);
  for (int i = 0; i < n; i++)
    {
      const float *row = probs + (gsize) i * k;
      int y = labels[i];
      double p_true, conf;
      int b;

      pred[i] = ls_metrics_argmax (row, k);
      m->confusion[(gsize) y * k + pred[i]]++;
      correct += pred[i] == y;

      p_true = CLAMP ((double) row[y], LS_METRICS_NLL_EPS, 1.0);
      nll -= log (p_true);
      for (int c = 0; c < k; c++)
        {
          double d = (double) row[c] - (c == y ? 1.0 : 0.0);
          brier += d * d;
        }

      conf = row[pred[i]];
      b = ece_bin_index (conf, n_bins);
      m->bins[b].count++;
      bin_conf[b] += conf;
      bin_correct[b] += pred[i] == y;
    }
  m->accuracy = (double) correct / n;
  m->nll = nll / n;
  m->brier = brier / n;

  for (int b = 0; b < n_bins; b++)
    {
      LsReliabilityBin *bin = &m->bins[b];

      bin->lower = b * (1.0 / n_bins);
      bin->upper = b == n_bins - 1 ? 1.0 : (b + 1) * (1.0 / n_bins);
      if (bin->count > 0)
        {
          bin->confidence = bin_conf[b] / bin->count;
          bin->accuracy = (double) bin_correct[b] / bin->count;
          ece += fabs (bin->accuracy - bin->confidence) * bin->count / n;
        }
    }
  m->ece = ece;

  m->macro_precision = m->macro_recall = m->macro_f1 = 0;
  for (int c = 0; c < k; c++)
    {
      int tp = m->confusion[(gsize) c * k + c], fp = 0, fn = 0;

      for (int o = 0; o < k; o++)
        if (o != c)
          {
            fp += m->confusion[(gsize) o * k + c];
            fn += m->confusion[(gsize) c * k + o];
          }
      m->support[c] = tp + fn;
      m->precision[c] = safe_ratio (tp, tp + fp);
      m->recall[c] = safe_ratio (tp, tp + fn);
      m->f1[c] = safe_ratio (2.0 * tp, 2.0 * tp + fp + fn);
      m->macro_precision += m->precision[c] / k;
      m->macro_recall += m->recall[c] / k;
      m->macro_f1 += m->f1[c] / k;
    }

  column = g_new (float, n);
  positive = g_new (gboolean, n);
  for (int c = 0; c < k; c++)
    {
      for (int i = 0; i < n; i++)
        {
          column[i] = probs[(gsize) i * k + c];
          positive[i] = labels[i] == c;
        }
      m->auc[c] = ls_metrics_roc_auc (n, column, positive);
      if (!isnan (m->auc[c]))
        {
          auc_sum += m->auc[c];
          n_auc++;
        }
    }
  m->macro_auc = n_auc > 0 ? auc_sum / n_auc : NAN;

  if (sources != NULL)
    compute_sources (m, n, sources, pred, labels);

  return g_steal_pointer (&m);
}

/* ---- comparing two models ------------------------------------------------ */

void
ls_metrics_diff_free (LsMetricsDiff *diff)
{
  if (diff == NULL)
    return;
  g_free (diff->precision);
  g_free (diff->recall);
  g_free (diff->f1);
  g_free (diff->auc);
  g_free (diff);
}

static gboolean
check_comparable (const LsMetrics *a,
                  const LsMetrics *b,
                  GError **error)
{
  if (a->n_classes != b->n_classes)
    {
      g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_MISMATCH,
                   "cannot compare metrics over %d classes with metrics over %d", a->n_classes,
                   b->n_classes);
      return FALSE;
    }
  for (int c = 0; c < a->n_classes; c++)
    if (g_strcmp0 (a->class_names[c], b->class_names[c]) != 0)
      {
        g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_MISMATCH,
                     "cannot compare metrics: class %d is “%s” in one and “%s” in the other", c,
                     a->class_names[c], b->class_names[c]);
        return FALSE;
      }
  return TRUE;
}

/**
 * ls_metrics_diff:
 *
 * Returns: (transfer full): b − a for every scalar and per-class figure (NAN
 * where either is undefined), or NULL with @error set when the two do not
 * have the same classes in the same order.
 */
LsMetricsDiff *
ls_metrics_diff (const LsMetrics *a,
                 const LsMetrics *b,
                 GError **error)
{
  LsMetricsDiff *d;
  int k;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  if (!check_comparable (a, b, error))
    return NULL;
  k = a->n_classes;
  d = g_new0 (LsMetricsDiff, 1);
  d->n_classes = k;
  d->accuracy = b->accuracy - a->accuracy;
  d->macro_precision = b->macro_precision - a->macro_precision;
  d->macro_recall = b->macro_recall - a->macro_recall;
  d->macro_f1 = b->macro_f1 - a->macro_f1;
  d->macro_auc = b->macro_auc - a->macro_auc;
  d->ece = b->ece - a->ece;
  d->nll = b->nll - a->nll;
  d->brier = b->brier - a->brier;
  d->precision = g_new (double, k);
  d->recall = g_new (double, k);
  d->f1 = g_new (double, k);
  d->auc = g_new (double, k);
  for (int c = 0; c < k; c++)
    {
      d->precision[c] = b->precision[c] - a->precision[c];
      d->recall[c] = b->recall[c] - a->recall[c];
      d->f1[c] = b->f1[c] - a->f1[c];
      d->auc[c] = b->auc[c] - a->auc[c];
    }
  return d;
}

static void
table_row (GString *out,
           const char *label,
           double va,
           double vb,
           double delta)
{
  char sa[32], sb[32], sd[32];

  if (isnan (va))
    g_strlcpy (sa, "n/a", sizeof sa);
  else
    g_snprintf (sa, sizeof sa, "%.4f", va);
  if (isnan (vb))
    g_strlcpy (sb, "n/a", sizeof sb);
  else
    g_snprintf (sb, sizeof sb, "%.4f", vb);
  if (isnan (delta))
    g_strlcpy (sd, "n/a", sizeof sd);
  else
    g_snprintf (sd, sizeof sd, "%+.4f", delta);
  g_string_append_printf (out, "%-28s %12s %12s %10s\n", label, sa, sb, sd);
}

/**
 * ls_metrics_compare_table:
 * @name_a: (nullable): column title for @a ("A" if NULL)
 * @name_b: (nullable): column title for @b ("B" if NULL)
 *
 * A plain-text table of both models' figures side by side with b − a.
 *
 * Returns: (transfer full): the table, or NULL with @error set when the
 * metrics cannot be compared.
 */
char *
ls_metrics_compare_table (const LsMetrics *a,
                          const LsMetrics *b,
                          const char *name_a,
                          const char *name_b,
                          GError **error)
{
  g_autoptr (LsMetricsDiff) d = NULL;
  GString *out;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  d = ls_metrics_diff (a, b, error);
  if (d == NULL)
    return NULL;

  out = g_string_new (NULL);
  g_string_append_printf (out, "%-28s %12.12s %12.12s %10s\n", "metric", name_a ? name_a : "A",
                          name_b ? name_b : "B", "delta");
  g_string_append_printf (out, "%-28s %12d %12d %10s\n", "samples", a->n_samples, b->n_samples, "");
  table_row (out, "accuracy", a->accuracy, b->accuracy, d->accuracy);
  table_row (out, "macro precision", a->macro_precision, b->macro_precision, d->macro_precision);
  table_row (out, "macro recall", a->macro_recall, b->macro_recall, d->macro_recall);
  table_row (out, "macro F1", a->macro_f1, b->macro_f1, d->macro_f1);
  table_row (out, "macro AUC", a->macro_auc, b->macro_auc, d->macro_auc);
  table_row (out, "ECE", a->ece, b->ece, d->ece);
  table_row (out, "NLL", a->nll, b->nll, d->nll);
  table_row (out, "Brier", a->brier, b->brier, d->brier);
  for (int c = 0; c < a->n_classes; c++)
    {
      g_autofree char *lp = g_strdup_printf ("%s precision", a->class_names[c]);
      g_autofree char *lr = g_strdup_printf ("%s recall", a->class_names[c]);
      g_autofree char *lf = g_strdup_printf ("%s F1", a->class_names[c]);
      g_autofree char *la = g_strdup_printf ("%s AUC", a->class_names[c]);

      table_row (out, lp, a->precision[c], b->precision[c], d->precision[c]);
      table_row (out, lr, a->recall[c], b->recall[c], d->recall[c]);
      table_row (out, lf, a->f1[c], b->f1[c], d->f1[c]);
      table_row (out, la, a->auc[c], b->auc[c], d->auc[c]);
    }
  return g_string_free (out, FALSE);
}

/**
 * ls_metrics_flips:
 * @pred_a: (array length=n_samples): first prediction set (class indices)
 * @pred_b: (array length=n_samples): second prediction set
 * @labels: (array length=n_samples) (nullable): true classes, copied into
 *   the result when given
 * @n_flips: (out): number of entries returned
 *
 * Lists the samples, in index order, whose predicted class differs between
 * @pred_a and @pred_b.
 *
 * Returns: (transfer full) (array length=n_flips) (nullable): the flips, or
 * NULL when there are none.
 */
LsFlip *
ls_metrics_flips (int n_samples,
                  const int *pred_a,
                  const int *pred_b,
                  const int *labels,
                  int *n_flips)
{
  g_autoptr (GArray) flips = g_array_new (FALSE, FALSE, sizeof (LsFlip));

  g_return_val_if_fail (n_flips != NULL, NULL);
  *n_flips = 0;
  g_return_val_if_fail (n_samples >= 0, NULL);
  for (int i = 0; i < n_samples; i++)
    if (pred_a[i] != pred_b[i])
      {
        LsFlip f = { i, labels != NULL ? labels[i] : -1, pred_a[i], pred_b[i] };
        g_array_append_val (flips, f);
      }
  *n_flips = flips->len;
  if (flips->len == 0)
    return NULL;
  return (LsFlip *) g_array_free (g_steal_pointer (&flips), FALSE);
}

/**
 * ls_metrics_format:
 *
 * Returns: (transfer full): a human-readable report: headline figures,
 * per-class table, confusion matrix and per-source accuracy.
 */
char *
ls_metrics_format (const LsMetrics *m)
{
  GString *out;
  int k;

  g_return_val_if_fail (m != NULL, NULL);
  k = m->n_classes;
  out = g_string_new (NULL);
  g_string_append_printf (out, "samples   %d\naccuracy  %.4f\nmacro F1  %.4f\nmacro AUC %.4f\n"
                               "ECE       %.4f (%d bins)\nNLL       %.4f\nBrier     %.4f\n\n",
                          m->n_samples, m->accuracy, m->macro_f1, m->macro_auc, m->ece, m->n_bins,
                          m->nll, m->brier);
  g_string_append_printf (out, "%-16s %9s %9s %9s %9s %8s\n", "class", "precision", "recall", "F1",
                          "AUC", "support");
  for (int c = 0; c < k; c++)
    g_string_append_printf (out, "%-16s %9.4f %9.4f %9.4f %9.4f %8d\n", m->class_names[c],
                            m->precision[c], m->recall[c], m->f1[c], m->auc[c], m->support[c]);
  g_string_append (out, "\nconfusion (rows true, columns predicted)\n");
  g_string_append_printf (out, "%-16s", "");
  for (int c = 0; c < k; c++)
    g_string_append_printf (out, " %10.10s", m->class_names[c]);
  g_string_append_c (out, '\n');
  for (int r = 0; r < k; r++)
    {
      g_string_append_printf (out, "%-16.16s", m->class_names[r]);
      for (int c = 0; c < k; c++)
        g_string_append_printf (out, " %10d", m->confusion[(gsize) r * k + c]);
      g_string_append_c (out, '\n');
    }
  if (m->n_sources > 0)
    {
      g_string_append (out, "\nsource                           count  accuracy\n");
      for (int s = 0; s < m->n_sources; s++)
        g_string_append_printf (out, "%-30s %7d  %8.4f\n", m->sources[s].source,
                                m->sources[s].count, m->sources[s].accuracy);
    }
  return g_string_free (out, FALSE);
}

/* ---- JSON ------------------------------------------------------------------ */

static void
add_number (JsonBuilder *b,
            const char *key,
            double value)
{
  json_builder_set_member_name (b, key);
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char *key,
         gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

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
  add_int (b, "n_samples", m->n_samples);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < k; c++)
    json_builder_add_string_value (b, m->class_names[c]);
  json_builder_end_array (b);
  add_number (b, "accuracy", m->accuracy);

  json_builder_set_member_name (b, "per_class");
  json_builder_begin_array (b);
  for (int c = 0; c < k; c++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, m->class_names[c]);
      add_number (b, "precision", m->precision[c]);
      add_number (b, "recall", m->recall[c]);
      add_number (b, "f1", m->f1[c]);
      add_number (b, "auc", m->auc[c]);
      add_int (b, "support", m->support[c]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "macro");
  json_builder_begin_object (b);
  add_number (b, "precision", m->macro_precision);
  add_number (b, "recall", m->macro_recall);
  add_number (b, "f1", m->macro_f1);
  add_number (b, "auc", m->macro_auc);
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

  add_number (b, "ece", m->ece);
  add_int (b, "ece_bins", m->n_bins);
  json_builder_set_member_name (b, "reliability");
  json_builder_begin_array (b);
  for (int i = 0; i < m->n_bins; i++)
    {
      json_builder_begin_object (b);
      add_number (b, "lower", m->bins[i].lower);
      add_number (b, "upper", m->bins[i].upper);
      add_int (b, "count", m->bins[i].count);
      add_number (b, "confidence", m->bins[i].confidence);
      add_number (b, "accuracy", m->bins[i].accuracy);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_number (b, "nll", m->nll);
  add_number (b, "brier", m->brier);

  if (m->n_sources > 0)
    {
      json_builder_set_member_name (b, "sources");
      json_builder_begin_array (b);
      for (int s = 0; s < m->n_sources; s++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "source");
          json_builder_add_string_value (b, m->sources[s].source);
          add_int (b, "count", m->sources[s].count);
          add_int (b, "correct", m->sources[s].correct);
          add_number (b, "accuracy", m->sources[s].accuracy);
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
  return json_to_string (node, FALSE);
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

  m = metrics_alloc (k, n_bins, 0);
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

  if ((per_class = get_array (root, "", "per_class", k, error)) == NULL)
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

  if ((confusion = get_array (root, "", "confusion_matrix", k, error)) == NULL)
    return NULL;
  for (int r = 0; r < k; r++)
    {
      JsonNode *row_node = json_array_get_element (confusion, r);
      JsonArray *row;

      if (JSON_NODE_TYPE (row_node) != JSON_NODE_ARRAY ||
          json_array_get_length (row = json_node_get_array (row_node)) != (guint) k)
        {
          g_set_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE,
                       "metrics JSON: “confusion_matrix” row %d is not an array of %d counts", r, k);
          return NULL;
        }
      for (int c = 0; c < k; c++)
        {
          g_autofree char *what = g_strdup_printf ("“confusion_matrix”[%d][%d]", r, c);

          if (!int_from_node (json_array_get_element (row, c), what, 0, G_MAXINT,
                              &m->confusion[(gsize) r * k + c], error))
            return NULL;
        }
    }

  if ((reliability = get_array (root, "", "reliability", n_bins, error)) == NULL)
    return NULL;
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
