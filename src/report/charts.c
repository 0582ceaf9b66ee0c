/* charts.c — what the charts share: one size unit, the header with title,
 * subtitle and legend, gridlines, ticks and axis titles
 *
 * Each chart is laid out from its data and the size it is given, so the same
 * code draws a PNG, a PDF figure or a GtkDrawingArea. Sizes derive from one
 * unit, the body font size, which follows the chart's area.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "charts-private.h"

#include <math.h>
#include <string.h>

double
ls_chart_unit (double width,
               double height)
{
  return CLAMP (7.0 + sqrt (width * height) / 110.0, 8.0, 40.0);
}

cairo_t *
ls_chart_measuring_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  ls_report_raster_font_options (cr);
  return cr;
}

static double
key_swatch_width (double u)
{
  return 1.7 * u;
}

double
ls_chart_key_width (cairo_t *cr,
                    double u,
                    const LsChartKey *items,
                    int n)
{
  double w = 0;

  ls_report_font (cr, 0.9 * u, FALSE);
  for (int i = 0; i < n; i++)
    w += key_swatch_width (u) + 0.45 * u + ls_report_text_width (cr, items[i].label) + (i + 1 < n ? 1.3 * u : 0);
  return w;
}

void
ls_chart_hatch (cairo_t *cr,
                double x,
                double y,
                double w,
                double h,
                double spacing,
                double line_width)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_set_line_width (cr, line_width);
  for (double t = -h; t < w; t += spacing)
    {
      cairo_move_to (cr, x + t, y + h);
      cairo_line_to (cr, x + t + h, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Rows apart in a legend that wraps. */
#define KEY_ROW (1.4 * u)

/* Where each legend item goes in rows from @x0 to @right (the font set):
 * the rows used. @xs and @ys (nullable) get each item's place. */
static int
key_rows (cairo_t *cr,
          double u,
          const LsChartKey *items,
          int n,
          double x0,
          double y0,
          double right,
          double *xs,
          double *ys)
{
  double x = x0, y = y0;
  int rows = 1;

  for (int i = 0; i < n; i++)
    {
      double w = key_swatch_width (u) + 0.45 * u + ls_report_text_width (cr, items[i].label);

      if (x > x0 && x + w > right)
        {
          x = x0;
          y += KEY_ROW;
          rows++;
        }
      if (xs != NULL)
        xs[i] = x, ys[i] = y;
      x += w + 1.3 * u;
    }
  return rows;
}

static void
draw_key (cairo_t *cr,
          const LsChartHeader *hd,
          const LsChartKey *items,
          int n)
{
  double u = hd->u, x, y, sw = key_swatch_width (u);
  g_autofree double *xs = g_new (double, MAX (n, 1));
  g_autofree double *ys = g_new (double, MAX (n, 1));

  ls_report_font (cr, 0.9 * u, FALSE);
  key_rows (cr, u, items, n, hd->key_x, hd->key_y, hd->key_right, xs, ys);
  for (int i = 0; i < n; i++)
    {
      x = xs[i];
      y = ys[i];
      cairo_save (cr);
      switch (items[i].kind)
        {
        case LS_CHART_KEY_LINE:
        case LS_CHART_KEY_LINE_MARKER:
          ls_report_rgb (cr, items[i].color);
          cairo_set_line_width (cr, MAX (1.5, 0.17 * u));
          cairo_move_to (cr, x, y);
          cairo_line_to (cr, x + sw, y);
          cairo_stroke (cr);
          if (items[i].kind == LS_CHART_KEY_LINE_MARKER)
            {
              cairo_arc (cr, x + sw / 2, y, 0.26 * u, 0, 2 * G_PI);
              cairo_fill_preserve (cr);
              ls_report_rgb (cr, LS_PAPER);
              cairo_set_line_width (cr, MAX (1.0, 0.08 * u));
              cairo_stroke (cr);
            }
          break;
        case LS_CHART_KEY_DASHED:
          {
            double dash[] = { 0.35 * u, 0.25 * u };

            ls_report_rgb (cr, items[i].color);
            cairo_set_line_width (cr, MAX (1.2, 0.12 * u));
            cairo_set_dash (cr, dash, 2, 0);
            cairo_move_to (cr, x, y);
            cairo_line_to (cr, x + sw, y);
            cairo_stroke (cr);
          }
          break;
        case LS_CHART_KEY_BOX:
          ls_report_rounded_rect (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u, 0.15 * u);
          ls_report_rgb (cr, items[i].color);
          cairo_fill (cr);
          break;
        case LS_CHART_KEY_HATCH:
          cairo_rectangle (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u);
          ls_report_rgba (cr, items[i].color, 0.18);
          cairo_fill (cr);
          ls_report_rgba (cr, items[i].color, 0.7);
          ls_chart_hatch (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u, 0.3 * u, MAX (1.0, 0.07 * u));
          break;
        default:
          break;
        }
      cairo_restore (cr);
      x += sw + 0.45 * u;
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, x, y, 0, LS_VALIGN_MIDDLE, items[i].label);
    }
}

/* Places title, subtitle and legend: the legend sits on the title's row at
 * the right when it fits there, else on rows of its own (wrapped where the
 * chart is too narrow for it). */
void
ls_chart_header_layout (cairo_t *cr,
                        double width,
                        double height,
                        const char *title,
                        const char *subtitle,
                        const LsChartKey *items,
                        int n_items,
                        LsChartHeader *hd)
{
  double u = ls_chart_unit (width, height), title_w, kw;
  double last;

  hd->u = u;
  hd->pad = 1.4 * u;
  ls_report_font (cr, 1.3 * u, TRUE);
  title_w = ls_report_text_width (cr, title);
  hd->title_y = hd->pad + 1.0 * u;
  last = hd->title_y;
  hd->subtitle_y = 0;
  if (subtitle != NULL)
    {
      hd->subtitle_y = hd->title_y + 1.5 * u;
      last = hd->subtitle_y;
    }
  kw = n_items > 0 ? ls_chart_key_width (cr, u, items, n_items) : 0;
  hd->key_right = width - hd->pad;
  if (n_items > 0 && hd->pad + title_w + 2 * u + kw <= width - hd->pad)
    {
      hd->key_x = width - hd->pad - kw;
      hd->key_y = hd->title_y - 0.45 * u;
    }
  else if (n_items > 0)
    {
      int rows;

      hd->key_x = hd->pad;
      hd->key_y = last + 1.5 * u;
      ls_report_font (cr, 0.9 * u, FALSE);
      rows = key_rows (cr, u, items, n_items, hd->key_x, hd->key_y, hd->key_right, NULL, NULL);
      last = hd->key_y + (rows - 1) * KEY_ROW + 0.4 * u;
    }
  hd->content_top = last + 1.6 * u;
}

void
ls_chart_draw_header (cairo_t *cr,
                      double width,
                      const LsChartHeader *hd,
                      const char *title,
                      const char *subtitle,
                      const LsChartKey *items,
                      int n_items)
{
  double max_w = width - 2 * hd->pad;
  g_autofree char *t = NULL;

  ls_report_font (cr, 1.3 * hd->u, TRUE);
  if (n_items > 0 && hd->key_y < hd->title_y)
    max_w = hd->key_x - 2 * hd->u - hd->pad;
  t = ls_report_text_fit (cr, title, max_w);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, hd->pad, hd->title_y, 0, LS_VALIGN_BASELINE, t);
  if (subtitle != NULL)
    {
      g_autofree char *s = NULL;

      ls_report_font (cr, 0.95 * hd->u, FALSE);
      s = ls_report_text_fit (cr, subtitle, width - 2 * hd->pad);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, hd->pad, hd->subtitle_y, 0, LS_VALIGN_BASELINE, s);
    }
  if (n_items > 0)
    draw_key (cr, hd, items, n_items);
}

void
ls_chart_paint_background (cairo_t *cr,
                           double width,
                           double height)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  ls_report_rgb (cr, LS_PAPER);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* What a chart shows when its data cannot be drawn (none yet, or invalid). */
void
ls_chart_draw_message (cairo_t *cr,
                       double width,
                       double height,
                       const char *title,
                       const char *message)
{
  LsChartHeader hd;

  ls_chart_header_layout (cr, width, height, title, NULL, NULL, 0, &hd);
  ls_chart_draw_header (cr, width, &hd, title, NULL, NULL, 0);
  ls_report_font (cr, 1.0 * hd.u, FALSE);
  ls_report_rgb (cr, LS_INK_FAINT);
  ls_report_text (cr, width / 2, (hd.content_top + height) / 2, 0.5, LS_VALIGN_MIDDLE, message);
}

/* 1-px lines land on pixel centres in raster output. */
double
ls_chart_crisp (double v)
{
  return floor (v) + 0.5;
}

/* How many ticks an axis of @length has room for. */
int
ls_chart_ticks_for (double length,
                    double u)
{
  return CLAMP ((int) (length / (2.4 * u)) + 1, 2, 7);
}

double
ls_chart_tick_label_width (cairo_t *cr,
                           const LsNiceScale *s,
                           double lo,
                           double hi,
                           LsTickFormat format)
{
  double w = 0;
  char buf[64];

  for (int i = 0; i < s->n; i++)
    {
      double v = ls_report_nice_tick (s, i);

      if (v < lo - 1e-9 * s->step || v > hi + 1e-9 * s->step)
        continue;
      ls_report_format_tick (v, s->step, format, buf, sizeof buf);
      w = MAX (w, ls_report_text_width (cr, buf));
    }
  return w;
}

/* Horizontal gridlines and y tick labels left of the area. */
void
ls_chart_draw_y_grid (cairo_t *cr,
                      double u,
                      const LsReportAxes *ax,
                      const LsNiceScale *s,
                      LsTickFormat format)
{
  char buf[64];

  ls_report_font (cr, 0.85 * u, FALSE);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < s->n; i++)
    {
      double v = ls_report_nice_tick (s, i), y;

      if (v < ax->y_min - 1e-9 * s->step || v > ax->y_max + 1e-9 * s->step)
        continue;
      ls_report_axes_map (ax, ax->x_min, v, NULL, &y);
      ls_report_rgb (cr, LS_GRID);
      cairo_move_to (cr, ax->area.x, ls_chart_crisp (y));
      cairo_line_to (cr, ax->area.x + ax->area.width, ls_chart_crisp (y));
      cairo_stroke (cr);
      ls_report_format_tick (v, s->step, format, buf, sizeof buf);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, ax->area.x - 0.55 * u, y, 1, LS_VALIGN_MIDDLE, buf);
    }
}

/* Vertical gridlines; tick labels under the area when @labels. */
void
ls_chart_draw_x_grid (cairo_t *cr,
                      double u,
                      const LsReportAxes *ax,
                      const LsNiceScale *s,
                      LsTickFormat format,
                      gboolean labels,
                      double extra_tick)
{
  char buf[64];

  ls_report_font (cr, 0.85 * u, FALSE);
  cairo_set_line_width (cr, 1);
  for (int i = -1; i < s->n; i++)
    {
      double v = i < 0 ? extra_tick : ls_report_nice_tick (s, i), x;

      if (i < 0 && (isnan (extra_tick) || fabs (fmod (extra_tick - s->min, s->step)) < 1e-9))
        continue;
      if (v < ax->x_min - 1e-9 * s->step || v > ax->x_max + 1e-9 * s->step)
        continue;
      ls_report_axes_map (ax, v, ax->y_min, &x, NULL);
      ls_report_rgb (cr, LS_GRID);
      cairo_move_to (cr, ls_chart_crisp (x), ax->area.y);
      cairo_line_to (cr, ls_chart_crisp (x), ax->area.y + ax->area.height);
      cairo_stroke (cr);
      if (!labels)
        continue;
      ls_report_format_tick (v, s->step, format, buf, sizeof buf);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, x, ax->area.y + ax->area.height + 0.5 * u, 0.5, LS_VALIGN_TOP, buf);
    }
}

void
ls_chart_draw_axis_lines (cairo_t *cr,
                          const LsReportAxes *ax)
{
  double x = ls_chart_crisp (ax->area.x), y = ls_chart_crisp (ax->area.y + ax->area.height);

  ls_report_rgb (cr, LS_INK_FAINT);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, x, ax->area.y);
  cairo_line_to (cr, x, y);
  cairo_line_to (cr, ax->area.x + ax->area.width, y);
  cairo_stroke (cr);
}

/* A rotated axis title centred on the area's left side; shortened to
 * @short_title, then ellipsized, when the area is too low for it. */
void
ls_chart_draw_y_title (cairo_t *cr,
                       double u,
                       double x,
                       const LsReportAxes *ax,
                       const char *title,
                       const char *short_title)
{
  g_autofree char *t = NULL;

  ls_report_font (cr, 0.9 * u, FALSE);
  if (short_title != NULL && ls_report_text_width (cr, title) > ax->area.height)
    title = short_title;
  t = ls_report_text_fit (cr, title, MAX (ax->area.height, u));
  ls_report_rgb (cr, LS_INK);
  ls_report_text_vertical (cr, x, ax->area.y + ax->area.height / 2, t);
}
