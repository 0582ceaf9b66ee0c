/* chart-confusion.c — the confusion matrix, shaded by share of the true class
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "charts-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#define MAX_CLASSES 64

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
  LsChartHeader hd;
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
    return g_strdup (_ ("No images"));
  ls_report_format_percent ((double) right / total, buf, sizeof buf);
  {
    g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, total);

    /* Translators: the confusion matrix's subtitle: "120 images · accuracy 93.3 %" */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s image · accuracy %s", "%s images · accuracy %s",
                                         (gulong) MIN (total, G_MAXULONG)),
                            n, buf);
  }
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
  ls_chart_header_layout (cr, width, height, c->title ? c->title : _ ("Confusion matrix"), subtitle, NULL, 0, &g->hd);
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
  const char *title = c->title ? c->title : _ ("Confusion matrix");
  g_autofree char *subtitle = NULL;
  int k = c->n_classes;
  double u, cell, count_font, pct_font, inset, mx, my;
  gboolean show_pct, col_chips;
  double col_font;
  ConfusionGeom g;

  cairo_save (cr);
  ls_chart_paint_background (cr, width, height);
  if (!confusion_check (c, NULL))
    {
      ls_chart_draw_message (cr, width, height, title, _ ("This matrix cannot be drawn"));
      cairo_restore (cr);
      return;
    }
  confusion_layout (c, cr, width, height, &g);
  u = g.hd.u;
  cell = g.cell;
  subtitle = confusion_subtitle (c);
  ls_chart_draw_header (cr, width, &g.hd, title, subtitle, NULL, 0);

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
  ls_report_text (cr, mx, g.y0 + k * cell + 0.6 * u + 1.2 * u + 0.7 * u, 0.5, LS_VALIGN_TOP, _ ("Predicted class"));
  ls_report_text_vertical (cr, g.title_left_x, my, _ ("True class"));

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
        cairo_move_to (cr, g.bar_x + g.bar_w, ls_chart_crisp (ty));
        cairo_line_to (cr, g.bar_x + g.bar_w + 0.3 * u, ls_chart_crisp (ty));
        cairo_stroke (cr);
        g_snprintf (buf, sizeof buf, "%d%%", s * 25);
        ls_report_rgb (cr, LS_INK_SOFT);
        ls_report_text (cr, g.bar_x + g.bar_w + 0.45 * u, ty, 0, LS_VALIGN_MIDDLE, buf);
      }
    ls_report_font (cr, 0.85 * u, FALSE);
    {
      g_autofree char *t = ls_report_text_fit (cr, _ ("Share of the true class"), bh);

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
  cr = ls_chart_measuring_context ();
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
      g_set_error (error, LS_REPORT_ERROR, LS_REPORT_ERROR_INVALID, _ ("Cannot draw “%s”: %s"), path, local->message);
      return FALSE;
    }
  return ls_report_save_png (confusion_draw, confusion, width, height, path, error);
}
