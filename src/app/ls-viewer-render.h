/* ls-viewer-render.h — the viewer's CPU rendering, run in worker threads
 *
 * A source is an LsImage with its mip pyramid, shared between the widget and
 * its workers by an atomic reference count and never changed once built.
 * Every render writes 8-bit premultiplied BGRA rows (GDK_MEMORY_B8G8R8A8_PREMULTIPLIED).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imaging/colormap.h"
#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_VIEWER_MAX_LEVELS 16

typedef struct
{
  gatomicrefcount ref;
  LsImage *image; /* owned */
  int n_levels;   /* 0 until the pyramid is attached, then ≥ 1 */
  int width[LS_VIEWER_MAX_LEVELS];
  int height[LS_VIEWER_MAX_LEVELS];
  float *data[LS_VIEWER_MAX_LEVELS]; /* [0] is image->data, the others owned */
} LsViewerSource;

typedef struct
{
  int n_levels;
  int width[LS_VIEWER_MAX_LEVELS];
  int height[LS_VIEWER_MAX_LEVELS];
  float *data[LS_VIEWER_MAX_LEVELS]; /* [0] unused */
} LsViewerPyramid;

/* Window/level as the workers apply it (see ls-viewer.h for the formula). */
typedef struct
{
  float low;       /* center − width / 2 */
  float inv_width; /* 1 / width */
  gboolean inverted;
} LsViewerLevels;

/* The visible region at device resolution: device pixel (u, v) (integers,
 * from the widget's top-left corner) shows the image point
 * ((u + 0.5 − origin_x) / zoom, (v + 0.5 − origin_y) / zoom). */
typedef struct
{
  double zoom; /* device pixels per image pixel */
  double origin_x;
  double origin_y;
  int x, y; /* the rectangle rendered, in device pixels */
  int width, height;
} LsViewerRegion;

LsViewerSource *ls_viewer_source_new (LsImage *image);
LsViewerSource *ls_viewer_source_ref (LsViewerSource *source);
void ls_viewer_source_unref (LsViewerSource *source);
LsViewerPyramid *ls_viewer_pyramid_build (const LsImage *image,
                                          int min_side,
                                          GCancellable *cancellable);
void ls_viewer_pyramid_free (LsViewerPyramid *pyramid);
void ls_viewer_source_attach (LsViewerSource *source,
                              LsViewerPyramid *pyramid);
int ls_viewer_source_preview_level (const LsViewerSource *source,
                                    int max_side);

void ls_viewer_levels_init (LsViewerLevels *levels,
                            double center,
                            double width,
                            gboolean inverted);
static inline guint8
ls_viewer_levels_map (const LsViewerLevels *levels,
                      float x)
{
  float v = (x - levels->low) * levels->inv_width;
  int b;

  /* NaN lands on 0 */
  if (!(v > 0.0f))
    v = 0.0f;
  if (v > 1.0f)
    v = 1.0f;
  b = (int) (v * 255.0f + 0.5f);
  return (guint8) (levels->inverted ? 255 - b : b);
}

GBytes *ls_viewer_render_level (const LsViewerSource *source,
                                int level,
                                const LsViewerLevels *levels,
                                GCancellable *cancellable);
GBytes *ls_viewer_render_region (const LsViewerSource *source,
                                 const LsViewerRegion *region,
                                 const LsViewerLevels *levels,
                                 GCancellable *cancellable);
GBytes *ls_viewer_render_overlay (const float *map,
                                  int width,
                                  int height,
                                  LsColormap colormap,
                                  int max_side,
                                  int *out_width,
                                  int *out_height,
                                  GCancellable *cancellable);
double ls_viewer_overlay_ramp (float t);

G_END_DECLS
