/* report-private.h — drawing helpers shared by the charts and the PDF
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "report.h"

G_BEGIN_DECLS

/* The palette: GNOME's, on white. */
#define LS_INK 0x241f31        /* text, titles */
#define LS_INK_SOFT 0x5e5c64   /* secondary text, tick labels */
#define LS_INK_FAINT 0x9a9996  /* axis lines, hints */
#define LS_GRID 0xe8e7ea       /* gridlines */
#define LS_PAPER 0xffffff      /* background */
#define LS_BLUE 0x1c71d8       /* training series, accuracy bars */
#define LS_BLUE_DARK 0x1a5fb4  /* outlines, dense cells */
#define LS_ORANGE 0xc64600     /* validation series */
#define LS_RED 0xc01c28        /* calibration gap */
#define LS_PURPLE 0x613583     /* learning rate */
#define LS_CELL_LOW 0xf3f2f5   /* confusion cells: no share … */
#define LS_CELL_HIGH 0x1a4f9c  /* … all of the row */
#define LS_CELL_EMPTY 0xfafafa /* a row without images */
#define LS_HISTOGRAM 0x8f8d94  /* images per bin */

/* The font family asked of fontconfig through Cairo's toy API (GNOME's UI
 * font); fontconfig substitutes a sans serif where it is missing. */
#define LS_FONT_FAMILY "Cantarell"

typedef enum
{
  LS_VALIGN_TOP,      /* y is the top of the line (ascent) */
  LS_VALIGN_MIDDLE,   /* y is the middle of capital letters and digits */
  LS_VALIGN_BASELINE, /* y is the baseline */
  LS_VALIGN_BOTTOM,   /* y is the bottom of the line (descent) */
} LsValign;

/* The light palette's colours above are mapped to the dark theme's when
 * @cr has it; other colours (the classes') pass unchanged. */
guint32 ls_report_themed (cairo_t *cr,
                          guint32 rgb);
LsReportTheme ls_report_get_theme (cairo_t *cr);
/* Sets @rgb through ls_report_themed(). */
void ls_report_rgb (cairo_t *cr,
                    guint32 rgb);
/* Sets @rgb as it is, whatever the theme. */
void ls_report_rgb_exact (cairo_t *cr,
                          guint32 rgb);
void ls_report_rgba (cairo_t *cr,
                     guint32 rgb,
                     double alpha);
guint32 ls_report_mix (guint32 a,
                       guint32 b,
                       double t);
double ls_report_luminance (guint32 rgb);

void ls_report_font (cairo_t *cr,
                     double size,
                     gboolean bold);
double ls_report_text_width (cairo_t *cr,
                             const char *text);
/* Draws @text anchored at (x, y): @halign 0 left, 0.5 centre, 1 right. */
void ls_report_text (cairo_t *cr,
                     double x,
                     double y,
                     double halign,
                     LsValign valign,
                     const char *text);
/* Draws @text rotated a quarter turn counter-clockwise, centred on (x, y). */
void ls_report_text_vertical (cairo_t *cr,
                              double x,
                              double y,
                              const char *text);
/* @text cut with an ellipsis to fit @max_width (a new string). */
char *ls_report_text_fit (cairo_t *cr,
                          const char *text,
                          double max_width);
/* @text cut in the middle with an ellipsis to fit @max_width (for file
 * names: their start and end are kept). */
char *ls_report_text_fit_middle (cairo_t *cr,
                                 const char *text,
                                 double max_width);
/* @text broken at spaces into lines no wider than @max_width; words longer
 * than a line are broken between characters. */
GPtrArray *ls_report_text_wrap (cairo_t *cr,
                                const char *text,
                                double max_width);

void ls_report_rounded_rect (cairo_t *cr,
                             double x,
                             double y,
                             double width,
                             double height,
                             double radius);

/* Tick positions on a 1-2-5 ladder covering [lo, hi]. */
typedef struct
{
  double min, max, step;
  int n; /* ticks from min to max inclusive */
} LsNiceScale;

void ls_report_nice_scale (double lo,
                           double hi,
                           int target_ticks,
                           gboolean integer,
                           LsNiceScale *scale);
double ls_report_nice_tick (const LsNiceScale *scale,
                            int i);

typedef enum
{
  LS_TICK_PLAIN,
  LS_TICK_PERCENT, /* fractions shown as percentages */
} LsTickFormat;

void ls_report_format_tick (double value,
                            double step,
                            LsTickFormat format,
                            char *buf,
                            gsize size);
/* "94.3%" for 0.943: one decimal; "0%", "< 0.1%", "> 99.9%", "100%" at the ends. */
void ls_report_format_percent (double fraction,
                               char *buf,
                               gsize size);

/* Sets up Cairo's font options for crisp raster text. */
void ls_report_raster_font_options (cairo_t *cr);

/* Writes @len bytes to @path durably: temp file beside it, fsync, rename,
 * fsync of the folder. The error names @path. */
gboolean ls_report_write_file (const char *path,
                               const guint8 *data,
                               gsize len,
                               GError **error);

typedef void (*LsReportDrawFunc) (gconstpointer data,
                                  cairo_t *cr,
                                  double width,
                                  double height);

/* Renders a chart to a PNG of width × height pixels and writes it. */
gboolean ls_report_save_png (LsReportDrawFunc draw,
                             gconstpointer data,
                             int width,
                             int height,
                             const char *path,
                             GError **error);

G_END_DECLS
