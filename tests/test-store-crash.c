/* test-store-crash.c — acknowledged means committed (CHECKLIST 11)
 *
 * store-tool crash-child imports a small tree and then sets labels in a
 * fast loop, printing each event after its COMMIT returned. We SIGKILL it
 * at random moments (during the import, too), at least 100 times, reopen
 * the workspace, run PRAGMA integrity_check, and check that every label
 * the child reported saved is there, and that each image's current label
 * is its latest reported one or a later one.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dataset/store.h"
#include "ls-test.h"
#include "store-test-util.h"

#define KILLS 120

static char *
integrity_check (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static char *
read_all (int fd)
{
  GString *out = g_string_new (NULL);
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);
  return g_string_free (out, FALSE);
}

static void
test_crash (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *ws = g_build_filename (tmp, "crash.lungscope", NULL);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *db_path = g_build_filename (ws, "lungscope.db", NULL);
  g_autofree char *tool = ls_test_build_path ("tests", "store-tool", NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261126);
  const char *classes[] = { "normal", "pneumonia", "covid" };
  guint total_acknowledged = 0, killed_in_import = 0;

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *name = g_strdup_printf ("c%02u.png", i);

      WRITE_PNG (77 + i, 64, src, classes[i % 3], name);
    }

  for (guint k = 0; k < KILLS; k++)
    {
      g_autofree char *seed = g_strdup_printf ("%u", k);
      const char *argv[] = { tool, "crash-child", ws, src, seed, NULL };
      g_autoptr (GError) error = NULL;
      g_autofree char *out = NULL, *check = NULL;
      g_auto (GStrv) lines = NULL;
      g_autoptr (LsStore) store = NULL;
      g_autoptr (GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      GPid pid;
      int out_fd, status;
      guint acknowledged = 0;
      gboolean imported = FALSE;

      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                               NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
      g_assert_no_error (error);
      /* Early kills land in the open and the import; later ones in the
       * label loop. */
      g_usleep (k < 20 ? g_rand_int_range (rand, 0, 60000) : g_rand_int_range (rand, 1000, 250000));
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      out = read_all (out_fd);
      close (out_fd);
      g_spawn_close_pid (pid);
      if (!WIFSIGNALED (status))
        g_error ("the child ended by itself (status %d): %s", status, out);

      check = integrity_check (db_path);
      g_assert_cmpstr (check, ==, "ok");
      store = ls_store_open (ws, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ls_store_get_missing_files (store)->len, ==, 0);

      lines = g_strsplit (out, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_auto (GStrv) f = g_strsplit (lines[l], " ", 3);
          g_autoptr (LsLabelEvent) event = NULL;
          gint64 id;

          if (g_str_has_prefix (lines[l], "imported "))
            {
              imported = TRUE;
              continue;
            }
          if (g_strv_length (f) != 3)
            continue; /* the last line may be cut by the kill */
          id = g_ascii_strtoll (f[0], NULL, 10);
          event = ls_store_get_label_event (store, id, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (event->sha256, ==, f[1]);
          g_assert_cmpstr (event->new_label, ==, f[2]);
          g_hash_table_insert (last, g_strdup (f[1]), GSIZE_TO_POINTER ((gsize) id));
          acknowledged++;
        }
      /* The current label is the latest acknowledged one or a later event. */
      {
        GHashTableIter it;
        gpointer sha, id;

        g_hash_table_iter_init (&it, last);
        while (g_hash_table_iter_next (&it, &sha, &id))
          {
            g_autoptr (GPtrArray) history = ls_store_label_history (store, sha, &error);
            LsLabelEvent *latest = history->pdata[history->len - 1];

            g_assert_cmpint (latest->id, >=, (gint64) GPOINTER_TO_SIZE (id));
          }
      }
      if (imported)
        g_assert_cmpuint (ls_store_count_images (store, &error), ==, 60);
      else
        killed_in_import++;
      total_acknowledged += acknowledged;
    }
  g_test_message ("%u kills (%u before the import finished), %u acknowledged labels checked",
                  KILLS, killed_in_import, total_acknowledged);
  g_assert_cmpuint (total_acknowledged, >, 100);
  g_assert_cmpuint (killed_in_import, >, 0);
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/dataset/store/crash", test_crash);
  return g_test_run ();
}
