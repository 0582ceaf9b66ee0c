/* ls-application.c — the Lungscope application: actions, accelerators, About
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-application.h"
#include "ls-window.h"

struct _LsApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (LsApplication, ls_application, ADW_TYPE_APPLICATION)

static void
ls_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (ls_window_new (LS_APPLICATION (app)));
  gtk_window_present (window);
}

static void
ls_application_about_action (GSimpleAction *action,
                             GVariant *parameter,
                             gpointer user_data)
{
  LsApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Lungscope developers", NULL };
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
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Lungscope developers",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
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
  { "quit", ls_application_quit_action },
};

static void
ls_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (ls_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
ls_application_class_init (LsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = ls_application_activate;
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
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}
