/* rng.c — PCG32
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "rng.h"

#include <math.h>

#define PCG_MULT G_GUINT64_CONSTANT (6364136223846793005)

/* pcg32_srandom_r: the stream picks the increment, the seed the start. */
void
ls_rng_init (LsRng *rng,
             guint64 seed,
             guint64 stream)
{
  rng->state = 0;
  rng->inc = (stream << 1) | 1u;
  ls_rng_next (rng);
  rng->state += seed;
  ls_rng_next (rng);
}

/* pcg32_random_r: XSH RR output of the old state. */
guint32
ls_rng_next (LsRng *rng)
{
  guint64 old = rng->state;
  guint32 xorshifted, rot;

  rng->state = old * PCG_MULT + rng->inc;
  xorshifted = (guint32) (((old >> 18u) ^ old) >> 27u);
  rot = (guint32) (old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

guint64
ls_rng_next64 (LsRng *rng)
{
  guint64 hi = ls_rng_next (rng);

  return (hi << 32) | ls_rng_next (rng);
}

/* Uniform in [0, 1) with 53 random bits. */
double
ls_rng_uniform (LsRng *rng)
{
  return (double) (ls_rng_next64 (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi); exactly lo when lo == hi. */
double
ls_rng_range (LsRng *rng,
              double lo,
              double hi)
{
  double u = ls_rng_uniform (rng);

  if (lo == hi)
    return lo;
  return lo + (hi - lo) * u;
}

/* Uniform integer in [lo, hi] (both ends included), without modulo bias
 * (Lemire's widening-multiply rejection). */
int
ls_rng_int (LsRng *rng,
            int lo,
            int hi)
{
  guint32 range, x, threshold;
  guint64 m;

  g_assert (hi >= lo);
  range = (guint32) ((gint64) hi - lo) + 1u;
  if (range == 0) /* the whole 32-bit range */
    return (int) ls_rng_next (rng);
  x = ls_rng_next (rng);
  m = (guint64) x * range;
  if ((guint32) m < range)
    {
      threshold = (-range) % range;
      while ((guint32) m < threshold)
        {
          x = ls_rng_next (rng);
          m = (guint64) x * range;
        }
    }
  return (int) ((gint64) lo + (gint64) (m >> 32));
}

/* TRUE with probability p: p <= 0 never (and draws nothing, so a disabled
 * step does not shift the stream), p >= 1 always (also without a draw). */
gboolean
ls_rng_bernoulli (LsRng *rng,
                  double p)
{
  if (p <= 0.0)
    return FALSE;
  if (p >= 1.0)
    return TRUE;
  return ls_rng_uniform (rng) < p;
}

/* Two independent standard normal samples (Marsaglia's polar method). */
void
ls_rng_normal2 (LsRng *rng,
                float *a,
                float *b)
{
  float u, v, s, f;

  do
    {
      u = (float) (ls_rng_next (rng) >> 8) * 0x1.0p-23f - 1.0f;
      v = (float) (ls_rng_next (rng) >> 8) * 0x1.0p-23f - 1.0f;
      s = u * u + v * v;
    }
  while (s >= 1.0f || s == 0.0f);
  f = sqrtf (-2.0f * logf (s) / s);
  *a = u * f;
  *b = v * f;
}
