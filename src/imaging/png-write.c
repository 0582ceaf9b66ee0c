/* png-write.c — writing PNG files atomically and durably
 *
 * Speed: phantom data sets are written at more than 100 images of 512×512 a
 * second, so encoding must cost a few milliseconds, not tens. Radiographs
 * carry noise, which defeats LZ77 string matching; what compresses is the
 * small residual after a filter. Measured here on a 512×512 phantom (CPU
 * ms per encode with the machine busy, bytes):
 *   level 6, adaptive filters (libpng's default)  23.7 ms  142 503
 *   level 1, adaptive filters                      8.5 ms  148 600
 *   level 1, Up filter, Z_RLE                      4.2 ms  134 242
 *   level 1, Up filter, Z_HUFFMAN_ONLY             3.6 ms  134 174
 *   level 0 (stored)                               0.4 ms  263 148
 * So gray images use the Up filter and Huffman coding only: the smallest
 * files at the lowest cost short of not compressing. Masks and label maps
 * (gray8) are long runs of one value: no filter and Z_RLE. RGBA (overlays,
 * contact sheets) keeps zlib's default strategy with the Sub filter.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "png-write.h"

#include <png.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "base/file.h"

/* clang-format off */
G_DEFINE_QUARK (ls-png-write-error-quark, ls_png_write_error)
/* clang-format on */

/* Fills one output row of png_row_bytes bytes from the caller's pixels. */
typedef void (*RowFunc) (gconstpointer src,
                         guint8 *row,
                         int width);

typedef struct
{
  const char *path;
  GError **error;
} ErrorContext;

static void
on_png_error (png_structp png,
              png_const_charp message)
{
  ErrorContext *ctx = png_get_error_ptr (png);

  if (ctx->error != NULL && *ctx->error == NULL)
    g_set_error (ctx->error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_ENCODE,
                 "%s: cannot encode PNG: %s", ctx->path, message);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png,
                png_const_charp message)
{
  ErrorContext *ctx = png_get_error_ptr (png);

  g_debug ("%s: libpng: %s", ctx->path, message);
}

static void
set_io_error (GError **error,
              const char *path,
              const char *what,
              int saved_errno)
{
  g_set_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_IO, "%s: cannot %s: %s", path, what,
               g_strerror (saved_errno));
}

/* How each step of a durable write failing reads after "PATH: cannot ". */
static const char *const write_steps[] = {
  [LS_FILE_STEP_CREATE] = "create a temporary file",
  [LS_FILE_STEP_WRITE] = "write",
  [LS_FILE_STEP_SYNC] = "sync",
  [LS_FILE_STEP_CLOSE] = "close",
  [LS_FILE_STEP_EXISTS] = "replace it",
  [LS_FILE_STEP_RENAME] = "rename the temporary file",
  [LS_FILE_STEP_OPEN_FOLDER] = "open the folder",
  [LS_FILE_STEP_SYNC_FOLDER] = "sync the folder",
};

/* The error names @path, or the folder when the folder failed. */
static void
set_file_error (GError **error,
                const char *path,
                const LsFileFailure *failure)
{
  gboolean folder = failure->step == LS_FILE_STEP_OPEN_FOLDER || failure->step == LS_FILE_STEP_SYNC_FOLDER;

  set_io_error (error, folder || path == NULL ? failure->path : path, write_steps[failure->step],
                failure->errsv);
}

/**
 * ls_png_sync_folder:
 * @folder: a folder
 *
 * fsyncs a folder, so renames into it survive a crash. Needed once after a
 * batch written with %LS_PNG_WRITE_NO_FOLDER_SYNC.
 */
gboolean
ls_png_sync_folder (const char *folder,
                    GError **error)
{
  g_auto (LsFileFailure) failure = { 0 };

  if (ls_file_sync_folder (folder, &failure))
    return TRUE;
  set_file_error (error, NULL, &failure);
  return FALSE;
}

/* Encodes the image into fp. Kept apart from the file handling so that
 * only a few locals live across setjmp (CHECKLIST 13). */
static gboolean
encode_png (FILE *fp,
            const char *path,
            int width,
            int height,
            int color_type,
            int bit_depth,
            int filter,
            int strategy,
            gconstpointer src,
            gsize stride_bytes,
            gsize row_bytes,
            RowFunc row_func,
            GError **error)
{
  ErrorContext ctx = { path, error };
  png_structp png;
  png_infop info = NULL;
  guint8 *row;
  /* Changed after setjmp and read after a jump: volatile. */
  volatile gboolean ok = FALSE;

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
  if (png != NULL)
    info = png_create_info_struct (png);
  if (png == NULL || info == NULL)
    {
      png_destroy_write_struct (png != NULL ? &png : NULL, NULL);
      g_set_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_ENCODE,
                   "%s: cannot start the PNG encoder", path);
      return FALSE;
    }
  row = g_malloc (row_bytes);

  if (setjmp (png_jmpbuf (png)) == 0)
    {
      png_init_io (png, fp);
      png_set_compression_level (png, Z_BEST_SPEED);
      png_set_compression_strategy (png, strategy);
      png_set_filter (png, PNG_FILTER_TYPE_BASE, filter);
      png_set_IHDR (png, info, (png_uint_32) width, (png_uint_32) height, bit_depth, color_type,
                    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
      png_write_info (png, info);
      if (bit_depth == 16)
        png_set_swap (png); /* rows hold little-endian samples */
      for (int y = 0; y < height; y++)
        {
          row_func ((const guint8 *) src + (gsize) y * stride_bytes, row, width);
          png_write_row (png, row);
        }
      png_write_end (png, info);
      ok = TRUE;
    }
  /* One cleanup path, after success or a jump (the error is then set). */
  png_destroy_write_struct (&png, &info);
  g_free (row);
  return ok;
}

/* The one writer behind the public functions: a temporary file beside the
 * destination, encode, flush, fsync, rename, fsync of the folder. */
static gboolean
write_png (const char *path,
           int width,
           int height,
           int color_type,
           int bit_depth,
           int filter,
           int strategy,
           gconstpointer src,
           gsize stride_bytes,
           RowFunc row_func,
           LsPngWriteFlags flags,
           GError **error)
{
  g_auto (LsFileFailure) failure = { 0 };
  LsFileWriteFlags file_flags = flags & LS_PNG_WRITE_NO_FOLDER_SYNC ? LS_FILE_WRITE_NO_FOLDER_SYNC : 0;
  int channels = color_type == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 1;
  LsFileWriter *writer;
  gsize row_bytes;
  FILE *fp;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (src != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (width <= 0 || height <= 0 || width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX)
    {
      g_set_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_INVALID,
                   "%s: cannot write an image of %d × %d pixels", path, width, height);
      return FALSE;
    }
  if (!g_size_checked_mul (&row_bytes, (gsize) width, (gsize) channels * (bit_depth / 8)))
    {
      g_set_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_INVALID,
                   "%s: a row of %d pixels overflows", path, width);
      return FALSE;
    }

  writer = ls_file_writer_new (path, NULL, file_flags, &failure);
  fp = writer != NULL ? ls_file_writer_get_stream (writer, &failure) : NULL;
  if (fp == NULL)
    {
      ls_file_writer_abort (writer);
      set_file_error (error, path, &failure);
      return FALSE;
    }
  if (!encode_png (fp, path, width, height, color_type, bit_depth, filter, strategy, src, stride_bytes,
                   row_bytes, row_func, error))
    {
      ls_file_writer_abort (writer);
      return FALSE;
    }
  if (!ls_file_writer_commit (writer, &failure))
    {
      set_file_error (error, path, &failure);
      return FALSE;
    }
  return TRUE;
}

static inline guint16
to_u16 (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 65535;
  return (guint16) (v * 65535.0f + 0.5f);
}

static void
row_float_to_8 (gconstpointer src,
                guint8 *row,
                int width)
{
  const float *in = src;

  /* Selects, not branches, so it vectorizes; NaN fails "> 0" and becomes 0. */
  for (int x = 0; x < width; x++)
    {
      float v = in[x] > 0.0f ? in[x] : 0.0f;

      v = v < 1.0f ? v : 1.0f;
      row[x] = (guint8) (v * 255.0f + 0.5f);
    }
}

static void
row_float_to_16 (gconstpointer src,
                 guint8 *row,
                 int width)
{
  const float *in = src;

  for (int x = 0; x < width; x++)
    {
      guint16 v = to_u16 (in[x]);

      /* Little-endian in the buffer; png_set_swap makes it big-endian. */
      row[2 * x] = (guint8) (v & 0xff);
      row[2 * x + 1] = (guint8) (v >> 8);
    }
}

static void
row_copy_gray8 (gconstpointer src,
                guint8 *row,
                int width)
{
  memcpy (row, src, (gsize) width);
}

static void
row_copy_rgba8 (gconstpointer src,
                guint8 *row,
                int width)
{
  memcpy (row, src, (gsize) width * 4);
}

static void
row_unpremultiply_rgba8 (gconstpointer src,
                         guint8 *row,
                         int width)
{
  const guint8 *in = src;

  for (int x = 0; x < width; x++)
    {
      guint a = in[4 * x + 3];

      for (int c = 0; c < 3; c++)
        {
          guint v = in[4 * x + c];

          row[4 * x + c] = a == 0 ? 0 : (guint8) MIN (255u, (v * 255u + a / 2) / a);
        }
      row[4 * x + 3] = (guint8) a;
    }
}

/**
 * ls_png_write_gray:
 * @path: the file to write (replaced atomically)
 * @data: @height rows of @width floats; values are clamped to [0, 1]
 * @stride: floats from one row to the next, ≥ @width
 * @bit_depth: 8 or 16
 *
 * Writes a grayscale PNG: v ↦ round (v × 255) or round (v × 65535).
 */
gboolean
ls_png_write_gray (const char *path,
                   const float *data,
                   int width,
                   int height,
                   gsize stride,
                   int bit_depth,
                   LsPngWriteFlags flags,
                   GError **error)
{
  g_return_val_if_fail (stride >= (gsize) MAX (width, 0), FALSE);

  if (bit_depth != 8 && bit_depth != 16)
    {
      g_set_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_INVALID,
                   "%s: cannot write %d-bit gray (8 or 16)", path, bit_depth);
      return FALSE;
    }
  return write_png (path, width, height, PNG_COLOR_TYPE_GRAY, bit_depth, PNG_FILTER_UP, Z_HUFFMAN_ONLY, data,
                    stride * sizeof (float), bit_depth == 8 ? row_float_to_8 : row_float_to_16,
                    flags, error);
}

/**
 * ls_png_write_image:
 * @bit_depth: 8 or 16
 *
 * Writes @image's pixels as a grayscale PNG (see ls_png_write_gray()).
 */
gboolean
ls_png_write_image (const char *path,
                    const LsImage *image,
                    int bit_depth,
                    LsPngWriteFlags flags,
                    GError **error)
{
  g_return_val_if_fail (image != NULL, FALSE);

  return ls_png_write_gray (path, image->data, image->width, image->height, (gsize) image->width,
                            bit_depth, flags, error);
}

/**
 * ls_png_write_gray8:
 * @stride: bytes from one row to the next, ≥ @width
 *
 * Writes 8-bit gray bytes as they are (masks, label maps).
 */
gboolean
ls_png_write_gray8 (const char *path,
                    const guint8 *data,
                    int width,
                    int height,
                    gsize stride,
                    LsPngWriteFlags flags,
                    GError **error)
{
  g_return_val_if_fail (stride >= (gsize) MAX (width, 0), FALSE);

  return write_png (path, width, height, PNG_COLOR_TYPE_GRAY, 8, PNG_FILTER_NONE, Z_RLE, data, stride,
                    row_copy_gray8, flags, error);
}

/**
 * ls_png_write_rgba8:
 * @data: bytes R, G, B, A per pixel; premultiplied when @flags has
 *   %LS_PNG_WRITE_PREMULTIPLIED
 * @stride: bytes from one row to the next, ≥ 4 × @width
 *
 * Writes an 8-bit RGBA PNG (straight alpha, as PNG requires).
 */
gboolean
ls_png_write_rgba8 (const char *path,
                    const guint8 *data,
                    int width,
                    int height,
                    gsize stride,
                    LsPngWriteFlags flags,
                    GError **error)
{
  g_return_val_if_fail (width <= 0 || stride / 4 >= (gsize) width, FALSE);

  return write_png (path, width, height, PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_FILTER_SUB, Z_DEFAULT_STRATEGY, data, stride,
                    (flags & LS_PNG_WRITE_PREMULTIPLIED) ? row_unpremultiply_rgba8 : row_copy_rgba8,
                    flags, error);
}
