/* history.c — the workspace's model history (history.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pipeline/history.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "engine/safetensors.h"

const char *
ls_history_status_to_string (LsHistoryStatus status)
{
  switch (status)
    {
    case LS_HISTORY_ACTIVE:
      return "active";
    case LS_HISTORY_AVAILABLE:
      return "available";
    case LS_HISTORY_DELETED:
      return "deleted";
    case LS_HISTORY_RUN_UNFINISHED:
      return "unfinished";
    case LS_HISTORY_RUN_FAILED:
      return "failed";
    case LS_HISTORY_RUN_CANCELLED:
      return "cancelled";
    case LS_HISTORY_RUN_INTERRUPTED:
      return "interrupted";
    default:
      g_assert_not_reached ();
    }
}

void
ls_history_entry_free (LsHistoryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->model_id);
  g_free (entry->name);
  g_free (entry->parent_id);
  g_free (entry->dataset_version);
  g_free (entry->metrics_json);
  g_free (entry->run_id);
  g_free (entry->run_status);
  g_free (entry->run_config_json);
  g_free (entry->epochs);
  g_free (entry);
}

static double
member_double (JsonObject *o,
               const char *name)
{
  JsonNode *node = o != NULL ? json_object_get_member (o, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_double (node) : NAN;
}

static void
read_metrics (LsHistoryEntry *e)
{
  g_autoptr (JsonNode) root = e->metrics_json != NULL ? json_from_string (e->metrics_json, NULL) : NULL;
  JsonObject *o, *macro;

  e->accuracy = e->macro_f1 = e->ece = NAN;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  o = json_node_get_object (root);
  if (!json_object_has_member (o, "accuracy") && json_object_has_member (o, "test") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "test")))
    o = json_object_get_object_member (o, "test");
  e->accuracy = member_double (o, "accuracy");
  e->ece = member_double (o, "ece");
  macro = json_object_has_member (o, "macro") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "macro"))
              ? json_object_get_object_member (o, "macro")
              : NULL;
  e->macro_f1 = member_double (macro, "f1");
}

/* The epochs of ls_train_epoch_to_json(); a line that does not parse
 * becomes an epoch of NANs, so the numbering stays. */
static gboolean
read_epochs (LsStore *store,
             LsHistoryEntry *e,
             GError **error)
{
  g_autoptr (GPtrArray) texts = ls_store_run_epochs (store, e->run_id, error);

  if (texts == NULL)
    return FALSE;
  e->n_epochs = (int) texts->len;
  e->epochs = g_new0 (LsTrainEpoch, MAX (texts->len, 1));
  for (guint i = 0; i < texts->len; i++)
    {
      g_autoptr (JsonNode) root = json_from_string (texts->pdata[i], NULL);
      JsonObject *o = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      LsTrainEpoch *ep = &e->epochs[i];

      ep->epoch = (int) i + 1;
      ep->train_loss = member_double (o, "train_loss");
      ep->train_accuracy = member_double (o, "train_accuracy");
      ep->lr = member_double (o, "lr");
      ep->images_per_second = member_double (o, "images_per_second");
      ep->wait_seconds = member_double (o, "wait_seconds");
      ep->seconds = member_double (o, "seconds");
      ep->val_loss = member_double (o, "val_loss");
      ep->val_accuracy = member_double (o, "val_accuracy");
      if (o == NULL)
        continue;
      ep->epoch = (int) json_object_get_int_member_with_default (o, "epoch", i + 1);
      ep->epochs = (int) json_object_get_int_member_with_default (o, "epochs", 0);
      ep->n_images = (guint) json_object_get_int_member_with_default (o, "images", 0);
      ep->best = json_object_get_boolean_member_with_default (o, "best", FALSE);
      if (ep->best)
        e->best_epoch = (int) i + 1;
    }
  return TRUE;
}

static void
take_run (LsHistoryEntry *e,
          LsStoreRun *run)
{
  e->run_id = g_strdup (run->id);
  e->run_status = g_strdup (run->status);
  e->run_config_json = g_strdup (run->config_json);
  e->run_started = run->started;
  e->run_finished = run->finished;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const LsHistoryEntry *x = *(LsHistoryEntry *const *) a, *y = *(LsHistoryEntry *const *) b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return g_strcmp0 (x->model_id != NULL ? x->model_id : x->run_id,
                    y->model_id != NULL ? y->model_id : y->run_id);
}

GPtrArray *
ls_model_history (LsStore *store,
                  GError **error)
{
  g_autoptr (GPtrArray) models = ls_store_list_models_full (store, TRUE, error);
  g_autoptr (GPtrArray) runs = NULL;
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_history_entry_free);
  g_autoptr (GHashTable) by_model = g_hash_table_new (g_str_hash, g_str_equal);

  if (models == NULL)
    return NULL;
  runs = ls_store_list_runs (store, error);
  if (runs == NULL)
    return NULL;
  for (guint i = 0; i < models->len; i++)
    {
      LsStoreModel *m = models->pdata[i];
      LsHistoryEntry *e = g_new0 (LsHistoryEntry, 1);
      GError *local = NULL;

      e->status = m->deleted != 0 ? LS_HISTORY_DELETED : m->active ? LS_HISTORY_ACTIVE
                                                                   : LS_HISTORY_AVAILABLE;
      e->model_id = g_strdup (m->id);
      /* The name from the file's header only (a deleted model's file is
       * gone: no name, not an error). */
      if (m->file != NULL && m->deleted == 0)
        {
          g_autofree char *path = g_build_filename (ls_store_get_path (store), m->file, NULL);
          g_autoptr (GHashTable) metadata = ls_safetensors_read_metadata (path, NULL);
          const char *name = metadata != NULL ? g_hash_table_lookup (metadata, "name") : NULL;

          e->name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
        }
      e->parent_id = g_strdup (m->parent_id);
      e->dataset_version = g_strdup (m->dataset_version);
      e->metrics_json = g_strdup (m->metrics_json);
      e->time = m->created;
      e->deleted = m->deleted;
      read_metrics (e);
      g_ptr_array_add (entries, e);
      g_hash_table_insert (by_model, e->model_id, e);
      e->n_predictions = ls_store_count_predictions (store, m->id, &local);
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
    }
  for (guint i = 0; i < runs->len; i++)
    {
      LsStoreRun *run = runs->pdata[i];
      LsHistoryEntry *e = run->model_id != NULL ? g_hash_table_lookup (by_model, run->model_id) : NULL;

      if (e == NULL)
        {
          e = g_new0 (LsHistoryEntry, 1);
          if (g_strcmp0 (run->status, "failed") == 0)
            e->status = LS_HISTORY_RUN_FAILED;
          else if (g_strcmp0 (run->status, "cancelled") == 0)
            e->status = LS_HISTORY_RUN_CANCELLED;
          else if (g_strcmp0 (run->status, "interrupted") == 0)
            e->status = LS_HISTORY_RUN_INTERRUPTED;
          else
            e->status = LS_HISTORY_RUN_UNFINISHED; /* "running", or "done" with no model left */
          e->parent_id = g_strdup (run->parent_model_id);
          e->time = run->started;
          e->accuracy = e->macro_f1 = e->ece = NAN;
          g_ptr_array_add (entries, e);
        }
      else if (e->run_id != NULL)
        continue; /* two runs name one model: the first made it */
      take_run (e, run);
      if (!read_epochs (store, e, error))
        return NULL;
    }
  /* Generations: follow parents (bounded: a cycle cannot be stored, but a
   * damaged database could hold one). */
  for (guint i = 0; i < entries->len; i++)
    {
      LsHistoryEntry *e = entries->pdata[i];
      const char *parent = e->parent_id;

      while (parent != NULL && e->depth < (int) entries->len)
        {
          LsHistoryEntry *up = g_hash_table_lookup (by_model, parent);

          e->depth++;
          parent = up != NULL ? up->parent_id : NULL;
        }
    }
  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}
