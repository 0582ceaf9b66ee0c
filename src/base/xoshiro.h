/* xoshiro.h — the project's seeded random generator: xoshiro256**
 *
 * Blackman and Vigna, "Scrambled linear pseudorandom number generators"
 * (2021), the xoshiro256** reference, seeded by SplitMix64 as its authors
 * recommend. The state is a value the caller owns: no global state, and the
 * same seed gives the same stream on every machine and thread. The engine
 * (weights, dropout, SmoothGrad noise) and the phantom generator draw from
 * it; the streams are fixed (the shipped model's recipe and every phantom
 * data set depend on them: tests/test-phantom.c holds their hashes).
 * Augmentation uses PCG32 (imaging/rng.h), whose streams are fixed too.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} LsXoshiro;

/* SplitMix64: advances *@state and returns its next output. Good for
 * deriving seeds from seeds. */
static inline guint64
ls_splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The state is four successive SplitMix64 outputs from @seed. */
static inline void
ls_xoshiro_init (LsXoshiro *rng,
                 guint64 seed)
{
  guint64 x = seed;

  for (int i = 0; i < 4; i++)
    rng->s[i] = ls_splitmix64 (&x);
}

static inline guint64
ls_xoshiro_rotl (guint64 x,
                 int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
ls_xoshiro_next (LsXoshiro *rng)
{
  guint64 *s = rng->s;
  guint64 result = ls_xoshiro_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = ls_xoshiro_rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1), 24 random bits. */
static inline float
ls_xoshiro_uniform (LsXoshiro *rng)
{
  return (float) (ls_xoshiro_next (rng) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in [0, 1), 53 random bits. */
static inline double
ls_xoshiro_uniform_double (LsXoshiro *rng)
{
  return (double) (ls_xoshiro_next (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static inline double
ls_xoshiro_range (LsXoshiro *rng,
                  double lo,
                  double hi)
{
  return lo + (hi - lo) * ls_xoshiro_uniform_double (rng);
}

/* TRUE with probability @p. */
static inline gboolean
ls_xoshiro_chance (LsXoshiro *rng,
                   double p)
{
  return ls_xoshiro_uniform_double (rng) < p;
}

/* Standard normal (Box–Muller in double, one value per call). */
static inline double
ls_xoshiro_normal (LsXoshiro *rng)
{
  double u1 = ls_xoshiro_uniform_double (rng);
  double u2 = ls_xoshiro_uniform_double (rng);

  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

G_END_DECLS
