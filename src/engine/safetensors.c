/* safetensors.c — reading and writing safetensors files, strictly
 *
 * The container: header length, the header (parsed by safetensors-header.c),
 * the tiling of the data section, aligned copies of the data; and the
 * writer, which goes through a temp file, fsync, rename and fsync of the
 * folder.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "base/file.h"

/* Files are little-endian; meson refuses big-endian hosts too. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT (sizeof (float) == 4);

#define DATA_ALIGNMENT 64

GQuark
ls_safetensors_error_quark (void)
{
  return g_quark_from_static_string ("ls-safetensors-error-quark");
}

static int
compare_by_offset (gconstpointer a,
                   gconstpointer b)
{
  const LsTensorInfo *ta = *(const LsTensorInfo *const *) a;
  const LsTensorInfo *tb = *(const LsTensorInfo *const *) b;

  if (ta->begin != tb->begin)
    return ta->begin < tb->begin ? -1 : 1;
  if (ta->end != tb->end)
    return ta->end < tb->end ? -1 : 1;
  return ta->index < tb->index ? -1 : ta->index > tb->index;
}

/* The tensors, sorted by offset, must tile [0, data_size) exactly. */
static gboolean
check_tiling (GPtrArray *tensors,
              guint64 data_start,
              guint64 data_size,
              GError **error)
{
  guint64 expected = 0;
  const char *previous = NULL;

  g_ptr_array_sort (tensors, compare_by_offset);
  for (guint i = 0; i < tensors->len; i++)
    {
      const LsTensorInfo *t = tensors->pdata[i];

      if (t->end > data_size)
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                            "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                            "] reach past the end of the data section (%" G_GUINT64_FORMAT
                                            " bytes from file offset %" G_GUINT64_FORMAT "; truncated file?)",
                                            t->begin, t->end, data_size, data_start);
      if (t->begin > expected)
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                            "gap of %" G_GUINT64_FORMAT " unused bytes before its data at "
                                            "file offset %" G_GUINT64_FORMAT,
                                            t->begin - expected, data_start + t->begin);
      if (t->begin < expected)
        {
          g_autofree char *other = ls_safetensors_printable (previous);
          return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                              "data at file offset %" G_GUINT64_FORMAT " overlaps tensor '%s'",
                                              data_start + t->begin, other);
        }
      expected = t->end;
      previous = t->name;
    }
  if (expected != data_size)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_OFFSETS,
                   "%" G_GUINT64_FORMAT " trailing bytes at file offset %" G_GUINT64_FORMAT
                   " belong to no tensor",
                   data_size - expected, data_start + expected);
      return FALSE;
    }
  return TRUE;
}

/* The header's length, from the file's first 8 bytes, against the limit
 * and the file's @size. */
static gboolean
check_header_length (guint64 header_len,
                     guint64 size,
                     GError **error)
{
  if (header_len == 0)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER, "byte 0: header length is 0");
      return FALSE;
    }
  if (header_len > LS_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte 0: header length %" G_GUINT64_FORMAT " is more than the %u bytes allowed", header_len,
                   LS_SAFETENSORS_MAX_HEADER);
      return FALSE;
    }
  if (header_len > size - LS_SAFETENSORS_PREFIX_SIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED,
                   "truncated: the header length (byte 0) is %" G_GUINT64_FORMAT " but only %" G_GUINT64_FORMAT
                   " bytes follow",
                   header_len, size - LS_SAFETENSORS_PREFIX_SIZE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_header_text (const char *header,
                   guint64 header_len,
                   GError **error)
{
  const char *invalid = NULL;

  if (g_utf8_validate_len (header, (gsize) header_len, &invalid))
    return TRUE;
  g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
               "byte %" G_GUINT64_FORMAT ": invalid UTF-8 in the header",
               (guint64) (invalid - header) + LS_SAFETENSORS_PREFIX_SIZE);
  return FALSE;
}

/* ---- Public API: reading ------------------------------------------------ */

LsSafetensors *
ls_safetensors_parse (const guint8 *bytes,
                      gsize size,
                      GError **error)
{
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (GPtrArray) tensors = NULL;
  guint64 header_len;
  const char *header;

  g_return_val_if_fail (bytes != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (size < LS_SAFETENSORS_PREFIX_SIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED,
                   "truncated: %" G_GSIZE_FORMAT " bytes, shorter than the 8-byte header length",
                   size);
      return NULL;
    }
  memcpy (&header_len, bytes, sizeof header_len);
  header_len = GUINT64_FROM_LE (header_len);
  header = (const char *) bytes + LS_SAFETENSORS_PREFIX_SIZE;
  if (!check_header_length (header_len, size, error) || !check_header_text (header, header_len, error))
    return NULL;

  st = g_new0 (LsSafetensors, 1);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_tensor_info_free);
  if (!ls_safetensors_read_header (header, (gsize) header_len, st->metadata, tensors, error))
    return NULL;
  if (!check_tiling (tensors, LS_SAFETENSORS_PREFIX_SIZE + header_len, size - LS_SAFETENSORS_PREFIX_SIZE - header_len, error))
    return NULL;

  st->tensors = g_new0 (LsTensorEntry, tensors->len);
  st->n_tensors = tensors->len;
  for (guint i = 0; i < tensors->len; i++)
    {
      LsTensorInfo *t = tensors->pdata[i];
      LsTensorEntry *e = &st->tensors[i];

      e->name = g_steal_pointer (&t->name);
      e->n_dims = t->n_dims;
      memcpy (e->shape, t->shape, sizeof e->shape);
      e->n_elements = (gsize) t->n_elements;
      if (e->n_elements > 0)
        {
          /* The data section has no alignment: copy, never cast. */
          e->data = g_aligned_alloc (e->n_elements, sizeof (float), DATA_ALIGNMENT);
          memcpy (e->data, bytes + LS_SAFETENSORS_PREFIX_SIZE + header_len + t->begin, e->n_elements * LS_SAFETENSORS_F32_SIZE);
        }
    }
  return g_steal_pointer (&st);
}

LsSafetensors *
ls_safetensors_read (const char *path,
                     GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  LsSafetensors *st;
  gsize size = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &size, &local_error))
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s",
                   local_error->message);
      return NULL;
    }
  st = ls_safetensors_parse ((const guint8 *) contents, size, error);
  if (st == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_prefix_error (error, "%s: ", display);
    }
  return st;
}

/* Reads exactly @len bytes at @offset; FALSE at the end of the file or on
 * an error (errno). */
static gboolean
read_exactly (int fd,
              void *buf,
              gsize len,
              guint64 offset)
{
  guint8 *p = buf;

  while (len > 0)
    {
      gssize n = pread (fd, p, len, (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = 0;
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

static GHashTable *
read_metadata_fd (int fd,
                  GError **error)
{
  g_autoptr (GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_tensor_info_free);
  g_autofree char *header = NULL;
  guint64 header_len = 0;
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s", g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "not a regular file");
      return NULL;
    }
  if (!read_exactly (fd, &header_len, sizeof header_len, 0))
    {
      int saved = errno;

      if (saved != 0)
        g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s", g_strerror (saved));
      else
        g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED,
                     "truncated: shorter than the 8-byte header length");
      return NULL;
    }
  header_len = GUINT64_FROM_LE (header_len);
  /* (8 bytes were read: st_size is at least the prefix.) */
  if (!check_header_length (header_len, (guint64) st.st_size, error))
    return NULL;
  header = g_malloc ((gsize) header_len);
  if (!read_exactly (fd, header, (gsize) header_len, LS_SAFETENSORS_PREFIX_SIZE))
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s",
                   errno != 0 ? g_strerror (errno) : "the file shrank while it was read");
      return NULL;
    }
  if (!check_header_text (header, header_len, error) ||
      !ls_safetensors_read_header (header, (gsize) header_len, metadata, tensors, error))
    return NULL;
  return g_steal_pointer (&metadata);
}

GHashTable *
ls_safetensors_read_metadata (const char *path,
                              GError **error)
{
  GHashTable *metadata = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Not blocking on a FIFO left where a model file should be. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s", g_strerror (saved));
    }
  else
    {
      metadata = read_metadata_fd (fd, error);
      close (fd);
    }
  if (metadata == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_prefix_error (error, "%s: ", display);
    }
  return metadata;
}

const LsTensorEntry *
ls_safetensors_find (const LsSafetensors *st,
                     const char *name)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < st->n_tensors; i++)
    if (strcmp (st->tensors[i].name, name) == 0)
      return &st->tensors[i];
  return NULL;
}

void
ls_safetensors_free (LsSafetensors *st)
{
  if (st == NULL)
    return;
  for (guint i = 0; i < st->n_tensors; i++)
    {
      g_free (st->tensors[i].name);
      g_aligned_free (st->tensors[i].data);
    }
  g_free (st->tensors);
  if (st->metadata != NULL)
    g_hash_table_unref (st->metadata);
  g_free (st);
}

/* ---- Public API: writing ------------------------------------------------ */

/* JSON string escaping as serde_json and Python's json.dumps(ensure_ascii=False)
 * do it, so equal inputs give equal bytes across the three writers. */
static void
append_json_string (GString *s,
                    const char *str)
{
  g_string_append_c (s, '"');
  for (const guchar *p = (const guchar *) str; *p != '\0'; p++)
    switch (*p)
      {
      case '"':
        g_string_append (s, "\\\"");
        break;
      case '\\':
        g_string_append (s, "\\\\");
        break;
      case '\b':
        g_string_append (s, "\\b");
        break;
      case '\f':
        g_string_append (s, "\\f");
        break;
      case '\n':
        g_string_append (s, "\\n");
        break;
      case '\r':
        g_string_append (s, "\\r");
        break;
      case '\t':
        g_string_append (s, "\\t");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf (s, "\\u%04x", (guint) *p);
        else
          g_string_append_c (s, (char) *p);
        break;
      }
  g_string_append_c (s, '"');
}

static gboolean
check_text (const char *text,
            const char *what,
            GError **error)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "%s is %s", what, text == NULL ? "missing" : "not valid UTF-8");
      return FALSE;
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
check_tensor_to_write (const LsTensorEntry *t,
                       GHashTable *names,
                       guint64 *n_bytes,
                       GError **error)
{
  guint64 n_elements = 1;

  if (!check_text (t->name, "a tensor name", error))
    return FALSE;
  if (strcmp (t->name, "__metadata__") == 0)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "reserved name");
  if (!g_hash_table_add (names, t->name))
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "name given twice");
  if (t->n_dims < 0 || t->n_dims > LS_SAFETENSORS_MAX_DIMS)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                        "%d dimensions (0 to %d allowed)", t->n_dims, LS_SAFETENSORS_MAX_DIMS);
  for (int d = 0; d < t->n_dims; d++)
    if (t->shape[d] < 0 || __builtin_mul_overflow (n_elements, (guint64) t->shape[d], &n_elements))
      return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                          "dimension %d is negative or the shape overflows", d);
  if (n_elements != t->n_elements)
    {
      g_autofree char *shape = ls_safetensors_shape_to_string (t->shape, t->n_dims);
      return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                          "shape %s has %" G_GUINT64_FORMAT " elements, not %" G_GSIZE_FORMAT,
                                          shape, n_elements, t->n_elements);
    }
  if (t->n_elements > 0 && t->data == NULL)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "no data");
  if (__builtin_mul_overflow (n_elements, (guint64) LS_SAFETENSORS_F32_SIZE, n_bytes))
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "too large");
  return TRUE;
}

GBytes *
ls_safetensors_serialize (GHashTable *metadata,
                          const LsTensorEntry *tensors,
                          guint n_tensors,
                          GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) header = g_string_new ("{");
  g_autofree guint64 *n_bytes = g_new0 (guint64, MAX (n_tensors, 1));
  g_autofree const char **keys = NULL;
  guint n_keys = 0;
  guint64 offset = 0, end, total, header_len;
  guint8 *out;
  gsize pos;

  g_return_val_if_fail (tensors != NULL || n_tensors == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < n_tensors; i++)
    if (!check_tensor_to_write (&tensors[i], names, &n_bytes[i], error))
      return NULL;

  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      keys = (const char **) g_hash_table_get_keys_as_array (metadata, &n_keys);
      qsort (keys, n_keys, sizeof *keys, compare_strings);
      g_string_append (header, "\"__metadata__\":{");
      for (guint i = 0; i < n_keys; i++)
        {
          const char *value = g_hash_table_lookup (metadata, keys[i]);

          if (!check_text (keys[i], "a metadata key", error) ||
              !check_text (value, "a metadata value", error))
            return NULL;
          if (i > 0)
            g_string_append_c (header, ',');
          append_json_string (header, keys[i]);
          g_string_append_c (header, ':');
          append_json_string (header, value);
        }
      g_string_append_c (header, '}');
    }
  for (guint i = 0; i < n_tensors; i++)
    {
      const LsTensorEntry *t = &tensors[i];

      if (i > 0 || n_keys > 0)
        g_string_append_c (header, ',');
      append_json_string (header, t->name);
      g_string_append (header, ":{\"dtype\":\"F32\",\"shape\":[");
      for (int d = 0; d < t->n_dims; d++)
        g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d > 0 ? "," : "", t->shape[d]);
      if (__builtin_add_overflow (offset, n_bytes[i], &end))
        {
          g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_SHAPE,
                       "the tensors are too large together");
          return NULL;
        }
      g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
                              offset, end);
      offset = end;
    }
  g_string_append_c (header, '}');
  /* Pad with spaces so the data starts at a multiple of 8 bytes. */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  if (header->len > LS_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "the header would be %" G_GSIZE_FORMAT " bytes, more than the %u allowed",
                   header->len, LS_SAFETENSORS_MAX_HEADER);
      return NULL;
    }
  header_len = header->len;
  if (__builtin_add_overflow (offset, LS_SAFETENSORS_PREFIX_SIZE + header_len, &total) || total > G_MAXSIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_SHAPE,
                   "the tensors are too large together");
      return NULL;
    }

  out = g_malloc ((gsize) total);
  header_len = GUINT64_TO_LE (header_len);
  memcpy (out, &header_len, LS_SAFETENSORS_PREFIX_SIZE);
  memcpy (out + LS_SAFETENSORS_PREFIX_SIZE, header->str, header->len);
  pos = LS_SAFETENSORS_PREFIX_SIZE + header->len;
  for (guint i = 0; i < n_tensors; i++)
    {
      if (n_bytes[i] > 0)
        memcpy (out + pos, tensors[i].data, (gsize) n_bytes[i]);
      pos += (gsize) n_bytes[i];
    }
  g_assert (pos == total);
  return g_bytes_new_take (out, (gsize) total);
}

static gboolean
io_error (GError **error,
          const char *path,
          const char *what,
          int errsv)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_IO, "%s: cannot %s: %s",
               display, what, g_strerror (errsv));
  return FALSE;
}

/* How each step of a durable write failing reads after "PATH: cannot ". */
static const char *const write_steps[] = {
  [LS_FILE_STEP_CREATE] = "create a temporary file beside it",
  [LS_FILE_STEP_WRITE] = "write",
  [LS_FILE_STEP_SYNC] = "flush to disk (fsync)",
  [LS_FILE_STEP_CLOSE] = "close",
  [LS_FILE_STEP_EXISTS] = "replace it",
  [LS_FILE_STEP_RENAME] = "rename the temporary file to it",
  [LS_FILE_STEP_OPEN_FOLDER] = "open its folder to flush it",
  [LS_FILE_STEP_SYNC_FOLDER] = "flush its folder to disk (fsync)",
};

gboolean
ls_safetensors_write (const char *path,
                      GHashTable *metadata,
                      const LsTensorEntry *tensors,
                      guint n_tensors,
                      GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_auto (LsFileFailure) failure = { 0 };
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = ls_safetensors_serialize (metadata, tensors, n_tensors, error);
  if (bytes == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_prefix_error (error, "%s: ", display);
      return FALSE;
    }
  data = g_bytes_get_data (bytes, &size);
  if (!ls_file_write (path, NULL, data, size, LS_FILE_WRITE_DEFAULT, &failure))
    return io_error (error, path, write_steps[failure.step], failure.errsv);
  return TRUE;
}
