/* loader-plan.c — an epoch's order: shuffled, balanced or weighted
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "loader-private.h"

LsLoaderPlan *
ls_loader_plan_ref (LsLoaderPlan *plan)
{
  return g_atomic_rc_box_acquire (plan);
}

static void
plan_clear (LsLoaderPlan *plan)
{
  g_free (plan->order);
}

void
ls_loader_plan_unref (LsLoaderPlan *plan)
{
  if (plan != NULL)
    g_atomic_rc_box_release_full (plan, (GDestroyNotify) plan_clear);
}

/* BALANCED: weight_i / W(label_i); WEIGHTED: weight_i. */
double *
ls_loader_make_cumulative (const LsLoaderItem *items,
                           guint n_items,
                           LsLoaderSampling sampling)
{
  g_autofree double *class_total = NULL;
  double *cumulative = g_new (double, n_items);
  double sum = 0.0;
  int n_classes = 0;

  for (guint i = 0; i < n_items; i++)
    n_classes = MAX (n_classes, items[i].label + 1);
  class_total = g_new0 (double, n_classes);
  for (guint i = 0; i < n_items; i++)
    class_total[items[i].label] += items[i].weight > 0.0f ? items[i].weight : 1.0;
  for (guint i = 0; i < n_items; i++)
    {
      double w = items[i].weight > 0.0f ? items[i].weight : 1.0;

      if (sampling == LS_LOADER_SAMPLE_BALANCED)
        w /= class_total[items[i].label];
      sum += w;
      cumulative[i] = sum;
    }
  return cumulative;
}

LsLoaderPlan *
ls_loader_plan_new (LsLoader *self,
                    guint epoch)
{
  const LsLoaderConfig *config = &self->config;
  LsLoaderPlan *plan = g_atomic_rc_box_new0 (LsLoaderPlan);
  LsRng rng;
  guint n;

  plan->epoch = epoch;
  plan->seed = ls_loader_mix (config->seed ^ ls_loader_mix ((guint64) epoch + 1));
  ls_rng_init (&rng, plan->seed, LS_LOADER_ORDER_STREAM);
  if (config->sampling == LS_LOADER_SAMPLE_SEQUENTIAL)
    {
      n = self->n_items;
      plan->order = g_new (guint, n);
      for (guint i = 0; i < n; i++)
        plan->order[i] = i;
      if (config->shuffle)
        for (guint i = n - 1; i > 0; i--) /* Fisher–Yates */
          {
            guint j = (guint) (ls_rng_uniform (&rng) * (i + 1));
            guint t = plan->order[i];

            plan->order[i] = plan->order[j];
            plan->order[j] = t;
          }
    }
  else
    {
      double total = self->cumulative[self->n_items - 1];

      n = config->epoch_size != 0 ? config->epoch_size : self->n_items;
      plan->order = g_new (guint, n);
      for (guint p = 0; p < n; p++)
        {
          double u = ls_rng_uniform (&rng) * total;
          guint lo = 0, hi = self->n_items - 1;

          while (lo < hi) /* the first i with cumulative[i] > u */
            {
              guint mid = lo + (hi - lo) / 2;

              if (self->cumulative[mid] > u)
                hi = mid;
              else
                lo = mid + 1;
            }
          plan->order[p] = lo;
        }
    }
  plan->n_positions = n;
  plan->n_batches = config->drop_last ? n / config->batch_size
                                      : (n + config->batch_size - 1) / config->batch_size;
  return plan;
}
