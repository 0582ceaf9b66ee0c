/* decode.c — format sniffing, limits, and the gray row sink shared by the decoders
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "imaging/decode-private.h"

/* clang-format off */
G_DEFINE_QUARK (ls-image-error-quark, ls_image_error)
/* clang-format on */

void
ls_decode_options_init (LsDecodeOptions *opts)
{
  g_return_if_fail (opts != NULL);
  opts->max_side = LS_DECODE_DEFAULT_MAX_SIDE;
  opts->max_pixels = LS_DECODE_DEFAULT_MAX_PIXELS;
  opts->target_size = 0;
  opts->keep_values = FALSE;
}

void
ls_decode_limits_init (LsDecodeLimits *limits,
                       const LsDecodeOptions *opts)
{
  limits->max_side = LS_DECODE_DEFAULT_MAX_SIDE;
  limits->max_pixels = LS_DECODE_DEFAULT_MAX_PIXELS;
  limits->target_size = 0;
  limits->keep_values = FALSE;
  if (opts == NULL)
    return;
  limits->keep_values = opts->keep_values;
  if (opts->max_side > 0)
    limits->max_side = opts->max_side;
  if (opts->max_pixels > 0)
    limits->max_pixels = opts->max_pixels;
  if (opts->target_size > 0)
    limits->target_size = opts->target_size;
}

/* Checked before any pixel buffer exists (CHECKLIST 16). */
gboolean
ls_decode_check_size (const char *name,
                      const char *format,
                      gint64 width,
                      gint64 height,
                      const LsDecodeLimits *limits,
                      GError **error)
{
  gint64 pixels;

  if (width <= 0 || height <= 0)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_EMPTY_IMAGE,
                   "%s: %s image has no pixels (%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT ")",
                   name, format, width, height);
      return FALSE;
    }
  if (width > limits->max_side || height > limits->max_side)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                   "%s: %s image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " pixels, over the limit of %d pixels per side",
                   name, format, width, height, limits->max_side);
      return FALSE;
    }
  if (__builtin_mul_overflow (width, height, &pixels) || pixels > limits->max_pixels)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                   "%s: %s image is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   " pixels, over the limit of %" G_GINT64_FORMAT " pixels",
                   name, format, width, height, limits->max_pixels);
      return FALSE;
    }
  return TRUE;
}

/* The box factor of the fast path: the largest f with ⌊shorter / f⌋ ≥ target. */
int
ls_decode_box_factor (int width,
                      int height,
                      int target_size)
{
  int shorter = MIN (width, height);

  if (target_size <= 0 || shorter <= target_size)
    return 1;
  return shorter / target_size;
}

gboolean
ls_gray_sink_init (LsGraySink *sink,
                   int in_width,
                   int in_height,
                   int factor,
                   const char *name,
                   GError **error)
{
  int out_width = ls_decode_reduced_side (in_width, factor);
  int out_height = ls_decode_reduced_side (in_height, factor);
  gsize n, bytes;

  memset (sink, 0, sizeof *sink);
  g_assert (in_width > 0 && in_height > 0 && factor >= 1);
  if (!g_size_checked_mul (&n, (gsize) out_width, (gsize) out_height) ||
      !g_size_checked_mul (&bytes, n, sizeof (float)))
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                   "%s: image of %d x %d pixels does not fit in memory", name, out_width, out_height);
      return FALSE;
    }
  sink->image = ls_image_new (out_width, out_height);
  sink->in_width = in_width;
  sink->in_height = in_height;
  sink->factor = factor;
  if (factor > 1)
    {
      sink->scratch = g_new (float, in_width);
      sink->acc = g_new0 (double, out_width);
      sink->acc8 = g_new0 (guint32, in_width);
    }
  return TRUE;
}

/* Where the next full-resolution row goes (in_width floats). */
float *
ls_gray_sink_row (LsGraySink *sink)
{
  g_assert (sink->row < sink->in_height);
  if (sink->factor == 1)
    return sink->image->data + (gsize) sink->row * sink->in_width;
  return sink->scratch;
}

static void
flush_acc (LsGraySink *sink)
{
  int f = sink->factor, out_width = sink->image->width;
  int oy = (sink->row - 1) / f;
  float *out = sink->image->data + (gsize) oy * out_width;

  for (int ox = 0; ox < out_width; ox++)
    {
      int cols = MIN (f, sink->in_width - ox * f);

      out[ox] = (float) (sink->acc[ox] / ((double) cols * sink->acc_rows));
      sink->acc[ox] = 0;
    }
  sink->acc_rows = 0;
}

void
ls_gray_sink_commit (LsGraySink *sink)
{
  int f = sink->factor;

  sink->row++;
  if (f == 1)
    return;

  for (int ox = 0, x = 0; x < sink->in_width; ox++)
    {
      int end = MIN (x + f, sink->in_width);
      float sum = 0;

      for (; x < end; x++)
        sum += sink->scratch[x];
      sink->acc[ox] += sum;
    }
  sink->acc_rows++;
  if (sink->acc_rows == f || sink->row == sink->in_height)
    flush_acc (sink);
}

/* acc8[x] += row[x] for n columns. */
static void
add_u8_to_u32 (guint32 *acc,
               const guint8 *row,
               int n)
{
  int x = 0;

#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128 ();

  for (; x + 16 <= n; x += 16)
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (row + x));
      __m128i lo = _mm_unpacklo_epi8 (v, zero), hi = _mm_unpackhi_epi8 (v, zero);
      __m128i *a = (__m128i *) (gpointer) (acc + x);

      _mm_storeu_si128 (a, _mm_add_epi32 (_mm_loadu_si128 (a), _mm_unpacklo_epi16 (lo, zero)));
      _mm_storeu_si128 (a + 1, _mm_add_epi32 (_mm_loadu_si128 (a + 1), _mm_unpackhi_epi16 (lo, zero)));
      _mm_storeu_si128 (a + 2, _mm_add_epi32 (_mm_loadu_si128 (a + 2), _mm_unpacklo_epi16 (hi, zero)));
      _mm_storeu_si128 (a + 3, _mm_add_epi32 (_mm_loadu_si128 (a + 3), _mm_unpackhi_epi16 (hi, zero)));
    }
#endif
  for (; x < n; x++)
    acc[x] += row[x];
}

void
ls_gray_sink_push_gray8 (LsGraySink *sink,
                         const guint8 *row)
{
  int f = sink->factor, out_width;
  float *out;

  if (f == 1)
    {
      ls_gray_from_u8 (row, 1, sink->in_width, ls_gray_sink_row (sink));
      sink->row++;
      return;
    }
  g_assert (sink->row < sink->in_height);
  add_u8_to_u32 (sink->acc8, row, sink->in_width);
  sink->row++;
  sink->acc_rows++;
  if (sink->acc_rows < f && sink->row < sink->in_height)
    return;

  out_width = sink->image->width;
  out = sink->image->data + (gsize) ((sink->row - 1) / f) * out_width;
  for (int ox = 0, x = 0; ox < out_width; ox++)
    {
      int end = MIN (x + f, sink->in_width), cols = end - x;
      guint64 sum = 0;

      for (; x < end; x++)
        sum += sink->acc8[x];
      out[ox] = (float) ((double) sum / (255.0 * cols * sink->acc_rows));
    }
  memset (sink->acc8, 0, (gsize) sink->in_width * sizeof (guint32));
  sink->acc_rows = 0;
}

LsImage *
ls_gray_sink_steal (LsGraySink *sink)
{
  return g_steal_pointer (&sink->image);
}

void
ls_gray_sink_clear (LsGraySink *sink)
{
  g_clear_pointer (&sink->image, ls_image_free);
  g_clear_pointer (&sink->scratch, g_free);
  g_clear_pointer (&sink->acc, g_free);
  g_clear_pointer (&sink->acc8, g_free);
}

void
ls_gray_from_u8 (const guint8 *src,
                 int channels,
                 int n,
                 float *dst)
{
  const float s = 1.0f / 255.0f;

  switch (channels)
    {
    case 1:
      {
        int i = 0;
#ifdef __SSE2__
        const __m128i zero = _mm_setzero_si128 ();
        const __m128 scale = _mm_set1_ps (s);

        for (; i + 16 <= n; i += 16)
          {
            __m128i v = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (src + i));
            __m128i lo = _mm_unpacklo_epi8 (v, zero), hi = _mm_unpackhi_epi8 (v, zero);

            _mm_storeu_ps (dst + i, _mm_mul_ps (_mm_cvtepi32_ps (_mm_unpacklo_epi16 (lo, zero)), scale));
            _mm_storeu_ps (dst + i + 4, _mm_mul_ps (_mm_cvtepi32_ps (_mm_unpackhi_epi16 (lo, zero)), scale));
            _mm_storeu_ps (dst + i + 8, _mm_mul_ps (_mm_cvtepi32_ps (_mm_unpacklo_epi16 (hi, zero)), scale));
            _mm_storeu_ps (dst + i + 12, _mm_mul_ps (_mm_cvtepi32_ps (_mm_unpackhi_epi16 (hi, zero)), scale));
          }
#endif
        for (; i < n; i++)
          dst[i] = src[i] * s;
      }
      break;
    case 2:
      for (int i = 0; i < n; i++)
        dst[i] = src[2 * i] * s;
      break;
    case 3:
      for (int i = 0; i < n; i++)
        dst[i] = (0.299f * src[3 * i] + 0.587f * src[3 * i + 1] + 0.114f * src[3 * i + 2]) * s;
      break;
    case 4:
      for (int i = 0; i < n; i++)
        dst[i] = (0.299f * src[4 * i] + 0.587f * src[4 * i + 1] + 0.114f * src[4 * i + 2]) * s;
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ls_gray_from_u16 (const guint16 *src,
                  int channels,
                  int n,
                  float *dst)
{
  const float s = 1.0f / 65535.0f;

  switch (channels)
    {
    case 1:
      for (int i = 0; i < n; i++)
        dst[i] = src[i] * s;
      break;
    case 2:
      for (int i = 0; i < n; i++)
        dst[i] = src[2 * i] * s;
      break;
    case 3:
      for (int i = 0; i < n; i++)
        dst[i] = (0.299f * src[3 * i] + 0.587f * src[3 * i + 1] + 0.114f * src[3 * i + 2]) * s;
      break;
    case 4:
      for (int i = 0; i < n; i++)
        dst[i] = (0.299f * src[4 * i] + 0.587f * src[4 * i + 1] + 0.114f * src[4 * i + 2]) * s;
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ls_decode_note_warning (int *n_warnings,
                        char **first,
                        const char *name,
                        const char *message)
{
  (*n_warnings)++;
  if (*first == NULL)
    *first = g_strdup_printf ("%s: %s", name, message);
  g_debug ("%s: %s", name, message);
}

void
ls_decode_give_warnings (LsImage *image,
                         int n_warnings,
                         char **first)
{
  image->n_warnings = n_warnings;
  g_free (image->warning);
  image->warning = g_steal_pointer (first);
}

LsImageFormat
ls_image_sniff_format (const guint8 *data,
                       gsize size)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (data == NULL)
    return LS_IMAGE_FORMAT_UNKNOWN;
  if (size >= 8 && memcmp (data, png_magic, 8) == 0)
    return LS_IMAGE_FORMAT_PNG;
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return LS_IMAGE_FORMAT_JPEG;
  if (size >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return LS_IMAGE_FORMAT_WEBP;
  if (ls_dicom_sniff (data, size))
    return LS_IMAGE_FORMAT_DICOM;
  return LS_IMAGE_FORMAT_UNKNOWN;
}

/* A one-line reason for a file we do not decode. */
static void
set_unknown_format_error (const guint8 *data,
                          gsize size,
                          const char *name,
                          GError **error)
{
  const char *what = NULL;

  if (size == 0)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED, "%s: empty file (0 bytes)", name);
      return;
    }
  if (size >= 4 && (memcmp (data, "GIF8", 4) == 0))
    what = "GIF";
  else if (size >= 2 && memcmp (data, "BM", 2) == 0)
    what = "BMP";
  else if (size >= 4 && (memcmp (data, "II*\0", 4) == 0 || memcmp (data, "MM\0*", 4) == 0))
    what = "TIFF";
  else if (size >= 12 && memcmp (data + 4, "ftyp", 4) == 0)
    what = "HEIF/AVIF";

  if (what != NULL)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                 "%s: %s files are not supported (PNG, JPEG and WebP are)", name, what);
  else if (size < 12 && ((size >= 1 && data[0] == 0x89) ||
                         (size >= 2 && data[0] == 0xff && data[1] == 0xd8) ||
                         (size >= 4 && memcmp (data, "RIFF", 4) == 0)))
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                 "%s: file too short (%" G_GSIZE_FORMAT " bytes) for its image header", name, size);
  else
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                 "%s: not a PNG, JPEG, WebP or DICOM file (starts with %02x %02x %02x %02x)", name,
                 size > 0 ? data[0] : 0, size > 1 ? data[1] : 0, size > 2 ? data[2] : 0,
                 size > 3 ? data[3] : 0);
}

/**
 * ls_image_load_bytes:
 * @data: (array length=size): the file's contents
 * @size: its length in bytes
 * @name_for_errors: how messages name the data (a file path), or NULL
 * @opts: (nullable): limits and fast path; NULL for defaults
 * @error: a LS_IMAGE_ERROR
 *
 * Decodes a PNG, JPEG or WebP image held in memory to gray.
 *
 * Returns: (transfer full): the image, or NULL with @error set.
 */
LsImage *
ls_image_load_bytes (const guint8 *data,
                     gsize size,
                     const char *name_for_errors,
                     const LsDecodeOptions *opts,
                     GError **error)
{
  const char *name = name_for_errors != NULL ? name_for_errors : "image";
  LsDecodeLimits limits;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ls_decode_limits_init (&limits, opts);
  switch (ls_image_sniff_format (data, size))
    {
    case LS_IMAGE_FORMAT_PNG:
      return ls_decode_png (data, size, name, &limits, error);
    case LS_IMAGE_FORMAT_JPEG:
      return ls_decode_jpeg (data, size, name, &limits, error);
    case LS_IMAGE_FORMAT_WEBP:
      return ls_decode_webp (data, size, name, &limits, error);
    case LS_IMAGE_FORMAT_DICOM:
      return ls_decode_dicom (data, size, name, &limits, error);
    case LS_IMAGE_FORMAT_UNKNOWN:
    case LS_IMAGE_FORMAT_GENERATED:
    default:
      set_unknown_format_error (data, size, name, error);
      return NULL;
    }
}

gboolean
ls_image_probe_bytes (const guint8 *data,
                      gsize size,
                      const char *name_for_errors,
                      LsImageInfo *info,
                      GError **error)
{
  const char *name = name_for_errors != NULL ? name_for_errors : "image";

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (info, 0, sizeof *info);
  info->orientation = 1;
  switch (ls_image_sniff_format (data, size))
    {
    case LS_IMAGE_FORMAT_PNG:
      return ls_probe_png (data, size, name, info, error);
    case LS_IMAGE_FORMAT_JPEG:
      return ls_probe_jpeg (data, size, name, info, error);
    case LS_IMAGE_FORMAT_WEBP:
      return ls_probe_webp (data, size, name, info, error);
    case LS_IMAGE_FORMAT_DICOM:
      return ls_probe_dicom (data, size, name, info, error);
    case LS_IMAGE_FORMAT_UNKNOWN:
    case LS_IMAGE_FORMAT_GENERATED:
    default:
      set_unknown_format_error (data, size, name, error);
      return FALSE;
    }
}

static GMappedFile *
map_file (const char *path,
          GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s", local_error->message);
  return mapped;
}

/**
 * ls_image_load:
 * @path: a file in the GLib file name encoding
 * @opts: (nullable): limits and fast path; NULL for defaults
 * @error: a LS_IMAGE_ERROR
 *
 * Decodes a PNG, JPEG or WebP file (told apart by content) to gray.
 *
 * Returns: (transfer full): the image with its source set, or NULL with @error set.
 */
LsImage *
ls_image_load (const char *path,
               const LsDecodeOptions *opts,
               GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autofree char *display = NULL;
  LsImage *image;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  mapped = map_file (path, error);
  if (mapped == NULL)
    return NULL;
  display = g_filename_display_name (path);
  image = ls_image_load_bytes ((const guint8 *) g_mapped_file_get_contents (mapped),
                               g_mapped_file_get_length (mapped), display, opts, error);
  if (image != NULL)
    image->source = g_strdup (path);
  return image;
}

/**
 * ls_image_probe:
 * @path: a file in the GLib file name encoding
 * @info: (out caller-allocates): what its header says
 * @error: a LS_IMAGE_ERROR
 *
 * Reads the format, size, bit depth, colour type and EXIF orientation of an
 * image file without decoding its pixels.
 */
gboolean
ls_image_probe (const char *path,
                LsImageInfo *info,
                GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  mapped = map_file (path, error);
  if (mapped == NULL)
    return FALSE;
  display = g_filename_display_name (path);
  return ls_image_probe_bytes ((const guint8 *) g_mapped_file_get_contents (mapped),
                               g_mapped_file_get_length (mapped), display, info, error);
}
