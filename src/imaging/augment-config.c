/* augment-config.c — the text form of an augmentation pipeline
 *
 * A GKeyFile. An optional [Pipeline] group first holds `same-on-batch`
 * (for every step; each step also has its own `same-on-batch` key); then
 * one group per step, in order, named after the Kornia class
 * ([RandomAffine]); a name may repeat as [RandomAffine:2] (anything after
 * the colon only keeps group names unique). Keys a group leaves out take
 * the defaults of ls_augment_spec_init(). Parsing is strict: an unknown
 * group or key, a malformed number, a range with lo > hi or a value out of
 * bounds is an error naming the group and key. Serialising writes every key
 * of every step, with numbers in the shortest form that reads back exactly,
 * so parse → serialise → parse gives an equal pipeline.
 *
 *   [Pipeline]
 *   same-on-batch=false
 *
 *   [RandomAffine]
 *   p=1
 *   degrees=-10;10
 *   translate=0.06;0.06
 *   ...
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "imaging/augment-private.h"

typedef enum
{
  KEY_DOUBLE,    /* one number */
  KEY_RANGE,     /* lo;hi with lo ≤ hi (one number x means x;x) */
  KEY_SYMMETRIC, /* like KEY_RANGE, but one number x means −x;x */
  KEY_PAIR,      /* two numbers, independent */
  KEY_INT,
  KEY_INT_PAIR,
  KEY_PADDING,
  KEY_BOOL,
} KeyType;

typedef struct
{
  const char *name;
  KeyType type;
  gsize offset;
  double min, max; /* bounds of each number */
  guint kinds;     /* bit mask of LsAugmentKind */
} KeyInfo;

#define K(kind) (1u << (kind))
#define GEOMETRIC (K (LS_AUGMENT_AFFINE) | K (LS_AUGMENT_RESIZED_CROP) | K (LS_AUGMENT_PERSPECTIVE) | K (LS_AUGMENT_ELASTIC))
#define OFF(field) offsetof (LsAugmentSpec, field)

static const KeyInfo keys[] = {
  { "p", KEY_DOUBLE, OFF (p), 0.0, 1.0, ~0u },
  { "degrees", KEY_SYMMETRIC, OFF (degrees), -180.0, 180.0, K (LS_AUGMENT_AFFINE) },
  { "translate", KEY_PAIR, OFF (translate), 0.0, 1.0, K (LS_AUGMENT_AFFINE) },
  { "scale", KEY_RANGE, OFF (scale), 0.01, 10.0, K (LS_AUGMENT_AFFINE) },
  { "shear-x", KEY_SYMMETRIC, OFF (shear_x), -60.0, 60.0, K (LS_AUGMENT_AFFINE) },
  { "shear-y", KEY_SYMMETRIC, OFF (shear_y), -60.0, 60.0, K (LS_AUGMENT_AFFINE) },
  { "area", KEY_RANGE, OFF (scale), 1e-4, 1.0, K (LS_AUGMENT_RESIZED_CROP) | K (LS_AUGMENT_ERASING) },
  { "ratio", KEY_RANGE, OFF (ratio), 0.01, 100.0, K (LS_AUGMENT_RESIZED_CROP) | K (LS_AUGMENT_ERASING) },
  { "distortion", KEY_DOUBLE, OFF (distortion), 0.0, 0.95, K (LS_AUGMENT_PERSPECTIVE) },
  { "alpha", KEY_RANGE, OFF (alpha), 0.0, 10.0, K (LS_AUGMENT_ELASTIC) },
  { "sigma", KEY_RANGE, OFF (sigma), 0.01, 100.0, K (LS_AUGMENT_ELASTIC) | K (LS_AUGMENT_BLUR) },
  { "kernel-size", KEY_INT, OFF (kernel_size), 3, 255, K (LS_AUGMENT_ELASTIC) | K (LS_AUGMENT_BLUR) },
  { "factor", KEY_RANGE, OFF (factor), 0.0, 10.0,
    K (LS_AUGMENT_BRIGHTNESS) | K (LS_AUGMENT_CONTRAST) | K (LS_AUGMENT_SHARPNESS) },
  { "gamma", KEY_RANGE, OFF (gamma), 0.01, 10.0, K (LS_AUGMENT_GAMMA) },
  { "gain", KEY_RANGE, OFF (gain), 0.0, 10.0, K (LS_AUGMENT_GAMMA) },
  { "mean", KEY_DOUBLE, OFF (mean), -1.0, 1.0, K (LS_AUGMENT_NOISE) },
  { "std", KEY_RANGE, OFF (std), 0.0, 1.0, K (LS_AUGMENT_NOISE) },
  { "value", KEY_DOUBLE, OFF (value), 0.0, 1.0, K (LS_AUGMENT_ERASING) },
  { "clip-limit", KEY_RANGE, OFF (clip_limit), 0.0, 1000.0, K (LS_AUGMENT_CLAHE) },
  { "grid", KEY_INT_PAIR, OFF (grid), 1, 64, K (LS_AUGMENT_CLAHE) },
  { "padding", KEY_PADDING, OFF (padding), 0, 0, GEOMETRIC },
  { "same-on-batch", KEY_BOOL, OFF (same_on_batch), 0, 0, ~0u },
};

#define PIPELINE_GROUP "Pipeline"

static void
set_invalid (GError **error,
             const char *group,
             const char *key,
             const char *fmt,
             ...) G_GNUC_PRINTF (4, 5);

static void
set_invalid (GError **error,
             const char *group,
             const char *key,
             const char *fmt,
             ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_INVALID_VALUE, "augmentation config: [%s] %s: %s", group, key,
               why);
}

/* Numbers separated by ';' (spaces allowed around them). */
static int
parse_numbers (const char *text,
               double *out,
               int max)
{
  g_auto (GStrv) parts = g_strsplit (text, ";", -1);
  int n = 0;

  for (int i = 0; parts[i] != NULL; i++)
    {
      char *s = g_strstrip (parts[i]);
      char *end = NULL;

      if (*s == '\0' && parts[i + 1] == NULL && i > 0) /* a trailing ';' */
        break;
      if (n == max)
        return -1;
      out[n] = g_ascii_strtod (s, &end);
      if (*s == '\0' || end == NULL || *end != '\0' || !isfinite (out[n]))
        return -1;
      n++;
    }
  return n;
}

static gboolean
parse_bool (const char *text,
            gboolean *out)
{
  if (g_strcmp0 (text, "true") == 0)
    *out = TRUE;
  else if (g_strcmp0 (text, "false") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_key (const KeyInfo *info,
           const char *group,
           const char *text,
           LsAugmentSpec *spec,
           GError **error)
{
  guint8 *field = (guint8 *) spec + info->offset;
  double v[3];
  int n;

  if (info->type == KEY_BOOL)
    {
      g_autofree char *t = g_strstrip (g_strdup (text));

      if (!parse_bool (t, &spec->same_on_batch))
        {
          set_invalid (error, group, info->name, "“%s” is not true or false", t);
          return FALSE;
        }
      return TRUE;
    }
  if (info->type == KEY_PADDING)
    {
      g_autofree char *t = g_strstrip (g_strdup (text));

      if (strcmp (t, "zeros") == 0)
        spec->padding = LS_PADDING_ZEROS;
      else if (strcmp (t, "border") == 0)
        spec->padding = LS_PADDING_BORDER;
      else
        {
          set_invalid (error, group, info->name, "“%s” is not zeros or border", t);
          return FALSE;
        }
      return TRUE;
    }

  n = parse_numbers (text, v, 3);
  switch (info->type)
    {
    case KEY_DOUBLE:
    case KEY_INT:
      if (n != 1)
        {
          set_invalid (error, group, info->name, "“%s” is not a number", text);
          return FALSE;
        }
      break;
    case KEY_RANGE:
    case KEY_SYMMETRIC:
      if (n == 1)
        {
          v[1] = v[0];
          if (info->type == KEY_SYMMETRIC)
            v[0] = -fabs (v[0]), v[1] = fabs (v[1]);
          n = 2;
        }
      if (n != 2)
        {
          set_invalid (error, group, info->name, "“%s” is not a range lo;hi", text);
          return FALSE;
        }
      if (v[0] > v[1])
        {
          set_invalid (error, group, info->name, "range “%s” has lo > hi", text);
          return FALSE;
        }
      break;
    case KEY_PAIR:
    case KEY_INT_PAIR:
      if (n == 1)
        v[1] = v[0], n = 2;
      if (n != 2)
        {
          set_invalid (error, group, info->name, "“%s” is not two numbers a;b", text);
          return FALSE;
        }
      break;
    case KEY_PADDING:
    case KEY_BOOL:
    default:
      g_assert_not_reached ();
    }
  for (int i = 0; i < n; i++)
    {
      if (v[i] < info->min || v[i] > info->max)
        {
          set_invalid (error, group, info->name, "%g is outside [%g, %g]", v[i], info->min, info->max);
          return FALSE;
        }
      if ((info->type == KEY_INT || info->type == KEY_INT_PAIR) && v[i] != floor (v[i]))
        {
          set_invalid (error, group, info->name, "%g is not a whole number", v[i]);
          return FALSE;
        }
    }
  switch (info->type)
    {
    case KEY_DOUBLE:
      memcpy (field, v, sizeof (double));
      break;
    case KEY_RANGE:
    case KEY_SYMMETRIC:
    case KEY_PAIR:
      memcpy (field, v, 2 * sizeof (double));
      break;
    case KEY_INT:
      {
        int k = (int) v[0];

        memcpy (field, &k, sizeof k);
      }
      break;
    case KEY_INT_PAIR:
      {
        int k[2] = { (int) v[0], (int) v[1] };

        memcpy (field, k, sizeof k);
      }
      break;
    case KEY_PADDING:
    case KEY_BOOL:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* Checks across keys. */
static gboolean
check_spec (const LsAugmentSpec *spec,
            const char *group,
            GError **error)
{
  if ((spec->kind == LS_AUGMENT_BLUR || spec->kind == LS_AUGMENT_ELASTIC) && spec->kernel_size % 2 == 0)
    {
      set_invalid (error, group, "kernel-size", "%d is not odd", spec->kernel_size);
      return FALSE;
    }
  if (spec->kind == LS_AUGMENT_ERASING && spec->scale[1] >= 1.0)
    {
      set_invalid (error, group, "area", "an erased box must be smaller than the image");
      return FALSE;
    }
  return TRUE;
}

/* GKeyFile merges a repeated group silently; a repeated step must be named
 * apart ([RandomAffine:2]), so a repeat is an error here. */
static gboolean
check_duplicate_groups (const char *text,
                        GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      gsize len = strlen (line);

      if (len < 2 || line[0] != '[' || line[len - 1] != ']')
        continue;
      if (!g_hash_table_add (seen, g_strndup (line + 1, len - 2)))
        {
          g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_PARSE,
                       "augmentation config: group %s appears twice (name a repeated step like [RandomAffine:2])",
                       line);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * ls_augment_pipeline_new_from_string:
 *
 * Returns: (transfer full): the pipeline @text describes, or NULL with
 * @error set (LS_AUGMENT_ERROR) naming the group and key at fault.
 */
LsAugmentPipeline *
ls_augment_pipeline_new_from_string (const char *text,
                                     GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (LsAugmentPipeline) pipeline = ls_augment_pipeline_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!check_duplicate_groups (text, error))
    return NULL;
  if (!g_key_file_load_from_data (file, text, -1, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_PARSE, "augmentation config: %s", local->message);
      return NULL;
    }
  groups = g_key_file_get_groups (file, NULL);
  for (int g = 0; groups[g] != NULL; g++)
    {
      const char *group = groups[g];
      g_auto (GStrv) names = g_key_file_get_keys (file, group, NULL, NULL);
      g_autofree char *kind_name = g_strdup (group);
      char *colon = strchr (kind_name, ':');
      LsAugmentSpec spec;
      LsAugmentKind kind;

      if (strcmp (group, PIPELINE_GROUP) == 0)
        {
          if (g != 0)
            {
              g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_UNKNOWN_GROUP,
                           "augmentation config: [%s] must be the first group", group);
              return NULL;
            }
          for (int k = 0; names != NULL && names[k] != NULL; k++)
            {
              g_autofree char *value = g_key_file_get_value (file, group, names[k], NULL);

              if (strcmp (names[k], "same-on-batch") != 0)
                {
                  g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_UNKNOWN_KEY,
                               "augmentation config: [%s] has no key “%s”", group, names[k]);
                  return NULL;
                }
              if (!parse_bool (value, &pipeline->same_on_batch))
                {
                  set_invalid (error, group, names[k], "“%s” is not true or false", value);
                  return NULL;
                }
            }
          continue;
        }

      if (colon != NULL)
        *colon = '\0';
      if (!ls_augment_kind_from_string (kind_name, &kind))
        {
          g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_UNKNOWN_GROUP,
                       "augmentation config: [%s] is not an augmentation (RandomAffine, RandomGamma, …)", group);
          return NULL;
        }
      ls_augment_spec_init (&spec, kind);
      for (int k = 0; names != NULL && names[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (file, group, names[k], NULL);
          const KeyInfo *info = NULL;

          for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
            if (strcmp (keys[i].name, names[k]) == 0 && (keys[i].kinds & K (kind)))
              info = &keys[i];
          if (info == NULL)
            {
              g_set_error (error, LS_AUGMENT_ERROR, LS_AUGMENT_ERROR_UNKNOWN_KEY,
                           "augmentation config: [%s] has no key “%s”", group, names[k]);
              return NULL;
            }
          if (!parse_key (info, group, value, &spec, error))
            return NULL;
        }
      if (!check_spec (&spec, group, error))
        return NULL;
      ls_augment_pipeline_add (pipeline, &spec);
    }
  return g_steal_pointer (&pipeline);
}

LsAugmentPipeline *
ls_augment_pipeline_new_from_file (const char *path,
                                   GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  LsAugmentPipeline *pipeline;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  pipeline = ls_augment_pipeline_new_from_string (text, &local);
  if (pipeline == NULL)
    g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
  return pipeline;
}

/* The shortest decimal that reads back as the same double. */
static void
append_number (GString *s,
               double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int precision = 6; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_string_append (s, buf);
}

/**
 * ls_augment_pipeline_to_string:
 *
 * Returns: (transfer full): the pipeline as text, every key written.
 */
char *
ls_augment_pipeline_to_string (const LsAugmentPipeline *pipeline)
{
  GString *s = g_string_new (NULL);
  guint seen[LS_AUGMENT_N_KINDS] = { 0 };

  g_string_append_printf (s, "[%s]\nsame-on-batch=%s\n", PIPELINE_GROUP, pipeline->same_on_batch ? "true" : "false");
  for (guint i = 0; i < pipeline->steps->len; i++)
    {
      const LsAugmentSpec *spec = ls_augment_pipeline_get_step (pipeline, i);
      const guint8 *base = (const guint8 *) spec;

      g_string_append_printf (s, "\n[%s", ls_augment_kind_to_string (spec->kind));
      if (seen[spec->kind]++ > 0)
        g_string_append_printf (s, ":%u", seen[spec->kind]);
      g_string_append (s, "]\n");
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          const KeyInfo *info = &keys[k];
          double d[2];
          int n[2];

          if (!(info->kinds & K (spec->kind)))
            continue;
          g_string_append_printf (s, "%s=", info->name);
          switch (info->type)
            {
            case KEY_DOUBLE:
              memcpy (d, base + info->offset, sizeof (double));
              append_number (s, d[0]);
              break;
            case KEY_RANGE:
            case KEY_SYMMETRIC:
            case KEY_PAIR:
              memcpy (d, base + info->offset, 2 * sizeof (double));
              append_number (s, d[0]);
              g_string_append_c (s, ';');
              append_number (s, d[1]);
              break;
            case KEY_INT:
              memcpy (n, base + info->offset, sizeof (int));
              g_string_append_printf (s, "%d", n[0]);
              break;
            case KEY_INT_PAIR:
              memcpy (n, base + info->offset, 2 * sizeof (int));
              g_string_append_printf (s, "%d;%d", n[0], n[1]);
              break;
            case KEY_PADDING:
              g_string_append (s, spec->padding == LS_PADDING_BORDER ? "border" : "zeros");
              break;
            case KEY_BOOL:
              g_string_append (s, spec->same_on_batch ? "true" : "false");
              break;
            default:
              g_assert_not_reached ();
            }
          g_string_append_c (s, '\n');
        }
    }
  return g_string_free (s, FALSE);
}
