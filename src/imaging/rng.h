/* rng.h — a small seeded random generator for augmentation
 *
 * PCG32 (O'Neill 2014, "PCG: A Family of Simple Fast Space-Efficient
 * Statistically Good Algorithms for Random Number Generation", the
 * pcg32_random_r / pcg32_srandom_r reference): 64-bit state, 32-bit output.
 * The state lives in a struct the caller owns; nothing is global, so two
 * generators seeded alike give the same sequence on any thread.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 state;
  guint64 inc; /* odd: selects the stream */
} LsRng;

void ls_rng_init (LsRng *rng,
                  guint64 seed,
                  guint64 stream);
guint32 ls_rng_next (LsRng *rng);
guint64 ls_rng_next64 (LsRng *rng);
double ls_rng_uniform (LsRng *rng);
double ls_rng_range (LsRng *rng,
                     double lo,
                     double hi);
int ls_rng_int (LsRng *rng,
                int lo,
                int hi);
gboolean ls_rng_bernoulli (LsRng *rng,
                           double p);
void ls_rng_normal2 (LsRng *rng,
                     float *a,
                     float *b);

G_END_DECLS
