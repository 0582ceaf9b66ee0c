/* ls-retrain-page.c — relabel and retrain: fine-tune a child of the active
 * model on the corrected labels, with progress and live curves, then the
 * parent and the child side by side, Accept or Discard
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-retrain-page.h"

#include "pipeline/charts.h"
#include "report/report.h"

struct _LsRetrainPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwStatusPage *idle_page;
  GtkSpinButton *epochs_spin;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkDrawingArea *curves_area;
  GtkLabel *result_title;
  GtkGrid *metrics_grid;
  GtkDrawingArea *confusion_before;
  GtkDrawingArea *confusion_after;
  GtkLabel *flips_title;
  GtkFlowBox *flips_box;

  /* Owned */
  GSettings *settings; /* NULL where the schema is not installed */
  LsSession *session;
  GCancellable *cancellable;
  LsSessionCorrections *corrections;
  GArray *epochs; /* LsTrainEpoch so far */
  int n_epochs;
  gint64 started;
  LsSessionRetrain *result;
  LsMetricCharts *before;
  LsMetricCharts *after;
  gboolean busy;
  gboolean accepting; /* the resolve in flight accepts */
};

G_DEFINE_FINAL_TYPE (LsRetrainPage, ls_retrain_page, GTK_TYPE_WIDGET)

enum
{
  MODEL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_actions (LsRetrainPage *self)
{
  gboolean writable = self->session != NULL && !ls_session_is_read_only (self->session) &&
                      ls_session_get_model (self->session) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "retrain.start",
                                 writable && !self->busy && self->corrections != NULL &&
                                     self->corrections->n_train > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "retrain.cancel", self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "retrain.accept",
                                 !self->busy && self->result != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "retrain.discard",
                                 !self->busy && self->result != NULL);
}

/* ---- idle: what a retraining would train on ---- */

static void
show_idle (LsRetrainPage *self,
           const char *error)
{
  g_autofree char *text = NULL;

  if (error != NULL)
    text = g_strdup (error);
  else if (self->corrections == NULL)
    text = g_strdup (_ ("Counting the corrected labels…"));
  else if (self->corrections->n_train == 0)
    text = g_strdup (_ ("No training label changed since the active model was trained. Correct "
                        "labels with 1, 2, 3 and come back."));
  else
    text = g_strdup_printf (ngettext ("%u training label changed since the active model was "
                                      "trained. Retraining fine-tunes a new model on it and a "
                                      "sample of the others; the active model stays until you "
                                      "accept the new one.",
                                      "%u training labels changed since the active model was "
                                      "trained. Retraining fine-tunes a new model on them and a "
                                      "sample of the others; the active model stays until you "
                                      "accept the new one.",
                                      self->corrections->n_train),
                            self->corrections->n_train);
  adw_status_page_set_description (self->idle_page, text);
  gtk_stack_set_visible_child_name (self->stack, "idle");
  update_actions (self);
}

static void
corrections_cb (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (LsRetrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  LsSessionCorrections *c = ls_session_corrections_finish (LS_SESSION (source), result, &error);

  if (c == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_pointer (&self->corrections, ls_session_corrections_free);
  self->corrections = c;
  if (self->busy || self->result != NULL)
    {
      update_actions (self);
      return;
    }
  show_idle (self, c == NULL ? error->message : NULL);
}

void
ls_retrain_page_refresh (LsRetrainPage *self)
{
  g_return_if_fail (LS_IS_RETRAIN_PAGE (self));

  if (self->session == NULL || ls_session_get_model (self->session) == NULL)
    return;
  ls_session_corrections_async (self->session, self->cancellable, corrections_cb,
                                g_object_ref (self));
}

/* ---- running ---- */

static void
curves_draw (GtkDrawingArea *area,
             cairo_t *cr,
             int width,
             int height,
             gpointer data)
{
  LsRetrainPage *self = data;
  g_autoptr (LsCurvesChart) chart = NULL;
  int best = 0;

  for (guint i = 0; i < self->epochs->len; i++)
    if (g_array_index (self->epochs, LsTrainEpoch, i).best)
      best = (int) i + 1;
  chart = ls_curves_chart_new ((const LsTrainEpoch *) self->epochs->data, (int) self->epochs->len,
                               best);
  chart->curves.title = _ ("Fine-tuning: loss and accuracy");
  ls_report_curves_draw (&chart->curves, cr, width, height);
}

/* What the fine-tuning says it does (pipeline/finetune.c, train.c,
 * workspace-finetune.c, in English for the CLI), marked here so that the
 * app shows it translated. */
static const char *const finetune_steps[] = {
  N_ ("preparing"),
  N_ ("scoring the validation part"),
  N_ ("scoring the replay sample"),
  N_ ("scoring the test part with the parent"),
  N_ ("scoring the corrected images with the parent"),
  N_ ("scoring the corrected images with the child"),
  N_ ("scoring the test part with the child"),
  N_ ("calibrating"),
  N_ ("fitting out-of-distribution statistics"),
  N_ ("evaluating on the test part"),
  N_ ("writing the model card"),
  N_ ("saving the model"),
  N_ ("registering the fine-tuned model"),
  N_ ("done"),
};

static char *
step_text (LsRetrainPage *self,
           const char *message)
{
  if (message == NULL)
    return g_strdup ("");
  /* "epoch 2/3, batch 4/30, loss …": the epoch, from the page's count. */
  if (g_str_has_prefix (message, "epoch "))
    return g_strdup_printf (_ ("training, epoch %u of %d"), MIN (self->epochs->len + 1, (guint) MAX (self->n_epochs, 1)),
                            MAX (self->n_epochs, 1));
  for (guint i = 0; i < G_N_ELEMENTS (finetune_steps); i++)
    if (g_str_equal (message, finetune_steps[i]))
      return g_strdup (_ (finetune_steps[i]));
  return g_strdup (_ ("fine-tuning"));
}

static void
progress_cb (double fraction,
             const char *message,
             gpointer user_data)
{
  LsRetrainPage *self = user_data;
  double elapsed = (g_get_monotonic_time () - self->started) / 1e6;
  g_autofree char *text = NULL;
  g_autofree char *percent = g_strdup_printf ("%.0f %%", 100 * fraction);
  g_autofree char *step = step_text (self, message);

  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_progress_bar_set_text (self->progress_bar, percent);
  if (fraction > 0.02 && fraction < 1)
    text = g_strdup_printf (_ ("%s — about %.0f s left"), step, elapsed * (1 - fraction) / fraction);
  else
    text = g_strdup (step);
  gtk_label_set_label (self->progress_label, text);
}

static void
epoch_cb (const LsTrainEpoch *epoch,
          gpointer user_data)
{
  LsRetrainPage *self = user_data;
  g_autofree char *text = NULL;

  g_array_append_val (self->epochs, *epoch);
  text = g_strdup_printf (_ ("Epoch %d of %d: loss %.3f, accuracy %.1f %%, %.0f images/s"),
                          epoch->epoch, epoch->epochs, epoch->train_loss,
                          100 * epoch->train_accuracy, epoch->images_per_second);
  gtk_label_set_label (self->progress_label, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->curves_area));
}

static void
confusion_draw (GtkDrawingArea *area,
                cairo_t *cr,
                int width,
                int height,
                gpointer data)
{
  LsMetricCharts **charts = data;

  if (*charts != NULL)
    ls_report_confusion_draw (&(*charts)->confusion, cr, width, height);
}

static void
add_row (GtkGrid *grid,
         int row,
         const char *name,
         const char *a,
         const char *b)
{
  GtkWidget *labels[3] = { gtk_label_new (name), gtk_label_new (a), gtk_label_new (b) };

  for (int i = 0; i < 3; i++)
    {
      gtk_label_set_xalign (GTK_LABEL (labels[i]), i == 0 ? 0 : 1);
      if (row == 0)
        gtk_widget_add_css_class (labels[i], "heading");
      else if (i > 0)
        gtk_widget_add_css_class (labels[i], "numeric");
      gtk_grid_attach (grid, labels[i], i, row, 1, 1);
    }
}

static void
add_metric (GtkGrid *grid,
            int row,
            const char *name,
            double a,
            double b,
            gboolean percent)
{
  g_autofree char *ta = isfinite (a) ? percent ? g_strdup_printf ("%.1f %%", 100 * a)
                                               : g_strdup_printf ("%.3f", a)
                                     : g_strdup ("–");
  g_autofree char *tb = isfinite (b) ? percent ? g_strdup_printf ("%.1f %%", 100 * b)
                                               : g_strdup_printf ("%.3f", b)
                                     : g_strdup ("–");

  add_row (grid, row, name, ta, tb);
}

/* The charts' class names (the report layer's, in English) as the app
 * shows them. */
static void
translate_class_names (LsMetricCharts *charts,
                       int n_classes)
{
  for (int k = 0; k < n_classes; k++)
    charts->names[k] = ls_application_class_name (charts->names[k]);
}

static void
show_result (LsRetrainPage *self)
{
  const LsWorkspaceFinetune *ft = self->result->finetune;
  const LsFinetuneResult *r = ft->result;
  GtkWidget *child;
  g_autofree char *title = NULL, *flips = NULL;

  title = g_strdup_printf (ngettext ("New model %.8s… from %.8s…, trained on %u corrected label",
                                     "New model %.8s… from %.8s…, trained on %u corrected labels",
                                     ft->n_corrected),
                           ft->model_id, ft->parent_id, ft->n_corrected);
  gtk_label_set_label (self->result_title, title);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->metrics_grid))) != NULL)
    gtk_grid_remove (self->metrics_grid, child);
  add_row (self->metrics_grid, 0, "", _ ("Parent"), _ ("New model"));
  if (r->test.before != NULL && r->test.after != NULL)
    {
      add_metric (self->metrics_grid, 1, _ ("Test accuracy"), r->test.before->accuracy,
                  r->test.after->accuracy, TRUE);
      add_metric (self->metrics_grid, 2, _ ("Test macro F1"), r->test.before->macro_f1,
                  r->test.after->macro_f1, FALSE);
      add_metric (self->metrics_grid, 3, _ ("Calibration error (ECE)"), r->test.before->ece,
                  r->test.after->ece, FALSE);
    }
  if (r->corrected.before != NULL && r->corrected.after != NULL)
    add_metric (self->metrics_grid, 4, _ ("Accuracy on the corrected images"),
                r->corrected.before->accuracy, r->corrected.after->accuracy, TRUE);
  g_clear_pointer (&self->before, ls_metric_charts_free);
  g_clear_pointer (&self->after, ls_metric_charts_free);
  if (r->test.before != NULL)
    {
      self->before = ls_metric_charts_new (r->test.before);
      self->before->confusion.title = _ ("Parent (test part)");
      translate_class_names (self->before, r->test.before->n_classes);
    }
  if (r->test.after != NULL)
    {
      self->after = ls_metric_charts_new (r->test.after);
      self->after->confusion.title = _ ("New model (test part)");
      translate_class_names (self->after, r->test.after->n_classes);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_before));
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_after));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->flips_box))) != NULL)
    gtk_flow_box_remove (self->flips_box, child);
  flips = g_strdup_printf (ngettext ("%d test image changes class", "%d test images change class",
                                     r->test.n_flips),
                           r->test.n_flips);
  gtk_label_set_label (self->flips_title, flips);
  for (guint i = 0; self->result->flip_names[i] != NULL; i++)
    {
      const LsFlip *f = &r->test.flips[i];
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GdkTexture *texture = i < self->result->flip_thumbnails->len
                                ? self->result->flip_thumbnails->pdata[i]
                                : NULL;
      char **classes = ft->result->model->classes;
      g_autofree char *text = g_strdup_printf ("%s\n%s → %s", self->result->flip_names[i],
                                               ls_application_class_name (classes[f->pred_a]),
                                               ls_application_class_name (classes[f->pred_b]));
      GtkWidget *label = gtk_label_new (text);

      if (texture != NULL)
        {
          GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

          gtk_widget_set_size_request (picture, 96, 96);
          gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
          gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          self->result->flip_names[i], -1);
          gtk_box_append (GTK_BOX (card), picture);
        }
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (card), label);
      gtk_flow_box_append (self->flips_box, card);
    }
  gtk_stack_set_visible_child_name (self->stack, "done");
}

static void
retrain_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (LsRetrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  LsSessionRetrain *r = ls_session_retrain_finish (LS_SESSION (source), result, &error);

  self->busy = FALSE;
  if (r == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_idle (self, _ ("Cancelled: no model was made."));
      else
        show_idle (self, error->message);
      ls_retrain_page_refresh (self);
      return;
    }
  self->result = r;
  show_result (self);
  update_actions (self);
}

void
ls_retrain_page_start (LsRetrainPage *self)
{
  g_return_if_fail (LS_IS_RETRAIN_PAGE (self));

  if (self->session == NULL || self->busy)
    return;
  self->busy = TRUE;
  g_array_set_size (self->epochs, 0);
  self->n_epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  self->started = g_get_monotonic_time ();
  g_clear_pointer (&self->result, ls_session_retrain_free);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _ ("Reading the images…"));
  gtk_stack_set_visible_child_name (self->stack, "running");
  update_actions (self);
  ls_session_retrain_async (self->session, self->n_epochs,
                            progress_cb, epoch_cb, self, self->cancellable, retrain_cb,
                            g_object_ref (self));
}

static void
resolve_cb (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (LsRetrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean accepted = self->accepting;

  self->busy = FALSE;
  if (!ls_session_resolve_child_finish (LS_SESSION (source), result, &error))
    {
      show_idle (self, error->message);
      return;
    }
  g_clear_pointer (&self->result, ls_session_retrain_free);
  if (accepted)
    g_signal_emit (self, signals[MODEL_CHANGED], 0);
  show_idle (self, NULL);
  ls_retrain_page_refresh (self);
}

static void
resolve (LsRetrainPage *self,
         gboolean accept)
{
  if (self->result == NULL || self->busy)
    return;
  self->busy = TRUE;
  self->accepting = accept;
  update_actions (self);
  ls_session_resolve_child_async (self->session, self->result->finetune->model_id, accept,
                                  self->cancellable, resolve_cb, g_object_ref (self));
}

static void
action_cb (GtkWidget *widget,
           const char *name,
           GVariant *parameter)
{
  LsRetrainPage *self = LS_RETRAIN_PAGE (widget);

  if (g_str_equal (name, "retrain.start"))
    ls_retrain_page_start (self);
  else if (g_str_equal (name, "retrain.cancel"))
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  else if (g_str_equal (name, "retrain.accept"))
    resolve (self, TRUE);
  else if (g_str_equal (name, "retrain.discard"))
    resolve (self, FALSE);
}

static void
ls_retrain_page_dispose (GObject *object)
{
  LsRetrainPage *self = LS_RETRAIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_RETRAIN_PAGE);
  G_OBJECT_CLASS (ls_retrain_page_parent_class)->dispose (object);
}

static void
ls_retrain_page_finalize (GObject *object)
{
  LsRetrainPage *self = LS_RETRAIN_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->corrections, ls_session_corrections_free);
  g_clear_pointer (&self->result, ls_session_retrain_free);
  g_clear_pointer (&self->before, ls_metric_charts_free);
  g_clear_pointer (&self->after, ls_metric_charts_free);
  g_array_unref (self->epochs);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ls_retrain_page_parent_class)->finalize (object);
}

static void
ls_retrain_page_class_init (LsRetrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_retrain_page_dispose;
  object_class->finalize = ls_retrain_page_finalize;

  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-retrain-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, idle_page);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, curves_area);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, result_title);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, metrics_grid);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, confusion_before);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, confusion_after);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, flips_title);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, flips_box);
  gtk_widget_class_install_action (widget_class, "retrain.start", NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "retrain.cancel", NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "retrain.accept", NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "retrain.discard", NULL, action_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "retrainpage");
}

static void
ls_retrain_page_init (LsRetrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->epochs = g_array_new (FALSE, TRUE, sizeof (LsTrainEpoch));
  /* The epochs are the "finetune-epochs" setting (also in Preferences). */
  self->settings = ls_application_settings_new ();
  if (self->settings != NULL)
    g_settings_bind (self->settings, "finetune-epochs", self->epochs_spin, "value", G_SETTINGS_BIND_DEFAULT);
  gtk_drawing_area_set_draw_func (self->curves_area, curves_draw, self, NULL);
  gtk_drawing_area_set_draw_func (self->confusion_before, confusion_draw, &self->before, NULL);
  gtk_drawing_area_set_draw_func (self->confusion_after, confusion_draw, &self->after, NULL);
  show_idle (self, NULL);
}

GtkWidget *
ls_retrain_page_new (void)
{
  return g_object_new (LS_TYPE_RETRAIN_PAGE, NULL);
}

void
ls_retrain_page_set_session (LsRetrainPage *self,
                             LsSession *session)
{
  g_return_if_fail (LS_IS_RETRAIN_PAGE (self));

  /* A training in flight goes on for the workspace it started in; a new
   * session only changes what the idle page counts. */
  if (self->busy)
    return;
  g_set_object (&self->session, session);
  g_clear_pointer (&self->corrections, ls_session_corrections_free);
  g_clear_pointer (&self->result, ls_session_retrain_free);
  show_idle (self, NULL);
  ls_retrain_page_refresh (self);
}

gboolean
ls_retrain_page_is_busy (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), FALSE);
  return self->busy;
}

guint
ls_retrain_page_get_n_corrections (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), 0);
  return self->corrections != NULL ? self->corrections->n_train : 0;
}

const LsSessionRetrain *
ls_retrain_page_get_result (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), NULL);
  return self->result;
}
