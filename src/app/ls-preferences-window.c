/* ls-preferences-window.c — the Preferences window (ls-preferences-window.h)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-preferences-window.h"

struct _LsPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwPreferencesGroup *no_schema_group;
  AdwComboRow *color_scheme_row;
  GtkSwitch *reopen_last_workspace;
  GtkSpinButton *recent_workspaces_limit;
  GtkSwitch *overlay_visible;
  GtkSpinButton *overlay_opacity;
  AdwComboRow *colormap_row;
  AdwComboRow *saliency_method_row;
  GtkSpinButton *smoothgrad_samples;
  GtkSpinButton *engine_threads;
  GtkSpinButton *finetune_epochs;
  GtkSpinButton *crossval_folds;
  GtkSpinButton *crossval_epochs;

  /* Owned references */
  GSettings *settings; /* NULL where the schema is not installed */
};

G_DEFINE_FINAL_TYPE (LsPreferencesWindow, ls_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum
{
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A string key with choices shown as a combo row: the key's values, in the
 * order of their names on screen. */
typedef struct
{
  const char *key;
  const char *const *values;
  const char *names[5];
} Choices;

static const char *const color_scheme_values[] = { "default", "light", "dark", NULL };
static const char *const colormap_values[] = { "turbo", "inferno", "viridis", "gray", NULL };
static const char *const method_values[] = { "gradcam", "gradient", "smoothgrad", NULL };

static const Choices color_scheme_choices = {
  "color-scheme",
  color_scheme_values,
  { N_ ("Follow System"), N_ ("Light"), N_ ("Dark"), NULL },
};
static const Choices colormap_choices = {
  "colormap",
  colormap_values,
  { N_ ("Turbo"), N_ ("Inferno"), N_ ("Viridis"), N_ ("Gray"), NULL },
};
static const Choices method_choices = {
  "saliency-method",
  method_values,
  { N_ ("Grad-CAM"), N_ ("Input gradient"), N_ ("SmoothGrad"), NULL },
};

static gboolean
choice_get_mapping (GValue *value,
                    GVariant *variant,
                    gpointer user_data)
{
  const char *const *values = user_data;
  const char *s = g_variant_get_string (variant, NULL);

  for (guint i = 0; values[i] != NULL; i++)
    if (g_str_equal (s, values[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
choice_set_mapping (const GValue *value,
                    const GVariantType *expected_type,
                    gpointer user_data)
{
  const char *const *values = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) values))
    return NULL;
  return g_variant_new_string (values[i]);
}

/* The rows' choices never cut short (the default factory ellipsizes the
 * chosen one beside a long description): a plain label each. */
static void
choice_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem *item,
                 gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
choice_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem *item,
                gpointer user_data)
{
  GtkStringObject *choice = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (choice));
}

static void
setup_choices (LsPreferencesWindow *self,
               AdwComboRow *row,
               const Choices *choices)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);

  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (choice_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (choice_bind_cb), NULL);
  adw_combo_row_set_factory (row, factory);
  for (guint i = 0; choices->names[i] != NULL; i++)
    gtk_string_list_append (list, _ (choices->names[i]));
  adw_combo_row_set_model (row, G_LIST_MODEL (list));
  if (self->settings != NULL)
    g_settings_bind_with_mapping (self->settings, choices->key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                  choice_get_mapping, choice_set_mapping, (gpointer) choices->values, NULL);
}

/* A number key on a spin button, its range the schema's. */
static void
setup_number (LsPreferencesWindow *self,
              GtkSpinButton *spin,
              const char *key)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (spin);
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettingsSchemaKey) schema_key = NULL;
  g_autoptr (GVariant) range = NULL;
  g_autoptr (GVariant) limits = NULL;
  const char *kind = NULL;

  if (self->settings == NULL)
    return;
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &kind, &limits);
  if (g_str_equal (kind, "range"))
    {
      g_autoptr (GVariant) lo = g_variant_get_child_value (limits, 0);
      g_autoptr (GVariant) hi = g_variant_get_child_value (limits, 1);
      double lower, upper;

      if (g_variant_is_of_type (lo, G_VARIANT_TYPE_DOUBLE))
        lower = g_variant_get_double (lo), upper = g_variant_get_double (hi);
      else if (g_variant_is_of_type (lo, G_VARIANT_TYPE_UINT32))
        lower = g_variant_get_uint32 (lo), upper = g_variant_get_uint32 (hi);
      else
        lower = g_variant_get_int32 (lo), upper = g_variant_get_int32 (hi);
      gtk_adjustment_set_lower (adjustment, lower);
      gtk_adjustment_set_upper (adjustment, upper);
    }
  g_settings_bind (self->settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);
}

/* A suffix control is named by its row's title (screen readers). */
static void
name_by_row (GtkWidget *control)
{
  GtkWidget *row = gtk_widget_get_ancestor (control, ADW_TYPE_PREFERENCES_ROW);

  g_return_if_fail (row != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), -1);
}

/* AdwPreferencesWindow's own search entry comes without a name. */
static void
name_search_entries (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _ ("Search preferences"), -1);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    name_search_entries (c);
}

static void
ls_preferences_window_constructed (GObject *object)
{
  LsPreferencesWindow *self = LS_PREFERENCES_WINDOW (object);
  struct
  {
    GtkSpinButton *spin;
    const char *key;
  } numbers[] = {
    { self->recent_workspaces_limit, "recent-workspaces-limit" },
    { self->overlay_opacity, "overlay-opacity" },
    { self->smoothgrad_samples, "smoothgrad-samples" },
    { self->engine_threads, "engine-threads" },
    { self->finetune_epochs, "finetune-epochs" },
    { self->crossval_folds, "crossval-folds" },
    { self->crossval_epochs, "crossval-epochs" },
  };
  struct
  {
    GtkSwitch *toggle;
    const char *key;
  } switches[] = {
    { self->reopen_last_workspace, "reopen-last-workspace" },
    { self->overlay_visible, "overlay-visible" },
  };

  G_OBJECT_CLASS (ls_preferences_window_parent_class)->constructed (object);

  name_search_entries (GTK_WIDGET (self));
  setup_choices (self, self->color_scheme_row, &color_scheme_choices);
  setup_choices (self, self->colormap_row, &colormap_choices);
  setup_choices (self, self->saliency_method_row, &method_choices);
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      setup_number (self, numbers[i].spin, numbers[i].key);
      name_by_row (GTK_WIDGET (numbers[i].spin));
    }
  for (guint i = 0; i < G_N_ELEMENTS (switches); i++)
    {
      if (self->settings != NULL)
        g_settings_bind (self->settings, switches[i].key, switches[i].toggle, "active",
                         G_SETTINGS_BIND_DEFAULT);
      else
        gtk_switch_set_active (switches[i].toggle, TRUE);
      name_by_row (GTK_WIDGET (switches[i].toggle));
    }

  if (self->settings == NULL)
    {
      /* An uninstalled run without the compiled schema: the defaults, shown
       * and fixed, and why. */
      GtkWidget *group = GTK_WIDGET (self->no_schema_group);
      /* Translators: %s is the settings schema's name, io.github.lungscope.Lungscope */
      g_autofree char *why = g_strdup_printf (_ ("Lungscope’s settings schema (%s) is not installed, so "
                                                 "nothing can be remembered. The defaults are used."),
                                              APPLICATION_ID);

      adw_preferences_group_set_description (self->no_schema_group, why);
      gtk_widget_set_visible (group, TRUE);
      for (GtkWidget *g = gtk_widget_get_next_sibling (group); g != NULL; g = gtk_widget_get_next_sibling (g))
        gtk_widget_set_sensitive (g, FALSE);
    }
}

static void
ls_preferences_window_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  LsPreferencesWindow *self = LS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_preferences_window_set_property (GObject *object,
                                    guint prop_id,
                                    const GValue *value,
                                    GParamSpec *pspec)
{
  LsPreferencesWindow *self = LS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ls_preferences_window_dispose (GObject *object)
{
  LsPreferencesWindow *self = LS_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LS_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ls_preferences_window_parent_class)->dispose (object);
}

static void
ls_preferences_window_class_init (LsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ls_preferences_window_constructed;
  object_class->get_property = ls_preferences_window_get_property;
  object_class->set_property = ls_preferences_window_set_property;
  object_class->dispose = ls_preferences_window_dispose;

  properties[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                                                   G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                       G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, no_schema_group);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, reopen_last_workspace);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, recent_workspaces_limit);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, overlay_visible);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, overlay_opacity);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, colormap_row);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, saliency_method_row);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, smoothgrad_samples);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, engine_threads);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, finetune_epochs);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, crossval_folds);
  gtk_widget_class_bind_template_child (widget_class, LsPreferencesWindow, crossval_epochs);
}

static void
ls_preferences_window_init (LsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ls_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  return g_object_new (LS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}

GSettings *
ls_preferences_window_get_settings (LsPreferencesWindow *self)
{
  g_return_val_if_fail (LS_IS_PREFERENCES_WINDOW (self), NULL);
  return self->settings;
}
