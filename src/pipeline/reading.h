/* reading.h — the one-page PDF reading of one diagnosed radiograph
 *
 * What `lungscope-cli report` writes and the app's Save Report: the
 * diagnosis (pipeline/diagnose.h, with a saliency map) laid out by the
 * report layer (report/report.h) with the model's card. The file is written
 * atomically (temp file, fsync, rename): a failure leaves the old file, or
 * none.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/colormap.h"
#include "pipeline/diagnose.h"

G_BEGIN_DECLS

/* Writes the reading of @diagnosis (made by @choice's model with saliency
 * @method) to @path. The overlay is drawn in @colormap at @opacity; the
 * page names the image @image_name (NULL: the diagnosis's name). Errors
 * name @path and the reason (a read-only folder, a full disk). */
gboolean ls_pipeline_save_reading_pdf (const LsModelChoice *choice,
                                       const LsDiagnosis *diagnosis,
                                       LsSaliencyMethod method,
                                       const char *image_name,
                                       LsColormap colormap,
                                       float opacity,
                                       const char *path,
                                       GError **error);

G_END_DECLS
