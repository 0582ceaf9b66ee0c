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

/* IMAGE is a file (hashed) or a hash prefix. */
static LsStoreImage *
find_image (LsStore *store,
            const char *image,
            GError **error)
{
  g_autofree char *contents = NULL, *sha = NULL;
  gsize len;

  if (!g_file_test (image, G_FILE_TEST_IS_REGULAR))
    return ls_store_find_image (store, image, error);
  if (!g_file_get_contents (image, &contents, &len, error))
    return NULL;
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  return ls_store_find_image (store, sha, error);
}

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
  image = find_image (store, argv[1], &error);
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
ls_cli_cmd_split (const LsCliCommand *command,
                  LsCliGlobal *global,
                  int argc,
                  char **argv)
{
  double test = 0.2, val = 0.1;
  gint64 seed = 42;
  const GOptionEntry entries[] = {
    { "test", 0, 0, G_OPTION_ARG_DOUBLE, &test, "Fraction of images for testing (0.2)", "F" },
    { "val", 0, 0, G_OPTION_ARG_DOUBLE, &val, "Fraction carved from training for validation (0.1)",
      "F" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Split seed (42)", "S" },
    { NULL }
  };
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *version = NULL;
  SplitJob job = { 0 };
  int exit_code, code;
  guint n_classes;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ls_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
  if (!(test >= 0 && val >= 0 && test + val < 1) || seed < 0)
    return ls_cli_usage_error (command, "--test and --val must be ≥ 0 with a sum below 1, and "
                                        "--seed ≥ 0");
  store = ls_cli_open_workspace (command, global, LS_STORE_OPEN_DEFAULT, &exit_code);
  if (store == NULL)
    return exit_code;
  job.store = store;
  ls_split_options_init (&job.options);
  job.options.test = test;
  job.options.val = val;
  job.options.seed = (guint64) seed;
  code = ls_cli_run_work ("split", split_work, &job, NULL);
  if (code != LS_EXIT_OK)
    return code;
  n_classes = g_strv_length (job.report->classes);
  printf ("part");
  for (guint c = 0; c < n_classes; c++)
    printf ("\t%s", job.report->classes[c]);
  printf ("\tunlabelled\n");
  for (int p = LS_SPLIT_TRAIN; p <= LS_SPLIT_TEST; p++)
    {
      printf ("%s", ls_split_part_to_string (p));
      for (guint c = 0; c <= n_classes; c++)
        printf ("\t%u", ls_split_report_count (job.report, p, (int) c));
      printf ("\n");
    }
  for (guint g = 0; g < job.report->near_duplicates->len; g++)
    {
      g_autofree char *members = g_strjoinv (" ", job.report->near_duplicates->pdata[g]);

      printf ("near-duplicates\t%s\n", members);
    }
  version = ls_store_dataset_version (store, &error);
  if (version == NULL)
    code = ls_cli_failure ("%s", error->message);
  else
    fprintf (stderr, "%u images in %u groups, %u near-duplicate groups; dataset version %.16s\n",
             job.report->n_images, job.report->n_groups, job.report->near_duplicates->len, version);
  ls_split_report_free (job.report);
  return code;
}
