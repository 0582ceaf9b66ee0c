/* ls-window.c — the main window: gallery, viewer, diagnosis, previews
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-window-private.h"

#include "pipeline/model-info.h"
#include "report/report.h"

G_DEFINE_FINAL_TYPE (LsWindow, ls_window, ADW_TYPE_APPLICATION_WINDOW)

/* The filter drop-down: fixed entries around one "Labelled <class>" entry a
 * class. */
enum
{
  FILTER_ROW_ALL,
  FILTER_ROW_UNLABELLED,
  FILTER_ROW_FIRST_CLASS,
};

static const char *const method_names[] = { "gradcam", "gradient", "smoothgrad" };
static const char *const colormap_names[] = { "turbo", "inferno", "viridis", "gray" };
static const char *const window_presets[] = { "full", "lung", "soft", "bone" };

/* ---- messages ---- */

void
ls_window_show_toast (LsWindow *self,
                      const char *text)
{
  /* A toast's title is markup: a file name with "&" is text. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
ls_window_show_notice (LsWindow *self,
                       GtkMessageType type,
                       const char *text)
{
  if (text == NULL)
    {
      gtk_info_bar_set_revealed (self->notice_bar, FALSE);
      return;
    }
  gtk_info_bar_set_message_type (self->notice_bar, type);
  gtk_label_set_label (self->notice_label, text);
  gtk_info_bar_set_revealed (self->notice_bar, TRUE);
}

static void
main_page_cb (LsWindow *self)
{
  gboolean workspace = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "workspace") == 0;

  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, workspace);
  gtk_widget_set_visible (GTK_WIDGET (self->switcher_bar), workspace);
}

static void
notice_response_cb (GtkInfoBar *bar,
                    int response,
                    LsWindow *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

/* ---- drift: the info bar ---- */

static void drift_check (LsWindow *self);

static void
drift_cb (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  g_autoptr (LsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSessionMonitor) m = ls_session_monitor_finish (LS_SESSION (source), result, &error);

  self->drift_in_flight = FALSE;
  if (m == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("drift check: %s", error->message);
    }
  else if (LS_SESSION (source) == self->session)
    {
      self->drift_checks++;
      self->drift_state = m->report->drift.state;
      if (self->drift_state == LS_MONITOR_DRIFT_DETECTED)
        {
          g_autofree char *text = ls_monitor_drift_text (&m->report->drift);

          gtk_label_set_label (self->drift_label, text);
          gtk_info_bar_set_revealed (self->drift_bar, !self->drift_dismissed);
        }
      else
        {
          self->drift_dismissed = FALSE;
          gtk_info_bar_set_revealed (self->drift_bar, FALSE);
        }
    }
  if (self->drift_again && self->session != NULL)
    {
      self->drift_again = FALSE;
      drift_check (self);
    }
}

/* Computes the monitor's drift verdict in a worker, or once more after the
 * one in flight. */
static void
drift_check (LsWindow *self)
{
  if (self->session == NULL)
    return;
  if (self->drift_in_flight)
    {
      self->drift_again = TRUE;
      return;
    }
  self->drift_in_flight = TRUE;
  ls_session_monitor_async (self->session, NULL, self->cancellable, drift_cb, g_object_ref (self));
}

static gboolean
drift_timeout_cb (gpointer data)
{
  LsWindow *self = data;

  self->drift_timeout = 0;
  drift_check (self);
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "monitoring") == 0)
    ls_monitor_page_refresh (self->monitor_page);
  return G_SOURCE_REMOVE;
}

/* After a logged prediction: one check within two seconds, however many
 * predictions come meanwhile (a labeller goes through one a second). */
static void
drift_schedule (LsWindow *self)
{
  if (self->drift_timeout == 0)
    self->drift_timeout = g_timeout_add (2000, drift_timeout_cb, self);
}

static void
drift_response_cb (GtkInfoBar *bar,
                   int response,
                   LsWindow *self)
{
  if (response == GTK_RESPONSE_CLOSE)
    {
      self->drift_dismissed = TRUE;
      gtk_info_bar_set_revealed (bar, FALSE);
    }
}

LsMonitorDriftState
ls_window_get_drift_state (LsWindow *self,
                           guint *n_checks)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), LS_MONITOR_DRIFT_TOO_FEW);
  if (n_checks != NULL)
    *n_checks = self->drift_checks;
  return self->drift_state;
}

/* ---- the viewer's controls ---- */

void
ls_window_update_zoom_label (LsWindow *self)
{
  g_autofree char *text = NULL;

  if (ls_viewer_get_image (self->viewer) == NULL)
    text = g_strdup ("–");
  else
    text = g_strdup_printf ("%.0f %%", 100 * ls_viewer_get_zoom (self->viewer));
  gtk_button_set_label (self->zoom_button, text);
}

static void
viewer_zoom_cb (LsViewer *viewer,
                GParamSpec *pspec,
                LsWindow *self)
{
  ls_window_update_zoom_label (self);
}

LsDiagnoseOptions
ls_window_get_diagnose_options (LsWindow *self)
{
  LsDiagnoseOptions o;
  guint method = gtk_drop_down_get_selected (self->method_dropdown);
  guint klass = gtk_drop_down_get_selected (self->class_dropdown);

  ls_diagnose_options_init (&o);
  o.predict.saliency = TRUE;
  o.predict.method = method == 1 ? LS_SALIENCY_GRADIENT : method == 2 ? LS_SALIENCY_SMOOTHGRAD
                                                                      : LS_SALIENCY_GRADCAM;
  o.predict.target_class = klass == GTK_INVALID_LIST_POSITION || klass == 0 ? -1 : (int) klass - 1;
  /* The viewer stretches the map over the image and draws it no larger. */
  o.predict.saliency_max_side = LS_VIEWER_OVERLAY_MAX_SIDE;
  if (self->settings != NULL)
    o.predict.n_samples = g_settings_get_int (self->settings, "smoothgrad-samples");
  return o;
}

static void
saliency_choice_cb (GtkDropDown *dropdown,
                    GParamSpec *pspec,
                    LsWindow *self)
{
  if (self->updating_controls)
    return;
  if (self->settings != NULL && dropdown == self->method_dropdown)
    {
      guint m = gtk_drop_down_get_selected (dropdown);

      if (m < G_N_ELEMENTS (method_names))
        g_settings_set_string (self->settings, "saliency-method", method_names[m]);
    }
  /* The same image, another map: not logged again. */
  if (self->current_path != NULL || self->current_sha256 != NULL)
    ls_window_diagnose_file (self, NULL, NULL);
}

static void
colormap_cb (GtkDropDown *dropdown,
             GParamSpec *pspec,
             LsWindow *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);
  LsColormap map;

  if (i >= G_N_ELEMENTS (colormap_names) || !ls_colormap_from_string (colormap_names[i], &map))
    return;
  ls_viewer_set_colormap (self->viewer, map);
  ls_retrain_page_set_overlay_look (self->retrain_page, map,
                                    ls_viewer_get_overlay_opacity (self->viewer));
  if (self->settings != NULL && !self->updating_controls)
    g_settings_set_string (self->settings, "colormap", colormap_names[i]);
}

static void
opacity_cb (GtkAdjustment *adjustment,
            LsWindow *self)
{
  double v = gtk_adjustment_get_value (adjustment);

  ls_viewer_set_overlay_opacity (self->viewer, v);
  ls_retrain_page_set_overlay_look (self->retrain_page, ls_viewer_get_colormap (self->viewer), v);
  if (self->settings != NULL && !self->updating_controls)
    g_settings_set_double (self->settings, "overlay-opacity", v);
}

static void
overlay_visible_cb (LsViewer *viewer,
                    GParamSpec *pspec,
                    LsWindow *self)
{
  gboolean visible = ls_viewer_get_overlay_visible (viewer);

  if (self->settings != NULL && !self->updating_controls &&
      g_settings_get_boolean (self->settings, "overlay-visible") != visible)
    g_settings_set_boolean (self->settings, "overlay-visible", visible);
}

static void
window_preset_cb (GtkDropDown *dropdown,
                  GParamSpec *pspec,
                  LsWindow *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (i < G_N_ELEMENTS (window_presets) && !self->updating_controls)
    ls_viewer_set_window_preset (self->viewer, window_presets[i]);
}

static void
fill_class_dropdown (LsWindow *self)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);
  const LsModelChoice *choice = self->session ? ls_session_get_model (self->session) : NULL;

  gtk_string_list_append (list, _ ("Predicted class"));
  if (choice != NULL)
    for (int k = 0; k < choice->model->n_classes; k++)
      gtk_string_list_append (list, ls_application_class_name (choice->model->classes[k]));
  self->updating_controls = TRUE;
  gtk_drop_down_set_model (self->class_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  self->updating_controls = FALSE;
}

static void
fill_filter_dropdown (LsWindow *self)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);
  const char *const *classes = self->session ? ls_session_get_classes (self->session) : NULL;

  gtk_string_list_append (list, _ ("All images"));
  gtk_string_list_append (list, _ ("Unlabelled"));
  for (guint k = 0; classes != NULL && classes[k] != NULL; k++)
    {
      /* Translators: a gallery filter, "Labelled Pneumonia" */
      g_autofree char *text = g_strdup_printf (_ ("Labelled %s"),
                                               ls_application_class_name (classes[k]));

      gtk_string_list_append (list, text);
    }
  gtk_string_list_append (list, _ ("Model disagrees with label"));
  gtk_string_list_append (list, _ ("Uncertain"));
  gtk_string_list_append (list, _ ("Unlike training images"));
  self->updating_controls = TRUE;
  gtk_drop_down_set_model (self->filter_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->filter_dropdown, FILTER_ROW_ALL);
  self->updating_controls = FALSE;
}

static void
update_count (LsWindow *self)
{
  g_autofree char *text = NULL;
  guint shown, total;

  if (self->list == NULL)
    {
      gtk_label_set_label (self->count_label, "");
      return;
    }
  shown = ls_image_list_get_n_items (self->list);
  total = ls_image_list_get_n_total (self->list);
  if (shown == total)
    text = g_strdup_printf (ngettext ("%u image", "%u images", total), total);
  else
    text = g_strdup_printf (ngettext ("%u of %u image", "%u of %u images", total), shown, total);
  gtk_label_set_label (self->count_label, text);
}

static void
filter_cb (GtkDropDown *dropdown,
           GParamSpec *pspec,
           LsWindow *self)
{
  guint row = gtk_drop_down_get_selected (dropdown);
  guint n_classes;

  if (self->list == NULL || row == GTK_INVALID_LIST_POSITION || self->updating_controls)
    return;
  n_classes = ls_image_list_get_n_classes (self->list);
  if (n_classes == 0 && row >= FILTER_ROW_FIRST_CLASS)
    return;
  if (row == FILTER_ROW_ALL)
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_ALL, -1);
  else if (row == FILTER_ROW_UNLABELLED)
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_UNLABELLED, -1);
  else if (row < FILTER_ROW_FIRST_CLASS + n_classes)
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_LABEL, (int) (row - FILTER_ROW_FIRST_CLASS));
  else if (row == FILTER_ROW_FIRST_CLASS + n_classes)
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_DISAGREES, -1);
  else if (row == FILTER_ROW_FIRST_CLASS + n_classes + 1)
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_UNCERTAIN, -1);
  else
    ls_image_list_set_filter (self->list, LS_IMAGE_FILTER_OOD, -1);
  update_count (self);
}

static void
sort_cb (GtkDropDown *dropdown,
         GParamSpec *pspec,
         LsWindow *self)
{
  guint row = gtk_drop_down_get_selected (dropdown);

  if (self->list == NULL || self->updating_controls)
    return;
  ls_image_list_set_sort (self->list, row == 1   ? LS_IMAGE_SORT_ADDED
                                      : row == 2 ? LS_IMAGE_SORT_UNCERTAINTY
                                                 : LS_IMAGE_SORT_NAME);
}

static void
search_cb (GtkSearchEntry *entry,
           LsWindow *self)
{
  if (self->list == NULL)
    return;
  ls_image_list_set_search (self->list, gtk_editable_get_text (GTK_EDITABLE (entry)));
  update_count (self);
}

/* A review queue replaces the filter and the order while it is chosen. */
static void
queue_changed_cb (LsWindow *self)
{
  gboolean no_queue = ls_queue_bar_get_queue (self->queue_bar) == LS_QUEUE_BAR_NONE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_dropdown), no_queue);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sort_dropdown), no_queue);
  update_count (self);
}

static void
list_items_changed_cb (GListModel *model,
                       guint position,
                       guint removed,
                       guint added,
                       LsWindow *self)
{
  update_count (self);
}

/* ---- diagnosing ---- */

typedef struct
{
  LsWindow *self; /* a reference */
  guint serial;
  gboolean new_image;   /* a new image, not another map of the same */
  gboolean image_shown; /* the viewer has it, from decoded_cb() */
} DiagnoseCall;

/* The viewer gets the image as a radiologist sees it. A DICOM file comes
 * from the session over its full value range (ls_session_diagnose_async
 * with keep_values), so its own window becomes the viewer's default and
 * window/level can reach values outside it. Other images: as decoded. */
static void
set_viewer_image (LsWindow *self,
                  LsImage *image)
{
  const LsDicomFacts *f = image->dicom;
  double range, center, width;

  ls_viewer_set_image (self->viewer, image);
  if (f == NULL || f->window_source == LS_WINDOW_SOURCE_NONE || f->value_max <= f->value_min)
    return;
  range = f->value_max - f->value_min;
  center = (f->window_center - f->value_min) / range;
  if (f->monochrome1)
    center = 1.0 - center;
  center = CLAMP (center, 0.0, 1.0);
  width = CLAMP (f->window_width / range, 1e-4, 1.0);
  ls_viewer_set_default_window (self->viewer, center, width);
  ls_viewer_set_window_center (self->viewer, center);
  ls_viewer_set_window_width (self->viewer, width);
}

static void
diagnose_call_free (DiagnoseCall *call)
{
  g_object_unref (call->self);
  g_free (call);
}

static void
early_cb (const LsPrediction *prediction,
          gpointer user_data)
{
  DiagnoseCall *call = user_data;
  LsWindow *self = call->self;

  if (call->serial != self->diagnose_serial || !call->new_image)
    return;
  ls_diagnosis_panel_show_probabilities (self->diagnosis_panel, self->current_name, prediction);
  self->probabilities_ms = (g_get_monotonic_time () - self->request_time) / 1000.0;
}

/* The decoded image while the model runs on it: the viewer prepares it
 * meanwhile. */
static void
decoded_cb (LsImage *image,
            gpointer user_data)
{
  DiagnoseCall *call = user_data;
  LsWindow *self = call->self;

  if (call->serial != self->diagnose_serial || !call->new_image)
    {
      ls_image_free (image);
      return;
    }
  set_viewer_image (self, image);
  gtk_widget_set_visible (GTK_WIDGET (self->viewer_empty), FALSE);
  call->image_shown = TRUE;
}

static void
diagnose_cb (GObject *source,
             GAsyncResult *result,
             gpointer user_data)
{
  DiagnoseCall *call = user_data;
  LsWindow *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsDiagnosis) d = ls_session_diagnose_finish (LS_SESSION (source), result, &error);
  const LsPrediction *p;

  if (call->serial != self->diagnose_serial ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      diagnose_call_free (call);
      return;
    }
  g_clear_object (&self->diagnose_cancellable);
  if (d == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s", error->message);

      if (call->new_image)
        {
          ls_diagnosis_panel_show_error (self->diagnosis_panel, text);
          ls_viewer_set_image (self->viewer, NULL);
          gtk_widget_set_visible (GTK_WIDGET (self->viewer_empty), TRUE);
          g_clear_pointer (&self->current_path, g_free);
        }
      ls_window_show_toast (self, text);
      ls_window_update_actions (self);
      diagnose_call_free (call);
      return;
    }
  p = d->prediction;
  if (call->new_image && d->image != NULL && d->image->dicom != NULL)
    {
      /* Not a radiograph modality, a lateral view: said once. */
      g_autofree char *warning = ls_dicom_facts_warning (d->image->dicom, self->current_name);

      if (warning != NULL)
        ls_window_show_toast (self, warning);
    }
  if (call->new_image)
    {
      /* A workspace image is known by its hash until its file is found. */
      g_free (self->current_path);
      self->current_path = g_strdup (d->path);
      if (!call->image_shown)
        set_viewer_image (self, g_steal_pointer (&d->image));
      gtk_widget_set_visible (GTK_WIDGET (self->viewer_empty), FALSE);
      ls_previews_page_set_file (self->previews_page, d->path);
      if (self->probabilities_ms != self->probabilities_ms)
        self->probabilities_ms = (g_get_monotonic_time () - self->request_time) / 1000.0;
    }
  ls_viewer_set_overlay (self->viewer, p->saliency, p->saliency_width, p->saliency_height);
  ls_diagnosis_panel_show_diagnosis (self->diagnosis_panel, self->current_name, d);
  ls_window_update_zoom_label (self);
  self->overlay_ms = (g_get_monotonic_time () - self->request_time) / 1000.0;
  if (d->log_error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("The prediction was not logged: %s"),
                                               d->log_error->message);

      ls_window_show_notice (self, GTK_MESSAGE_ERROR, text);
    }
  if (d->log_id > 0)
    drift_schedule (self);
  if (d->log_id > 0 && self->list != NULL && self->current_sha256 != NULL)
    {
      ls_image_list_reload_item (self->list, self->current_sha256);
      /* A new prediction can move the image between queues. */
      ls_queue_bar_refresh (self->queue_bar);
    }
  ls_window_update_actions (self);
  diagnose_call_free (call);
}

/* Diagnoses @path (a file), or @sha256 (a workspace image); both NULL:
 * the image on screen again with the current saliency choices, not
 * logged. */
void
ls_window_diagnose_file (LsWindow *self,
                         const char *path,
                         const char *sha256)
{
  DiagnoseCall *call;
  LsDiagnoseOptions options = ls_window_get_diagnose_options (self);
  gboolean again = path == NULL && sha256 == NULL;

  if (self->session == NULL)
    return;
  if (again && self->current_path == NULL && self->current_sha256 == NULL)
    return;
  if (self->diagnose_cancellable != NULL)
    g_cancellable_cancel (self->diagnose_cancellable);
  g_clear_object (&self->diagnose_cancellable);
  self->diagnose_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->diagnose_cancellable, G_CONNECT_SWAPPED);
  call = g_new0 (DiagnoseCall, 1);
  call->self = g_object_ref (self);
  call->serial = ++self->diagnose_serial;
  call->new_image = !again;
  if (again)
    {
      options.log = FALSE;
      path = self->current_path;
      sha256 = self->current_sha256;
    }
  else
    {
      g_autofree char *name = NULL;

      /* A new image for the viewer: a DICOM file with all its values. */
      options.keep_values = TRUE;
      self->request_time = g_get_monotonic_time ();
      self->probabilities_ms = NAN;
      self->overlay_ms = NAN;
      g_free (self->current_path);
      self->current_path = g_strdup (path);
      g_free (self->current_sha256);
      self->current_sha256 = g_strdup (sha256);
      g_free (self->current_name);
      self->current_name = NULL;
      if (path != NULL)
        {
          name = g_path_get_basename (path);
          self->current_name = g_filename_display_name (name);
          /* A file, not a gallery image: the gallery's selection goes, or
           * a change of its list would bring the old image back. */
          if (sha256 == NULL)
            {
              self->updating_selection = TRUE;
              ls_gallery_set_selected_sha256 (self->gallery, NULL);
              self->updating_selection = FALSE;
            }
        }
      else if (self->list != NULL)
        {
          LsImageItem *item = ls_image_list_lookup (self->list, sha256);

          if (item != NULL)
            self->current_name = g_strdup (ls_image_item_get_name (item));
        }
      ls_label_bar_set_image (self->label_bar, path != NULL ? path : sha256, sha256 != NULL);
      if (sha256 != NULL)
        ls_window_refresh_label (self);
    }
  ls_session_diagnose_async (self->session, path, path == NULL ? sha256 : NULL, &options,
                             call->new_image ? early_cb : NULL, call->new_image ? decoded_cb : NULL,
                             call, self->diagnose_cancellable,
                             diagnose_cb, call);
  ls_window_update_actions (self);
}

static void
selected_cb (LsGallery *gallery,
             GParamSpec *pspec,
             LsWindow *self)
{
  const char *sha256 = ls_gallery_get_selected_sha256 (gallery);

  if (self->updating_selection || sha256 == NULL || g_strcmp0 (sha256, self->current_sha256) == 0)
    return;
  ls_window_diagnose_file (self, NULL, sha256);
}

/* ---- importing ---- */

typedef struct
{
  LsWindow *self;
  char *select_path; /* diagnosed already: select its image once imported */
} ImportCall;

static void
import_progress_cb (double fraction,
                    const char *message,
                    gpointer user_data)
{
  LsWindow *self = user_data;

  gtk_progress_bar_set_fraction (self->import_bar, CLAMP (fraction, 0, 1));
  if (message != NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("Importing: %s"), message);

      gtk_label_set_label (self->import_label, text);
    }
}

/* A load or an update of the gallery's list finished. */
static void
list_changed_cb (GObject *source,
                 GAsyncResult *result,
                 gpointer user_data)
{
  g_autoptr (LsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  LsImageList *list = LS_IMAGE_LIST (source);
  gboolean ok = g_async_result_is_tagged (result, ls_image_list_load_async)
                    ? ls_image_list_load_finish (list, result, &error)
                    : ls_image_list_update_finish (list, result, &error);

  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ls_window_show_toast (self, error->message);
      return;
    }
  update_count (self);
  if (self->current_sha256 != NULL)
    ls_gallery_set_selected_sha256 (self->gallery, self->current_sha256);
}

static void
import_cb (GObject *source,
           GAsyncResult *result,
           gpointer user_data)
{
  ImportCall *call = user_data;
  LsWindow *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSessionImport) import = ls_session_import_finish (LS_SESSION (source), result, &error);
  g_autofree char *text = NULL;

  g_clear_object (&self->import_cancellable);
  gtk_revealer_set_reveal_child (self->import_revealer, FALSE);
  if (import == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ls_window_show_notice (self, GTK_MESSAGE_ERROR, error->message);
    }
  else
    {
      if (import->cancelled)
        text = g_strdup_printf (ngettext ("Import cancelled: %u image was added before.",
                                          "Import cancelled: %u images were added before.",
                                          import->added),
                                import->added);
      else if (import->added > 0)
        text = g_strdup_printf (ngettext ("%u image added to the workspace",
                                          "%u images added to the workspace", import->added),
                                import->added);
      if (text != NULL)
        ls_window_show_toast (self, text);
      if (import->failures != NULL)
        {
          g_autofree char *notice = g_strdup_printf (ngettext ("%u file could not be read:\n%s",
                                                               "%u files could not be read:\n%s",
                                                               import->n_failed),
                                                     import->n_failed, import->failures);

          ls_window_show_notice (self, GTK_MESSAGE_WARNING, notice);
        }
      if (call->select_path != NULL && g_strcmp0 (call->select_path, self->current_path) == 0 &&
          import->sha256 != NULL && import->sha256[0] != NULL)
        {
          g_free (self->current_sha256);
          self->current_sha256 = g_strdup (import->sha256[0]);
          ls_label_bar_set_image (self->label_bar, self->current_sha256, TRUE);
          ls_window_refresh_label (self);
        }
      if (import->added > 0)
        ls_queue_bar_refresh (self->queue_bar);
      if (self->list != NULL)
        {
          /* The files given are updated; a folder's many new images are
           * read with the whole list. */
          if (import->sha256 != NULL && import->sha256[0] != NULL && import->added <= 1000)
            ls_image_list_update_async (self->list, (const char *const *) import->sha256,
                                        self->cancellable, list_changed_cb, g_object_ref (self));
          if (import->added > g_strv_length (import->sha256) && import->added <= 1000)
            ls_image_list_load_async (self->list, ls_session_get_path (self->session),
                                      self->cancellable, list_changed_cb, g_object_ref (self));
          if (import->added > 1000)
            ls_image_list_load_async (self->list, ls_session_get_path (self->session),
                                      self->cancellable, list_changed_cb, g_object_ref (self));
        }
    }
  ls_window_update_actions (self);
  g_object_unref (call->self);
  g_free (call->select_path);
  g_free (call);
}

void
ls_window_import (LsWindow *self,
                  const char *const *paths,
                  const char *select_path)
{
  ImportCall *call;

  if (self->session == NULL || paths == NULL || paths[0] == NULL)
    return;
  if (ls_session_is_read_only (self->session))
    {
      g_autofree char *text = g_strdup_printf (_ ("This workspace is read-only (%s): the files are "
                                                  "diagnosed but not added."),
                                               ls_session_get_read_only_reason (self->session)
                                                   ? ls_session_get_read_only_reason (self->session)
                                                   : _ ("no permission"));

      ls_window_show_notice (self, GTK_MESSAGE_WARNING, text);
      return;
    }
  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  g_clear_object (&self->import_cancellable);
  self->import_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->import_cancellable, G_CONNECT_SWAPPED);
  gtk_progress_bar_set_fraction (self->import_bar, 0);
  gtk_label_set_label (self->import_label, _ ("Importing…"));
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
  call = g_new0 (ImportCall, 1);
  call->self = g_object_ref (self);
  call->select_path = g_strdup (select_path);
  ls_session_import_async (self->session, paths, import_progress_cb, self, self->import_cancellable,
                           import_cb, call);
  ls_window_update_actions (self);
}

/* ---- labels ---- */

typedef struct
{
  LsWindow *self;
  LsSessionLabelOp op;
  char *next_sha256; /* where the queue goes on, or NULL */
} LabelCall;

static void
label_call_free (LabelCall *call)
{
  call->self->labels_in_flight--;
  g_object_unref (call->self);
  g_free (call->next_sha256);
  g_free (call);
}

static void
label_cb (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  LabelCall *call = user_data;
  LsWindow *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSessionLabel) label = ls_session_label_finish (LS_SESSION (source), result, &error);
  const char *sha256;

  if (label == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (call->op != LS_SESSION_LABEL_SET && error->domain == LS_STORE_ERROR &&
              error->code == LS_STORE_ERROR_NOTHING_TO_UNDO)
            ls_window_show_toast (self, error->message);
          else
            ls_window_show_notice (self, GTK_MESSAGE_ERROR, error->message);
          /* What the store has, not what was asked. */
          ls_window_refresh_label (self);
        }
      label_call_free (call);
      return;
    }
  self->can_undo = label->can_undo;
  self->can_redo = label->can_redo;
  sha256 = label->event != NULL ? label->event->sha256 : self->current_sha256;
  if (g_strcmp0 (sha256, self->current_sha256) == 0)
    ls_label_bar_set_history (self->label_bar, label->history);
  if (sha256 != NULL && self->list != NULL)
    ls_image_list_reload_item (self->list, sha256);
  if (label->event != NULL)
    {
      ls_retrain_page_refresh (self->retrain_page);
      ls_queue_bar_refresh (self->queue_bar);
    }
  if (call->op != LS_SESSION_LABEL_SET && label->event != NULL)
    {
      const LsLabelEvent *e = label->event;
      g_autofree char *text = g_strdup_printf (
          call->op == LS_SESSION_LABEL_UNDO ? _ ("Undone: %s is %s again") : _ ("Redone: %s is %s"),
          self->list && ls_image_list_lookup (self->list, e->sha256)
              ? ls_image_item_get_name (ls_image_list_lookup (self->list, e->sha256))
              : e->sha256,
          e->new_label ? ls_application_class_name (e->new_label) : _ ("unlabelled"));

      ls_window_show_toast (self, text);
      /* Show the image whose label changed. */
      if (g_strcmp0 (e->sha256, self->current_sha256) != 0)
        ls_gallery_set_selected_sha256 (self->gallery, e->sha256);
    }
  if (call->op == LS_SESSION_LABEL_SET && call->next_sha256 != NULL)
    ls_gallery_set_selected_sha256 (self->gallery, call->next_sha256);
  ls_window_update_actions (self);
  label_call_free (call);
}

void
ls_window_refresh_label (LsWindow *self)
{
  LabelCall *call;

  if (self->session == NULL)
    return;
  call = g_new0 (LabelCall, 1);
  call->self = g_object_ref (self);
  self->labels_in_flight++;
  call->op = LS_SESSION_LABEL_SET;
  ls_session_label_history_async (self->session, self->current_sha256, self->cancellable, label_cb,
                                  call);
}

/* The image after the current one in the gallery's list, or NULL. */
static char *
next_in_queue (LsWindow *self)
{
  guint n, pos;
  g_autoptr (LsImageItem) item = NULL;

  if (self->list == NULL || self->current_sha256 == NULL)
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  pos = ls_image_list_find (self->list, self->current_sha256);
  if (pos == GTK_INVALID_LIST_POSITION || pos + 1 >= n)
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->list), pos + 1);
  return g_strdup (ls_image_item_get_sha256 (item));
}

void
ls_window_set_label (LsWindow *self,
                     int class_index)
{
  const char *const *classes;
  const char *label = NULL;
  LabelCall *call;

  if (self->session == NULL)
    return;
  if (self->current_sha256 == NULL)
    {
      ls_window_show_toast (self, _ ("This image is not in the workspace yet"));
      return;
    }
  classes = ls_session_get_classes (self->session);
  if (class_index >= 0)
    {
      if (class_index >= (int) g_strv_length ((char **) classes))
        return;
      label = classes[class_index];
    }
  call = g_new0 (LabelCall, 1);
  call->self = g_object_ref (self);
  self->labels_in_flight++;
  call->op = LS_SESSION_LABEL_SET;
  call->next_sha256 = next_in_queue (self);
  ls_label_bar_set_saving (self->label_bar, label);
  ls_session_label_async (self->session, LS_SESSION_LABEL_SET, self->current_sha256, label,
                          ls_label_bar_get_note (self->label_bar), self->cancellable, label_cb,
                          call);
  ls_label_bar_clear_note (self->label_bar);
}

void
ls_window_undo_label (LsWindow *self,
                      gboolean redo)
{
  LabelCall *call;

  if (self->session == NULL)
    return;
  call = g_new0 (LabelCall, 1);
  call->self = g_object_ref (self);
  self->labels_in_flight++;
  call->op = redo ? LS_SESSION_LABEL_REDO : LS_SESSION_LABEL_UNDO;
  ls_session_label_async (self->session, call->op, NULL, NULL, NULL, self->cancellable, label_cb,
                          call);
}

/* ---- the workspace ---- */

void
ls_window_add_recent (LsWindow *self,
                      const char *path)
{
  g_auto (GStrv) old = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) recent = NULL;
  guint limit, n = 1;

  if (self->settings == NULL)
    return;
  g_settings_set_string (self->settings, "last-workspace", path);
  old = g_settings_get_strv (self->settings, "recent-workspaces");
  limit = g_settings_get_uint (self->settings, "recent-workspaces-limit");
  if (limit > 0)
    g_strv_builder_add (b, path);
  for (guint i = 0; old[i] != NULL && n < limit; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (b, old[i]);
        n++;
      }
  recent = g_strv_builder_end (b);
  g_settings_set_strv (self->settings, "recent-workspaces", (const char *const *) recent);
}

static void
fill_recent_menu (LsWindow *self)
{
  g_auto (GStrv) recent = NULL;

  g_menu_remove_all (self->recent_section);
  if (self->settings == NULL)
    return;
  recent = g_settings_get_strv (self->settings, "recent-workspaces");
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (recent[i]);
      g_autoptr (GMenuItem) item = g_menu_item_new (base, NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (self->recent_section, item);
    }
}

/* The recent workspaces cut to the limit's length (a lower limit set in
 * Preferences). */
static void
trim_recent (LsWindow *self)
{
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-workspaces");
  guint limit = g_settings_get_uint (self->settings, "recent-workspaces-limit");

  if (g_strv_length (recent) <= limit)
    return;
  for (guint i = limit; recent[i] != NULL; i++)
    g_clear_pointer (&recent[i], g_free);
  g_settings_set_strv (self->settings, "recent-workspaces", (const char *const *) recent);
}

/* One overlay setting into its control and the viewer. With @quiet (at
 * start) the image on screen keeps its map; otherwise a new method means
 * a new map, as when it is chosen in the window. */
static void
apply_overlay_setting (LsWindow *self,
                       const char *key,
                       gboolean quiet)
{
  gboolean was_updating = self->updating_controls;

  self->updating_controls = quiet;
  if (g_str_equal (key, "saliency-method") || g_str_equal (key, "colormap"))
    {
      gboolean method = g_str_equal (key, "saliency-method");
      const char *const *names = method ? method_names : colormap_names;
      guint n = method ? G_N_ELEMENTS (method_names) : G_N_ELEMENTS (colormap_names);
      g_autofree char *value = g_settings_get_string (self->settings, key);

      for (guint i = 0; i < n; i++)
        if (g_str_equal (value, names[i]))
          gtk_drop_down_set_selected (method ? self->method_dropdown : self->colormap_dropdown, i);
    }
  else if (g_str_equal (key, "overlay-opacity"))
    gtk_adjustment_set_value (self->opacity_adjustment, g_settings_get_double (self->settings, key));
  else if (g_str_equal (key, "overlay-visible"))
    ls_viewer_set_overlay_visible (self->viewer, g_settings_get_boolean (self->settings, key));
  self->updating_controls = was_updating;
}

/* A setting changed, here or in Preferences: it takes effect at once. */
static void
settings_changed_cb (GSettings *settings,
                     const char *key,
                     LsWindow *self)
{
  if (g_str_equal (key, "recent-workspaces"))
    fill_recent_menu (self);
  else if (g_str_equal (key, "recent-workspaces-limit"))
    trim_recent (self);
  else if (g_str_equal (key, "saliency-method") || g_str_equal (key, "colormap") ||
           g_str_equal (key, "overlay-opacity") || g_str_equal (key, "overlay-visible"))
    apply_overlay_setting (self, key, FALSE);
  else if (g_str_equal (key, "engine-threads") && self->session != NULL)
    ls_session_set_threads (self->session, g_settings_get_int (settings, key));
  else if (g_str_equal (key, "smoothgrad-samples") &&
           gtk_drop_down_get_selected (self->method_dropdown) == LS_SALIENCY_SMOOTHGRAD &&
           (self->current_path != NULL || self->current_sha256 != NULL))
    /* The same image, a map from more or fewer copies: not logged again. */
    ls_window_diagnose_file (self, NULL, NULL);
}

static void
list_load_cb (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  g_autoptr (LsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ls_image_list_load_finish (LS_IMAGE_LIST (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ls_window_show_notice (self, GTK_MESSAGE_ERROR, error->message);
      return;
    }
  update_count (self);
}

static void
take_pending_files (LsWindow *self)
{
  g_autoptr (GPtrArray) files = g_steal_pointer (&self->pending_files);

  if (files != NULL && files->len > 0)
    ls_window_take_files (self, (GFile **) files->pdata, files->len);
}

static void
set_session (LsWindow *self,
             LsSession *session)
{
  const LsModelChoice *choice;
  g_autofree char *synthetic = NULL;
  GString *notice = g_string_new (NULL);

  g_set_object (&self->session, session);
  if (self->settings != NULL)
    ls_session_set_threads (session, g_settings_get_int (self->settings, "engine-threads"));
  g_clear_pointer (&self->current_path, g_free);
  g_clear_pointer (&self->current_sha256, g_free);
  ls_viewer_set_image (self->viewer, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->viewer_empty), TRUE);
  choice = ls_session_get_model (session);
  ls_diagnosis_panel_set_model (self->diagnosis_panel, choice);
  ls_previews_page_set_session (self->previews_page, session);
  ls_retrain_page_set_session (self->retrain_page, session);
  ls_history_page_set_session (self->history_page, session);
  ls_monitor_page_set_session (self->monitor_page, session);
  self->drift_state = LS_MONITOR_DRIFT_TOO_FEW;
  self->drift_dismissed = FALSE;
  gtk_info_bar_set_revealed (self->drift_bar, FALSE);
  drift_check (self);
  fill_class_dropdown (self);
  fill_filter_dropdown (self);
  ls_label_bar_set_classes (self->label_bar, ls_session_get_classes (session));
  ls_label_bar_set_image (self->label_bar, NULL, FALSE);
  adw_view_switcher_title_set_title (self->switcher_title, ls_session_get_title (session));
  adw_view_switcher_title_set_subtitle (self->switcher_title,
                                        choice == NULL         ? _ ("No model")
                                        : *choice->model->name ? choice->model->name
                                                               : choice->model->id);
  gtk_window_set_title (GTK_WINDOW (self), ls_session_get_title (session));

  /* The info bar stays while a synthetic model is active. */
  if (choice != NULL)
    {
      synthetic = g_strdup_printf (_ ("The active model, %s, was trained on synthetic images only. "
                                      "It shows how Lungscope works; it is not for diagnosis."),
                                   *choice->model->name ? choice->model->name : choice->model->id);
      gtk_label_set_label (self->synthetic_label, synthetic);
    }
  gtk_info_bar_set_revealed (self->synthetic_bar, ls_session_is_synthetic_model (session));

  if (ls_session_is_read_only (session))
    g_string_append_printf (notice, _ ("This workspace is read-only (%s): it can be browsed and "
                                       "diagnosed, but nothing is added or logged."),
                            ls_session_get_read_only_reason (session)
                                ? ls_session_get_read_only_reason (session)
                                : _ ("no permission"));
  if (ls_session_get_open_notice (session) != NULL)
    g_string_append_printf (notice, "%s%s", notice->len ? " " : "",
                            ls_session_get_open_notice (session));
  if (ls_session_get_model_notice (session) != NULL &&
      (!ls_session_is_read_only (session) || choice == NULL))
    g_string_append_printf (notice, "%s%s", notice->len ? " " : "",
                            ls_session_get_model_notice (session));
  ls_window_show_notice (self, ls_session_is_read_only (session) ? GTK_MESSAGE_WARNING : GTK_MESSAGE_INFO,
                         notice->len ? notice->str : NULL);
  g_string_free (notice, TRUE);

  ls_gallery_set_list (self->gallery, NULL);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_clear_object (&self->list);
  self->list = ls_image_list_new ();
  g_signal_connect_object (self->list, "items-changed", G_CALLBACK (list_items_changed_cb), self, 0);
  ls_gallery_set_list (self->gallery, self->list);
  ls_queue_bar_set_workspace (self->queue_bar, session, self->list);
  ls_image_list_load_async (self->list, ls_session_get_path (session), self->cancellable,
                            list_load_cb, g_object_ref (self));
  gtk_stack_set_visible_child_name (self->main_stack, "workspace");
  ls_window_add_recent (self, ls_session_get_path (session));
  ls_window_update_actions (self);
  take_pending_files (self);
}

static void
open_cb (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  g_autoptr (LsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsSession) session = ls_session_open_finish (result, &error);

  if (session == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      ls_window_show_notice (self, GTK_MESSAGE_ERROR, error->message);
      if (self->session == NULL)
        gtk_stack_set_visible_child_name (self->main_stack, "welcome");
      ls_window_update_actions (self);
      return;
    }
  set_session (self, session);
}

void
ls_window_open_workspace (LsWindow *self,
                          const char *path,
                          gboolean create)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  ls_session_open_async (path, create ? LS_SESSION_OPEN_CREATE : LS_SESSION_OPEN_DEFAULT,
                         self->cancellable, open_cb, g_object_ref (self));
}

static void
demo_progress_cb (double fraction,
                  const char *message,
                  gpointer user_data)
{
  LsWindow *self = user_data;

  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  if (message != NULL)
    gtk_label_set_label (self->progress_label, message);
}

typedef struct
{
  LsWindow *self;
  char *path;
} DemoCall;

static void
demo_cb (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  DemoCall *call = user_data;
  LsWindow *self = call->self;
  g_autoptr (GError) error = NULL;

  g_clear_object (&self->progress_cancellable);
  if (!ls_create_demo_workspace_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ls_window_show_notice (self, GTK_MESSAGE_ERROR, error->message);
      gtk_stack_set_visible_child_name (self->main_stack, "welcome");
    }
  else
    ls_window_open_workspace (self, call->path, FALSE);
  ls_window_update_actions (self);
  g_object_unref (call->self);
  g_free (call->path);
  g_free (call);
}

void
ls_window_create_demo (LsWindow *self,
                       const char *path)
{
  DemoCall *call = g_new0 (DemoCall, 1);

  g_return_if_fail (LS_IS_WINDOW (self));

  call->self = g_object_ref (self);
  call->path = g_strdup (path);
  self->progress_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->progress_cancellable, G_CONNECT_SWAPPED);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _ ("Drawing synthetic chest films…"));
  gtk_stack_set_visible_child_name (self->main_stack, "progress");
  ls_create_demo_workspace_async (path, 100, demo_progress_cb, self, self->progress_cancellable,
                                  demo_cb, call);
  ls_window_update_actions (self);
}

void
ls_window_open_files (LsWindow *self,
                      GFile **files,
                      guint n_files)
{
  g_return_if_fail (LS_IS_WINDOW (self));

  if (self->session == NULL)
    {
      /* The workspace is still opening: after it. */
      if (self->pending_files == NULL)
        self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < n_files; i++)
        g_ptr_array_add (self->pending_files, g_object_ref (files[i]));
      return;
    }
  ls_window_take_files (self, files, n_files);
}

LsSession *
ls_window_get_session (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);
  return self->session;
}

const char *
ls_window_get_current_path (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), NULL);
  return self->current_path;
}

gboolean
ls_window_is_busy (LsWindow *self)
{
  g_return_val_if_fail (LS_IS_WINDOW (self), FALSE);
  return self->diagnose_cancellable != NULL || self->import_cancellable != NULL ||
         self->labels_in_flight > 0 || ls_retrain_page_is_busy (self->retrain_page) ||
         self->progress_cancellable != NULL ||
         (self->list != NULL && ls_image_list_get_loading (self->list));
}

void
ls_window_get_last_timings (LsWindow *self,
                            double *probabilities_ms,
                            double *overlay_ms)
{
  *probabilities_ms = self->probabilities_ms;
  *overlay_ms = self->overlay_ms;
}

/* ---- the window ---- */

/* Accept made another model active: the workspace again, with it. */
static void
model_changed_cb (LsWindow *self)
{
  if (self->session != NULL)
    ls_window_open_workspace (self, ls_session_get_path (self->session), FALSE);
  ls_window_show_toast (self, _ ("The new model is active"));
}

/* Make Active on the history page: the workspace again, with that model. */
static void
history_model_changed_cb (LsWindow *self,
                          const char *id)
{
  g_autofree char *text = g_strdup_printf (_ ("Model %s is active"), id);

  if (self->session != NULL)
    ls_window_open_workspace (self, ls_session_get_path (self->session), FALSE);
  ls_window_show_toast (self, text);
}

/* A retraining ended, or its child was accepted or discarded. */
static void
retrain_models_changed_cb (LsWindow *self)
{
  ls_history_page_set_run_in_progress (self->history_page, ls_retrain_page_is_busy (self->retrain_page));
  ls_history_page_refresh (self->history_page);
}

static void
visible_page_cb (LsWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (name, "history") == 0)
    retrain_models_changed_cb (self);
  else if (g_strcmp0 (name, "monitoring") == 0)
    ls_monitor_page_refresh (self->monitor_page);
}

/* Arrow keys over the viewer move through the gallery (in the gallery the
 * grid moves itself). */
static gboolean
viewer_key_cb (GtkEventControllerKey *controller,
               guint keyval,
               guint keycode,
               GdkModifierType state,
               LsWindow *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_Up:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.previous-image", NULL);
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_Down:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.next-image", NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
restore_settings (LsWindow *self)
{
  const char *overlay_keys[] = { "saliency-method", "colormap", "overlay-opacity", "overlay-visible" };

  if (self->settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  for (guint i = 0; i < G_N_ELEMENTS (overlay_keys); i++)
    apply_overlay_setting (self, overlay_keys[i], TRUE);
}

static gboolean
ls_window_close_request (GtkWindow *window)
{
  LsWindow *self = LS_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", MAX (width, 360));
      g_settings_set_int (self->settings, "window-height", MAX (height, 294));
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      g_settings_set_boolean (self->settings, "overlay-visible",
                              ls_viewer_get_overlay_visible (self->viewer));
    }
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (ls_window_parent_class)->close_request (window);
}

static void
ls_window_dispose (GObject *object)
{
  LsWindow *self = LS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->train_dialog != NULL)
    {
      GtkWindow *dialog = self->train_dialog;

      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->train_dialog);
      self->train_dialog = NULL;
      gtk_window_destroy (dialog);
    }
  g_clear_handle_id (&self->drift_timeout, g_source_remove);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->gallery != NULL)
    ls_gallery_set_list (self->gallery, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_WINDOW);
  g_clear_object (&self->list);
  g_clear_object (&self->session);
  g_clear_object (&self->diagnose_cancellable);
  g_clear_object (&self->import_cancellable);
  g_clear_object (&self->progress_cancellable);
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);
  G_OBJECT_CLASS (ls_window_parent_class)->dispose (object);
}

static void
ls_window_finalize (GObject *object)
{
  LsWindow *self = LS_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->current_path);
  g_free (self->current_sha256);
  g_free (self->current_name);
  g_free (self->last_toast);
  G_OBJECT_CLASS (ls_window_parent_class)->finalize (object);
}

static void
ls_window_class_init (LsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ls_window_dispose;
  object_class->finalize = ls_window_finalize;
  window_class->close_request = ls_window_close_request;

  g_type_ensure (LS_TYPE_GALLERY);
  g_type_ensure (LS_TYPE_VIEWER);
  g_type_ensure (LS_TYPE_PREVIEWS_PAGE);
  g_type_ensure (LS_TYPE_DIAGNOSIS_PANEL);
  g_type_ensure (LS_TYPE_LABEL_BAR);
  g_type_ensure (LS_TYPE_RETRAIN_PAGE);
  g_type_ensure (LS_TYPE_HISTORY_PAGE);
  g_type_ensure (LS_TYPE_MONITOR_PAGE);
  g_type_ensure (LS_TYPE_QUEUE_BAR);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, synthetic_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, synthetic_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, notice_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, drift_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, drift_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, progress_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, queue_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, import_label);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, import_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, viewer);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, viewer_empty);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, class_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, colormap_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, window_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, zoom_button);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, previews_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, retrain_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, retrain_stack_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, history_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, monitor_page);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, diagnosis_panel);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, label_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, recent_section);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, overlay_toggle);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, invert_toggle);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, overlay_menu_button);

  ls_window_class_install_actions (widget_class);
}

static void
set_strings (GtkDropDown *dropdown,
             const char *const *strings)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (strings);

  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (list));
}

static void
ls_window_init (LsWindow *self)
{
  const char *methods[] = { _ ("Grad-CAM"), _ ("Input gradient"), _ ("SmoothGrad"), NULL };
  const char *colormaps[] = { _ ("Turbo"), _ ("Inferno"), _ ("Viridis"), _ ("Gray"), NULL };
  const char *windows[] = { _ ("Full range"), _ ("Lungs"), _ ("Soft tissue"), _ ("Bone"), NULL };
  const char *sorts[] = { _ ("Name"), _ ("Date added"), _ ("Uncertainty"), NULL };

  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  adw_status_page_set_icon_name (self->welcome_page, APPLICATION_ID "-symbolic");

  self->cancellable = g_cancellable_new ();
  self->probabilities_ms = NAN;
  self->overlay_ms = NAN;
  self->settings = ls_application_settings_new ();
  g_signal_connect (self->notice_bar, "response", G_CALLBACK (notice_response_cb), self);
  /* The view switcher belongs to an open workspace, not to the welcome or
   * progress page. */
  g_signal_connect_swapped (self->main_stack, "notify::visible-child-name",
                            G_CALLBACK (main_page_cb), self);
  main_page_cb (self);
  g_signal_connect (self->drift_bar, "response", G_CALLBACK (drift_response_cb), self);

  set_strings (self->method_dropdown, methods);
  set_strings (self->colormap_dropdown, colormaps);
  set_strings (self->window_dropdown, windows);
  set_strings (self->sort_dropdown, sorts);
  fill_class_dropdown (self);
  fill_filter_dropdown (self);
  g_signal_connect (self->method_dropdown, "notify::selected", G_CALLBACK (saliency_choice_cb), self);
  g_signal_connect (self->class_dropdown, "notify::selected", G_CALLBACK (saliency_choice_cb), self);
  g_signal_connect (self->colormap_dropdown, "notify::selected", G_CALLBACK (colormap_cb), self);
  g_signal_connect (self->opacity_adjustment, "value-changed", G_CALLBACK (opacity_cb), self);
  g_signal_connect (self->window_dropdown, "notify::selected", G_CALLBACK (window_preset_cb), self);
  g_signal_connect (self->filter_dropdown, "notify::selected", G_CALLBACK (filter_cb), self);
  g_signal_connect (self->sort_dropdown, "notify::selected", G_CALLBACK (sort_cb), self);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (search_cb), self);
  g_signal_connect (self->gallery, "notify::selected-sha256", G_CALLBACK (selected_cb), self);
  g_signal_connect_swapped (self->retrain_page, "model-changed", G_CALLBACK (model_changed_cb), self);
  g_signal_connect_swapped (self->retrain_page, "models-changed", G_CALLBACK (retrain_models_changed_cb), self);
  g_signal_connect_swapped (self->history_page, "model-changed", G_CALLBACK (history_model_changed_cb), self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child-name", G_CALLBACK (visible_page_cb), self);
  g_signal_connect_swapped (self->queue_bar, "message", G_CALLBACK (ls_window_show_toast), self);
  g_signal_connect_swapped (self->queue_bar, "notify::queue", G_CALLBACK (queue_changed_cb), self);
  g_signal_connect_swapped (self->queue_bar, "notify::busy", G_CALLBACK (ls_window_update_actions), self);
  g_signal_connect (self->viewer, "notify::zoom", G_CALLBACK (viewer_zoom_cb), self);
  g_signal_connect (self->viewer, "notify::best-fit", G_CALLBACK (viewer_zoom_cb), self);
  g_signal_connect (self->viewer, "notify::busy", G_CALLBACK (viewer_zoom_cb), self);
  g_signal_connect (self->viewer, "notify::overlay-visible", G_CALLBACK (overlay_visible_cb), self);
  g_object_bind_property (self->viewer, "overlay-visible", self->overlay_toggle, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->viewer, "inverted", self->invert_toggle, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    g_signal_connect (keys, "key-pressed", G_CALLBACK (viewer_key_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->viewer), keys);
  }
  restore_settings (self);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  fill_recent_menu (self);
  ls_window_setup_drop (self);
  ls_window_update_zoom_label (self);
  ls_window_update_actions (self);
  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
}

LsWindow *
ls_window_new (LsApplication *application)
{
  return g_object_new (LS_TYPE_WINDOW, "application", application, NULL);
}
