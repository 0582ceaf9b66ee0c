/* rng.h — a small deterministic random number generator (xoshiro256**)
 *
 * State is a value the caller owns: no global state, the same seed gives
 * the same stream on every machine.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  uint64_t s[4];
} LsEngineRng;

void ls_engine_rng_init (LsEngineRng *rng,
                         uint64_t seed);
uint64_t ls_engine_rng_next (LsEngineRng *rng);
/* Uniform in [0, 1), 24 random bits. */
float ls_engine_rng_uniform (LsEngineRng *rng);
/* Uniform in [0, 1), 53 random bits. */
double ls_engine_rng_uniform_double (LsEngineRng *rng);
/* Standard normal (Box–Muller in double, one value per call). */
double ls_engine_rng_normal (LsEngineRng *rng);

G_END_DECLS
