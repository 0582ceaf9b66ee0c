/* metrics-ref-tool.c — prints ls_metrics_compute() as JSON for the numpy
 * reference check (tests/ref/metrics_ref.py)
 *
 * Input file: a first line "n k n_bins", then one line per sample:
 * "label source p_0 … p_{k-1}", where source "-" means none.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pipeline/metrics.h"

static gboolean
parse_int (const char *text,
           int *out)
{
  gint64 v;

  if (!g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &v, NULL))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) head = NULL;
  g_autofree float *probs = NULL;
  g_autofree int *labels = NULL;
  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (LsMetrics) m = NULL;
  g_autofree char *json = NULL;
  gboolean any_source = FALSE;
  int n, k, n_bins;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s INPUT\n", argv[0]);
      return 2;
    }
  if (!g_file_get_contents (argv[1], &text, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  lines = g_strsplit (text, "\n", -1);
  head = g_strsplit (lines[0], " ", -1);
  if (g_strv_length (head) != 3 || !parse_int (head[0], &n) || !parse_int (head[1], &k) ||
      !parse_int (head[2], &n_bins) || n < 1 || k < 1 || g_strv_length (lines) < (guint) n + 1)
    {
      fprintf (stderr, "%s: bad header\n", argv[1]);
      return 1;
    }
  probs = g_new (float, (gsize) n *k);
  labels = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i + 1], " ", -1);

      if (g_strv_length (f) != (guint) k + 2 || !parse_int (f[0], &labels[i]))
        {
          fprintf (stderr, "%s: line %d: bad sample\n", argv[1], i + 2);
          return 1;
        }
      any_source |= g_strcmp0 (f[1], "-") != 0;
      g_ptr_array_add (sources, g_strcmp0 (f[1], "-") == 0 ? NULL : g_strdup (f[1]));
      for (int c = 0; c < k; c++)
        probs[(gsize) i * k + c] = (float) g_ascii_strtod (f[c + 2], NULL);
    }
  m = ls_metrics_compute (n, k, probs, labels, any_source ? (const char *const *) sources->pdata : NULL,
                          NULL, n_bins, &error);
  if (m == NULL)
    {
      fprintf (stderr, "%s: %s\n", argv[1], error->message);
      return 1;
    }
  json = ls_metrics_to_json (m);
  printf ("%s\n", json);
  return 0;
}
