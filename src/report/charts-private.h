/* charts-private.h — layout and drawing pieces shared by the charts
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "report-private.h"

G_BEGIN_DECLS

typedef enum
{
  LS_CHART_KEY_LINE,
  LS_CHART_KEY_LINE_MARKER,
  LS_CHART_KEY_DASHED,
  LS_CHART_KEY_BOX,
  LS_CHART_KEY_HATCH,
} LsChartKeyKind;

typedef struct
{
  LsChartKeyKind kind;
  guint32 color;
  const char *label;
} LsChartKey;

typedef struct
{
  double u, pad;
  double title_y, subtitle_y; /* baselines; subtitle_y 0 when none */
  double key_x, key_y;        /* left end and middle of the legend's first row */
  double key_right;           /* the legend wraps to a new row before this */
  double content_top;
} LsChartHeader;

double ls_chart_unit (double width,
                      double height);
cairo_t *ls_chart_measuring_context (void);
double ls_chart_key_width (cairo_t *cr,
                           double u,
                           const LsChartKey *items,
                           int n);
void ls_chart_hatch (cairo_t *cr,
                     double x,
                     double y,
                     double w,
                     double h,
                     double spacing,
                     double line_width);
void ls_chart_header_layout (cairo_t *cr,
                             double width,
                             double height,
                             const char *title,
                             const char *subtitle,
                             const LsChartKey *items,
                             int n_items,
                             LsChartHeader *hd);
void ls_chart_draw_header (cairo_t *cr,
                           double width,
                           const LsChartHeader *hd,
                           const char *title,
                           const char *subtitle,
                           const LsChartKey *items,
                           int n_items);
void ls_chart_paint_background (cairo_t *cr,
                                double width,
                                double height);
void ls_chart_draw_message (cairo_t *cr,
                            double width,
                            double height,
                            const char *title,
                            const char *message);
double ls_chart_crisp (double v);
int ls_chart_ticks_for (double length,
                        double u);
double ls_chart_tick_label_width (cairo_t *cr,
                                  const LsNiceScale *s,
                                  double lo,
                                  double hi,
                                  LsTickFormat format);
void ls_chart_draw_y_grid (cairo_t *cr,
                           double u,
                           const LsReportAxes *ax,
                           const LsNiceScale *s,
                           LsTickFormat format);
void ls_chart_draw_x_grid (cairo_t *cr,
                           double u,
                           const LsReportAxes *ax,
                           const LsNiceScale *s,
                           LsTickFormat format,
                           gboolean labels,
                           double extra_tick);
void ls_chart_draw_axis_lines (cairo_t *cr,
                               const LsReportAxes *ax);
void ls_chart_draw_y_title (cairo_t *cr,
                            double u,
                            double x,
                            const LsReportAxes *ax,
                            const char *title,
                            const char *short_title);

G_END_DECLS
