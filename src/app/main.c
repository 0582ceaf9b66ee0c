/* main.c — the lungscope program
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ls-application.h"
#include "pipeline/init.h"

int
main (int argc,
      char *argv[])
{
  g_autoptr (LsApplication) app = NULL;

  ls_pipeline_init (argv);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_ ("Lungscope"));
  app = ls_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
