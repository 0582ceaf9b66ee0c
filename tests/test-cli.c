/* test-cli.c — lungscope-cli through its real entry point: the program
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "imaging/decode.h"
#include "imaging/png-write.h"
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

  /* issue 19: the options' help comes from the parameter table, whose
   * defaults are the code's (train --seed said "default 0") */
  run_cli (&r, "train", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "  -s, --seed=S            Seed (default 1)\n"));
  g_assert_nonnull (strstr (r.out, "  -e, --epochs=N          Epochs (default 30)\n"));
  g_assert_nonnull (strstr (r.out, "  -t, --threads=N         Engine threads (default: the cores)\n"));
  cli_result_clear (&r);
  run_cli (&r, "split", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "  --seed=S       Split seed (42)\n"));
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
  /* A Flatpak sandbox (flatpak-builder runs the unit tests in one) is seen. */
  g_assert_true (json_object_has_member (root, "sandbox"));
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "sandbox"), "kind"), ==,
                     "flatpak");
  else
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (root, "sandbox")));

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
  g_assert_nonnull (strstr (r.out, "\nSandbox\n  flatpak        "));
  cli_result_clear (&r);
}

static GBytes *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_bytes_new_take (contents, length);
}

/* augment: previews are written, described, reproducible from the seed,
 * and bad input is refused with exit 1 or 2 and one line. */
static void
test_augment (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ls-cli-augment-XXXXXX", &error);
  g_autofree char *input = g_build_filename (tmp, "chest.png", NULL);
  g_autofree char *out1 = g_build_filename (tmp, "out1", NULL);
  g_autofree char *out2 = g_build_filename (tmp, "out2", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing.png", NULL);
  g_autoptr (LsImage) image = ls_image_new (300, 260);
  g_autoptr (JsonParser) parser = json_parser_new ();
  CliResult r = { 0 };
  JsonArray *previews;

  g_assert_no_error (error);
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      image->data[y * image->width + x] = (float) ((x * 7 + y * 3) % 256) / 255.0f;
  g_assert_true (ls_png_write_image (input, image, 8, LS_PNG_WRITE_DEFAULT, &error));
  g_assert_no_error (error);

  run_cli (&r, "augment", input, "-n", "3", "--seed", "5", "--size", "64", "--out", out1, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines (r.out), ==, 3);
  g_assert_true (g_str_has_prefix (r.out, "chest-aug-00.png\t"));
  cli_result_clear (&r);

  run_cli (&r, "augment", input, "-n", "3", "--seed", "5", "--size", "64", "--out", out2, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  previews = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "previews");
  g_assert_cmpuint (json_array_get_length (previews), ==, 3);
  cli_result_clear (&r);

  /* Same seed, same pixels; the files decode at the model size. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("chest-aug-%02u.png", i);
      g_autoptr (GBytes) a = read_file (out1, name);
      g_autoptr (GBytes) b = read_file (out2, name);
      g_autofree char *path = g_build_filename (out1, name, NULL);
      g_autoptr (LsImage) decoded = ls_image_load (path, NULL, &error);

      g_assert_true (g_bytes_equal (a, b));
      g_assert_no_error (error);
      g_assert_cmpint (decoded->width, ==, 64);
      g_assert_cmpint (decoded->height, ==, 64);
    }

  run_cli (&r, "augment", input, "-n", "3", "--seed", "6", "--size", "64", "--out", out2, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  {
    g_autoptr (GBytes) a = read_file (out1, "chest-aug-00.png");
    g_autoptr (GBytes) b = read_file (out2, "chest-aug-00.png");

    g_assert_false (g_bytes_equal (a, b));
  }

  run_cli (&r, "augment", input, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  cli_result_clear (&r);
  run_cli (&r, "augment", input, "-n", "0", "--out", out1, NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "augment", missing, "--out", out1, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpuint (count_lines (r.err), ==, 1);
  g_assert_nonnull (strstr (r.err, "missing.png"));
  cli_result_clear (&r);

  run_cli (&r, "augment", "--dump-config", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "[RandomAffine]"));
  cli_result_clear (&r);

  ls_test_remove_tree (tmp);
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
  g_test_add_func ("/lungscope/cli/augment", test_augment);

  return g_test_run ();
}
