/* chart-timeseries.c — values per time bin: counts as bars, rates as lines,
 * a dashed bound (monitoring)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "charts-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#define MAX_KEY 8

static gboolean
timeseries_check (const LsReportTimeSeries *t,
                  GError **error)
{
  if (t->n_points < 0 || (t->n_points > 0 && (t->start == NULL || t->bin_usec <= 0 || t->n_series < 1 ||
                                              t->series == NULL)))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "time series: %d bins of %" G_GINT64_FORMAT " µs with %d series", t->n_points, t->bin_usec,
                   t->n_series);
      return FALSE;
    }
  for (int s = 0; s < t->n_series && t->n_points > 0; s++)
    for (int i = 0; i < t->n_points; i++)
      {
        double v = t->series[s].values[i];

        if (isfinite (v) && (t->fraction ? v < -1 || v > 1 : v < 0))
          {
            g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                         "time series “%s”: value %g in bin %d is outside %s", t->series[s].label ? t->series[s].label : "",
                         v, i, t->fraction ? "[−1, 1]" : "[0, ∞)");
            return FALSE;
          }
      }
  for (int i = 1; i < t->n_points; i++)
    if (t->start[i] <= t->start[i - 1])
      {
        g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                     "time series: bin %d does not start after bin %d", i, i - 1);
        return FALSE;
      }
  return TRUE;
}

typedef struct
{
  LsChartHeader hd;
  LsReportAxes plot;
  LsNiceScale ys;
  double y_title_x;
  LsChartKey key[MAX_KEY];
  int n_key;
} SeriesGeom;

static void
timeseries_key (const LsReportTimeSeries *t,
                LsChartKey *items,
                int *n)
{
  *n = 0;
  for (int s = 0; s < t->n_series && *n < MAX_KEY - 1; s++)
    items[(*n)++] = (LsChartKey){ s == 0 && t->bars ? LS_CHART_KEY_BOX : LS_CHART_KEY_LINE, t->series[s].color,
                                  t->series[s].label != NULL ? t->series[s].label : "" };
  if (isfinite (t->bound))
    items[(*n)++] = (LsChartKey){ LS_CHART_KEY_DASHED, LS_RED, t->bound_label != NULL ? t->bound_label : _ ("Bound") };
}

/* The date format for a bin width: hours need the time of day. */
static const char *
date_format (gint64 bin_usec)
{
  return bin_usec < G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC ? "%m-%d %H:%M" : "%Y-%m-%d";
}

static void
timeseries_layout (const LsReportTimeSeries *t,
                   cairo_t *cr,
                   double width,
                   double height,
                   SeriesGeom *g)
{
  double lo = 0, hi = t->fraction ? 0.1 : 1, u, left, right, label_w;

  memset (g, 0, sizeof *g);
  timeseries_key (t, g->key, &g->n_key);
  ls_chart_header_layout (cr, width, height, t->title ? t->title : _ ("Over time"), NULL, g->key, g->n_key, &g->hd);
  u = g->hd.u;
  for (int s = 0; s < t->n_series; s++)
    for (int i = 0; i < t->n_points; i++)
      if (isfinite (t->series[s].values[i]))
        {
          hi = MAX (hi, t->series[s].values[i]);
          lo = MIN (lo, t->series[s].values[i]);
        }
  if (isfinite (t->bound))
    hi = MAX (hi, t->bound);
  if (t->fraction)
    hi = MIN (1, hi * 1.1);
  g->plot.area.y = g->hd.content_top;
  g->plot.area.height = MAX (height - g->hd.pad - 1.6 * u - 1.6 * u - g->plot.area.y, u);
  ls_report_nice_scale (lo, hi, ls_chart_ticks_for (g->plot.area.height, u), !t->fraction, &g->ys);
  g->plot.y_min = t->fraction ? MAX (-1, g->ys.min) : 0;
  g->plot.y_max = t->fraction ? MIN (1, g->ys.max) : g->ys.max;
  ls_report_font (cr, 0.85 * u, FALSE);
  label_w = ls_chart_tick_label_width (cr, &g->ys, g->plot.y_min, g->plot.y_max,
                                       t->fraction ? LS_TICK_PERCENT : LS_TICK_PLAIN);
  g->y_title_x = g->hd.pad + 0.5 * u;
  left = g->y_title_x + (t->y_title != NULL ? 0.9 * u : 0) + label_w + 0.55 * u;
  right = width - g->hd.pad - 0.6 * u;
  g->plot.area.x = left;
  g->plot.area.width = MAX (right - left, u);
  g->plot.x_min = 0;
  g->plot.x_max = MAX (t->n_points, 1);
}

static void
draw_bars (cairo_t *cr,
           const LsReportAxes *ax,
           const LsReportTimeSeries *t)
{
  const LsReportSeries *s = &t->series[0];
  double slot = ax->area.width / MAX (t->n_points, 1);
  double gap = slot > 6 ? MAX (1, slot * 0.15) : 0;

  ls_report_rgb (cr, s->color);
  for (int i = 0; i < t->n_points; i++)
    {
      double x0, y0, x1, y1;

      if (!isfinite (s->values[i]) || s->values[i] <= 0)
        continue;
      ls_report_axes_map (ax, i, MIN (s->values[i], ax->y_max), &x0, &y1);
      ls_report_axes_map (ax, i + 1, 0, &x1, &y0);
      cairo_rectangle (cr, x0 + gap / 2, y1, MAX (x1 - x0 - gap, 1), y0 - y1);
    }
  cairo_fill (cr);
}

static void
draw_line (cairo_t *cr,
           const LsReportAxes *ax,
           const LsReportSeries *s,
           int n,
           double line_width)
{
  gboolean pen_down = FALSE;

  cairo_save (cr);
  ls_report_rgb (cr, s->color);
  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < n; i++)
    {
      double x, y;

      if (!isfinite (s->values[i]))
        {
          pen_down = FALSE;
          continue;
        }
      ls_report_axes_map (ax, i + 0.5, s->values[i], &x, &y);
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  /* Points where bins are wide enough, and always for a bin between gaps
   * (a lone value still shows). */
  for (int i = 0; i < n; i++)
    {
      gboolean lone = (i == 0 || !isfinite (s->values[i - 1])) && (i + 1 >= n || !isfinite (s->values[i + 1]));
      double x, y;

      if (!isfinite (s->values[i]) || (!lone && ax->area.width / n < 8 * line_width))
        continue;
      ls_report_axes_map (ax, i + 0.5, s->values[i], &x, &y);
      cairo_arc (cr, x, y, line_width * 1.3, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* Dates under the plot, as many as fit without overlapping. */
static void
draw_dates (cairo_t *cr,
            const LsReportTimeSeries *t,
            const SeriesGeom *g)
{
  const char *format = date_format (t->bin_usec);
  double u = g->hd.u, slot = g->plot.area.width / MAX (t->n_points, 1), label_w;
  int every;

  ls_report_font (cr, 0.85 * u, FALSE);
  label_w = ls_report_text_width (cr, strlen (format) > 8 ? "00-00 00:00" : "0000-00-00") + 1.5 * u;
  every = MAX (1, (int) ceil (label_w / slot));
  ls_report_rgb (cr, LS_INK_SOFT);
  for (int i = 0; i < t->n_points; i += every)
    {
      g_autoptr (GDateTime) d = g_date_time_new_from_unix_utc (t->start[i] / G_USEC_PER_SEC);
      g_autofree char *text = d != NULL ? g_date_time_format (d, format) : g_strdup ("?");
      double x;

      ls_report_axes_map (&g->plot, i + 0.5, 0, &x, NULL);
      ls_report_text (cr, x, g->plot.area.y + g->plot.area.height + 0.5 * u, 0.5, LS_VALIGN_TOP, text);
    }
  ls_report_font (cr, 0.9 * u, FALSE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, g->plot.area.x + g->plot.area.width / 2, g->plot.area.y + g->plot.area.height + 2.2 * u,
                  0.5, LS_VALIGN_TOP, _ ("Date (UTC)"));
}

static void
timeseries_draw (gconstpointer data,
                 cairo_t *cr,
                 double width,
                 double height)
{
  const LsReportTimeSeries *t = data;
  const char *title = t->title ? t->title : _ ("Over time");
  SeriesGeom g;
  double u;

  cairo_save (cr);
  ls_chart_paint_background (cr, width, height);
  if (!timeseries_check (t, NULL) || t->n_points == 0)
    {
      ls_chart_draw_message (cr, width, height, title,
                             t->n_points == 0 ? _ ("No predictions logged yet") : _ ("This chart cannot be drawn"));
      cairo_restore (cr);
      return;
    }
  timeseries_layout (t, cr, width, height, &g);
  u = g.hd.u;
  ls_chart_draw_header (cr, width, &g.hd, title, NULL, g.key, g.n_key);
  ls_chart_draw_y_grid (cr, u, &g.plot, &g.ys, t->fraction ? LS_TICK_PERCENT : LS_TICK_PLAIN);
  if (t->y_title != NULL)
    ls_chart_draw_y_title (cr, u, g.y_title_x, &g.plot, t->y_title, NULL);
  if (t->bars)
    draw_bars (cr, &g.plot, t);
  for (int s = t->bars ? 1 : 0; s < t->n_series; s++)
    draw_line (cr, &g.plot, &t->series[s], t->n_points, MAX (1.5, 0.17 * u));
  if (isfinite (t->bound) && t->bound <= g.plot.y_max)
    {
      double dash[] = { 0.5 * u, 0.3 * u }, y;

      ls_report_axes_map (&g.plot, 0, t->bound, NULL, &y);
      cairo_save (cr);
      ls_report_rgb (cr, LS_RED);
      cairo_set_line_width (cr, MAX (1.2, 0.12 * u));
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, g.plot.area.x, y);
      cairo_line_to (cr, g.plot.area.x + g.plot.area.width, y);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  ls_chart_draw_axis_lines (cr, &g.plot);
  draw_dates (cr, t, &g);
  cairo_restore (cr);
}

void
ls_report_timeseries_draw (const LsReportTimeSeries *series,
                           cairo_t *cr,
                           double width,
                           double height)
{
  g_return_if_fail (series != NULL && cr != NULL);
  timeseries_draw (series, cr, width, height);
}

gboolean
ls_report_timeseries_get_layout (const LsReportTimeSeries *series,
                                 double width,
                                 double height,
                                 LsReportAxes *plot)
{
  cairo_t *cr;
  SeriesGeom g;

  g_return_val_if_fail (series != NULL && plot != NULL, FALSE);
  memset (plot, 0, sizeof *plot);
  if (!timeseries_check (series, NULL) || series->n_points == 0)
    return FALSE;
  cr = ls_chart_measuring_context ();
  timeseries_layout (series, cr, width, height, &g);
  cairo_destroy (cr);
  *plot = g.plot;
  return TRUE;
}

gboolean
ls_report_timeseries_save_png (const LsReportTimeSeries *series,
                               int width,
                               int height,
                               const char *path,
                               GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (series != NULL && path != NULL, FALSE);
  if (!timeseries_check (series, &local))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, _ ("Cannot draw “%s”: %s"), path, local->message);
      return FALSE;
    }
  return ls_report_save_png (timeseries_draw, series, width, height, path, error);
}
