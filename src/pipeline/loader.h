/* loader.h — the training data loader: decode, fit, augment, batch
 *
 * Feeds the CNN engine float32 NCHW batches (N × C × S × S, 64-byte aligned)
 * with their int labels. Worker threads decode, fit and augment images into a
 * fixed pool of batch buffers while the consumer trains on earlier batches;
 * the consumer takes batches in order with ls_loader_next() and hands each
 * back with ls_loader_release(): buffers are recycled, never allocated per
 * batch (decoding a file allocates; an image from the cache allocates
 * nothing).
 *
 * Use:
 *
 *   loader = ls_loader_new (items, n_items, &config, &error);
 *   for (epoch = 0; …; epoch++)
 *     {
 *       ls_loader_start_epoch (loader, epoch);
 *       while (ls_loader_next (loader, &batch, cancellable, &error) && batch != NULL)
 *         {
 *           … train on batch->input, batch->labels (batch->n images) …
 *           ls_loader_release (loader, batch);
 *         }
 *       if (error != NULL) …  (cancelled, or a file failed with ON_ERROR_FAIL)
 *     }
 *
 * Determinism. An epoch's order comes from (seed, epoch) alone, and the image
 * at position p of the epoch is augmented with a generator seeded from
 * (seed, epoch, p); batches are delivered in order. So for one seed, epoch
 * and configuration the batches are bit-identical whatever the number of
 * workers and their timing.
 *
 * Sampling (LsLoaderSampling):
 *  - SEQUENTIAL: every item once per epoch, shuffled when `shuffle` is set;
 *  - BALANCED: `epoch_size` draws with replacement, item i with probability
 *    ∝ weight_i / W(label_i), W(c) the total weight of class c: each class
 *    present gets the same expected share of the epoch (PyTorch's
 *    WeightedRandomSampler with inverse class frequencies). Minority images
 *    repeat, majority images may be missed in a given epoch;
 *  - WEIGHTED: `epoch_size` draws with replacement, probability ∝ weight_i
 *    (oversampling chosen items, e.g. relabelled images when fine-tuning).
 *
 * The cache. Decoding full-resolution radiographs is the main cost, so the
 * fitted S × S image (before augmentation) of each item is kept in memory,
 * quantised to 8 bits (or 16, `cache_bits`), up to `cache_bytes`; items
 * beyond the budget are decoded each time they are drawn. The path without
 * the cache quantises the same way, so batches never depend on the budget.
 * 8 bits is what an 8-bit PNG or JPEG holds already; fitting (a resize)
 * makes values between the levels, and rounding them back costs at most
 * 0.5/255 per pixel (tests/bench-loader.c on cxr-real: RMS 0.27/255, about
 * 0.1 % of the range, far below what augmentation changes). A 16-bit source
 * loses its low bits with cache_bits = 8; use 16 to keep them (at most
 * 0.5/65535, twice the memory). At S = 224 an 8-bit entry is 49 KiB, so the
 * default budget (LS_LOADER_DEFAULT_CACHE_BYTES, 512 MiB) holds about 10 700
 * images.
 *
 * Unreadable files. With LS_LOADER_ON_ERROR_SKIP (the default) an item that
 * fails to decode is left out of its batch (the batch has fewer images, the
 * other images keep their positions and augmentations), is recorded once in
 * the failures list (path and reason) and is not tried again. With
 * LS_LOADER_ON_ERROR_FAIL, ls_loader_next() returns the error when it reaches
 * the batch.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imaging/augment.h"
#include "imaging/preprocess.h"

G_BEGIN_DECLS

#define LS_LOADER_ERROR (ls_loader_error_quark ())

typedef enum
{
  LS_LOADER_ERROR_INVALID, /* a bad configuration or item list */
  LS_LOADER_ERROR_DECODE,  /* an image failed (LS_LOADER_ON_ERROR_FAIL) */
  LS_LOADER_ERROR_STATE,   /* no epoch started, or the epoch was aborted */
} LsLoaderError;

#define LS_LOADER_MAX_CHANNELS 3
#define LS_LOADER_DEFAULT_CACHE_BYTES (G_GUINT64_CONSTANT (512) << 20)

/* One training image. The store fills a plain array of these. */
typedef struct
{
  const char *path; /* the file; or NULL when bytes is set (then only a name for messages) */
  GBytes *bytes;    /* the encoded file in memory, or NULL */
  int label;        /* class index, ≥ 0 */
  float weight;     /* sampling weight for BALANCED/WEIGHTED; ≤ 0 counts as 1 */
  guint group;      /* the caller's (patient, source…); not used by the loader */
} LsLoaderItem;

typedef enum
{
  LS_LOADER_SAMPLE_SEQUENTIAL,
  LS_LOADER_SAMPLE_BALANCED,
  LS_LOADER_SAMPLE_WEIGHTED,
} LsLoaderSampling;

typedef enum
{
  LS_LOADER_ON_ERROR_SKIP,
  LS_LOADER_ON_ERROR_FAIL,
} LsLoaderOnError;

typedef struct
{
  guint batch_size; /* images per batch (default 32) */
  int size;         /* S (default 224) */
  int channels;     /* C, 1 … 3 (default 1; gray is replicated) */
  LsFit fit;        /* default letterbox */
  float mean[LS_LOADER_MAX_CHANNELS];
  float std[LS_LOADER_MAX_CHANNELS]; /* default mean 0, std 1 */
  /* Borrowed, not copied: must outlive the loader and stay unchanged.
   * NULL = no augmentation (validation, test). */
  const LsAugmentPipeline *augment;
  gboolean keep_records; /* fill LsBatch.records with each image's parameters */
  gboolean shuffle;      /* SEQUENTIAL only (default TRUE) */
  LsLoaderSampling sampling;
  guint epoch_size;   /* draws per epoch for BALANCED/WEIGHTED; 0 = number of items */
  gboolean drop_last; /* drop a last, partial batch (default FALSE) */
  guint64 seed;
  guint n_workers;     /* 0 = processors − 1, at least 1 */
  guint prefetch;      /* batches filled ahead of the consumer; 0 = 2 × workers (≥ 2) */
  guint64 cache_bytes; /* budget of the fitted-image cache (default above); 0 = no cache */
  int cache_bits;      /* 8 (default) or 16; also what the uncached path rounds to */
  LsLoaderOnError on_error;
} LsLoaderConfig;

/* A filled batch; owned by the loader, valid until ls_loader_release(). */
typedef struct
{
  guint epoch;
  guint index; /* batch number within the epoch, from 0 */
  guint n;     /* images here: < batch_size at the end or after skipped files */
  int channels;
  int size;
  float *input;              /* n × channels × size × size (room for batch_size), 64-byte aligned */
  int *labels;               /* n */
  guint *items;              /* n: indices into the loader's items */
  guint *positions;          /* n: positions within the epoch (what seeded the augmentation) */
  LsAugmentRecord **records; /* n, when keep_records and an augmentation are set; else NULL */
} LsBatch;

typedef struct
{
  guint64 images; /* images delivered since the loader was made */
  guint64 batches;
  double images_per_second; /* images produced / wall time workers had work, all epochs */
  double wait_seconds;      /* time the consumer spent waiting in ls_loader_next() */
  guint64 waits;            /* calls of ls_loader_next() that had to wait */
  double worker_seconds;    /* summed busy time of the workers */
  guint n_failures;         /* distinct items that failed to decode */
  guint64 cache_hits;
  guint64 cache_misses;
  guint64 cache_items;
  guint64 cache_bytes_used;
} LsLoaderStats;

typedef struct
{
  guint item;
  char *path; /* the item's path, or "item N" for in-memory bytes without one */
  char *message;
} LsLoaderFailure;

typedef struct _LsLoader LsLoader;

GQuark ls_loader_error_quark (void);
void ls_loader_config_init (LsLoaderConfig *config);

LsLoader *ls_loader_new (const LsLoaderItem *items,
                         guint n_items,
                         const LsLoaderConfig *config,
                         GError **error);
void ls_loader_free (LsLoader *loader);

guint ls_loader_get_n_workers (const LsLoader *loader);
guint ls_loader_get_n_batches (const LsLoader *loader);

void ls_loader_start_epoch (LsLoader *loader,
                            guint epoch);
gboolean ls_loader_next (LsLoader *loader,
                         LsBatch **batch,
                         GCancellable *cancellable,
                         GError **error);
void ls_loader_release (LsLoader *loader,
                        LsBatch *batch);

void ls_loader_get_stats (LsLoader *loader,
                          LsLoaderStats *stats);
GPtrArray *ls_loader_dup_failures (LsLoader *loader);
void ls_loader_failure_free (LsLoaderFailure *failure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsLoader, ls_loader_free)

G_END_DECLS
