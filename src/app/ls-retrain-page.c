/* ls-retrain-page.c — relabel and retrain: fine-tune a child of the active
 * model on the corrected labels, or train a model from scratch, with
 * progress and live curves, then the active model and the new one side by
 * side (with the Grad-CAM of both on the images that changed class),
 * Accept or Discard
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>
#include <string.h>

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
  GtkLabel *running_title;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkDrawingArea *curves_area;
  GtkLabel *result_title;
  GtkGrid *metrics_grid;
  GtkDrawingArea *confusion_before;
  GtkDrawingArea *confusion_after;
  GtkLabel *flips_title;
  GtkLabel *maps_label;
  GtkFlowBox *flips_box;
  GtkLabel *flips_more;

  /* Owned */
  GSettings *settings; /* NULL where the schema is not installed */
  LsSession *session;
  GCancellable *cancellable;
  LsSessionCorrections *corrections;
  GArray *epochs; /* LsTrainEpoch so far */
  int n_epochs;
  char *last_step; /* the last step named by the progress, for updates that name none */
  gint64 started;
  gboolean from_scratch;        /* the run in flight or on screen */
  char *notice;                 /* how the last run ended, shown until the next one */
  LsSessionRetrain *result;     /* a fine-tune's child */
  LsSessionTrain *train_result; /* a model trained from scratch */
  LsMetricCharts *before;
  LsMetricCharts *after;
  gboolean busy;
  gboolean accepting; /* the resolve in flight accepts */
  /* The Grad-CAM maps of the flipped images shown */
  GCancellable *maps_cancellable;
  GPtrArray *maps;         /* LsSessionMapPair, once computed */
  GPtrArray *map_pictures; /* (borrowed) GtkPicture, two a flip shown */
  gboolean maps_pending;
  LsColormap colormap;
  double opacity;
};

/* Flipped images shown with their Grad-CAM, at most. */
#define MAX_MAPS 12
#define MAP_SIDE 112

/* What the comparison shows, whichever run made it. */
typedef struct
{
  const char *model_id;
  const char *parent_id; /* NULL: nothing to compare with */
  const LsMetrics *test_before, *test_after;
  const LsMetrics *corrected_before, *corrected_after;
  const LsFlip *flips;
  int n_flips;
  char *const *flip_sha256;
  char *const *flip_names;
  GPtrArray *flip_thumbnails;
  char **classes;
} Comparison;

static gboolean
get_comparison (LsRetrainPage *self,
                Comparison *c)
{
  memset (c, 0, sizeof *c);
  if (self->result != NULL)
    {
      const LsWorkspaceFinetune *ft = self->result->finetune;
      const LsFinetuneResult *r = ft->result;

      c->model_id = ft->model_id;
      c->parent_id = ft->parent_id;
      c->test_before = r->test.before;
      c->test_after = r->test.after;
      c->corrected_before = r->corrected.before;
      c->corrected_after = r->corrected.after;
      c->flips = r->test.flips;
      c->n_flips = r->test.n_flips;
      c->flip_sha256 = self->result->flip_sha256;
      c->flip_names = self->result->flip_names;
      c->flip_thumbnails = self->result->flip_thumbnails;
      c->classes = r->model->classes;
      return TRUE;
    }
  if (self->train_result != NULL)
    {
      const LsSessionTrain *t = self->train_result;

      c->model_id = t->run->model_id;
      c->parent_id = t->parent_id;
      if (t->comparison != NULL)
        {
          c->test_before = t->comparison->a->metrics;
          c->test_after = t->comparison->b->metrics;
          c->flips = t->comparison->flips;
          c->n_flips = t->comparison->n_flips;
          c->flip_sha256 = t->comparison->flip_sha256;
        }
      else
        c->test_after = t->run->result->metrics;
      c->flip_names = t->flip_names;
      c->flip_thumbnails = t->flip_thumbnails;
      c->classes = t->run->result->model->classes;
      return TRUE;
    }
  return FALSE;
}

static gboolean
has_result (LsRetrainPage *self)
{
  return self->result != NULL || self->train_result != NULL;
}

static void
clear_result (LsRetrainPage *self)
{
  g_cancellable_cancel (self->maps_cancellable);
  g_clear_object (&self->maps_cancellable);
  self->maps_pending = FALSE;
  g_clear_pointer (&self->maps, g_ptr_array_unref);
  g_ptr_array_set_size (self->map_pictures, 0);
  g_clear_pointer (&self->result, ls_session_retrain_free);
  g_clear_pointer (&self->train_result, ls_session_train_free);
}

G_DEFINE_FINAL_TYPE (LsRetrainPage, ls_retrain_page, GTK_TYPE_WIDGET)

enum
{
  MODEL_CHANGED,
  MODELS_CHANGED,
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
                                 !self->busy && has_result (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "retrain.discard",
                                 !self->busy && has_result (self));
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
  if (error == NULL && self->notice != NULL)
    {
      char *both = g_strdup_printf ("%s\n%s", self->notice, text);

      g_free (text);
      text = both;
    }
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
  if (self->busy || has_result (self))
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
  chart->curves.title = self->from_scratch ? _ ("Training: loss and accuracy")
                                           : _ ("Fine-tuning: loss and accuracy");
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
  g_autofree char *step = NULL;

  /* A fraction alone keeps the step on screen. */
  if (message != NULL && *message != '\0')
    {
      g_free (self->last_step);
      self->last_step = step_text (self, message);
    }
  step = g_strdup (self->last_step != NULL ? self->last_step : "");
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_progress_bar_set_text (self->progress_bar, percent);
  {
    g_autofree char *left = ls_application_time_left (elapsed, fraction);

    text = left != NULL ? g_strdup_printf ("%s — %s", step, left) : g_strdup (step);
  }
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

static const char *
class_name (char **classes,
            int k)
{
  return k >= 0 && classes != NULL && k < (int) g_strv_length (classes)
             ? ls_application_class_name (classes[k])
             : "–";
}

/* ---- the Grad-CAM maps of the flipped images ---- */

static void
maps_cb (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  g_autoptr (LsRetrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  GPtrArray *maps = ls_session_flip_maps_finish (LS_SESSION (source), result, &error);
  guint n_made = 0;

  if (maps == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->maps_pending = FALSE;
  if (maps == NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("Grad-CAM maps not made: %s"), error->message);

      gtk_label_set_label (self->maps_label, text);
      return;
    }
  self->maps = maps;
  for (guint i = 0; i < maps->len && 2 * i + 1 < self->map_pictures->len; i++)
    {
      LsSessionMapPair *pair = maps->pdata[i];

      gtk_picture_set_paintable (self->map_pictures->pdata[2 * i], GDK_PAINTABLE (pair->before));
      gtk_picture_set_paintable (self->map_pictures->pdata[2 * i + 1], GDK_PAINTABLE (pair->after));
      n_made += (pair->before != NULL) + (pair->after != NULL);
    }
  gtk_label_set_label (self->maps_label,
                       n_made == 2 * maps->len
                           ? _ ("Grad-CAM of each model for the class it answers: warm colours "
                                "weigh most in its answer.")
                           : _ ("Some Grad-CAM maps could not be made (the log says why)."));
}

static void
start_maps (LsRetrainPage *self,
            const Comparison *c,
            guint n)
{
  g_autoptr (GPtrArray) sha256 = g_ptr_array_new ();

  if (n == 0 || c->parent_id == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->maps_label), FALSE);
      return;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (sha256, c->flip_sha256[i]);
  g_ptr_array_add (sha256, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->maps_label), TRUE);
  gtk_label_set_label (self->maps_label, _ ("Computing the Grad-CAM maps of both models…"));
  self->maps_cancellable = g_cancellable_new ();
  self->maps_pending = TRUE;
  ls_session_flip_maps_async (self->session, c->parent_id, c->model_id,
                              (const char *const *) sha256->pdata, MAP_SIDE, self->colormap,
                              self->opacity, self->maps_cancellable, maps_cb, g_object_ref (self));
}

static GtkWidget *
picture_new (GdkTexture *texture,
             const char *a11y)
{
  GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

  gtk_widget_set_size_request (picture, MAP_SIDE, MAP_SIDE);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_add_css_class (picture, "flip-picture");
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  return picture;
}

static GtkWidget *
caption_new (const char *text,
             const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  /* A file name breaks anywhere, on two lines at most. */
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (label), 2);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_set_tooltip_text (label, text);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

/* A picture with a dim line above its caption (NULL: none). */
static GtkWidget *
column_new (GtkWidget *picture,
            const char *heading,
            const char *caption)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_set_size_request (box, MAP_SIDE, -1);
  gtk_box_append (GTK_BOX (box), picture);
  if (heading != NULL)
    {
      GtkWidget *label = caption_new (heading, "caption");

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_box_append (GTK_BOX (box), caption_new (caption, heading != NULL ? "caption-heading" : "caption"));
  return box;
}

/* One flipped image: the image, then the parent's and the new model's
 * Grad-CAM, each over its answer. */
static GtkWidget *
flip_card_new (LsRetrainPage *self,
               const Comparison *c,
               guint i,
               gboolean with_maps)
{
  const LsFlip *f = &c->flips[i];
  const char *name = c->flip_names[i];
  GdkTexture *texture = i < c->flip_thumbnails->len ? c->flip_thumbnails->pdata[i] : NULL;
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *image;

  gtk_widget_set_halign (card, GTK_ALIGN_START);
  if (with_maps)
    {
      g_autofree char *a11y_before = g_strdup_printf (_ ("Grad-CAM of the active model on %s"), name);
      g_autofree char *a11y_after = g_strdup_printf (_ ("Grad-CAM of the new model on %s"), name);
      GtkWidget *map_before = picture_new (NULL, a11y_before);
      GtkWidget *map_after = picture_new (NULL, a11y_after);

      image = column_new (picture_new (texture, name), NULL, name);
      gtk_widget_set_margin_end (image, 6);
      gtk_box_append (GTK_BOX (card), image);
      g_ptr_array_add (self->map_pictures, map_before);
      g_ptr_array_add (self->map_pictures, map_after);
      gtk_box_append (GTK_BOX (card), column_new (map_before, self->result != NULL ? _ ("Parent") : _ ("Active model"),
                                                  class_name (c->classes, f->pred_a)));
      gtk_box_append (GTK_BOX (card),
                      column_new (map_after, _ ("New model"), class_name (c->classes, f->pred_b)));
    }
  else
    {
      g_autofree char *change = g_strdup_printf ("%s\n%s → %s", name, class_name (c->classes, f->pred_a),
                                                 class_name (c->classes, f->pred_b));

      gtk_box_append (GTK_BOX (card), column_new (picture_new (texture, name), NULL, change));
    }
  return card;
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
  Comparison c;
  GtkWidget *child;
  g_autofree char *title = NULL, *flips = NULL;
  guint n_shown;
  int row = 1;

  if (!get_comparison (self, &c))
    return;
  if (self->result != NULL)
    title = g_strdup_printf (ngettext ("New model %.8s… from %.8s…, trained on %u corrected label",
                                       "New model %.8s… from %.8s…, trained on %u corrected labels",
                                       self->result->finetune->n_corrected),
                             c.model_id, c.parent_id, self->result->finetune->n_corrected);
  else if (c.parent_id != NULL)
    title = g_strdup_printf (_ ("New model %.8s…, trained from scratch for %d epochs, beside the "
                                "active model %.8s…"),
                             c.model_id, self->train_result->run->result->n_epochs, c.parent_id);
  else
    title = g_strdup_printf (_ ("New model %.8s…, trained from scratch for %d epochs"), c.model_id,
                             self->train_result->run->result->n_epochs);
  gtk_label_set_label (self->result_title, title);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->metrics_grid))) != NULL)
    gtk_grid_remove (self->metrics_grid, child);
  add_row (self->metrics_grid, 0, "", self->result != NULL ? _ ("Parent") : _ ("Active model"),
           _ ("New model"));
  if (c.test_after != NULL)
    {
      add_metric (self->metrics_grid, row++, _ ("Test accuracy"),
                  c.test_before ? c.test_before->accuracy : NAN, c.test_after->accuracy, TRUE);
      add_metric (self->metrics_grid, row++, _ ("Test macro F1"),
                  c.test_before ? c.test_before->macro_f1 : NAN, c.test_after->macro_f1, FALSE);
      add_metric (self->metrics_grid, row++, _ ("Calibration error (ECE)"),
                  c.test_before ? c.test_before->ece : NAN, c.test_after->ece, FALSE);
    }
  if (c.corrected_before != NULL && c.corrected_after != NULL)
    add_metric (self->metrics_grid, row++, _ ("Accuracy on the corrected images"),
                c.corrected_before->accuracy, c.corrected_after->accuracy, TRUE);
  g_clear_pointer (&self->before, ls_metric_charts_free);
  g_clear_pointer (&self->after, ls_metric_charts_free);
  if (c.test_before != NULL)
    {
      self->before = ls_metric_charts_new (c.test_before);
      self->before->confusion.title = self->result != NULL ? _ ("Parent (test part)")
                                                           : _ ("Active model (test part)");
      translate_class_names (self->before, c.test_before->n_classes);
    }
  if (c.test_after != NULL)
    {
      self->after = ls_metric_charts_new (c.test_after);
      self->after->confusion.title = _ ("New model (test part)");
      translate_class_names (self->after, c.test_after->n_classes);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_before));
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_after));

  g_ptr_array_set_size (self->map_pictures, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->flips_box))) != NULL)
    gtk_flow_box_remove (self->flips_box, child);
  flips = g_strdup_printf (ngettext ("%d test image changes class", "%d test images change class",
                                     c.n_flips),
                           c.n_flips);
  gtk_label_set_label (self->flips_title, flips);
  gtk_widget_set_visible (GTK_WIDGET (self->flips_title), c.parent_id != NULL);
  n_shown = 0;
  for (guint i = 0; c.flip_names != NULL && c.flip_names[i] != NULL && n_shown < MAX_MAPS; i++)
    {
      gtk_flow_box_append (self->flips_box, flip_card_new (self, &c, i, c.parent_id != NULL));
      n_shown++;
    }
  if ((guint) c.n_flips > n_shown)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("and %u more", "and %u more",
                                                         (guint) c.n_flips - n_shown),
                                               (guint) c.n_flips - n_shown);

      gtk_label_set_label (self->flips_more, more);
      gtk_widget_set_visible (GTK_WIDGET (self->flips_more), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->flips_more), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "done");
  start_maps (self, &c, n_shown);
}

static void
run_done (LsRetrainPage *self,
          GError *error)
{
  g_free (self->notice);
  self->notice = g_strdup (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               ? _ ("Cancelled: no model was made.")
                               : error->message);
  show_idle (self, NULL);
  ls_retrain_page_refresh (self);
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
  /* A run ended: a child (not active yet), or a run without a model. */
  g_signal_emit (self, signals[MODELS_CHANGED], 0);
  if (r == NULL)
    {
      run_done (self, error);
      return;
    }
  self->result = r;
  show_result (self);
  update_actions (self);
}

static void
train_cb (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  g_autoptr (LsRetrainPage) self = user_data;
  g_autoptr (GError) error = NULL;
  LsSessionTrain *t = ls_session_train_finish (LS_SESSION (source), result, &error);

  self->busy = FALSE;
  if (t == NULL)
    {
      run_done (self, error);
      return;
    }
  self->train_result = t;
  show_result (self);
  update_actions (self);
}

static void
begin_run (LsRetrainPage *self,
           gboolean from_scratch)
{
  self->busy = TRUE;
  self->from_scratch = from_scratch;
  g_clear_pointer (&self->notice, g_free);
  g_clear_pointer (&self->last_step, g_free);
  g_array_set_size (self->epochs, 0);
  self->started = g_get_monotonic_time ();
  clear_result (self);
  gtk_label_set_label (self->running_title,
                       from_scratch ? _ ("Training from Scratch") : _ ("Fine-Tuning"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, NULL);
  gtk_label_set_label (self->progress_label, _ ("Reading the images…"));
  gtk_widget_queue_draw (GTK_WIDGET (self->curves_area));
  gtk_stack_set_visible_child_name (self->stack, "running");
  update_actions (self);
}

void
ls_retrain_page_start (LsRetrainPage *self)
{
  g_return_if_fail (LS_IS_RETRAIN_PAGE (self));

  if (self->session == NULL || self->busy)
    return;
  begin_run (self, FALSE);
  self->n_epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  ls_session_retrain_async (self->session, self->n_epochs,
                            progress_cb, epoch_cb, self, self->cancellable, retrain_cb,
                            g_object_ref (self));
}

gboolean
ls_retrain_page_train (LsRetrainPage *self,
                       const LsSessionTrainOptions *options)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (self->session == NULL || self->busy || ls_session_is_read_only (self->session))
    return FALSE;
  begin_run (self, TRUE);
  self->n_epochs = options->epochs;
  ls_session_train_async (self->session, options, progress_cb, epoch_cb, self, self->cancellable,
                          train_cb, g_object_ref (self));
  return TRUE;
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
  clear_result (self);
  g_signal_emit (self, signals[MODELS_CHANGED], 0);
  if (accepted)
    g_signal_emit (self, signals[MODEL_CHANGED], 0);
  show_idle (self, NULL);
  ls_retrain_page_refresh (self);
}

static void
resolve (LsRetrainPage *self,
         gboolean accept)
{
  Comparison c;

  if (!get_comparison (self, &c) || self->busy)
    return;
  self->busy = TRUE;
  self->accepting = accept;
  g_cancellable_cancel (self->maps_cancellable);
  self->maps_pending = FALSE;
  update_actions (self);
  ls_session_resolve_child_async (self->session, c.model_id, accept, self->cancellable, resolve_cb,
                                  g_object_ref (self));
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
  g_cancellable_cancel (self->maps_cancellable);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_RETRAIN_PAGE);
  G_OBJECT_CLASS (ls_retrain_page_parent_class)->dispose (object);
}

static void
ls_retrain_page_finalize (GObject *object)
{
  LsRetrainPage *self = LS_RETRAIN_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->notice);
  g_free (self->last_step);
  g_clear_pointer (&self->corrections, ls_session_corrections_free);
  clear_result (self);
  g_ptr_array_unref (self->map_pictures);
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
  signals[MODELS_CHANGED] = g_signal_new ("models-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-retrain-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, idle_page);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, running_title);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, curves_area);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, result_title);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, metrics_grid);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, confusion_before);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, confusion_after);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, flips_title);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, maps_label);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, flips_box);
  gtk_widget_class_bind_template_child (widget_class, LsRetrainPage, flips_more);
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
  self->map_pictures = g_ptr_array_new ();
  self->colormap = LS_DIAGNOSE_DEFAULT_COLORMAP;
  self->opacity = 0.6; /* the viewer's default; the window sets its own */
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
  g_clear_pointer (&self->notice, g_free);
  g_clear_pointer (&self->corrections, ls_session_corrections_free);
  clear_result (self);
  show_idle (self, NULL);
  ls_retrain_page_refresh (self);
}

gboolean
ls_retrain_page_is_busy (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), FALSE);
  return self->busy;
}

double
ls_retrain_page_get_fraction (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
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

const LsSessionTrain *
ls_retrain_page_get_train_result (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), NULL);
  return self->train_result;
}

const GPtrArray *
ls_retrain_page_get_flip_maps (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), NULL);
  return self->maps;
}

gboolean
ls_retrain_page_get_maps_pending (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), FALSE);
  return self->maps_pending;
}

void
ls_retrain_page_set_overlay_look (LsRetrainPage *self,
                                  LsColormap colormap,
                                  double opacity)
{
  g_return_if_fail (LS_IS_RETRAIN_PAGE (self));
  /* The maps on screen keep their look; the next ones take this. */
  self->colormap = colormap;
  self->opacity = opacity;
}

guint
ls_retrain_page_get_n_epochs_seen (LsRetrainPage *self)
{
  g_return_val_if_fail (LS_IS_RETRAIN_PAGE (self), 0);
  return self->epochs->len;
}
