/* chart-reliability.c — the reliability diagram: accuracy per confidence bin
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "charts-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#define MAX_BINS 1000

static gboolean
reliability_check (const LsReportReliability *r,
                   GError **error)
{
  if (r->n_bins < 1 || r->n_bins > MAX_BINS || r->count == NULL || r->accuracy == NULL || r->confidence == NULL)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "reliability diagram: %d bins (1 … %d, with counts, confidences and accuracies)", r->n_bins,
                   MAX_BINS);
      return FALSE;
    }
  if (!isfinite (r->ece) || r->ece < 0 || r->ece > 1)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "reliability diagram: ECE %g is outside 0 … 1",
                   r->ece);
      return FALSE;
    }
  for (int i = 0; i < r->n_bins; i++)
    if (r->count[i] < 0 || (r->count[i] > 0 && !(r->accuracy[i] >= 0 && r->accuracy[i] <= 1)))
      {
        g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                     "reliability diagram: bin %d has count %d and accuracy %g", i, r->count[i], r->accuracy[i]);
        return FALSE;
      }
  return TRUE;
}

typedef struct
{
  LsChartHeader hd;
  LsReportReliabilityLayout lay;
  LsNiceScale xs, ys, hs;
  double y_title_x;
} ReliabilityGeom;

static const LsChartKey reliability_key[] = {
  { LS_CHART_KEY_BOX, LS_BLUE, N_ ("Accuracy") },
  { LS_CHART_KEY_HATCH, LS_RED, N_ ("Gap") },
  { LS_CHART_KEY_DASHED, LS_INK_SOFT, N_ ("Perfect calibration") },
};

/* The legend in the user's language. */
static void
reliability_keys (LsChartKey key[G_N_ELEMENTS (reliability_key)])
{
  for (guint i = 0; i < G_N_ELEMENTS (reliability_key); i++)
    {
      key[i] = reliability_key[i];
      key[i].label = _ (reliability_key[i].label);
    }
}

static char *
reliability_title (const LsReportReliability *r)
{
  return g_strdup_printf ("%s — ECE %.3f", r->title ? r->title : _ ("Reliability diagram"), r->ece);
}

static char *
reliability_subtitle (const LsReportReliability *r)
{
  gint64 total = 0;

  for (int i = 0; i < r->n_bins; i++)
    total += r->count[i];
  {
    g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, total);
    g_autofree char *images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s image", "%s images",
                                                            (gulong) MIN (total, G_MAXULONG)),
                                               n);
    g_autofree char *bins = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%d confidence bin", "%d confidence bins", (gulong) MAX (r->n_bins, 0)),
        r->n_bins);

    /* Translators: the reliability diagram's subtitle: "120 images in 10 confidence bins" */
    return g_strdup_printf (_ ("%s in %s"), images, bins);
  }
}

static void
reliability_layout (const LsReportReliability *r,
                    cairo_t *cr,
                    double width,
                    double height,
                    ReliabilityGeom *g)
{
  g_autofree char *title = reliability_title (r);
  g_autofree char *subtitle = reliability_subtitle (r);
  double u, left, right, top, bottom, gap, avail, label_w;
  int max_count = 0;

  memset (g, 0, sizeof *g);
  {
    LsChartKey key[G_N_ELEMENTS (reliability_key)];

    reliability_keys (key);
    ls_chart_header_layout (cr, width, height, title, subtitle, key, G_N_ELEMENTS (key), &g->hd);
  }
  u = g->hd.u;
  for (int i = 0; i < r->n_bins; i++)
    max_count = MAX (max_count, r->count[i]);
  top = g->hd.content_top;
  bottom = height - g->hd.pad - 1.6 * u - 1.6 * u;
  gap = 1.0 * u;
  avail = MAX (bottom - top - gap, 2 * u);
  ls_report_nice_scale (0, 1, MIN (ls_chart_ticks_for (avail * 0.78, u), 6), FALSE, &g->ys);
  ls_report_nice_scale (0, MAX (max_count, 1), MIN (ls_chart_ticks_for (avail * 0.22, u), 3), TRUE, &g->hs);

  ls_report_font (cr, 0.85 * u, FALSE);
  label_w = MAX (ls_chart_tick_label_width (cr, &g->ys, 0, 1, LS_TICK_PERCENT),
                 ls_chart_tick_label_width (cr, &g->hs, 0, g->hs.max, LS_TICK_PLAIN));
  g->y_title_x = g->hd.pad + 0.5 * u;
  left = g->y_title_x + 0.9 * u + label_w + 0.55 * u;
  right = width - g->hd.pad - 0.6 * u;
  ls_report_nice_scale (0, 1, MIN (CLAMP ((int) ((right - left) / (4.5 * u)), 2, 10), 6), FALSE, &g->xs);

  g->lay.plot.area = (LsReportRect){ left, top, MAX (right - left, u), avail * 0.78 };
  g->lay.plot.x_min = 0;
  g->lay.plot.x_max = 1;
  g->lay.plot.y_min = 0;
  g->lay.plot.y_max = 1;
  g->lay.histogram.area = (LsReportRect){ left, top + avail * 0.78 + gap, MAX (right - left, u), avail * 0.22 };
  g->lay.histogram.x_min = 0;
  g->lay.histogram.x_max = 1;
  g->lay.histogram.y_min = 0;
  g->lay.histogram.y_max = g->hs.max;
}

static void
reliability_draw (gconstpointer data,
                  cairo_t *cr,
                  double width,
                  double height)
{
  const LsReportReliability *r = data;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const LsReportAxes *plot, *hist;
  double u, bw;
  ReliabilityGeom g;

  cairo_save (cr);
  ls_chart_paint_background (cr, width, height);
  if (!reliability_check (r, NULL))
    {
      ls_chart_draw_message (cr, width, height, r->title ? r->title : _ ("Reliability diagram"),
                             _ ("This diagram cannot be drawn"));
      cairo_restore (cr);
      return;
    }
  reliability_layout (r, cr, width, height, &g);
  u = g.hd.u;
  plot = &g.lay.plot;
  hist = &g.lay.histogram;
  title = reliability_title (r);
  subtitle = reliability_subtitle (r);
  {
    LsChartKey key[G_N_ELEMENTS (reliability_key)];

    reliability_keys (key);
    ls_chart_draw_header (cr, width, &g.hd, title, subtitle, key, G_N_ELEMENTS (key));
  }

  ls_chart_draw_x_grid (cr, u, plot, &g.xs, LS_TICK_PERCENT, FALSE, NAN);
  ls_chart_draw_y_grid (cr, u, plot, &g.ys, LS_TICK_PERCENT);
  ls_chart_draw_x_grid (cr, u, hist, &g.xs, LS_TICK_PERCENT, TRUE, NAN);
  ls_chart_draw_y_grid (cr, u, hist, &g.hs, LS_TICK_PLAIN);
  ls_chart_draw_y_title (cr, u, g.y_title_x, plot, _ ("Accuracy"), NULL);
  ls_chart_draw_y_title (cr, u, g.y_title_x, hist, _ ("Images"), NULL);
  ls_report_font (cr, 0.9 * u, FALSE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, hist->area.x + hist->area.width / 2, hist->area.y + hist->area.height + 2.2 * u, 0.5,
                  LS_VALIGN_TOP, _ ("Confidence"));

  bw = 1.0 / r->n_bins;
  for (int i = 0; i < r->n_bins; i++)
    {
      double x0, x1, ya, yc, y0, inset = bw * (r->n_bins > 30 ? 0.04 : 0.07);
      double conf = isfinite (r->confidence[i]) ? CLAMP (r->confidence[i], 0, 1) : (i + 0.5) * bw;

      if (r->count[i] == 0)
        continue;
      ls_report_axes_map (plot, i * bw + inset, r->accuracy[i], &x0, &ya);
      ls_report_axes_map (plot, (i + 1) * bw - inset, conf, &x1, &yc);
      ls_report_axes_map (plot, 0, 0, NULL, &y0);

      /* Accuracy bar. */
      cairo_rectangle (cr, x0, ya, x1 - x0, y0 - ya);
      ls_report_rgba (cr, LS_BLUE, 0.85);
      cairo_fill_preserve (cr);
      ls_report_rgb (cr, LS_BLUE_DARK);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);

      /* Gap to the mean confidence. */
      if (fabs (yc - ya) >= 0.5)
        {
          double top = MIN (ya, yc), h = fabs (yc - ya);

          /* Over a bar (an under-confident bin), wash the bar out first
           * so the gap reads as the same pink as elsewhere. */
          if (r->accuracy[i] > conf)
            {
              cairo_rectangle (cr, x0, top, x1 - x0, h);
              ls_report_rgba (cr, LS_PAPER, 0.7);
              cairo_fill (cr);
            }
          cairo_rectangle (cr, x0, top, x1 - x0, h);
          ls_report_rgba (cr, LS_RED, 0.16);
          cairo_fill (cr);
          ls_report_rgba (cr, LS_RED, 0.65);
          ls_chart_hatch (cr, x0, top, x1 - x0, h, MAX (3.0, 0.32 * u), MAX (1.0, 0.07 * u));
          cairo_rectangle (cr, x0 + 0.5, top + 0.5, x1 - x0 - 1, MAX (h - 1, 0));
          ls_report_rgba (cr, LS_RED, 0.8);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
        }

      /* Images in the bin. */
      ls_report_axes_map (hist, i * bw + inset, r->count[i], &x0, &ya);
      ls_report_axes_map (hist, (i + 1) * bw - inset, 0, &x1, &y0);
      cairo_rectangle (cr, x0, ya, x1 - x0, y0 - ya);
      ls_report_rgb (cr, LS_HISTOGRAM);
      cairo_fill (cr);
    }

  /* The diagonal, on top. */
  {
    double dash[] = { 0.45 * u, 0.3 * u };
    double xa, ya, xb, yb;

    ls_report_axes_map (plot, 0, 0, &xa, &ya);
    ls_report_axes_map (plot, 1, 1, &xb, &yb);
    cairo_save (cr);
    ls_report_rgb (cr, LS_INK_SOFT);
    cairo_set_line_width (cr, MAX (1.5, 0.13 * u));
    cairo_set_dash (cr, dash, 2, 0);
    cairo_move_to (cr, xa, ya);
    cairo_line_to (cr, xb, yb);
    cairo_stroke (cr);
    cairo_restore (cr);
  }
  ls_chart_draw_axis_lines (cr, plot);
  ls_chart_draw_axis_lines (cr, hist);
  cairo_restore (cr);
}

void
ls_report_reliability_draw (const LsReportReliability *reliability,
                            cairo_t *cr,
                            double width,
                            double height)
{
  g_return_if_fail (reliability != NULL && cr != NULL);
  if (!(width > 0 && height > 0 && isfinite (width * height)))
    return;
  reliability_draw (reliability, cr, width, height);
}

gboolean
ls_report_reliability_get_layout (const LsReportReliability *reliability,
                                  double width,
                                  double height,
                                  LsReportReliabilityLayout *layout)
{
  ReliabilityGeom g;
  cairo_t *cr;

  g_return_val_if_fail (reliability != NULL && layout != NULL, FALSE);
  memset (layout, 0, sizeof *layout);
  if (!reliability_check (reliability, NULL))
    return FALSE;
  cr = ls_chart_measuring_context ();
  reliability_layout (reliability, cr, width, height, &g);
  cairo_destroy (cr);
  *layout = g.lay;
  return TRUE;
}

gboolean
ls_report_reliability_save_png (const LsReportReliability *reliability,
                                int width,
                                int height,
                                const char *path,
                                GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (reliability != NULL && path != NULL, FALSE);
  if (!reliability_check (reliability, &local))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, _ ("Cannot draw “%s”: %s"), path, local->message);
      return FALSE;
    }
  return ls_report_save_png (reliability_draw, reliability, width, height, path, error);
}
