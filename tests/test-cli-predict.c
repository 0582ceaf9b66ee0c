/* test-cli-predict.c — lungscope-cli predict, saliency and report, run as
 * the real binary against a tiny model trained here on phantoms
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dataset/phantom.h"
#include "dataset/store.h"
#include "imaging/decode.h"
#include "imaging/png-write.h"
#include "ls-test.h"
#include "pipeline/model-source.h"
#include "pipeline/predict.h"
#include "pipeline/train.h"
#include "store-test-util.h"

static const char tiny_arch[] = "# tiny: test network\n"
                                "input channels=1 size=32\n"
                                "conv name=conv1 out=8 k=3 stride=1 pad=1 bias=no\n"
                                "bn name=bn1\n"
                                "relu\n"
                                "maxpool k=2\n"
                                "conv name=conv2 out=16 k=3 stride=1 pad=1 bias=no\n"
                                "bn name=bn2\n"
                                "relu cam=yes\n"
                                "gap\n"
                                "linear name=fc out=3\n";

static const char *const class_names[] = { "normal", "pneumonia", "covid", NULL };

#define N_CLASSES 3
#define PX 64
#define NO_DEFAULT "/nonexistent/lungscope-default.safetensors"

typedef struct
{
  char *dir;
  char *model_a; /* trained here, with its full card */
  char *model_b; /* the same weights under another id, no OOD detector */
  char *id_a;
  char *id_b;
  char *images;  /* images/a/{p0,p1,wide}.png, images/b/{p2.png,p2_mask.png,notes.txt} */
  char *one;     /* images/a/p0.png */
  char *wide;    /* images/a/wide.png, 80 × 56 */
  char *classes; /* class folders for import: normal/, pneumonia/, covid/ */
} Fixture;

static Fixture fx;

static void
write_phantom (const char *path,
               guint class_index,
               guint index)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  LsPhantomParams params;
  LsPhantom *ph;

  ls_phantom_params_init (&params);
  params.size = PX;
  ph = ls_phantom_generate (&params, 23, class_index, index);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (ls_png_write_image (path, ph->image, 8, 0, &error));
  g_assert_no_error (error);
  ls_phantom_free (ph);
}

/* Trains the tiny net for two epochs on a few phantoms: a real card with
 * calibration, OOD statistics and metrics. Accuracy is not the point. */
static void
make_model (void)
{
  guint per[3] = { 8, 4, 4 }, n = 0, k = 0;
  g_autofree LsLoaderItem *items = NULL;
  g_auto (GStrv) paths = NULL;
  g_autoptr (LsTrainResult) result = NULL;
  g_autoptr (GError) error = NULL;
  LsTrainConfig cfg;

  for (int part = 0; part < 3; part++)
    n += N_CLASSES * per[part];
  items = g_new0 (LsLoaderItem, n);
  paths = g_new0 (char *, n + 1);
  for (int part = 0; part < 3; part++)
    for (guint c = 0; c < N_CLASSES; c++)
      for (guint i = 0; i < per[part]; i++)
        {
          g_autofree char *name = g_strdup_printf ("t%d-c%u-%u.png", part, c, i);

          paths[k] = g_build_filename (fx.dir, "train", name, NULL);
          write_phantom (paths[k], c, 100 + k);
          items[k].path = paths[k];
          items[k].label = (int) c;
          k++;
        }
  ls_train_config_init (&cfg);
  cfg.arch = tiny_arch;
  cfg.class_names = class_names;
  cfg.epochs = 2;
  cfg.batch_size = 8;
  cfg.lr = 1e-2f;
  cfg.augment = "";
  cfg.patience = 0;
  cfg.seed = 3;
  cfg.threads = 1;
  cfg.loader_workers = 1;
  cfg.mean[0] = 0.5f;
  cfg.std[0] = 0.25f;
  cfg.dataset_version = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  cfg.name = "tiny test net";
  cfg.output_path = fx.model_a;
  g_assert_true (ls_pipeline_train (&cfg, items, N_CLASSES * per[0], items + N_CLASSES * per[0],
                                    N_CLASSES * per[1], items + N_CLASSES * (per[0] + per[1]),
                                    N_CLASSES * per[2], NULL, NULL, NULL, NULL, NULL, &result,
                                    &error));
  g_assert_no_error (error);
  fx.id_a = g_strdup (result->model->id);
  g_assert_cmpuint (strlen (fx.id_a), ==, 26);
  /* The same net under another id and without an OOD detector (a valid
   * card still). */
  fx.id_b = ls_model_id_new ();
  g_hash_table_insert (result->model->metadata, g_strdup ("model_id"), g_strdup (fx.id_b));
  g_hash_table_remove (result->model->metadata, "ood");
  g_clear_pointer (&result->model->ood, ls_ood_free);
  g_assert_true (ls_model_save (result->model, fx.model_b, &error));
  g_assert_no_error (error);
}

static void
setup (void)
{
  g_autoptr (GError) error = NULL;

  fx.dir = make_temp_dir ();
  fx.model_a = g_build_filename (fx.dir, "a.safetensors", NULL);
  fx.model_b = g_build_filename (fx.dir, "b.safetensors", NULL);
  make_model ();

  fx.images = g_build_filename (fx.dir, "images", NULL);
  fx.one = g_build_filename (fx.images, "a", "p0.png", NULL);
  fx.wide = g_build_filename (fx.images, "a", "wide.png", NULL);
  write_phantom (fx.one, 2, 1);
  {
    g_autofree char *p = g_build_filename (fx.images, "a", "p1.png", NULL);

    write_phantom (p, 1, 2);
  }
  {
    g_autofree char *p = g_build_filename (fx.images, "b", "p2.png", NULL);
    g_autofree char *m = g_build_filename (fx.images, "b", "p2_mask.png", NULL);
    g_autofree char *t = g_build_filename (fx.images, "b", "notes.txt", NULL);

    write_phantom (p, 0, 3);
    write_phantom (m, 0, 4);
    g_assert_true (g_file_set_contents (t, "not an image", -1, NULL));
  }
  {
    /* A non-square radiograph. */
    g_autofree float *data = g_new (float, 80 * 56);

    for (int i = 0; i < 80 * 56; i++)
      data[i] = (float) ((i * 7919) % 251) / 250.0f;
    g_assert_true (ls_png_write_gray (fx.wide, data, 80, 56, 80, 8, 0, &error));
    g_assert_no_error (error);
  }
  fx.classes = g_build_filename (fx.dir, "classes", NULL);
  for (guint c = 0; c < N_CLASSES; c++)
    {
      g_autofree char *name = g_strdup_printf ("w%u.png", c);
      g_autofree char *p = g_build_filename (fx.classes, class_names[c], name, NULL);

      write_phantom (p, c, 50 + c);
    }
}

/* Runs lungscope-cli with $LUNGSCOPE_DEFAULT_MODEL set to @default_model
 * (or to a file that does not exist) and no $LUNGSCOPE_WORKSPACE. */
static int
cli_env (const char *default_model,
         char **out,
         char **err,
         const char *first,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  va_list args;
  int wait_status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("LS_CLI"));
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  env = g_environ_unsetenv (env, "LUNGSCOPE_WORKSPACE");
  env = g_environ_setenv (env, "LUNGSCOPE_DEFAULT_MODEL",
                          default_model != NULL ? default_model : NO_DEFAULT, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out,
                               err, &wait_status, &error));
  g_assert_no_error (error);
  g_test_message ("stderr: %s", *err);
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  return 128 + WTERMSIG (wait_status);
}

#define CLI(out, err, ...) cli_env (NULL, out, err, __VA_ARGS__, NULL)

static void
reset (char **out,
       char **err)
{
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
image_size (const char *path,
            int *width,
            int *height,
            int *bit_depth)
{
  g_autoptr (GError) error = NULL;
  LsImageInfo info;

  g_assert_true (ls_image_probe (path, &info, &error));
  g_assert_no_error (error);
  *width = info.width;
  *height = info.height;
  if (bit_depth != NULL)
    *bit_depth = info.bit_depth;
}

/* The model's own answer for @path, in process. */
static LsPrediction *
reference (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsModel) model = ls_model_load (fx.model_a, &error);
  g_autoptr (LsImage) image = ls_image_load (path, NULL, &error);

  g_assert_no_error (error);
  return ls_pipeline_predict (model, image, NULL, &error);
}

static void
test_json (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *model;
  JsonArray *predictions, *classes;
  const char *expected[] = { "p0.png", "p1.png", "wide.png", "p2.png" };

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", "--json", fx.images), ==, 0);
  root = parse_object (parser, out);
  model = json_object_get_object_member (root, "model");
  g_assert_cmpstr (json_object_get_string_member (model, "id"), ==, fx.id_a);
  g_assert_cmpstr (json_object_get_string_member (model, "name"), ==, "tiny test net");
  g_assert_cmpstr (json_object_get_string_member (model, "source"), ==, "file");
  classes = json_object_get_array_member (model, "classes");
  g_assert_cmpuint (json_array_get_length (classes), ==, 3);
  for (guint c = 0; c < N_CLASSES; c++)
    g_assert_cmpstr (json_array_get_string_element (classes, c), ==, class_names[c]);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (root, "saliency")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "failed")), ==, 0);
  /* Sorted, recursive, image files only (no mask, no text). */
  predictions = json_object_get_array_member (root, "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *p = json_array_get_object_element (predictions, i);
      JsonObject *probs = json_object_get_object_member (p, "probabilities");
      const char *file = json_object_get_string_member (p, "file");
      g_autoptr (LsPrediction) ref = reference (file);
      double sum = 0, best = -1;
      int argmax = -1, w, h;

      g_assert_cmpstr (json_object_get_string_member (p, "name"), ==, expected[i]);
      g_assert_true (g_str_has_suffix (file, expected[i]));
      g_assert_cmpuint (json_object_get_size (probs), ==, N_CLASSES);
      for (guint c = 0; c < N_CLASSES; c++)
        {
          double v = json_object_get_double_member (probs, class_names[c]);

          /* The model's own numbers, not made up. */
          g_assert_cmpfloat_with_epsilon (v, ref->probs[c], 1e-6);
          sum += v;
          if (v > best)
            {
              best = v;
              argmax = (int) c;
            }
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_cmpstr (json_object_get_string_member (p, "predicted"), ==, class_names[argmax]);
      g_assert_cmpint (argmax, ==, ref->predicted);
      g_assert_cmpfloat (json_object_get_double_member (p, "latency_ms"), >, 0);
      /* The trained card has an OOD detector. */
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (p, "ood_score"), ref->ood_score,
                                      1e-4 * MAX (1, fabs (ref->ood_score)));
      g_assert_true (json_object_get_boolean_member (p, "ood_flag") == ref->ood_flag);
      g_assert_cmpuint (strlen (json_object_get_string_member (p, "sha256")), ==, 64);
      image_size (file, &w, &h, NULL);
      g_assert_cmpint (json_object_get_int_member (p, "width"), ==, w);
      g_assert_cmpint (json_object_get_int_member (p, "height"), ==, h);
      g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (p, "log_id")));
    }
  /* Data has no prose in it; the skipped files are a message. */
  g_assert_null (strstr (out, "diagnosis"));
  g_assert_nonnull (strstr (err, "skipped 2 files"));
}

static void
test_csv (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", "--csv", fx.images, fx.one),
                   ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpstr (lines[0], ==,
                   "file,sha256,predicted,p_normal,p_pneumonia,p_covid,ood_score,ood_flag,latency_ms");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 5 + 1); /* header, 5 rows, "" after the last \n */
  g_assert_cmpstr (lines[6], ==, "");
  for (guint i = 1; i <= 5; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      int argmax = 0;
      double sum = 0;

      g_assert_cmpuint (g_strv_length (f), ==, 9);
      g_assert_cmpuint (strlen (f[1]), ==, 64);
      for (int c = 0; c < N_CLASSES; c++)
        {
          double v = g_ascii_strtod (f[3 + c], NULL);

          sum += v;
          if (v > g_ascii_strtod (f[3 + argmax], NULL))
            argmax = c;
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
      g_assert_cmpstr (f[2], ==, class_names[argmax]);
      g_assert_true (g_str_equal (f[7], "0") || g_str_equal (f[7], "1"));
      g_assert_cmpfloat (g_ascii_strtod (f[8], NULL), >, 0);
    }
  /* The file given twice (in its folder and by name) is the same file. */
  *strrchr (lines[1], ',') = '\0';
  *strrchr (lines[5], ',') = '\0';
  g_assert_cmpstr (strchr (lines[1], ','), ==, strchr (lines[5], ','));
  g_assert_null (strstr (out, "diagnosis"));
}

static void
test_table (void)
{
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", fx.images), ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_str_has_prefix (out, "FILE"));
  g_assert_nonnull (strstr (out, "PREDICTED"));
  g_assert_nonnull (strstr (out, "Normal"));
  g_assert_nonnull (strstr (out, "Pneumonia"));
  g_assert_nonnull (strstr (out, "COVID-19"));
  g_assert_nonnull (strstr (out, "wide.png"));
  g_assert_nonnull (strstr (out, "4 images, model "));
  g_assert_nonnull (strstr (out, fx.id_a));
  g_assert_nonnull (strstr (out, "Not a diagnosis"));
  /* header + 4 rows + blank + footer */
  g_assert_cmpuint (count_lines (out), ==, 7);
}

static void
test_saliency_folder (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *dir = g_build_filename (fx.dir, "overlays", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *predictions;
  JsonObject *root;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", "--json", "--saliency", dir,
                        "--method", "gradient", "--class", "COVID-19", fx.images, fx.one),
                   ==, 0);
  root = parse_object (parser, out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "saliency"),
                                                  "method"),
                   ==, "gradient");
  predictions = json_object_get_array_member (root, "predictions");
  g_assert_cmpuint (json_array_get_length (predictions), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *p = json_array_get_object_element (predictions, i);
      const char *name = json_object_get_string_member (p, "saliency");
      g_autofree char *path = g_build_filename (dir, name, NULL);
      int w, h;

      g_assert_true (g_str_has_suffix (name, "-gradient.png"));
      g_assert_cmpstr (json_object_get_string_member (p, "saliency_class"), ==, "covid");
      image_size (path, &w, &h, NULL);
      g_assert_cmpint (w, ==, json_object_get_int_member (p, "width"));
      g_assert_cmpint (h, ==, json_object_get_int_member (p, "height"));
    }
  /* Names do not collide: p0 twice gives two files. */
  {
    g_autofree char *first = g_build_filename (dir, "p0-gradient.png", NULL);
    g_autofree char *second = g_build_filename (dir, "p0-2-gradient.png", NULL);
    g_autofree char *wide = g_build_filename (dir, "wide-gradient.png", NULL);
    int w, h;

    g_assert_true (g_file_test (first, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
    image_size (wide, &w, &h, NULL);
    g_assert_cmpint (w, ==, 80);
    g_assert_cmpint (h, ==, 56);
  }
  ls_test_remove_tree (dir);
}

static void
test_saliency_command (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *png = g_build_filename (fx.dir, "s.png", NULL);
  g_autofree char *raw = g_build_filename (fx.dir, "raw.png", NULL);
  int w, h, depth;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.wide, "--out", png), ==, 0);
  g_assert_nonnull (strstr (out, "Grad-CAM"));
  g_assert_nonnull (strstr (out, "Not a diagnosis"));
  image_size (png, &w, &h, &depth);
  g_assert_cmpint (w, ==, 80);
  g_assert_cmpint (h, ==, 56);
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.one, "--out", raw, "--raw",
                        "--method", "smoothgrad", "--class", "pneumonia"),
                   ==, 0);
  {
    g_autoptr (GError) error = NULL;
    LsImageInfo info;

    g_assert_true (ls_image_probe (raw, &info, &error));
    g_assert_cmpint (info.width, ==, PX);
    g_assert_cmpint (info.height, ==, PX);
    g_assert_cmpint (info.bit_depth, ==, 16);
    g_assert_cmpint (info.color_type, ==, LS_COLOR_TYPE_GRAY);
  }
  reset (&out, &err);

  /* Usage errors: exit 2, one line. */
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.one, "--out", png,
                        "--method", "occlusion"),
                   ==, 2);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "unknown saliency method"));
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.one, "--out", png,
                        "--class", "flu"),
                   ==, 2);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "unknown class “flu” (the model's classes: normal, pneumonia, covid)"));
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.one), ==, 2);
  g_assert_nonnull (strstr (err, "--out is required"));
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", fx.one, "--out", png,
                        "--bogus"),
                   ==, 2);
  g_assert_cmpuint (count_lines (err), ==, 1);
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "saliency", "--help"), ==, 0);
  g_assert_nonnull (strstr (out, "--raw"));
  reset (&out, &err);
  /* A file that is not an image: exit 1, one line naming it. */
  {
    g_autofree char *txt = g_build_filename (fx.images, "b", "notes.txt", NULL);

    g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "saliency", txt, "--out", png), ==, 1);
    g_assert_cmpuint (count_lines (err), ==, 1);
    g_assert_nonnull (strstr (err, "notes.txt"));
  }
}

static void
test_report (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *pdf = g_build_filename (fx.dir, "reading.pdf", NULL);
  g_autofree char *contents = NULL, *again = NULL;
  gsize len = 0, len2 = 0;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "report", fx.one, "--out", pdf), ==, 0);
  g_assert_nonnull (strstr (out, "Not a diagnosis"));
  g_assert_true (g_file_get_contents (pdf, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));
  {
    g_autofree char *pdfinfo = g_find_program_in_path ("pdfinfo");

    if (pdfinfo != NULL)
      {
        g_autofree char *info = NULL, *info_err = NULL;
        const char *argv[] = { pdfinfo, pdf, NULL };
        const char *pages;
        int status;

        g_assert_true (ls_test_run (argv, &info, &info_err, &status));
        g_assert_cmpint (status, ==, 0);
        pages = strstr (info, "\nPages:");

        g_assert_nonnull (pages);
        g_assert_cmpint (atoi (pages + strlen ("\nPages:")), ==, 1);
        g_assert_nonnull (strstr (info, "Not a medical device"));
      }
    else
      g_test_message ("pdfinfo is not installed: page count not checked");
  }
  reset (&out, &err);
  /* An existing file is kept unless --force. */
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "report", fx.wide, "--out", pdf), ==, 1);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_true (g_file_get_contents (pdf, &again, &len2, NULL));
  g_assert_cmpuint (len2, ==, len);
  g_assert_cmpint (memcmp (again, contents, len), ==, 0);
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "report", fx.wide, "--out", pdf, "--force",
                        "--method", "gradient"),
                   ==, 0);
  g_clear_pointer (&again, g_free);
  g_assert_true (g_file_get_contents (pdf, &again, &len2, NULL));
  g_assert_true (g_str_has_prefix (again, "%PDF"));
  g_assert_false (len2 == len && memcmp (again, contents, len) == 0);
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "report", fx.one), ==, 2);
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "report", "--help"), ==, 0);
  g_assert_nonnull (strstr (out, "--force"));
}

/* A model without an OOD detector: no score in the data, and the report
 * says there is no check rather than printing a number. */
static void
test_no_ood (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *pdf = g_build_filename (fx.dir, "no-ood.pdf", NULL);
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *p;

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_b, "predict", "--json", fx.one), ==, 0);
  root = parse_object (parser, out);
  p = json_array_get_object_element (json_object_get_array_member (root, "predictions"), 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (p, "ood_score")));
  g_assert_false (json_object_get_boolean_member (p, "ood_flag"));
  g_assert_true (JSON_NODE_HOLDS_NULL (
      json_object_get_member (json_object_get_object_member (root, "model"), "ood_threshold")));
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_b, "predict", "--csv", fx.one), ==, 0);
  {
    g_auto (GStrv) row = g_strsplit (strchr (out, '\n') + 1, ",", -1);

    g_assert_cmpuint (g_strv_length (row), ==, 9);
    g_assert_cmpstr (row[6], ==, ""); /* no OOD score */
    g_assert_cmpstr (row[7], ==, ""); /* and no flag */
  }
  reset (&out, &err);
  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_b, "report", fx.one, "--out", pdf), ==, 0);
  if (pdftotext != NULL)
    {
      g_autofree char *text = NULL, *text_err = NULL;
      const char *argv[] = { pdftotext, pdf, "-", NULL };
      int status;

      g_assert_true (ls_test_run (argv, &text, &text_err, &status));
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (text, "No out-of-distribution check"));
      g_assert_null (strstr (text, "nan"));
      g_assert_nonnull (strstr (text, fx.id_b));
    }
  else
    g_test_message ("pdftotext is not installed: the page's text not checked");
}

static GPtrArray *
list_predictions (const char *ws)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_READ_ONLY, &error);
  GPtrArray *list;

  g_assert_no_error (error);
  list = ls_store_list_predictions (store, NULL, NULL, &error);
  g_assert_no_error (error);
  return list;
}

static char *
make_workspace (const char *name)
{
  g_autofree char *out = NULL, *err = NULL;
  char *ws = g_build_filename (fx.dir, name, NULL);

  g_assert_cmpint (CLI (&out, &err, "-w", ws, "import", fx.classes), ==, 0);
  return ws;
}

static void
test_workspace_log (void)
{
  g_autofree char *ws = make_workspace ("log.lungscope");
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *w0 = g_build_filename (fx.classes, "normal", "w0.png", NULL);
  g_autoptr (GPtrArray) list = NULL;

  /* A named model with a workspace: registered (not active) so its
   * predictions are traceable. */
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "--model", fx.model_a, "predict", "--saliency",
                        fx.dir, "--method", "gradient", fx.classes, fx.one),
                   ==, 0);
  g_assert_nonnull (strstr (err, "registered"));
  g_assert_nonnull (strstr (err, "(not active)"));
  g_assert_nonnull (strstr (err, "4 predictions logged"));
  list = list_predictions (ws);
  g_assert_cmpuint (list->len, ==, 4);
  for (guint i = 0; i < list->len; i++)
    {
      const LsStorePrediction *p = list->pdata[i];
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *probs = parse_object (parser, p->probabilities_json);
      double sum = 0;

      g_assert_cmpstr (p->model_id, ==, fx.id_a);
      g_assert_cmpfloat (p->latency_ms, >, 0);
      g_assert_cmpstr (p->saliency_method, ==, "gradient");
      g_assert_false (isnan (p->ood_score));
      g_assert_cmpuint (strlen (p->sha256), ==, 64);
      for (guint c = 0; c < N_CLASSES; c++)
        sum += json_object_get_double_member (probs, class_names[c]);
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_nonnull (p->predicted);
      /* The three imported files are workspace images; p0.png is not. */
      if (i < 3)
        g_assert_cmpint (p->image_id, >, 0);
      else
        {
          g_assert_cmpint (p->image_id, ==, 0);
          g_assert_cmpstr (p->name, ==, fx.one);
        }
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (ws, 0, &error);
    g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &error);

    g_assert_no_error (error);
    g_assert_null (active);
  }
  g_clear_pointer (&list, g_ptr_array_unref);
  reset (&out, &err);

  /* Again: already registered, nothing said about it; one row per image. */
  g_assert_cmpint (CLI (&out, &err, "-w", ws, "--model", fx.model_a, "predict", "--json", w0), ==, 0);
  g_assert_null (strstr (err, "registered"));
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *root = parse_object (parser, out);
    JsonObject *p = json_array_get_object_element (json_object_get_array_member (root, "predictions"), 0);

    g_assert_cmpint (json_object_get_int_member (p, "log_id"), >, 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "model"),
                                                    "workspace"),
                     ==, ws);
  }
  list = list_predictions (ws);
  g_assert_cmpuint (list->len, ==, 5);
  g_assert_null (((LsStorePrediction *) list->pdata[4])->saliency_method);
  g_clear_pointer (&list, g_ptr_array_unref);
  reset (&out, &err);

  /* The workspace has a model now, none active: no silent choice. */
  g_assert_cmpint (cli_env (fx.model_b, &out, &err, "-w", ws, "predict", w0, NULL), ==, 1);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "none is active"));
  reset (&out, &err);
  /* saliency and report log too. */
  {
    g_autofree char *png = g_build_filename (fx.dir, "ws-s.png", NULL);
    g_autofree char *pdf = g_build_filename (fx.dir, "ws-r.pdf", NULL);

    g_assert_cmpint (CLI (&out, &err, "-w", ws, "--model", fx.model_a, "saliency", w0, "--out", png), ==, 0);
    reset (&out, &err);
    g_assert_cmpint (CLI (&out, &err, "-w", ws, "--model", fx.model_a, "report", w0, "--out", pdf), ==, 0);
  }
  list = list_predictions (ws);
  g_assert_cmpuint (list->len, ==, 7);
  g_assert_cmpstr (((LsStorePrediction *) list->pdata[6])->saliency_method, ==, "gradcam");
  ls_test_remove_tree (ws);
}

static void
test_default_model (void)
{
  g_autofree char *ws = make_workspace ("default.lungscope");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GPtrArray) list = NULL;

  /* No workspace, no model: the default, found through the variable. */
  g_assert_cmpint (cli_env (fx.model_a, &out, &err, "predict", "--json", fx.one, NULL), ==, 0);
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *model = json_object_get_object_member (parse_object (parser, out), "model");

    g_assert_cmpstr (json_object_get_string_member (model, "source"), ==, "default");
    g_assert_cmpstr (json_object_get_string_member (model, "id"), ==, fx.id_a);
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (model, "workspace")));
  }
  reset (&out, &err);

  /* A workspace without models: the default is registered, made active,
   * said once. */
  g_assert_cmpint (cli_env (fx.model_a, &out, &err, "-w", ws, "predict", fx.one, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "had no model: registered the default model"));
  reset (&out, &err);
  g_assert_cmpint (cli_env (fx.model_a, &out, &err, "-w", ws, "predict", fx.one, NULL), ==, 0);
  g_assert_null (strstr (err, "registered"));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsStore) store = ls_store_open (ws, 0, &error);
    g_autoptr (LsStoreModel) active = ls_store_get_active_model (store, &error);
    g_autoptr (GPtrArray) models = ls_store_list_models (store, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (active->id, ==, fx.id_a);
    g_assert_cmpuint (models->len, ==, 1);
  }
  list = list_predictions (ws);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((LsStorePrediction *) list->pdata[1])->model_id, ==, fx.id_a);
  reset (&out, &err);

  /* No default model installed: one line that says how to get a model. */
  g_assert_cmpint (CLI (&out, &err, "predict", fx.one), ==, 1);
  g_assert_cmpuint (count_lines (err), ==, 1);
  g_assert_nonnull (strstr (err, "--model FILE"));
  g_assert_nonnull (strstr (err, NO_DEFAULT));
  ls_test_remove_tree (ws);
}

/* The library's choice on a read-only workspace: the model is used, nothing
 * is registered, and the choice says why nothing is logged. */
static void
test_choose_read_only (void)
{
  g_autofree char *ws = make_workspace ("ro.lungscope");
  g_autoptr (GError) error = NULL;
  g_autoptr (LsStore) store = ls_store_open (ws, LS_STORE_OPEN_READ_ONLY, &error);
  g_autoptr (LsModelChoice) choice = NULL;
  g_autoptr (GPtrArray) models = NULL;

  g_assert_no_error (error);
  g_setenv (LS_DEFAULT_MODEL_ENV, fx.model_a, TRUE);
  choice = ls_pipeline_choose_model (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (choice->source, ==, LS_MODEL_SOURCE_DEFAULT);
  g_assert_cmpstr (choice->model->id, ==, fx.id_a);
  g_assert_null (choice->log_id);
  g_assert_false (choice->registered);
  g_assert_nonnull (strstr (choice->not_logged, "read-only"));
  g_clear_pointer (&choice, ls_model_choice_free);
  choice = ls_pipeline_choose_model (store, fx.model_b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (choice->source, ==, LS_MODEL_SOURCE_FILE);
  g_assert_cmpstr (choice->model->id, ==, fx.id_b);
  g_assert_null (choice->log_id);
  g_assert_nonnull (choice->not_logged);
  models = ls_store_list_models (store, &error);
  g_assert_cmpuint (models->len, ==, 0);
  g_clear_pointer (&choice, ls_model_choice_free);
  /* Without a workspace and with no default: the error says so. */
  g_setenv (LS_DEFAULT_MODEL_ENV, NO_DEFAULT, TRUE);
  choice = ls_pipeline_choose_model (NULL, NULL, &error);
  g_assert_null (choice);
  g_assert_error (error, LS_MODEL_SOURCE_ERROR, LS_MODEL_SOURCE_ERROR_NO_DEFAULT);
  g_unsetenv (LS_DEFAULT_MODEL_ENV);
  g_clear_pointer (&store, ls_store_close);
  ls_test_remove_tree (ws);
}

static void
test_errors (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *bad_dir = g_build_filename (fx.dir, "bad", NULL);
  g_autofree char *corrupt = g_build_filename (bad_dir, "corrupt.png", NULL);
  g_autofree char *gone = g_build_filename (bad_dir, "gone.png", NULL);
  g_autofree char *missing = g_build_filename (fx.dir, "missing.png", NULL);
  g_autofree char *good = g_build_filename (bad_dir, "good.png", NULL);
  g_autofree char *bytes = NULL;
  gsize len;

  /* A PNG cut in half. */
  write_phantom (good, 1, 9);
  g_assert_true (g_file_get_contents (good, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (corrupt, bytes, (gssize) len / 2, NULL));
  /* A name that is not UTF-8 still gives valid output. */
  {
    g_autofree char *latin1 = g_build_filename (bad_dir, "r\xf6ntgen.png", NULL);

    write_phantom (latin1, 0, 10);
  }
  /* A folder entry that cannot be read: a link to nothing. */
  g_assert_cmpint (symlink ("/nonexistent/target.png", gone), ==, 0);

  g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", "--csv", bad_dir, missing), ==, 1);
  g_test_message ("%s", out);
  /* The good ones are still predicted. */
  g_assert_cmpuint (count_lines (out), ==, 3);
  g_assert_nonnull (strstr (out, "good.png"));
  g_assert_true (g_utf8_validate (out, -1, NULL));
  /* One line per bad file naming it, and a summary. */
  g_assert_cmpuint (count_lines (err), ==, 4);
  g_assert_nonnull (strstr (err, "corrupt.png"));
  g_assert_nonnull (strstr (err, "gone.png"));
  g_assert_nonnull (strstr (err, "missing.png"));
  g_assert_nonnull (strstr (err, "3 of 5 images could not be predicted"));
  reset (&out, &err);
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *root;

    g_assert_cmpint (CLI (&out, &err, "--model", fx.model_a, "predict", "--json", bad_dir, missing),
                     ==, 1);
    root = parse_object (parser, out);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "predictions")), ==, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "failed")), ==, 3);
  }
  reset (&out, &err);

  /* Usage errors: exit 2 and one line. */
  {
    const char *cases[][8] = {
      { "predict", NULL },
      { "predict", "--json", "--csv", "IMG", NULL },
      { "predict", "--saliency", "DIR", "--method", "occlusion", "IMG", NULL },
      { "predict", "--saliency", "DIR", "--class", "flu", "IMG", NULL },
      { "predict", "--method", "gradient", "IMG", NULL },
      { "predict", "--frobnicate", "IMG", NULL },
      { "predict", "--saliency", "DIR", "--colormap", "rainbow", "IMG", NULL },
      { "report", "IMG", "--out", "X.pdf", "--method", "occlusion", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (GPtrArray) argv = g_ptr_array_new ();

        g_ptr_array_add (argv, (gpointer) "--model");
        g_ptr_array_add (argv, fx.model_a);
        for (guint j = 0; cases[i][j] != NULL; j++)
          {
            const char *a = cases[i][j];

            g_ptr_array_add (argv, (gpointer) (g_str_equal (a, "IMG")     ? fx.one
                                               : g_str_equal (a, "DIR")   ? fx.dir
                                               : g_str_equal (a, "X.pdf") ? missing
                                                                          : a));
          }
        g_ptr_array_add (argv, NULL);
        g_assert_cmpint (cli_env (NULL, &out, &err, argv->pdata[0], argv->pdata[1], argv->pdata[2],
                                  argv->len > 3 ? argv->pdata[3] : NULL,
                                  argv->len > 4 ? argv->pdata[4] : NULL,
                                  argv->len > 5 ? argv->pdata[5] : NULL,
                                  argv->len > 6 ? argv->pdata[6] : NULL,
                                  argv->len > 7 ? argv->pdata[7] : NULL,
                                  argv->len > 8 ? argv->pdata[8] : NULL, NULL),
                         ==, 2);
        g_assert_cmpuint (count_lines (err), ==, 1);
        g_assert_cmpstr (out, ==, "");
        reset (&out, &err);
      }
  }
  g_assert_cmpint (CLI (&out, &err, "predict", "--help"), ==, 0);
  g_assert_nonnull (strstr (out, "--saliency"));
  g_assert_nonnull (strstr (out, "not a diagnosis"));
  reset (&out, &err);
  /* A model file that is not one. */
  g_assert_cmpint (CLI (&out, &err, "--model", corrupt, "predict", good), ==, 1);
  g_assert_cmpuint (count_lines (err), ==, 1);
  ls_test_remove_tree (bad_dir);
}

/* Ctrl-C: exit 130, every overlay written is a whole PNG, no temp file. */
static void
test_interrupt (void)
{
  g_autofree char *many = g_build_filename (fx.dir, "many", NULL);
  g_autofree char *outdir = g_build_filename (fx.dir, "many-out", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autofree float *data = g_new (float, 1024 * 1024);
  const char *name;
  GPid pid;
  int status;
  guint n_png = 0;

  for (int i = 0; i < 1024 * 1024; i++)
    data[i] = (float) ((i * 2654435761u) >> 24) / 255.0f;
  g_assert_cmpint (g_mkdir_with_parents (many, 0755), ==, 0);
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/m%02d.png", many, i);

      data[i] = 0.5f;
      g_assert_true (ls_png_write_gray (p, data, 1024, 1024, 1024, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
    }
  env = g_environ_unsetenv (env, "LUNGSCOPE_WORKSPACE");
  {
    const char *argv[] = { g_getenv ("LS_CLI"), "--model", fx.model_a, "predict", "--csv",
                           "--saliency", outdir, "--method", "smoothgrad", many, NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, env,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                      G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, &error));
  }
  g_usleep (700000);
  kill (pid, SIGINT);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_test_message ("exit status after Ctrl-C: %d", WEXITSTATUS (status));
  g_assert_true (WEXITSTATUS (status) == 130 || WEXITSTATUS (status) == 0);
  d = g_dir_open (outdir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (outdir, name, NULL);
      g_autoptr (LsImage) image = NULL;

      g_assert_false (name[0] == '.'); /* no temp file left */
      image = ls_image_load (p, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, 1024);
      n_png++;
    }
  g_test_message ("%u overlays written before the interrupt", n_png);
  if (WEXITSTATUS (status) == 130)
    g_assert_cmpuint (n_png, <, 40);
  ls_test_remove_tree (many);
  ls_test_remove_tree (outdir);
}

int
main (int argc,
      char **argv)
{
  int status;

  ls_test_init (&argc, &argv);
  setup ();
  g_test_add_func ("/lungscope/cli/predict/json", test_json);
  g_test_add_func ("/lungscope/cli/predict/csv", test_csv);
  g_test_add_func ("/lungscope/cli/predict/table", test_table);
  g_test_add_func ("/lungscope/cli/predict/saliency-folder", test_saliency_folder);
  g_test_add_func ("/lungscope/cli/predict/saliency", test_saliency_command);
  g_test_add_func ("/lungscope/cli/predict/report", test_report);
  g_test_add_func ("/lungscope/cli/predict/no-ood", test_no_ood);
  g_test_add_func ("/lungscope/cli/predict/workspace-log", test_workspace_log);
  g_test_add_func ("/lungscope/cli/predict/default-model", test_default_model);
  g_test_add_func ("/lungscope/cli/predict/errors", test_errors);
  g_test_add_func ("/lungscope/pipeline/model-source/read-only", test_choose_read_only);
  g_test_add_func ("/lungscope/cli/predict/interrupt", test_interrupt);
  status = g_test_run ();
  remove_tree (fx.dir);
  g_free (fx.dir);
  g_free (fx.model_a);
  g_free (fx.model_b);
  g_free (fx.id_a);
  g_free (fx.id_b);
  g_free (fx.images);
  g_free (fx.one);
  g_free (fx.wide);
  g_free (fx.classes);
  return status;
}
