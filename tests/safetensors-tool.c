/* safetensors-tool.c — the C side of tests/parity/safetensors_check.py
 *
 *   safetensors-tool write PATH   writes the fixture the script expects
 *   safetensors-tool dump PATH    reads PATH and prints it as JSON: metadata,
 *                                 then each tensor's name, shape and the bit
 *                                 patterns of its floats (exact comparison)
 * Exits 1 with the error on stderr when PATH is refused.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/safetensors.h"

/* The fixture; safetensors_check.py builds the same values. Element i of
 * tensor t is ((i * 37 + t * 11) % 101 - 50) / 16, exact in float. */
static const struct
{
  const char *name;
  int n_dims;
  int64_t shape[4];
} fixture[] = {
  { "conv1.weight", 4, { 4, 1, 3, 3 } },
  { "bn1.weight", 1, { 7 } },
  { "bn1.running_var", 1, { 4 } },
  { "scalar", 0, { 0 } },
  { "empty", 2, { 0, 7 } },
  { "fc.weight", 2, { 3, 4 } },
};

static const char *const fixture_metadata[][2] = {
  { "format", "lungscope-model" },
  { "format_version", "1" },
  { "name", "lungnet-s \"phantoms\" — Ærø ✓ 𝄞 back\\slash\ttab\nnew line \x01\x1f /" },
  { "classes", "[\"normal\",\"pneumonia\",\"covid\"]" },
  { "empty", "" },
  { "ключ", "значение" },
};

static int
write_fixture (const char *path)
{
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  LsTensorEntry tensors[G_N_ELEMENTS (fixture)];
  const float special[] = { 0.0f, -0.0f, INFINITY, -INFINITY, 1e-45f, 3.4028235e38f };
  const guint32 nan_bits = 0x7fc00001;
  gboolean ok;

  for (guint m = 0; m < G_N_ELEMENTS (fixture_metadata); m++)
    g_hash_table_insert (metadata, (char *) fixture_metadata[m][0], (char *) fixture_metadata[m][1]);
  for (guint t = 0; t < G_N_ELEMENTS (fixture); t++)
    {
      LsTensorEntry *e = &tensors[t];

      memset (e, 0, sizeof *e);
      e->name = (char *) fixture[t].name;
      e->n_dims = fixture[t].n_dims;
      e->n_elements = 1;
      for (int d = 0; d < e->n_dims; d++)
        {
          e->shape[d] = fixture[t].shape[d];
          e->n_elements *= (gsize) e->shape[d];
        }
      e->data = e->n_elements > 0 ? g_new (float, e->n_elements) : NULL;
      for (gsize i = 0; i < e->n_elements; i++)
        e->data[i] = (float) ((int) ((i * 37 + t * 11) % 101) - 50) / 16.0f;
    }
  /* Bits that must survive: signed zero, infinities, a denormal, the largest
   * float and a NaN with a payload. */
  memcpy (tensors[1].data, special, sizeof special);
  memcpy (&tensors[1].data[6], &nan_bits, sizeof nan_bits);
  ok = ls_safetensors_write (path, metadata, tensors, G_N_ELEMENTS (fixture), &error);
  for (guint t = 0; t < G_N_ELEMENTS (fixture); t++)
    g_free (tensors[t].data);
  if (!ok)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}

static int
dump (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = ls_safetensors_read (path, &error);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (st == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "metadata");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, st->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "tensors");
  json_builder_begin_array (builder);
  for (guint t = 0; t < st->n_tensors; t++)
    {
      const LsTensorEntry *e = &st->tensors[t];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, e->name);
      json_builder_set_member_name (builder, "aligned");
      json_builder_add_boolean_value (builder, GPOINTER_TO_SIZE (e->data) % 64 == 0);
      json_builder_set_member_name (builder, "shape");
      json_builder_begin_array (builder);
      for (int d = 0; d < e->n_dims; d++)
        json_builder_add_int_value (builder, e->shape[d]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "bits");
      json_builder_begin_array (builder);
      for (gsize i = 0; i < e->n_elements; i++)
        {
          guint32 bits;
          memcpy (&bits, &e->data[i], sizeof bits);
          json_builder_add_int_value (builder, bits);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* Not g_print(): it converts to the locale's charset, and this is UTF-8. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  return 0;
}

int
main (int argc,
      char **argv)
{
  if (argc == 3 && strcmp (argv[1], "write") == 0)
    return write_fixture (argv[2]);
  if (argc == 3 && strcmp (argv[1], "dump") == 0)
    return dump (argv[2]);
  g_printerr ("usage: %s write|dump PATH\n", argv[0]);
  return 2;
}
