/* metrics-private.h — shared between metrics.c and metrics-json.c
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "metrics.h"

G_BEGIN_DECLS

/* A zeroed LsMetrics with its arrays allocated for these sizes. */
G_GNUC_INTERNAL
LsMetrics *ls_metrics_alloc (int n_classes,
                             int n_bins,
                             int n_sources);

G_END_DECLS
