/* preprocess.h — from a decoded radiograph to a model's input
 *
 * Geometry (centre crop, pad, letterbox or stretch to a square), intensity
 * (histogram equalisation, CLAHE, gamma, invert, window/level) and the
 * mean/std normalisation into the caller's input buffer. Plane functions
 * (`ls_…_plane`) work on raw float rows and allocate nothing; image
 * functions (`ls_image_…`) are conveniences over them.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_PREPROCESS_ERROR (ls_preprocess_error_quark ())

typedef enum
{
  LS_PREPROCESS_ERROR_INVALID, /* a value out of its range or unknown */
} LsPreprocessError;

GQuark ls_preprocess_error_quark (void);

/* How a non-square radiograph becomes the model's square input
 * (the `fit` of a model's `input` metadata, DESIGN §4). */
typedef enum
{
  LS_FIT_LETTERBOX, /* keep the aspect ratio, pad the short side with black */
  LS_FIT_STRETCH,   /* resize each axis on its own */
} LsFit;

gboolean ls_fit_from_string (const char *text,
                             LsFit *fit,
                             GError **error);
const char *ls_fit_to_string (LsFit fit);

/* Geometry: each returns a new image (transfer full). */
LsImage *ls_image_pad (const LsImage *image,
                       int left,
                       int top,
                       int right,
                       int bottom,
                       float value);
LsImage *ls_image_center_crop (const LsImage *image,
                               int width,
                               int height);
LsImage *ls_image_fit (const LsImage *image,
                       int size,
                       LsFit fit);

/* Normalisation: out is channels × height × width floats, each channel
 * (x − mean[c]) / std[c] of the gray image (gray is replicated for a
 * 3-channel model). */
void ls_image_normalize (const LsImage *image,
                         int channels,
                         const float *mean,
                         const float *std,
                         float *out);

/* Fit then normalise: the model's input from a decoded radiograph, into
 * channels × size × size floats of @out. */
void ls_image_to_model_input (const LsImage *image,
                              int size,
                              LsFit fit,
                              int channels,
                              const float *mean,
                              const float *std,
                              float *out);

/* Intensity, on planes of n floats in [0, 1]; dst may equal src. */
void ls_equalize_plane (const float *src,
                        float *dst,
                        gsize n);
void ls_gamma_plane (const float *src,
                     float *dst,
                     gsize n,
                     float gamma,
                     float gain);
void ls_invert_plane (const float *src,
                      float *dst,
                      gsize n);
void ls_window_plane (const float *src,
                      float *dst,
                      gsize n,
                      float level,
                      float width);

/* CLAHE with Kornia's equalize_clahe semantics; see preprocess.c. */
gsize ls_clahe_scratch_size (int width,
                             int height,
                             int grid_rows,
                             int grid_cols);
void ls_clahe_plane (const float *src,
                     float *dst,
                     int width,
                     int height,
                     float clip_limit,
                     int grid_rows,
                     int grid_cols,
                     float *scratch);

/* In-place conveniences. */
void ls_image_equalize (LsImage *image);
void ls_image_clahe (LsImage *image,
                     float clip_limit,
                     int grid_rows,
                     int grid_cols);
void ls_image_gamma (LsImage *image,
                     float gamma,
                     float gain);
void ls_image_invert (LsImage *image);
void ls_image_window (LsImage *image,
                      float level,
                      float width);

G_END_DECLS
