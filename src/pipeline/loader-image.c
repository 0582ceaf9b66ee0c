/* loader-image.c — one image of a batch: decode, fit, quantise (and
 * cache), augment, normalise
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "imaging/decode.h"
#include "loader-private.h"

static void
record_failure (LsLoader *self,
                guint item,
                const GError *error)
{
  LsLoaderFailure *failure;

  if (!g_atomic_int_compare_and_exchange (&self->bad[item], 0, 1))
    return;
  failure = g_new0 (LsLoaderFailure, 1);
  failure->item = item;
  failure->path = self->items[item].path != NULL ? g_strdup (self->items[item].path)
                                                 : g_strdup_printf ("item %u", item);
  failure->message = g_strdup (error->message);
  g_debug ("loader: skipping %s: %s", failure->path, failure->message);
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->failures, failure);
  g_mutex_unlock (&self->mutex);
}

static void
dequantise (const LsLoader *self,
            const guint8 *q,
            float *out)
{
  gsize n = (gsize) self->config.size * self->config.size;

  if (self->config.cache_bits == 8)
    for (gsize i = 0; i < n; i++)
      out[i] = self->lut8[q[i]];
  else
    {
      const guint16 *q16 = (const guint16 *) q;

      for (gsize i = 0; i < n; i++)
        out[i] = (float) q16[i] / 65535.0f;
    }
}

static void
quantise (const LsLoader *self,
          const float *in,
          guint8 *q)
{
  gsize n = (gsize) self->config.size * self->config.size;

  if (self->config.cache_bits == 8)
    for (gsize i = 0; i < n; i++)
      q[i] = (guint8) (CLAMP (in[i], 0.0f, 1.0f) * 255.0f + 0.5f);
  else
    {
      guint16 *q16 = (guint16 *) q;

      for (gsize i = 0; i < n; i++)
        q16[i] = (guint16) (CLAMP (in[i], 0.0f, 1.0f) * 65535.0f + 0.5f);
    }
}

/* The item's fitted image, quantised and back, into w->fitted. */
static gboolean
load_fitted (LsLoader *self,
             LsLoaderWorker *w,
             guint item,
             GError **error)
{
  const LsLoaderItem *it = &self->items[item];
  const guint8 *entry = g_atomic_pointer_get (&self->cache[item]);
  g_autoptr (LsImage) image = NULL;
  g_autoptr (LsImage) fitted = NULL;
  LsDecodeOptions opts;

  if (entry != NULL)
    {
      g_atomic_int_inc (&self->cache_hits);
      dequantise (self, entry, w->fitted);
      return TRUE;
    }
  g_atomic_int_inc (&self->cache_misses);

  ls_decode_options_init (&opts);
  opts.target_size = self->config.size;
  if (it->bytes != NULL)
    {
      g_autofree char *name = it->path != NULL ? g_strdup (it->path) : g_strdup_printf ("item %u", item);
      gsize size;
      const guint8 *data = g_bytes_get_data (it->bytes, &size);

      image = ls_image_load_bytes (data, size, name, &opts, error);
    }
  else
    image = ls_image_load (it->path, &opts, error);
  if (image == NULL)
    return FALSE;
  fitted = ls_image_fit (image, self->config.size, self->config.fit);
  quantise (self, fitted->data, w->quantised);
  dequantise (self, w->quantised, w->fitted);

  if (self->config.cache_bytes >= self->cache_entry_bytes)
    {
      g_mutex_lock (&self->cache_mutex);
      if (self->cache[item] == NULL && self->cache_used + self->cache_entry_bytes <= self->config.cache_bytes)
        {
          g_atomic_pointer_set (&self->cache[item], g_memdup2 (w->quantised, self->cache_entry_bytes));
          self->cache_used += self->cache_entry_bytes;
          self->cache_items++;
        }
      g_mutex_unlock (&self->cache_mutex);
    }
  return TRUE;
}

static void
normalise (const LsLoaderConfig *config,
           const float *src,
           float *out)
{
  gsize n = (gsize) config->size * config->size;

  /* As ls_image_normalize(): x · (1/std) − mean/std. */
  for (int c = 0; c < config->channels; c++)
    {
      float scale = 1.0f / config->std[c];
      float bias = -config->mean[c] * scale;
      float *o = out + (gsize) c * n;

      for (gsize i = 0; i < n; i++)
        o[i] = src[i] * scale + bias;
    }
}

/* Fills position j of a batch; FALSE when the item was left out (slot->errors[j]
 * says why, with LS_LOADER_ON_ERROR_FAIL). */
gboolean
ls_loader_fill_position (LsLoaderWorker *w,
                         LsLoaderSlot *slot,
                         guint j)
{
  LsLoader *self = w->loader;
  const LsLoaderConfig *config = &self->config;
  LsBatch *batch = &slot->batch;
  guint p = slot->batch.index * config->batch_size + j;
  guint item = slot->plan->order[p];
  const float *src = w->fitted;
  g_autoptr (GError) error = NULL;

  if (g_atomic_int_get (&self->bad[item]))
    {
      if (config->on_error == LS_LOADER_ON_ERROR_FAIL)
        g_set_error (&slot->errors[j], LS_LOADER_ERROR, LS_LOADER_ERROR_DECODE, "%s: failed to decode earlier",
                     self->items[item].path != NULL ? self->items[item].path : "in-memory item");
      return FALSE;
    }
  if (!load_fitted (self, w, item, &error))
    {
      record_failure (self, item, error);
      if (config->on_error == LS_LOADER_ON_ERROR_FAIL)
        g_set_error_literal (&slot->errors[j], LS_LOADER_ERROR, LS_LOADER_ERROR_DECODE, error->message);
      return FALSE;
    }
  if (config->augment != NULL)
    {
      LsAugmentRecord *record = batch->records != NULL ? batch->records[j] : w->record;
      LsRng rng;

      ls_rng_init (&rng, ls_loader_mix (slot->plan->seed + p), p);
      ls_augment_pipeline_apply (config->augment, &rng, w->fitted, w->augmented, config->size, config->size,
                                 w->scratch, record);
      src = w->augmented;
    }
  normalise (config, src, batch->input + (gsize) j * self->image_floats);
  batch->labels[j] = self->items[item].label;
  batch->items[j] = item;
  batch->positions[j] = p;
  return TRUE;
}
