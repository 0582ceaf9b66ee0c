/* model.c — a network in a safetensors model file
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "model.h"

#include <string.h>

static char *
shape_to_string (int n_dims,
                 const int64_t *shape)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

gboolean
ls_net_load_tensors (LsNet *net,
                     const LsSafetensors *st,
                     GError **error)
{
  /* check everything first, copy after: a refused file leaves the net as it was */
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      const LsTensorEntry *e = ls_safetensors_find (st, t->name);
      gboolean same = e != NULL && e->n_dims == t->n_dims;

      if (e == NULL)
        {
          g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR,
                       "tensor “%s” of the network is missing", t->name);
          return FALSE;
        }
      for (int d = 0; same && d < t->n_dims; d++)
        same = e->shape[d] == t->shape[d];
      if (!same)
        {
          g_autofree char *want = shape_to_string (t->n_dims, t->shape);
          g_autofree char *got = shape_to_string (e->n_dims, e->shape);

          g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR,
                       "tensor “%s” has shape %s, the network needs %s", t->name, got, want);
          return FALSE;
        }
    }
  for (guint i = 0; i < st->n_tensors; i++)
    {
      const char *name = st->tensors[i].name;

      if (!g_str_has_prefix (name, LS_MODEL_EXTRA_PREFIX) && ls_net_find_tensor (net, name) == NULL)
        {
          g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR,
                       "tensor “%s” is not part of the network", name);
          return FALSE;
        }
    }
  for (guint i = 0; i < ls_net_get_n_tensors (net); i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);
      const LsTensorEntry *e = ls_safetensors_find (st, t->name);

      if (t->n_elements > 0)
        memcpy (t->data, e->data, sizeof (float) * t->n_elements);
    }
  ls_net_params_changed (net);
  return TRUE;
}

LsNet *
ls_net_new_from_safetensors (const LsSafetensors *st,
                             GError **error)
{
  const char *arch = g_hash_table_lookup (st->metadata, "arch");
  const char *format = g_hash_table_lookup (st->metadata, "format");
  const char *version = g_hash_table_lookup (st->metadata, "format_version");
  g_autoptr (LsNet) net = NULL;
  guint64 v = 0;

  if (format != NULL && !g_str_equal (format, LS_MODEL_FORMAT))
    {
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR,
                   "format “%s” is not a Lungscope model", format);
      return NULL;
    }
  /* A newer format may mean what this code would misread: refuse it
   * before anything of the file is used. */
  if (version != NULL &&
      (!g_ascii_string_to_unsigned (version, 10, 1, G_MAXUINT32, &v, NULL) || v > LS_MODEL_FORMAT_VERSION_NUMBER))
    {
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_FORMAT,
                   v > LS_MODEL_FORMAT_VERSION_NUMBER
                       ? "model format version %s is newer than this Lungscope reads (%s): update Lungscope"
                       : "model format version “%s” is not a version this Lungscope reads (%s)",
                   version, LS_MODEL_FORMAT_VERSION);
      return NULL;
    }
  if (arch == NULL)
    {
      g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_SPEC,
                   "no “arch” metadata: the network is not described");
      return NULL;
    }
  net = ls_net_new (arch, error);
  if (net == NULL || !ls_net_load_tensors (net, st, error))
    return NULL;
  return g_steal_pointer (&net);
}

LsNet *
ls_net_load (const char *path,
             LsSafetensors **file_out,
             GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LsSafetensors) st = ls_safetensors_read (path, error);
  LsNet *net;

  if (st == NULL)
    return NULL;
  net = ls_net_new_from_safetensors (st, &local);
  if (net == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, local->domain, local->code, "%s: %s", display, local->message);
      return NULL;
    }
  if (file_out != NULL)
    *file_out = g_steal_pointer (&st);
  return net;
}

gboolean
ls_net_save (LsNet *net,
             const char *path,
             GHashTable *metadata,
             const LsTensorEntry *extra,
             guint n_extra,
             GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n = ls_net_get_n_tensors (net);
  g_autofree LsTensorEntry *entries = g_new0 (LsTensorEntry, n + n_extra);

  if (metadata != NULL)
    {
      GHashTableIter iter;
      gpointer k, v;

      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &k, &v))
        g_hash_table_insert (meta, g_strdup (k), g_strdup (v));
    }
  g_hash_table_insert (meta, g_strdup ("format"), g_strdup (LS_MODEL_FORMAT));
  g_hash_table_insert (meta, g_strdup ("format_version"), g_strdup (LS_MODEL_FORMAT_VERSION));
  g_hash_table_insert (meta, g_strdup ("arch"), g_strdup (ls_net_get_spec (net)->text));

  for (guint i = 0; i < n; i++)
    {
      const LsNetTensor *t = ls_net_get_tensor (net, i);

      entries[i].name = (char *) t->name;
      entries[i].n_dims = t->n_dims;
      for (int d = 0; d < t->n_dims; d++)
        entries[i].shape[d] = t->shape[d];
      entries[i].n_elements = t->n_elements;
      entries[i].data = t->data;
    }
  for (guint i = 0; i < n_extra; i++)
    {
      if (!g_str_has_prefix (extra[i].name, LS_MODEL_EXTRA_PREFIX) || ls_net_find_tensor (net, extra[i].name) != NULL)
        {
          g_set_error (error, LS_NET_ERROR, LS_NET_ERROR_TENSOR,
                       "extra tensor “%s” must be named “%s…”", extra[i].name,
                       LS_MODEL_EXTRA_PREFIX);
          return FALSE;
        }
      entries[n + i] = extra[i];
    }
  return ls_safetensors_write (path, meta, entries, n + n_extra, error);
}
