/* ls-session-train.h — the session's calls for Train from scratch (DESIGN
 * §2, flow 3) and for the Grad-CAM maps of the retrain comparison, as
 * _async/_finish pairs that run in GTask workers (the rules of
 * ls-session.h: each worker opens its own store; the session's model is
 * used under its lock)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "imaging/colormap.h"
#include "ls-session.h"

G_BEGIN_DECLS

/* What the Train dialog sets; the rest is ls_train_config_init's. */
typedef struct
{
  int epochs;
  int size;      /* input size in pixels; 0 = the architecture's */
  char *augment; /* augmentation text; NULL = the default chest pipeline; "" = none */
  gboolean balanced;
  guint64 seed;
} LsSessionTrainOptions;

void ls_session_train_options_init (LsSessionTrainOptions *options);
void ls_session_train_options_clear (LsSessionTrainOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LsSessionTrainOptions, ls_session_train_options_clear)

typedef struct
{
  LsWorkspaceRun *run; /* the new model, registered, not active */
  char *parent_id;     /* the active model it is compared with, or NULL (none) */
  /* Both on the test part, read once (NULL without a parent). */
  LsWorkspaceComparison *comparison;
  GStrv flip_names;           /* one a flip of the comparison */
  GPtrArray *flip_thumbnails; /* GdkTexture or NULL, one a flip */
} LsSessionTrain;

void ls_session_train_free (LsSessionTrain *train);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSessionTrain, ls_session_train_free)

/* Trains a model from scratch on the workspace's split
 * (ls_workspace_train), registered but not made active, then compares it
 * with the active model on the test part (ls_workspace_compare), with
 * progress and each epoch on the main context. Cancelled: no model and
 * no model file left. */
void ls_session_train_async (LsSession *self,
                             const LsSessionTrainOptions *options,
                             LsProgressShowFunc progress,
                             LsSessionEpochFunc on_epoch,
                             gpointer user_data,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer callback_data);
LsSessionTrain *ls_session_train_finish (LsSession *self,
                                         GAsyncResult *result,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One image's Grad-CAM over its thumbnail, for two models. */
typedef struct
{
  GdkTexture *before; /* model A's map, or NULL when it could not be made */
  GdkTexture *after;  /* model B's */
  int class_before;   /* the class each map explains (the model's answer) */
  int class_after;
} LsSessionMapPair;

/* (element-type LsSessionMapPair) */
void ls_session_map_pairs_free (GPtrArray *pairs);

/* The Grad-CAM of registered models @model_a and @model_b on workspace
 * images @sha256 (each map of the class that model predicts), drawn over
 * the image at most @max_side pixels a side with @colormap at @opacity,
 * as the viewer draws its overlay. The session's model is used under its
 * lock when it is one of them; the other is loaded in the worker. */
void ls_session_flip_maps_async (LsSession *self,
                                 const char *model_a,
                                 const char *model_b,
                                 const char *const *sha256,
                                 int max_side,
                                 LsColormap colormap,
                                 double opacity,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
GPtrArray *ls_session_flip_maps_finish (LsSession *self,
                                        GAsyncResult *result,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
