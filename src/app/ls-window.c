/* ls-window.c — the main window
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Lungscope"

#include "config.h"

#include <glib/gi18n.h>

#include "ls-window.h"

struct _LsWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwHeaderBar *header_bar;
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (LsWindow, ls_window, ADW_TYPE_APPLICATION_WINDOW)

static void
ls_window_class_init (LsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ls-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, LsWindow, status_page);
}

static void
ls_window_init (LsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

LsWindow *
ls_window_new (LsApplication *application)
{
  return g_object_new (LS_TYPE_WINDOW, "application", application, NULL);
}
