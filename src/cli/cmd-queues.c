/* cmd-queues.c — lungscope-cli crossval and queue: out-of-fold
 * probabilities and the review queues
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ls-cli-predict.h"
#include "ls-cli.h"
#include "pipeline/crossval.h"
#include "pipeline/queues.h"
#include "pipeline/workspace.h"

/* ---- crossval ---- */

typedef struct
{
  LsCliGlobal *global;
  LsCrossvalOptions options;
  LsCrossval *result;
} CrossvalJob;

static gboolean
crossval_work (gpointer data,
               LsProgressFunc progress,
               gpointer progress_data,
               GCancellable *cancellable,
               GError **error)
{
  CrossvalJob *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_DEFAULT, error);

  if (store == NULL)
    return FALSE;
  job->result = ls_workspace_crossval (store, &job->options, progress, progress_data, ls_cli_print_epoch, NULL,
                                       cancellable, error);
  return job->result != NULL;
}

static JsonNode *
crossval_json (const LsCrossval *cv,
               const LsQueueCounts *counts)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "run_id");
  json_builder_add_string_value (b, cv->run_id);
  json_builder_set_member_name (b, "folds");
  json_builder_add_int_value (b, cv->folds);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, cv->n_images);
  json_builder_set_member_name (b, "groups");
  json_builder_add_int_value (b, cv->n_groups);
  json_builder_set_member_name (b, "unlabelled");
  json_builder_add_int_value (b, cv->n_unlabelled);
  json_builder_set_member_name (b, "unreadable");
  json_builder_add_int_value (b, cv->n_failed);
  json_builder_set_member_name (b, "fold_images");
  json_builder_begin_array (b);
  for (int f = 0; f < cv->folds; f++)
    json_builder_add_int_value (b, cv->fold_images[f]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "fold_accuracy");
  json_builder_begin_array (b);
  for (int f = 0; f < cv->folds; f++)
    json_builder_add_double_value (b, cv->fold_accuracy[f]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "label_error_candidates");
  json_builder_add_int_value (b, counts->counts[LS_QUEUE_LABEL_ERRORS]);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, cv->seconds);
  ls_cli_json_add_metrics (b, "metrics", cv->metrics);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
parse_seed (const char *text,
            guint64 *seed,
            GError **error)
{
  return text == NULL || g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, seed, error);
}

int
ls_cli_cmd_crossval (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv)
{
  g_autofree char *arch_file = NULL, *arch = NULL, *sized = NULL, *seed_text = NULL, *log_file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GPtrArray) help = g_ptr_array_new_with_free_func (g_free);
#define CV_DEFAULT(name) ls_params_find (LS_PARAMS_CROSSVAL, (name))->default_value
  int folds = (int) CV_DEFAULT (LS_PARAM_FOLDS), epochs = (int) CV_DEFAULT (LS_PARAM_EPOCHS);
  int threads = (int) CV_DEFAULT (LS_PARAM_THREADS);
#undef CV_DEFAULT
  int batch = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_BATCH)->default_value;
  int size = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_SIZE)->default_value;
  double lr = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_LR)->default_value;
  int patience = (int) ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE)->default_value;
  gboolean json = FALSE, no_augment = FALSE;
  int exit_code;
  CrossvalJob job = { 0 };
  LsQueueCounts counts;
  const GOptionEntry entries[] = {
    ls_cli_param_entry (LS_PARAMS_CROSSVAL, LS_PARAM_FOLDS, 'k', G_OPTION_ARG_INT, &folds, help),
    ls_cli_param_entry (LS_PARAMS_CROSSVAL, LS_PARAM_EPOCHS, 'e', G_OPTION_ARG_INT, &epochs, help),
    ls_cli_param_entry (LS_PARAMS_CROSSVAL, LS_PARAM_SEED_NAME, 's', G_OPTION_ARG_STRING, &seed_text, help),
    ls_cli_param_entry (LS_PARAMS_CROSSVAL, LS_PARAM_THREADS, 't', G_OPTION_ARG_INT, &threads, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_BATCH, 'b', G_OPTION_ARG_INT, &batch, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_SIZE, 0, G_OPTION_ARG_INT, &size, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_LR, 0, G_OPTION_ARG_DOUBLE, &lr, help),
    ls_cli_param_entry (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE, 0, G_OPTION_ARG_INT, &patience, help),
    { "arch", 0, 0, G_OPTION_ARG_FILENAME, &arch_file, "Network spec file (default lungnet-s)", "FILE" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Train without augmentation", NULL },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "Also append each epoch as a JSON line to FILE",
      "FILE.jsonl" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the result as JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
  {
    const LsCliParamValue values[] = {
      { LS_PARAM_FOLDS, folds },
      { LS_PARAM_EPOCHS, epochs },
      { LS_PARAM_THREADS, threads },
    };
    const LsCliParamValue train_values[] = {
      { LS_PARAM_BATCH, batch },
      { LS_PARAM_SIZE, size },
      { LS_PARAM_LR, lr },
      { LS_PARAM_PATIENCE, patience },
    };

    if ((exit_code = ls_cli_check_params (command, LS_PARAMS_CROSSVAL, values, G_N_ELEMENTS (values))) !=
            LS_EXIT_OK ||
        (exit_code = ls_cli_check_params (command, LS_PARAMS_TRAIN, train_values, G_N_ELEMENTS (train_values))) !=
            LS_EXIT_OK)
      return exit_code;
  }
  ls_crossval_options_init (&job.options);
  if (!parse_seed (seed_text, &job.options.train.seed, &error))
    return ls_cli_usage_error (command, "--seed: %s", error->message);
  if (arch_file != NULL && !g_file_get_contents (arch_file, &arch, NULL, &error))
    return ls_cli_failure ("%s", error->message);
  if (!ls_train_check_arch (arch, size, &sized, &error))
    return ls_cli_failure ("%s: %s", arch_file != NULL ? arch_file : "lungnet-s", error->message);
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (store == NULL)
    return exit_code;
  {
    gboolean needs_split = FALSE;

    if (!ls_workspace_needs_split (store, &needs_split, &error))
      return ls_cli_failure ("%s", error->message);
    if (needs_split && (exit_code = ls_cli_run_split (json ? stderr : stdout, store, NULL)) != LS_EXIT_OK)
      return exit_code;
  }
  g_clear_pointer (&store, ls_store_close);

  job.global = global;
  job.options.folds = folds;
  job.options.log_path = log_file;
  job.options.train.arch = sized != NULL ? sized : arch;
  job.options.train.epochs = epochs;
  job.options.train.batch_size = batch;
  job.options.train.lr = (float) lr;
  job.options.train.patience = patience;
  job.options.train.augment = no_augment ? "" : NULL;
  job.options.train.threads = threads > 0 ? threads : ls_default_threads ();
  exit_code = ls_cli_run_work ("crossval", crossval_work, &job,
                               "no out-of-fold probabilities were stored; the run is marked cancelled");
  if (exit_code != LS_EXIT_OK)
    return exit_code;

  store = ls_store_open (global->workspace, LS_STORE_OPEN_DEFAULT, &error);
  if (store == NULL || !ls_workspace_queue_counts (store, &counts, &error))
    {
      exit_code = ls_cli_failure ("%s", error->message);
      ls_crossval_free (job.result);
      return exit_code;
    }
  if (json)
    {
      g_autoptr (JsonNode) node = crossval_json (job.result, &counts);

      ls_cli_print_json (node);
    }
  else
    {
      const LsCrossval *cv = job.result;
      g_autofree char *table = ls_metrics_format (cv->metrics);

      printf ("cross-validation run %s: %d folds, %u labelled images in %u groups", cv->run_id, cv->folds,
              cv->n_images, cv->n_groups);
      if (cv->n_unlabelled > 0)
        printf (" (%u unlabelled left out)", cv->n_unlabelled);
      printf ("\nfold accuracy:");
      for (int f = 0; f < cv->folds; f++)
        printf (" %.3f", cv->fold_accuracy[f]);
      printf ("\nout-of-fold predictions of all %u images:\n%s", cv->n_images, table);
      printf ("possible label errors: %u (lungscope-cli queue label-errors)\n",
              counts.counts[LS_QUEUE_LABEL_ERRORS]);
    }
  ls_crossval_free (job.result);
  return LS_EXIT_OK;
}

/* ---- queue ---- */

static const char *
source_text (const LsQueue *q)
{
  switch (q->source)
    {
    case LS_QUEUE_SOURCE_CROSSVAL:
      return "crossval";
    case LS_QUEUE_SOURCE_ACTIVE_MODEL:
      return "active-model";
    case LS_QUEUE_SOURCE_NONE:
    default:
      return NULL;
    }
}

static void
add_class_or_null (JsonBuilder *b,
                   const LsQueue *q,
                   const char *member,
                   int c)
{
  json_builder_set_member_name (b, member);
  if (c >= 0)
    json_builder_add_string_value (b, q->classes[c]);
  else
    json_builder_add_null_value (b);
}

static void
add_double_or_null (JsonBuilder *b,
                    double v)
{
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static JsonNode *
queue_json (const LsQueue *q)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "queue");
  json_builder_add_string_value (b, ls_queue_kind_to_string (q->kind));
  json_builder_set_member_name (b, "ranking");
  json_builder_add_string_value (b, ls_queue_ranking_to_string (q->ranking));
  json_builder_set_member_name (b, "source");
  if (source_text (q) != NULL)
    json_builder_add_string_value (b, source_text (q));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "source_id");
  if (q->source_id != NULL)
    json_builder_add_string_value (b, q->source_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "in_sample");
  json_builder_add_boolean_value (b, q->in_sample);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, q->n_total);
  json_builder_set_member_name (b, "unranked");
  json_builder_add_int_value (b, q->n_unranked);
  if (q->thresholds != NULL)
    {
      json_builder_set_member_name (b, "thresholds");
      json_builder_begin_object (b);
      for (int c = 0; c < q->n_classes; c++)
        {
          json_builder_set_member_name (b, q->classes[c]);
          add_double_or_null (b, q->thresholds[c]);
        }
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint r = 0; r < q->n_entries; r++)
    {
      const LsQueueEntry *e = &q->entries[r];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, e->sha256);
      add_class_or_null (b, q, "label", e->label);
      add_class_or_null (b, q, "predicted", e->predicted);
      add_class_or_null (b, q, "suggested", e->suggested);
      json_builder_set_member_name (b, "score");
      add_double_or_null (b, e->score);
      json_builder_set_member_name (b, "probabilities");
      if (e->predicted >= 0)
        {
          json_builder_begin_object (b);
          for (int c = 0; c < q->n_classes; c++)
            {
              json_builder_set_member_name (b, q->classes[c]);
              json_builder_add_double_value (b, q->probabilities[(gsize) r * q->n_classes + c]);
            }
          json_builder_end_object (b);
        }
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_queue (const LsQueue *q)
{
  const char *name = ls_queue_kind_to_string (q->kind);

  if (q->source == LS_QUEUE_SOURCE_CROSSVAL)
    fprintf (stderr, "%s: %u images, out-of-fold probabilities of cross-validation run %s\n", name, q->n_total,
             q->source_id);
  else if (q->in_sample)
    fprintf (stderr,
             "%s: %u images; in-sample ranking by the active model %s, which may have trained on them: run "
             "'lungscope-cli crossval' for out-of-fold probabilities\n",
             name, q->n_total, q->source_id);
  else if (q->source == LS_QUEUE_SOURCE_ACTIVE_MODEL)
    fprintf (stderr, "%s: %u images, latest predictions of the active model %s\n", name, q->n_total,
             q->source_id);
  else
    fprintf (stderr, "%s: %u images%s\n", name, q->n_total,
             q->kind == LS_QUEUE_UNLABELLED ? ""
                                            : "; no predictions: predict with an active model or run "
                                              "'lungscope-cli crossval'");
  if (q->n_unranked > 0)
    fprintf (stderr, "%u images have no probabilities and are not in the queue\n", q->n_unranked);
  if (q->n_entries == 0)
    return;
  printf ("%4s  %-16s  %-12s  %-12s  %8s\n", "rank", "image", "label",
          q->kind == LS_QUEUE_LABEL_ERRORS ? "suggested" : "predicted",
          q->kind == LS_QUEUE_UNLABELLED ? "entropy" : ls_queue_ranking_to_string (q->ranking));
  for (guint r = 0; r < q->n_entries; r++)
    {
      const LsQueueEntry *e = &q->entries[r];
      int other = q->kind == LS_QUEUE_LABEL_ERRORS ? e->suggested : e->predicted;

      g_autofree char *score = isfinite (e->score) ? g_strdup_printf ("%8.4f", e->score) : g_strdup ("       -");

      printf ("%4u  %.16s  %-12s  %-12s  %s\n", r + 1, e->sha256, e->label >= 0 ? q->classes[e->label] : "-",
              other >= 0 ? q->classes[other] : "-", score);
    }
}

/* --read-unread: the images the model has not read, read first. */
typedef struct
{
  LsCliGlobal *global;
  const LsModelChoice *choice;
  LsPredictUnread *result;
} ReadJob;

static gboolean
read_unread_work (gpointer data,
                  LsProgressFunc progress,
                  gpointer progress_data,
                  GCancellable *cancellable,
                  GError **error)
{
  ReadJob *job = data;
  g_autoptr (LsStore) store = ls_store_open (job->global->workspace, LS_STORE_OPEN_DEFAULT, error);
  GError *local = NULL;

  if (store == NULL)
    return FALSE;
  job->result = ls_workspace_predict_unread (store, job->choice, NULL, progress, progress_data, cancellable, &local);
  if (job->result != NULL && job->result->n_failed > 0)
    fprintf (stderr, "lungscope-cli: %u image%s could not be read (the first: %s)\n", job->result->n_failed,
             job->result->n_failed == 1 ? "" : "s", job->result->first_failure);
  if (job->result != NULL)
    fprintf (stderr, "lungscope-cli: read %u of the %u images without a prediction by model %s\n",
             job->result->n_read, job->result->n_unread, job->choice->log_id);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

static int
read_unread (const LsCliCommand *command,
             LsCliGlobal *global)
{
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsModelChoice) choice = NULL;
  ReadJob job = { global, NULL, NULL };
  int exit_code = LS_EXIT_OK;

  choice = ls_cli_choose_model (command, global, &store, &exit_code);
  if (choice == NULL)
    return exit_code;
  if (choice->log_id == NULL)
    return ls_cli_failure ("--read-unread: %s", choice->not_logged != NULL ? choice->not_logged
                                                                           : "the predictions could not be logged");
  g_clear_pointer (&store, ls_store_close);
  job.choice = choice;
  exit_code = ls_cli_run_work ("reading", read_unread_work, &job,
                               "stopped: the images read so far stay logged");
  ls_predict_unread_free (job.result);
  return exit_code;
}

int
ls_cli_cmd_queue (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsQueue) q = NULL;
  g_autofree char *rank = NULL;
  gboolean json = FALSE, unlabelled_only = FALSE, read_first = FALSE;
  int limit = 0, exit_code;
  LsQueueKind kind;
  LsQueueOptions options;
  const GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Show the first N images (default: all)", "N" },
    { "rank", 0, 0, G_OPTION_ARG_STRING, &rank,
      "uncertain: entropy (default) or margin; label-errors: self-confidence (default) or normalized-margin",
      "R" },
    { "unlabelled-only", 0, 0, G_OPTION_ARG_NONE, &unlabelled_only, "uncertain: only unlabelled images", NULL },
    { "read-unread", 0, 0, G_OPTION_ARG_NONE, &read_first,
      "First read (and log) the images the active model has no prediction of", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the queue as JSON", NULL },
    { NULL }
  };

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2)
    return ls_cli_usage_error (command, "which queue? unlabelled, disagree, uncertain or label-errors");
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  if (!ls_queue_kind_from_string (argv[1], &kind))
    return ls_cli_usage_error (command, "no queue '%s': unlabelled, disagree, uncertain or label-errors", argv[1]);
  if (limit < 0)
    return ls_cli_usage_error (command, "--limit must be 0 or more, not %d", limit);
  ls_queue_options_init (&options);
  options.limit = (guint) limit;
  options.unlabelled_only = unlabelled_only;
  if (rank != NULL)
    {
      gboolean fits;

      if (!ls_queue_ranking_from_string (rank, &options.ranking))
        return ls_cli_usage_error (command, "no ranking '%s'", rank);
      fits = options.ranking == LS_QUEUE_RANK_DEFAULT ||
             (kind == LS_QUEUE_UNCERTAIN &&
              (options.ranking == LS_QUEUE_RANK_ENTROPY || options.ranking == LS_QUEUE_RANK_MARGIN)) ||
             (kind == LS_QUEUE_LABEL_ERRORS && (options.ranking == LS_QUEUE_RANK_SELF_CONFIDENCE ||
                                                options.ranking == LS_QUEUE_RANK_NORMALIZED_MARGIN));
      if (!fits)
        return ls_cli_usage_error (command, "the %s queue cannot be ranked by %s", argv[1], rank);
    }
  if (unlabelled_only && kind != LS_QUEUE_UNCERTAIN)
    return ls_cli_usage_error (command, "--unlabelled-only is for the uncertain queue");
  /* (Without a workspace, the line below says so.) */
  if (read_first && global->workspace != NULL && (exit_code = read_unread (command, global)) != LS_EXIT_OK)
    return exit_code;
  /* Not READ_ONLY: an older workspace is upgraded (one on a read-only
   * medium opens read-only anyway). */
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (store == NULL)
    return exit_code;
  q = ls_workspace_queue (store, kind, &options, &error);
  if (q == NULL)
    return ls_cli_failure ("%s", error->message);
  if (json)
    {
      g_autoptr (JsonNode) node = queue_json (q);

      ls_cli_print_json (node);
    }
  else
    print_queue (q);
  return LS_EXIT_OK;
}
