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
#include "pipeline/reading.h"
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
  /* results: borrowed from the diagnosis */
  LsDiagnosis *diagnosis;
  const LsImage *image;
  const char *sha256;
  const LsPrediction *prediction;
} Reading;

static void
reading_clear (Reading *r)
{
  g_clear_pointer (&r->diagnosis, ls_diagnosis_free);
  r->image = NULL;
  r->sha256 = NULL;
  r->prediction = NULL;
}

static gboolean
write_report (Reading *r,
              GError **error)
{
  g_autofree char *name = g_path_get_basename (r->image_path);

  return ls_pipeline_save_reading_pdf (r->choice, r->diagnosis, r->method, name, r->colormap, r->opacity,
                                       r->out, error);
}

static gboolean
reading_work (gpointer data,
              LsProgressFunc progress,
              gpointer progress_data,
              GCancellable *cancellable,
              GError **error)
{
  Reading *r = data;
  LsDiagnoseOptions options;

  progress (0.0, "reading and predicting", progress_data);
  ls_diagnose_options_init (&options);
  options.predict.saliency = TRUE;
  options.predict.method = r->method;
  options.predict.target_class = r->target_class;
  if (!r->pdf && !r->raw)
    {
      options.overlay_path = r->out;
      options.colormap = r->colormap;
      options.opacity = r->opacity;
    }
  r->diagnosis = ls_pipeline_diagnose_file (r->choice, r->store, r->image_path, &options,
                                            cancellable, error);
  if (r->diagnosis == NULL)
    return FALSE;
  ls_cli_warn_image (r->diagnosis);
  r->image = r->diagnosis->image;
  r->sha256 = r->diagnosis->sha256;
  r->prediction = r->diagnosis->prediction;
  if (r->diagnosis->log_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&r->diagnosis->log_error));
      return FALSE;
    }
  /* Nothing more is written once cancelled: the old file, if any, stays. */
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
  r->colormap = LS_DIAGNOSE_DEFAULT_COLORMAP;
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
      r->target_class = ls_model_find_class ((*choice)->model, class_text);
      if (r->target_class < 0)
        {
          g_autofree char *list = ls_model_class_list ((*choice)->model);

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
  double opacity = LS_DIAGNOSE_DEFAULT_OPACITY;
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
              ls_saliency_method_title (r.method), ls_report_class_display_name (model->classes[p->saliency_class]),
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
  double opacity = LS_DIAGNOSE_DEFAULT_OPACITY;
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
