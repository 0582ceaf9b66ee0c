/* metrics.c — classification metrics on plain arrays
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "metrics.h"
#include "metrics-private.h"

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

LsMetrics *
ls_metrics_alloc (int n_classes,
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
  m = ls_metrics_alloc (k, metrics->n_bins, metrics->n_sources);
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

  m = ls_metrics_alloc (k, n_bins, 0);
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
      int width = 30;

      for (int s = 0; s < m->n_sources; s++)
        width = MAX (width, (int) g_utf8_strlen (m->sources[s].source, -1));
      g_string_append_printf (out, "\n%-*s %7s  %8s\n", width, "source", "count", "accuracy");
      for (int s = 0; s < m->n_sources; s++)
        g_string_append_printf (out, "%-*s %7d  %8.4f\n", width, m->sources[s].source,
                                m->sources[s].count, m->sources[s].accuracy);
    }
  return g_string_free (out, FALSE);
}
