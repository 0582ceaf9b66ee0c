/* test-metrics.c — classification metrics against hand-computed values
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ls-test.h"
#include "pipeline/json-text.h"
#include "pipeline/metrics.h"

#define EPS 1e-6

/* Eight samples, three classes, worked out by hand below. */
static const float hand_probs[8 * 3] = {
  0.70f, 0.20f, 0.10f, /* s0 y0 → 0 ✓ conf .70 */
  0.50f, 0.30f, 0.20f, /* s1 y0 → 0 ✓ conf .50 */
  0.20f, 0.62f, 0.18f, /* s2 y0 → 1 ✗ conf .62 */
  0.10f, 0.82f, 0.08f, /* s3 y1 → 1 ✓ conf .82 */
  0.45f, 0.35f, 0.20f, /* s4 y1 → 0 ✗ conf .45 */
  0.20f, 0.18f, 0.62f, /* s5 y1 → 2 ✗ conf .62 */
  0.10f, 0.05f, 0.85f, /* s6 y2 → 2 ✓ conf .85 */
  0.62f, 0.20f, 0.18f, /* s7 y2 → 0 ✗ conf .62 */
};
static const int hand_labels[8] = { 0, 0, 0, 1, 1, 1, 2, 2 };
static const char *const hand_classes[] = { "normal", "pneumonia", "covid" };

static LsMetrics *
hand_metrics (const char *const *sources)
{
  g_autoptr (GError) error = NULL;
  LsMetrics *m = ls_metrics_compute (8, 3, hand_probs, hand_labels, sources, hand_classes, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static void
test_hand_confusion (void)
{
  g_autoptr (LsMetrics) m = hand_metrics (NULL);
  /* rows true, columns predicted */
  const int confusion[9] = {
    2, 1, 0,
    1, 1, 1,
    1, 0, 1
  };

  g_assert_cmpint (m->n_samples, ==, 8);
  g_assert_cmpint (m->n_classes, ==, 3);
  g_assert_cmpstr (m->class_names[2], ==, "covid");
  g_assert_null (m->class_names[3]);
  for (int i = 0; i < 9; i++)
    g_assert_cmpint (m->confusion[i], ==, confusion[i]);
  g_assert_cmpfloat_with_epsilon (m->accuracy, 4.0 / 8, EPS);

  /* normal: TP 2, FP 2 (s4, s7), FN 1 (s2) */
  g_assert_cmpfloat_with_epsilon (m->precision[0], 2.0 / 4, EPS);
  g_assert_cmpfloat_with_epsilon (m->recall[0], 2.0 / 3, EPS);
  g_assert_cmpfloat_with_epsilon (m->f1[0], 4.0 / 7, EPS);
  /* pneumonia: TP 1, FP 1 (s2), FN 2 (s4, s5) */
  g_assert_cmpfloat_with_epsilon (m->precision[1], 1.0 / 2, EPS);
  g_assert_cmpfloat_with_epsilon (m->recall[1], 1.0 / 3, EPS);
  g_assert_cmpfloat_with_epsilon (m->f1[1], 2.0 / 5, EPS);
  /* covid: TP 1, FP 1 (s5), FN 1 (s7) */
  g_assert_cmpfloat_with_epsilon (m->precision[2], 1.0 / 2, EPS);
  g_assert_cmpfloat_with_epsilon (m->recall[2], 1.0 / 2, EPS);
  g_assert_cmpfloat_with_epsilon (m->f1[2], 1.0 / 2, EPS);
  g_assert_cmpint (m->support[0], ==, 3);
  g_assert_cmpint (m->support[1], ==, 3);
  g_assert_cmpint (m->support[2], ==, 2);

  g_assert_cmpfloat_with_epsilon (m->macro_precision, 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_recall, (2.0 / 3 + 1.0 / 3 + 1.0 / 2) / 3, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_f1, (4.0 / 7 + 2.0 / 5 + 1.0 / 2) / 3, EPS);
}

/* AUC by counting positive/negative pairs (a tie counts 1/2):
 * normal   pos {.70 .50 .20} neg {.10 .45 .20 .10 .62}: 5 + 4 + 2.5 = 11.5 / 15
 * pneumonia pos {.82 .35 .18} neg {.20 .30 .62 .05 .20}: 5 + 4 + 1 = 10 / 15
 * covid    pos {.85 .18} neg {.10 .20 .18 .08 .20 .62}: 6 + 2.5 = 8.5 / 12 */
static void
test_hand_auc (void)
{
  g_autoptr (LsMetrics) m = hand_metrics (NULL);

  g_assert_cmpfloat_with_epsilon (m->auc[0], 11.5 / 15, EPS);
  g_assert_cmpfloat_with_epsilon (m->auc[1], 10.0 / 15, EPS);
  g_assert_cmpfloat_with_epsilon (m->auc[2], 8.5 / 12, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_auc, (11.5 / 15 + 10.0 / 15 + 8.5 / 12) / 3, EPS);
}

static void
test_auc_ties (void)
{
  const float all_tied[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
  const float pairs_tied[4] = { 0.2f, 0.2f, 0.8f, 0.8f };
  const float sklearn_doc[4] = { 0.1f, 0.4f, 0.35f, 0.8f };
  const float mixed[6] = { 0.3f, 0.3f, 0.3f, 0.9f, 0.1f, 0.3f };
  const gboolean alternate[4] = { FALSE, TRUE, FALSE, TRUE };
  const gboolean last_two[4] = { FALSE, FALSE, TRUE, TRUE };
  const gboolean mixed_pos[6] = { TRUE, FALSE, TRUE, TRUE, FALSE, FALSE };
  const gboolean none[4] = { FALSE, FALSE, FALSE, FALSE };
  const float with_nan[4] = { 0.1f, NAN, 0.3f, 0.4f };

  g_assert_cmpfloat_with_epsilon (ls_metrics_roc_auc (4, all_tied, alternate), 0.5, 1e-12);
  /* pos .2 vs neg .2 → ½, vs .8 → 0; pos .8 vs .2 → 1, vs .8 → ½ */
  g_assert_cmpfloat_with_epsilon (ls_metrics_roc_auc (4, pairs_tied, alternate), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_metrics_roc_auc (4, pairs_tied, last_two), 1.0, 1e-12);
  /* the example in sklearn's roc_auc_score documentation */
  g_assert_cmpfloat_with_epsilon (ls_metrics_roc_auc (4, sklearn_doc, last_two), 0.75, 1e-12);
  /* pos {.3 .3 .9} neg {.3 .1 .3}: .3 → ½+1+½ twice, .9 → 3: 7 / 9 */
  g_assert_cmpfloat_with_epsilon (ls_metrics_roc_auc (6, mixed, mixed_pos), 7.0 / 9, 1e-12);
  g_assert_true (isnan (ls_metrics_roc_auc (4, all_tied, none)));
  g_assert_true (isnan (ls_metrics_roc_auc (4, with_nan, alternate)));
}

/* Confidences .45 | .50 | .62 .62 .62 | .70 | .82 .85 fall in bins 6, 7, 9,
 * 10 and 12 of 15, with accuracies 0, 1, 0, 1, 1:
 * ECE = (.45 + .50 + 3 × .62 + .30 + 2 × .165) / 8 = 0.43. */
static void
test_hand_ece (void)
{
  g_autoptr (LsMetrics) m = hand_metrics (NULL);
  const int counts[15] = { 0, 0, 0, 0, 0, 0, 1, 1, 0, 3, 1, 0, 2, 0, 0 };
  int total = 0;

  g_assert_cmpint (m->n_bins, ==, 15);
  for (int b = 0; b < 15; b++)
    {
      g_assert_cmpint (m->bins[b].count, ==, counts[b]);
      g_assert_cmpfloat_with_epsilon (m->bins[b].lower, b / 15.0, 1e-12);
      g_assert_cmpfloat_with_epsilon (m->bins[b].upper, (b + 1) / 15.0, 1e-12);
      total += m->bins[b].count;
    }
  g_assert_cmpint (total, ==, 8);
  g_assert_cmpfloat_with_epsilon (m->bins[9].confidence, 0.62, EPS);
  g_assert_cmpfloat_with_epsilon (m->bins[9].accuracy, 0.0, EPS);
  g_assert_cmpfloat_with_epsilon (m->bins[12].confidence, 0.835, EPS);
  g_assert_cmpfloat_with_epsilon (m->bins[12].accuracy, 1.0, EPS);
  g_assert_cmpfloat_with_epsilon (m->ece, 0.43, EPS);
}

/* Bins are (lower, upper]: a confidence on an edge belongs to the bin below. */
static void
test_ece_edges (void)
{
  const float probs[4 * 2] = {
    0.50f, 0.50f, /* conf .5 → bin 1 of 4 (.25, .5] */
    0.75f, 0.25f, /* → bin 2 (.5, .75] */
    1.00f, 0.00f, /* → bin 3 (.75, 1] */
    0.25f, 0.75f, /* → bin 2 */
  };
  const int labels[4] = { 1, 0, 0, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMetrics) m = ls_metrics_compute (4, 2, probs, labels, NULL, NULL, 4, &error);

  g_assert_no_error (error);
  g_assert_cmpint (m->bins[0].count, ==, 0);
  g_assert_cmpint (m->bins[1].count, ==, 1);
  g_assert_cmpint (m->bins[2].count, ==, 2);
  g_assert_cmpint (m->bins[3].count, ==, 1);
  /* bin 1: conf .5, wrong (argmax tie → class 0); bin 2: .75, ½ right; bin 3: 1, right */
  g_assert_cmpfloat_with_epsilon (m->bins[1].accuracy, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->bins[2].accuracy, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->ece, (0.5 + 2 * 0.25 + 0) / 4, 1e-12);
  g_assert_cmpstr (m->class_names[0], ==, "0");
  g_assert_cmpstr (m->class_names[1], ==, "1");
}

static void
test_hand_nll_brier (void)
{
  g_autoptr (LsMetrics) m = hand_metrics (NULL);
  double p_true[8] = { 0.70, 0.50, 0.20, 0.82, 0.35, 0.18, 0.85, 0.18 };
  double nll = 0, brier;

  for (int i = 0; i < 8; i++)
    nll -= log (p_true[i]) / 8;
  /* Σ_c (p_c − y_c)² per sample, written out */
  brier = (0.09 + 0.04 + 0.01) + (0.25 + 0.09 + 0.04) + (0.64 + 0.3844 + 0.0324) +
          (0.01 + 0.0324 + 0.0064) + (0.2025 + 0.4225 + 0.04) + (0.04 + 0.6724 + 0.3844) +
          (0.01 + 0.0025 + 0.0225) + (0.3844 + 0.04 + 0.6724);
  brier /= 8;
  g_assert_cmpfloat_with_epsilon (m->nll, nll, EPS);
  g_assert_cmpfloat_with_epsilon (m->brier, brier, EPS);
}

/* sklearn's zero_division=0: a class never true and never predicted has
 * P = R = F1 = 0 and no AUC; it still counts in the macro averages. */
static void
test_zero_division (void)
{
  const float probs[4 * 3] = {
    0.9f,
    0.1f,
    0.0f,
    0.2f,
    0.8f,
    0.0f,
    0.6f,
    0.4f,
    0.0f,
    0.3f,
    0.7f,
    0.0f,
  };
  const int labels[4] = { 0, 1, 1, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMetrics) m = ls_metrics_compute (4, 3, probs, labels, NULL, NULL, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpfloat (m->precision[2], ==, 0.0);
  g_assert_cmpfloat (m->recall[2], ==, 0.0);
  g_assert_cmpfloat (m->f1[2], ==, 0.0);
  g_assert_true (isnan (m->auc[2]));
  /* classes 0 and 1: TP 1, FP 1, FN 1 each */
  g_assert_cmpfloat_with_epsilon (m->precision[0], 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_precision, (0.5 + 0.5 + 0) / 3, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_f1, (0.5 + 0.5 + 0) / 3, EPS);
  /* class 0 pos {.9 .3} neg {.2 .6}: 2 + 1 = 3 / 4; class 1 the same */
  g_assert_cmpfloat_with_epsilon (m->auc[0], 0.75, EPS);
  g_assert_cmpfloat_with_epsilon (m->macro_auc, 0.75, EPS);
}

static void
test_sources (void)
{
  const char *const sources[8] = { "siteB", "siteA", "siteB", NULL, "siteA", "siteA", "siteB", NULL };
  g_autoptr (LsMetrics) m = hand_metrics (sources);

  /* sorted: "", siteA, siteB; correct samples are s0, s1, s3, s6 */
  g_assert_cmpint (m->n_sources, ==, 3);
  g_assert_cmpstr (m->sources[0].source, ==, "");
  g_assert_cmpint (m->sources[0].count, ==, 2); /* s3 ✓, s7 ✗ */
  g_assert_cmpint (m->sources[0].correct, ==, 1);
  g_assert_cmpstr (m->sources[1].source, ==, "siteA");
  g_assert_cmpint (m->sources[1].count, ==, 3); /* s1 ✓, s4 ✗, s5 ✗ */
  g_assert_cmpint (m->sources[1].correct, ==, 1);
  g_assert_cmpfloat_with_epsilon (m->sources[1].accuracy, 1.0 / 3, 1e-12);
  g_assert_cmpstr (m->sources[2].source, ==, "siteB");
  g_assert_cmpint (m->sources[2].count, ==, 3); /* s0 ✓, s2 ✗, s6 ✓ */
  g_assert_cmpint (m->sources[2].correct, ==, 2);
}

static void
test_bad_input (void)
{
  const float good[2 * 2] = { 0.6f, 0.4f, 0.3f, 0.7f };
  const float nan_prob[2 * 2] = { 0.6f, NAN, 0.3f, 0.7f };
  const float bad_sum[2 * 2] = { 0.6f, 0.6f, 0.3f, 0.7f };
  const float negative[2 * 2] = { 1.2f, -0.2f, 0.3f, 0.7f };
  const int labels[2] = { 0, 1 };
  const int bad_labels[2] = { 0, 2 };
  struct
  {
    int n, k;
    const float *p;
    const int *y;
    const char *needle;
  } cases[] = {
    { 0, 2, good, labels, "at least one sample" },
    { 2, 1, good, labels, "at least two classes" },
    { 2, 2, nan_prob, labels, "sample 0: probability of class 1" },
    { 2, 2, bad_sum, labels, "sum to" },
    { 2, 2, negative, labels, "not in [0, 1]" },
    { 2, 2, good, bad_labels, "sample 1: label 2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsMetrics) m = ls_metrics_compute (cases[i].n, cases[i].k, cases[i].p, cases[i].y,
                                                    NULL, NULL, 0, &error);

      g_assert_null (m);
      g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
assert_metrics_equal (const LsMetrics *a,
                      const LsMetrics *b)
{
  int k = a->n_classes;

#define SAME(x, y) g_assert_true ((isnan (x) && isnan (y)) || (x) == (y))
  g_assert_cmpint (a->n_samples, ==, b->n_samples);
  g_assert_cmpint (b->n_classes, ==, k);
  for (int c = 0; c < k; c++)
    {
      g_assert_cmpstr (a->class_names[c], ==, b->class_names[c]);
      SAME (a->precision[c], b->precision[c]);
      SAME (a->recall[c], b->recall[c]);
      SAME (a->f1[c], b->f1[c]);
      SAME (a->auc[c], b->auc[c]);
      g_assert_cmpint (a->support[c], ==, b->support[c]);
    }
  g_assert_null (b->class_names[k]);
  g_assert_cmpmem (a->confusion, sizeof (int) * k * k, b->confusion, sizeof (int) * k * k);
  SAME (a->accuracy, b->accuracy);
  SAME (a->macro_precision, b->macro_precision);
  SAME (a->macro_recall, b->macro_recall);
  SAME (a->macro_f1, b->macro_f1);
  SAME (a->macro_auc, b->macro_auc);
  SAME (a->ece, b->ece);
  SAME (a->nll, b->nll);
  SAME (a->brier, b->brier);
  g_assert_cmpint (a->n_bins, ==, b->n_bins);
  for (int i = 0; i < a->n_bins; i++)
    {
      SAME (a->bins[i].lower, b->bins[i].lower);
      SAME (a->bins[i].upper, b->bins[i].upper);
      g_assert_cmpint (a->bins[i].count, ==, b->bins[i].count);
      SAME (a->bins[i].confidence, b->bins[i].confidence);
      SAME (a->bins[i].accuracy, b->bins[i].accuracy);
    }
  g_assert_cmpint (a->n_sources, ==, b->n_sources);
  for (int s = 0; s < a->n_sources; s++)
    {
      g_assert_cmpstr (a->sources[s].source, ==, b->sources[s].source);
      g_assert_cmpint (a->sources[s].count, ==, b->sources[s].count);
      g_assert_cmpint (a->sources[s].correct, ==, b->sources[s].correct);
      SAME (a->sources[s].accuracy, b->sources[s].accuracy);
    }
#undef SAME
}

/* Random probabilities, 4 classes of which one never occurs (AUC null),
 * with sources: everything survives text and back bit for bit. */
static void
test_json_round_trip (void)
{
  const int n = 200, k = 4;
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *probs = g_new (float, n *k);
  g_autofree int *labels = g_new (int, n);
  g_autofree char **sources = g_new0 (char *, n + 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMetrics) m = NULL, back = NULL, copy = NULL;
  g_autofree char *text = NULL, *text2 = NULL;

  for (int i = 0; i < n; i++)
    {
      double sum = 0;

      labels[i] = g_rand_int_range (rand, 0, 3);
      for (int c = 0; c < k; c++)
        sum += probs[i * k + c] = (float) g_rand_double_range (rand, 0.01, 1) + 0.4 * (c == labels[i]);
      for (int c = 0; c < k; c++)
        probs[i * k + c] = (float) (probs[i * k + c] / sum);
      sources[i] = g_strdup_printf ("source \"%d\"", g_rand_int_range (rand, 0, 5));
    }
  m = ls_metrics_compute (n, k, probs, labels, (const char *const *) sources, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (isnan (m->auc[3]));
  g_assert_cmpint (m->n_sources, ==, 5);

  text = ls_metrics_to_json (m);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "\"auc\":null"));
  g_assert_nonnull (strstr (text, "\"confusion_matrix\":[["));
  back = ls_metrics_from_json (text, &error);
  g_assert_no_error (error);
  assert_metrics_equal (m, back);
  text2 = ls_metrics_to_json (back);
  g_assert_cmpstr (text, ==, text2);

  copy = ls_metrics_copy (m);
  assert_metrics_equal (m, copy);

  for (int i = 0; i < n; i++)
    g_free (sources[i]);
}

static void
test_json_errors (void)
{
  g_autoptr (LsMetrics) m = hand_metrics (NULL);
  g_autofree char *good = ls_metrics_to_json (m);
  struct
  {
    const char *from, *to, *needle;
  } edits[] = {
    { "\"accuracy\":", "\"accuracx\":", "“accuracy” is missing" },
    { "[[2,1,0],", "[[2,1],", "row 0" },
    { "\"ece_bins\":15", "\"ece_bins\":14", "“reliability” has 15 entries, expected 14" },
    { "\"classes\":[\"normal\",", "\"classes\":[7,", "“classes” entry 0" },
    { "\"n_samples\":8", "\"n_samples\":-8", "“n_samples” is -8" },
    { "\"n_samples\":8", "\"n_samples\":9", "counts 8 samples, “n_samples” is 9" },
    { "[[2,1,0],", "[[2,0,0],", "row 0 sums to 2 but class 0 has support 3" },
    { "\"macro\":{\"precision\":", "\"macro\":{\"precision\":\"x\",\"p\":", "“macro”: “precision” is missing or not a number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GString) bad = g_string_new (good);
      g_autoptr (LsMetrics) back = NULL;

      g_assert_cmpuint (g_string_replace (bad, edits[i].from, edits[i].to, 1), ==, 1);
      back = ls_metrics_from_json (bad->str, &error);
      g_assert_null (back);
      g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, edits[i].needle));
    }

  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsMetrics) back = ls_metrics_from_json ("{\"n_samples\": 3", &error);

    g_assert_null (back);
    g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsMetrics) back = ls_metrics_from_json ("[1, 2]", &error);

    g_assert_null (back);
    g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_PARSE);
  }
}

/* Model B fixes s2 and s4 and breaks s0 relative to the hand example. */
static void
test_compare (void)
{
  float probs_b[8 * 3];
  int pred_a[8], pred_b[8], n_flips = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMetrics) a = hand_metrics (NULL);
  g_autoptr (LsMetrics) b = NULL, other = NULL;
  g_autoptr (LsMetricsDiff) diff = NULL;
  g_autofree char *table = NULL;
  g_autofree LsFlip *flips = NULL;
  const float two[2] = { 0.5f, 0.5f };
  const int one[1] = { 0 };

  memcpy (probs_b, hand_probs, sizeof probs_b);
  probs_b[0] = 0.3f, probs_b[1] = 0.6f;     /* s0 → 1 ✗ */
  probs_b[6] = 0.8f, probs_b[7] = 0.02f;    /* s2 → 0 ✓ */
  probs_b[12] = 0.25f, probs_b[13] = 0.55f; /* s4 → 1 ✓ */
  b = ls_metrics_compute (8, 3, probs_b, hand_labels, NULL, hand_classes, 0, &error);
  g_assert_no_error (error);

  diff = ls_metrics_diff (a, b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (diff->n_classes, ==, 3);
  g_assert_cmpfloat_with_epsilon (diff->accuracy, 5.0 / 8 - 4.0 / 8, 1e-12);
  g_assert_cmpfloat_with_epsilon (diff->ece, b->ece - a->ece, 1e-12);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat_with_epsilon (diff->recall[c], b->recall[c] - a->recall[c], 1e-12);
      g_assert_cmpfloat_with_epsilon (diff->auc[c], b->auc[c] - a->auc[c], 1e-12);
    }

  table = ls_metrics_compare_table (a, b, "parent", "child", &error);
  g_assert_no_error (error);
  g_test_message ("\n%s", table);
  g_assert_nonnull (strstr (table, "parent"));
  g_assert_nonnull (strstr (table, "accuracy                           0.5000       0.6250    +0.1250"));
  g_assert_nonnull (strstr (table, "covid AUC"));

  for (int i = 0; i < 8; i++)
    {
      pred_a[i] = ls_metrics_argmax (hand_probs + i * 3, 3);
      pred_b[i] = ls_metrics_argmax (probs_b + i * 3, 3);
    }
  flips = ls_metrics_flips (8, pred_a, pred_b, hand_labels, &n_flips);
  g_assert_cmpint (n_flips, ==, 3);
  g_assert_cmpint (flips[0].index, ==, 0);
  g_assert_cmpint (flips[0].pred_a, ==, 0);
  g_assert_cmpint (flips[0].pred_b, ==, 1);
  g_assert_cmpint (flips[0].label, ==, 0);
  g_assert_cmpint (flips[1].index, ==, 2);
  g_assert_cmpint (flips[1].pred_a, ==, 1);
  g_assert_cmpint (flips[1].pred_b, ==, 0);
  g_assert_cmpint (flips[2].index, ==, 4);
  g_assert_cmpint (flips[2].pred_b, ==, 1);
  g_assert_null (ls_metrics_flips (8, pred_a, pred_a, NULL, &n_flips));
  g_assert_cmpint (n_flips, ==, 0);

  /* different class lists cannot be compared */
  other = ls_metrics_compute (1, 2, two, one, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_null (ls_metrics_diff (a, other, &error));
  g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_null (ls_metrics_compare_table (a, other, NULL, NULL, &error));
  g_assert_error (error, LS_METRICS_ERROR, LS_METRICS_ERROR_MISMATCH);
}

static void
test_format (void)
{
  const char *const sources[8] = { "a", "a", "a", "a", "b", "b", "b", "b" };
  g_autoptr (LsMetrics) m = hand_metrics (sources);
  g_autofree char *text = ls_metrics_format (m);

  g_test_message ("\n%s", text);
  g_assert_nonnull (strstr (text, "accuracy  0.5000"));
  g_assert_nonnull (strstr (text, "pneumonia           0.5000    0.3333    0.4000"));
  g_assert_nonnull (strstr (text, "ECE       0.4300 (15 bins)"));
  g_assert_nonnull (strstr (text, "b                                    4    0.2500"));
}

/* Argmax ties go to the lowest index, like numpy. */
static void
test_argmax (void)
{
  const float tie[3] = { 0.2f, 0.4f, 0.4f };
  const float first[3] = { 0.5f, 0.5f, 0.0f };
  const float nan_first[3] = { NAN, 0.1f, 0.2f };

  g_assert_cmpint (ls_metrics_argmax (tie, 3), ==, 1);
  g_assert_cmpint (ls_metrics_argmax (first, 3), ==, 0);
  g_assert_cmpint (ls_metrics_argmax (nan_first, 3), ==, 2);
}

/* json-glib 1.6 prints 1e-8 as "1e-08.0"; every text we write must parse,
 * with the same values, and strings must stay as they are. */
static void
test_json_numbers (void)
{
  const double values[] = { 1e-8, 1e20, -2.5e-300, 0.5, 3.0, -0.0, 123456789.0, 1e-5 };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL, *pretty = NULL, *repaired = NULL;
  JsonArray *a;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, "1e-08.0 \" \\ 5E+3.0");
  json_builder_set_member_name (b, "values");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_builder_add_double_value (b, values[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  text = ls_json_to_string (root, FALSE);
  g_test_message ("%s", text);
  back = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (back), "text"), ==,
                   "1e-08.0 \" \\ 5E+3.0");
  a = json_object_get_array_member (json_node_get_object (back), "values");
  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (values));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (json_array_get_double_element (a, i), ==, values[i]);
  pretty = ls_json_to_string (root, TRUE);
  g_clear_pointer (&back, json_node_unref);
  back = json_from_string (pretty, &error);
  g_assert_no_error (error);
  /* Numbers that were fine are left alone. */
  repaired = ls_json_repair_numbers ("[1.5e-08,2.0,-3,4e+20.0,\"4e+20.0\"]");
  g_assert_cmpstr (repaired, ==, "[1.5e-08,2.0,-3,4e+20,\"4e+20.0\"]");
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/metrics/hand-confusion", test_hand_confusion);
  g_test_add_func ("/lungscope/pipeline/metrics/hand-auc", test_hand_auc);
  g_test_add_func ("/lungscope/pipeline/metrics/auc-ties", test_auc_ties);
  g_test_add_func ("/lungscope/pipeline/metrics/hand-ece", test_hand_ece);
  g_test_add_func ("/lungscope/pipeline/metrics/ece-edges", test_ece_edges);
  g_test_add_func ("/lungscope/pipeline/metrics/hand-nll-brier", test_hand_nll_brier);
  g_test_add_func ("/lungscope/pipeline/metrics/zero-division", test_zero_division);
  g_test_add_func ("/lungscope/pipeline/metrics/sources", test_sources);
  g_test_add_func ("/lungscope/pipeline/metrics/bad-input", test_bad_input);
  g_test_add_func ("/lungscope/pipeline/metrics/json-round-trip", test_json_round_trip);
  g_test_add_func ("/lungscope/pipeline/metrics/json-errors", test_json_errors);
  g_test_add_func ("/lungscope/pipeline/metrics/compare", test_compare);
  g_test_add_func ("/lungscope/pipeline/metrics/format", test_format);
  g_test_add_func ("/lungscope/pipeline/metrics/argmax", test_argmax);
  g_test_add_func ("/lungscope/pipeline/metrics/json-numbers", test_json_numbers);
  return g_test_run ();
}
