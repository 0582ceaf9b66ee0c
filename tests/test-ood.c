/* test-ood.c — energy and Mahalanobis out-of-distribution scores
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ls-test.h"
#include "pipeline/ood.h"

#define DIM 16
#define K 3

static double
gauss (GRand *rand)
{
  double u1 = g_rand_double_range (rand, 1e-12, 1.0), u2 = g_rand_double (rand);

  return sqrt (-2 * log (u1)) * cos (2 * G_PI * u2);
}

/* K Gaussians in DIM dimensions sharing one correlated covariance A Aᵀ. */
typedef struct
{
  double means[K][DIM];
  double a[DIM][DIM]; /* lower-triangular mixing */
} Mixture;

static void
mixture_init (Mixture *mx,
              GRand *rand)
{
  memset (mx, 0, sizeof *mx);
  for (int c = 0; c < K; c++)
    for (int j = 0; j < DIM; j++)
      mx->means[c][j] = 3 * gauss (rand);
  for (int i = 0; i < DIM; i++)
    {
      mx->a[i][i] = 0.5 + g_rand_double (rand);
      for (int j = 0; j < i; j++)
        mx->a[i][j] = 0.4 * gauss (rand);
    }
}

static void
mixture_sample (const Mixture *mx,
                GRand *rand,
                int n,
                float *x,
                int *labels)
{
  for (int i = 0; i < n; i++)
    {
      int c = i % K;
      double g[DIM];

      for (int j = 0; j < DIM; j++)
        g[j] = gauss (rand);
      for (int j = 0; j < DIM; j++)
        {
          double v = mx->means[c][j];

          for (int p = 0; p <= j; p++)
            v += mx->a[j][p] * g[p];
          x[i * DIM + j] = (float) v;
        }
      if (labels != NULL)
        labels[i] = c;
    }
}

/* min_c sqrt((x − μ_c)ᵀ P (x − μ_c)) in double with plain loops */
static double
score_ref (const LsOod *ood,
           const float *x)
{
  int d = ood->dim;
  double best = INFINITY;

  for (int c = 0; c < ood->n_classes; c++)
    {
      double q = 0;

      for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++)
          q += ((double) x[a] - ood->means[c * d + a]) * ood->precision[a * d + b] *
               ((double) x[b] - ood->means[c * d + b]);
      best = MIN (best, sqrt (q));
    }
  return best;
}

static void
test_energy (void)
{
  const float two[2] = { 0.0f, (float) G_LN2 };
  const float confident[3] = { 9.0f, -1.0f, -2.0f };
  const float flat[3] = { 0.1f, 0.0f, 0.1f };
  float logits[4 * 3];
  double scores[4];
  g_autoptr (GError) error = NULL;
  g_autoptr (LsOod) ood = ls_ood_new_energy (3, 1.0);

  g_assert_cmpfloat_with_epsilon (ls_ood_energy (two, 2, 1.0), -log (3.0), 1e-7);
  g_assert_cmpfloat_with_epsilon (ls_ood_energy (two, 2, 2.0),
                                  -2 * log (1 + exp (G_LN2 / 2)), 1e-7);
  g_assert_cmpfloat (ls_ood_energy (confident, 3, 1.0), <, ls_ood_energy (flat, 3, 1.0));

  /* in-distribution: confident logits; threshold at the 75th percentile */
  for (int i = 0; i < 4; i++)
    for (int c = 0; c < 3; c++)
      logits[i * 3 + c] = confident[c] + i;
  g_assert_true (ls_ood_set_threshold (ood, NULL, logits, 4, 75, &error));
  g_assert_no_error (error);
  ls_ood_score (ood, NULL, logits, 4, scores);
  /* energies ≈ −9, −10, −11, −12: sorted, h = 3 × 0.75 = 2.25, so the 75th
   * percentile is ¾ E₁ + ¼ E₀ ≈ −9.75 */
  g_assert_cmpfloat_with_epsilon (ood->threshold, 0.75 * scores[1] + 0.25 * scores[0], 1e-9);
  g_assert_true (ls_ood_is_outlier (ood, scores[0]));
  g_assert_false (ls_ood_is_outlier (ood, scores[3]));
  g_assert_true (ls_ood_is_outlier (ood, ls_ood_energy (flat, 3, 1.0)));
  g_assert_true (ls_ood_is_outlier (ood, NAN));

  /* an energy detector needs logits */
  g_assert_false (ls_ood_set_threshold (ood, logits, NULL, 4, 95, &error));
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID);
}

static void
test_percentile (void)
{
  const double v[5] = { 4, 1, 3, 2, 10 };

  /* numpy.percentile([4, 1, 3, 2, 10], p) */
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 5, 50), 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 5, 95), 8.8, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 5, 0), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 5, 100), 10.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 4, 95), 3.85, 1e-12);
  g_assert_cmpfloat_with_epsilon (ls_ood_percentile (v, 1, 95), 4.0, 1e-12);
}

/* The Ledoit–Wolf intensity from its definition (Ledoit & Wolf 2004, with
 * the normalised norm ‖A‖² = tr(A Aᵀ)/d): δ = min(b̄², d̄²)/d̄², d̄² = ‖S − mI‖²,
 * b̄² = Σ_i ‖r_i r_iᵀ − S‖² / n², on residuals r_i from the class means.
 * Fills @sigma with (1 − δ) S + δ m I. */
static double
ledoit_wolf_ref (const float *x,
                 const int *labels,
                 int n,
                 double *sigma)
{
  double mean[K][DIM] = { { 0 } }, s[DIM][DIM] = { { 0 } }, m = 0, d2 = 0, b2 = 0, delta;
  int count[K] = { 0 };
  g_autofree double *r = g_new (double, n *DIM);

  for (int i = 0; i < n; i++)
    {
      count[labels[i]]++;
      for (int j = 0; j < DIM; j++)
        mean[labels[i]][j] += x[i * DIM + j];
    }
  for (int c = 0; c < K; c++)
    for (int j = 0; j < DIM; j++)
      mean[c][j] /= count[c];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < DIM; j++)
      r[i * DIM + j] = x[i * DIM + j] - mean[labels[i]][j];
  for (int i = 0; i < n; i++)
    for (int a = 0; a < DIM; a++)
      for (int b = 0; b < DIM; b++)
        s[a][b] += r[i * DIM + a] * r[i * DIM + b] / n;
  for (int a = 0; a < DIM; a++)
    m += s[a][a] / DIM;
  for (int a = 0; a < DIM; a++)
    for (int b = 0; b < DIM; b++)
      d2 += pow (s[a][b] - (a == b ? m : 0), 2) / DIM;
  for (int i = 0; i < n; i++)
    for (int a = 0; a < DIM; a++)
      for (int b = 0; b < DIM; b++)
        b2 += pow (r[i * DIM + a] * r[i * DIM + b] - s[a][b], 2) / DIM / ((double) n * n);
  delta = MIN (b2, d2) / d2;
  for (int a = 0; a < DIM; a++)
    for (int b = 0; b < DIM; b++)
      sigma[a * DIM + b] = (1 - delta) * s[a][b] + (a == b ? delta * m : 0);
  return delta;
}

static void
test_mahalanobis (void)
{
  const int n_train = 900, n_val = 1500, n_test = 3000, n_far = 300;
  g_autoptr (GRand) rand = g_rand_new_with_seed (2026);
  g_autofree float *train = g_new (float, n_train *DIM);
  g_autofree float *val = g_new (float, n_val *DIM);
  g_autofree float *test = g_new (float, n_test *DIM);
  g_autofree float *far = g_new (float, n_far *DIM);
  g_autofree int *labels = g_new (int, n_train);
  g_autofree double *scores = g_new (double, n_test);
  g_autofree double *far_scores = g_new (double, n_far);
  g_autofree double *sigma = g_new (double, DIM *DIM);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsOod) ood = NULL;
  double delta, worst = 0, id_mean = 0, far_mean = 0, flagged = 0;
  Mixture mx;

  mixture_init (&mx, rand);
  mixture_sample (&mx, rand, n_train, train, labels);
  mixture_sample (&mx, rand, n_val, val, NULL);
  mixture_sample (&mx, rand, n_test, test, NULL);

  ood = ls_ood_fit_mahalanobis (train, labels, n_train, DIM, K, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ood->method, ==, LS_OOD_METHOD_MAHALANOBIS);
  g_assert_cmpint (ood->n_fit, ==, n_train);

  /* the shrinkage intensity and the precision against the definitions */
  delta = ledoit_wolf_ref (train, labels, n_train, sigma);
  g_test_message ("Ledoit-Wolf δ %.6f (reference %.6f)", ood->shrinkage_value, delta);
  g_assert_cmpfloat_with_epsilon (ood->shrinkage_value, delta, 1e-9);
  g_assert_cmpfloat (delta, >, 0);
  for (int a = 0; a < DIM; a++)
    for (int b = 0; b < DIM; b++)
      {
        double v = 0;

        for (int p = 0; p < DIM; p++)
          v += ood->precision[a * DIM + p] * sigma[p * DIM + b];
        worst = MAX (worst, fabs (v - (a == b)));
      }
  g_test_message ("max |P Σ − I| = %.2e", worst);
  g_assert_cmpfloat (worst, <, 1e-4);
  for (int c = 0; c < K; c++)
    for (int j = 0; j < DIM; j++)
      g_assert_cmpfloat (fabs (ood->means[c * DIM + j] - mx.means[c][j]), <, 0.5);

  /* threshold on validation, checked on held-out in-distribution samples */
  g_assert_true (ls_ood_set_threshold (ood, val, NULL, n_val, 95, &error));
  g_assert_no_error (error);
  ls_ood_score (ood, test, NULL, n_test, scores);
  for (int i = 0; i < n_test; i++)
    {
      flagged += ls_ood_is_outlier (ood, scores[i]);
      id_mean += scores[i] / n_test;
      if (i < 20)
        g_assert_cmpfloat (fabs (scores[i] - score_ref (ood, test + i * DIM)), <, 1e-4 * scores[i]);
    }
  flagged /= n_test;

  /* far away: class means pushed 10 units along a random direction; and
   * uniform noise over a box much wider than the data */
  for (int i = 0; i < n_far; i++)
    {
      double dir[DIM], norm = 0;

      for (int j = 0; j < DIM; j++)
        {
          dir[j] = gauss (rand);
          norm += dir[j] * dir[j];
        }
      for (int j = 0; j < DIM; j++)
        far[i * DIM + j] = i % 2 == 0 ? (float) (mx.means[i % K][j] + 10 * dir[j] / sqrt (norm))
                                      : (float) g_rand_double_range (rand, -40, 40);
    }
  ls_ood_score (ood, far, NULL, n_far, far_scores);
  for (int i = 0; i < n_far; i++)
    {
      far_mean += far_scores[i] / n_far;
      g_assert_true (ls_ood_is_outlier (ood, far_scores[i]));
    }
  g_test_message ("threshold %.3f at p95; held-out flagged %.4f; mean score ID %.2f, far %.2f",
                  ood->threshold, flagged, id_mean, far_mean);
  g_assert_cmpfloat (fabs (flagged - 0.05), <, 0.02);
  g_assert_cmpfloat (far_mean, >, 2 * id_mean);
}

/* Batched scores (several sgemm chunks) equal one-at-a-time scores. */
static void
test_batch_matches_single (void)
{
  const int n = 300;
  g_autoptr (GRand) rand = g_rand_new_with_seed (8);
  g_autofree float *x = g_new (float, n *DIM);
  g_autofree int *labels = g_new (int, n);
  g_autofree double *batch = g_new (double, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsOod) ood = NULL;
  Mixture mx;

  mixture_init (&mx, rand);
  mixture_sample (&mx, rand, n, x, labels);
  ood = ls_ood_fit_mahalanobis (x, labels, n, DIM, K, LS_OOD_SHRINKAGE_RIDGE, 0.01, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ood->shrinkage_value, ==, 0.01);
  ls_ood_score (ood, x, NULL, n, batch);
  for (int i = 0; i < n; i++)
    {
      double one;

      ls_ood_score (ood, x + i * DIM, NULL, 1, &one);
      g_assert_cmpfloat (fabs (one - batch[i]), <=, 1e-5 * batch[i]);
      g_assert_cmpfloat (fabs (one - score_ref (ood, x + i * DIM)), <, 1e-4 * one);
    }
}

/* More features than samples: S is singular. Ledoit-Wolf still gives a
 * usable precision; no ridge at all is refused. */
static void
test_more_features_than_samples (void)
{
  const int n = 40, d = 64, k = 2;
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  g_autofree float *x = g_new (float, n *d);
  g_autofree int *labels = g_new (int, n);
  g_autofree double *scores = g_new (double, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsOod) lw = NULL, none = NULL;

  for (int i = 0; i < n; i++)
    {
      labels[i] = i % k;
      for (int j = 0; j < d; j++)
        x[i * d + j] = (float) (gauss (rand) + 4 * labels[i]);
    }
  lw = ls_ood_fit_mahalanobis (x, labels, n, d, k, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, &error);
  g_assert_no_error (error);
  g_test_message ("n %d < d %d: Ledoit-Wolf δ %.4f", n, d, lw->shrinkage_value);
  g_assert_cmpfloat (lw->shrinkage_value, >, 0);
  ls_ood_score (lw, x, NULL, n, scores);
  for (int i = 0; i < n; i++)
    g_assert_true (isfinite (scores[i]));

  none = ls_ood_fit_mahalanobis (x, labels, n, d, k, LS_OOD_SHRINKAGE_RIDGE, 0, &error);
  g_assert_null (none);
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_SINGULAR);
  g_test_message ("%s", error->message);
}

static void
test_fit_errors (void)
{
  float x[6 * 2] = { 0, 1, 1, 0, 2, 2, 3, 1, 1, 3, 2, 5 };
  const int labels[6] = { 0, 1, 0, 1, 0, 1 };
  const int missing_class[6] = { 0, 0, 0, 0, 0, 0 };
  const int out_of_range[6] = { 0, 1, 0, 3, 0, 1 };
  const float constant[4 * 2] = { 1, 1, 1, 1, 2, 2, 2, 2 };
  const int pairs[4] = { 0, 0, 1, 1 };
  struct
  {
    const float *x;
    const int *y;
    int n, k;
    LsOodShrinkage shrinkage;
    double ridge;
    int code;
    const char *needle;
  } cases[] = {
    { x, missing_class, 6, 2, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, LS_OOD_ERROR_INVALID, "class 1 has no training features" },
    { x, out_of_range, 6, 2, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, LS_OOD_ERROR_INVALID, "sample 3: label 3" },
    { x, labels, 1, 2, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, LS_OOD_ERROR_INVALID, "at least 2 samples" },
    { x, labels, 6, 2, LS_OOD_SHRINKAGE_RIDGE, -1, LS_OOD_ERROR_INVALID, "ridge" },
    { constant, pairs, 4, 2, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, LS_OOD_ERROR_SINGULAR, "no within-class variance" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsOod) ood = ls_ood_fit_mahalanobis (cases[i].x, cases[i].y, cases[i].n, 2, cases[i].k,
                                                      cases[i].shrinkage, cases[i].ridge, &error);

      g_assert_null (ood);
      g_assert_error (error, LS_OOD_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }

  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsOod) ood = NULL;

    x[5] = NAN;
    ood = ls_ood_fit_mahalanobis (x, labels, 6, 2, 2, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, &error);
    g_assert_null (ood);
    g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "sample 2: feature 1"));
  }
}

/* What the model file stores (metadata + two tensors) rebuilds the same
 * detector. */
static void
test_metadata_round_trip (void)
{
  const int n = 200;
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  g_autofree float *x = g_new (float, n *DIM);
  g_autofree int *labels = g_new (int, n);
  g_autofree double *s1 = g_new (double, n);
  g_autofree double *s2 = g_new (double, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsOod) ood = NULL, back = NULL, copy = NULL, energy = NULL, energy_back = NULL;
  g_autofree char *json = NULL, *json2 = NULL, *energy_json = NULL;
  g_autofree float *bad = NULL;
  Mixture mx;

  mixture_init (&mx, rand);
  mixture_sample (&mx, rand, n, x, labels);
  ood = ls_ood_fit_mahalanobis (x, labels, n, DIM, K, LS_OOD_SHRINKAGE_LEDOIT_WOLF, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ls_ood_set_threshold (ood, x, NULL, n, 95, &error));

  json = ls_ood_metadata_to_json (ood);
  g_test_message ("%s", json);
  g_assert_nonnull (strstr (json, "\"method\":\"mahalanobis\""));
  back = ls_ood_new_from_metadata (json, ood->means, K * DIM, ood->precision, DIM * DIM, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (back->threshold, ==, ood->threshold);
  g_assert_cmpfloat (back->percentile, ==, 95);
  g_assert_cmpfloat (back->shrinkage_value, ==, ood->shrinkage_value);
  g_assert_cmpint (back->shrinkage, ==, LS_OOD_SHRINKAGE_LEDOIT_WOLF);
  g_assert_cmpint (back->n_fit, ==, n);
  json2 = ls_ood_metadata_to_json (back);
  g_assert_cmpstr (json, ==, json2);
  ls_ood_score (ood, x, NULL, n, s1);
  ls_ood_score (back, x, NULL, n, s2);
  g_assert_cmpmem (s1, n * sizeof (double), s2, n * sizeof (double));
  copy = ls_ood_copy (ood);
  ls_ood_score (copy, x, NULL, n, s2);
  g_assert_cmpmem (s1, n * sizeof (double), s2, n * sizeof (double));

  /* wrong tensor size, asymmetric precision, unknown method, broken text */
  g_assert_null (ls_ood_new_from_metadata (json, ood->means, K * DIM - 1, ood->precision, DIM * DIM, &error));
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, LS_OOD_TENSOR_MEANS));
  g_clear_error (&error);
  bad = g_memdup2 (ood->precision, DIM * DIM * sizeof (float));
  bad[1] += 1.0f;
  g_assert_null (ls_ood_new_from_metadata (json, ood->means, K * DIM, bad, DIM * DIM, &error));
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "not symmetric at [0, 1]"));
  g_clear_error (&error);
  g_assert_null (ls_ood_new_from_metadata ("{\"method\":\"knn\",\"classes\":3}", NULL, 0, NULL, 0, &error));
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_null (ls_ood_new_from_metadata ("{\"method\":", NULL, 0, NULL, 0, &error));
  g_assert_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE);
  g_clear_error (&error);

  /* energy: no tensors; an unset threshold is null */
  energy = ls_ood_new_energy (3, 1.5);
  energy_json = ls_ood_metadata_to_json (energy);
  g_assert_nonnull (strstr (energy_json, "\"threshold\":null"));
  energy_back = ls_ood_new_from_metadata (energy_json, NULL, 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (energy_back->method, ==, LS_OOD_METHOD_ENERGY);
  g_assert_cmpfloat (energy_back->temperature, ==, 1.5);
  g_assert_true (isnan (energy_back->threshold));
  g_assert_false (ls_ood_is_outlier (energy_back, 1e9));
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/ood/energy", test_energy);
  g_test_add_func ("/lungscope/pipeline/ood/percentile", test_percentile);
  g_test_add_func ("/lungscope/pipeline/ood/mahalanobis", test_mahalanobis);
  g_test_add_func ("/lungscope/pipeline/ood/batch-matches-single", test_batch_matches_single);
  g_test_add_func ("/lungscope/pipeline/ood/more-features-than-samples", test_more_features_than_samples);
  g_test_add_func ("/lungscope/pipeline/ood/fit-errors", test_fit_errors);
  g_test_add_func ("/lungscope/pipeline/ood/metadata-round-trip", test_metadata_round_trip);
  return g_test_run ();
}
