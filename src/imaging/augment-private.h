/* augment-private.h — kernels and scratch shared by augment*.c
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/augment.h"

G_BEGIN_DECLS

struct _LsAugmentPipeline
{
  GArray *steps; /* LsAugmentSpec */
  gboolean same_on_batch;
};

struct _LsAugmentScratch
{
  int width, height;
  int max_kernel;   /* taps of the largest blur/elastic kernel */
  float *buf;       /* width × height: ping-pong with the destination */
  float *tmp;       /* width × height: separable filters */
  float *dx, *dy;   /* width × height: elastic displacement */
  float *row;       /* max(width, height) + max_kernel + 8: a padded row */
  float *kernel;    /* max_kernel */
  float *gamma_lut; /* LS_AUGMENT_GAMMA_LUT_SIZE */
  float *clahe;     /* clahe_size */
  gsize clahe_size;
};

/* Knots of the gamma table: 2^7 a binary octave over 24 octaves below 1,
 * the last knot at 1.0 and one of padding. */
#define LS_AUGMENT_GAMMA_LUT_BITS 7
#define LS_AUGMENT_GAMMA_LUT_OCTAVES 24
#define LS_AUGMENT_GAMMA_LUT_SIZE ((LS_AUGMENT_GAMMA_LUT_OCTAVES << LS_AUGMENT_GAMMA_LUT_BITS) + 2)

/* Reflection without repeating the edge (F.pad mode="reflect"), extended
 * periodically for pads longer than the image. */
static inline int
ls_reflect_index (int i,
                  int n)
{
  int period;

  if (i >= 0 && i < n)
    return i;
  if (n == 1)
    return 0;
  period = 2 * (n - 1);
  i %= period;
  if (i < 0)
    i += period;
  return i < n ? i : period - i;
}

void ls_augment_warp_homography (const float *src,
                                 float *dst,
                                 int width,
                                 int height,
                                 const double *m,
                                 LsPadding padding);
void ls_augment_warp_displacement (const float *src,
                                   float *dst,
                                   int width,
                                   int height,
                                   const float *dx,
                                   const float *dy,
                                   LsPadding padding);
void ls_augment_gaussian_kernel (float *kernel,
                                 int size,
                                 double sigma);
void ls_augment_blur (const float *src,
                      float *dst,
                      int width,
                      int height,
                      const float *kernel,
                      int size,
                      float *tmp,
                      float *row);
void ls_augment_sharpness (const float *src,
                           float *dst,
                           int width,
                           int height,
                           float factor);
void ls_augment_brightness (const float *src,
                            float *dst,
                            gsize n,
                            float factor);
void ls_augment_contrast (const float *src,
                          float *dst,
                          gsize n,
                          float factor);
void ls_augment_noise (const float *src,
                       float *dst,
                       gsize n,
                       guint64 seed,
                       float mean,
                       float std);
void ls_augment_gamma (const float *src,
                       float *dst,
                       gsize n,
                       float gamma,
                       float gain,
                       float *lut);
void ls_augment_erase (float *image,
                       int width,
                       const int *box,
                       float value);
void ls_augment_elastic_field (LsAugmentScratch *scratch,
                               int width,
                               int height,
                               guint64 seed,
                               int kernel_size,
                               double sigma,
                               double alpha);

G_END_DECLS
