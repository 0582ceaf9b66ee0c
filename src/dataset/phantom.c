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
 * functions evaluated per pixel of a grid at half the film's resolution
 * (above 256 pixels) and interpolated; thin ones (vessels, air
 * bronchograms) are painted at full resolution, bones and the airways
 * (wide and soft-edged) at the grid's, each only over its bounding box
 * (phantom-paint.c). A 512×512 film costs about 10 ms of one core.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

/* The film's row loops are simple and long: let GCC vectorize them at -O2
 * too (its default model there only takes loops of a known trip count).
 * Before the includes, so the inline helpers get the same options. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "phantom-private.h"

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

static double body_half_width (const Anatomy *a,
                               double v);

static void
sample_anatomy (Anatomy *a,
                LsXoshiro *rng)
{
  double tall = ls_xoshiro_range (rng, -0.06, 0.06);

  a->body_w = ls_xoshiro_range (rng, 0.96, 1.18);
  a->body_d = ls_xoshiro_range (rng, 0.9, 1.15);
  a->arms = ls_xoshiro_chance (rng, 0.6);
  a->arm_u = ls_xoshiro_range (rng, 1.28, 1.4);
  for (int side = 0; side < 2; side++)
    {
      a->lung_ox[side] = ls_xoshiro_range (rng, 0.40, 0.44);
      a->lung_ax[side] = ls_xoshiro_range (rng, 0.48, 0.53);
      a->lung_by[side] = ls_xoshiro_range (rng, 1.5, 1.6) + tall;
      a->lung_oy[side] = a->lung_by[side] - ls_xoshiro_range (rng, 0.98, 1.04);
      a->lung_iax[side] = 1 / a->lung_ax[side];
      a->lung_iby[side] = 1 / a->lung_by[side];
      a->dome_x[side] = ls_xoshiro_range (rng, 0.38, 0.5);
      a->dome_c[side] = ls_xoshiro_range (rng, 1.0, 1.5);
      a->med_x[side] = ls_xoshiro_range (rng, 0.12, 0.16);
    }
  /* The right dome sits higher than the left (the liver). */
  a->dome_v[0] = ls_xoshiro_range (rng, 0.34, 0.48) + tall;
  a->dome_v[1] = a->dome_v[0] + ls_xoshiro_range (rng, 0.03, 0.1);
  a->knob_v = ls_xoshiro_range (rng, -0.5, -0.4);
  a->knob_x = ls_xoshiro_range (rng, 0.18, 0.22);
  a->trunk_v = a->knob_v + ls_xoshiro_range (rng, 0.2, 0.26);
  a->trunk_x = ls_xoshiro_range (rng, 0.16, 0.2);
  a->lung_depth = a->body_d * ls_xoshiro_range (rng, 0.7, 0.8);

  {
    double hs = ls_xoshiro_range (rng, 0.88, 1.12);

    /* The left ventricle is widest low, near the apex on the dome; the
     * right atrium bulges in the middle of its own, shorter arc. */
    a->heart_v[1] = a->dome_v[1] + ls_xoshiro_range (rng, 0.1, 0.18);
    a->heart_b[1] = ls_xoshiro_range (rng, 0.6, 0.7) * hs;
    a->heart_x[1] = ls_xoshiro_range (rng, 0.5, 0.6) * hs;
    a->heart_v[0] = a->dome_v[0] - ls_xoshiro_range (rng, 0.08, 0.14);
    a->heart_b[0] = ls_xoshiro_range (rng, 0.3, 0.36) * hs;
    a->heart_x[0] = ls_xoshiro_range (rng, 0.26, 0.34) * hs;
    a->heart_ib[0] = 1 / a->heart_b[0];
    a->heart_ib[1] = 1 / a->heart_b[1];
  }

  a->spine_u = ls_xoshiro_range (rng, -0.02, 0.02);
  a->spinous_u = a->spine_u + ls_xoshiro_range (rng, -0.035, 0.035);
  a->t1_v = ls_xoshiro_range (rng, -1.16, -1.08);
  a->pitch = (a->dome_v[0] + 0.12 - a->t1_v) / 10.0;
  a->hilum_x[0] = ls_xoshiro_range (rng, 0.17, 0.23);
  a->hilum_v[0] = ls_xoshiro_range (rng, -0.2, -0.1);
  a->hilum_x[1] = ls_xoshiro_range (rng, 0.19, 0.25);
  a->hilum_v[1] = a->hilum_v[0] - ls_xoshiro_range (rng, 0.03, 0.1);
  a->fissure_v = ls_xoshiro_range (rng, -0.2, -0.05);

  a->stomach = ls_xoshiro_chance (rng, 0.7);
  a->stomach_u = ls_xoshiro_range (rng, 0.35, 0.6);
  a->stomach_v = a->dome_v[1] + ls_xoshiro_range (rng, 0.1, 0.16);
  a->stomach_rx = ls_xoshiro_range (rng, 0.1, 0.18);
  a->stomach_ry = ls_xoshiro_range (rng, 0.05, 0.09);

  for (int i = 0; i < NOISE_N * NOISE_N; i++)
    a->noise[i] = (float) ls_xoshiro_range (rng, -1, 1);
  a->breasts = ls_xoshiro_chance (rng, 0.4);
  a->breast_x = ls_xoshiro_range (rng, 0.5, 0.65);
  a->breast_v = a->dome_v[0] + ls_xoshiro_range (rng, -0.05, 0.1);
  a->breast_rx = ls_xoshiro_range (rng, 0.3, 0.42);
  a->breast_ry = ls_xoshiro_range (rng, 0.25, 0.35);
  a->breast_t = ls_xoshiro_range (rng, 0.05, 0.12);
  for (int i = 0; i <= BODY_N; i++)
    a->body_ihw[i] = (float) (1 / body_half_width (a, BODY_V0 + i * (BODY_V1 - BODY_V0) / BODY_N));
}

/* Inside distance of a lung (positive inside, roughly in units). */
double
ls_phantom_lung_inside (const Anatomy *a,
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

  /* Far outside the lung's ellipse (d1 falls by less than 0.05 a grid
   * pixel), the rest cannot matter: the distance stays negative there and
   * nothing below the dome is reached. */
  if (d1 < -0.1)
    {
      *below_dome = -1;
      if (no_heart != NULL)
        *no_heart = d1;
      return d1;
    }
  if (side == 1)
    {
      /* The aortic knob. */
      double k = (v - a->knob_v) * (1 / 0.13);

      if (k > -1 && k < 1)
        xm += (a->knob_x - xm) * (1 - k * k) * (1 - k * k);
      /* Below it, the pulmonary trunk. */
      k = (v - a->trunk_v) * (1 / 0.1);
      if (k > -1 && k < 1)
        xm = MAX (xm, a->med_x[1] + (a->trunk_x - a->med_x[1]) * (1 - k * k) * (1 - k * k));
    }
  /* Behind the heart the lung reaches the paravertebral line. */
  xp = xm - (xm - 0.08) * smoothstep (-0.15, 0.3, v);
  /* The heart border: an elliptic arc from the mediastinum to the dome,
   * the left ventricle on the left, the right atrium on the right. */
  hk = (v - a->heart_v[side]) * a->heart_ib[side];
  if (hk > -1 && hk < 1)
    xm = MAX (xm, a->heart_x[side] * sqrt (1 - hk * hk));
  d3 = x - xm;
  *below_dome = MIN (d1, d3) > 0 ? -d2 : -1;
  if (no_heart != NULL)
    *no_heart = MIN (d1, MIN (d2, x - xp));
  return MIN (d1, MIN (d2, d3));
}

/* Lateral edge of a lung at height v (for placing lesions and ribs). */
double
ls_phantom_lung_lateral (const Anatomy *a,
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
  /* Inverses once: products in the loop, not quotients. */
  double ibrx = 1 / a->breast_rx, ibry = 1 / a->breast_ry, ipitch = 1 / a->pitch;

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
              double du = (fabs (u) - a->arm_u) * (1 / 0.2);

              if (du > -1 && du < 1)
                soft += 0.55 * sqrt (1 - du * du) * smoothstep (-1.15, -0.95, v);
            }

          if (a->breasts)
            {
              double bu = (fabs (u) - a->breast_x) * ibrx, bv = (v - a->breast_v) * ibry;
              double r2 = bu * bu + bv * bv;

              /* Fades upwards into the chest wall; the lower edge is the skin line. */
              if (r2 < 1)
                soft += a->breast_t * sqrt (1 - r2) * smoothstep (-1.0, 0.2, bv);
            }

          /* Lungs: air path length grows from the pleura inwards. */
          side = u >= 0 ? 1 : 0;
          d = ls_phantom_lung_inside (a, side, side ? u : -u, v, &below, &no_heart);
          if (no_heart > 0)
            {
              double depth = a->lung_depth * (0.85 + 0.15 * smoothstep (-1, 0.4, v));
              double tex = 1 + 0.06 * value_noise (a, u, v, 14);

              /* A visible pleural edge, then a gradual darkening inwards
               * as the chest wall thins out of the beam. */
              air = depth * (0.3 * sqrt (MIN (no_heart * (1 / 0.02), 1.0)) + 0.7 * smoothstep (0.0, 0.3, no_heart)) * tex;
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
                double ph_v = (v - a->t1_v) * ipitch;
                double fr = ph_v - floor (ph_v);
                double seg = fr > 0.84 ? 0.7 : 1.0 + 0.15 * smoothstep (0.7, 0.84, fr);
                double body = sqrt (1 - w * w) * 0.6 + 0.25;

                if (v < a->t1_v)
                  shw *= 0.8;
                bonev += 0.04 * body * seg;
                /* Pedicles: small rings in the upper half of each body. */
                {
                  double pu2 = (fabs (du) - shw * 0.68) * (1 / 0.02), pv2 = (fr - 0.3) * a->pitch * (1 / 0.028);
                  double pr = pu2 * pu2 + pv2 * pv2;

                  if (pr < 1.0)
                    bonev += 0.02 * (pr > 0.4 ? 1.0 : 0.4);
                }
                /* Spinous process, offset when the patient is rotated. */
                {
                  double pu3 = (u - a->spinous_u) * (1 / 0.018), pv3 = (fr - 0.6) * a->pitch * (1 / 0.035);

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
  LsXoshiro rng;
  Anatomy *a;
  Lesions lesions;
  Frame frame;
  Canvas cv, hcv;
  int R;
  gsize n;
  float *bone, *tmp, *vessels, *bronch = NULL, *les, *les_eff, *out;
  float *base, *lung_d;
  Frame hframe;
  int H;
  gsize hn;
  double k_att, gamma, mu_bone, haze, mask_level, heel, floor_level;
  guint64 noise_state;
  float lut[LUT_N + 1], dlut[LUT_N];
  float gauss[GAUSS_N];

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->size >= 32 && params->size <= 4096, NULL);
  g_return_val_if_fail (class_index < G_N_ELEMENTS (classes), NULL);

  klass = &classes[class_index];
  R = params->size;
  n = (gsize) R * R;
  phantom_rng_init (&rng, seed, class_index, index);

  ph = g_new0 (LsPhantom, 1);
  ph->class_index = class_index;
  ph->image = ls_image_new (R, R);
  ph->lesion = ls_image_new (R, R);
  ph->lungs = g_malloc0 (n);

  a = g_new0 (Anatomy, 1);
  sample_anatomy (a, &rng);

  ph->scale = ls_xoshiro_range (&rng, 0.9, 1.1);
  ph->rotation = ls_xoshiro_range (&rng, -6, 6);
  ph->exposure = ls_xoshiro_range (&rng, 0.8, 1.2);
  ph->noise = ls_xoshiro_range (&rng, 0.008, 0.03);
  ph->blur = ls_xoshiro_range (&rng, 0.05, 0.22);
  frame.s = R / 2.5 * ph->scale;
  frame.ay = ls_xoshiro_range (&rng, 0.94, 1.06);
  frame.iay = 1 / frame.ay;
  frame.cx = R * (0.5 + ls_xoshiro_range (&rng, -0.03, 0.03));
  frame.cy = R * (0.5 + ls_xoshiro_range (&rng, -0.03, 0.03));
  frame.c = cos (ph->rotation * G_PI / 180);
  frame.sn = sin (ph->rotation * G_PI / 180);
  frame.is = 1 / frame.s;
  cv.R = R;
  cv.frame = &frame;

  k_att = 1.2 * ph->exposure;
  gamma = ls_xoshiro_range (&rng, 1.8, 2.4);
  mu_bone = ls_xoshiro_range (&rng, 1.6, 2.2);

  vessels = g_new0 (float, n);
  out = ph->image->data;

  /* Bones and the smooth fields at up to half resolution: ribs are several
   * pixels wide even there, and the film's blur is wider than the
   * difference; so are the trachea and main bronchi. Vessels are thin:
   * full resolution. */
  H = R <= 256 ? R : (R + 1) / 2;
  hn = (gsize) H * H;
  hframe = frame;
  hframe.s = frame.s * H / R;
  hframe.is = 1 / hframe.s;
  hframe.cx = frame.cx * H / R;
  hframe.cy = frame.cy * H / R;
  hcv.R = H;
  hcv.frame = &hframe;
  bone = g_new0 (float, hn);
  tmp = g_new0 (float, hn);
  les = g_new0 (float, hn);
  les_eff = g_new0 (float, hn);
  ls_phantom_paint_ribs (&hcv, tmp, bone, a, &rng);
  ls_phantom_paint_shoulders (&hcv, tmp, bone, a, &rng);
  ls_phantom_paint_vessels (&cv, vessels, a, &rng);

  ls_phantom_sample_lesions (&lesions, a, klass->sign, &rng, &ph->lesion_sides);
  ls_phantom_paint_lesions (&hcv, les, les_eff, a, &lesions);
  ph->air_bronchogram = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION && ls_xoshiro_chance (&rng, 0.75);
  if (ph->air_bronchogram)
    {
      bronch = g_new0 (float, n);
      ls_phantom_paint_bronchograms (&cv, bronch, a, &lesions, &rng);
    }
  /* Consolidation replaces the air; ground glass only thins it. */
  haze = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION ? 0.95 : 0.8;
  mask_level = klass->sign == LS_PHANTOM_SIGN_CONSOLIDATION ? 0.5 : 0.3;

  base = g_new (float, hn);
  lung_d = g_new (float, hn);
  render_fields (a, &hframe, H, mu_bone, bone, les_eff, haze, base, lung_d);
  /* The airways into tmp (the bands left it clear), then out of the base. */
  ls_phantom_paint_airways (&hcv, tmp, a);
  for (gsize i = 0; i < hn; i++)
    base[i] -= tmp[i];

  /* The exposure curve as a table over the attenuation; quantum noise from
   * a table of normal deviates indexed by a fast generator. */
  {
    double norm = 1 - exp (-k_att * 1.3);

    for (int j = 0; j <= LUT_N; j++)
      lut[j] = (float) pow ((1 - exp (-k_att * j * (LUT_MAX / LUT_N))) / norm, gamma);
    for (int j = 0; j < LUT_N; j++)
      dlut[j] = lut[j + 1] - lut[j];
    for (int j = 0; j < GAUSS_N; j++)
      {
        guint64 r = ls_xoshiro_next (&rng);

        gauss[j] = (float) (((double) (r & 0xffff) + (double) ((r >> 16) & 0xffff) +
                             (double) ((r >> 32) & 0xffff) + (double) (r >> 48) - 2 * 65535.0) /
                            (65535.0 * 0.57735));
      }
    noise_state = ls_xoshiro_next (&rng) | 1;
    heel = ls_xoshiro_range (&rng, -0.06, 0.06);
    floor_level = ls_xoshiro_range (&rng, 0.02, 0.08);
  }

  /* The film at full resolution: smooth fields (bilinear) plus the thin
   * structures, then exposure and noise. */
  {
    int *x0 = g_new (int, R);
    float *tx = g_new (float, R);
    float *hb = g_new (float, H + 1);
    float *hd = g_new (float, H + 1);
    float *drow = g_new (float, R);
    /* Rows blurred along, before the column blur: y − 2, y − 1, y. */
    float *keep0 = g_new (float, R), *keep1 = g_new (float, R), *keep2 = g_new (float, R);
    double sc = (double) H / R;
    float sigma = (float) ph->noise;
    float bl = (float) ph->blur, bc = 1 - 2 * bl;
    float flevel = (float) floor_level;
    float *nrow = g_new (float, R);

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
        const float *vrow = vessels + (gsize) y * R;
        float *orow = out + (gsize) y * R;
        /* u at the pixel centre: only its sign (the side) is needed. */
        double u_row = (frame.sn * (y + 0.5 - frame.cy) + frame.c * (0.5 - frame.cx)) / frame.s;
        double du = frame.c / frame.s;
        float gain = (float) ((1 - floor_level) * (1 + heel * ((double) y / R - 0.5)));
        guint64 bits = 0;
        int left = 0;

        /* Simple loops first (they vectorize): rows of the grid blended
         * vertically, then across to full resolution. */
        for (int j = 0; j < H; j++)
          {
            hb[j] = b0[j] + ty * (b1[j] - b0[j]);
            hd[j] = d0[j] + ty * (d1[j] - d0[j]);
          }
        hb[H] = hb[H - 1];
        hd[H] = hd[H - 1];
        if (R == 2 * H && H >= 2)
          {
            /* Exactly twice the grid: the weights are fixed (3/4 and 1/4),
             * the same as the tables give, without their gathers. */
            for (int m = 1; m < H; m++)
              {
                orow[2 * m] = hb[m - 1] + 0.75f * (hb[m] - hb[m - 1]);
                drow[2 * m] = hd[m - 1] + 0.75f * (hd[m] - hd[m - 1]);
              }
            for (int m = 0; m < H - 1; m++)
              {
                orow[2 * m + 1] = hb[m] + 0.25f * (hb[m + 1] - hb[m]);
                drow[2 * m + 1] = hd[m] + 0.25f * (hd[m + 1] - hd[m]);
              }
            /* The ends: clamped and extrapolated, from the tables. */
            for (int e = 0; e < 2; e++)
              {
                int x = e == 0 ? 0 : R - 1, j = x0[x];
                float t = tx[x];

                orow[x] = hb[j] + t * (hb[j + 1] - hb[j]);
                drow[x] = hd[j] + t * (hd[j + 1] - hd[j]);
              }
          }
        else
          {
            for (int x = 0; x < R; x++)
              {
                int j = x0[x];
                float t = tx[x];

                orow[x] = hb[j] + t * (hb[j + 1] - hb[j]);
                drow[x] = hd[j] + t * (hd[j + 1] - hd[j]);
              }
          }
        for (int x = 0; x < R; x++)
          orow[x] += 0.2f * vrow[x];
        /* The lungs: labels, vessels, lesions. */
        for (int x = 0; x < R; x++)
          {
            gsize i = (gsize) y * R + x;

            if (drow[x] <= 0)
              continue;
            ph->lungs[i] = u_row + x * du >= 0 ? LS_PHANTOM_LEFT_LUNG : LS_PHANTOM_RIGHT_LUNG;
            orow[x] += 0.8f * vrow[x];
            if (lesions.n > 0)
              {
                int j = x0[x], j1 = H > 1 ? j + 1 : j;
                float t = tx[x];
                float f = (l0[j] + t * (l0[j1] - l0[j])) * (1 - ty) + (l1[j] + t * (l1[j1] - l1[j])) * ty;

                /* Air bronchograms show only inside the opacity. */
                if (bronch != NULL && f > 0.4f)
                  orow[x] -= bronch[i] * (f > 0.8f ? 1.0f : (f - 0.4f) * 2.5f);
                if (f > mask_level)
                  ph->lesion->data[i] = 1.0f;
              }
          }
        /* Exposure: the curve's table of values and slopes. */
        for (int x = 0; x < R; x++)
          {
            float fj = CLAMP (orow[x], 0.0f, (float) LUT_MAX) * (float) (LUT_N / LUT_MAX);
            int k = MIN ((int) fj, LUT_N - 1);

            orow[x] = flevel + gain * (lut[k] + (fj - k) * dlut[k]);
          }
        /* Quantum noise: the row's deviates first (xorshift64, five 12-bit
         * indices a draw), then a loop that vectorizes. */
        for (int x = 0; x < R; x++)
          {
            if (left == 0)
              {
                noise_state ^= noise_state << 13;
                noise_state ^= noise_state >> 7;
                noise_state ^= noise_state << 17;
                bits = noise_state;
                left = 5;
              }
            nrow[x] = gauss[bits & (GAUSS_N - 1)] * sigma;
            bits >>= 12;
            left--;
          }
        for (int x = 0; x < R; x++)
          {
            float val = orow[x];

            val += nrow[x] * (0.6f + 0.4f * val);
            orow[x] = CLAMP (val, 0.0f, 1.0f);
          }
        /* A slight blur, [b, 1 − 2b, b], fused: along this row into the
         * ring of blurred rows, then down the columns for the row above. */
        {
          float *restrict rb = keep2;
          const float *restrict src = orow;

          rb[0] = src[0];
          rb[R - 1] = src[R - 1];
          for (int x = 1; x < R - 1; x++)
            rb[x] = bl * src[x - 1] + bc * src[x] + bl * src[x + 1];
        }
        if (y >= 2)
          {
            float *restrict above = out + (gsize) (y - 1) * R;
            const float *restrict r0 = keep0, *restrict r1 = keep1, *restrict r2 = keep2;

            for (int x = 0; x < R; x++)
              above[x] = bl * r0[x] + bc * r1[x] + bl * r2[x];
          }
        if (y == 0 || y == R - 1)
          memcpy (orow, keep2, R * sizeof (float));
        {
          float *t = keep0;

          keep0 = keep1;
          keep1 = keep2;
          keep2 = t;
        }
      }
    g_free (keep0);
    g_free (keep1);
    g_free (keep2);
    g_free (nrow);
    g_free (x0);
    g_free (tx);
    g_free (hb);
    g_free (hd);
    g_free (drow);
  }
  g_free (base);
  g_free (lung_d);

  g_free (bone);
  g_free (tmp);
  g_free (vessels);
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
