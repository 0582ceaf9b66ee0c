/* monitor.h — monitoring from the logged predictions: volume, agreement with
 * the human labels, class mix, OOD and low-confidence rates over time, the
 * active model's reliability, and a drift verdict with the bound it used
 *
 * Everything comes from the store's predictions table (a deleted model's
 * predictions stay there, schema 5) and plain structs come out, for the
 * CLI (`lungscope-cli monitor`) and for the app's charts (report.h).
 *
 * Definitions:
 *  - A prediction's class is the class it logged ("predicted"), else the
 *    argmax of its probabilities; its confidence is its top probability.
 *    Rows whose probabilities cannot be read are counted as skipped.
 *  - Low confidence: top probability < options.low_confidence.
 *  - OOD rate: OOD-flagged / predictions made with an OOD detector.
 *  - Agreement: against the image's current label in the workspace (the
 *    final label after any review), for predictions of workspace images
 *    whose current label was set by a person or an import (a label whose
 *    latest event came from a model does not count: ls_store_human_labels). Per class: of the predictions whose image is
 *    labelled c, the share predicted c (recall against the human label).
 *    Cohen's kappa = (p_o − p_e) / (1 − p_e), NAN when p_e = 1.
 *  - Training mix: the current labels of the split's train part (all
 *    labelled images when the workspace has no split).
 *  - Class-mix distance: total variation, ½ Σ |p_c − q_c|, in [0, 1].
 *  - Drift: over the last options.drift_window predictions, the OOD rate
 *    above options.ood_rate_bound, or the class-mix distance to the
 *    training mix above options.class_mix_bound. Fewer than
 *    options.drift_min predictions give no verdict.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "dataset/store.h"
#include "pipeline/metrics.h"
#include "report/report.h"

G_BEGIN_DECLS

#define LS_MONITOR_ERROR (ls_monitor_error_quark ())

typedef enum
{
  LS_MONITOR_ERROR_INVALID, /* bad options (a bound outside [0, 1], too many bins) */
} LsMonitorError;

GQuark ls_monitor_error_quark (void);

/* Bin widths, in seconds. */
#define LS_MONITOR_BIN_AUTO 0
#define LS_MONITOR_BIN_HOUR 3600
#define LS_MONITOR_BIN_DAY 86400
#define LS_MONITOR_BIN_WEEK (7 * 86400)
/* At most this many bins (a fixed width over a long span is refused). */
#define LS_MONITOR_MAX_BINS 5000

typedef struct
{
  gint64 since;           /* µs since the epoch, UTC; predictions before it are left out; 0: all */
  const char *model_id;   /* only this model's predictions; NULL: every model's */
  gint64 bin_seconds;     /* LS_MONITOR_BIN_AUTO or a width; bins start at UTC multiples of it */
  double low_confidence;  /* default 0.6 */
  guint drift_window;     /* default 200 */
  guint drift_min;        /* default 30 */
  double ood_rate_bound;  /* default 0.1 */
  double class_mix_bound; /* default 0.25 */
} LsMonitorOptions;

void ls_monitor_options_init (LsMonitorOptions *options);

/* The counts of one time bin (or of all of them). Rates are NAN when
 * their denominator is 0. */
typedef struct
{
  gint64 start; /* µs, inclusive */
  gint64 end;   /* µs, exclusive */
  guint n_predictions;
  guint *predicted;       /* n_classes counts */
  guint n_low_confidence; /* top probability < the threshold */
  double low_confidence_rate;
  guint n_ood_checked; /* made with an OOD detector */
  guint n_ood;
  double ood_rate;
  guint n_labelled; /* of a labelled workspace image */
  guint n_agree;
  double agreement;        /* n_agree / n_labelled */
  double kappa;            /* Cohen's kappa, model vs human label */
  double *class_agreement; /* n_classes: share predicted c among labelled c */
  guint *labelled;         /* n_classes: labelled c */
} LsMonitorBin;

typedef enum
{
  LS_MONITOR_DRIFT_TOO_FEW,  /* fewer than drift_min predictions: no verdict */
  LS_MONITOR_DRIFT_NONE,     /* within both bounds */
  LS_MONITOR_DRIFT_DETECTED, /* beyond a bound: see ood_exceeded, class_mix_exceeded */
} LsMonitorDriftState;

typedef struct
{
  LsMonitorDriftState state;
  guint n;         /* predictions in the window (≤ window) */
  guint window;    /* the N it looked at */
  double ood_rate; /* in the window; NAN without OOD checks */
  double ood_rate_bound;
  gboolean ood_exceeded;
  double class_mix_distance; /* window's predicted mix vs the training mix; NAN without one */
  double class_mix_bound;
  gboolean class_mix_exceeded;
  double *recent_mix; /* n_classes fractions in the window */
  char *message;      /* one sentence, for the app's info bar and the CLI */
} LsMonitorDrift;

typedef struct
{
  int n_classes;
  GStrv classes;      /* the workspace's, in output order */
  gint64 bin_seconds; /* the width used */
  guint n_bins;
  LsMonitorBin *bins;           /* oldest first, consecutive, empty ones included */
  LsMonitorBin total;           /* over every prediction looked at */
  guint n_skipped;              /* rows whose class could not be read */
  double low_confidence;        /* the threshold used */
  guint *training_counts;       /* n_classes */
  guint n_training;             /* images in the training mix */
  gboolean training_from_split; /* FALSE: all labelled images (no split yet) */
  double *training_mix;         /* n_classes fractions (NAN when n_training = 0) */
  double *predicted_mix;        /* n_classes fractions over all predictions */
  double class_mix_distance;    /* all predictions vs training; NAN when either is empty */
  char *active_model_id;        /* or NULL */
  LsMetrics *active_metrics;    /* the active model's card metrics (reliability bins, ECE), or NULL */
  LsMonitorDrift drift;
} LsMonitorReport;

void ls_monitor_report_free (LsMonitorReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMonitorReport, ls_monitor_report_free)

/* Reads the store once (predictions, images, split, active model) and
 * computes the report. Read-only; on the store's thread (the app calls it
 * from a worker with its own LsStore: 20 000 predictions take about 0.1 s). */
LsMonitorReport *ls_monitor_compute (LsStore *store,
                                     const LsMonitorOptions *options,
                                     GError **error);

/* The report as JSON text (the CLI's --json). */
char *ls_monitor_report_to_json (const LsMonitorReport *report);

/* ---- charts (report.h), monitor-charts.c ---- */

typedef enum
{
  LS_MONITOR_CHART_PREDICTIONS, /* predictions per bin (bars) */
  LS_MONITOR_CHART_AGREEMENT,   /* agreement, kappa and per-class agreement */
  LS_MONITOR_CHART_RATES,       /* OOD rate (with its drift bound) and low-confidence rate */
  LS_MONITOR_CHART_CLASS_MIX,   /* each class's share of the predictions */
  LS_MONITOR_N_CHARTS
} LsMonitorChart;

/* The report structs of each chart, with the arrays they borrow; the
 * active model's reliability diagram is ls_metric_charts_new() of
 * report->active_metrics (charts.h). Valid while @report lives. */
typedef struct
{
  LsReportTimeSeries charts[LS_MONITOR_N_CHARTS];
  /* (private) */
  LsReportSeries *series;
  double *values;
  gint64 *starts;
  char **texts;
} LsMonitorCharts;

LsMonitorCharts *ls_monitor_charts_new (const LsMonitorReport *report);
void ls_monitor_charts_free (LsMonitorCharts *charts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMonitorCharts, ls_monitor_charts_free)

/* Writes DIR/predictions.png, agreement.png, rates.png, class-mix.png and,
 * when the active model's card has metrics, reliability.png (the folder is
 * made when missing). */
gboolean ls_monitor_write_plots (const LsMonitorReport *report,
                                 const char *dir,
                                 GError **error);

G_END_DECLS
