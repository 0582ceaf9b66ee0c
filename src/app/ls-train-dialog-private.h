/* ls-train-dialog-private.h — the Train dialog's widgets, for tests
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ls-train-dialog.h"

G_BEGIN_DECLS

struct _LsTrainDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  GtkSpinButton *epochs_spin;
  GtkSpinButton *size_spin;
  AdwPreferencesGroup *augment_group;
  AdwComboRow *augment_row;
  GtkSwitch *balanced_switch;
  GtkSpinButton *seed_spin;

  /* Owned references */
  LsSession *session;
  GCancellable *cancellable;
  LsAugmentPipeline *workspace_pipeline; /* the Previews page's, NULL while read */
};

/* The augmentation choices, in the row's order. */
typedef enum
{
  LS_TRAIN_AUGMENT_WORKSPACE, /* the Previews page's */
  LS_TRAIN_AUGMENT_DEFAULT,   /* the default chest pipeline */
  LS_TRAIN_AUGMENT_NONE,
} LsTrainAugmentChoice;

G_END_DECLS
