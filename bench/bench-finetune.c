/* bench-finetune.c — fine-tuning lungnet-s on 50 corrected images with
 * replay: wall time (DESIGN.md §7: ≤ 30 s on 2 cores)
 *
 * Not a test: run with `meson test -C build --benchmark finetune`.
 *
 * Data: phantoms generated at run time (LS_BENCH_PX, default 256 px,
 * 8-bit PNG) into a temporary folder, 340 a class: 200 training (the
 * replay pool), 40 validation, 100 test (300 test images in all). 50
 * training images (17, 17, 16 a class) carry the next class's label when
 * the parent trains; the fine-tune gets their true labels as corrections.
 *
 * Parent: lungnet-s trained BRIEFLY (1 epoch on 96 of the training images
 * with those labels, 2 engine threads); a weak model, but one with a full
 * card (augmentation, preprocessing, calibration, OOD), so the fine-tune
 * runs exactly as for a real parent. Its time depends on the image count
 * and the network, not on the weights.
 *
 * Timed: ls_pipeline_finetune() with the default settings (finetune.h:
 * 3 epochs, batch 4, oversampling 4, replay as many as the corrections and
 * at least 64, the parent's augmentation — here the default chest
 * pipeline) and 2 engine threads, from the call to its
 * return, including every evaluation it does (parent and child on the 300
 * test and 50 corrected images, the validation pass, the replay features)
 * and writing the child. Printed with the CPU time and the load average,
 * then the time from a cancel (mid-epoch) to the return.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dataset/phantom.h"
#include "engine/blas.h"
#include "ls-test.h"
#include "pipeline/finetune.h"

#define N_CLASSES 3
#define PER_TRAIN 200
#define PER_VAL 40
#define PER_TEST 100
#define N_CORRECTED 50
#define PARENT_TRAIN 96
#define THREADS 2

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static char *
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  return g_strndup (text, strcspn (text, " ") + 1 + strcspn (text + strcspn (text, " ") + 1, " "));
}

/* Wall time of each stage, from the progress messages. */
typedef struct
{
  gint64 start;
  gint64 stage_start;
  char stage[64];
  GString *report;
  GCancellable *cancel; /* cancel at the first batch of epoch 2 */
  gint64 cancelled_at;
} Stages;

static void
stage_name (const char *message,
            char *out,
            gsize size)
{
  if (g_str_has_prefix (message, "epoch "))
    g_snprintf (out, size, "training (%.*s)", (int) strcspn (message, ","), message);
  else
    g_strlcpy (out, message, size);
}

static void
on_progress (double fraction,
             const char *message,
             gpointer data)
{
  Stages *s = data;
  char name[64];
  gint64 now = g_get_monotonic_time ();

  (void) fraction;
  if (s->cancel != NULL && s->cancelled_at == 0 && g_str_has_prefix (message, "epoch 2/"))
    {
      s->cancelled_at = now;
      g_cancellable_cancel (s->cancel);
    }
  stage_name (message, name, sizeof name);
  if (strcmp (name, s->stage) != 0)
    {
      if (s->stage[0] != '\0')
        g_string_append_printf (s->report, "  %-48s %6.2f s\n", s->stage,
                                (now - s->stage_start) / 1e6);
      g_strlcpy (s->stage, name, sizeof s->stage);
      s->stage_start = now;
    }
}

int
main (int argc,
      char **argv)
{
  const char *px_env = g_getenv ("LS_BENCH_PX");
  int px = px_env != NULL ? atoi (px_env) : 256;
  guint per_class = PER_TRAIN + PER_VAL + PER_TEST;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *parent_path = NULL;
  g_autofree char *child_path = NULL;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;
  g_autoptr (LsTrainResult) parent_run = NULL;
  g_autoptr (LsModel) parent = NULL;
  g_autoptr (LsFinetuneResult) child = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  LsLoaderItem train[N_CLASSES * PER_TRAIN], val[N_CLASSES * PER_VAL], test[N_CLASSES * PER_TEST];
  LsLoaderItem corrected[N_CORRECTED], parent_train[PARENT_TRAIN];
  LsLoaderItem *noisy;
  LsTrainConfig tc;
  LsFinetuneConfig fc;
  LsFinetuneResult *cancelled = NULL;
  LsBlasInfo blas;
  Stages stages = { 0 };
  guint nc = 0;
  gint64 t0;
  double wall, cpu;

  (void) argc;
  (void) argv;
  dir = g_dir_make_tmp ("lungscope-bench-finetune-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("bench-finetune: %s\n", error->message);
      return 1;
    }
  g_print ("fine-tune benchmark: lungnet-s, 224², %d engine threads; phantoms %d px\n", THREADS,
           px);
  t0 = g_get_monotonic_time ();
  if (!ls_phantom_write_dataset (dir, per_class, 42, px, NULL, NULL, NULL, &error))
    {
      g_printerr ("bench-finetune: %s\n", error->message);
      ls_test_remove_tree (dir);
      return 1;
    }
  g_print ("  %u phantoms written in %.1f s (not timed)\n", per_class * N_CLASSES,
           (g_get_monotonic_time () - t0) / 1e6);

  /* parts: per class, images 0…199 train, 200…239 val, 240…339 test */
  for (guint c = 0; c < N_CLASSES; c++)
    for (guint i = 0; i < per_class; i++)
      {
        const char *name = ls_phantom_get_class (c)->name;
        char file[64];
        LsLoaderItem item = { 0 };

        g_snprintf (file, sizeof file, "%s-%05u.png", name, i);
        item.path = g_build_filename (dir, name, file, NULL);
        item.label = (int) c;
        g_ptr_array_add (paths, (gpointer) item.path);
        if (i < PER_TRAIN)
          train[c * PER_TRAIN + i] = item;
        else if (i < PER_TRAIN + PER_VAL)
          val[c * PER_VAL + i - PER_TRAIN] = item;
        else
          test[c * PER_TEST + i - PER_TRAIN - PER_VAL] = item;
      }
  /* 50 corrections: the first 17, 17, 16 training images of each class */
  noisy = g_memdup2 (train, sizeof train);
  for (guint c = 0; c < N_CLASSES; c++)
    for (guint i = 0; i < (c < 2 ? 17u : 16u); i++)
      {
        noisy[c * PER_TRAIN + i].label = (int) ((c + 1) % N_CLASSES);
        corrected[nc++] = train[c * PER_TRAIN + i];
      }
  g_assert (nc == N_CORRECTED);
  /* the parent's brief training: the first 32 a class, noisy labels */
  for (guint c = 0; c < N_CLASSES; c++)
    for (guint i = 0; i < PARENT_TRAIN / N_CLASSES; i++)
      parent_train[c * (PARENT_TRAIN / N_CLASSES) + i] = noisy[c * PER_TRAIN + i];

  ls_train_config_init (&tc);
  tc.class_names = (const char *const[]){ "normal", "pneumonia", "covid", NULL };
  tc.epochs = 1;
  tc.threads = THREADS;
  tc.mean[0] = 0.5f;
  tc.std[0] = 0.25f;
  tc.name = "bench parent";
  parent_path = g_build_filename (dir, "parent.safetensors", NULL);
  tc.output_path = parent_path;
  t0 = g_get_monotonic_time ();
  if (!ls_pipeline_train (&tc, parent_train, PARENT_TRAIN, val, N_CLASSES * PER_VAL, NULL, 0, NULL,
                          NULL, NULL, NULL, NULL, &parent_run, &error) ||
      (parent = ls_model_load (parent_path, &error)) == NULL)
    {
      g_printerr ("bench-finetune: parent: %s\n", error->message);
      ls_test_remove_tree (dir);
      return 1;
    }
  g_print ("  parent trained briefly in %.1f s (not timed): 1 epoch on %d images\n",
           (g_get_monotonic_time () - t0) / 1e6, PARENT_TRAIN);

  ls_finetune_config_init (&fc);
  fc.threads = THREADS;
  child_path = g_build_filename (dir, "child.safetensors", NULL);
  fc.output_path = child_path;
  stages.report = g_string_new (NULL);
  load_before = load_average ();
  cpu = cpu_seconds ();
  t0 = stages.start = stages.stage_start = g_get_monotonic_time ();
  if (!ls_pipeline_finetune (&fc, parent, corrected, N_CORRECTED, train, N_CLASSES * PER_TRAIN,
                             val, N_CLASSES * PER_VAL, test, N_CLASSES * PER_TEST, on_progress,
                             &stages, NULL, NULL, NULL, &child, &error))
    {
      g_printerr ("bench-finetune: %s\n", error->message);
      ls_test_remove_tree (dir);
      return 1;
    }
  wall = (g_get_monotonic_time () - t0) / 1e6;
  cpu = cpu_seconds () - cpu;
  load_after = load_average ();
  ls_engine_blas_get_info (&blas);

  g_print ("  BLAS core %s; load average (1, 5 min) before %s, after %s\n",
           blas.core ? blas.core : "unknown", load_before, load_after);
  g_print ("  %u corrected + %u replay, %d epochs of %u draws (oversampling %.0f), batch %d, lr "
           "%g\n",
           child->n_corrected, child->n_replay, child->n_epochs,
           (guint) lround (fc.oversample * child->n_corrected) + child->n_replay, fc.oversample,
           fc.batch_size, (double) child->lr);
  g_print ("%s", stages.report->str);
  g_print ("fine-tune wall time: %.2f s (CPU %.2f s, %.2f cores busy); target <= 30 s\n", wall,
           cpu, cpu / wall);
  g_print ("  corrected images given their new label: parent %.0f %%, child %.0f %%; test "
           "accuracy %.3f -> %.3f (a briefly trained parent: for information)\n",
           100.0 * child->corrected.before->accuracy, 100.0 * child->corrected.after->accuracy,
           child->test.before->accuracy, child->test.after->accuracy);

  /* cancel latency, at the first batch of the second epoch */
  g_string_truncate (stages.report, 0);
  stages.stage[0] = '\0';
  stages.cancel = cancel;
  fc.output_path = NULL;
  if (ls_pipeline_finetune (&fc, parent, corrected, N_CORRECTED, train, N_CLASSES * PER_TRAIN,
                            val, N_CLASSES * PER_VAL, test, N_CLASSES * PER_TEST, on_progress,
                            &stages, NULL, NULL, cancel, &cancelled, &error) ||
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_printerr ("bench-finetune: the cancel was not seen\n");
      ls_finetune_result_free (cancelled);
      ls_test_remove_tree (dir);
      return 1;
    }
  g_print ("cancel (in epoch 2) to return: %.0f ms\n",
           (g_get_monotonic_time () - stages.cancelled_at) / 1e3);

  g_string_free (stages.report, TRUE);
  g_free (noisy);
  g_ptr_array_unref (paths);
  ls_test_remove_tree (dir);
  return 0;
}
