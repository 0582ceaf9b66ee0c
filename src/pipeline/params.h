/* params.h — the parameters a person sets for training, fine-tuning and
 * splitting, in one table: name, default, range, help
 *
 * The CLI builds its options from these entries (the help line, the
 * limits, the usage error), the app builds its dialogs' spin buttons from
 * them, and the library's configuration checks use the same ranges, so the
 * three cannot disagree. A plain C table: iterate it with ls_params_get().
 *
 *   guint n;
 *   const LsParam *p = ls_params_get (LS_PARAMS_TRAIN, &n);
 *
 *   for (guint i = 0; i < n; i++)
 *     add_spin_button (p[i].help, p[i].min, p[i].max, p[i].step, p[i].default_value);
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LS_PARAM_INT,    /* a whole number within [min, max] */
  LS_PARAM_DOUBLE, /* a real number */
  LS_PARAM_SEED,   /* a 64-bit unsigned seed, any value (min, max unused) */
} LsParamType;

typedef enum
{
  LS_PARAM_FLAGS_NONE = 0,
  LS_PARAM_MIN_OPEN = 1 << 0,  /* the range excludes min */
  LS_PARAM_MAX_OPEN = 1 << 1,  /* the range excludes max */
  LS_PARAM_ZERO_AUTO = 1 << 2, /* 0 is allowed too and means default_text
                                * ("the cores", "the spec's") */
} LsParamFlags;

typedef struct
{
  const char *name; /* the CLI's long option (--name) */
  LsParamType type;
  double default_value;
  double min, max;
  LsParamFlags flags;
  double step;              /* a spin button's step */
  int digits;               /* decimals a spin button shows */
  const char *help;         /* one line, without the default */
  const char *default_text; /* what the default means, when it is not its
                             * number ("the cores"); NULL: the number */
  const char *arg;          /* the CLI's placeholder: N, LR, F, S */
} LsParam;

typedef enum
{
  LS_PARAMS_TRAIN,    /* lungscope-cli train, the app's Train dialog */
  LS_PARAMS_FINETUNE, /* lungscope-cli finetune, the app's Retrain */
  LS_PARAMS_SPLIT,    /* lungscope-cli split */
  LS_PARAMS_CROSSVAL, /* lungscope-cli crossval, the app's label-error queue */
} LsParamSet;

/* Names used by more than one caller. */
#define LS_PARAM_EPOCHS "epochs"
#define LS_PARAM_BATCH "batch"
#define LS_PARAM_SIZE "size"
#define LS_PARAM_LR "lr"
#define LS_PARAM_LABEL_SMOOTHING "label-smoothing"
#define LS_PARAM_PATIENCE "patience"
#define LS_PARAM_SEED_NAME "seed"
#define LS_PARAM_THREADS "threads"
#define LS_PARAM_REPLAY_RATIO "replay-ratio"
#define LS_PARAM_OVERSAMPLE "oversample"
#define LS_PARAM_TEST "test"
#define LS_PARAM_VAL "val"
#define LS_PARAM_FOLDS "folds"

/* (array length=n_params) the set's table, in the order a dialog shows it */
const LsParam *ls_params_get (LsParamSet set,
                              guint *n_params);
/* The entry @name of @set; a name not in the table is a programming error. */
const LsParam *ls_params_find (LsParamSet set,
                               const char *name);

/* Whether @value is one @param takes (its range, or 0 with ZERO_AUTO). */
gboolean ls_param_in_range (const LsParam *param,
                            double value);
/* The range as the CLI's messages say it: "1 … 10000", "0 or more",
 * "above 0 and below 10", "in [0, 1)". */
char *ls_param_range_text (const LsParam *param);
/* The default as text: "30", "0.001", or default_text. */
char *ls_param_default_text (const LsParam *param);
/* The help line with its default: "Epochs (default 30)", "Engine threads
 * (default: the cores)". */
char *ls_param_help_text (const LsParam *param);
/* TRUE when @value is in range; else FALSE with @error (G_OPTION_ERROR_BAD_VALUE)
 * "@prefix@name must be RANGE, not VALUE", e.g. "--epochs must be 1 … 10000,
 * not 0". */
gboolean ls_param_check (const LsParam *param,
                         double value,
                         const char *prefix,
                         GError **error);

/* The engine thread count when none is given (threads 0): the processors,
 * at most 64. */
int ls_default_threads (void);
/* Sets the engine's matrix-product threads (the process's: OpenBLAS's) to
 * @threads; 0 is OpenBLAS's own default, $OPENBLAS_NUM_THREADS, else
 * ls_default_threads (). Call it from the thread that runs the model, with
 * the model to itself. */
void ls_use_engine_threads (int threads);

G_END_DECLS
