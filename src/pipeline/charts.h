/* charts.h — a model's figures as the report layer's charts: confusion
 * matrix and reliability diagram from metrics, training curves from a run's
 * epochs; to draw on any cairo_t (the app's chart widgets) or to write as
 * PNG files (`train --plots`, `eval --plots`)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pipeline/metrics.h"
#include "pipeline/train.h"
#include "report/report.h"

G_BEGIN_DECLS

/* The size of the PNG charts the CLI writes. */
#define LS_CHART_PNG_WIDTH 960
#define LS_CHART_PNG_HEIGHT 640

/* The report structs filled from @metrics, with the arrays they borrow. */
typedef struct
{
  LsReportConfusion confusion;
  LsReportReliability reliability;
  /* (private) what they point to */
  const char **names;
  int *counts;
  int *bin_count;
  double *bin_confidence;
  double *bin_accuracy;
} LsMetricCharts;

LsMetricCharts *ls_metric_charts_new (const LsMetrics *metrics);
void ls_metric_charts_free (LsMetricCharts *charts);

/* Training curves (loss, accuracy, learning rate) of @n_epochs epochs;
 * @best_epoch is 1-based (0: none). */
typedef struct
{
  LsReportCurves curves;
  /* (private) */
  double *values; /* 5 × n_epochs */
} LsCurvesChart;

LsCurvesChart *ls_curves_chart_new (const LsTrainEpoch *epochs,
                                    int n_epochs,
                                    int best_epoch);
void ls_curves_chart_free (LsCurvesChart *chart);

/* DIR/confusion.png and DIR/reliability.png of @metrics (the folder is
 * made when missing). */
gboolean ls_pipeline_write_metric_plots (const LsMetrics *metrics,
                                         const char *dir,
                                         GError **error);
/* DIR/curves.png of a training's epochs. */
gboolean ls_pipeline_write_curves (const LsTrainEpoch *epochs,
                                   int n_epochs,
                                   int best_epoch,
                                   const char *dir,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsMetricCharts, ls_metric_charts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsCurvesChart, ls_curves_chart_free)

G_END_DECLS
