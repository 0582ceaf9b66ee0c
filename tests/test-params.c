/* test-params.c — the parameter table of training, fine-tuning and
 * splitting (issue 19): every entry sane, its defaults the configurations'
 * own, its ranges the ones the library checks
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset/split.h"
#include "ls-test.h"
#include "pipeline/finetune.h"
#include "pipeline/params.h"
#include "pipeline/train.h"

static double
default_of (LsParamSet set,
            const char *name)
{
  return ls_params_find (set, name)->default_value;
}

static void
test_table (void)
{
  const LsParamSet sets[] = { LS_PARAMS_TRAIN, LS_PARAMS_FINETUNE, LS_PARAMS_SPLIT, LS_PARAMS_CROSSVAL };

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      guint n = 0;
      const LsParam *p = ls_params_get (sets[s], &n);

      g_assert_cmpuint (n, >=, 3);
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *help = ls_param_help_text (&p[i]);

          g_test_message ("set %u: --%s=%s  %s", s, p[i].name, p[i].arg, help);
          g_assert_true (ls_param_in_range (&p[i], p[i].default_value));
          g_assert_true (p[i].help != NULL && p[i].help[0] != '\0' && p[i].arg != NULL);
          g_assert_true (g_str_has_prefix (help, p[i].help));
          g_assert_cmpfloat (p[i].step, >, 0);
          g_assert_true (p[i].type == LS_PARAM_SEED || p[i].min < p[i].max);
          for (guint j = 0; j < i; j++)
            g_assert_cmpstr (p[i].name, !=, p[j].name);
          g_assert_true (ls_params_find (sets[s], p[i].name) == &p[i]);
        }
    }
}

/* The library's configurations start from the table's defaults (but for
 * threads: one, for bit-identical runs, where the CLI and app use the
 * cores). */
static void
test_defaults (void)
{
  LsTrainConfig t;
  LsFinetuneConfig f;
  LsSplitOptions s;

  ls_train_config_init (&t);
  g_assert_cmpint (t.epochs, ==, (int) default_of (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS));
  g_assert_cmpint (t.batch_size, ==, (int) default_of (LS_PARAMS_TRAIN, LS_PARAM_BATCH));
  g_assert_cmpfloat (t.lr, ==, (float) default_of (LS_PARAMS_TRAIN, LS_PARAM_LR));
  g_assert_cmpfloat (t.label_smoothing, ==, (float) default_of (LS_PARAMS_TRAIN, LS_PARAM_LABEL_SMOOTHING));
  g_assert_cmpint (t.patience, ==, (int) default_of (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE));
  g_assert_cmpuint (t.seed, ==, 1);
  g_assert_cmpuint (t.seed, ==, (guint64) default_of (LS_PARAMS_TRAIN, LS_PARAM_SEED_NAME));
  g_assert_cmpint (t.threads, ==, 1);
  g_assert_cmpfloat (default_of (LS_PARAMS_TRAIN, LS_PARAM_THREADS), ==, 0);

  ls_finetune_config_init (&f);
  g_assert_cmpint (f.epochs, ==, (int) default_of (LS_PARAMS_FINETUNE, LS_PARAM_EPOCHS));
  g_assert_cmpint (f.batch_size, ==, (int) default_of (LS_PARAMS_FINETUNE, LS_PARAM_BATCH));
  g_assert_cmpfloat (f.lr, ==, (float) default_of (LS_PARAMS_FINETUNE, LS_PARAM_LR));
  g_assert_cmpfloat (f.replay_ratio, ==, (float) default_of (LS_PARAMS_FINETUNE, LS_PARAM_REPLAY_RATIO));
  g_assert_cmpfloat (f.oversample, ==, (float) default_of (LS_PARAMS_FINETUNE, LS_PARAM_OVERSAMPLE));
  g_assert_cmpuint (f.seed, ==, (guint64) default_of (LS_PARAMS_FINETUNE, LS_PARAM_SEED_NAME));

  ls_split_options_init (&s);
  g_assert_cmpfloat (s.test, ==, default_of (LS_PARAMS_SPLIT, LS_PARAM_TEST));
  g_assert_cmpfloat (s.val, ==, default_of (LS_PARAMS_SPLIT, LS_PARAM_VAL));
  g_assert_cmpuint (s.seed, ==, (guint64) default_of (LS_PARAMS_SPLIT, LS_PARAM_SEED_NAME));

  g_assert_cmpint (ls_default_threads (), >=, 1);
  g_assert_cmpint (ls_default_threads (), <=, 64);
  g_assert_cmpint (ls_default_threads (), <=, (int) g_get_num_processors ());
}

static void
test_ranges (void)
{
  const LsParam *epochs = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS);
  const LsParam *lr = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_LR);
  const LsParam *smoothing = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_LABEL_SMOOTHING);
  const LsParam *patience = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_PATIENCE);
  const LsParam *threads = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_THREADS);
  const LsParam *size = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_SIZE);
  const LsParam *ft_lr = ls_params_find (LS_PARAMS_FINETUNE, LS_PARAM_LR);
  g_autofree char *r1 = ls_param_range_text (epochs);
  g_autofree char *r2 = ls_param_range_text (lr);
  g_autofree char *r3 = ls_param_range_text (smoothing);
  g_autofree char *r4 = ls_param_range_text (patience);
  g_autofree char *d1 = ls_param_default_text (threads);
  g_autofree char *d2 = ls_param_default_text (lr);
  g_autofree char *h1 = ls_param_help_text (size);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (r1, ==, "1 … 10000");
  g_assert_cmpstr (r2, ==, "above 0 and below 10");
  g_assert_cmpstr (r3, ==, "in [0, 1)");
  g_assert_cmpstr (r4, ==, "0 or more");
  g_assert_cmpstr (d1, ==, "the cores");
  g_assert_cmpstr (d2, ==, "0.001");
  g_assert_cmpstr (h1, ==, "Input size in pixels (default: the spec's)");

  g_assert_true (ls_param_in_range (epochs, 10000));
  g_assert_false (ls_param_in_range (epochs, 10001));
  g_assert_false (ls_param_in_range (epochs, 0));
  g_assert_false (ls_param_in_range (epochs, 2.5));
  g_assert_false (ls_param_in_range (lr, 0));
  g_assert_false (ls_param_in_range (lr, NAN));
  g_assert_true (ls_param_in_range (smoothing, 0));
  g_assert_false (ls_param_in_range (smoothing, 1));
  g_assert_true (ls_param_in_range (threads, 0)); /* the cores */
  g_assert_false (ls_param_in_range (threads, 257));
  g_assert_true (ls_param_in_range (size, 0));
  g_assert_false (ls_param_in_range (size, 8));
  g_assert_true (ls_param_in_range (ft_lr, 0)); /* a tenth of the parent's */

  g_assert_false (ls_param_check (epochs, 0, "--", &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==, "--epochs must be 1 … 10000, not 0");
  g_clear_error (&error);
  g_assert_true (ls_param_check (epochs, 30, "--", &error));
  g_assert_no_error (error);
}

/* The library refuses what the CLI refuses, with the table's words
 * (issue 19: train.c's check_config and the CLI disagreed). */
static void
test_library_checks (void)
{
  static const char *const classes[] = { "a", "b", NULL };
  LsLoaderItem item = { "nowhere.png", NULL, 0, 1, 0 };
  LsTrainConfig t;
  LsFinetuneConfig f;
  LsTrainResult *result = NULL;
  g_autoptr (GError) error = NULL;

  ls_train_config_init (&t);
  t.class_names = classes;
  t.epochs = 10001;
  g_assert_false (ls_pipeline_train (&t, &item, 1, &item, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "training configuration: epochs must be 1 … 10000, not 10001");
  g_clear_error (&error);
  t.epochs = 1;
  t.label_smoothing = 1.0f;
  g_assert_false (ls_pipeline_train (&t, &item, 1, &item, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_nonnull (strstr (error->message, "label-smoothing must be in [0, 1), not 1"));
  g_clear_error (&error);

  ls_finetune_config_init (&f);
  f.oversample = 0.5f;
  g_assert_false (ls_finetune_check_config (&f, &error));
  g_assert_error (error, LS_TRAIN_ERROR, LS_TRAIN_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "fine-tuning configuration: oversample must be 1 … 1000, not 0.5");
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/pipeline/params/table", test_table);
  g_test_add_func ("/lungscope/pipeline/params/defaults", test_defaults);
  g_test_add_func ("/lungscope/pipeline/params/ranges", test_ranges);
  g_test_add_func ("/lungscope/pipeline/params/library-checks", test_library_checks);
  return g_test_run ();
}
