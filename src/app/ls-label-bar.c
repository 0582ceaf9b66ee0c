/* ls-label-bar.c — the current image's label, note, undo/redo and history
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-label-bar.h"

#include "report/report.h"

struct _LsLabelBar
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *status_label;
  GtkFlowBox *class_buttons;
  GtkEntry *note_entry;
  GtkExpander *history_expander;
  GtkListBox *history_list;

  /* Owned */
  char *sha256;
  char *shown_label;
  gboolean has_label; /* the image's label is known (history read) */
};

G_DEFINE_FINAL_TYPE (LsLabelBar, ls_label_bar, GTK_TYPE_WIDGET)

static void
ls_label_bar_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), LS_TYPE_LABEL_BAR);
  /* GTK 4.8 unparents only the template's named children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ls_label_bar_parent_class)->dispose (object);
}

static void
ls_label_bar_finalize (GObject *object)
{
  LsLabelBar *self = LS_LABEL_BAR (object);

  g_free (self->sha256);
  g_free (self->shown_label);
  G_OBJECT_CLASS (ls_label_bar_parent_class)->finalize (object);
}

static void
ls_label_bar_class_init (LsLabelBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_label_bar_dispose;
  object_class->finalize = ls_label_bar_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-label-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, LsLabelBar, status_label);
  gtk_widget_class_bind_template_child (widget_class, LsLabelBar, class_buttons);
  gtk_widget_class_bind_template_child (widget_class, LsLabelBar, note_entry);
  gtk_widget_class_bind_template_child (widget_class, LsLabelBar, history_expander);
  gtk_widget_class_bind_template_child (widget_class, LsLabelBar, history_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "labelbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ls_label_bar_init (LsLabelBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Label"), -1);
  ls_label_bar_set_image (self, NULL, FALSE);
}

GtkWidget *
ls_label_bar_new (void)
{
  return g_object_new (LS_TYPE_LABEL_BAR, NULL);
}

void
ls_label_bar_set_classes (LsLabelBar *self,
                          const char *const *classes)
{
  GtkWidget *child;

  g_return_if_fail (LS_IS_LABEL_BAR (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_buttons))) != NULL)
    gtk_flow_box_remove (self->class_buttons, child);
  for (guint k = 0; classes != NULL && classes[k] != NULL; k++)
    {
      const char *name = ls_application_class_name (classes[k]);
      g_autofree char *text = k < 9 ? g_strdup_printf ("%u  %s", k + 1, name) : g_strdup (name);
      g_autofree char *tip = k < 9 ? g_strdup_printf (_ ("Label %s (%u)"), name, k + 1)
                                   : g_strdup_printf (_ ("Label %s"), name);
      GtkWidget *button = gtk_button_new_with_label (text);
      g_autofree char *css = g_strdup_printf ("ls-class-%u", MIN (k, 7));

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.label");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", (gint32) k);
      gtk_widget_set_tooltip_text (button, tip);
      gtk_widget_add_css_class (button, "ls-label-button");
      gtk_widget_add_css_class (button, css);
      gtk_flow_box_append (self->class_buttons, button);
    }
  {
    GtkWidget *none = gtk_button_new_with_label (_ ("Unlabelled"));

    gtk_actionable_set_action_name (GTK_ACTIONABLE (none), "win.label");
    gtk_actionable_set_action_target (GTK_ACTIONABLE (none), "i", (gint32) -1);
    gtk_widget_set_tooltip_text (none, _ ("Remove the label"));
    gtk_widget_add_css_class (none, "flat");
    gtk_flow_box_append (self->class_buttons, none);
  }
}

void
ls_label_bar_set_image (LsLabelBar *self,
                        const char *sha256,
                        gboolean in_workspace)
{
  GtkWidget *child;

  g_return_if_fail (LS_IS_LABEL_BAR (self));

  g_free (self->sha256);
  self->sha256 = in_workspace ? g_strdup (sha256) : NULL;
  g_clear_pointer (&self->shown_label, g_free);
  self->has_label = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);
  gtk_widget_set_sensitive (GTK_WIDGET (self->class_buttons), self->sha256 != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->note_entry), self->sha256 != NULL);
  gtk_label_set_label (self->status_label,
                       sha256 == NULL  ? ""
                       : !in_workspace ? _ ("not in the workspace yet")
                                       : "");
}

/* Where a label came from, in the person's language (the store's names
 * are English words). */
static const char *
source_text (LsLabelSource source)
{
  switch (source)
    {
    case LS_LABEL_SOURCE_IMPORT:
      /* Translators: where a label came from: imported with the image */
      return C_ ("label source", "import");
    case LS_LABEL_SOURCE_USER:
      /* Translators: where a label came from: a person set it */
      return C_ ("label source", "user");
    case LS_LABEL_SOURCE_MODEL:
      /* Translators: where a label came from: the model proposed it */
      return C_ ("label source", "model");
    default:
      return ls_label_source_to_string (source);
    }
}

static char *
event_text (const LsLabelEvent *e)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (e->time / G_USEC_PER_SEC);
  g_autofree char *when = g_date_time_format (t, "%Y-%m-%d %H:%M");
  const char *old_label = e->old_label ? ls_application_class_name (e->old_label) : _ ("unlabelled");
  const char *new_label = e->new_label ? ls_application_class_name (e->new_label) : _ ("unlabelled");
  const char *kind = e->kind == LS_LABEL_KIND_UNDO   ? _ (", undo")
                     : e->kind == LS_LABEL_KIND_REDO ? _ (", redo")
                                                     : "";

  /* Translators: "Normal → Pneumonia, by anna, 2026-12-07 18:52 (user)" */
  return g_strdup_printf (_ ("%s → %s, by %s, %s (%s%s)%s%s"), old_label, new_label,
                          e->author ? e->author : _ ("unknown"), when,
                          source_text (e->source), kind, e->note ? ": " : "",
                          e->note ? e->note : "");
}

void
ls_label_bar_set_history (LsLabelBar *self,
                          GPtrArray *events)
{
  GtkWidget *child;
  const LsLabelEvent *last = NULL;

  g_return_if_fail (LS_IS_LABEL_BAR (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);
  for (guint i = events != NULL ? events->len : 0; i > 0; i--)
    {
      const LsLabelEvent *e = events->pdata[i - 1];
      g_autofree char *text = event_text (e);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 8);
      gtk_widget_set_margin_end (label, 8);
      gtk_widget_add_css_class (label, "caption");
      gtk_list_box_append (self->history_list, label);
      if (last == NULL)
        last = e;
    }
  g_clear_pointer (&self->shown_label, g_free);
  self->shown_label = last != NULL ? g_strdup (last->new_label) : NULL;
  self->has_label = TRUE;
  if (self->sha256 != NULL)
    {
      g_autofree char *text = NULL;

      if (self->shown_label != NULL)
        /* Translators: the committed label, "Pneumonia, saved" */
        text = g_strdup_printf (_ ("%s, saved"), ls_application_class_name (self->shown_label));
      else
        text = g_strdup (_ ("unlabelled"));
      gtk_label_set_label (self->status_label, text);
    }
}

void
ls_label_bar_set_saving (LsLabelBar *self,
                         const char *label)
{
  g_autofree char *text = NULL;

  g_return_if_fail (LS_IS_LABEL_BAR (self));

  text = g_strdup_printf (_ ("%s, saving…"), label ? ls_application_class_name (label) : _ ("unlabelled"));
  gtk_label_set_label (self->status_label, text);
}

const char *
ls_label_bar_get_note (LsLabelBar *self)
{
  const char *text;

  g_return_val_if_fail (LS_IS_LABEL_BAR (self), NULL);

  text = gtk_editable_get_text (GTK_EDITABLE (self->note_entry));
  return text != NULL && *text != '\0' ? text : NULL;
}

void
ls_label_bar_clear_note (LsLabelBar *self)
{
  g_return_if_fail (LS_IS_LABEL_BAR (self));
  gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
}

void
ls_label_bar_set_note (LsLabelBar *self,
                       const char *note)
{
  g_return_if_fail (LS_IS_LABEL_BAR (self));
  gtk_editable_set_text (GTK_EDITABLE (self->note_entry), note ? note : "");
}

const char *
ls_label_bar_get_shown_label (LsLabelBar *self)
{
  g_return_val_if_fail (LS_IS_LABEL_BAR (self), NULL);
  return self->shown_label;
}
