/* spec.c — parsing the network spec strictly
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
G_DEFINE_QUARK (ls-spec-error-quark, ls_spec_error)
/* clang-format on */

static const char default_arch[] =
    "# lungnet-s: default chest radiograph classifier\n"
    "input   channels=1 size=224\n"
    "conv    name=conv1 out=24  k=3 stride=2 pad=1 bias=no\n"
    "bn      name=bn1\n"
    "relu\n"
    "conv    name=conv2 out=32  k=3 stride=1 pad=1 bias=no\n"
    "bn      name=bn2\n"
    "relu\n"
    "maxpool k=2\n"
    "conv    name=conv3 out=64  k=3 stride=1 pad=1 bias=no\n"
    "bn      name=bn3\n"
    "relu\n"
    "maxpool k=2\n"
    "conv    name=conv4 out=128 k=3 stride=1 pad=1 bias=no\n"
    "bn      name=bn4\n"
    "relu\n"
    "maxpool k=2\n"
    "conv    name=conv5 out=256 k=3 stride=1 pad=1 bias=no\n"
    "bn      name=bn5\n"
    "relu\n"
    "maxpool k=2\n"
    "conv    name=conv6 out=256 k=3 stride=1 pad=1 bias=no\n"
    "bn      name=bn6\n"
    "relu    cam=yes          # Grad-CAM target: the last convolution block's output, 256x7x7\n"
    "gap\n"
    "dropout p=0.2\n"
    "linear  name=fc out=3\n";

const char *
ls_engine_default_arch (void)
{
  return default_arch;
}

const char *
ls_layer_kind_to_string (LsLayerKind kind)
{
  switch (kind)
    {
    case LS_LAYER_CONV:
      return "conv";
    case LS_LAYER_BN:
      return "bn";
    case LS_LAYER_RELU:
      return "relu";
    case LS_LAYER_MAXPOOL:
      return "maxpool";
    case LS_LAYER_GAP:
      return "gap";
    case LS_LAYER_DROPOUT:
      return "dropout";
    case LS_LAYER_LINEAR:
      return "linear";
    default:
      return "?";
    }
}

/* Which keys each kind takes. */
typedef struct
{
  const char *kind;
  const char *keys; /* space-separated, with a leading and trailing space */
} KindKeys;

static const KindKeys kind_keys[] = {
  { "input", " channels size " },
  { "conv", " name out k stride pad bias " },
  { "bn", " name " },
  { "relu", " cam " },
  { "maxpool", " k stride " },
  { "gap", " " },
  { "dropout", " p " },
  { "linear", " name out bias " },
};

static gboolean
parse_int (const char *value,
           int min,
           int max,
           int *out)
{
  char *end = NULL;
  gint64 v;

  if (value[0] == '\0' || !(g_ascii_isdigit (value[0]) || value[0] == '-'))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoll (value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_bool (const char *value,
            gboolean *out)
{
  if (g_str_equal (value, "yes") || g_str_equal (value, "true"))
    *out = TRUE;
  else if (g_str_equal (value, "no") || g_str_equal (value, "false"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_name (const char *value)
{
  if (value[0] == '\0' || strlen (value) >= LS_SPEC_NAME_MAX || !g_ascii_isalpha (value[0]))
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

void
ls_net_spec_free (LsNetSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->layers);
  g_free (spec->text);
  g_free (spec);
}

/* Walks the shapes and checks the layers fit together. */
static gboolean
check_shapes (const LsNetSpec *spec,
              GError **error)
{
  int c = spec->channels, h = spec->size, w = spec->size;
  gboolean flat = FALSE, cam_seen = FALSE;
  gsize params = 0;

  if (spec->n_layers == 0 || spec->layers[spec->n_layers - 1].kind != LS_LAYER_LINEAR)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                   "the last layer must be linear (the logits)");
      return FALSE;
    }
  for (int i = 0; i < spec->n_layers; i++)
    {
      const LsLayerSpec *l = &spec->layers[i];

      switch (l->kind)
        {
        case LS_LAYER_CONV:
          if (flat)
            goto need_spatial;
          params += (gsize) l->out * c * l->k * l->k + l->out;
          h = (h + 2 * l->pad - l->k) / l->stride + 1;
          w = (w + 2 * l->pad - l->k) / l->stride + 1;
          if (h < 1 || w < 1 || h + 2 * l->pad < l->k)
            goto too_small;
          c = l->out;
          break;
        case LS_LAYER_MAXPOOL:
          if (flat)
            goto need_spatial;
          h = (h - l->k) / l->stride + 1;
          w = (w - l->k) / l->stride + 1;
          if (h < 1 || w < 1 || spec->size < l->k)
            goto too_small;
          break;
        case LS_LAYER_BN:
          if (flat)
            goto need_spatial;
          break;
        case LS_LAYER_GAP:
          if (flat)
            goto need_spatial;
          h = w = 1;
          flat = TRUE;
          break;
        case LS_LAYER_LINEAR:
          if (!flat)
            {
              g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                           "line %d: linear needs a flat input (put gap before it)", l->line);
              return FALSE;
            }
          params += (gsize) l->out * c + l->out;
          c = l->out;
          break;
        case LS_LAYER_RELU:
          if (l->cam && (flat || cam_seen))
            {
              g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                           "line %d: cam=yes needs a spatial layer and may appear once", l->line);
              return FALSE;
            }
          cam_seen |= l->cam;
          break;
        case LS_LAYER_DROPOUT:
        default:
          break;
        }
      if ((gsize) c * h * w > LS_SPEC_MAX_ELEMENTS || params > LS_SPEC_MAX_ELEMENTS)
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                       "line %d: the network is too large (more than %u values in a layer "
                       "or parameters)",
                       l->line, LS_SPEC_MAX_ELEMENTS);
          return FALSE;
        }
      continue;
    need_spatial:
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                   "line %d: %s needs a spatial input, but it follows gap", l->line,
                   ls_layer_kind_to_string (l->kind));
      return FALSE;
    too_small:
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SHAPE,
                   "line %d: %s makes the feature map empty", l->line,
                   ls_layer_kind_to_string (l->kind));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_line (LsNetSpec *spec,
            GArray *layers,
            GHashTable *names,
            int line_no,
            char **tokens,
            gboolean *have_input,
            GError **error)
{
  const KindKeys *kk = NULL;
  LsLayerSpec l = { 0 };
  gboolean is_input;
  gboolean seen_name = FALSE, seen_out = FALSE, seen_k = FALSE, seen_stride = FALSE;
  gboolean seen_channels = FALSE, seen_size = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (kind_keys); i++)
    if (g_str_equal (tokens[0], kind_keys[i].kind))
      kk = &kind_keys[i];
  if (kk == NULL)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "line %d: unknown layer kind “%s”",
                   line_no, tokens[0]);
      return FALSE;
    }
  is_input = g_str_equal (kk->kind, "input");
  if (is_input == *have_input)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                   is_input ? "line %d: a second input line"
                            : "line %d: the spec must start with an input line",
                   line_no);
      return FALSE;
    }
  l.line = line_no;
  l.stride = 1;
  l.bias = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (kind_keys); i++)
    if (kk == &kind_keys[i] && i >= 1)
      l.kind = (LsLayerKind) (i - 1);
  if (g_str_equal (kk->kind, "maxpool"))
    l.k = 2;

  for (int t = 1; tokens[t] != NULL; t++)
    {
      const char *eq = strchr (tokens[t], '=');
      g_autofree char *key = NULL;
      g_autofree char *pattern = NULL;
      const char *value;
      gboolean ok = TRUE;

      if (eq == NULL || eq == tokens[t])
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: expected key=value, got “%s”", line_no, tokens[t]);
          return FALSE;
        }
      key = g_strndup (tokens[t], eq - tokens[t]);
      value = eq + 1;
      pattern = g_strdup_printf (" %s ", key);
      if (strstr (kk->keys, pattern) == NULL)
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: unknown key “%s” for %s", line_no, key, kk->kind);
          return FALSE;
        }
      if (g_str_equal (key, "channels"))
        ok = !seen_channels && parse_int (value, 1, 64, &spec->channels), seen_channels = TRUE;
      else if (g_str_equal (key, "size"))
        ok = !seen_size && parse_int (value, 1, 8192, &spec->size), seen_size = TRUE;
      else if (g_str_equal (key, "name"))
        {
          ok = !seen_name && parse_name (value);
          seen_name = TRUE;
          if (ok)
            g_strlcpy (l.name, value, sizeof l.name);
        }
      else if (g_str_equal (key, "out"))
        ok = !seen_out && parse_int (value, 1, 65536, &l.out), seen_out = TRUE;
      else if (g_str_equal (key, "k"))
        ok = !seen_k && parse_int (value, 1, 15, &l.k), seen_k = TRUE;
      else if (g_str_equal (key, "stride"))
        ok = !seen_stride && parse_int (value, 1, 15, &l.stride), seen_stride = TRUE;
      else if (g_str_equal (key, "pad"))
        ok = parse_int (value, 0, 15, &l.pad);
      else if (g_str_equal (key, "bias"))
        ok = parse_bool (value, &l.bias);
      else if (g_str_equal (key, "cam"))
        ok = parse_bool (value, &l.cam);
      else if (g_str_equal (key, "p"))
        {
          char *end = NULL;
          double p = g_ascii_strtod (value, &end);

          ok = end != value && *end == '\0' && p >= 0.0 && p < 1.0;
          l.p = (float) p;
        }
      if (!ok)
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: bad or repeated value “%s” for %s", line_no, value, key);
          return FALSE;
        }
    }

  if (is_input)
    {
      if (!seen_channels || !seen_size)
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: input needs channels= and size=", line_no);
          return FALSE;
        }
      *have_input = TRUE;
      return TRUE;
    }

  if (l.kind == LS_LAYER_MAXPOOL)
    {
      if (!seen_stride)
        l.stride = l.k;
      if (l.k != 2 || l.stride != 2)
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: only maxpool k=2 stride=2 is supported", line_no);
          return FALSE;
        }
    }
  if ((l.kind == LS_LAYER_CONV || l.kind == LS_LAYER_BN || l.kind == LS_LAYER_LINEAR) && !seen_name)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "line %d: %s needs name=", line_no,
                   kk->kind);
      return FALSE;
    }
  if ((l.kind == LS_LAYER_CONV || l.kind == LS_LAYER_LINEAR) && !seen_out)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "line %d: %s needs out=", line_no,
                   kk->kind);
      return FALSE;
    }
  if (l.kind == LS_LAYER_CONV && !seen_k)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "line %d: conv needs k=", line_no);
      return FALSE;
    }
  if (seen_name)
    {
      if (g_hash_table_contains (names, l.name))
        {
          g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX,
                       "line %d: the name “%s” is used twice", line_no, l.name);
          return FALSE;
        }
      g_hash_table_add (names, g_strdup (l.name));
    }
  g_array_append_val (layers, l);
  return TRUE;
}

LsNetSpec *
ls_net_spec_parse (const char *text,
                   GError **error)
{
  g_autoptr (LsNetSpec) spec = g_new0 (LsNetSpec, 1);
  g_autoptr (GArray) layers = g_array_new (FALSE, TRUE, sizeof (LsLayerSpec));
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = NULL;
  gboolean have_input = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "the spec is not valid UTF-8");
      return NULL;
    }
  spec->text = g_strdup (text);
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      char *hash = strchr (lines[i], '#');
      g_auto (GStrv) tokens = NULL;
      g_autoptr (GPtrArray) words = g_ptr_array_new ();

      if (hash != NULL)
        *hash = '\0';
      g_strdelimit (lines[i], "\t\r", ' ');
      tokens = g_strsplit (lines[i], " ", -1);
      for (int t = 0; tokens[t] != NULL; t++)
        if (tokens[t][0] != '\0')
          g_ptr_array_add (words, tokens[t]);
      if (words->len == 0)
        continue;
      g_ptr_array_add (words, NULL);
      if (!parse_line (spec, layers, names, i + 1, (char **) words->pdata, &have_input, error))
        return NULL;
    }
  if (!have_input)
    {
      g_set_error (error, LS_SPEC_ERROR, LS_SPEC_ERROR_SYNTAX, "the spec has no input line");
      return NULL;
    }
  spec->n_layers = (int) layers->len;
  spec->layers = (LsLayerSpec *) g_array_free (g_steal_pointer (&layers), FALSE);
  if (!check_shapes (spec, error))
    return NULL;
  return g_steal_pointer (&spec);
}

/* One spec line with key=@value set (appended when the line has none);
 * a comment on the line is kept after it. */
static char *
line_with (const char *line,
           const char *key,
           int value)
{
  g_autofree char *body = g_strdup (line);
  char *hash = strchr (body, '#');
  g_autofree char *comment = hash != NULL ? g_strdup (hash) : NULL;
  g_auto (GStrv) words = NULL;
  GString *out = g_string_new (NULL);
  gsize key_len = strlen (key);
  gboolean done = FALSE;

  if (hash != NULL)
    *hash = '\0';
  g_strdelimit (body, "\t\r", ' ');
  words = g_strsplit (body, " ", -1);
  for (guint w = 0; words[w] != NULL; w++)
    {
      if (words[w][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (strncmp (words[w], key, key_len) == 0 && words[w][key_len] == '=')
        {
          g_string_append_printf (out, "%s=%d", key, value);
          done = TRUE;
        }
      else
        g_string_append (out, words[w]);
    }
  if (!done)
    g_string_append_printf (out, " %s=%d", key, value);
  if (comment != NULL)
    g_string_append_printf (out, " %s", comment);
  return g_string_free (out, FALSE);
}

char *
ls_net_spec_text_resize (const char *text,
                         int size,
                         int n_classes,
                         GError **error)
{
  g_autoptr (LsNetSpec) spec = NULL;
  g_autoptr (LsNetSpec) check = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *result = NULL;
  int head_line;

  g_return_val_if_fail (text != NULL && size >= 0 && n_classes >= 0, NULL);
  spec = ls_net_spec_parse (text, error);
  if (spec == NULL)
    return NULL;
  head_line = spec->layers[spec->n_layers - 1].line; /* the last layer is linear */
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      const char *p = lines[i] + strspn (lines[i], " \t");

      if (size > 0 && g_str_has_prefix (p, "input") && (p[5] == ' ' || p[5] == '\t'))
        {
          char *changed = line_with (lines[i], "size", size);

          g_free (lines[i]);
          lines[i] = changed;
        }
      else if (n_classes > 0 && i + 1 == head_line)
        {
          char *changed = line_with (lines[i], "out", n_classes);

          g_free (lines[i]);
          lines[i] = changed;
        }
    }
  result = g_strjoinv ("\n", lines);
  check = ls_net_spec_parse (result, error);
  if (check == NULL)
    return NULL;
  return g_steal_pointer (&result);
}
