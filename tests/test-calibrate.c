/* test-calibrate.c — softmax and temperature scaling
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ls-test.h"
#include "pipeline/calibrate.h"
#include "pipeline/metrics.h"

static double
gauss (GRand *rand)
{
  double u1 = g_rand_double_range (rand, 1e-12, 1.0), u2 = g_rand_double (rand);

  return sqrt (-2 * log (u1)) * cos (2 * G_PI * u2);
}

/* Logits z of a model that is calibrated by construction: each label is
 * drawn from softmax(z) itself. The returned logits are z · t0, i.e. what a
 * model that needs temperature t0 would output. */
static void
make_logits (guint32 seed,
             int n,
             int k,
             double t0,
             float *logits,
             int *labels)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree float *p = g_new (float, k);

  for (int i = 0; i < n; i++)
    {
      int cls = g_rand_int_range (rand, 0, k);
      float *z = logits + (gsize) i * k;
      double u, acc = 0;

      for (int c = 0; c < k; c++)
        z[c] = (float) (1.2 * gauss (rand) + (c == cls ? 2.0 : 0.0));
      ls_softmax (z, k, 1.0, p);
      u = g_rand_double (rand);
      labels[i] = k - 1;
      for (int c = 0; c < k; c++)
        {
          acc += p[c];
          if (u < acc)
            {
              labels[i] = c;
              break;
            }
        }
      for (int c = 0; c < k; c++)
        z[c] = (float) (z[c] * t0);
    }
}

static void
test_softmax (void)
{
  const float big[3] = { 1000.0f, 999.0f, -1e30f };
  const float with_inf[3] = { 1.0f, -INFINITY, 1.0f };
  const float with_nan[3] = { 1.0f, NAN, 1.0f };
  const float two[2] = { 0.0f, (float) G_LN2 };
  float p[3];

  ls_softmax (big, 3, 1.0, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 / (1.0 + exp (-1.0)), 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], exp (-1.0) / (1.0 + exp (-1.0)), 1e-6);
  g_assert_cmpfloat (p[2], ==, 0.0f);

  ls_softmax (with_inf, 3, 1.0, p);
  g_assert_cmpfloat_with_epsilon (p[0], 0.5, 1e-7);
  g_assert_cmpfloat (p[1], ==, 0.0f);

  ls_softmax (with_nan, 3, 1.0, p);
  g_assert_true (isnan (p[0]) && isnan (p[1]) && isnan (p[2]));

  ls_softmax (two, 2, 1.0, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 / 3, 1e-7);
  g_assert_cmpfloat_with_epsilon (p[1], 2.0 / 3, 1e-7);
  /* T = ln 2 turns the logits into (0, 1) */
  ls_softmax (two, 2, G_LN2, p);
  g_assert_cmpfloat_with_epsilon (p[1], exp (1.0) / (1.0 + exp (1.0)), 1e-6);

  /* in place */
  memcpy (p, big, sizeof p);
  ls_softmax (p, 3, 2.0, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 / (1.0 + exp (-0.5)), 1e-6);

  g_assert_cmpfloat_with_epsilon (ls_log_sum_exp (big, 3, 1.0), 1000.0 + log1p (exp (-1.0)), 1e-9);
  g_assert_cmpfloat_with_epsilon (ls_log_sum_exp (two, 2, 1.0), log (3.0), 1e-7);
}

/* The fit recovers the temperature the logits were scaled by. */
static void
test_recovers_temperature (void)
{
  const double t0s[] = { 2.5, 0.5, 1.0 };
  const int n = 20000, k = 3;
  g_autofree float *logits = g_new (float, n *k);
  g_autofree int *labels = g_new (int, n);

  for (guint t = 0; t < G_N_ELEMENTS (t0s); t++)
    {
      g_autoptr (GError) error = NULL;
      LsTemperatureFit fit;

      make_logits (11 + t, n, k, t0s[t], logits, labels);
      g_assert_true (ls_calibrate_fit_temperature (logits, labels, n, k, &fit, &error));
      g_assert_no_error (error);
      g_test_message ("T0 %.3f → fitted %.4f (NLL %.4f → %.4f, %d evaluations)", t0s[t],
                      fit.temperature, fit.nll_before, fit.nll_after, fit.evaluations);
      g_assert_cmpfloat (fabs (fit.temperature / t0s[t] - 1), <, 0.05);
      g_assert_false (fit.at_bound);
      g_assert_cmpfloat (fit.nll_after, <=, fit.nll_before);
      g_assert_cmpfloat_with_epsilon (fit.nll_after,
                                      ls_calibrate_nll (logits, labels, n, k, fit.temperature), 1e-12);
    }
}

/* Over-confident logits: the fitted temperature lowers ECE and NLL and
 * leaves the accuracy alone. */
static void
test_lowers_ece (void)
{
  const int n = 6000, k = 4;
  g_autofree float *logits = g_new (float, n *k);
  g_autofree float *probs = g_new (float, n *k);
  g_autofree int *labels = g_new (int, n);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsMetrics) before = NULL, after = NULL;
  LsTemperatureFit fit;

  make_logits (5, n, k, 3.0, logits, labels);
  g_assert_true (ls_calibrate_fit_temperature (logits, labels, n, k, &fit, &error));
  ls_calibrate_apply_temperature (logits, n, k, 1.0, probs);
  before = ls_metrics_compute (n, k, probs, labels, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  ls_calibrate_apply_temperature (logits, n, k, fit.temperature, probs);
  after = ls_metrics_compute (n, k, probs, labels, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_test_message ("T %.3f: ECE %.4f → %.4f, NLL %.4f → %.4f, accuracy %.4f → %.4f",
                  fit.temperature, before->ece, after->ece, before->nll, after->nll,
                  before->accuracy, after->accuracy);
  g_assert_cmpfloat (after->ece, <, 0.5 * before->ece);
  g_assert_cmpfloat (after->ece, <, 0.03);
  g_assert_cmpfloat (after->nll, <, before->nll);
  g_assert_cmpfloat_with_epsilon (after->nll, fit.nll_after, 1e-5);
  g_assert_cmpfloat (after->accuracy, ==, before->accuracy);
}

/* The golden-section result is at least as good as a fine grid over the
 * whole range. */
static void
test_against_grid (void)
{
  const int n = 500, k = 3;
  g_autofree float *logits = g_new (float, n *k);
  g_autofree int *labels = g_new (int, n);
  g_autoptr (GError) error = NULL;
  double best = INFINITY, best_t = 0;
  LsTemperatureFit fit;

  make_logits (99, n, k, 1.7, logits, labels);
  for (int i = 0; i <= 4000; i++)
    {
      double t = exp (log (LS_TEMPERATURE_MIN) + i * (log (LS_TEMPERATURE_MAX / LS_TEMPERATURE_MIN) / 4000));
      double f = ls_calibrate_nll (logits, labels, n, k, t);

      if (f < best)
        best = f, best_t = t;
    }
  g_assert_true (ls_calibrate_fit_temperature (logits, labels, n, k, &fit, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fit.nll_after, <=, best + 1e-12);
  g_assert_cmpfloat (fabs (log (fit.temperature / best_t)), <, 0.002);
}

static void
test_bounds (void)
{
  const int n = 300, k = 3;
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autofree float *logits = g_new (float, n *k);
  g_autofree int *labels = g_new (int, n);
  g_autoptr (GError) error = NULL;
  LsTemperatureFit fit;

  /* separable with a margin: sharper is always better → the lower bound,
   * where T = 1 is kept */
  for (int i = 0; i < n; i++)
    {
      labels[i] = i % k;
      for (int c = 0; c < k; c++)
        logits[i * k + c] = c == labels[i] ? 1.0f : 0.0f;
    }
  g_assert_true (ls_calibrate_fit_temperature (logits, labels, n, k, &fit, &error));
  g_assert_true (fit.at_bound);
  g_assert_true (fit.kept_one);
  g_assert_cmpfloat_with_epsilon (fit.fitted, LS_TEMPERATURE_MIN, 1e-9);
  g_assert_cmpfloat (fit.temperature, ==, 1.0);
  g_assert_cmpfloat (fit.nll_after, ==, fit.nll_before);

  /* logits unrelated to the labels: flatter is always better → the upper bound */
  for (int i = 0; i < n; i++)
    {
      labels[i] = g_rand_int_range (rand, 0, k);
      for (int c = 0; c < k; c++)
        logits[i * k + c] = (float) (5 * gauss (rand));
    }
  g_assert_true (ls_calibrate_fit_temperature (logits, labels, n, k, &fit, &error));
  g_test_message ("unrelated logits: T %.3f, NLL %.4f (ln 3 = %.4f)", fit.temperature,
                  fit.nll_after, log (3.0));
  g_assert_true (fit.at_bound);
  g_assert_false (fit.kept_one);
  g_assert_cmpfloat_with_epsilon (fit.temperature, LS_TEMPERATURE_MAX, 1e-9);
  g_assert_cmpfloat_with_epsilon (fit.fitted, LS_TEMPERATURE_MAX, 1e-9);
}

/* Issue 16: a validation part the model classifies perfectly (as the
 * default model's is) must not drive T to its lower bound. The model here
 * is calibrated at T = 1 by construction; its validation part is the
 * samples it got right, so the NLL there keeps falling as T → 0. The fit
 * keeps T finite and at 1, the validation NLL is not worse, and on new
 * samples of the same model (with its errors) the NLL is not worse than at
 * T = 1 either, where T at the bound made it several times worse. */
static void
test_separable (void)
{
  const int n_all = 400, n_new = 20000, k = 3;
  g_autofree float *all = g_new (float, n_all *k);
  g_autofree int *all_labels = g_new (int, n_all);
  g_autofree float *val = g_new (float, n_all *k);
  g_autofree int *val_labels = g_new (int, n_all);
  g_autofree float *fresh = g_new (float, n_new *k);
  g_autofree int *fresh_labels = g_new (int, n_new);
  g_autoptr (GError) error = NULL;
  LsTemperatureFit fit;
  double new_one, new_fit, new_bound;
  int n_val = 0;

  make_logits (11, n_all, k, 1.0, all, all_labels);
  for (int i = 0; i < n_all; i++)
    {
      const float *z = all + (gsize) i * k;
      int arg = 0;

      for (int c = 1; c < k; c++)
        if (z[c] > z[arg])
          arg = c;
      if (arg != all_labels[i])
        continue;
      memcpy (val + (gsize) n_val * k, z, k * sizeof (float));
      val_labels[n_val++] = all_labels[i];
    }
  g_assert_cmpint (n_val, >, 100);
  g_assert_cmpint (n_val, <, n_all);

  g_assert_true (ls_calibrate_fit_temperature (val, val_labels, n_val, k, &fit, &error));
  g_assert_no_error (error);
  g_assert_true (fit.at_bound);
  g_assert_true (fit.kept_one);
  g_assert_true (isfinite (fit.temperature));
  g_assert_cmpfloat (fit.temperature, ==, 1.0);
  g_assert_cmpfloat (fit.nll_after, <=, fit.nll_before);
  g_assert_cmpfloat_with_epsilon (fit.nll_after, ls_calibrate_nll (val, val_labels, n_val, k, fit.temperature),
                                  1e-12);

  make_logits (12, n_new, k, 1.0, fresh, fresh_labels);
  new_one = ls_calibrate_nll (fresh, fresh_labels, n_new, k, 1.0);
  new_fit = ls_calibrate_nll (fresh, fresh_labels, n_new, k, fit.temperature);
  new_bound = ls_calibrate_nll (fresh, fresh_labels, n_new, k, fit.fitted);
  g_test_message ("new samples: NLL %.4f at T = 1, %.4f at the fitted bound %.3f", new_one, new_bound,
                  fit.fitted);
  g_assert_cmpfloat (new_fit, <=, new_one);
  g_assert_cmpfloat (new_bound, >, 2 * new_one); /* what keeping T = 1 avoids */
}

static void
test_bad_input (void)
{
  const float logits[4] = { 1, 2, NAN, 0 };
  const float fine[4] = { 1, 2, 3, 0 };
  const int labels[2] = { 0, 1 };
  const int bad_labels[2] = { 0, -1 };
  LsTemperatureFit fit;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;

  g_assert_false (ls_calibrate_fit_temperature (logits, labels, 2, 2, &fit, &e1));
  g_assert_error (e1, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID);
  g_assert_nonnull (strstr (e1->message, "sample 1: logit of class 0"));
  g_assert_false (ls_calibrate_fit_temperature (fine, bad_labels, 2, 2, &fit, &e2));
  g_assert_error (e2, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID);
  g_assert_nonnull (strstr (e2->message, "label -1"));
  g_assert_false (ls_calibrate_fit_temperature (fine, labels, 0, 2, &fit, &e3));
  g_assert_error (e3, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID);
}

static void
test_json (void)
{
  LsTemperatureFit fit = { 1.8312345678901234, 0.5, 0.4, 50, FALSE };
  g_autofree char *json = ls_calibration_to_json (&fit);
  const char *bad[] = { "{\"temperature\":0}", "{\"temperature\":\"2\"}", "{}", "[", "{\"temperature\":-1.5}" };
  g_autoptr (GError) error = NULL;
  double t = 0;

  g_assert_true (ls_calibration_from_json (json, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (t, ==, fit.temperature);
  g_assert_true (ls_calibration_from_json ("{\"temperature\":2}", &t, &error));
  g_assert_cmpfloat (t, ==, 2.0);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (ls_calibration_from_json (bad[i], &t, &error));
      g_assert_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_PARSE);
      g_clear_error (&error);
    }

  /* a kept T = 1 says so, and reads back as 1 */
  {
    LsTemperatureFit kept = { 1.0, 0.04, 0.04, 60, TRUE, LS_TEMPERATURE_MIN, TRUE };
    g_autofree char *text = ls_calibration_to_json (&kept);

    g_assert_nonnull (strstr (text, "\"fitted\":0.05"));
    g_assert_nonnull (strstr (text, "\"kept\":\"the NLL fell all the way to the lower bound"));
    g_assert_null (strstr (json, "\"kept\""));
    g_assert_true (ls_calibration_from_json (text, &t, &error));
    g_assert_cmpfloat (t, ==, 1.0);
  }
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/calibrate/softmax", test_softmax);
  g_test_add_func ("/lungscope/pipeline/calibrate/recovers-temperature", test_recovers_temperature);
  g_test_add_func ("/lungscope/pipeline/calibrate/lowers-ece", test_lowers_ece);
  g_test_add_func ("/lungscope/pipeline/calibrate/against-grid", test_against_grid);
  g_test_add_func ("/lungscope/pipeline/calibrate/bounds", test_bounds);
  g_test_add_func ("/lungscope/pipeline/calibrate/separable", test_separable);
  g_test_add_func ("/lungscope/pipeline/calibrate/bad-input", test_bad_input);
  g_test_add_func ("/lungscope/pipeline/calibrate/json", test_json);
  return g_test_run ();
}
