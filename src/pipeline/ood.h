/* ood.h — out-of-distribution scores
 *
 * Two scores, both "higher = less like the training data":
 *
 * - Energy (Liu et al., 2020) from the logits: E(z) = −T · ln Σ_c exp(z_c / T).
 *   Confident in-distribution inputs have large logits and a low energy.
 *
 * - Mahalanobis (Lee et al., 2018) on penultimate features (the 256-d
 *   global-average-pooled features of lungnet-s): class means μ_c and one
 *   shared ("tied") covariance Σ estimated from the within-class residuals
 *   x_i − μ_{y_i} of the training features. The score is the smallest
 *   Mahalanobis distance min_c sqrt((x − μ_c)ᵀ Σ⁻¹ (x − μ_c)).
 *   Σ is the maximum-likelihood covariance S of the residuals (divided by n),
 *   regularised in one of two ways:
 *     Ledoit-Wolf: Σ = (1 − δ) S + δ m I with m = tr(S)/d and δ the
 *       Ledoit–Wolf (2004) intensity, computed as
 *       sklearn.covariance.ledoit_wolf_shrinkage on the residuals taken as
 *       centred (assume_centered=True);
 *     ridge: Σ = S + λ m I for a fixed λ ≥ 0 (relative to the mean variance
 *       m, so it does not depend on the feature scale).
 *   The fit inverts Σ through a Cholesky factorisation in double and keeps
 *   float arrays the model file stores as tensors: LS_OOD_TENSOR_MEANS
 *   [k, d] and LS_OOD_TENSOR_PRECISION [d, d] (Σ⁻¹, symmetric).
 *
 * The threshold is a percentile (numpy's default "linear" interpolation) of
 * the scores of in-distribution images, typically the validation part: at
 * the 95th percentile about 5 % of in-distribution images are flagged.
 * A score above the threshold is out of distribution.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_OOD_ERROR (ls_ood_error_quark ())

typedef enum
{
  LS_OOD_ERROR_INVALID,  /* features, labels or parameters that cannot be used */
  LS_OOD_ERROR_SINGULAR, /* the shared covariance is not positive definite */
  LS_OOD_ERROR_PARSE,    /* metadata or tensors that do not describe a detector */
} LsOodError;

typedef enum
{
  LS_OOD_METHOD_ENERGY,
  LS_OOD_METHOD_MAHALANOBIS,
} LsOodMethod;

typedef enum
{
  LS_OOD_SHRINKAGE_LEDOIT_WOLF,
  LS_OOD_SHRINKAGE_RIDGE,
} LsOodShrinkage;

#define LS_OOD_TENSOR_MEANS "ood.means"
#define LS_OOD_TENSOR_PRECISION "ood.precision"
#define LS_OOD_DEFAULT_PERCENTILE 95.0

typedef struct
{
  LsOodMethod method;
  int n_classes;
  int dim;            /* feature length d; 0 for energy */
  float *means;       /* [n_classes × dim], NULL for energy */
  float *precision;   /* [dim × dim] Σ⁻¹, NULL for energy */
  double temperature; /* energy only: T */
  LsOodShrinkage shrinkage;
  double shrinkage_value; /* Ledoit-Wolf: the fitted δ in [0, 1]; ridge: λ */
  int n_fit;              /* training samples the statistics came from */
  double percentile;      /* of in-distribution scores; NAN until a threshold is set */
  double threshold;       /* NAN until set */
} LsOod;

GQuark ls_ood_error_quark (void);

double ls_ood_energy (const float *logits,
                      int k,
                      double temperature);
double ls_ood_percentile (const double *values,
                          int n,
                          double percentile);

LsOod *ls_ood_new_energy (int n_classes,
                          double temperature);
LsOod *ls_ood_fit_mahalanobis (const float *features,
                               const int *labels,
                               int n,
                               int dim,
                               int n_classes,
                               LsOodShrinkage shrinkage,
                               double ridge,
                               GError **error);
LsOod *ls_ood_copy (const LsOod *ood);
void ls_ood_free (LsOod *ood);

void ls_ood_score (const LsOod *ood,
                   const float *features,
                   const float *logits,
                   int n,
                   double *scores);
gboolean ls_ood_set_threshold (LsOod *ood,
                               const float *features,
                               const float *logits,
                               int n,
                               double percentile,
                               GError **error);
gboolean ls_ood_is_outlier (const LsOod *ood,
                            double score);

char *ls_ood_metadata_to_json (const LsOod *ood);
LsOod *ls_ood_new_from_metadata (const char *json,
                                 const float *means,
                                 gsize n_means,
                                 const float *precision,
                                 gsize n_precision,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsOod, ls_ood_free)

G_END_DECLS
