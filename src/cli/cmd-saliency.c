/* cmd-saliency.c — lungscope-cli saliency (the overlay or the raw map of
 * one image) and report (its one-page PDF reading)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/saliency.h"
#include "imaging/png-write.h"
#include "ls-cli-predict.h"
#include "report/report.h"

/* One image through the model with a saliency map, in a worker. */
typedef struct
{
  LsModelChoice *choice;
  LsStore *store;
  const char *image_path;
  const char *out;
  LsSaliencyMethod method;
  int target_class;
  LsColormap colormap;
  float opacity;
  gboolean raw; /* saliency: the 16-bit gray map */
  gboolean pdf; /* report */
  /* results */
  LsImage *image;
  char *sha256;
  LsPrediction *prediction;
} Reading;

static void
reading_clear (Reading *r)
{
  g_clear_pointer (&r->image, ls_image_free);
  g_clear_pointer (&r->sha256, g_free);
  g_clear_pointer (&r->prediction, ls_prediction_free);
}

static const char *
method_title (LsSaliencyMethod method)
{
  switch (method)
    {
    case LS_SALIENCY_GRADCAM:
      return "Grad-CAM";
    case LS_SALIENCY_GRADIENT:
      return "Input gradient";
    case LS_SALIENCY_SMOOTHGRAD:
      return "SmoothGrad";
    default:
      return "Saliency";
    }
}

static double
metrics_number (const char *metrics,
                const char *name)
{
  g_autoptr (JsonNode) node = metrics != NULL ? json_from_string (metrics, NULL) : NULL;
  JsonObject *object;
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NAN;
  object = json_node_get_object (node);
  if (!json_object_has_member (object, name) && json_object_has_member (object, "test") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "test")))
    object = json_object_get_object_member (object, "test");
  member = json_object_get_member (object, name);
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) == G_TYPE_STRING)
    return NAN;
  return json_node_get_double (member);
}

static const char *
card (const LsModel *model,
      const char *key)
{
  const char *v = g_hash_table_lookup (model->metadata, key);

  return v != NULL && *v != '\0' ? v : NULL;
}

/* The model card in a few lines for the report. */
static GPtrArray *
card_lines (const LsModelChoice *choice)
{
  const LsModel *model = choice->model;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *created = card (model, "created");
  const char *metrics = card (model, "metrics");
  double accuracy = metrics_number (metrics, "accuracy");
  double ece = metrics_number (metrics, "ece");
  g_autofree char *classes = ls_cli_model_class_list (model);

  if (created != NULL)
    g_ptr_array_add (lines, g_strdup_printf ("Created %s", created));
  if (!isnan (accuracy) && !isnan (ece))
    g_ptr_array_add (lines, g_strdup_printf ("Test accuracy %.1f %%, calibration error (ECE) %.3f",
                                             100 * accuracy, ece));
  else if (!isnan (accuracy))
    g_ptr_array_add (lines, g_strdup_printf ("Test accuracy %.1f %%", 100 * accuracy));
  g_ptr_array_add (lines, g_strdup_printf ("%" G_GSIZE_FORMAT " parameters, input %d × %d, classes %s",
                                           ls_net_get_n_params (model->net), model->size,
                                           model->size, classes));
  g_ptr_array_add (lines, g_strdup_printf ("Temperature %.3f%s", model->temperature,
                                           model->ood != NULL ? ", out-of-distribution check" : ""));
  if (card (model, "parent_id") != NULL)
    g_ptr_array_add (lines, g_strdup_printf ("Fine-tuned from %s", card (model, "parent_id")));
  if (choice->source == LS_MODEL_SOURCE_DEFAULT)
    g_ptr_array_add (lines, g_strdup ("The shipped default model"));
  g_ptr_array_add (lines, NULL);
  return lines;
}

/* Trained on synthetic phantoms only: the shipped default, or a card that
 * says so in its name or training data. */
static gboolean
synthetic_training (const LsModelChoice *choice)
{
  const char *keys[] = { "name", "train_config", "data", "training_data" };

  if (choice->source == LS_MODEL_SOURCE_DEFAULT)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *v = card (choice->model, keys[i]);
      g_autofree char *lower = v != NULL ? g_ascii_strdown (v, -1) : NULL;

      if (lower != NULL && (strstr (lower, "phantom") != NULL || strstr (lower, "synthetic") != NULL))
        return TRUE;
    }
  return FALSE;
}

/* The overlay for the PDF: a translucent layer over the radiograph, at
 * most 1024 pixels on its long side (the page stretches it). */
static guint8 *
report_overlay (const Reading *r,
                int *width,
                int *height)
{
  const LsPrediction *p = r->prediction;
  int w = p->saliency_width, h = p->saliency_height;
  int side = MAX (w, h);
  g_autofree float *small = NULL;
  const float *map = p->saliency;
  guint8 *out;

  if (side > 1024)
    {
      int ow = MAX (1, (int) lround ((double) w * 1024 / side));
      int oh = MAX (1, (int) lround ((double) h * 1024 / side));

      small = g_new (float, (gsize) ow *oh);
      ls_engine_resize_bilinear (p->saliency, h, w, small, oh, ow);
      for (gsize i = 0; i < (gsize) ow * oh; i++)
        small[i] = CLAMP (small[i], 0.0f, 1.0f);
      map = small;
      w = ow;
      h = oh;
    }
  out = g_malloc ((gsize) w * h * 4);
  ls_render_heatmap_layer_argb32 (map, w, h, r->colormap, r->opacity, out, w * 4);
  *width = w;
  *height = h;
  return out;
}

static gboolean
write_report (Reading *r,
              GError **error)
{
  const LsModel *model = r->choice->model;
  const LsPrediction *p = r->prediction;
  g_autoptr (GPtrArray) lines = card_lines (r->choice);
  g_autofree const char **names = g_new0 (const char *, model->n_classes + 1);
  g_autofree double *probs = g_new0 (double, model->n_classes);
  g_autofree guint8 *overlay = NULL;
  g_autofree char *caption = NULL;
  g_autofree char *name = g_path_get_basename (r->image_path);
  const char *dataset = card (model, "dataset_version");
  LsReportDiagnosis d = { 0 };

  for (int i = 0; i < model->n_classes; i++)
    {
      names[i] = ls_report_class_display_name (model->classes[i]);
      probs[i] = CLAMP (p->probs[i], 0.0f, 1.0f);
    }
  d.image = r->image->data;
  d.width = r->image->width;
  d.height = r->image->height;
  overlay = report_overlay (r, &d.overlay_width, &d.overlay_height);
  d.overlay = overlay;
  caption = g_strdup_printf ("%s, %s", method_title (r->method), names[p->saliency_class]);
  d.overlay_caption = caption;
  d.n_classes = model->n_classes;
  d.class_names = names;
  d.probabilities = probs;
  d.predicted = p->predicted;
  d.ood_score = p->ood_score;
  d.ood_threshold = model->ood != NULL ? model->ood->threshold : NAN;
  d.ood_flagged = p->ood_flag;
  d.model_id = model->id;
  d.model_name = *model->name ? model->name : NULL;
  d.dataset_version = dataset;
  d.card_lines = (const char *const *) lines->pdata;
  d.synthetic_training = synthetic_training (r->choice);
  d.image_name = name;
  d.image_sha256 = r->sha256;
  return ls_report_diagnosis_save_pdf (&d, r->out, error);
}

static gboolean
reading_work (gpointer data,
              LsProgressFunc progress,
              gpointer progress_data,
              GCancellable *cancellable,
              GError **error)
{
  Reading *r = data;
  LsPredictOptions options;

  progress (0.0, "reading the image", progress_data);
  r->image = ls_cli_read_image (r->image_path, &r->sha256, error);
  if (r->image == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  progress (0.2, "predicting", progress_data);
  ls_predict_options_init (&options);
  options.saliency = TRUE;
  options.method = r->method;
  options.target_class = r->target_class;
  r->prediction = ls_pipeline_predict (r->choice->model, r->image, &options, error);
  if (r->prediction == NULL)
    return FALSE;
  /* Nothing is written once cancelled: the old file, if any, stays. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  progress (0.8, "writing", progress_data);
  if (r->pdf)
    {
      if (!write_report (r, error))
        return FALSE;
    }
  else if (r->raw)
    {
      if (!ls_png_write_gray (r->out, r->prediction->saliency, r->prediction->saliency_width,
                              r->prediction->saliency_height,
                              (gsize) r->prediction->saliency_width, 16, LS_PNG_WRITE_DEFAULT,
                              error))
        return FALSE;
    }
  else if (!ls_cli_write_overlay (r->out, r->image, r->prediction, r->colormap, r->opacity, TRUE,
                                  error))
    return FALSE;
  if (ls_cli_log_prediction (r->store, r->choice, r->image_path, r->sha256, r->prediction,
                             ls_saliency_method_to_string (r->method), error) == 0)
    return FALSE;
  progress (1.0, "done", progress_data);
  return TRUE;
}

/* Parses what saliency and report share; returns -1 to go on, else the
 * exit code. */
static int
prepare (const LsCliCommand *command,
         LsCliGlobal *global,
         int argc,
         char **argv,
         const char *out,
         const char *method_text,
         const char *class_text,
         const char *colormap_text,
         double opacity,
         Reading *r,
         LsModelChoice **choice,
         LsStore **store)
{
  int code;

  if (argc < 2)
    return ls_cli_usage_error (command, "no image given");
  if (argc > 2)
    return ls_cli_usage_error (command, "unexpected argument “%s”", argv[2]);
  if (out == NULL)
    return ls_cli_usage_error (command, "--out is required");
  r->method = LS_SALIENCY_GRADCAM;
  if (method_text != NULL && !ls_saliency_method_from_string (method_text, &r->method))
    return ls_cli_usage_error (command, "unknown saliency method “%s” (gradcam, gradient or smoothgrad)",
                               method_text);
  r->colormap = LS_CLI_DEFAULT_COLORMAP;
  if (colormap_text != NULL && !ls_colormap_from_string (colormap_text, &r->colormap))
    return ls_cli_usage_error (command, "unknown colormap “%s” (turbo, inferno, viridis or gray)",
                               colormap_text);
  if (!(opacity >= 0 && opacity <= 1))
    return ls_cli_usage_error (command, "--opacity must be 0 … 1");
  r->opacity = (float) opacity;

  *choice = ls_cli_choose_model (command, global, store, &code);
  if (*choice == NULL)
    return code;
  r->target_class = -1;
  if (class_text != NULL)
    {
      r->target_class = ls_cli_model_class ((*choice)->model, class_text);
      if (r->target_class < 0)
        {
          g_autofree char *list = ls_cli_model_class_list ((*choice)->model);

          return ls_cli_usage_error (command, "unknown class “%s” (the model's classes: %s)",
                                     class_text, list);
        }
    }
  if (r->method == LS_SALIENCY_GRADCAM && ls_net_get_cam_layer ((*choice)->model->net) < 0)
    return ls_cli_failure ("model %s has no Grad-CAM layer (cam=yes); use --method gradient",
                           (*choice)->model->id);
  r->choice = *choice;
  r->store = *store;
  r->image_path = argv[1];
  r->out = out;
  return -1;
}

int
ls_cli_cmd_saliency (const LsCliCommand *command,
                     LsCliGlobal *global,
                     int argc,
                     char **argv)
{
  g_autofree char *out = NULL, *method_text = NULL, *class_text = NULL, *colormap_text = NULL;
  gboolean raw = FALSE;
  double opacity = LS_CLI_DEFAULT_OPACITY;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "PNG file to write (required)", "FILE" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method_text,
      "gradcam (default), gradient or smoothgrad", "METHOD" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &class_text,
      "Class the map explains (default: the predicted one)", "NAME" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "Write the map itself as a 16-bit gray PNG", NULL },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_text,
      "Overlay colours: turbo (default), inferno, viridis or gray", "MAP" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity, "Overlay opacity, 0 … 1 (default 0.45)", "F" },
    { NULL }
  };
  g_autoptr (LsModelChoice) choice = NULL;
  g_autoptr (LsStore) store = NULL;
  Reading r = { 0 };
  const LsModel *model;
  const LsPrediction *p;
  int code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &code))
    return code;
  if (raw && (colormap_text != NULL))
    return ls_cli_usage_error (command, "--raw writes the map itself: --colormap does not apply");
  code = prepare (command, global, argc, argv, out, method_text, class_text, colormap_text, opacity,
                  &r, &choice, &store);
  if (code >= 0)
    return code;
  r.raw = raw;
  code = ls_cli_run_work ("saliency", reading_work, &r, "nothing was written");
  if (code == LS_EXIT_OK)
    {
      model = choice->model;
      p = r.prediction;
      printf ("%s: %s of %s, %d × %d (predicted %s, %.3f; model %s). Not a diagnosis.\n", out,
              method_title (r.method), ls_report_class_display_name (model->classes[p->saliency_class]),
              p->saliency_width, p->saliency_height,
              ls_report_class_display_name (model->classes[p->predicted]), p->probs[p->predicted],
              model->id);
    }
  reading_clear (&r);
  return code;
}

int
ls_cli_cmd_report (const LsCliCommand *command,
                   LsCliGlobal *global,
                   int argc,
                   char **argv)
{
  g_autofree char *out = NULL, *method_text = NULL, *class_text = NULL, *colormap_text = NULL;
  gboolean force = FALSE;
  double opacity = LS_CLI_DEFAULT_OPACITY;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "PDF file to write (required)", "FILE" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method_text,
      "Saliency method: gradcam (default), gradient or smoothgrad", "METHOD" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &class_text,
      "Class the overlay explains (default: the predicted one)", "NAME" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_text,
      "Overlay colours: turbo (default), inferno, viridis or gray", "MAP" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity, "Overlay opacity, 0 … 1 (default 0.45)", "F" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Overwrite an existing file", NULL },
    { NULL }
  };
  g_autoptr (LsModelChoice) choice = NULL;
  g_autoptr (LsStore) store = NULL;
  Reading r = { 0 };
  int code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &code))
    return code;
  if (out != NULL && !force && g_file_test (out, G_FILE_TEST_EXISTS))
    return ls_cli_failure ("%s exists (use --force to overwrite it)", out);
  code = prepare (command, global, argc, argv, out, method_text, class_text, colormap_text, opacity,
                  &r, &choice, &store);
  if (code >= 0)
    return code;
  r.pdf = TRUE;
  code = ls_cli_run_work ("report", reading_work, &r, "nothing was written");
  if (code == LS_EXIT_OK)
    printf ("%s: %s %.3f (model %s). Not a diagnosis.\n", out,
            ls_report_class_display_name (choice->model->classes[r.prediction->predicted]),
            r.prediction->probs[r.prediction->predicted], choice->model->id);
  reading_clear (&r);
  return code;
}
