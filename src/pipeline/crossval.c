/* crossval.c — K-fold cross-validation on a workspace, out-of-fold
 * probabilities into the store
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/crossval.h"
#include "pipeline/evaluate.h"
#include "pipeline/json-text.h"
#include "pipeline/params.h"
#include "pipeline/workspace-paths.h"
#include "pipeline/workspace-private.h"

/* One group in eight of the training folds validates (as bench-cxr-cv). */
#define VAL_ONE_IN 8

void
ls_crossval_options_init (LsCrossvalOptions *options)
{
  memset (options, 0, sizeof *options);
  ls_train_config_init (&options->train);
  options->train.epochs = (int) ls_params_find (LS_PARAMS_CROSSVAL, LS_PARAM_EPOCHS)->default_value;
  options->train.seed = (guint64) ls_params_find (LS_PARAMS_CROSSVAL, LS_PARAM_SEED_NAME)->default_value;
  options->folds = (int) ls_params_find (LS_PARAMS_CROSSVAL, LS_PARAM_FOLDS)->default_value;
}

void
ls_crossval_free (LsCrossval *crossval)
{
  if (crossval == NULL)
    return;
  g_free (crossval->run_id);
  g_free (crossval->fold_images);
  g_free (crossval->fold_accuracy);
  ls_metrics_free (crossval->metrics);
  g_free (crossval);
}

static guint32
group_hash (const char *group,
            guint64 seed)
{
  g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%s", seed, group);
  g_autofree char *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return (guint32) strtoul (hex + 56, NULL, 16);
}

typedef struct
{
  const char *group;
  int label;
  guint32 order;
} Group;

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const Group *x = a, *y = b;

  if (x->label != y->label)
    return x->label < y->label ? -1 : 1;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp (x->group, y->group);
}

void
ls_crossval_assign_folds (const char *const *groups,
                          const int *labels,
                          guint n,
                          int folds,
                          guint64 seed,
                          int *fold_of)
{
  g_autoptr (GHashTable) fold_by_group = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) list = g_array_new (FALSE, TRUE, sizeof (Group));
  g_autoptr (GHashTable) next = g_hash_table_new (g_direct_hash, g_direct_equal);

  g_return_if_fail (folds >= 2);
  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (fold_by_group, groups[i]))
      {
        Group g = { groups[i], labels[i], group_hash (groups[i], seed) };

        g_hash_table_insert (fold_by_group, (gpointer) groups[i], GINT_TO_POINTER (-1));
        g_array_append_val (list, g);
      }
  g_array_sort (list, compare_groups);
  /* Each class's groups round-robin, each class starting where the
   * previous one stopped, so small classes do not all land in fold 0. */
  {
    int at = 0;

    for (guint i = 0; i < list->len; i++)
      {
        const Group *g = &g_array_index (list, Group, i);

        g_hash_table_insert (fold_by_group, (gpointer) g->group, GINT_TO_POINTER (at));
        at = (at + 1) % folds;
      }
  }
  for (guint i = 0; i < n; i++)
    fold_of[i] = GPOINTER_TO_INT (g_hash_table_lookup (fold_by_group, groups[i]));
}

/* ---- the workspace's labelled images ---- */

typedef struct
{
  GArray *items;  /* LsLoaderItem, label = class index */
  GPtrArray *sha; /* per item */
  GPtrArray *labels;
  GPtrArray *groups;
  GPtrArray *strings; /* paths */
  GStrv classes;
  guint n_unlabelled;
} Images;

static void
images_clear (Images *im)
{
  g_clear_pointer (&im->items, g_array_unref);
  g_clear_pointer (&im->sha, g_ptr_array_unref);
  g_clear_pointer (&im->labels, g_ptr_array_unref);
  g_clear_pointer (&im->groups, g_ptr_array_unref);
  g_clear_pointer (&im->strings, g_ptr_array_unref);
  g_clear_pointer (&im->classes, g_strfreev);
}

static int
class_index (GStrv classes,
             const char *label)
{
  for (int c = 0; classes[c] != NULL; c++)
    if (strcmp (classes[c], label) == 0)
      return c;
  return -1;
}

static gboolean
images_load (LsStore *store,
             Images *im,
             GError **error)
{
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GHashTable) keys = NULL;

  im->classes = ls_store_get_classes (store, error);
  if (im->classes == NULL)
    return FALSE;
  images = ls_store_list_images (store, error);
  keys = images != NULL ? ls_store_get_group_keys (store, error) : NULL;
  if (keys == NULL)
    return FALSE;
  im->items = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  im->sha = g_ptr_array_new_with_free_func (g_free);
  im->labels = g_ptr_array_new_with_free_func (g_free);
  im->groups = g_ptr_array_new_with_free_func (g_free);
  im->strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < images->len; i++)
    {
      const LsStoreImage *image = images->pdata[i];
      const char *key = g_hash_table_lookup (keys, image->sha256);
      LsLoaderItem item = { 0 };
      char *path;

      if (image->label == NULL)
        {
          im->n_unlabelled++;
          continue;
        }
      item.label = class_index (im->classes, image->label);
      if (item.label < 0)
        {
          g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_CLASSES,
                       "image %.16s has the label “%s”, which is not a class of the workspace",
                       image->sha256, image->label);
          return FALSE;
        }
      path = ls_store_image_file (store, image);
      g_ptr_array_add (im->strings, path);
      item.path = path;
      item.weight = 1;
      g_array_append_val (im->items, item);
      g_ptr_array_add (im->sha, g_strdup (image->sha256));
      g_ptr_array_add (im->labels, g_strdup (image->label));
      g_ptr_array_add (im->groups, g_strdup (key != NULL ? key : image->patient != NULL ? image->patient
                                                                                        : image->sha256));
    }
  return TRUE;
}

/* ---- the run ---- */

typedef struct
{
  LsRunLog *log;
  int fold;
  int folds;
  int epochs;
  LsProgressFunc progress;
  gpointer user_data;
  double from, to; /* this stage's share of the whole */
} FoldContext;

static void
fold_epoch (const LsTrainEpoch *epoch,
            gpointer data)
{
  FoldContext *fc = data;
  LsTrainEpoch copy = *epoch;

  copy.epoch = fc->fold * fc->epochs + epoch->epoch;
  copy.epochs = fc->folds * fc->epochs;
  ls_run_log_epoch (&copy, fc->log);
}

static void
fold_progress (double fraction,
               const char *message,
               gpointer data)
{
  FoldContext *fc = data;
  char text[256];

  if (fc->progress == NULL)
    return;
  g_snprintf (text, sizeof text, "fold %d/%d: %s", fc->fold + 1, fc->folds, message);
  fc->progress (CLAMP (fc->from + (fc->to - fc->from) * fraction, 0.0, 1.0), text, fc->user_data);
}

static char *
config_json (const LsCrossvalOptions *o,
             const char *augment,
             const char *version,
             guint n_images,
             guint n_groups)
{
  const LsTrainConfig *c = &o->train;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "crossval");
  json_builder_set_member_name (b, "folds");
  json_builder_add_int_value (b, o->folds);
  json_builder_set_member_name (b, "arch");
  json_builder_add_string_value (b, c->arch != NULL ? c->arch : "lungnet-s");
  json_builder_set_member_name (b, "epochs");
  json_builder_add_int_value (b, c->epochs);
  json_builder_set_member_name (b, "batch");
  json_builder_add_int_value (b, c->batch_size);
  json_builder_set_member_name (b, "lr");
  json_builder_add_double_value (b, c->lr);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) c->seed);
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, c->threads);
  json_builder_set_member_name (b, "augment");
  json_builder_add_string_value (b, augment != NULL ? augment : "default");
  json_builder_set_member_name (b, "dataset_version");
  json_builder_add_string_value (b, version);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, n_images);
  json_builder_set_member_name (b, "groups");
  json_builder_add_int_value (b, n_groups);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

static char *
probabilities_json (GStrv classes,
                    const float *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  for (int c = 0; classes[c] != NULL; c++)
    {
      json_builder_set_member_name (b, classes[c]);
      json_builder_add_double_value (b, p[c]);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

typedef struct
{
  LsStore *store;
  const char *run_id;
  GArray *rows; /* LsStoreOutOfFold */
} Finish;

static char *
finish_run (gpointer data,
            GError **error)
{
  Finish *f = data;

  if (!ls_store_finish_crossval (f->store, f->run_id, (const LsStoreOutOfFold *) f->rows->data, f->rows->len,
                                 error))
    return NULL;
  return g_strdup (f->run_id);
}

static void
clear_row (gpointer data)
{
  LsStoreOutOfFold *row = data;

  g_free (row->sha256);
  g_free (row->label);
  g_free (row->probabilities_json);
}

/* Trains fold @f's model and adds its fold's rows. */
static gboolean
run_fold (const LsCrossvalOptions *options,
          const LsTrainConfig *config,
          const Images *im,
          const int *fold_of,
          FoldContext *fc,
          GCancellable *cancellable,
          LsCrossval *cv,
          GArray *rows,
          float *oof_probs,
          int *oof_labels,
          GError **error)
{
  g_autoptr (GArray) train = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  g_autoptr (GArray) val = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  g_autoptr (GArray) test = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  g_autoptr (GArray) test_index = g_array_new (FALSE, TRUE, sizeof (guint));
  g_autoptr (LsTrainResult) result = NULL;
  g_autoptr (LsEvaluation) ev = NULL;
  LsTrainConfig cfg = *config;
  LsEvaluateOptions eo;
  const int f = fc->fold, k = (int) g_strv_length (im->classes);
  const LsLoaderItem *items = (const LsLoaderItem *) im->items->data;
  double per_fold = 1.0 / options->folds;

  for (guint i = 0; i < im->items->len; i++)
    {
      if (fold_of[i] == f)
        {
          g_array_append_val (test, items[i]);
          g_array_append_val (test_index, i);
        }
      else if (group_hash (im->groups->pdata[i], config->seed + 1) % VAL_ONE_IN == 0)
        g_array_append_val (val, items[i]);
      else
        g_array_append_val (train, items[i]);
    }
  if (val->len == 0 && train->len > 1)
    {
      /* Too few groups for one in eight: validate on the last one. */
      g_array_append_val (val, g_array_index (train, LsLoaderItem, train->len - 1));
      g_array_remove_index (train, train->len - 1);
    }
  cv->fold_images[f] = test->len;
  if (test->len == 0)
    return TRUE;
  cfg.seed = config->seed + (guint64) f;
  fc->from = f * per_fold;
  fc->to = (f + 0.9) * per_fold;
  if (!ls_pipeline_train (&cfg, (LsLoaderItem *) train->data, train->len, (LsLoaderItem *) val->data, val->len,
                          NULL, 0, fold_progress, fc, fold_epoch, fc, cancellable, &result, error))
    return FALSE;
  ls_evaluate_options_init (&eo);
  /* 0 is the training's "the default" (train.h); evaluation wants a count. */
  eo.threads = config->threads > 0 ? config->threads : ls_default_threads ();
  eo.loader_workers = config->loader_workers;
  fc->from = fc->to;
  fc->to = (f + 1) * per_fold;
  ev = ls_pipeline_evaluate (result->model, (LsLoaderItem *) test->data, test->len, &eo, fold_progress, fc,
                             cancellable, error);
  if (ev == NULL)
    return FALSE;
  cv->fold_accuracy[f] = ev->metrics->accuracy;
  cv->n_failed += ev->n_failed;
  for (int r = 0; r < ev->n; r++)
    {
      guint i = g_array_index (test_index, guint, ev->rows[r]);
      const float *p = ev->probs + (gsize) r * k;
      LsStoreOutOfFold row = { 0 };

      row.sha256 = g_strdup (im->sha->pdata[i]);
      row.fold = f;
      row.label = g_strdup (im->labels->pdata[i]);
      row.probabilities_json = probabilities_json (im->classes, p);
      memcpy (oof_probs + (gsize) rows->len * k, p, sizeof (float) * k);
      oof_labels[rows->len] = ev->labels[r];
      g_array_append_val (rows, row);
    }
  return TRUE;
}

LsCrossval *
ls_workspace_crossval (LsStore *store,
                       const LsCrossvalOptions *options,
                       LsProgressFunc progress,
                       gpointer user_data,
                       LsTrainEpochFunc on_epoch,
                       gpointer epoch_data,
                       GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (LsCrossval) cv = g_new0 (LsCrossval, 1);
  g_autoptr (LsSplitReport) split = NULL;
  g_autoptr (GArray) rows = g_array_new (FALSE, TRUE, sizeof (LsStoreOutOfFold));
  g_autoptr (GError) local = NULL;
  g_autofree char *version = NULL, *augment = NULL, *json = NULL;
  g_autofree int *fold_of = NULL, *oof_labels = NULL;
  g_autofree float *oof_probs = NULL;
  g_autoptr (GHashTable) groups = g_hash_table_new (g_str_hash, g_str_equal);
  Images im = { 0 };
  LsTrainConfig config = options->train;
  FoldContext fc = { 0 };
  Finish finish = { store, NULL, rows };
  LsRunLog log;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = TRUE;
  guint n;
  int k;

  g_array_set_clear_func (rows, clear_row);
  if (!ls_param_check (ls_params_find (LS_PARAMS_CROSSVAL, LS_PARAM_FOLDS), options->folds, "", error))
    return NULL;
  if (!ls_workspace_ensure_split (store, &split, progress, user_data, cancellable, error))
    return NULL;
  if (!images_load (store, &im, error))
    {
      images_clear (&im);
      return NULL;
    }
  n = im.items->len;
  k = (int) g_strv_length (im.classes);
  cv->folds = options->folds;
  cv->n_unlabelled = im.n_unlabelled;
  for (guint i = 0; i < n; i++)
    g_hash_table_add (groups, im.groups->pdata[i]);
  cv->n_groups = g_hash_table_size (groups);
  if (cv->n_groups < (guint) options->folds)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                   "%s has %u labelled images in %u groups: %d folds need at least %d groups",
                   ls_store_get_path (store), n, cv->n_groups, options->folds, options->folds);
      images_clear (&im);
      return NULL;
    }
  version = ls_store_dataset_version (store, error);
  if (version == NULL)
    {
      images_clear (&im);
      return NULL;
    }
  fold_of = g_new (int, n);
  {
    g_autofree int *labels = g_new (int, n);

    for (guint i = 0; i < n; i++)
      labels[i] = g_array_index (im.items, LsLoaderItem, i).label;
    ls_crossval_assign_folds ((const char *const *) im.groups->pdata, labels, n, options->folds, config.seed,
                              fold_of);
  }
  config.class_names = (const char *const *) im.classes;
  config.dataset_version = version;
  config.output_path = NULL;
  if (config.augment == NULL)
    config.augment = augment = ls_store_get_setting (store, LS_WORKSPACE_SETTING_AUGMENT, NULL);
  json = config_json (options, config.augment, version, n, cv->n_groups);
  if (!ls_run_log_begin (&log, store, NULL, json, options->log_path, on_epoch, epoch_data, cancellable, error))
    {
      images_clear (&im);
      return NULL;
    }
  cv->run_id = g_strdup (log.run_id);
  cv->fold_images = g_new0 (guint, options->folds);
  cv->fold_accuracy = g_new0 (double, options->folds);
  oof_probs = g_new (float, (gsize) MAX (n, 1) * k);
  oof_labels = g_new (int, MAX (n, 1));
  fc.log = &log;
  fc.folds = options->folds;
  fc.epochs = config.epochs;
  fc.progress = progress;
  fc.user_data = user_data;
  for (int f = 0; ok && f < options->folds; f++)
    {
      fc.fold = f;
      ok = !g_cancellable_set_error_if_cancelled (log.stop, &local) &&
           run_fold (options, &config, &im, fold_of, &fc, log.stop, cv, rows, oof_probs, oof_labels, &local);
      if (!ok && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&local, "fold %d of %d: ", f + 1, options->folds);
    }
  if (ok)
    {
      cv->n_images = rows->len;
      cv->metrics = ls_metrics_compute ((int) rows->len, k, oof_probs, oof_labels, NULL,
                                        (const char *const *) im.classes, LS_METRICS_DEFAULT_BINS, &local);
      ok = cv->metrics != NULL;
    }
  if (ok && progress != NULL)
    progress (1.0, "storing the out-of-fold probabilities", user_data);
  finish.run_id = cv->run_id;
  images_clear (&im);
  if (!ls_run_log_end (&log, ok, &local, finish_run, &finish, NULL, error))
    return NULL;
  cv->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&cv);
}
