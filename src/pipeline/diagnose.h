/* diagnose.h — one radiograph file through a model (DESIGN.md §2, flow 1):
 * read once, hash, decode, predict with calibrated probabilities, OOD
 * score and saliency, write the overlay, log the prediction
 *
 * One call for every caller: `lungscope-cli predict`, `saliency` and
 * `report`, and the app's drop, open and gallery. The bytes hashed are the
 * bytes decoded (one read). A prediction is logged in the workspace against
 * the model choice's log id (model-source.h) under the file's display name,
 * so the CLI and the app log the same row for the same file.
 *
 * Runs in a worker thread: the model's net is not reentrant (predict.h) and
 * @store belongs to the calling thread (store.h).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dataset/store.h"
#include "imaging/colormap.h"
#include "pipeline/model-source.h"
#include "pipeline/predict.h"

G_BEGIN_DECLS

/* The overlay's look unless the caller says otherwise. */
#define LS_DIAGNOSE_DEFAULT_COLORMAP LS_COLORMAP_TURBO
#define LS_DIAGNOSE_DEFAULT_OPACITY 0.45f

#define LS_DIAGNOSE_ERROR (ls_diagnose_error_quark ())

typedef enum
{
  /* The overlay could not be written: a problem of where it goes (a full
   * disk, a read-only folder), not of the image; callers stop a batch. */
  LS_DIAGNOSE_ERROR_OUTPUT,
} LsDiagnoseError;

GQuark ls_diagnose_error_quark (void);

/* Called from the worker with the calibrated probabilities before the
 * full image is decoded and the saliency map computed: a first answer from
 * the decoder's fast path (straight to about the model's size), within a
 * few thousandths of the final probabilities, which follow. */
typedef void (*LsDiagnoseEarlyFunc) (const LsPrediction *prediction,
                                     gpointer user_data);
/* Called from the worker with the whole decoded image (borrowed for the
 * call) before the model runs on it, so a viewer can show it meanwhile. */
typedef void (*LsDiagnoseImageFunc) (const LsImage *image,
                                     gpointer user_data);

typedef struct
{
  LsPredictOptions predict; /* saliency, method, class */
  /* Write the overlay (the map over the radiograph, opaque RGBA PNG) to
   * this file, atomically; NULL: none. Needs predict.saliency. */
  const char *overlay_path;
  LsColormap colormap;
  float opacity;
  gboolean sync_folder; /* also fsync the overlay's folder (one file: yes) */
  gboolean log;         /* log the prediction in the store (default TRUE) */
  /* Without saliency: decode through the decoders' fast path, straight to
   * about the model's size (default FALSE: the probabilities then differ
   * from the whole image's by up to about 0.01, and the same file should
   * read the same with or without a map); the diagnosis's image is then
   * that small image (orig_width/orig_height give the file's size). With
   * saliency the image is always decoded whole, once. */
  gboolean fast_decode;
  /* DICOM: also keep the full-precision modality values (a viewer's
   * window/level beyond the file's window; LsDicomFacts.values). */
  gboolean keep_values;
  /* With saliency: a first answer as soon as possible (the fast decode and
   * one more forward pass), so a window shows it before the map; NULL:
   * none. */
  LsDiagnoseEarlyFunc early;
  gpointer early_data;
  /* The decoded image before the model runs on it; NULL: none. */
  LsDiagnoseImageFunc decoded;
  gpointer decoded_data;
} LsDiagnoseOptions;

typedef struct
{
  char *path;     /* the file, as given */
  char *name;     /* its display name (UTF-8): what is logged and shown */
  char *sha256;   /* of the file's bytes, hex */
  LsImage *image; /* decoded at full resolution */
  LsPrediction *prediction;
  gint64 log_id;       /* the logged row, or −1 when nothing was logged */
  GError *log_error;   /* the prediction is valid but could not be logged */
  double read_seconds; /* reading and decoding the file */
} LsDiagnosis;

void ls_diagnose_options_init (LsDiagnoseOptions *options);

/* Reads @path once: the decoded image at full resolution and, if @sha256 is
 * not NULL, the SHA-256 (hex) of the same bytes. Errors name the file. */
LsImage *ls_pipeline_read_image (const char *path,
                                 char **sha256,
                                 GError **error);

/* Diagnoses one file with @choice's model (see above). Returns NULL with
 * @error for what concerns the file or the model (unreadable, not an
 * image, cancelled; LS_DIAGNOSE_ERROR_OUTPUT: the overlay not written); a prediction that was made
 * but could not be logged comes back with log_error set. @store may be
 * NULL (nothing logged). */
LsDiagnosis *ls_pipeline_diagnose_file (const LsModelChoice *choice,
                                        LsStore *store,
                                        const char *path,
                                        const LsDiagnoseOptions *options,
                                        GCancellable *cancellable,
                                        GError **error);
void ls_diagnosis_free (LsDiagnosis *diagnosis);

/* Logs one prediction against @choice->log_id; returns the row id, 0 with
 * @error set, or −1 (nothing done) when @store is NULL or the choice logs
 * nothing (a read-only workspace). */
gint64 ls_pipeline_log_prediction (LsStore *store,
                                   const LsModelChoice *choice,
                                   const char *name,
                                   const char *sha256,
                                   const LsPrediction *prediction,
                                   const char *saliency_method,
                                   GError **error);

/* The saliency map over the radiograph, opaque, as R, G, B, A bytes
 * (4 × width a row); the prediction's map must have the image's size. */
guint8 *ls_pipeline_render_overlay (const LsImage *image,
                                    const LsPrediction *prediction,
                                    LsColormap colormap,
                                    float opacity);
/* Writes that overlay as a PNG file (atomic: temp file, fsync, rename). */
gboolean ls_pipeline_write_overlay (const char *path,
                                    const LsImage *image,
                                    const LsPrediction *prediction,
                                    LsColormap colormap,
                                    float opacity,
                                    gboolean sync_folder,
                                    GError **error);

/* {"normal": p, …} in the model's class order. */
JsonNode *ls_pipeline_probabilities_node (const LsModel *model,
                                          const LsPrediction *prediction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LsDiagnosis, ls_diagnosis_free)

G_END_DECLS
