/* preview.c — augmented previews of one radiograph
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "preview.h"

#include "pipeline/calibrate.h"
#include "pipeline/metrics.h"

void
ls_augment_preview_free (LsAugmentPreview *preview)
{
  if (preview == NULL)
    return;
  ls_image_free (preview->image);
  ls_augment_record_free (preview->record);
  g_free (preview->description);
  g_free (preview);
}

GPtrArray *
ls_pipeline_augment_previews (const LsImage *image,
                              const LsAugmentPipeline *pipeline,
                              guint n,
                              guint64 seed,
                              int size,
                              LsFit fit,
                              GCancellable *cancellable,
                              GError **error)
{
  g_autoptr (GPtrArray) previews = NULL;
  g_autoptr (LsImage) fitted = NULL;
  g_autoptr (LsAugmentScratch) scratch = NULL;

  g_return_val_if_fail (image != NULL && pipeline != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  fitted = ls_image_fit (image, size, fit);
  scratch = ls_augment_scratch_new (pipeline, fitted->width, fitted->height);
  previews = g_ptr_array_new_full (n, (GDestroyNotify) ls_augment_preview_free);

  for (guint i = 0; i < n; i++)
    {
      LsAugmentPreview *preview;
      LsRng rng;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      preview = g_new0 (LsAugmentPreview, 1);
      preview->index = i;
      preview->image = ls_image_copy (fitted);
      preview->record = ls_augment_record_new (pipeline);
      ls_rng_init (&rng, seed, i);
      ls_augment_pipeline_apply (pipeline, &rng, fitted->data, preview->image->data, fitted->width,
                                 fitted->height, scratch, preview->record);
      preview->description = ls_augment_record_describe (preview->record);
      g_ptr_array_add (previews, preview);
    }
  return g_steal_pointer (&previews);
}

void
ls_tta_free (LsTta *tta)
{
  if (tta == NULL)
    return;
  if (tta->previews != NULL)
    g_ptr_array_unref (tta->previews);
  g_free (tta->probs);
  g_free (tta->plain);
  g_free (tta->mean);
  g_free (tta->std);
  g_free (tta);
}

/* Calibrated probabilities of one model-size image. */
static void
predict_fitted (LsModel *model,
                const LsImage *fitted,
                float *input,
                float *logits,
                float *probs)
{
  ls_image_to_model_input (fitted, model->size, model->fit, model->channels, model->mean,
                           model->std, input);
  ls_model_forward_one (model, input, logits, NULL);
  ls_softmax (logits, model->n_classes, model->temperature, probs);
}

LsTta *
ls_pipeline_tta (LsModel *model,
                 const LsImage *image,
                 const LsAugmentPipeline *pipeline,
                 guint n,
                 guint64 seed,
                 GCancellable *cancellable,
                 GError **error)
{
  g_autoptr (LsTta) tta = g_new0 (LsTta, 1);
  g_autoptr (LsImage) fitted = NULL;
  g_autofree float *input = NULL;
  g_autofree float *logits = NULL;
  int k;
  guint agree = 0;

  g_return_val_if_fail (model != NULL && image != NULL && pipeline != NULL, NULL);
  g_return_val_if_fail (n > 0, NULL);

  k = tta->n_classes = model->n_classes;
  tta->n = n;
  tta->previews = ls_pipeline_augment_previews (image, pipeline, n, seed, model->size, model->fit,
                                                cancellable, error);
  if (tta->previews == NULL)
    return NULL;
  input = g_new (float, (gsize) model->channels * model->size * model->size);
  logits = g_new (float, k);
  tta->probs = g_new0 (float, (gsize) n *k);
  tta->plain = g_new0 (float, k);
  tta->mean = g_new0 (float, k);
  tta->std = g_new0 (float, k);
  fitted = ls_image_fit (image, model->size, model->fit);
  predict_fitted (model, fitted, input, logits, tta->plain);
  tta->plain_predicted = ls_metrics_argmax (tta->plain, k);
  for (guint i = 0; i < n; i++)
    {
      const LsAugmentPreview *p = tta->previews->pdata[i];
      float *row = tta->probs + (gsize) i * k;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      predict_fitted (model, p->image, input, logits, row);
      if (ls_metrics_argmax (row, k) == tta->plain_predicted)
        agree++;
      for (int c = 0; c < k; c++)
        tta->mean[c] += row[c] / n;
    }
  for (int c = 0; c < k; c++)
    {
      double ss = 0;

      for (guint i = 0; i < n; i++)
        {
          double d = tta->probs[(gsize) i * k + c] - tta->mean[c];

          ss += d * d;
        }
      tta->std[c] = (float) sqrt (n > 1 ? ss / (n - 1) : 0);
    }
  tta->mean_predicted = ls_metrics_argmax (tta->mean, k);
  tta->agreement = (double) agree / n;
  return g_steal_pointer (&tta);
}
