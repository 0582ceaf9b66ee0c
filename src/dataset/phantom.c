/* phantom.c — synthetic chest radiographs with lesion masks
 *
 * The film is a projection: every structure adds a path length of soft
 * tissue or bone, or takes one away as air, in "patient units" (1 unit is
 * about half the width of the thorax). The attenuation
 *   A = μ_soft (soft − air) + μ_bone bone
 * becomes brightness 1 − exp (−k A) shaped by an exposure curve, then
 * quantum noise and a slight blur. Patient coordinates (u, v): u to the
 * patient's left (the image's right on a PA film), v downward, origin in
 * the middle of the chest; a similarity transform (size, shift, tilt) maps
 * them to pixels.
 *
 * Smooth structures (body, lungs, heart, mediastinum, spine, lesions) are
 * functions evaluated per pixel; thin ones (ribs, clavicles, vessels,
 * airways) are painted into buffers only over their bounding boxes. That
 * keeps a 512×512 film at a few milliseconds.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "phantom.h"

#include <math.h>
#include <string.h>

/* The class-sign table: the only place that knows the classes. */
static const LsPhantomClass classes[] = {
  { "normal", "Normal", LS_PHANTOM_SIGN_NONE },
  { "pneumonia", "Pneumonia", LS_PHANTOM_SIGN_CONSOLIDATION },
  { "covid", "COVID-19", LS_PHANTOM_SIGN_GROUND_GLASS },
};

guint
ls_phantom_get_n_classes (void)
{
  return G_N_ELEMENTS (classes);
}

const LsPhantomClass *
ls_phantom_get_class (guint class_index)
{
  g_return_val_if_fail (class_index < G_N_ELEMENTS (classes), NULL);
  return &classes[class_index];
}

/* Returns the index of the class called @name, or -1. */
int
ls_phantom_find_class (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_ascii_strcasecmp (classes[i].name, name) == 0)
      return (int) i;
  return -1;
}

void
ls_phantom_params_init (LsPhantomParams *params)
{
  memset (params, 0, sizeof *params);
  params->size = 512;
}

/* ---- Random numbers: xoshiro256**, seeded by SplitMix64 ---------------- */

typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void
rng_init (Rng *rng,
          guint64 seed,
          guint class_index,
          guint index)
{
  guint64 x = seed;
  guint64 key;

  key = splitmix64 (&x);
  x = key ^ ((guint64) class_index << 32 | index);
  x = splitmix64 (&x) ^ (0x5851f42d4c957f2dull * (class_index + 1));
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

static inline guint64
rotl (guint64 x,
      int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

static inline double
rng_uniform (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * 0x1.0p-53;
}

static inline double
rng_range (Rng *rng,
           double lo,
           double hi)
{
  return lo + (hi - lo) * rng_uniform (rng);
}

static inline gboolean
rng_chance (Rng *rng,
            double p)
{
  return rng_uniform (rng) < p;
}

/* ---- Geometry ------------------------------------------------------------ */

typedef struct
{
  double s;      /* pixels per unit */
  double cx, cy; /* pixel position of the patient origin */
  double c, sn;  /* rotation */
  double ay;     /* vertical stretch of the patient */
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

  *u = (f->c * dx + f->sn * dy) / f->s;
  *v = (-f->sn * dx + f->c * dy) / f->s / f->ay;
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

static double body_half_width (const Anatomy *a,
                               double v);

static void
sample_anatomy (Anatomy *a,
                Rng *rng)
{
  double tall = rng_range (rng, -0.06, 0.06);

  a->body_w = rng_range (rng, 0.96, 1.18);
  a->body_d = rng_range (rng, 0.9, 1.15);
  a->arms = rng_chance (rng, 0.6);
  a->arm_u = rng_range (rng, 1.28, 1.4);
  for (int side = 0; side < 2; side++)
    {
      a->lung_ox[side] = rng_range (rng, 0.40, 0.44);
      a->lung_ax[side] = rng_range (rng, 0.48, 0.53);
      a->lung_by[side] = rng_range (rng, 1.5, 1.6) + tall;
      a->lung_oy[side] = a->lung_by[side] - rng_range (rng, 0.98, 1.04);
      a->lung_iax[side] = 1 / a->lung_ax[side];
      a->lung_iby[side] = 1 / a->lung_by[side];
      a->dome_x[side] = rng_range (rng, 0.38, 0.5);
      a->dome_c[side] = rng_range (rng, 1.0, 1.5);
      a->med_x[side] = rng_range (rng, 0.12, 0.16);
    }
  /* The right dome sits higher than the left (the liver). */
  a->dome_v[0] = rng_range (rng, 0.34, 0.48) + tall;
  a->dome_v[1] = a->dome_v[0] + rng_range (rng, 0.03, 0.1);
  a->knob_v = rng_range (rng, -0.5, -0.4);
  a->knob_x = rng_range (rng, 0.18, 0.22);
  a->trunk_v = a->knob_v + rng_range (rng, 0.2, 0.26);
  a->trunk_x = rng_range (rng, 0.16, 0.2);
  a->lung_depth = a->body_d * rng_range (rng, 0.64, 0.74);

  {
    double hs = rng_range (rng, 0.88, 1.12);

    /* The left ventricle is widest low, near the apex on the dome; the
     * right atrium bulges in the middle of its own, shorter arc. */
    a->heart_v[1] = a->dome_v[1] + rng_range (rng, 0.1, 0.18);
    a->heart_b[1] = rng_range (rng, 0.6, 0.7) * hs;
    a->heart_x[1] = rng_range (rng, 0.5, 0.6) * hs;
    a->heart_v[0] = a->dome_v[0] - rng_range (rng, 0.08, 0.14);
    a->heart_b[0] = rng_range (rng, 0.3, 0.36) * hs;
    a->heart_x[0] = rng_range (rng, 0.22, 0.3) * hs;
  }

  a->spine_u = rng_range (rng, -0.02, 0.02);
  a->spinous_u = a->spine_u + rng_range (rng, -0.035, 0.035);
  a->t1_v = rng_range (rng, -1.16, -1.08);
  a->pitch = (a->dome_v[0] + 0.12 - a->t1_v) / 10.0;
  a->hilum_x[0] = rng_range (rng, 0.17, 0.23);
  a->hilum_v[0] = rng_range (rng, -0.2, -0.1);
  a->hilum_x[1] = rng_range (rng, 0.19, 0.25);
  a->hilum_v[1] = a->hilum_v[0] - rng_range (rng, 0.03, 0.1);
  a->fissure_v = rng_range (rng, -0.2, -0.05);

  a->stomach = rng_chance (rng, 0.7);
  a->stomach_u = rng_range (rng, 0.35, 0.6);
  a->stomach_v = a->dome_v[1] + rng_range (rng, 0.1, 0.16);
  a->stomach_rx = rng_range (rng, 0.1, 0.18);
  a->stomach_ry = rng_range (rng, 0.05, 0.09);

  for (int i = 0; i < NOISE_N * NOISE_N; i++)
    a->noise[i] = (float) rng_range (rng, -1, 1);
  for (int i = 0; i <= BODY_N; i++)
    a->body_ihw[i] = (float) (1 / body_half_width (a, BODY_V0 + i * (BODY_V1 - BODY_V0) / BODY_N));
}

/* Inside distance of a lung (positive inside, roughly in units). */
static inline double
lung_inside (const Anatomy *a,
             int side,
             double x,
             double v,
             double *below_dome,
             double *no_heart)
{
  double ex = (x - a->lung_ox[side]) * a->lung_iax[side];
  double ey = (v - a->lung_oy[side]) * a->lung_iby[side];
  double d1 = (1 - ex * ex - ey * ey) * 0.25;
  double dx = x - a->dome_x[side];
  double d2 = a->dome_v[side] + a->dome_c[side] * dx * dx - v;
  double xm = a->med_x[side], xp, hk;
  double d3;

  if (side == 1)
    {
      /* The aortic knob. */
      double k = (v - a->knob_v) / 0.13;

      if (k > -1 && k < 1)
        xm += (a->knob_x - xm) * (1 - k * k) * (1 - k * k);
      /* Below it, the pulmonary trunk. */
      k = (v - a->trunk_v) / 0.1;
      if (k > -1 && k < 1)
        xm = MAX (xm, a->med_x[1] + (a->trunk_x - a->med_x[1]) * (1 - k * k) * (1 - k * k));
    }
  /* Behind the heart the lung reaches the paravertebral line. */
  xp = xm - (xm - 0.08) * smoothstep (-0.15, 0.3, v);
  /* The heart border: an elliptic arc from the mediastinum to the dome,
   * the left ventricle on the left, the right atrium on the right. */
  hk = (v - a->heart_v[side]) / a->heart_b[side];
  if (hk > -1 && hk < 1)
    xm = MAX (xm, a->heart_x[side] * sqrt (1 - hk * hk));
  d3 = x - xm;
  *below_dome = MIN (d1, d3) > 0 ? -d2 : -1;
  if (no_heart != NULL)
    *no_heart = MIN (d1, MIN (d2, x - xp));
  return MIN (d1, MIN (d2, d3));
}

/* Lateral edge of a lung at height v (for placing lesions and ribs). */
static double
lung_lateral (const Anatomy *a,
              int side,
              double v)
{
  double ey = (v - a->lung_oy[side]) / a->lung_by[side];

  return a->lung_ox[side] + a->lung_ax[side] * sqrt (MAX (0, 1 - ey * ey));
}

/* Half width of the trunk at height v. */
static double
body_half_width (const Anatomy *a,
                 double v)
{
  double neck = 0.32, shoulder = 1.32, chest = 1.02;
  double w;

  if (v < -1.75)
    w = neck;
  else if (v < -1.2)
    w = neck + (shoulder - neck) * sqrt (smoothstep (-1.75, -1.2, v));
  else
    w = shoulder + (chest - shoulder) * smoothstep (-1.2, -0.7, v) + 0.12 * smoothstep (-0.8, 0.3, v) -
        0.06 * smoothstep (0.4, 1.4, v);
  return w * a->body_w;
}

/* ---- Painting thin structures ------------------------------------------- */

typedef struct
{
  int R;
  const Frame *frame;
} Canvas;

/* Adds a tapered cylinder from p0 to p1 (pixels): path length × amp; or,
 * with max_blend, keeps the larger of that and what is there (airways,
 * which must not darken where branches overlap). */
static void
paint_capsule (const Canvas *cv,
               float *buf,
               double x0,
               double y0,
               double x1,
               double y1,
               double r0,
               double r1,
               double amp,
               gboolean max_blend)
{
  double rmax = MAX (r0, r1);
  int xa = (int) floor (MIN (x0, x1) - rmax), xb = (int) ceil (MAX (x0, x1) + rmax);
  int ya = (int) floor (MIN (y0, y1) - rmax), yb = (int) ceil (MAX (y0, y1) + rmax);
  double dx = x1 - x0, dy = y1 - y0;
  double l2 = dx * dx + dy * dy;

  xa = MAX (xa, 0);
  ya = MAX (ya, 0);
  xb = MIN (xb, cv->R - 1);
  yb = MIN (yb, cv->R - 1);
  if (l2 < 1e-9)
    l2 = 1e-9;
  for (int y = ya; y <= yb; y++)
    for (int x = xa; x <= xb; x++)
      {
        double px = x + 0.5 - x0, py = y + 0.5 - y0;
        double t = clampd ((px * dx + py * dy) / l2, 0, 1);
        double ex = px - t * dx, ey = py - t * dy;
        double r = r0 + t * (r1 - r0);
        double d2 = r * r - ex * ex - ey * ey;

        if (d2 > 0)
          {
            float val = (float) (amp * sqrt (d2));
            float *cell = &buf[y * cv->R + x];

            if (!max_blend)
              *cell += val;
            else if (val > *cell)
              *cell = val;
          }
      }
}

typedef struct
{
  double u[4], v[4]; /* control points in patient units */
  double hw0, hw1;   /* half width at the ends, units */
  double amp0, amp1; /* bone path length scale at the ends */
  double cortex;     /* 0 … 0.8: how hollow the cross-section is */
} Band;

/* Sweeps a cubic Bézier band into tmp with max, then adds it to dst over
 * its bounding box and clears tmp there. Max within one band, sum across
 * bands: where two ribs cross the film is brighter, as it should be. */
static void
paint_band (const Canvas *cv,
            float *tmp,
            float *dst,
            const Band *b)
{
  double px[4], py[4];
  double len = 0, hwmax;
  int n, m, xa = cv->R, ya = cv->R, xb = -1, yb = -1;
  const double inner = 0.8;
  float profile[256];

  for (int i = 0; i < 4; i++)
    to_px (cv->frame, b->u[i], b->v[i], &px[i], &py[i]);
  for (int i = 0; i < 3; i++)
    len += hypot (px[i + 1] - px[i], py[i + 1] - py[i]);
  hwmax = MAX (b->hw0, b->hw1) * cv->frame->s;
  n = (int) ceil ((len + hwmax * G_PI) / 0.7) + 1;
  /* Samples across the band: fixed for the band, so the cross-section
   * profile is a table. */
  m = MIN ((int) ceil (2 * hwmax / 0.7), 255);
  m = MAX (m, 1);
  for (int j = 0; j <= m; j++)
    {
      double w = -1 + 2.0 * j / m;

      profile[j] = (float) (sqrt (MAX (0, 1 - w * w)) - b->cortex * sqrt (MAX (0, inner * inner - w * w)));
    }
  for (int i = 0; i <= n; i++)
    {
      double t = (double) i / n, mt = 1 - t;
      double bx = mt * mt * mt * px[0] + 3 * mt * mt * t * px[1] + 3 * mt * t * t * px[2] + t * t * t * px[3];
      double by = mt * mt * mt * py[0] + 3 * mt * mt * t * py[1] + 3 * mt * t * t * py[2] + t * t * t * py[3];
      double dx = 3 * mt * mt * (px[1] - px[0]) + 6 * mt * t * (px[2] - px[1]) + 3 * t * t * (px[3] - px[2]);
      double dy = 3 * mt * mt * (py[1] - py[0]) + 6 * mt * t * (py[2] - py[1]) + 3 * t * t * (py[3] - py[2]);
      double dl = hypot (dx, dy);
      double hw = (b->hw0 + t * (b->hw1 - b->hw0)) * cv->frame->s;
      float amp = (float) (b->amp0 + t * (b->amp1 - b->amp0));

      if (dl < 1e-9)
        continue;
      dx /= dl;
      dy /= dl;
      for (int j = 0; j <= m; j++)
        {
          double w = -1 + 2.0 * j / m;
          double qx = bx - dy * w * hw, qy = by + dx * w * hw;
          int ix = (int) qx, iy = (int) qy;
          float val;
          float *cell;

          if (qx < 0 || qy < 0 || ix >= cv->R || iy >= cv->R)
            continue;
          val = amp * profile[j];
          cell = &tmp[iy * cv->R + ix];
          if (val > *cell)
            *cell = val;
          xa = MIN (xa, ix);
          xb = MAX (xb, ix);
          ya = MIN (ya, iy);
          yb = MAX (yb, iy);
        }
    }
  for (int y = ya; y <= yb; y++)
    for (int x = xa; x <= xb; x++)
      {
        dst[y * cv->R + x] += tmp[y * cv->R + x];
        tmp[y * cv->R + x] = 0;
      }
}

/* A branching tree of tapered cylinders, from (u, v) in direction ang
 * (radians, in patient space, mirrored by side). Branches stop at the lung
 * edge. Used for vessels and for the air bronchograms. */
typedef struct
{
  const Canvas *cv;
  const Anatomy *a;
  Rng *rng;
  float *buf;
  int side;
  double amp;
  double spread;
  double shrink;
  gboolean max_blend;
} Tree;

static void
grow_tree (Tree *tr,
           double u,
           double v,
           double ang,
           double len,
           double r,
           int depth)
{
  double u1, v1, x0, y0, x1, y1, below;
  double sign = tr->side ? 1 : -1;

  u1 = u + sign * cos (ang) * len;
  v1 = v + sin (ang) * len;
  if (depth > 1 && lung_inside (tr->a, tr->side, sign * u1, v1, &below, NULL) < -0.02)
    return;
  to_px (tr->cv->frame, u, v, &x0, &y0);
  to_px (tr->cv->frame, u1, v1, &x1, &y1);
  paint_capsule (tr->cv, tr->buf, x0, y0, x1, y1, r * tr->cv->frame->s,
                 r * tr->shrink * tr->cv->frame->s, tr->amp, tr->max_blend);
  if (depth <= 0)
    return;
  {
    double turn = tr->spread * rng_range (tr->rng, 0.5, 1.3);
    double bias = rng_range (tr->rng, -0.3, 0.3);
    double l = len * rng_range (tr->rng, 0.72, 0.88);
    double rr = r * tr->shrink;

    grow_tree (tr, u1, v1, ang + bias + turn * 0.5, l, rr, depth - 1);
    grow_tree (tr, u1, v1, ang + bias - turn * 0.5, l * rng_range (tr->rng, 0.8, 1.0),
               rr * rng_range (tr->rng, 0.75, 1.0), depth - 1);
  }
}

static void
paint_ribs (const Canvas *cv,
            float *tmp,
            float *bone,
            const Anatomy *a,
            Rng *rng)
{
  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;

      for (int k = 0; k < 12; k++)
        {
          double vk = a->t1_v + k * a->pitch + rng_range (rng, -0.01, 0.01);
          double arch = 0.2 * (1 - k / 13.0) + 0.03;
          double xw = lung_lateral (a, side, MIN (vk + 0.12, a->lung_oy[side])) + 0.04;
          double drop = 0.16 + 0.04 * k / 11.0;
          double hw = 0.028 + 0.004 * k / 11.0;
          Band post, ant;

          if (k == 0)
            xw = lung_lateral (a, side, vk + 0.08) + 0.02;
          post = (Band){ { 0.065, 0.28, xw - 0.12, xw },
                         { vk, vk - arch, vk - arch * 0.8, vk + drop },
                         hw * 0.8,
                         hw,
                         0.075,
                         0.06,
                         0.7 };
          ant = (Band){ { xw, xw + 0.01, xw - 0.18, 0.3 + 0.02 * k },
                        { vk + drop, vk + drop + 0.16, vk + drop + 0.32, vk + drop + 0.42 + 0.03 * k },
                        hw * 1.1,
                        hw * 1.25,
                        0.045,
                        0.015,
                        0.35 };
          if (k == 0)
            {
              /* The first rib: short and tight around the apex. */
              ant.u[3] = 0.22;
              ant.v[1] = vk + drop + 0.06;
              ant.v[2] = vk + drop + 0.1;
              ant.v[3] = vk + drop + 0.12;
            }
          for (int i = 0; i < 4; i++)
            {
              post.u[i] *= sign;
              ant.u[i] *= sign;
            }
          paint_band (cv, tmp, bone, &post);
          if (k < 8)
            paint_band (cv, tmp, bone, &ant);
        }

      /* Clavicle: from the sternal end up and out to the acromion. */
      {
        double cv0 = a->t1_v + rng_range (rng, 0.3, 0.4);
        Band clav = { { 0.08, 0.4, 0.62, 0.98 },
                      { cv0, cv0 - 0.12, cv0 + 0.02, cv0 - 0.2 },
                      0.045,
                      0.035,
                      0.12,
                      0.1,
                      0.55 };

        for (int i = 0; i < 4; i++)
          clav.u[i] = sign * clav.u[i] + a->spinous_u - a->spine_u;
        paint_band (cv, tmp, bone, &clav);
      }
    }
}

/* Scapula (a thin plate with a denser rim) and humeral head, per side. */
static void
paint_shoulders (const Canvas *cv,
                 float *tmp,
                 float *bone,
                 const Anatomy *a,
                 Rng *rng)
{
  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;
      double top = a->t1_v - 0.05, tip = a->t1_v + rng_range (rng, 0.55, 0.7);
      double xm = rng_range (rng, 0.74, 0.84);
      Band medial = { { xm, xm + 0.03, xm + 0.08, xm + 0.12 },
                      { top, top + 0.2, tip - 0.15, tip },
                      0.02,
                      0.015,
                      0.05,
                      0.04,
                      0.3 };
      Band plate = { { xm + 0.14, xm + 0.17, xm + 0.2, xm + 0.22 },
                     { top + 0.02, top + 0.15, tip - 0.25, tip - 0.05 },
                     0.15,
                     0.1,
                     0.04,
                     0.02,
                     0.0 };
      double hx = rng_range (rng, 1.15, 1.25), hy = a->t1_v + rng_range (rng, 0.02, 0.1);
      Band head = { { hx - 0.12, hx - 0.06, hx + 0.06, hx + 0.12 },
                    { hy, hy - 0.01, hy - 0.01, hy },
                    0.13,
                    0.13,
                    0.12,
                    0.12,
                    0.5 };
      Band shaft = { { hx + 0.03, hx + 0.1, hx + 0.2, hx + 0.35 },
                     { hy + 0.05, hy + 0.3, hy + 0.6, hy + 1.1 },
                     0.08,
                     0.07,
                     0.1,
                     0.1,
                     0.7 };

      for (int i = 0; i < 4; i++)
        {
          medial.u[i] *= sign;
          plate.u[i] *= sign;
          head.u[i] *= sign;
          shaft.u[i] *= sign;
        }
      paint_band (cv, tmp, bone, &plate);
      paint_band (cv, tmp, bone, &medial);
      if (a->arms)
        {
          paint_band (cv, tmp, bone, &head);
          paint_band (cv, tmp, bone, &shaft);
        }
    }
}

static void
paint_vessels (const Canvas *cv,
               float *vessels,
               const Anatomy *a,
               Rng *rng)
{
  /* Trunks from each hilum: up, out, down-out, down (angles from the
   * lateral direction, v downward); lower zones carry larger vessels. */
  static const double trunk_angle[] = { -85, -50, -15, 15, 45, 75 };
  static const double trunk_len[] = { 0.12, 0.1, 0.1, 0.1, 0.12, 0.13 };
  static const double trunk_r[] = { 0.013, 0.011, 0.011, 0.012, 0.015, 0.016 };

  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;
      Tree tr = { cv, a, rng, vessels, side, 0.07 / (0.015 * cv->frame->s), 0.8, 0.74, FALSE };
      double hx, hy, hx1, hy1;

      /* The hilum: the pulmonary artery and its first branches. */
      to_px (cv->frame, sign * a->hilum_x[side], a->hilum_v[side] - 0.07, &hx, &hy);
      to_px (cv->frame, sign * (a->hilum_x[side] + 0.04), a->hilum_v[side] + 0.09, &hx1, &hy1);
      paint_capsule (cv, vessels, hx, hy, hx1, hy1, 0.04 * cv->frame->s, 0.03 * cv->frame->s,
                     0.1 / (0.04 * cv->frame->s), FALSE);

      for (guint t = 0; t < G_N_ELEMENTS (trunk_angle); t++)
        {
          double ang = (trunk_angle[t] + rng_range (rng, -10, 10)) * G_PI / 180;

          grow_tree (&tr, sign * a->hilum_x[side], a->hilum_v[side] + 0.04 * sin (ang), ang,
                     trunk_len[t] * rng_range (rng, 0.85, 1.15), trunk_r[t] * rng_range (rng, 0.9, 1.15),
                     6);
        }
    }
}

static void
paint_airways (const Canvas *cv,
               float *airway,
               const Anatomy *a)
{
  double carina_v = a->hilum_v[1] - 0.22;
  double x0, y0, x1, y1;
  double amp = 1.0 / cv->frame->s;

  to_px (cv->frame, a->spine_u - 0.005, -1.7, &x0, &y0);
  to_px (cv->frame, a->spine_u + 0.005, carina_v, &x1, &y1);
  paint_capsule (cv, airway, x0, y0, x1, y1, 0.045 * cv->frame->s, 0.04 * cv->frame->s, amp, TRUE);
  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;
      double hx, hy;

      to_px (cv->frame, sign * (a->hilum_x[side] - 0.02), a->hilum_v[side] - 0.04, &hx, &hy);
      paint_capsule (cv, airway, x1, y1, hx, hy, 0.032 * cv->frame->s, 0.022 * cv->frame->s, amp, TRUE);
    }
}

/* ---- Lesions -------------------------------------------------------------- */

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

/* Evaluates the lesion field (0 … 1) of one blob at (x lateral, v). */
static inline double
blob_field (const Anatomy *a,
            const Blob *b,
            double u,
            double x,
            double v,
            gboolean soft)
{
  double ex = (x - b->x) / b->rx, ey = (v - b->v) / b->ry;
  double q = ex * ex + ey * ey;
  double n, f;

  if (q > 2.3)
    return 0;
  n = value_noise (a, u + 7.3 * b->side, v, 6.0) * 0.7 + value_noise (a, u * 2.1 + 3.1, v * 2.1, 6.0) * 0.3;
  q *= 1 - b->rough * n;
  if (soft)
    f = 1 - smoothstep (0.15, 1.0, q);
  else
    f = 1 - smoothstep (0.4, 1.15, q);
  f = MIN (f, 1.0) * b->amp;
  if (b->fissure != 0)
    {
      double d = (a->fissure_v - v) * b->fissure;

      f *= smoothstep (-0.004, 0.006, d);
    }
  return f;
}

static void
sample_lesions (Lesions *les,
                const Anatomy *a,
                LsPhantomSign sign,
                Rng *rng,
                guint *sides)
{
  les->n = 0;
  les->soft = sign == LS_PHANTOM_SIGN_GROUND_GLASS;
  *sides = 0;

  if (sign == LS_PHANTOM_SIGN_CONSOLIDATION)
    {
      /* Lobar: one lung (the right more often); 15 % also a smaller focus
       * on the other side. Lobes as seen on a PA film: upper lobes above,
       * the right middle lobe against the heart below the horizontal
       * fissure, lower lobes over the domes. */
      int side = rng_chance (rng, 0.6) ? 0 : 1;
      int foci = rng_chance (rng, 0.15) ? 2 : 1;

      for (int f = 0; f < foci; f++, side = 1 - side)
        {
          Blob *b = &les->blobs[les->n++];
          double lobe = rng_uniform (rng);
          double scale = f == 0 ? 1.0 : 0.6;

          b->side = side;
          b->amp = rng_range (rng, 0.92, 1.0);
          b->rough = rng_range (rng, 0.35, 0.55);
          b->fissure = 0;
          if (lobe < 0.3)
            { /* upper lobe */
              b->x = a->lung_ox[side] + rng_range (rng, -0.05, 0.1);
              b->v = rng_range (rng, -0.6, -0.35);
              b->rx = rng_range (rng, 0.3, 0.42) * scale;
              b->ry = rng_range (rng, 0.35, 0.5) * scale;
              if (side == 0)
                {
                  b->fissure = 1;
                  b->ry *= 1.3;
                }
            }
          else if (lobe < 0.5)
            { /* right middle lobe or lingula, against the heart */
              b->x = rng_range (rng, 0.25, 0.4);
              b->v = a->dome_v[side] - rng_range (rng, 0.2, 0.35);
              b->rx = rng_range (rng, 0.25, 0.34) * scale;
              b->ry = rng_range (rng, 0.22, 0.32) * scale;
              if (side == 0)
                b->fissure = -1;
            }
          else
            { /* lower lobe, over the dome */
              b->x = a->lung_ox[side] + rng_range (rng, 0.0, 0.15);
              b->v = a->dome_v[side] - rng_range (rng, 0.05, 0.25);
              b->rx = rng_range (rng, 0.3, 0.42) * scale;
              b->ry = rng_range (rng, 0.28, 0.4) * scale;
            }
          *sides |= 1u << side;
        }
    }
  else if (sign == LS_PHANTOM_SIGN_GROUND_GLASS)
    {
      /* Bilateral (90 %), peripheral, lower zones; a few patches a side. */
      gboolean both = rng_chance (rng, 0.9);
      int first = rng_chance (rng, 0.5) ? 0 : 1;

      for (int s = 0; s < (both ? 2 : 1); s++)
        {
          int side = s == 0 ? first : 1 - first;
          int n = 2 + (int) (rng_uniform (rng) * 3);

          for (int i = 0; i < n && les->n < MAX_BLOBS; i++)
            {
              Blob *b = &les->blobs[les->n++];
              gboolean lower = rng_chance (rng, 0.8);

              b->side = side;
              b->v = lower ? rng_range (rng, -0.05, a->dome_v[side] - 0.05) : rng_range (rng, -0.4, -0.05);
              b->x = lung_lateral (a, side, b->v) - rng_range (rng, 0.06, 0.16);
              b->rx = rng_range (rng, 0.14, 0.24);
              b->ry = rng_range (rng, 0.2, 0.34);
              b->amp = rng_range (rng, 0.7, 1.0);
              b->rough = rng_range (rng, 0.3, 0.5);
              b->fissure = 0;
            }
          *sides |= 1u << side;
        }
    }
}

/* Renders the lesion field into les over each blob's bounding box. */
static void
paint_lesions (const Canvas *cv,
               float *les,
               float *les_eff,
               const Anatomy *a,
               const Lesions *l)
{
  for (int i = 0; i < l->n; i++)
    {
      const Blob *b = &l->blobs[i];
      double sign = b->side ? 1 : -1;
      double r = MAX (b->rx, b->ry) * 1.6;
      double x0, y0, x1, y1;
      int xa, xb, ya, yb;

      to_px (cv->frame, sign * b->x - r, b->v - r, &x0, &y0);
      to_px (cv->frame, sign * b->x + r, b->v + r, &x1, &y1);
      {
        double xl, yl, xr, yr;

        to_px (cv->frame, sign * b->x - r, b->v + r, &xl, &yl);
        to_px (cv->frame, sign * b->x + r, b->v - r, &xr, &yr);
        xa = (int) floor (MIN (MIN (x0, x1), MIN (xl, xr)));
        xb = (int) ceil (MAX (MAX (x0, x1), MAX (xl, xr)));
        ya = (int) floor (MIN (MIN (y0, y1), MIN (yl, yr)));
        yb = (int) ceil (MAX (MAX (y0, y1), MAX (yl, yr)));
      }
      xa = MAX (xa, 0);
      ya = MAX (ya, 0);
      xb = MIN (xb, cv->R - 1);
      yb = MIN (yb, cv->R - 1);
      for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++)
          {
            double u, v, f, mottle;
            gsize k = (gsize) y * cv->R + x;

            to_patient (cv->frame, x + 0.5, y + 0.5, &u, &v);
            if (u * sign <= 0)
              continue;
            f = blob_field (a, b, u, u * sign, v, l->soft);
            if (f <= 0)
              continue;
            /* Union of patches: 1 − Π (1 − f); the effect is mottled. */
            mottle = 0.9 + 0.1 * value_noise (a, u * 1.7 + 5, v * 1.7, 10);
            les[k] = (float) (1 - (1 - les[k]) * (1 - f));
            les_eff[k] = (float) (1 - (1 - les_eff[k]) * (1 - f * mottle));
          }
    }
}

static void
paint_bronchograms (const Canvas *cv,
                    float *bronch,
                    const Anatomy *a,
                    const Lesions *l,
                    Rng *rng)
{
  for (int i = 0; i < l->n; i++)
    {
      const Blob *b = &l->blobs[i];
      double sign = b->side ? 1 : -1;
      double hx = a->hilum_x[b->side], hv = a->hilum_v[b->side];
      double ang = atan2 (b->v - hv, b->x - hx);
      /* Start inside the opacity on its hilar side, heading outwards. */
      double dist = hypot (b->x - hx, b->v - hv) + 1e-9;
      double back = 0.45 * MIN (b->rx, b->ry);
      double su = sign * (b->x - back * (b->x - hx) / dist), sv = b->v - back * (b->v - hv) / dist;
      Tree tr = { cv, a, rng, bronch, b->side, 0.15 / (0.02 * cv->frame->s), 0.7, 0.8, TRUE };

      for (int k = 0; k < 2; k++)
        grow_tree (&tr, su, sv, ang + rng_range (rng, -0.35, 0.35), 0.09, 0.02, 4);
    }
}

/* Body, lungs, heart, mediastinum, stomach, spine and lesions, evaluated
 * on an H × H grid: the attenuation (soft − air + μ_bone × bone) and the
 * lungs' inside distance. */
static void
render_fields (const Anatomy *a,
               const Frame *frame,
               int H,
               double mu_bone,
               const float *bone,
               const float *les_eff,
               double haze,
               float *base,
               float *lung_d)
{
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < H; x++)
        {
          gsize i = (gsize) y * H + x;
          double u, v, soft, air = 0, bonev = bone[i], hw, below, d, no_heart;
          int side;

          to_patient (frame, x + 0.5, y + 0.5, &u, &v);

          /* Soft tissue: an elliptic trunk, the neck, the arms. */
          {
            /* 1 / half width of the trunk, from a table over v. */
            double fv = clampd ((v - BODY_V0) * (BODY_N / (BODY_V1 - BODY_V0)), 0, BODY_N - 1.001);
            int k = (int) fv;
            double ihw = a->body_ihw[k] + (fv - k) * (a->body_ihw[k + 1] - a->body_ihw[k]);

            hw = u * ihw;
            soft = a->body_d * sqrt (MAX (0, 1 - hw * hw));
          }
          if (v < -1.1)
            soft *= 0.6 + 0.4 * smoothstep (-1.5, -1.1, v);
          if (a->arms && v > -1.15)
            {
              double du = (fabs (u) - a->arm_u) / 0.2;

              if (du > -1 && du < 1)
                soft += 0.55 * sqrt (1 - du * du) * smoothstep (-1.15, -0.95, v);
            }

          /* Lungs: air path length grows from the pleura inwards. */
          side = u >= 0 ? 1 : 0;
          d = lung_inside (a, side, side ? u : -u, v, &below, &no_heart);
          if (no_heart > 0)
            {
              double depth = a->lung_depth * (0.85 + 0.15 * smoothstep (-1, 0.4, v));
              double tex = 1 + 0.06 * value_noise (a, u, v, 14);

              air = depth * sqrt (MIN (no_heart / 0.2, 1.0)) * tex;
              /* The heart in front leaves a little air (the retrocardiac
               * lung); its border against the lung is sharp. */
              air *= 0.25 + 0.75 * smoothstep (-0.008, 0.008, d);
            }
          else if (below >= 0 && below < 0.2)
            {
              /* The posterior recesses behind the domes. */
              air = 0.08 * a->lung_depth * (1 - smoothstep (0.0, 0.2, below)) * smoothstep (0, 0.05, below) *
                    smoothstep (0.3, 0.5, fabs (u));
            }

          /* Lesions take air away: all of it in a consolidation, some
           * of it in ground glass. */
          if (d > 0 && les_eff[i] > 0)
            air *= 1 - haze * les_eff[i];

          /* Stomach gas under the left dome: flat fluid level below. */
          if (a->stomach)
            {
              double su = (u - a->stomach_u) / a->stomach_rx, sv = (v - a->stomach_v) / a->stomach_ry;

              if (sv < 0.3 && su * su + sv * sv < 1)
                air += 0.25 * sqrt (1 - su * su - sv * sv);
            }

          /* Vertebral column: bodies, discs, pedicles. */
          {
            double du = u - a->spine_u;
            double shw = 0.07 + 0.025 * smoothstep (-1.2, 0.8, v);

            if (fabs (du) < shw && v > -1.8)
              {
                double w = du / shw;
                double ph_v = (v - a->t1_v) / a->pitch;
                double fr = ph_v - floor (ph_v);
                double seg = fr > 0.84 ? 0.45 : 1.0 + 0.25 * smoothstep (0.7, 0.84, fr);
                double body = sqrt (1 - w * w) * 0.6 + 0.25;

                if (v < a->t1_v)
                  shw *= 0.8;
                bonev += 0.04 * body * seg;
                /* Pedicles: small rings in the upper half of each body. */
                {
                  double pu2 = (fabs (du) - shw * 0.68) / 0.02, pv2 = (fr - 0.3) * a->pitch / 0.028;
                  double pr = pu2 * pu2 + pv2 * pv2;

                  if (pr < 1.0)
                    bonev += 0.02 * (pr > 0.4 ? 1.0 : 0.4);
                }
                /* Spinous process, offset when the patient is rotated. */
                {
                  double pu3 = (u - a->spinous_u) / 0.018, pv3 = (fr - 0.6) * a->pitch / 0.035;

                  if (pu3 * pu3 + pv3 * pv3 < 1)
                    bonev += 0.025;
                }
              }
          }

          base[i] = (float) (soft - air + mu_bone * bonev);
          lung_d[i] = (float) d;
        }
    }
}

/* ---- The film ---------------------------------------------------------- */

#define LUT_N 1024
#define LUT_MAX 3.0
#define GAUSS_N 4096

LsPhantom *
ls_phantom_generate (const LsPhantomParams *params,
                     guint64 seed,
                     guint class_index,
                     guint index)
{
  const LsPhantomClass *klass;
  LsPhantom *ph;
  Rng rng;
  Anatomy *a;
  Lesions lesions;
  Frame frame;
  Canvas cv, hcv;
  int R;
  gsize n;
  float *bone, *tmp, *vessels, *airway, *bronch = NULL, *les, *les_eff, *out;
  float *base, *lung_d;
  Frame hframe;
  int H;
  gsize hn;
  double k_att, gamma, mu_bone, haze, mask_level, heel, floor_level;
  guint64 noise_state;
  float lut[LUT_N + 1];
  float gauss[GAUSS_N];

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->size >= 32 && params->size <= 4096, NULL);
  g_return_val_if_fail (class_index < G_N_ELEMENTS (classes), NULL);

  klass = &classes[class_index];
  R = params->size;
  n = (gsize) R * R;
  rng_init (&rng, seed, class_index, index);

  ph = g_new0 (LsPhantom, 1);
  ph->class_index = class_index;
  ph->image = ls_image_new (R, R);
  ph->lesion = ls_image_new (R, R);
  ph->lungs = g_malloc0 (n);

  a = g_new0 (Anatomy, 1);
  sample_anatomy (a, &rng);

  ph->scale = rng_range (&rng, 0.9, 1.1);
  ph->rotation = rng_range (&rng, -6, 6);
  ph->exposure = rng_range (&rng, 0.8, 1.2);
  ph->noise = rng_range (&rng, 0.008, 0.03);
  ph->blur = rng_range (&rng, 0.05, 0.22);
  frame.s = R / 2.5 * ph->scale;
  frame.ay = rng_range (&rng, 0.94, 1.06);
  frame.cx = R * (0.5 + rng_range (&rng, -0.03, 0.03));
  frame.cy = R * (0.5 + rng_range (&rng, -0.03, 0.03));
  frame.c = cos (ph->rotation * G_PI / 180);
  frame.sn = sin (ph->rotation * G_PI / 180);
  cv.R = R;
  cv.frame = &frame;

  k_att = 1.2 * ph->exposure;
  gamma = rng_range (&rng, 1.8, 2.4);
  mu_bone = rng_range (&rng, 1.6, 2.2);

  vessels = g_new0 (float, n);
  airway = g_new0 (float, n);
  out = ph->image->data;

  /* Bones and the smooth fields at up to half resolution: ribs are several
   * pixels wide even there, and the film's blur is wider than the
   * difference. Vessels and airways are thin: full resolution. */
  H = R <= 256 ? R : (R + 1) / 2;
  hn = (gsize) H * H;
  hframe = frame;
  hframe.s = frame.s * H / R;
  hframe.cx = frame.cx * H / R;
  hframe.cy = frame.cy * H / R;
  hcv.R = H;
  hcv.frame = &hframe;
  bone = g_new0 (float, hn);
  tmp = g_new0 (float, hn);
  les = g_new0 (float, hn);
  les_eff = g_new0 (float, hn);
  paint_ribs (&hcv, tmp, bone, a, &rng);
  paint_shoulders (&hcv, tmp, bone, a, &rng);
  paint_vessels (&cv, vessels, a, &rng);
  paint_airways (&cv, airway, a);

  sample_lesions (&lesions, a, klass->sign, &rng, &ph->lesion_sides);
  paint_lesions (&hcv, les, les_eff, a, &lesions);
  ph->air_bronchogram = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION && rng_chance (&rng, 0.75);
  if (ph->air_bronchogram)
    {
      bronch = g_new0 (float, n);
      paint_bronchograms (&cv, bronch, a, &lesions, &rng);
    }
  /* Consolidation replaces the air; ground glass only thins it. */
  haze = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION ? 0.95 : 0.7;
  mask_level = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION ? 0.5 : 0.3;

  base = g_new (float, hn);
  lung_d = g_new (float, hn);
  render_fields (a, &hframe, H, mu_bone, bone, les_eff, haze, base, lung_d);

  /* The exposure curve as a table over the attenuation; quantum noise from
   * a table of normal deviates indexed by a fast generator. */
  {
    double norm = 1 - exp (-k_att * 1.5);

    for (int j = 0; j <= LUT_N; j++)
      lut[j] = (float) pow ((1 - exp (-k_att * j * (LUT_MAX / LUT_N))) / norm, gamma);
    for (int j = 0; j < GAUSS_N; j++)
      {
        guint64 r = rng_next (&rng);

        gauss[j] = (float) (((double) (r & 0xffff) + (double) ((r >> 16) & 0xffff) +
                             (double) ((r >> 32) & 0xffff) + (double) (r >> 48) - 2 * 65535.0) /
                            (65535.0 * 0.57735));
      }
    noise_state = rng_next (&rng) | 1;
    heel = rng_range (&rng, -0.06, 0.06);
    floor_level = rng_range (&rng, 0.02, 0.08);
  }

  /* The film at full resolution: smooth fields (bilinear) plus the thin
   * structures, then exposure and noise. */
  {
    int *x0 = g_new (int, R);
    float *tx = g_new (float, R);
    double sc = (double) H / R;
    float sigma = (float) ph->noise;

    for (int x = 0; x < R; x++)
      {
        double sx = clampd ((x + 0.5) * sc - 0.5, 0, H - 1);

        x0[x] = MIN ((int) sx, H - 2 >= 0 ? H - 2 : 0);
        tx[x] = (float) (sx - x0[x]);
      }
    for (int y = 0; y < R; y++)
      {
        double sy = clampd ((y + 0.5) * sc - 0.5, 0, H - 1);
        int y0 = MIN ((int) sy, H - 2 >= 0 ? H - 2 : 0);
        float ty = (float) (sy - y0);
        gsize row1 = H > 1 ? (gsize) H : 0;
        const float *b0 = base + (gsize) y0 * H, *b1 = b0 + row1;
        const float *d0 = lung_d + (gsize) y0 * H, *d1 = d0 + row1;
        const float *l0 = les + (gsize) y0 * H, *l1 = l0 + row1;
        /* u at the pixel centre: only its sign (the side) is needed. */
        double u_row = (frame.sn * (y + 0.5 - frame.cy) + frame.c * (0.5 - frame.cx)) / frame.s;
        double du = frame.c / frame.s;
        float gain = (float) ((1 - floor_level) * (1 + heel * ((double) y / R - 0.5)));
        guint64 bits = 0;
        int left = 0;

        for (int x = 0; x < R; x++)
          {
            gsize i = (gsize) y * R + x;
            int j = x0[x], j1 = H > 1 ? j + 1 : j;
            float t = tx[x];
            float bv = (b0[j] + t * (b0[j1] - b0[j])) * (1 - ty) + (b1[j] + t * (b1[j1] - b1[j])) * ty;
            float d = (d0[j] + t * (d0[j1] - d0[j])) * (1 - ty) + (d1[j] + t * (d1[j1] - d1[j])) * ty;
            float att = bv - airway[i];
            float fj, val;
            int k;

            if (d > 0)
              {
                ph->lungs[i] = u_row + x * du >= 0 ? LS_PHANTOM_LEFT_LUNG : LS_PHANTOM_RIGHT_LUNG;
                att += vessels[i];
                if (lesions.n > 0)
                  {
                    float f = (l0[j] + t * (l0[j1] - l0[j])) * (1 - ty) + (l1[j] + t * (l1[j1] - l1[j])) * ty;

                    /* Air bronchograms show only inside the opacity. */
                    if (bronch != NULL && f > 0.4f)
                      att -= bronch[i] * (f > 0.8f ? 1.0f : (f - 0.4f) * 2.5f);
                    if (f > mask_level)
                      ph->lesion->data[i] = 1.0f;
                  }
              }
            else
              att += 0.2f * vessels[i];

            fj = CLAMP (att, 0.0f, (float) LUT_MAX) * (float) (LUT_N / LUT_MAX);
            k = MIN ((int) fj, LUT_N - 1);
            val = (float) floor_level + gain * (lut[k] + (fj - k) * (lut[k + 1] - lut[k]));
            if (left == 0)
              {
                /* xorshift64: five 12-bit indices a draw. */
                noise_state ^= noise_state << 13;
                noise_state ^= noise_state >> 7;
                noise_state ^= noise_state << 17;
                bits = noise_state;
                left = 5;
              }
            val += gauss[bits & (GAUSS_N - 1)] * sigma * (0.6f + 0.4f * val);
            bits >>= 12;
            left--;
            out[i] = CLAMP (val, 0.0f, 1.0f);
          }
      }
    g_free (x0);
    g_free (tx);
  }
  g_free (base);
  g_free (lung_d);

  /* A slight blur: [b, 1 − 2b, b] along rows, then columns. */
  {
    float b = (float) ph->blur, c = 1 - 2 * b;

    for (int y = 0; y < R; y++)
      {
        float *row = out + (gsize) y * R;
        float prev = row[0];

        for (int x = 1; x < R - 1; x++)
          {
            float cur = row[x];

            row[x] = b * prev + c * cur + b * row[x + 1];
            prev = cur;
          }
      }
    /* The vessel buffer is free now: the scratch copy for the columns. */
    memcpy (vessels, out, n * sizeof (float));
    for (int y = 1; y < R - 1; y++)
      for (int x = 0; x < R; x++)
        {
          gsize i = (gsize) y * R + x;

          out[i] = b * vessels[i - R] + c * vessels[i] + b * vessels[i + R];
        }
  }

  g_free (bone);
  g_free (tmp);
  g_free (vessels);
  g_free (airway);
  g_free (bronch);
  g_free (les);
  g_free (les_eff);
  g_free (a);
  return ph;
}

void
ls_phantom_free (LsPhantom *phantom)
{
  if (phantom == NULL)
    return;
  ls_image_free (phantom->image);
  ls_image_free (phantom->lesion);
  g_free (phantom->lungs);
  g_free (phantom);
}
