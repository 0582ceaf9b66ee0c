/* phantom.h — synthetic chest radiographs with lesion masks
 *
 * Anatomically plausible PA chest films (body, soft tissue, lungs, ribs,
 * clavicles, scapulae, spine, heart, mediastinum, trachea, diaphragm) in a
 * few classes whose signs follow radiology. Each image is a pure function
 * of (seed, class, index): its own random generator, no global state, so
 * any image can be regenerated alone and generation runs in parallel.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "base/progress.h"
#include "imaging/image.h"

G_BEGIN_DECLS

#define LS_PHANTOM_ERROR (ls_phantom_error_quark ())

typedef enum
{
  LS_PHANTOM_ERROR_INVALID,
  LS_PHANTOM_ERROR_IO,
} LsPhantomError;

/* What a class shows in the lungs. */
typedef enum
{
  LS_PHANTOM_SIGN_NONE,          /* clear lungs */
  LS_PHANTOM_SIGN_CONSOLIDATION, /* dense lobar opacity, air bronchograms */
  LS_PHANTOM_SIGN_GROUND_GLASS,  /* bilateral peripheral lower-zone haze */
} LsPhantomSign;

typedef struct
{
  const char *name;  /* folder and CSV name: "normal" */
  const char *title; /* shown to people: "Normal" */
  LsPhantomSign sign;
} LsPhantomClass;

/* Values of LsPhantom.lungs. Sides are the patient's: on a PA film the
 * patient's right lung is on the image's left. */
enum
{
  LS_PHANTOM_OUTSIDE = 0,
  LS_PHANTOM_RIGHT_LUNG = 1,
  LS_PHANTOM_LEFT_LUNG = 2,
};

typedef struct
{
  int size; /* side of the square image in pixels, 32 … 4096 */
} LsPhantomParams;

typedef struct
{
  LsImage *image;  /* the radiograph, gray in [0, 1] */
  LsImage *lesion; /* 1 inside a lesion, else 0; all 0 for a class without signs */
  guint8 *lungs;   /* size × size: LS_PHANTOM_OUTSIDE, _RIGHT_LUNG or _LEFT_LUNG */
  guint class_index;

  /* Sampled parameters, for people and tests. */
  double rotation;    /* degrees, in the image plane */
  double scale;       /* patient size relative to the mean */
  double exposure;    /* relative dose */
  double noise;       /* standard deviation of the quantum noise */
  double blur;        /* blur kernel weight */
  guint lesion_sides; /* bit 0: right lung, bit 1: left lung */
  gboolean air_bronchogram;
} LsPhantom;

guint ls_phantom_get_n_classes (void);
const LsPhantomClass *ls_phantom_get_class (guint class_index);
int ls_phantom_find_class (const char *name);

void ls_phantom_params_init (LsPhantomParams *params);
LsPhantom *ls_phantom_generate (const LsPhantomParams *params,
                                guint64 seed,
                                guint class_index,
                                guint index);
void ls_phantom_free (LsPhantom *phantom);

GQuark ls_phantom_error_quark (void);
gboolean ls_phantom_write_dataset (const char *dir,
                                   guint per_class,
                                   guint64 seed,
                                   int size,
                                   LsProgressFunc progress,
                                   gpointer user_data,
                                   GCancellable *cancellable,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsPhantom, ls_phantom_free)

G_END_DECLS
