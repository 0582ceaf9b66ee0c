/* bench-default-model.c — the default model on phantoms: its recipe and
 * its figures (DESIGN.md §7: accuracy ≥ 97 %, ECE ≤ 0.05 after
 * calibration, Grad-CAM pointing game ≥ 80 %)
 *
 *   bench-default-model [MODEL] [--n-test N] [--seed S] [--size PX]
 *       Evaluates MODEL (default: models/lungnet-s-phantoms.safetensors of
 *       the source tree) on held-out phantoms generated in memory: class c,
 *       image i is ls_phantom_generate (…, seed, c, LS_HELD_OUT_FIRST + i),
 *       an index no phantom data set of fewer than 90 000 images a class
 *       contains, so none of them was trained on. Each image is rounded to
 *       8 bits as its PNG would be. Prints accuracy, per-class recall, ECE
 *       (15 bins) at T = 1 and at the model's temperature, and the pointing
 *       game: the peak of the true class's Grad-CAM inside the lesion mask,
 *       and within 15 px at 224² (Zhang et al.), for pneumonia and covid.
 *       Exits 77 when there is no model.
 *
 *   bench-default-model train OUT.safetensors [--data DIR] [--per-class N]
 *       [--epochs N] [--batch N] [--lr X] [--smoothing X] [--augment FILE|none]
 *       [--size PX] [--seed S] [--threads N] [--workers N]
 *       The experiment driver: writes (or reuses) a phantom data set in DIR,
 *       splits it by index (i mod 10 = 0: test, 1: validation, else
 *       training), trains lungnet-s with ls_pipeline_train and saves the
 *       model. Prints each epoch.
 *
 * Not a test: run by `meson test -C build --benchmark`.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dataset/phantom.h"
#include "engine/blas.h"
#include "imaging/png-write.h"
#include "pipeline/train.h"

#define LS_HELD_OUT_FIRST 90000u
#define N_BINS 15
#define TARGET_ACCURACY 0.97
#define TARGET_ECE 0.05
#define TARGET_POINTING 0.80

static const char *const class_names[] = { "normal", "pneumonia", "covid", NULL };

typedef struct
{
  char *data;
  guint per_class;
  int epochs;
  int batch;
  double lr;
  double smoothing;
  char *augment;
  int size;
  guint64 seed;
  guint64 train_seed;
  int threads;
  int workers;
  int n_test;
  gboolean quiet;
  char *cam_after; /* diagnostic: Grad-CAM at the first relu after this layer */
  char *dump;      /* folder for image | CAM | mask strips of the first disease images */
} Options;

static void
on_epoch (const LsTrainEpoch *e,
          gpointer data)
{
  printf ("epoch %2d/%d  loss %.4f  acc %.3f  val loss %.4f  val acc %.3f  lr %.2e  "
          "%.1f img/s  wait %.1f s  %.0f s%s\n",
          e->epoch, e->epochs, e->train_loss, e->train_accuracy, e->val_loss, e->val_accuracy,
          e->lr, e->images_per_second, e->wait_seconds, e->seconds, e->best ? "  best" : "");
  fflush (stdout);
}

static int
train (const char *out,
       const Options *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsTrainResult) result = NULL;
  g_autofree char *labels = g_build_filename (o->data, "labels.csv", NULL);
  g_autofree char *augment_text = NULL;
  g_autofree char *dataset_version = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n = 3 * o->per_class, n_parts[3] = { 0 };
  g_autofree LsLoaderItem *items = g_new0 (LsLoaderItem, n);
  LsLoaderItem *parts[3];
  LsTrainConfig cfg;
  gint64 t0 = g_get_monotonic_time ();

  if (!g_file_test (labels, G_FILE_TEST_EXISTS))
    {
      printf ("writing %u phantoms a class at %d px, seed %" G_GUINT64_FORMAT " into %s\n",
              o->per_class, o->size, o->seed, o->data);
      if (!ls_phantom_write_dataset (o->data, o->per_class, o->seed, o->size, NULL, NULL, NULL,
                                     &error))
        {
          fprintf (stderr, "bench-default-model: %s\n", error->message);
          return 1;
        }
      printf ("phantoms written in %.1f s\n", (g_get_monotonic_time () - t0) / 1e6);
    }
  /* parts laid out one after the other: test, validation, training */
  for (int p = 0; p < 3; p++)
    parts[p] = NULL;
  {
    guint k = 0;

    for (int p = 0; p < 3; p++)
      {
        parts[p] = items + k;
        for (guint c = 0; c < 3; c++)
          for (guint i = 0; i < o->per_class; i++)
            {
              int part = i % 10 == 0 ? 0 : i % 10 == 1 ? 1
                                                       : 2;
              char *path;

              if (part != p)
                continue;
              path = g_strdup_printf ("%s/%s/%s-%05u.png", o->data, class_names[c],
                                      class_names[c], i);
              g_ptr_array_add (paths, path);
              items[k].path = path;
              items[k].label = (int) c;
              k++;
              n_parts[p]++;
            }
      }
  }

  ls_train_config_init (&cfg);
  cfg.class_names = class_names;
  cfg.epochs = o->epochs;
  cfg.batch_size = o->batch;
  cfg.lr = (float) o->lr;
  cfg.label_smoothing = (float) o->smoothing;
  if (o->augment == NULL)
    cfg.augment = NULL;
  else if (strcmp (o->augment, "none") == 0)
    cfg.augment = "";
  else
    {
      if (!g_file_get_contents (o->augment, &augment_text, NULL, &error))
        {
          fprintf (stderr, "bench-default-model: %s\n", error->message);
          return 1;
        }
      cfg.augment = augment_text;
    }
  cfg.seed = o->train_seed;
  cfg.threads = o->threads;
  cfg.loader_workers = (guint) o->workers;
  cfg.patience = 0;
  dataset_version = g_strdup_printf ("phantoms seed %" G_GUINT64_FORMAT
                                     ", %u a class, %d px; by index: i mod 10 = 0 test, 1 "
                                     "validation, else training",
                                     o->seed, o->per_class, o->size);
  cfg.dataset_version = dataset_version;
  cfg.name = "lungnet-s phantoms";
  cfg.output_path = out;
  printf ("training %u, validation %u, test %u images; %d epochs, batch %d, lr %g, "
          "smoothing %g, augment %s, %d threads\n",
          n_parts[2], n_parts[1], n_parts[0], cfg.epochs, cfg.batch_size, (double) cfg.lr,
          (double) cfg.label_smoothing, o->augment ? o->augment : "default", cfg.threads);
  fflush (stdout);
  if (!ls_pipeline_train (&cfg, parts[2], n_parts[2], parts[1], n_parts[1], parts[0], n_parts[0],
                          NULL, NULL, on_epoch, NULL, NULL, &result, &error))
    {
      fprintf (stderr, "bench-default-model: %s\n", error->message);
      return 1;
    }
  printf ("best epoch %d; T = %.3f; validation ECE %.4f -> %.4f; %.0f s\n", result->best_epoch,
          result->calibration.temperature, result->val_ece_before, result->val_ece_after,
          result->seconds);
  if (result->metrics != NULL)
    {
      g_autofree char *text = ls_metrics_format (result->metrics);

      printf ("index test part (calibrated):\n%s\n", text);
    }
  printf ("saved %s\n", out);
  return 0;
}

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

        if (dx * dx + dy * dy <= r * r && xx >= 0 && yy >= 0 && xx < lesion->width && yy < lesion->height && lesion->data[yy * lesion->width + xx] > 0.5f)
          return TRUE;
      }
  return FALSE;
}

/* A diagnostic: the same weights with the arch's cam=yes moved to the first
 * relu after the layer named @after (e.g. bn5: Grad-CAM at 14 × 14). */
static gboolean
move_cam (LsModel *model,
          const char *after,
          GError **error)
{
  const char *arch = g_hash_table_lookup (model->metadata, "arch");
  g_auto (GStrv) lines = g_strsplit (arch ? arch : "", "\n", -1);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *key = g_strdup_printf ("name=%s", after);
  g_autoptr (LsNet) net = NULL;
  gboolean seen = FALSE, placed = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup (lines[i]);
      char *hash = strchr (line, '#'), *cam;

      if (hash != NULL && hash != line)
        *hash = '\0';
      if ((cam = strstr (line, "cam=yes")) != NULL)
        memset (cam, ' ', strlen ("cam=yes"));
      if (strstr (line, key) != NULL)
        seen = TRUE;
      if (seen && !placed && g_str_has_prefix (g_strstrip (line), "relu"))
        {
          g_string_append_printf (text, "%s cam=yes\n", line);
          placed = TRUE;
        }
      else
        g_string_append_printf (text, "%s\n", line);
    }
  if (!placed)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no relu after %s", after);
      return FALSE;
    }
  net = ls_net_new (text->str, error);
  if (net == NULL)
    return FALSE;
  for (guint t = 0; t < ls_net_get_n_tensors (net); t++)
    {
      const LsNetTensor *dst = ls_net_get_tensor (net, t);
      const LsNetTensor *src = ls_net_find_tensor (model->net, dst->name);

      g_assert (src != NULL && src->n_elements == dst->n_elements);
      memcpy (dst->data, src->data, sizeof (float) * dst->n_elements);
    }
  if (!ls_net_plan (net, 1, error))
    return FALSE;
  ls_net_set_mode (net, LS_NET_MODE_EVAL);
  ls_net_free (model->net);
  model->net = g_steal_pointer (&net);
  return TRUE;
}

static const char *
mark (gboolean ok)
{
  return ok ? "meets" : "BELOW TARGET";
}

static int
evaluate (const char *path,
          const Options *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModel) model = NULL;
  g_autoptr (LsMetrics) before = NULL;
  g_autoptr (LsMetrics) after = NULL;
  int n = 3 * o->n_test, k = 0;
  g_autofree float *p_before = g_new (float, 3 * n);
  g_autofree float *p_after = g_new (float, 3 * n);
  g_autofree int *labels = g_new (int, n);
  guint hits = 0, near = 0, total = 0, in_lungs = 0;
  guint hits_by[3] = { 0 }, near_by[3] = { 0 }, total_by[3] = { 0 };
  guint grid_ok[2] = { 0 }; /* a 7×7 / 14×14 grid cell centre lies in the lesion */
  double chance = 0, dist_sum = 0;
  LsPhantomParams params;
  LsPredictOptions opt;
  int tol;
  gint64 t0 = g_get_monotonic_time ();

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: no model at %s (make it with models/make-default.sh)\n", path);
      return 77;
    }
  model = ls_model_load (path, &error);
  if (model == NULL)
    {
      fprintf (stderr, "bench-default-model: %s\n", error->message);
      return 1;
    }
  if (model->n_classes != 3 || strcmp (model->classes[1], "pneumonia") != 0 || strcmp (model->classes[2], "covid") != 0)
    {
      fprintf (stderr, "bench-default-model: %s: not a normal/pneumonia/covid model\n", path);
      return 1;
    }
  if (o->cam_after != NULL && !move_cam (model, o->cam_after, &error))
    {
      fprintf (stderr, "bench-default-model: %s\n", error->message);
      return 1;
    }
  /* Zhang et al.: 15 px at 224² */
  tol = (int) lrint (15.0 * o->size / 224.0);
  printf ("model %s (%s), T = %.3f; %d held-out phantoms a class at %d px, seed %" G_GUINT64_FORMAT
          ", indices %u…\n",
          model->id, model->name ? model->name : "", model->temperature, o->n_test, o->size,
          o->seed, LS_HELD_OUT_FIRST);
  ls_phantom_params_init (&params);
  params.size = o->size;
  ls_predict_options_init (&opt);
  opt.saliency = TRUE;
  opt.method = LS_SALIENCY_GRADCAM;
  for (guint c = 0; c < 3; c++)
    for (int i = 0; i < o->n_test; i++, k++)
      {
        g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, o->seed, c,
                                                        LS_HELD_OUT_FIRST + (guint) i);
        g_autoptr (LsPrediction) p = NULL;
        LsImage *im = ph->image;
        int W = im->width, H = im->height, peak = 0;

        for (int j = 0; j < W * H; j++) /* as an 8-bit PNG holds it */
          im->data[j] = (float) (guint8) (CLAMP (im->data[j], 0.0f, 1.0f) * 255.0f + 0.5f) / 255.0f;
        opt.target_class = c == 0 ? -1 : (int) c;
        p = ls_pipeline_predict (model, im, &opt, &error);
        if (p == NULL)
          {
            fprintf (stderr, "bench-default-model: %s\n", error->message);
            return 1;
          }
        ls_softmax (p->logits, 3, 1.0, p_before + 3 * k);
        memcpy (p_after + 3 * k, p->probs, 3 * sizeof (float));
        labels[k] = (int) c;
        if (c == 0)
          continue;
        for (int j = 1; j < W * H; j++)
          if (p->saliency[j] > p->saliency[peak])
            peak = j;
        {
          gboolean hit = ph->lesion->data[peak] > 0.5f;
          gboolean close = lesion_near (ph->lesion, peak % W, peak / W, tol);
          double best = INFINITY;

          hits += hit;
          near += close;
          hits_by[c] += hit;
          near_by[c] += close;
          total_by[c]++;
          total++;
          in_lungs += ph->lungs[peak] != LS_PHANTOM_OUTSIDE;
          for (int j = 0; j < W * H; j++)
            if (ph->lesion->data[j] > 0.5f)
              {
                double dx = j % W - peak % W, dy = j / W - peak / W;

                best = MIN (best, dx * dx + dy * dy);
              }
          dist_sum += sqrt (best);
          if (o->dump != NULL && i < 8)
            {
              g_autoptr (LsImage) strip = ls_image_new (3 * W, H);
              g_autofree char *name = g_strdup_printf ("%s/%s-%02d.png", o->dump, class_names[c], i);

              for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                  {
                    float *row = strip->data + (gsize) y * 3 * W;
                    float les = ph->lesion->data[y * W + x];

                    row[x] = im->data[y * W + x];
                    row[W + x] = p->saliency[y * W + x];
                    row[2 * W + x] = les > 0.5f ? 0.6f + 0.4f * im->data[y * W + x] * 0 : 0.25f * im->data[y * W + x];
                    if (abs (x - peak % W) <= 3 && abs (y - peak / W) <= 3)
                      row[x] = row[W + x] = row[2 * W + x] = 1.0f;
                  }
              g_mkdir_with_parents (o->dump, 0755);
              ls_png_write_image (name, strip, 8, 0, NULL);
            }
          for (int g = 0; g < 2; g++)
            {
              int cells = g == 0 ? 7 : 14;
              gboolean any = FALSE;

              for (int cy = 0; cy < cells && !any; cy++)
                for (int cx = 0; cx < cells && !any; cx++)
                  {
                    int x = (int) ((cx + 0.5) * W / cells), y = (int) ((cy + 0.5) * H / cells);

                    any = ph->lesion->data[y * W + x] > 0.5f;
                  }
              grid_ok[g] += any;
            }
          if (!o->quiet && !hit && i < 5)
            printf ("  miss: %s %d: peak (%d, %d), %.0f px from the lesion, %s\n",
                    class_names[c], i, peak % W, peak / W, sqrt (best),
                    ph->lungs[peak] != LS_PHANTOM_OUTSIDE ? "in a lung" : "outside the lungs");
          {
            guint inside = 0;

            for (int j = 0; j < W * H; j++)
              inside += ph->lesion->data[j] > 0.5f;
            chance += (double) inside / (W * H);
          }
        }
      }
  before = ls_metrics_compute (n, 3, p_before, labels, NULL, class_names, N_BINS, &error);
  after = ls_metrics_compute (n, 3, p_after, labels, NULL, class_names, N_BINS, &error);
  if (before == NULL || after == NULL)
    {
      fprintf (stderr, "bench-default-model: %s\n", error->message);
      return 1;
    }
  printf ("accuracy             %6.2f %%   target >= %.0f %%   %s\n", 100 * after->accuracy,
          100 * TARGET_ACCURACY, mark (after->accuracy >= TARGET_ACCURACY));
  for (int c = 0; c < 3; c++)
    printf ("recall %-13s %6.2f %%   (precision %.2f %%)\n", class_names[c],
            100 * after->recall[c], 100 * after->precision[c]);
  printf ("ECE (15 bins), T = 1 %7.4f\n", before->ece);
  printf ("ECE, T = %-6.3f      %7.4f    target <= %.2f     %s\n", model->temperature, after->ece,
          TARGET_ECE, mark (after->ece <= TARGET_ECE));
  printf ("NLL T = 1 / T        %.4f / %.4f\n", before->nll, after->nll);
  printf ("pointing, inside     %6.2f %%   target >= %.0f %%   %s  (%u of %u; pneumonia %u/%u, "
          "covid %u/%u; a random pixel: %.1f %%)\n",
          100.0 * hits / total, 100 * TARGET_POINTING,
          mark ((double) hits / total >= TARGET_POINTING), hits, total, hits_by[1], total_by[1],
          hits_by[2], total_by[2], 100.0 * chance / total);
  printf ("pointing, within %d px %6.2f %%   (Zhang et al., 15 px at 224²; pneumonia %u/%u, covid "
          "%u/%u)\n",
          tol, 100.0 * near / total, near_by[1], total_by[1], near_by[2], total_by[2]);
  printf ("peaks in a lung      %6.2f %%; mean distance to the lesion %.1f px\n",
          100.0 * in_lungs / total, dist_sum / total);
  printf ("a 7×7 cell centre in the lesion %.2f %% of images, a 14×14 one %.2f %% (the "
          "inside rate's ceiling for a peak at a CAM cell centre)\n",
          100.0 * grid_ok[0] / total, 100.0 * grid_ok[1] / total);
  printf ("%d images in %.1f s\n", n, (g_get_monotonic_time () - t0) / 1e6);
  return 0;
}

int
main (int argc,
      char **argv)
{
  Options o = { .per_class = 800,
                .epochs = 6,
                .batch = 32,
                .lr = 2e-3,
                .smoothing = 0.05,
                .size = 224,
                .seed = 2026,
                .train_seed = 1,
                .threads = 2,
                .workers = 1,
                .n_test = 200 };
  const char *model_path = NULL;
  gboolean training = FALSE;
  g_autofree char *default_model = g_build_filename (SOURCE_ROOT, "models",
                                                     "lungnet-s-phantoms.safetensors", NULL);

  ls_engine_blas_init (argv);
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;

      if (strcmp (a, "train") == 0 && i == 1)
        training = TRUE;
      else if (strcmp (a, "--quiet") == 0)
        o.quiet = TRUE;
      else if (a[0] == '-' && a[1] == '-' && v == NULL)
        {
          fprintf (stderr, "bench-default-model: %s needs a value\n", a);
          return 2;
        }
      else if (strcmp (a, "--cam-after") == 0)
        g_free (o.cam_after), o.cam_after = g_strdup (argv[++i]);
      else if (strcmp (a, "--dump") == 0)
        g_free (o.dump), o.dump = g_strdup (argv[++i]);
      else if (strcmp (a, "--data") == 0)
        g_free (o.data), o.data = g_strdup (argv[++i]);
      else if (strcmp (a, "--per-class") == 0)
        o.per_class = (guint) atoi (argv[++i]);
      else if (strcmp (a, "--epochs") == 0)
        o.epochs = atoi (argv[++i]);
      else if (strcmp (a, "--batch") == 0)
        o.batch = atoi (argv[++i]);
      else if (strcmp (a, "--lr") == 0)
        o.lr = g_ascii_strtod (argv[++i], NULL);
      else if (strcmp (a, "--smoothing") == 0)
        o.smoothing = g_ascii_strtod (argv[++i], NULL);
      else if (strcmp (a, "--augment") == 0)
        g_free (o.augment), o.augment = g_strdup (argv[++i]);
      else if (strcmp (a, "--size") == 0)
        o.size = atoi (argv[++i]);
      else if (strcmp (a, "--seed") == 0)
        o.seed = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (strcmp (a, "--train-seed") == 0)
        o.train_seed = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (strcmp (a, "--threads") == 0)
        o.threads = atoi (argv[++i]);
      else if (strcmp (a, "--workers") == 0)
        o.workers = atoi (argv[++i]);
      else if (strcmp (a, "--n-test") == 0)
        o.n_test = atoi (argv[++i]);
      else if (a[0] == '-')
        {
          fprintf (stderr, "bench-default-model: unknown option %s\n", a);
          return 2;
        }
      else if (model_path == NULL)
        model_path = a;
      else
        {
          fprintf (stderr, "bench-default-model: one model path only\n");
          return 2;
        }
    }
  if (o.per_class < 10 || o.epochs < 1 || o.batch < 1 || o.n_test < 1 || o.size < 32 || o.threads < 1 || o.workers < 0)
    {
      fprintf (stderr, "bench-default-model: bad option value\n");
      return 2;
    }
  if (training)
    {
      int rc;

      if (model_path == NULL)
        {
          fprintf (stderr, "bench-default-model: train needs an output path\n");
          return 2;
        }
      if (o.data == NULL)
        o.data = g_strdup_printf ("%s/lungscope-phantoms-%u-%d-%" G_GUINT64_FORMAT,
                                  g_get_tmp_dir (), o.per_class, o.size, o.seed);
      rc = train (model_path, &o);
      g_free (o.data);
      g_free (o.augment);
      return rc;
    }
  return evaluate (model_path ? model_path : default_model, &o);
}
