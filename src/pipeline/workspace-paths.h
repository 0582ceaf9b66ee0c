/* workspace-paths.h — which workspace a command or the app works on, and
 * an image of a workspace named the way people name it
 *
 * The workspace (DESIGN.md §10): the one given (`-w/--workspace`), else
 * $LUNGSCOPE_WORKSPACE, else the app's last workspace (its GSettings key
 * `last-workspace`, read only where the app's schema is installed and the
 * folder still exists), else none.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dataset/store.h"
#include "imaging/augment.h"

G_BEGIN_DECLS

#define LS_WORKSPACE_ENV "LUNGSCOPE_WORKSPACE"
/* The app's GSettings key that holds its last workspace. */
#define LS_SETTINGS_LAST_WORKSPACE "last-workspace"

typedef enum
{
  LS_WORKSPACE_ORIGIN_NONE,
  LS_WORKSPACE_ORIGIN_OPTION, /* given on the command line */
  LS_WORKSPACE_ORIGIN_ENV,    /* $LUNGSCOPE_WORKSPACE */
  LS_WORKSPACE_ORIGIN_LAST,   /* the app's last workspace */
  LS_WORKSPACE_ORIGIN_APP,    /* open in the app's window */
} LsWorkspaceOrigin;

/* "none", "option", "environment", "last", "app" */
const char *ls_workspace_origin_to_string (LsWorkspaceOrigin origin);

/* The app's last workspace, or NULL (no schema installed, unset, or the
 * folder is gone). */
char *ls_pipeline_get_last_workspace (void);

/* The workspace to use (see above): a new string or NULL; *@origin (may be
 * NULL) says where it came from. */
char *ls_pipeline_resolve_workspace (const char *option,
                                     LsWorkspaceOrigin *origin);

/* The image @image names in @store: a file (its bytes hashed, so a copy
 * anywhere finds the imported original) or a hash prefix. */
LsStoreImage *ls_workspace_find_image (LsStore *store,
                                       const char *image,
                                       GError **error);

/* The store setting that holds the workspace's training augmentation
 * (augment.h's text); training uses it when none is given. */
#define LS_WORKSPACE_SETTING_AUGMENT "augment"

/* The workspace's augmentation pipeline: its setting, else the default
 * (*@is_default, may be NULL, says which). A setting that no longer parses
 * is an error naming the workspace. */
LsAugmentPipeline *ls_workspace_get_augment (LsStore *store,
                                             gboolean *is_default,
                                             GError **error);
/* Saves @pipeline as the workspace's (NULL: back to the default). */
gboolean ls_workspace_set_augment (LsStore *store,
                                   const LsAugmentPipeline *pipeline,
                                   GError **error);

G_END_DECLS
