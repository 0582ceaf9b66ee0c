/* reading.c — the one-page PDF reading of one diagnosed radiograph
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "pipeline/reading.h"

#include "engine/saliency.h"
#include "pipeline/model-info.h"
#include "report/report.h"

/* The overlay for the PDF: a translucent layer over the radiograph, at
 * most 1024 pixels on its long side (the page stretches it). */
static guint8 *
report_overlay (const LsPrediction *p,
                LsColormap colormap,
                float opacity,
                int *width,
                int *height)
{
  int w = p->saliency_width, h = p->saliency_height;
  int side = MAX (w, h);
  g_autofree float *small = NULL;
  const float *map = p->saliency;
  guint8 *out;

  if (side > 1024)
    {
      int ow = MAX (1, (int) lround ((double) w * 1024 / side));
      int oh = MAX (1, (int) lround ((double) h * 1024 / side));

      small = g_new (float, (gsize) ow *oh);
      ls_engine_resize_bilinear (p->saliency, h, w, small, oh, ow);
      for (gsize i = 0; i < (gsize) ow * oh; i++)
        small[i] = CLAMP (small[i], 0.0f, 1.0f);
      map = small;
      w = ow;
      h = oh;
    }
  out = g_malloc ((gsize) w * h * 4);
  ls_render_heatmap_layer_argb32 (map, w, h, colormap, opacity, out, w * 4);
  *width = w;
  *height = h;
  return out;
}

gboolean
ls_pipeline_save_reading_pdf (const LsModelChoice *choice,
                              const LsDiagnosis *diagnosis,
                              LsSaliencyMethod method,
                              const char *image_name,
                              LsColormap colormap,
                              float opacity,
                              const char *path,
                              GError **error)
{
  const LsModel *model;
  const LsPrediction *p;
  g_auto (GStrv) lines = NULL;
  g_autofree const char **names = NULL;
  g_autofree double *probs = NULL;
  g_autofree guint8 *overlay = NULL;
  g_autofree char *caption = NULL;
  LsReportDiagnosis d = { 0 };

  g_return_val_if_fail (choice != NULL && diagnosis != NULL && path != NULL, FALSE);
  g_return_val_if_fail (diagnosis->image != NULL && diagnosis->prediction != NULL, FALSE);

  model = choice->model;
  p = diagnosis->prediction;
  lines = ls_model_card_lines (choice);
  names = g_new0 (const char *, model->n_classes + 1);
  probs = g_new0 (double, model->n_classes);
  for (int i = 0; i < model->n_classes; i++)
    {
      names[i] = ls_report_class_label (model->classes[i]);
      probs[i] = CLAMP (p->probs[i], 0.0f, 1.0f);
    }
  d.image = diagnosis->image->data;
  d.width = diagnosis->image->width;
  d.height = diagnosis->image->height;
  if (p->saliency != NULL)
    {
      overlay = report_overlay (p, colormap, opacity, &d.overlay_width, &d.overlay_height);
      d.overlay = overlay;
      caption = g_strdup_printf ("%s, %s", _ (ls_saliency_method_title (method)), names[p->saliency_class]);
      d.overlay_caption = caption;
    }
  d.n_classes = model->n_classes;
  d.class_names = names;
  d.probabilities = probs;
  d.predicted = p->predicted;
  d.ood_score = p->ood_score;
  d.ood_threshold = model->ood != NULL ? model->ood->threshold : NAN;
  d.ood_flagged = p->ood_flag;
  d.model_id = model->id;
  d.model_name = *model->name ? model->name : NULL;
  d.dataset_version = ls_model_card_get (model, "dataset_version");
  d.card_lines = (const char *const *) lines;
  d.synthetic_training = ls_model_choice_is_synthetic (choice);
  d.image_name = image_name != NULL ? image_name : diagnosis->name;
  d.image_sha256 = diagnosis->sha256;
  return ls_report_diagnosis_save_pdf (&d, path, error);
}
