/* registry.c — the workspace's model registry (see registry.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "base/file.h"
#include "engine/model.h"
#include "pipeline/registry.h"

/* clang-format off */
G_DEFINE_QUARK (ls-registry-error-quark, ls_registry_error)
/* clang-format on */

/* The store's orphan cleanup removes files with this prefix in models/. */
#define STORE_TEMP_PREFIX ".tmp-"
/* Lineage deeper than this is a cycle (the store cannot make one, but a
 * damaged database could). */
#define MAX_LINEAGE 10000

void
ls_model_card_free (LsModelCard *card)
{
  if (card == NULL)
    return;
  g_free (card->id);
  g_free (card->name);
  g_free (card->file);
  g_free (card->created);
  g_free (card->card_parent_id);
  g_strfreev (card->lineage);
  g_free (card->dataset_version);
  g_strfreev (card->classes);
  g_free (card->arch);
  g_free (card->train_config);
  g_free (card->metrics);
  g_strfreev (card->recall_classes);
  g_free (card->recall);
  g_free (card);
}

static gboolean
set_errno_error (GError **error,
                 int saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO, "%s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* How each step of a durable write failing reads before the path. */
static const char *const write_steps[] = {
  [LS_FILE_STEP_CREATE] = "cannot create a temporary file in",
  [LS_FILE_STEP_WRITE] = "cannot write",
  [LS_FILE_STEP_SYNC] = "cannot sync",
  [LS_FILE_STEP_CLOSE] = "cannot close",
  [LS_FILE_STEP_EXISTS] = "cannot replace",
  [LS_FILE_STEP_RENAME] = "cannot rename into place",
  [LS_FILE_STEP_OPEN_FOLDER] = "cannot open the folder",
  [LS_FILE_STEP_SYNC_FOLDER] = "cannot sync the folder",
};

/* Writes @data to @dest durably (base/file.h), the temp file named
 * @temp_prefix + XXXXXX; when !@replace an existing @dest is never
 * overwritten. */
static gboolean
write_durably (const char *dest,
               const char *temp_prefix,
               const guint8 *data,
               gsize len,
               gboolean replace,
               GError **error)
{
  g_auto (LsFileFailure) failure = { 0 };

  if (ls_file_write (dest, temp_prefix, data, len, replace ? 0 : LS_FILE_WRITE_NO_REPLACE, &failure))
    return TRUE;
  if (failure.step == LS_FILE_STEP_EXISTS)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_EXISTS,
                   "%s exists; not overwriting it", dest);
      return FALSE;
    }
  return set_errno_error (error, failure.errsv, write_steps[failure.step], failure.path);
}

static gboolean
valid_model_id (const char *id)
{
  gsize len = id != NULL ? strlen (id) : 0;

  if (len == 0 || len > 64)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* The card's value for @key, or NULL when absent or empty. */
static const char *
card_value (const LsSafetensors *st,
            const char *key)
{
  const char *value = g_hash_table_lookup (st->metadata, key);

  return value != NULL && *value != '\0' ? value : NULL;
}

/* Parses a JSON array of strings; NULL on anything else. */
static GStrv
parse_string_array (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *root;
  JsonArray *array;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return NULL;
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return NULL;
      g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

static gboolean
is_json_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root);
}

/* Checks the card and the tensors of a parsed model file; every error
 * names @path. Returns the net the file describes. */
static LsNet *
check_model (LsStore *store,
             const LsSafetensors *st,
             const char *path,
             GError **error)
{
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) classes = NULL, ws_classes = NULL;
  g_autoptr (LsNet) net = NULL;
  const char *format = card_value (st, "format");
  const char *version = card_value (st, "format_version");
  const char *id = card_value (st, "model_id");
  const char *metrics = card_value (st, "metrics");
  const char *parent = card_value (st, "parent_id");

  if (g_strcmp0 (format, LS_MODEL_FORMAT) != 0)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s is not a Lungscope model file (format “%s”, expected “%s”)", path,
                   format != NULL ? format : "", LS_MODEL_FORMAT);
      return NULL;
    }
  if (g_strcmp0 (version, LS_MODEL_FORMAT_VERSION) != 0)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: model format version “%s” is not supported (this Lungscope reads %s)",
                   path, version != NULL ? version : "", LS_MODEL_FORMAT_VERSION);
      return NULL;
    }
  if (id == NULL || !valid_model_id (id))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: model_id “%s” is missing or not 1–64 letters, digits, - or _", path,
                   id != NULL ? id : "");
      return NULL;
    }
  if (parent != NULL && (!valid_model_id (parent) || g_str_equal (parent, id)))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: parent_id “%s” is not a valid model id other than the model's own",
                   path, parent);
      return NULL;
    }
  classes = parse_string_array (card_value (st, "classes"));
  if (classes == NULL || classes[0] == NULL)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: “classes” is missing or not a JSON array of class names", path);
      return NULL;
    }
  if (metrics != NULL && !is_json_object (metrics))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: “metrics” is not a JSON object", path);
      return NULL;
    }
  ws_classes = ls_store_get_classes (store, error);
  if (ws_classes == NULL)
    return NULL;
  if (!g_strv_equal ((const char *const *) classes, (const char *const *) ws_classes))
    {
      g_autofree char *have = g_strjoinv (", ", classes);
      g_autofree char *want = g_strjoinv (", ", ws_classes);

      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_CLASSES,
                   "%s: the model's classes (%s) are not the workspace's (%s)", path, have,
                   want);
      return NULL;
    }
  net = ls_net_new_from_safetensors (st, &local);
  if (net == NULL)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID, "%s: %s", path,
                   local->message);
      return NULL;
    }
  if (ls_net_get_n_classes (net) != (int) g_strv_length (classes))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s: the network has %d outputs for %u classes", path,
                   ls_net_get_n_classes (net), g_strv_length (classes));
      return NULL;
    }
  return g_steal_pointer (&net);
}

static char *
model_file (LsStore *store,
            const char *id)
{
  g_autofree char *name = g_strconcat (id, ".safetensors", NULL);

  return g_build_filename (ls_store_get_path (store), "models", name, NULL);
}

/* Looks a model up; *@model is NULL without error when it is not there. */
static gboolean
lookup_model (LsStore *store,
              const char *id,
              LsStoreModel **model,
              GError **error)
{
  GError *local = NULL;

  *model = ls_store_get_model (store, id, &local);
  if (*model != NULL)
    return TRUE;
  if (g_error_matches (local, LS_STORE_ERROR, LS_STORE_ERROR_NOT_FOUND))
    {
      g_error_free (local);
      return TRUE;
    }
  g_propagate_error (error, local);
  return FALSE;
}

char *
ls_registry_register (LsStore *store,
                      const char *path,
                      gboolean activate,
                      GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autofree char *dest = NULL, *models_dir = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsStoreModel) existing = NULL, parent_row = NULL;
  gsize len;
  const char *id, *parent;

  if (ls_store_is_read_only (store))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY,
                   "cannot register %s: the workspace %s is read-only (%s)", path,
                   ls_store_get_path (store), ls_store_get_read_only_reason (store));
      return NULL;
    }
  if (!g_file_get_contents (path, (char **) &bytes, &len, &local))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO, "%s", local->message);
      return NULL;
    }
  /* One read: the bytes checked are the bytes copied. */
  st = ls_safetensors_parse (bytes, len, &local);
  if (st == NULL)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID,
                   "%s is not a Lungscope model file: %s", path, local->message);
      return NULL;
    }
  net = check_model (store, st, path, error);
  if (net == NULL)
    return NULL;
  id = card_value (st, "model_id");
  parent = card_value (st, "parent_id");

  if (!lookup_model (store, id, &existing, error))
    return NULL;
  dest = model_file (store, id);
  /* A deleted model's id is registered anew: the store restores its row. */
  if (existing != NULL && existing->deleted != 0)
    g_clear_pointer (&existing, ls_store_model_free);
  if (existing != NULL)
    {
      g_autofree guint8 *old = NULL;
      gsize old_len = 0;

      if (g_file_get_contents (dest, (char **) &old, &old_len, NULL) &&
          (old_len != len || memcmp (old, bytes, len) != 0))
        {
          g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_CONFLICT,
                       "cannot register %s: model %s is already registered with different "
                       "bytes",
                       path, id);
          return NULL;
        }
      /* The same bytes: nothing to add (a missing file is put back). */
      if (old == NULL && !write_durably (dest, STORE_TEMP_PREFIX, bytes, len, TRUE, error))
        return NULL;
      if (activate && !existing->active && !ls_store_set_active_model (store, id, error))
        return NULL;
      return g_strdup (id);
    }

  if (parent != NULL && !lookup_model (store, parent, &parent_row, error))
    return NULL;
  models_dir = g_path_get_dirname (dest);
  if (g_mkdir_with_parents (models_dir, 0755) != 0)
    {
      set_errno_error (error, errno, "cannot create", models_dir);
      return NULL;
    }
  /* The file is durable before the row that names it commits (CHECKLIST
   * 10); a crash in between leaves an unregistered file that the next
   * registration replaces. */
  if (!write_durably (dest, STORE_TEMP_PREFIX, bytes, len, TRUE, error))
    return NULL;
  if (!ls_store_add_model (store, id, parent_row != NULL ? parent : NULL,
                           card_value (st, "dataset_version"), card_value (st, "metrics"),
                           activate, error))
    return NULL;
  return g_strdup (id);
}

GPtrArray *
ls_registry_list (LsStore *store,
                  GError **error)
{
  return ls_store_list_models (store, error);
}

GPtrArray *
ls_registry_list_full (LsStore *store,
                       gboolean include_deleted,
                       GError **error)
{
  return ls_store_list_models_full (store, include_deleted, error);
}

/* The error for an operation on a deleted model. */
static void
set_deleted_error (GError **error,
                   const LsStoreModel *row,
                   const char *what)
{
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (row->deleted / G_USEC_PER_SEC);
  g_autofree char *date = when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M UTC")
                                       : g_strdup ("?");

  g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_DELETED,
               "cannot %s model %s: it was deleted on %s and its file removed (register the "
               "file again to restore it)",
               what, row->id, date);
}

/* @row, or NULL with @error set when it is deleted. */
static LsStoreModel *
present_or_error (LsStoreModel *row,
                  const char *what,
                  GError **error)
{
  if (row != NULL && row->deleted != 0)
    {
      set_deleted_error (error, row, what);
      ls_store_model_free (row);
      return NULL;
    }
  return row;
}

char *
ls_registry_resolve (LsStore *store,
                     const char *id_or_prefix,
                     GError **error)
{
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GPtrArray) matches = g_ptr_array_new ();

  if (id_or_prefix == NULL)
    {
      g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, error);

      if (active != NULL)
        return g_strdup (active->id);
      if (error == NULL || *error == NULL)
        g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND,
                     "no active model in %s", ls_store_get_path (store));
      return NULL;
    }
  /* A full id names a deleted model too (its errors then say so); a prefix
   * names present models first. */
  models = ls_store_list_models_full (store, TRUE, error);
  if (models == NULL)
    return NULL;
  for (int pass = 0; pass < 2 && matches->len == 0; pass++)
    for (guint i = 0; i < models->len; i++)
      {
        LsStoreModel *m = models->pdata[i];

        if (g_str_equal (m->id, id_or_prefix))
          return g_strdup (m->id);
        if ((m->deleted != 0) == (pass == 1) && *id_or_prefix != '\0' &&
            g_str_has_prefix (m->id, id_or_prefix))
          g_ptr_array_add (matches, m->id);
      }
  if (matches->len == 1)
    return g_strdup (matches->pdata[0]);
  if (matches->len == 0)
    g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND, "no model %s in %s",
                 id_or_prefix, ls_store_get_path (store));
  else
    {
      g_autofree char *names = NULL;

      g_ptr_array_add (matches, NULL);
      names = g_strjoinv (", ", (char **) matches->pdata);
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_AMBIGUOUS,
                   "“%s” names several models: %s", id_or_prefix, names);
    }
  return NULL;
}

static double
member_double (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NAN;
  return json_node_get_double (node);
}

/* Accuracy, ECE and per-class recall from the metrics JSON of
 * metrics-json.c (top level, or under "test"). */
static void
summarize_metrics (LsModelCard *card)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  JsonObject *object;
  JsonArray *per_class;
  guint n;

  card->accuracy = NAN;
  card->ece = NAN;
  if (card->metrics == NULL || !json_parser_load_from_data (parser, card->metrics, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "accuracy") && json_object_has_member (object, "test") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "test")))
    object = json_object_get_object_member (object, "test");
  card->accuracy = member_double (object, "accuracy");
  card->ece = member_double (object, "ece");
  if (!json_object_has_member (object, "per_class") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "per_class")))
    return;
  per_class = json_object_get_array_member (object, "per_class");
  n = json_array_get_length (per_class);
  card->recall = g_new (double, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (per_class, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = entry != NULL ? json_object_get_string_member_with_default (entry, "class", NULL) : NULL;
      g_autofree char *fallback = g_strdup_printf ("%u", i);

      g_strv_builder_add (names, name != NULL ? name : fallback);
      card->recall[i] = member_double (entry, "recall");
    }
  card->recall_classes = g_strv_builder_end (names);
}

static char *
dup_value (const LsSafetensors *st,
           const char *key)
{
  return g_strdup (card_value (st, key));
}

LsModelCard *
ls_registry_show (LsStore *store,
                  const char *id,
                  GError **error)
{
  g_autoptr (LsStoreModel) row = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (LsNet) net = NULL;
  g_autoptr (LsModelCard) card = g_new0 (LsModelCard, 1);
  g_autoptr (GStrvBuilder) lineage = g_strv_builder_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *parent = NULL;
  const LsNetSpec *spec;

  row = present_or_error (ls_store_get_model (store, id, error), "show", error);
  if (row == NULL)
    return NULL;
  card->file = g_build_filename (ls_store_get_path (store), row->file, NULL);
  st = ls_safetensors_read (card->file, error);
  if (st == NULL)
    return NULL;
  net = ls_net_new_from_safetensors (st, &local);
  if (net == NULL)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_INVALID, "%s: %s", card->file,
                   local->message);
      return NULL;
    }
  card->id = g_strdup (row->id);
  card->active = row->active;
  card->registered = row->created;
  card->name = dup_value (st, "name");
  card->created = dup_value (st, "created");
  card->card_parent_id = dup_value (st, "parent_id");
  card->dataset_version = g_strdup (row->dataset_version != NULL && *row->dataset_version
                                        ? row->dataset_version
                                        : card_value (st, "dataset_version"));
  card->classes = parse_string_array (card_value (st, "classes"));
  if (card->classes == NULL)
    card->classes = g_new0 (char *, 1);
  spec = ls_net_get_spec (net);
  card->arch = g_strdup (spec->text);
  card->n_layers = spec->n_layers;
  card->n_params = ls_net_get_n_params (net);
  card->input_size = ls_net_get_input_size (net);
  card->input_channels = ls_net_get_input_channels (net);
  card->train_config = dup_value (st, "train_config");
  card->metrics = g_strdup (card_value (st, "metrics") != NULL ? card_value (st, "metrics")
                                                               : row->metrics_json);
  summarize_metrics (card);

  parent = g_strdup (row->parent_id);
  for (int depth = 0; parent != NULL && depth < MAX_LINEAGE; depth++)
    {
      g_autoptr (LsStoreModel) up = NULL;

      g_strv_builder_add (lineage, parent);
      if (!lookup_model (store, parent, &up, error))
        return NULL;
      g_free (parent);
      parent = up != NULL ? g_strdup (up->parent_id) : NULL;
    }
  card->lineage = g_strv_builder_end (lineage);
  return g_steal_pointer (&card);
}

/* A model whose file is gone is never made active. */
static gboolean
check_file_present (LsStore *store,
                    const LsStoreModel *row,
                    GError **error)
{
  g_autofree char *abs = g_build_filename (ls_store_get_path (store), row->file, NULL);

  if (g_file_test (abs, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO,
               "cannot activate model %s: its file %s is missing", row->id, abs);
  return FALSE;
}

gboolean
ls_registry_promote (LsStore *store,
                     const char *id,
                     GError **error)
{
  g_autoptr (LsStoreModel) row = present_or_error (ls_store_get_model (store, id, error), "activate", error);

  if (row == NULL)
    return FALSE;
  if (row->active)
    return TRUE;
  if (!check_file_present (store, row, error))
    return FALSE;
  return ls_store_set_active_model (store, id, error);
}

char *
ls_registry_rollback (LsStore *store,
                      GError **error)
{
  GError *local = NULL;
  g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &local);
  g_autoptr (LsStoreModel) parent = NULL;

  if (active == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NOT_FOUND,
                     "no active model in %s: nothing to roll back", ls_store_get_path (store));
      return NULL;
    }
  if (active->parent_id == NULL)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_NO_PARENT,
                   "the active model %s has no parent in this workspace (use promote)",
                   active->id);
      return NULL;
    }
  parent = present_or_error (ls_store_get_model (store, active->parent_id, error),
                             "roll back to", error);
  if (parent == NULL || !check_file_present (store, parent, error) ||
      !ls_store_set_active_model (store, parent->id, error))
    return NULL;
  return g_strdup (parent->id);
}

gboolean
ls_registry_export (LsStore *store,
                    const char *id,
                    const char *dest,
                    gboolean force,
                    GError **error)
{
  g_autoptr (LsStoreModel) row = present_or_error (ls_store_get_model (store, id, error), "export", error);
  g_autoptr (GError) local = NULL;
  g_autofree char *src = NULL, *base = NULL, *prefix = NULL;
  g_autofree guint8 *bytes = NULL;
  gsize len;

  if (row == NULL)
    return FALSE;
  if (g_file_test (dest, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_EXISTS,
                   "%s is a folder; give the file to write", dest);
      return FALSE;
    }
  src = g_build_filename (ls_store_get_path (store), row->file, NULL);
  if (!g_file_get_contents (src, (char **) &bytes, &len, &local))
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  base = g_path_get_basename (dest);
  prefix = g_strdup_printf (".%s.", base);
  return write_durably (dest, prefix, bytes, len, force, error);
}

gboolean
ls_registry_delete (LsStore *store,
                    const char *id,
                    GError **error)
{
  g_autoptr (LsStoreModel) row = present_or_error (ls_store_get_model (store, id, error), "delete", error);
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GPtrArray) children = g_ptr_array_new ();

  if (row == NULL)
    return FALSE;
  if (row->active)
    {
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_ACTIVE,
                   "model %s is active: promote another model or roll back first", id);
      return FALSE;
    }
  models = ls_store_list_models (store, error);
  if (models == NULL)
    return FALSE;
  for (guint i = 0; i < models->len; i++)
    {
      LsStoreModel *m = models->pdata[i];

      if (g_strcmp0 (m->parent_id, id) == 0)
        g_ptr_array_add (children, m->id);
    }
  if (children->len > 0)
    {
      g_autofree char *names = NULL;

      g_ptr_array_add (children, NULL);
      names = g_strjoinv (", ", (char **) children->pdata);
      g_set_error (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_HAS_CHILDREN,
                   "model %s is the parent of %s: delete those first", id, names);
      return FALSE;
    }
  /* The store marks the row deleted, then removes the file (CHECKLIST 10). */
  return ls_store_delete_model (store, id, error);
}
