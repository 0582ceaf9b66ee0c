/* finetune.c — a child model from a parent: corrected items plus replay,
 * batch norm frozen; recalibration, OOD refit, before/after comparison
 *
 * The epochs, passes, calibration, OOD fit and card are train.c's and
 * train-card.c's (train-private.h); this file chooses the items, copies
 * the parent and compares.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pipeline/finetune.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/spec.h"
#include "pipeline/finetune-private.h"
#include "pipeline/params.h"

#define TRAIN_COST 3.0 /* a trained image costs about three scored ones */

void
ls_finetune_config_init (LsFinetuneConfig *config)
{
  memset (config, 0, sizeof *config);
  config->epochs = LS_FINETUNE_DEFAULT_EPOCHS;
  config->batch_size = LS_FINETUNE_DEFAULT_BATCH;
  config->lr = 0.0f;
  config->min_lr = 0.0f;
  ls_optim_config_init (&config->optim, LS_OPTIM_ADAMW);
  config->optim.weight_decay = 1e-4f;
  config->optim.clip_norm = 5.0f;
  config->label_smoothing = 0.05f;
  config->oversample = LS_FINETUNE_DEFAULT_OVERSAMPLE;
  config->replay_ratio = LS_FINETUNE_DEFAULT_REPLAY_RATIO;
  config->replay_min = LS_FINETUNE_DEFAULT_REPLAY_MIN;
  config->replay_max = 0;
  config->seed = (guint64) ls_params_find (LS_PARAMS_FINETUNE, LS_PARAM_SEED_NAME)->default_value;
  /* one thread, not the table's "the cores": bit-identical runs by default */
  config->threads = 1;
}

static void
comparison_clear (LsFinetuneComparison *c)
{
  g_free (c->items);
  g_free (c->labels);
  g_free (c->pred_before);
  g_free (c->pred_after);
  ls_metrics_free (c->before);
  ls_metrics_free (c->after);
  ls_metrics_diff_free (c->diff);
  g_free (c->flips);
  memset (c, 0, sizeof *c);
}

void
ls_finetune_result_free (LsFinetuneResult *result)
{
  if (result == NULL)
    return;
  ls_model_free (result->model);
  comparison_clear (&result->test);
  comparison_clear (&result->corrected);
  g_free (result->epochs);
  g_free (result->replay);
  g_free (result);
}

typedef struct
{
  const LsFinetuneConfig *config;
  const LsModel *parent;
  LsTrainConfig tc; /* what train.c and train-card.c read */
  LsTrainRun run;
  LsFinetuneResult *result;

  LsLoaderItem *train_items; /* corrected, then the replay sample */
  guint n_train;
  guint n_pool_eligible;
  char *name;
  JsonNode *card_finetune;

  double units_total, units_done; /* progress */
} Finetune;

static void
finetune_clear (Finetune *ft)
{
  ls_train_run_clear (&ft->run);
  ls_finetune_result_free (ft->result);
  g_free (ft->train_items);
  g_free (ft->name);
  if (ft->card_finetune != NULL)
    json_node_unref (ft->card_finetune);
}

/* The next @units of work as a progress range in [0, 0.98]. */
static void
next_span (Finetune *ft,
           double units,
           double *from,
           double *to)
{
  *from = 0.98 * ft->units_done / ft->units_total;
  ft->units_done += units;
  *to = 0.98 * ft->units_done / ft->units_total;
}

gboolean
ls_finetune_check_config (const LsFinetuneConfig *cfg,
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
    { LS_PARAM_REPLAY_RATIO, cfg->replay_ratio },
    { LS_PARAM_OVERSAMPLE, cfg->oversample },
    { LS_PARAM_THREADS, cfg->threads },
  };
  g_autoptr (GError) local = NULL;

  /* the ranges the CLI and the app offer (params.h) */
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (!ls_param_check (ls_params_find (LS_PARAMS_FINETUNE, values[i].name), values[i].value, "", &local))
      {
        g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID, "fine-tuning configuration: %s", local->message);
        return FALSE;
      }
  if (!(cfg->min_lr >= 0) || (cfg->replay_max > 0 && cfg->replay_max < cfg->replay_min) || cfg->label_smoothing < 0 || cfg->label_smoothing >= 1)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "fine-tuning configuration: min lr ≥ 0, replay max ≥ replay min (or 0), label "
                   "smoothing in [0, 1)");
      return FALSE;
    }
  if (cfg->lr > 0 && cfg->min_lr > cfg->lr)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "fine-tuning configuration: min lr %g is above lr %g", (double) cfg->min_lr,
                   (double) cfg->lr);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_inputs (Finetune *ft,
              const LsLoaderItem *corrected,
              guint n_corrected,
              const LsLoaderItem *pool,
              guint n_pool,
              const LsLoaderItem *val,
              guint n_val,
              const LsLoaderItem *test,
              guint n_test,
              GError **error)
{
  const LsFinetuneConfig *cfg = ft->config;
  int k = ft->parent->n_classes;

  if (!ls_finetune_check_config (cfg, error))
    return FALSE;
  if (n_corrected == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "nothing to fine-tune on: no image's label changed since model “%s”",
                   ft->parent->id);
      return FALSE;
    }
  if (n_val == 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "fine-tuning needs a validation part (to refit the calibration)");
      return FALSE;
    }
  if (ls_net_get_input_channels (ft->parent->net) > LS_LOADER_MAX_CHANNELS)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "model “%s” takes %d channels; the loader feeds at most %d", ft->parent->id,
                   ls_net_get_input_channels (ft->parent->net), LS_LOADER_MAX_CHANNELS);
      return FALSE;
    }
  if (!ls_train_check_labels (corrected, n_corrected, k, "corrected", error) || !ls_train_check_labels (pool, n_pool, k, "replay pool", error) || !ls_train_check_labels (val, n_val, k, "validation", error) || !ls_train_check_labels (test, n_test, k, "test", error))
    {
      g_prefix_error (error, "model “%s” has %d classes: ", ft->parent->id, k);
      return FALSE;
    }
  if (cfg->output_path != NULL && g_file_test (cfg->output_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s: the file exists; a fine-tuned model is written to a new file",
                   cfg->output_path);
      return FALSE;
    }
  return TRUE;
}

/* The parent's train_config as a JSON object, or NULL. */
static JsonNode *
parent_train_config (const LsModel *parent)
{
  const char *text = g_hash_table_lookup (parent->metadata, "train_config");
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_node_copy (root);
}

/* Learning rate and augmentation from the configuration, else the
 * parent's card. */
static gboolean
setup_from_card (Finetune *ft,
                 GError **error)
{
  const LsFinetuneConfig *cfg = ft->config;
  g_autoptr (JsonNode) tc = parent_train_config (ft->parent);
  JsonObject *o = tc != NULL ? json_node_get_object (tc) : NULL;
  const char *augment = cfg->augment;

  ft->tc.lr = cfg->lr;
  if (ft->tc.lr == 0)
    {
      JsonObject *opt = NULL;

      if (o != NULL && json_object_has_member (o, "optimizer") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "optimizer")))
        opt = json_object_get_object_member (o, "optimizer");
      ft->tc.lr = LS_FINETUNE_FALLBACK_LR;
      if (opt != NULL)
        {
          double lr = json_object_get_double_member_with_default (opt, "lr", 0.0);

          if (lr > 0 && isfinite (lr))
            ft->tc.lr = (float) (lr / 10.0);
        }
    }
  if (ft->tc.min_lr > ft->tc.lr)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "fine-tuning configuration: min lr %g is above the lr %g taken from model “%s”",
                   (double) ft->tc.min_lr, (double) ft->tc.lr, ft->parent->id);
      return FALSE;
    }
  if (augment == NULL && o != NULL && json_object_has_member (o, "augmentation"))
    {
      augment = json_object_get_string_member_with_default (o, "augmentation", NULL);
      if (augment == NULL)
        {
          g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                       "model “%s”: the card's train_config.augmentation is not a text",
                       ft->parent->id);
          return FALSE;
        }
    }
  if (augment == NULL)
    ft->run.augment = ls_augment_pipeline_new_default ();
  else if (*augment != '\0')
    {
      ft->run.augment = ls_augment_pipeline_new_from_string (augment, error);
      if (ft->run.augment == NULL)
        {
          g_prefix_error (error, "%s augmentation: ", cfg->augment != NULL ? "the" : "the parent's");
          return FALSE;
        }
    }
  return TRUE;
}

/* A new net with the parent's architecture, parameters and statistics. */
static LsNet *
copy_net (const LsModel *parent,
          GError **error)
{
  g_autoptr (LsNet) net = ls_net_new (ls_net_get_spec (parent->net)->text, error);

  if (net == NULL)
    return NULL;
  g_assert (ls_net_get_n_tensors (net) == ls_net_get_n_tensors (parent->net));
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *from = ls_net_get_tensor (parent->net, i);
      const LsNetTensor *to = ls_net_get_tensor (net, i);

      g_assert (from->n_elements == to->n_elements);
      memcpy (to->data, from->data, sizeof (float) * from->n_elements);
    }
  ls_net_params_changed (net);
  return g_steal_pointer (&net);
}

static char *
default_name (const LsModel *parent)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");

  return g_strdup_printf ("%s fine-tuned %s", *parent->name ? parent->name : parent->id, date);
}

static JsonNode *
card_finetune (Finetune *ft)
{
  const LsFinetuneConfig *cfg = ft->config;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "parent_id");
  json_builder_add_string_value (b, ft->parent->id);
  json_builder_set_member_name (b, "corrected");
  json_builder_add_int_value (b, ft->result->n_corrected);
  json_builder_set_member_name (b, "replay");
  json_builder_add_int_value (b, ft->result->n_replay);
  json_builder_set_member_name (b, "replay_pool");
  json_builder_add_int_value (b, ft->n_pool_eligible);
  ls_train_card_add_float (b, "replay_ratio", cfg->replay_ratio);
  json_builder_set_member_name (b, "replay_min");
  json_builder_add_int_value (b, cfg->replay_min);
  json_builder_set_member_name (b, "replay_max");
  json_builder_add_int_value (b, cfg->replay_max);
  ls_train_card_add_float (b, "oversample", cfg->oversample);
  json_builder_set_member_name (b, "epoch_size");
  json_builder_add_int_value (b, ft->run.epoch_size);
  json_builder_set_member_name (b, "epochs");
  json_builder_add_int_value (b, cfg->epochs);
  ls_train_card_add_float (b, "lr", ft->tc.lr);
  json_builder_set_member_name (b, "lr_rule");
  json_builder_add_string_value (b, cfg->lr > 0 ? "given" : "parent lr / 10");
  json_builder_set_member_name (b, "batch");
  json_builder_add_int_value (b, cfg->batch_size);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) cfg->seed);
  json_builder_set_member_name (b, "batch_norm");
  json_builder_add_string_value (b, "frozen");
  json_builder_set_member_name (b, "kept_epoch");
  json_builder_add_string_value (b, "last");
  json_builder_set_member_name (b, "ood");
  json_builder_add_string_value (b, ft->result->ood_refit ? "refit" : "parent statistics, new threshold");
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Everything before the first pass: the configuration the train code
 * reads, the child net, the items and loaders, the progress budget. */
static gboolean
setup (Finetune *ft,
       const LsLoaderItem *corrected,
       guint n_corrected,
       const LsLoaderItem *pool,
       guint n_pool,
       const LsLoaderItem *val,
       guint n_val,
       guint n_test,
       GError **error)
{
  const LsFinetuneConfig *cfg = ft->config;
  const LsModel *parent = ft->parent;
  LsTrainConfig *tc = &ft->tc;
  guint want = ls_finetune_replay_size (cfg, n_corrected), n_replay = 0, over;
  double units;

  ls_train_config_init (tc);
  tc->arch = ls_net_get_spec (parent->net)->text;
  tc->class_names = (const char *const *) parent->classes;
  tc->fit = parent->fit;
  for (int c = 0; c < parent->channels; c++)
    {
      tc->mean[c] = parent->mean[c];
      tc->std[c] = parent->std[c];
    }
  tc->epochs = cfg->epochs;
  tc->batch_size = cfg->batch_size;
  tc->optim = cfg->optim;
  tc->min_lr = cfg->min_lr;
  tc->warmup_epochs = 0.0f;
  tc->label_smoothing = cfg->label_smoothing;
  tc->seed = cfg->seed;
  tc->threads = cfg->threads;
  tc->loader_workers = cfg->loader_workers;
  tc->patience = 0;
  tc->dataset_version = cfg->dataset_version;
  ft->name = cfg->name != NULL ? g_strdup (cfg->name) : default_name (parent);
  tc->name = ft->name;
  tc->parent_id = parent->id;
  if (!setup_from_card (ft, error))
    return FALSE;

  /* the items: corrected (weight = oversampling), then the replay sample */
  ft->result->replay = ls_finetune_pick_replay (corrected, n_corrected, pool, n_pool, parent->n_classes, want,
                                                cfg->seed, &ft->n_pool_eligible, &n_replay);
  if (n_replay == 0 && want > 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID,
                   "no replay sample: the pool has %u images, none of them outside the corrected "
                   "ones (set the replay ratio and minimum to 0 to fine-tune without replay)",
                   n_pool);
      return FALSE;
    }
  ft->result->n_replay = n_replay;
  ft->result->n_corrected = n_corrected;
  ft->result->oversample = cfg->oversample;
  ft->result->lr = tc->lr;
  ft->n_train = n_corrected + n_replay;
  ft->train_items = g_new (LsLoaderItem, ft->n_train);
  for (guint i = 0; i < n_corrected; i++)
    {
      ft->train_items[i] = corrected[i];
      ft->train_items[i].weight = cfg->oversample;
    }
  for (guint i = 0; i < n_replay; i++)
    {
      ft->train_items[n_corrected + i] = pool[ft->result->replay[i]];
      ft->train_items[n_corrected + i].weight = 1.0f;
    }
  over = (guint) lround ((double) cfg->oversample * n_corrected);
  ft->run.epoch_size = over + n_replay;
  ft->run.batches_per_epoch = (ft->run.epoch_size + (guint) cfg->batch_size - 1) / (guint) cfg->batch_size;

  /* the child: the parent's net, planned for the batch */
  ft->run.config = tc;
  ft->run.train_mode = LS_NET_MODE_FINETUNE;
  ft->run.net = copy_net (parent, error);
  if (ft->run.net == NULL)
    return FALSE;
  ls_net_set_threads (ft->run.net, cfg->threads > 0 ? cfg->threads : ls_default_threads ());
  if (!ls_net_plan (ft->run.net, cfg->batch_size, error))
    return FALSE;
  ls_net_set_dropout_seed (ft->run.net, cfg->seed);
  ft->run.feature_layer = ls_net_find_layer (ft->run.net, LS_LAYER_GAP);
  if (ft->run.feature_layer >= 0)
    ls_net_get_layer_output (ft->run.net, ft->run.feature_layer, &ft->run.feature_dim, NULL, NULL);
  ft->run.opt = ls_optimizer_new (&tc->optim, ls_net_get_n_params (ft->run.net));
  ft->run.total_steps = (gint64) ft->run.batches_per_epoch * cfg->epochs;
  ft->run.warmup_steps = 0;
  ft->run.train_loader = ls_train_make_loader (&ft->run, ft->train_items, ft->n_train, TRUE, error);
  if (ft->run.train_loader == NULL)
    return FALSE;
  ft->run.val_loader = ls_train_make_loader (&ft->run, val, n_val, FALSE, error);
  if (ft->run.val_loader == NULL)
    return FALSE;

  /* parent: test + corrected; epochs; validation; child: corrected,
   * replay (features), test */
  units = 2.0 * n_test + 2.0 * n_corrected + n_val + TRAIN_COST * cfg->epochs * ft->run.epoch_size;
  if (ft->run.feature_dim > 0)
    units += n_replay;
  ft->units_total = MAX (units, 1.0);
  return TRUE;
}

/* One model's pass over a set: rows (and for the child, features). */
typedef struct
{
  int n;
  guint *items;
  int *labels;
  int *pred;
  float *features; /* NULL unless asked */
  LsMetrics *metrics;
} SetPass;

static void
set_pass_clear (SetPass *sp)
{
  g_free (sp->items);
  g_free (sp->labels);
  g_free (sp->pred);
  g_free (sp->features);
  ls_metrics_free (sp->metrics);
  memset (sp, 0, sizeof *sp);
}

static gboolean
score_set (Finetune *ft,
           LsLoader *loader,
           guint n,
           double temperature,
           gboolean features,
           const char *message,
           SetPass *sp,
           GError **error)
{
  int k = ls_net_get_n_classes (ft->run.net), d = ft->run.feature_dim;
  g_autofree float *logits = g_new (float, (gsize) n *k);
  g_autofree float *probs = NULL;
  LsTrainPass pass = { 0 };

  sp->items = g_new (guint, n);
  sp->labels = g_new (int, n);
  sp->pred = g_new (int, n);
  sp->features = features && d > 0 ? g_new (float, (gsize) n *d) : NULL;
  pass.logits = logits;
  pass.labels = sp->labels;
  pass.items = sp->items;
  pass.features = sp->features;
  pass.message = message;
  next_span (ft, n, &pass.progress_from, &pass.progress_to);
  sp->metrics = ls_train_run_evaluate (&ft->run, loader, n, temperature, &pass, error);
  if (sp->metrics == NULL)
    return FALSE;
  sp->n = pass.n;
  /* the class the metrics counted: the arg-max of the calibrated row */
  probs = g_new (float, (gsize) pass.n *k);
  ls_calibrate_apply_temperature (logits, pass.n, k, temperature, probs);
  for (int i = 0; i < pass.n; i++)
    sp->pred[i] = ls_metrics_argmax (probs + (gsize) i * k, k);
  return TRUE;
}

/* Parent (before) and child (after) rows into a comparison; both passes
 * go through one loader, so an unreadable file is left out of both. */
static gboolean
compare (SetPass *before,
         SetPass *after,
         LsFinetuneComparison *c,
         GError **error)
{
  if (before->n != after->n || memcmp (before->items, after->items, sizeof (guint) * before->n) != 0)
    {
      g_set_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_FAILED,
                   "the images changed during the fine-tune: %d were read before, %d after",
                   before->n, after->n);
      return FALSE;
    }
  c->n = after->n;
  c->items = g_steal_pointer (&after->items);
  c->labels = g_steal_pointer (&after->labels);
  c->pred_before = g_steal_pointer (&before->pred);
  c->pred_after = g_steal_pointer (&after->pred);
  c->before = g_steal_pointer (&before->metrics);
  c->after = g_steal_pointer (&after->metrics);
  c->diff = ls_metrics_diff (c->before, c->after, error);
  if (c->diff == NULL)
    return FALSE;
  c->flips = ls_metrics_flips (c->n, c->pred_before, c->pred_after, c->labels, &c->n_flips);
  for (int i = 0; i < c->n_flips; i++)
    c->flips[i].index = (int) c->items[c->flips[i].index];
  return TRUE;
}

static gboolean
run_epochs (Finetune *ft,
            guint n_val,
            GError **error)
{
  LsTrainRun *run = &ft->run;
  int epochs = ft->config->epochs, k = ls_net_get_n_classes (run->net);
  double from, to;

  next_span (ft, TRAIN_COST * epochs * run->epoch_size, &run->progress_from, &run->progress_to);
  run->epochs = g_new0 (LsTrainEpoch, epochs);
  for (int e = 0; e < epochs; e++)
    {
      LsTrainEpoch *rec = &run->epochs[e];
      gint64 t0 = g_get_monotonic_time ();

      if (!ls_train_run_epoch (run, e, rec, error))
        return FALSE;
      rec->val_loss = NAN;
      rec->val_accuracy = NAN;
      run->n_epochs = e + 1;
      if (e + 1 == epochs)
        {
          int correct = 0;

          /* the kept epoch: the validation pass is the calibration's */
          next_span (ft, n_val, &from, &to);
          if (!ls_train_run_calibrate (run, n_val, "scoring the validation part", from, to, error))
            return FALSE;
          for (int i = 0; i < run->n_val; i++)
            correct += ls_metrics_argmax (run->val_logits + (gsize) i * k, k) == run->val_labels[i];
          rec->val_loss = run->calibration.nll_before;
          rec->val_accuracy = (double) correct / run->n_val;
          rec->best = TRUE;
          run->best_epoch = e + 1;
        }
      rec->seconds = (g_get_monotonic_time () - t0) / 1e6;
      if (run->on_epoch != NULL)
        run->on_epoch (rec, run->epoch_data);
    }
  return TRUE;
}

/* OOD statistics of the child's features on the items trained on, with
 * the parent's statistics (and a new threshold) as the fallback. */
static gboolean
refit_ood (Finetune *ft,
           SetPass *corrected_after,
           GError **error)
{
  LsTrainRun *run = &ft->run;
  int d = run->feature_dim;
  guint n_corrected = ft->result->n_corrected, n_replay = ft->result->n_replay;
  g_autoptr (LsLoader) replay_loader = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree float *features = NULL;
  g_autofree int *labels = NULL;
  SetPass rp = { 0 };
  int n;

  if (d == 0)
    {
      ft->result->ood_refit = TRUE;
      return ls_train_run_fit_ood (run, NULL, NULL, 0, error);
    }
  if (n_replay > 0)
    {
      replay_loader = ls_train_make_loader (run, ft->train_items + n_corrected, n_replay, FALSE,
                                            error);
      if (replay_loader == NULL || !score_set (ft, replay_loader, n_replay, 1.0, TRUE, "scoring the replay sample", &rp, error))
        {
          set_pass_clear (&rp);
          return FALSE;
        }
    }
  n = corrected_after->n + rp.n;
  features = g_new (float, (gsize) MAX (n, 1) * d);
  labels = g_new (int, MAX (n, 1));
  memcpy (features, corrected_after->features, sizeof (float) * d * corrected_after->n);
  memcpy (labels, corrected_after->labels, sizeof (int) * corrected_after->n);
  if (rp.n > 0)
    {
      memcpy (features + (gsize) corrected_after->n * d, rp.features, sizeof (float) * d * rp.n);
      memcpy (labels + corrected_after->n, rp.labels, sizeof (int) * rp.n);
    }
  set_pass_clear (&rp);
  if (ls_train_run_fit_ood (run, features, labels, n, &local))
    {
      ft->result->ood_refit = TRUE;
      return TRUE;
    }
  if (!g_error_matches (local, LS_OOD_ERROR, LS_OOD_ERROR_INVALID) && !g_error_matches (local, LS_OOD_ERROR, LS_OOD_ERROR_SINGULAR))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_debug ("fine-tune: keeping the parent's OOD statistics (%s)", local->message);
  g_clear_pointer (&run->ood, ls_ood_free);
  run->ood = ft->parent->ood != NULL ? ls_ood_copy (ft->parent->ood)
                                     : ls_ood_new_energy (ls_net_get_n_classes (run->net), 1.0);
  ft->result->ood_refit = FALSE;
  return ls_ood_set_threshold (run->ood, run->ood->dim > 0 ? run->val_features : NULL,
                               run->val_logits, run->n_val, LS_OOD_DEFAULT_PERCENTILE, error);
}

static gboolean
finetune (Finetune *ft,
          const LsLoaderItem *corrected,
          guint n_corrected,
          guint n_val,
          const LsLoaderItem *test,
          guint n_test,
          GError **error)
{
  LsTrainRun *run = &ft->run;
  double t_parent = ft->parent->temperature;
  g_autoptr (LsLoader) corrected_loader = NULL;
  g_autoptr (LsLoader) test_loader = NULL;
  SetPass test_before = { 0 }, test_after = { 0 }, corr_before = { 0 }, corr_after = { 0 };
  gboolean ok = FALSE;

  corrected_loader = ls_train_make_loader (run, corrected, n_corrected, FALSE, error);
  if (corrected_loader == NULL)
    goto out;
  if (n_test > 0)
    {
      test_loader = ls_train_make_loader (run, test, n_test, FALSE, error);
      if (test_loader == NULL)
        goto out;
    }

  /* before: the child is still the parent */
  if (test_loader != NULL && !score_set (ft, test_loader, n_test, t_parent, FALSE, "scoring the test part with the parent", &test_before, error))
    goto out;
  if (!score_set (ft, corrected_loader, n_corrected, t_parent, FALSE,
                  "scoring the corrected images with the parent", &corr_before, error))
    goto out;

  if (!run_epochs (ft, n_val, error))
    goto out;

  if (!score_set (ft, corrected_loader, n_corrected, run->calibration.temperature, TRUE,
                  "scoring the corrected images with the child", &corr_after, error))
    goto out;
  if (!refit_ood (ft, &corr_after, error))
    goto out;
  if (test_loader != NULL && !score_set (ft, test_loader, n_test, run->calibration.temperature, FALSE, "scoring the test part with the child", &test_after, error))
    goto out;

  if (!compare (&corr_before, &corr_after, &ft->result->corrected, error))
    goto out;
  if (test_loader != NULL)
    {
      if (!compare (&test_before, &test_after, &ft->result->test, error))
        goto out;
      run->metrics = ls_metrics_copy (ft->result->test.after);
    }
  ok = !g_cancellable_set_error_if_cancelled (run->cancellable, error);
out:
  set_pass_clear (&test_before);
  set_pass_clear (&test_after);
  set_pass_clear (&corr_before);
  set_pass_clear (&corr_after);
  return ok;
}

/* The child's card and model through train-card.c. */
static gboolean
build_result (Finetune *ft,
              GError **error)
{
  LsTrainRun *run = &ft->run;
  g_autoptr (LsTrainResult) tr = NULL;
  LsFinetuneResult *r = ft->result;

  ft->card_finetune = card_finetune (ft);
  run->card_finetune = ft->card_finetune;
  tr = ls_train_build_result (run, error);
  if (tr == NULL)
    return FALSE;
  r->model = g_steal_pointer (&tr->model);
  r->calibration = tr->calibration;
  r->val_ece_before = tr->val_ece_before;
  r->val_ece_after = tr->val_ece_after;
  r->epochs = g_steal_pointer (&tr->epochs);
  r->n_epochs = tr->n_epochs;
  return TRUE;
}

gboolean
ls_pipeline_finetune (const LsFinetuneConfig *config,
                      const LsModel *parent,
                      const LsLoaderItem *corrected,
                      guint n_corrected,
                      const LsLoaderItem *pool,
                      guint n_pool,
                      const LsLoaderItem *val,
                      guint n_val,
                      const LsLoaderItem *test,
                      guint n_test,
                      LsProgressFunc progress,
                      gpointer user_data,
                      LsTrainEpochFunc on_epoch,
                      gpointer epoch_data,
                      GCancellable *cancellable,
                      LsFinetuneResult **result,
                      GError **error)
{
  Finetune ft = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;

  g_return_val_if_fail (config != NULL && parent != NULL && result != NULL, FALSE);
  g_return_val_if_fail (corrected != NULL || n_corrected == 0, FALSE);
  g_return_val_if_fail (pool != NULL || n_pool == 0, FALSE);
  g_return_val_if_fail (val != NULL || n_val == 0, FALSE);
  g_return_val_if_fail (test != NULL || n_test == 0, FALSE);
  *result = NULL;
  ft.config = config;
  ft.parent = parent;
  ft.result = g_new0 (LsFinetuneResult, 1);
  ft.run.progress = progress;
  ft.run.user_data = user_data;
  ft.run.on_epoch = on_epoch;
  ft.run.epoch_data = epoch_data;
  ft.run.cancellable = cancellable;
  ls_train_report (&ft.run, 0.0, "preparing");
  ok = check_inputs (&ft, corrected, n_corrected, pool, n_pool, val, n_val, test, n_test, error) && setup (&ft, corrected, n_corrected, pool, n_pool, val, n_val, n_test, error) && finetune (&ft, corrected, n_corrected, n_val, test, n_test, error);
  if (ok)
    {
      ls_train_report (&ft.run, 0.98, "writing the model card");
      ft.result->seconds = ft.run.seconds = (g_get_monotonic_time () - t0) / 1e6;
      ok = build_result (&ft, error);
    }
  if (ok && config->output_path != NULL)
    {
      ls_train_report (&ft.run, 0.99, "saving the model");
      if (g_file_test (config->output_path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s: the file appeared during the fine-tune; not replacing it",
                       config->output_path);
          ok = FALSE;
        }
      else
        ok = ls_model_save (ft.result->model, config->output_path, error);
    }
  if (ok)
    *result = g_steal_pointer (&ft.result);
  finetune_clear (&ft);
  if (ok)
    ls_train_report (&ft.run, 1.0, "done");
  return ok;
}
