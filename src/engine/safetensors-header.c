/* safetensors-header.c — the strict JSON reader for safetensors headers
 *
 * Made for this one schema (DESIGN §9 allows it for the model loader;
 * fuzz/fuzz-safetensors.c fuzzes it): json-glib keeps the last of two
 * duplicate keys silently, and a duplicate tensor name must be an error
 * here. The reader never recurses, never reads outside the header, and stops
 * at the first problem with a GError that names the tensor, the key or the
 * byte offset (counted from the start of the file).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "safetensors-private.h"

#include <string.h>

#define NAME_SHOWN_MAX 64 /* characters of a name quoted in a message */

/* ---- Messages ----------------------------------------------------------- */

/* @s as it may appear in a one-line message: control characters escaped,
 * UTF-8 kept, long names shortened. */
char *
ls_safetensors_printable (const char *s)
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

/* Sets "tensor 'NAME': MESSAGE"; returns FALSE. */
gboolean
ls_safetensors_tensor_error (GError **error,
                             LsSafetensorsError code,
                             const char *name,
                             const char *format,
                             ...)
{
  g_autofree char *shown = ls_safetensors_printable (name);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_SAFETENSORS_ERROR, code, "tensor '%s': %s", shown, message);
  return FALSE;
}

char *
ls_safetensors_shape_to_string (const int64_t *shape,
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

void
ls_tensor_info_free (LsTensorInfo *t)
{
  g_free (t->name);
  g_free (t);
}

/* File offset of header position @pos. */
static guint64
file_offset (gsize pos)
{
  return (guint64) pos + LS_SAFETENSORS_PREFIX_SIZE;
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
          g_autofree char *shown = ls_safetensors_printable (key);
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
          g_autofree char *shown = ls_safetensors_printable (key);
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
            LsTensorInfo *t,
            GError **error)
{
  gboolean done = FALSE;

  if (peek (c) != '[')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name, "shape is not an array");
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
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                            "shape entry %d is not a non-negative integer", t->n_dims);
      if (t->n_dims == LS_SAFETENSORS_MAX_DIMS)
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                            "shape has more than %d dimensions", LS_SAFETENSORS_MAX_DIMS);
      if (!read_number (c, &kind, &value, error))
        return FALSE;
      switch (kind)
        {
        case NUMBER_NEGATIVE:
          return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                              "shape dimension %d is negative", t->n_dims);
        case NUMBER_NOT_INTEGER:
          return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                              "shape dimension %d is not an integer", t->n_dims);
        case NUMBER_TOO_LARGE:
          return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                              "shape dimension %d is too large", t->n_dims);
        case NUMBER_UINT:
        default:
          break;
        }
      if (value > G_MAXINT64)
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                            "shape dimension %d is too large", t->n_dims);
      t->shape[t->n_dims++] = (int64_t) value;
      if (!next_member (c, ']', &done, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_offset (Cursor *c,
             LsTensorInfo *t,
             guint64 *value,
             GError **error)
{
  NumberKind kind;

  skip_ws (c);
  if (!starts_number (peek (c)))
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets is not a pair of non-negative integers");
  if (!read_number (c, &kind, value, error))
    return FALSE;
  if (kind != NUMBER_UINT)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets is not a pair of non-negative integers%s",
                                        kind == NUMBER_TOO_LARGE ? " (too large)" : "");
  skip_ws (c);
  return TRUE;
}

static gboolean
read_offsets (Cursor *c,
              LsTensorInfo *t,
              GError **error)
{
  if (peek (c) != '[')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets is not an array");
  c->pos++;
  skip_ws (c);
  if (peek (c) == ']')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets does not have 2 entries");
  if (!read_offset (c, t, &t->begin, error))
    return FALSE;
  if (peek (c) == ']')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets does not have 2 entries");
  if (!expect (c, ',', "in data_offsets", error))
    return FALSE;
  if (!read_offset (c, t, &t->end, error))
    return FALSE;
  if (peek (c) == ',')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets does not have 2 entries");
  return expect (c, ']', "after data_offsets", error);
}

/* One tensor's entry; the cursor is on its value. */
static gboolean
read_tensor (Cursor *c,
             LsTensorInfo *t,
             GError **error)
{
  gboolean have_dtype = FALSE, have_shape = FALSE, have_offsets = FALSE;
  gboolean done = FALSE;
  guint64 n_elements = 1, n_bytes;

  if (peek (c) != '{')
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
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
            return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                                "duplicate key 'dtype' at byte %" G_GUINT64_FORMAT,
                                                file_offset (key_pos));
          have_dtype = TRUE;
          if (peek (c) != '"')
            return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_DTYPE, t->name,
                                                "dtype is not a string");
          dtype = read_string (c, error);
          if (dtype == NULL)
            return FALSE;
          if (strcmp (dtype, "F32") != 0)
            {
              g_autofree char *shown = ls_safetensors_printable (dtype);
              return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_DTYPE, t->name,
                                                  "dtype %s is not supported (only F32)", shown);
            }
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (have_shape)
            return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                                "duplicate key 'shape' at byte %" G_GUINT64_FORMAT,
                                                file_offset (key_pos));
          have_shape = TRUE;
          if (!read_shape (c, t, error))
            return FALSE;
        }
      else if (strcmp (key, "data_offsets") == 0)
        {
          if (have_offsets)
            return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                                "duplicate key 'data_offsets' at byte %" G_GUINT64_FORMAT,
                                                file_offset (key_pos));
          have_offsets = TRUE;
          if (!read_offsets (c, t, error))
            return FALSE;
        }
      else
        {
          g_autofree char *shown = ls_safetensors_printable (key);
          return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name,
                                              "unknown key '%s' at byte %" G_GUINT64_FORMAT
                                              " (allowed: dtype, shape, data_offsets)",
                                              shown, file_offset (key_pos));
        }
      if (!next_member (c, '}', &done, error))
        return FALSE;
    }

  if (!have_dtype || !have_shape || !have_offsets)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, t->name, "no '%s' key",
                                        !have_dtype ? "dtype" : !have_shape ? "shape"
                                                                            : "data_offsets");

  for (int i = 0; i < t->n_dims; i++)
    if (__builtin_mul_overflow (n_elements, (guint64) t->shape[i], &n_elements))
      {
        g_autofree char *shape = ls_safetensors_shape_to_string (t->shape, t->n_dims);
        return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                            "shape %s overflows", shape);
      }
  if (__builtin_mul_overflow (n_elements, (guint64) LS_SAFETENSORS_F32_SIZE, &n_bytes) || n_elements > G_MAXSIZE)
    {
      g_autofree char *shape = ls_safetensors_shape_to_string (t->shape, t->n_dims);
      return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
                                          "shape %s overflows", shape);
    }
  if (t->begin > t->end)
    return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_OFFSETS, t->name,
                                        "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                        "] end before they begin",
                                        t->begin, t->end);
  if (t->end - t->begin != n_bytes)
    {
      g_autofree char *shape = ls_safetensors_shape_to_string (t->shape, t->n_dims);
      return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_SHAPE, t->name,
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
          LsTensorInfo *t;

          if (g_hash_table_contains (names, key))
            return ls_safetensors_tensor_error (error, LS_SAFETENSORS_ERROR_HEADER, key,
                                                "duplicate tensor name at byte %" G_GUINT64_FORMAT,
                                                file_offset (key_pos));
          t = g_new0 (LsTensorInfo, 1);
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

gboolean
ls_safetensors_read_header (const char *text,
                            gsize len,
                            GHashTable *metadata,
                            GPtrArray *tensors,
                            GError **error)
{
  Cursor c = { text, len, 0 };

  return read_header (&c, metadata, tensors, error);
}
