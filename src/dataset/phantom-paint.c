/* phantom-paint.c — the thin structures of a phantom and its lesions
 *
 * Ribs, clavicles, scapulae and humeri as swept bands; vessels, airways
 * and air bronchograms as trees of tapered cylinders, each painted only
 * over its bounding box; lesion fields (lobar consolidation, ground-glass
 * patches) placed where radiology finds them.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

/* As in phantom.c: vectorize simple loops of unknown length at -O2 too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "phantom-private.h"

/* ---- Painting thin structures ------------------------------------------- */

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
    {
      int xs = xa, xe = xb;

      /* Only the span of this row within rmax of the segment (conservative
       * by a pixel): a long oblique capsule covers little of its box. */
      if (fabs (dy) > 1e-6)
        {
          double py = y + 0.5 - y0;
          double t0 = (py - rmax) / dy, t1 = (py + rmax) / dy;
          double ta = MIN (t0, t1), tb = MAX (t0, t1);

          if (ta > 1 || tb < 0)
            continue;
          ta = MAX (ta, 0);
          tb = MIN (tb, 1);
          xs = MAX (xs, (int) floor (x0 + MIN (ta * dx, tb * dx) - rmax - 1));
          xe = MIN (xe, (int) ceil (x0 + MAX (ta * dx, tb * dx) + rmax + 1));
        }
      for (int x = xs; x <= xe; x++)
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
  int n, m, xa, ya, xb, yb;
  const double inner = 0.8;
  float profile[256];
  double wtab[256];

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
      wtab[j] = w;
    }
  /* The bounding box: the curve stays in the hull of its control points,
   * the band within hwmax of the curve. */
  {
    double x_lo = MIN (MIN (px[0], px[1]), MIN (px[2], px[3])) - hwmax - 1;
    double x_hi = MAX (MAX (px[0], px[1]), MAX (px[2], px[3])) + hwmax + 1;
    double y_lo = MIN (MIN (py[0], py[1]), MIN (py[2], py[3])) - hwmax - 1;
    double y_hi = MAX (MAX (py[0], py[1]), MAX (py[2], py[3])) + hwmax + 1;

    xa = (int) CLAMP (x_lo, 0, cv->R - 1);
    xb = (int) CLAMP (x_hi, 0, cv->R - 1);
    ya = (int) CLAMP (y_lo, 0, cv->R - 1);
    yb = (int) CLAMP (y_hi, 0, cv->R - 1);
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

      double ax, ay;

      if (dl < 1e-9)
        continue;
      /* The step across the band, per unit of w. */
      ax = -dy / dl * hw;
      ay = dx / dl * hw;
      for (int j = 0; j <= m; j++)
        {
          double qx = bx + wtab[j] * ax, qy = by + wtab[j] * ay;
          int ix = (int) qx, iy = (int) qy;
          float val;
          float *cell;

          if (qx < 0 || qy < 0 || ix >= cv->R || iy >= cv->R)
            continue;
          val = amp * profile[j];
          cell = &tmp[iy * cv->R + ix];
          if (val > *cell)
            *cell = val;
        }
    }
  for (int y = ya; y <= yb; y++)
    {
      float *restrict drow = dst + (gsize) y * cv->R;
      float *restrict trow = tmp + (gsize) y * cv->R;

      for (int x = xa; x <= xb; x++)
        {
          drow[x] += trow[x];
          trow[x] = 0;
        }
    }
}

/* A branching tree of tapered cylinders, from (u, v) in direction ang
 * (radians, in patient space, mirrored by side). Branches stop at the lung
 * edge. Used for vessels and for the air bronchograms. */
typedef struct
{
  const Canvas *cv;
  const Anatomy *a;
  LsXoshiro *rng;
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
  if (depth > 1 && ls_phantom_lung_inside (tr->a, tr->side, sign * u1, v1, &below, NULL) < -0.02)
    return;
  to_px (tr->cv->frame, u, v, &x0, &y0);
  to_px (tr->cv->frame, u1, v1, &x1, &y1);
  paint_capsule (tr->cv, tr->buf, x0, y0, x1, y1, r * tr->cv->frame->s,
                 r * tr->shrink * tr->cv->frame->s, tr->amp, tr->max_blend);
  if (depth <= 0)
    return;
  {
    double turn = tr->spread * ls_xoshiro_range (tr->rng, 0.5, 1.3);
    double bias = ls_xoshiro_range (tr->rng, -0.3, 0.3);
    double l = len * ls_xoshiro_range (tr->rng, 0.72, 0.88);
    double rr = r * tr->shrink;

    grow_tree (tr, u1, v1, ang + bias + turn * 0.5, l, rr, depth - 1);
    grow_tree (tr, u1, v1, ang + bias - turn * 0.5, l * ls_xoshiro_range (tr->rng, 0.8, 1.0),
               rr * ls_xoshiro_range (tr->rng, 0.75, 1.0), depth - 1);
  }
}

void
ls_phantom_paint_ribs (const Canvas *cv,
                       float *tmp,
                       float *bone,
                       const Anatomy *a,
                       LsXoshiro *rng)
{
  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;

      for (int k = 0; k < 12; k++)
        {
          double vk = a->t1_v + k * a->pitch + ls_xoshiro_range (rng, -0.01, 0.01);
          double arch = 0.2 * (1 - k / 13.0) + 0.03;
          double xw = ls_phantom_lung_lateral (a, side, MIN (vk + 0.12, a->lung_oy[side])) + 0.04;
          double drop = 0.16 + 0.04 * k / 11.0;
          double hw = 0.028 + 0.004 * k / 11.0;
          Band post, ant;

          if (k == 0)
            xw = ls_phantom_lung_lateral (a, side, vk + 0.08) + 0.02;
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
        double cv0 = a->t1_v + ls_xoshiro_range (rng, 0.32, 0.42);
        Band clav = { { 0.08, 0.4, 0.65, 1.0 },
                      { cv0, cv0 - 0.1, cv0 - 0.02, cv0 - 0.3 },
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
void
ls_phantom_paint_shoulders (const Canvas *cv,
                            float *tmp,
                            float *bone,
                            const Anatomy *a,
                            LsXoshiro *rng)
{
  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;
      double top = a->t1_v - 0.05, tip = a->t1_v + ls_xoshiro_range (rng, 0.55, 0.7);
      double xm = ls_xoshiro_range (rng, 0.74, 0.84);
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
      double hx = ls_xoshiro_range (rng, 1.15, 1.25), hy = a->t1_v + ls_xoshiro_range (rng, 0.02, 0.1);
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

void
ls_phantom_paint_vessels (const Canvas *cv,
                          float *vessels,
                          const Anatomy *a,
                          LsXoshiro *rng)
{
  /* Trunks from each hilum: up, out, down-out, down (angles from the
   * lateral direction, v downward); lower zones carry larger vessels. */
  static const double trunk_angle[] = { -85, -50, -15, 15, 45, 75 };
  static const double trunk_len[] = { 0.12, 0.1, 0.1, 0.1, 0.12, 0.13 };
  static const double trunk_r[] = { 0.018, 0.015, 0.015, 0.017, 0.021, 0.022 };

  for (int side = 0; side < 2; side++)
    {
      double sign = side ? 1 : -1;
      Tree tr = { cv, a, rng, vessels, side, 0.1 / (0.015 * cv->frame->s), 0.8, 0.74, TRUE };
      double hx, hy, hx1, hy1;

      /* The hilum: the pulmonary artery and its first branches. */
      to_px (cv->frame, sign * a->hilum_x[side], a->hilum_v[side] - 0.07, &hx, &hy);
      to_px (cv->frame, sign * (a->hilum_x[side] + 0.04), a->hilum_v[side] + 0.09, &hx1, &hy1);
      paint_capsule (cv, vessels, hx, hy, hx1, hy1, 0.04 * cv->frame->s, 0.03 * cv->frame->s,
                     0.1 / (0.04 * cv->frame->s), FALSE);

      for (guint t = 0; t < G_N_ELEMENTS (trunk_angle); t++)
        {
          double ang = (trunk_angle[t] + ls_xoshiro_range (rng, -10, 10)) * G_PI / 180;

          /* Trunks leave the hilum along its height, not from one point. */
          grow_tree (&tr, sign * (a->hilum_x[side] + 0.03 * cos (ang)), a->hilum_v[side] + 0.1 * sin (ang), ang,
                     trunk_len[t] * ls_xoshiro_range (rng, 0.85, 1.15), trunk_r[t] * ls_xoshiro_range (rng, 0.9, 1.15),
                     6);
        }
    }
}

void
ls_phantom_paint_airways (const Canvas *cv,
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
      /* The horizontal fissure dips a little laterally. */
      double d = (a->fissure_v + 0.08 * (x - 0.4) - v) * b->fissure;

      f *= smoothstep (-0.004, 0.006, d);
    }
  return f;
}

void
ls_phantom_sample_lesions (Lesions *les,
                           const Anatomy *a,
                           LsPhantomSign sign,
                           LsXoshiro *rng,
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
      int side = ls_xoshiro_chance (rng, 0.6) ? 0 : 1;
      int foci = ls_xoshiro_chance (rng, 0.15) ? 2 : 1;

      for (int f = 0; f < foci; f++, side = 1 - side)
        {
          Blob *b = &les->blobs[les->n++];
          double lobe = ls_xoshiro_uniform_double (rng);
          double scale = f == 0 ? 1.0 : 0.6;

          b->side = side;
          b->amp = ls_xoshiro_range (rng, 0.92, 1.0);
          b->rough = ls_xoshiro_range (rng, 0.35, 0.55);
          b->fissure = 0;
          if (lobe < 0.3)
            { /* upper lobe */
              b->x = a->lung_ox[side] + ls_xoshiro_range (rng, -0.05, 0.1);
              b->v = ls_xoshiro_range (rng, -0.6, -0.35);
              b->rx = ls_xoshiro_range (rng, 0.3, 0.42) * scale;
              b->ry = ls_xoshiro_range (rng, 0.35, 0.5) * scale;
              if (side == 0)
                {
                  b->fissure = 1;
                  b->ry *= 1.3;
                }
            }
          else if (lobe < 0.5)
            { /* right middle lobe or lingula, against the heart */
              b->x = ls_xoshiro_range (rng, 0.25, 0.4);
              b->v = a->dome_v[side] - ls_xoshiro_range (rng, 0.2, 0.35);
              b->rx = ls_xoshiro_range (rng, 0.25, 0.34) * scale;
              b->ry = ls_xoshiro_range (rng, 0.22, 0.32) * scale;
              if (side == 0)
                b->fissure = -1;
            }
          else
            { /* lower lobe, over the dome */
              b->x = a->lung_ox[side] + ls_xoshiro_range (rng, 0.0, 0.15);
              b->v = a->dome_v[side] - ls_xoshiro_range (rng, 0.05, 0.25);
              b->rx = ls_xoshiro_range (rng, 0.3, 0.42) * scale;
              b->ry = ls_xoshiro_range (rng, 0.28, 0.4) * scale;
            }
          *sides |= 1u << side;
        }
    }
  else if (sign == LS_PHANTOM_SIGN_GROUND_GLASS)
    {
      /* Bilateral (90 %), peripheral, lower zones; a few patches a side. */
      gboolean both = ls_xoshiro_chance (rng, 0.9);
      int first = ls_xoshiro_chance (rng, 0.5) ? 0 : 1;

      for (int s = 0; s < (both ? 2 : 1); s++)
        {
          int side = s == 0 ? first : 1 - first;
          int n = 2 + (int) (ls_xoshiro_uniform_double (rng) * 3);

          for (int i = 0; i < n && les->n < MAX_BLOBS; i++)
            {
              Blob *b = &les->blobs[les->n++];
              gboolean lower = ls_xoshiro_chance (rng, 0.8);

              b->side = side;
              b->v = lower ? ls_xoshiro_range (rng, -0.05, a->dome_v[side] - 0.05) : ls_xoshiro_range (rng, -0.4, -0.05);
              b->x = ls_phantom_lung_lateral (a, side, b->v) - ls_xoshiro_range (rng, 0.08, 0.18);
              b->rx = ls_xoshiro_range (rng, 0.14, 0.24);
              b->ry = ls_xoshiro_range (rng, 0.2, 0.34);
              b->amp = ls_xoshiro_range (rng, 0.7, 1.0);
              b->rough = ls_xoshiro_range (rng, 0.3, 0.5);
              b->fissure = 0;
            }
          *sides |= 1u << side;
        }
    }
}

/* Renders the lesion field into les over each blob's bounding box. */
void
ls_phantom_paint_lesions (const Canvas *cv,
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

void
ls_phantom_paint_bronchograms (const Canvas *cv,
                               float *bronch,
                               const Anatomy *a,
                               const Lesions *l,
                               LsXoshiro *rng)
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
        grow_tree (&tr, su, sv, ang + ls_xoshiro_range (rng, -0.35, 0.35), 0.09, 0.02, 4);
    }
}
