/* ls-diagnosis-panel.c — the model's reading of one radiograph
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ls-diagnosis-panel.h"

#include "report/report.h"

struct _LsDiagnosisPanel
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkLabel *file_label;
  GtkLabel *top_label;
  GtkLabel *top_detail;
  GtkSpinner *spinner;
  GtkBox *ood_box;
  GtkLabel *ood_label;
  GtkGrid *bars;
  GtkLabel *model_label;
  GtkLabel *model_id_label;
  GtkLabel *timing_label;
  AdwStatusPage *error_page;

  /* Owned */
  GStrv classes;
  GPtrArray *bar_widgets;  /* GtkProgressBar, one a class */
  GPtrArray *value_labels; /* GtkLabel */
  double *shown;           /* n_classes, NAN when none */
  int predicted;
  char *model_name;
  char *model_id;
};

G_DEFINE_FINAL_TYPE (LsDiagnosisPanel, ls_diagnosis_panel, GTK_TYPE_WIDGET)

static void
ls_diagnosis_panel_dispose (GObject *object)
{
  LsDiagnosisPanel *self = LS_DIAGNOSIS_PANEL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_DIAGNOSIS_PANEL);
  G_OBJECT_CLASS (ls_diagnosis_panel_parent_class)->dispose (object);
}

static void
ls_diagnosis_panel_finalize (GObject *object)
{
  LsDiagnosisPanel *self = LS_DIAGNOSIS_PANEL (object);

  g_strfreev (self->classes);
  g_clear_pointer (&self->bar_widgets, g_ptr_array_unref);
  g_clear_pointer (&self->value_labels, g_ptr_array_unref);
  g_free (self->shown);
  g_free (self->model_name);
  g_free (self->model_id);
  G_OBJECT_CLASS (ls_diagnosis_panel_parent_class)->finalize (object);
}

static void
ls_diagnosis_panel_class_init (LsDiagnosisPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_diagnosis_panel_dispose;
  object_class->finalize = ls_diagnosis_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-diagnosis-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, file_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, top_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, top_detail);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, ood_box);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, ood_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, bars);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, model_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, model_id_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, timing_label);
  gtk_widget_class_bind_template_child (widget_class, LsDiagnosisPanel, error_page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "diagnosispanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ls_diagnosis_panel_init (LsDiagnosisPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->predicted = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Model reading"), -1);
}

GtkWidget *
ls_diagnosis_panel_new (void)
{
  return g_object_new (LS_TYPE_DIAGNOSIS_PANEL, NULL);
}

static void
rebuild_bars (LsDiagnosisPanel *self)
{
  GtkWidget *child;
  int n = self->classes != NULL ? (int) g_strv_length (self->classes) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bars))) != NULL)
    gtk_grid_remove (self->bars, child);
  g_clear_pointer (&self->bar_widgets, g_ptr_array_unref);
  g_clear_pointer (&self->value_labels, g_ptr_array_unref);
  self->bar_widgets = g_ptr_array_new ();
  self->value_labels = g_ptr_array_new ();
  g_free (self->shown);
  self->shown = g_new (double, MAX (n, 1));
  for (int k = 0; k < n; k++)
    {
      const char *shown = ls_report_class_display_name (self->classes[k]);
      GtkWidget *name = gtk_label_new (shown);
      GtkWidget *bar = gtk_progress_bar_new ();
      GtkWidget *value = gtk_label_new ("–");
      g_autofree char *css = g_strdup_printf ("ls-class-%d", MIN (k, 7));

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_widget_set_hexpand (bar, TRUE);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (bar, "ls-class-bar");
      gtk_widget_add_css_class (bar, css);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, shown,
                                      -1);
      gtk_label_set_xalign (GTK_LABEL (value), 1);
      gtk_label_set_width_chars (GTK_LABEL (value), 7);
      gtk_widget_add_css_class (value, "numeric");
      gtk_grid_attach (self->bars, name, 0, k, 1, 1);
      gtk_grid_attach (self->bars, bar, 1, k, 1, 1);
      gtk_grid_attach (self->bars, value, 2, k, 1, 1);
      g_ptr_array_add (self->bar_widgets, bar);
      g_ptr_array_add (self->value_labels, value);
      self->shown[k] = NAN;
    }
}

void
ls_diagnosis_panel_set_model (LsDiagnosisPanel *self,
                              const LsModelChoice *choice)
{
  const LsModel *model;

  g_return_if_fail (LS_IS_DIAGNOSIS_PANEL (self));

  g_clear_pointer (&self->classes, g_strfreev);
  g_clear_pointer (&self->model_name, g_free);
  g_clear_pointer (&self->model_id, g_free);
  if (choice != NULL)
    {
      model = choice->model;
      self->classes = g_strdupv (model->classes);
      self->model_name = g_strdup (*model->name ? model->name : choice->path);
      self->model_id = g_strdup (model->id);
    }
  rebuild_bars (self);
  gtk_label_set_label (self->model_label, self->model_name ? self->model_name : "");
  gtk_label_set_label (self->model_id_label, self->model_id ? self->model_id : "");
  ls_diagnosis_panel_clear (self);
}

void
ls_diagnosis_panel_clear (LsDiagnosisPanel *self)
{
  g_return_if_fail (LS_IS_DIAGNOSIS_PANEL (self));

  gtk_spinner_stop (self->spinner);
  self->predicted = -1;
  if (self->shown != NULL && self->classes != NULL)
    for (guint k = 0; self->classes[k] != NULL; k++)
      self->shown[k] = NAN;
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
show_probabilities (LsDiagnosisPanel *self,
                    const LsPrediction *p)
{
  const char *top;
  g_autofree char *detail = NULL;

  g_return_if_fail (self->classes != NULL && (int) g_strv_length (self->classes) == p->n_classes);
  for (int k = 0; k < p->n_classes; k++)
    {
      g_autofree char *text = g_strdup_printf ("%.1f %%", 100.0 * p->probs[k]);
      GtkWidget *bar = self->bar_widgets->pdata[k];
      g_autofree char *value_text = g_strdup_printf ("%.1f percent", 100.0 * p->probs[k]);

      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), CLAMP (p->probs[k], 0.0f, 1.0f));
      gtk_label_set_label (self->value_labels->pdata[k], text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                      value_text, -1);
      if (k == p->predicted)
        gtk_widget_add_css_class (bar, "ls-top");
      else
        gtk_widget_remove_css_class (bar, "ls-top");
      self->shown[k] = p->probs[k];
    }
  self->predicted = p->predicted;
  top = ls_report_class_display_name (self->classes[p->predicted]);
  gtk_label_set_label (self->top_label, top);
  /* Translators: "the model's most likely class, 87.3 %" */
  detail = g_strdup_printf (_ ("The model’s most likely class, %.1f %%"),
                            100.0 * p->probs[p->predicted]);
  gtk_label_set_label (self->top_detail, detail);
  if (p->ood_flag)
    {
      g_autofree char *text = g_strdup_printf (_ ("This image looks unlike the images the model "
                                                  "was trained on (out-of-distribution score "
                                                  "%.1f). Its answer may mean little."),
                                               p->ood_score);

      gtk_label_set_label (self->ood_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->ood_box), p->ood_flag);
  gtk_stack_set_visible_child_name (self->stack, "reading");
}

void
ls_diagnosis_panel_show_probabilities (LsDiagnosisPanel *self,
                                       const char *file_name,
                                       const LsPrediction *prediction)
{
  g_return_if_fail (LS_IS_DIAGNOSIS_PANEL (self));

  gtk_label_set_label (self->file_label, file_name ? file_name : "");
  show_probabilities (self, prediction);
  gtk_label_set_label (self->timing_label, _ ("Computing the saliency map…"));
  gtk_spinner_start (self->spinner);
}

void
ls_diagnosis_panel_show_diagnosis (LsDiagnosisPanel *self,
                                   const char *file_name,
                                   const LsDiagnosis *d)
{
  g_autofree char *base = NULL;
  g_autofree char *timing = NULL;

  g_return_if_fail (LS_IS_DIAGNOSIS_PANEL (self));

  base = file_name != NULL ? g_strdup (file_name) : g_path_get_basename (d->name);
  gtk_label_set_label (self->file_label, base);
  show_probabilities (self, d->prediction);
  gtk_spinner_stop (self->spinner);
  if (d->log_id > 0)
    timing = g_strdup_printf (_ ("Read in %.1f ms, predicted in %.1f ms; logged in the workspace"),
                              1000 * d->read_seconds, 1000 * d->prediction->seconds);
  else
    timing = g_strdup_printf (_ ("Read in %.1f ms, predicted in %.1f ms; not logged"),
                              1000 * d->read_seconds, 1000 * d->prediction->seconds);
  gtk_label_set_label (self->timing_label, timing);
}

void
ls_diagnosis_panel_show_error (LsDiagnosisPanel *self,
                               const char *message)
{
  g_return_if_fail (LS_IS_DIAGNOSIS_PANEL (self));

  gtk_spinner_stop (self->spinner);
  self->predicted = -1;
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

double
ls_diagnosis_panel_get_probability (LsDiagnosisPanel *self,
                                    int k)
{
  g_return_val_if_fail (LS_IS_DIAGNOSIS_PANEL (self), NAN);

  if (self->classes == NULL || k < 0 || k >= (int) g_strv_length (self->classes) ||
      self->predicted < 0)
    return NAN;
  return self->shown[k];
}

int
ls_diagnosis_panel_get_predicted (LsDiagnosisPanel *self)
{
  g_return_val_if_fail (LS_IS_DIAGNOSIS_PANEL (self), -1);
  return self->predicted;
}

gboolean
ls_diagnosis_panel_get_ood_shown (LsDiagnosisPanel *self)
{
  g_return_val_if_fail (LS_IS_DIAGNOSIS_PANEL (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->ood_box));
}

const char *
ls_diagnosis_panel_get_model_id (LsDiagnosisPanel *self)
{
  g_return_val_if_fail (LS_IS_DIAGNOSIS_PANEL (self), NULL);
  return self->model_id;
}
