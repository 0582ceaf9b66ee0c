/* ood.c — out-of-distribution scores
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ood.h"

#include <cblas.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "pipeline/json-text.h"

/* Rows scored per sgemm in ls_ood_score(). */
#define SCORE_CHUNK 128

GQuark
ls_ood_error_quark (void)
{
  return g_quark_from_static_string ("ls-ood-error-quark");
}

/**
 * ls_ood_energy:
 * @logits: (array length=k): one row of logits
 * @temperature: T > 0
 *
 * Returns: −T · ln Σ exp(z_c / T); higher is less like the training data.
 */
double
ls_ood_energy (const float *logits,
               int k,
               double temperature)
{
  g_return_val_if_fail (k >= 1 && temperature > 0, NAN);
  return -temperature * ls_log_sum_exp (logits, k, 1.0 / temperature);
}

static int
double_compare (const void *pa,
                const void *pb)
{
  double a = *(const double *) pa, b = *(const double *) pb;

  return (a > b) - (a < b);
}

/**
 * ls_ood_percentile:
 * @values: (array length=n): finite values, n ≥ 1
 * @percentile: in [0, 100]
 *
 * numpy.percentile with its default linear interpolation: the sorted values
 * v, h = (n − 1) · p / 100, v[⌊h⌋] + (h − ⌊h⌋) (v[⌊h⌋ + 1] − v[⌊h⌋]).
 */
double
ls_ood_percentile (const double *values,
                   int n,
                   double percentile)
{
  g_autofree double *sorted = NULL;
  double h, frac;
  int lo;

  g_return_val_if_fail (n >= 1 && percentile >= 0 && percentile <= 100, NAN);
  sorted = g_memdup2 (values, (gsize) n * sizeof (double));
  qsort (sorted, n, sizeof (double), double_compare);
  h = (n - 1) * (percentile / 100.0);
  lo = (int) floor (h);
  if (lo >= n - 1)
    return sorted[n - 1];
  frac = h - lo;
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

static LsOod *
ood_alloc (LsOodMethod method,
           int n_classes,
           int dim)
{
  LsOod *ood = g_new0 (LsOod, 1);

  ood->method = method;
  ood->n_classes = n_classes;
  ood->dim = dim;
  ood->temperature = 1.0;
  ood->percentile = NAN;
  ood->threshold = NAN;
  if (method == LS_OOD_METHOD_MAHALANOBIS)
    {
      ood->means = g_new0 (float, (gsize) n_classes *dim);
      ood->precision = g_new0 (float, (gsize) dim *dim);
    }
  return ood;
}

/**
 * ls_ood_new_energy:
 * @n_classes: logits per sample
 * @temperature: T > 0 (1 is the usual choice)
 *
 * Returns: (transfer full): an energy detector without a threshold
 */
LsOod *
ls_ood_new_energy (int n_classes,
                   double temperature)
{
  LsOod *ood;

  g_return_val_if_fail (n_classes >= 1 && temperature > 0, NULL);
  ood = ood_alloc (LS_OOD_METHOD_ENERGY, n_classes, 0);
  ood->temperature = temperature;
  return ood;
}

void
ls_ood_free (LsOod *ood)
{
  if (ood == NULL)
    return;
  g_free (ood->means);
  g_free (ood->precision);
  g_free (ood);
}

LsOod *
ls_ood_copy (const LsOod *ood)
{
  LsOod *copy;

  g_return_val_if_fail (ood != NULL, NULL);
  copy = g_memdup2 (ood, sizeof (LsOod));
  copy->means = ood->means ? g_memdup2 (ood->means, (gsize) ood->n_classes * ood->dim * sizeof (float)) : NULL;
  copy->precision = ood->precision ? g_memdup2 (ood->precision, (gsize) ood->dim * ood->dim * sizeof (float)) : NULL;
  return copy;
}

/* In-place Cholesky A = L Lᵀ of the d × d SPD matrix @a (row-major, lower
 * triangle read and overwritten with L; the upper triangle is zeroed).
 * Returns the index of the first non-positive pivot, or -1. */
static int
cholesky (double *a,
          int d)
{
  for (int j = 0; j < d; j++)
    {
      double *rj = a + (gsize) j * d;
      double s = rj[j];

      for (int p = 0; p < j; p++)
        s -= rj[p] * rj[p];
      if (!(s > 0) || !isfinite (s))
        return j;
      rj[j] = sqrt (s);
      for (int i = j + 1; i < d; i++)
        {
          double *ri = a + (gsize) i * d;
          double t = ri[j];

          for (int p = 0; p < j; p++)
            t -= ri[p] * rj[p];
          ri[j] = t / rj[j];
        }
      for (int i = j + 1; i < d; i++)
        rj[i] = 0;
    }
  return -1;
}

/* @l lower-triangular (d × d) → its inverse, also lower-triangular, into
 * @inv, by forward substitution column by column. */
static void
lower_inverse (const double *l,
               double *inv,
               int d)
{
  memset (inv, 0, (gsize) d * d * sizeof (double));
  for (int j = 0; j < d; j++)
    {
      inv[(gsize) j * d + j] = 1.0 / l[(gsize) j * d + j];
      for (int i = j + 1; i < d; i++)
        {
          double s = 0;

          for (int p = j; p < i; p++)
            s += l[(gsize) i * d + p] * inv[(gsize) p * d + j];
          inv[(gsize) i * d + j] = -s / l[(gsize) i * d + i];
        }
    }
}

/* sklearn.covariance.ledoit_wolf_shrinkage(r, assume_centered=True) for the
 * n × d residuals @r whose covariance @s = rᵀr / n (full, symmetric) is
 * already known. */
static double
ledoit_wolf_intensity (const double *r,
                       const double *s,
                       int n,
                       int d)
{
  g_autofree double *r2 = g_new (double, (gsize) n *d);
  g_autofree double *g = g_new0 (double, (gsize) d *d);
  double mu = 0, frob = 0, beta_sum = 0, beta, delta;

  for (gsize i = 0; i < (gsize) n * d; i++)
    r2[i] = r[i] * r[i];
  /* g = r2ᵀ r2, upper triangle */
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, d, n, 1.0, r2, d, 0.0, g, d);
  for (int a = 0; a < d; a++)
    {
      mu += s[(gsize) a * d + a];
      for (int b = 0; b < d; b++)
        frob += s[(gsize) a * d + b] * s[(gsize) a * d + b];
      beta_sum += g[(gsize) a * d + a];
      for (int b = a + 1; b < d; b++)
        beta_sum += 2 * g[(gsize) a * d + b];
    }
  mu /= d;
  /* β̄² = (Σ r2ᵀr2 / n − ‖S‖²) / (d n); δ̄² = ‖S − μI‖² / d */
  beta = (beta_sum / n - frob) / ((double) d * n);
  delta = (frob - d * mu * mu) / d;
  beta = MIN (beta, delta);
  if (beta <= 0 || delta <= 0)
    return 0.0;
  return beta / delta;
}

static gboolean
check_features (const float *features,
                const int *labels,
                int n,
                int dim,
                int n_classes,
                GError **error)
{
  g_autofree int *counts = NULL;

  if (n < 2 || dim < 1 || n_classes < 1)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                   "Mahalanobis fit needs at least 2 samples, 1 feature and 1 class, got %d × %d, %d classes",
                   n, dim, n_classes);
      return FALSE;
    }
  counts = g_new0 (int, n_classes);
  for (int i = 0; i < n; i++)
    {
      if (labels[i] < 0 || labels[i] >= n_classes)
        {
          g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                       "sample %d: label %d is not a class index in [0, %d)", i, labels[i], n_classes);
          return FALSE;
        }
      counts[labels[i]]++;
      for (int j = 0; j < dim; j++)
        if (!isfinite (features[(gsize) i * dim + j]))
          {
            g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                         "sample %d: feature %d is not finite", i, j);
            return FALSE;
          }
    }
  for (int c = 0; c < n_classes; c++)
    if (counts[c] == 0)
      {
        g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                     "class %d has no training features: its mean is undefined", c);
        return FALSE;
      }
  return TRUE;
}

/**
 * ls_ood_fit_mahalanobis:
 * @features: (array length=n×dim): training features, row-major
 * @labels: (array length=n): their classes
 * @shrinkage: how the shared covariance is regularised (see ood.h)
 * @ridge: λ for %LS_OOD_SHRINKAGE_RIDGE (≥ 0); ignored for Ledoit-Wolf
 * @error: set for unusable inputs or a covariance that is not positive
 *   definite (a ridge of 0 with fewer samples than features)
 *
 * Fits class means and the tied precision matrix. The threshold is not set:
 * call ls_ood_set_threshold() on held-out in-distribution features.
 *
 * Returns: (transfer full): the detector, or NULL with @error set.
 */
LsOod *
ls_ood_fit_mahalanobis (const float *features,
                        const int *labels,
                        int n,
                        int dim,
                        int n_classes,
                        LsOodShrinkage shrinkage,
                        double ridge,
                        GError **error)
{
  g_autoptr (LsOod) ood = NULL;
  g_autofree double *means = NULL, *r = NULL, *s = NULL, *linv = NULL, *p = NULL;
  g_autofree int *counts = NULL;
  const int d = dim, k = n_classes;
  double mu = 0, delta;
  int bad;

  g_return_val_if_fail (features != NULL && labels != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!check_features (features, labels, n, dim, n_classes, error))
    return NULL;
  if (shrinkage == LS_OOD_SHRINKAGE_RIDGE && !(ridge >= 0 && isfinite (ridge)))
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID, "ridge must be ≥ 0, got %g", ridge);
      return NULL;
    }

  means = g_new0 (double, (gsize) k *d);
  counts = g_new0 (int, k);
  for (int i = 0; i < n; i++)
    {
      counts[labels[i]]++;
      for (int j = 0; j < d; j++)
        means[(gsize) labels[i] * d + j] += features[(gsize) i * d + j];
    }
  for (int c = 0; c < k; c++)
    for (int j = 0; j < d; j++)
      means[(gsize) c * d + j] /= counts[c];

  r = g_new (double, (gsize) n *d);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      r[(gsize) i * d + j] = features[(gsize) i * d + j] - means[(gsize) labels[i] * d + j];

  /* S = rᵀ r / n, mirrored to full */
  s = g_new0 (double, (gsize) d *d);
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, d, n, 1.0 / n, r, d, 0.0, s, d);
  for (int a = 0; a < d; a++)
    {
      mu += s[(gsize) a * d + a];
      for (int b = a + 1; b < d; b++)
        s[(gsize) b * d + a] = s[(gsize) a * d + b];
    }
  mu /= d;
  if (!(mu > 0))
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_SINGULAR,
                   "features have no within-class variance: every sample equals its class mean");
      return NULL;
    }

  if (shrinkage == LS_OOD_SHRINKAGE_LEDOIT_WOLF)
    {
      delta = ledoit_wolf_intensity (r, s, n, d);
      for (gsize i = 0; i < (gsize) d * d; i++)
        s[i] *= 1.0 - delta;
      for (int a = 0; a < d; a++)
        s[(gsize) a * d + a] += delta * mu;
    }
  else
    {
      delta = ridge;
      for (int a = 0; a < d; a++)
        s[(gsize) a * d + a] += ridge * mu;
    }

  bad = cholesky (s, d);
  if (bad >= 0)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_SINGULAR,
                   "shared covariance of %d samples × %d features is not positive definite "
                   "(pivot %d); use Ledoit-Wolf shrinkage or a larger ridge",
                   n, d, bad);
      return NULL;
    }
  linv = g_new (double, (gsize) d *d);
  lower_inverse (s, linv, d);
  /* Σ⁻¹ = L⁻ᵀ L⁻¹ */
  p = g_new0 (double, (gsize) d *d);
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, d, d, 1.0, linv, d, 0.0, p, d);

  ood = ood_alloc (LS_OOD_METHOD_MAHALANOBIS, k, d);
  ood->shrinkage = shrinkage;
  ood->shrinkage_value = delta;
  ood->n_fit = n;
  for (gsize i = 0; i < (gsize) k * d; i++)
    ood->means[i] = (float) means[i];
  for (int a = 0; a < d; a++)
    for (int b = a; b < d; b++)
      ood->precision[(gsize) a * d + b] = ood->precision[(gsize) b * d + a] = (float) p[(gsize) a * d + b];
  return g_steal_pointer (&ood);
}

static void
score_mahalanobis (const LsOod *ood,
                   const float *features,
                   int n,
                   double *scores)
{
  const int d = ood->dim;
  int chunk = MIN (n, SCORE_CHUNK);
  g_autofree float *diff = g_new (float, (gsize) chunk *d);
  g_autofree float *proj = g_new (float, (gsize) chunk *d);

  for (int start = 0; start < n; start += SCORE_CHUNK)
    {
      int m = MIN (SCORE_CHUNK, n - start);
      const float *x = features + (gsize) start * d;

      for (int i = 0; i < m; i++)
        scores[start + i] = INFINITY;
      for (int c = 0; c < ood->n_classes; c++)
        {
          const float *mean = ood->means + (gsize) c * d;

          for (int i = 0; i < m; i++)
            for (int j = 0; j < d; j++)
              diff[(gsize) i * d + j] = x[(gsize) i * d + j] - mean[j];
          /* proj = diff · Σ⁻¹ (m × d) */
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, d, 1.0f, diff, d,
                       ood->precision, d, 0.0f, proj, d);
          for (int i = 0; i < m; i++)
            {
              double q = 0;

              for (int j = 0; j < d; j++)
                q += (double) diff[(gsize) i * d + j] * proj[(gsize) i * d + j];
              q = sqrt (MAX (q, 0.0));
              if (q < scores[start + i])
                scores[start + i] = q;
            }
        }
    }
}

/**
 * ls_ood_score:
 * @features: (array length=n×dim) (nullable): penultimate features, needed
 *   by Mahalanobis
 * @logits: (array length=n×n_classes) (nullable): logits, needed by energy
 * @scores: (out) (array length=n): higher = less like the training data
 *
 * Scores @n samples with the detector's method. Non-finite inputs give a
 * non-finite score (NAN or +inf), which ls_ood_is_outlier() flags.
 */
void
ls_ood_score (const LsOod *ood,
              const float *features,
              const float *logits,
              int n,
              double *scores)
{
  g_return_if_fail (ood != NULL && scores != NULL && n >= 0);
  if (n == 0)
    return;
  switch (ood->method)
    {
    case LS_OOD_METHOD_ENERGY:
      g_return_if_fail (logits != NULL);
      for (int i = 0; i < n; i++)
        scores[i] = ls_ood_energy (logits + (gsize) i * ood->n_classes, ood->n_classes, ood->temperature);
      break;
    case LS_OOD_METHOD_MAHALANOBIS:
      g_return_if_fail (features != NULL);
      score_mahalanobis (ood, features, n, scores);
      break;
    default:
      g_return_if_reached ();
    }
}

/**
 * ls_ood_set_threshold:
 * @features: (nullable): in-distribution features (Mahalanobis)
 * @logits: (nullable): in-distribution logits (energy)
 * @n: samples, ≥ 1
 * @percentile: in (0, 100], e.g. %LS_OOD_DEFAULT_PERCENTILE
 *
 * Scores held-out in-distribution samples and sets the threshold to the
 * given percentile of their scores.
 *
 * Returns: TRUE, or FALSE with @error set when there are no samples, the
 * percentile is out of range or a score is not finite.
 */
gboolean
ls_ood_set_threshold (LsOod *ood,
                      const float *features,
                      const float *logits,
                      int n,
                      double percentile,
                      GError **error)
{
  g_autofree double *scores = NULL;

  g_return_val_if_fail (ood != NULL, FALSE);
  if (n < 1 || !(percentile > 0 && percentile <= 100))
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                   "OOD threshold needs at least one sample and a percentile in (0, 100], got %d and %g",
                   n, percentile);
      return FALSE;
    }
  if ((ood->method == LS_OOD_METHOD_ENERGY && logits == NULL) ||
      (ood->method == LS_OOD_METHOD_MAHALANOBIS && features == NULL))
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID, "OOD threshold: the %s method needs %s",
                   ood->method == LS_OOD_METHOD_ENERGY ? "energy" : "Mahalanobis",
                   ood->method == LS_OOD_METHOD_ENERGY ? "logits" : "features");
      return FALSE;
    }
  scores = g_new (double, n);
  ls_ood_score (ood, features, logits, n, scores);
  for (int i = 0; i < n; i++)
    if (!isfinite (scores[i]))
      {
        g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_INVALID,
                     "OOD threshold: sample %d has a non-finite score (non-finite input)", i);
        return FALSE;
      }
  ood->percentile = percentile;
  ood->threshold = ls_ood_percentile (scores, n, percentile);
  return TRUE;
}

/**
 * ls_ood_is_outlier:
 *
 * Returns: TRUE when @score is above the threshold or not finite; FALSE
 * when no threshold is set.
 */
gboolean
ls_ood_is_outlier (const LsOod *ood,
                   double score)
{
  g_return_val_if_fail (ood != NULL, FALSE);
  if (isnan (ood->threshold))
    return FALSE;
  return !isfinite (score) || score > ood->threshold;
}

static const char *
method_to_string (LsOodMethod method)
{
  return method == LS_OOD_METHOD_ENERGY ? "energy" : "mahalanobis";
}

static const char *
shrinkage_to_string (LsOodShrinkage shrinkage)
{
  return shrinkage == LS_OOD_SHRINKAGE_LEDOIT_WOLF ? "ledoit-wolf" : "ridge";
}

/**
 * ls_ood_metadata_to_json:
 *
 * The model card's `ood` value (DESIGN §4): method and threshold, and for
 * Mahalanobis the shapes and regularisation; the arrays themselves are the
 * tensors %LS_OOD_TENSOR_MEANS [classes, dim] and %LS_OOD_TENSOR_PRECISION
 * [dim, dim].
 * |[
 * {"method":"mahalanobis","score":"min-class-distance","classes":3,"dim":256,
 *  "shrinkage":"ledoit-wolf","shrinkage_value":0.12,"n_fit":4000,
 *  "percentile":95,"threshold":21.3}
 * {"method":"energy","classes":3,"temperature":1,"percentile":95,"threshold":-4.2}
 * ]|
 *
 * Returns: (transfer full): compact JSON text
 */
char *
ls_ood_metadata_to_json (const LsOod *ood)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (ood != NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method_to_string (ood->method));
  json_builder_set_member_name (b, "classes");
  json_builder_add_int_value (b, ood->n_classes);
  if (ood->method == LS_OOD_METHOD_MAHALANOBIS)
    {
      json_builder_set_member_name (b, "score");
      json_builder_add_string_value (b, "min-class-distance");
      json_builder_set_member_name (b, "dim");
      json_builder_add_int_value (b, ood->dim);
      json_builder_set_member_name (b, "shrinkage");
      json_builder_add_string_value (b, shrinkage_to_string (ood->shrinkage));
      ls_json_add_number (b, "shrinkage_value", ood->shrinkage_value);
      json_builder_set_member_name (b, "n_fit");
      json_builder_add_int_value (b, ood->n_fit);
    }
  else
    ls_json_add_number (b, "temperature", ood->temperature);
  ls_json_add_number (b, "percentile", ood->percentile);
  ls_json_add_number (b, "threshold", ood->threshold);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

static gboolean
read_number (JsonObject *obj,
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
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                   "ood metadata: “%s” is missing or not a number", key);
      return FALSE;
    }
  *out = json_node_get_double (node);
  return TRUE;
}

static gboolean
read_int (JsonObject *obj,
          const char *key,
          int min,
          int max,
          int *out,
          GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      (v = json_node_get_int (node)) < min || v > max)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                   "ood metadata: “%s” is missing or not an integer in [%d, %d]", key, min, max);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static const char *
read_string (JsonObject *obj,
             const char *key,
             GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                   "ood metadata: “%s” is missing or not a string", key);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
check_array (const char *name,
             const float *values,
             gsize n_values,
             gsize expected,
             GError **error)
{
  if (values == NULL || n_values != expected)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                   "ood tensor “%s” has %" G_GSIZE_FORMAT " values, the metadata needs %" G_GSIZE_FORMAT,
                   name, values ? n_values : 0, expected);
      return FALSE;
    }
  for (gsize i = 0; i < n_values; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                     "ood tensor “%s”: value %" G_GSIZE_FORMAT " is not finite", name, i);
        return FALSE;
      }
  return TRUE;
}

/**
 * ls_ood_new_from_metadata:
 * @json: the `ood` metadata text
 * @means: (array length=n_means) (nullable): tensor %LS_OOD_TENSOR_MEANS
 * @precision: (array length=n_precision) (nullable): tensor
 *   %LS_OOD_TENSOR_PRECISION
 *
 * Rebuilds a detector from what the model file stores. For Mahalanobis the
 * arrays must have classes × dim and dim × dim finite values, the precision
 * symmetric with a positive diagonal; for energy they are ignored.
 *
 * Returns: (transfer full): the detector, or NULL with @error set.
 */
LsOod *
ls_ood_new_from_metadata (const char *json,
                          const float *means,
                          gsize n_means,
                          const float *precision,
                          gsize n_precision,
                          GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (LsOod) ood = NULL;
  JsonNode *root;
  JsonObject *obj;
  const char *method;
  int k = 0, d = 0;

  g_return_val_if_fail (json != NULL, NULL);
  if (!json_parser_load_from_data (parser, json, -1, &local))
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE, "ood metadata: %s", local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE, "ood metadata: not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (root);
  if ((method = read_string (obj, "method", error)) == NULL ||
      !read_int (obj, "classes", 1, 100000, &k, error))
    return NULL;

  if (g_strcmp0 (method, "energy") == 0)
    {
      ood = ood_alloc (LS_OOD_METHOD_ENERGY, k, 0);
      if (!read_number (obj, "temperature", FALSE, &ood->temperature, error))
        return NULL;
      if (!(ood->temperature > 0))
        {
          g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                       "ood metadata: temperature %g is not > 0", ood->temperature);
          return NULL;
        }
    }
  else if (g_strcmp0 (method, "mahalanobis") == 0)
    {
      const char *shrinkage;

      if (!read_int (obj, "dim", 1, 65536, &d, error) ||
          (shrinkage = read_string (obj, "shrinkage", error)) == NULL ||
          !check_array (LS_OOD_TENSOR_MEANS, means, n_means, (gsize) k * d, error) ||
          !check_array (LS_OOD_TENSOR_PRECISION, precision, n_precision, (gsize) d * d, error))
        return NULL;
      /* sizes are now those of arrays the caller holds */
      ood = ood_alloc (LS_OOD_METHOD_MAHALANOBIS, k, d);
      if (g_strcmp0 (shrinkage, "ledoit-wolf") == 0)
        ood->shrinkage = LS_OOD_SHRINKAGE_LEDOIT_WOLF;
      else if (g_strcmp0 (shrinkage, "ridge") == 0)
        ood->shrinkage = LS_OOD_SHRINKAGE_RIDGE;
      else
        {
          g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                       "ood metadata: unknown shrinkage “%s”", shrinkage);
          return NULL;
        }
      if (!read_number (obj, "shrinkage_value", FALSE, &ood->shrinkage_value, error) ||
          !read_int (obj, "n_fit", 0, G_MAXINT, &ood->n_fit, error))
        return NULL;
      for (int a = 0; a < d; a++)
        {
          float paa = precision[(gsize) a * d + a];

          if (!(paa > 0))
            {
              g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                           "ood tensor “%s”: diagonal entry %d is %g, not positive",
                           LS_OOD_TENSOR_PRECISION, a, (double) paa);
              return NULL;
            }
          for (int b = a + 1; b < d; b++)
            {
              float x = precision[(gsize) a * d + b], y = precision[(gsize) b * d + a];

              if (fabsf (x - y) > 1e-4f * MAX (fabsf (x), fabsf (y)))
                {
                  g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE,
                               "ood tensor “%s” is not symmetric at [%d, %d]",
                               LS_OOD_TENSOR_PRECISION, a, b);
                  return NULL;
                }
            }
        }
      memcpy (ood->means, means, (gsize) k * d * sizeof (float));
      memcpy (ood->precision, precision, (gsize) d * d * sizeof (float));
    }
  else
    {
      g_set_error (error, LS_OOD_ERROR, LS_OOD_ERROR_PARSE, "ood metadata: unknown method “%s”",
                   method);
      return NULL;
    }

  if (!read_number (obj, "percentile", TRUE, &ood->percentile, error) ||
      !read_number (obj, "threshold", TRUE, &ood->threshold, error))
    return NULL;
  return g_steal_pointer (&ood);
}
