/* resize.c — antialiased resampling
 *
 * Weights are computed exactly as PIL's precompute_coeffs() does (in double,
 * then stored as float): for output pixel i of a source span of n pixels
 * resized to m, scale = n / m, filterscale = max(scale, 1), support =
 * filter_support × filterscale, centre = (i + 0.5) × scale, the window is
 * [trunc(centre − support + 0.5), trunc(centre + support + 0.5)) clipped
 * to [0, n), and each weight is filter((j − centre + 0.5) / filterscale),
 * normalised by their sum. torchvision's _upsample_bilinear2d_aa computes
 * the same weights for the triangle filter.
 *
 * Order: the vertical pass runs first (whole rows, 8 floats at a time), then
 * the horizontal pass on the already reduced number of rows. PIL goes
 * horizontal first; the results differ by float rounding only (see the
 * tolerance in tests/test-preprocess.c).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "resize.h"

#include <math.h>

#include "imaging/simd.h"

typedef struct
{
  int out_size;
  int ksize;   /* stride of weights[] */
  int *bounds; /* out_size × {first, count} */
  float *weights;
  gboolean identity;
} Axis;

struct _LsResizePlan
{
  int src_width, src_height, dst_width, dst_height;
  Axis x, y;
};

static double
filter_eval (LsResizeFilter filter,
             double x)
{
  switch (filter)
    {
    case LS_RESIZE_BOX:
      return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
    case LS_RESIZE_BILINEAR:
    default:
      x = fabs (x);
      return x < 1.0 ? 1.0 - x : 0.0;
    }
}

static double
filter_support (LsResizeFilter filter)
{
  return filter == LS_RESIZE_BOX ? 0.5 : 1.0;
}

static void
axis_init (Axis *axis,
           int in_size,
           int out_size,
           LsResizeFilter filter)
{
  double scale = (double) in_size / out_size;
  double filterscale = MAX (scale, 1.0);
  double support = filter_support (filter) * filterscale;
  double *k;

  axis->out_size = out_size;
  axis->identity = in_size == out_size;
  axis->ksize = (int) ceil (support) * 2 + 1;
  axis->bounds = g_new (int, 2 * (gsize) out_size);
  axis->weights = g_new0 (float, (gsize) axis->ksize *out_size);
  k = g_new (double, axis->ksize);

  for (int i = 0; i < out_size; i++)
    {
      double center = (i + 0.5) * scale;
      double ss = 1.0 / filterscale;
      double ww = 0.0;
      int xmin = (int) (center - support + 0.5);
      int xmax = (int) (center + support + 0.5);

      if (xmin < 0)
        xmin = 0;
      if (xmax > in_size)
        xmax = in_size;
      xmax -= xmin;
      g_assert (xmax <= axis->ksize);
      for (int j = 0; j < xmax; j++)
        {
          k[j] = filter_eval (filter, (j + xmin - center + 0.5) * ss);
          ww += k[j];
        }
      /* Trailing zero weights are dropped, so the loops touch fewer pixels. */
      while (xmax > 1 && k[xmax - 1] == 0.0)
        xmax--;
      while (xmax > 1 && k[0] == 0.0)
        {
          memmove (k, k + 1, (gsize) (xmax - 1) * sizeof (double));
          xmin++;
          xmax--;
        }
      for (int j = 0; j < xmax; j++)
        axis->weights[(gsize) i * axis->ksize + j] = (float) (ww != 0.0 ? k[j] / ww : 0.0);
      axis->bounds[2 * i] = xmin;
      axis->bounds[2 * i + 1] = xmax;
    }
  g_free (k);
}

static void
axis_clear (Axis *axis)
{
  g_free (axis->bounds);
  g_free (axis->weights);
}

/**
 * ls_resize_plan_new:
 *
 * Plans a resize of a @src_width × @src_height plane to @dst_width ×
 * @dst_height. All sizes must be positive (a programming error otherwise).
 */
LsResizePlan *
ls_resize_plan_new (int src_width,
                    int src_height,
                    int dst_width,
                    int dst_height,
                    LsResizeFilter filter)
{
  LsResizePlan *plan;

  g_return_val_if_fail (src_width > 0 && src_height > 0, NULL);
  g_return_val_if_fail (dst_width > 0 && dst_height > 0, NULL);

  plan = g_new0 (LsResizePlan, 1);
  plan->src_width = src_width;
  plan->src_height = src_height;
  plan->dst_width = dst_width;
  plan->dst_height = dst_height;
  axis_init (&plan->x, src_width, dst_width, filter);
  axis_init (&plan->y, src_height, dst_height, filter);
  return plan;
}

void
ls_resize_plan_free (LsResizePlan *plan)
{
  if (plan == NULL)
    return;
  axis_clear (&plan->x);
  axis_clear (&plan->y);
  g_free (plan);
}

/* Floats of scratch ls_resize_plan_run() needs: dst_height × src_width. */
gsize
ls_resize_plan_scratch_size (const LsResizePlan *plan)
{
  return (gsize) plan->dst_height * plan->src_width;
}

/* Vertical pass: out row i = Σ_k w_k × src row (first + k), all columns. */
static void
vertical_pass (const Axis *ay,
               const float *src,
               gsize src_stride,
               int width,
               float *out,
               gsize out_stride)
{
  for (int i = 0; i < ay->out_size; i++)
    {
      int first = ay->bounds[2 * i];
      int count = ay->bounds[2 * i + 1];
      const float *w = ay->weights + (gsize) i * ay->ksize;
      const float *base = src + (gsize) first * src_stride;
      float *o = out + (gsize) i * out_stride;
      int x = 0;

      for (; x + 2 * LS_VF_N <= width; x += 2 * LS_VF_N)
        {
          LsVf acc0 = ls_vf_set1 (0.0f), acc1 = acc0;

          for (int k = 0; k < count; k++)
            {
              const float *r = base + (gsize) k * src_stride + x;
              LsVf wk = ls_vf_set1 (w[k]);

              acc0 += wk * ls_vf_load (r);
              acc1 += wk * ls_vf_load (r + LS_VF_N);
            }
          ls_vf_store (o + x, acc0);
          ls_vf_store (o + x + LS_VF_N, acc1);
        }
      for (; x < width; x++)
        {
          float acc = 0.0f;

          for (int k = 0; k < count; k++)
            acc += w[k] * base[(gsize) k * src_stride + x];
          o[x] = acc;
        }
    }
}

/* Horizontal pass over @rows rows. */
static void
horizontal_pass (const Axis *ax,
                 const float *src,
                 gsize src_stride,
                 int rows,
                 float *out,
                 gsize out_stride)
{
  for (int r = 0; r < rows; r++)
    {
      const float *s = src + (gsize) r * src_stride;
      float *o = out + (gsize) r * out_stride;

      for (int i = 0; i < ax->out_size; i++)
        {
          const float *w = ax->weights + (gsize) i * ax->ksize;
          const float *p = s + ax->bounds[2 * i];
          int count = ax->bounds[2 * i + 1];
          float acc0 = 0.0f, acc1 = 0.0f;
          int k = 0;

          for (; k + 2 <= count; k += 2)
            {
              acc0 += w[k] * p[k];
              acc1 += w[k + 1] * p[k + 1];
            }
          if (k < count)
            acc0 += w[k] * p[k];
          o[i] = acc0 + acc1;
        }
    }
}

/**
 * ls_resize_plan_run:
 * @src: source plane, src_stride floats a row
 * @dst: destination plane, dst_stride floats a row
 * @scratch: ls_resize_plan_scratch_size() floats
 *
 * Runs a plan; allocates nothing. @src and @dst must not overlap.
 */
void
ls_resize_plan_run (const LsResizePlan *plan,
                    const float *src,
                    gsize src_stride,
                    float *dst,
                    gsize dst_stride,
                    float *scratch)
{
  if (plan->y.identity && plan->x.identity)
    {
      for (int r = 0; r < plan->dst_height; r++)
        memcpy (dst + r * dst_stride, src + r * src_stride, (gsize) plan->dst_width * sizeof (float));
      return;
    }
  if (plan->x.identity)
    {
      vertical_pass (&plan->y, src, src_stride, plan->src_width, dst, dst_stride);
      return;
    }
  if (plan->y.identity)
    {
      horizontal_pass (&plan->x, src, src_stride, plan->src_height, dst, dst_stride);
      return;
    }
  vertical_pass (&plan->y, src, src_stride, plan->src_width, scratch, plan->src_width);
  horizontal_pass (&plan->x, scratch, plan->src_width, plan->dst_height, dst, dst_stride);
}

struct _LsResizeStream
{
  const LsResizePlan *plan;
  float *dst;
  gsize dst_stride;
  int next_row;  /* source rows pushed so far */
  int next_open; /* first output row not yet started */
  int lowest;    /* first output row not yet finished */
  int ring;      /* accumulator rows */
  float *acc;    /* ring × src_width */
  gboolean *done;
};

/* The most output rows open at once while rows arrive in order. */
static int
stream_ring_size (const Axis *ay,
                  int in_size)
{
  int next_open = 0, lowest = 0, most = 1;
  g_autofree gboolean *done = g_new0 (gboolean, ay->out_size);

  for (int y = 0; y < in_size; y++)
    {
      while (next_open < ay->out_size && ay->bounds[2 * next_open] <= y)
        next_open++;
      most = MAX (most, next_open - lowest);
      for (int i = lowest; i < next_open; i++)
        if (y == ay->bounds[2 * i] + ay->bounds[2 * i + 1] - 1)
          done[i] = TRUE;
      while (lowest < next_open && done[lowest])
        lowest++;
    }
  return most;
}

/**
 * ls_resize_stream_new:
 * @plan: (transfer none): must outlive the stream
 * @dst: the output plane, written as rows complete
 *
 * Returns: (transfer full): a stream expecting the plan's source rows.
 */
LsResizeStream *
ls_resize_stream_new (const LsResizePlan *plan,
                      float *dst,
                      gsize dst_stride)
{
  LsResizeStream *stream;

  g_return_val_if_fail (plan != NULL && dst != NULL, NULL);

  stream = g_new0 (LsResizeStream, 1);
  stream->plan = plan;
  stream->dst = dst;
  stream->dst_stride = dst_stride;
  stream->ring = plan->y.identity ? 0 : stream_ring_size (&plan->y, plan->src_height);
  stream->acc = g_new (float, (gsize) MAX (stream->ring, 1) * plan->src_width);
  stream->done = g_new0 (gboolean, plan->dst_height);
  return stream;
}

void
ls_resize_stream_free (LsResizeStream *stream)
{
  if (stream == NULL)
    return;
  g_free (stream->acc);
  g_free (stream->done);
  g_free (stream);
}

/* acc += w × row, or acc = 0 + w × row for the first row: the same
 * operations, in the same order, as vertical_pass(). */
static void
accumulate (float *acc,
            const float *row,
            float w,
            int width,
            gboolean first)
{
  LsVf wk = ls_vf_set1 (w);
  int x = 0;

  if (first)
    memset (acc, 0, (gsize) width * sizeof (float));
  for (; x + LS_VF_N <= width; x += LS_VF_N)
    ls_vf_store (acc + x, ls_vf_load (acc + x) + wk * ls_vf_load (row + x));
  for (; x < width; x++)
    acc[x] += w * row[x];
}

/**
 * ls_resize_stream_push:
 * @row: the next source row, src_width floats
 *
 * Returns: TRUE once the last source row has been pushed and @dst is complete.
 */
gboolean
ls_resize_stream_push (LsResizeStream *stream,
                       const float *row)
{
  const LsResizePlan *plan = stream->plan;
  const Axis *ay = &plan->y;
  int y = stream->next_row;

  g_return_val_if_fail (y < plan->src_height, TRUE);
  stream->next_row++;

  if (ay->identity)
    {
      float *o = stream->dst + (gsize) y * stream->dst_stride;

      if (plan->x.identity)
        memcpy (o, row, (gsize) plan->src_width * sizeof (float));
      else
        horizontal_pass (&plan->x, row, plan->src_width, 1, o, stream->dst_stride);
      return stream->next_row == plan->src_height;
    }

  while (stream->next_open < ay->out_size && ay->bounds[2 * stream->next_open] <= y)
    stream->next_open++;
  for (int i = stream->lowest; i < stream->next_open; i++)
    {
      int first = ay->bounds[2 * i], count = ay->bounds[2 * i + 1];
      float *acc = stream->acc + (gsize) (i % stream->ring) * plan->src_width;

      if (stream->done[i] || y >= first + count)
        continue;
      accumulate (acc, row, ay->weights[(gsize) i * ay->ksize + (y - first)], plan->src_width, y == first);
      if (y == first + count - 1)
        {
          float *o = stream->dst + (gsize) i * stream->dst_stride;

          if (plan->x.identity)
            memcpy (o, acc, (gsize) plan->src_width * sizeof (float));
          else
            horizontal_pass (&plan->x, acc, plan->src_width, 1, o, stream->dst_stride);
          stream->done[i] = TRUE;
        }
    }
  while (stream->lowest < stream->next_open && stream->done[stream->lowest])
    stream->lowest++;
  return stream->next_row == plan->src_height;
}

/* One-off resize of a contiguous plane (plans and frees). */
void
ls_resize_plane (const float *src,
                 int src_width,
                 int src_height,
                 float *dst,
                 int dst_width,
                 int dst_height,
                 LsResizeFilter filter)
{
  g_autoptr (LsResizePlan) plan = ls_resize_plan_new (src_width, src_height, dst_width, dst_height, filter);
  float *scratch = g_new (float, MAX (ls_resize_plan_scratch_size (plan), 1));

  ls_resize_plan_run (plan, src, src_width, dst, dst_width, scratch);
  g_free (scratch);
}

/**
 * ls_image_resize:
 *
 * Returns: (transfer full): a new @width × @height image; the source
 * description (original size, bit depth, colour type, path) is kept.
 */
LsImage *
ls_image_resize (const LsImage *image,
                 int width,
                 int height,
                 LsResizeFilter filter)
{
  LsImage *out;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  out = ls_image_new (width, height);
  ls_resize_plane (image->data, image->width, image->height, out->data, width, height, filter);
  out->orig_width = image->orig_width;
  out->orig_height = image->orig_height;
  out->bit_depth = image->bit_depth;
  out->color_type = image->color_type;
  out->format = image->format;
  out->orientation = image->orientation;
  out->source = g_strdup (image->source);
  return out;
}
