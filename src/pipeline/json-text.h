/* json-text.h — JSON text from json-glib nodes, valid whatever the number
 *
 * json-glib 1.6 (Debian 12) appends ".0" to every double it prints without
 * a decimal point, including those printed with an exponent: 1e-8 becomes
 * "1e-08.0", which no JSON parser accepts (json-glib's own included).
 * Every JSON text Lungscope writes goes through ls_json_to_string(), which
 * generates as json_to_string() does and then drops that ".0" from
 * numbers with an exponent (never inside strings).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

char *ls_json_to_string (JsonNode *node,
                         gboolean pretty);
/* Repairs a text json-glib generated (see above); returns a new string. */
char *ls_json_repair_numbers (const char *text);

/* A member @key with @value: a number, or null when it is not finite. */
void ls_json_add_number (JsonBuilder *b,
                         const char *key,
                         double value);
/* A member @key with an integer. */
void ls_json_add_int (JsonBuilder *b,
                      const char *key,
                      gint64 value);

G_END_DECLS
