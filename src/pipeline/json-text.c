/* json-text.c — JSON text from json-glib nodes, valid whatever the number
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <string.h>

#include "pipeline/json-text.h"

char *
ls_json_repair_numbers (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          /* A string, escapes and all, copied as it is. */
          const char *start = p++;

          while (*p != '\0' && *p != '"')
            p += *p == '\\' && p[1] != '\0' ? 2 : 1;
          if (*p == '"')
            p++;
          g_string_append_len (out, start, p - start);
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          const char *start = p;
          gboolean exponent = FALSE;
          gsize len;

          while (*p != '\0' && strchr ("0123456789+-.eE", *p) != NULL)
            {
              exponent |= *p == 'e' || *p == 'E';
              p++;
            }
          len = p - start;
          if (exponent && len > 2 && start[len - 2] == '.' && start[len - 1] == '0' &&
              memchr (start, '.', len - 2) == NULL)
            len -= 2;
          g_string_append_len (out, start, len);
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

char *
ls_json_to_string (JsonNode *node,
                   gboolean pretty)
{
  g_autofree char *text = json_to_string (node, pretty);

  return ls_json_repair_numbers (text);
}

void
ls_json_add_number (JsonBuilder *b,
                    const char *key,
                    double value)
{
  json_builder_set_member_name (b, key);
  if (isfinite (value))
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
ls_json_add_int (JsonBuilder *b,
                 const char *key,
                 gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}
