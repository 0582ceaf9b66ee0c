/* simd.h — portable float vectors for imaging kernels (private)
 *
 * GCC/Clang vector extensions of 16 bytes (4 floats): SSE on baseline
 * x86-64, NEON on arm64, no intrinsics and no ABI change (32-byte vectors
 * would change the calling convention without -mavx). Loads and stores go
 * through memcpy, so any alignment is fine. Selection is done with masks,
 * since C (unlike C++) has no vector ?:.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#define LS_VF_N 4

typedef float LsVf __attribute__ ((vector_size (16)));
typedef int LsVi __attribute__ ((vector_size (16)));

static inline LsVf
ls_vf_load (const float *p)
{
  LsVf v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
ls_vf_store (float *p,
             LsVf v)
{
  memcpy (p, &v, sizeof v);
}

static inline LsVf
ls_vf_set1 (float x)
{
  LsVf v = { x, x, x, x };

  return v;
}

/* mask lanes are all ones (true) or all zeros */
static inline LsVf
ls_vf_select (LsVi mask,
              LsVf if_true,
              LsVf if_false)
{
  return (LsVf) ((mask & (LsVi) if_true) | (~mask & (LsVi) if_false));
}

/* a < b ? a : b per lane (b where either is NaN): SSE's minps exactly,
 * which GCC does not find in the mask form on its own. */
static inline LsVf
ls_vf_min (LsVf a,
           LsVf b)
{
#if defined(__SSE__)
  return __builtin_ia32_minps (a, b);
#else
  return ls_vf_select (a < b, a, b);
#endif
}

/* a > b ? a : b per lane (b where either is NaN), SSE's maxps. */
static inline LsVf
ls_vf_max (LsVf a,
           LsVf b)
{
#if defined(__SSE__)
  return __builtin_ia32_maxps (a, b);
#else
  return ls_vf_select (a > b, a, b);
#endif
}

static inline LsVf
ls_vf_clamp01 (LsVf a)
{
  return ls_vf_min (ls_vf_max (a, ls_vf_set1 (0.0f)), ls_vf_set1 (1.0f));
}

/* 2^y for y ≤ 0 (larger y is fine up to 127): y = n + f, n = round(y),
 * 2^f by its Taylor series to degree 7 (|f| ≤ 0.5: relative error < 2e-8). */
static inline LsVf
ls_vf_exp2 (LsVf y)
{
  LsVi n;
  LsVf nf, f, p, scale;

  y = ls_vf_max (y, ls_vf_set1 (-126.0f));
  n = __builtin_convertvector(y + ls_vf_set1 (0.5f), LsVi);
  nf = __builtin_convertvector(n, LsVf);
  n += (LsVi) (nf > y + ls_vf_set1 (0.5f)); /* truncation → floor */
  nf = __builtin_convertvector(n, LsVf);
  f = (y - nf) * ls_vf_set1 (0.69314718f);
  p = ls_vf_set1 (1.0f / 5040.0f);
  p = p * f + ls_vf_set1 (1.0f / 720.0f);
  p = p * f + ls_vf_set1 (1.0f / 120.0f);
  p = p * f + ls_vf_set1 (1.0f / 24.0f);
  p = p * f + ls_vf_set1 (1.0f / 6.0f);
  p = p * f + ls_vf_set1 (0.5f);
  p = p * f + ls_vf_set1 (1.0f);
  p = p * f + ls_vf_set1 (1.0f);
  scale = (LsVf) ((n + 127) << 23);
  return p * scale;
}

/* log2 x for normal x > 0: x = m 2^e with m in [√½, √2), then
 * ln m = 2 atanh t, t = (m − 1)/(m + 1), |t| ≤ 0.172, series to t^9. */
static inline LsVf
ls_vf_log2 (LsVf x)
{
  LsVi bits = (LsVi) x;
  LsVi e = ((bits >> 23) & 0xff) - 127;
  LsVf m = (LsVf) ((bits & 0x7fffff) | 0x3f800000);
  LsVi big = (LsVi) (m > ls_vf_set1 (1.41421356f));
  LsVf t, t2, s;

  m = ls_vf_select (big, m * ls_vf_set1 (0.5f), m);
  e -= big; /* big is −1 where true */
  t = (m - ls_vf_set1 (1.0f)) / (m + ls_vf_set1 (1.0f));
  t2 = t * t;
  s = ls_vf_set1 (1.0f / 9.0f);
  s = s * t2 + ls_vf_set1 (1.0f / 7.0f);
  s = s * t2 + ls_vf_set1 (1.0f / 5.0f);
  s = s * t2 + ls_vf_set1 (1.0f / 3.0f);
  s = s * t2 + ls_vf_set1 (1.0f);
  return __builtin_convertvector(e, LsVf) + ls_vf_set1 (2.88539008f) * t * s;
}
