/* png-fast.h — the fast lane of PNG decoding (private to the decoders)
 *
 * Valid, non-interlaced PNG files of 8-bit gray, gray + alpha, RGB, RGBA and
 * palette, and 16-bit gray, gray + alpha, RGB and RGBA, are decoded here
 * without libpng: the chunks are walked and CRC-checked by hand, the
 * concatenated IDAT stream is inflated in one call by libdeflate, and the
 * rows are unfiltered with SSE2 code and turned to gray straight into the
 * decoders' LsGraySink, with the same arithmetic as the libpng path (the
 * output is the same, bit for bit).
 *
 * The fast lane is strict and declines (returns NULL, allocates nothing that
 * outlives the call) on anything it does not take for certain: interlacing,
 * bit depths below 8, tRNS or eXIf chunks, any CRC mismatch, a chunk out of
 * place, a chunk libpng would refuse as too large, an unknown critical chunk,
 * a zlib stream that does not yield exactly height × (1 + row bytes) bytes
 * or does not end exactly at the end of the IDAT data, a bad filter type, a
 * palette index past the palette, a missing or malformed IEND, and images
 * whose filtered data is over LS_PNG_FAST_MAX_INFLATED (those stream through
 * libpng row by row instead of taking that much memory at once). The caller
 * then decodes the file with libpng, so every broken file gets exactly the
 * error or warning it got before.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/decode-private.h"

G_BEGIN_DECLS

/* Largest ancillary chunk libpng may allocate (png_set_chunk_malloc_max);
 * libpng refuses any other chunk longer than this, so the fast lane
 * declines them too. */
#define LS_PNG_CHUNK_MALLOC_MAX (8 * 1024 * 1024)

/* Largest filtered image (height × (1 + row bytes)) inflated in one buffer:
 * 64 MiB holds an 8-bit RGBA image of 16 M pixels or a 16-bit RGBA one of
 * 8 M pixels; larger images go through libpng, which needs one row. */
#define LS_PNG_FAST_MAX_INFLATED ((gsize) 64 * 1024 * 1024)

/* The image, or NULL when the fast lane declines (never with an error: the
 * caller then runs libpng, which reports what is wrong). Images over
 * @limits are declined before anything is allocated. */
LsImage *ls_png_fast_decode (const guint8 *data,
                             gsize size,
                             const char *name,
                             const LsDecodeLimits *limits);

/* The libpng path alone (what ls_decode_png() falls back to). */
LsImage *ls_decode_png_libpng (const guint8 *data,
                               gsize size,
                               const char *name,
                               const LsDecodeLimits *limits,
                               GError **error);

/* Undoes PNG filter @filter (0–4) on @row of @rowbytes bytes, in place,
 * given the unfiltered previous row @prev (all zeros for the first row) and
 * @bpp bytes per complete pixel (1–8). Both rows must be readable and @row
 * writable for 16 bytes past @rowbytes (the bytes there are left as they
 * are). Returns FALSE for a filter type over 4. _ref is the plain scalar
 * code of the PNG specification, kept for the tests. */
gboolean ls_png_unfilter_row (int filter,
                              int bpp,
                              guint8 *row,
                              const guint8 *prev,
                              gsize rowbytes);
gboolean ls_png_unfilter_row_ref (int filter,
                                  int bpp,
                                  guint8 *row,
                                  const guint8 *prev,
                                  gsize rowbytes);

/* Undoes the filters of @n_rows consecutive rows, each a filter byte then
 * @rowbytes bytes, @stride (> @rowbytes) bytes apart from @rows on; @prev as
 * above, for the first row. Bands of 16 / bpp rows of 1-, 2- or 4-byte
 * pixels with Average or Paeth rows among them are done as SIMD wavefronts
 * (row k one pixel behind row k − 1), other runs of four 1-byte Paeth rows
 * side by side, the rest row by row. The same padding rule holds for the
 * last row. Returns FALSE at the first filter type over 4 (rows before it
 * are done). */
gboolean ls_png_unfilter_rows (guint8 *rows,
                               gsize stride,
                               gsize rowbytes,
                               int bpp,
                               guint n_rows,
                               const guint8 *prev);

G_END_DECLS
