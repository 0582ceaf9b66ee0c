/* charts.c — metrics and training epochs as the report layer's charts
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <gio/gio.h>

#include "pipeline/charts.h"

LsMetricCharts *
ls_metric_charts_new (const LsMetrics *m)
{
  LsMetricCharts *c = g_new0 (LsMetricCharts, 1);

  c->names = g_new0 (const char *, m->n_classes + 1);
  for (int k = 0; k < m->n_classes; k++)
    c->names[k] = ls_report_class_label (m->class_names[k]);
  c->counts = g_memdup2 (m->confusion, sizeof (int) * m->n_classes * m->n_classes);
  c->confusion.n_classes = m->n_classes;
  c->confusion.class_names = c->names;
  c->confusion.counts = c->counts;
  c->bin_count = g_new (int, MAX (m->n_bins, 1));
  c->bin_confidence = g_new (double, MAX (m->n_bins, 1));
  c->bin_accuracy = g_new (double, MAX (m->n_bins, 1));
  for (int b = 0; b < m->n_bins; b++)
    {
      c->bin_count[b] = m->bins[b].count;
      c->bin_confidence[b] = m->bins[b].confidence;
      c->bin_accuracy[b] = m->bins[b].accuracy;
    }
  c->reliability.n_bins = m->n_bins;
  c->reliability.count = c->bin_count;
  c->reliability.confidence = c->bin_confidence;
  c->reliability.accuracy = c->bin_accuracy;
  c->reliability.ece = m->ece;
  return c;
}

void
ls_metric_charts_free (LsMetricCharts *c)
{
  if (c == NULL)
    return;
  g_free (c->names);
  g_free (c->counts);
  g_free (c->bin_count);
  g_free (c->bin_confidence);
  g_free (c->bin_accuracy);
  g_free (c);
}

LsCurvesChart *
ls_curves_chart_new (const LsTrainEpoch *epochs,
                     int n_epochs,
                     int best_epoch)
{
  LsCurvesChart *c = g_new0 (LsCurvesChart, 1);
  int n = MAX (n_epochs, 1);
  double *v = c->values = g_new (double, 5 * (gsize) n);

  for (int i = 0; i < n_epochs; i++)
    {
      v[i] = epochs[i].train_loss;
      v[n + i] = epochs[i].val_loss;
      v[2 * n + i] = epochs[i].train_accuracy;
      v[3 * n + i] = epochs[i].val_accuracy;
      v[4 * n + i] = epochs[i].lr;
    }
  c->curves.n_epochs = n_epochs;
  c->curves.train_loss = v;
  c->curves.val_loss = v + n;
  c->curves.train_acc = v + 2 * n;
  c->curves.val_acc = v + 3 * n;
  c->curves.lr = v + 4 * n;
  c->curves.best_epoch = best_epoch - 1;
  return c;
}

void
ls_curves_chart_free (LsCurvesChart *c)
{
  if (c == NULL)
    return;
  g_free (c->values);
  g_free (c);
}

static gboolean
make_dir (const char *dir,
          GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", dir, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
ls_pipeline_write_metric_plots (const LsMetrics *metrics,
                                const char *dir,
                                GError **error)
{
  g_autofree char *confusion_path = g_build_filename (dir, "confusion.png", NULL);
  g_autofree char *reliability_path = g_build_filename (dir, "reliability.png", NULL);
  g_autoptr (LsMetricCharts) c = NULL;

  if (!make_dir (dir, error))
    return FALSE;
  c = ls_metric_charts_new (metrics);
  return ls_report_confusion_save_png (&c->confusion, LS_CHART_PNG_WIDTH, LS_CHART_PNG_HEIGHT,
                                       confusion_path, error) &&
         ls_report_reliability_save_png (&c->reliability, LS_CHART_PNG_WIDTH, LS_CHART_PNG_HEIGHT,
                                         reliability_path, error);
}

gboolean
ls_pipeline_write_curves (const LsTrainEpoch *epochs,
                          int n_epochs,
                          int best_epoch,
                          const char *dir,
                          GError **error)
{
  g_autofree char *path = g_build_filename (dir, "curves.png", NULL);
  g_autoptr (LsCurvesChart) c = NULL;

  if (!make_dir (dir, error))
    return FALSE;
  c = ls_curves_chart_new (epochs, n_epochs, best_epoch);
  return ls_report_curves_save_png (&c->curves, LS_CHART_PNG_WIDTH, LS_CHART_PNG_HEIGHT, path, error);
}
