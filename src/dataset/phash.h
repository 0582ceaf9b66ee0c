/* phash.h — near-duplicate detection for the split
 *
 * Everything comes from a 64×64 area-averaged gray "signature" of the
 * image (4 KiB, kept in the store), in three checks:
 *
 *  1. Coarse correlation (all pairs, as matrix products): the central
 *     22×22 of the signature's 32×32 reduction, rotated by −6°, −3°, 0°,
 *     3° and 6°, against the other's centre and its mirror image,
 *     mean-subtracted and normalised; candidates reach
 *     LS_NEARDUP_DEFAULT_SIMILARITY.
 *  2. Detail correlation (candidates only): the same on the 44×44 centre
 *     of the 64×64 signature minus its 7×7 box mean (its fine structure),
 *     rotated in 1.5° steps; LS_NEARDUP_DEFAULT_DETAIL confirms.
 *  3. A DCT hash (pHash: 63 low frequencies against their median, and the
 *     mirrored hash for free) within LS_PHASH_CANDIDATE_DISTANCE bits.
 *
 * Why three: radiographs all look alike when small. On cxr-real the hash
 * alone puts 53 pairs of different patients within 10 bits, and on the
 * synthetic phantoms (one anatomical template) even the coarse correlation
 * chains thousands of different phantoms together; the detail correlation
 * separates them. Measured with PIL during development: resized,
 * JPEG-recompressed (q 50), brightened, flipped and ±5° rotated copies of
 * cxr-real and phantom images score ≥ 0.978 coarse and ≥ 0.83 detail;
 * different real radiographs ≤ 0.96 coarse (0 groups in cxr-real);
 * different phantoms that pass the coarse check ≤ 0.78 detail in a sample
 * of 300, but among 5000 phantoms 122 small groups (≤ 8, one class each)
 * still pass: the shared anatomical template is a known false positive.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_PHASH_SIDE 64
#define LS_PHASH_SIGNATURE_BYTES (LS_PHASH_SIDE * LS_PHASH_SIDE)
/* Hash distances at or below this make a candidate pair. */
#define LS_PHASH_CANDIDATE_DISTANCE 20
/* Coarse correlations at or above this make a candidate pair… */
#define LS_NEARDUP_DEFAULT_SIMILARITY 0.97
/* …and detail correlations at or above this confirm it. */
#define LS_NEARDUP_DEFAULT_DETAIL 0.80

typedef struct
{
  guint64 hash;                               /* of the image */
  guint64 flipped;                            /* of its horizontal mirror image */
  guint8 signature[LS_PHASH_SIGNATURE_BYTES]; /* 64×64 area average, 0–255 */
} LsPHash;

void ls_phash_compute (const LsImage *image,
                       LsPHash *out);
/* Recomputes the hashes from out->signature (as stored). */
void ls_phash_from_signature (LsPHash *out);
/* Bits that differ, the smaller over direct and mirrored comparison. */
int ls_phash_distance (const LsPHash *a,
                       const LsPHash *b);

/* The compared centre (22 × 22) and the rotations tried. */
#define LS_NEARDUP_DIM 484
#define LS_NEARDUP_ROTATIONS 5

/* Unit vectors of a signature: its centre rotated by each angle
 * (LS_NEARDUP_ROTATIONS × LS_NEARDUP_DIM) and its centre as is and
 * mirrored (2 × LS_NEARDUP_DIM). */
void ls_neardup_vectors (const guint8 *signature,
                         float *rotated,
                         float *centre);

/* The reference check of one pair (slow; ls_neardup_find_pairs is the
 * fast one): both correlations, and whether they reach the defaults. */
gboolean ls_neardup_match (const guint8 *a,
                           const guint8 *b,
                           double *coarse,
                           double *detail);

typedef void (*LsNearDupPairFunc) (guint i,
                                   guint j,
                                   double similarity,
                                   gpointer user_data);

/* Calls @func for every pair i < j of the @n signatures (NULL ones are
 * skipped) whose similarity reaches @threshold: all pairs, as a few large
 * matrix products (5000 images: 2.4 × 10¹¹ flops, seconds with OpenBLAS). */
gboolean ls_neardup_find_pairs (const guint8 *const *signatures,
                                guint n,
                                double threshold,
                                double detail_threshold,
                                LsNearDupPairFunc func,
                                gpointer user_data,
                                GCancellable *cancellable,
                                GError **error);

G_END_DECLS
