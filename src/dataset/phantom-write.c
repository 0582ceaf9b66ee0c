/* phantom-write.c — writing a phantom data set as class folders of PNG files
 *
 * Layout (paths relative to DIR):
 *   <class>/<class>-NNNNN.png        the radiograph, 8-bit gray
 *   <class>/<class>-NNNNN_mask.png   its lesion mask, 8-bit, 0 or 255; written
 *                                    only for classes with a sign (a normal
 *                                    film has no lesion, so no mask file)
 *   labels.csv                       path,label,patient,mask — one row per
 *                                    image, the mask column empty without one
 * labels.csv is written last and removed first: when it is there, every file
 * it names is complete and durable. Each PNG is written atomically (temp
 * file, fsync, rename); the class folders are fsynced once at the end,
 * before labels.csv, instead of after every file.
 *
 * Workers: generation is CPU work and each file's fsync is waiting, so the
 * pool runs two threads per core; the cores stay busy while a thread waits
 * for the disk.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "phantom.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "imaging/png-write.h"

/* clang-format off */
G_DEFINE_QUARK (ls-phantom-error-quark, ls_phantom_error)
/* clang-format on */

typedef struct
{
  const char *dir;
  guint per_class;
  guint64 seed;
  LsPhantomParams params;
  GCancellable *cancellable;

  GMutex lock;
  GCond cond;
  guint finished; /* tasks done or skipped */
  GError *error;  /* the first error */
  gint stop;      /* atomic: skip what is left */
} Job;

static char *
image_name (guint class_index,
            guint index,
            gboolean mask)
{
  const LsPhantomClass *klass = ls_phantom_get_class (class_index);

  return g_strdup_printf ("%s%c%s-%05u%s.png", klass->name, G_DIR_SEPARATOR, klass->name, index,
                          mask ? "_mask" : "");
}

static gboolean
write_one (Job *job,
           guint class_index,
           guint index,
           GError **error)
{
  g_autoptr (LsPhantom) ph = NULL;
  g_autofree char *name = image_name (class_index, index, FALSE);
  g_autofree char *path = g_build_filename (job->dir, name, NULL);

  ph = ls_phantom_generate (&job->params, job->seed, class_index, index);
  if (!ls_png_write_image (path, ph->image, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, error))
    return FALSE;
  if (ls_phantom_get_class (class_index)->sign != LS_PHANTOM_SIGN_NONE)
    {
      g_autofree char *mask_name = image_name (class_index, index, TRUE);
      g_autofree char *mask_path = g_build_filename (job->dir, mask_name, NULL);

      gsize n = (gsize) ph->lesion->width * ph->lesion->height;
      g_autofree guint8 *bytes = g_malloc (n);

      for (gsize k = 0; k < n; k++)
        bytes[k] = ph->lesion->data[k] > 0.5f ? 255 : 0;
      if (!ls_png_write_gray8 (mask_path, bytes, ph->lesion->width, ph->lesion->height,
                               (gsize) ph->lesion->width, LS_PNG_WRITE_NO_FOLDER_SYNC, error))
        return FALSE;
    }
  return TRUE;
}

static void
worker (gpointer data,
        gpointer user_data)
{
  Job *job = user_data;
  guint task = GPOINTER_TO_UINT (data) - 1;
  guint n_classes = ls_phantom_get_n_classes ();
  g_autoptr (GError) error = NULL;

  /* Tasks interleave the classes, so a cancelled run is still balanced. */
  if (!g_atomic_int_get (&job->stop) && !g_cancellable_is_cancelled (job->cancellable) &&
      !write_one (job, task % n_classes, task / n_classes, &error))
    g_atomic_int_set (&job->stop, 1);

  g_mutex_lock (&job->lock);
  if (error != NULL && job->error == NULL)
    job->error = g_steal_pointer (&error);
  job->finished++;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->lock);
}

static gboolean
write_labels (const char *dir,
              guint per_class,
              guint64 seed,
              GError **error)
{
  g_autoptr (GString) csv = g_string_new ("path,label,patient,mask\n");
  g_autofree char *path = g_build_filename (dir, "labels.csv", NULL);
  g_autoptr (GError) local = NULL;

  for (guint c = 0; c < ls_phantom_get_n_classes (); c++)
    {
      const LsPhantomClass *klass = ls_phantom_get_class (c);

      for (guint i = 0; i < per_class; i++)
        {
          g_autofree char *name = image_name (c, i, FALSE);
          g_autofree char *mask = klass->sign != LS_PHANTOM_SIGN_NONE ? image_name (c, i, TRUE) : NULL;

          /* CSV paths use '/' whatever the platform. */
          g_strdelimit (name, G_DIR_SEPARATOR_S, '/');
          if (mask != NULL)
            g_strdelimit (mask, G_DIR_SEPARATOR_S, '/');
          g_string_append_printf (csv, "%s,%s,phantom-%" G_GUINT64_FORMAT "-%s-%05u,%s\n", name,
                                  klass->name, seed, klass->name, i, mask != NULL ? mask : "");
        }
    }
  if (!g_file_set_contents_full (path, csv->str, (gssize) csv->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
                                 &local))
    {
      g_set_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return ls_png_sync_folder (dir, error);
}

/**
 * ls_phantom_write_dataset:
 * @dir: the folder to fill (created if needed)
 * @per_class: images per class, ≥ 1
 * @seed: the data set's seed; image i of class c is ls_phantom_generate
 *   (…, @seed, c, i)
 * @size: side of the images in pixels
 * @progress: (nullable): called from the calling thread about every 100 ms
 * @cancellable: (nullable): stops the run; files already written stay,
 *   complete, but labels.csv is not written
 *
 * Writes a phantom data set (layout at the top of this file) on all cores.
 */
gboolean
ls_phantom_write_dataset (const char *dir,
                          guint per_class,
                          guint64 seed,
                          int size,
                          LsProgressFunc progress,
                          gpointer user_data,
                          GCancellable *cancellable,
                          GError **error)
{
  GThreadPool *pool;
  g_autofree char *labels = NULL;
  g_autoptr (GError) local = NULL;
  guint n_classes = ls_phantom_get_n_classes ();
  guint total, finished;
  gint64 next_report;
  Job job = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (per_class == 0 || per_class > 99999 || size < 32 || size > 4096)
    {
      g_set_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_INVALID,
                   "%s: cannot write %u images a class of %d pixels (1 … 99999 images, 32 … 4096 pixels)",
                   dir, per_class, size);
      return FALSE;
    }
  total = per_class * n_classes;

  for (guint c = 0; c < n_classes; c++)
    {
      g_autofree char *sub = g_build_filename (dir, ls_phantom_get_class (c)->name, NULL);

      if (g_mkdir_with_parents (sub, 0755) != 0)
        {
          int saved = errno;

          g_set_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_IO, "%s: cannot create the folder: %s",
                       sub, g_strerror (saved));
          return FALSE;
        }
    }
  /* No labels.csv while the set is incomplete. */
  labels = g_build_filename (dir, "labels.csv", NULL);
  if (g_unlink (labels) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_IO, "%s: cannot remove the old file: %s",
                   labels, g_strerror (saved));
      return FALSE;
    }

  job.dir = dir;
  job.per_class = per_class;
  job.seed = seed;
  ls_phantom_params_init (&job.params);
  job.params.size = size;
  job.cancellable = cancellable;
  g_mutex_init (&job.lock);
  g_cond_init (&job.cond);

  pool = g_thread_pool_new (worker, &job, (int) MIN (2 * g_get_num_processors (), 16), TRUE, &local);
  if (pool == NULL)
    {
      g_set_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_IO, "%s: cannot start workers: %s", dir,
                   local->message);
      g_mutex_clear (&job.lock);
      g_cond_clear (&job.cond);
      return FALSE;
    }
  for (guint t = 0; t < total; t++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (t + 1), NULL);

  next_report = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&job.lock);
  while ((finished = job.finished) < total)
    {
      g_cond_wait_until (&job.cond, &job.lock, next_report);
      if (g_cancellable_is_cancelled (cancellable))
        g_atomic_int_set (&job.stop, 1);
      if (g_get_monotonic_time () < next_report)
        continue;
      next_report = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;
      if (progress != NULL)
        {
          g_autofree char *message = NULL;

          finished = job.finished;
          g_mutex_unlock (&job.lock);
          message = g_strdup_printf ("%u of %u images", finished, total);
          progress ((double) finished / total, message, user_data);
          g_mutex_lock (&job.lock);
        }
    }
  g_mutex_unlock (&job.lock);
  g_thread_pool_free (pool, FALSE, TRUE);

  if (job.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job.error));
      ok = FALSE;
    }
  else if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;

  for (guint c = 0; ok && c < n_classes; c++)
    {
      g_autofree char *sub = g_build_filename (dir, ls_phantom_get_class (c)->name, NULL);

      ok = ls_png_sync_folder (sub, error);
    }
  if (ok)
    ok = write_labels (dir, per_class, seed, error);
  if (ok && progress != NULL)
    progress (1.0, "done", user_data);

  g_mutex_clear (&job.lock);
  g_cond_clear (&job.cond);
  return ok;
}
