/* cmd-models.c — lungscope-cli models: the workspace's model registry
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ls-cli.h"
#include "pipeline/history.h"
#include "pipeline/model-info.h"
#include "pipeline/registry.h"

typedef int (*ModelsFunc) (const LsCliCommand *sub,
                           LsCliGlobal *global,
                           int argc,
                           char **argv);

typedef struct
{
  LsCliCommand command; /* name "models <sub>", for options and help */
  ModelsFunc func;
} ModelsSub;

static char *
iso_time (gint64 usec)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return t != NULL ? g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("?");
}

static void
add_double_or_null (JsonBuilder *b,
                    const char *name,
                    double value)
{
  json_builder_set_member_name (b, name);
  if (isnan (value))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, value);
}

static void
add_string_or_null (JsonBuilder *b,
                    const char *name,
                    const char *value)
{
  json_builder_set_member_name (b, name);
  if (value == NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, value);
}

/* Adds parsed JSON text, or the text as a string when it does not parse. */
static void
add_json_or_null (JsonBuilder *b,
                  const char *name,
                  const char *text)
{
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  json_builder_set_member_name (b, name);
  if (node != NULL)
    json_builder_add_value (b, node);
  else if (text != NULL)
    json_builder_add_string_value (b, text);
  else
    json_builder_add_null_value (b);
}

/* Resolves the MODEL argument (or the active model when @arg is NULL). */
static char *
resolve (LsStore *store,
         const char *arg,
         int *code)
{
  g_autoptr (GError) error = NULL;
  char *id = ls_registry_resolve (store, arg, &error);

  if (id == NULL)
    *code = ls_cli_failure ("%s", error->message);
  return id;
}

/* The common start of a subcommand: its options, @min_args … @max_args
 * positional arguments (@missing says what is missing), the workspace and,
 * with @model, the model the first argument names (the active one when
 * there is none). */
static gboolean
start (const LsCliCommand *sub,
       LsCliGlobal *global,
       const GOptionEntry *entries,
       int *argc,
       char ***argv,
       int min_args,
       int max_args,
       const char *missing,
       gboolean model,
       LsStore **store,
       char **id,
       int *code)
{
  if (!ls_cli_parse_options (sub, entries, argc, argv, code))
    return FALSE;
  if (*argc - 1 < min_args)
    {
      *code = ls_cli_usage_error (sub, "%s", missing);
      return FALSE;
    }
  if (*argc - 1 > max_args)
    {
      *code = ls_cli_usage_error (sub, "unexpected argument “%s”", (*argv)[max_args + 1]);
      return FALSE;
    }
  *store = ls_cli_open_workspace (sub, global, LS_STORE_OPEN_DEFAULT, code);
  if (*store == NULL)
    return FALSE;
  if (model)
    *id = resolve (*store, *argc > 1 ? (*argv)[1] : NULL, code);
  return !model || *id != NULL;
}

/* ---- list ---- */

static int
models_list (const LsCliCommand *sub,
             LsCliGlobal *global,
             int argc,
             char **argv)
{
  gboolean json = FALSE, all = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "Also list the deleted models, marked", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, entries, &argc, &argv, 0, 0, NULL, FALSE, &store, NULL, &code))
    return code;
  models = ls_registry_list_full (store, all, &error);
  if (models == NULL)
    return ls_cli_failure ("%s", error->message);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < models->len; i++)
        {
          LsStoreModel *m = models->pdata[i];
          g_autofree char *registered = iso_time (m->created);

          json_builder_begin_object (b);
          add_string_or_null (b, "id", m->id);
          json_builder_set_member_name (b, "active");
          json_builder_add_boolean_value (b, m->active);
          add_string_or_null (b, "parent_id", m->parent_id);
          add_string_or_null (b, "dataset_version",
                              m->dataset_version != NULL && *m->dataset_version
                                  ? m->dataset_version
                                  : NULL);
          add_string_or_null (b, "registered", registered);
          add_double_or_null (b, "accuracy", ls_metrics_json_number (m->metrics_json, "accuracy"));
          add_double_or_null (b, "ece", ls_metrics_json_number (m->metrics_json, "ece"));
          if (all)
            {
              g_autofree char *deleted = m->deleted != 0 ? iso_time (m->deleted) : NULL;

              add_string_or_null (b, "deleted", deleted);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      ls_cli_print_json (root);
      return LS_EXIT_OK;
    }
  if (models->len == 0)
    fprintf (stderr, "no models in %s (train one, or add a file with 'models add')\n",
             ls_store_get_path (store));
  for (guint i = 0; i < models->len; i++)
    {
      LsStoreModel *m = models->pdata[i];
      g_autofree char *registered = iso_time (m->created);
      double accuracy = ls_metrics_json_number (m->metrics_json, "accuracy");
      g_autofree char *acc = isnan (accuracy) ? g_strdup ("-")
                                              : g_strdup_printf ("%.3f", accuracy);

      g_autofree char *deleted = m->deleted != 0 ? iso_time (m->deleted) : NULL;

      printf ("%c %s  %s  parent %s  data %.12s  accuracy %s%s%s\n", m->active ? '*' : ' ', m->id,
              registered, m->parent_id != NULL ? m->parent_id : "-",
              m->dataset_version != NULL && *m->dataset_version ? m->dataset_version : "-", acc,
              deleted != NULL ? "  DELETED " : "", deleted != NULL ? deleted : "");
    }
  return LS_EXIT_OK;
}

/* ---- history ---- */

static int
models_history (const LsCliCommand *sub,
                LsCliGlobal *global,
                int argc,
                char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, entries, &argc, &argv, 0, 0, NULL, FALSE, &store, NULL, &code))
    return code;
  history = ls_model_history (store, &error);
  if (history == NULL)
    return ls_cli_failure ("%s", error->message);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < history->len; i++)
        {
          const LsHistoryEntry *e = history->pdata[i];
          g_autofree char *time = iso_time (e->time);
          g_autofree char *deleted = e->deleted != 0 ? iso_time (e->deleted) : NULL;

          json_builder_begin_object (b);
          add_string_or_null (b, "status", ls_history_status_to_string (e->status));
          add_string_or_null (b, "id", e->model_id);
          add_string_or_null (b, "parent_id", e->parent_id);
          json_builder_set_member_name (b, "depth");
          json_builder_add_int_value (b, e->depth);
          add_string_or_null (b, "time", time);
          add_string_or_null (b, "deleted", deleted);
          add_string_or_null (b, "dataset_version", e->dataset_version);
          add_double_or_null (b, "accuracy", e->accuracy);
          add_double_or_null (b, "macro_f1", e->macro_f1);
          add_double_or_null (b, "ece", e->ece);
          json_builder_set_member_name (b, "predictions");
          json_builder_add_int_value (b, e->n_predictions);
          add_string_or_null (b, "run_id", e->run_id);
          add_string_or_null (b, "run_status", e->run_status);
          add_json_or_null (b, "run_config", e->run_config_json);
          ls_cli_json_add_epochs (b, e->epochs, e->n_epochs);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      ls_cli_print_json (root);
      return LS_EXIT_OK;
    }
  if (history->len == 0)
    fprintf (stderr, "no models and no runs in %s\n", ls_store_get_path (store));
  for (guint i = 0; i < history->len; i++)
    {
      const LsHistoryEntry *e = history->pdata[i];
      g_autofree char *time = iso_time (e->time);
      g_autofree char *acc = isnan (e->accuracy) ? g_strdup ("-") : g_strdup_printf ("%.3f", e->accuracy);
      g_autofree char *indent = g_strnfill ((gsize) MIN (e->depth, 20) * 2, ' ');
      g_autofree char *run = e->run_id != NULL ? g_strdup_printf ("  run %s, %d epoch%s", e->run_id, e->n_epochs,
                                                                  e->n_epochs == 1 ? "" : "s")
                                               : g_strdup ("");

      printf ("%s  %-11s %s%s  parent %s  data %.12s  accuracy %s  predictions %u%s\n", time,
              ls_history_status_to_string (e->status), indent, e->model_id != NULL ? e->model_id : "(no model)",
              e->parent_id != NULL ? e->parent_id : "-",
              e->dataset_version != NULL && *e->dataset_version ? e->dataset_version : "-", acc,
              e->n_predictions, run);
    }
  return LS_EXIT_OK;
}

/* ---- show ---- */

static void
print_card_json (const LsModelCard *card)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *registered = iso_time (card->registered);

  json_builder_begin_object (b);
  add_string_or_null (b, "id", card->id);
  add_string_or_null (b, "name", card->name);
  add_string_or_null (b, "file", card->file);
  json_builder_set_member_name (b, "active");
  json_builder_add_boolean_value (b, card->active);
  add_string_or_null (b, "created", card->created);
  add_string_or_null (b, "registered", registered);
  add_string_or_null (b, "parent_id", card->card_parent_id);
  json_builder_set_member_name (b, "lineage");
  json_builder_begin_array (b);
  for (guint i = 0; card->lineage[i] != NULL; i++)
    json_builder_add_string_value (b, card->lineage[i]);
  json_builder_end_array (b);
  add_string_or_null (b, "dataset_version", card->dataset_version);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; card->classes[i] != NULL; i++)
    json_builder_add_string_value (b, card->classes[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "network");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "layers");
  json_builder_add_int_value (b, card->n_layers);
  json_builder_set_member_name (b, "parameters");
  json_builder_add_int_value (b, (gint64) card->n_params);
  json_builder_set_member_name (b, "input_channels");
  json_builder_add_int_value (b, card->input_channels);
  json_builder_set_member_name (b, "input_size");
  json_builder_add_int_value (b, card->input_size);
  add_string_or_null (b, "arch", card->arch);
  json_builder_end_object (b);
  add_json_or_null (b, "train_config", card->train_config);
  json_builder_set_member_name (b, "summary");
  json_builder_begin_object (b);
  add_double_or_null (b, "accuracy", card->accuracy);
  add_double_or_null (b, "ece", card->ece);
  json_builder_set_member_name (b, "recall");
  json_builder_begin_object (b);
  for (guint i = 0; card->recall_classes != NULL && card->recall_classes[i] != NULL; i++)
    add_double_or_null (b, card->recall_classes[i], card->recall[i]);
  json_builder_end_object (b);
  json_builder_end_object (b);
  add_json_or_null (b, "metrics", card->metrics);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ls_cli_print_json (root);
}

static void
print_card_text (const LsModelCard *card)
{
  g_autofree char *registered = iso_time (card->registered);
  g_autofree char *classes = g_strjoinv (", ", card->classes);

  printf ("model       %s%s\n", card->id, card->active ? " (active)" : "");
  printf ("name        %s\n", card->name != NULL ? card->name : "-");
  printf ("file        %s\n", card->file);
  printf ("created     %s (registered %s)\n", card->created != NULL ? card->created : "-",
          registered);
  if (card->lineage[0] != NULL)
    {
      g_autofree char *chain = g_strjoinv (" <- ", card->lineage);

      printf ("lineage     %s <- %s\n", card->id, chain);
    }
  else if (card->card_parent_id != NULL)
    printf ("lineage     parent %s (not in this workspace)\n", card->card_parent_id);
  else
    printf ("lineage     none (trained from scratch)\n");
  printf ("dataset     %s\n", card->dataset_version != NULL ? card->dataset_version : "-");
  printf ("classes     %s\n", classes);
  printf ("network     %d layers, %" G_GSIZE_FORMAT " parameters, input %dx%dx%d\n",
          card->n_layers, card->n_params, card->input_channels, card->input_size,
          card->input_size);
  printf ("training    %s\n", card->train_config != NULL ? card->train_config : "-");
  if (isnan (card->accuracy))
    printf ("accuracy    -\n");
  else
    printf ("accuracy    %.3f\n", card->accuracy);
  if (isnan (card->ece))
    printf ("ECE         -\n");
  else
    printf ("ECE         %.3f\n", card->ece);
  if (card->recall_classes != NULL)
    {
      printf ("recall     ");
      for (guint i = 0; card->recall_classes[i] != NULL; i++)
        {
          if (isnan (card->recall[i]))
            printf (" %s -", card->recall_classes[i]);
          else
            printf (" %s %.3f", card->recall_classes[i], card->recall[i]);
        }
      printf ("\n");
    }
}

static int
models_show (const LsCliCommand *sub,
             LsCliGlobal *global,
             int argc,
             char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModelCard) card = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, entries, &argc, &argv, 0, 1, NULL, TRUE, &store, &id, &code))
    return code;
  card = ls_registry_show (store, id, &error);
  if (card == NULL)
    return ls_cli_failure ("%s", error->message);
  if (json)
    print_card_json (card);
  else
    print_card_text (card);
  return LS_EXIT_OK;
}

/* ---- promote, rollback, delete, export, add ---- */

static int
models_promote (const LsCliCommand *sub,
                LsCliGlobal *global,
                int argc,
                char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, NULL, &argc, &argv, 1, 1, "no MODEL given", TRUE, &store, &id, &code))
    return code;
  if (!ls_registry_promote (store, id, &error))
    return ls_cli_failure ("%s", error->message);
  printf ("active model: %s\n", id);
  return LS_EXIT_OK;
}

static int
models_rollback (const LsCliCommand *sub,
                 LsCliGlobal *global,
                 int argc,
                 char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, NULL, &argc, &argv, 0, 0, NULL, FALSE, &store, NULL, &code))
    return code;
  id = ls_registry_rollback (store, &error);
  if (id == NULL)
    return ls_cli_failure ("%s", error->message);
  printf ("active model: %s\n", id);
  return LS_EXIT_OK;
}

static int
models_export (const LsCliCommand *sub,
               LsCliGlobal *global,
               int argc,
               char **argv)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Overwrite an existing file", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, entries, &argc, &argv, 2, 2, "give MODEL and PATH", TRUE, &store, &id, &code))
    return code;
  if (!ls_registry_export (store, id, argv[2], force, &error))
    {
      if (g_error_matches (error, LS_REGISTRY_ERROR, LS_REGISTRY_ERROR_EXISTS))
        return ls_cli_failure ("%s (use --force to overwrite it)", error->message);
      return ls_cli_failure ("%s", error->message);
    }
  printf ("exported %s to %s\n", id, argv[2]);
  return LS_EXIT_OK;
}

static int
models_delete (const LsCliCommand *sub,
               LsCliGlobal *global,
               int argc,
               char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, NULL, &argc, &argv, 1, 1, "no MODEL given", TRUE, &store, &id, &code))
    return code;
  if (!ls_registry_delete (store, id, &error))
    return ls_cli_failure ("%s", error->message);
  printf ("deleted %s\n", id);
  return LS_EXIT_OK;
}

static int
models_add (const LsCliCommand *sub,
            LsCliGlobal *global,
            int argc,
            char **argv)
{
  gboolean activate = FALSE;
  const GOptionEntry entries[] = {
    { "activate", 0, 0, G_OPTION_ARG_NONE, &activate, "Make it the active model", NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LsStore) store = NULL;
  int code;

  if (!start (sub, global, entries, &argc, &argv, 1, 1, "no FILE given", FALSE, &store, NULL, &code))
    return code;
  id = ls_registry_register (store, argv[1], activate, &error);
  if (id == NULL)
    return ls_cli_failure ("%s", error->message);
  printf ("registered %s%s\n", id, activate ? " (active)" : "");
  return LS_EXIT_OK;
}

static const ModelsSub subs[] = {
  { { "models list", "[--all] [--json]", "List the models, oldest first; * marks the active one",
      "--all lists the deleted models too, marked DELETED with the time (JSON: \"deleted\").\n"
      "A deleted model keeps its lineage and the predictions logged with it.",
      NULL },
    models_list },
  { { "models history", "[--json]", "Every model and training run, oldest first, with its lineage",
      "Status is active, available, deleted (row, lineage and predictions kept), or for a\n"
      "run that registered no model: failed, cancelled, interrupted (its process was\n"
      "killed or crashed), or unfinished (running now). Children are indented under their\n"
      "parents; --json adds each run's configuration and epochs.",
      NULL },
    models_history },
  { { "models show", "[MODEL] [--json]",
      "Show a model's card (default: the active model)",
      "MODEL is an id or a unique prefix of one.", NULL },
    models_show },
  { { "models promote", "MODEL", "Make MODEL the active model", NULL, NULL }, models_promote },
  { { "models rollback", "", "Make the active model's parent active",
      "Rollback follows the lineage: the parent of the active model becomes active.\n"
      "Use 'models promote' to activate any other model.",
      NULL },
    models_rollback },
  { { "models export", "MODEL PATH [--force]", "Copy a model's file to PATH",
      "The copy is durable; an existing PATH is kept unless --force.", NULL },
    models_export },
  { { "models delete", "MODEL", "Delete a model's file; its row stays, marked deleted",
      "The active model and a model that is another model's parent cannot be deleted.\n"
      "The deleted model's lineage and logged predictions are kept (for monitoring);\n"
      "it cannot be made active again unless its file is added again.",
      NULL },
    models_delete },
  { { "models add", "FILE [--activate]", "Register a model file (trained here or elsewhere)",
      "The file's card must say format lungscope-model, version 1, and name the\n"
      "workspace's classes in order. Adding the same file again changes nothing.",
      NULL },
    models_add },
};

static void
print_models_help (const LsCliCommand *command)
{
  printf ("Usage: lungscope-cli [-w WORKSPACE] %s %s\n\n%s\n\nSubcommands:\n", command->name,
          command->parameters, command->summary);
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    printf ("  %-8s %-22s %s\n", subs[i].command.name + strlen ("models "),
            subs[i].command.parameters, subs[i].command.summary);
  printf ("\nRun 'lungscope-cli models SUBCOMMAND --help' for its options.\n");
}

int
ls_cli_cmd_models (const LsCliCommand *command,
                   LsCliGlobal *global,
                   int argc,
                   char **argv)
{
  const ModelsSub *sub = NULL;

  if (argc < 2)
    return ls_cli_usage_error (command, "no subcommand given");
  if (g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "--help"))
    {
      print_models_help (command);
      return LS_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    if (g_str_equal (subs[i].command.name + strlen ("models "), argv[1]))
      sub = &subs[i];
  if (sub == NULL)
    return ls_cli_usage_error (command, "unknown subcommand “%s”", argv[1]);
  return sub->func (&sub->command, global, argc - 1, argv + 1);
}
