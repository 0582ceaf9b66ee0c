/* preview.c — augmented previews of one radiograph
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "preview.h"

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
