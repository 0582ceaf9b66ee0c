/* augment.h — Kornia-style random augmentation
 *
 * A pipeline is an ordered list of steps. Each step has a probability p and
 * ranges (an LsAugmentSpec); applying the pipeline to an image first samples
 * every step's parameters from the caller's LsRng (an LsAugmentParams per
 * step, kept in an LsAugmentRecord the GUI can show in words), then renders
 * the image from those parameters. Replaying a record renders the same image
 * bit for bit, since applying *is* sampling followed by replaying.
 *
 * Geometric steps that follow one another (affine, resized crop, flip,
 * perspective) are fused into one inverse-mapped bilinear pass over the
 * source: one interpolation instead of one per step, and nothing is lost in
 * the corners of intermediate images (where Kornia, warping step by step,
 * would carry the black corners of one step into the next). A fused run
 * pads with the edge only when all its steps ask for "border", else with
 * black. Elastic deformation is a pass of its own. Everything works at the input's size, with a scratch the caller makes
 * once (ls_augment_scratch_new), so applying allocates nothing.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/rng.h"

G_BEGIN_DECLS

#define LS_AUGMENT_ERROR (ls_augment_error_quark ())

typedef enum
{
  LS_AUGMENT_ERROR_PARSE,         /* not a key file */
  LS_AUGMENT_ERROR_UNKNOWN_GROUP, /* not an augmentation we know */
  LS_AUGMENT_ERROR_UNKNOWN_KEY,
  LS_AUGMENT_ERROR_INVALID_VALUE,
} LsAugmentError;

GQuark ls_augment_error_quark (void);

typedef enum
{
  LS_AUGMENT_AFFINE,       /* RandomAffine */
  LS_AUGMENT_RESIZED_CROP, /* RandomResizedCrop */
  LS_AUGMENT_HFLIP,        /* RandomHorizontalFlip */
  LS_AUGMENT_PERSPECTIVE,  /* RandomPerspective */
  LS_AUGMENT_ELASTIC,      /* RandomElasticTransform */
  LS_AUGMENT_BRIGHTNESS,   /* RandomBrightness */
  LS_AUGMENT_CONTRAST,     /* RandomContrast */
  LS_AUGMENT_GAMMA,        /* RandomGamma */
  LS_AUGMENT_BLUR,         /* RandomGaussianBlur */
  LS_AUGMENT_NOISE,        /* RandomGaussianNoise */
  LS_AUGMENT_SHARPNESS,    /* RandomSharpness */
  LS_AUGMENT_ERASING,      /* RandomErasing */
  LS_AUGMENT_CLAHE,        /* RandomClahe */
  LS_AUGMENT_EQUALIZE,     /* RandomEqualize */
  LS_AUGMENT_N_KINDS
} LsAugmentKind;

/* What a geometric step samples where it looks outside the source. */
typedef enum
{
  LS_PADDING_ZEROS,  /* black, as Kornia's padding_mode="zeros" and torchvision's fill=0 */
  LS_PADDING_BORDER, /* the nearest edge pixel (padding_mode="border") */
} LsPadding;

/* One step's configuration. Ranges are [lo, hi] and sampled uniformly;
 * only the fields of the step's kind are used (see ls_augment_spec_init
 * for which, and for the defaults). */
typedef struct
{
  LsAugmentKind kind;
  double p;            /* probability of applying the step */
  double degrees[2];   /* affine: rotation, degrees, + is anticlockwise */
  double translate[2]; /* affine: largest shift, fraction of width and height */
  double scale[2];     /* affine: zoom; resized crop and erasing: area fraction */
  double shear_x[2];   /* affine: degrees */
  double shear_y[2];
  double ratio[2];        /* resized crop: aspect w/h; erasing: h/w (torchvision's) */
  double distortion;      /* perspective: largest corner shift, fraction of half the side */
  double alpha[2];        /* elastic: displacement scale, normalised coordinates */
  double sigma[2];        /* elastic and blur: Gaussian σ, pixels */
  int kernel_size;        /* elastic and blur: odd */
  double factor[2];       /* brightness, contrast, sharpness: 1 leaves the image alone */
  double gamma[2];        /* gamma */
  double gain[2];         /* gamma */
  double mean;            /* noise */
  double std[2];          /* noise */
  double value;           /* erasing: fill */
  double clip_limit[2];   /* clahe */
  int grid[2];            /* clahe: tile rows, columns */
  LsPadding padding;      /* affine, resized crop, perspective, elastic */
  gboolean same_on_batch; /* Kornia's per-step same_on_batch (see apply_batch) */
} LsAugmentSpec;

/* One step's sampled parameters. Coordinates are pixels of the image the
 * step saw, (0, 0) the centre of the top-left pixel. */
typedef struct
{
  LsAugmentKind kind;
  gboolean applied; /* the coin of p said yes (and, for erasing, a box fitted) */
  double angle;     /* affine, degrees */
  double tx, ty;    /* affine, fraction of width/height, + is right/down */
  double scale;     /* affine */
  double shear_x, shear_y;
  int box[4];         /* resized crop and erasing: x, y, width, height */
  double corners[8];  /* perspective: where the corners go (x, y): tl, tr, br, bl */
  double factor;      /* brightness, contrast, sharpness */
  double gamma, gain; /* gamma */
  double sigma;       /* blur; elastic (both axes) */
  double alpha;       /* elastic */
  double mean, std;   /* noise */
  double clip_limit;  /* clahe */
  guint64 seed;       /* noise and elastic: their random field */
} LsAugmentParams;

/* The parameters one application sampled, one per step. */
typedef struct
{
  guint n_steps;
  int width, height; /* of the image they were sampled for */
  LsAugmentParams *params;
} LsAugmentRecord;

typedef struct _LsAugmentPipeline LsAugmentPipeline;
typedef struct _LsAugmentScratch LsAugmentScratch;

const char *ls_augment_kind_to_string (LsAugmentKind kind);
gboolean ls_augment_kind_from_string (const char *name,
                                      LsAugmentKind *kind);
void ls_augment_spec_init (LsAugmentSpec *spec,
                           LsAugmentKind kind);
gboolean ls_augment_spec_equal (const LsAugmentSpec *a,
                                const LsAugmentSpec *b);

LsAugmentPipeline *ls_augment_pipeline_new (void);
LsAugmentPipeline *ls_augment_pipeline_new_default (void);
void ls_augment_pipeline_free (LsAugmentPipeline *pipeline);
void ls_augment_pipeline_add (LsAugmentPipeline *pipeline,
                              const LsAugmentSpec *spec);
guint ls_augment_pipeline_get_n_steps (const LsAugmentPipeline *pipeline);
const LsAugmentSpec *ls_augment_pipeline_get_step (const LsAugmentPipeline *pipeline,
                                                   guint index);
void ls_augment_pipeline_set_same_on_batch (LsAugmentPipeline *pipeline,
                                            gboolean same_on_batch);
gboolean ls_augment_pipeline_get_same_on_batch (const LsAugmentPipeline *pipeline);
gboolean ls_augment_pipeline_equal (const LsAugmentPipeline *a,
                                    const LsAugmentPipeline *b);

/* The text form (augment-config.c). */
LsAugmentPipeline *ls_augment_pipeline_new_from_string (const char *text,
                                                        GError **error);
LsAugmentPipeline *ls_augment_pipeline_new_from_file (const char *path,
                                                      GError **error);
char *ls_augment_pipeline_to_string (const LsAugmentPipeline *pipeline);

LsAugmentScratch *ls_augment_scratch_new (const LsAugmentPipeline *pipeline,
                                          int width,
                                          int height);
void ls_augment_scratch_free (LsAugmentScratch *scratch);

LsAugmentRecord *ls_augment_record_new (const LsAugmentPipeline *pipeline);
void ls_augment_record_free (LsAugmentRecord *record);

void ls_augment_pipeline_sample (const LsAugmentPipeline *pipeline,
                                 LsRng *rng,
                                 int width,
                                 int height,
                                 LsAugmentRecord *record);
void ls_augment_pipeline_replay (const LsAugmentPipeline *pipeline,
                                 const LsAugmentRecord *record,
                                 const float *src,
                                 float *dst,
                                 LsAugmentScratch *scratch);
void ls_augment_pipeline_apply (const LsAugmentPipeline *pipeline,
                                LsRng *rng,
                                const float *src,
                                float *dst,
                                int width,
                                int height,
                                LsAugmentScratch *scratch,
                                LsAugmentRecord *record);
void ls_augment_pipeline_apply_batch (const LsAugmentPipeline *pipeline,
                                      LsRng *rng,
                                      guint n_images,
                                      const float *const *src,
                                      float *const *dst,
                                      int width,
                                      int height,
                                      LsAugmentScratch *scratch,
                                      LsAugmentRecord *const *records);

char *ls_augment_params_describe (const LsAugmentParams *params,
                                  int width,
                                  int height);
char *ls_augment_record_describe (const LsAugmentRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsAugmentPipeline, ls_augment_pipeline_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsAugmentScratch, ls_augment_scratch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsAugmentRecord, ls_augment_record_free)

G_END_DECLS
