/* calibrate.h — softmax and temperature scaling
 *
 * Temperature scaling (Guo et al., 2017): one scalar T > 0 divides the
 * logits before the softmax. It is fitted on the validation part by
 * minimising the mean negative log-likelihood of softmax(logits / T); the
 * predicted class never changes, only how confident the model says it is.
 *
 * The fit runs a golden-section search on u = ln T over [ln 0.05, ln 20].
 * The NLL is convex in β = 1/T (a log-sum-exp of functions linear in β minus
 * a linear term), and β is monotone in u, so the NLL is unimodal in u and
 * the search cannot stop at a false minimum. It stops when the bracket is
 * narrower than 1e-9 in u.
 *
 * When the minimiser is the lower bound, T = 1 is kept instead. That happens
 * when the validation part is separable (every sample's true logit is the
 * largest): the NLL then falls towards 0 as T → 0, so the fit says nothing
 * about how sure the model should be, only that it was right every time, and
 * a T at the bound makes the rare wrong answer on new data a certain one
 * (held-out NLL rises). The card's `calibration` records the fitted value
 * and the reason (`"fitted"`, `"kept"`). A minimiser at the upper bound is
 * used as it is: it is the humble side (near-uniform probabilities).
 *
 * All sums are in double; logits and probabilities are float arrays,
 * n × k row-major.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_CALIBRATE_ERROR (ls_calibrate_error_quark ())

typedef enum
{
  LS_CALIBRATE_ERROR_INVALID, /* logits or labels that cannot be fitted */
  LS_CALIBRATE_ERROR_PARSE,   /* calibration metadata that is not one */
} LsCalibrateError;

#define LS_TEMPERATURE_MIN 0.05
#define LS_TEMPERATURE_MAX 20.0

typedef struct
{
  double temperature; /* the T to use: the fitted one, or 1 when kept_one */
  double nll_before;  /* mean NLL at T = 1 */
  double nll_after;   /* mean NLL at @temperature */
  int evaluations;    /* NLL evaluations the search used */
  gboolean at_bound;  /* the minimiser hit LS_TEMPERATURE_MIN or _MAX: the optimum may lie outside */
  double fitted;      /* the minimiser in [LS_TEMPERATURE_MIN, LS_TEMPERATURE_MAX] */
  gboolean kept_one;  /* the minimiser was LS_TEMPERATURE_MIN, so T = 1 was kept */
} LsTemperatureFit;

GQuark ls_calibrate_error_quark (void);

double ls_log_sum_exp (const float *x,
                       int k,
                       double scale);
void ls_softmax (const float *logits,
                 int k,
                 double temperature,
                 float *probs);
void ls_calibrate_apply_temperature (const float *logits,
                                     int n,
                                     int k,
                                     double temperature,
                                     float *probs);
double ls_calibrate_nll (const float *logits,
                         const int *labels,
                         int n,
                         int k,
                         double temperature);
gboolean ls_calibrate_fit_temperature (const float *logits,
                                       const int *labels,
                                       int n,
                                       int k,
                                       LsTemperatureFit *fit,
                                       GError **error);

char *ls_calibration_to_json (const LsTemperatureFit *fit);
gboolean ls_calibration_from_json (const char *json,
                                   double *temperature,
                                   GError **error);

G_END_DECLS
