/* saliency.h — which pixels moved the network's score for a class
 *
 * Grad-CAM at the spec's cam=yes layer (upsampled bilinearly with
 * align_corners=False, as F.interpolate), the input gradient, and
 * SmoothGrad (the input gradient averaged over noisy copies). Maps come
 * back at input resolution, min–max normalized to [0, 1] (a constant map
 * becomes 0). The net runs in eval mode; its mode is restored afterwards.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "net.h"

G_BEGIN_DECLS

typedef enum
{
  LS_SALIENCY_GRADCAM,
  LS_SALIENCY_GRADIENT,
  LS_SALIENCY_SMOOTHGRAD,
} LsSaliencyMethod;

typedef struct
{
  LsSaliencyMethod method;
  int target_class; /* −1: the predicted class */
  int n_samples;    /* SmoothGrad copies (default 16) */
  float sigma;      /* SmoothGrad noise std as a fraction of the image's range (default 0.15) */
  guint64 seed;     /* SmoothGrad noise */
} LsSaliencyConfig;

void ls_saliency_config_init (LsSaliencyConfig *config,
                              LsSaliencyMethod method);
const char *ls_saliency_method_to_string (LsSaliencyMethod method);
gboolean ls_saliency_method_from_string (const char *name,
                                         LsSaliencyMethod *method);

/* @image (C,S,S) of a planned net (batch ≥ 1); writes @map (S,S) and, if
 * not NULL, @probs (classes) of the clean image. Returns the class used.
 * Grad-CAM needs a cam=yes layer (programming error otherwise). */
/* Grad-CAM of class @target for the image of the last forward of one image
 * (ls_net_infer() or ls_net_forward()), from that forward's activations:
 * back-propagates through the layers above the cam=yes layer only. @map
 * (S×S) is normalized to 0 … 1. */
void ls_engine_gradcam_last (LsNet *net,
                             int target,
                             float *map);

int ls_engine_saliency (LsNet *net,
                        const float *image,
                        const LsSaliencyConfig *config,
                        float *map,
                        float *probs);

/* Bilinear resize of one plane, align_corners=False (F.interpolate). */
void ls_engine_resize_bilinear (const float *src,
                                int h,
                                int w,
                                float *dst,
                                int oh,
                                int ow);

G_END_DECLS
