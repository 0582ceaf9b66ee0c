/* ls-test.h — helpers shared by the test programs
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit code meson counts as a skip. */
#define LS_TEST_EXIT_SKIP 77

void ls_test_init (int *argc,
                   char ***argv);
char *ls_test_build_path (const char *first,
                          ...) G_GNUC_NULL_TERMINATED;
gboolean ls_test_run (const char *const *argv,
                      char **out,
                      char **err,
                      int *exit_status);

void ls_test_remove_tree (const char *path);

/* TRUE when the program runs under valgrind. */
gboolean ls_test_under_valgrind (void);
/* Under valgrind: marks the case skipped with @why and returns TRUE. */
gboolean ls_test_skip_under_valgrind (const char *why);

/* A small network (64² gray input, four convolutions, Grad-CAM on the
 * last) that the training tests train in seconds. */
extern const char ls_test_small_arch[];

G_END_DECLS
