/* safetensors.c — reading and writing safetensors files, strictly
 *
 * The header is parsed by a small strict JSON reader made for this one
 * schema (DESIGN §9 allows it for the model loader; fuzz/fuzz-safetensors.c
 * fuzzes it): json-glib keeps the last of two duplicate keys silently, and
 * a duplicate tensor name must be an error here. The reader never recurses,
 * never reads outside the header, and stops at the first problem with a
 * GError that names the tensor, the key or the byte offset.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Files are little-endian; meson refuses big-endian hosts too. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
G_STATIC_ASSERT (sizeof (float) == 4);

#define PREFIX_SIZE 8 /* the u64 header length */
#define F32_SIZE 4
#define DATA_ALIGNMENT 64
#define NAME_SHOWN_MAX 64 /* characters of a name quoted in a message */

G_DEFINE_QUARK (ls - safetensors - error - quark, ls_safetensors_error)

/* ---- Messages ----------------------------------------------------------- */

/* @s as it may appear in a one-line message: control characters escaped,
 * UTF-8 kept, long names shortened. */
static char *
printable (const char *s)
{
  char high[129];
  g_autofree char *shown = NULL;

  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  if (g_utf8_validate (s, -1, NULL) && g_utf8_strlen (s, -1) > NAME_SHOWN_MAX)
    {
      g_autofree char *head = g_utf8_substring (s, 0, NAME_SHOWN_MAX);
      shown = g_strconcat (head, "…", NULL);
    }
  else
    shown = g_strdup (s);
  return g_strescape (shown, high);
}

static gboolean tensor_error (GError **error,
                              LsSafetensorsError code,
                              const char *name,
                              const char *format,
                              ...) G_GNUC_PRINTF (4, 5);

/* Sets "tensor 'NAME': MESSAGE"; returns FALSE. */
static gboolean
tensor_error (GError **error,
              LsSafetensorsError code,
              const char *name,
              const char *format,
              ...)
{
  g_autofree char *shown = printable (name);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_SAFETENSORS_ERROR, code, "tensor '%s': %s", shown, message);
  return FALSE;
}

static char *
shape_to_string (const int64_t *shape,
                 int n_dims)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- A strict JSON reader for the header -------------------------------- */

typedef struct
{
  const char *text; /* the header, not NUL-terminated */
  gsize len;
  gsize pos;
} Cursor;

typedef enum
{
  NUMBER_UINT,
  NUMBER_NEGATIVE,
  NUMBER_NOT_INTEGER,
  NUMBER_TOO_LARGE,
} NumberKind;

typedef struct
{
  char *name;
  guint index; /* position in the header, to keep the order of empty tensors */
  int n_dims;
  int64_t shape[LS_SAFETENSORS_MAX_DIMS];
  guint64 n_elements;
  guint64 begin;
  guint64 end;
} TensorInfo;

static void
tensor_info_free (TensorInfo *t)
{
  g_free (t->name);
  g_free (t);
}

/* File offset of header position @pos. */
static guint64
file_offset (gsize pos)
{
  return (guint64) pos + PREFIX_SIZE;
}

static int
peek (const Cursor *c)
{
  return c->pos < c->len ? (guchar) c->text[c->pos] : -1;
}

static void
skip_ws (Cursor *c)
{
  while (c->pos < c->len)
    {
      char ch = c->text[c->pos];
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
        break;
      c->pos++;
    }
}

static gboolean syntax_error (const Cursor *c,
                              GError **error,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

/* "invalid JSON header at byte N: MESSAGE (found X)"; returns FALSE. */
static gboolean
syntax_error (const Cursor *c,
              GError **error,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  g_autofree char *found = NULL;
  int ch = peek (c);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (ch < 0)
    found = g_strdup ("the end of the header");
  else if (ch >= 0x20 && ch < 0x7f)
    found = g_strdup_printf ("'%c'", ch);
  else
    found = g_strdup_printf ("byte 0x%02x", (guint) ch);
  g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
               "invalid JSON header at byte %" G_GUINT64_FORMAT ": %s, found %s",
               file_offset (c->pos), message, found);
  return FALSE;
}

/* Skips white space and then requires @ch. */
static gboolean
expect (Cursor *c,
        char ch,
        const char *where,
        GError **error)
{
  skip_ws (c);
  if (peek (c) != (guchar) ch)
    return syntax_error (c, error, "expected '%c' %s", ch, where);
  c->pos++;
  return TRUE;
}

static int
hex_value (int ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u". */
static gboolean
read_hex4 (Cursor *c,
           gunichar *out,
           GError **error)
{
  gunichar value = 0;

  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (peek (c));
      if (h < 0)
        return syntax_error (c, error, "expected a hex digit in a \\u escape");
      value = value * 16 + (gunichar) h;
      c->pos++;
    }
  *out = value;
  return TRUE;
}

/* A string at the cursor (which is on its opening quote), unescaped. The
 * header was checked to be UTF-8, so bytes from 0x80 are copied as they are. */
static char *
read_string (Cursor *c,
             GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_assert (peek (c) == '"');
  c->pos++;
  for (;;)
    {
      int ch = peek (c);

      if (ch < 0)
        {
          syntax_error (c, error, "unterminated string");
          return NULL;
        }
      if (ch == '"')
        {
          c->pos++;
          break;
        }
      if (ch < 0x20)
        {
          syntax_error (c, error, "control character in a string");
          return NULL;
        }
      if (ch != '\\')
        {
          g_string_append_c (s, (char) ch);
          c->pos++;
          continue;
        }
      c->pos++;
      ch = peek (c);
      switch (ch)
        {
        case '"':
        case '\\':
        case '/':
          g_string_append_c (s, (char) ch);
          break;
        case 'b':
          g_string_append_c (s, '\b');
          break;
        case 'f':
          g_string_append_c (s, '\f');
          break;
        case 'n':
          g_string_append_c (s, '\n');
          break;
        case 'r':
          g_string_append_c (s, '\r');
          break;
        case 't':
          g_string_append_c (s, '\t');
          break;
        case 'u':
          {
            gunichar u, low;
            gsize escape_pos = c->pos - 1;

            c->pos++;
            if (!read_hex4 (c, &u, error))
              return NULL;
            if (u >= 0xdc00 && u <= 0xdfff)
              {
                c->pos = escape_pos;
                syntax_error (c, error, "lone low surrogate in a \\u escape");
                return NULL;
              }
            if (u >= 0xd800 && u <= 0xdbff)
              {
                if (peek (c) != '\\' || c->pos + 1 >= c->len || c->text[c->pos + 1] != 'u')
                  {
                    syntax_error (c, error, "expected a low surrogate after a high one");
                    return NULL;
                  }
                c->pos += 2;
                if (!read_hex4 (c, &low, error))
                  return NULL;
                if (low < 0xdc00 || low > 0xdfff)
                  {
                    c->pos -= 6;
                    syntax_error (c, error, "expected a low surrogate after a high one");
                    return NULL;
                  }
                u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
              }
            if (u == 0)
              {
                c->pos = escape_pos;
                g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                             "byte %" G_GUINT64_FORMAT ": a NUL character (\\u0000) in "
                             "a string is not supported",
                             file_offset (c->pos));
                return NULL;
              }
            g_string_append_unichar (s, u);
            continue; /* the cursor is already past the escape */
          }
        default:
          syntax_error (c, error, "invalid escape in a string");
          return NULL;
        }
      c->pos++;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A JSON number at the cursor, classified; only NUMBER_UINT sets @value. A
 * token that is not a JSON number is a syntax error. */
static gboolean
read_number (Cursor *c,
             NumberKind *kind,
             guint64 *value,
             GError **error)
{
  gboolean negative = FALSE, integer = TRUE;
  gsize digits_start, digits_end;
  guint64 v = 0;

  if (peek (c) == '-')
    {
      negative = TRUE;
      c->pos++;
    }
  digits_start = c->pos;
  if (peek (c) == '0')
    c->pos++;
  else if (peek (c) >= '1' && peek (c) <= '9')
    while (g_ascii_isdigit (peek (c)))
      c->pos++;
  else
    return syntax_error (c, error, "expected a digit");
  digits_end = c->pos;
  if (peek (c) == '.')
    {
      integer = FALSE;
      c->pos++;
      if (!g_ascii_isdigit (peek (c)))
        return syntax_error (c, error, "expected a digit after '.'");
      while (g_ascii_isdigit (peek (c)))
        c->pos++;
    }
  if (peek (c) == 'e' || peek (c) == 'E')
    {
      integer = FALSE;
      c->pos++;
      if (peek (c) == '+' || peek (c) == '-')
        c->pos++;
      if (!g_ascii_isdigit (peek (c)))
        return syntax_error (c, error, "expected a digit in an exponent");
      while (g_ascii_isdigit (peek (c)))
        c->pos++;
    }

  if (negative)
    *kind = NUMBER_NEGATIVE;
  else if (!integer)
    *kind = NUMBER_NOT_INTEGER;
  else
    {
      *kind = NUMBER_UINT;
      for (gsize i = digits_start; i < digits_end; i++)
        if (__builtin_mul_overflow (v, 10u, &v) ||
            __builtin_add_overflow (v, (guint64) (c->text[i] - '0'), &v))
          {
            *kind = NUMBER_TOO_LARGE;
            break;
          }
      *value = v;
    }
  return TRUE;
}

static gboolean
starts_number (int ch)
{
  return ch == '-' || (ch >= '0' && ch <= '9');
}

/* After a member: ',' (returns TRUE, *done FALSE) or @close (*done TRUE). */
static gboolean
next_member (Cursor *c,
             char close,
             gboolean *done,
             GError **error)
{
  skip_ws (c);
  if (peek (c) == ',')
    {
      c->pos++;
      *done = FALSE;
      return TRUE;
    }
  if (peek (c) == (guchar) close)
    {
      c->pos++;
      *done = TRUE;
      return TRUE;
    }
  return syntax_error (c, error, "expected ',' or '%c'", close);
}

/* A key and its colon; the cursor is before the key. */
static char *
read_key (Cursor *c,
          gsize *key_pos,
          GError **error)
{
  g_autofree char *key = NULL;

  skip_ws (c);
  *key_pos = c->pos;
  if (peek (c) != '"')
    {
      syntax_error (c, error, "expected a string key");
      return NULL;
    }
  key = read_string (c, error);
  if (key == NULL || !expect (c, ':', "after a key", error))
    return NULL;
  skip_ws (c);
  return g_steal_pointer (&key);
}

static gboolean
read_metadata (Cursor *c,
               GHashTable *metadata,
               GError **error)
{
  gboolean done = FALSE;

  if (peek (c) != '{')
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte %" G_GUINT64_FORMAT ": __metadata__ is not a JSON object",
                   file_offset (c->pos));
      return FALSE;
    }
  c->pos++;
  skip_ws (c);
  if (peek (c) == '}')
    {
      c->pos++;
      return TRUE;
    }
  while (!done)
    {
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      gsize key_pos;

      key = read_key (c, &key_pos, error);
      if (key == NULL)
        return FALSE;
      if (peek (c) != '"')
        {
          g_autofree char *shown = printable (key);
          g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                       "byte %" G_GUINT64_FORMAT ": __metadata__ value of '%s' is not "
                       "a string",
                       file_offset (c->pos), shown);
          return FALSE;
        }
      value = read_string (c, error);
      if (value == NULL)
        return FALSE;
      if (g_hash_table_contains (metadata, key))
        {
          g_autofree char *shown = printable (key);
          g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                       "byte %" G_GUINT64_FORMAT ": duplicate key '%s' in __metadata__",
                       file_offset (key_pos), shown);
          return FALSE;
        }
      g_hash_table_insert (metadata, g_steal_pointer (&key), g_steal_pointer (&value));
      if (!next_member (c, '}', &done, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_shape (Cursor *c,
            TensorInfo *t,
            GError **error)
{
  gboolean done = FALSE;

  if (peek (c) != '[')
    return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "shape is not an array");
  c->pos++;
  skip_ws (c);
  if (peek (c) == ']')
    {
      c->pos++;
      return TRUE;
    }
  while (!done)
    {
      NumberKind kind;
      guint64 value = 0;

      skip_ws (c);
      if (!starts_number (peek (c)))
        return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                             "shape entry %d is not a non-negative integer", t->n_dims);
      if (t->n_dims == LS_SAFETENSORS_MAX_DIMS)
        return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                             "shape has more than %d dimensions", LS_SAFETENSORS_MAX_DIMS);
      if (!read_number (c, &kind, &value, error))
        return FALSE;
      switch (kind)
        {
        case NUMBER_NEGATIVE:
          return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                               "shape dimension %d is negative", t->n_dims);
        case NUMBER_NOT_INTEGER:
          return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                               "shape dimension %d is not an integer", t->n_dims);
        case NUMBER_TOO_LARGE:
          return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                               "shape dimension %d is too large", t->n_dims);
        case NUMBER_UINT:
        default:
          break;
        }
      if (value > G_MAXINT64)
        return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                             "shape dimension %d is too large", t->n_dims);
      t->shape[t->n_dims++] = (int64_t) value;
      if (!next_member (c, ']', &done, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_offset (Cursor *c,
             TensorInfo *t,
             guint64 *value,
             GError **error)
{
  NumberKind kind;

  skip_ws (c);
  if (!starts_number (peek (c)))
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets is not a pair of non-negative integers");
  if (!read_number (c, &kind, value, error))
    return FALSE;
  if (kind != NUMBER_UINT)
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets is not a pair of non-negative integers%s",
                         kind == NUMBER_TOO_LARGE ? " (too large)" : "");
  skip_ws (c);
  return TRUE;
}

static gboolean
read_offsets (Cursor *c,
              TensorInfo *t,
              GError **error)
{
  if (peek (c) != '[')
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets is not an array");
  c->pos++;
  skip_ws (c);
  if (peek (c) == ']')
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets does not have 2 entries");
  if (!read_offset (c, t, &t->begin, error))
    return FALSE;
  if (peek (c) == ']')
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets does not have 2 entries");
  if (!expect (c, ',', "in data_offsets", error))
    return FALSE;
  if (!read_offset (c, t, &t->end, error))
    return FALSE;
  if (peek (c) == ',')
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets does not have 2 entries");
  return expect (c, ']', "after data_offsets", error);
}

/* One tensor's entry; the cursor is on its value. */
static gboolean
read_tensor (Cursor *c,
             TensorInfo *t,
             GError **error)
{
  gboolean have_dtype = FALSE, have_shape = FALSE, have_offsets = FALSE;
  gboolean done = FALSE;
  guint64 n_elements = 1, n_bytes;

  if (peek (c) != '{')
    return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                         "entry at byte %" G_GUINT64_FORMAT " is not a JSON object",
                         file_offset (c->pos));
  c->pos++;
  skip_ws (c);
  if (peek (c) == '}')
    {
      c->pos++;
      done = TRUE;
    }
  while (!done)
    {
      g_autofree char *key = NULL;
      gsize key_pos;

      key = read_key (c, &key_pos, error);
      if (key == NULL)
        return FALSE;
      if (strcmp (key, "dtype") == 0)
        {
          g_autofree char *dtype = NULL;

          if (have_dtype)
            return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                 "duplicate key 'dtype' at byte %" G_GUINT64_FORMAT,
                                 file_offset (key_pos));
          have_dtype = TRUE;
          if (peek (c) != '"')
            return tensor_error (error, LS_SAFETENSORS_ERROR_DTYPE, t->name,
                                 "dtype is not a string");
          dtype = read_string (c, error);
          if (dtype == NULL)
            return FALSE;
          if (strcmp (dtype, "F32") != 0)
            {
              g_autofree char *shown = printable (dtype);
              return tensor_error (error, LS_SAFETENSORS_ERROR_DTYPE, t->name,
                                   "dtype %s is not supported (only F32)", shown);
            }
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (have_shape)
            return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                 "duplicate key 'shape' at byte %" G_GUINT64_FORMAT,
                                 file_offset (key_pos));
          have_shape = TRUE;
          if (!read_shape (c, t, error))
            return FALSE;
        }
      else if (strcmp (key, "data_offsets") == 0)
        {
          if (have_offsets)
            return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                 "duplicate key 'data_offsets' at byte %" G_GUINT64_FORMAT,
                                 file_offset (key_pos));
          have_offsets = TRUE;
          if (!read_offsets (c, t, error))
            return FALSE;
        }
      else
        {
          g_autofree char *shown = printable (key);
          return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                               "unknown key '%s' at byte %" G_GUINT64_FORMAT
                               " (allowed: dtype, shape, data_offsets)",
                               shown, file_offset (key_pos));
        }
      if (!next_member (c, '}', &done, error))
        return FALSE;
    }

  if (!have_dtype || !have_shape || !have_offsets)
    return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "no '%s' key",
                         !have_dtype ? "dtype" : !have_shape ? "shape"
                                                             : "data_offsets");

  for (int i = 0; i < t->n_dims; i++)
    if (__builtin_mul_overflow (n_elements, (guint64) t->shape[i], &n_elements))
      {
        g_autofree char *shape = shape_to_string (t->shape, t->n_dims);
        return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                             "shape %s overflows", shape);
      }
  if (__builtin_mul_overflow (n_elements, (guint64) F32_SIZE, &n_bytes) || n_elements > G_MAXSIZE)
    {
      g_autofree char *shape = shape_to_string (t->shape, t->n_dims);
      return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                           "shape %s overflows", shape);
    }
  if (t->begin > t->end)
    return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                         "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                         "] end before they begin",
                         t->begin, t->end);
  if (t->end - t->begin != n_bytes)
    {
      g_autofree char *shape = shape_to_string (t->shape, t->n_dims);
      return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                           "shape %s needs %" G_GUINT64_FORMAT " bytes but data_offsets [%" G_GUINT64_FORMAT
                           ", %" G_GUINT64_FORMAT "] hold %" G_GUINT64_FORMAT,
                           shape, n_bytes, t->begin, t->end, t->end - t->begin);
    }
  t->n_elements = n_elements;
  return TRUE;
}

/* The whole header: an object of __metadata__ and tensor entries. */
static gboolean
read_header (Cursor *c,
             GHashTable *metadata,
             GPtrArray *tensors,
             GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean have_metadata = FALSE, done = FALSE;

  skip_ws (c);
  if (peek (c) != '{')
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte %" G_GUINT64_FORMAT ": the header is not a JSON object",
                   file_offset (c->pos));
      return FALSE;
    }
  c->pos++;
  skip_ws (c);
  if (peek (c) == '}')
    {
      c->pos++;
      done = TRUE;
    }
  while (!done)
    {
      g_autofree char *key = NULL;
      gsize key_pos;

      key = read_key (c, &key_pos, error);
      if (key == NULL)
        return FALSE;
      if (strcmp (key, "__metadata__") == 0)
        {
          if (have_metadata)
            {
              g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                           "byte %" G_GUINT64_FORMAT ": duplicate key '__metadata__'",
                           file_offset (key_pos));
              return FALSE;
            }
          have_metadata = TRUE;
          if (!read_metadata (c, metadata, error))
            return FALSE;
        }
      else
        {
          TensorInfo *t;

          if (g_hash_table_contains (names, key))
            return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, key,
                                 "duplicate tensor name at byte %" G_GUINT64_FORMAT,
                                 file_offset (key_pos));
          t = g_new0 (TensorInfo, 1);
          t->name = g_steal_pointer (&key);
          t->index = tensors->len;
          g_ptr_array_add (tensors, t);
          g_hash_table_add (names, t->name);
          if (!read_tensor (c, t, error))
            return FALSE;
        }
      if (!next_member (c, '}', &done, error))
        return FALSE;
    }
  skip_ws (c);
  if (c->pos != c->len)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte %" G_GUINT64_FORMAT ": characters after the JSON object "
                   "(only trailing spaces are allowed)",
                   file_offset (c->pos));
      return FALSE;
    }
  return TRUE;
}

static int
compare_by_offset (gconstpointer a,
                   gconstpointer b)
{
  const TensorInfo *ta = *(const TensorInfo *const *) a;
  const TensorInfo *tb = *(const TensorInfo *const *) b;

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
      const TensorInfo *t = tensors->pdata[i];

      if (t->end > data_size)
        return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                             "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                             "] reach past the end of the data section (%" G_GUINT64_FORMAT
                             " bytes from file offset %" G_GUINT64_FORMAT "; truncated file?)",
                             t->begin, t->end, data_size, data_start);
      if (t->begin > expected)
        return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                             "gap of %" G_GUINT64_FORMAT " unused bytes before its data at "
                             "file offset %" G_GUINT64_FORMAT,
                             t->begin - expected, data_start + t->begin);
      if (t->begin < expected)
        {
          g_autofree char *other = printable (previous);
          return tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
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

/* ---- Public API: reading ------------------------------------------------ */

LsSafetensors *
ls_safetensors_parse (const guint8 *bytes,
                      gsize size,
                      GError **error)
{
  g_autoptr (LsSafetensors) st = NULL;
  g_autoptr (GPtrArray) tensors = NULL;
  guint64 header_len;
  const char *invalid = NULL;
  Cursor c;

  g_return_val_if_fail (bytes != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (size < PREFIX_SIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED,
                   "truncated: %" G_GSIZE_FORMAT " bytes, shorter than the 8-byte header length",
                   size);
      return NULL;
    }
  memcpy (&header_len, bytes, sizeof header_len);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len == 0)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte 0: header length is 0");
      return NULL;
    }
  if (header_len > LS_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte 0: header length %" G_GUINT64_FORMAT " is more than the %u bytes allowed",
                   header_len, LS_SAFETENSORS_MAX_HEADER);
      return NULL;
    }
  if (header_len > size - PREFIX_SIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_TRUNCATED,
                   "truncated: the header length (byte 0) is %" G_GUINT64_FORMAT " but only %" G_GSIZE_FORMAT
                   " bytes follow",
                   header_len, size - PREFIX_SIZE);
      return NULL;
    }

  c.text = (const char *) bytes + PREFIX_SIZE;
  c.len = (gsize) header_len;
  c.pos = 0;
  if (!g_utf8_validate_len (c.text, c.len, &invalid))
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_HEADER,
                   "byte %" G_GUINT64_FORMAT ": invalid UTF-8 in the header",
                   file_offset ((gsize) (invalid - c.text)));
      return NULL;
    }

  st = g_new0 (LsSafetensors, 1);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) tensor_info_free);
  if (!read_header (&c, st->metadata, tensors, error))
    return NULL;
  if (!check_tiling (tensors, PREFIX_SIZE + header_len, size - PREFIX_SIZE - header_len, error))
    return NULL;

  st->tensors = g_new0 (LsTensorEntry, tensors->len);
  st->n_tensors = tensors->len;
  for (guint i = 0; i < tensors->len; i++)
    {
      TensorInfo *t = tensors->pdata[i];
      LsTensorEntry *e = &st->tensors[i];

      e->name = g_steal_pointer (&t->name);
      e->n_dims = t->n_dims;
      memcpy (e->shape, t->shape, sizeof e->shape);
      e->n_elements = (gsize) t->n_elements;
      if (e->n_elements > 0)
        {
          /* The data section has no alignment: copy, never cast. */
          e->data = g_aligned_alloc (e->n_elements, sizeof (float), DATA_ALIGNMENT);
          memcpy (e->data, bytes + PREFIX_SIZE + header_len + t->begin, e->n_elements * F32_SIZE);
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
    return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "reserved name");
  if (!g_hash_table_add (names, t->name))
    return tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "name given twice");
  if (t->n_dims < 0 || t->n_dims > LS_SAFETENSORS_MAX_DIMS)
    return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                         "%d dimensions (0 to %d allowed)", t->n_dims, LS_SAFETENSORS_MAX_DIMS);
  for (int d = 0; d < t->n_dims; d++)
    if (t->shape[d] < 0 || __builtin_mul_overflow (n_elements, (guint64) t->shape[d], &n_elements))
      return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                           "dimension %d is negative or the shape overflows", d);
  if (n_elements != t->n_elements)
    {
      g_autofree char *shape = shape_to_string (t->shape, t->n_dims);
      return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                           "shape %s has %" G_GUINT64_FORMAT " elements, not %" G_GSIZE_FORMAT,
                           shape, n_elements, t->n_elements);
    }
  if (t->n_elements > 0 && t->data == NULL)
    return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "no data");
  if (__builtin_mul_overflow (n_elements, (guint64) F32_SIZE, n_bytes))
    return tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "too large");
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
  if (__builtin_add_overflow (offset, PREFIX_SIZE + header_len, &total) || total > G_MAXSIZE)
    {
      g_set_error (error, LS_SAFETENSORS_ERROR, LS_SAFETENSORS_ERROR_SHAPE,
                   "the tensors are too large together");
      return NULL;
    }

  out = g_malloc ((gsize) total);
  header_len = GUINT64_TO_LE (header_len);
  memcpy (out, &header_len, PREFIX_SIZE);
  memcpy (out + PREFIX_SIZE, header->str, header->len);
  pos = PREFIX_SIZE + header->len;
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

/* Writes @contents to @path: temp file in the same folder, write, fsync,
 * rename, fsync of the folder. On failure the temp file is removed and
 * @path is as it was. */
static gboolean
write_durably (const char *path,
               const guint8 *contents,
               gsize size,
               GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp_name = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp_path = g_build_filename (dir, tmp_name, NULL);
  gsize done = 0;
  int fd, dir_fd;

  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error (error, path, "create a temporary file beside it", errno);
  while (done < size)
    {
      gssize n = write (fd, contents + done, MIN (size - done, (gsize) G_MAXSSIZE));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : EIO;
          close (fd);
          g_unlink (tmp_path);
          return io_error (error, path, "write", errsv);
        }
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    {
      int errsv = errno;
      close (fd);
      g_unlink (tmp_path);
      return io_error (error, path, "flush to disk (fsync)", errsv);
    }
  if (close (fd) != 0)
    {
      int errsv = errno;
      g_unlink (tmp_path);
      return io_error (error, path, "close", errsv);
    }
  if (g_rename (tmp_path, path) != 0)
    {
      int errsv = errno;
      g_unlink (tmp_path);
      return io_error (error, path, "rename the temporary file to it", errsv);
    }
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return io_error (error, path, "open its folder to flush it", errno);
  /* EINVAL: a file system that cannot sync folders; nothing more to do. */
  if (fsync (dir_fd) != 0 && errno != EINVAL)
    {
      int errsv = errno;
      close (dir_fd);
      return io_error (error, path, "flush its folder to disk (fsync)", errsv);
    }
  close (dir_fd);
  return TRUE;
}

gboolean
ls_safetensors_write (const char *path,
                      GHashTable *metadata,
                      const LsTensorEntry *tensors,
                      guint n_tensors,
                      GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
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
  return write_durably (path, data, size, error);
}
