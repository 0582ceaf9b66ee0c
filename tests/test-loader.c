/* test-loader.c — the training data loader: coverage of an epoch, balanced
 * sampling, determinism across worker counts, buffer recycling, broken
 * files, cancellation, normalisation and the cache
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "imaging/png-write.h"
#include "imaging/rng.h"
#include "ls-test.h"
#include "pipeline/loader.h"

#define S 32

typedef struct
{
  char *dir;
  GPtrArray *paths; /* of the PNG files */
  GArray *items;    /* LsLoaderItem, pointing into paths */
  LsAugmentPipeline *augment;
} Fixture;

/* Image i: a smooth pattern with texture, of a size that varies with i
 * (some wide, some tall, so letterboxing has work to do). */
static LsImage *
make_image (guint i)
{
  int w = 40 + (int) (i % 5) * 9, h = 36 + (int) (i % 3) * 14;
  LsImage *image = ls_image_new (w, h);
  LsRng rng;

  ls_rng_init (&rng, 1000 + i, 1);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double v = 0.5 + 0.3 * sin (0.2 * x + i) * cos (0.15 * y - 0.3 * i) + 0.1 * (ls_rng_uniform (&rng) - 0.5);

        image->data[(gsize) y * w + x] = (float) CLAMP (v, 0.0, 1.0);
      }
  return image;
}

static void
fixture_setup (Fixture *f,
               gconstpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lungscope-test-loader-XXXXXX", &error);
  g_assert_no_error (error);
  f->paths = g_ptr_array_new_with_free_func (g_free);
  f->items = g_array_new (FALSE, TRUE, sizeof (LsLoaderItem));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LsImage) image = make_image (i);
      char name[32];
      char *path;
      LsLoaderItem item = { 0 };

      g_snprintf (name, sizeof name, "img-%03u.png", i);
      path = g_build_filename (f->dir, name, NULL);
      g_assert_true (ls_png_write_image (path, image, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
      g_assert_no_error (error);
      g_ptr_array_add (f->paths, path);
      item.path = path;
      item.label = (int) (i % 3);
      g_array_append_val (f->items, item);
    }
  f->augment = ls_augment_pipeline_new_default ();
}

static void
fixture_teardown (Fixture *f,
                  gconstpointer data)
{
  ls_test_remove_tree (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->paths);
  g_array_unref (f->items);
  ls_augment_pipeline_free (f->augment);
}

static LsLoaderItem *
items_of (Fixture *f)
{
  return (LsLoaderItem *) f->items->data;
}

static void
small_config (LsLoaderConfig *config)
{
  ls_loader_config_init (config);
  config->size = S;
  config->batch_size = 5;
  config->seed = 42;
  config->n_workers = 2;
}

/* Everything an epoch delivered, in order. */
typedef struct
{
  GByteArray *inputs;
  GArray *labels;
  GArray *items;
  GArray *sizes;
} Dump;

static void
dump_clear (Dump *d)
{
  g_byte_array_unref (d->inputs);
  g_array_unref (d->labels);
  g_array_unref (d->items);
  g_array_unref (d->sizes);
}

static void
run_epoch (LsLoader *loader,
           guint epoch,
           Dump *d)
{
  LsBatch *batch = NULL;
  g_autoptr (GError) error = NULL;

  d->inputs = g_byte_array_new ();
  d->labels = g_array_new (FALSE, FALSE, sizeof (int));
  d->items = g_array_new (FALSE, FALSE, sizeof (guint));
  d->sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  ls_loader_start_epoch (loader, epoch);
  while (ls_loader_next (loader, &batch, NULL, &error) && batch != NULL)
    {
      g_assert_cmpuint (batch->epoch, ==, epoch);
      g_assert_cmpuint ((guintptr) batch->input % 64, ==, 0);
      g_byte_array_append (d->inputs, (const guint8 *) batch->input,
                           batch->n * batch->channels * batch->size * batch->size * sizeof (float));
      g_array_append_vals (d->labels, batch->labels, batch->n);
      g_array_append_vals (d->items, batch->items, batch->n);
      g_array_append_val (d->sizes, batch->n);
      ls_loader_release (loader, batch);
    }
  g_assert_no_error (error);
}

static gboolean
dumps_equal (const Dump *a,
             const Dump *b)
{
  return a->inputs->len == b->inputs->len && memcmp (a->inputs->data, b->inputs->data, a->inputs->len) == 0 && a->items->len == b->items->len && memcmp (a->items->data, b->items->data, a->items->len * sizeof (guint)) == 0 && a->sizes->len == b->sizes->len && memcmp (a->sizes->data, b->sizes->data, a->sizes->len * sizeof (guint)) == 0;
}

static void
test_epoch_once (Fixture *f,
                 gconstpointer data)
{
  g_autoptr (LsLoader) loader = NULL;
  g_autoptr (GError) error = NULL;
  LsLoaderConfig config;
  guint n = f->items->len;

  small_config (&config);
  config.augment = f->augment;
  loader = ls_loader_new (items_of (f), n, &config, &error);
  g_assert_no_error (error);
  for (guint epoch = 0; epoch < 2; epoch++)
    {
      g_autofree guint *seen = g_new0 (guint, n);
      gboolean in_order = TRUE;
      Dump d;

      run_epoch (loader, epoch, &d);
      g_assert_cmpuint (ls_loader_get_n_batches (loader), ==, (n + 4) / 5);
      g_assert_cmpuint (d.items->len, ==, n);
      g_assert_cmpuint (d.sizes->len, ==, (n + 4) / 5);
      g_assert_cmpuint (g_array_index (d.sizes, guint, d.sizes->len - 1), ==, n % 5 ? n % 5 : 5);
      for (guint i = 0; i < n; i++)
        {
          guint item = g_array_index (d.items, guint, i);

          seen[item]++;
          g_assert_cmpint (g_array_index (d.labels, int, i), ==, items_of (f)[item].label);
          in_order = in_order && item == i;
        }
      for (guint i = 0; i < n; i++)
        g_assert_cmpuint (seen[i], ==, 1);
      g_assert_false (in_order); /* shuffled */
      dump_clear (&d);
    }

  /* drop_last, no shuffle: whole batches only, in item order */
  {
    g_autoptr (LsLoader) plain = NULL;
    Dump d;

    config.shuffle = FALSE;
    config.drop_last = TRUE;
    config.augment = NULL;
    plain = ls_loader_new (items_of (f), n, &config, &error);
    g_assert_no_error (error);
    run_epoch (plain, 0, &d);
    g_assert_cmpuint (d.items->len, ==, n / 5 * 5);
    for (guint i = 0; i < d.items->len; i++)
      g_assert_cmpuint (g_array_index (d.items, guint, i), ==, i);
    dump_clear (&d);
  }
}

static void
test_balanced (Fixture *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bytes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree LsLoaderItem *items = NULL;
  guint n = 0, counts[3] = { 0 }, item_counts[3] = { 0 };
  LsLoaderConfig config;
  g_autoptr (LsLoader) loader = NULL;
  Dump d;

  /* imbalanced, in memory: 40 of class 0, 8 of class 1, 4 of class 2 */
  items = g_new0 (LsLoaderItem, 52);
  for (guint i = 0; i < f->paths->len && n < 52; i++)
    {
      char *contents;
      gsize length;

      g_assert_true (g_file_get_contents (g_ptr_array_index (f->paths, i), &contents, &length, &error));
      g_ptr_array_add (bytes, g_bytes_new_take (contents, length));
    }
  for (n = 0; n < 52; n++)
    {
      items[n].bytes = g_ptr_array_index (bytes, n % bytes->len);
      items[n].label = n < 40 ? 0 : n < 48 ? 1
                                           : 2;
      item_counts[items[n].label]++;
    }
  g_assert_cmpuint (item_counts[0], ==, 40);

  small_config (&config);
  config.batch_size = 16;
  config.sampling = LS_LOADER_SAMPLE_BALANCED;
  config.epoch_size = 600;
  config.cache_bytes = 1 << 20;
  loader = ls_loader_new (items, n, &config, &error);
  g_assert_no_error (error);
  run_epoch (loader, 0, &d);
  g_assert_cmpuint (d.labels->len, ==, 600);
  for (guint i = 0; i < d.labels->len; i++)
    counts[g_array_index (d.labels, int, i)]++;
  g_test_message ("balanced counts: %u %u %u", counts[0], counts[1], counts[2]);
  /* expected 200 each, σ ≈ 11.5 */
  for (int c = 0; c < 3; c++)
    g_assert_cmpuint (counts[c], >, 150);
  dump_clear (&d);

  /* without balancing the same draws follow the item counts (weighted, all 1) */
  {
    g_autoptr (LsLoader) weighted = NULL;

    config.sampling = LS_LOADER_SAMPLE_WEIGHTED;
    weighted = ls_loader_new (items, n, &config, &error);
    g_assert_no_error (error);
    run_epoch (weighted, 0, &d);
    memset (counts, 0, sizeof counts);
    for (guint i = 0; i < d.labels->len; i++)
      counts[g_array_index (d.labels, int, i)]++;
    g_test_message ("weighted counts: %u %u %u", counts[0], counts[1], counts[2]);
    g_assert_cmpuint (counts[0], >, 400); /* expected 461 */
    g_assert_cmpuint (counts[2], <, 100); /* expected 46 */
    dump_clear (&d);
  }
}

static void
test_determinism (Fixture *f,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LsLoaderConfig config;
  Dump ref[2], other;

  small_config (&config);
  config.augment = f->augment;
  config.seed = 7;
  for (guint workers = 1; workers <= 3; workers += 2)
    {
      g_autoptr (LsLoader) loader = NULL;

      config.n_workers = workers;
      config.prefetch = workers == 1 ? 2 : 5;
      loader = ls_loader_new (items_of (f), f->items->len, &config, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ls_loader_get_n_workers (loader), ==, workers);
      for (guint e = 0; e < 2; e++)
        {
          if (workers == 1)
            run_epoch (loader, 3 + e, &ref[e]);
          else
            {
              run_epoch (loader, 3 + e, &other);
              g_assert_true (dumps_equal (&ref[e], &other));
              dump_clear (&other);
            }
        }
    }
  /* the epoch matters, and so does the seed */
  g_assert_false (dumps_equal (&ref[0], &ref[1]));
  {
    g_autoptr (LsLoader) loader = NULL;

    config.seed = 8;
    loader = ls_loader_new (items_of (f), f->items->len, &config, &error);
    g_assert_no_error (error);
    run_epoch (loader, 3, &other);
    g_assert_false (dumps_equal (&ref[0], &other));
    dump_clear (&other);
  }
  dump_clear (&ref[0]);
  dump_clear (&ref[1]);
}

static void
test_recycling (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) batches = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) inputs = g_hash_table_new (NULL, NULL);
  g_autoptr (LsLoader) loader = NULL;
  LsLoaderConfig config;
  LsBatch *batch = NULL, *held = NULL;

  small_config (&config);
  config.batch_size = 2;
  config.prefetch = 2; /* a pool of 3 */
  config.augment = f->augment;
  config.keep_records = TRUE;
  loader = ls_loader_new (items_of (f), f->items->len, &config, &error);
  g_assert_no_error (error);
  for (guint epoch = 0; epoch < 3; epoch++)
    {
      guint delivered = 0;

      ls_loader_start_epoch (loader, epoch);
      while (ls_loader_next (loader, &batch, NULL, &error) && batch != NULL)
        {
          g_assert_nonnull (batch->records);
          g_assert_cmpuint (batch->records[0]->n_steps, ==, ls_augment_pipeline_get_n_steps (f->augment));
          g_hash_table_add (batches, batch);
          g_hash_table_add (inputs, batch->input);
          /* hold one batch across the next call, as a trainer overlapping
           * its copy-in with the next fetch would */
          if (held != NULL)
            ls_loader_release (loader, held);
          held = batch;
          delivered++;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (delivered, ==, ls_loader_get_n_batches (loader));
      if (held != NULL)
        ls_loader_release (loader, g_steal_pointer (&held));
    }
  g_assert_cmpuint (g_hash_table_size (batches), <=, 3);
  g_assert_cmpuint (g_hash_table_size (inputs), ==, g_hash_table_size (batches));
}

static void
test_broken_file (Fixture *f,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *broken = g_build_filename (f->dir, "bug-truncated.png", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.png", NULL);
  g_autoptr (GArray) items = g_array_copy (f->items);
  g_autofree char *contents = NULL;
  gsize length;
  LsLoaderConfig config;
  LsLoaderItem item = { 0 };

  /* a PNG cut in the middle of its image data, and a file that is not there */
  g_assert_true (g_file_get_contents (g_ptr_array_index (f->paths, 0), &contents, &length, &error));
  g_assert_true (g_file_set_contents (broken, contents, (gssize) (length / 2), &error));
  item.path = broken;
  item.label = 1;
  g_array_insert_val (items, 4, item);
  item.path = missing;
  g_array_append_val (items, item);

  small_config (&config);
  {
    g_autoptr (LsLoader) loader = NULL;
    g_autoptr (GPtrArray) failures = NULL;
    LsLoaderStats stats;
    Dump d;

    loader = ls_loader_new ((LsLoaderItem *) items->data, items->len, &config, &error);
    g_assert_no_error (error);
    for (guint epoch = 0; epoch < 2; epoch++)
      {
        run_epoch (loader, epoch, &d);
        g_assert_cmpuint (d.items->len, ==, items->len - 2);
        for (guint i = 0; i < d.items->len; i++)
          g_assert_cmpuint (g_array_index (d.items, guint, i), !=, 4);
        dump_clear (&d);
      }
    ls_loader_get_stats (loader, &stats);
    g_assert_cmpuint (stats.n_failures, ==, 2);
    failures = ls_loader_dup_failures (loader);
    g_assert_cmpuint (failures->len, ==, 2);
    for (guint i = 0; i < failures->len; i++)
      {
        LsLoaderFailure *fail = g_ptr_array_index (failures, i);

        g_test_message ("failure: %s: %s", fail->path, fail->message);
        g_assert_true ((fail->item == 4 && g_str_equal (fail->path, broken)) || (fail->item == items->len - 1 && g_str_equal (fail->path, missing)));
        g_assert_nonnull (strstr (fail->message, fail->path));
      }
  }
  {
    g_autoptr (LsLoader) loader = NULL;
    LsBatch *batch = NULL;
    guint good = 0;

    config.on_error = LS_LOADER_ON_ERROR_FAIL;
    config.shuffle = FALSE;
    loader = ls_loader_new ((LsLoaderItem *) items->data, items->len, &config, &error);
    g_assert_no_error (error);
    ls_loader_start_epoch (loader, 0);
    while (ls_loader_next (loader, &batch, NULL, &error) && batch != NULL)
      {
        good++;
        ls_loader_release (loader, batch);
      }
    g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_DECODE);
    g_assert_nonnull (strstr (error->message, "bug-truncated.png"));
    g_assert_cmpuint (good, ==, 0); /* item 4 is in the first batch */
    g_clear_error (&error);
    /* the epoch stays failed until another starts */
    g_assert_false (ls_loader_next (loader, &batch, NULL, &error));
    g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_DECODE);
    g_clear_error (&error);
  }
  {
    /* with the broken file left out, each image's record still replays to
     * that image: records move with their images when a batch closes up */
    g_autoptr (LsLoader) plain = NULL;
    g_autoptr (LsLoader) augmented = NULL;
    g_autoptr (LsAugmentScratch) scratch = ls_augment_scratch_new (f->augment, S, S);
    g_autofree float *replayed = g_new (float, S *S);
    LsBatch *batch = NULL;
    Dump d;
    guint checked = 0;

    config.on_error = LS_LOADER_ON_ERROR_SKIP;
    config.shuffle = FALSE;
    plain = ls_loader_new ((LsLoaderItem *) items->data, items->len, &config, &error);
    g_assert_no_error (error);
    run_epoch (plain, 0, &d); /* item i at i, i − 1 after the broken one */
    config.shuffle = TRUE;
    config.augment = f->augment;
    config.keep_records = TRUE;
    augmented = ls_loader_new ((LsLoaderItem *) items->data, items->len, &config, &error);
    g_assert_no_error (error);
    ls_loader_start_epoch (augmented, 2);
    while (ls_loader_next (augmented, &batch, NULL, &error) && batch != NULL)
      {
        for (guint k = 0; k < batch->n; k++)
          {
            guint which = batch->items[k];
            guint at = which < 4 ? which : which - 1;
            const float *fitted = (const float *) d.inputs->data + (gsize) at * S * S;

            g_assert_cmpuint (g_array_index (d.items, guint, at), ==, which);
            ls_augment_pipeline_replay (f->augment, batch->records[k], fitted, replayed, scratch);
            g_assert_cmpmem (replayed, S * S * sizeof (float), batch->input + (gsize) k * S * S,
                             S * S * sizeof (float));
            checked++;
          }
        ls_loader_release (augmented, batch);
      }
    g_assert_no_error (error);
    g_assert_cmpuint (checked, ==, items->len - 2);
    dump_clear (&d);
  }
}

/* Restarting mid-epoch, while workers are busy and the caller still holds a
 * batch of the old epoch, gives the same batches as a fresh loader. */
static void
test_restart (Fixture *f,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsLoader) loader = NULL;
  g_autoptr (LsLoader) fresh = NULL;
  LsLoaderConfig config;
  LsBatch *old = NULL;
  Dump a, b;

  small_config (&config);
  config.augment = f->augment;
  config.cache_bytes = 0;
  config.batch_size = 3;
  config.prefetch = 3;
  loader = ls_loader_new (items_of (f), f->items->len, &config, &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 3; round++)
    {
      ls_loader_start_epoch (loader, 0);
      g_assert_true (ls_loader_next (loader, &old, NULL, &error));
      g_assert_nonnull (old);
      g_assert_cmpuint (old->epoch, ==, 0);
      run_epoch (loader, 1, &a);            /* restarts with workers mid-batch */
      g_assert_cmpuint (old->epoch, ==, 0); /* still the caller's */
      g_assert_cmpuint (old->index, ==, 0);
      ls_loader_release (loader, old);
      if (round == 0)
        {
          fresh = ls_loader_new (items_of (f), f->items->len, &config, &error);
          g_assert_no_error (error);
          run_epoch (fresh, 1, &b);
        }
      g_assert_true (dumps_equal (&a, &b));
      dump_clear (&a);
    }
  dump_clear (&b);
}

typedef struct
{
  GCancellable *cancellable;
  gint64 cancelled_at;
} CancelData;

static gpointer
cancel_later (gpointer data)
{
  CancelData *cd = data;

  g_usleep (5 * G_TIME_SPAN_MILLISECOND);
  cd->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cd->cancellable);
  return NULL;
}

static void
test_cancel (Fixture *f,
             gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (LsLoader) loader = NULL;
  g_autoptr (LsImage) big = ls_image_new (1024, 1024);
  g_autofree char *path = g_build_filename (f->dir, "big.png", NULL);
  g_autofree LsLoaderItem *items = NULL;
  LsLoaderConfig config;
  LsBatch *batch = NULL;
  CancelData cd = { cancellable, 0 };
  GThread *thread;
  gint64 returned;
  guint got = 0, after_cancel = 0;

  /* slow items: 1024² noise decoded every time (no cache) */
  for (gsize i = 0; i < (gsize) 1024 * 1024; i++)
    big->data[i] = (float) ((i * 2654435761u) >> 24 & 255) / 255.0f;
  g_assert_true (ls_png_write_image (path, big, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
  items = g_new0 (LsLoaderItem, 400);
  for (guint i = 0; i < 400; i++)
    items[i].path = path;

  small_config (&config);
  config.batch_size = 4;
  config.size = 128;
  config.augment = f->augment;
  config.cache_bytes = 0;
  loader = ls_loader_new (items, 400, &config, &error);
  g_assert_no_error (error);
  ls_loader_start_epoch (loader, 0);
  thread = NULL;
  while (ls_loader_next (loader, &batch, cancellable, &error))
    {
      g_assert_nonnull (batch);
      got++;
      /* Once cancelled, next() hands out at most the batch it was
       * returning when the cancel came. */
      if (g_cancellable_is_cancelled (cancellable))
        after_cancel++;
      ls_loader_release (loader, batch);
      if (thread == NULL) /* cancel mid-epoch, while workers decode */
        thread = g_thread_new ("canceller", cancel_later, &cd);
    }
  returned = g_get_monotonic_time ();
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("cancelled after %u batches; next() returned %.1f ms after cancel", got,
                  (returned - cd.cancelled_at) / 1000.0);
  /* Not a timing bound (shared machines stall threads for a while): what
   * came after the cancel, and no waiting for the rest of the epoch. */
  g_assert_cmpuint (after_cancel, <=, 1);
  g_assert_cmpint (returned - cd.cancelled_at, <, 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (got, >=, 1);
  g_assert_cmpuint (got, <, 100);
  g_clear_error (&error);

  /* a new epoch runs again */
  ls_loader_start_epoch (loader, 1);
  g_assert_true (ls_loader_next (loader, &batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (batch);
  ls_loader_release (loader, batch);
  /* free with the epoch in full flight: workers stop, nothing leaks */
}

static void
test_normalise (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) wide = ls_image_new (64, 32);
  g_autofree char *path = g_build_filename (f->dir, "flat.png", NULL);
  g_autoptr (LsLoader) loader = NULL;
  LsLoaderConfig config;
  LsLoaderItem item = { 0 };
  LsBatch *batch = NULL;
  const float mean[3] = { 0.5f, 0.4f, 0.3f }, std[3] = { 0.25f, 0.2f, 0.5f };

  for (gsize i = 0; i < 64 * 32; i++)
    wide->data[i] = 153.0f / 255.0f;
  g_assert_true (ls_png_write_image (path, wide, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
  item.path = path;
  item.label = 2;

  small_config (&config);
  config.channels = 3;
  memcpy (config.mean, mean, sizeof mean);
  memcpy (config.std, std, sizeof std);
  loader = ls_loader_new (&item, 1, &config, &error);
  g_assert_no_error (error);
  ls_loader_start_epoch (loader, 0);
  g_assert_true (ls_loader_next (loader, &batch, NULL, &error));
  g_assert_nonnull (batch);
  g_assert_cmpuint (batch->n, ==, 1);
  g_assert_cmpint (batch->labels[0], ==, 2);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < S; y++)
      for (int x = 0; x < S; x++)
        {
          float v = batch->input[((gsize) c * S + y) * S + x];
          /* letterbox: a 2:1 image fills rows 8 … 23 of 32, black around */
          float gray = (y >= 8 && y < 24) ? 153.0f / 255.0f : 0.0f;

          g_assert_cmpfloat_with_epsilon (v, (gray - mean[c]) / std[c], 1e-5);
        }
  ls_loader_release (loader, batch);
  g_assert_true (ls_loader_next (loader, &batch, NULL, &error));
  g_assert_null (batch);
}

static void
test_cache (Fixture *f,
            gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LsLoaderConfig config;
  const guint64 budgets[] = { 0, (guint64) S * S * 7, 1 << 24 };
  Dump ref[2];

  small_config (&config);
  config.augment = f->augment;
  for (guint bits = 8; bits <= 16; bits += 8)
    for (guint k = 0; k < G_N_ELEMENTS (budgets); k++)
      {
        g_autoptr (LsLoader) loader = NULL;
        LsLoaderStats stats;

        config.cache_bits = (int) bits;
        config.cache_bytes = budgets[k];
        loader = ls_loader_new (items_of (f), f->items->len, &config, &error);
        g_assert_no_error (error);
        for (guint e = 0; e < 2; e++)
          {
            Dump d;

            run_epoch (loader, e, &d);
            if (k == 0)
              ref[e] = d;
            else
              {
                g_assert_true (dumps_equal (&ref[e], &d));
                dump_clear (&d);
              }
          }
        ls_loader_get_stats (loader, &stats);
        g_test_message ("%u bits, budget %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " hits, %" G_GUINT64_FORMAT
                        " misses, %" G_GUINT64_FORMAT " cached",
                        bits, budgets[k], stats.cache_hits, stats.cache_misses, stats.cache_items);
        g_assert_cmpuint (stats.cache_hits + stats.cache_misses, ==, 2 * f->items->len);
        g_assert_cmpuint (stats.cache_bytes_used, <=, budgets[k]);
        if (k == 0)
          g_assert_cmpuint (stats.cache_hits, ==, 0);
        else if (k == 1)
          g_assert_cmpuint (stats.cache_items, ==, 7 / (bits / 8));
        else
          {
            g_assert_cmpuint (stats.cache_items, ==, f->items->len);
            g_assert_cmpuint (stats.cache_hits, ==, f->items->len);
          }
        if (k == G_N_ELEMENTS (budgets) - 1)
          {
            dump_clear (&ref[0]);
            dump_clear (&ref[1]);
          }
      }
}

static void
test_invalid (void)
{
  LsLoaderConfig config;
  LsLoaderItem item = { "x.png", NULL, 0, 1.0f, 0 };
  LsLoaderItem unlabelled = { "x.png", NULL, -1, 1.0f, 0 };
  LsLoaderItem heavy = { "x.png", NULL, 0, INFINITY, 0 };
  g_autoptr (GError) error = NULL;
  LsLoader *loader;
  LsBatch *batch = NULL;

  ls_loader_config_init (&config);
  config.batch_size = 0;
  g_assert_null (ls_loader_new (&item, 1, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  ls_loader_config_init (&config);
  config.std[0] = 0.0f;
  g_assert_null (ls_loader_new (&item, 1, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  ls_loader_config_init (&config);
  config.cache_bits = 12;
  g_assert_null (ls_loader_new (&item, 1, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  ls_loader_config_init (&config);
  g_assert_null (ls_loader_new (&heavy, 1, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (ls_loader_new (&unlabelled, 1, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (ls_loader_new (&item, 0, &config, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_INVALID);
  g_clear_error (&error);

  loader = ls_loader_new (&item, 1, &config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ls_loader_get_n_workers (loader), >=, 1);
  g_assert_false (ls_loader_next (loader, &batch, NULL, &error));
  g_assert_error (error, LS_LOADER_ERROR, LS_LOADER_ERROR_STATE);
  ls_loader_free (loader);
}

int
main (int argc,
      char *argv[])
{
  ls_test_init (&argc, &argv);

#define ADD(name, n, func)                                                                            \
  g_test_add ("/lungscope/pipeline/loader/" name, Fixture, GUINT_TO_POINTER (n), fixture_setup, func, \
              fixture_teardown)
  ADD ("epoch-once", 23, test_epoch_once);
  ADD ("balanced", 12, test_balanced);
  ADD ("determinism", 17, test_determinism);
  ADD ("recycling", 9, test_recycling);
  ADD ("broken-file", 11, test_broken_file);
  ADD ("restart", 19, test_restart);
  ADD ("cancel", 0, test_cancel);
  ADD ("normalise", 0, test_normalise);
  ADD ("cache", 13, test_cache);
#undef ADD
  g_test_add_func ("/lungscope/pipeline/loader/invalid", test_invalid);
  return g_test_run ();
}
