/* metrics.h — classification metrics on plain arrays
 *
 * Everything evaluation reports about a classifier, computed from n samples
 * of k class probabilities (n × k, row-major) and the true labels: accuracy,
 * per-class precision/recall/F1, confusion matrix, one-vs-rest ROC AUC,
 * expected calibration error with its reliability diagram, negative
 * log-likelihood, Brier score and a per-source breakdown. The class count is
 * a parameter everywhere.
 *
 * Conventions (the same as scikit-learn where it has one):
 * - The predicted class is the arg-max of a row; ties go to the lowest index
 *   (numpy.argmax).
 * - Precision, recall and F1 follow sklearn's zero_division=0: a ratio whose
 *   denominator is 0 is 0. F1 = 2·TP / (2·TP + FP + FN), which equals
 *   2PR/(P+R) whenever that is defined. Macro averages are unweighted means
 *   over all k classes (sklearn with labels=range(k)).
 * - The confusion matrix has rows = true class, columns = predicted class.
 * - ROC AUC is one-vs-rest per class on the column p[:, c], exact, with tied
 *   scores given their average rank (sklearn.metrics.roc_auc_score, i.e. the
 *   Mann–Whitney U statistic: a tied positive/negative pair counts 1/2). It
 *   is NAN for a class with no positive or no negative sample; the macro AUC
 *   averages the defined classes (NAN if none is).
 * - ECE uses n_bins (default 15) equal-width bins on the max probability:
 *   bin b covers (b/n_bins, (b+1)/n_bins], edges computed as b · (1/n_bins)
 *   like numpy.linspace, with a confidence of exactly 0 in bin 0. ECE =
 *   Σ_b |acc_b − conf_b| · n_b / n.
 * - NLL is the mean of −ln p[i, y_i] with p clipped to [1e-15, 1] (sklearn's
 *   historical log_loss eps). Brier is the multi-class (original) score:
 *   mean over samples of Σ_c (p[i, c] − [y_i = c])², in [0, 2].
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define LS_METRICS_ERROR (ls_metrics_error_quark ())

typedef enum
{
  LS_METRICS_ERROR_INVALID, /* inputs that cannot be scored */
  LS_METRICS_ERROR_PARSE,   /* a metrics JSON text that is not one */
  LS_METRICS_ERROR_MISMATCH /* two metrics that cannot be compared */
} LsMetricsError;

#define LS_METRICS_DEFAULT_BINS 15
#define LS_METRICS_NLL_EPS 1e-15

/* One bin of the reliability diagram. Empty bins have count 0 and
 * confidence and accuracy 0. */
typedef struct
{
  double lower; /* (lower, upper] */
  double upper;
  int count;
  double confidence; /* mean max probability in the bin */
  double accuracy;   /* fraction of the bin predicted correctly */
} LsReliabilityBin;

/* Accuracy on the samples of one source (dataset, site, folder…). */
typedef struct
{
  char *source;
  int count;
  int correct;
  double accuracy;
} LsSourceMetrics;

typedef struct
{
  int n_samples;
  int n_classes;
  char **class_names; /* n_classes names, NULL-terminated; "0", "1", … if none were given */

  double accuracy;
  double *precision; /* [n_classes] */
  double *recall;    /* [n_classes] */
  double *f1;        /* [n_classes] */
  int *support;      /* [n_classes] true samples of each class */
  double macro_precision;
  double macro_recall;
  double macro_f1;
  int *confusion; /* [n_classes × n_classes], rows true, columns predicted */

  double *auc; /* [n_classes], NAN when undefined */
  double macro_auc;

  double ece;
  int n_bins;
  LsReliabilityBin *bins; /* [n_bins] */
  double nll;
  double brier;

  int n_sources;            /* 0 when no sources were given */
  LsSourceMetrics *sources; /* sorted by source name (strcmp) */
} LsMetrics;

/* b − a for two metrics with the same class count. */
typedef struct
{
  int n_classes;
  double accuracy;
  double macro_precision;
  double macro_recall;
  double macro_f1;
  double macro_auc;
  double ece;
  double nll;
  double brier;
  double *precision; /* [n_classes] */
  double *recall;
  double *f1;
  double *auc;
} LsMetricsDiff;

/* A sample whose predicted class differs between two prediction sets. */
typedef struct
{
  int index;
  int label; /* true class, or -1 when labels were not given */
  int pred_a;
  int pred_b;
} LsFlip;

GQuark ls_metrics_error_quark (void);

LsMetrics *ls_metrics_compute (int n_samples,
                               int n_classes,
                               const float *probs,
                               const int *labels,
                               const char *const *sources,
                               const char *const *class_names,
                               int n_bins,
                               GError **error);
LsMetrics *ls_metrics_copy (const LsMetrics *metrics);
void ls_metrics_free (LsMetrics *metrics);

int ls_metrics_argmax (const float *row,
                       int n_classes);
double ls_metrics_roc_auc (int n_samples,
                           const float *scores,
                           const gboolean *positive);

LsMetricsDiff *ls_metrics_diff (const LsMetrics *a,
                                const LsMetrics *b,
                                GError **error);
void ls_metrics_diff_free (LsMetricsDiff *diff);
char *ls_metrics_compare_table (const LsMetrics *a,
                                const LsMetrics *b,
                                const char *name_a,
                                const char *name_b,
                                GError **error);
LsFlip *ls_metrics_flips (int n_samples,
                          const int *pred_a,
                          const int *pred_b,
                          const int *labels,
                          int *n_flips);

char *ls_metrics_format (const LsMetrics *metrics);

JsonNode *ls_metrics_to_json_node (const LsMetrics *metrics);
char *ls_metrics_to_json (const LsMetrics *metrics);
LsMetrics *ls_metrics_from_json_node (JsonNode *node,
                                      GError **error);
LsMetrics *ls_metrics_from_json (const char *text,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMetrics, ls_metrics_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMetricsDiff, ls_metrics_diff_free)

G_END_DECLS
