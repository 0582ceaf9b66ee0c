/* train-card.c — the model card of a trained network (DESIGN.md §4), the
 * model id and the epoch record as JSON
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pipeline/train-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "engine/blas.h"
#include "engine/model.h"
#include "engine/spec.h"
#include "pipeline/json-text.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

char *
ls_model_id_new (void)
{
  g_autoptr (GRand) rand = g_rand_new (); /* seeded from /dev/urandom */
  guint64 ms = (guint64) (g_get_real_time () / 1000);
  guint8 bits[16];
  char *id = g_malloc (27);

  /* 128 bits: 48 of time (big-endian) then 80 random */
  for (int i = 0; i < 6; i++)
    bits[i] = (guint8) (ms >> (8 * (5 - i)));
  for (int i = 6; i < 16; i++)
    bits[i] = (guint8) g_rand_int_range (rand, 0, 256);
  /* 26 base-32 digits of the 128-bit number (the first carries 3 bits) */
  for (int c = 0; c < 26; c++)
    {
      int bit = c == 0 ? 0 : 3 + (c - 1) * 5, n = c == 0 ? 3 : 5, v = 0;

      for (int j = 0; j < n; j++)
        {
          int b = bit + j;

          v = (v << 1) | ((bits[b / 8] >> (7 - b % 8)) & 1);
        }
      id[c] = crockford[v];
    }
  id[26] = '\0';
  return id;
}

static char *
builder_to_string (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);

  return ls_json_to_string (root, FALSE);
}

static void
add_double (JsonBuilder *b,
            const char *key,
            double v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

/* A float field as the number a person wrote (0.05, not 0.0500000007). */
void
ls_train_card_add_float (JsonBuilder *b,
                         const char *key,
                         float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.7g", (double) v);
  add_double (b, key, g_ascii_strtod (buf, NULL));
}

static void
add_string (JsonBuilder *b,
            const char *key,
            const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

char *
ls_train_epoch_to_json (const LsTrainEpoch *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  ls_json_add_int (b, "epoch", e->epoch);
  ls_json_add_int (b, "epochs", e->epochs);
  ls_json_add_int (b, "images", e->n_images);
  add_double (b, "train_loss", e->train_loss);
  add_double (b, "train_accuracy", e->train_accuracy);
  add_double (b, "lr", e->lr);
  add_double (b, "images_per_second", e->images_per_second);
  add_double (b, "wait_seconds", e->wait_seconds);
  add_double (b, "seconds", e->seconds);
  add_double (b, "val_loss", e->val_loss);
  add_double (b, "val_accuracy", e->val_accuracy);
  json_builder_set_member_name (b, "best");
  json_builder_add_boolean_value (b, e->best);
  json_builder_end_object (b);
  return builder_to_string (b);
}

static char *
classes_json (const char *const *names)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (int i = 0; names[i] != NULL; i++)
    json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
  return builder_to_string (b);
}

static void
add_floats (JsonBuilder *b,
            const char *key,
            const float *v,
            int n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

static char *
input_json (const LsTrainRun *run)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  int c = ls_net_get_input_channels (run->net);

  json_builder_begin_object (b);
  ls_json_add_int (b, "size", ls_net_get_input_size (run->net));
  ls_json_add_int (b, "channels", c);
  add_string (b, "fit", ls_fit_to_string (run->config->fit));
  add_floats (b, "mean", run->config->mean, c);
  add_floats (b, "std", run->config->std, c);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "decode");
  json_builder_add_string_value (b, "gray");
  json_builder_add_string_value (b, ls_fit_to_string (run->config->fit));
  json_builder_add_string_value (b, "normalize");
  json_builder_end_array (b);
  json_builder_end_object (b);
  return builder_to_string (b);
}

static char *
train_config_json (const LsTrainRun *run)
{
  const LsTrainConfig *cfg = run->config;
  const LsOptimConfig *o = &cfg->optim;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *augment = run->augment ? ls_augment_pipeline_to_string (run->augment) : NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "optimizer");
  json_builder_begin_object (b);
  add_string (b, "kind", o->kind == LS_OPTIM_ADAMW ? "adamw" : "sgd");
  ls_train_card_add_float (b, "lr", cfg->lr);
  ls_train_card_add_float (b, "weight_decay", o->weight_decay);
  if (o->kind == LS_OPTIM_ADAMW)
    {
      ls_train_card_add_float (b, "beta1", o->beta1);
      ls_train_card_add_float (b, "beta2", o->beta2);
      ls_train_card_add_float (b, "eps", o->eps);
    }
  else
    {
      ls_train_card_add_float (b, "momentum", o->momentum);
      json_builder_set_member_name (b, "nesterov");
      json_builder_add_boolean_value (b, o->nesterov);
    }
  ls_train_card_add_float (b, "clip_norm", o->clip_norm);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "schedule");
  json_builder_begin_object (b);
  add_string (b, "kind", "cosine");
  ls_train_card_add_float (b, "warmup_epochs", cfg->warmup_epochs);
  ls_train_card_add_float (b, "min_lr", cfg->min_lr);
  ls_json_add_int (b, "steps", run->total_steps);
  json_builder_end_object (b);
  ls_json_add_int (b, "epochs", cfg->epochs);
  ls_json_add_int (b, "epochs_run", run->n_epochs);
  ls_json_add_int (b, "best_epoch", run->best_epoch);
  ls_json_add_int (b, "patience", cfg->patience);
  ls_json_add_int (b, "batch", cfg->batch_size);
  ls_train_card_add_float (b, "label_smoothing", cfg->label_smoothing);
  add_string (b, "sampling",
              run->epoch_size > 0 ? "weighted"
              : cfg->balanced     ? "balanced"
                                  : "shuffle");
  json_builder_set_member_name (b, "class_weights");
  if (cfg->class_weights != NULL)
    {
      json_builder_begin_array (b);
      for (int i = 0; i < ls_net_get_n_classes (run->net); i++)
        json_builder_add_double_value (b, cfg->class_weights[i]);
      json_builder_end_array (b);
    }
  else
    json_builder_add_null_value (b);
  add_string (b, "augmentation", augment != NULL ? augment : "");
  ls_json_add_int (b, "seed", (gint64) cfg->seed);
  ls_json_add_int (b, "threads", ls_net_get_threads (run->net));
  if (cfg->init != NULL)
    {
      /* transfer: where the weights came from, and whether its head did */
      json_builder_set_member_name (b, "init");
      json_builder_begin_object (b);
      add_string (b, "model_id", cfg->init->id != NULL ? cfg->init->id : "");
      add_string (b, "head", g_strv_equal (cfg->class_names, (const char *const *) cfg->init->classes) ? "kept" : "re-made");
      json_builder_end_object (b);
    }
  if (run->card_finetune != NULL)
    {
      json_builder_set_member_name (b, "finetune");
      json_builder_add_value (b, json_node_copy (run->card_finetune));
    }
  json_builder_end_object (b);
  return builder_to_string (b);
}

static char *
engine_text (void)
{
  LsBlasInfo info;

  ls_engine_blas_get_info (&info);
  return g_strdup_printf ("lungscope %s; OpenBLAS core %s (%s), %d threads", PACKAGE_VERSION,
                          info.core ? info.core : "unknown",
                          ls_engine_blas_core_source_to_string (info.source), info.threads);
}

static char *
default_name (const LsTrainConfig *cfg,
              GDateTime *now)
{
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *arch = NULL;
  const char *text = cfg->arch;

  if (text == NULL)
    arch = g_strdup ("lungnet-s");
  else if (g_str_has_prefix (text, "# "))
    {
      gsize n = strcspn (text + 2, ":\n");

      arch = g_strndup (text + 2, MIN (n, 40));
    }
  else
    arch = g_strdup ("network");
  return g_strdup_printf ("%s %s", arch, date);
}

LsTrainResult *
ls_train_build_result (LsTrainRun *run,
                       GError **error)
{
  const LsTrainConfig *cfg = run->config;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (LsTrainResult) result = g_new0 (LsTrainResult, 1);
  GHashTable *md = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (md, g_strdup ("format"), g_strdup (LS_MODEL_FORMAT));
  g_hash_table_insert (md, g_strdup ("format_version"), g_strdup (LS_MODEL_FORMAT_VERSION));
  g_hash_table_insert (md, g_strdup ("model_id"), ls_model_id_new ());
  g_hash_table_insert (md, g_strdup ("parent_id"),
                       g_strdup (cfg->parent_id != NULL                       ? cfg->parent_id
                                 : cfg->init != NULL && cfg->init->id != NULL ? cfg->init->id
                                                                              : ""));
  g_hash_table_insert (md, g_strdup ("name"),
                       cfg->name ? g_strdup (cfg->name) : default_name (cfg, now));
  g_hash_table_insert (md, g_strdup ("arch"), g_strdup (ls_net_get_spec (run->net)->text));
  g_hash_table_insert (md, g_strdup ("classes"), classes_json (cfg->class_names));
  g_hash_table_insert (md, g_strdup ("input"), input_json (run));
  g_hash_table_insert (md, g_strdup ("calibration"), ls_calibration_to_json (&run->calibration));
  g_hash_table_insert (md, g_strdup ("ood"), ls_ood_metadata_to_json (run->ood));
  g_hash_table_insert (md, g_strdup ("dataset_version"),
                       g_strdup (cfg->dataset_version ? cfg->dataset_version : ""));
  g_hash_table_insert (md, g_strdup ("train_config"), train_config_json (run));
  g_hash_table_insert (md, g_strdup ("metrics"),
                       run->metrics ? ls_metrics_to_json (run->metrics) : g_strdup ("{}"));
  g_hash_table_insert (md, g_strdup ("created"), g_date_time_format_iso8601 (now));
  g_hash_table_insert (md, g_strdup ("engine"), engine_text ());

  result->model = ls_model_new (run->net, md, run->ood, error);
  run->net = NULL;
  run->ood = NULL;
  if (result->model == NULL)
    return NULL;
  result->metrics = g_steal_pointer (&run->metrics);
  result->calibration = run->calibration;
  result->val_ece_before = run->val_ece_before;
  result->val_ece_after = run->val_ece_after;
  result->epochs = g_steal_pointer (&run->epochs);
  result->n_epochs = run->n_epochs;
  result->best_epoch = run->best_epoch;
  result->stopped_early = run->stopped_early;
  result->seconds = run->seconds;
  return g_steal_pointer (&result);
}
