/* test-default-model.c — the shipped default model holds its stated figures
 *
 * models/lungnet-s-phantoms.safetensors (made by models/make-default.sh;
 * card: models/README.md) is loaded through the path lungscope-cli uses
 * and run on held-out phantoms (seed 2026, indices from 90000: in no
 * training set) the way bench-default-model does, on fewer images:
 * accuracy, and the Grad-CAM pointing game — the peak of the class's map
 * strictly inside the lesion mask for most disease images, and within
 * 15 px (Zhang et al.) for at least 70 %. On these 150 images the model
 * scores 100 %, 55 % inside and 78 % within 15 px (the benchmark, on 600:
 * 99.7 %, 59.0 %, 78.5 %); the bounds leave room for rounding differences
 * between builds, not for a worse model.
 *
 * Calibration must hold on new images: on the benchmark's 600 held-out
 * phantoms (200 a class, forward only) the mean NLL of the true class at the
 * card's temperature is not worse than at T = 1 (issue 16: a fit stopped at
 * its bound, T = 0.05, gave 0.036 → 0.053 there; the model of 2026-12-07
 * keeps T = 1: 0.0347).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset/phantom.h"
#include "ls-test.h"
#include "pipeline/calibrate.h"
#include "pipeline/predict.h"

#define PER_CLASS 50
#define FIRST 90000u
#define SEED 2026
#define TOLERANCE 15
#define MIN_ACCURACY 0.95
#define MIN_INSIDE 0.50
#define MIN_WITHIN 0.70
#define NLL_PER_CLASS 200

static gboolean
lesion_near (const LsImage *lesion,
             int x,
             int y,
             int r)
{
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      {
        int xx = x + dx, yy = y + dy;

        if (dx * dx + dy * dy <= r * r && xx >= 0 && yy >= 0 && xx < lesion->width &&
            yy < lesion->height && lesion->data[yy * lesion->width + xx] > 0.5f)
          return TRUE;
      }
  return FALSE;
}

static LsModel *
load_default (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("LS_SOURCE_ROOT"), "models",
                                            "lungnet-s-phantoms.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  LsModel *model = ls_model_load (path, &error);

  g_assert_no_error (error);
  return model;
}

/* A held-out phantom as the 8-bit PNG the training read. */
static LsPhantom *
held_out (const LsModel *model,
          guint c,
          guint i)
{
  LsPhantomParams params;
  LsPhantom *ph;
  LsImage *im;

  ls_phantom_params_init (&params);
  params.size = model->size;
  ph = ls_phantom_generate (&params, SEED, c, FIRST + i);
  im = ph->image;
  for (int j = 0; j < im->width * im->height; j++)
    im->data[j] = (float) (guint8) (CLAMP (im->data[j], 0.0f, 1.0f) * 255.0f + 0.5f) / 255.0f;
  return ph;
}

static void
test_calibration (void)
{
  const int n = 3 * NLL_PER_CLASS;
  g_autoptr (LsModel) model = NULL;
  g_autofree float *logits = g_new (float, n * 3);
  g_autofree int *labels = g_new (int, n);
  g_autoptr (GError) error = NULL;
  LsPredictOptions opt;
  double nll_one, nll_card;

  if (ls_test_skip_under_valgrind ("too slow under valgrind (ASan covers it)"))
    return;
  model = load_default ();
  g_assert_cmpint (model->n_classes, ==, 3);
  ls_predict_options_init (&opt);
  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < NLL_PER_CLASS; i++)
      {
        g_autoptr (LsPhantom) ph = held_out (model, c, i);
        g_autoptr (LsPrediction) p = ls_pipeline_predict (model, ph->image, &opt, &error);

        g_assert_no_error (error);
        memcpy (logits + (c * NLL_PER_CLASS + i) * 3, p->logits, 3 * sizeof (float));
        labels[c * NLL_PER_CLASS + i] = (int) c;
      }
  nll_one = ls_calibrate_nll (logits, labels, n, 3, 1.0);
  nll_card = ls_calibrate_nll (logits, labels, n, 3, model->temperature);
  g_test_message ("default model on %d held-out phantoms: NLL %.4f at T = 1, %.4f at the card's T = %.3f",
                  n, nll_one, nll_card, model->temperature);
  g_assert_true (isfinite (nll_card));
  g_assert_cmpfloat (nll_card, <=, nll_one + 1e-9);
}

static void
test_figures (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModel) model = NULL;
  LsPredictOptions opt;
  guint correct = 0, inside = 0, within = 0, disease = 0;

  /* 150 lungnet-s forward and Grad-CAM passes at 224² take most of an
   * hour under valgrind; ASan runs them. */
  if (ls_test_skip_under_valgrind ("too slow under valgrind (ASan covers it)"))
    return;
  model = load_default ();
  g_assert_cmpint (model->n_classes, ==, 3);
  g_assert_cmpint (model->size, ==, 224);
  g_assert_nonnull (strstr (g_hash_table_lookup (model->metadata, "name"), "phantoms"));
  ls_predict_options_init (&opt);
  opt.saliency = TRUE;
  opt.method = LS_SALIENCY_GRADCAM;
  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < PER_CLASS; i++)
      {
        g_autoptr (LsPhantom) ph = held_out (model, c, i);
        g_autoptr (LsPrediction) p = NULL;
        LsImage *im = ph->image;
        int w = im->width, peak = 0;

        opt.target_class = c == 0 ? -1 : (int) c;
        p = ls_pipeline_predict (model, im, &opt, &error);
        g_assert_no_error (error);
        correct += p->predicted == (int) c;
        if (c == 0)
          continue;
        for (int j = 1; j < w * im->height; j++)
          if (p->saliency[j] > p->saliency[peak])
            peak = j;
        inside += ph->lesion->data[peak] > 0.5f;
        within += lesion_near (ph->lesion, peak % w, peak / w, TOLERANCE);
        disease++;
      }
  g_test_message ("default model on %d held-out phantoms: accuracy %.1f %%; pointing game %.1f %% "
                  "inside the lesion, %.1f %% within %d px",
                  3 * PER_CLASS, 100.0 * correct / (3 * PER_CLASS), 100.0 * inside / disease,
                  100.0 * within / disease, TOLERANCE);
  g_assert_cmpfloat ((double) correct / (3 * PER_CLASS), >=, MIN_ACCURACY);
  g_assert_cmpfloat ((double) inside / disease, >=, MIN_INSIDE);
  g_assert_cmpfloat ((double) within / disease, >=, MIN_WITHIN);
}

/* A map asked at most N pixels long (a viewer's) is the full map at a
 * smaller size, same aspect, same place: each of its pixels near the full
 * map's value at the pixel's centre. */
static void
test_saliency_max_side (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModel) model = NULL;
  g_autoptr (LsPhantom) ph = NULL;
  g_autoptr (LsImage) wide = NULL;
  g_autoptr (LsPrediction) full = NULL, small = NULL;
  LsPhantomParams params;
  LsPredictOptions opt;
  double sum = 0;

  if (ls_test_skip_under_valgrind ("too slow under valgrind (ASan covers it)"))
    return;
  model = load_default ();
  ls_phantom_params_init (&params);
  params.size = 800;
  ph = ls_phantom_generate (&params, SEED, 2, FIRST);
  /* 800 × 560: letterboxed by the model, so the crop is checked too */
  wide = ls_image_new (800, 560);
  for (int y = 0; y < 560; y++)
    memcpy (wide->data + (gsize) y * 800, ph->image->data + (gsize) (y + 120) * 800,
            800 * sizeof (float));
  ls_predict_options_init (&opt);
  opt.saliency = TRUE;
  full = ls_pipeline_predict (model, wide, &opt, &error);
  g_assert_no_error (error);
  opt.saliency_max_side = 200;
  small = ls_pipeline_predict (model, wide, &opt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (full->saliency_width, ==, 800);
  g_assert_cmpint (full->saliency_height, ==, 560);
  g_assert_cmpint (small->saliency_width, ==, 200);
  g_assert_cmpint (small->saliency_height, ==, 140);
  g_assert_cmpint (small->predicted, ==, full->predicted);
  for (int y = 0; y < 140; y++)
    for (int x = 0; x < 200; x++)
      sum += fabs (small->saliency[y * 200 + x] - full->saliency[(4 * y + 2) * 800 + 4 * x + 2]);
  g_test_message ("map at 200 × 140 against the full map: mean |difference| %.4f", sum / (200 * 140));
  g_assert_cmpfloat (sum / (200 * 140), <, 0.02);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/models/default/figures", test_figures);
  g_test_add_func ("/lungscope/models/default/calibration", test_calibration);
  g_test_add_func ("/lungscope/models/default/saliency-max-side", test_saliency_max_side);
  return g_test_run ();
}
