/* phantom-private.h — shared by the phantom generator's files
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>

#include "base/xoshiro.h"
#include "phantom.h"

G_BEGIN_DECLS

/* ---- Random numbers ------------------------------------------------------ */

/* Each image's own xoshiro256** stream, keyed by (seed, class, index). The
 * streams are fixed: tests/test-phantom.c holds their hashes. */
static inline void
phantom_rng_init (LsXoshiro *rng,
                  guint64 seed,
                  guint class_index,
                  guint index)
{
  guint64 x = seed;
  guint64 key;

  key = ls_splitmix64 (&x);
  x = key ^ ((guint64) class_index << 32 | index);
  x = ls_splitmix64 (&x) ^ (0x5851f42d4c957f2dull * (class_index + 1));
  ls_xoshiro_init (rng, x);
}

/* ---- Geometry ------------------------------------------------------------ */

typedef struct
{
  double s;       /* pixels per unit */
  double cx, cy;  /* pixel position of the patient origin */
  double c, sn;   /* rotation */
  double ay;      /* vertical stretch of the patient */
  double is, iay; /* 1 / s, 1 / ay */
} Frame;

static inline void
to_px (const Frame *f,
       double u,
       double v,
       double *x,
       double *y)
{
  double vv = v * f->ay;

  *x = f->cx + f->s * (f->c * u - f->sn * vv);
  *y = f->cy + f->s * (f->sn * u + f->c * vv);
}

static inline void
to_patient (const Frame *f,
            double x,
            double y,
            double *u,
            double *v)
{
  double dx = x - f->cx, dy = y - f->cy;

  *u = (f->c * dx + f->sn * dy) * f->is;
  *v = (-f->sn * dx + f->c * dy) * f->is * f->iay;
}

#define NOISE_N 32
#define BODY_N 256
#define BODY_V0 -2.5
#define BODY_V1 2.5

typedef struct
{
  /* Body */
  double body_w, body_d;
  gboolean arms;
  double arm_u;
  /* Lungs: index 0 is the patient's right, 1 the left; x = lateral */
  double lung_ox[2], lung_oy[2], lung_ax[2], lung_by[2];
  double lung_iax[2], lung_iby[2]; /* inverses */
  double dome_v[2], dome_x[2], dome_c[2];
  double med_x[2];
  double knob_v, knob_x;
  double trunk_v, trunk_x; /* pulmonary trunk */
  double lung_depth;
  /* Heart */
  /* Heart borders, per side: centre height, lateral reach, half height */
  double heart_v[2], heart_x[2], heart_b[2];
  double heart_ib[2]; /* inverses of heart_b */
  /* Spine */
  double spine_u, spinous_u, t1_v, pitch;
  /* Hila */
  double hilum_x[2], hilum_v[2];
  /* Stomach bubble under the left dome */
  gboolean stomach;
  double stomach_u, stomach_v, stomach_rx, stomach_ry;
  /* Horizontal fissure on the right */
  double fissure_v;
  float noise[NOISE_N * NOISE_N];
  float body_ihw[BODY_N + 1]; /* 1 / half width of the trunk over v */
  /* Breast shadows over the lower zones (soft tissue, sharp lower edge) */
  gboolean breasts;
  double breast_x, breast_v, breast_rx, breast_ry, breast_t;
} Anatomy;

static inline double
smoothstep (double e0,
            double e1,
            double x)
{
  /* A product, not a quotient: the inverse folds to a constant. */
  double t = (x - e0) * (1.0 / (e1 - e0));

  t = t < 0 ? 0 : t > 1 ? 1
                        : t;
  return t * t * (3 - 2 * t);
}

static inline double
clampd (double x,
        double lo,
        double hi)
{
  return x < lo ? lo : x > hi ? hi
                              : x;
}

/* Value noise in [-1, 1] on a periodic lattice; about one feature per
 * 1 / freq units. */
static inline double
value_noise (const Anatomy *a,
             double u,
             double v,
             double freq)
{
  double fx = u * freq + 64.0, fy = v * freq + 64.0;
  int ix = (int) fx, iy = (int) fy;
  double tx = fx - ix, ty = fy - iy;
  int x0 = ix & (NOISE_N - 1), x1 = (ix + 1) & (NOISE_N - 1);
  int y0 = iy & (NOISE_N - 1), y1 = (iy + 1) & (NOISE_N - 1);
  double n00 = a->noise[y0 * NOISE_N + x0], n10 = a->noise[y0 * NOISE_N + x1];
  double n01 = a->noise[y1 * NOISE_N + x0], n11 = a->noise[y1 * NOISE_N + x1];

  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  return (n00 * (1 - tx) + n10 * tx) * (1 - ty) + (n01 * (1 - tx) + n11 * tx) * ty;
}

/* ---- Shared by the painters ---------------------------------------------- */

typedef struct
{
  int R;
  const Frame *frame;
} Canvas;

typedef struct
{
  int side;
  double x, v;   /* centre: lateral coordinate and height */
  double rx, ry; /* radii */
  double amp;
  double rough;
  /* Optional sharp edge along the horizontal fissure: +1 keep above, -1 keep below. */
  int fissure;
} Blob;

#define MAX_BLOBS 12

typedef struct
{
  Blob blobs[MAX_BLOBS];
  int n;
  gboolean soft; /* ground glass: soft-edged haze; else dense consolidation */
} Lesions;

double ls_phantom_lung_inside (const Anatomy *a,
                               int side,
                               double x,
                               double v,
                               double *below_dome,
                               double *no_heart);
double ls_phantom_lung_lateral (const Anatomy *a,
                                int side,
                                double v);

void ls_phantom_paint_ribs (const Canvas *cv,
                            float *tmp,
                            float *bone,
                            const Anatomy *a,
                            LsXoshiro *rng);
void ls_phantom_paint_shoulders (const Canvas *cv,
                                 float *tmp,
                                 float *bone,
                                 const Anatomy *a,
                                 LsXoshiro *rng);
void ls_phantom_paint_vessels (const Canvas *cv,
                               float *vessels,
                               const Anatomy *a,
                               LsXoshiro *rng);
void ls_phantom_paint_airways (const Canvas *cv,
                               float *airway,
                               const Anatomy *a);
void ls_phantom_sample_lesions (Lesions *les,
                                const Anatomy *a,
                                LsPhantomSign sign,
                                LsXoshiro *rng,
                                guint *sides);
void ls_phantom_paint_lesions (const Canvas *cv,
                               float *les,
                               float *les_eff,
                               const Anatomy *a,
                               const Lesions *l);
void ls_phantom_paint_bronchograms (const Canvas *cv,
                                    float *bronch,
                                    const Anatomy *a,
                                    const Lesions *l,
                                    LsXoshiro *rng);

G_END_DECLS
