/* cmd-workspace.c — lungscope-cli import, label and split
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "dataset/import.h"
#include "dataset/split.h"
#include "ls-cli.h"

/* ---- import ---- */

typedef struct
{
  LsStore *store;
  LsImportMode mode;
  char **paths;
  LsImportOptions options;
  guint added, labelled, unchanged, failures, conflicts, duplicates;
} ImportJob;

static void
print_report (const LsImportReport *r)
{
  for (guint i = 0; i < r->failures->len; i++)
    {
      LsImportProblem *p = r->failures->pdata[i];

      printf ("unreadable\t%s\t%s\n", p->path, p->reason);
    }
  for (guint i = 0; i < r->duplicates->len; i++)
    {
      LsImportProblem *p = r->duplicates->pdata[i];

      printf ("duplicate\t%s\t%s\n", p->path, p->reason);
    }
  for (guint i = 0; i < r->warnings->len; i++)
    {
      LsImportProblem *p = r->warnings->pdata[i];

      printf ("warning\t%s\t%s\n", p->path, p->reason);
    }
  for (guint i = 0; i < r->conflicts->len; i++)
    {
      LsImportConflict *c = r->conflicts->pdata[i];

      printf ("conflict\t%s\t%s is %s, %s says %s; left unchanged\n", c->sha256, c->path, c->label,
              c->other_path != NULL ? c->other_path : "the workspace", c->other_label);
    }
}

static gboolean
import_work (gpointer data,
             LsProgressFunc progress,
             gpointer progress_data,
             GCancellable *cancellable,
             GError **error)
{
  ImportJob *job = data;

  for (guint i = 0; job->paths[i] != NULL; i++)
    {
      g_autoptr (LsImportReport) r = ls_store_import (job->store, job->mode, job->paths[i],
                                                      &job->options, progress, progress_data,
                                                      cancellable,
                                                      error);

      if (r == NULL)
        return FALSE;
      print_report (r);
      job->added += r->added;
      job->labelled += r->labelled;
      job->unchanged += r->unchanged;
      job->failures += r->failures->len;
      job->conflicts += r->conflicts->len;
      job->duplicates += r->duplicates->len;
    }
  return TRUE;
}

int
ls_cli_cmd_import (const LsCliCommand *command,
                   LsCliGlobal *global,
                   int argc,
                   char **argv)
{
  g_autofree char *csv = NULL;
  g_auto (GStrv) map = NULL;
  gboolean unlabelled = FALSE, reference = FALSE;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, "Import the files a CSV of path,label[,patient] names",
      "FILE" },
    { "unlabelled", 0, 0, G_OPTION_ARG_NONE, &unlabelled, "Import the folders' images without labels",
      NULL },
    { "reference", 0, 0, G_OPTION_ARG_NONE, &reference,
      "Keep the files where they are (their hash is checked on every read)", NULL },
    { "map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &map,
      "Folder or CSV label NAME means CLASS (repeatable)", "NAME=CLASS" },
    { NULL }
  };
  g_autoptr (LsStore) store = NULL;
  g_autofree char **paths = NULL;
  ImportJob job = { 0 };
  int exit_code, code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (csv != NULL && unlabelled)
    return ls_cli_usage_error (command, "--csv and --unlabelled exclude each other");
  if (csv == NULL && argc < 2)
    return ls_cli_usage_error (command, "give at least one folder to import");
  if (csv != NULL && argc > 1)
    return ls_cli_usage_error (command, "with --csv, the CSV names the files; drop '%s'", argv[1]);
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_CREATE, &exit_code);
  if (store == NULL)
    return exit_code;
  if (csv != NULL)
    {
      paths = g_new0 (char *, 2);
      paths[0] = csv;
    }
  else
    {
      paths = g_new0 (char *, argc);
      for (int i = 1; i < argc; i++)
        paths[i - 1] = argv[i];
    }
  job.store = store;
  job.mode = csv != NULL ? LS_IMPORT_CSV : unlabelled ? LS_IMPORT_UNLABELLED
                                                      : LS_IMPORT_CLASS_FOLDERS;
  job.paths = paths;
  job.options.reference = reference;
  job.options.class_map = (const char *const *) map;
  job.options.author = g_get_user_name ();
  code = ls_cli_run_work ("import", import_work, &job, NULL);
  if (code == LS_EXIT_OK)
    fprintf (stderr,
             "added %u images, labelled %u, %u already there; %u unreadable, %u duplicates, %u "
             "conflicts\n",
             job.added, job.labelled, job.unchanged, job.failures, job.duplicates, job.conflicts);
  return code;
}

/* ---- label ---- */

int
ls_cli_cmd_label (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  g_autofree char *note = NULL;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, "Why, kept in the label history", "TEXT" },
    { NULL }
  };
  g_autoptr (LsStore) store = NULL;
  g_autoptr (LsStoreImage) image = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) classes = NULL;
  const char *klass = NULL;
  gint64 id;
  int exit_code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 3)
    return ls_cli_usage_error (command, "give IMAGE and CLASS");
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (store == NULL)
    return exit_code;
  classes = ls_store_get_classes (store, &error);
  if (classes == NULL)
    return ls_cli_failure ("%s", error->message);
  if (!g_str_equal (argv[2], "none"))
    {
      klass = ls_dataset_class_for_name ((const char *const *) classes, NULL, argv[2]);
      if (klass == NULL)
        {
          g_autofree char *names = g_strjoinv (", ", classes);

          return ls_cli_usage_error (command, "'%s' is not a class (%s, or none)", argv[2], names);
        }
    }
  image = ls_workspace_find_image (store, argv[1], &error);
  if (image == NULL)
    return ls_cli_failure ("%s", error->message);
  id = ls_store_set_label (store, image->sha256, klass, LS_LABEL_SOURCE_USER, g_get_user_name (),
                           note, &error);
  if (id == 0)
    return ls_cli_failure ("%s", error->message);
  /* Printed only after the COMMIT returned. */
  printf ("%.16s\t%s\t%s\n", image->sha256, image->label != NULL ? image->label : "none",
          klass != NULL ? klass : "none");
  return LS_EXIT_OK;
}

/* ---- split ---- */

typedef struct
{
  LsStore *store;
  LsSplitOptions options;
  LsSplitReport *report;
} SplitJob;

static gboolean
split_work (gpointer data,
            LsProgressFunc progress,
            gpointer progress_data,
            GCancellable *cancellable,
            GError **error)
{
  SplitJob *job = data;

  job->report = ls_store_split (job->store, &job->options, progress, progress_data, cancellable,
                                error);
  return job->report != NULL;
}

int
ls_cli_print_split (FILE *out,
                    LsStore *store,
                    const LsSplitReport *report)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *version = NULL;
  guint n_classes = g_strv_length (report->classes);

  fprintf (out, "part");
  for (guint c = 0; c < n_classes; c++)
    fprintf (out, "\t%s", report->classes[c]);
  fprintf (out, "\tunlabelled\n");
  for (int p = LS_SPLIT_TRAIN; p <= LS_SPLIT_TEST; p++)
    {
      fprintf (out, "%s", ls_split_part_to_string (p));
      for (guint c = 0; c <= n_classes; c++)
        fprintf (out, "\t%u", ls_split_report_count (report, p, (int) c));
      fprintf (out, "\n");
    }
  for (guint g = 0; g < report->near_duplicates->len; g++)
    {
      g_autofree char *members = g_strjoinv (" ", report->near_duplicates->pdata[g]);

      fprintf (out, "near-duplicates\t%s\n", members);
    }
  fflush (out);
  version = ls_store_dataset_version (store, &error);
  if (version == NULL)
    return ls_cli_failure ("%s", error->message);
  fprintf (stderr, "%u images in %u groups, %u near-duplicate groups; dataset version %.16s\n",
           report->n_images, report->n_groups, report->near_duplicates->len, version);
  return LS_EXIT_OK;
}

int
ls_cli_run_split (FILE *out,
                  LsStore *store,
                  const LsSplitOptions *options)
{
  SplitJob job = { 0 };
  int code;

  job.store = store;
  if (options != NULL)
    job.options = *options;
  else
    ls_split_options_init (&job.options);
  code = ls_cli_run_work ("split", split_work, &job, NULL);
  if (code != LS_EXIT_OK)
    return code;
  code = ls_cli_print_split (out, store, job.report);
  ls_split_report_free (job.report);
  return code;
}

int
ls_cli_cmd_split (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  const LsParam *p_test = ls_params_find (LS_PARAMS_SPLIT, LS_PARAM_TEST);
  const LsParam *p_val = ls_params_find (LS_PARAMS_SPLIT, LS_PARAM_VAL);
  const LsParam *p_seed = ls_params_find (LS_PARAMS_SPLIT, LS_PARAM_SEED_NAME);
  double test = p_test->default_value, val = p_val->default_value;
  gint64 seed = (gint64) p_seed->default_value;
  /* split's help says "(0.2)", not "(default 0.2)" */
  g_autofree char *test_help = g_strdup_printf ("%s (%g)", p_test->help, p_test->default_value);
  g_autofree char *val_help = g_strdup_printf ("%s (%g)", p_val->help, p_val->default_value);
  g_autofree char *seed_help = g_strdup_printf ("%s (%g)", p_seed->help, p_seed->default_value);
  const GOptionEntry entries[] = {
    { p_test->name, 0, 0, G_OPTION_ARG_DOUBLE, &test, test_help, p_test->arg },
    { p_val->name, 0, 0, G_OPTION_ARG_DOUBLE, &val, val_help, p_val->arg },
    { p_seed->name, 0, 0, G_OPTION_ARG_INT64, &seed, seed_help, p_seed->arg },
    { NULL }
  };
  g_autoptr (LsStore) store = NULL;
  LsSplitOptions options;
  int exit_code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
  if (!ls_param_in_range (p_test, test) || !ls_param_in_range (p_val, val) || !(test + val < 1) ||
      !ls_param_in_range (p_seed, (double) seed))
    return ls_cli_usage_error (command, "--test and --val must be ≥ 0 with a sum below 1, and "
                                        "--seed ≥ 0");
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (store == NULL)
    return exit_code;
  ls_split_options_init (&options);
  options.test = test;
  options.val = val;
  options.seed = (guint64) seed;
  return ls_cli_run_split (stdout, store, &options);
}
