/* ls-train-dialog.c — Train from scratch: the settings a person chooses
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-previews-page.h"
#include "ls-train-dialog-private.h"

#include "pipeline/train.h"
#include "pipeline/params.h"

G_DEFINE_FINAL_TYPE (LsTrainDialog, ls_train_dialog, ADW_TYPE_WINDOW)

enum
{
  TRAIN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the augmentation in words ---- */

static void
update_augment (LsTrainDialog *self)
{
  g_autoptr (LsAugmentPipeline) def = NULL;
  g_autofree char *words = NULL;

  switch ((LsTrainAugmentChoice) adw_combo_row_get_selected (self->augment_row))
    {
    case LS_TRAIN_AUGMENT_WORKSPACE:
      words = self->workspace_pipeline != NULL
                  ? ls_previews_page_describe_pipeline (self->workspace_pipeline)
                  : g_strdup (_ ("Reading the workspace's augmentation…"));
      break;
    case LS_TRAIN_AUGMENT_DEFAULT:
      def = ls_augment_pipeline_new_default ();
      words = ls_previews_page_describe_pipeline (def);
      break;
    case LS_TRAIN_AUGMENT_NONE:
    default:
      words = g_strdup (_ ("The training images as they are"));
      break;
    }
  adw_preferences_group_set_description (self->augment_group, words);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.start",
                                 self->workspace_pipeline != NULL ||
                                     adw_combo_row_get_selected (self->augment_row) !=
                                         LS_TRAIN_AUGMENT_WORKSPACE);
}

static void
take_pipeline (LsTrainDialog *self,
               LsAugmentPipeline *pipeline)
{
  g_clear_pointer (&self->workspace_pipeline, ls_augment_pipeline_free);
  self->workspace_pipeline = pipeline;
  update_augment (self);
}

static void
get_augment_cb (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (LsTrainDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  LsAugmentPipeline *pipeline = ls_session_get_augment_finish (LS_SESSION (source), result, &error);

  if (pipeline == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (pipeline == NULL)
    {
      g_warning ("%s: %s", ls_session_get_path (LS_SESSION (source)), error->message);
      pipeline = ls_augment_pipeline_new_default ();
    }
  take_pipeline (self, pipeline);
}

static void
augment_selected_cb (LsTrainDialog *self)
{
  update_augment (self);
}

/* ---- Train ---- */

void
ls_train_dialog_get_options (LsTrainDialog *self,
                             LsSessionTrainOptions *options)
{
  g_return_if_fail (LS_IS_TRAIN_DIALOG (self));

  ls_session_train_options_init (options);
  options->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  options->size = gtk_spin_button_get_value_as_int (self->size_spin);
  options->balanced = gtk_switch_get_active (self->balanced_switch);
  options->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  switch ((LsTrainAugmentChoice) adw_combo_row_get_selected (self->augment_row))
    {
    case LS_TRAIN_AUGMENT_WORKSPACE:
      options->augment = self->workspace_pipeline != NULL
                             ? ls_augment_pipeline_to_string (self->workspace_pipeline)
                             : NULL;
      break;
    case LS_TRAIN_AUGMENT_DEFAULT:
      options->augment = NULL;
      break;
    case LS_TRAIN_AUGMENT_NONE:
    default:
      options->augment = g_strdup ("");
      break;
    }
}

static void
train_action (GtkWidget *widget,
              const char *name,
              GVariant *parameter)
{
  LsTrainDialog *self = LS_TRAIN_DIALOG (widget);
  g_auto (LsSessionTrainOptions) options = { 0 };

  /* A value typed but not yet committed counts. */
  gtk_spin_button_update (self->epochs_spin);
  gtk_spin_button_update (self->size_spin);
  gtk_spin_button_update (self->seed_spin);
  ls_train_dialog_get_options (self, &options);
  g_signal_emit (self, signals[TRAIN], 0, &options);
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- the type ---- */

static void
ls_train_dialog_dispose (GObject *object)
{
  LsTrainDialog *self = LS_TRAIN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_TRAIN_DIALOG);
  G_OBJECT_CLASS (ls_train_dialog_parent_class)->dispose (object);
}

static void
ls_train_dialog_finalize (GObject *object)
{
  LsTrainDialog *self = LS_TRAIN_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->workspace_pipeline, ls_augment_pipeline_free);
  G_OBJECT_CLASS (ls_train_dialog_parent_class)->finalize (object);
}

static void
ls_train_dialog_class_init (LsTrainDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ls_train_dialog_dispose;
  object_class->finalize = ls_train_dialog_finalize;

  signals[TRAIN] = g_signal_new ("train", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ls-train-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, size_spin);
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, augment_group);
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, augment_row);
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, balanced_switch);
  gtk_widget_class_bind_template_child (widget_class, LsTrainDialog, seed_spin);
  gtk_widget_class_bind_template_callback (widget_class, augment_selected_cb);
  gtk_widget_class_install_action (widget_class, "train.start", NULL, train_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

/* A spin button's range, step and default from the parameter table, so
 * the dialog and 'lungscope-cli train' cannot disagree. */
static void
setup_spin (GtkSpinButton *spin,
            const char *name,
            double lower,
            double upper,
            double value)
{
  const LsParam *p = ls_params_find (LS_PARAMS_TRAIN, name);

  g_return_if_fail (p != NULL);
  gtk_spin_button_set_range (spin, p->type == LS_PARAM_SEED ? lower : p->min,
                             p->type == LS_PARAM_SEED ? upper : p->max);
  gtk_spin_button_set_increments (spin, p->step, 10 * p->step);
  gtk_spin_button_set_digits (spin, (guint) p->digits);
  gtk_spin_button_set_value (spin, value);
}

static void
ls_train_dialog_init (LsTrainDialog *self)
{
  const LsParam *epochs = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_EPOCHS);
  const LsParam *seed = ls_params_find (LS_PARAMS_TRAIN, LS_PARAM_SEED_NAME);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  setup_spin (self->epochs_spin, LS_PARAM_EPOCHS, 0, 0, epochs->default_value);
  /* 0 ("the spec's") is not offered: the spin shows the size it means. */
  setup_spin (self->size_spin, LS_PARAM_SIZE, 0, 0, ls_train_default_input_size ());
  setup_spin (self->seed_spin, LS_PARAM_SEED_NAME, 0, G_MAXUINT32, seed->default_value);
  update_augment (self);
}

GtkWidget *
ls_train_dialog_new (GtkWindow *parent,
                     LsSession *session,
                     const LsAugmentPipeline *pipeline)
{
  LsTrainDialog *self;

  g_return_val_if_fail (LS_IS_SESSION (session), NULL);

  self = g_object_new (LS_TYPE_TRAIN_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->session = g_object_ref (session);
  if (pipeline != NULL)
    {
      g_autofree char *text = ls_augment_pipeline_to_string (pipeline);

      take_pipeline (self, ls_augment_pipeline_new_from_string (text, NULL));
    }
  if (self->workspace_pipeline == NULL)
    ls_session_get_augment_async (session, self->cancellable, get_augment_cb, g_object_ref (self));
  return GTK_WIDGET (self);
}
