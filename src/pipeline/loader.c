/* loader.c — the training data loader (see loader.h)
 *
 * Threads. One mutex and one condition guard the epoch state. Workers take
 * one image position at a time: the first position of a batch takes a free
 * buffer from the pool (batch numbers go out in order), the others join the
 * batch being handed out, so every worker helps with the batch the consumer
 * waits for. A position is filled without the lock, straight into its place
 * in the buffer; whoever finishes a batch's last position removes the
 * images that failed (keeping the order) and puts it in ready[index], and
 * ls_loader_next() hands out ready[next_deliver] in order. An epoch's plan
 * (order, seed) is a reference-counted snapshot each batch holds while it is
 * filled, so a worker still busy with an old epoch reads a plan nobody
 * changes; `generation` grows whenever the epoch is restarted or aborted,
 * and a batch begun in an old generation goes straight back to the pool.
 * Workers look at the generation and at the consumer's GCancellable before
 * every image.
 *
 * loader-plan.c makes an epoch's order; loader-image.c fills one position
 * (decode, fit, quantise and cache, augment, normalise).
 *
 * The cache is one pointer per item, set once under cache_mutex and read
 * with atomics; entries live until the loader is freed.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "loader-private.h"

#define WAIT_SLICE_US (10 * G_TIME_SPAN_MILLISECOND)

/* clang-format off */
G_DEFINE_QUARK (ls-loader-error-quark, ls_loader_error)
/* clang-format on */

void
ls_loader_config_init (LsLoaderConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->batch_size = 32;
  config->size = 224;
  config->channels = 1;
  config->fit = LS_FIT_LETTERBOX;
  for (int c = 0; c < LS_LOADER_MAX_CHANNELS; c++)
    {
      config->mean[c] = 0.0f;
      config->std[c] = 1.0f;
    }
  config->shuffle = TRUE;
  config->sampling = LS_LOADER_SAMPLE_SEQUENTIAL;
  config->cache_bits = 8;
  config->cache_bytes = LS_LOADER_DEFAULT_CACHE_BYTES;
  config->on_error = LS_LOADER_ON_ERROR_SKIP;
}

void
ls_loader_failure_free (LsLoaderFailure *failure)
{
  if (failure == NULL)
    return;
  g_free (failure->path);
  g_free (failure->message);
  g_free (failure);
}

static gboolean
check_config (const LsLoaderItem *items,
              guint n_items,
              const LsLoaderConfig *config,
              GError **error)
{
  const char *why = NULL;

  if (n_items == 0)
    why = "no items";
  else if (config->batch_size == 0 || config->batch_size > 4096)
    why = "batch size outside 1 … 4096";
  else if (config->size < 8 || config->size > 4096)
    why = "input size outside 8 … 4096";
  else if (config->channels < 1 || config->channels > LS_LOADER_MAX_CHANNELS)
    why = "channels outside 1 … 3";
  else if (config->cache_bits != 8 && config->cache_bits != 16)
    why = "cache bits must be 8 or 16";
  else if ((guint) config->sampling > LS_LOADER_SAMPLE_WEIGHTED)
    why = "unknown sampling";
  else if (config->n_workers > 64)
    why = "more than 64 workers";
  else if (config->prefetch > 256)
    why = "prefetch over 256 batches";
  if (why != NULL)
    {
      g_set_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID, "Loader: %s", why);
      return FALSE;
    }
  for (int c = 0; c < config->channels; c++)
    if (!(config->std[c] > 0.0f) || !isfinite (config->mean[c]))
      {
        g_set_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID,
                     "Loader: channel %d needs a finite mean and a std > 0", c);
        return FALSE;
      }
  for (guint i = 0; i < n_items; i++)
    {
      if (items[i].path == NULL && items[i].bytes == NULL)
        {
          g_set_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID,
                       "Loader: item %u has neither a path nor bytes", i);
          return FALSE;
        }
      if (!isfinite (items[i].weight))
        {
          g_set_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID, "Loader: item %u has a weight that is not a finite number", i);
          return FALSE;
        }
      if (items[i].label < 0)
        {
          g_set_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID,
                       "Loader: item %u (%s) has no label", i,
                       items[i].path != NULL ? items[i].path : "in memory");
          return FALSE;
        }
    }
  return TRUE;
}

/* Under mutex, by whoever finished the last position of a slot: a stale
 * slot goes back to the pool; a current one is compacted (left-out
 * positions removed, the order kept) and made ready. */
static void
finish_slot (LsLoader *self,
             LsLoaderSlot *slot)
{
  LsBatch *batch = &slot->batch;
  guint k = 0;

  ls_loader_plan_unref (g_steal_pointer (&slot->plan));
  if (slot->generation != self->generation || self->abort_error != NULL)
    {
      for (guint j = 0; j < slot->count; j++)
        g_clear_error (&slot->errors[j]);
      self->free_slots[self->n_free++] = slot;
      return;
    }
  for (guint j = 0; j < slot->count; j++)
    {
      if (slot->errors[j] != NULL && slot->error == NULL)
        slot->error = g_steal_pointer (&slot->errors[j]);
      g_clear_error (&slot->errors[j]);
      if (!slot->valid[j])
        continue;
      if (k != j)
        {
          memcpy (batch->input + (gsize) k * self->image_floats, batch->input + (gsize) j * self->image_floats,
                  self->image_floats * sizeof (float));
          batch->labels[k] = batch->labels[j];
          batch->items[k] = batch->items[j];
          batch->positions[k] = batch->positions[j];
          if (batch->records != NULL)
            {
              LsAugmentRecord *t = batch->records[k];

              batch->records[k] = batch->records[j];
              batch->records[j] = t;
            }
        }
      k++;
    }
  batch->n = k;
  self->ready[batch->index] = slot;
  self->produced_images += k;
  self->last_done_us = g_get_monotonic_time ();
}

/* Under mutex: positions of the batch being handed out that nobody took
 * will never be filled (the generation changed). */
static void
retire_current (LsLoader *self)
{
  LsLoaderSlot *slot = g_steal_pointer (&self->current);

  if (slot == NULL)
    return;
  slot->pending -= slot->count - slot->next_j;
  if (slot->pending == 0)
    finish_slot (self, slot);
}

/* Under mutex: the next position to fill, starting a batch when needed. */
static LsLoaderSlot *
claim (LsLoader *self,
       guint *j)
{
  LsLoaderSlot *slot = self->current;

  if (slot == NULL)
    {
      guint start;

      if (self->plan == NULL || self->abort_error != NULL || self->next_claim >= self->plan->n_batches || self->n_free == 0)
        return NULL;
      slot = self->free_slots[--self->n_free];
      slot->generation = self->generation;
      slot->plan = ls_loader_plan_ref (self->plan);
      slot->batch.epoch = self->plan->epoch;
      slot->batch.index = self->next_claim++;
      slot->batch.n = 0;
      start = slot->batch.index * self->config.batch_size;
      slot->count = MIN (self->config.batch_size, self->plan->n_positions - start);
      slot->pending = slot->count;
      slot->next_j = 0;
      self->current = slot;
    }
  *j = slot->next_j++;
  if (slot->next_j == slot->count)
    self->current = NULL;
  return slot;
}

static void abort_epoch (LsLoader *self,
                         GError *error);

/* Workers take one image at a time, so all of them help with the batch
 * the consumer waits for. */
static gpointer
worker_main (gpointer data)
{
  LsLoaderWorker *w = data;
  LsLoader *self = w->loader;

  g_mutex_lock (&self->mutex);
  while (!self->quit)
    {
      g_autoptr (GCancellable) cancellable = NULL;
      LsLoaderSlot *slot;
      guint j;
      gint64 t0;
      gboolean cancelled;

      slot = claim (self, &j);
      if (slot == NULL)
        {
          g_cond_wait (&self->cond, &self->mutex);
          continue;
        }
      cancellable = self->cancellable != NULL ? g_object_ref (self->cancellable) : NULL;
      g_mutex_unlock (&self->mutex);

      t0 = g_get_monotonic_time ();
      cancelled = g_cancellable_is_cancelled (cancellable);
      slot->valid[j] = !cancelled && g_atomic_int_get (&self->generation) == slot->generation && ls_loader_fill_position (w, slot, j);

      g_mutex_lock (&self->mutex);
      self->worker_us += g_get_monotonic_time () - t0;
      if (cancelled && slot->generation == self->generation)
        abort_epoch (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Loading was cancelled"));
      if (--slot->pending == 0)
        {
          finish_slot (self, slot);
          g_cond_broadcast (&self->cond);
        }
    }
  g_mutex_unlock (&self->mutex);
  return NULL;
}

static void
slot_clear (LsLoaderSlot *slot)
{
  g_aligned_free (slot->batch.input);
  g_free (slot->batch.labels);
  g_free (slot->batch.items);
  g_free (slot->batch.positions);
  if (slot->batch.records != NULL)
    for (guint j = 0; slot->batch.records[j] != NULL; j++)
      ls_augment_record_free (slot->batch.records[j]);
  g_free (slot->batch.records);
  g_clear_error (&slot->error);
  ls_loader_plan_unref (slot->plan);
  if (slot->errors != NULL)
    for (guint j = 0; j < slot->count; j++)
      g_clear_error (&slot->errors[j]);
  g_free (slot->errors);
  g_free (slot->valid);
}

static void
worker_clear (LsLoaderWorker *w)
{
  g_aligned_free (w->fitted);
  g_aligned_free (w->augmented);
  g_free (w->quantised);
  ls_augment_scratch_free (w->scratch);
  ls_augment_record_free (w->record);
}

/**
 * ls_loader_new:
 * @items: (array length=n_items): copied (paths duplicated, bytes referenced)
 * @config: copied; config->augment is borrowed
 *
 * Makes the batch pool and starts the workers; they wait for
 * ls_loader_start_epoch().
 *
 * Returns: (transfer full): the loader, or NULL with @error set
 */
LsLoader *
ls_loader_new (const LsLoaderItem *items,
               guint n_items,
               const LsLoaderConfig *config,
               GError **error)
{
  LsLoader *self;
  gsize plane;
  guint n_workers;

  g_return_val_if_fail (items != NULL || n_items == 0, NULL);
  g_return_val_if_fail (config != NULL, NULL);

  if (!check_config (items, n_items, config, error))
    return NULL;

  self = g_new0 (LsLoader, 1);
  self->config = *config;
  self->n_items = n_items;
  self->items = g_new (LsLoaderItem, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      self->items[i] = items[i];
      self->items[i].path = g_strdup (items[i].path);
      self->items[i].bytes = items[i].bytes != NULL ? g_bytes_ref (items[i].bytes) : NULL;
    }
  if (config->sampling != LS_LOADER_SAMPLE_SEQUENTIAL)
    self->cumulative = ls_loader_make_cumulative (self->items, n_items, config->sampling);
  plane = (gsize) config->size * config->size;
  self->image_floats = plane * config->channels;
  self->cache_entry_bytes = plane * (config->cache_bits / 8);
  for (int v = 0; v < 256; v++)
    self->lut8[v] = (float) v / 255.0f;
  self->bad = g_new0 (int, n_items);
  self->cache = g_new0 (gpointer, n_items);
  self->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_loader_failure_free);
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->cache_mutex);
  g_cond_init (&self->cond);

  n_workers = config->n_workers;
  if (n_workers == 0)
    n_workers = MAX (g_get_num_processors (), 2) - 1;
  self->config.n_workers = n_workers;
  if (self->config.prefetch == 0)
    self->config.prefetch = MAX (2 * n_workers, 2);
  /* prefetch buffers for the workers and one the consumer holds */
  self->pool_size = self->config.prefetch + 1;
  self->slots = g_new0 (LsLoaderSlot, self->pool_size);
  self->free_slots = g_new (LsLoaderSlot *, self->pool_size);
  for (guint s = 0; s < self->pool_size; s++)
    {
      LsBatch *b = &self->slots[s].batch;

      b->channels = config->channels;
      b->size = config->size;
      b->input = g_aligned_alloc0 (config->batch_size * self->image_floats, sizeof (float), 64);
      b->labels = g_new0 (int, config->batch_size);
      b->items = g_new0 (guint, config->batch_size);
      b->positions = g_new0 (guint, config->batch_size);
      self->slots[s].valid = g_new0 (gboolean, config->batch_size);
      self->slots[s].errors = g_new0 (GError *, config->batch_size);
      if (config->keep_records && config->augment != NULL)
        {
          b->records = g_new0 (LsAugmentRecord *, config->batch_size + 1);
          for (guint j = 0; j < config->batch_size; j++)
            b->records[j] = ls_augment_record_new (config->augment);
        }
      self->free_slots[self->n_free++] = &self->slots[s];
    }

  self->workers = g_new0 (LsLoaderWorker, n_workers);
  for (guint i = 0; i < n_workers; i++)
    {
      LsLoaderWorker *w = &self->workers[i];

      w->loader = self;
      w->fitted = g_aligned_alloc0 (plane, sizeof (float), 64);
      w->augmented = g_aligned_alloc0 (plane, sizeof (float), 64);
      w->quantised = g_malloc (self->cache_entry_bytes);
      if (config->augment != NULL)
        {
          w->scratch = ls_augment_scratch_new (config->augment, config->size, config->size);
          w->record = ls_augment_record_new (config->augment);
        }
    }
  for (guint i = 0; i < n_workers; i++)
    {
      self->workers[i].thread = g_thread_try_new ("ls-loader", worker_main, &self->workers[i], error);
      if (self->workers[i].thread == NULL)
        {
          g_prefix_error (error, "Loader: cannot start a worker thread: ");
          ls_loader_free (self);
          return NULL;
        }
      self->n_workers++;
    }
  return self;
}

void
ls_loader_free (LsLoader *self)
{
  guint n_allocated;

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->quit = TRUE;
  g_atomic_int_inc (&self->generation);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  for (guint i = 0; i < self->n_workers; i++)
    g_thread_join (self->workers[i].thread);

  n_allocated = self->config.n_workers;
  for (guint i = 0; i < n_allocated; i++)
    worker_clear (&self->workers[i]);
  g_free (self->workers);
  for (guint s = 0; s < self->pool_size; s++)
    slot_clear (&self->slots[s]);
  g_free (self->slots);
  g_free (self->free_slots);
  g_free (self->ready);
  ls_loader_plan_unref (self->plan);
  g_clear_error (&self->abort_error);
  g_clear_object (&self->cancellable);
  for (guint i = 0; i < self->n_items; i++)
    {
      g_free ((char *) self->items[i].path);
      if (self->items[i].bytes != NULL)
        g_bytes_unref (self->items[i].bytes);
      g_free (self->cache[i]);
    }
  g_free (self->items);
  g_free (self->cache);
  g_free (self->bad);
  g_free (self->cumulative);
  g_ptr_array_unref (self->failures);
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->cache_mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint
ls_loader_get_n_workers (const LsLoader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_workers;
}

/* Batches in the current epoch (0 before the first). */
guint
ls_loader_get_n_batches (const LsLoader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->plan != NULL ? self->plan->n_batches : 0;
}

/* Under mutex: ready batches go back to the pool. */
static void
drop_ready (LsLoader *self)
{
  if (self->plan == NULL)
    return;
  for (guint b = 0; b < self->plan->n_batches; b++)
    if (self->ready[b] != NULL)
      {
        g_clear_error (&self->ready[b]->error);
        self->free_slots[self->n_free++] = self->ready[b];
        self->ready[b] = NULL;
      }
}

/* Under mutex: the production time of the epoch that ends. */
static void
close_epoch_time (LsLoader *self)
{
  if (self->plan != NULL && self->last_done_us > self->epoch_start_us)
    self->produce_us += self->last_done_us - self->epoch_start_us;
}

/**
 * ls_loader_start_epoch:
 *
 * Plans epoch @epoch (its order and augmentations follow from the seed and
 * @epoch alone) and lets the workers start. Whatever was in flight for an
 * earlier epoch is dropped; batches the caller still holds stay valid until
 * released.
 */
void
ls_loader_start_epoch (LsLoader *self,
                       guint epoch)
{
  LsLoaderPlan *plan;
  LsLoaderPlan *old;

  g_return_if_fail (self != NULL);

  plan = ls_loader_plan_new (self, epoch);
  g_mutex_lock (&self->mutex);
  g_atomic_int_inc (&self->generation);
  retire_current (self);
  drop_ready (self);
  close_epoch_time (self);
  old = g_steal_pointer (&self->plan);
  self->plan = plan;
  g_free (self->ready);
  self->ready = g_new0 (LsLoaderSlot *, MAX (plan->n_batches, 1));
  self->next_claim = 0;
  self->next_deliver = 0;
  g_clear_error (&self->abort_error);
  self->epoch_start_us = g_get_monotonic_time ();
  self->last_done_us = self->epoch_start_us;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  ls_loader_plan_unref (old);
}

/* Under mutex. */
static void
abort_epoch (LsLoader *self,
             GError *error)
{
  g_atomic_int_inc (&self->generation);
  g_clear_error (&self->abort_error);
  self->abort_error = error;
  retire_current (self);
  drop_ready (self);
  g_cond_broadcast (&self->cond);
}

/**
 * ls_loader_next:
 * @batch: (out) (transfer none): the next batch, or NULL at the end of the epoch
 *
 * Waits for the next batch of the epoch, in order. At the end of the epoch
 * returns TRUE with *@batch = NULL. On cancellation returns
 * %G_IO_ERROR_CANCELLED promptly (the epoch is then over: start another);
 * with %LS_LOADER_ON_ERROR_FAIL a file that fails to decode ends the epoch
 * with %LS_LOADER_ERROR_DECODE. Calling it while holding all prefetch + 1
 * buffers is a programming error (nothing could ever fill the next batch).
 *
 * Returns: FALSE with @error set on failure
 */
gboolean
ls_loader_next (LsLoader *self,
                LsBatch **batch,
                GCancellable *cancellable,
                GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gboolean waited = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *batch = NULL;
  g_mutex_lock (&self->mutex);
  if (self->plan == NULL)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error_literal (error, LS_LOADER_ERROR, LS_LOADER_ERROR_STATE, "Loader: no epoch was started");
      return FALSE;
    }
  if (self->n_held >= self->pool_size)
    {
      g_mutex_unlock (&self->mutex);
      g_critical ("ls_loader_next: the caller holds all %u batches; release one first", self->n_held);
      g_set_error_literal (error, LS_LOADER_ERROR, LS_LOADER_ERROR_STATE, "Loader: every batch is held");
      return FALSE;
    }
  if (cancellable != self->cancellable)
    {
      g_clear_object (&self->cancellable);
      self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
    }

  for (;;)
    {
      LsLoaderSlot *slot;

      if (self->abort_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->abort_error));
          ok = FALSE;
          break;
        }
      if (g_cancellable_is_cancelled (cancellable))
        {
          abort_epoch (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Loading was cancelled"));
          continue;
        }
      if (self->next_deliver >= self->plan->n_batches)
        break;
      slot = self->ready[self->next_deliver];
      if (slot != NULL)
        {
          self->ready[self->next_deliver++] = NULL;
          if (slot->error != NULL)
            {
              GError *failed = g_steal_pointer (&slot->error);

              self->free_slots[self->n_free++] = slot;
              abort_epoch (self, failed);
              continue;
            }
          if (slot->batch.n == 0)
            {
              self->free_slots[self->n_free++] = slot;
              g_cond_broadcast (&self->cond);
              continue;
            }
          slot->held = TRUE;
          self->n_held++;
          self->delivered_images += slot->batch.n;
          self->delivered_batches++;
          *batch = &slot->batch;
          break;
        }
      waited = TRUE;
      g_cond_wait_until (&self->cond, &self->mutex, g_get_monotonic_time () + WAIT_SLICE_US);
    }
  if (waited)
    {
      self->wait_us += g_get_monotonic_time () - t0;
      self->waits++;
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/* Hands a batch from ls_loader_next() back to the pool. */
void
ls_loader_release (LsLoader *self,
                   LsBatch *batch)
{
  LsLoaderSlot *slot = (LsLoaderSlot *) batch;

  g_return_if_fail (self != NULL && batch != NULL);
  g_return_if_fail (slot >= self->slots && slot < self->slots + self->pool_size);

  g_mutex_lock (&self->mutex);
  if (!slot->held)
    {
      g_mutex_unlock (&self->mutex);
      g_critical ("ls_loader_release: batch %u was not held", batch->index);
      return;
    }
  slot->held = FALSE;
  self->n_held--;
  self->free_slots[self->n_free++] = slot;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

void
ls_loader_get_stats (LsLoader *self,
                     LsLoaderStats *stats)
{
  gint64 produce_us;

  g_return_if_fail (self != NULL && stats != NULL);

  memset (stats, 0, sizeof *stats);
  g_mutex_lock (&self->mutex);
  produce_us = self->produce_us;
  if (self->plan != NULL && self->last_done_us > self->epoch_start_us)
    produce_us += self->last_done_us - self->epoch_start_us;
  stats->images = self->delivered_images;
  stats->batches = self->delivered_batches;
  stats->images_per_second = produce_us > 0 ? self->produced_images / (produce_us * 1e-6) : 0.0;
  stats->wait_seconds = self->wait_us * 1e-6;
  stats->waits = self->waits;
  stats->worker_seconds = self->worker_us * 1e-6;
  stats->n_failures = self->failures->len;
  g_mutex_unlock (&self->mutex);
  stats->cache_hits = (guint) g_atomic_int_get (&self->cache_hits);
  stats->cache_misses = (guint) g_atomic_int_get (&self->cache_misses);
  g_mutex_lock (&self->cache_mutex);
  stats->cache_items = self->cache_items;
  stats->cache_bytes_used = self->cache_used;
  g_mutex_unlock (&self->cache_mutex);
}

/**
 * ls_loader_dup_failures:
 *
 * Returns: (transfer container) (element-type LsLoaderFailure): a copy of
 *   the items that failed to decode, in the order they failed
 */
GPtrArray *
ls_loader_dup_failures (LsLoader *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_loader_failure_free);
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->failures->len; i++)
    {
      const LsLoaderFailure *f = g_ptr_array_index (self->failures, i);
      LsLoaderFailure *c = g_new0 (LsLoaderFailure, 1);

      c->item = f->item;
      c->path = g_strdup (f->path);
      c->message = g_strdup (f->message);
      g_ptr_array_add (copy, c);
    }
  g_mutex_unlock (&self->mutex);
  return copy;
}
