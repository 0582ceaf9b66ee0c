/* saliency.c — Grad-CAM, input gradient and SmoothGrad
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "saliency.h"

#include <math.h>
#include <string.h>

#include "layers.h"

void
ls_saliency_config_init (LsSaliencyConfig *config,
                         LsSaliencyMethod method)
{
  config->method = method;
  config->target_class = -1;
  config->n_samples = 16;
  config->sigma = 0.15f;
  config->seed = 0;
}

const char *
ls_saliency_method_to_string (LsSaliencyMethod method)
{
  switch (method)
    {
    case LS_SALIENCY_GRADCAM:
      return "gradcam";
    case LS_SALIENCY_GRADIENT:
      return "gradient";
    case LS_SALIENCY_SMOOTHGRAD:
      return "smoothgrad";
    default:
      return "?";
    }
}

gboolean
ls_saliency_method_from_string (const char *name,
                                LsSaliencyMethod *method)
{
  for (int m = LS_SALIENCY_GRADCAM; m <= LS_SALIENCY_SMOOTHGRAD; m++)
    if (g_str_equal (name, ls_saliency_method_to_string ((LsSaliencyMethod) m)))
      {
        *method = (LsSaliencyMethod) m;
        return TRUE;
      }
  return FALSE;
}

void
ls_engine_resize_bilinear (const float *src,
                           int h,
                           int w,
                           float *dst,
                           int oh,
                           int ow)
{
  float sh = (float) h / (float) oh, sw = (float) w / (float) ow;
  /* the columns' taps and weights, once (on the stack up to this width) */
  int xs[2 * 1024];
  float lxs[1024];
  gboolean table = ow <= (int) G_N_ELEMENTS (lxs);

  for (int x = 0; table && x < ow; x++)
    {
      float fx = MAX ((x + 0.5f) * sw - 0.5f, 0.0f);
      int x0 = (int) fx;

      xs[2 * x] = x0;
      xs[2 * x + 1] = x0 < w - 1 ? x0 + 1 : x0;
      lxs[x] = fx - x0;
    }
  for (int y = 0; y < oh; y++)
    {
      float fy = MAX ((y + 0.5f) * sh - 0.5f, 0.0f);
      int y0 = (int) fy, y1 = y0 < h - 1 ? y0 + 1 : y0;
      float ly = fy - y0;
      const float *r0 = src + (gsize) y0 * w, *r1 = src + (gsize) y1 * w;
      float *d = dst + (gsize) y * ow;

      if (table)
        for (int x = 0; x < ow; x++)
          {
            int x0 = xs[2 * x], x1 = xs[2 * x + 1];
            float lx = lxs[x];

            d[x] = (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1]) + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
          }
      else
        for (int x = 0; x < ow; x++)
          {
            float fx = MAX ((x + 0.5f) * sw - 0.5f, 0.0f);
            int x0 = (int) fx, x1 = x0 < w - 1 ? x0 + 1 : x0;
            float lx = fx - x0;

            d[x] = (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1]) + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
          }
    }
}

static void
normalize (float *map,
           gsize count)
{
  float lo = map[0], hi = map[0];

  for (gsize i = 1; i < count; i++)
    {
      lo = MIN (lo, map[i]);
      hi = MAX (hi, map[i]);
    }
  if (!(hi > lo))
    {
      memset (map, 0, sizeof (float) * count);
      return;
    }
  for (gsize i = 0; i < count; i++)
    map[i] = (map[i] - lo) / (hi - lo);
}

static int
argmax (const float *v,
        int n)
{
  int best = 0;

  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

void
ls_engine_gradcam_last (LsNet *net,
                        int target,
                        float *map)
{
  int classes = ls_net_get_n_classes (net), s = ls_net_get_input_size (net);
  int cam = ls_net_get_cam_layer (net);
  float dlogits[64];
  float small[64 * 64];
  float *cam_map = small;
  g_autofree float *dl_big = NULL;
  g_autofree float *big = NULL;
  float *dl = dlogits;
  const float *act, *grad;
  int c, h, w;

  g_assert (cam >= 0 && target >= 0 && target < classes);
  if (classes > (int) G_N_ELEMENTS (dlogits))
    dl = dl_big = g_new (float, classes); /* only for unusual specs */
  memset (dl, 0, sizeof (float) * classes);
  dl[target] = 1.0f;
  ls_net_backward_to (net, dl, cam, &act, &grad, &c, &h, &w);
  if ((gsize) h * w > G_N_ELEMENTS (small))
    cam_map = big = g_new (float, (gsize) h *w); /* only for unusual specs */
  memset (cam_map, 0, sizeof (float) * h * w);
  for (int k = 0; k < c; k++)
    {
      const float *a = act + (gsize) k * h * w;
      const float *g = grad + (gsize) k * h * w;
      float alpha = 0.0f;

      for (int i = 0; i < h * w; i++)
        alpha += g[i];
      alpha /= (float) (h * w);
      for (int i = 0; i < h * w; i++)
        cam_map[i] += alpha * a[i];
    }
  for (int i = 0; i < h * w; i++)
    cam_map[i] = MAX (cam_map[i], 0.0f);
  ls_engine_resize_bilinear (cam_map, h, w, map, s, s);
  normalize (map, (gsize) s * s);
}

int
ls_engine_saliency (LsNet *net,
                    const float *image,
                    const LsSaliencyConfig *config,
                    float *map,
                    float *probs)
{
  LsNetMode mode = ls_net_get_mode (net);
  int classes = ls_net_get_n_classes (net);
  int s = ls_net_get_input_size (net), ch = ls_net_get_input_channels (net);
  gsize in_size = (gsize) ch * s * s, plane = (gsize) s * s;
  int batch = ls_net_get_batch (net);
  g_autofree float *dlogits = NULL;
  g_autofree float *p = NULL;
  const float *logits, *act, *grad;
  int target, c, h, w;

  g_assert (batch >= 1);
  dlogits = g_new0 (float, classes);
  p = g_new (float, classes);
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  /* Grad-CAM needs only the head and the target block: the single-image
   * path keeps their outputs */
  if (config->method == LS_SALIENCY_GRADCAM && ls_net_infer_can_backward_to (net, ls_net_get_cam_layer (net)))
    logits = ls_net_infer (net, image);
  else
    logits = ls_net_forward (net, image, 1);
  ls_engine_softmax (logits, p, 1, classes);
  if (probs != NULL)
    memcpy (probs, p, sizeof (float) * classes);
  target = config->target_class >= 0 ? config->target_class : argmax (p, classes);
  g_assert (target < classes);

  switch (config->method)
    {
    case LS_SALIENCY_GRADCAM:
      ls_engine_gradcam_last (net, target, map);
      ls_net_set_mode (net, mode);
      return target;
    case LS_SALIENCY_GRADIENT:
      memset (dlogits, 0, sizeof (float) * classes);
      dlogits[target] = 1.0f;
      ls_net_backward_to (net, dlogits, -1, &act, &grad, &c, &h, &w);
      for (gsize i = 0; i < plane; i++)
        {
          float v = 0.0f;

          for (int k = 0; k < ch; k++)
            v = MAX (v, fabsf (grad[k * plane + i]));
          map[i] = v;
        }
      break;
    case LS_SALIENCY_SMOOTHGRAD:
      {
        float lo = image[0], hi = image[0], sigma;
        float *in = ls_net_get_input_buffer (net);
        g_autofree float *acc = g_new0 (float, in_size);
        g_autofree float *dl = g_new0 (float, (gsize) batch *classes);
        LsXoshiro rng;
        int done = 0;

        for (gsize i = 1; i < in_size; i++)
          {
            lo = MIN (lo, image[i]);
            hi = MAX (hi, image[i]);
          }
        sigma = config->sigma * (hi - lo);
        ls_xoshiro_init (&rng, config->seed);
        for (int i = 0; i < batch; i++)
          dl[(gsize) i * classes + target] = 1.0f;
        while (done < MAX (config->n_samples, 1))
          {
            int m = MIN (batch, MAX (config->n_samples, 1) - done);

            for (int b = 0; b < m; b++)
              for (gsize i = 0; i < in_size; i++)
                in[b * in_size + i] = image[i] + sigma * (float) ls_xoshiro_normal (&rng);
            ls_net_forward (net, in, m);
            ls_net_backward_to (net, dl, -1, &act, &grad, &c, &h, &w);
            for (int b = 0; b < m; b++)
              for (gsize i = 0; i < in_size; i++)
                acc[i] += grad[b * in_size + i];
            done += m;
          }
        for (gsize i = 0; i < plane; i++)
          {
            float v = 0.0f;

            for (int k = 0; k < ch; k++)
              v = MAX (v, fabsf (acc[k * plane + i]));
            map[i] = v / (float) done;
          }
        break;
      }
    default:
      g_assert_not_reached ();
    }
  normalize (map, plane);
  ls_net_set_mode (net, mode);
  return target;
}
