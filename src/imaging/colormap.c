/* colormap.c — colormaps and heatmap compositing
 *
 * Sources of the colormaps:
 *
 * - viridis and inferno (Nathaniel Smith and Stéfan van der Walt, the
 *   matplotlib colormaps, CC0): Matt Zucker's degree-6 polynomial fits of
 *   matplotlib's 256-entry data, published at
 *   https://www.shadertoy.com/view/WlfXRN (CC0); they stay within about
 *   1/255 of the tables.
 * - turbo (Anton Mikhailov, Google, 2019): the polynomial approximation
 *   published with it in "Turbo, An Improved Rainbow Colormap for
 *   Visualization" (ai.googleblog.com, 2019-08-20) and its gist
 *   https://gist.github.com/mikhailov-work/0d177465a8151eb6ede1768d51d476c7
 *   (Apache-2.0). It is a shader approximation: it departs from the turbo
 *   table by up to about 0.1 at the two ends (t = 0 gives (35, 23, 27)
 *   rather than (48, 18, 59)), which keeps the map's look and order.
 * - gray: t itself.
 *
 * Tables are made on demand from these polynomials (256 evaluations), so
 * no mutable state is kept.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "colormap.h"

#include <math.h>
#include <string.h>

static const char *const names[LS_COLORMAP_N] = { "gray", "inferno", "viridis", "turbo" };

const char *
ls_colormap_to_string (LsColormap map)
{
  g_return_val_if_fail (map < LS_COLORMAP_N, NULL);
  return names[map];
}

gboolean
ls_colormap_from_string (const char *name,
                         LsColormap *map)
{
  for (int i = 0; i < LS_COLORMAP_N; i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *map = (LsColormap) i;
        return TRUE;
      }
  return FALSE;
}

/* c0 … c6 per channel, Horner order c0 + t (c1 + t (c2 + …)). */
static const double viridis[7][3] = {
  { 0.2777273272234177, 0.005407344544966578, 0.3340998053353061 },
  { 0.1050930431085774, 1.404613529898575, 1.384590162594685 },
  { -0.3308618287255563, 0.214847559468213, 0.09509516302823659 },
  { -4.634230498983486, -5.799100973351585, -19.33244095627987 },
  { 6.228269936347081, 14.17993336680509, 56.69055260068105 },
  { 4.776384997670288, -13.74514537774601, -65.35303263337234 },
  { -5.435455855934631, 4.645852612178535, 26.3124352495832 },
};

static const double inferno[7][3] = {
  { 0.0002189403691192265, 0.001651004631001012, -0.01948089843709184 },
  { 0.1065134194856116, 0.5639564367884091, 3.932712388889277 },
  { 11.60249308247187, -3.972853965665698, -15.9423941062914 },
  { -41.70399613139459, 17.43639888205313, 44.35414519872813 },
  { 77.162935699427, -33.40235894210092, -81.80730925738993 },
  { -71.31942824499214, 32.62606426397723, 73.20951985803202 },
  { 25.13112622477341, -12.24266895238567, -23.07032500287172 },
};

/* turbo: coefficients of 1, t, t², t³, t⁴, t⁵ per channel (the gist's
 * kRedVec4/kRedVec2 and so on). */
static const double turbo[6][3] = {
  { 0.13572138, 0.09140261, 0.10667330 },
  { 4.61539260, 2.19418839, 12.64194608 },
  { -42.66032258, 4.84296658, -60.58204836 },
  { 132.13108234, -14.18503333, 110.36276771 },
  { -152.94239396, 4.27729857, -89.90310912 },
  { 59.28637943, 2.82956604, 27.34824973 },
};

/**
 * ls_colormap_eval:
 * @t: position in [0, 1] (clamped)
 * @rgb: (out): three values in [0, 1]
 */
void
ls_colormap_eval (LsColormap map,
                  double t,
                  double *rgb)
{
  t = isnan (t) ? 0.0 : CLAMP (t, 0.0, 1.0);
  for (int c = 0; c < 3; c++)
    {
      double v = 0.0;

      switch (map)
        {
        case LS_COLORMAP_VIRIDIS:
          for (int k = 6; k >= 0; k--)
            v = v * t + viridis[k][c];
          break;
        case LS_COLORMAP_INFERNO:
          for (int k = 6; k >= 0; k--)
            v = v * t + inferno[k][c];
          break;
        case LS_COLORMAP_TURBO:
          for (int k = 5; k >= 0; k--)
            v = v * t + turbo[k][c];
          break;
        case LS_COLORMAP_GRAY:
        case LS_COLORMAP_N:
        default:
          v = t;
          break;
        }
      rgb[c] = CLAMP (v, 0.0, 1.0);
    }
}

/* table[i] is the colour at t = i / 255, rounded to 8 bits. */
void
ls_colormap_table (LsColormap map,
                   guint8 table[256][3])
{
  for (int i = 0; i < 256; i++)
    {
      double rgb[3];

      ls_colormap_eval (map, i / 255.0, rgb);
      for (int c = 0; c < 3; c++)
        table[i][c] = (guint8) lround (rgb[c] * 255.0);
    }
}

static inline int
to_index (float v)
{
  /* NaN and out-of-range values land on the ends */
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 255;
  return (int) (v * 255.0f + 0.5f);
}

static inline void
put_pixel (guint8 *p,
           guint32 a,
           guint32 r,
           guint32 g,
           guint32 b)
{
  guint32 word = (a << 24) | (r << 16) | (g << 8) | b;

  memcpy (p, &word, 4);
}

/**
 * ls_render_gray_argb32:
 * @out: (out caller-allocates): @height rows of @stride bytes (≥ 4 × @width)
 *
 * The radiograph as opaque gray pixels.
 */
void
ls_render_gray_argb32 (const float *gray,
                       int width,
                       int height,
                       guint8 *out,
                       int stride)
{
  g_return_if_fail (stride >= 4 * width);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 v = (guint32) to_index (gray[(gsize) y * width + x]);

        put_pixel (out + (gsize) y * stride + 4 * x, 255, v, v, v);
      }
}

/**
 * ls_render_heatmap_argb32:
 * @gray: the radiograph, @width × @height in [0, 1]
 * @heat: the heatmap at the same size, in [0, 1] (resize a network's 7 × 7
 *   map first, e.g. with ls_resize_plane)
 * @opacity: 0 shows the radiograph only, 1 the heatmap only
 *
 * Opaque pixels: colour = (1 − opacity) × gray + opacity × map(heat),
 * rounded to 8 bits.
 */
void
ls_render_heatmap_argb32 (const float *gray,
                          const float *heat,
                          int width,
                          int height,
                          LsColormap map,
                          float opacity,
                          guint8 *out,
                          int stride)
{
  guint8 table[256][3];
  float a = CLAMP (opacity, 0.0f, 1.0f);

  g_return_if_fail (stride >= 4 * width);
  ls_colormap_table (map, table);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        float g = (float) to_index (gray[i]) * (1.0f - a);
        const guint8 *c = table[to_index (heat[i])];

        put_pixel (out + (gsize) y * stride + 4 * x, 255, (guint32) (g + a * c[0] + 0.5f),
                   (guint32) (g + a * c[1] + 0.5f), (guint32) (g + a * c[2] + 0.5f));
      }
}

/**
 * ls_render_heatmap_layer_argb32:
 *
 * The heatmap alone as a translucent layer (alpha = @opacity), premultiplied,
 * to paint over a radiograph with Cairo's OVER operator or as a GDK texture
 * above it: the result equals ls_render_heatmap_argb32() up to rounding.
 */
void
ls_render_heatmap_layer_argb32 (const float *heat,
                                int width,
                                int height,
                                LsColormap map,
                                float opacity,
                                guint8 *out,
                                int stride)
{
  guint8 table[256][3];
  float a = CLAMP (opacity, 0.0f, 1.0f);
  guint32 alpha = (guint32) (a * 255.0f + 0.5f);

  g_return_if_fail (stride >= 4 * width);
  ls_colormap_table (map, table);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *c = table[to_index (heat[(gsize) y * width + x])];

        /* premultiplied: each channel ≤ alpha */
        put_pixel (out + (gsize) y * stride + 4 * x, alpha, (c[0] * alpha + 127) / 255, (c[1] * alpha + 127) / 255,
                   (c[2] * alpha + 127) / 255);
      }
}
