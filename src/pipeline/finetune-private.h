/* finetune-private.h — what finetune.c and finetune-replay.c share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pipeline/finetune.h"
#include "pipeline/train-private.h"

G_BEGIN_DECLS

/* replay_ratio × corrected, at least replay_min, at most replay_max (if
 * set); the pool may hold fewer. */
guint ls_finetune_replay_size (const LsFinetuneConfig *config,
                               guint n_corrected);

/* Up to @want indices into @pool, ascending: pool items that are not
 * corrected items (same path, or same bytes), stratified by class in the
 * proportions of those (largest remainders; every class present gets one
 * first when @want allows), each class's share chosen by a shuffle seeded
 * with @seed. *@n_eligible: the pool items that could be chosen. */
guint *ls_finetune_pick_replay (const LsLoaderItem *corrected,
                                guint n_corrected,
                                const LsLoaderItem *pool,
                                guint n_pool,
                                int n_classes,
                                guint want,
                                guint64 seed,
                                guint *n_eligible,
                                guint *n_out);

G_END_DECLS
