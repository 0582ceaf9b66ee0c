/* workspace-finetune.c — relabel and retrain on a workspace (DESIGN.md §2
 * flow 2): the corrected images since a model, a replay pool, a child
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "pipeline/json-text.h"
#include "pipeline/registry.h"
#include "pipeline/workspace-private.h"

void
ls_workspace_finetune_options_init (LsWorkspaceFinetuneOptions *options)
{
  memset (options, 0, sizeof *options);
  ls_finetune_config_init (&options->finetune);
}

void
ls_workspace_finetune_free (LsWorkspaceFinetune *finetune)
{
  if (finetune == NULL)
    return;
  g_free (finetune->run_id);
  g_free (finetune->model_id);
  g_free (finetune->parent_id);
  g_strfreev (finetune->corrected);
  ls_finetune_result_free (finetune->result);
  g_free (finetune);
}

static char *
finetune_json (const LsWorkspaceFinetuneOptions *o,
               const LsWorkspaceFinetune *ft,
               guint n_pool)
{
  const LsFinetuneConfig *c = &o->finetune;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "finetune");
  json_builder_set_member_name (b, "parent_id");
  json_builder_add_string_value (b, ft->parent_id);
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
  json_builder_set_member_name (b, "corrected");
  json_builder_add_int_value (b, ft->n_corrected);
  json_builder_set_member_name (b, "changed_outside_training");
  json_builder_add_int_value (b, ft->n_changed_elsewhere);
  json_builder_set_member_name (b, "replay_pool");
  json_builder_add_int_value (b, n_pool);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return ls_json_to_string (root, FALSE);
}

/* The training part split into the corrected images (label changed since
 * the parent) and the replay pool (the others). */
static gboolean
split_training (LsStore *store,
                const char *parent_id,
                LsWorkspacePart **corrected,
                LsWorkspacePart **pool,
                guint *n_elsewhere,
                GError **error)
{
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GHashTable) is_changed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (LsWorkspacePart) train = NULL;
  gboolean version_changed;

  changed = ls_store_labels_changed_since (store, parent_id, &version_changed, error);
  if (changed == NULL)
    return FALSE;
  for (guint i = 0; i < changed->len; i++)
    g_hash_table_add (is_changed, changed->pdata[i]);
  train = ls_workspace_load_part (store, LS_SPLIT_TRAIN, error);
  if (train == NULL)
    return FALSE;
  *corrected = ls_workspace_part_select (train, is_changed, TRUE);
  /* Changed images of the validation and test parts stay out of the
   * training: they only make the evaluation truer. */
  *n_elsewhere = changed->len - (*corrected)->n_items;
  if ((*corrected)->n_items == 0)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                   "no label of the training part changed since model %s%s: nothing to fine-tune on",
                   parent_id, changed->len > 0 ? " (only validation or test images changed)" : "");
      return FALSE;
    }
  *pool = ls_workspace_part_select (train, is_changed, FALSE);
  return TRUE;
}

gboolean
ls_workspace_count_corrections (LsStore *store,
                                const char *parent,
                                char **parent_id,
                                guint *n_train,
                                guint *n_elsewhere,
                                GError **error)
{
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GHashTable) is_changed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (LsWorkspacePart) train = NULL;
  g_autoptr (LsWorkspacePart) corrected = NULL;
  g_autofree char *id = NULL;
  gboolean version_changed;

  if (parent == NULL)
    {
      g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, error);

      if (active == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_MODEL,
                         "%s has no active model", ls_store_get_path (store));
          return FALSE;
        }
      id = g_strdup (active->id);
    }
  else
    {
      id = ls_registry_resolve (store, parent, error);
      if (id == NULL)
        return FALSE;
    }
  changed = ls_store_labels_changed_since (store, id, &version_changed, error);
  if (changed == NULL)
    return FALSE;
  for (guint i = 0; i < changed->len; i++)
    g_hash_table_add (is_changed, changed->pdata[i]);
  train = ls_workspace_load_part (store, LS_SPLIT_TRAIN, error);
  if (train == NULL)
    return FALSE;
  corrected = ls_workspace_part_select (train, is_changed, TRUE);
  *n_train = corrected->n_items;
  *n_elsewhere = changed->len - corrected->n_items;
  if (parent_id != NULL)
    *parent_id = g_steal_pointer (&id);
  return TRUE;
}

typedef struct
{
  LsStore *store;
  LsModel *model;
  gboolean activate;
  LsProgressFunc progress;
  gpointer user_data;
} Registration;

static char *
register_child (gpointer data,
                GError **error)
{
  Registration *r = data;

  if (r->progress != NULL)
    r->progress (1.0, "registering the fine-tuned model", r->user_data);
  return ls_workspace_register_model (r->store, r->model, r->activate, error);
}

LsWorkspaceFinetune *
ls_workspace_finetune (LsStore *store,
                       const LsWorkspaceFinetuneOptions *options,
                       LsProgressFunc progress,
                       gpointer user_data,
                       LsTrainEpochFunc on_epoch,
                       gpointer epoch_data,
                       GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (LsWorkspaceFinetune) ft = g_new0 (LsWorkspaceFinetune, 1);
  g_autoptr (LsModel) parent = NULL;
  g_autoptr (LsWorkspacePart) corrected = NULL;
  g_autoptr (LsWorkspacePart) pool = NULL;
  g_autoptr (LsWorkspacePart) val = NULL;
  g_autoptr (LsWorkspacePart) test = NULL;
  g_autofree char *version = NULL;
  g_autofree char *config_json = NULL;
  g_autoptr (GError) local = NULL;
  LsFinetuneConfig config = options->finetune;
  Registration reg = { store, NULL, options->activate, progress, user_data };
  LsRunLog log;
  gboolean ok;

  parent = ls_workspace_load_model (store, options->parent, &ft->parent_id, error);
  if (parent == NULL ||
      !split_training (store, ft->parent_id, &corrected, &pool, &ft->n_changed_elsewhere, error))
    return NULL;
  val = ls_workspace_load_part (store, LS_SPLIT_VAL, error);
  test = val != NULL ? ls_workspace_load_part (store, LS_SPLIT_TEST, error) : NULL;
  if (test == NULL)
    return NULL;
  if (val->n_items == 0)
    {
      g_set_error (error, LS_WORKSPACE_ERROR, LS_WORKSPACE_ERROR_NO_DATA,
                   "%s has no labelled validation images: run 'lungscope-cli split'",
                   ls_store_get_path (store));
      return NULL;
    }
  version = ls_store_dataset_version (store, error);
  if (version == NULL)
    return NULL;
  ft->n_corrected = corrected->n_items;
  ft->corrected = g_strdupv (corrected->sha256);
  config.dataset_version = version;
  config.output_path = NULL;

  config_json = finetune_json (options, ft, pool->n_items);
  if (!ls_run_log_begin (&log, store, ft->parent_id, config_json, options->log_path, on_epoch, epoch_data,
                         cancellable, error))
    return NULL;
  ft->run_id = g_strdup (log.run_id);
  ok = !g_cancellable_is_cancelled (log.stop) &&
       ls_pipeline_finetune (&config, parent, corrected->items, corrected->n_items, pool->items,
                             pool->n_items, val->items, val->n_items, test->items, test->n_items, progress,
                             user_data, ls_run_log_epoch, &log, log.stop, &ft->result, &local);
  if (ok)
    reg.model = ft->result->model;
  if (!ls_run_log_end (&log, ok, &local, register_child, &reg, &ft->model_id, error))
    return NULL;
  ft->activated = options->activate;
  return g_steal_pointer (&ft);
}
