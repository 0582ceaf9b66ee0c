/* phash.h — near-duplicate detection for the split
 *
 * Two stages, both from a 32×32 area-averaged gray thumbnail of the image
 * (the "signature", 1 KiB, kept in the store):
 *
 *  1. A DCT hash (pHash): the 63 lowest-frequency DCT coefficients but DC
 *     compared with their median. A horizontal flip only negates the odd
 *     horizontal frequencies, so the mirrored hash comes for free; the
 *     distance of two images is the smaller of the direct and mirrored
 *     Hamming distances. Cheap, but chest radiographs all look alike at
 *     this scale: on cxr-real, 53 pairs of different patients are within
 *     10 bits, so the hash alone would chain unrelated images together. It
 *     only picks candidates (distance ≤ LS_PHASH_CANDIDATE_DISTANCE).
 *  2. The candidates are confirmed by correlation: the central 22×22 of the
 *     signature, rotated by −6°, −3°, 0°, 3° and 6°, against the other's
 *     centre and its mirror image, mean-subtracted and normalised; the best
 *     correlation must reach LS_NEARDUP_DEFAULT_SIMILARITY. Measured with
 *     PIL on cxr-real: resized, JPEG-recompressed (q 50), brightened,
 *     flipped and ±5° rotated copies score ≥ 0.98; the closest pair of
 *     different images 0.96.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_PHASH_SIDE 32
#define LS_PHASH_SIGNATURE_BYTES (LS_PHASH_SIDE * LS_PHASH_SIDE)
/* Hash distances at or below this make a candidate pair. */
#define LS_PHASH_CANDIDATE_DISTANCE 20
/* Correlations at or above this confirm a near-duplicate. */
#define LS_NEARDUP_DEFAULT_SIMILARITY 0.97

typedef struct
{
  guint64 hash;                               /* of the image */
  guint64 flipped;                            /* of its horizontal mirror image */
  guint8 signature[LS_PHASH_SIGNATURE_BYTES]; /* 32×32 area average, 0–255 */
} LsPHash;

void ls_phash_compute (const LsImage *image,
                       LsPHash *out);
/* Recomputes the hashes from out->signature (as stored). */
void ls_phash_from_signature (LsPHash *out);
/* Bits that differ, the smaller over direct and mirrored comparison. */
int ls_phash_distance (const LsPHash *a,
                       const LsPHash *b);

/* A signature prepared for correlation (rotations, mirror, norms). */
typedef struct _LsNearDup LsNearDup;

LsNearDup *ls_neardup_prepare (const guint8 *signature);
void ls_neardup_free (LsNearDup *prepared);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsNearDup, ls_neardup_free)
/* The best correlation of @a rotated against @b or its mirror, in [−1, 1]. */
double ls_neardup_similarity (const LsNearDup *a,
                              const LsNearDup *b);

G_END_DECLS
