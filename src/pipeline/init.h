/* init.h — what a program does first: the app and the CLI call the same
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void ls_pipeline_init (char **argv);

G_END_DECLS
