/* decode-png.c — PNG with libpng (CHECKLIST 13)
 *
 * Everything that changes after setjmp() lives in a heap context reached
 * through a pointer that does not change, so nothing is indeterminate after
 * a longjmp; there is one cleanup path for success and error alike.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <png.h>
#include <string.h>

#include "imaging/decode-private.h"

/* Largest ancillary chunk (iCCP, zTXt, iTXt…) libpng may allocate. */
#define PNG_CHUNK_MALLOC_MAX (8 * 1024 * 1024)
#define PNG_CHUNK_CACHE_MAX 512

typedef enum
{
  STAGE_HEADER,
  STAGE_ROWS,
  STAGE_END, /* all rows decoded: a problem after them is only a warning */
} Stage;

typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;
  const char *name;
  Stage stage;
  gboolean truncated;
  gboolean over_user_limit;
  char message[256]; /* libpng's error */
  int n_warnings;
  char *first_warning;
  LsGraySink sink;
  guint8 *pixels;      /* one row, or the whole image when interlaced */
  png_bytep *row_ptrs; /* interlaced only */
  png_uint_32 width;   /* from IHDR */
  png_uint_32 height;
  int bit_depth;
  int color_type;
  int orientation;
} PngContext;

static void
png_context_free (PngContext *ctx)
{
  ls_gray_sink_clear (&ctx->sink);
  g_free (ctx->pixels);
  g_free (ctx->row_ptrs);
  g_free (ctx->first_warning);
  g_free (ctx);
}

static void
on_png_error (png_structp png,
              png_const_charp message)
{
  PngContext *ctx = png_get_error_ptr (png);

  g_strlcpy (ctx->message, message, sizeof ctx->message);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png,
                png_const_charp message)
{
  PngContext *ctx = png_get_error_ptr (png);

  if (strstr (message, "exceeds user limit") != NULL)
    ctx->over_user_limit = TRUE;
  ls_decode_note_warning (&ctx->n_warnings, &ctx->first_warning, ctx->name, message);
}

static void
on_png_read (png_structp png,
             png_bytep out,
             png_size_t length)
{
  PngContext *ctx = png_get_io_ptr (png);

  if (length > ctx->size - ctx->pos)
    {
      ctx->truncated = TRUE;
      png_error (png, "data ends early");
    }
  memcpy (out, ctx->data + ctx->pos, length);
  ctx->pos += length;
}

static void
set_png_error (PngContext *ctx,
               GError **error)
{
  if (ctx->truncated)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                 "%s: truncated PNG: the data ends at byte %" G_GSIZE_FORMAT " %s", ctx->name,
                 ctx->size, ctx->stage == STAGE_HEADER ? "inside the header" : "before the last row");
  else if (ctx->over_user_limit)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                 "%s: PNG image is over the size limits (%s)", ctx->name, ctx->message);
  else
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT, "%s: corrupt PNG: %s", ctx->name,
                 ctx->message);
}

static png_structp
create_png (PngContext *ctx,
            GError **error)
{
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, ctx, on_png_error, on_png_warning);

  if (png == NULL)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot create a PNG decoder", ctx->name);
  return png;
}

static LsColorType
color_type_of (int png_color_type)
{
  switch (png_color_type)
    {
    case PNG_COLOR_TYPE_GRAY:
      return LS_COLOR_TYPE_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return LS_COLOR_TYPE_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB:
      return LS_COLOR_TYPE_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA:
      return LS_COLOR_TYPE_RGBA;
    case PNG_COLOR_TYPE_PALETTE:
      return LS_COLOR_TYPE_PALETTE;
    default:
      return LS_COLOR_TYPE_UNKNOWN;
    }
}

/* The eXIf chunk, when it comes before the image data; 1 when absent. */
static int
png_orientation (PngContext *ctx,
                 png_structp png,
                 png_infop info)
{
#ifdef PNG_eXIf_SUPPORTED
  png_bytep exif = NULL;
  png_uint_32 length = 0;
  const char *reason = NULL;
  int orientation;

  if (!png_get_eXIf_1 (png, info, &length, &exif) || exif == NULL)
    return 1;
  orientation = ls_exif_orientation_from_tiff (exif, length, &reason);
  if (orientation < 0)
    {
      g_autofree char *message = g_strdup_printf ("%s; orientation ignored", reason);

      ls_decode_note_warning (&ctx->n_warnings, &ctx->first_warning, ctx->name, message);
    }
  return orientation > 0 ? orientation : 1;
#else
  return 1;
#endif
}

/* Ancillary chunks we have no use for. libpng 1.6.39 allocates (and
 * clears) a tEXt or iCCP chunk's claimed length before reading it, beyond
 * png_set_chunk_malloc_max (the fuzzer found a 191-byte file claiming a
 * 1 GB tEXt), so these are skipped unread: the gray pixels do not depend on
 * them (no gamma or colour management, as PIL's convert("L")). */
static const png_byte skipped_chunks[] = "bKGD\0cHRM\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
                                         "sBIT\0sCAL\0sPLT\0sRGB\0sTER\0tEXt\0tIME\0zTXt\0";

static void
png_setup (PngContext *ctx,
           png_structp png,
           png_uint_32 max_side)
{
  png_set_read_fn (png, ctx, on_png_read);
  png_set_user_limits (png, max_side, max_side);
  png_set_chunk_malloc_max (png, PNG_CHUNK_MALLOC_MAX);
  png_set_chunk_cache_max (png, PNG_CHUNK_CACHE_MAX);
  png_set_keep_unknown_chunks (png, PNG_HANDLE_CHUNK_NEVER, skipped_chunks,
                               (int) (sizeof skipped_chunks / 5));
}

/* Width and height straight from the IHDR bytes, so a bomb or an empty
 * image is refused with our limits' message before libpng runs. */
static gboolean
peek_ihdr (const guint8 *data,
           gsize size,
           gint64 *width,
           gint64 *height)
{
  if (size < 24 || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  *width = (gint64) data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19];
  *height = (gint64) data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23];
  return TRUE;
}

LsImage *
ls_decode_png (const guint8 *data,
               gsize size,
               const char *name,
               const LsDecodeLimits *limits,
               GError **error)
{
  PngContext *const ctx = g_new0 (PngContext, 1);
  png_structp png = NULL;
  png_infop info = NULL;
  png_uint_32 width, height;
  int bit_depth, color_type, interlace, channels, factor;
  gsize rowbytes, total;
  gint64 peek_w, peek_h;
  LsImage *volatile image = NULL;

  ctx->data = data;
  ctx->size = size;
  ctx->name = name;

  if (peek_ihdr (data, size, &peek_w, &peek_h) &&
      !ls_decode_check_size (name, "PNG", peek_w, peek_h, limits, error))
    goto out;

  png = create_png (ctx, error);
  if (png == NULL)
    goto out;
  info = png_create_info_struct (png);
  if (info == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot create a PNG decoder", name);
      goto out;
    }

  if (setjmp (png_jmpbuf (png)))
    {
      if (ctx->stage == STAGE_END)
        {
          ls_decode_note_warning (&ctx->n_warnings, &ctx->first_warning, name,
                                  ctx->truncated ? "PNG data ends after the last row" : ctx->message);
          image = ls_gray_sink_steal (&ctx->sink);
        }
      else
        set_png_error (ctx, error);
      goto out;
    }

  png_setup (ctx, png, (png_uint_32) limits->max_side);
  png_read_info (png, info);
  png_get_IHDR (png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
  if (!ls_decode_check_size (name, "PNG", width, height, limits, error))
    goto out;
  /* What the cleanup path needs after a longjmp lives in ctx. */
  ctx->width = width;
  ctx->height = height;
  ctx->bit_depth = bit_depth;
  ctx->color_type = color_type;
  ctx->orientation = png_orientation (ctx, png, info);

  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha (png);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (bit_depth == 16)
    png_set_swap (png);
#endif
  if (interlace != PNG_INTERLACE_NONE)
    png_set_interlace_handling (png);
  png_read_update_info (png, info);

  channels = png_get_channels (png, info);
  rowbytes = png_get_rowbytes (png, info);
  if (channels < 1 || channels > 4 || rowbytes < (gsize) width * channels * (bit_depth == 16 ? 2 : 1))
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: PNG layout not supported (%d channels)", name, channels);
      goto out;
    }

  factor = ls_decode_box_factor (width, height, limits->target_size);
  if (!ls_gray_sink_init (&ctx->sink, width, height, factor, name, error))
    goto out;
  ctx->stage = STAGE_ROWS;

  if (interlace != PNG_INTERLACE_NONE)
    {
      if (!g_size_checked_mul (&total, rowbytes, height))
        {
          g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                       "%s: interlaced PNG too large to buffer", name);
          goto out;
        }
      ctx->pixels = g_try_malloc (total);
      ctx->row_ptrs = g_try_new (png_bytep, height);
      if (ctx->pixels == NULL || ctx->row_ptrs == NULL)
        {
          g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                       "%s: out of memory for an interlaced PNG of %u x %u", name, width, height);
          goto out;
        }
      for (png_uint_32 y = 0; y < height; y++)
        ctx->row_ptrs[y] = ctx->pixels + (gsize) y * rowbytes;
      png_read_image (png, ctx->row_ptrs);
      for (png_uint_32 y = 0; y < height; y++)
        {
          if (bit_depth == 16)
            ls_gray_from_u16 ((const guint16 *) (gconstpointer) ctx->row_ptrs[y], channels, width,
                              ls_gray_sink_row (&ctx->sink));
          else
            ls_gray_from_u8 (ctx->row_ptrs[y], channels, width, ls_gray_sink_row (&ctx->sink));
          ls_gray_sink_commit (&ctx->sink);
        }
    }
  else
    {
      /* g_malloc's alignment suits the 16-bit view of the row. */
      ctx->pixels = g_malloc (rowbytes);
      for (png_uint_32 y = 0; y < height; y++)
        {
          png_read_row (png, ctx->pixels, NULL);
          if (bit_depth != 16 && channels == 1)
            {
              ls_gray_sink_push_gray8 (&ctx->sink, ctx->pixels);
              continue;
            }
          if (bit_depth == 16)
            ls_gray_from_u16 ((const guint16 *) (gconstpointer) ctx->pixels, channels, width,
                              ls_gray_sink_row (&ctx->sink));
          else
            ls_gray_from_u8 (ctx->pixels, channels, width, ls_gray_sink_row (&ctx->sink));
          ls_gray_sink_commit (&ctx->sink);
        }
    }

  ctx->stage = STAGE_END;
  png_read_end (png, NULL);
  image = ls_gray_sink_steal (&ctx->sink);

out:
  if (image != NULL)
    {
      image->orig_width = ctx->width;
      image->orig_height = ctx->height;
      image->bit_depth = ctx->bit_depth;
      image->color_type = color_type_of (ctx->color_type);
      image->format = LS_IMAGE_FORMAT_PNG;
      ls_decode_give_warnings (image, ctx->n_warnings, &ctx->first_warning);
      image->orientation = ctx->orientation;
      image = ls_image_apply_orientation (image, ctx->orientation);
    }
  if (png != NULL)
    png_destroy_read_struct (&png, info != NULL ? &info : NULL, NULL);
  png_context_free (ctx);
  return image;
}

gboolean
ls_probe_png (const guint8 *data,
              gsize size,
              const char *name,
              LsImageInfo *out_info,
              GError **error)
{
  PngContext *const ctx = g_new0 (PngContext, 1);
  png_structp png = NULL;
  png_infop info = NULL;
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
  gboolean ok = FALSE;

  ctx->data = data;
  ctx->size = size;
  ctx->name = name;

  png = create_png (ctx, error);
  if (png == NULL)
    goto out;
  info = png_create_info_struct (png);
  if (info == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot create a PNG decoder", name);
      goto out;
    }
  if (setjmp (png_jmpbuf (png)))
    {
      set_png_error (ctx, error);
      goto out;
    }

  png_setup (ctx, png, PNG_UINT_31_MAX);
  png_read_info (png, info);
  png_get_IHDR (png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
  out_info->format = LS_IMAGE_FORMAT_PNG;
  out_info->width = width;
  out_info->height = height;
  out_info->bit_depth = bit_depth;
  out_info->color_type = color_type_of (color_type);
  out_info->interlaced = interlace != PNG_INTERLACE_NONE;
  out_info->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 ||
                        png_get_valid (png, info, PNG_INFO_tRNS);
  out_info->orientation = png_orientation (ctx, png, info);
  ok = TRUE;

out:
  if (png != NULL)
    png_destroy_read_struct (&png, info != NULL ? &info : NULL, NULL);
  png_context_free (ctx);
  return ok;
}
