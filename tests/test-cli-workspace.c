/* test-cli-workspace.c — lungscope-cli import, label and split
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "dataset/store.h"
#include "ls-test.h"
#include "store-test-util.h"

static int
cli (char **out,
     char **err,
     const char *first,
     ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, out, err, &status));
  return status;
}

static void
test_import_label_split (void)
{
  g_autofree char *tmp = make_temp_dir ();
  g_autofree char *src = g_build_filename (tmp, "src", NULL);
  g_autofree char *ws = g_build_filename (tmp, "cli.lungscope", NULL);
  g_autofree char *file = g_build_filename (src, "COVID-19", "x0.png", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) history = NULL;
  g_autofree char *sha = NULL, *contents = NULL;
  gsize len;

  for (int i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("x%d.png", i);

      WRITE_PNG (300 + i, 8, src, i % 2 ? "NORMAL" : "COVID-19", name);
    }
  {
    g_autofree char *bad = g_build_filename (src, "NORMAL", "bad.png", NULL);

    g_assert_true (g_file_set_contents (bad, "not an image", -1, NULL));
  }
  g_assert_cmpint (cli (&out, &err, "-w", ws, "import", src, NULL), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (err, "added 12 images"));
  g_assert_nonnull (strstr (out, "unreadable\tNORMAL/bad.png"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "import", src, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "added 0 images"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "label", file, "Pneumonia", "--note", "lobar", NULL),
                   ==, 0);
  g_assert_true (g_str_has_prefix (out, "covid") || strstr (out, "\tcovid\tpneumonia") != NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *prefix = g_strndup (sha, 8);

    g_assert_cmpint (cli (&out, &err, "-w", ws, "label", prefix, "none", NULL), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (&out, &err, "-w", ws, "label", prefix, "flu", NULL), ==, 2);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  g_assert_cmpint (cli (&out, &err, "-w", ws, "label", "ffffffff", "covid", NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (cli (&out, &err, "-w", ws, "split", "--test", "0.25", NULL), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_str_has_prefix (out, "part\tnormal\tpneumonia\tcovid\tunlabelled\ntrain\t"));
  g_assert_nonnull (strstr (err, "dataset version "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "split", "--test", "0.9", "--val", "0.2", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (&out, &err, "import", src, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  store = ls_store_open (ws, 0, &error);
  g_assert_no_error (error);
  history = ls_store_label_history (store, sha, &error);
  g_assert_cmpuint (history->len, ==, 3);
  g_assert_cmpstr (((LsLabelEvent *) history->pdata[1])->note, ==, "lobar");
  g_assert_null (((LsLabelEvent *) history->pdata[2])->new_label);
  remove_tree (tmp);
}

/* Ctrl-C: exit 130, nothing half-written, and the next import finishes. */
static void
test_interrupt (void)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *root = g_build_filename (shared != NULL ? shared : "", "cxr-real", NULL);
  g_autofree char *tmp = NULL, *ws = NULL, *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  GPid pid;
  int status;

  if (shared == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("cxr-real is absent (set LS_SHARED_DATA)");
      return;
    }
  tmp = make_temp_dir ();
  ws = g_build_filename (tmp, "int.lungscope", NULL);
  {
    const char *argv[] = { g_getenv ("LS_CLI"), "-w", ws, "import", root, NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                      G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, &error));
  }
  g_usleep (400000);
  kill (pid, SIGINT);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_test_message ("exit status after Ctrl-C: %d", WEXITSTATUS (status));
  g_assert_true (WEXITSTATUS (status) == 130 || WEXITSTATUS (status) == 0);
  g_assert_cmpint (cli (&out, &err, "-w", ws, "import", root, NULL), ==, 0);
  g_test_message ("%s", err);
  {
    g_autoptr (LsStore) store = ls_store_open (ws, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (ls_store_count_images (store, &error), ==, 200);
    g_assert_cmpuint (ls_store_get_missing_files (store)->len, ==, 0);
  }
  remove_tree (tmp);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/cli/workspace/import-label-split", test_import_label_split);
  g_test_add_func ("/lungscope/cli/workspace/interrupt", test_interrupt);
  return g_test_run ();
}
