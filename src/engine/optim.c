/* optim.c — optimizers, learning-rate schedule and clipping
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "optim.h"

#include <math.h>

struct _LsOptimizer
{
  LsOptimConfig config;
  gsize n;
  gint64 step;
  float *m; /* SGD: momentum buffer; AdamW: first moment */
  float *v; /* AdamW: second moment */
};

void
ls_optim_config_init (LsOptimConfig *config,
                      LsOptimKind kind)
{
  *config = (LsOptimConfig){ 0 };
  config->kind = kind;
  config->beta1 = 0.9f;
  config->beta2 = 0.999f;
  config->eps = 1e-8f;
  if (kind == LS_OPTIM_ADAMW)
    config->weight_decay = 0.01f;
  else
    config->momentum = 0.9f;
}

LsOptimizer *
ls_optimizer_new (const LsOptimConfig *config,
                  gsize n_params)
{
  LsOptimizer *opt = g_new0 (LsOptimizer, 1);

  opt->config = *config;
  opt->n = n_params;
  opt->m = g_aligned_alloc0 (2 * MAX (n_params, 1), sizeof (float), 64);
  opt->v = opt->m + n_params;
  return opt;
}

void
ls_optimizer_free (LsOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_aligned_free (opt->m);
  g_free (opt);
}

const LsOptimConfig *
ls_optimizer_get_config (const LsOptimizer *opt)
{
  return &opt->config;
}

gsize
ls_optimizer_get_n_params (const LsOptimizer *opt)
{
  return opt->n;
}

gint64
ls_optimizer_get_step (const LsOptimizer *opt)
{
  return opt->step;
}

/* torch.optim.SGD: d = g + wd·p; buf = μ·buf + d (buf = d on the first
 * step, the same with zero-initialised buffers and no dampening); then
 * d = d + μ·buf (Nesterov) or buf; p −= lr·d. */
static void
sgd_step (LsOptimizer *opt,
          float *p,
          const float *g,
          float lr)
{
  float mu = opt->config.momentum, wd = opt->config.weight_decay;
  gboolean nesterov = opt->config.nesterov;

  for (gsize i = 0; i < opt->n; i++)
    {
      float d = g[i] + wd * p[i];

      if (mu != 0.0f)
        {
          float buf = mu * opt->m[i] + d;

          opt->m[i] = buf;
          d = nesterov ? d + mu * buf : buf;
        }
      p[i] -= lr * d;
    }
}

/* torch.optim.AdamW (single tensor, not amsgrad): p *= 1 − lr·wd;
 * m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr/(1−β1^t) · m /
 * (sqrt(v)/sqrt(1−β2^t) + eps). */
static void
adamw_step (LsOptimizer *opt,
            float *p,
            const float *g,
            float lr)
{
  float b1 = opt->config.beta1, b2 = opt->config.beta2, eps = opt->config.eps;
  float decay = 1.0f - lr * opt->config.weight_decay;
  double bc1 = 1.0 - pow (b1, (double) opt->step);
  double bc2 = 1.0 - pow (b2, (double) opt->step);
  float step_size = (float) (lr / bc1);
  float bc2_sqrt = (float) sqrt (bc2);

  for (gsize i = 0; i < opt->n; i++)
    {
      float m = opt->m[i] * b1 + (1.0f - b1) * g[i];
      float v = opt->v[i] * b2 + (1.0f - b2) * g[i] * g[i];

      opt->m[i] = m;
      opt->v[i] = v;
      p[i] *= decay;
      p[i] -= step_size * m / (sqrtf (v) / bc2_sqrt + eps);
    }
}

void
ls_optimizer_step (LsOptimizer *opt,
                   float *params,
                   const float *grads,
                   float lr)
{
  opt->step++;
  switch (opt->config.kind)
    {
    case LS_OPTIM_SGD:
      sgd_step (opt, params, grads, lr);
      break;
    case LS_OPTIM_ADAMW:
      adamw_step (opt, params, grads, lr);
      break;
    default:
      g_assert_not_reached ();
    }
}

float
ls_engine_clip_grad_norm (float *grads,
                          gsize n,
                          float max_norm)
{
  double sq = 0.0;
  float norm, coef;

  for (gsize i = 0; i < n; i++)
    sq += (double) grads[i] * grads[i];
  norm = (float) sqrt (sq);
  if (max_norm <= 0.0f)
    return norm;
  coef = max_norm / (norm + 1e-6f);
  if (coef < 1.0f)
    for (gsize i = 0; i < n; i++)
      grads[i] *= coef;
  return norm;
}

float
ls_engine_cosine_lr (float base,
                     float min_lr,
                     gint64 step,
                     gint64 warmup,
                     gint64 total)
{
  double t;

  if (step < warmup)
    return base * (float) (step + 1) / (float) warmup;
  if (total <= warmup || step >= total)
    return step >= total ? min_lr : base;
  t = (double) (step - warmup) / (double) (total - warmup);
  return (float) (min_lr + 0.5 * (base - min_lr) * (1.0 + cos (G_PI * t)));
}
