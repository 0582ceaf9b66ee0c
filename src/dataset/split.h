/* split.h — train/val/test split, near-duplicate groups, dataset versions
 *
 * The split is a pure function of each image's group key and the seed, so
 * adding images never moves an existing one (only joining two groups can).
 * Images are grouped by patient id when known and as near-duplicates
 * (phash.h: resized, re-encoded, flipped, slightly rotated copies),
 * with union-find, so a group never straddles two parts. The group key is
 * the earliest imported member's patient id, or its hash when it has none.
 * Each group's part comes from SHA-256 (seed, group key) mapped to [0, 1):
 * below test → test, below test + val → val, else train. Stratified in
 * expectation: the hash is independent of the class, so every class gets
 * the same fractions up to sampling noise (the report gives the counts).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "dataset/phash.h"
#include "dataset/store.h"

G_BEGIN_DECLS

typedef enum
{
  LS_SPLIT_NONE, /* not assigned (imported after the last split) */
  LS_SPLIT_TRAIN,
  LS_SPLIT_VAL,
  LS_SPLIT_TEST,
} LsSplitPart;

#define LS_SPLIT_N_PARTS 3

typedef struct
{
  double test;                  /* fraction of all images, default 0.2 */
  double val;                   /* fraction of all images carved from train, default 0.1 */
  guint64 seed;                 /* default 42 */
  int phash_candidate_distance; /* default LS_PHASH_CANDIDATE_DISTANCE */
  double neardup_similarity;    /* default LS_NEARDUP_DEFAULT_SIMILARITY */
  double neardup_detail;        /* default LS_NEARDUP_DEFAULT_DETAIL */
} LsSplitOptions;

void ls_split_options_init (LsSplitOptions *options);

typedef struct
{
  GStrv classes;
  /* counts[part - 1][c]: images of class c in the part; c = n_classes
   * counts the unlabelled. */
  guint *counts;
  guint n_images;
  guint n_groups;
  GPtrArray *near_duplicates; /* (element-type GStrv) hashes of each near-duplicate group */
} LsSplitReport;

void ls_split_report_free (LsSplitReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsSplitReport, ls_split_report_free)
guint ls_split_report_count (const LsSplitReport *report,
                             LsSplitPart part,
                             int klass);

const char *ls_split_part_to_string (LsSplitPart part);
/* The part of a group key: the pure function the split applies. */
LsSplitPart ls_split_part_for_key (const char *group_key,
                                   guint64 seed,
                                   double test,
                                   double val);

/* Recomputes the split of every image in one transaction. */
LsSplitReport *ls_store_split (LsStore *store,
                               const LsSplitOptions *options,
                               LsProgressFunc progress,
                               gpointer user_data,
                               GCancellable *cancellable,
                               GError **error);
LsSplitPart ls_store_get_part (LsStore *store,
                               const char *sha256,
                               GError **error);
/* Records an image's perceptual hash (import does when it can decode). */
gboolean ls_store_set_image_phash (LsStore *store,
                                   const char *sha256,
                                   const LsPHash *phash,
                                   GError **error);

/* The dataset version: SHA-256 over the sorted (image hash, label) pairs of
 * the labelled training part, as 64 hex digits (show the first 16). */
char *ls_store_dataset_version (LsStore *store,
                                GError **error);
/* (element-type utf8) hashes of images whose label changed after @model_id
 * was registered; *@version_changed tells whether the dataset version
 * differs from the model's. */
GPtrArray *ls_store_labels_changed_since (LsStore *store,
                                          const char *model_id,
                                          gboolean *version_changed,
                                          GError **error);

typedef enum
{
  LS_EXPORT_LINKS,  /* DIR/part/class/ files, hard links where possible */
  LS_EXPORT_COPIES, /* DIR/part/class/ files, copies */
  LS_EXPORT_CSV,    /* DIR/dataset.csv naming the stored files */
} LsExportMode;

/* Exports the labelled, split images (all three parts) with a
 * DIR/dataset.csv (path,label,part,patient,sha256) and DIR/VERSION. @dir
 * must not exist or be empty. Returns the number of images exported. */
gboolean ls_store_export (LsStore *store,
                          const char *dir,
                          LsExportMode mode,
                          guint *n_exported,
                          LsProgressFunc progress,
                          gpointer user_data,
                          GCancellable *cancellable,
                          GError **error);

G_END_DECLS
