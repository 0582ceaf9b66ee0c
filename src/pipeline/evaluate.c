/* evaluate.c — a model's calibrated predictions and metrics on an item list
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pipeline/calibrate.h"
#include "pipeline/evaluate.h"
#include "pipeline/train.h"

void
ls_evaluate_options_init (LsEvaluateOptions *options)
{
  memset (options, 0, sizeof *options);
  options->batch_size = 32;
  options->threads = 1;
}

void
ls_evaluation_free (LsEvaluation *evaluation)
{
  if (evaluation == NULL)
    return;
  g_free (evaluation->logits);
  g_free (evaluation->probs);
  g_free (evaluation->labels);
  g_free (evaluation->rows);
  g_free (evaluation->features);
  g_free (evaluation->ood);
  ls_metrics_free (evaluation->metrics);
  g_free (evaluation);
}

static gboolean
check_items (const LsModel *model,
             const LsLoaderItem *items,
             guint n_items,
             GError **error)
{
  if (n_items == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID, "no images to evaluate");
      return FALSE;
    }
  for (guint i = 0; i < n_items; i++)
    if (items[i].label < 0 || items[i].label >= model->n_classes)
      {
        g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                     "%s: label %d is not one of the model's %d classes",
                     items[i].path != NULL ? items[i].path : "an image", items[i].label,
                     model->n_classes);
        return FALSE;
      }
  return TRUE;
}

static LsLoader *
make_loader (LsModel *model,
             const LsLoaderItem *items,
             guint n_items,
             const LsEvaluateOptions *o,
             GError **error)
{
  LsLoaderConfig lc;

  ls_loader_config_init (&lc);
  lc.batch_size = (guint) o->batch_size;
  lc.size = model->size;
  lc.channels = model->channels;
  lc.fit = model->fit;
  for (int c = 0; c < LS_MODEL_MAX_CHANNELS && c < LS_LOADER_MAX_CHANNELS; c++)
    {
      lc.mean[c] = model->mean[c];
      lc.std[c] = model->std[c];
    }
  lc.shuffle = FALSE;
  lc.sampling = LS_LOADER_SAMPLE_SEQUENTIAL;
  lc.n_workers = o->loader_workers;
  /* One pass: caching the fitted images would only cost memory. */
  lc.cache_bytes = 0;
  return ls_loader_new (items, n_items, &lc, error);
}

/* Runs every batch; fills the rows of @ev. */
static gboolean
run_batches (LsModel *model,
             LsLoader *loader,
             guint n_items,
             LsEvaluation *ev,
             LsProgressFunc progress,
             gpointer user_data,
             GCancellable *cancellable,
             GError **error)
{
  int k = model->n_classes, d = ev->feature_dim;
  LsBatch *batch = NULL;
  char message[64];

  ls_loader_start_epoch (loader, 0);
  while (TRUE)
    {
      const float *z, *feat = NULL;

      if (!ls_loader_next (loader, &batch, cancellable, error))
        return FALSE;
      if (batch == NULL)
        return TRUE;
      z = ls_net_forward (model->net, batch->input, (int) batch->n);
      if (model->feature_layer >= 0)
        feat = ls_net_get_layer_output (model->net, model->feature_layer, NULL, NULL, NULL);
      for (guint i = 0; i < batch->n; i++)
        {
          int r = ev->n++;

          memcpy (ev->logits + (gsize) r * k, z + (gsize) i * k, sizeof (float) * k);
          ev->labels[r] = batch->labels[i];
          ev->rows[r] = batch->items[i];
          if (ev->features != NULL && feat != NULL)
            memcpy (ev->features + (gsize) r * d, feat + (gsize) i * d, sizeof (float) * d);
          if (model->ood != NULL)
            ls_ood_score (model->ood, feat != NULL ? feat + (gsize) i * d : NULL, z + (gsize) i * k, 1,
                          &ev->ood[r]);
          else
            ev->ood[r] = NAN;
        }
      ls_loader_release (loader, batch);
      if (progress != NULL)
        {
          g_snprintf (message, sizeof message, "evaluating: %d of %u images", ev->n, n_items);
          progress ((double) ev->n / n_items, message, user_data);
        }
    }
}

LsEvaluation *
ls_pipeline_evaluate (LsModel *model,
                      const LsLoaderItem *items,
                      guint n_items,
                      const LsEvaluateOptions *options,
                      LsProgressFunc progress,
                      gpointer user_data,
                      GCancellable *cancellable,
                      GError **error)
{
  LsEvaluateOptions defaults;
  const LsEvaluateOptions *o = options;
  g_autoptr (LsLoader) loader = NULL;
  g_autoptr (LsEvaluation) ev = NULL;
  g_autofree const char **row_sources = NULL;
  LsNetMode mode = ls_net_get_mode (model->net);
  int k = model->n_classes;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  if (o == NULL)
    {
      ls_evaluate_options_init (&defaults);
      o = &defaults;
    }
  if (o->batch_size < 1 || o->threads < 1)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "evaluation needs a batch and threads of at least 1");
      return NULL;
    }
  if (!check_items (model, items, n_items, error))
    return NULL;
  loader = make_loader (model, items, n_items, o, error);
  if (loader == NULL)
    return NULL;

  ev = g_new0 (LsEvaluation, 1);
  ev->n_classes = k;
  ev->feature_dim = ls_model_get_feature_dim (model);
  ev->logits = g_malloc_n ((gsize) n_items * k, sizeof (float));
  ev->probs = g_malloc_n ((gsize) n_items * k, sizeof (float));
  ev->labels = g_new (int, n_items);
  ev->rows = g_new (guint, n_items);
  ev->ood = g_new (double, n_items);
  if (o->features && ev->feature_dim > 0)
    ev->features = g_malloc_n ((gsize) n_items * ev->feature_dim, sizeof (float));

  ls_net_set_threads (model->net, o->threads);
  if (!ls_net_plan (model->net, o->batch_size, error))
    return NULL;
  ls_net_set_mode (model->net, LS_NET_MODE_EVAL);
  ok = run_batches (model, loader, n_items, ev, progress, user_data, cancellable, error);
  ls_net_set_mode (model->net, mode);
  if (!ok)
    return NULL;
  ev->n_failed = n_items - (guint) ev->n;
  if (ev->n == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED,
                   "none of the %u images could be read", n_items);
      return NULL;
    }

  ls_calibrate_apply_temperature (ev->logits, ev->n, k, model->temperature, ev->probs);
  if (o->sources != NULL)
    {
      row_sources = g_new (const char *, ev->n);
      for (int r = 0; r < ev->n; r++)
        row_sources[r] = o->sources[ev->rows[r]];
    }
  ev->metrics = ls_metrics_compute (ev->n, k, ev->probs, ev->labels, row_sources,
                                    (const char *const *) model->classes, LS_METRICS_DEFAULT_BINS,
                                    error);
  if (ev->metrics == NULL)
    return NULL;
  ev->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&ev);
}
