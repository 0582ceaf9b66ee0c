/* ls-viewer-render.c — the viewer's CPU rendering: mip pyramid, window/level
 * into BGRA, the visible region at device resolution, the overlay layer
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ls-viewer-render.h"
#include "ls-viewer.h"

/* Rows between two cancellation checks. */
#define CHECK_ROWS 64

LsViewerSource *
ls_viewer_source_new (LsImage *image)
{
  LsViewerSource *source = g_new0 (LsViewerSource, 1);

  g_atomic_ref_count_init (&source->ref);
  source->image = image;
  return source;
}

LsViewerSource *
ls_viewer_source_ref (LsViewerSource *source)
{
  g_atomic_ref_count_inc (&source->ref);
  return source;
}

void
ls_viewer_source_unref (LsViewerSource *source)
{
  if (source == NULL || !g_atomic_ref_count_dec (&source->ref))
    return;
  for (int k = 1; k < source->n_levels; k++)
    g_aligned_free (source->data[k]);
  ls_image_free (source->image);
  g_free (source);
}

void
ls_viewer_pyramid_free (LsViewerPyramid *pyramid)
{
  if (pyramid == NULL)
    return;
  for (int k = 1; k < pyramid->n_levels; k++)
    g_aligned_free (pyramid->data[k]);
  g_free (pyramid);
}

/* dst (⌈w/2⌉ × ⌈h/2⌉) = 2 × 2 box average of src; an odd last row or column
 * averages the pixels it has. */
static void
halve (const float *src,
       int w,
       int h,
       float *dst)
{
  int dw = (w + 1) / 2, dh = (h + 1) / 2;

  for (int y = 0; y < dh; y++)
    {
      const float *r0 = src + (gsize) (2 * y) * w;
      const float *r1 = 2 * y + 1 < h ? r0 + w : r0;
      float *out = dst + (gsize) y * dw;
      int x;

      for (x = 0; x < w / 2; x++)
        out[x] = 0.25f * (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]);
      if (x < dw)
        out[x] = 0.5f * (r0[2 * x] + r1[2 * x]);
    }
}

/**
 * ls_viewer_pyramid_build:
 * @min_side: stop once the longer side of a level is at most this
 *
 * Levels 1, 2, … of @image, each half the previous one. Returns NULL when
 * cancelled.
 */
LsViewerPyramid *
ls_viewer_pyramid_build (const LsImage *image,
                         int min_side,
                         GCancellable *cancellable)
{
  LsViewerPyramid *p = g_new0 (LsViewerPyramid, 1);

  p->n_levels = 1;
  p->width[0] = image->width;
  p->height[0] = image->height;
  while (p->n_levels < LS_VIEWER_MAX_LEVELS && MAX (p->width[p->n_levels - 1], p->height[p->n_levels - 1]) > min_side)
    {
      int k = p->n_levels;
      const float *src = k == 1 ? image->data : p->data[k - 1];

      if (g_cancellable_is_cancelled (cancellable))
        {
          ls_viewer_pyramid_free (p);
          return NULL;
        }
      p->width[k] = (p->width[k - 1] + 1) / 2;
      p->height[k] = (p->height[k - 1] + 1) / 2;
      p->data[k] = g_aligned_alloc ((gsize) p->width[k] * p->height[k], sizeof (float), 64);
      halve (src, p->width[k - 1], p->height[k - 1], p->data[k]);
      p->n_levels++;
    }
  return p;
}

/* Main thread, before any worker sees the source's levels. */
void
ls_viewer_source_attach (LsViewerSource *source,
                         LsViewerPyramid *pyramid)
{
  g_return_if_fail (source->n_levels == 0);
  source->n_levels = pyramid->n_levels;
  source->width[0] = source->image->width;
  source->height[0] = source->image->height;
  source->data[0] = source->image->data;
  for (int k = 1; k < pyramid->n_levels; k++)
    {
      source->width[k] = pyramid->width[k];
      source->height[k] = pyramid->height[k];
      source->data[k] = g_steal_pointer (&pyramid->data[k]);
    }
  pyramid->n_levels = 0;
  ls_viewer_pyramid_free (pyramid);
}

/* The finest level whose longer side is at most @max_side (the coarsest
 * level when none is that small). */
int
ls_viewer_source_preview_level (const LsViewerSource *source,
                                int max_side)
{
  for (int k = 0; k < source->n_levels; k++)
    if (MAX (source->width[k], source->height[k]) <= max_side)
      return k;
  return source->n_levels - 1;
}

void
ls_viewer_levels_init (LsViewerLevels *levels,
                       double center,
                       double width,
                       gboolean inverted)
{
  levels->low = (float) (center - width / 2.0);
  levels->inv_width = (float) (1.0 / width);
  levels->inverted = inverted;
}

static inline void
put_gray (guint8 *p,
          guint8 v)
{
  /* GDK_MEMORY_B8G8R8A8_PREMULTIPLIED: B, G, R, A; opaque gray is the
   * same bytes either way round. */
  p[0] = v;
  p[1] = v;
  p[2] = v;
  p[3] = 255;
}

/**
 * ls_viewer_render_level:
 *
 * A whole pyramid level through window/level: width[level] × height[level]
 * BGRA pixels, stride 4 × width. NULL when cancelled.
 */
GBytes *
ls_viewer_render_level (const LsViewerSource *source,
                        int level,
                        const LsViewerLevels *levels,
                        GCancellable *cancellable)
{
  int w = source->width[level], h = source->height[level];
  const float *data = source->data[level];
  gsize stride = (gsize) w * 4;
  guint8 *out = g_malloc (stride * h);

  for (int y = 0; y < h; y++)
    {
      const float *row = data + (gsize) y * w;
      guint8 *o = out + y * stride;

      if (y % CHECK_ROWS == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_free (out);
          return NULL;
        }
      for (int x = 0; x < w; x++)
        put_gray (o + 4 * x, ls_viewer_levels_map (levels, row[x]));
    }
  return g_bytes_new_take (out, stride * h);
}

/* The level pixels a device pixel covers along one axis: device pixel d
 * spans [(d − origin) / zoom, (d + 1 − origin) / zoom) in image pixels, times
 * @scale (level pixels per image pixel). Writes the first level pixel, the
 * count (at most @max_taps) and the normalized overlap weights. */
static void
footprint (double d,
           double origin,
           double zoom,
           double scale,
           int n,
           int max_taps,
           int *first,
           int *count,
           float *weights)
{
  double a = (d - origin) / zoom * scale, b = (d + 1.0 - origin) / zoom * scale;
  int i0, i1;

  a = CLAMP (a, 0.0, (double) n);
  b = CLAMP (b, 0.0, (double) n);
  if (b - a < 1e-9)
    {
      /* off the image (an edge pixel): the nearest level pixel */
      *first = CLAMP ((int) floor (a), 0, n - 1);
      *count = 1;
      weights[0] = 1.0f;
      return;
    }
  i0 = (int) floor (a);
  i1 = MIN ((int) ceil (b), n);
  if (i1 - i0 > max_taps)
    i1 = i0 + max_taps;
  *first = i0;
  *count = i1 - i0;
  for (int i = i0; i < i1; i++)
    weights[i - i0] = (float) ((MIN (b, i + 1.0) - MAX (a, (double) i)) / (b - a));
}

/**
 * ls_viewer_render_region:
 *
 * region->width × region->height BGRA pixels, stride 4 × width. At or above
 * one device pixel per image pixel each device pixel takes the image pixel
 * under its centre (nearest neighbour); below, the area average of what it
 * covers in the pyramid level just finer than the screen (between 1 and 2
 * level pixels a device pixel, so at most 3 × 3 taps). NULL when cancelled.
 */
GBytes *
ls_viewer_render_region (const LsViewerSource *source,
                         const LsViewerRegion *region,
                         const LsViewerLevels *levels,
                         GCancellable *cancellable)
{
  int rw = region->width, rh = region->height;
  gsize stride = (gsize) rw * 4;
  guint8 *out = g_malloc (stride * rh);
  int level = 0, lw, lh, max_taps;
  const float *data;
  double sx, sy;
  int *col_first, *col_count;
  float *col_w;

  if (region->zoom < 1.0)
    {
      level = (int) floor (log2 (1.0 / region->zoom));
      level = CLAMP (level, 0, source->n_levels - 1);
    }
  lw = source->width[level];
  lh = source->height[level];
  data = source->data[level];
  /* level pixels per image pixel */
  sx = (double) lw / source->width[0];
  sy = (double) lh / source->height[0];
  /* level pixels a device pixel spans, plus the partial ones at both ends */
  max_taps = (int) ceil (MAX (sx, sy) / region->zoom) + 2;

  col_first = g_new (int, rw);
  col_count = g_new (int, rw);
  col_w = g_new (float, (gsize) rw *max_taps);
  for (int u = 0; u < rw; u++)
    {
      if (region->zoom >= 1.0)
        {
          double ix = (region->x + u + 0.5 - region->origin_x) / region->zoom;

          col_first[u] = CLAMP ((int) floor (ix), 0, lw - 1);
          col_count[u] = 1;
          col_w[(gsize) u * max_taps] = 1.0f;
        }
      else
        footprint (region->x + u, region->origin_x, region->zoom, sx, lw, max_taps, &col_first[u], &col_count[u],
                   &col_w[(gsize) u * max_taps]);
    }

  for (int v = 0; v < rh; v++)
    {
      guint8 *o = out + v * stride;

      if (v % CHECK_ROWS == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_free (col_first);
          g_free (col_count);
          g_free (col_w);
          g_free (out);
          return NULL;
        }
      if (region->zoom >= 1.0)
        {
          double iy = (region->y + v + 0.5 - region->origin_y) / region->zoom;
          const float *row = data + (gsize) CLAMP ((int) floor (iy), 0, lh - 1) * lw;

          for (int u = 0; u < rw; u++)
            put_gray (o + 4 * u, ls_viewer_levels_map (levels, row[col_first[u]]));
        }
      else
        {
          float row_w[64];
          int row_first, row_count;

          footprint (region->y + v, region->origin_y, region->zoom, sy, lh, MIN (max_taps, 64), &row_first,
                     &row_count, row_w);
          for (int u = 0; u < rw; u++)
            {
              const float *cw = col_w + (gsize) u * max_taps;
              float sum = 0.0f;

              for (int j = 0; j < row_count; j++)
                {
                  const float *r = data + (gsize) (row_first + j) * lw + col_first[u];
                  float acc = 0.0f;

                  for (int i = 0; i < col_count[u]; i++)
                    acc += cw[i] * r[i];
                  sum += row_w[j] * acc;
                }
              put_gray (o + 4 * u, ls_viewer_levels_map (levels, sum));
            }
        }
    }
  g_free (col_first);
  g_free (col_count);
  g_free (col_w);
  return g_bytes_new_take (out, stride * rh);
}

/* smoothstep (LOW, HIGH, t): 0 below LOW, 1 above HIGH. */
double
ls_viewer_overlay_ramp (float t)
{
  double low = LS_VIEWER_OVERLAY_LOW, high = LS_VIEWER_OVERLAY_HIGH, s;

  if (!(t > low))
    return 0.0;
  if (t >= high)
    return 1.0;
  s = (t - low) / (high - low);
  return s * s * (3.0 - 2.0 * s);
}

/**
 * ls_viewer_render_overlay:
 * @max_side: the layer is made at the map's size, or smaller (a whole
 *   factor, nearest sample) when the map is larger than this
 *
 * The overlay layer at full opacity, premultiplied BGRA: colour from
 * @colormap, alpha from ls_viewer_overlay_ramp(). NULL when cancelled.
 */
GBytes *
ls_viewer_render_overlay (const float *map,
                          int width,
                          int height,
                          LsColormap colormap,
                          int max_side,
                          int *out_width,
                          int *out_height,
                          GCancellable *cancellable)
{
  guint8 table[256][3];
  guint8 alpha[256];
  int f = 1, ow, oh;
  gsize stride;
  guint8 *out;

  while (MAX (width, height) / f > max_side)
    f++;
  ow = width / f;
  oh = height / f;
  stride = (gsize) ow * 4;
  out = g_malloc (stride * oh);
  ls_colormap_table (colormap, table);
  for (int i = 0; i < 256; i++)
    alpha[i] = (guint8) lround (255.0 * ls_viewer_overlay_ramp (i / 255.0f));

  for (int y = 0; y < oh; y++)
    {
      const float *row = map + (gsize) y * f * width;
      guint8 *o = out + y * stride;

      if (y % CHECK_ROWS == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_free (out);
          return NULL;
        }
      for (int x = 0; x < ow; x++)
        {
          float t = row[x * f];
          int i = !(t > 0.0f) ? 0 : t >= 1.0f ? 255
                                              : (int) (t * 255.0f + 0.5f);
          guint32 a = alpha[i];

          o[4 * x + 0] = (guint8) ((table[i][2] * a + 127) / 255);
          o[4 * x + 1] = (guint8) ((table[i][1] * a + 127) / 255);
          o[4 * x + 2] = (guint8) ((table[i][0] * a + 127) / 255);
          o[4 * x + 3] = (guint8) a;
        }
    }
  *out_width = ow;
  *out_height = oh;
  return g_bytes_new_take (out, stride * oh);
}
