/* test-engine-model.c — networks in model files: round trip and refusals
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "engine/model.h"
#include "ls-test.h"

static const char spec[] = "input channels=1 size=8\n"
                           "conv name=c1 out=3 k=3 pad=1 bias=no\n"
                           "bn name=b1\n"
                           "relu cam=yes\n"
                           "gap\n"
                           "linear name=fc out=2\n";

static char *
temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ls-model-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_autoptr (LsNet) net = ls_net_new (spec, &error);
  g_autoptr (LsNet) back = NULL;
  g_autoptr (LsSafetensors) file = NULL;
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  float ood[4] = { 1, 2, 3, 4 };
  LsTensorEntry extra = { (char *) "ood.mean", 1, { 4 }, 4, ood };
  float x[2 * 64], l1[4], l2[4];

  g_assert_no_error (error);
  ls_net_init_params (net, 3);
  /* running statistics that are not the defaults */
  ls_net_find_tensor (net, "b1.running_var")->data[1] = 2.5f;
  g_hash_table_insert (meta, (char *) "model_id", (char *) "01JTEST");
  g_hash_table_insert (meta, (char *) "x-unknown", (char *) "kept");
  g_hash_table_insert (meta, (char *) "arch", (char *) "not this");
  g_assert_true (ls_net_save (net, path, meta, &extra, 1, &error));
  g_assert_no_error (error);

  back = ls_net_load (path, &file, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpstr (g_hash_table_lookup (file->metadata, "x-unknown"), ==, "kept");
  g_assert_cmpstr (g_hash_table_lookup (file->metadata, "model_id"), ==, "01JTEST");
  g_assert_cmpstr (g_hash_table_lookup (file->metadata, "arch"), ==, spec);
  g_assert_cmpstr (g_hash_table_lookup (file->metadata, "format"), ==, LS_MODEL_FORMAT);
  g_assert_nonnull (ls_safetensors_find (file, "ood.mean"));
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *a = ls_net_get_tensor (net, i), *b = ls_net_get_tensor (back, i);

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_true (memcmp (a->data, b->data, sizeof (float) * a->n_elements) == 0);
    }
  for (int i = 0; i < 2 * 64; i++)
    x[i] = (float) (i % 7) - 3.0f;
  g_assert_true (ls_net_plan (net, 2, &error));
  g_assert_true (ls_net_plan (back, 2, &error));
  memcpy (l1, ls_net_forward (net, x, 2), sizeof l1);
  memcpy (l2, ls_net_forward (back, x, 2), sizeof l2);
  g_assert_true (memcmp (l1, l2, sizeof l1) == 0);
  remove_dir (dir);
}

/* Writes @net's tensors with one changed, as a broken model file. */
static void
write_broken (LsNet *net,
              const char *path,
              const char *arch,
              const char *drop,
              const char *extra_name,
              const char *reshape)
{
  g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (LsTensorEntry));
  g_autoptr (GError) error = NULL;
  static float spare[3] = { 0 };

  if (arch != NULL)
    g_hash_table_insert (meta, (char *) "arch", (char *) arch);
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      LsTensorEntry e = { (char *) t->name, t->n_dims, { 0 }, t->n_elements, t->data };

      if (drop != NULL && g_str_equal (t->name, drop))
        continue;
      for (int d = 0; d < t->n_dims; d++)
        e.shape[d] = t->shape[d];
      if (reshape != NULL && g_str_equal (t->name, reshape))
        {
          /* same element count, other shape */
          e.n_dims = 1;
          e.shape[0] = (int64_t) t->n_elements;
        }
      g_array_append_val (entries, e);
    }
  if (extra_name != NULL)
    {
      LsTensorEntry e = { (char *) extra_name, 1, { 3 }, 3, spare };

      g_array_append_val (entries, e);
    }
  g_assert_true (ls_safetensors_write (path, meta, (LsTensorEntry *) (void *) entries->data,
                                       entries->len, &error));
}

static void
test_refusals (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "bad.safetensors", NULL);
  g_autoptr (LsNet) net = ls_net_new (spec, NULL);
  const struct
  {
    const char *arch, *drop, *extra, *reshape, *message;
  } cases[] = {
    { NULL, NULL, NULL, NULL, "no “arch” metadata" },
    { "input channels=1 size=8\nconvolution x\n", NULL, NULL, NULL, "network spec: line 2" },
    { spec, "b1.running_var", NULL, NULL, "tensor “b1.running_var” of the network is missing" },
    { spec, NULL, "fc.extra", NULL, "tensor “fc.extra” is not part of the network" },
    { spec, NULL, NULL, "c1.weight", "tensor “c1.weight” has shape [27], the network needs [3, 1, 3, 3]" },
  };

  ls_net_init_params (net, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsNet) loaded = NULL;

      write_broken (net, path, cases[i].arch, cases[i].drop, cases[i].extra, cases[i].reshape);
      loaded = ls_net_load (path, NULL, &error);
      g_assert_null (loaded);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      if (strstr (error->message, cases[i].message) == NULL || strstr (error->message, path) == NULL)
        g_error ("case %u: “%s” does not name the file and “%s”", i, error->message,
                 cases[i].message);
    }
  /* a file that is not there, and extra tensors that are not ood.* */
  {
    g_autoptr (GError) error = NULL;
    float v[1] = { 0 };
    LsTensorEntry e = { (char *) "fc.weight", 1, { 1 }, 1, v };

    g_unlink (path);
    g_assert_null (ls_net_load (path, NULL, &error));
    g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO);
    g_clear_error (&error);
    g_assert_false (ls_net_save (net, path, NULL, &e, 1, &error));
    g_assert_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR);
  }
  remove_dir (dir);
}

/* Issue 16: a file of a newer format version is refused, naming both
 * versions and the file; the current one and an older one load. */
static void
test_newer_format (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "newer.safetensors", NULL);
  g_autoptr (LsNet) net = ls_net_new (spec, NULL);
  const struct
  {
    const char *version, *message;
  } cases[] = {
    { "999", "model format version 999 is newer than this Lungscope reads (1)" },
    { "2", "model format version 2 is newer than this Lungscope reads (1)" },
    { "1.5", "model format version “1.5” is not a version this Lungscope reads (1)" },
    { "", "model format version “” is not a version" },
    { "1", NULL },
  };

  ls_net_init_params (net, 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsNet) loaded = NULL;
      guint n = ls_net_get_n_tensors (net);
      g_autofree LsTensorEntry *entries = g_new0 (LsTensorEntry, n);

      g_hash_table_insert (meta, (char *) "format", (char *) LS_MODEL_FORMAT);
      g_hash_table_insert (meta, (char *) "format_version", (char *) cases[i].version);
      g_hash_table_insert (meta, (char *) "arch", (char *) spec);
      for (guint t = 0; t < n; t++)
        {
          const LsNetTensor *nt = ls_net_get_tensor (net, t);

          entries[t].name = (char *) nt->name;
          entries[t].n_dims = nt->n_dims;
          for (int d = 0; d < nt->n_dims; d++)
            entries[t].shape[d] = nt->shape[d];
          entries[t].n_elements = nt->n_elements;
          entries[t].data = nt->data;
        }
      g_assert_true (ls_safetensors_write (path, meta, entries, n, &error));
      g_assert_no_error (error);
      loaded = ls_net_load (path, NULL, &error);
      if (cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (loaded);
          continue;
        }
      g_assert_null (loaded);
      g_assert_error (error, LS_NET_ERROR, LS_NET_ERROR_FORMAT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      g_assert_nonnull (strstr (error->message, path));
    }
  remove_dir (dir);
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/engine/model/round-trip", test_round_trip);
  g_test_add_func ("/lungscope/engine/model/refusals", test_refusals);
  g_test_add_func ("/lungscope/engine/model/newer-format", test_newer_format);
  return g_test_run ();
}
