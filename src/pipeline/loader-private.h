/* loader-private.h — what loader.c, loader-plan.c and loader-image.c share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "loader.h"

G_BEGIN_DECLS

#define LS_LOADER_ORDER_STREAM G_GUINT64_CONSTANT (0x6c6f61646572) /* "loader" */

typedef struct _LsLoaderPlan LsLoaderPlan;

struct _LsLoaderPlan
{
  guint epoch;
  guint64 seed; /* the epoch's seed, from (config seed, epoch) */
  guint *order; /* item at each position */
  guint n_positions;
  guint n_batches;
};

typedef struct
{
  LsBatch batch; /* first: an LsBatch * is a LsLoaderSlot * */
  GError *error; /* LS_LOADER_ON_ERROR_FAIL: why this batch failed (its first failure) */
  /* While workers fill it: */
  LsLoaderPlan *plan;
  int generation;
  guint count;     /* positions in this batch */
  guint next_j;    /* the next position to hand out */
  guint pending;   /* positions handed out or not, not yet done */
  gboolean *valid; /* batch_size: position j was filled */
  GError **errors; /* batch_size */
  gboolean held;   /* by the consumer */
} LsLoaderSlot;

typedef struct
{
  LsLoader *loader;
  GThread *thread;
  float *fitted;     /* S × S, the (dequantised) fitted image */
  float *augmented;  /* S × S */
  guint8 *quantised; /* S × S × (cache_bits / 8) */
  LsAugmentScratch *scratch;
  LsAugmentRecord *record; /* when the batch keeps none */
} LsLoaderWorker;

struct _LsLoader
{
  LsLoaderConfig config;
  LsLoaderItem *items;
  guint n_items;
  double *cumulative; /* BALANCED/WEIGHTED: cumulative draw weights */
  gsize image_floats; /* C × S × S */
  gsize cache_entry_bytes;
  float lut8[256];

  LsLoaderSlot *slots;
  guint pool_size;
  LsLoaderSlot **free_slots;
  guint n_free;
  guint n_held;
  LsLoaderWorker *workers;
  guint n_workers;

  GMutex mutex;
  GCond cond;
  gboolean quit;
  int generation;        /* written under mutex, read atomically by workers */
  LsLoaderPlan *plan;    /* NULL before the first epoch */
  LsLoaderSlot *current; /* the batch whose positions are being handed out */
  LsLoaderSlot **ready;  /* plan->n_batches */
  guint next_claim;
  guint next_deliver;
  GError *abort_error;       /* the epoch ended early: cancelled or failed */
  GCancellable *cancellable; /* the consumer's latest, for the workers */

  /* Items. */
  int *bad; /* atomic: 1 once an item failed */
  GPtrArray *failures;
  GMutex cache_mutex;
  gpointer *cache;
  guint64 cache_used;
  guint64 cache_items;

  /* Statistics (under mutex, but the cache counters are atomic). */
  guint64 delivered_images;
  guint64 delivered_batches;
  guint64 produced_images;
  gint64 epoch_start_us;
  gint64 last_done_us;
  gint64 produce_us; /* finished epochs */
  gint64 wait_us;
  guint64 waits;
  gint64 worker_us;
  gint cache_hits;   /* atomic */
  gint cache_misses; /* atomic */
};

/* SplitMix64's finaliser: seeds from (seed, epoch, position). */
static inline guint64
ls_loader_mix (guint64 x)
{
  guint64 z = x + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

LsLoaderPlan *ls_loader_plan_new (LsLoader *self,
                                  guint epoch);
LsLoaderPlan *ls_loader_plan_ref (LsLoaderPlan *plan);
void ls_loader_plan_unref (LsLoaderPlan *plan);
double *ls_loader_make_cumulative (const LsLoaderItem *items,
                                   guint n_items,
                                   LsLoaderSampling sampling);
gboolean ls_loader_fill_position (LsLoaderWorker *w,
                                  LsLoaderSlot *slot,
                                  guint j);

G_END_DECLS
