/* predict.h — a loaded model with its parsed card, and one image's
 * prediction: calibrated probabilities, OOD score and saliency
 *
 * LsModel is the net plus what callers need from the card (DESIGN.md §4):
 * classes, input geometry and normalisation, temperature, OOD detector.
 * The full metadata stays in `metadata` (unknown keys kept on save).
 *
 * An LsModel's net is not reentrant: one prediction at a time per model
 * (the app keeps one model per worker, or serialises).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "base/progress.h"
#include "engine/net.h"
#include "engine/saliency.h"
#include "imaging/image.h"
#include "imaging/preprocess.h"
#include "pipeline/ood.h"

G_BEGIN_DECLS

#define LS_MODEL_ERROR (ls_model_error_quark ())

typedef enum
{
  LS_MODEL_ERROR_CARD,  /* metadata missing or not what the card says */
  LS_MODEL_ERROR_INPUT, /* an image or option the model cannot take */
} LsModelError;

#define LS_MODEL_MAX_CHANNELS 3

typedef struct
{
  LsNet *net;
  GHashTable *metadata; /* char* → char*, the whole card */
  const char *id;       /* borrowed from metadata ("" when absent) */
  const char *name;
  const char *parent_id;
  char **classes; /* NULL-terminated */
  int n_classes;
  int size;
  int channels;
  LsFit fit;
  float mean[LS_MODEL_MAX_CHANNELS];
  float std[LS_MODEL_MAX_CHANNELS];
  double temperature; /* 1 when the card has no calibration */
  LsOod *ood;         /* NULL when the card has none */
  int feature_layer;  /* the GAP layer (OOD features), −1 if none */
} LsModel;

typedef struct
{
  gboolean saliency; /* compute a map */
  LsSaliencyMethod method;
  int target_class; /* −1: the predicted class */
  /* 0: the map at the image's size; else its longer side at most this,
   * same aspect (a display stretches it over the image: the map has no
   * finer detail than the model's input). */
  int saliency_max_side;
} LsPredictOptions;

typedef struct
{
  int n_classes;
  float *logits; /* [n_classes] */
  float *probs;  /* [n_classes], calibrated (softmax of logits / T) */
  int predicted;
  double ood_score; /* NAN without a detector */
  gboolean ood_flag;
  float *saliency; /* saliency_width × saliency_height in [0, 1], the
                    * original image's geometry; NULL when not asked */
  int saliency_width;
  int saliency_height;
  int saliency_class;
  double seconds; /* preprocessing, forward and saliency */
} LsPrediction;

GQuark ls_model_error_quark (void);

/* Reads and checks a model file: the net (model.h) and the card. */
LsModel *ls_model_load (const char *path,
                        GError **error);
/* Takes @net and @metadata (transfer full) and parses the card; @ood
 * (transfer full, may be NULL) overrides the card's detector. */
LsModel *ls_model_new (LsNet *net,
                       GHashTable *metadata,
                       LsOod *ood,
                       GError **error);
void ls_model_free (LsModel *model);
/* Writes the net, the card and the ood.* tensors atomically (model.h). */
gboolean ls_model_save (LsModel *model,
                        const char *path,
                        GError **error);

void ls_predict_options_init (LsPredictOptions *options);

/* @image: a decoded radiograph (any size); @options may be NULL (no
 * saliency). */
LsPrediction *ls_pipeline_predict (LsModel *model,
                                   const LsImage *image,
                                   const LsPredictOptions *options,
                                   GError **error);
void ls_prediction_free (LsPrediction *prediction);

/* The net's outputs on a prepared input (channels × size × size): logits
 * and, if @features is not NULL, the GAP features (dim of the model's
 * feature layer). Eval mode. */
void ls_model_forward_one (LsModel *model,
                           const float *input,
                           float *logits,
                           float *features);
int ls_model_get_feature_dim (const LsModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsModel, ls_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsPrediction, ls_prediction_free)

G_END_DECLS
