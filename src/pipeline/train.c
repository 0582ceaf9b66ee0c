/* train.c — the training loop: epochs, validation, best epoch, early stop;
 * then calibration, OOD statistics and evaluation (train-card.c writes the
 * card)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pipeline/train-private.h"

#include <math.h>
#include <string.h>

#include "engine/spec.h"
#include "pipeline/params.h"

/* clang-format off */
G_DEFINE_QUARK (ls-train-error-quark, ls_train_error)
/* clang-format on */

gboolean
ls_train_check_arch (const char *arch,
                     int size,
                     char **sized,
                     GError **error)
{
  const char *text = arch != NULL ? arch : ls_engine_default_arch ();
  g_autoptr (LsNetSpec) spec = NULL;

  *sized = NULL;
  if (size != 0)
    return (*sized = ls_net_spec_text_resize (text, size, 0, error)) != NULL;
  spec = ls_net_spec_parse (text, error);
  return spec != NULL;
}

int
ls_train_default_input_size (void)
{
  g_autoptr (LsNetSpec) spec = ls_net_spec_parse (ls_engine_default_arch (), NULL);

  return spec != NULL ? spec->size : 224;
}

void
ls_train_config_init (LsTrainConfig *config)
{
  memset (config, 0, sizeof *config);
  config->fit = LS_FIT_LETTERBOX;
  for (int c = 0; c < LS_LOADER_MAX_CHANNELS; c++)
    config->std[c] = 1.0f;
  config->epochs = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS)->default_value;
  config->batch_size = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_BATCH)->default_value;
  ls_optim_config_init (&config->optim, LS_OPTIM_ADAMW);
  config->optim.weight_decay = 1e-4f;
  config->optim.clip_norm = 5.0f;
  config->lr = (float) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_LR)->default_value;
  config->min_lr = 0.0f;
  config->warmup_epochs = 1.0f;
  config->label_smoothing = (float) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_LABEL_SMOOTHING)->default_value;
  config->seed = (guint64) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_SEED_NAME)->default_value;
  /* one thread, not the table's "the cores": bit-identical runs by default */
  config->threads = 1;
  config->patience = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE)->default_value;
}

void
ls_train_result_free (LsTrainResult *result)
{
  if (result == NULL)
    return;
  ls_model_free (result->model);
  ls_metrics_free (result->metrics);
  g_free (result->epochs);
  g_free (result);
}

void
ls_train_report (LsTrainRun *run,
                 double fraction,
                 const char *message)
{
  if (run->progress != NULL)
    run->progress (CLAMP (fraction, 0.0, 1.0), message, run->user_data);
}

LsLoader *
ls_train_make_loader (LsTrainRun *run,
                      const LsLoaderItem *items,
                      guint n,
                      gboolean training,
                      GError **error)
{
  const LsTrainConfig *cfg = run->config;
  LsLoaderConfig lc;

  ls_loader_config_init (&lc);
  lc.batch_size = (guint) cfg->batch_size;
  lc.size = ls_net_get_input_size (run->net);
  lc.channels = ls_net_get_input_channels (run->net);
  lc.fit = cfg->fit;
  memcpy (lc.mean, cfg->mean, sizeof lc.mean);
  memcpy (lc.std, cfg->std, sizeof lc.std);
  lc.seed = cfg->seed;
  lc.n_workers = cfg->loader_workers;
  if (training)
    {
      lc.augment = run->augment;
      lc.sampling = cfg->balanced ? LS_LOADER_SAMPLE_BALANCED : LS_LOADER_SAMPLE_SEQUENTIAL;
      if (run->epoch_size > 0)
        {
          lc.sampling = LS_LOADER_SAMPLE_WEIGHTED;
          lc.epoch_size = run->epoch_size;
        }
      lc.shuffle = TRUE;
    }
  else
    {
      lc.augment = NULL;
      lc.sampling = LS_LOADER_SAMPLE_SEQUENTIAL;
      lc.shuffle = FALSE;
    }
  return ls_loader_new (items, n, &lc, error);
}

/* Cross-entropy (no smoothing, no weights) of one row, in double. */
static double
row_nll (const float *z,
         int k,
         int label)
{
  return ls_log_sum_exp (z, k, 1.0) - z[label];
}

gboolean
ls_train_run_pass (LsTrainRun *run,
                   LsLoader *loader,
                   LsTrainPass *pass,
                   GError **error)
{
  int k = ls_net_get_n_classes (run->net);
  LsBatch *batch = NULL;

  pass->n = 0;
  pass->loss = 0;
  pass->correct = 0;
  ls_net_set_mode (run->net, LS_NET_MODE_EVAL);
  ls_loader_start_epoch (loader, 0);
  while (TRUE)
    {
      const float *z, *feat = NULL;

      if (!ls_loader_next (loader, &batch, run->cancellable, error))
        return FALSE;
      if (batch == NULL)
        break;
      z = ls_net_forward (run->net, batch->input, (int) batch->n);
      if (pass->message != NULL)
        ls_train_report (run,
                         pass->progress_from + (pass->progress_to - pass->progress_from) * (batch->index + 1.0) / MAX (ls_loader_get_n_batches (loader), 1),
                         pass->message);

      if (pass->features != NULL)
        feat = ls_net_get_layer_output (run->net, run->feature_layer, NULL, NULL, NULL);
      for (guint i = 0; i < batch->n; i++)
        {
          const float *row = z + (gsize) i * k;
          int label = batch->labels[i];

          g_assert (pass->n < pass->capacity);
          pass->loss += row_nll (row, k, label);
          pass->correct += ls_metrics_argmax (row, k) == label;
          if (pass->logits != NULL)
            memcpy (pass->logits + (gsize) pass->n * k, row, sizeof (float) * k);
          if (pass->labels != NULL)
            pass->labels[pass->n] = label;
          if (pass->items != NULL)
            pass->items[pass->n] = batch->items[i];
          if (feat != NULL)
            memcpy (pass->features + (gsize) pass->n * run->feature_dim,
                    feat + (gsize) i * run->feature_dim, sizeof (float) * run->feature_dim);
          pass->n++;
        }
      ls_loader_release (loader, batch);
    }
  if (pass->n == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED, "no image of the part could be read");
      return FALSE;
    }
  pass->loss /= pass->n;
  return TRUE;
}

/* The parameter and running-statistics tensors, copied to or from @snap. */
static void
snapshot (LsNet *net,
          float *snap,
          gboolean restore)
{
  gsize off = 0;

  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);

      if (restore)
        memcpy (t->data, snap + off, sizeof (float) * t->n_elements);
      else
        memcpy (snap + off, t->data, sizeof (float) * t->n_elements);
      off += t->n_elements;
    }
  if (restore)
    ls_net_params_changed (net);
}

static gboolean
check_config (const LsTrainConfig *cfg,
              guint n_train,
              guint n_val,
              GError **error)
{
  const struct
  {
    const char *name;
    double value;
  } values[] = {
    { LS_PARAM_EPOCHS, cfg->epochs },
    { LS_PARAM_BATCH, cfg->batch_size },
    { LS_PARAM_LR, cfg->lr },
    { LS_PARAM_LABEL_SMOOTHING, cfg->label_smoothing },
    { LS_PARAM_PATIENCE, cfg->patience },
    { LS_PARAM_THREADS, cfg->threads },
  };
  g_autoptr (GError) local = NULL;

  /* the ranges the CLI and the app offer (params.h) */
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (!ls_param_check (ls_params_find (LS_PARAMS_TRAIN, values[i].name), values[i].value, "", &local))
      {
        g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID, "training configuration: %s", local->message);
        return FALSE;
      }
  if (!(cfg->warmup_epochs >= 0))
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "training configuration: warm-up must be 0 or more epochs, not %g", (double) cfg->warmup_epochs);
      return FALSE;
    }
  if (n_train == 0 || n_val == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "training needs a training part and a validation part (%u and %u images)",
                   n_train, n_val);
      return FALSE;
    }
  if (cfg->class_names == NULL)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID, "training needs class names");
      return FALSE;
    }
  return TRUE;
}

/* Copies @parent's tensors into the net (config.init): every tensor must
 * be there with the same shape, except the head's when the classes differ
 * (those keep their random initialisation). */
static gboolean
init_from_model (LsTrainRun *run,
                 const LsModel *parent,
                 GError **error)
{
  const LsNetSpec *spec = ls_net_get_spec (run->net);
  gboolean same_classes = g_strv_equal (run->config->class_names, (const char *const *) parent->classes);
  g_autofree char *head = g_strconcat (spec->layers[spec->n_layers - 1].name, ".", NULL);
  const char *who = parent->id != NULL && *parent->id != '\0' ? parent->id : "the initial model";

  for (guint i = 0; i < ls_net_get_n_tensors (run->net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (run->net, i);
      const LsNetTensor *p;

      if (!same_classes && g_str_has_prefix (t->name, head))
        continue;
      p = ls_net_find_tensor (parent->net, t->name);
      if (p == NULL)
        {
          g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                       "cannot start from model %s: it has no tensor “%s” (another architecture?)", who,
                       t->name);
          return FALSE;
        }
      if (p->n_dims != t->n_dims || p->n_elements != t->n_elements ||
          memcmp (p->shape, t->shape, sizeof (int64_t) * (gsize) t->n_dims) != 0)
        {
          g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                       "cannot start from model %s: its tensor “%s” has another shape than the "
                       "network's (another architecture?)",
                       who, t->name);
          return FALSE;
        }
      memcpy (t->data, p->data, sizeof (float) * t->n_elements);
    }
  return TRUE;
}

gboolean
ls_train_check_labels (const LsLoaderItem *items,
                       guint n,
                       int k,
                       const char *part,
                       GError **error)
{
  for (guint i = 0; i < n; i++)
    if (items[i].label < 0 || items[i].label >= k)
      {
        g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                     "%s part, item %u (%s): label %d is not one of the %d classes", part, i,
                     items[i].path ? items[i].path : "in memory", items[i].label, k);
        return FALSE;
      }
  return TRUE;
}

static gboolean
setup (LsTrainRun *run,
       const LsLoaderItem *train,
       guint n_train,
       const LsLoaderItem *val,
       guint n_val,
       const LsLoaderItem *test,
       guint n_test,
       GError **error)
{
  const LsTrainConfig *cfg = run->config;
  int k;

  if (!check_config (cfg, n_train, n_val, error))
    return FALSE;
  if (cfg->arch == NULL && cfg->init != NULL)
    {
      /* the parent's network, its head as wide as the classes */
      g_autofree char *arch = ls_net_spec_text_resize (ls_net_get_spec (cfg->init->net)->text, 0,
                                                       (int) g_strv_length ((char **) cfg->class_names), error);

      run->net = arch != NULL ? ls_net_new (arch, error) : NULL;
    }
  else
    run->net = ls_net_new (cfg->arch != NULL ? cfg->arch : ls_engine_default_arch (), error);
  if (run->net == NULL)
    return FALSE;
  k = ls_net_get_n_classes (run->net);
  if ((int) g_strv_length ((char **) cfg->class_names) != k)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "%u class names for a network with %d outputs",
                   g_strv_length ((char **) cfg->class_names), k);
      return FALSE;
    }
  if (ls_net_get_input_channels (run->net) > LS_LOADER_MAX_CHANNELS)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "the loader feeds at most %d channels", LS_LOADER_MAX_CHANNELS);
      return FALSE;
    }
  if (!ls_train_check_labels (train, n_train, k, "training", error) || !ls_train_check_labels (val, n_val, k, "validation", error) || !ls_train_check_labels (test, n_test, k, "test", error))
    return FALSE;
  run->feature_layer = ls_net_find_layer (run->net, LS_LAYER_GAP);
  if (cfg->augment == NULL)
    run->augment = ls_augment_pipeline_new_default ();
  else if (*cfg->augment != '\0')
    {
      run->augment = ls_augment_pipeline_new_from_string (cfg->augment, error);
      if (run->augment == NULL)
        return FALSE;
    }
  ls_net_set_threads (run->net, cfg->threads > 0 ? cfg->threads : ls_default_threads ());
  if (!ls_net_plan (run->net, cfg->batch_size, error))
    return FALSE;
  if (run->feature_layer >= 0)
    ls_net_get_layer_output (run->net, run->feature_layer, &run->feature_dim, NULL, NULL);
  ls_net_init_params (run->net, cfg->seed);
  if (cfg->init != NULL && !init_from_model (run, cfg->init, error))
    return FALSE;
  run->opt = ls_optimizer_new (&cfg->optim, ls_net_get_n_params (run->net));
  for (guint i = 0; i < ls_net_get_n_tensors (run->net); i++)
    run->n_snapshot += ls_net_get_tensor (run->net, i)->n_elements;
  run->best = g_new (float, run->n_snapshot);
  /* every item once per epoch (shuffled, or as many balanced draws) */
  run->batches_per_epoch = (n_train + (guint) cfg->batch_size - 1) / (guint) cfg->batch_size;
  run->train_loader = ls_train_make_loader (run, train, n_train, TRUE, error);
  if (run->train_loader == NULL)
    return FALSE;
  run->val_loader = ls_train_make_loader (run, val, n_val, FALSE, error);
  return run->val_loader != NULL;
}

gboolean
ls_train_run_epoch (LsTrainRun *run,
                    int epoch,
                    LsTrainEpoch *rec,
                    GError **error)
{
  const LsTrainConfig *cfg = run->config;
  LsLossConfig loss = { cfg->class_weights, cfg->label_smoothing };
  guint nb = run->batches_per_epoch;
  LsLoaderStats before, after;
  LsBatch *batch = NULL;
  double sum_loss = 0, sum_correct = 0;
  guint n = 0;
  gint64 t0 = g_get_monotonic_time ();
  char msg[128];

  ls_loader_get_stats (run->train_loader, &before);
  ls_net_set_mode (run->net, run->train_mode);
  ls_loader_start_epoch (run->train_loader, (guint) epoch);
  while (TRUE)
    {
      LsStepResult res;
      float lr;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      if (!ls_loader_next (run->train_loader, &batch, run->cancellable, error))
        return FALSE;
      if (batch == NULL)
        break;
      lr = ls_engine_cosine_lr (cfg->lr, cfg->min_lr, run->step, run->warmup_steps,
                                run->total_steps);
      /* Cancellation is checked inside the step too (between layers), so
       * a cancel is seen within tens of milliseconds, not a whole step. */
      if (!ls_net_train_step_cancellable (run->net, run->opt, batch->input, batch->labels,
                                          (int) batch->n, &loss, lr, run->cancellable, &res, error))
        {
          ls_loader_release (run->train_loader, batch);
          return FALSE;
        }
      run->step++;
      if (!isfinite (res.loss))
        {
          ls_loader_release (run->train_loader, batch);
          g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED,
                       "epoch %d: the loss is not finite (learning rate %g too high?)", epoch + 1,
                       (double) lr);
          return FALSE;
        }
      sum_loss += (double) res.loss * batch->n;
      sum_correct += (double) res.accuracy * batch->n;
      n += batch->n;
      rec->lr = lr;
      g_snprintf (msg, sizeof msg, "epoch %d/%d, batch %u/%u, loss %.4f, %.1f images/s", epoch + 1,
                  cfg->epochs, batch->index + 1, nb, (double) res.loss,
                  n / MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-6));
      ls_train_report (run,
                       run->progress_from + (run->progress_to - run->progress_from) * ((epoch + (batch->index + 1.0) / MAX (nb, 1)) / cfg->epochs),
                       msg);
      ls_loader_release (run->train_loader, batch);
    }
  if (n == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED,
                   "epoch %d: no training image could be read", epoch + 1);
      return FALSE;
    }
  ls_loader_get_stats (run->train_loader, &after);
  rec->epoch = epoch + 1;
  rec->epochs = cfg->epochs;
  rec->n_images = n;
  rec->train_loss = sum_loss / n;
  rec->train_accuracy = sum_correct / n;
  rec->wait_seconds = after.wait_seconds - before.wait_seconds;
  rec->images_per_second = n / MAX ((g_get_monotonic_time () - t0) / 1e6, 1e-9);
  return TRUE;
}

static gboolean
run_epochs (LsTrainRun *run,
            GError **error)
{
  const LsTrainConfig *cfg = run->config;
  double best_loss = INFINITY;
  int since_best = 0;
  guint nb = run->batches_per_epoch;
  LsTrainPass val = { 0 };

  val.capacity = G_MAXINT;
  run->total_steps = (gint64) nb * cfg->epochs;
  run->warmup_steps = (gint64) llround ((double) cfg->warmup_epochs * nb);
  run->epochs = g_new0 (LsTrainEpoch, cfg->epochs);
  for (int e = 0; e < cfg->epochs; e++)
    {
      LsTrainEpoch *rec = &run->epochs[e];
      gint64 t0 = g_get_monotonic_time ();

      if (!ls_train_run_epoch (run, e, rec, error) || !ls_train_run_pass (run, run->val_loader, &val, error))
        return FALSE;
      rec->val_loss = val.loss;
      rec->val_accuracy = (double) val.correct / val.n;
      rec->seconds = (g_get_monotonic_time () - t0) / 1e6;
      run->n_epochs = e + 1;
      if (val.loss < best_loss)
        {
          best_loss = val.loss;
          since_best = 0;
          rec->best = TRUE;
          run->best_epoch = e + 1;
          snapshot (run->net, run->best, FALSE);
        }
      else
        since_best++;
      if (run->on_epoch != NULL)
        run->on_epoch (rec, run->epoch_data);
      if (cfg->patience > 0 && since_best >= cfg->patience && e + 1 < cfg->epochs)
        {
          run->stopped_early = TRUE;
          break;
        }
    }
  snapshot (run->net, run->best, TRUE);
  return TRUE;
}

gboolean
ls_train_run_calibrate (LsTrainRun *run,
                        guint n_val,
                        const char *message,
                        double progress_from,
                        double progress_to,
                        GError **error)
{
  int k = ls_net_get_n_classes (run->net), d = run->feature_dim;
  g_autofree float *val_probs = NULL;
  LsTrainPass vp = { 0 };
  g_autoptr (LsMetrics) before = NULL;
  g_autoptr (LsMetrics) after = NULL;

  vp.capacity = (int) n_val;
  vp.message = message;
  vp.progress_from = progress_from;
  vp.progress_to = progress_to;
  vp.logits = run->val_logits = g_new (float, (gsize) n_val *k);
  vp.labels = run->val_labels = g_new (int, n_val);
  vp.features = run->val_features = d > 0 ? g_new (float, (gsize) n_val *d) : NULL;
  if (!ls_train_run_pass (run, run->val_loader, &vp, error))
    return FALSE;
  run->n_val = vp.n;
  if (!ls_calibrate_fit_temperature (vp.logits, vp.labels, vp.n, k, &run->calibration, error))
    return FALSE;
  val_probs = g_new (float, (gsize) vp.n *k);
  ls_calibrate_apply_temperature (vp.logits, vp.n, k, 1.0, val_probs);
  before = ls_metrics_compute (vp.n, k, val_probs, vp.labels, NULL, run->config->class_names,
                               LS_METRICS_DEFAULT_BINS, error);
  ls_calibrate_apply_temperature (vp.logits, vp.n, k, run->calibration.temperature, val_probs);
  after = ls_metrics_compute (vp.n, k, val_probs, vp.labels, NULL, run->config->class_names,
                              LS_METRICS_DEFAULT_BINS, error);
  if (before == NULL || after == NULL)
    return FALSE;
  run->val_ece_before = before->ece;
  run->val_ece_after = after->ece;
  return TRUE;
}

gboolean
ls_train_run_fit_ood (LsTrainRun *run,
                      const float *features,
                      const int *labels,
                      int n,
                      GError **error)
{
  int k = ls_net_get_n_classes (run->net), d = run->feature_dim;

  g_clear_pointer (&run->ood, ls_ood_free);
  if (d > 0)
    {
      run->ood = ls_ood_fit_mahalanobis (features, labels, n, d, k, LS_OOD_SHRINKAGE_LEDOIT_WOLF,
                                         0.0, error);
      if (run->ood == NULL)
        return FALSE;
    }
  else
    run->ood = ls_ood_new_energy (k, 1.0);
  return ls_ood_set_threshold (run->ood, run->val_features, run->val_logits, run->n_val,
                               LS_OOD_DEFAULT_PERCENTILE, error);
}

LsMetrics *
ls_train_run_evaluate (LsTrainRun *run,
                       LsLoader *loader,
                       guint n,
                       double temperature,
                       LsTrainPass *pass,
                       GError **error)
{
  int k = ls_net_get_n_classes (run->net);
  g_autofree float *probs = NULL;

  g_return_val_if_fail (pass->logits != NULL && pass->labels != NULL, NULL);
  pass->capacity = (int) n;
  if (!ls_train_run_pass (run, loader, pass, error))
    return NULL;
  probs = g_new (float, (gsize) pass->n *k);
  ls_calibrate_apply_temperature (pass->logits, pass->n, k, temperature, probs);
  return ls_metrics_compute (pass->n, k, probs, pass->labels, NULL, run->config->class_names,
                             LS_METRICS_DEFAULT_BINS, error);
}

/* Validation logits → temperature; training features → OOD statistics;
 * validation features → OOD threshold; test → metrics. */
static gboolean
finish (LsTrainRun *run,
        const LsLoaderItem *train,
        guint n_train,
        guint n_val,
        const LsLoaderItem *test,
        guint n_test,
        GError **error)
{
  int k = ls_net_get_n_classes (run->net), d = run->feature_dim;

  ls_train_report (run, 0.9, "calibrating");
  if (!ls_train_run_calibrate (run, n_val, NULL, 0, 0, error))
    return FALSE;

  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  ls_train_report (run, 0.93, "fitting out-of-distribution statistics");
  if (d > 0)
    {
      g_autoptr (LsLoader) train_plain = NULL;
      LsTrainPass tp = { 0 };
      gboolean ok;

      train_plain = ls_train_make_loader (run, train, n_train, FALSE, error);
      if (train_plain == NULL)
        return FALSE;
      tp.capacity = n_train;
      tp.logits = g_new (float, (gsize) n_train *k);
      tp.labels = g_new (int, n_train);
      tp.features = g_new (float, (gsize) n_train *d);
      ok = ls_train_run_pass (run, train_plain, &tp, error) && ls_train_run_fit_ood (run, tp.features, tp.labels, tp.n, error);
      g_free (tp.logits);
      g_free (tp.labels);
      g_free (tp.features);
      if (!ok)
        return FALSE;
    }
  else if (!ls_train_run_fit_ood (run, NULL, NULL, 0, error))
    return FALSE;

  if (n_test > 0)
    {
      g_autoptr (LsLoader) test_loader = NULL;
      LsTrainPass sp = { 0 };

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return FALSE;
      ls_train_report (run, 0.96, "evaluating on the test part");
      test_loader = ls_train_make_loader (run, test, n_test, FALSE, error);
      if (test_loader == NULL)
        return FALSE;
      sp.logits = g_new (float, (gsize) n_test *k);
      sp.labels = g_new (int, n_test);
      run->metrics = ls_train_run_evaluate (run, test_loader, n_test, run->calibration.temperature,
                                            &sp, error);
      g_free (sp.logits);
      g_free (sp.labels);
      if (run->metrics == NULL)
        return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (run->cancellable, error);
}

void
ls_train_run_clear (LsTrainRun *run)
{
  ls_loader_free (run->train_loader);
  ls_loader_free (run->val_loader);
  ls_augment_pipeline_free (run->augment);
  ls_optimizer_free (run->opt);
  ls_net_free (run->net);
  ls_ood_free (run->ood);
  ls_metrics_free (run->metrics);
  g_free (run->best);
  g_free (run->epochs);
  g_free (run->val_logits);
  g_free (run->val_labels);
  g_free (run->val_features);
}

gboolean
ls_pipeline_train (const LsTrainConfig *config,
                   const LsLoaderItem *train,
                   guint n_train,
                   const LsLoaderItem *val,
                   guint n_val,
                   const LsLoaderItem *test,
                   guint n_test,
                   LsProgressFunc progress,
                   gpointer user_data,
                   LsTrainEpochFunc on_epoch,
                   gpointer epoch_data,
                   GCancellable *cancellable,
                   LsTrainResult **result,
                   GError **error)
{
  LsTrainRun run = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  g_return_val_if_fail (config != NULL && result != NULL, FALSE);
  *result = NULL;
  run.config = config;
  run.progress = progress;
  run.user_data = user_data;
  run.on_epoch = on_epoch;
  run.epoch_data = epoch_data;
  run.cancellable = cancellable;
  run.train_mode = LS_NET_MODE_TRAIN;
  run.progress_from = 0.0;
  run.progress_to = 0.9;
  ls_train_report (&run, 0.0, "preparing");
  ok = setup (&run, train, n_train, val, n_val, test, n_test, error) && run_epochs (&run, error) && finish (&run, train, n_train, n_val, test, n_test, error);
  if (ok)
    {
      ls_train_report (&run, 0.99, "writing the model card");
      run.seconds = (g_get_monotonic_time () - t0) / 1e6;
      *result = ls_train_build_result (&run, error);
      ok = *result != NULL;
    }
  if (ok && config->output_path != NULL && !ls_model_save ((*result)->model, config->output_path, error))
    {
      g_clear_pointer (result, ls_train_result_free);
      ok = FALSE;
    }
  ls_train_run_clear (&run);
  if (ok)
    ls_train_report (&run, 1.0, "done");
  return ok;
}
