/* ls-viewer-private.h — LsViewer's struct, shared by ls-viewer.c (view,
 * workers, drawing, properties) and ls-viewer-input.c (event controllers and
 * viewer.* actions)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-viewer-render.h"
#include "ls-viewer.h"

G_BEGIN_DECLS

typedef enum
{
  JOB_PREPARE,
  JOB_PREVIEW,
  JOB_DETAIL,
  JOB_OVERLAY,
  N_JOBS
} JobKind;

/* A texture made by a worker, with what it was made from. */
typedef struct
{
  GdkTexture *texture;
  double center, width;
  gboolean inverted;
  double zoom;          /* detail: device pixels per image pixel */
  double x, y, w, h;    /* detail: the image rectangle it shows */
  double texels_per_px; /* preview: texture pixels per image pixel */
} Layer;

struct _LsViewer
{
  GtkWidget parent_instance;

  /* Owned references */
  LsViewerSource *source;
  GCancellable *cancel[N_JOBS];
  Layer preview;
  Layer detail;
  GdkTexture *overlay_texture;
  GBytes *overlay_map;
  int overlay_width, overlay_height;

  /* View */
  double zoom;
  double cx, cy;
  gboolean best_fit;
  double window_center, window_width;
  double default_center, default_width; /* what viewer.reset returns to */
  gboolean inverted;
  gboolean overlay_visible;
  double overlay_opacity;
  LsColormap colormap;

  /* Input */
  gboolean pointer_inside;
  double pointer_x, pointer_y;
  double drag_cx, drag_cy;
  double level_center, level_width;
  double pinch_zoom, pinch_ix, pinch_iy;
  gboolean pinching;   /* a pinch owns the view; the drag waits */
  gboolean pan_rebase; /* the drag goes on from where the pinch left the view */
  char *description;   /* the accessible description last set */

  int allocated_width, allocated_height;
  guint detail_timeout_id;
  gboolean busy;
};

static inline double
ls_viewer_widget_w (LsViewer *self)
{
  return gtk_widget_get_width (GTK_WIDGET (self));
}

static inline double
ls_viewer_widget_h (LsViewer *self)
{
  return gtk_widget_get_height (GTK_WIDGET (self));
}

/* ls-viewer.c */
void ls_viewer_view_changed (LsViewer *self);
void ls_viewer_clamp_center (LsViewer *self);
void ls_viewer_set_zoom_internal (LsViewer *self,
                                  double zoom);
void ls_viewer_set_best_fit_internal (LsViewer *self,
                                      gboolean best_fit);
double ls_viewer_min_zoom (LsViewer *self);

/* ls-viewer-input.c */
void ls_viewer_input_init (LsViewer *self);
void ls_viewer_input_class_init (GtkWidgetClass *widget_class);

G_END_DECLS
