/* calibrate.c — softmax and temperature scaling
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "calibrate.h"
#include "pipeline/json-text.h"

#include <json-glib/json-glib.h>
#include <math.h>

/* Bracket width in ln T at which the golden-section search stops. */
#define FIT_TOLERANCE 1e-9

GQuark
ls_calibrate_error_quark (void)
{
  return g_quark_from_static_string ("ls-calibrate-error-quark");
}

/**
 * ls_log_sum_exp:
 * @x: (array length=k): values
 * @scale: factor applied to every value first
 *
 * ln Σ exp(scale · x[c]), computed around the maximum so that nothing
 * overflows; −inf entries contribute nothing.
 *
 * Returns: the log-sum-exp, −inf if every entry is −inf, NAN if any is NAN.
 */
double
ls_log_sum_exp (const float *x,
                int k,
                double scale)
{
  double max = -INFINITY, sum = 0;

  g_return_val_if_fail (k >= 1 && scale > 0, NAN);
  for (int c = 0; c < k; c++)
    {
      double v = scale * x[c];

      if (isnan (v))
        return NAN;
      if (v > max)
        max = v;
    }
  if (isinf (max))
    return max;
  for (int c = 0; c < k; c++)
    sum += exp (scale * x[c] - max);
  return max + log (sum);
}

/**
 * ls_softmax:
 * @logits: (array length=k): one row of logits
 * @temperature: T > 0; the logits are divided by it
 * @probs: (out) (array length=k): the probabilities; may alias @logits
 *
 * softmax(logits / T), shifted by the maximum so that large logits neither
 * overflow nor lose the small classes to rounding.
 */
void
ls_softmax (const float *logits,
            int k,
            double temperature,
            float *probs)
{
  double beta, max = -INFINITY, sum = 0;
  gboolean has_nan = FALSE;

  g_return_if_fail (k >= 1 && temperature > 0);
  beta = 1.0 / temperature;
  for (int c = 0; c < k; c++)
    {
      has_nan |= isnan (logits[c]);
      if (beta * logits[c] > max)
        max = beta * logits[c];
    }
  if (has_nan || !isfinite (max))
    {
      /* NAN or +inf somewhere, or all −inf: no distribution to give */
      for (int c = 0; c < k; c++)
        probs[c] = NAN;
      return;
    }
  for (int c = 0; c < k; c++)
    {
      double e = exp (beta * logits[c] - max);

      probs[c] = (float) e;
      sum += e;
    }
  for (int c = 0; c < k; c++)
    probs[c] = (float) (probs[c] / sum);
}

/**
 * ls_calibrate_apply_temperature:
 * @logits: (array length=n×k): row-major logits
 * @probs: (out) (array length=n×k): softmax(logits / T) per row; may alias
 *   @logits
 */
void
ls_calibrate_apply_temperature (const float *logits,
                                int n,
                                int k,
                                double temperature,
                                float *probs)
{
  g_return_if_fail (n >= 0 && k >= 1 && temperature > 0);
  for (int i = 0; i < n; i++)
    ls_softmax (logits + (gsize) i * k, k, temperature, probs + (gsize) i * k);
}

/**
 * ls_calibrate_nll:
 *
 * Mean negative log-likelihood of the true labels under
 * softmax(logits / T): mean of lse(z_i / T) − z_{i, y_i} / T.
 */
double
ls_calibrate_nll (const float *logits,
                  const int *labels,
                  int n,
                  int k,
                  double temperature)
{
  double beta, sum = 0;

  g_return_val_if_fail (n >= 1 && k >= 1 && temperature > 0, NAN);
  beta = 1.0 / temperature;
  for (int i = 0; i < n; i++)
    {
      const float *row = logits + (gsize) i * k;

      sum += ls_log_sum_exp (row, k, beta) - beta * row[labels[i]];
    }
  return sum / n;
}

static gboolean
check_inputs (const float *logits,
              const int *labels,
              int n,
              int k,
              GError **error)
{
  if (n < 1 || k < 2)
    {
      g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID,
                   "temperature fit needs at least one sample and two classes, got %d × %d", n, k);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      if (labels[i] < 0 || labels[i] >= k)
        {
          g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID,
                       "sample %d: label %d is not a class index in [0, %d)", i, labels[i], k);
          return FALSE;
        }
      for (int c = 0; c < k; c++)
        if (!isfinite (logits[(gsize) i * k + c]))
          {
            g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_INVALID,
                         "sample %d: logit of class %d is not finite", i, c);
            return FALSE;
          }
    }
  return TRUE;
}

typedef struct
{
  const float *logits;
  const int *labels;
  int n, k;
  int evaluations;
} FitData;

static double
nll_at_log_t (FitData *d,
              double u)
{
  d->evaluations++;
  return ls_calibrate_nll (d->logits, d->labels, d->n, d->k, exp (u));
}

/**
 * ls_calibrate_fit_temperature:
 * @logits: (array length=n×k): validation logits, row-major
 * @labels: (array length=n): their true classes
 * @fit: (out): the temperature and the NLL before and after
 * @error: set when the inputs cannot be fitted
 *
 * Finds T in [%LS_TEMPERATURE_MIN, %LS_TEMPERATURE_MAX] minimising the mean
 * NLL of softmax(logits / T), and keeps T = 1 when that minimiser is the
 * lower bound (see calibrate.h for the method and why).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
ls_calibrate_fit_temperature (const float *logits,
                              const int *labels,
                              int n,
                              int k,
                              LsTemperatureFit *fit,
                              GError **error)
{
  const double inv_phi = (sqrt (5.0) - 1.0) / 2.0; /* 0.618… */
  FitData d = { logits, labels, n, k, 0 };
  double a = log (LS_TEMPERATURE_MIN), b = log (LS_TEMPERATURE_MAX);
  double x1, x2, f1, f2, u, fu, fa, fb;

  g_return_val_if_fail (fit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_inputs (logits, labels, n, k, error))
    return FALSE;

  x1 = b - inv_phi * (b - a);
  x2 = a + inv_phi * (b - a);
  f1 = nll_at_log_t (&d, x1);
  f2 = nll_at_log_t (&d, x2);
  while (b - a > FIT_TOLERANCE)
    {
      if (f1 <= f2)
        {
          b = x2;
          x2 = x1;
          f2 = f1;
          x1 = b - inv_phi * (b - a);
          f1 = nll_at_log_t (&d, x1);
        }
      else
        {
          a = x1;
          x1 = x2;
          f1 = f2;
          x2 = a + inv_phi * (b - a);
          f2 = nll_at_log_t (&d, x2);
        }
    }
  u = f1 <= f2 ? x1 : x2;
  fu = MIN (f1, f2);

  /* A monotone NLL pushes the bracket to an end; the ends themselves are
   * never evaluated by the search, so compare with them directly. */
  fa = nll_at_log_t (&d, log (LS_TEMPERATURE_MIN));
  fb = nll_at_log_t (&d, log (LS_TEMPERATURE_MAX));
  fit->at_bound = FALSE;
  if (fa < fu)
    {
      u = log (LS_TEMPERATURE_MIN);
      fu = fa;
    }
  if (fb < fu)
    {
      u = log (LS_TEMPERATURE_MAX);
      fu = fb;
    }
  fit->fitted = CLAMP (exp (u), LS_TEMPERATURE_MIN, LS_TEMPERATURE_MAX);
  fit->at_bound = u - log (LS_TEMPERATURE_MIN) < 1e-6 || log (LS_TEMPERATURE_MAX) - u < 1e-6;
  fit->nll_before = ls_calibrate_nll (logits, labels, n, k, 1.0);
  /* No interior minimum on the sharp side: nothing to fit (calibrate.h). */
  fit->kept_one = u - log (LS_TEMPERATURE_MIN) < 1e-6;
  fit->temperature = fit->kept_one ? 1.0 : fit->fitted;
  fit->nll_after = fit->kept_one ? fit->nll_before : fu;
  fit->evaluations = d.evaluations;
  return TRUE;
}

/**
 * ls_calibration_to_json:
 *
 * The model card's `calibration` value (DESIGN §4):
 * `{"method":"temperature","temperature":1.83,"nll_before":0.41,"nll_after":0.33}`,
 * and when the fit kept T = 1 also `"fitted"` (the bound it stopped at) and
 * `"kept"` (why).
 *
 * Returns: (transfer full): compact JSON text
 */
char *
ls_calibration_to_json (const LsTemperatureFit *fit)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (fit != NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, "temperature");
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, fit->temperature);
  json_builder_set_member_name (b, "nll_before");
  json_builder_add_double_value (b, fit->nll_before);
  json_builder_set_member_name (b, "nll_after");
  json_builder_add_double_value (b, fit->nll_after);
  if (fit->kept_one)
    {
      json_builder_set_member_name (b, "fitted");
      json_builder_add_double_value (b, fit->fitted);
      json_builder_set_member_name (b, "kept");
      json_builder_add_string_value (b, "the NLL fell all the way to the lower bound (validation part "
                                        "separable): T = 1 kept");
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

/**
 * ls_calibration_from_json:
 * @json: the `calibration` metadata text
 * @temperature: (out): the temperature it holds
 *
 * Reads the temperature back; other members are ignored.
 *
 * Returns: TRUE, or FALSE with @error set when the text is not JSON or has
 * no finite "temperature" > 0.
 */
gboolean
ls_calibration_from_json (const char *json,
                          double *temperature,
                          GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root, *node;
  double t;

  g_return_val_if_fail (json != NULL && temperature != NULL, FALSE);
  if (!json_parser_load_from_data (parser, json, -1, &local))
    {
      g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_PARSE, "calibration metadata: %s",
                   local->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (node = json_object_get_member (json_node_get_object (root), "temperature")) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    {
      g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_PARSE,
                   "calibration metadata: no numeric “temperature”");
      return FALSE;
    }
  t = json_node_get_double (node);
  if (!(t > 0) || !isfinite (t))
    {
      g_set_error (error, LS_CALIBRATE_ERROR, LS_CALIBRATE_ERROR_PARSE,
                   "calibration metadata: temperature %g is not a finite number > 0", t);
      return FALSE;
    }
  *temperature = t;
  return TRUE;
}
