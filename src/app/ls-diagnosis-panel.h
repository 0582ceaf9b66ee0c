/* ls-diagnosis-panel.h — the model's reading of one radiograph: a bar per
 * class with its calibrated probability, the top class in words, the OOD
 * warning, the model's name and id, the time it took
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pipeline/diagnose.h"

G_BEGIN_DECLS

#define LS_TYPE_DIAGNOSIS_PANEL (ls_diagnosis_panel_get_type ())

G_DECLARE_FINAL_TYPE (LsDiagnosisPanel, ls_diagnosis_panel, LS, DIAGNOSIS_PANEL, GtkWidget)

GtkWidget *ls_diagnosis_panel_new (void);

/* The model whose readings are shown next: its classes make the bars. */
void ls_diagnosis_panel_set_model (LsDiagnosisPanel *self,
                                   const LsModelChoice *choice);
/* No image. */
void ls_diagnosis_panel_clear (LsDiagnosisPanel *self);
/* The probabilities, while the saliency map is still being made. */
void ls_diagnosis_panel_show_probabilities (LsDiagnosisPanel *self,
                                            const char *file_name,
                                            const LsPrediction *prediction);
/* The whole reading. */
/* @file_name: the name to show (a workspace image's name at import), or
 * NULL for the diagnosed file's. */
void ls_diagnosis_panel_show_diagnosis (LsDiagnosisPanel *self,
                                        const char *file_name,
                                        const LsDiagnosis *diagnosis);
void ls_diagnosis_panel_show_error (LsDiagnosisPanel *self,
                                    const char *message);

/* What is on screen (tests): the probability shown for class @k, or NAN;
 * the top class's index, or −1. */
double ls_diagnosis_panel_get_probability (LsDiagnosisPanel *self,
                                           int k);
int ls_diagnosis_panel_get_predicted (LsDiagnosisPanel *self);
gboolean ls_diagnosis_panel_get_ood_shown (LsDiagnosisPanel *self);
/* The id of the model whose readings are shown, or NULL (tests). */
const char *ls_diagnosis_panel_get_model_id (LsDiagnosisPanel *self);

G_END_DECLS
