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

#include <poll.h>
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

static void
read_all (int fd,
          GString *out)
{
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);
}

/* Reads the child's output until it says the import is done (or 60 s). */
static void
wait_for_import (int fd,
                 GString *out)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (strstr (out->str, "imported ") == NULL && g_get_monotonic_time () < end)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      char buf[4096];
      gssize n;

      if (poll (&p, 1, 100) <= 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (out, buf, n);
    }
}

static void
test_crash (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *ws = g_build_filename (tmp, "crash.lungscope", NULL);
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
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
      /* Import kills get a fresh workspace each, so the import they
       * interrupt has work left; label kills share one. */
      g_autofree char *fresh = g_strdup_printf ("%s/import-%u.lungscope", tmp, k);
      const char *kill_ws = k % 3 == 0 ? fresh : ws;
      g_autofree char *kill_db = g_build_filename (kill_ws, "lungscope.db", NULL);
      const char *argv[] = { tool, "crash-child", kill_ws, src, seed, NULL };
      g_autoptr (GError) error = NULL;
      g_autoptr (GString) out = g_string_new (NULL);
      g_autofree char *check = NULL;
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
      /* A third of the kills land in the open and the import (at a random
       * moment of the first 300 ms); the rest in the label loop, at a
       * random moment after the import finished (it takes from 0.1 s to
       * over a second, depending on the machine's load). */
      if (k % 3 == 0)
        g_usleep (g_rand_int_range (rand, 0, 300000));
      else
        {
          wait_for_import (out_fd, out);
          g_usleep (g_rand_int_range (rand, 0, 200000));
        }
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      read_all (out_fd, out);
      close (out_fd);
      g_spawn_close_pid (pid);
      if (!WIFSIGNALED (status))
        g_error ("the child ended by itself (status %d): %s", status, out->str);

      if (!g_file_test (kill_db, G_FILE_TEST_EXISTS))
        {
          killed_in_import++; /* before the db was even created */
          continue;
        }
      check = integrity_check (kill_db);
      g_assert_cmpstr (check, ==, "ok");
      store = ls_store_open (kill_ws, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ls_store_get_missing_files (store)->len, ==, 0);

      lines = g_strsplit (out->str, "\n", -1);
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
      if (kill_ws == fresh)
        {
          g_clear_pointer (&store, ls_store_close);
          remove_tree (fresh);
        }
    }
  g_test_message ("%u kills (%u before the import finished), %u acknowledged labels checked",
                  KILLS, killed_in_import, total_acknowledged);
  g_assert_cmpuint (total_acknowledged, >, 100);
  g_assert_cmpuint (killed_in_import, >, 10);
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
