/* report.h — charts and the diagnosis report, drawn with Cairo
 *
 * The report layer draws what the pipeline measured: training curves, a
 * confusion matrix, a reliability diagram (each to a PNG file or onto any
 * cairo_t, so the app can draw them in a GtkDrawingArea) and a one-page PDF
 * reading of one radiograph.
 *
 * Its inputs are plain structs that borrow their arrays and strings: the
 * caller fills them and keeps what they point to alive while drawing. The
 * number of classes is a field, never assumed; classes keep the order the
 * model gives them (DESIGN §3) and each has a fixed colour
 * (ls_report_class_color()).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define LS_REPORT_ERROR (ls_report_error_quark ())

typedef enum
{
  LS_REPORT_ERROR_INVALID, /* the data or the requested size cannot be drawn */
  LS_REPORT_ERROR_RENDER,  /* Cairo failed (out of memory, surface error) */
  LS_REPORT_ERROR_WRITE,   /* the file could not be written */
} LsReportError;

GQuark ls_report_error_quark (void);

/* Largest side of a PNG chart, in pixels. */
#define LS_REPORT_MAX_PNG_SIDE 8192
/* Smallest side of a PNG chart, in pixels. */
#define LS_REPORT_MIN_PNG_SIDE 64

typedef struct
{
  double x, y, width, height;
} LsReportRect;

/* A plot area and the data range it shows: y grows upwards in data units and
 * downwards in user space. */
typedef struct
{
  LsReportRect area;
  double x_min, x_max;
  double y_min, y_max;
} LsReportAxes;

/* Maps a data point to user space (pixels for a PNG, points for a PDF). */
void ls_report_axes_map (const LsReportAxes *axes,
                         double x,
                         double y,
                         double *ux,
                         double *uy);

/* ---- Theme ------------------------------------------------------------ */

typedef enum
{
  LS_REPORT_THEME_LIGHT, /* the default; PNG files and the PDF */
  LS_REPORT_THEME_DARK,  /* for a GtkDrawingArea under the dark style */
} LsReportTheme;

/* Charts drawn on @cr from now on use @theme's colours (kept as user data on
 * @cr). The PDF page is always light. */
void ls_report_set_theme (cairo_t *cr,
                          LsReportTheme theme);

/* ---- Classes ---------------------------------------------------------- */

/* The display name of a class ("covid" → "COVID-19"); unknown names are
 * returned as they are. */
const char *ls_report_class_display_name (const char *class_name);
/* The same in the user's language (what charts and the PDF reading show;
 * the CLI's text stays English). */
const char *ls_report_class_label (const char *class_name);

/* The fixed colour of a class as 0xRRGGBB: normal green, pneumonia orange,
 * COVID-19 red-purple (distinct for the common colour-vision deficiencies);
 * other classes take further colours by @index. @class_name may be the
 * stored name, the display name or its translation (ls_report_class_label). */
guint32 ls_report_class_color (const char *class_name,
                               int index);

/* ---- Training curves -------------------------------------------------- */

typedef struct
{
  int n_epochs;             /* epochs 1 … n_epochs; 0 draws "no epochs yet" */
  const double *train_loss; /* n_epochs values, NAN where missing; or NULL */
  const double *val_loss;   /* or NULL */
  const double *train_acc;  /* fractions in [0, 1]; or NULL */
  const double *val_acc;    /* or NULL */
  const double *lr;         /* learning rate per epoch; NULL: no LR strip */
  int best_epoch;           /* 0-based index of the kept epoch, -1 if none */
  const char *title;        /* NULL: "Training curves" */
} LsReportCurves;

typedef struct
{
  LsReportAxes loss;
  LsReportAxes accuracy;
  LsReportAxes lr;
  gboolean has_loss, has_accuracy, has_lr;
} LsReportCurvesLayout;

void ls_report_curves_draw (const LsReportCurves *curves,
                            cairo_t *cr,
                            double width,
                            double height);
gboolean ls_report_curves_get_layout (const LsReportCurves *curves,
                                      double width,
                                      double height,
                                      LsReportCurvesLayout *layout);
gboolean ls_report_curves_save_png (const LsReportCurves *curves,
                                    int width,
                                    int height,
                                    const char *path,
                                    GError **error);

/* ---- Confusion matrix ------------------------------------------------- */

typedef struct
{
  int n_classes;                  /* ≥ 2 */
  const char *const *class_names; /* n_classes display names */
  const int *counts;              /* n × n, row-major: row = true class, column = predicted */
  const char *title;              /* NULL: "Confusion matrix" */
} LsReportConfusion;

void ls_report_confusion_draw (const LsReportConfusion *confusion,
                               cairo_t *cr,
                               double width,
                               double height);
/* The rectangle of one cell, for pointer hit tests. */
gboolean ls_report_confusion_get_cell (const LsReportConfusion *confusion,
                                       double width,
                                       double height,
                                       int row,
                                       int column,
                                       LsReportRect *cell);
gboolean ls_report_confusion_save_png (const LsReportConfusion *confusion,
                                       int width,
                                       int height,
                                       const char *path,
                                       GError **error);

/* ---- Time series ------------------------------------------------------ */

/* One series of a time-series chart. */
typedef struct
{
  const char *label;    /* in the legend */
  guint32 color;        /* 0xRRGGBB */
  const double *values; /* n_points values, NAN where a bin has none (a gap) */
} LsReportSeries;

/* Values per time bin (monitoring): the first series as bars when @bars,
 * the others as lines through the bins' middles; an optional horizontal
 * dashed bound (a drift threshold). */
typedef struct
{
  int n_points;        /* bins; 0 draws "no data yet" */
  const gint64 *start; /* n_points bin starts, µs since the epoch (UTC), increasing */
  gint64 bin_usec;     /* the bins' width, > 0 */
  int n_series;        /* ≥ 1 */
  const LsReportSeries *series;
  gboolean bars;           /* draw series[0] as bars */
  gboolean fraction;       /* values in [−1, 1] (rates, kappa), shown as percentages; else counts ≥ 0 */
  double bound;            /* a dashed horizontal line at this value, NAN for none */
  const char *bound_label; /* its legend entry (NULL: "Bound") */
  const char *y_title;     /* NULL: none */
  const char *title;       /* NULL: "Over time" */
} LsReportTimeSeries;

void ls_report_timeseries_draw (const LsReportTimeSeries *series,
                                cairo_t *cr,
                                double width,
                                double height);
/* The plot area: x is the bin index (bin i spans [i, i + 1]), y the value. */
gboolean ls_report_timeseries_get_layout (const LsReportTimeSeries *series,
                                          double width,
                                          double height,
                                          LsReportAxes *plot);
gboolean ls_report_timeseries_save_png (const LsReportTimeSeries *series,
                                        int width,
                                        int height,
                                        const char *path,
                                        GError **error);

/* ---- Reliability diagram ---------------------------------------------- */

typedef struct
{
  int n_bins;               /* equal-width confidence bins over [0, 1] */
  const int *count;         /* images per bin */
  const double *confidence; /* mean confidence per bin (NAN or anything when empty) */
  const double *accuracy;   /* accuracy per bin, in [0, 1] */
  double ece;               /* expected calibration error, in [0, 1] */
  const char *title;        /* NULL: "Reliability diagram" */
} LsReportReliability;

typedef struct
{
  LsReportAxes plot;      /* confidence (x) against accuracy (y), both [0, 1] */
  LsReportAxes histogram; /* confidence (x) against images per bin (y) */
} LsReportReliabilityLayout;

void ls_report_reliability_draw (const LsReportReliability *reliability,
                                 cairo_t *cr,
                                 double width,
                                 double height);
gboolean ls_report_reliability_get_layout (const LsReportReliability *reliability,
                                           double width,
                                           double height,
                                           LsReportReliabilityLayout *layout);
gboolean ls_report_reliability_save_png (const LsReportReliability *reliability,
                                         int width,
                                         int height,
                                         const char *path,
                                         GError **error);

/* ---- Diagnosis report (PDF) ------------------------------------------- */

/* A4 portrait, in PostScript points. */
#define LS_REPORT_PAGE_WIDTH 595.276
#define LS_REPORT_PAGE_HEIGHT 841.89

typedef struct
{
  /* The radiograph: gray, row-major, values in [0, 1]. */
  const float *image;
  int width;
  int height;

  /* Optional saliency overlay covering the whole radiograph (stretched to
   * it): premultiplied ARGB32 as Cairo stores it (native-endian 32-bit
   * words), stride 4 × overlay_width. NULL: the right panel is left out. */
  const guint8 *overlay;
  int overlay_width;
  int overlay_height;
  const char *overlay_caption; /* e.g. "Grad-CAM, COVID-19"; NULL: "Saliency overlay" */

  /* The calibrated answer. */
  int n_classes;                  /* 1 … 16 */
  const char *const *class_names; /* display names, model order */
  const double *probabilities;    /* n_classes values summing to about 1 */
  int predicted;                  /* index into the above */

  /* Out-of-distribution check. */
  double ood_score;     /* NAN when the model has no detector */
  double ood_threshold; /* NAN when unknown */
  gboolean ood_flagged;

  /* The model and its card. */
  const char *model_id;
  const char *model_name;
  const char *dataset_version;
  const char *const *card_lines; /* NULL-terminated summary lines, or NULL */
  gboolean synthetic_training;   /* trained on synthetic phantoms only */

  /* The image file. */
  const char *image_name;   /* file name as the user knows it */
  const char *image_sha256; /* hex digest (a prefix is shown), or NULL */
  const char *date;         /* date of the reading; NULL: now, UTC */
} LsReportDiagnosis;

/* Draws the page onto @cr in points (LS_REPORT_PAGE_WIDTH × _HEIGHT), e.g.
 * for a print preview. */
gboolean ls_report_diagnosis_draw (const LsReportDiagnosis *diagnosis,
                                   cairo_t *cr,
                                   GError **error);
gboolean ls_report_diagnosis_save_pdf (const LsReportDiagnosis *diagnosis,
                                       const char *path,
                                       GError **error);

G_END_DECLS
