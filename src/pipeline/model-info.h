/* model-info.h — what a person is told about a model: its card in a few
 * lines, whether it was trained on synthetic images, the saliency
 * methods' titles, figures read from its metrics
 *
 * One place for the CLI's text and PDF and the app's diagnosis panel and
 * info bar, so both say the same.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "engine/saliency.h"
#include "pipeline/metrics.h"
#include "pipeline/model-source.h"

G_BEGIN_DECLS

/* A card value, NULL when absent or empty. */
const char *ls_model_card_get (const LsModel *model,
                               const char *key);

/* "Grad-CAM", "Input gradient", "SmoothGrad". */
const char *ls_saliency_method_title (LsSaliencyMethod method);

/* A number of a model's metrics JSON (the card's or the store's
 * metrics_json): @name at the top level, else in its "test" object; NAN
 * when the text, the member or a numeric value is missing. */
double ls_metrics_json_number (const char *metrics_json,
                               const char *name);

/* The full metrics (confusion matrix, reliability bins) of a model's
 * metrics JSON: the top level, else its "test" object as training cards
 * keep it; NULL when the text is missing or is not metrics. */
LsMetrics *ls_metrics_from_model_json (const char *metrics_json);

/* "normal, pneumonia, covid" */
char *ls_model_class_list (const LsModel *model);

/* The index of class @name in the model (its stored name or display name,
 * any case), or −1. */
int ls_model_find_class (const LsModel *model,
                         const char *name);

/* Trained on synthetic phantoms only: the shipped default model, or a card
 * that says so in its name or training configuration. While such a model
 * is used, every surface says it is not for diagnosis. */
gboolean ls_model_choice_is_synthetic (const LsModelChoice *choice);

/* The model card in a few lines (created, test accuracy and ECE, size and
 * classes, temperature and OOD check, parent, default): NULL-terminated. */
GStrv ls_model_card_lines (const LsModelChoice *choice);

G_END_DECLS
