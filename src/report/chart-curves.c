/* chart-curves.c — training curves: loss, accuracy and learning rate per epoch
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "charts-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

/* Epochs up to which validation points get markers. */
#define MARKER_EPOCHS 40

static gboolean
curves_check (const LsReportCurves *c,
              GError **error)
{
  if (c->n_epochs < 0 || c->best_epoch < -1 || (c->n_epochs > 0 && c->best_epoch >= c->n_epochs))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "training curves: %d epochs with best epoch index %d", c->n_epochs, c->best_epoch);
      return FALSE;
    }
  if (c->n_epochs > 0 && c->train_loss == NULL && c->val_loss == NULL && c->train_acc == NULL &&
      c->val_acc == NULL)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "training curves: %d epochs but no series", c->n_epochs);
      return FALSE;
    }
  return TRUE;
}

static gboolean
series_range (const double *v,
              int n,
              double *lo,
              double *hi)
{
  gboolean any = FALSE;

  if (v == NULL)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        *lo = MIN (*lo, v[i]);
        *hi = MAX (*hi, v[i]);
        any = TRUE;
      }
  return any;
}

typedef struct
{
  LsChartHeader hd;
  LsReportCurvesLayout lay;
  LsNiceScale xs, loss_s, acc_s, lr_s;
  double y_title_x;
} CurvesGeom;

static void
curves_key (const LsReportCurves *c,
            LsChartKey *items,
            int *n)
{
  *n = 0;
  if (c->train_loss != NULL || c->train_acc != NULL)
    items[(*n)++] = (LsChartKey){ LS_CHART_KEY_LINE, LS_BLUE, _ ("Training") };
  if (c->val_loss != NULL || c->val_acc != NULL)
    items[(*n)++] = (LsChartKey){ c->n_epochs <= MARKER_EPOCHS ? LS_CHART_KEY_LINE_MARKER : LS_CHART_KEY_LINE, LS_ORANGE, _ ("Validation") };
  if (c->best_epoch >= 0)
    items[(*n)++] = (LsChartKey){ LS_CHART_KEY_DASHED, LS_INK_SOFT, _ ("Best epoch") };
}

static char *
curves_subtitle (const LsReportCurves *c)
{
  GString *s = g_string_new (NULL);
  int b = c->best_epoch;

  if (b < 0)
    {
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d epoch", "%d epochs", (gulong) MAX (c->n_epochs, 0)),
                              c->n_epochs);
      return g_string_free (s, FALSE);
    }
  g_string_append_printf (s, _ ("Best epoch %d of %d"), b + 1, c->n_epochs);
  if (c->val_loss != NULL && isfinite (c->val_loss[b]))
    {
      g_string_append (s, " · ");
      g_string_append_printf (s, _ ("validation loss %.3f"), c->val_loss[b]);
    }
  if (c->val_acc != NULL && isfinite (c->val_acc[b]))
    {
      char buf[32];

      ls_report_format_percent (c->val_acc[b], buf, sizeof buf);
      g_string_append (s, " · ");
      g_string_append_printf (s, _ ("validation accuracy %s"), buf);
    }
  return g_string_free (s, FALSE);
}

static void
curves_layout (const LsReportCurves *c,
               cairo_t *cr,
               double width,
               double height,
               CurvesGeom *g)
{
  LsChartKey items[3];
  int n_items, n = c->n_epochs;
  double loss_lo = G_MAXDOUBLE, loss_hi = -G_MAXDOUBLE, acc_lo = G_MAXDOUBLE, acc_hi = -G_MAXDOUBLE;
  double lr_lo = G_MAXDOUBLE, lr_hi = -G_MAXDOUBLE;
  double u, left, right, top, bottom, avail, gap, weight_sum = 0, y, label_w = 0;
  g_autofree char *subtitle = curves_subtitle (c);
  LsReportAxes *panels[3];
  double weights[3];
  int n_panels = 0;

  memset (g, 0, sizeof *g);
  curves_key (c, items, &n_items);
  ls_chart_header_layout (cr, width, height, c->title ? c->title : _ ("Training curves"), subtitle, items, n_items, &g->hd);
  u = g->hd.u;

  g->lay.has_loss = series_range (c->train_loss, n, &loss_lo, &loss_hi) | series_range (c->val_loss, n, &loss_lo, &loss_hi);
  g->lay.has_accuracy = series_range (c->train_acc, n, &acc_lo, &acc_hi) | series_range (c->val_acc, n, &acc_lo, &acc_hi);
  g->lay.has_lr = series_range (c->lr, n, &lr_lo, &lr_hi);

  /* Rows first: panels stacked on one epoch axis, the LR strip lower. */
  top = g->hd.content_top;
  bottom = height - g->hd.pad - 1.6 * u - 1.6 * u; /* tick labels, then "Epoch" */
  gap = 2.0 * u;
  if (g->lay.has_loss)
    {
      panels[n_panels] = &g->lay.loss;
      weights[n_panels++] = 1;
    }
  if (g->lay.has_accuracy)
    {
      panels[n_panels] = &g->lay.accuracy;
      weights[n_panels++] = 1;
    }
  if (g->lay.has_lr)
    {
      panels[n_panels] = &g->lay.lr;
      weights[n_panels] = n_panels > 0 ? 0.4 : 1;
      n_panels++;
    }
  for (int i = 0; i < n_panels; i++)
    weight_sum += weights[i];
  avail = MAX (bottom - top - gap * (n_panels - 1), n_panels * u);
  y = top;
  for (int i = 0; i < n_panels; i++)
    {
      panels[i]->area.y = y;
      panels[i]->area.height = avail * weights[i] / weight_sum;
      y += panels[i]->area.height + gap;
    }

  /* Then scales, with as many ticks as the rows have room for. */
  if (g->lay.has_loss)
    {
      ls_report_nice_scale (MIN (0, loss_lo), loss_hi, ls_chart_ticks_for (g->lay.loss.area.height, u), FALSE, &g->loss_s);
      g->lay.loss.y_min = g->loss_s.min;
      g->lay.loss.y_max = g->loss_s.max;
    }
  if (g->lay.has_accuracy)
    {
      /* At least ten points of accuracy, so noise does not look like a trend. */
      if (acc_hi - acc_lo < 0.1)
        {
          double mid = (acc_hi + acc_lo) / 2;

          acc_lo = CLAMP (mid - 0.05, 0, 0.9);
          acc_hi = acc_lo + 0.1;
        }
      ls_report_nice_scale (MAX (0, acc_lo), MIN (1, acc_hi), ls_chart_ticks_for (g->lay.accuracy.area.height, u), FALSE,
                            &g->acc_s);
      g->lay.accuracy.y_min = MAX (0, g->acc_s.min);
      g->lay.accuracy.y_max = MIN (1, g->acc_s.max);
    }
  if (g->lay.has_lr)
    {
      ls_report_nice_scale (MIN (0, lr_lo), lr_hi, ls_chart_ticks_for (g->lay.lr.area.height, u), FALSE, &g->lr_s);
      g->lay.lr.y_min = g->lr_s.min;
      g->lay.lr.y_max = g->lr_s.max;
    }

  /* Then columns: the widest tick label sets the left margin. */
  ls_report_font (cr, 0.85 * u, FALSE);
  if (g->lay.has_loss)
    label_w = MAX (label_w, ls_chart_tick_label_width (cr, &g->loss_s, g->lay.loss.y_min, g->lay.loss.y_max, LS_TICK_PLAIN));
  if (g->lay.has_accuracy)
    label_w = MAX (label_w, ls_chart_tick_label_width (cr, &g->acc_s, g->lay.accuracy.y_min, g->lay.accuracy.y_max, LS_TICK_PERCENT));
  if (g->lay.has_lr)
    label_w = MAX (label_w, ls_chart_tick_label_width (cr, &g->lr_s, g->lay.lr.y_min, g->lay.lr.y_max, LS_TICK_PLAIN));
  g->y_title_x = g->hd.pad + 0.5 * u;
  left = g->y_title_x + 0.9 * u + label_w + 0.55 * u;
  right = width - g->hd.pad - 0.6 * u;
  for (int i = 0; i < n_panels; i++)
    {
      panels[i]->area.x = left;
      panels[i]->area.width = MAX (right - left, u);
      /* One epoch sits in the middle; more span the width. */
      panels[i]->x_min = n > 1 ? 1 : 0.5;
      panels[i]->x_max = n > 1 ? n : 1.5;
    }
  ls_report_nice_scale (1, MAX (n, 2), CLAMP ((int) ((right - left) / (4.5 * u)), 2, 10), TRUE, &g->xs);
}

static void
draw_series (cairo_t *cr,
             const LsReportAxes *ax,
             const double *v,
             int n,
             guint32 color,
             double line_width,
             double marker_radius)
{
  gboolean pen_down = FALSE;
  double x, y;

  if (v == NULL)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, ax->area.x - marker_radius - line_width, ax->area.y - marker_radius - line_width,
                   ax->area.width + 2 * (marker_radius + line_width), ax->area.height + 2 * (marker_radius + line_width));
  cairo_clip (cr);
  ls_report_rgb (cr, color);
  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < n; i++)
    {
      if (!isfinite (v[i]))
        {
          pen_down = FALSE;
          continue;
        }
      ls_report_axes_map (ax, i + 1, v[i], &x, &y);
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  /* A lone point between gaps still shows, as a dot. */
  for (int i = 0; i < n && marker_radius == 0; i++)
    if (isfinite (v[i]) && (i + 1 >= n || !isfinite (v[i + 1])) && (i == 0 || !isfinite (v[i - 1])))
      {
        ls_report_axes_map (ax, i + 1, v[i], &x, &y);
        cairo_arc (cr, x, y, line_width * 1.4, 0, 2 * G_PI);
        cairo_fill (cr);
      }
  if (marker_radius > 0)
    for (int i = 0; i < n; i++)
      {
        if (!isfinite (v[i]))
          continue;
        ls_report_axes_map (ax, i + 1, v[i], &x, &y);
        cairo_arc (cr, x, y, marker_radius, 0, 2 * G_PI);
        ls_report_rgb (cr, color);
        cairo_fill_preserve (cr);
        ls_report_rgb (cr, LS_PAPER);
        cairo_set_line_width (cr, MAX (1.0, marker_radius * 0.35));
        cairo_stroke (cr);
      }
  cairo_restore (cr);
}

static void
draw_best_marker (cairo_t *cr,
                  const LsReportAxes *ax,
                  const double *v,
                  int best,
                  guint32 color,
                  double u)
{
  double x, y;

  if (v == NULL || !isfinite (v[best]))
    return;
  ls_report_axes_map (ax, best + 1, v[best], &x, &y);
  cairo_arc (cr, x, y, 0.5 * u, 0, 2 * G_PI);
  ls_report_rgb (cr, LS_PAPER);
  cairo_fill_preserve (cr);
  ls_report_rgb (cr, color);
  cairo_set_line_width (cr, MAX (1.5, 0.16 * u));
  cairo_stroke (cr);
  cairo_arc (cr, x, y, 0.22 * u, 0, 2 * G_PI);
  cairo_fill (cr);
}

static void
curves_draw_panel (cairo_t *cr,
                   const LsReportCurves *c,
                   const CurvesGeom *g,
                   const LsReportAxes *ax,
                   const LsNiceScale *ys,
                   LsTickFormat format,
                   const char *title,
                   const char *short_title,
                   gboolean x_labels)
{
  double u = g->hd.u;

  ls_chart_draw_x_grid (cr, u, ax, &g->xs, LS_TICK_PLAIN, x_labels, 1);
  ls_chart_draw_y_grid (cr, u, ax, ys, format);
  ls_chart_draw_axis_lines (cr, ax);
  ls_chart_draw_y_title (cr, u, g->y_title_x, ax, title, short_title);
}

static void
curves_draw (gconstpointer data,
             cairo_t *cr,
             double width,
             double height)
{
  const LsReportCurves *c = data;
  const char *title = c->title ? c->title : _ ("Training curves");
  g_autofree char *subtitle = NULL;
  const LsReportAxes *last = NULL;
  LsChartKey items[3];
  int n_items, n = c->n_epochs;
  double u, lw, mr;
  CurvesGeom g;

  cairo_save (cr);
  ls_chart_paint_background (cr, width, height);
  if (!curves_check (c, NULL) || n == 0)
    {
      ls_chart_draw_message (cr, width, height, title, n == 0 ? _ ("No epochs yet") : _ ("These curves cannot be drawn"));
      cairo_restore (cr);
      return;
    }
  curves_layout (c, cr, width, height, &g);
  u = g.hd.u;
  lw = MAX (1.5, 0.17 * u);
  mr = n <= MARKER_EPOCHS ? MAX (2.0, 0.26 * u) : 0;
  subtitle = curves_subtitle (c);
  curves_key (c, items, &n_items);
  ls_chart_draw_header (cr, width, &g.hd, title, subtitle, items, n_items);

  if (g.lay.has_lr)
    last = &g.lay.lr;
  else if (g.lay.has_accuracy)
    last = &g.lay.accuracy;
  else
    last = &g.lay.loss;

  if (g.lay.has_loss)
    curves_draw_panel (cr, c, &g, &g.lay.loss, &g.loss_s, LS_TICK_PLAIN, _ ("Loss"), NULL, last == &g.lay.loss);
  if (g.lay.has_accuracy)
    curves_draw_panel (cr, c, &g, &g.lay.accuracy, &g.acc_s, LS_TICK_PERCENT, _ ("Accuracy"), NULL,
                       last == &g.lay.accuracy);
  if (g.lay.has_lr)
    curves_draw_panel (cr, c, &g, &g.lay.lr, &g.lr_s, LS_TICK_PLAIN, _ ("Learning rate"),
                       /* Translators: short for "learning rate", where the axis is too short */
                       _ ("LR"), last == &g.lay.lr);

  /* "Epoch" under the last panel's tick labels. */
  ls_report_font (cr, 0.9 * u, FALSE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, last->area.x + last->area.width / 2, last->area.y + last->area.height + 2.2 * u, 0.5,
                  LS_VALIGN_TOP, _ ("Epoch"));

  /* The best epoch: one dashed line through every panel. */
  if (c->best_epoch >= 0)
    {
      const LsReportAxes *first = g.lay.has_loss ? &g.lay.loss : g.lay.has_accuracy ? &g.lay.accuracy
                                                                                    : &g.lay.lr;
      double dash[] = { 0.35 * u, 0.25 * u };
      double x;

      ls_report_axes_map (first, c->best_epoch + 1, 0, &x, NULL);
      cairo_save (cr);
      ls_report_rgb (cr, LS_INK_SOFT);
      cairo_set_line_width (cr, MAX (1.2, 0.12 * u));
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x, first->area.y);
      cairo_line_to (cr, x, last->area.y + last->area.height);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  if (g.lay.has_loss)
    {
      draw_series (cr, &g.lay.loss, c->train_loss, n, LS_BLUE, lw, 0);
      draw_series (cr, &g.lay.loss, c->val_loss, n, LS_ORANGE, lw, mr);
    }
  if (g.lay.has_accuracy)
    {
      draw_series (cr, &g.lay.accuracy, c->train_acc, n, LS_BLUE, lw, 0);
      draw_series (cr, &g.lay.accuracy, c->val_acc, n, LS_ORANGE, lw, mr);
    }
  if (g.lay.has_lr)
    {
      /* The schedule: a thin line over a light fill. */
      double x0, x1, y0;
      gboolean started = FALSE;

      cairo_save (cr);
      for (int i = 0; i < n; i++)
        {
          double x, y;

          if (!isfinite (c->lr[i]))
            continue;
          ls_report_axes_map (&g.lay.lr, i + 1, c->lr[i], &x, &y);
          if (!started)
            {
              ls_report_axes_map (&g.lay.lr, i + 1, g.lay.lr.y_min, &x0, &y0);
              cairo_move_to (cr, x0, y0);
            }
          cairo_line_to (cr, x, y);
          x1 = x;
          started = TRUE;
        }
      if (started)
        {
          cairo_line_to (cr, x1, y0);
          cairo_close_path (cr);
          ls_report_rgba (cr, LS_PURPLE, 0.12);
          cairo_fill (cr);
        }
      cairo_restore (cr);
      draw_series (cr, &g.lay.lr, c->lr, n, LS_PURPLE, MAX (1.0, 0.1 * u), 0);
    }

  if (c->best_epoch >= 0)
    {
      if (g.lay.has_loss)
        draw_best_marker (cr, &g.lay.loss, c->val_loss ? c->val_loss : c->train_loss, c->best_epoch,
                          c->val_loss ? LS_ORANGE : LS_BLUE, u);
      if (g.lay.has_accuracy)
        draw_best_marker (cr, &g.lay.accuracy, c->val_acc ? c->val_acc : c->train_acc, c->best_epoch,
                          c->val_acc ? LS_ORANGE : LS_BLUE, u);
    }
  cairo_restore (cr);
}

void
ls_report_curves_draw (const LsReportCurves *curves,
                       cairo_t *cr,
                       double width,
                       double height)
{
  g_return_if_fail (curves != NULL && cr != NULL);
  if (!(width > 0 && height > 0 && isfinite (width * height)))
    return;
  curves_draw (curves, cr, width, height);
}

gboolean
ls_report_curves_get_layout (const LsReportCurves *curves,
                             double width,
                             double height,
                             LsReportCurvesLayout *layout)
{
  cairo_t *cr;
  CurvesGeom g;

  g_return_val_if_fail (curves != NULL && layout != NULL, FALSE);
  memset (layout, 0, sizeof *layout);
  if (!curves_check (curves, NULL) || curves->n_epochs == 0)
    return FALSE;
  cr = ls_chart_measuring_context ();
  curves_layout (curves, cr, width, height, &g);
  cairo_destroy (cr);
  *layout = g.lay;
  return TRUE;
}

gboolean
ls_report_curves_save_png (const LsReportCurves *curves,
                           int width,
                           int height,
                           const char *path,
                           GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (curves != NULL && path != NULL, FALSE);
  if (!curves_check (curves, &local))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, _ ("Cannot draw “%s”: %s"), path, local->message);
      return FALSE;
    }
  return ls_report_save_png (curves_draw, curves, width, height, path, error);
}
