/* cmd-finetune.c — lungscope-cli finetune: relabel and retrain
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ls-cli.h"
#include "pipeline/workspace.h"

typedef struct
{
  LsCliGlobal *global;
  LsWorkspaceFinetuneOptions options;
  LsWorkspaceFinetune *result;
} Job;

static gboolean
finetune_work (gpointer data,
               LsProgressFunc progress,
               gpointer progress_data,
               GCancellable *cancellable,
               GError **error)
{
  Job *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_DEFAULT, error);

  if (store == NULL)
    return FALSE;
  job->result = ls_workspace_finetune (store, &job->options, progress, progress_data, ls_cli_print_epoch, NULL,
                                       cancellable, error);
  return job->result != NULL;
}

static void
add_comparison (JsonBuilder *b,
                const char *name,
                const LsFinetuneComparison *c,
                char **hashes)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, c->n);
  ls_cli_json_add_metrics (b, "before", c->before);
  ls_cli_json_add_metrics (b, "after", c->after);
  json_builder_set_member_name (b, "flips");
  json_builder_begin_array (b);
  for (int i = 0; i < c->n_flips; i++)
    {
      json_builder_begin_object (b);
      if (hashes != NULL)
        {
          json_builder_set_member_name (b, "sha256");
          json_builder_add_string_value (b, hashes[c->flips[i].index]);
        }
      else
        {
          json_builder_set_member_name (b, "item");
          json_builder_add_int_value (b, c->flips[i].index);
        }
      json_builder_set_member_name (b, "label");
      json_builder_add_int_value (b, c->flips[i].label);
      json_builder_set_member_name (b, "before");
      json_builder_add_int_value (b, c->flips[i].pred_a);
      json_builder_set_member_name (b, "after");
      json_builder_add_int_value (b, c->flips[i].pred_b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
print_json (const LsWorkspaceFinetune *ft)
{
  const LsFinetuneResult *r = ft->result;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_string_value (b, ft->run_id);
  json_builder_set_member_name (b, "model_id");
  json_builder_add_string_value (b, ft->model_id);
  json_builder_set_member_name (b, "parent_id");
  json_builder_add_string_value (b, ft->parent_id);
  json_builder_set_member_name (b, "activated");
  json_builder_add_boolean_value (b, ft->activated);
  json_builder_set_member_name (b, "corrected");
  json_builder_add_int_value (b, ft->n_corrected);
  json_builder_set_member_name (b, "changed_outside_training");
  json_builder_add_int_value (b, ft->n_changed_elsewhere);
  json_builder_set_member_name (b, "replay");
  json_builder_add_int_value (b, r->n_replay);
  json_builder_set_member_name (b, "lr");
  json_builder_add_double_value (b, r->lr);
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, r->calibration.temperature);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, r->seconds);
  ls_cli_json_add_epochs (b, r->epochs, r->n_epochs);
  add_comparison (b, "test", &r->test, NULL);
  add_comparison (b, "corrected_images", &r->corrected, ft->corrected);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  ls_cli_print_json (node);
}

static void
print_comparison (const char *title,
                  const LsFinetuneComparison *c,
                  const char *parent,
                  const char *child,
                  gboolean with_table)
{
  g_autofree char *table = NULL;

  if (c->n == 0)
    {
      printf ("%s: no images\n", title);
      return;
    }
  if (with_table)
    table = ls_metrics_compare_table (c->before, c->after, parent, child, NULL);
  printf ("%s, %d images: accuracy %.4f → %.4f, %d change class\n", title, c->n, c->before->accuracy,
          c->after->accuracy, c->n_flips);
  if (table != NULL)
    printf ("%s", table);
}

int
ls_cli_cmd_finetune (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv)
{
  g_autofree char *from = NULL, *seed_text = NULL, *log_file = NULL, *name = NULL;
  g_autoptr (LsStore) probe = NULL;
  g_autoptr (GError) error = NULL;
#define FINETUNE_DEFAULT(name) ls_params_find (LS_PARAMS_FINETUNE, (name))->default_value
  int epochs = (int) FINETUNE_DEFAULT (LS_PARAM_EPOCHS), batch = (int) FINETUNE_DEFAULT (LS_PARAM_BATCH);
  int threads = (int) FINETUNE_DEFAULT (LS_PARAM_THREADS), exit_code;
  double lr = FINETUNE_DEFAULT (LS_PARAM_LR), replay_ratio = FINETUNE_DEFAULT (LS_PARAM_REPLAY_RATIO);
  double oversample = FINETUNE_DEFAULT (LS_PARAM_OVERSAMPLE);
#undef FINETUNE_DEFAULT
  gboolean json = FALSE, activate = FALSE;
  g_autoptr (GPtrArray) help = g_ptr_array_new_with_free_func (g_free);
  Job job = { 0 };
  LsFinetuneConfig *c;
  const GOptionEntry entries[] = {
    { "from", 'f', 0, G_OPTION_ARG_STRING, &from, "The parent model (default: the active one)", "MODEL" },
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_EPOCHS, 'e', G_OPTION_ARG_INT, &epochs, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_BATCH, 'b', G_OPTION_ARG_INT, &batch, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_LR, 0, G_OPTION_ARG_DOUBLE, &lr, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_REPLAY_RATIO, 0, G_OPTION_ARG_DOUBLE, &replay_ratio, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_OVERSAMPLE, 0, G_OPTION_ARG_DOUBLE, &oversample, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_SEED_NAME, 's', G_OPTION_ARG_STRING, &seed_text, help),
    ls_cli_param_entry (LS_PARAMS_FINETUNE, LS_PARAM_THREADS, 't', G_OPTION_ARG_INT, &threads, help),
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "Also append each epoch as a JSON line to FILE",
      "FILE.jsonl" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The new model's name", "TEXT" },
    { "activate", 0, 0, G_OPTION_ARG_NONE, &activate, "Accept at once: make the new model active", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
  {
    const LsCliParamValue values[] = {
      { LS_PARAM_EPOCHS, epochs },
      { LS_PARAM_BATCH, batch },
      { LS_PARAM_THREADS, threads },
      { LS_PARAM_LR, lr },
      { LS_PARAM_REPLAY_RATIO, replay_ratio },
      { LS_PARAM_OVERSAMPLE, oversample },
    };

    if ((exit_code = ls_cli_check_params (command, LS_PARAMS_FINETUNE, values, G_N_ELEMENTS (values))) != LS_EXIT_OK)
      return exit_code;
  }

  ls_workspace_finetune_options_init (&job.options);
  c = &job.options.finetune;
  if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &c->seed, &error))
    return ls_cli_usage_error (command, "--seed: %s", error->message);
  probe = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (probe == NULL)
    return exit_code;
  g_clear_pointer (&probe, ls_store_close);

  c->epochs = epochs;
  c->batch_size = batch;
  c->lr = (float) lr;
  c->replay_ratio = (float) replay_ratio;
  c->oversample = (float) oversample;
  c->threads = threads > 0 ? threads : ls_default_threads ();
  c->name = name;
  job.options.parent = from;
  job.options.log_path = log_file;
  job.options.activate = activate;
  job.global = global;

  exit_code = ls_cli_run_work ("finetune", finetune_work, &job,
                               "no model was registered; the parent is untouched");
  if (exit_code != LS_EXIT_OK)
    return exit_code;
  if (json)
    print_json (job.result);
  else
    {
      LsWorkspaceFinetune *ft = job.result;

      printf ("model %s%s, fine-tuned from %s\n", ft->model_id, ft->activated ? " (active)" : "",
              ft->parent_id);
      printf ("%u corrected training images (oversampled ×%g) and %u replay images, %d epochs at lr %.2e; "
              "%.1f s\n",
              ft->n_corrected, (double) ft->result->oversample, ft->result->n_replay, ft->result->n_epochs,
              (double) ft->result->lr, ft->result->seconds);
      if (ft->n_changed_elsewhere > 0)
        printf ("%u changed images of the validation and test parts were not trained on\n",
                ft->n_changed_elsewhere);
      print_comparison ("corrected images", &ft->result->corrected, "parent", "child", FALSE);
      print_comparison ("test part", &ft->result->test, "parent", "child", TRUE);
      if (!ft->activated)
        printf ("accept: lungscope-cli models promote %s\ndiscard: lungscope-cli models delete %s\n",
                ft->model_id, ft->model_id);
    }
  ls_workspace_finetune_free (job.result);
  return LS_EXIT_OK;
}
