/* optim.h — SGD with momentum (Nesterov optional) and AdamW as in
 * torch.optim, cosine learning rate with warm-up, gradient-norm clipping
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LS_OPTIM_SGD,
  LS_OPTIM_ADAMW,
} LsOptimKind;

typedef struct
{
  LsOptimKind kind;
  float momentum;     /* SGD */
  gboolean nesterov;  /* SGD */
  float beta1, beta2; /* AdamW */
  float eps;          /* AdamW */
  float weight_decay; /* SGD: L2 added to the gradient; AdamW: decoupled; applies
                       * to every parameter, as torch.optim given model.parameters() */
  float clip_norm;    /* 0: no clipping */
} LsOptimConfig;

typedef struct _LsOptimizer LsOptimizer;

/* Defaults of torch.optim (AdamW: betas 0.9/0.999, eps 1e-8, decay 0.01;
 * SGD: momentum 0.9, no decay), no clipping. */
void ls_optim_config_init (LsOptimConfig *config,
                           LsOptimKind kind);
/* Allocates the moments (one 64-byte-aligned block) for @n_params. */
LsOptimizer *ls_optimizer_new (const LsOptimConfig *config,
                               gsize n_params);
void ls_optimizer_free (LsOptimizer *opt);
const LsOptimConfig *ls_optimizer_get_config (const LsOptimizer *opt);
gsize ls_optimizer_get_n_params (const LsOptimizer *opt);
/* Steps taken so far. */
gint64 ls_optimizer_get_step (const LsOptimizer *opt);
/* One update of @params from @grads at learning rate @lr. */
void ls_optimizer_step (LsOptimizer *opt,
                        float *params,
                        const float *grads,
                        float lr);

/* Scales @grads so that their L2 norm is at most @max_norm (as
 * torch.nn.utils.clip_grad_norm_); returns the norm before. */
float ls_engine_clip_grad_norm (float *grads,
                                gsize n,
                                float max_norm);
/* Linear warm-up over @warmup steps to @base, then cosine decay to @min_lr
 * at @total steps. */
float ls_engine_cosine_lr (float base,
                           float min_lr,
                           gint64 step,
                           gint64 warmup,
                           gint64 total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsOptimizer, ls_optimizer_free)

G_END_DECLS
