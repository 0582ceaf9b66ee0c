/* ls-test.c — helpers shared by the test programs
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include "engine/blas.h"
#include "ls-test.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* Like g_test_init(), and first selects the BLAS kernels the way the
 * programs do, so tests run the code paths users run. */
void
ls_test_init (int *argc,
              char ***argv)
{
  ls_engine_blas_init (*argv);
  g_test_init (argc, argv, NULL);
}

/* A path under the build folder ($MESON_BUILD_ROOT when meson runs the test). */
char *
ls_test_build_path (const char *first,
                    ...)
{
  const char *root = g_getenv ("LS_BUILD_ROOT");
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, (gpointer) (root != NULL ? root : "."));
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

/* Runs a program, collecting its output; returns FALSE if it could not start. */
gboolean
ls_test_run (const char *const *argv,
             char **out,
             char **err,
             int *exit_status)
{
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &wait_status, &error))
    {
      g_test_message ("cannot run %s: %s", argv[0], error->message);
      return FALSE;
    }
  if (WIFEXITED (wait_status))
    *exit_status = WEXITSTATUS (wait_status);
  else
    *exit_status = 128 + WTERMSIG (wait_status);
  return TRUE;
}

/* Removes @path and, for a folder, everything below it. */
void
ls_test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          ls_test_remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

const char ls_test_small_arch[] = "# small: the tests' network\n"
                                  "input channels=1 size=64\n"
                                  "conv name=conv1 out=8 k=3 stride=2 pad=1 bias=no\n"
                                  "bn name=bn1\n"
                                  "relu\n"
                                  "conv name=conv2 out=16 k=3 stride=1 pad=1 bias=no\n"
                                  "bn name=bn2\n"
                                  "relu\n"
                                  "maxpool k=2\n"
                                  "conv name=conv3 out=32 k=3 stride=1 pad=1 bias=no\n"
                                  "bn name=bn3\n"
                                  "relu\n"
                                  "maxpool k=2\n"
                                  "conv name=conv4 out=32 k=3 stride=1 pad=1 bias=no\n"
                                  "bn name=bn4\n"
                                  "relu cam=yes\n"
                                  "gap\n"
                                  "linear name=fc out=3\n";

gboolean
ls_test_under_valgrind (void)
{
  return RUNNING_ON_VALGRIND != 0;
}

gboolean
ls_test_skip_under_valgrind (const char *why)
{
  if (!ls_test_under_valgrind ())
    return FALSE;
  g_test_skip (why);
  return TRUE;
}
