/* resize.h — antialiased resampling
 *
 * The separable resampling of PIL's Image.resize (Resample.c) and of
 * torchvision's F.resize(antialias=True) on float tensors: for a downscale
 * by s the filter's support is stretched by s, so every source pixel
 * contributes (no aliasing); for an upscale it is plain bilinear with
 * half-pixel centres (align_corners=False). The weights of each output
 * pixel are normalised to sum 1 over the source pixels that exist, which is
 * how both references treat the borders.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

typedef enum
{
  LS_RESIZE_BILINEAR, /* triangle filter: PIL BILINEAR, torchvision BILINEAR antialias=True */
  LS_RESIZE_BOX,      /* box filter (area average): PIL BOX */
} LsResizeFilter;

/* Precomputed weights for one source size → destination size. A plan is
 * immutable once made and can be shared by threads. */
typedef struct _LsResizePlan LsResizePlan;

LsResizePlan *ls_resize_plan_new (int src_width,
                                  int src_height,
                                  int dst_width,
                                  int dst_height,
                                  LsResizeFilter filter);
void ls_resize_plan_free (LsResizePlan *plan);
gsize ls_resize_plan_scratch_size (const LsResizePlan *plan);
void ls_resize_plan_run (const LsResizePlan *plan,
                         const float *src,
                         gsize src_stride,
                         float *dst,
                         gsize dst_stride,
                         float *scratch);

/* Row by row: a decoder pushes each source row as it comes (rows 0 … height
 * − 1, in order) and never holds the full-size plane; the output is the same,
 * bit for bit, as ls_resize_plan_run(). */
typedef struct _LsResizeStream LsResizeStream;

LsResizeStream *ls_resize_stream_new (const LsResizePlan *plan,
                                      float *dst,
                                      gsize dst_stride);
gboolean ls_resize_stream_push (LsResizeStream *stream,
                                const float *row);
void ls_resize_stream_free (LsResizeStream *stream);

void ls_resize_plane (const float *src,
                      int src_width,
                      int src_height,
                      float *dst,
                      int dst_width,
                      int dst_height,
                      LsResizeFilter filter);
LsImage *ls_image_resize (const LsImage *image,
                          int width,
                          int height,
                          LsResizeFilter filter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsResizePlan, ls_resize_plan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsResizeStream, ls_resize_stream_free)

G_END_DECLS
