/* decode-dicom.c — DICOM files to gray, through the GDCM shim
 *
 * The header is checked before any pixel buffer exists: one frame, 1 or 3
 * samples, 8 or 16 bits allocated with 1–16 bits stored, MONOCHROME1/2, RGB
 * or YBR, the decoder's size limits, and native pixel data at least as long
 * as the header says. Then the stored values (masked to bits stored, sign
 * extended) become modality values (× Rescale Slope + Rescale Intercept),
 * and the displayed image is the file's first Window Center/Width pair
 * (DICOM's linear function), else the first VOI LUT Sequence item, else the
 * pixels' own minimum to maximum; MONOCHROME1 is inverted. Every stored
 * value maps through one table, so a 16-bit image costs one lookup a pixel.
 * Colour images are turned to gray as PNG's are (0.299 R + 0.587 G +
 * 0.114 B on value / (2^bits − 1)), YBR ones by their Y sample.
 *
 * GDCM itself runs in a child process, lungscope-dicom-decode (see
 * dicom-spawn.c and dicom-decode-main.c): Debian's GDCM keeps its asserts
 * and aborts on some hostile files our checks let through, which must not
 * end the app or the CLI. The child runs ls_dicom_decode_here
 * (dicom-decode-here.c; GDCM is linked into that program only) and sends
 * the header and the decoded pixels; this process checks them again and
 * does everything after (rescale, window, gray, the model's size).
 *
 * Built without GDCM (meson -Ddicom=disabled), a DICOM file gets a one-line
 * "built without DICOM support" error.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/decode-private.h"

#if LS_HAVE_DICOM
#include "imaging/dicom-private.h"
#endif

/* Part 10 with its preamble ("DICM" at 128), or without it: "DICM" at 0, or
 * the file meta group's first explicit-VR element at 0. */
gboolean
ls_dicom_sniff (const guint8 *data,
                gsize size)
{
  if (size >= 132 && memcmp (data + 128, "DICM", 4) == 0)
    return TRUE;
  if (size >= 8 && memcmp (data, "DICM", 4) == 0 && data[4] == 0x02 && data[5] == 0x00)
    return TRUE;
  return size >= 8 && data[0] == 0x02 && data[1] == 0x00 && data[3] == 0x00 &&
         g_ascii_isupper (data[4]) && g_ascii_isupper (data[5]);
}

#if !LS_HAVE_DICOM

LsImage *
ls_decode_dicom (const guint8 *data,
                 gsize size,
                 const char *name,
                 const LsDecodeLimits *limits,
                 GError **error)
{
  g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
               "%s: a DICOM file, and this Lungscope was built without DICOM support", name);
  return NULL;
}

gboolean
ls_probe_dicom (const guint8 *data,
                gsize size,
                const char *name,
                LsImageInfo *info,
                GError **error)
{
  g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
               "%s: a DICOM file, and this Lungscope was built without DICOM support", name);
  return FALSE;
}

#else

/* A tag's text kept as printable ASCII only (one line, whatever the file
 * holds); NULL when empty. */
static char *
clean_text (const char *s)
{
  char *out;

  if (s == NULL || *s == '\0')
    return NULL;
  out = g_strdup (s);
  for (char *p = out; *p != '\0'; p++)
    if (!g_ascii_isprint (*p))
      *p = '?';
  return out;
}

static LsColorType
color_type_of (const LsDicomHeader *h)
{
  switch (h->photometric)
    {
    case LS_DICOM_PHOTOMETRIC_MONOCHROME1:
    case LS_DICOM_PHOTOMETRIC_MONOCHROME2:
      return LS_COLOR_TYPE_GRAY;
    case LS_DICOM_PHOTOMETRIC_RGB:
      return LS_COLOR_TYPE_RGB;
    case LS_DICOM_PHOTOMETRIC_YBR:
      return LS_COLOR_TYPE_YCBCR;
    case LS_DICOM_PHOTOMETRIC_PALETTE:
      return LS_COLOR_TYPE_PALETTE;
    case LS_DICOM_PHOTOMETRIC_OTHER:
    default:
      return LS_COLOR_TYPE_UNKNOWN;
    }
}

/* What we decode; a one-line reason for the rest. */
gboolean
ls_dicom_check_header (const LsDicomHeader *h,
                       const char *name,
                       const LsDecodeLimits *limits,
                       gsize *pixel_bytes,
                       GError **error)
{
  gboolean gray = h->photometric == LS_DICOM_PHOTOMETRIC_MONOCHROME1 ||
                  h->photometric == LS_DICOM_PHOTOMETRIC_MONOCHROME2;
  gboolean colour = h->photometric == LS_DICOM_PHOTOMETRIC_RGB ||
                    h->photometric == LS_DICOM_PHOTOMETRIC_YBR;
  gsize n;

  if (h->frames > 1)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: multi-frame DICOM (%" G_GINT64_FORMAT " frames) is not supported; "
                   "export the radiograph as a single-frame file",
                   name, h->frames);
      return FALSE;
    }
  if (!((gray && h->samples == 1) || (colour && h->samples == 3)))
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: DICOM photometric interpretation %s with %d samples per pixel is not "
                   "supported (MONOCHROME1, MONOCHROME2, RGB and YBR are)",
                   name, h->photometric_name, h->samples);
      return FALSE;
    }
  if ((h->bits_allocated != 8 && h->bits_allocated != 16) || h->bits_stored < 1 ||
      h->bits_stored > h->bits_allocated || h->high_bit < h->bits_stored - 1 ||
      h->high_bit >= h->bits_allocated)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: DICOM pixels of %d bits stored in %d allocated (high bit %d) are not "
                   "supported (1–16 bits in 8 or 16)",
                   name, h->bits_stored, h->bits_allocated, h->high_bit);
      return FALSE;
    }
  if (!ls_decode_check_size (name, "DICOM", h->width, h->height, limits, error))
    return FALSE;
  n = (gsize) h->width * (gsize) h->height * (gsize) h->samples * (gsize) (h->bits_allocated / 8);
  if (!h->encapsulated && h->native_length < n)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED,
                   "%s: DICOM pixel data is %" G_GSIZE_FORMAT " bytes, shorter than the %" G_GSIZE_FORMAT
                   " its header gives (%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " x %d bits)",
                   name, h->native_length, n, h->width, h->height, h->bits_allocated);
      return FALSE;
    }
  *pixel_bytes = n;
  return TRUE;
}

typedef struct
{
  int shift; /* high_bit + 1 − bits_stored */
  guint32 mask;
  guint32 sign; /* the sign bit of a signed value, 0 for unsigned */
  int min_stored;
  int n_codes;  /* 2^bits_stored */
  float *table; /* displayed value of each code (code = stored − min_stored) */
} StoredCodes;

static void
codes_init (StoredCodes *codes,
            const LsDicomHeader *h)
{
  codes->shift = h->high_bit + 1 - h->bits_stored;
  codes->mask = h->bits_stored >= 32 ? 0xffffffffu : (1u << h->bits_stored) - 1;
  codes->sign = h->is_signed ? 1u << (h->bits_stored - 1) : 0;
  codes->n_codes = 1 << h->bits_stored;
  codes->min_stored = h->is_signed ? -(codes->n_codes / 2) : 0;
  codes->table = g_new (float, codes->n_codes);
}

static inline guint32
raw_at (const guint8 *pixels,
        gsize i,
        int bytes)
{
  if (bytes == 1)
    return pixels[i];
  return (guint32) pixels[2 * i] | ((guint32) pixels[2 * i + 1] << 8);
}

/* Fills the window facts and the code → displayed table. */
static void
make_display_table (StoredCodes *codes,
                    const LsDicomHeader *h,
                    int smin,
                    int smax,
                    LsDicomFacts *facts)
{
  double slope = h->slope, intercept = h->intercept;
  double vmin = MIN (smin * slope, smax * slope) + intercept;
  double vmax = MAX (smin * slope, smax * slope) + intercept;
  gboolean invert = h->photometric == LS_DICOM_PHOTOMETRIC_MONOCHROME1;

  facts->value_min = vmin;
  facts->value_max = vmax;
  if (h->has_window)
    {
      facts->window_source = LS_WINDOW_SOURCE_FILE;
      facts->window_center = h->window_center;
      facts->window_width = h->window_width;
    }
  else if (h->voi_lut_entries > 0)
    {
      facts->window_source = LS_WINDOW_SOURCE_VOI_LUT;
      facts->window_center = h->voi_lut_first + h->voi_lut_entries / 2.0;
      facts->window_width = h->voi_lut_entries;
    }
  else
    {
      /* The linear function maps [c − w/2, c + w/2] to [0, 1]. */
      facts->window_source = LS_WINDOW_SOURCE_RANGE;
      facts->window_center = (vmin + vmax) / 2 + 0.5;
      facts->window_width = vmax - vmin + 1;
    }

  for (int code = 0; code < codes->n_codes; code++)
    {
      double v = (code + codes->min_stored) * slope + intercept;
      float y;

      if (facts->window_source == LS_WINDOW_SOURCE_VOI_LUT)
        {
          double k = floor (v) - h->voi_lut_first;
          int idx = k < 0 ? 0 : k >= h->voi_lut_entries ? h->voi_lut_entries - 1
                                                        : (int) k;
          y = (float) (h->voi_lut[idx] / (double) ((1u << h->voi_lut_bits) - 1));
          if (y > 1)
            y = 1;
          if (invert)
            y = 1 - y;
        }
      else
        {
          float fv = (float) v;
          ls_dicom_window (&fv, 1, facts->window_center, facts->window_width, invert, &y);
        }
      codes->table[code] = y;
    }
}

/* The code (stored value − min_stored) of pixel @i: the stored bits masked,
 * and for a signed value its sign bit flipped, which adds 2^(bits − 1). */
static inline guint32
code_at (const guint8 *pixels,
         gsize i,
         int bytes,
         const StoredCodes *codes)
{
  guint32 raw = bytes == 2 ? ((const guint16 *) (gconstpointer) pixels)[i] : pixels[i];

  return ((raw >> codes->shift) & codes->mask) ^ codes->sign;
}

/* Monochrome pixels to the sink (and the values, when kept): one pass for
 * the range, one through the code → displayed table. */
static void
gray_rows (const LsDicomHeader *h,
           const guint8 *pixels,
           LsGraySink *sink,
           LsDicomFacts *facts)
{
  StoredCodes codes;
  int bytes = h->bits_allocated / 8, w = (int) h->width, ht = (int) h->height;
  gsize n = (gsize) w * ht;
  guint32 cmin = G_MAXUINT32, cmax = 0;
  g_autofree float *value_of = NULL;

  codes_init (&codes, h);
  if (bytes == 2)
    for (gsize i = 0; i < n; i++)
      {
        guint32 c = code_at (pixels, i, 2, &codes);

        cmin = MIN (cmin, c);
        cmax = MAX (cmax, c);
      }
  else
    for (gsize i = 0; i < n; i++)
      {
        guint32 c = code_at (pixels, i, 1, &codes);

        cmin = MIN (cmin, c);
        cmax = MAX (cmax, c);
      }
  make_display_table (&codes, h, (int) cmin + codes.min_stored, (int) cmax + codes.min_stored, facts);
  if (facts->values != NULL)
    {
      value_of = g_new (float, codes.n_codes);
      for (int c = 0; c < codes.n_codes; c++)
        value_of[c] = (float) ((c + codes.min_stored) * h->slope + h->intercept);
    }
  for (int y = 0; y < ht; y++)
    {
      float *row = ls_gray_sink_row (sink);
      gsize base = (gsize) y * w;

      if (bytes == 2)
        for (int x = 0; x < w; x++)
          row[x] = codes.table[code_at (pixels, base + x, 2, &codes)];
      else
        for (int x = 0; x < w; x++)
          row[x] = codes.table[code_at (pixels, base + x, 1, &codes)];
      if (value_of != NULL)
        for (int x = 0; x < w; x++)
          facts->values[base + x] = value_of[code_at (pixels, base + x, bytes, &codes)];
      ls_gray_sink_commit (sink);
    }
  g_free (codes.table);
}

/* RGB or YBR pixels to the sink, as PNG's colour is made gray. */
static void
colour_rows (const LsDicomHeader *h,
             const guint8 *pixels,
             LsDicomPhotometric photometric,
             LsGraySink *sink)
{
  int bytes = h->bits_allocated / 8, w = (int) h->width, ht = (int) h->height;
  gsize plane = (gsize) w * ht;
  guint32 mask = (1u << h->bits_stored) - 1;
  int shift = h->high_bit + 1 - h->bits_stored;
  double scale = 1.0 / mask;

  for (int y = 0; y < ht; y++)
    {
      float *row = ls_gray_sink_row (sink);

      for (int x = 0; x < w; x++)
        {
          gsize i = (gsize) y * w + x;
          double c[3];

          for (int k = 0; k < 3; k++)
            {
              gsize at = h->planar == 1 ? k * plane + i : 3 * i + k;
              c[k] = ((raw_at (pixels, at, bytes) >> shift) & mask) * scale;
            }
          row[x] = photometric == LS_DICOM_PHOTOMETRIC_YBR
                       ? (float) c[0]
                       : (float) (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
        }
      ls_gray_sink_commit (sink);
    }
}

static LsDicomFacts *
facts_new (const LsDicomHeader *h)
{
  LsDicomFacts *facts = g_new0 (LsDicomFacts, 1);

  facts->modality = clean_text (h->modality);
  facts->view_position = clean_text (h->view_position);
  facts->patient_id = clean_text (h->patient_id);
  facts->transfer_syntax = clean_text (h->transfer_syntax);
  facts->pixel_spacing[0] = h->spacing[0];
  facts->pixel_spacing[1] = h->spacing[1];
  facts->bits_stored = h->bits_stored;
  facts->is_signed = h->is_signed;
  facts->monochrome1 = h->photometric == LS_DICOM_PHOTOMETRIC_MONOCHROME1;
  facts->rescale_slope = h->slope;
  facts->rescale_intercept = h->intercept;
  facts->window_source = LS_WINDOW_SOURCE_NONE;
  return facts;
}

LsImage *
ls_decode_dicom (const guint8 *data,
                 gsize size,
                 const char *name,
                 const LsDecodeLimits *limits,
                 GError **error)
{
  LsDicomDecoded d = { 0 };
  const LsDicomHeader *h = &d.wire.header;
  LsDicomFacts *facts = NULL;
  LsDicomSpan native = { 0, 0 };
  LsGraySink sink;
  LsImage *image = NULL;
  g_autofree guint8 *aligned = NULL;
  const guint8 *pixels;
  gsize image_bytes = 0;
  gboolean gray;

  /* Our checks first: better messages, and no process for a broken file. */
  if (!ls_dicom_check_structure (data, size, name, limits, &image_bytes, &native, error))
    return NULL;
  /* Native pixel data is read here, where the file already is: GDCM (in
   * the decoder) reads the header and checks the file, and its pixel data
   * must be the bytes our walk found, or the decoder decodes them after
   * all. */
  if (native.length > 0)
    {
      if (!ls_dicom_run_decoder (data, size, name, limits, LS_DICOM_MODE_HEADER, &native, image_bytes, &d, error))
        return NULL;
      if (h->encapsulated || h->native_length != native.length)
        {
          ls_dicom_decoded_clear (&d);
          native.length = 0;
        }
    }
  if (native.length == 0 &&
      !ls_dicom_run_decoder (data, size, name, limits, LS_DICOM_MODE_DECODE, NULL, image_bytes, &d, error))
    return NULL;
  pixels = native.length > 0 ? data + native.offset : d.pixels;
  /* 16-bit samples are read as such: from an even address. */
  if (((guintptr) pixels & 1) != 0)
    pixels = aligned = g_memdup2 (pixels, native.length);
  if (!ls_gray_sink_init (&sink, (int) h->width, (int) h->height,
                          ls_decode_box_factor ((int) h->width, (int) h->height, limits->target_size),
                          name, error))
    goto out;

  facts = facts_new (h);
  gray = h->samples == 1;
  if (gray && limits->keep_values)
    facts->values = g_aligned_alloc ((gsize) h->width * h->height, sizeof (float), 64);
  if (gray)
    gray_rows (h, pixels, &sink, facts);
  else
    colour_rows (h, pixels, d.wire.photometric, &sink);

  image = ls_gray_sink_steal (&sink);
  ls_gray_sink_clear (&sink);
  image->orig_width = (int) h->width;
  image->orig_height = (int) h->height;
  image->bit_depth = h->bits_stored;
  image->color_type = color_type_of (h);
  image->format = LS_IMAGE_FORMAT_DICOM;
  image->dicom = g_steal_pointer (&facts);

out:
  ls_dicom_facts_free (facts);
  ls_dicom_decoded_clear (&d);
  return image;
}

gboolean
ls_probe_dicom (const guint8 *data,
                gsize size,
                const char *name,
                LsImageInfo *info,
                GError **error)
{
  LsDicomDecoded d = { 0 };
  const LsDicomHeader *h = &d.wire.header;
  LsDicomSpan native = { 0, 0 };
  LsDecodeLimits limits;
  gsize image_bytes = 0;

  ls_decode_limits_init (&limits, NULL);
  if (!ls_dicom_check_structure (data, size, name, &limits, &image_bytes, &native, error) ||
      !ls_dicom_run_decoder (data, size, name, &limits, LS_DICOM_MODE_PROBE, &native, image_bytes, &d, error))
    return FALSE;
  info->format = LS_IMAGE_FORMAT_DICOM;
  info->width = (int) h->width;
  info->height = (int) h->height;
  info->bit_depth = h->bits_stored;
  info->color_type = color_type_of (h);
  info->interlaced = FALSE;
  info->has_alpha = FALSE;
  info->orientation = 1;
  ls_dicom_decoded_clear (&d);
  return TRUE;
}

#endif
