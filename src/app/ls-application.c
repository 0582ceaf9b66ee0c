/* ls-application.c — the Lungscope application: actions, accelerators, About
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-preferences-window.h"
#include "ls-window.h"

#include "report/report.h"

struct _LsApplication
{
  AdwApplication parent_instance;

  GSettings *settings; /* NULL where the schema is not installed */
};

G_DEFINE_FINAL_TYPE (LsApplication, ls_application, ADW_TYPE_APPLICATION)

/* The demo workspace a first start makes: $XDG_DATA_HOME/lungscope/. */
static char *
demo_workspace_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "lungscope", "Demo.lungscope", NULL);
}

const char *
ls_application_class_name (const char *class_name)
{
  return ls_report_class_label (class_name);
}

char *
ls_application_time_left (double elapsed,
                          double fraction)
{
  double left;

  /* Too early, or done: no estimate worth showing. */
  if (!(fraction > 0.02 && fraction < 1))
    return NULL;
  left = elapsed * (1 - fraction) / fraction;
  if (left < 90)
    return g_strdup_printf (_ ("about %.0f s left"), left);
  return g_strdup_printf (_ ("about %.0f min left"), left / 60);
}

void
ls_application_set_chart_theme (cairo_t *cr)
{
  ls_report_set_theme (cr, adw_style_manager_get_dark (adw_style_manager_get_default ()) ? LS_REPORT_THEME_DARK
                                                                                         : LS_REPORT_THEME_LIGHT);
}

GSettings *
ls_application_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

/* A new window opens the last workspace; the very first start makes the
 * demo workspace. */
static LsWindow *
new_window (LsApplication *self)
{
  LsWindow *window = ls_window_new (self);
  g_autoptr (GSettings) settings = ls_application_settings_new ();
  g_autofree char *last = NULL;
  g_autofree char *demo = demo_workspace_path ();

  if (settings != NULL && g_settings_get_boolean (settings, "reopen-last-workspace"))
    last = g_settings_get_string (settings, "last-workspace");
  if (last != NULL && *last != '\0' && g_file_test (last, G_FILE_TEST_IS_DIR))
    ls_window_open_workspace (window, last, FALSE);
  else if (g_file_test (demo, G_FILE_TEST_IS_DIR))
    ls_window_open_workspace (window, demo, FALSE);
  else
    ls_window_create_demo (window, demo);
  return window;
}

static void
ls_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (LS_APPLICATION (app)));
  gtk_window_present (window);
}

/* `lungscope FILE…`: diagnosed and added as a drop would. */
static void
ls_application_open (GApplication *app,
                     GFile **files,
                     int n_files,
                     const char *hint)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (LS_APPLICATION (app)));
  ls_window_open_files (LS_WINDOW (window), files, (guint) n_files);
  gtk_window_present (window);
}

/* The class colours of the report layer, for the bars and badges. */
static void
load_class_css (void)
{
  g_autoptr (GtkCssProvider) provider = gtk_css_provider_new ();
  GString *css = g_string_new (NULL);
  const char *names[] = { "normal", "pneumonia", "covid" };

  for (int k = 0; k < 8; k++)
    {
      guint32 c = ls_report_class_color (k < 3 ? names[k] : "", k);

      g_string_append_printf (css, ".ls-class-%d progress { background-color: #%06x; }\n", k, c);
    }
  gtk_css_provider_load_from_data (provider, css->str, (gssize) css->len);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_string_free (css, TRUE);
}

/* The About window opens once its debug information (what `lungscope-cli
 * info` prints) is read, in a worker: a moment. */
static void
about_info_cb (GObject *source,
               GAsyncResult *result,
               gpointer user_data)
{
  g_autoptr (LsApplication) self = user_data;
  g_autofree char *debug_info = ls_info_text_finish (result, NULL);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _ ("The Lungscope developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-name", _ ("Lungscope"),
                        "application-icon", APPLICATION_ID,
                        "developer-name", _ ("The Lungscope developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _ ("Read, label and re-teach a chest X-ray classifier.\n\n"
                                       "Lungscope is not a medical device. Its probabilities and "
                                       "overlays are not a diagnosis."),
                        "website", "https://github.com/lungscope/lungscope",
                        "issue-url", "https://github.com/lungscope/lungscope/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", _ ("© 2026 The Lungscope developers"),
                        "debug-info", debug_info,
                        "debug-info-filename", "lungscope-debug-info.txt",
                        /* last: the window is complete when the app adds it */
                        "application", self,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
ls_application_about_action (GSimpleAction *action,
                             GVariant *parameter,
                             gpointer user_data)
{
  LsApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  LsSession *session = LS_IS_WINDOW (window) ? ls_window_get_session (LS_WINDOW (window)) : NULL;

  ls_info_text_async (session != NULL ? ls_session_get_path (session) : NULL, NULL, about_info_cb,
                      g_object_ref (self));
}

static void
ls_application_preferences_action (GSimpleAction *action,
                                   GVariant *parameter,
                                   gpointer user_data)
{
  LsApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences = ls_preferences_window_new (window, self->settings);

  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
ls_application_quit_action (GSimpleAction *action,
                            GVariant *parameter,
                            gpointer user_data)
{
  LsApplication *self = user_data;
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                                     (GCopyFunc) g_object_ref, NULL);

  /* Close windows first so each one cancels its work and saves its state:
   * dialogs before the windows they belong to. A copy with references, since
   * destroying one window may destroy others. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (gtk_window_get_transient_for (l->data) != NULL)
      gtk_window_destroy (l->data);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free_full (windows, g_object_unref);
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "about", ls_application_about_action },
  { "preferences", ls_application_preferences_action },
  { "quit", ls_application_quit_action },
};

/* The "color-scheme" setting: the system's style, or light or dark. */
static void
color_scheme_cb (GSettings *settings,
                 const char *key,
                 LsApplication *self)
{
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
  AdwColorScheme color_scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (scheme, "light"))
    color_scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (scheme, "dark"))
    color_scheme = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), color_scheme);
}

static void
ls_application_startup (GApplication *app)
{
  LsApplication *self = LS_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (ls_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  load_class_css ();
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  self->settings = ls_application_settings_new ();
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::color-scheme", G_CALLBACK (color_scheme_cb),
                               self, 0);
      color_scheme_cb (self->settings, "color-scheme", self);
    }
}

static void
ls_application_dispose (GObject *object)
{
  LsApplication *self = LS_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ls_application_parent_class)->dispose (object);
}

static void
ls_application_class_init (LsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ls_application_dispose;
  app_class->activate = ls_application_activate;
  app_class->open = ls_application_open;
  app_class->startup = ls_application_startup;
}

static void
ls_application_init (LsApplication *self)
{
}

LsApplication *
ls_application_new (void)
{
  return g_object_new (LS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}
