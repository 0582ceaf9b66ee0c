/* cmd-train.c — lungscope-cli train, calibrate and eval on a workspace
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imaging/augment.h"
#include "ls-cli.h"
#include "pipeline/charts.h"
#include "pipeline/workspace.h"

static gboolean
parse_seed (const char *text,
            guint64 *seed,
            GError **error)
{
  return text == NULL || g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, seed, error);
}

/* ---- pieces shared with finetune ---- */

void
ls_cli_print_epoch (const LsTrainEpoch *e,
                    gpointer user_data)
{
  g_autofree char *took = ls_cli_format_duration (e->seconds);
  g_autofree char *val = isfinite (e->val_loss) ? g_strdup_printf ("  val loss %.4f  val acc %5.1f %%", e->val_loss, 100 * e->val_accuracy)
                                                : g_strdup ("");

  fprintf (stderr, "%sepoch %*d/%d  loss %.4f  acc %5.1f %%%s  lr %.2e  %.1f images/s (waiting for data %.0f %%)  %s%s\n",
           isatty (STDERR_FILENO) ? "\r\033[K" : "", e->epochs >= 10 ? 2 : 1, e->epoch, e->epochs, e->train_loss,
           100 * e->train_accuracy, val, e->lr, e->images_per_second, 100 * e->wait_seconds / MAX (e->seconds, 1e-9),
           took, e->best ? "  best" : "");
}

void
ls_cli_json_add_epochs (JsonBuilder *b,
                        const LsTrainEpoch *epochs,
                        int n_epochs)
{
  json_builder_set_member_name (b, "epochs");
  json_builder_begin_array (b);
  for (int i = 0; i < n_epochs; i++)
    {
      g_autofree char *text = ls_train_epoch_to_json (&epochs[i]);

      json_builder_add_value (b, json_from_string (text, NULL));
    }
  json_builder_end_array (b);
}

void
ls_cli_json_add_metrics (JsonBuilder *b,
                         const char *name,
                         const LsMetrics *metrics)
{
  json_builder_set_member_name (b, name);
  if (metrics != NULL)
    json_builder_add_value (b, ls_metrics_to_json_node (metrics));
  else
    json_builder_add_null_value (b);
}

/* ---- train ---- */

typedef struct
{
  LsCliGlobal *global;
  LsWorkspaceTrainOptions options;
  LsWorkspaceRun *run;
} TrainJob;

static gboolean
train_work (gpointer data,
            LsProgressFunc progress,
            gpointer progress_data,
            GCancellable *cancellable,
            GError **error)
{
  TrainJob *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_DEFAULT, error);

  if (store == NULL)
    return FALSE;
  job->run = ls_workspace_train (store, &job->options, progress, progress_data, ls_cli_print_epoch, NULL,
                                 cancellable, error);
  return job->run != NULL;
}

static JsonNode *
train_json (const LsWorkspaceRun *run)
{
  const LsTrainResult *r = run->result;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_string_value (b, run->run_id);
  json_builder_set_member_name (b, "model_id");
  json_builder_add_string_value (b, run->model_id);
  json_builder_set_member_name (b, "activated");
  json_builder_add_boolean_value (b, run->activated);
  json_builder_set_member_name (b, "images");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "train");
  json_builder_add_int_value (b, run->n_train);
  json_builder_set_member_name (b, "val");
  json_builder_add_int_value (b, run->n_val);
  json_builder_set_member_name (b, "test");
  json_builder_add_int_value (b, run->n_test);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "best_epoch");
  json_builder_add_int_value (b, r->best_epoch);
  json_builder_set_member_name (b, "stopped_early");
  json_builder_add_boolean_value (b, r->stopped_early);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, r->seconds);
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, r->calibration.temperature);
  json_builder_set_member_name (b, "val_ece_before");
  json_builder_add_double_value (b, r->val_ece_before);
  json_builder_set_member_name (b, "val_ece_after");
  json_builder_add_double_value (b, r->val_ece_after);
  ls_cli_json_add_epochs (b, r->epochs, r->n_epochs);
  ls_cli_json_add_metrics (b, "metrics", r->metrics);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
ls_cli_cmd_train (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  g_autofree char *arch_file = NULL, *augment_file = NULL, *log_file = NULL, *seed_text = NULL;
  g_autofree char *plots = NULL, *init = NULL;
  g_autofree char *arch = NULL, *sized = NULL, *augment = NULL, *name = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) probe = NULL;
#define TRAIN_DEFAULT(name) ls_params_find (LS_PARAMS_TRAIN, (name))->default_value
  int epochs = (int) TRAIN_DEFAULT (LS_PARAM_EPOCHS), batch = (int) TRAIN_DEFAULT (LS_PARAM_BATCH);
  int size = (int) TRAIN_DEFAULT (LS_PARAM_SIZE), threads = (int) TRAIN_DEFAULT (LS_PARAM_THREADS);
  int patience = (int) TRAIN_DEFAULT (LS_PARAM_PATIENCE), exit_code;
  double lr = TRAIN_DEFAULT (LS_PARAM_LR), smoothing = TRAIN_DEFAULT (LS_PARAM_LABEL_SMOOTHING);
#undef TRAIN_DEFAULT
  gboolean json = FALSE, balanced = FALSE, activate = FALSE, no_augment = FALSE;
  g_autoptr (GPtrArray) help = g_ptr_array_new_with_free_func (g_free);
  TrainJob job = { 0 };
  LsTrainConfig *c;
  const GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_FILENAME, &arch_file, "Network spec file (default lungnet-s)", "FILE" },
    { "init", 0, 0, G_OPTION_ARG_STRING, &init,
      "Start from a model's weights: a registered one or a model file (its head re-made when its classes differ)",
      "MODEL" },
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS, 'e', G_OPTION_ARG_INT, &epochs, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_BATCH, 'b', G_OPTION_ARG_INT, &batch, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_SIZE, 0, G_OPTION_ARG_INT, &size, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_LR, 0, G_OPTION_ARG_DOUBLE, &lr, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_LABEL_SMOOTHING, 0, G_OPTION_ARG_DOUBLE, &smoothing, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE, 0, G_OPTION_ARG_INT, &patience, help),
    { "balanced", 0, 0, G_OPTION_ARG_NONE, &balanced, "Class-balanced sampling", NULL },
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_SEED_NAME, 's', G_OPTION_ARG_STRING, &seed_text, help),
    { "augment", 0, 0, G_OPTION_ARG_FILENAME, &augment_file,
      "Augmentation pipeline file (see 'augment --dump-config')", "FILE" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_THREADS, 't', G_OPTION_ARG_INT, &threads, help),
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "Also append each epoch as a JSON line to FILE",
      "FILE.jsonl" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The model's name", "TEXT" },
    { "plots", 0, 0, G_OPTION_ARG_FILENAME, &plots,
      "Write DIR/curves.png, confusion.png and reliability.png (test part)", "DIR" },
    { "activate", 0, 0, G_OPTION_ARG_NONE, &activate,
      "Make the new model active (it is when the workspace has none)", NULL },
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
      { LS_PARAM_SIZE, size },
      { LS_PARAM_THREADS, threads },
      { LS_PARAM_PATIENCE, patience },
      { LS_PARAM_LR, lr },
      { LS_PARAM_LABEL_SMOOTHING, smoothing },
    };

    if ((exit_code = ls_cli_check_params (command, LS_PARAMS_TRAIN, values, G_N_ELEMENTS (values))) != LS_EXIT_OK)
      return exit_code;
  }
  if (no_augment && augment_file != NULL)
    return ls_cli_usage_error (command, "--augment and --no-augment exclude each other");

  ls_workspace_train_options_init (&job.options);
  c = &job.options.train;
  if (!parse_seed (seed_text, &c->seed, &error))
    return ls_cli_usage_error (command, "--seed: %s", error->message);
  if (arch_file != NULL && !g_file_get_contents (arch_file, &arch, NULL, &error))
    return ls_cli_failure ("%s", error->message);
  if (augment_file != NULL)
    {
      g_autoptr (LsAugmentPipeline) check = NULL;

      if (!g_file_get_contents (augment_file, &augment, NULL, &error))
        return ls_cli_failure ("%s", error->message);
      check = ls_augment_pipeline_new_from_string (augment, &error);
      if (check == NULL)
        return ls_cli_failure ("%s: %s", augment_file, error->message);
    }
  /* Check the spec before the workspace: its errors name the line. */
  if (!ls_train_check_arch (arch, size, &sized, &error))
    return ls_cli_failure ("%s: %s", arch_file != NULL ? arch_file : "lungnet-s", error->message);
  probe = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (probe == NULL)
    return exit_code;
  {
    /* A workspace never split gets the default split, printed as 'split'
     * prints it (on stderr with --json). */
    gboolean needs_split = FALSE;

    if (!ls_workspace_needs_split (probe, &needs_split, &error))
      return ls_cli_failure ("%s", error->message);
    if (needs_split && (exit_code = ls_cli_run_split (json ? stderr : stdout, probe, NULL)) != LS_EXIT_OK)
      return exit_code;
  }
  g_clear_pointer (&probe, ls_store_close);

  c->arch = sized != NULL ? sized : arch;
  c->epochs = epochs;
  c->batch_size = batch;
  c->lr = (float) lr;
  c->label_smoothing = (float) smoothing;
  c->patience = patience;
  c->balanced = balanced;
  c->augment = no_augment ? "" : augment;
  c->threads = threads > 0 ? threads : ls_default_threads ();
  c->name = name;
  job.options.log_path = log_file;
  job.options.activate = activate;
  job.options.init = init;
  job.global = global;

  exit_code = ls_cli_run_work ("train", train_work, &job,
                               "no model was registered; the run is marked cancelled");
  if (exit_code != LS_EXIT_OK)
    return exit_code;
  if (plots != NULL &&
      (!ls_pipeline_write_curves (job.run->result->epochs, job.run->result->n_epochs,
                                  job.run->result->best_epoch, plots, &error) ||
       (job.run->result->metrics != NULL && !ls_pipeline_write_metric_plots (job.run->result->metrics, plots, &error))))
    {
      /* The model is registered; only the pictures failed. */
      exit_code = ls_cli_failure ("model %s registered, but the plots were not written: %s",
                                  job.run->model_id, error->message);
      ls_workspace_run_free (job.run);
      return exit_code;
    }

  if (json)
    {
      g_autoptr (JsonNode) node = train_json (job.run);

      ls_cli_print_json (node);
    }
  else
    {
      const LsTrainResult *r = job.run->result;

      printf ("model %s%s\n", job.run->model_id, job.run->activated ? " (active)" : "");
      printf ("run %s: %d epochs, best %d%s, %u/%u/%u train/val/test images\n", job.run->run_id,
              r->n_epochs, r->best_epoch, r->stopped_early ? " (stopped early)" : "",
              job.run->n_train, job.run->n_val, job.run->n_test);
      printf ("temperature %.3f: validation ECE %.4f → %.4f\n", r->calibration.temperature,
              r->val_ece_before, r->val_ece_after);
      if (r->metrics != NULL)
        {
          g_autofree char *table = ls_metrics_format (r->metrics);

          printf ("test part:\n%s", table);
        }
      if (!job.run->activated)
        printf ("make it active with: lungscope-cli models promote %s\n", job.run->model_id);
    }
  ls_workspace_run_free (job.run);
  return LS_EXIT_OK;
}

/* ---- calibrate ---- */

typedef struct
{
  LsCliGlobal *global;
  const char *model;
  int threads;
  LsWorkspaceCalibration *result;
} CalibrateJob;

static gboolean
calibrate_work (gpointer data,
                LsProgressFunc progress,
                gpointer progress_data,
                GCancellable *cancellable,
                GError **error)
{
  CalibrateJob *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_DEFAULT, error);

  if (store == NULL)
    return FALSE;
  job->result = ls_workspace_calibrate (store, job->model, job->threads, progress, progress_data,
                                        cancellable, error);
  return job->result != NULL;
}

int
ls_cli_cmd_calibrate (const LsCliCommand *command,
                      LsCliGlobal *global,
                      int argc,
                      char **argv)
{
  g_autoptr (LsStore) probe = NULL;
  gboolean json = FALSE;
  int exit_code;
  CalibrateJob job = { 0 };
  LsWorkspaceCalibration *r;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  probe = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (probe == NULL)
    return exit_code;
  g_clear_pointer (&probe, ls_store_close);
  job.global = global;
  job.model = argc > 1 ? argv[1] : NULL;
  job.threads = ls_default_threads ();
  exit_code = ls_cli_run_work ("calibrate", calibrate_work, &job, "no model was registered");
  if (exit_code != LS_EXIT_OK)
    return exit_code;
  r = job.result;
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model_id");
      json_builder_add_string_value (b, r->model_id);
      json_builder_set_member_name (b, "parent_id");
      json_builder_add_string_value (b, r->parent_id);
      json_builder_set_member_name (b, "activated");
      json_builder_add_boolean_value (b, r->activated);
      json_builder_set_member_name (b, "old_temperature");
      json_builder_add_double_value (b, r->old_temperature);
      json_builder_set_member_name (b, "temperature");
      json_builder_add_double_value (b, r->fit.temperature);
      json_builder_set_member_name (b, "val_ece_before");
      json_builder_add_double_value (b, r->val_ece_before);
      json_builder_set_member_name (b, "val_ece_after");
      json_builder_add_double_value (b, r->val_ece_after);
      ls_cli_json_add_metrics (b, "metrics", r->test);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      ls_cli_print_json (node);
    }
  else
    {
      printf ("model %s%s, recalibrated from %s\n", r->model_id, r->activated ? " (active)" : "",
              r->parent_id);
      printf ("temperature %.3f → %.3f: validation ECE %.4f → %.4f\n", r->old_temperature,
              r->fit.temperature, r->val_ece_before, r->val_ece_after);
      if (r->test != NULL)
        printf ("test part: accuracy %.4f, ECE %.4f\n", r->test->accuracy, r->test->ece);
    }
  ls_workspace_calibration_free (r);
  return LS_EXIT_OK;
}

/* ---- eval ---- */

typedef struct
{
  LsCliGlobal *global;
  const char *model;
  const char *compare;
  LsSplitPart part;
  int threads;
  LsWorkspaceComparison *comparison; /* with --compare */
  /* a, id: the model's; b, compare_id: the other's (borrowed from the
   * comparison when there is one) */
  char *id, *compare_id;
  LsEvaluation *a, *b;
} EvalJob;

static gboolean
eval_work (gpointer data,
           LsProgressFunc progress,
           gpointer progress_data,
           GCancellable *cancellable,
           GError **error)
{
  EvalJob *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_READ_ONLY, error);

  if (store == NULL)
    return FALSE;
  if (job->compare == NULL)
    {
      job->a = ls_workspace_evaluate (store, job->model, job->part, job->threads, &job->id,
                                      progress, progress_data, cancellable, error);
      return job->a != NULL;
    }
  job->comparison = ls_workspace_compare (store, job->model, job->compare, job->part, job->threads,
                                          progress, progress_data, cancellable, error);
  if (job->comparison == NULL)
    return FALSE;
  job->a = job->comparison->a;
  job->b = job->comparison->b;
  job->id = job->comparison->id_a;
  job->compare_id = job->comparison->id_b;
  return TRUE;
}

static JsonNode *
eval_json (EvalJob *job,
           const LsFlip *flips,
           int n_flips)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "part");
  json_builder_add_string_value (b, ls_split_part_to_string (job->part));
  json_builder_set_member_name (b, "model_id");
  json_builder_add_string_value (b, job->id);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, job->a->n);
  json_builder_set_member_name (b, "unreadable");
  json_builder_add_int_value (b, job->a->n_failed);
  json_builder_set_member_name (b, "metrics");
  json_builder_add_value (b, ls_metrics_to_json_node (job->a->metrics));
  if (job->b != NULL)
    {
      json_builder_set_member_name (b, "compare_model_id");
      json_builder_add_string_value (b, job->compare_id);
      json_builder_set_member_name (b, "compare_metrics");
      json_builder_add_value (b, ls_metrics_to_json_node (job->b->metrics));
      json_builder_set_member_name (b, "flips");
      json_builder_begin_array (b);
      for (int i = 0; i < n_flips; i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "row");
          json_builder_add_int_value (b, flips[i].index);
          json_builder_set_member_name (b, "label");
          json_builder_add_int_value (b, flips[i].label);
          json_builder_set_member_name (b, "predicted");
          json_builder_add_int_value (b, flips[i].pred_a);
          json_builder_set_member_name (b, "compare_predicted");
          json_builder_add_int_value (b, flips[i].pred_b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
ls_cli_cmd_eval (const LsCliCommand *command,
                 LsCliGlobal *global,
                 int argc,
                 char **argv)
{
  g_autoptr (LsStore) probe = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *compare = NULL, *part = NULL, *plots = NULL;
  const LsFlip *flips = NULL;
  gboolean json = FALSE;
  int exit_code, n_flips = 0;
  EvalJob job = { 0 };
  const GOptionEntry entries[] = {
    { "compare", 'c', 0, G_OPTION_ARG_STRING, &compare, "Compare with another model", "MODEL" },
    { "part", 0, 0, G_OPTION_ARG_STRING, &part, "Part of the split: test (default), val or train",
      "PART" },
    { "plots", 0, 0, G_OPTION_ARG_FILENAME, &plots,
      "Write DIR/confusion.png and DIR/reliability.png (of MODEL)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  job.part = LS_SPLIT_TEST;
  if (part != NULL)
    {
      if (strcmp (part, "test") == 0)
        job.part = LS_SPLIT_TEST;
      else if (strcmp (part, "val") == 0)
        job.part = LS_SPLIT_VAL;
      else if (strcmp (part, "train") == 0)
        job.part = LS_SPLIT_TRAIN;
      else
        return ls_cli_usage_error (command, "--part must be test, val or train, not '%s'", part);
    }
  probe = ls_cli_open_workspace (command, global, LS_STORE_OPEN_READ_ONLY, &exit_code);
  if (probe == NULL)
    return exit_code;
  g_clear_pointer (&probe, ls_store_close);
  job.global = global;
  job.model = argc > 1 ? argv[1] : NULL;
  job.compare = compare;
  job.threads = ls_default_threads ();
  exit_code = ls_cli_run_work ("eval", eval_work, &job, NULL);
  if (exit_code == LS_EXIT_OK && job.comparison != NULL)
    {
      flips = job.comparison->flips;
      n_flips = job.comparison->n_flips;
    }
  if (exit_code == LS_EXIT_OK && plots != NULL && !ls_pipeline_write_metric_plots (job.a->metrics, plots, &error))
    exit_code = ls_cli_failure ("%s", error->message);
  if (exit_code == LS_EXIT_OK)
    {
      if (json)
        {
          g_autoptr (JsonNode) node = eval_json (&job, flips, n_flips);

          ls_cli_print_json (node);
        }
      else if (job.b == NULL)
        {
          g_autofree char *table = ls_metrics_format (job.a->metrics);

          printf ("model %s on the %s part (%d images%s):\n%s", job.id, ls_split_part_to_string (job.part),
                  job.a->n, job.a->n_failed > 0 ? ", some unreadable" : "", table);
        }
      else
        {
          g_autofree char *table = ls_metrics_compare_table (job.a->metrics, job.b->metrics, job.id,
                                                             job.compare_id, &error);

          if (table == NULL)
            exit_code = ls_cli_failure ("%s", error->message);
          else
            printf ("%s part, %d images:\n%s%d images change class\n", ls_split_part_to_string (job.part),
                    job.a->n, table, n_flips);
        }
    }
  if (job.comparison != NULL)
    ls_workspace_comparison_free (job.comparison);
  else
    {
      g_free (job.id);
      ls_evaluation_free (job.a);
    }
  return exit_code;
}
