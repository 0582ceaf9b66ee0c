/* store-tool.c — a child process for the store's crash and read-only tests
 *
 *   store-tool crash-child WS SRC SEED
 *       opens (creates) WS, imports the class folders under SRC, then sets
 *       labels in a fast loop forever, printing "EVENT SHA LABEL" on stdout
 *       after each COMMIT returned; the test kills it with SIGKILL.
 *   store-tool ro-check WS
 *       opens WS as found and prints what it sees and whether a write was
 *       refused.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "dataset/import.h"
#include "dataset/store.h"

static int
crash_child (const char *ws,
             const char *src,
             guint32 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_autoptr (LsImportReport) report = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_auto (GStrv) classes = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint n_classes;

  if (store == NULL)
    {
      fprintf (stderr, "open: %s\n", error->message);
      return 1;
    }
  report = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, NULL, NULL, NULL, NULL, &error);
  if (report == NULL)
    {
      fprintf (stderr, "import: %s\n", error->message);
      return 1;
    }
  printf ("imported %u\n", report->added);
  fflush (stdout);
  images = ls_store_list_images (store, &error);
  classes = ls_store_get_classes (store, &error);
  if (images == NULL || classes == NULL || images->len == 0)
    return 1;
  n_classes = g_strv_length (classes);
  for (;;)
    {
      LsStoreImage *im = g_ptr_array_index (images, g_rand_int_range (rand, 0, (int) images->len));
      const char *label = classes[g_rand_int_range (rand, 0, (int) n_classes)];
      gint64 id = ls_store_set_label (store, im->sha256, label, LS_LABEL_SOURCE_USER, "crash",
                                      NULL, &error);

      if (id == 0)
        {
          fprintf (stderr, "label: %s\n", error->message);
          return 1;
        }
      /* Acknowledged only after COMMIT returned. */
      printf ("%" G_GINT64_FORMAT " %s %s\n", id, im->sha256, label);
      fflush (stdout);
    }
}

static int
ro_check (const char *ws)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GPtrArray) images = NULL;
  gint64 id;

  if (store == NULL)
    {
      fprintf (stderr, "open: %s\n", error->message);
      return 1;
    }
  images = ls_store_list_images (store, &error);
  if (images == NULL)
    {
      fprintf (stderr, "list: %s\n", error->message);
      return 1;
    }
  id = images->len > 0
           ? ls_store_set_label (store, ((LsStoreImage *) images->pdata[0])->sha256, "covid",
                                 LS_LABEL_SOURCE_USER, "ro", NULL, &error)
           : 0;
  printf ("read_only=%d immutable=%d images=%u write=%s\nreason: %s\nerror: %s\n",
          ls_store_is_read_only (store), ls_store_is_immutable (store), images->len,
          id == 0 && g_error_matches (error, LS_STORE_ERROR, LS_STORE_ERROR_READ_ONLY) ? "refused"
                                                                                       : "allowed",
          ls_store_get_read_only_reason (store) ? ls_store_get_read_only_reason (store) : "-",
          error != NULL ? error->message : "-");
  return 0;
}

int
main (int argc,
      char **argv)
{
  if (argc == 5 && g_str_equal (argv[1], "crash-child"))
    return crash_child (argv[2], argv[3], (guint32) g_ascii_strtoull (argv[4], NULL, 10));
  if (argc == 3 && g_str_equal (argv[1], "ro-check"))
    return ro_check (argv[2]);
  fprintf (stderr, "usage: store-tool crash-child WS SRC SEED | ro-check WS\n");
  return 2;
}
