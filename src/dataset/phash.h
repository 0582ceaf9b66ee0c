/* phash.h — perceptual hash for near-duplicate grouping
 *
 * A DCT hash (pHash): the image is area-averaged to 32×32, transformed
 * with a 2-D DCT-II, and the 63 lowest-frequency coefficients but DC are
 * compared with their median. Resizing, re-encoding, brightness and
 * contrast changes and small rotations move few bits. A horizontal flip
 * only negates the odd horizontal frequencies, so the hash of the mirrored
 * image comes for free; the distance of two images is the smaller of the
 * direct and the mirrored distance.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/image.h"

G_BEGIN_DECLS

/* Distances at or below this group two images as near-duplicates. */
#define LS_PHASH_DEFAULT_THRESHOLD 10

typedef struct
{
  guint64 hash;    /* of the image */
  guint64 flipped; /* of its horizontal mirror image */
} LsPHash;

void ls_phash_compute (const LsImage *image,
                       LsPHash *out);
/* Bits that differ, the smaller over direct and mirrored comparison. */
int ls_phash_distance (const LsPHash *a,
                       const LsPHash *b);

G_END_DECLS
