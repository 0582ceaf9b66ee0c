/* preview.h — augmented previews of one radiograph, as the app shows them
 * and `lungscope-cli augment` writes them
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imaging/augment.h"
#include "imaging/image.h"
#include "imaging/preprocess.h"
#include "pipeline/predict.h"

G_BEGIN_DECLS

typedef struct
{
  guint index;             /* 0 … n − 1 */
  LsImage *image;          /* size × size, the augmented model input */
  LsAugmentRecord *record; /* the sampled parameters, replayable */
  char *description;       /* the parameters in words */
} LsAugmentPreview;

void ls_augment_preview_free (LsAugmentPreview *preview);

/* Fits @image to @size × @size as a model would (@fit), then applies
 * @pipeline @n times. Preview i draws from generator stream i of @seed, so
 * any one of them can be made again alone with the same (seed, i).
 * Returns: (transfer full) (element-type LsAugmentPreview): n previews,
 * or NULL when cancelled. */
GPtrArray *ls_pipeline_augment_previews (const LsImage *image,
                                         const LsAugmentPipeline *pipeline,
                                         guint n,
                                         guint64 seed,
                                         int size,
                                         LsFit fit,
                                         GCancellable *cancellable,
                                         GError **error);

/* Test-time augmentation: @n previews (as above, at the model's size and
 * fit) and the model's calibrated probabilities on each, beside its answer
 * on the plain (fitted, not augmented) image; their mean and spread say how
 * steady the answer is. The model is used as by prediction (one caller at
 * a time). */
typedef struct
{
  GPtrArray *previews; /* (element-type LsAugmentPreview) */
  guint n;
  int n_classes;
  float *probs; /* n × n_classes, calibrated, one row a preview */
  float *plain; /* n_classes: the plain image's */
  float *mean;  /* n_classes: mean over the previews */
  float *std;   /* n_classes: sample standard deviation over the previews */
  int plain_predicted;
  int mean_predicted;
  double agreement; /* fraction of previews whose class is the plain one's */
} LsTta;

LsTta *ls_pipeline_tta (LsModel *model,
                        const LsImage *image,
                        const LsAugmentPipeline *pipeline,
                        guint n,
                        guint64 seed,
                        GCancellable *cancellable,
                        GError **error);
void ls_tta_free (LsTta *tta);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsAugmentPreview, ls_augment_preview_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsTta, ls_tta_free)

G_END_DECLS
