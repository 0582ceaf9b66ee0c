/* thumbnail.c — the workspace's thumbnail cache
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "dataset/store-private.h"
#include "dataset/thumbnail.h"
#include "imaging/decode.h"

/* Box (area) weights mapping @n_in samples onto @n_out ≤ @n_in cells:
 * cell o covers [o·s, (o+1)·s) with s = n_in / n_out. */
static void
resample_axis (const float *in,
               int n_in,
               int stride_in,
               float *out,
               int n_out,
               int stride_out)
{
  double s = (double) n_in / n_out;

  for (int o = 0; o < n_out; o++)
    {
      double a = o * s, b = (o + 1) * s, sum = 0.0;
      int first = (int) a, last = MIN ((int) ceil (b) - 1, n_in - 1);

      for (int i = first; i <= last; i++)
        {
          double w = MIN (b, i + 1.0) - MAX (a, (double) i);

          sum += w * in[(gsize) i * stride_in];
        }
      out[(gsize) o * stride_out] = (float) (sum / (b - a));
    }
}

LsImage *
ls_thumbnail_from_image (const LsImage *image,
                         int max_side)
{
  g_autofree float *rows = NULL;
  LsImage *thumb;
  int w, h;

  g_return_val_if_fail (image != NULL && max_side > 0, NULL);

  if (image->width <= max_side && image->height <= max_side)
    return ls_image_copy (image);
  if (image->width >= image->height)
    {
      w = max_side;
      h = MAX (1, (int) lround ((double) image->height * max_side / image->width));
    }
  else
    {
      h = max_side;
      w = MAX (1, (int) lround ((double) image->width * max_side / image->height));
    }
  /* Horizontal pass into rows (h_in × w), then vertical into the thumbnail. */
  rows = g_new (float, (gsize) image->height *w);
  for (int y = 0; y < image->height; y++)
    resample_axis (image->data + (gsize) y * image->width, image->width, 1, rows + (gsize) y * w,
                   w, 1);
  thumb = ls_image_new (w, h);
  for (int x = 0; x < w; x++)
    resample_axis (rows + x, image->height, w, thumb->data + x, h, w);
  thumb->orig_width = image->orig_width;
  thumb->orig_height = image->orig_height;
  thumb->bit_depth = image->bit_depth;
  thumb->color_type = image->color_type;
  thumb->format = image->format;
  thumb->orientation = image->orientation;
  return thumb;
}

char *
ls_store_thumbnail_file (LsStore *store,
                         const char *sha256)
{
  char sub[3] = { sha256[0], sha256[1], '\0' };
  g_autofree char *name = g_strconcat (sha256, ".png", NULL);

  return g_build_filename (store->path, "cache", "thumbs", sub, name, NULL);
}

typedef struct
{
  GError **error;
  const char *path;
} PngErrorContext;

static void
png_error_cb (png_structp png,
              png_const_charp message)
{
  PngErrorContext *ctx = png_get_error_ptr (png);

  if (ctx->error != NULL && *ctx->error == NULL)
    g_set_error (ctx->error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot write %s: %s",
                 ctx->path, message);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp png,
                png_const_charp message)
{
  g_debug ("libpng: %s", message);
}

/* Writes 8-bit gray @image to the open @fp; FALSE with @error set. */
static gboolean
write_png (FILE *fp,
           const char *path,
           const LsImage *image,
           GError **error)
{
  PngErrorContext ctx = { error, path };
  png_structp png;
  png_infop info;
  guint8 *volatile row = NULL;
  volatile gboolean ok = FALSE;

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &ctx, png_error_cb, png_warning_cb);
  if (png == NULL)
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot write %s: out of memory",
                   path);
      return FALSE;
    }
  info = png_create_info_struct (png);
  if (info == NULL || setjmp (png_jmpbuf (png)))
    goto out;
  row = g_malloc (image->width);
  png_init_io (png, fp);
  png_set_compression_level (png, 3);
  png_set_IHDR (png, info, image->width, image->height, 8, PNG_COLOR_TYPE_GRAY,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (int y = 0; y < image->height; y++)
    {
      const float *src = image->data + (gsize) y * image->width;

      for (int x = 0; x < image->width; x++)
        row[x] = (guint8) lroundf (CLAMP (src[x], 0.0f, 1.0f) * 255.0f);
      png_write_row (png, row);
    }
  png_write_end (png, info);
  ok = TRUE;

out:
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot write %s", path);
  png_destroy_write_struct (&png, info != NULL ? &info : NULL);
  g_free (row);
  return ok;
}

gboolean
ls_store_save_thumbnail (LsStore *store,
                         const char *sha256,
                         const LsImage *thumbnail,
                         GError **error)
{
  g_autofree char *file = ls_store_thumbnail_file (store, sha256);
  g_autofree char *dir = g_path_get_dirname (file);
  g_auto (LsFileFailure) failure = { 0 };
  LsFileWriter *writer;
  FILE *fp;

  /* The cache is the one thing a read-only workspace may lack. */
  if (!ls_store_check_writable (store, error))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  /* A cache: atomic, not fsync'ed (thumbnail.h). */
  writer = ls_file_writer_new (file, ".tmp-", LS_FILE_WRITE_NO_SYNC, &failure);
  fp = writer != NULL ? ls_file_writer_get_stream (writer, &failure) : NULL;
  if (fp == NULL)
    {
      ls_file_writer_abort (writer);
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot create a file in %s: %s",
                   dir, g_strerror (failure.errsv));
      return FALSE;
    }
  if (!write_png (fp, file, thumbnail, error))
    {
      ls_file_writer_abort (writer);
      return FALSE;
    }
  if (!ls_file_writer_commit (writer, &failure))
    {
      g_set_error (error, LS_STORE_ERROR, LS_STORE_ERROR_FAILED, "cannot write %s: %s", file,
                   g_strerror (failure.errsv));
      return FALSE;
    }
  return TRUE;
}

LsImage *
ls_store_get_thumbnail (LsStore *store,
                        const LsStoreImage *image,
                        GError **error)
{
  g_autofree char *file = ls_store_thumbnail_file (store, image->sha256);
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (LsImage) small = NULL;
  LsImage *thumb;
  LsDecodeOptions options;
  gsize n;
  const guint8 *data;

  if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      thumb = ls_image_load (file, NULL, &local);
      if (thumb != NULL)
        return thumb;
      g_debug ("rebuilding the broken thumbnail %s: %s", file, local->message);
      g_clear_error (&local);
    }
  bytes = ls_store_read_image_bytes (store, image, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &n);
  ls_decode_options_init (&options);
  options.target_size = LS_THUMBNAIL_SIZE;
  small = ls_image_load_bytes (data, n, image->original_name, &options, error);
  if (small == NULL)
    return NULL;
  thumb = ls_thumbnail_from_image (small, LS_THUMBNAIL_SIZE);
  if (!store->read_only && !ls_store_save_thumbnail (store, image->sha256, thumb, &local))
    g_debug ("%s", local->message);
  return thumb;
}
