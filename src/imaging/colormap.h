/* colormap.h — colour output for the GUI and reports
 *
 * Colormaps as 256-entry RGB tables and the compositing of a saliency
 * heatmap over a radiograph into Cairo's CAIRO_FORMAT_ARGB32 layout:
 * one 32-bit native-endian word a pixel, 0xAARRGGBB, colour premultiplied
 * by alpha (bytes B, G, R, A on little-endian hosts). That is also GDK's
 * GDK_MEMORY_DEFAULT (B8G8R8A8_PREMULTIPLIED on little-endian), so the same
 * buffer goes to cairo_image_surface_create_for_data() and
 * gdk_memory_texture_new() without conversion.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LS_COLORMAP_GRAY,
  LS_COLORMAP_INFERNO,
  LS_COLORMAP_VIRIDIS,
  LS_COLORMAP_TURBO,
  LS_COLORMAP_N
} LsColormap;

const char *ls_colormap_to_string (LsColormap map);
gboolean ls_colormap_from_string (const char *name,
                                  LsColormap *map);
void ls_colormap_eval (LsColormap map,
                       double t,
                       double *rgb);
void ls_colormap_table (LsColormap map,
                        guint8 table[256][3]);

void ls_render_gray_argb32 (const float *gray,
                            int width,
                            int height,
                            guint8 *out,
                            int stride);
void ls_render_heatmap_argb32 (const float *gray,
                               const float *heat,
                               int width,
                               int height,
                               LsColormap map,
                               float opacity,
                               guint8 *out,
                               int stride);
void ls_render_heatmap_layer_argb32 (const float *heat,
                                     int width,
                                     int height,
                                     LsColormap map,
                                     float opacity,
                                     guint8 *out,
                                     int stride);

G_END_DECLS
