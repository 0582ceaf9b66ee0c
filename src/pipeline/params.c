/* params.c — the parameter table of training, fine-tuning and splitting
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "params.h"

#include <math.h>
#include <string.h>

#include "engine/blas.h"
#include "pipeline/finetune.h"

#define MAX_THREADS 256
#define MAX_DEFAULT_THREADS 64

static const LsParam train_params[] = {
  { LS_PARAM_EPOCHS, LS_PARAM_INT, 30, 1, 10000, 0, 1, 0, "Epochs", NULL, "N" },
  { LS_PARAM_BATCH, LS_PARAM_INT, 32, 1, 4096, 0, 1, 0, "Batch size", NULL, "N" },
  { LS_PARAM_SIZE, LS_PARAM_INT, 0, 16, 2048, LS_PARAM_ZERO_AUTO, 16, 0, "Input size in pixels", "the spec's",
    "PX" },
  { LS_PARAM_LR, LS_PARAM_DOUBLE, 1e-3, 0, 10, LS_PARAM_MIN_OPEN | LS_PARAM_MAX_OPEN, 1e-4, 5,
    "Peak learning rate", NULL, "LR" },
  { LS_PARAM_LABEL_SMOOTHING, LS_PARAM_DOUBLE, 0.05, 0, 1, LS_PARAM_MAX_OPEN, 0.01, 2, "Label smoothing", NULL,
    "F" },
  { LS_PARAM_PATIENCE, LS_PARAM_INT, 5, 0, G_MAXINT, 0, 1, 0,
    "Stop after N epochs without a better validation loss; 0 never", NULL, "N" },
  { LS_PARAM_SEED_NAME, LS_PARAM_SEED, 1, 0, 0, 0, 1, 0, "Seed", NULL, "S" },
  { LS_PARAM_THREADS, LS_PARAM_INT, 0, 1, MAX_THREADS, LS_PARAM_ZERO_AUTO, 1, 0, "Engine threads", "the cores",
    "N" },
};

static const LsParam finetune_params[] = {
  { LS_PARAM_EPOCHS, LS_PARAM_INT, LS_FINETUNE_DEFAULT_EPOCHS, 1, 1000, 0, 1, 0, "Epochs", NULL, "N" },
  { LS_PARAM_BATCH, LS_PARAM_INT, LS_FINETUNE_DEFAULT_BATCH, 1, 4096, 0, 1, 0, "Batch size", NULL, "N" },
  { LS_PARAM_LR, LS_PARAM_DOUBLE, 0, 0, 10, LS_PARAM_MAX_OPEN, 1e-5, 6, "Peak learning rate",
    "a tenth of the parent's", "LR" },
  { LS_PARAM_REPLAY_RATIO, LS_PARAM_DOUBLE, LS_FINETUNE_DEFAULT_REPLAY_RATIO, 0, 1000, 0, 0.5, 1,
    "Replay images per corrected image, at least " G_STRINGIFY (LS_FINETUNE_DEFAULT_REPLAY_MIN), NULL, "R" },
  { LS_PARAM_OVERSAMPLE, LS_PARAM_DOUBLE, LS_FINETUNE_DEFAULT_OVERSAMPLE, 1, 1000, 0, 1, 1,
    "Times a corrected image is drawn per epoch", NULL, "K" },
  { LS_PARAM_SEED_NAME, LS_PARAM_SEED, 1, 0, 0, 0, 1, 0, "Seed", NULL, "S" },
  { LS_PARAM_THREADS, LS_PARAM_INT, 0, 1, MAX_THREADS, LS_PARAM_ZERO_AUTO, 1, 0, "Engine threads", "the cores",
    "N" },
};

static const LsParam split_params[] = {
  { LS_PARAM_TEST, LS_PARAM_DOUBLE, 0.2, 0, 1, LS_PARAM_MAX_OPEN, 0.05, 2, "Fraction of images for testing",
    NULL, "F" },
  { LS_PARAM_VAL, LS_PARAM_DOUBLE, 0.1, 0, 1, LS_PARAM_MAX_OPEN, 0.05, 2,
    "Fraction carved from training for validation", NULL, "F" },
  { LS_PARAM_SEED_NAME, LS_PARAM_SEED, 42, 0, 0, 0, 1, 0, "Split seed", NULL, "S" },
};

/* K-fold cross-validation trains K models: fewer epochs than train. */
static const LsParam crossval_params[] = {
  { LS_PARAM_FOLDS, LS_PARAM_INT, 5, 2, 20, 0, 1, 0, "Folds", NULL, "K" },
  { LS_PARAM_EPOCHS, LS_PARAM_INT, 10, 1, 10000, 0, 1, 0, "Epochs per fold", NULL, "N" },
  { LS_PARAM_SEED_NAME, LS_PARAM_SEED, 1, 0, 0, 0, 1, 0, "Seed of the folds and the training", NULL, "S" },
  { LS_PARAM_THREADS, LS_PARAM_INT, 0, 1, MAX_THREADS, LS_PARAM_ZERO_AUTO, 1, 0, "Engine threads", "the cores",
    "N" },
};

const LsParam *
ls_params_get (LsParamSet set,
               guint *n_params)
{
  switch (set)
    {
    case LS_PARAMS_TRAIN:
      *n_params = G_N_ELEMENTS (train_params);
      return train_params;
    case LS_PARAMS_FINETUNE:
      *n_params = G_N_ELEMENTS (finetune_params);
      return finetune_params;
    case LS_PARAMS_SPLIT:
      *n_params = G_N_ELEMENTS (split_params);
      return split_params;
    case LS_PARAMS_CROSSVAL:
      *n_params = G_N_ELEMENTS (crossval_params);
      return crossval_params;
    default:
      g_return_val_if_reached (NULL);
    }
}

const LsParam *
ls_params_find (LsParamSet set,
                const char *name)
{
  guint n = 0;
  const LsParam *params = ls_params_get (set, &n);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (params[i].name, name))
      return &params[i];
  g_error ("no parameter “%s” in set %d", name, (int) set);
}

gboolean
ls_param_in_range (const LsParam *param,
                   double value)
{
  if (param->type == LS_PARAM_SEED)
    return value >= 0;
  if (isnan (value))
    return FALSE;
  if ((param->flags & LS_PARAM_ZERO_AUTO) && value == 0)
    return TRUE;
  if (param->type == LS_PARAM_INT && value != floor (value))
    return FALSE;
  if ((param->flags & LS_PARAM_MIN_OPEN) ? !(value > param->min) : !(value >= param->min))
    return FALSE;
  if ((param->flags & LS_PARAM_MAX_OPEN) ? !(value < param->max) : !(value <= param->max))
    return FALSE;
  return TRUE;
}

char *
ls_param_range_text (const LsParam *param)
{
  gboolean min_open = param->flags & LS_PARAM_MIN_OPEN, max_open = param->flags & LS_PARAM_MAX_OPEN;

  if (param->type == LS_PARAM_SEED)
    return g_strdup ("0 or more");
  if (param->type == LS_PARAM_INT && param->max >= G_MAXINT)
    return g_strdup_printf ("%g or more", param->min);
  if (min_open && max_open)
    return g_strdup_printf ("above %g and below %g", param->min, param->max);
  if (min_open || max_open)
    return g_strdup_printf ("in %c%g, %g%c", min_open ? '(' : '[', param->min, param->max, max_open ? ')' : ']');
  return g_strdup_printf ("%g … %g", param->min, param->max);
}

char *
ls_param_default_text (const LsParam *param)
{
  if (param->default_text != NULL)
    return g_strdup (param->default_text);
  return g_strdup_printf ("%g", param->default_value);
}

char *
ls_param_help_text (const LsParam *param)
{
  if (param->default_text != NULL)
    return g_strdup_printf ("%s (default: %s)", param->help, param->default_text);
  return g_strdup_printf ("%s (default %g)", param->help, param->default_value);
}

gboolean
ls_param_check (const LsParam *param,
                double value,
                const char *prefix,
                GError **error)
{
  g_autofree char *range = NULL;

  if (ls_param_in_range (param, value))
    return TRUE;
  range = ls_param_range_text (param);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s%s must be %s, not %g", prefix != NULL ? prefix : "",
               param->name, range, value);
  return FALSE;
}

int
ls_default_threads (void)
{
  return (int) MIN (g_get_num_processors (), MAX_DEFAULT_THREADS);
}

void
ls_use_engine_threads (int threads)
{
  if (threads <= 0)
    {
      const char *env = g_getenv ("OPENBLAS_NUM_THREADS");
      gint64 n = env != NULL ? g_ascii_strtoll (env, NULL, 10) : 0;

      threads = n > 0 && n <= G_MAXINT ? (int) n : ls_default_threads ();
    }
  if (ls_engine_blas_get_threads () != threads)
    ls_engine_blas_set_threads (threads);
}
