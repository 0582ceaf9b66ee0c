/* test-safetensors.c — the model file container: round trips, exact bytes,
 * and every malformed file refused with a specific message
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>
#include <string.h>

#include "engine/safetensors.h"
#include "ls-test.h"

/* ---- Helpers ------------------------------------------------------------ */

/* A file of an 8-byte length, @header as it is (no padding) and @data_len
 * bytes of data. */
static GBytes *
make_file (const char *header,
           gsize header_len,
           gsize data_len)
{
  guint8 *bytes = g_malloc (8 + header_len + data_len);
  guint64 len_le = GUINT64_TO_LE ((guint64) header_len);

  memcpy (bytes, &len_le, 8);
  memcpy (bytes + 8, header, header_len);
  for (gsize i = 0; i < data_len; i++)
    bytes[8 + header_len + i] = (guint8) (i * 7 + 1);
  return g_bytes_new_take (bytes, 8 + header_len + data_len);
}

static void
assert_refused_bytes (const guint8 *bytes,
                      gsize size,
                      LsSafetensorsError code,
                      const char *substring)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = ls_safetensors_parse (bytes, size, &error);

  g_assert_null (st);
  g_assert_nonnull (error);
  g_test_message ("  -> %s", error->message);
  g_assert_error (error, LS_SAFETENSORS_ERROR, (int) code);
  g_assert_null (strchr (error->message, '\n'));
  /* Not an assertion, so that one run lists every mismatch. */
  if (strstr (error->message, substring) == NULL)
    g_test_fail_printf ("message \"%s\" lacks \"%s\"", error->message, substring);
}

/* Test messages go into TAP output, which must stay valid UTF-8: headers
 * that test invalid UTF-8 are logged escaped. */
static void
log_header (const char *header,
            gsize data_len)
{
  g_autofree char *escaped = g_strescape (header, NULL);

  g_test_message ("header: %s (+%" G_GSIZE_FORMAT " data bytes)", escaped, data_len);
}

static void
assert_refused (const char *header,
                gsize data_len,
                LsSafetensorsError code,
                const char *substring)
{
  g_autoptr (GBytes) file = make_file (header, strlen (header), data_len);

  log_header (header, data_len);
  assert_refused_bytes (g_bytes_get_data (file, NULL), g_bytes_get_size (file), code, substring);
}

static LsSafetensors *
parse_ok (const char *header,
          gsize data_len)
{
  g_autoptr (GBytes) file = make_file (header, strlen (header), data_len);
  g_autoptr (GError) error = NULL;
  LsSafetensors *st;

  log_header (header, data_len);
  st = ls_safetensors_parse (g_bytes_get_data (file, NULL), g_bytes_get_size (file), &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  return st;
}

static char *
temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ls-safetensors-XXXXXX", &error);

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
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static guint
count_dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* ---- The fixture -------------------------------------------------------- */

typedef struct
{
  GHashTable *metadata;
  LsTensorEntry tensors[5];
  guint n_tensors;
} Fixture;

static void
set_tensor (LsTensorEntry *t,
            const char *name,
            int n_dims,
            const int64_t *shape,
            float first)
{
  t->name = g_strdup (name);
  t->n_dims = n_dims;
  t->n_elements = 1;
  for (int d = 0; d < n_dims; d++)
    {
      t->shape[d] = shape[d];
      t->n_elements *= (gsize) shape[d];
    }
  t->data = NULL;
  if (t->n_elements > 0)
    {
      t->data = g_aligned_alloc (t->n_elements, sizeof (float), 64);
      for (gsize i = 0; i < t->n_elements; i++)
        t->data[i] = first + (float) i * 0.25f;
    }
}

static void
fixture_init (Fixture *f)
{
  static const int64_t conv[] = { 2, 1, 3, 3 }, bias[] = { 2 }, empty[] = { 0, 3 }, fc[] = { 3, 5 };

  f->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (f->metadata, g_strdup ("format"), g_strdup ("lungscope-model"));
  g_hash_table_insert (f->metadata, g_strdup ("name"),
                       g_strdup ("lungnet \"s\" — Ærø ✓ 𝄞 back\\slash\ttab\nnewline\x01\x1f/"));
  g_hash_table_insert (f->metadata, g_strdup ("empty"), g_strdup (""));
  g_hash_table_insert (f->metadata, g_strdup ("arch"),
                       g_strdup ("# lungnet\ninput channels=1 size=224\nlinear name=fc out=3\n"));
  g_hash_table_insert (f->metadata, g_strdup ("ключ ✓"), g_strdup ("значение"));
  set_tensor (&f->tensors[0], "conv1.weight", 4, conv, -2.0f);
  set_tensor (&f->tensors[1], "bn1.bias", 1, bias, 0.5f);
  set_tensor (&f->tensors[2], "scalar", 0, NULL, 3.0f);
  set_tensor (&f->tensors[3], "empty", 2, empty, 0.0f);
  set_tensor (&f->tensors[4], "fc.weight", 2, fc, -1.0f);
  f->n_tensors = 5;
}

static void
fixture_clear (Fixture *f)
{
  for (guint i = 0; i < f->n_tensors; i++)
    {
      g_free (f->tensors[i].name);
      g_aligned_free (f->tensors[i].data);
    }
  g_hash_table_unref (f->metadata);
}

static void
assert_metadata_equal (GHashTable *a,
                       GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (b, key), ==, value);
}

static void
assert_tensor_equal (const LsTensorEntry *expected,
                     const LsTensorEntry *got)
{
  g_assert_cmpstr (got->name, ==, expected->name);
  g_assert_cmpint (got->n_dims, ==, expected->n_dims);
  for (int d = 0; d < expected->n_dims; d++)
    g_assert_cmpint (got->shape[d], ==, expected->shape[d]);
  g_assert_cmpuint (got->n_elements, ==, expected->n_elements);
  if (expected->n_elements == 0)
    g_assert_null (got->data);
  else
    {
      g_assert_cmpuint (GPOINTER_TO_SIZE (got->data) % 64, ==, 0);
      g_assert_cmpmem (got->data, got->n_elements * sizeof (float), expected->data,
                       expected->n_elements * sizeof (float));
    }
}

/* ---- Round trips -------------------------------------------------------- */

static void
test_round_trip (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  Fixture f;

  fixture_init (&f);
  g_assert_true (ls_safetensors_write (path, f.metadata, f.tensors, f.n_tensors, &error));
  g_assert_no_error (error);
  /* Only the file itself: the temporary file was renamed. */
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  st = ls_safetensors_read (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  assert_metadata_equal (f.metadata, st->metadata);
  g_assert_cmpuint (st->n_tensors, ==, f.n_tensors);
  for (guint i = 0; i < f.n_tensors; i++)
    {
      assert_tensor_equal (&f.tensors[i], &st->tensors[i]);
      g_assert_true (ls_safetensors_find (st, f.tensors[i].name) == &st->tensors[i]);
    }
  g_assert_null (ls_safetensors_find (st, "missing"));
  g_assert_cmpfloat (st->tensors[2].data[0], ==, 3.0f);
  g_assert_cmpint (st->tensors[2].n_dims, ==, 0);
  g_assert_cmpuint (st->tensors[2].n_elements, ==, 1);

  fixture_clear (&f);
  remove_dir (dir);
}

static void
test_rewrite_identical (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *first = g_build_filename (dir, "first.safetensors", NULL);
  g_autofree char *second = g_build_filename (dir, "second.safetensors", NULL);
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  gsize a_len, b_len;
  Fixture f;

  fixture_init (&f);
  g_assert_true (ls_safetensors_write (first, f.metadata, f.tensors, f.n_tensors, &error));
  g_assert_no_error (error);
  st = ls_safetensors_read (first, &error);
  g_assert_no_error (error);
  g_assert_true (ls_safetensors_write (second, st->metadata, st->tensors, st->n_tensors, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (first, &a, &a_len, NULL));
  g_assert_true (g_file_get_contents (second, &b, &b_len, NULL));
  g_assert_cmpmem (a, a_len, b, b_len);

  /* Writing again over an existing file replaces it whole. */
  g_assert_true (ls_safetensors_write (second, NULL, st->tensors, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&b, g_free);
  g_assert_true (g_file_get_contents (second, &b, &b_len, NULL));
  g_assert_cmpuint (b_len, <, a_len);
  g_assert_cmpuint (count_dir_entries (dir), ==, 2);

  fixture_clear (&f);
  remove_dir (dir);
}

/* The exact bytes: compact JSON, metadata keys sorted, tensors in the order
 * given, spaces up to a multiple of 8, then little-endian floats. */
static void
test_exact_bytes (void)
{
  static const char expected_header[] =
      "{\"__metadata__\":{\"a\":\"1\",\"b\":\"q\\\"\\n\\u0001\"},"
      "\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"y\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
  static const guint8 expected_data[] = { 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
                                          0x00, 0x00, 0x40, 0x40 };
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GString) expected = g_string_new (NULL);
  float z[2] = { 1.0f, -2.0f }, y = 3.0f;
  LsTensorEntry tensors[2] = {
    { .name = (char *) "z", .n_dims = 1, .shape = { 2 }, .n_elements = 2, .data = z },
    { .name = (char *) "y", .n_dims = 0, .n_elements = 1, .data = &y },
  };
  guint64 len_le;
  gsize header_len = strlen (expected_header);

  g_hash_table_insert (metadata, (char *) "b", (char *) "q\"\n\x01");
  g_hash_table_insert (metadata, (char *) "a", (char *) "1");
  bytes = ls_safetensors_serialize (metadata, tensors, 2, &error);
  g_assert_no_error (error);

  header_len = (header_len + 7) / 8 * 8;
  len_le = GUINT64_TO_LE ((guint64) header_len);
  g_string_append_len (expected, (const char *) &len_le, 8);
  g_string_append (expected, expected_header);
  while (expected->len < 8 + header_len)
    g_string_append_c (expected, ' ');
  g_string_append_len (expected, (const char *) expected_data, sizeof expected_data);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected->str,
                   expected->len);
}

/* The data section has no alignment: parse a file placed at an odd address. */
static void
test_unaligned_source (void)
{
  g_autoptr (GBytes) file = make_file ("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
                                       55, 12);
  g_autofree guint8 *buffer = g_malloc (g_bytes_get_size (file) + 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;
  float expected[3];

  g_assert_cmpuint (g_bytes_get_size (file), ==, 8 + 55 + 12);
  memcpy (buffer + 3, g_bytes_get_data (file, NULL), g_bytes_get_size (file));
  memcpy (expected, buffer + 3 + 8 + 55, sizeof expected);
  st = ls_safetensors_parse (buffer + 3, g_bytes_get_size (file), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (st->n_tensors, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_SIZE (st->tensors[0].data) % 64, ==, 0);
  g_assert_cmpmem (st->tensors[0].data, sizeof expected, expected, sizeof expected);
}

/* ---- What is accepted --------------------------------------------------- */

static void
test_accepted_variants (void)
{
  g_autoptr (LsSafetensors) st = NULL;

  /* No tensors, no data. */
  st = parse_ok ("{}", 0);
  g_assert_cmpuint (st->n_tensors, ==, 0);
  g_assert_cmpuint (g_hash_table_size (st->metadata), ==, 0);
  g_clear_pointer (&st, ls_safetensors_free);

  /* White space anywhere JSON allows it, and trailing padding. */
  st = parse_ok (" {\n\t\"__metadata__\" : { } ,\r\n \"x\" : { \"data_offsets\" : [ 0 , 4 ] ,"
                 " \"shape\" : [ 1 ] , \"dtype\" : \"F32\" } }      ",
                 4);
  g_assert_cmpuint (st->n_tensors, ==, 1);
  g_assert_cmpuint (st->tensors[0].n_elements, ==, 1);
  g_clear_pointer (&st, ls_safetensors_free);

  /* Every escape, and a surrogate pair. */
  st = parse_ok ("{\"__metadata__\":{\"k\\u00e9\":\"\\u00e9\\ud834\\udd1e\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\"}}", 0);
  g_assert_cmpstr (g_hash_table_lookup (st->metadata, "k\xc3\xa9"), ==,
                   "\xc3\xa9\xf0\x9d\x84\x9e\"\\/\b\f\n\r\tA");
  g_clear_pointer (&st, ls_safetensors_free);

  /* Entries in any order; the result is in data order, empty tensors kept
   * in header order where they share an offset. */
  st = parse_ok ("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                 "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"e2\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[4,4]},"
                 "\"e1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                 "\"e0\":{\"dtype\":\"F32\",\"shape\":[3,0],\"data_offsets\":[8,8]}}",
                 8);
  g_assert_cmpuint (st->n_tensors, ==, 5);
  g_assert_cmpstr (st->tensors[0].name, ==, "a");
  g_assert_cmpstr (st->tensors[1].name, ==, "e2");
  g_assert_cmpstr (st->tensors[2].name, ==, "e1");
  g_assert_cmpstr (st->tensors[3].name, ==, "b");
  g_assert_cmpstr (st->tensors[4].name, ==, "e0");
  g_assert_null (st->tensors[1].data);
  g_assert_cmpuint (st->tensors[1].n_elements, ==, 0);
  g_clear_pointer (&st, ls_safetensors_free);

  /* Eight dimensions is the most. */
  st = parse_ok ("{\"x\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}", 8);
  g_assert_cmpint (st->tensors[0].n_dims, ==, 8);
}

/* ---- What is refused ---------------------------------------------------- */

static void
test_truncated (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const guint8 *data;
  guint64 header_len;
  gsize size;
  Fixture f;

  fixture_init (&f);
  bytes = ls_safetensors_serialize (f.metadata, f.tensors, f.n_tensors, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &size);
  memcpy (&header_len, data, 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len % 8, ==, 0);

  for (gsize cut = 0; cut < size; cut++)
    {
      /* A copy of exactly @cut bytes, so ASan sees any read past it. */
      g_autofree guint8 *prefix = g_memdup2 (data, cut);
      g_autoptr (LsSafetensors) st = NULL;
      g_autoptr (GError) cut_error = NULL;

      st = ls_safetensors_parse (prefix, cut, &cut_error);
      g_assert_null (st);
      if (cut < 8)
        {
          g_assert_error (cut_error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED);
          g_assert_nonnull (strstr (cut_error->message, "shorter than the 8-byte header length"));
        }
      else if (cut < 8 + header_len)
        {
          g_assert_error (cut_error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED);
          g_assert_nonnull (strstr (cut_error->message, "truncated: the header length"));
        }
      else
        {
          g_assert_error (cut_error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_OFFSETS);
          g_assert_nonnull (strstr (cut_error->message, "reach past the end of the data section"));
          g_assert_nonnull (strstr (cut_error->message, "tensor '"));
        }
    }
  fixture_clear (&f);
}

static void
test_header_length (void)
{
  static const char header[] = "{}      ";
  guint8 file[16];
  guint64 len;

  memcpy (file + 8, header, 8);

  len = GUINT64_TO_LE (0);
  memcpy (file, &len, 8);
  assert_refused_bytes (file, 16, LS_SAFETENSORS_ERROR_HEADER, "header length is 0");

  len = GUINT64_TO_LE (9);
  memcpy (file, &len, 8);
  assert_refused_bytes (file, 16, LS_SAFETENSORS_ERROR_TRUNCATED,
                        "header length (byte 0) is 9 but only 8 bytes follow");

  len = GUINT64_TO_LE ((guint64) LS_SAFETENSORS_MAX_HEADER + 1);
  memcpy (file, &len, 8);
  assert_refused_bytes (file, 16, LS_SAFETENSORS_ERROR_HEADER,
                        "header length 104857601 is more than the 104857600 bytes allowed");

  len = G_MAXUINT64;
  memcpy (file, &len, 8);
  assert_refused_bytes (file, 16, LS_SAFETENSORS_ERROR_HEADER, "is more than the 104857600 bytes");

  /* Big-endian lengths are not little-endian ones. */
  len = GUINT64_TO_BE (8);
  memcpy (file, &len, 8);
  assert_refused_bytes (file, 16, LS_SAFETENSORS_ERROR_HEADER, "is more than the");

  len = GUINT64_TO_LE (8);
  memcpy (file, &len, 8);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsSafetensors) st = ls_safetensors_parse (file, 16, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (st->n_tensors, ==, 0);
  }
}

typedef struct
{
  const char *header;
  gsize data_len;
  LsSafetensorsError code;
  const char *message;
} Refusal;

#define T(shape, offsets) "{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":" offsets "}"

static const Refusal json_refusals[] = {
  { "{\"x\":" T ("[1]", "[0,4]"), 4, LS_SAFETENSORS_ERROR_HEADER, "invalid JSON header at byte 61: expected ',' or '}', found the end of the header" },
  { "{\"x\":" T ("[1]", "[0,4]") ",}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected a string key, found '}'" },
  { "{\"x\":{\"dtype\":\"F32\" \"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected ',' or '}', found '\"'" },
  { "{'x':" T ("[1]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "byte 9: expected a string key, found '''" },
  { "{\"x\"" T ("[1]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected ':' after a key, found '{'" },
  { "{\"x", 0, LS_SAFETENSORS_ERROR_HEADER, "unterminated string" },
  { "{\"\\q\":1}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 11: invalid escape in a string" },
  { "{\"\\u12G4\":1}", 0, LS_SAFETENSORS_ERROR_HEADER, "expected a hex digit in a \\u escape" },
  { "{\"__metadata__\":{\"a\":\"\\ud800\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "expected a low surrogate after a high one" },
  { "{\"__metadata__\":{\"a\":\"\\ud800\\u0041\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "expected a low surrogate after a high one" },
  { "{\"__metadata__\":{\"a\":\"\\udc00\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "lone low surrogate" },
  { "{\"__metadata__\":{\"a\":\"x\\u0000y\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "NUL character (\\u0000)" },
  { "{\"__metadata__\":{\"a\":\"x\ny\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "control character in a string" },
  { "{\"x\":" T ("[01]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected ',' or ']', found '1'" },
  { "{\"x\":" T ("[1.]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected a digit after '.'" },
  { "{\"x\":" T ("[1e]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected a digit in an exponent" },
  { "{\"x\":" T ("[-]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_HEADER, "expected a digit" },
  { "{\"x\":" T ("[1,]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_SHAPE, "shape entry 1 is not a non-negative integer" },
  { "{}x", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 10: characters after the JSON object" },
  { "{}{}", 0, LS_SAFETENSORS_ERROR_HEADER, "characters after the JSON object" },
  { "{} \x01", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 11: characters after the JSON object" },
  /* Not an object. */
  { "[1,2]", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 8: the header is not a JSON object" },
  { "\"text\"", 0, LS_SAFETENSORS_ERROR_HEADER, "the header is not a JSON object" },
  { "null", 0, LS_SAFETENSORS_ERROR_HEADER, "the header is not a JSON object" },
  { "        ", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 16: the header is not a JSON object" },
  /* Invalid UTF-8: a stray byte, an overlong form, an encoded surrogate. */
  { "{\"__metadata__\":{\"a\":\"\xff\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 30: invalid UTF-8" },
  { "{\"__metadata__\":{\"a\":\"\xc0\x80\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 30: invalid UTF-8" },
  { "{\"__metadata__\":{\"a\":\"\xed\xa0\x80\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "invalid UTF-8" },
  { "{\"__metadata__\":{\"a\":\"\xe2\x9c\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "invalid UTF-8" },
};

static const Refusal structure_refusals[] = {
  /* __metadata__ */
  { "{\"__metadata__\":{\"a\":1}}", 0, LS_SAFETENSORS_ERROR_HEADER, "__metadata__ value of 'a' is not a string" },
  { "{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0, LS_SAFETENSORS_ERROR_HEADER, "__metadata__ value of 'a' is not a string" },
  { "{\"__metadata__\":{\"a\\n\":null}}", 0, LS_SAFETENSORS_ERROR_HEADER, "__metadata__ value of 'a\\n' is not a string" },
  { "{\"__metadata__\":{\"a\":[\"x\"]}}", 0, LS_SAFETENSORS_ERROR_HEADER, "__metadata__ value of 'a' is not a string" },
  { "{\"__metadata__\":\"x\"}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 24: __metadata__ is not a JSON object" },
  { "{\"__metadata__\":[]}", 0, LS_SAFETENSORS_ERROR_HEADER, "__metadata__ is not a JSON object" },
  /* dtype */
  { "{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_DTYPE, "tensor 'x': dtype F16 is not supported (only F32)" },
  { "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_DTYPE, "tensor 'w': dtype BF16 is not supported" },
  { "{\"w\":{\"shape\":[1],\"data_offsets\":[0,8],\"dtype\":\"F64\"}}", 8, LS_SAFETENSORS_ERROR_DTYPE, "tensor 'w': dtype F64 is not supported" },
  { "{\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8, LS_SAFETENSORS_ERROR_DTYPE, "tensor 'n': dtype I64" },
  { "{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_DTYPE, "dtype f32 is not supported" },
  { "{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_DTYPE, "tensor 'w': dtype is not a string" },
  /* shape */
  { "{\"x\":" T ("[-1]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape dimension 0 is negative" },
  { "{\"x\":" T ("[1,-0]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "shape dimension 1 is negative" },
  { "{\"x\":" T ("[2.0]", "[0,8]") "}", 8, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape dimension 0 is not an integer" },
  { "{\"x\":" T ("[1e1]", "[0,40]") "}", 40, LS_SAFETENSORS_ERROR_SHAPE, "shape dimension 0 is not an integer" },
  { "{\"x\":" T ("[\"2\"]", "[0,8]") "}", 8, LS_SAFETENSORS_ERROR_SHAPE, "shape entry 0 is not a non-negative integer" },
  { "{\"x\":" T ("[null]", "[0,8]") "}", 8, LS_SAFETENSORS_ERROR_SHAPE, "shape entry 0 is not a non-negative integer" },
  { "{\"x\":" T ("2", "[0,8]") "}", 8, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape is not an array" },
  { "{\"x\":" T ("[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape has more than 8 dimensions" },
  { "{\"x\":" T ("[4294967296,4294967296]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape [4294967296, 4294967296] overflows" },
  { "{\"x\":" T ("[4611686018427387904]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "shape [4611686018427387904] overflows" },
  { "{\"x\":" T ("[9223372036854775808]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "shape dimension 0 is too large" },
  { "{\"x\":" T ("[99999999999999999999]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "shape dimension 0 is too large" },
  /* size against offsets */
  { "{\"x\":" T ("[2]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'x': shape [2] needs 8 bytes but data_offsets [0, 4] hold 4" },
  { "{\"x\":" T ("[]", "[0,0]") "}", 0, LS_SAFETENSORS_ERROR_SHAPE, "shape [] needs 4 bytes but data_offsets [0, 0] hold 0" },
  { "{\"x\":" T ("[0]", "[0,4]") "}", 4, LS_SAFETENSORS_ERROR_SHAPE, "shape [0] needs 0 bytes" },
  { "{\"x\":" T ("[1]", "[8,4]") "}", 8, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'x': data_offsets [8, 4] end before they begin" },
  /* data_offsets */
  { "{\"x\":" T ("[1]", "[0]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'x': data_offsets does not have 2 entries" },
  { "{\"x\":" T ("[1]", "[]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets does not have 2 entries" },
  { "{\"x\":" T ("[1]", "[0,4,8]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets does not have 2 entries" },
  { "{\"x\":" T ("[1]", "[-4,0]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets is not a pair of non-negative integers" },
  { "{\"x\":" T ("[1]", "[0,4.0]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets is not a pair of non-negative integers" },
  { "{\"x\":" T ("[1]", "[0,\"4\"]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets is not a pair of non-negative integers" },
  { "{\"x\":" T ("[1]", "[0,18446744073709551616]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "non-negative integers (too large)" },
  { "{\"x\":" T ("[1]", "{}") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "data_offsets is not an array" },
  /* tiling */
  { "{\"x\":" T ("[2]", "[0,8]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'x': data_offsets [0, 8] reach past the end of the data section (4 bytes from file offset 62; truncated file?)" },
  { "{\"x\":" T ("[1]", "[18446744073709551612,18446744073709551616]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "(too large)" },
  { "{\"x\":" T ("[1]", "[18446744073709551611,18446744073709551615]") "}", 4, LS_SAFETENSORS_ERROR_OFFSETS, "reach past the end of the data section" },
  { "{\"a\":" T ("[2]", "[0,8]") ",\"b\":" T ("[2]", "[4,12]") "}", 12, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'b': data at file offset 120 overlaps tensor 'a'" },
  { "{\"a\":" T ("[2]", "[0,8]") ",\"b\":" T ("[2]", "[0,8]") "}", 8, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'b': data at file offset 115 overlaps tensor 'a'" },
  { "{\"a\":" T ("[1]", "[0,4]") ",\"b\":" T ("[1]", "[8,12]") "}", 12, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'b': gap of 4 unused bytes before its data at file offset 124" },
  { "{\"a\":" T ("[1]", "[4,8]") "}", 8, LS_SAFETENSORS_ERROR_OFFSETS, "tensor 'a': gap of 4 unused bytes before its data at file offset 66" },
  { "{\"a\":" T ("[1]", "[0,4]") "}", 8, LS_SAFETENSORS_ERROR_OFFSETS, "4 trailing bytes at file offset 66 belong to no tensor" },
  { "{}", 1, LS_SAFETENSORS_ERROR_OFFSETS, "1 trailing bytes at file offset 10 belong to no tensor" },
  /* duplicates */
  { "{\"a\":" T ("[1]", "[0,4]") ",\"a\":" T ("[1]", "[4,8]") "}", 8, LS_SAFETENSORS_ERROR_HEADER, "tensor 'a': duplicate tensor name at byte 62" },
  { "{\"__metadata__\":{},\"__metadata__\":{}}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 27: duplicate key '__metadata__'" },
  { "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, LS_SAFETENSORS_ERROR_HEADER, "byte 33: duplicate key 'k' in __metadata__" },
  { "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': duplicate key 'dtype' at byte 28" },
  { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': duplicate key 'shape'" },
  { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': duplicate key 'data_offsets'" },
  /* tensor entries */
  { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': unknown key 'extra' at byte 61 (allowed: dtype, shape, data_offsets)" },
  { "{\"x\":{\"Dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "unknown key 'Dtype'" },
  { "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': no 'data_offsets' key" },
  { "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': no 'dtype' key" },
  { "{\"x\":{}}", 0, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': no 'dtype' key" },
  { "{\"x\":[1]}", 0, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': entry at byte 13 is not a JSON object" },
  { "{\"x\":\"F32\"}", 0, LS_SAFETENSORS_ERROR_HEADER, "tensor 'x': entry at byte 13 is not a JSON object" },
  { "{\"a\\tb\\u0007\":1}", 0, LS_SAFETENSORS_ERROR_HEADER, "tensor 'a\\tb\\007': entry" },
};

static void
run_refusals (const Refusal *cases,
              gsize n)
{
  for (gsize i = 0; i < n; i++)
    assert_refused (cases[i].header, cases[i].data_len, cases[i].code, cases[i].message);
}

static void
test_refused_json (void)
{
  static const char nul_header[] = "{\"a\":\0}";
  g_autoptr (GBytes) file = make_file (nul_header, sizeof nul_header - 1, 0);

  run_refusals (json_refusals, G_N_ELEMENTS (json_refusals));
  /* A raw NUL byte is not UTF-8 text. */
  assert_refused_bytes (g_bytes_get_data (file, NULL), g_bytes_get_size (file),
                        LS_SAFETENSORS_ERROR_HEADER, "byte 13: invalid UTF-8");
}

static void
test_refused_structure (void)
{
  run_refusals (structure_refusals, G_N_ELEMENTS (structure_refusals));
}

/* A long name is shortened in messages. */
static void
test_long_name_in_message (void)
{
  g_autoptr (GString) header = g_string_new ("{\"");
  g_autoptr (GBytes) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;

  for (int i = 0; i < 1000; i++)
    g_string_append (header, "é");
  g_string_append (header, "\":{\"dtype\":\"F16\"}}");
  file = make_file (header->str, header->len, 0);
  st = ls_safetensors_parse (g_bytes_get_data (file, NULL), g_bytes_get_size (file), &error);
  g_assert_null (st);
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_DTYPE);
  g_assert_cmpuint (strlen (error->message), <, 300);
  g_assert_nonnull (strstr (error->message, "…': dtype F16"));
}

/* ---- Files -------------------------------------------------------------- */

static void
test_read_errors (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSafetensors) st = NULL;

  st = ls_safetensors_read (missing, &error);
  g_assert_null (st);
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad, "\x10\0\0\0\0\0\0\0{\"x\":{}}", 17, NULL));
  st = ls_safetensors_read (bad, &error);
  g_assert_null (st);
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (bad, "\x08\0\0\0\0\0\0\0{\"x\":{}}", 16, NULL));
  st = ls_safetensors_read (bad, &error);
  g_assert_null (st);
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_assert_nonnull (strstr (error->message, ": tensor 'x': no 'dtype' key"));

  remove_dir (dir);
}

static void
test_write_errors (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no", "such", "folder", "m.safetensors", NULL);
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  float data[6] = { 0 };
  LsTensorEntry good = { .name = (char *) "w", .n_dims = 2, .shape = { 2, 3 }, .n_elements = 6, .data = data };
  LsTensorEntry bad_count = { .name = (char *) "w", .n_dims = 2, .shape = { 2, 3 }, .n_elements = 5, .data = data };
  LsTensorEntry negative = { .name = (char *) "w", .n_dims = 1, .shape = { -1 }, .n_elements = 0, .data = data };
  LsTensorEntry too_many = { .name = (char *) "w", .n_dims = 9, .n_elements = 0, .data = data };
  LsTensorEntry no_data = { .name = (char *) "w", .n_dims = 1, .shape = { 1 }, .n_elements = 1, .data = NULL };
  LsTensorEntry reserved = { .name = (char *) "__metadata__", .n_dims = 0, .n_elements = 1, .data = data };
  LsTensorEntry bad_utf8 = { .name = (char *) "w\xff", .n_dims = 0, .n_elements = 1, .data = data };
  LsTensorEntry twice[2] = { good, good };
  gsize before_len, after_len;

  g_assert_true (ls_safetensors_write (path, NULL, &good, 1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  g_assert_false (ls_safetensors_write (nowhere, NULL, &good, 1, &error));
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);

#define REFUSE(tensors, n, meta, code, text)                                \
  G_STMT_START                                                              \
  {                                                                         \
    g_assert_false (ls_safetensors_write (path, meta, tensors, n, &error)); \
    g_assert_error (error, LS_SAFETENSORS_ERROR, code);                     \
    g_test_message ("%s", error->message);                                  \
    g_assert_true (g_str_has_prefix (error->message, path));                \
    g_assert_nonnull (strstr (error->message, text));                       \
    g_clear_error (&error);                                                 \
  }                                                                         \
  G_STMT_END

  REFUSE (&bad_count, 1, NULL, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'w': shape [2, 3] has 6 elements, not 5");
  REFUSE (&negative, 1, NULL, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'w': dimension 0 is negative");
  REFUSE (&too_many, 1, NULL, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'w': 9 dimensions (0 to 8 allowed)");
  REFUSE (&no_data, 1, NULL, LS_SAFETENSORS_ERROR_SHAPE, "tensor 'w': no data");
  REFUSE (&reserved, 1, NULL, LS_SAFETENSORS_ERROR_HEADER, "tensor '__metadata__': reserved name");
  REFUSE (&bad_utf8, 1, NULL, LS_SAFETENSORS_ERROR_HEADER, "a tensor name is not valid UTF-8");
  REFUSE (twice, 2, NULL, LS_SAFETENSORS_ERROR_HEADER, "tensor 'w': name given twice");
  g_hash_table_insert (metadata, (char *) "k", (char *) "\xc0\x80");
  REFUSE (&good, 1, metadata, LS_SAFETENSORS_ERROR_HEADER, "a metadata value is not valid UTF-8");
#undef REFUSE

  /* None of the refusals touched the file or left a temporary one. */
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_cmpuint (count_dir_entries (dir), ==, 1);

  remove_dir (dir);
}

/* The fuzzer's seed files are valid files. */
static void
test_fuzz_seeds (void)
{
  const char *source = g_getenv ("LS_SOURCE_ROOT");
  g_autofree char *dir = NULL;
  g_autoptr (GDir) d = NULL;
  const char *name;
  guint n = 0;

  if (source == NULL)
    {
      g_test_skip ("LS_SOURCE_ROOT not set");
      return;
    }
  dir = g_build_filename (source, "fuzz", "corpus", "safetensors", NULL);
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    {
      g_test_skip ("no fuzz/corpus/safetensors folder");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsSafetensors) st = ls_safetensors_read (path, &error);

      g_assert_no_error (error);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

/* The header alone: the metadata of a whole file, also of one whose data
 * is cut short (only the header is read); a broken header is one line
 * naming the file. */
static void
test_read_metadata (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) metadata = NULL;
  gsize size = 0;
  Fixture f;

  fixture_init (&f);
  g_assert_true (ls_safetensors_write (path, f.metadata, f.tensors, f.n_tensors, &error));
  g_assert_no_error (error);
  metadata = ls_safetensors_read_metadata (path, &error);
  g_assert_no_error (error);
  assert_metadata_equal (f.metadata, metadata);
  g_clear_pointer (&metadata, g_hash_table_unref);

  /* The data cut: the header still reads. */
  g_assert_true (g_file_get_contents (path, &contents, &size, &error));
  g_assert_true (g_file_set_contents (path, contents, (gssize) size - 4, &error));
  metadata = ls_safetensors_read_metadata (path, &error);
  g_assert_no_error (error);
  assert_metadata_equal (f.metadata, metadata);
  g_clear_pointer (&metadata, g_hash_table_unref);

  /* The header cut, then gone. */
  g_assert_true (g_file_set_contents (path, contents, 20, &error));
  metadata = ls_safetensors_read_metadata (path, &error);
  g_assert_null (metadata);
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, contents, 5, &error));
  g_assert_null (ls_safetensors_read_metadata (path, &error));
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_null (ls_safetensors_read_metadata (missing, &error));
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);
  /* A FIFO where the file should be: refused at once, not waited on. */
  g_assert_cmpint (mkfifo (missing, 0600), ==, 0);
  g_assert_null (ls_safetensors_read_metadata (missing, &error));
  g_assert_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a regular file"));

  fixture_clear (&f);
  remove_dir (dir);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/engine/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/lungscope/engine/safetensors/rewrite-identical", test_rewrite_identical);
  g_test_add_func ("/lungscope/engine/safetensors/exact-bytes", test_exact_bytes);
  g_test_add_func ("/lungscope/engine/safetensors/unaligned-source", test_unaligned_source);
  g_test_add_func ("/lungscope/engine/safetensors/accepted", test_accepted_variants);
  g_test_add_func ("/lungscope/engine/safetensors/truncated", test_truncated);
  g_test_add_func ("/lungscope/engine/safetensors/header-length", test_header_length);
  g_test_add_func ("/lungscope/engine/safetensors/refused-json", test_refused_json);
  g_test_add_func ("/lungscope/engine/safetensors/refused-structure", test_refused_structure);
  g_test_add_func ("/lungscope/engine/safetensors/long-name", test_long_name_in_message);
  g_test_add_func ("/lungscope/engine/safetensors/read-errors", test_read_errors);
  g_test_add_func ("/lungscope/engine/safetensors/read-metadata", test_read_metadata);
  g_test_add_func ("/lungscope/engine/safetensors/write-errors", test_write_errors);
  g_test_add_func ("/lungscope/engine/safetensors/fuzz-seeds", test_fuzz_seeds);

  return g_test_run ();
}
