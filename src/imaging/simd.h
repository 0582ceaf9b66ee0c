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

static inline LsVf
ls_vf_min (LsVf a,
           LsVf b)
{
  return ls_vf_select (a < b, a, b);
}

static inline LsVf
ls_vf_max (LsVf a,
           LsVf b)
{
  return ls_vf_select (a > b, a, b);
}

static inline LsVf
ls_vf_clamp01 (LsVf a)
{
  return ls_vf_min (ls_vf_max (a, ls_vf_set1 (0.0f)), ls_vf_set1 (1.0f));
}
