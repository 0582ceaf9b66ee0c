/* rng.c — a small deterministic random number generator (xoshiro256**)
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "rng.h"

#include <math.h>

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t
rotl (uint64_t x,
      int k)
{
  return (x << k) | (x >> (64 - k));
}

void
ls_engine_rng_init (LsEngineRng *rng,
                    uint64_t seed)
{
  uint64_t x = seed;

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

uint64_t
ls_engine_rng_next (LsEngineRng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
ls_engine_rng_uniform (LsEngineRng *rng)
{
  return (float) (ls_engine_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

double
ls_engine_rng_uniform_double (LsEngineRng *rng)
{
  return (double) (ls_engine_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

double
ls_engine_rng_normal (LsEngineRng *rng)
{
  double u1 = ls_engine_rng_uniform_double (rng);
  double u2 = ls_engine_rng_uniform_double (rng);

  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}
