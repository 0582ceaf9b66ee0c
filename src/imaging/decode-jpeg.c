/* decode-jpeg.c — JPEG with libjpeg-turbo (CHECKLIST 14)
 *
 * error_exit longjmps back to the one setjmp; everything that changes after
 * it lives in a heap context reached through a pointer that does not change.
 * Warnings (corrupt data the library recovered from) are counted and kept on
 * the image, not fatal. A stream that runs out inside the entropy-coded data
 * is refused as truncated; one that lacks only its EOI marker, or ends
 * between progressive scans, decodes with a warning.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "imaging/decode-private.h"

typedef struct
{
  struct jpeg_error_mgr pub; /* first: libjpeg hands us &pub */
  struct jpeg_decompress_struct cinfo;
  gboolean created;
  jmp_buf jmp;
  const char *name;
  char message[JMSG_LENGTH_MAX];
  gboolean eof;        /* the source ran out (libjpeg inserted a fake EOI) */
  gboolean hit_marker; /* entropy-coded data cut short */
  int n_warnings;
  char *first_warning;
  LsGraySink sink;
  JSAMPLE *row;
  int orientation;
  LsColorType color_type;
} JpegContext;

static void
on_jpeg_error_exit (j_common_ptr cinfo)
{
  JpegContext *ctx = (JpegContext *) (gpointer) cinfo->err;

  cinfo->err->format_message (cinfo, ctx->message);
  longjmp (ctx->jmp, 1);
}

static void
on_jpeg_emit_message (j_common_ptr cinfo,
                      int level)
{
  JpegContext *ctx = (JpegContext *) (gpointer) cinfo->err;
  char message[JMSG_LENGTH_MAX];

  if (level >= 0)
    return; /* trace messages */
  cinfo->err->num_warnings++;
  if (cinfo->err->msg_code == JWRN_JPEG_EOF)
    ctx->eof = TRUE;
  else if (cinfo->err->msg_code == JWRN_HIT_MARKER)
    ctx->hit_marker = TRUE;
  cinfo->err->format_message (cinfo, message);
  ls_decode_note_warning (&ctx->n_warnings, &ctx->first_warning, ctx->name, message);
}

static JpegContext *
jpeg_context_new (const char *name)
{
  JpegContext *ctx = g_new0 (JpegContext, 1);

  ctx->name = name;
  ctx->orientation = 1;
  ctx->cinfo.err = jpeg_std_error (&ctx->pub);
  ctx->pub.error_exit = on_jpeg_error_exit;
  ctx->pub.emit_message = on_jpeg_emit_message;
  return ctx;
}

static void
jpeg_context_free (JpegContext *ctx)
{
  if (ctx->created)
    jpeg_destroy_decompress (&ctx->cinfo);
  ls_gray_sink_clear (&ctx->sink);
  g_free (ctx->row);
  g_free (ctx->first_warning);
  g_free (ctx);
}

static void
set_jpeg_error (JpegContext *ctx,
                GError **error)
{
  if (ctx->eof)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                 "%s: truncated JPEG: the data ends early (%s)", ctx->name, ctx->message);
  else if (ctx->pub.msg_code == JERR_BAD_PRECISION || ctx->pub.msg_code == JERR_NOT_COMPILED ||
           ctx->pub.msg_code == JERR_ARITH_NOTIMPL)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT, "%s: JPEG not supported: %s",
                 ctx->name, ctx->message);
  else
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT, "%s: corrupt JPEG: %s", ctx->name,
                 ctx->message);
}

/* Starts the decompressor and reads the header (with APP1 and APP14 kept).
 * May longjmp. */
static void
read_header (JpegContext *ctx,
             const guint8 *data,
             gsize size)
{
  jpeg_create_decompress (&ctx->cinfo);
  ctx->created = TRUE;
  jpeg_mem_src (&ctx->cinfo, data, (unsigned long) size);
  jpeg_save_markers (&ctx->cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_save_markers (&ctx->cinfo, JPEG_APP0 + 14, 0xffff);
  jpeg_read_header (&ctx->cinfo, TRUE);
}

/* EXIF orientation from the first APP1 "Exif" block; 1 when absent or broken. */
static int
jpeg_orientation (JpegContext *ctx)
{
  for (jpeg_saved_marker_ptr m = ctx->cinfo.marker_list; m != NULL; m = m->next)
    {
      const char *reason = NULL;
      int orientation;

      if (m->marker != JPEG_APP0 + 1 || m->data_length < 6 || memcmp (m->data, "Exif\0\0", 6) != 0)
        continue;
      orientation = ls_exif_orientation_from_app1 (m->data, m->data_length, &reason);
      if (orientation < 0)
        {
          g_autofree char *message = g_strdup_printf ("%s; orientation ignored", reason);

          ls_decode_note_warning (&ctx->n_warnings, &ctx->first_warning, ctx->name, message);
          return 1;
        }
      return orientation > 0 ? orientation : 1;
    }
  return 1;
}

static LsColorType
color_type_of (J_COLOR_SPACE space)
{
  switch (space)
    {
    case JCS_GRAYSCALE:
      return LS_COLOR_TYPE_GRAY;
    case JCS_YCbCr:
      return LS_COLOR_TYPE_YCBCR;
    case JCS_RGB:
      return LS_COLOR_TYPE_RGB;
    case JCS_CMYK:
      return LS_COLOR_TYPE_CMYK;
    case JCS_YCCK:
      return LS_COLOR_TYPE_YCCK;
    case JCS_UNKNOWN:
    case JCS_EXT_RGB:
    case JCS_EXT_RGBX:
    case JCS_EXT_BGR:
    case JCS_EXT_BGRX:
    case JCS_EXT_XBGR:
    case JCS_EXT_XRGB:
    case JCS_EXT_RGBA:
    case JCS_EXT_BGRA:
    case JCS_EXT_ABGR:
    case JCS_EXT_ARGB:
    case JCS_RGB565:
    default:
      return LS_COLOR_TYPE_UNKNOWN;
    }
}

/* CMYK (from CMYK or YCCK files) to gray the way PIL does it: Adobe files
 * store inverted CMYK, so with the Adobe marker R = C·K / 255 on the stored
 * values, else R = (255 − C)(255 − K) / 255; then the gray weights. */
static void
gray_from_cmyk (const guint8 *src,
                gboolean adobe_inverted,
                int n,
                float *dst)
{
  const float s = 1.0f / (255.0f * 255.0f);

  for (int i = 0; i < n; i++, src += 4)
    {
      float c = src[0], m = src[1], y = src[2], k = src[3];

      if (!adobe_inverted)
        c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
      dst[i] = (0.299f * c + 0.587f * m + 0.114f * y) * k * s;
    }
}

/* The smallest DCT scale M/8 whose shorter side is still ≥ target. */
static unsigned int
pick_scale (JDIMENSION width,
            JDIMENSION height,
            int target)
{
  guint64 shorter = MIN (width, height);

  for (unsigned int m = 1; m < 8; m++)
    if ((shorter * m + 7) / 8 >= (guint64) target)
      return m;
  return 8;
}

LsImage *
ls_decode_jpeg (const guint8 *data,
                gsize size,
                const char *name,
                const LsDecodeLimits *limits,
                GError **error)
{
  JpegContext *const ctx = jpeg_context_new (name);
  struct jpeg_decompress_struct *const cinfo = &ctx->cinfo;
  LsImage *volatile image = NULL;
  int factor, components;
  gboolean adobe;

  if (setjmp (ctx->jmp))
    {
      set_jpeg_error (ctx, error);
      goto out;
    }

  read_header (ctx, data, size);
  if (!ls_decode_check_size (name, "JPEG", cinfo->image_width, cinfo->image_height, limits, error))
    goto out;
  ctx->orientation = jpeg_orientation (ctx);
  ctx->color_type = color_type_of (cinfo->jpeg_color_space);

  switch (cinfo->jpeg_color_space)
    {
    case JCS_GRAYSCALE:
      cinfo->out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_YCbCr:
      /* The fast path takes Y (the gray weights before rounding) and skips chroma. */
      cinfo->out_color_space = limits->target_size > 0 ? JCS_GRAYSCALE : JCS_RGB;
      break;
    case JCS_RGB:
      cinfo->out_color_space = JCS_RGB;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo->out_color_space = JCS_CMYK;
      break;
    case JCS_UNKNOWN:
    case JCS_EXT_RGB:
    case JCS_EXT_RGBX:
    case JCS_EXT_BGR:
    case JCS_EXT_BGRX:
    case JCS_EXT_XBGR:
    case JCS_EXT_XRGB:
    case JCS_EXT_RGBA:
    case JCS_EXT_BGRA:
    case JCS_EXT_ABGR:
    case JCS_EXT_ARGB:
    case JCS_RGB565:
    default:
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: JPEG with %d colour components of unknown meaning is not supported", name,
                   cinfo->num_components);
      goto out;
    }

  if (limits->target_size > 0)
    {
      cinfo->scale_num = pick_scale (cinfo->image_width, cinfo->image_height, limits->target_size);
      cinfo->scale_denom = 8;
    }
  jpeg_calc_output_dimensions (cinfo);
  components = cinfo->output_components;
  if (cinfo->output_width == 0 || cinfo->output_height == 0 ||
      (components != 1 && components != 3 && components != 4))
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: JPEG output layout not supported (%d components)", name, components);
      goto out;
    }
  factor = ls_decode_box_factor (cinfo->output_width, cinfo->output_height, limits->target_size);
  if (!ls_gray_sink_init (&ctx->sink, cinfo->output_width, cinfo->output_height, factor, name, error))
    goto out;
  ctx->row = g_malloc ((gsize) cinfo->output_width * components);
  adobe = cinfo->saw_Adobe_marker;

  jpeg_start_decompress (cinfo);
  while (cinfo->output_scanline < cinfo->output_height)
    {
      JSAMPROW rows[1] = { ctx->row };
      float *out;

      if (jpeg_read_scanlines (cinfo, rows, 1) != 1)
        {
          g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                       "%s: corrupt JPEG: the decoder returned no row", name);
          goto out;
        }
      if (components == 1)
        {
          ls_gray_sink_push_gray8 (&ctx->sink, ctx->row);
          continue;
        }
      out = ls_gray_sink_row (&ctx->sink);
      if (components == 4)
        gray_from_cmyk (ctx->row, adobe, cinfo->output_width, out);
      else
        ls_gray_from_u8 (ctx->row, components, cinfo->output_width, out);
      ls_gray_sink_commit (&ctx->sink);
    }
  if (ctx->eof && ctx->hit_marker)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                   "%s: truncated JPEG: the data ends inside the image (%d x %d)", name,
                   cinfo->image_width, cinfo->image_height);
      goto out;
    }
  jpeg_finish_decompress (cinfo);

  image = ls_gray_sink_steal (&ctx->sink);
  image->orig_width = cinfo->image_width;
  image->orig_height = cinfo->image_height;
  image->bit_depth = cinfo->data_precision;
  image->color_type = ctx->color_type;
  image->format = LS_IMAGE_FORMAT_JPEG;
  ls_decode_give_warnings (image, ctx->n_warnings, &ctx->first_warning);
  image->orientation = ctx->orientation;
  image = ls_image_apply_orientation (image, ctx->orientation);

out:
  jpeg_context_free (ctx);
  return image;
}

gboolean
ls_probe_jpeg (const guint8 *data,
               gsize size,
               const char *name,
               LsImageInfo *info,
               GError **error)
{
  JpegContext *const ctx = jpeg_context_new (name);
  volatile gboolean ok = FALSE;

  if (setjmp (ctx->jmp))
    {
      set_jpeg_error (ctx, error);
      goto out;
    }
  read_header (ctx, data, size);
  info->format = LS_IMAGE_FORMAT_JPEG;
  info->width = ctx->cinfo.image_width;
  info->height = ctx->cinfo.image_height;
  info->bit_depth = ctx->cinfo.data_precision;
  info->color_type = color_type_of (ctx->cinfo.jpeg_color_space);
  info->interlaced = ctx->cinfo.progressive_mode;
  info->has_alpha = FALSE;
  info->orientation = jpeg_orientation (ctx);
  ok = TRUE;

out:
  jpeg_context_free (ctx);
  return ok;
}
