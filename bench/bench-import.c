/* bench-import.c — import speed (hash + metadata + thumbnail + durable file
 * + row) in images/s on a folder of class folders
 *
 *   bench-import [FOLDER]     default: $LS_SHARED_DATA/cxr-real
 *
 * Not a test: run by `meson test -C build --benchmark`. Prints one line per
 * pass and exits 77 when the folder is absent.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "dataset/import.h"
#include "dataset/split.h"
#include "dataset/thumbnail.h"

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
run (const char *src,
     const char *what,
     gboolean reference)
{
  g_autofree char *tmp = g_dir_make_tmp ("lungscope-bench-XXXXXX", NULL);
  g_autofree char *ws = g_build_filename (tmp, "bench.lungscope", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_CREATE, &error);
  g_autoptr (LsImportReport) first = NULL, again = NULL;
  g_autoptr (LsSplitReport) split = NULL;
  LsImportOptions options = { .reference = reference };
  gint64 t0, t1, t2, t3;
  gint64 bytes = 0;

  if (store == NULL)
    g_error ("%s", error->message);
  t0 = g_get_monotonic_time ();
  first = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &options, NULL, NULL, NULL, &error);
  t1 = g_get_monotonic_time ();
  g_assert_no_error (error);
  again = ls_store_import (store, LS_IMPORT_CLASS_FOLDERS, src, &options, NULL, NULL, NULL, &error);
  t2 = g_get_monotonic_time ();
  split = ls_store_split (store, NULL, NULL, NULL, NULL, &error);
  t3 = g_get_monotonic_time ();
  g_assert_no_error (error);
  {
    g_autoptr (GPtrArray) images = ls_store_list_images (store, &error);

    for (guint i = 0; i < images->len; i++)
      bytes += ((LsStoreImage *) images->pdata[i])->byte_size;
  }
  printf ("%s%s: import %u images (%.1f MiB) in %.2f s = %.1f images/s, %.1f MiB/s; "
          "re-import (adds %u) %.1f images/s; split %.3f s (%u near-duplicate groups)\n",
          what, reference ? " --reference" : "", first->added, bytes / 1048576.0, (t1 - t0) / 1e6,
          first->added / ((t1 - t0) / 1e6), bytes / 1048576.0 / ((t1 - t0) / 1e6), again->added,
          again->files / ((t2 - t1) / 1e6), (t3 - t2) / 1e6, split->near_duplicates->len);
  g_clear_pointer (&store, ls_store_close);

  /* The gallery opened a second time: reopen the workspace, list the
   * images and read every thumbnail from cache/. */
  {
    g_autoptr (LsStore) again_store = NULL;
    g_autoptr (GPtrArray) images = NULL;
    gint64 t4 = g_get_monotonic_time (), t5;

    again_store = ls_store_open (ws, LS_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    images = ls_store_list_images (again_store, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < images->len; i++)
      {
        g_autoptr (LsImage) thumb = ls_store_get_thumbnail (again_store, images->pdata[i], &error);

        g_assert_no_error (error);
      }
    t5 = g_get_monotonic_time ();
    printf ("%s%s: reopen + list + %u cached thumbnails in %.2f s (%.0f thumbnails/s)\n", what,
            reference ? " --reference" : "", images->len, (t5 - t4) / 1e6, images->len / ((t5 - t4) / 1e6));
  }
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *src = argc > 1 ? g_strdup (argv[1])
                                  : g_build_filename (shared ? shared : ".", "cxr-real", NULL);

  if (!g_file_test (src, G_FILE_TEST_IS_DIR))
    {
      printf ("%s is absent; nothing to measure\n", src);
      return 77;
    }
  run (src, src, FALSE);
  run (src, src, TRUE);
  return 0;
}
