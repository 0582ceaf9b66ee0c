/* ls-viewer.h — the radiograph viewer: zoom and pan around the pointer,
 * window/level, invert, a saliency overlay with its colour bar
 *
 * Coordinates. Widget coordinates are GTK's logical pixels from the widget's
 * top-left corner; image coordinates are pixels of the LsImage, (0, 0) the
 * top-left corner of the first pixel, so pixel (i, j) covers
 * [i, i + 1) × [j, j + 1). At zoom z one image pixel is z logical pixels.
 *
 * Window/level. For a sample x in [0, 1], window center c and width w
 * (both in the same [0, 1] units):
 *   v = clamp ((x − (c − w / 2)) / w, 0, 1)
 *   byte = ⌊255 v + 0.5⌋, and 255 − byte when inverted
 * and the pixel is drawn as the opaque gray (byte, byte, byte).
 *
 * Window presets (chest radiographs stored in [0, 1], air dark, bone bright;
 * on 30 cxr-real images the lung fields' 5th–95th percentiles are about
 * 0.27–0.66 and the mediastinum's median about 0.66):
 *   "full"  c 0.50 w 1.00   the whole range as stored
 *   "lung"  c 0.40 w 0.60   [0.10, 0.70]: lung fields, vessels and airways
 *   "soft"  c 0.60 w 0.50   [0.35, 0.85]: mediastinum, heart border, diaphragm
 *   "bone"  c 0.75 w 0.50   [0.50, 1.00]: ribs, clavicles, spine
 *
 * Overlay. A map of values t in [0, 1] stretched over the image; each value
 * is drawn in the colormap's colour with alpha
 *   a(t) = opacity × smoothstep (LS_VIEWER_OVERLAY_LOW, LS_VIEWER_OVERLAY_HIGH, t)
 * so values below LOW are fully transparent (the anatomy stays readable).
 *
 * Rendering. Window/level, invert and sampling run on the CPU in GTask
 * workers (GTK 4.8 has no gray textures), into 8-bit premultiplied BGRA
 * textures (GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, what Cairo draws without a
 * conversion): a whole-image preview from a mip pyramid level whose longer
 * side is at most LS_VIEWER_PREVIEW_MAX_SIDE, scaled by GTK while the view
 * moves, and LS_VIEWER_DETAIL_DELAY_MS after the last change the visible
 * region at device resolution: nearest neighbour at or above 100 %, below it
 * the area average of each device pixel's footprint in the pyramid level
 * just finer than the screen. A newer request cancels the older one. When
 * an image is set, nothing is drawn until its pyramid is built (0.2 s for
 * 4096², about 1 s for 16384 × 6000 here); the busy property is TRUE while a
 * worker or the delayed redraw is pending.
 *
 * Input. A wheel notch zooms by LS_VIEWER_ZOOM_STEP at the pointer (a
 * high-resolution wheel by fractions of it); a touchpad's smooth scroll pans,
 * and zooms with Ctrl (LS_VIEWER_ZOOM_STEP_PIXEL a pixel); a pinch zooms at
 * the fingers; the primary button drags the image; the secondary button
 * drags the window (across the widget's width: width ± 1; down its height:
 * center + 1, the image darkens); a double-click toggles best fit and 100 %.
 * The viewer.* actions are found from the viewer and its children only:
 * the window binds keys with gtk_widget_activate_action (viewer,
 * "viewer.zoom-in", NULL), or with a GtkShortcutController of scope
 * GTK_SHORTCUT_SCOPE_MANAGED on the viewer.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "imaging/colormap.h"
#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_VIEWER_OVERLAY_LOW 0.2
#define LS_VIEWER_OVERLAY_HIGH 0.6
#define LS_VIEWER_PREVIEW_MAX_SIDE 1024
/* The overlay layer's longer side at most: a model's map has no finer
 * detail (its input is smaller), and GTK 4.8's Cairo renderer converts a
 * texture's every pixel at every frame it draws. */
#define LS_VIEWER_OVERLAY_MAX_SIDE 512
#define LS_VIEWER_ZOOM_STEP 1.3         /* a wheel notch */
#define LS_VIEWER_ZOOM_STEP_PIXEL 1.005 /* a pixel of Ctrl + touchpad scroll */
#define LS_VIEWER_ZOOM_MAX 32.0
#define LS_VIEWER_DETAIL_DELAY_MS 200

#define LS_TYPE_VIEWER (ls_viewer_get_type ())

G_DECLARE_FINAL_TYPE (LsViewer, ls_viewer, LS, VIEWER, GtkWidget)

GtkWidget *ls_viewer_new (void);

void ls_viewer_set_image (LsViewer *self,
                          LsImage *image);
const LsImage *ls_viewer_get_image (LsViewer *self);

void ls_viewer_set_overlay (LsViewer *self,
                            const float *map,
                            int width,
                            int height);
gboolean ls_viewer_has_overlay (LsViewer *self);

double ls_viewer_get_zoom (LsViewer *self);
void ls_viewer_set_zoom (LsViewer *self,
                         double zoom);
void ls_viewer_zoom_at (LsViewer *self,
                        double zoom,
                        double widget_x,
                        double widget_y);
gboolean ls_viewer_get_best_fit (LsViewer *self);
void ls_viewer_set_best_fit (LsViewer *self,
                             gboolean best_fit);
double ls_viewer_get_fit_zoom (LsViewer *self);

double ls_viewer_get_window_center (LsViewer *self);
void ls_viewer_set_window_center (LsViewer *self,
                                  double center);
double ls_viewer_get_window_width (LsViewer *self);
void ls_viewer_set_window_width (LsViewer *self,
                                 double width);
void ls_viewer_set_default_window (LsViewer *self,
                                   double center,
                                   double width);
gboolean ls_viewer_set_window_preset (LsViewer *self,
                                      const char *name);
gboolean ls_viewer_window_preset_lookup (const char *name,
                                         double *center,
                                         double *width);
gboolean ls_viewer_get_inverted (LsViewer *self);
void ls_viewer_set_inverted (LsViewer *self,
                             gboolean inverted);

gboolean ls_viewer_get_overlay_visible (LsViewer *self);
void ls_viewer_set_overlay_visible (LsViewer *self,
                                    gboolean visible);
double ls_viewer_get_overlay_opacity (LsViewer *self);
void ls_viewer_set_overlay_opacity (LsViewer *self,
                                    double opacity);
LsColormap ls_viewer_get_colormap (LsViewer *self);
void ls_viewer_set_colormap (LsViewer *self,
                             LsColormap colormap);

gboolean ls_viewer_get_busy (LsViewer *self);

void ls_viewer_widget_to_image (LsViewer *self,
                                double widget_x,
                                double widget_y,
                                double *image_x,
                                double *image_y);
void ls_viewer_image_to_widget (LsViewer *self,
                                double image_x,
                                double image_y,
                                double *widget_x,
                                double *widget_y);
void ls_viewer_pan_by (LsViewer *self,
                       double dx,
                       double dy);

guint8 ls_viewer_map_sample (float x,
                             double center,
                             double width,
                             gboolean inverted);
double ls_viewer_overlay_alpha (float t,
                                double opacity);

G_END_DECLS
