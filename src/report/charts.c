/* charts.c — training curves, confusion matrix and reliability diagram
 *
 * Each chart is laid out from its data and the size it is given, so the same
 * code draws a PNG, a PDF figure or a GtkDrawingArea. Sizes derive from one
 * unit, the body font size, which follows the chart's area.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "report-private.h"

#include <math.h>
#include <string.h>

#define MAX_CLASSES 64
#define MAX_BINS 1000
/* Epochs up to which validation points get markers. */
#define MARKER_EPOCHS 40

/* ---- Shared pieces ---------------------------------------------------- */

static double
unit_for (double width,
          double height)
{
  return CLAMP (7.0 + sqrt (width * height) / 110.0, 8.0, 40.0);
}

static cairo_t *
measuring_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  ls_report_raster_font_options (cr);
  return cr;
}

typedef enum
{
  KEY_LINE,
  KEY_LINE_MARKER,
  KEY_DASHED,
  KEY_BOX,
  KEY_HATCH,
} KeyKind;

typedef struct
{
  KeyKind kind;
  guint32 color;
  const char *label;
} KeyItem;

typedef struct
{
  double u, pad;
  double title_y, subtitle_y; /* baselines; subtitle_y 0 when none */
  double key_x, key_y;        /* left end and middle of the legend row */
  double content_top;
} Header;

static double
key_swatch_width (double u)
{
  return 1.7 * u;
}

static double
key_width (cairo_t *cr,
           double u,
           const KeyItem *items,
           int n)
{
  double w = 0;

  ls_report_font (cr, 0.9 * u, FALSE);
  for (int i = 0; i < n; i++)
    w += key_swatch_width (u) + 0.45 * u + ls_report_text_width (cr, items[i].label) + (i + 1 < n ? 1.3 * u : 0);
  return w;
}

static void
hatch (cairo_t *cr,
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

static void
draw_key (cairo_t *cr,
          const Header *hd,
          const KeyItem *items,
          int n)
{
  double u = hd->u, x = hd->key_x, y = hd->key_y, sw = key_swatch_width (u);

  ls_report_font (cr, 0.9 * u, FALSE);
  for (int i = 0; i < n; i++)
    {
      cairo_save (cr);
      switch (items[i].kind)
        {
        case KEY_LINE:
        case KEY_LINE_MARKER:
          ls_report_rgb (cr, items[i].color);
          cairo_set_line_width (cr, MAX (1.5, 0.17 * u));
          cairo_move_to (cr, x, y);
          cairo_line_to (cr, x + sw, y);
          cairo_stroke (cr);
          if (items[i].kind == KEY_LINE_MARKER)
            {
              cairo_arc (cr, x + sw / 2, y, 0.26 * u, 0, 2 * G_PI);
              cairo_fill_preserve (cr);
              ls_report_rgb (cr, LS_PAPER);
              cairo_set_line_width (cr, MAX (1.0, 0.08 * u));
              cairo_stroke (cr);
            }
          break;
        case KEY_DASHED:
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
        case KEY_BOX:
          ls_report_rounded_rect (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u, 0.15 * u);
          ls_report_rgb (cr, items[i].color);
          cairo_fill (cr);
          break;
        case KEY_HATCH:
          cairo_rectangle (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u);
          ls_report_rgba (cr, items[i].color, 0.18);
          cairo_fill (cr);
          ls_report_rgba (cr, items[i].color, 0.7);
          hatch (cr, x + 0.35 * u, y - 0.45 * u, sw - 0.7 * u, 0.9 * u, 0.3 * u, MAX (1.0, 0.07 * u));
          break;
        default:
          break;
        }
      cairo_restore (cr);
      x += sw + 0.45 * u;
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, x, y, 0, LS_VALIGN_MIDDLE, items[i].label);
      x += ls_report_text_width (cr, items[i].label) + 1.3 * u;
    }
}

/* Places title, subtitle and legend: the legend sits on the title's row at
 * the right when it fits there, else on a row of its own. */
static void
header_layout (cairo_t *cr,
               double width,
               double height,
               const char *title,
               const char *subtitle,
               const KeyItem *items,
               int n_items,
               Header *hd)
{
  double u = unit_for (width, height), title_w, kw;
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
  kw = n_items > 0 ? key_width (cr, u, items, n_items) : 0;
  if (n_items > 0 && hd->pad + title_w + 2 * u + kw <= width - hd->pad)
    {
      hd->key_x = width - hd->pad - kw;
      hd->key_y = hd->title_y - 0.45 * u;
    }
  else if (n_items > 0)
    {
      hd->key_x = hd->pad;
      hd->key_y = last + 1.5 * u;
      last = hd->key_y + 0.4 * u;
    }
  hd->content_top = last + 1.6 * u;
}

static void
draw_header (cairo_t *cr,
             double width,
             const Header *hd,
             const char *title,
             const char *subtitle,
             const KeyItem *items,
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

static void
paint_background (cairo_t *cr,
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
static void
draw_message (cairo_t *cr,
              double width,
              double height,
              const char *title,
              const char *message)
{
  Header hd;

  header_layout (cr, width, height, title, NULL, NULL, 0, &hd);
  draw_header (cr, width, &hd, title, NULL, NULL, 0);
  ls_report_font (cr, 1.0 * hd.u, FALSE);
  ls_report_rgb (cr, LS_INK_FAINT);
  ls_report_text (cr, width / 2, (hd.content_top + height) / 2, 0.5, LS_VALIGN_MIDDLE, message);
}

/* 1-px lines land on pixel centres in raster output. */
static double
crisp (double v)
{
  return floor (v) + 0.5;
}

/* How many ticks an axis of @length has room for. */
static int
ticks_for (double length,
           double u)
{
  return CLAMP ((int) (length / (2.4 * u)) + 1, 2, 7);
}

static double
tick_label_width (cairo_t *cr,
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
static void
draw_y_grid (cairo_t *cr,
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
      cairo_move_to (cr, ax->area.x, crisp (y));
      cairo_line_to (cr, ax->area.x + ax->area.width, crisp (y));
      cairo_stroke (cr);
      ls_report_format_tick (v, s->step, format, buf, sizeof buf);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, ax->area.x - 0.55 * u, y, 1, LS_VALIGN_MIDDLE, buf);
    }
}

/* Vertical gridlines; tick labels under the area when @labels. */
static void
draw_x_grid (cairo_t *cr,
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
      cairo_move_to (cr, crisp (x), ax->area.y);
      cairo_line_to (cr, crisp (x), ax->area.y + ax->area.height);
      cairo_stroke (cr);
      if (!labels)
        continue;
      ls_report_format_tick (v, s->step, format, buf, sizeof buf);
      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text (cr, x, ax->area.y + ax->area.height + 0.5 * u, 0.5, LS_VALIGN_TOP, buf);
    }
}

static void
draw_axis_lines (cairo_t *cr,
                 const LsReportAxes *ax)
{
  double x = crisp (ax->area.x), y = crisp (ax->area.y + ax->area.height);

  ls_report_rgb (cr, LS_INK_FAINT);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, x, ax->area.y);
  cairo_line_to (cr, x, y);
  cairo_line_to (cr, ax->area.x + ax->area.width, y);
  cairo_stroke (cr);
}

/* A rotated axis title centred on the area's left side; shortened to
 * @short_title, then ellipsized, when the area is too low for it. */
static void
draw_y_title (cairo_t *cr,
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

/* ---- Training curves -------------------------------------------------- */

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
  Header hd;
  LsReportCurvesLayout lay;
  LsNiceScale xs, loss_s, acc_s, lr_s;
  double y_title_x;
} CurvesGeom;

static void
curves_key (const LsReportCurves *c,
            KeyItem *items,
            int *n)
{
  *n = 0;
  if (c->train_loss != NULL || c->train_acc != NULL)
    items[(*n)++] = (KeyItem){ KEY_LINE, LS_BLUE, "Training" };
  if (c->val_loss != NULL || c->val_acc != NULL)
    items[(*n)++] = (KeyItem){ c->n_epochs <= MARKER_EPOCHS ? KEY_LINE_MARKER : KEY_LINE, LS_ORANGE, "Validation" };
  if (c->best_epoch >= 0)
    items[(*n)++] = (KeyItem){ KEY_DASHED, LS_INK_SOFT, "Best epoch" };
}

static char *
curves_subtitle (const LsReportCurves *c)
{
  GString *s = g_string_new (NULL);
  int b = c->best_epoch;

  if (b < 0)
    {
      g_string_append_printf (s, c->n_epochs == 1 ? "%d epoch" : "%d epochs", c->n_epochs);
      return g_string_free (s, FALSE);
    }
  g_string_append_printf (s, "Best epoch %d of %d", b + 1, c->n_epochs);
  if (c->val_loss != NULL && isfinite (c->val_loss[b]))
    g_string_append_printf (s, " · validation loss %.3f", c->val_loss[b]);
  if (c->val_acc != NULL && isfinite (c->val_acc[b]))
    {
      char buf[32];

      ls_report_format_percent (c->val_acc[b], buf, sizeof buf);
      g_string_append_printf (s, " · validation accuracy %s", buf);
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
  KeyItem items[3];
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
  header_layout (cr, width, height, c->title ? c->title : "Training curves", subtitle, items, n_items, &g->hd);
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
      ls_report_nice_scale (MIN (0, loss_lo), loss_hi, ticks_for (g->lay.loss.area.height, u), FALSE, &g->loss_s);
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
      ls_report_nice_scale (MAX (0, acc_lo), MIN (1, acc_hi), ticks_for (g->lay.accuracy.area.height, u), FALSE,
                            &g->acc_s);
      g->lay.accuracy.y_min = MAX (0, g->acc_s.min);
      g->lay.accuracy.y_max = MIN (1, g->acc_s.max);
    }
  if (g->lay.has_lr)
    {
      ls_report_nice_scale (MIN (0, lr_lo), lr_hi, ticks_for (g->lay.lr.area.height, u), FALSE, &g->lr_s);
      g->lay.lr.y_min = g->lr_s.min;
      g->lay.lr.y_max = g->lr_s.max;
    }

  /* Then columns: the widest tick label sets the left margin. */
  ls_report_font (cr, 0.85 * u, FALSE);
  if (g->lay.has_loss)
    label_w = MAX (label_w, tick_label_width (cr, &g->loss_s, g->lay.loss.y_min, g->lay.loss.y_max, LS_TICK_PLAIN));
  if (g->lay.has_accuracy)
    label_w = MAX (label_w, tick_label_width (cr, &g->acc_s, g->lay.accuracy.y_min, g->lay.accuracy.y_max, LS_TICK_PERCENT));
  if (g->lay.has_lr)
    label_w = MAX (label_w, tick_label_width (cr, &g->lr_s, g->lay.lr.y_min, g->lay.lr.y_max, LS_TICK_PLAIN));
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

  draw_x_grid (cr, u, ax, &g->xs, LS_TICK_PLAIN, x_labels, 1);
  draw_y_grid (cr, u, ax, ys, format);
  draw_axis_lines (cr, ax);
  draw_y_title (cr, u, g->y_title_x, ax, title, short_title);
}

static void
curves_draw (gconstpointer data,
             cairo_t *cr,
             double width,
             double height)
{
  const LsReportCurves *c = data;
  const char *title = c->title ? c->title : "Training curves";
  g_autofree char *subtitle = NULL;
  const LsReportAxes *last = NULL;
  KeyItem items[3];
  int n_items, n = c->n_epochs;
  double u, lw, mr;
  CurvesGeom g;

  cairo_save (cr);
  paint_background (cr, width, height);
  if (!curves_check (c, NULL) || n == 0)
    {
      draw_message (cr, width, height, title, n == 0 ? "No epochs yet" : "These curves cannot be drawn");
      cairo_restore (cr);
      return;
    }
  curves_layout (c, cr, width, height, &g);
  u = g.hd.u;
  lw = MAX (1.5, 0.17 * u);
  mr = n <= MARKER_EPOCHS ? MAX (2.0, 0.26 * u) : 0;
  subtitle = curves_subtitle (c);
  curves_key (c, items, &n_items);
  draw_header (cr, width, &g.hd, title, subtitle, items, n_items);

  if (g.lay.has_lr)
    last = &g.lay.lr;
  else if (g.lay.has_accuracy)
    last = &g.lay.accuracy;
  else
    last = &g.lay.loss;

  if (g.lay.has_loss)
    curves_draw_panel (cr, c, &g, &g.lay.loss, &g.loss_s, LS_TICK_PLAIN, "Loss", NULL, last == &g.lay.loss);
  if (g.lay.has_accuracy)
    curves_draw_panel (cr, c, &g, &g.lay.accuracy, &g.acc_s, LS_TICK_PERCENT, "Accuracy", NULL,
                       last == &g.lay.accuracy);
  if (g.lay.has_lr)
    curves_draw_panel (cr, c, &g, &g.lay.lr, &g.lr_s, LS_TICK_PLAIN, "Learning rate", "LR", last == &g.lay.lr);

  /* "Epoch" under the last panel's tick labels. */
  ls_report_font (cr, 0.9 * u, FALSE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, last->area.x + last->area.width / 2, last->area.y + last->area.height + 2.2 * u, 0.5,
                  LS_VALIGN_TOP, "Epoch");

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
  cr = measuring_context ();
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
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "Cannot draw “%s”: %s", path, local->message);
      return FALSE;
    }
  return ls_report_save_png (curves_draw, curves, width, height, path, error);
}

/* ---- Confusion matrix ------------------------------------------------- */

static gboolean
confusion_check (const LsReportConfusion *c,
                 GError **error)
{
  if (c->n_classes < 2 || c->n_classes > MAX_CLASSES || c->class_names == NULL || c->counts == NULL)
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                   "confusion matrix: %d classes (2 … %d, with names and counts)", c->n_classes, MAX_CLASSES);
      return FALSE;
    }
  for (int i = 0; i < c->n_classes; i++)
    if (c->class_names[i] == NULL)
      {
        g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "confusion matrix: class %d has no name", i);
        return FALSE;
      }
  for (int i = 0; i < c->n_classes * c->n_classes; i++)
    if (c->counts[i] < 0)
      {
        g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID,
                     "confusion matrix: negative count %d in row %d, column %d", c->counts[i], i / c->n_classes,
                     i % c->n_classes);
        return FALSE;
      }
  return TRUE;
}

typedef struct
{
  Header hd;
  double x0, y0, cell; /* the matrix' top-left corner and cell side */
  double row_label_right;
  double title_left_x;
  double bar_x, bar_w; /* colour bar */
  double label_font;
} ConfusionGeom;

static guint32
share_color (cairo_t *cr,
             double share)
{
  return ls_report_mix (ls_report_themed (cr, LS_CELL_LOW), ls_report_themed (cr, LS_CELL_HIGH),
                        pow (CLAMP (share, 0, 1), 0.8));
}

static char *
confusion_subtitle (const LsReportConfusion *c)
{
  gint64 total = 0, right = 0;
  int k = c->n_classes;
  char buf[32];

  for (int i = 0; i < k; i++)
    for (int j = 0; j < k; j++)
      {
        total += c->counts[i * k + j];
        if (i == j)
          right += c->counts[i * k + j];
      }
  if (total == 0)
    return g_strdup ("No images");
  ls_report_format_percent ((double) right / total, buf, sizeof buf);
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s · accuracy %s", total, total == 1 ? "image" : "images", buf);
}

static void
confusion_layout (const LsReportConfusion *c,
                  cairo_t *cr,
                  double width,
                  double height,
                  ConfusionGeom *g)
{
  g_autofree char *subtitle = confusion_subtitle (c);
  int k = c->n_classes;
  double u, names_w = 0, left_w, right_w, bottom_h, avail_w, avail_h, block_w;

  memset (g, 0, sizeof *g);
  header_layout (cr, width, height, c->title ? c->title : "Confusion matrix", subtitle, NULL, 0, &g->hd);
  u = g->hd.u;
  g->label_font = 1.0 * u;
  ls_report_font (cr, g->label_font, FALSE);
  for (int i = 0; i < k; i++)
    names_w = MAX (names_w, ls_report_text_width (cr, c->class_names[i]));
  names_w = MIN (names_w, width * 0.28);

  /* Left: "True class" rotated, chip, names. Right: colour bar with its
   * ticks and title. Bottom: chip + names, "Predicted class". */
  left_w = 1.0 * u + 0.8 * u + 0.8 * u + 0.45 * u + names_w + 0.6 * u;
  ls_report_font (cr, 0.85 * u, FALSE);
  right_w = 1.6 * u + 0.9 * u + 0.4 * u + ls_report_text_width (cr, "100%") + 0.8 * u + 1.0 * u;
  bottom_h = 0.6 * u + 1.2 * u + 0.6 * u + 1.4 * u;
  avail_w = width - 2 * g->hd.pad - left_w - right_w;
  avail_h = height - g->hd.content_top - g->hd.pad - bottom_h;
  g->cell = MAX (MIN (avail_w, avail_h) / k, 2.0);
  block_w = left_w + k * g->cell + right_w;
  g->title_left_x = g->hd.pad + MAX (0, (width - 2 * g->hd.pad - block_w) / 2) + 0.5 * u;
  g->x0 = g->title_left_x - 0.5 * u + left_w;
  g->y0 = g->hd.content_top;
  g->row_label_right = g->x0 - 0.6 * u;
  g->bar_x = g->x0 + k * g->cell + 1.6 * u;
  g->bar_w = 0.9 * u;
}

static void
draw_chip (cairo_t *cr,
           double cx,
           double cy,
           double size,
           guint32 color)
{
  ls_report_rounded_rect (cr, cx - size / 2, cy - size / 2, size, size, size * 0.25);
  ls_report_rgb (cr, color);
  cairo_fill (cr);
}

static void
confusion_draw (gconstpointer data,
                cairo_t *cr,
                double width,
                double height)
{
  const LsReportConfusion *c = data;
  const char *title = c->title ? c->title : "Confusion matrix";
  g_autofree char *subtitle = NULL;
  int k = c->n_classes;
  double u, cell, count_font, pct_font, inset, mx, my;
  gboolean show_pct, col_chips;
  double col_font;
  ConfusionGeom g;

  cairo_save (cr);
  paint_background (cr, width, height);
  if (!confusion_check (c, NULL))
    {
      draw_message (cr, width, height, title, "This matrix cannot be drawn");
      cairo_restore (cr);
      return;
    }
  confusion_layout (c, cr, width, height, &g);
  u = g.hd.u;
  cell = g.cell;
  subtitle = confusion_subtitle (c);
  draw_header (cr, width, &g.hd, title, subtitle, NULL, 0);

  count_font = CLAMP (cell * 0.22, 0.6 * u, 1.5 * u);
  pct_font = count_font * 0.72;
  show_pct = cell >= 2.6 * (count_font + pct_font);
  inset = MAX (1.0, cell * 0.025);

  for (int i = 0; i < k; i++)
    {
      gint64 row_total = 0;

      for (int j = 0; j < k; j++)
        row_total += c->counts[i * k + j];
      for (int j = 0; j < k; j++)
        {
          int n = c->counts[i * k + j];
          double share = row_total > 0 ? (double) n / row_total : 0;
          double x = g.x0 + j * cell, y = g.y0 + i * cell;
          guint32 fill = row_total > 0 ? share_color (cr, share) : ls_report_themed (cr, LS_CELL_EMPTY);
          guint32 ink = ls_report_luminance (fill) < 0.3 ? 0xffffff : 0x241f31;
          char buf[32];

          ls_report_rounded_rect (cr, x + inset, y + inset, cell - 2 * inset, cell - 2 * inset, MIN (0.3 * u, cell * 0.08));
          ls_report_rgb_exact (cr, fill);
          cairo_fill (cr);
          if (row_total == 0)
            {
              ls_report_font (cr, count_font, FALSE);
              ls_report_rgb (cr, LS_INK_FAINT);
              ls_report_text (cr, x + cell / 2, y + cell / 2, 0.5, LS_VALIGN_MIDDLE, "–");
              continue;
            }
          g_snprintf (buf, sizeof buf, "%d", n);
          ls_report_font (cr, count_font, TRUE);
          ls_report_rgb_exact (cr, ink);
          if (n == 0)
            {
              /* Zeros recede. */
              ls_report_font (cr, count_font, FALSE);
              ls_report_rgb (cr, LS_INK_FAINT);
              ls_report_text (cr, x + cell / 2, y + cell / 2, 0.5, LS_VALIGN_MIDDLE, buf);
            }
          else if (show_pct)
            {
              ls_report_text (cr, x + cell / 2, y + cell / 2 - 0.1 * count_font, 0.5, LS_VALIGN_BASELINE, buf);
              ls_report_format_percent (share, buf, sizeof buf);
              ls_report_font (cr, pct_font, FALSE);
              cairo_set_source_rgba (cr, ((ink >> 16) & 0xff) / 255.0, ((ink >> 8) & 0xff) / 255.0,
                                     (ink & 0xff) / 255.0, 0.85);
              ls_report_text (cr, x + cell / 2, y + cell / 2 + 0.35 * count_font, 0.5, LS_VALIGN_TOP, buf);
            }
          else
            {
              ls_report_text (cr, x + cell / 2, y + cell / 2, 0.5, LS_VALIGN_MIDDLE, buf);
            }
        }
    }

  /* Class names: rows (true) at the left, columns (predicted) below. The
   * columns keep their chips only when every name fits beside its chip. */
  col_font = g.label_font;
  ls_report_font (cr, col_font, FALSE);
  col_chips = TRUE;
  for (int i = 0; i < k; i++)
    if (ls_report_text_width (cr, c->class_names[i]) + 1.25 * u > cell - 0.3 * u)
      col_chips = FALSE;
  /* Then a smaller font, down to a limit, before names are cut. */
  for (int i = 0; !col_chips && i < k; i++)
    while (col_font > 0.78 * u && ls_report_text_width (cr, c->class_names[i]) > cell - 0.3 * u)
      {
        col_font *= 0.94;
        ls_report_font (cr, col_font, FALSE);
      }
  ls_report_font (cr, g.label_font, FALSE);
  for (int i = 0; i < k; i++)
    {
      guint32 color = ls_report_class_color (c->class_names[i], i);
      double cy = g.y0 + (i + 0.5) * cell, cx = g.x0 + (i + 0.5) * cell;
      double name_w, chip = 0.8 * u, col_chip = col_chips ? chip + 0.45 * u : 0;
      g_autofree char *row_name = NULL;
      g_autofree char *col_name = NULL;

      ls_report_font (cr, g.label_font, FALSE);
      row_name = ls_report_text_fit (cr, c->class_names[i], width * 0.28);
      ls_report_rgb (cr, LS_INK);
      ls_report_text (cr, g.row_label_right, cy, 1, LS_VALIGN_MIDDLE, row_name);
      name_w = ls_report_text_width (cr, row_name);
      draw_chip (cr, g.row_label_right - name_w - 0.45 * u - chip / 2, cy, chip, color);

      /* Column label: chip and name centred together under the column. */
      ls_report_font (cr, col_font, FALSE);
      col_name = ls_report_text_fit (cr, c->class_names[i], cell - col_chip - 0.3 * u);
      name_w = ls_report_text_width (cr, col_name);
      ls_report_rgb (cr, LS_INK);
      ls_report_text (cr, cx + col_chip / 2 - name_w / 2, g.y0 + k * cell + 1.2 * u, 0, LS_VALIGN_MIDDLE, col_name);
      if (col_chips)
        draw_chip (cr, cx - (col_chip + name_w) / 2 + chip / 2, g.y0 + k * cell + 1.2 * u, chip, color);
    }

  /* Axis titles. */
  ls_report_font (cr, 0.95 * u, TRUE);
  ls_report_rgb (cr, LS_INK);
  mx = g.x0 + k * cell / 2;
  my = g.y0 + k * cell / 2;
  ls_report_text (cr, mx, g.y0 + k * cell + 0.6 * u + 1.2 * u + 0.7 * u, 0.5, LS_VALIGN_TOP, "Predicted class");
  ls_report_text_vertical (cr, g.title_left_x, my, "True class");

  /* Colour bar: share of the true class. */
  {
    cairo_pattern_t *grad;
    double by0 = g.y0 + inset, bh = k * cell - 2 * inset;
    char buf[16];

    grad = cairo_pattern_create_linear (0, by0 + bh, 0, by0);
    for (int s = 0; s <= 10; s++)
      {
        guint32 col = share_color (cr, s / 10.0);

        cairo_pattern_add_color_stop_rgb (grad, s / 10.0, ((col >> 16) & 0xff) / 255.0, ((col >> 8) & 0xff) / 255.0,
                                          (col & 0xff) / 255.0);
      }
    ls_report_rounded_rect (cr, g.bar_x, by0, g.bar_w, bh, 0.2 * u);
    cairo_set_source (cr, grad);
    cairo_fill (cr);
    cairo_pattern_destroy (grad);

    ls_report_font (cr, 0.85 * u, FALSE);
    for (int s = 0; s <= 4; s++)
      {
        double ty = by0 + bh - bh * s / 4.0;

        ls_report_rgb (cr, LS_INK_FAINT);
        cairo_set_line_width (cr, 1);
        cairo_move_to (cr, g.bar_x + g.bar_w, crisp (ty));
        cairo_line_to (cr, g.bar_x + g.bar_w + 0.3 * u, crisp (ty));
        cairo_stroke (cr);
        g_snprintf (buf, sizeof buf, "%d%%", s * 25);
        ls_report_rgb (cr, LS_INK_SOFT);
        ls_report_text (cr, g.bar_x + g.bar_w + 0.45 * u, ty, 0, LS_VALIGN_MIDDLE, buf);
      }
    ls_report_font (cr, 0.85 * u, FALSE);
    {
      g_autofree char *t = ls_report_text_fit (cr, "Share of the true class", bh);

      ls_report_rgb (cr, LS_INK_SOFT);
      ls_report_text_vertical (cr, g.bar_x + g.bar_w + 0.45 * u + ls_report_text_width (cr, "100%") + 1.2 * u, my, t);
    }
  }
  cairo_restore (cr);
}

void
ls_report_confusion_draw (const LsReportConfusion *confusion,
                          cairo_t *cr,
                          double width,
                          double height)
{
  g_return_if_fail (confusion != NULL && cr != NULL);
  if (!(width > 0 && height > 0 && isfinite (width * height)))
    return;
  confusion_draw (confusion, cr, width, height);
}

gboolean
ls_report_confusion_get_cell (const LsReportConfusion *confusion,
                              double width,
                              double height,
                              int row,
                              int column,
                              LsReportRect *cell)
{
  ConfusionGeom g;
  cairo_t *cr;

  g_return_val_if_fail (confusion != NULL && cell != NULL, FALSE);
  if (!confusion_check (confusion, NULL) || row < 0 || column < 0 || row >= confusion->n_classes ||
      column >= confusion->n_classes)
    return FALSE;
  cr = measuring_context ();
  confusion_layout (confusion, cr, width, height, &g);
  cairo_destroy (cr);
  *cell = (LsReportRect){ g.x0 + column * g.cell, g.y0 + row * g.cell, g.cell, g.cell };
  return TRUE;
}

gboolean
ls_report_confusion_save_png (const LsReportConfusion *confusion,
                              int width,
                              int height,
                              const char *path,
                              GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (confusion != NULL && path != NULL, FALSE);
  if (!confusion_check (confusion, &local))
    {
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "Cannot draw “%s”: %s", path, local->message);
      return FALSE;
    }
  return ls_report_save_png (confusion_draw, confusion, width, height, path, error);
}

/* ---- Reliability diagram ---------------------------------------------- */

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
  Header hd;
  LsReportReliabilityLayout lay;
  LsNiceScale xs, ys, hs;
  double y_title_x;
} ReliabilityGeom;

static const KeyItem reliability_key[] = {
  { KEY_BOX, LS_BLUE, "Accuracy" },
  { KEY_HATCH, LS_RED, "Gap" },
  { KEY_DASHED, LS_INK_SOFT, "Perfect calibration" },
};

static char *
reliability_title (const LsReportReliability *r)
{
  return g_strdup_printf ("%s — ECE %.3f", r->title ? r->title : "Reliability diagram", r->ece);
}

static char *
reliability_subtitle (const LsReportReliability *r)
{
  gint64 total = 0;

  for (int i = 0; i < r->n_bins; i++)
    total += r->count[i];
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s in %d confidence %s", total, total == 1 ? "image" : "images",
                          r->n_bins, r->n_bins == 1 ? "bin" : "bins");
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
  header_layout (cr, width, height, title, subtitle, reliability_key, G_N_ELEMENTS (reliability_key), &g->hd);
  u = g->hd.u;
  for (int i = 0; i < r->n_bins; i++)
    max_count = MAX (max_count, r->count[i]);
  top = g->hd.content_top;
  bottom = height - g->hd.pad - 1.6 * u - 1.6 * u;
  gap = 1.0 * u;
  avail = MAX (bottom - top - gap, 2 * u);
  ls_report_nice_scale (0, 1, MIN (ticks_for (avail * 0.78, u), 6), FALSE, &g->ys);
  ls_report_nice_scale (0, MAX (max_count, 1), MIN (ticks_for (avail * 0.22, u), 3), TRUE, &g->hs);

  ls_report_font (cr, 0.85 * u, FALSE);
  label_w = MAX (tick_label_width (cr, &g->ys, 0, 1, LS_TICK_PERCENT),
                 tick_label_width (cr, &g->hs, 0, g->hs.max, LS_TICK_PLAIN));
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
  paint_background (cr, width, height);
  if (!reliability_check (r, NULL))
    {
      draw_message (cr, width, height, r->title ? r->title : "Reliability diagram",
                    "This diagram cannot be drawn");
      cairo_restore (cr);
      return;
    }
  reliability_layout (r, cr, width, height, &g);
  u = g.hd.u;
  plot = &g.lay.plot;
  hist = &g.lay.histogram;
  title = reliability_title (r);
  subtitle = reliability_subtitle (r);
  draw_header (cr, width, &g.hd, title, subtitle, reliability_key, G_N_ELEMENTS (reliability_key));

  draw_x_grid (cr, u, plot, &g.xs, LS_TICK_PERCENT, FALSE, NAN);
  draw_y_grid (cr, u, plot, &g.ys, LS_TICK_PERCENT);
  draw_x_grid (cr, u, hist, &g.xs, LS_TICK_PERCENT, TRUE, NAN);
  draw_y_grid (cr, u, hist, &g.hs, LS_TICK_PLAIN);
  draw_y_title (cr, u, g.y_title_x, plot, "Accuracy", NULL);
  draw_y_title (cr, u, g.y_title_x, hist, "Images", NULL);
  ls_report_font (cr, 0.9 * u, FALSE);
  ls_report_rgb (cr, LS_INK);
  ls_report_text (cr, hist->area.x + hist->area.width / 2, hist->area.y + hist->area.height + 2.2 * u, 0.5,
                  LS_VALIGN_TOP, "Confidence");

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
          hatch (cr, x0, top, x1 - x0, h, MAX (3.0, 0.32 * u), MAX (1.0, 0.07 * u));
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
  draw_axis_lines (cr, plot);
  draw_axis_lines (cr, hist);
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
  cr = measuring_context ();
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
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, "Cannot draw “%s”: %s", path, local->message);
      return FALSE;
    }
  return ls_report_save_png (reliability_draw, reliability, width, height, path, error);
}
