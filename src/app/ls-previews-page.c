/* ls-previews-page.c — augmented versions and the training augmentation
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ls-previews-page.h"
#include "ls-texture.h"

#include "report/report.h"

struct _LsPreviewsPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwFlap *flap;
  GtkToggleButton *settings_button;
  GtkLabel *summary_label;
  GtkSpinner *spinner;
  GtkFlowBox *grid;
  GtkListBox *steps_list;
  AdwStatusPage *error_page;

  /* Owned */
  LsSession *session;
  char *path;
  GArray *steps;   /* LsAugmentSpec, as edited; p kept when a step is off */
  GArray *enabled; /* gboolean a step */
  gboolean same_on_batch;
  LsAugmentPipeline *pipeline; /* made from steps and enabled */
  LsTta *tta;
  guint64 seed;
  gboolean stale;                 /* the previews on screen are not of path/pipeline/seed */
  GCancellable *cancellable;      /* the previews in flight */
  GCancellable *load_cancellable; /* the session's pipeline, its saving */
  guint save_source;
  gboolean updating; /* rows being filled: their signals change nothing */
};

G_DEFINE_FINAL_TYPE (LsPreviewsPage, ls_previews_page, GTK_TYPE_WIDGET)

static void update (LsPreviewsPage *self);

/* ---- what each step's range means ---- */

typedef struct
{
  const char *title;
  const char *range; /* NULL: no range to set */
  double lo, hi, step;
  int digits;
} StepInfo;

static StepInfo
step_info (LsAugmentKind kind)
{
  switch (kind)
    {
    case LS_AUGMENT_AFFINE:
      return (StepInfo){ N_ ("Rotation, shift, zoom, shear"), N_ ("Rotation up to (°)"), 0, 45, 1, 0 };
    case LS_AUGMENT_RESIZED_CROP:
      return (StepInfo){ N_ ("Resized crop"), N_ ("Smallest area kept"), 0.05, 1, 0.05, 2 };
    case LS_AUGMENT_HFLIP:
      return (StepInfo){ N_ ("Horizontal flip"), NULL, 0, 0, 0, 0 };
    case LS_AUGMENT_PERSPECTIVE:
      return (StepInfo){ N_ ("Perspective"), N_ ("Distortion"), 0, 1, 0.05, 2 };
    case LS_AUGMENT_ELASTIC:
      return (StepInfo){ N_ ("Elastic deformation"), N_ ("Displacement up to"), 0, 5, 0.1, 1 };
    case LS_AUGMENT_BRIGHTNESS:
      return (StepInfo){ N_ ("Brightness"), N_ ("Change up to (±)"), 0, 0.9, 0.05, 2 };
    case LS_AUGMENT_CONTRAST:
      return (StepInfo){ N_ ("Contrast"), N_ ("Change up to (±)"), 0, 0.9, 0.05, 2 };
    case LS_AUGMENT_GAMMA:
      return (StepInfo){ N_ ("Gamma"), N_ ("Change up to (±)"), 0, 0.9, 0.05, 2 };
    case LS_AUGMENT_BLUR:
      return (StepInfo){ N_ ("Gaussian blur"), N_ ("Largest σ (pixels)"), 0.1, 10, 0.1, 1 };
    case LS_AUGMENT_NOISE:
      return (StepInfo){ N_ ("Gaussian noise"), N_ ("Largest σ"), 0, 0.3, 0.01, 2 };
    case LS_AUGMENT_SHARPNESS:
      return (StepInfo){ N_ ("Sharpness"), N_ ("Change up to (±)"), 0, 0.9, 0.05, 2 };
    case LS_AUGMENT_ERASING:
      return (StepInfo){ N_ ("Random erasing"), N_ ("Largest area erased"), 0.01, 0.5, 0.01, 2 };
    case LS_AUGMENT_CLAHE:
      return (StepInfo){ N_ ("Local contrast (CLAHE)"), N_ ("Largest clip limit"), 1, 10, 0.5, 1 };
    case LS_AUGMENT_EQUALIZE:
      return (StepInfo){ N_ ("Histogram equalisation"), NULL, 0, 0, 0, 0 };
    case LS_AUGMENT_N_KINDS:
    default:
      return (StepInfo){ N_ ("Augmentation"), NULL, 0, 0, 0, 0 };
    }
}

static double
step_range (const LsAugmentSpec *s)
{
  switch (s->kind)
    {
    case LS_AUGMENT_AFFINE:
      return MAX (fabs (s->degrees[0]), fabs (s->degrees[1]));
    case LS_AUGMENT_RESIZED_CROP:
      return s->scale[0];
    case LS_AUGMENT_PERSPECTIVE:
      return s->distortion;
    case LS_AUGMENT_ELASTIC:
      return s->alpha[1];
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
    case LS_AUGMENT_SHARPNESS:
      return MAX (1 - s->factor[0], s->factor[1] - 1);
    case LS_AUGMENT_GAMMA:
      return MAX (1 - s->gamma[0], s->gamma[1] - 1);
    case LS_AUGMENT_BLUR:
      return s->sigma[1];
    case LS_AUGMENT_NOISE:
      return s->std[1];
    case LS_AUGMENT_ERASING:
      return s->scale[1];
    case LS_AUGMENT_CLAHE:
      return s->clip_limit[1];
    case LS_AUGMENT_HFLIP:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      return 0;
    }
}

static void
set_step_range (LsAugmentSpec *s,
                double v)
{
  switch (s->kind)
    {
    case LS_AUGMENT_AFFINE:
      s->degrees[0] = -v;
      s->degrees[1] = v;
      break;
    case LS_AUGMENT_RESIZED_CROP:
      s->scale[0] = MIN (v, s->scale[1]);
      break;
    case LS_AUGMENT_PERSPECTIVE:
      s->distortion = v;
      break;
    case LS_AUGMENT_ELASTIC:
      s->alpha[1] = MAX (v, s->alpha[0]);
      break;
    case LS_AUGMENT_BRIGHTNESS:
    case LS_AUGMENT_CONTRAST:
    case LS_AUGMENT_SHARPNESS:
      s->factor[0] = 1 - v;
      s->factor[1] = 1 + v;
      break;
    case LS_AUGMENT_GAMMA:
      s->gamma[0] = 1 - v;
      s->gamma[1] = 1 + v;
      break;
    case LS_AUGMENT_BLUR:
      s->sigma[1] = MAX (v, s->sigma[0]);
      break;
    case LS_AUGMENT_NOISE:
      s->std[1] = MAX (v, s->std[0]);
      break;
    case LS_AUGMENT_ERASING:
      s->scale[1] = MAX (v, s->scale[0]);
      break;
    case LS_AUGMENT_CLAHE:
      s->clip_limit[1] = MAX (v, s->clip_limit[0]);
      break;
    case LS_AUGMENT_HFLIP:
    case LS_AUGMENT_EQUALIZE:
    case LS_AUGMENT_N_KINDS:
    default:
      break;
    }
}

/* ---- the pipeline ---- */

static void
rebuild_pipeline (LsPreviewsPage *self)
{
  g_clear_pointer (&self->pipeline, ls_augment_pipeline_free);
  self->pipeline = ls_augment_pipeline_new ();
  ls_augment_pipeline_set_same_on_batch (self->pipeline, self->same_on_batch);
  for (guint i = 0; i < self->steps->len; i++)
    {
      LsAugmentSpec spec = g_array_index (self->steps, LsAugmentSpec, i);

      if (!g_array_index (self->enabled, gboolean, i))
        spec.p = 0;
      ls_augment_pipeline_add (self->pipeline, &spec);
    }
}

static void
set_augment_cb (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (LsPreviewsPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ls_session_set_augment_finish (LS_SESSION (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_ ("Not saved: %s"), error->message);

      g_warning ("%s", text);
      gtk_label_set_label (self->summary_label, text);
    }
}

static gboolean
save_timeout_cb (gpointer data)
{
  LsPreviewsPage *self = data;

  self->save_source = 0;
  if (self->session != NULL && !ls_session_is_read_only (self->session) && self->pipeline != NULL)
    ls_session_set_augment_async (self->session, self->pipeline, self->load_cancellable,
                                  set_augment_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* A step changed: new previews at once, saved a moment later. */
static void
steps_changed (LsPreviewsPage *self)
{
  if (self->updating)
    return;
  rebuild_pipeline (self);
  self->stale = TRUE;
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (400, save_timeout_cb, self);
  update (self);
}

static void
switch_active_cb (GtkSwitch *sw,
                  GParamSpec *pspec,
                  LsPreviewsPage *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sw), "step"));

  g_array_index (self->enabled, gboolean, i) = gtk_switch_get_active (sw);
  steps_changed (self);
}

static void
p_changed_cb (GtkSpinButton *spin,
              LsPreviewsPage *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (spin), "step"));

  g_array_index (self->steps, LsAugmentSpec, i).p = gtk_spin_button_get_value (spin);
  steps_changed (self);
}

static void
range_changed_cb (GtkSpinButton *spin,
                  LsPreviewsPage *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (spin), "step"));

  set_step_range (&g_array_index (self->steps, LsAugmentSpec, i), gtk_spin_button_get_value (spin));
  steps_changed (self);
}

static GtkWidget *
spin_row (const char *title,
          double lo,
          double hi,
          double step,
          int digits,
          double value,
          guint index,
          GCallback callback,
          LsPreviewsPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, step);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (spin), "step", GUINT_TO_POINTER (index));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label,
                                  NULL, -1);
  g_signal_connect (spin, "value-changed", callback, self);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), spin);
  return box;
}

static void
fill_steps (LsPreviewsPage *self)
{
  GtkWidget *child;

  self->updating = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->steps_list))) != NULL)
    gtk_list_box_remove (self->steps_list, child);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const LsAugmentSpec *s = &g_array_index (self->steps, LsAugmentSpec, i);
      StepInfo info = step_info (s->kind);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *title = gtk_label_new (_ (info.title));
      GtkWidget *sw = gtk_switch_new ();

      gtk_widget_set_margin_top (box, 8);
      gtk_widget_set_margin_bottom (box, 8);
      gtk_widget_set_margin_start (box, 12);
      gtk_widget_set_margin_end (box, 12);
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_wrap (GTK_LABEL (title), TRUE);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_switch_set_active (GTK_SWITCH (sw), g_array_index (self->enabled, gboolean, i));
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (sw), "step", GUINT_TO_POINTER (i));
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ (info.title), -1);
      g_signal_connect (sw, "notify::active", G_CALLBACK (switch_active_cb), self);
      gtk_box_append (GTK_BOX (head), title);
      gtk_box_append (GTK_BOX (head), sw);
      gtk_box_append (GTK_BOX (box), head);
      gtk_box_append (GTK_BOX (box), spin_row (_ ("Probability"), 0, 1, 0.05, 2, s->p, i,
                                               G_CALLBACK (p_changed_cb), self));
      if (info.range != NULL)
        gtk_box_append (GTK_BOX (box), spin_row (_ (info.range), info.lo, info.hi, info.step,
                                                 info.digits, step_range (s), i,
                                                 G_CALLBACK (range_changed_cb), self));
      gtk_list_box_append (self->steps_list, box);
      gtk_list_box_row_set_activatable (
          GTK_LIST_BOX_ROW (gtk_widget_get_parent (box)), FALSE);
    }
  self->updating = FALSE;
}

static void
take_pipeline (LsPreviewsPage *self,
               LsAugmentPipeline *pipeline)
{
  g_array_set_size (self->steps, 0);
  g_array_set_size (self->enabled, 0);
  self->same_on_batch = ls_augment_pipeline_get_same_on_batch (pipeline);
  for (guint i = 0; i < ls_augment_pipeline_get_n_steps (pipeline); i++)
    {
      LsAugmentSpec spec = *ls_augment_pipeline_get_step (pipeline, i);
      gboolean on = spec.p > 0;

      /* A step saved off comes back off, with its usual chance. */
      if (!on)
        {
          LsAugmentSpec def;

          ls_augment_spec_init (&def, spec.kind);
          spec.p = def.p;
        }
      g_array_append_val (self->steps, spec);
      g_array_append_val (self->enabled, on);
    }
  ls_augment_pipeline_free (pipeline);
  rebuild_pipeline (self);
  fill_steps (self);
}

static void
get_augment_cb (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (LsPreviewsPage) self = user_data;
  g_autoptr (GError) error = NULL;
  LsAugmentPipeline *pipeline = ls_session_get_augment_finish (LS_SESSION (source), result, &error);

  if (pipeline == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("%s", error->message);
      pipeline = ls_augment_pipeline_new_default ();
    }
  take_pipeline (self, pipeline);
  self->stale = TRUE;
  update (self);
}

/* ---- the previews ---- */

static void
show_tta (LsPreviewsPage *self)
{
  const LsTta *t = self->tta;
  const LsModelChoice *choice = ls_session_get_model (self->session);
  char **classes;
  GtkWidget *child;
  GString *summary;
  const char *plain;
  guint agree = (guint) lround (t->agreement * t->n);

  g_return_if_fail (choice != NULL);
  classes = choice->model->classes;
  plain = ls_report_class_display_name (classes[t->plain_predicted]);
  summary = g_string_new (NULL);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_flow_box_remove (self->grid, child);
  for (guint i = 0; i < t->previews->len; i++)
    {
      const LsAugmentPreview *p = t->previews->pdata[i];
      const float *row = t->probs + (gsize) i * t->n_classes;
      int top = 0;
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      g_autoptr (GdkTexture) texture = ls_texture_new_from_gray (p->image);
      GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
      GtkWidget *answer;
      GtkWidget *words = gtk_label_new (p->description);
      g_autofree char *answer_text = NULL;
      g_autofree char *a11y = NULL;

      for (int k = 1; k < t->n_classes; k++)
        if (row[k] > row[top])
          top = k;
      answer_text = g_strdup_printf ("%s %.0f %%", ls_report_class_display_name (classes[top]),
                                     100.0 * row[top]);
      answer = gtk_label_new (answer_text);
      gtk_widget_add_css_class (card, "card");
      gtk_widget_add_css_class (card, "ls-preview-card");
      gtk_widget_set_size_request (picture, 150, 150);
      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      a11y = g_strdup_printf (_ ("Augmented version %u: %s"), i + 1, p->description);
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                      -1);
      gtk_label_set_xalign (GTK_LABEL (answer), 0);
      gtk_widget_add_css_class (answer, "heading");
      if (top != t->plain_predicted)
        gtk_widget_add_css_class (answer, "warning");
      gtk_label_set_wrap (GTK_LABEL (words), TRUE);
      gtk_label_set_xalign (GTK_LABEL (words), 0);
      gtk_label_set_lines (GTK_LABEL (words), 4);
      gtk_label_set_ellipsize (GTK_LABEL (words), PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (words, p->description);
      gtk_widget_add_css_class (words, "caption");
      gtk_widget_add_css_class (words, "dim-label");
      gtk_widget_set_margin_start (answer, 8);
      gtk_widget_set_margin_end (answer, 8);
      gtk_widget_set_margin_start (words, 8);
      gtk_widget_set_margin_end (words, 8);
      gtk_widget_set_margin_bottom (words, 8);
      gtk_box_append (GTK_BOX (card), picture);
      gtk_box_append (GTK_BOX (card), answer);
      gtk_box_append (GTK_BOX (card), words);
      gtk_flow_box_append (self->grid, card);
    }
  g_string_append_printf (summary, _ ("Plain image: %s %.0f %%. "), plain,
                          100.0 * t->plain[t->plain_predicted]);
  g_string_append_printf (summary,
                          ngettext ("%u of %u augmented version gives the same class. ",
                                    "%u of %u augmented versions give the same class. ", t->n),
                          agree, t->n);
  g_string_append (summary, _ ("Mean over the versions: "));
  for (int k = 0; k < t->n_classes; k++)
    g_string_append_printf (summary, "%s%s %.0f ± %.0f %%", k ? ", " : "",
                            ls_report_class_display_name (classes[k]), 100.0 * t->mean[k],
                            100.0 * t->std[k]);
  g_string_append (summary, ".");
  gtk_label_set_label (self->summary_label, summary->str);
  g_string_free (summary, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "previews");
}

static void
tta_cb (GObject *source,
        GAsyncResult *result,
        gpointer user_data)
{
  g_autoptr (LsPreviewsPage) self = user_data;
  g_autoptr (GError) error = NULL;
  LsTta *tta = ls_session_tta_finish (LS_SESSION (source), result, &error);

  if (tta == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  if (tta == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  g_clear_pointer (&self->tta, ls_tta_free);
  self->tta = tta;
  show_tta (self);
  /* Something changed while these were made. */
  if (self->stale)
    update (self);
}

/* Makes previews when they are wanted and out of date. */
static void
update (LsPreviewsPage *self)
{
  if (self->session == NULL || self->path == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if (!self->stale || self->pipeline == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->stale = FALSE;
  gtk_spinner_start (self->spinner);
  ls_session_tta_async (self->session, self->path, self->pipeline, LS_PREVIEWS_N, self->seed,
                        self->cancellable, tta_cb, g_object_ref (self));
}

static void
reroll_action (GtkWidget *widget,
               const char *action_name,
               GVariant *parameter)
{
  ls_previews_page_reroll (LS_PREVIEWS_PAGE (widget));
}

static void
map_cb (GtkWidget *widget)
{
  update (LS_PREVIEWS_PAGE (widget));
}

static void
ls_previews_page_dispose (GObject *object)
{
  LsPreviewsPage *self = LS_PREVIEWS_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* A pending save is made now, not lost. */
  if (self->save_source != 0)
    {
      g_clear_handle_id (&self->save_source, g_source_remove);
      save_timeout_cb (self);
    }
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_PREVIEWS_PAGE);
  G_OBJECT_CLASS (ls_previews_page_parent_class)->dispose (object);
}

static void
ls_previews_page_finalize (GObject *object)
{
  LsPreviewsPage *self = LS_PREVIEWS_PAGE (object);

  g_free (self->path);
  g_array_unref (self->steps);
  g_array_unref (self->enabled);
  g_clear_pointer (&self->pipeline, ls_augment_pipeline_free);
  g_clear_pointer (&self->tta, ls_tta_free);
  G_OBJECT_CLASS (ls_previews_page_parent_class)->finalize (object);
}

static void
ls_previews_page_class_init (LsPreviewsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_previews_page_dispose;
  object_class->finalize = ls_previews_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-previews-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, flap);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, settings_button);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, grid);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, steps_list);
  gtk_widget_class_bind_template_child (widget_class, LsPreviewsPage, error_page);
  gtk_widget_class_install_action (widget_class, "previews.reroll", NULL, reroll_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "previewspage");
}

static void
ls_previews_page_init (LsPreviewsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->steps = g_array_new (FALSE, TRUE, sizeof (LsAugmentSpec));
  self->enabled = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->seed = 1;
  g_object_bind_property (self->settings_button, "active", self->flap, "reveal-flap",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_after (self, "map", G_CALLBACK (map_cb), NULL);
}

GtkWidget *
ls_previews_page_new (void)
{
  return g_object_new (LS_TYPE_PREVIEWS_PAGE, NULL);
}

void
ls_previews_page_set_session (LsPreviewsPage *self,
                              LsSession *session)
{
  g_return_if_fail (LS_IS_PREVIEWS_PAGE (self));

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_set_object (&self->session, session);
  g_clear_pointer (&self->tta, ls_tta_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->pipeline, ls_augment_pipeline_free);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  if (session == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->steps_list), !ls_session_is_read_only (session));
  self->load_cancellable = g_cancellable_new ();
  ls_session_get_augment_async (session, self->load_cancellable, get_augment_cb,
                                g_object_ref (self));
}

void
ls_previews_page_set_file (LsPreviewsPage *self,
                           const char *path)
{
  g_return_if_fail (LS_IS_PREVIEWS_PAGE (self));

  if (g_strcmp0 (path, self->path) == 0)
    return;
  g_free (self->path);
  self->path = g_strdup (path);
  self->stale = TRUE;
  update (self);
}

void
ls_previews_page_reroll (LsPreviewsPage *self)
{
  g_return_if_fail (LS_IS_PREVIEWS_PAGE (self));

  self->seed = g_random_int () + 1;
  self->stale = TRUE;
  update (self);
}

const LsTta *
ls_previews_page_get_tta (LsPreviewsPage *self)
{
  g_return_val_if_fail (LS_IS_PREVIEWS_PAGE (self), NULL);
  return self->tta;
}

gboolean
ls_previews_page_is_busy (LsPreviewsPage *self)
{
  g_return_val_if_fail (LS_IS_PREVIEWS_PAGE (self), FALSE);
  return self->cancellable != NULL || self->pipeline == NULL;
}

const LsAugmentPipeline *
ls_previews_page_get_pipeline (LsPreviewsPage *self)
{
  g_return_val_if_fail (LS_IS_PREVIEWS_PAGE (self), NULL);
  return self->pipeline;
}

void
ls_previews_page_set_step_enabled (LsPreviewsPage *self,
                                   guint index,
                                   gboolean enabled)
{
  GtkListBoxRow *row;

  g_return_if_fail (LS_IS_PREVIEWS_PAGE (self));
  g_return_if_fail (index < self->steps->len);

  /* Through the switch, as a person does. */
  row = gtk_list_box_get_row_at_index (self->steps_list, (int) index);
  if (row != NULL)
    {
      GtkWidget *box = gtk_list_box_row_get_child (row);
      GtkWidget *head = gtk_widget_get_first_child (box);
      GtkWidget *sw = gtk_widget_get_last_child (head);

      gtk_switch_set_active (GTK_SWITCH (sw), enabled);
    }
}

char *
ls_previews_page_describe_pipeline (const LsAugmentPipeline *pipeline)
{
  GString *text = g_string_new (NULL);
  guint n = pipeline != NULL ? ls_augment_pipeline_get_n_steps (pipeline) : 0;

  for (guint i = 0; i < n; i++)
    {
      const LsAugmentSpec *spec = ls_augment_pipeline_get_step (pipeline, i);
      StepInfo info;

      if (!(spec->p > 0))
        continue;
      info = step_info (spec->kind);
      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: an augmentation step and how often it applies */
      g_string_append_printf (text, _ ("%s (%.0f\u00a0%%)"), _ (info.title), 100 * spec->p);
    }
  if (text->len == 0)
    g_string_append (text, _ ("No augmentation"));
  return g_string_free (text, FALSE);
}
