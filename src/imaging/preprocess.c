/* preprocess.c — from a decoded radiograph to a model's input
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "preprocess.h"

#include <math.h>
#include <string.h>

#include "imaging/resize.h"
#include "imaging/simd.h"

/* clang-format off */
G_DEFINE_QUARK (ls-preprocess-error-quark, ls_preprocess_error)
/* clang-format on */

gboolean
ls_fit_from_string (const char *text,
                    LsFit *fit,
                    GError **error)
{
  if (g_strcmp0 (text, "letterbox") == 0)
    *fit = LS_FIT_LETTERBOX;
  else if (g_strcmp0 (text, "stretch") == 0)
    *fit = LS_FIT_STRETCH;
  else
    {
      g_set_error (error, LS_PREPROCESS_ERROR, LS_PREPROCESS_ERROR_INVALID,
                   "unknown fit “%s” (expected letterbox or stretch)", text != NULL ? text : "");
      return FALSE;
    }
  return TRUE;
}

const char *
ls_fit_to_string (LsFit fit)
{
  switch (fit)
    {
    case LS_FIT_STRETCH:
      return "stretch";
    case LS_FIT_LETTERBOX:
    default:
      return "letterbox";
    }
}

static void
copy_description (LsImage *to,
                  const LsImage *from)
{
  to->orig_width = from->orig_width;
  to->orig_height = from->orig_height;
  to->bit_depth = from->bit_depth;
  to->color_type = from->color_type;
  to->format = from->format;
  to->orientation = from->orientation;
  g_free (to->source);
  to->source = g_strdup (from->source);
}

/* out(x, y) = in(x + ox, y + oy), @value outside the source. */
static LsImage *
window (const LsImage *image,
        int width,
        int height,
        int ox,
        int oy,
        float value)
{
  LsImage *out = ls_image_new (width, height);

  for (int y = 0; y < height; y++)
    {
      float *o = out->data + (gsize) y * width;
      int sy = y + oy;
      int x0, x1;

      if (sy < 0 || sy >= image->height)
        {
          for (int x = 0; x < width; x++)
            o[x] = value;
          continue;
        }
      x0 = CLAMP (-ox, 0, width);
      x1 = CLAMP (image->width - ox, x0, width);
      for (int x = 0; x < x0; x++)
        o[x] = value;
      memcpy (o + x0, image->data + (gsize) sy * image->width + x0 + ox, (gsize) (x1 - x0) * sizeof (float));
      for (int x = x1; x < width; x++)
        o[x] = value;
    }
  copy_description (out, image);
  return out;
}

/**
 * ls_image_pad:
 *
 * Returns: (transfer full): @image with @left, @top, @right, @bottom pixels
 * of @value added (each ≥ 0).
 */
LsImage *
ls_image_pad (const LsImage *image,
              int left,
              int top,
              int right,
              int bottom,
              float value)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (left >= 0 && top >= 0 && right >= 0 && bottom >= 0, NULL);
  return window (image, image->width + left + right, image->height + top + bottom, -left, -top, value);
}

/**
 * ls_image_center_crop:
 *
 * torchvision's F.center_crop: a side larger than the image is first padded
 * with black ((d / 2) before, ((d + 1) / 2) after), then the crop starts at
 * round((size − crop) / 2) with Python's round half to even.
 *
 * Returns: (transfer full): the @width × @height centre of @image.
 */
LsImage *
ls_image_center_crop (const LsImage *image,
                      int width,
                      int height)
{
  int pad_left = 0, pad_top = 0, padded_w, padded_h;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  if (width > image->width)
    pad_left = (width - image->width) / 2;
  if (height > image->height)
    pad_top = (height - image->height) / 2;
  padded_w = MAX (width, image->width);
  padded_h = MAX (height, image->height);
  return window (image, width, height,
                 (int) nearbyint ((padded_w - width) / 2.0) - pad_left,
                 (int) nearbyint ((padded_h - height) / 2.0) - pad_top,
                 0.0f);
}

/**
 * ls_image_fit:
 *
 * The model's square input of side @size: %LS_FIT_STRETCH resizes each axis
 * to @size; %LS_FIT_LETTERBOX resizes the longer side to @size, the other in
 * proportion (rounded, at least 1), and centres it on black (the extra pixel
 * of an odd margin goes right or below). Both resize with the antialiased
 * triangle filter.
 *
 * Returns: (transfer full): a @size × @size image.
 */
LsImage *
ls_image_fit (const LsImage *image,
              int size,
              LsFit fit)
{
  g_autoptr (LsResizePlan) plan = NULL;
  LsImage *out;
  float *scratch;
  int w = size, h = size;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  if (fit == LS_FIT_LETTERBOX)
    {
      if (image->width >= image->height)
        h = MAX (1, (int) lround ((double) image->height * size / image->width));
      else
        w = MAX (1, (int) lround ((double) image->width * size / image->height));
    }
  out = ls_image_new (size, size);
  copy_description (out, image);
  plan = ls_resize_plan_new (image->width, image->height, w, h, LS_RESIZE_BILINEAR);
  scratch = g_new (float, MAX (ls_resize_plan_scratch_size (plan), 1));
  ls_resize_plan_run (plan, image->data, image->width,
                      out->data + (gsize) ((size - h) / 2) * size + (size - w) / 2, size, scratch);
  g_free (scratch);
  return out;
}

void
ls_image_normalize (const LsImage *image,
                    int channels,
                    const float *mean,
                    const float *std,
                    float *out)
{
  gsize n;

  g_return_if_fail (image != NULL && out != NULL && mean != NULL && std != NULL);
  g_return_if_fail (channels > 0);

  n = (gsize) image->width * image->height;
  for (int c = 0; c < channels; c++)
    {
      float scale = 1.0f / std[c];
      float bias = -mean[c] * scale;
      float *o = out + (gsize) c * n;

      g_return_if_fail (std[c] > 0.0f);
      for (gsize i = 0; i < n; i++)
        o[i] = image->data[i] * scale + bias;
    }
}

/**
 * ls_image_to_model_input:
 * @size, @fit, @channels, @mean, @std: the `input` of a model's metadata
 * @out: (out caller-allocates): @channels × @size × @size floats
 */
void
ls_image_to_model_input (const LsImage *image,
                         int size,
                         LsFit fit,
                         int channels,
                         const float *mean,
                         const float *std,
                         float *out)
{
  g_autoptr (LsImage) fitted = NULL;

  g_return_if_fail (image != NULL && out != NULL);
  fitted = ls_image_fit (image, size, fit);
  ls_image_normalize (fitted, channels, mean, std, out);
}

/**
 * ls_equalize_plane:
 *
 * Histogram equalisation as Kornia's enhance.equalize (itself torchvision's
 * F.equalize and PIL's ImageOps.equalize): values scaled by 255, a
 * 256-bin histogram, step = (count − count of the last used bin) / 255
 * (integer division); a constant image (step 0) is returned unchanged;
 * otherwise lut[i] = min((cumulative count before bin i + step / 2) / step,
 * 255) and out = lut[trunc(255 x)] / 255.
 */
void
ls_equalize_plane (const float *src,
                   float *dst,
                   gsize n)
{
  guint64 hist[256] = { 0 };
  float lut[256];
  guint64 step, last = 0, cum = 0;

  for (gsize i = 0; i < n; i++)
    {
      /* histc(bins=256, min=0, max=255) of 255 x: bin = trunc(255 x × 256 / 255) */
      float v = src[i] * 255.0f;
      int b = (int) (v * 256.0f / 255.0f);

      hist[CLAMP (b, 0, 255)]++;
    }
  for (int b = 255; b >= 0; b--)
    if (hist[b] != 0)
      {
        last = hist[b];
        break;
      }
  step = (n - last) / 255;
  if (step == 0)
    {
      if (dst != src)
        memcpy (dst, src, n * sizeof (float));
      return;
    }
  for (int b = 0; b < 256; b++)
    {
      guint64 v = (cum + step / 2) / step;

      lut[b] = (float) MIN (v, 255) / 255.0f;
      cum += hist[b];
    }
  for (gsize i = 0; i < n; i++)
    {
      int idx = (int) (src[i] * 255.0f);

      dst[i] = lut[CLAMP (idx, 0, 255)];
    }
}

/**
 * ls_gamma_plane:
 *
 * Kornia's adjust_gamma: clamp(gain × x^gamma, 0, 1). x^gamma is computed as
 * 2^(gamma log2 x) with the polynomials above (relative error about 1e-6;
 * values below 2^−126 count as 0).
 */
void
ls_gamma_plane (const float *src,
                float *dst,
                gsize n,
                float gamma,
                float gain)
{
  LsVf vg = ls_vf_set1 (gamma), vgain = ls_vf_set1 (gain);
  gsize i = 0;

  for (; i + LS_VF_N <= n; i += LS_VF_N)
    {
      LsVf x = ls_vf_load (src + i);
      LsVi zero = (LsVi) (x < ls_vf_set1 (1.1754944e-38f));
      LsVf r = ls_vf_exp2 (vg * ls_vf_log2 (ls_vf_max (x, ls_vf_set1 (1.1754944e-38f))));

      r = ls_vf_select (zero, ls_vf_set1 (0.0f), r);
      ls_vf_store (dst + i, ls_vf_clamp01 (vgain * r));
    }
  if (i < n)
    {
      float tail[LS_VF_N] = { 0 };

      memcpy (tail, src + i, (n - i) * sizeof (float));
      ls_gamma_plane (tail, tail, LS_VF_N, gamma, gain);
      memcpy (dst + i, tail, (n - i) * sizeof (float));
    }
}

void
ls_invert_plane (const float *src,
                 float *dst,
                 gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = 1.0f - src[i];
}

/* Window/level: [level − width/2, level + width/2] → [0, 1], clamped. */
void
ls_window_plane (const float *src,
                 float *dst,
                 gsize n,
                 float level,
                 float width)
{
  float scale, bias;

  g_return_if_fail (width > 0.0f);
  scale = 1.0f / width;
  bias = 0.5f - level * scale;
  for (gsize i = 0; i < n; i++)
    dst[i] = CLAMP (src[i] * scale + bias, 0.0f, 1.0f);
}

/* CLAHE
 *
 * Kornia's equalize_clahe (kornia/enhance/equalization.py), reproduced
 * without its tensor gymnastics:
 *
 * 1. Tiles: th = ceil(h / grid_rows), tw = ceil(w / grid_cols), each made
 *    even; the image is padded on the right and bottom to grid × tile by
 *    reflection (F.pad mode="reflect"; where Kornia refuses a padding larger
 *    than the image we keep reflecting, which only matters for images
 *    smaller than a few pixels per tile).
 * 2. A 256-bin histogram per tile (torch.histc over [0, 1]: bin =
 *    trunc(256 x), 1.0 in the last bin); with clip_limit > 0 each bin is
 *    clamped at max(floor(clip × pixels / 256), 1), the clipped count is
 *    spread evenly and its remainder added one by one to the first bins.
 *    lut = floor(clamp(cumsum × 255 / pixels, 0, 255)).
 * 3. Each pixel is mapped through the luts of the (up to) four tiles around
 *    it, indexed by trunc(255 x): the padded image is cut into half tiles;
 *    the outer ring of half tiles uses the nearest tile (corners one lut,
 *    edges two), inner pixels blend four. Between two tile rows the weight
 *    of the upper one is (th − 1 − k) / (th − 1), k = 0 … th − 1 counting
 *    from the middle of the upper tile (Kornia's arange(2 th' − 1, −1, −1) /
 *    (2 th' − 1) with th' = th / 2), likewise for columns; blends are
 *    w (a − b) + b, columns first, in float, and the result is divided by 255.
 *
 * Kornia's border code indexes the last half-tile column with the row count,
 * which is only right for square grids; for other grids we do what it means.
 */

typedef struct
{
  int t0, t1; /* tiles blended; t0 == t1 for one */
  float w;    /* weight of t0 */
} ClaheSpan;

static int
reflect_index (int i,
               int n)
{
  int period;

  if (n == 1)
    return 0;
  period = 2 * (n - 1);
  i %= period;
  if (i < 0)
    i += period;
  return i < n ? i : period - i;
}

static void
clahe_geometry (int width,
                int height,
                int grid_rows,
                int grid_cols,
                int *th,
                int *tw)
{
  *th = (height + grid_rows - 1) / grid_rows;
  *tw = (width + grid_cols - 1) / grid_cols;
  *th += *th % 2;
  *tw += *tw % 2;
}

/* Floats of scratch ls_clahe_plane() needs. */
gsize
ls_clahe_scratch_size (int width,
                       int height,
                       int grid_rows,
                       int grid_cols)
{
  /* luts (256 a tile), spans of rows and columns (2 floats' room each, as
   * ints and a float: 3 words), histogram counts. */
  return (gsize) grid_rows * grid_cols * 256 + 3 * ((gsize) width + height) + 256;
}

static void
clahe_spans (ClaheSpan *spans,
             int n,
             int tile,
             int tiles)
{
  int half = tile / 2, padded = tile * tiles;

  for (int i = 0; i < n; i++)
    {
      if (i < half)
        spans[i] = (ClaheSpan){ 0, 0, 1.0f };
      else if (i >= padded - half)
        spans[i] = (ClaheSpan){ tiles - 1, tiles - 1, 1.0f };
      else
        {
          int j = (i - half) / tile, k = (i - half) % tile;

          spans[i] = (ClaheSpan){ j, j + 1, (float) (tile - 1 - k) / (float) (tile - 1) };
        }
    }
}

/**
 * ls_clahe_plane:
 * @src: @width × @height plane in [0, 1]
 * @dst: output plane (may not be @src)
 * @clip_limit: Kornia's clip_limit (40 by default there); ≤ 0: no clipping
 * @grid_rows, @grid_cols: Kornia's grid_size
 * @scratch: ls_clahe_scratch_size() floats
 */
void
ls_clahe_plane (const float *src,
                float *dst,
                int width,
                int height,
                float clip_limit,
                int grid_rows,
                int grid_cols,
                float *scratch)
{
  int th, tw, pixels;
  float *luts = scratch;
  ClaheSpan *rows, *cols;
  float *hist;
  float lut_scale;

  G_STATIC_ASSERT (sizeof (ClaheSpan) == 3 * sizeof (float));
  g_return_if_fail (grid_rows > 0 && grid_cols > 0);

  clahe_geometry (width, height, grid_rows, grid_cols, &th, &tw);
  pixels = th * tw;
  rows = (ClaheSpan *) (luts + (gsize) grid_rows * grid_cols * 256);
  cols = rows + height;
  hist = (float *) (cols + width);
  clahe_spans (rows, height, th, grid_rows);
  clahe_spans (cols, width, tw, grid_cols);
  lut_scale = (float) (255.0 / pixels);

  for (int gy = 0; gy < grid_rows; gy++)
    for (int gx = 0; gx < grid_cols; gx++)
      {
        float *lut = luts + ((gsize) gy * grid_cols + gx) * 256;
        float sum = 0.0f;

        memset (hist, 0, 256 * sizeof (float));
        for (int y = gy * th; y < (gy + 1) * th; y++)
          {
            const float *row = src + (gsize) reflect_index (y, height) * width;

            for (int x = gx * tw; x < (gx + 1) * tw; x++)
              {
                int b = (int) (row[x < width ? x : reflect_index (x, width)] * 256.0f);

                hist[CLAMP (b, 0, 255)] += 1.0f;
              }
          }
        if (clip_limit > 0.0f)
          {
            float max_val = MAX (floorf (clip_limit * pixels / 256.0f), 1.0f);
            float clipped, residual, redist;

            for (int b = 0; b < 256; b++)
              {
                hist[b] = MIN (hist[b], max_val);
                sum += hist[b];
              }
            clipped = pixels - sum;
            residual = fmodf (clipped, 256.0f);
            redist = (clipped - residual) / 256.0f;
            for (int b = 0; b < 256; b++)
              hist[b] += redist + (b < residual ? 1.0f : 0.0f);
          }
        sum = 0.0f;
        for (int b = 0; b < 256; b++)
          {
            sum += hist[b];
            lut[b] = floorf (CLAMP (sum * lut_scale, 0.0f, 255.0f));
          }
      }

  for (int y = 0; y < height; y++)
    {
      const ClaheSpan *r = &rows[y];
      const float *lt0 = luts + (gsize) r->t0 * grid_cols * 256;
      const float *lt1 = luts + (gsize) r->t1 * grid_cols * 256;
      const float *s = src + (gsize) y * width;
      float *d = dst + (gsize) y * width;

      for (int x = 0; x < width; x++)
        {
          const ClaheSpan *c = &cols[x];
          int v = CLAMP ((int) (s[x] * 255.0f), 0, 255);
          float top, out;

          if (c->t0 == c->t1)
            top = lt0[c->t0 * 256 + v];
          else
            top = c->w * (lt0[c->t0 * 256 + v] - lt0[c->t1 * 256 + v]) + lt0[c->t1 * 256 + v];
          if (r->t0 == r->t1)
            out = top;
          else
            {
              float bottom;

              if (c->t0 == c->t1)
                bottom = lt1[c->t0 * 256 + v];
              else
                bottom = c->w * (lt1[c->t0 * 256 + v] - lt1[c->t1 * 256 + v]) + lt1[c->t1 * 256 + v];
              out = r->w * (top - bottom) + bottom;
            }
          d[x] = out / 255.0f;
        }
    }
}

void
ls_image_equalize (LsImage *image)
{
  g_return_if_fail (image != NULL);
  ls_equalize_plane (image->data, image->data, (gsize) image->width * image->height);
}

void
ls_image_clahe (LsImage *image,
                float clip_limit,
                int grid_rows,
                int grid_cols)
{
  gsize n;
  float *scratch, *out;

  g_return_if_fail (image != NULL);
  g_return_if_fail (grid_rows > 0 && grid_cols > 0);
  n = (gsize) image->width * image->height;
  scratch = g_new (float, ls_clahe_scratch_size (image->width, image->height, grid_rows, grid_cols));
  out = g_aligned_alloc (n, sizeof (float), 64);
  ls_clahe_plane (image->data, out, image->width, image->height, clip_limit, grid_rows, grid_cols, scratch);
  g_aligned_free (image->data);
  image->data = out;
  g_free (scratch);
}

void
ls_image_gamma (LsImage *image,
                float gamma,
                float gain)
{
  g_return_if_fail (image != NULL);
  ls_gamma_plane (image->data, image->data, (gsize) image->width * image->height, gamma, gain);
}

void
ls_image_invert (LsImage *image)
{
  g_return_if_fail (image != NULL);
  ls_invert_plane (image->data, image->data, (gsize) image->width * image->height);
}

void
ls_image_window (LsImage *image,
                 float level,
                 float width)
{
  g_return_if_fail (image != NULL);
  ls_window_plane (image->data, image->data, (gsize) image->width * image->height, level, width);
}
