/* cmd-predict.c — lungscope-cli predict: files and folders → calibrated
 * probabilities, predicted class, OOD score, latency; saliency overlays;
 * every prediction logged in the workspace
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "imaging/image-files.h"
#include "imaging/png-write.h"
#include "ls-cli-predict.h"
#include "report/report.h"

typedef enum
{
  FORMAT_TABLE,
  FORMAT_JSON,
  FORMAT_CSV,
} Format;

typedef struct
{
  char *path;
  char *error; /* found unreadable while collecting, or NULL */
} Input;

typedef struct
{
  LsModelChoice *choice;
  LsStore *store;
  GPtrArray *inputs; /* Input */
  Format format;
  char *saliency_dir;
  LsSaliencyMethod method;
  int target_class;
  LsColormap colormap;
  float opacity;
  gboolean fast_decode;
  int file_width;
  gboolean tty;
  GHashTable *used_names;
  JsonBuilder *predictions; /* --json: the array being built */
  JsonBuilder *failures;
  guint n_ok;
  guint n_failed;
  guint n_skipped;
} Predict;

static void
input_free (Input *input)
{
  g_free (input->path);
  g_free (input->error);
  g_free (input);
}

static void
add_input (GPtrArray *inputs,
           const char *path,
           const char *error)
{
  Input *input = g_new0 (Input, 1);

  input->path = g_strdup (path);
  input->error = g_strdup (error);
  g_ptr_array_add (inputs, input);
}

/* The image files under @dir (image-files.h); a folder that cannot be
 * read becomes a failed input. */
static void
walk (Predict *self,
      const char *dir)
{
  g_autoptr (GPtrArray) entries = ls_image_files_in_folder (dir, &self->n_skipped);

  for (guint i = 0; i < entries->len; i++)
    {
      const LsImageFileEntry *e = entries->pdata[i];

      add_input (self->inputs, e->path, e->error);
    }
}

/* Clears the progress bar's line before a row or a message. */
static void
clear_bar (Predict *self)
{
  if (self->tty)
    fputs ("\r\033[K", stderr);
}

static void
report_failure (Predict *self,
                const char *path,
                const char *message)
{
  g_autofree char *shown = g_filename_display_name (path);

  clear_bar (self);
  /* One line that names the file. */
  if (strstr (message, shown) != NULL)
    fprintf (stderr, "lungscope-cli predict: %s\n", message);
  else
    fprintf (stderr, "lungscope-cli predict: %s: %s\n", shown, message);
  self->n_failed++;
  if (self->failures != NULL)
    {
      json_builder_begin_object (self->failures);
      json_builder_set_member_name (self->failures, "file");
      json_builder_add_string_value (self->failures, shown);
      json_builder_set_member_name (self->failures, "error");
      json_builder_add_string_value (self->failures, message);
      json_builder_end_object (self->failures);
    }
}

/* <stem>-<method>.png, made unique within the run. */
static char *
saliency_name (Predict *self,
               const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  const char *method = ls_saliency_method_to_string (self->method);
  char *name;

  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strdup_printf ("%s-%s.png", base, method);
  for (int n = 2; g_hash_table_contains (self->used_names, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%d-%s.png", base, n, method);
    }
  g_hash_table_add (self->used_names, g_strdup (name));
  return name;
}

static char *
csv_field (const char *text)
{
  GString *s;

  if (strpbrk (text, ",\"\r\n") == NULL)
    return g_strdup (text);
  s = g_string_new ("\"");
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

static int
column_width (const char *name)
{
  return MAX ((int) g_utf8_strlen (name, -1), 6);
}

static void
print_header (Predict *self)
{
  const LsModel *model = self->choice->model;

  if (self->format == FORMAT_CSV)
    {
      printf ("file,sha256,predicted");
      for (int i = 0; i < model->n_classes; i++)
        {
          g_autofree char *column = g_strconcat ("p_", model->classes[i], NULL);
          g_autofree char *field = csv_field (column);

          printf (",%s", field);
        }
      printf (",ood_score,ood_flag,latency_ms%s\n", self->saliency_dir != NULL ? ",saliency" : "");
    }
  else if (self->format == FORMAT_TABLE)
    {
      printf ("%-*s  %-10s", self->file_width, "FILE", "PREDICTED");
      for (int i = 0; i < model->n_classes; i++)
        {
          const char *shown = ls_report_class_display_name (model->classes[i]);

          printf ("  %*s", column_width (shown), shown);
        }
      printf ("  %9s  %8s%s\n", "OOD", "MS", self->saliency_dir != NULL ? "  SALIENCY" : "");
    }
  fflush (stdout);
}

static void
print_row (Predict *self,
           const char *path,
           const char *sha256,
           const LsImage *image,
           const LsPrediction *p,
           const char *saliency_file,
           gint64 log_id)
{
  const LsModel *model = self->choice->model;
  g_autofree char *ood = ls_cli_number (p->ood_score, "%.3f");
  g_autofree char *ms = ls_cli_number (p->seconds * 1000.0, "%.2f");

  switch (self->format)
    {
    case FORMAT_CSV:
      {
        g_autofree char *file = csv_field (path);

        printf ("%s,%s,%s", file, sha256, model->classes[p->predicted]);
        for (int i = 0; i < model->n_classes; i++)
          {
            g_autofree char *v = ls_cli_number (p->probs[i], "%.6f");

            printf (",%s", v);
          }
        printf (",%s,%s,%s", ood, isnan (p->ood_score) ? "" : p->ood_flag ? "1"
                                                                          : "0",
                ms);
        if (self->saliency_dir != NULL)
          {
            g_autofree char *f = csv_field (saliency_file);

            printf (",%s", f);
          }
        printf ("\n");
      }
      break;
    case FORMAT_TABLE:
      printf ("%-*s  %-10s", self->file_width, path,
              ls_report_class_display_name (model->classes[p->predicted]));
      for (int i = 0; i < model->n_classes; i++)
        {
          g_autofree char *v = ls_cli_number (p->probs[i], "%.3f");

          printf ("  %*s", column_width (ls_report_class_display_name (model->classes[i])), v);
        }
      printf ("  %7s %s  %8s", *ood ? ood : "-", p->ood_flag ? "!" : " ", ms);
      if (self->saliency_dir != NULL)
        printf ("  %s", saliency_file);
      printf ("\n");
      break;
    case FORMAT_JSON:
      {
        JsonBuilder *b = self->predictions;
        g_autofree char *name = g_path_get_basename (path);

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "file");
        json_builder_add_string_value (b, path);
        json_builder_set_member_name (b, "name");
        json_builder_add_string_value (b, name);
        json_builder_set_member_name (b, "sha256");
        json_builder_add_string_value (b, sha256);
        json_builder_set_member_name (b, "width");
        json_builder_add_int_value (b, image->orig_width);
        json_builder_set_member_name (b, "height");
        json_builder_add_int_value (b, image->orig_height);
        json_builder_set_member_name (b, "predicted");
        json_builder_add_string_value (b, model->classes[p->predicted]);
        json_builder_set_member_name (b, "probabilities");
        json_builder_add_value (b, ls_pipeline_probabilities_node (model, p));
        json_builder_set_member_name (b, "ood_score");
        if (isnan (p->ood_score))
          json_builder_add_null_value (b);
        else
          json_builder_add_double_value (b, p->ood_score);
        json_builder_set_member_name (b, "ood_flag");
        json_builder_add_boolean_value (b, p->ood_flag);
        json_builder_set_member_name (b, "latency_ms");
        json_builder_add_double_value (b, p->seconds * 1000.0);
        if (saliency_file != NULL)
          {
            json_builder_set_member_name (b, "saliency");
            json_builder_add_string_value (b, saliency_file);
            json_builder_set_member_name (b, "saliency_class");
            json_builder_add_string_value (b, model->classes[p->saliency_class]);
          }
        json_builder_set_member_name (b, "log_id");
        if (log_id > 0)
          json_builder_add_int_value (b, log_id);
        else
          json_builder_add_null_value (b);
        json_builder_end_object (b);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  fflush (stdout);
}

/* One image: read, predict, overlay, print, log. FALSE only for what stops
 * the run (the workspace cannot be written); a bad file is reported and
 * counted. */
static gboolean
predict_one (Predict *self,
             const Input *input,
             GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LsDiagnosis) d = NULL;
  g_autofree char *saliency_file = NULL;
  g_autofree char *out = NULL;
  LsDiagnoseOptions options;

  if (input->error != NULL)
    {
      report_failure (self, input->path, input->error);
      return TRUE;
    }
  ls_diagnose_options_init (&options);
  options.predict.saliency = self->saliency_dir != NULL;
  options.predict.method = self->method;
  options.predict.target_class = self->target_class;
  options.fast_decode = self->fast_decode;
  if (self->saliency_dir != NULL)
    {
      g_autofree char *shown = g_filename_display_name (input->path);

      saliency_file = saliency_name (self, shown);
      out = g_build_filename (self->saliency_dir, saliency_file, NULL);
      options.overlay_path = out;
      options.colormap = self->colormap;
      options.opacity = self->opacity;
      /* The folder is synced once at the end of the run. */
      options.sync_folder = FALSE;
    }
  d = ls_pipeline_diagnose_file (self->choice, self->store, input->path, &options, NULL, &local);
  if (d == NULL)
    {
      if (g_error_matches (local, LS_DIAGNOSE_ERROR, LS_DIAGNOSE_ERROR_OUTPUT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      report_failure (self, input->path, local->message);
      return TRUE;
    }
  if (d->log_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&d->log_error));
      return FALSE;
    }
  clear_bar (self);
  ls_cli_warn_image (d);
  print_row (self, d->name, d->sha256, d->image, d->prediction, saliency_file, d->log_id);
  self->n_ok++;
  return TRUE;
}

static gboolean
predict_work (gpointer data,
              LsProgressFunc progress,
              gpointer progress_data,
              GCancellable *cancellable,
              GError **error)
{
  Predict *self = data;
  gboolean ok = TRUE;

  print_header (self);
  for (guint i = 0; i < self->inputs->len && ok; i++)
    {
      const Input *input = self->inputs->pdata[i];
      g_autofree char *base = g_path_get_basename (input->path);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      progress ((double) i / self->inputs->len, base, progress_data);
      ok = predict_one (self, input, error);
    }
  if (ok)
    progress (1.0, "done", progress_data);
  /* The overlays written so far are complete files; make their names
   * durable too, cancelled or not. */
  if (self->saliency_dir != NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!ls_png_sync_folder (self->saliency_dir, ok ? error : &local))
        ok = FALSE;
    }
  return ok;
}

static JsonNode *
model_node (const LsModelChoice *choice,
            LsStore *store)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const LsModel *model = choice->model;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, model->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, model->name);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, ls_model_source_to_string (choice->source));
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, choice->path);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int i = 0; i < model->n_classes; i++)
    json_builder_add_string_value (b, model->classes[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "temperature");
  json_builder_add_double_value (b, model->temperature);
  json_builder_set_member_name (b, "ood_threshold");
  if (model->ood != NULL && isfinite (model->ood->threshold))
    json_builder_add_double_value (b, model->ood->threshold);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "workspace");
  if (store != NULL && choice->log_id != NULL)
    json_builder_add_string_value (b, ls_store_get_path (store));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_json (Predict *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_array (self->predictions);
  json_builder_end_array (self->failures);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_value (b, model_node (self->choice, self->store));
  json_builder_set_member_name (b, "saliency");
  if (self->saliency_dir != NULL)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, ls_saliency_method_to_string (self->method));
      json_builder_set_member_name (b, "class");
      if (self->target_class >= 0)
        json_builder_add_string_value (b, self->choice->model->classes[self->target_class]);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "folder");
      json_builder_add_string_value (b, self->saliency_dir);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "predictions");
  json_builder_add_value (b, json_builder_get_root (self->predictions));
  json_builder_set_member_name (b, "failed");
  json_builder_add_value (b, json_builder_get_root (self->failures));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  ls_cli_print_json (root);
}

int
ls_cli_cmd_predict (const LsCliCommand *command,
                    LsCliGlobal *global,
                    int argc,
                    char **argv)
{
  gboolean json = FALSE, csv = FALSE, fast_decode = FALSE;
  g_autofree char *saliency_dir = NULL, *method_text = NULL, *class_text = NULL;
  g_autofree char *colormap_text = NULL;
  double opacity = LS_DIAGNOSE_DEFAULT_OPACITY;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, "Print CSV: a header row, one row per image", NULL },
    { "saliency", 0, 0, G_OPTION_ARG_FILENAME, &saliency_dir,
      "Write <name>-<method>.png overlays into DIR", "DIR" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method_text,
      "Saliency method: gradcam (default), gradient or smoothgrad", "METHOD" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &class_text,
      "Class the saliency map explains (default: the predicted one)", "NAME" },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_text,
      "Overlay colours: turbo (default), inferno, viridis or gray", "MAP" },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity, "Overlay opacity, 0 … 1 (default 0.45)", "F" },
    { "fast-decode", 0, 0, G_OPTION_ARG_NONE, &fast_decode,
      "Without --saliency: decode straight to the model's size (faster on large files; "
      "probabilities within about 0.01 of the whole image's)",
      NULL },
    { NULL }
  };
  g_autoptr (LsModelChoice) choice = NULL;
  g_autoptr (LsStore) store = NULL;
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) input_free);
  g_autoptr (GHashTable) used_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (JsonBuilder) predictions = NULL, failures = NULL;
  Predict self = { 0 };
  int code;

  if (!ls_cli_parse_options (command, entries, &argc, &argv, &code))
    return code;
  if (argc < 2)
    return ls_cli_usage_error (command, "no image or folder given");
  if (json && csv)
    return ls_cli_usage_error (command, "--json and --csv cannot be used together");
  self.method = LS_SALIENCY_GRADCAM;
  if (method_text != NULL && !ls_saliency_method_from_string (method_text, &self.method))
    return ls_cli_usage_error (command, "unknown saliency method “%s” (gradcam, gradient or smoothgrad)",
                               method_text);
  self.colormap = LS_DIAGNOSE_DEFAULT_COLORMAP;
  if (colormap_text != NULL && !ls_colormap_from_string (colormap_text, &self.colormap))
    return ls_cli_usage_error (command, "unknown colormap “%s” (turbo, inferno, viridis or gray)",
                               colormap_text);
  if (!(opacity >= 0 && opacity <= 1))
    return ls_cli_usage_error (command, "--opacity must be 0 … 1");
  if (saliency_dir == NULL && (method_text != NULL || class_text != NULL || colormap_text != NULL))
    return ls_cli_usage_error (command, "--method, --class and --colormap shape saliency maps: give "
                                        "--saliency DIR");

  choice = ls_cli_choose_model (command, global, &store, &code);
  if (choice == NULL)
    return code;
  self.target_class = -1;
  if (class_text != NULL)
    {
      self.target_class = ls_model_find_class (choice->model, class_text);
      if (self.target_class < 0)
        {
          g_autofree char *list = ls_model_class_list (choice->model);

          return ls_cli_usage_error (command, "unknown class “%s” (the model's classes: %s)",
                                     class_text, list);
        }
    }
  if (saliency_dir != NULL && self.method == LS_SALIENCY_GRADCAM &&
      ls_net_get_cam_layer (choice->model->net) < 0)
    return ls_cli_failure ("model %s has no Grad-CAM layer (cam=yes); use --method gradient",
                           choice->model->id);

  self.choice = choice;
  self.store = store;
  self.inputs = inputs;
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        walk (&self, argv[i]);
      else
        add_input (inputs, argv[i], NULL);
    }
  if (inputs->len == 0)
    return ls_cli_failure ("no image files (PNG, JPEG, WebP) in %s%s", argv[1],
                           argc > 2 ? " and the other paths" : "");
  if (saliency_dir != NULL && g_mkdir_with_parents (saliency_dir, 0755) != 0)
    return ls_cli_failure ("cannot create folder %s: %s", saliency_dir, g_strerror (errno));

  self.format = json ? FORMAT_JSON : csv ? FORMAT_CSV
                                         : FORMAT_TABLE;
  self.saliency_dir = saliency_dir;
  self.opacity = (float) opacity;
  self.fast_decode = fast_decode;
  self.tty = isatty (STDERR_FILENO);
  self.used_names = used_names;
  self.file_width = 4;
  for (guint i = 0; i < inputs->len; i++)
    {
      g_autofree char *shown = g_filename_display_name (((Input *) inputs->pdata[i])->path);

      self.file_width = MAX (self.file_width, (int) strlen (shown));
    }
  self.file_width = MIN (self.file_width, 60);
  if (json)
    {
      predictions = json_builder_new ();
      failures = json_builder_new ();
      json_builder_begin_array (predictions);
      json_builder_begin_array (failures);
      self.predictions = predictions;
      self.failures = failures;
    }

  code = ls_cli_run_work ("predict", predict_work, &self,
                          "the predictions printed are logged; no overlay is half-written");
  if (code != LS_EXIT_OK)
    return code;

  if (json)
    print_json (&self);
  else if (self.format == FORMAT_TABLE)
    {
      printf ("\n%u image%s, model %s (%s)%s. Not a diagnosis: Lungscope is not a medical "
              "device.\n",
              self.n_ok, self.n_ok == 1 ? "" : "s", choice->model->id,
              *choice->model->name ? choice->model->name : choice->path,
              choice->model->ood != NULL ? "; ! marks an image unlike the training data" : "");
    }
  if (self.n_skipped > 0)
    fprintf (stderr, "lungscope-cli predict: skipped %u file%s that are not radiograph images\n",
             self.n_skipped, self.n_skipped == 1 ? "" : "s");
  if (store != NULL && choice->log_id != NULL)
    fprintf (stderr, "lungscope-cli predict: %u prediction%s logged in %s with model %s\n",
             self.n_ok, self.n_ok == 1 ? "" : "s", ls_store_get_path (store), choice->log_id);
  if (self.n_failed > 0)
    return ls_cli_failure ("%u of %u image%s could not be predicted", self.n_failed,
                           inputs->len, inputs->len == 1 ? "" : "s");
  return LS_EXIT_OK;
}
