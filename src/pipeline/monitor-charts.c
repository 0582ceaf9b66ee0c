/* monitor-charts.c — the monitoring report as the report layer's
 * time-series charts (monitor.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "pipeline/charts.h"
#include "pipeline/monitor.h"

/* Series colours that are not classes. */
#define COLOR_VOLUME 0x1c71d8
#define COLOR_AGREEMENT 0x1c71d8
#define COLOR_KAPPA 0x241f31
#define COLOR_OOD 0xc64600
#define COLOR_LOW_CONFIDENCE 0x613583

void
ls_monitor_charts_free (LsMonitorCharts *charts)
{
  if (charts == NULL)
    return;
  g_free (charts->series);
  g_free (charts->values);
  g_free (charts->starts);
  g_strfreev (charts->texts);
  g_free (charts);
}

static void
chart_init (LsReportTimeSeries *t,
            const LsMonitorReport *r,
            const gint64 *starts,
            LsReportSeries *series,
            int n_series,
            const char *title,
            const char *y_title)
{
  t->n_points = (int) r->n_bins;
  t->start = starts;
  t->bin_usec = r->bin_seconds * G_USEC_PER_SEC;
  t->series = series;
  t->n_series = n_series;
  t->fraction = TRUE;
  t->bound = NAN;
  t->title = title;
  t->y_title = y_title;
}

LsMonitorCharts *
ls_monitor_charts_new (const LsMonitorReport *r)
{
  LsMonitorCharts *c = g_new0 (LsMonitorCharts, 1);
  int k = r->n_classes, nb = (int) r->n_bins;
  /* predictions 1, agreement 2 + k, rates 2, class mix k */
  int n_series = 1 + (2 + k) + 2 + k;
  g_autoptr (GStrvBuilder) texts = g_strv_builder_new ();
  GString *mix = g_string_new (NULL);
  LsReportSeries *s;
  double *v;
  int at = 0;

  c->series = g_new0 (LsReportSeries, n_series);
  c->values = g_new (double, (gsize) n_series *MAX (nb, 1));
  c->starts = g_new (gint64, MAX (nb, 1));
  for (int i = 0; i < nb; i++)
    c->starts[i] = r->bins[i].start;

#define NEXT_SERIES(label_, color_)                                                                        \
  (s = &c->series[at], v = c->values + (gsize) at * MAX (nb, 1), s->label = (label_), s->color = (color_), \
   s->values = v, at++)

  /* Predictions per bin. */
  NEXT_SERIES (_ ("Predictions"), COLOR_VOLUME);
  for (int i = 0; i < nb; i++)
    v[i] = r->bins[i].n_predictions;
  chart_init (&c->charts[LS_MONITOR_CHART_PREDICTIONS], r, c->starts, s, 1, _ ("Predictions"), _ ("Predictions"));
  c->charts[LS_MONITOR_CHART_PREDICTIONS].bars = TRUE;
  c->charts[LS_MONITOR_CHART_PREDICTIONS].fraction = FALSE;

  /* Agreement with the human labels. */
  NEXT_SERIES (_ ("Agreement"), COLOR_AGREEMENT);
  for (int i = 0; i < nb; i++)
    v[i] = r->bins[i].agreement;
  for (int cl = 0; cl < k; cl++)
    {
      NEXT_SERIES (ls_report_class_label (r->classes[cl]), ls_report_class_color (r->classes[cl], cl));
      for (int i = 0; i < nb; i++)
        v[i] = r->bins[i].class_agreement[cl];
    }
  /* κ last, drawn on top of the classes' lines. */
  NEXT_SERIES (_ ("Cohen’s κ"), COLOR_KAPPA);
  for (int i = 0; i < nb; i++)
    v[i] = r->bins[i].kappa;
  chart_init (&c->charts[LS_MONITOR_CHART_AGREEMENT], r, c->starts, &c->series[at - 2 - k], 2 + k,
              _ ("Agreement with the human label"), _ ("Share agreeing · κ"));

  /* OOD and low-confidence rates. */
  {
    g_autofree char *low = g_strdup_printf (_ ("Top probability < %.0f %%"), 100 * r->low_confidence);
    g_autofree char *bound = g_strdup_printf (_ ("OOD drift bound (%.0f %%)"), 100 * r->drift.ood_rate_bound);

    g_strv_builder_add (texts, low);
    g_strv_builder_add (texts, bound);
  }
  NEXT_SERIES (_ ("OOD rate"), COLOR_OOD);
  for (int i = 0; i < nb; i++)
    v[i] = r->bins[i].ood_rate;
  NEXT_SERIES (NULL, COLOR_LOW_CONFIDENCE);
  for (int i = 0; i < nb; i++)
    v[i] = r->bins[i].low_confidence_rate;
  chart_init (&c->charts[LS_MONITOR_CHART_RATES], r, c->starts, &c->series[at - 2], 2,
              _ ("Out-of-distribution and low-confidence answers"), _ ("Share of predictions"));
  c->charts[LS_MONITOR_CHART_RATES].bound = r->drift.ood_rate_bound;

  /* Class mix, the training mix in the title. */
  for (int cl = 0; cl < k; cl++)
    {
      NEXT_SERIES (ls_report_class_label (r->classes[cl]), ls_report_class_color (r->classes[cl], cl));
      for (int i = 0; i < nb; i++)
        v[i] = r->bins[i].n_predictions > 0 ? (double) r->bins[i].predicted[cl] / r->bins[i].n_predictions : NAN;
      if (r->n_training > 0)
        g_string_append_printf (mix, "%s%s %.0f %%", cl == 0 ? "" : ", ", ls_report_class_label (r->classes[cl]),
                                100 * r->training_mix[cl]);
    }
  if (r->n_training > 0)
    {
      /* Translators: %s is the training data's class mix: "Normal 33 %, Pneumonia 34 %, COVID-19 33 %" */
      g_autofree char *title = g_strdup_printf (_ ("Class mix of the predictions (training: %s)"), mix->str);

      g_strv_builder_add (texts, title);
    }
  else
    g_strv_builder_add (texts, _ ("Class mix of the predictions"));
  g_string_free (mix, TRUE);
  chart_init (&c->charts[LS_MONITOR_CHART_CLASS_MIX], r, c->starts, &c->series[at - k], k, NULL,
              _ ("Share of predictions"));
#undef NEXT_SERIES
  g_assert (at == n_series);

  c->texts = g_strv_builder_end (texts);
  c->series[n_series - k - 1].label = c->texts[0];
  c->charts[LS_MONITOR_CHART_RATES].bound_label = c->texts[1];
  c->charts[LS_MONITOR_CHART_CLASS_MIX].title = c->texts[2];
  return c;
}

gboolean
ls_monitor_write_plots (const LsMonitorReport *report,
                        const char *dir,
                        GError **error)
{
  static const char *const names[LS_MONITOR_N_CHARTS] = { "predictions.png", "agreement.png", "rates.png",
                                                          "class-mix.png" };
  g_autoptr (LsMonitorCharts) c = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", dir, g_strerror (e));
      return FALSE;
    }
  c = ls_monitor_charts_new (report);
  for (int i = 0; i < LS_MONITOR_N_CHARTS; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      if (!ls_report_timeseries_save_png (&c->charts[i], LS_CHART_PNG_WIDTH, LS_CHART_PNG_HEIGHT * 3 / 4, path,
                                          error))
        return FALSE;
    }
  if (report->active_metrics != NULL)
    {
      g_autofree char *path = g_build_filename (dir, "reliability.png", NULL);
      g_autoptr (LsMetricCharts) m = ls_metric_charts_new (report->active_metrics);
      g_autofree char *title = g_strdup_printf (_ ("Reliability of the active model %.12s"), report->active_model_id);

      m->reliability.title = title;
      if (!ls_report_reliability_save_png (&m->reliability, LS_CHART_PNG_WIDTH, LS_CHART_PNG_HEIGHT, path, error))
        return FALSE;
    }
  return TRUE;
}
