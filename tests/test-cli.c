/* test-cli.c — lungscope-cli through its real entry point: the program
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "ls-test.h"

typedef struct
{
  char *out;
  char *err;
  int status;
} CliResult;

static void
cli_result_clear (CliResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static void
run_cli (CliResult *r,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("LS_CLI");
  va_list args;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  va_start (args, r);
  for (const char *a = va_arg (args, const char *); a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, &r->out, &r->err, &r->status));
}

static guint
count_lines (const char *s)
{
  guint n = 0;

  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void
test_version (void)
{
  CliResult r = { 0 };

  run_cli (&r, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "lungscope-cli " PACKAGE_VERSION "\n");
  g_assert_cmpstr (r.err, ==, "");
  cli_result_clear (&r);
}

static void
test_help (void)
{
  CliResult r = { 0 };

  run_cli (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "Usage: lungscope-cli"));
  g_assert_nonnull (strstr (r.out, "\n  info "));
  g_assert_nonnull (strstr (r.out, "not a medical device"));
  cli_result_clear (&r);

  run_cli (&r, "info", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "lungscope-cli info"));
  g_assert_nonnull (strstr (r.out, "--json"));
  cli_result_clear (&r);

  run_cli (&r, "help", "info", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--json"));
  cli_result_clear (&r);
}

/* Every usage error: exit 2, nothing on stdout, exactly one line on stderr
 * that names the program. */
static void
test_usage_errors (void)
{
  const char *const cases[][4] = {
    { "nonsense", NULL },
    { "--frobnicate", NULL },
    { "info", "--frobnicate", NULL },
    { "info", "extra", NULL },
    { "-w", NULL },
    { "help", "nonsense", NULL },
    { NULL },
  };
  CliResult r = { 0 };

  run_cli (&r, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  cli_result_clear (&r);

  for (guint i = 0; cases[i][0] != NULL; i++)
    {
      run_cli (&r, cases[i][0], cases[i][1], cases[i][2], NULL);
      g_test_message ("case %u: %s -> %d %s", i, cases[i][0], r.status, r.err);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_cmpuint (count_lines (r.err), ==, 1);
      g_assert_true (g_str_has_prefix (r.err, "lungscope-cli"));
      cli_result_clear (&r);
    }

  run_cli (&r, "nonsense", NULL);
  g_assert_nonnull (strstr (r.err, "nonsense"));
  cli_result_clear (&r);
}

static void
test_info_json (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  CliResult r = { 0 };
  JsonObject *root, *blas, *paths;

  run_cli (&r, "-w", "/tmp/some.lungscope", "info", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "version"), ==, PACKAGE_VERSION);
  blas = json_object_get_object_member (root, "blas");
  g_assert_nonnull (json_object_get_string_member (blas, "core"));
  g_assert_cmpint (json_object_get_int_member (blas, "threads"), >=, 1);
  paths = json_object_get_object_member (root, "paths");
  g_assert_cmpstr (json_object_get_string_member (paths, "workspace"), ==, "/tmp/some.lungscope");
  g_assert_cmpstr (json_object_get_string_member (paths, "workspace_from"), ==, "option");

  /* On a CPU with AVX2, the CLI never runs OpenBLAS's SSE fallback unless
   * the user asked for it. */
  if (json_object_get_boolean_member (blas, "avx2") && g_getenv ("OPENBLAS_CORETYPE") == NULL)
    {
      const char *core = json_object_get_string_member (blas, "core");

      g_assert_cmpstr (core, !=, "Prescott");
      g_assert_cmpstr (core, !=, "Core2");
      g_assert_cmpstr (core, !=, "Nehalem");
    }
  cli_result_clear (&r);

  run_cli (&r, "info", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Not a medical device"));
  g_assert_nonnull (strstr (r.out, "core"));
  cli_result_clear (&r);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/cli/version", test_version);
  g_test_add_func ("/lungscope/cli/help", test_help);
  g_test_add_func ("/lungscope/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/lungscope/cli/info-json", test_info_json);

  return g_test_run ();
}
