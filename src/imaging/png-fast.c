/* png-fast.c — PNG without libpng for the common, valid files (see png-fast.h)
 *
 * Chunk walk: the signature was sniffed by the caller; IHDR must come first
 * (13 bytes); then any ancillary chunks libpng skips unread or does not know,
 * at most one PLTE (before the image data, not in gray files), the IDAT
 * chunks one after another, ancillary chunks again, and IEND (empty). Every
 * chunk's length is checked against what is left of the file before it is
 * read, its type must be four letters, and its CRC is checked
 * (libdeflate_crc32, a few µs per file): a mismatch anywhere means libpng
 * decides what to do (an error in a critical chunk, a warning in an
 * ancillary one). Chunks libpng would refuse as too large
 * (LS_PNG_CHUNK_MALLOC_MAX; IDAT longer than both that and the whole
 * filtered image) make the lane decline as well.
 *
 * Memory: the compressed stream is used in place when it is one IDAT chunk
 * and otherwise copied once (at most the file's size); the filtered image is
 * inflated whole, height × (1 + row bytes) ≤ LS_PNG_FAST_MAX_INFLATED, plus
 * one zero row and the wavefront's skewed band (16 rows at most); all of it
 * after the pixel limits are checked.
 *
 * Inflate: libdeflate_zlib_decompress_ex() must fill exactly the expected
 * size and consume exactly the IDAT bytes (zlib header, Adler-32 checked).
 * zlib (through libpng) honours the window size in the zlib header, which
 * libdeflate ignores, so a header declaring less than 32 KiB is taken only
 * when the whole output fits in that window (then every valid distance is
 * valid for both). One known difference remains on crafted streams:
 * libdeflate accepts a few code-length headers zlib refuses (more than 286
 * literal/length or 30 distance codes declared but unused); such files
 * decode here where libpng reported corrupt data.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "imaging/png-fast.h"

/* Readable and writable slack after every row buffer (see
 * ls_png_unfilter_row). */
#define ROW_PAD 16
/* Rows unfiltered before they are turned to gray. */
#define BAND_ROWS 16

enum
{
  PNG_GRAY = 0,
  PNG_RGB = 2,
  PNG_PALETTE = 3,
  PNG_GRAY_ALPHA = 4,
  PNG_RGBA = 6,
};

typedef enum
{
  EMIT_GRAY8,   /* 8-bit gray: the sink's integer lane */
  EMIT_U8,      /* 8-bit, 2–4 channels */
  EMIT_U16,     /* 16-bit, 1–4 channels (big-endian in the file) */
  EMIT_PALETTE, /* 8-bit palette indexes */
} Emit;

typedef struct
{
  guint32 width;
  guint32 height;
  int bit_depth;
  int color_type;
  int channels;
  int bpp; /* bytes per complete pixel */
  gsize rowbytes;
  Emit emit;
  const guint8 *plte; /* PLTE body, or NULL */
  guint32 plte_length;
  gsize first_idat; /* offset of the first IDAT chunk */
  guint n_idat;
  gsize idat_total; /* compressed bytes */
} Layout;

static inline guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline gboolean
is_letter (guint8 c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ---- Unfiltering -------------------------------------------------------- */

static inline int
paeth_ref (int a,
           int b,
           int c)
{
  int p = a + b - c;
  int pa = abs (p - a), pb = abs (p - b), pc = abs (p - c);

  if (pa <= pb && pa <= pc)
    return a;
  if (pb <= pc)
    return b;
  return c;
}

gboolean
ls_png_unfilter_row_ref (int filter,
                         int bpp,
                         guint8 *row,
                         const guint8 *prev,
                         gsize rowbytes)
{
  switch (filter)
    {
    case 0:
      return TRUE;
    case 1:
      for (gsize i = bpp; i < rowbytes; i++)
        row[i] = (guint8) (row[i] + row[i - bpp]);
      return TRUE;
    case 2:
      for (gsize i = 0; i < rowbytes; i++)
        row[i] = (guint8) (row[i] + prev[i]);
      return TRUE;
    case 3:
      for (gsize i = 0; i < rowbytes; i++)
        {
          int a = i >= (gsize) bpp ? row[i - bpp] : 0;

          row[i] = (guint8) (row[i] + ((a + prev[i]) >> 1));
        }
      return TRUE;
    case 4:
      for (gsize i = 0; i < rowbytes; i++)
        {
          int a = i >= (gsize) bpp ? row[i - bpp] : 0;
          int c = i >= (gsize) bpp ? prev[i - bpp] : 0;

          row[i] = (guint8) (row[i] + paeth_ref (a, prev[i], c));
        }
      return TRUE;
    default:
      return FALSE;
    }
}

static void
unfilter_up (guint8 *row,
             const guint8 *prev,
             gsize n)
{
  gsize i = 0;

#ifdef __SSE2__
  for (; i + 16 <= n; i += 16)
    {
      __m128i x = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (row + i));
      __m128i b = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (prev + i));

      _mm_storeu_si128 ((__m128i *) (gpointer) (row + i), _mm_add_epi8 (x, b));
    }
#endif
  for (; i < n; i++)
    row[i] = (guint8) (row[i] + prev[i]);
}

/* Sub with 1 byte per pixel: a running sum, 16 bytes at a time as a
 * log-step prefix sum. */
static void
unfilter_sub1 (guint8 *row,
               gsize n)
{
  gsize i = 0;
  guint8 a = 0;

#ifdef __SSE2__
  __m128i carry = _mm_setzero_si128 ();

  for (; i + 16 <= n; i += 16)
    {
      __m128i x = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (row + i));

      x = _mm_add_epi8 (x, _mm_slli_si128 (x, 1));
      x = _mm_add_epi8 (x, _mm_slli_si128 (x, 2));
      x = _mm_add_epi8 (x, _mm_slli_si128 (x, 4));
      x = _mm_add_epi8 (x, _mm_slli_si128 (x, 8));
      x = _mm_add_epi8 (x, carry);
      _mm_storeu_si128 ((__m128i *) (gpointer) (row + i), x);
      carry = _mm_unpackhi_epi8 (x, x);
      carry = _mm_shufflehi_epi16 (carry, 0xff);
      carry = _mm_shuffle_epi32 (carry, 0xff);
    }
  if (i > 0)
    a = row[i - 1];
#endif
  for (; i < n; i++)
    a = row[i] = (guint8) (row[i] + a);
}

static void
unfilter_avg1 (guint8 *row,
               const guint8 *prev,
               gsize n)
{
  guint a = 0;

  for (gsize i = 0; i < n; i++)
    a = row[i] = (guint8) (row[i] + ((a + prev[i]) >> 1));
}

static inline guint8
paeth_byte (int raw,
            int a,
            int b,
            int c)
{
  int db = b - c; /* p − a */
  int da = a - c; /* p − b */
  int pa = abs (db), pb = abs (da), pc = abs (da + db);
  int pred = pb <= pc ? b : c;

  pred = (pa <= pb && pa <= pc) ? a : pred;
  return (guint8) (raw + pred);
}

/* Paeth with 1 byte per pixel: each byte needs the one before, so this is
 * a dependency chain; written without branches (the choice is close to
 * random on radiographs) and with |b − c| off the chain. */
static void
unfilter_paeth1 (guint8 *row,
                 const guint8 *prev,
                 gsize n)
{
  int a = 0, c = 0;

  for (gsize i = 0; i < n; i++)
    {
      int b = prev[i];

      a = row[i] = paeth_byte (row[i], a, b, c);
      c = b;
    }
}

/* Byte x − k of row k of a PAETH_ROWS group, from memory (the group's ends). */
static void
paeth1_group_step (guint8 *const *rows,
                   const guint8 *prev,
                   int k,
                   gssize x,
                   gsize n)
{
  const guint8 *up = k == 0 ? prev : rows[k - 1];
  gssize pos = x - k;

  if (pos < 0 || pos >= (gssize) n)
    return;
  rows[k][pos] = paeth_byte (rows[k][pos], pos > 0 ? rows[k][pos - 1] : 0, up[pos],
                             pos > 0 ? up[pos - 1] : 0);
}

#define PAETH_ROWS 4

/* Paeth with 1 byte per pixel on PAETH_ROWS consecutive rows at once, each
 * row one byte behind the row above it: row k at byte x − k needs row k − 1
 * at bytes x − k and x − k − 1, done in earlier steps, so the four
 * dependency chains are independent and run side by side (the chain is
 * what limits the one-row loop). */
static void
unfilter_paeth1_rows (guint8 *row,
                      gsize stride,
                      const guint8 *prev,
                      gsize n)
{
  guint8 *r[PAETH_ROWS] = { row, row + stride, row + 2 * stride, row + 3 * stride };
  gssize x = 0, end = (gssize) n + PAETH_ROWS - 1;
  int a0, a1, a2, a3, c0, c1, c2, c3;

  /* Start: until the last row has its first byte. */
  for (; x < PAETH_ROWS - 1 && x < end; x++)
    for (int k = PAETH_ROWS - 1; k >= 0; k--)
      paeth1_group_step (r, prev, k, x, n);
  if (x < (gssize) n)
    {
      /* Row k's left (a) and upper-left (c) neighbours of byte x − k. */
      a0 = r[0][x - 1], c0 = prev[x - 1];
      a1 = r[1][x - 2], c1 = r[0][x - 2];
      a2 = r[2][x - 3], c2 = r[1][x - 3];
      a3 = 0, c3 = 0;
      /* Rows bottom to top, so each reads the row above's byte from the
       * step before (its a, not yet overwritten). */
      for (; x < (gssize) n; x++)
        {
          int b;

          b = a2;
          a3 = r[3][x - 3] = paeth_byte (r[3][x - 3], a3, b, c3);
          c3 = b;
          b = a1;
          a2 = r[2][x - 2] = paeth_byte (r[2][x - 2], a2, b, c2);
          c2 = b;
          b = a0;
          a1 = r[1][x - 1] = paeth_byte (r[1][x - 1], a1, b, c1);
          c1 = b;
          b = prev[x];
          a0 = r[0][x] = paeth_byte (r[0][x], a0, b, c0);
          c0 = b;
        }
    }
  /* End: the lower rows' last bytes. */
  for (; x < end; x++)
    for (int k = PAETH_ROWS - 1; k >= 0; k--)
      paeth1_group_step (r, prev, k, x, n);
}

#ifdef __SSE2__
/* The first @bpp bytes of 8 set. */
static inline __m128i
pixel_mask (int bpp)
{
  static const guint8 ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

  return _mm_loadl_epi64 ((const __m128i *) (gconstpointer) (ones + 8 - bpp));
}

static inline __m128i
load8 (const guint8 *p)
{
  return _mm_loadl_epi64 ((const __m128i *) (gconstpointer) p);
}

/* Stores the pixel's @bpp bytes only: a wider store would make the next
 * pixel's load overlap it, and a load that overlaps a pending store only
 * in part waits for the store to finish (no store forwarding). */
static inline void
store_pixel (guint8 *p,
             __m128i v,
             int bpp)
{
  guint64 bits = (guint64) _mm_cvtsi128_si64 (v);

  memcpy (p, &bits, bpp);
}

/* Pixel-at-a-time filters for 2–8 bytes per pixel, on the low 8 bytes of
 * SSE2 registers, each made for a constant @bpp by unfilter_n(). Each step
 * loads 8 bytes, which is why rows carry ROW_PAD bytes of slack, and stores
 * the pixel's bytes. */
static inline __attribute__ ((always_inline)) void
unfilter_sub_n (guint8 *row,
                gsize n,
                int bpp)
{
  const __m128i mask = pixel_mask (bpp);
  __m128i a = _mm_and_si128 (load8 (row), mask);

  for (gsize i = bpp; i < n; i += bpp)
    {
      __m128i x = _mm_add_epi8 (load8 (row + i), a);

      store_pixel (row + i, x, bpp);
      a = _mm_and_si128 (x, mask);
    }
}

static inline __attribute__ ((always_inline)) void
unfilter_avg_n (guint8 *row,
                const guint8 *prev,
                gsize n,
                int bpp)
{
  const __m128i mask = pixel_mask (bpp), one = _mm_set1_epi8 (1);
  __m128i a = _mm_setzero_si128 ();

  for (gsize i = 0; i < n; i += bpp)
    {
      __m128i b = load8 (prev + i);
      /* ⌊(a + b) / 2⌋ = pavgb's ⌈(a + b) / 2⌉ minus the odd bit */
      __m128i avg = _mm_sub_epi8 (_mm_avg_epu8 (a, b), _mm_and_si128 (_mm_xor_si128 (a, b), one));
      __m128i x = _mm_add_epi8 (load8 (row + i), _mm_and_si128 (avg, mask));

      store_pixel (row + i, x, bpp);
      a = _mm_and_si128 (x, mask);
    }
}

static inline __m128i
abs16 (__m128i v)
{
  return _mm_max_epi16 (v, _mm_sub_epi16 (_mm_setzero_si128 (), v));
}

static inline __attribute__ ((always_inline)) void
unfilter_paeth_n (guint8 *row,
                  const guint8 *prev,
                  gsize n,
                  int bpp)
{
  const __m128i mask = pixel_mask (bpp), zero = _mm_setzero_si128 ();
  __m128i a = zero, c = zero; /* 16-bit lanes */

  for (gsize i = 0; i < n; i += bpp)
    {
      __m128i b = _mm_unpacklo_epi8 (load8 (prev + i), zero);
      __m128i db = _mm_sub_epi16 (b, c), da = _mm_sub_epi16 (a, c);
      __m128i pa = abs16 (db), pb = abs16 (da), pc = abs16 (_mm_add_epi16 (da, db));
      /* not a: pa > pb or pa > pc; then c when pb > pc, else b */
      __m128i not_a = _mm_or_si128 (_mm_cmpgt_epi16 (pa, pb), _mm_cmpgt_epi16 (pa, pc));
      __m128i is_c = _mm_cmpgt_epi16 (pb, pc);
      __m128i bc = _mm_or_si128 (_mm_and_si128 (is_c, c), _mm_andnot_si128 (is_c, b));
      __m128i pred = _mm_or_si128 (_mm_and_si128 (not_a, bc), _mm_andnot_si128 (not_a, a));
      __m128i x = _mm_add_epi8 (load8 (row + i), _mm_and_si128 (_mm_packus_epi16 (pred, zero), mask));

      store_pixel (row + i, x, bpp);
      a = _mm_unpacklo_epi8 (_mm_and_si128 (x, mask), zero);
      c = b;
    }
}

/* Sub, Average or Paeth for a constant @bpp (inlined per value). */
static inline __attribute__ ((always_inline)) void
unfilter_n (int filter,
            int bpp,
            guint8 *row,
            const guint8 *prev,
            gsize n)
{
  if (filter == 1)
    unfilter_sub_n (row, n, bpp);
  else if (filter == 3)
    unfilter_avg_n (row, prev, n, bpp);
  else
    unfilter_paeth_n (row, prev, n, bpp);
}
#endif

gboolean
ls_png_unfilter_row (int filter,
                     int bpp,
                     guint8 *row,
                     const guint8 *prev,
                     gsize rowbytes)
{
  g_return_val_if_fail (bpp >= 1 && bpp <= 8, FALSE);

  if (filter == 2)
    {
      unfilter_up (row, prev, rowbytes);
      return TRUE;
    }
  if (bpp == 1)
    {
      switch (filter)
        {
        case 0:
          return TRUE;
        case 1:
          unfilter_sub1 (row, rowbytes);
          return TRUE;
        case 3:
          unfilter_avg1 (row, prev, rowbytes);
          return TRUE;
        case 4:
          unfilter_paeth1 (row, prev, rowbytes);
          return TRUE;
        default:
          return FALSE;
        }
    }
#ifdef __SSE2__
  if (rowbytes % bpp == 0 && filter >= 1 && filter <= 4)
    switch (bpp)
      {
      case 2:
        unfilter_n (filter, 2, row, prev, rowbytes);
        return TRUE;
      case 3:
        unfilter_n (filter, 3, row, prev, rowbytes);
        return TRUE;
      case 4:
        unfilter_n (filter, 4, row, prev, rowbytes);
        return TRUE;
      case 6:
        unfilter_n (filter, 6, row, prev, rowbytes);
        return TRUE;
      case 8:
        unfilter_n (filter, 8, row, prev, rowbytes);
        return TRUE;
      default:
        break;
      }
#endif
  return ls_png_unfilter_row_ref (filter, bpp, row, prev, rowbytes);
}

#ifdef __SSE2__
/* The 16 / L vectors of v, seen as a square of L-byte elements (L = 1, 2
 * or 4: the pixel sizes done as wavefronts), transposed
 * in place: log2(16 / L) rounds of interleaving vectors i and i + R / 2
 * (each rotates the (vector, element) index by one bit). */
static inline __attribute__ ((always_inline)) void
transpose_lanes (__m128i *v,
                 int lane)
{
  const int rows = 16 / lane;

  for (int r = rows; r > 1; r /= 2)
    {
      __m128i t[16];

      for (int i = 0; i < rows / 2; i++)
        switch (lane)
          {
          case 1:
            t[2 * i] = _mm_unpacklo_epi8 (v[i], v[i + rows / 2]);
            t[2 * i + 1] = _mm_unpackhi_epi8 (v[i], v[i + rows / 2]);
            break;
          case 2:
            t[2 * i] = _mm_unpacklo_epi16 (v[i], v[i + rows / 2]);
            t[2 * i + 1] = _mm_unpackhi_epi16 (v[i], v[i + rows / 2]);
            break;
          default:
            t[2 * i] = _mm_unpacklo_epi32 (v[i], v[i + rows / 2]);
            t[2 * i + 1] = _mm_unpackhi_epi32 (v[i], v[i + rows / 2]);
            break;
          }
      for (int i = 0; i < rows; i++)
        v[i] = t[i];
    }
}

/* x ≤ y per unsigned byte */
static inline __m128i
le_epu8 (__m128i x,
         __m128i y)
{
  return _mm_cmpeq_epi8 (_mm_min_epu8 (x, y), x);
}

static inline __m128i
absdiff_epu8 (__m128i x,
              __m128i y)
{
  return _mm_or_si128 (_mm_subs_epu8 (x, y), _mm_subs_epu8 (y, x));
}

static inline __m128i
blend (__m128i mask,
       __m128i if_true,
       __m128i if_false)
{
  return _mm_or_si128 (_mm_and_si128 (mask, if_true), _mm_andnot_si128 (mask, if_false));
}

/* The lanes shifted up by one (lane k gets lane k − 1), lane 0 = @first. */
static inline __attribute__ ((always_inline)) __m128i
shift_in (__m128i v,
          __m128i first,
          int lane)
{
  switch (lane)
    {
    case 1:
      return _mm_or_si128 (_mm_slli_si128 (v, 1), first);
    case 2:
      return _mm_or_si128 (_mm_slli_si128 (v, 2), first);
    default:
      return _mm_or_si128 (_mm_slli_si128 (v, 4), first);
    }
}

/* One band of 16 / L rows of L-byte pixels (L = 1, 2 or 4) with any
 * filters, as a wavefront: lane k works on row k, one pixel behind lane
 * k − 1, so in step s lane k does pixel s − k, whose up and upper-left
 * neighbours lane k − 1 made in the two steps before. This takes the
 * dependency chain of Average and Paeth (each pixel needs the one on its
 * left) off the critical path. The rows are copied skewed (row k shifted
 * right by k pixels, zeros around) into @skew, rows of @width bytes,
 * so that transposes give each step's 16 bytes; the zeros make the left edge
 * right (a = c = 0) without a test. Paeth is done on bytes: pc =
 * |(a − c) + (b − c)| is pa + pb (saturated: only its order against pa and
 * pb matters) when a − c and b − c have the same sign, else |pa − pb|. */
static inline __attribute__ ((always_inline)) void
unfilter_wave (guint8 *rows,
               gsize stride,
               gsize n,
               const guint8 *prev,
               guint8 *skew,
               gsize width,
               int lane)
{
  const int band = 16 / lane;
  const __m128i zero = _mm_setzero_si128 (), one = _mm_set1_epi8 (1);
  guint8 filters[16];
  __m128i f, is_sub, is_up, is_avg, is_paeth, a = zero, b_prev = zero;
  gsize n_pixels = n / lane, n_steps = n_pixels + band - 1;

  for (int k = 0; k < band; k++)
    {
      guint8 *s = skew + k * width;
      const guint8 *src = rows + k * stride + 1;

      memset (filters + k * lane, rows[k * stride], lane);
      memset (s, 0, k * lane);
      memcpy (s + k * lane, src, n);
      memset (s + k * lane + n, 0, width - k * lane - n);
    }
  f = _mm_loadu_si128 ((const __m128i *) (gconstpointer) filters);
  is_sub = _mm_cmpeq_epi8 (f, one);
  is_up = _mm_cmpeq_epi8 (f, _mm_set1_epi8 (2));
  is_avg = _mm_cmpeq_epi8 (f, _mm_set1_epi8 (3));
  is_paeth = _mm_cmpeq_epi8 (f, _mm_set1_epi8 (4));

  for (gsize j = 0; j < n_steps; j += band)
    {
      __m128i v[16];

      for (int k = 0; k < band; k++)
        v[k] = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (skew + k * width + j * lane));
      transpose_lanes (v, lane);
      for (int t = 0; t < band; t++)
        {
          gsize s = j + t;
          guint32 up = 0;
          __m128i b, c, avg, pa, pb, same, pc, take_a, paeth, pred;

          if (s < n_pixels)
            memcpy (&up, prev + s * lane, lane);
          b = shift_in (a, _mm_cvtsi32_si128 ((int) up), lane);
          c = b_prev;
          avg = _mm_sub_epi8 (_mm_avg_epu8 (a, b), _mm_and_si128 (_mm_xor_si128 (a, b), one));
          pa = absdiff_epu8 (b, c);
          pb = absdiff_epu8 (a, c);
          same = _mm_cmpeq_epi8 (le_epu8 (c, a), le_epu8 (c, b));
          pc = blend (same, _mm_adds_epu8 (pa, pb), absdiff_epu8 (pa, pb));
          take_a = _mm_and_si128 (le_epu8 (pa, pb), le_epu8 (pa, pc));
          paeth = blend (take_a, a, blend (le_epu8 (pb, pc), b, c));
          pred = _mm_or_si128 (_mm_or_si128 (_mm_and_si128 (is_sub, a), _mm_and_si128 (is_up, b)),
                               _mm_or_si128 (_mm_and_si128 (is_avg, avg), _mm_and_si128 (is_paeth, paeth)));
          a = _mm_add_epi8 (v[t], pred);
          v[t] = a;
          b_prev = b;
        }
      transpose_lanes (v, lane);
      for (int k = 0; k < band; k++)
        _mm_storeu_si128 ((__m128i *) (gpointer) (skew + k * width + j * lane), v[k]);
    }

  for (int k = 0; k < band; k++)
    memcpy (rows + k * stride + 1, skew + k * width + k * lane, n);
}

/* unfilter_wave() made for each pixel size it takes. */
static void
unfilter_band (guint8 *rows,
               gsize stride,
               gsize n,
               const guint8 *prev,
               guint8 *skew,
               gsize width,
               int bpp)
{
  switch (bpp)
    {
    case 1:
      unfilter_wave (rows, stride, n, prev, skew, width, 1);
      break;
    case 2:
      unfilter_wave (rows, stride, n, prev, skew, width, 2);
      break;
    default:
      unfilter_wave (rows, stride, n, prev, skew, width, 4);
      break;
    }
}
#endif

gboolean
ls_png_unfilter_rows (guint8 *rows,
                      gsize stride,
                      gsize rowbytes,
                      int bpp,
                      guint n_rows,
                      const guint8 *prev)
{
  g_autofree guint8 *skew = NULL;
  gsize skew_width = 0;
  guint y = 0;

  g_return_val_if_fail (stride > rowbytes, FALSE);

  while (y < n_rows)
    {
      guint8 *row = rows + (gsize) y * stride + 1;

#ifdef __SSE2__
      /* 3-, 6- and 8-byte pixels stay with unfilter_n(): a wavefront of
       * them measured no faster (padding, or two rows a band). */
      int band = bpp == 1 || bpp == 2 || bpp == 4 ? 16 / bpp : 0;

      if (band > 0 && rowbytes % bpp == 0 && y + band <= n_rows)
        {
          int slow = 0; /* rows whose filter is a chain along the row */

          for (int k = 0; k < band; k++)
            {
              guint8 filter = rows[(gsize) (y + k) * stride];

              if (filter > 4)
                {
                  slow = 0; /* the rows one by one, to the bad one */
                  break;
                }
              slow += filter >= 3;
            }
          if (slow >= MAX (1, band / 8))
            {
              if (skew == NULL)
                {
                  /* whole loads of 16 bytes at every step of @band pixels */
                  gsize steps = (rowbytes / bpp + band - 1 + band - 1) / band * band;

                  skew_width = steps * bpp;
                  skew = g_malloc ((gsize) band * skew_width);
                }
              unfilter_band (row - 1, stride, rowbytes, prev, skew, skew_width, bpp);
              prev = row + (band - 1) * stride;
              y += band;
              continue;
            }
        }
#endif
      if (bpp == 1 && y + PAETH_ROWS <= n_rows && row[-1] == 4 && row[stride - 1] == 4 &&
          row[2 * stride - 1] == 4 && row[3 * stride - 1] == 4)
        {
          unfilter_paeth1_rows (row, stride, prev, rowbytes);
          prev = row + (PAETH_ROWS - 1) * stride;
          y += PAETH_ROWS;
          continue;
        }
      if (!ls_png_unfilter_row (row[-1], bpp, row, prev, rowbytes))
        return FALSE;
      prev = row;
      y++;
    }
  return TRUE;
}

/* ---- Chunks ------------------------------------------------------------- */

static gboolean
parse_ihdr (const guint8 *data,
            gsize size,
            Layout *lay)
{
  const guint8 *h = data + 16;
  int bit_depth, color_type;

  /* signature (8), length (4), "IHDR", 13 bytes, CRC (4) */
  if (size < 8 + 12 + 13 || be32 (data + 8) != 13 || memcmp (data + 12, "IHDR", 4) != 0 ||
      libdeflate_crc32 (0, data + 12, 4 + 13) != be32 (data + 8 + 8 + 13))
    return FALSE;
  lay->width = be32 (h);
  lay->height = be32 (h + 4);
  bit_depth = h[8];
  color_type = h[9];
  /* compression 0, filter method 0, no interlacing */
  if (lay->width == 0 || lay->height == 0 || lay->width > 0x7fffffff || lay->height > 0x7fffffff ||
      h[10] != 0 || h[11] != 0 || h[12] != 0)
    return FALSE;
  switch (color_type)
    {
    case PNG_GRAY:
      lay->channels = 1;
      break;
    case PNG_GRAY_ALPHA:
      lay->channels = 2;
      break;
    case PNG_RGB:
      lay->channels = 3;
      break;
    case PNG_RGBA:
      lay->channels = 4;
      break;
    case PNG_PALETTE:
      lay->channels = 1;
      if (bit_depth != 8)
        return FALSE;
      break;
    default:
      return FALSE;
    }
  if (bit_depth != 8 && bit_depth != 16)
    return FALSE;
  lay->bit_depth = bit_depth;
  lay->color_type = color_type;
  lay->bpp = lay->channels * bit_depth / 8;
  lay->rowbytes = (gsize) lay->width * lay->bpp; /* < 2^35: no overflow in a gsize */
  if (color_type == PNG_PALETTE)
    lay->emit = EMIT_PALETTE;
  else if (bit_depth == 16)
    lay->emit = EMIT_U16;
  else
    lay->emit = lay->channels == 1 ? EMIT_GRAY8 : EMIT_U8;
  return TRUE;
}

/* Ancillary chunks libpng reads (not skipped unread, see decode-png.c): the
 * lane leaves them, and the warnings they may raise, to libpng. */
static gboolean
is_ancillary_libpng_reads (const guint8 *type)
{
  return memcmp (type, "tRNS", 4) == 0 || memcmp (type, "eXIf", 4) == 0;
}

/* Walks the chunks after IHDR; TRUE when the file has the shape the lane
 * takes (see the top of this file). */
static gboolean
walk_chunks (const guint8 *data,
             gsize size,
             gsize filtered_size,
             Layout *lay)
{
  enum
  {
    BEFORE_IDAT,
    IN_IDAT,
    AFTER_IDAT
  } state = BEFORE_IDAT;
  gsize pos = 8 + 12 + 13;

  for (;;)
    {
      const guint8 *type;
      guint32 length;

      if (size - pos < 12)
        return FALSE;
      length = be32 (data + pos);
      type = data + pos + 4;
      if (length > 0x7fffffff || length > size - pos - 12 || !is_letter (type[0]) ||
          !is_letter (type[1]) || !is_letter (type[2]) || !is_letter (type[3]) ||
          libdeflate_crc32 (0, type, (gsize) length + 4) != be32 (type + 4 + length))
        return FALSE;

      if (memcmp (type, "IDAT", 4) == 0)
        {
          if (state == AFTER_IDAT || (lay->color_type == PNG_PALETTE && lay->plte == NULL) ||
              (length > LS_PNG_CHUNK_MALLOC_MAX && length > filtered_size))
            return FALSE;
          if (state == BEFORE_IDAT)
            lay->first_idat = pos;
          state = IN_IDAT;
          lay->n_idat++;
          lay->idat_total += length;
        }
      else
        {
          if (state == IN_IDAT)
            state = AFTER_IDAT;
          if (memcmp (type, "IEND", 4) == 0)
            return state == AFTER_IDAT && length == 0;
          if (memcmp (type, "PLTE", 4) == 0)
            {
              guint32 max_entries = lay->color_type == PNG_PALETTE ? 1u << lay->bit_depth : 256;

              if (state != BEFORE_IDAT || lay->plte != NULL ||
                  (lay->channels < 3 && lay->color_type != PNG_PALETTE) ||
                  length == 0 || length % 3 != 0 || length / 3 > max_entries)
                return FALSE;
              lay->plte = type + 4;
              lay->plte_length = length;
            }
          else if (!(type[0] & 0x20) || is_ancillary_libpng_reads (type) ||
                   length > LS_PNG_CHUNK_MALLOC_MAX)
            return FALSE; /* an unknown critical chunk, or one for libpng */
        }
      pos += (gsize) length + 12;
    }
}

/* ---- Rows to gray ------------------------------------------------------- */

typedef struct
{
  const Layout *lay;
  LsGraySink sink;
  guint16 *u16;   /* one row of native 16-bit samples */
  float lut[256]; /* palette index → gray */
  guint num_palette;
} Rows;

/* The largest byte of a row. */
static guint8
row_max (const guint8 *row,
         gsize n)
{
  gsize i = 0;
  guint8 m = 0;

#ifdef __SSE2__
  __m128i v = _mm_setzero_si128 ();

  for (; i + 16 <= n; i += 16)
    v = _mm_max_epu8 (v, _mm_loadu_si128 ((const __m128i *) (gconstpointer) (row + i)));
  v = _mm_max_epu8 (v, _mm_srli_si128 (v, 8));
  v = _mm_max_epu8 (v, _mm_srli_si128 (v, 4));
  v = _mm_max_epu8 (v, _mm_srli_si128 (v, 2));
  v = _mm_max_epu8 (v, _mm_srli_si128 (v, 1));
  m = (guint8) _mm_cvtsi128_si32 (v);
#endif
  for (; i < n; i++)
    m = MAX (m, row[i]);
  return m;
}

#ifdef __SSE2__
/* (0.299 r + 0.587 g + 0.114 b) × scale for 4 pixels, in the order and
 * precision of ls_gray_from_u8/u16 (float products, summed left to right),
 * so the result is the same bit for bit. */
static inline __m128
weigh (__m128i r,
       __m128i g,
       __m128i b,
       __m128 scale)
{
  __m128 sum = _mm_add_ps (_mm_mul_ps (_mm_set1_ps (0.299f), _mm_cvtepi32_ps (r)),
                           _mm_mul_ps (_mm_set1_ps (0.587f), _mm_cvtepi32_ps (g)));

  sum = _mm_add_ps (sum, _mm_mul_ps (_mm_set1_ps (0.114f), _mm_cvtepi32_ps (b)));
  return _mm_mul_ps (sum, scale);
}
#endif

/* 8-bit RGB (3) or RGBA (4) to gray, as ls_gray_from_u8(). The source row
 * may be read up to 16 bytes past its end. */
static void
gray_from_rgb8 (const guint8 *src,
                int channels,
                int n,
                float *dst)
{
  int i = 0;

#ifdef __SSE2__
  const __m128i byte = _mm_set1_epi32 (0xff);
  const __m128 scale = _mm_set1_ps (1.0f / 255.0f);

  for (; i + 4 <= n; i += 4)
    {
      const guint8 *p = src + (gsize) i * channels;
      __m128i v = _mm_loadu_si128 ((const __m128i *) (gconstpointer) p);

      if (channels == 3)
        v = _mm_unpacklo_epi64 (_mm_unpacklo_epi32 (v, _mm_srli_si128 (v, 3)),
                                _mm_unpacklo_epi32 (_mm_srli_si128 (v, 6), _mm_srli_si128 (v, 9)));
      _mm_storeu_ps (dst + i, weigh (_mm_and_si128 (v, byte), _mm_and_si128 (_mm_srli_epi32 (v, 8), byte),
                                     _mm_and_si128 (_mm_srli_epi32 (v, 16), byte), scale));
    }
#endif
  if (i < n)
    ls_gray_from_u8 (src + (gsize) i * channels, channels, n - i, dst + i);
}

/* 16-bit big-endian samples to gray, as ls_gray_from_u16() on the swapped
 * samples; @u16 holds one row. */
static void
gray_from_be16 (const guint8 *src,
                int channels,
                int n,
                guint16 *u16,
                float *dst)
{
  int i = 0;

#ifdef __SSE2__
  if (channels == 4)
    {
      const __m128i zero = _mm_setzero_si128 ();
      const __m128 scale = _mm_set1_ps (1.0f / 65535.0f);

      for (; i + 4 <= n; i += 4)
        {
          const guint8 *p = src + (gsize) i * 8;
          __m128i v0 = _mm_loadu_si128 ((const __m128i *) (gconstpointer) p);
          __m128i v1 = _mm_loadu_si128 ((const __m128i *) (gconstpointer) (p + 16));
          __m128i lo, hi, rg, ba;

          v0 = _mm_or_si128 (_mm_slli_epi16 (v0, 8), _mm_srli_epi16 (v0, 8));
          v1 = _mm_or_si128 (_mm_slli_epi16 (v1, 8), _mm_srli_epi16 (v1, 8));
          lo = _mm_unpacklo_epi16 (v0, v1); /* R0 R2 G0 G2 B0 B2 A0 A2 */
          hi = _mm_unpackhi_epi16 (v0, v1); /* R1 R3 G1 G3 B1 B3 A1 A3 */
          rg = _mm_unpacklo_epi16 (lo, hi); /* R0 R1 R2 R3 G0 G1 G2 G3 */
          ba = _mm_unpackhi_epi16 (lo, hi); /* B0 B1 B2 B3 A0 A1 A2 A3 */
          _mm_storeu_ps (dst + i, weigh (_mm_unpacklo_epi16 (rg, zero), _mm_unpackhi_epi16 (rg, zero),
                                         _mm_unpacklo_epi16 (ba, zero), scale));
        }
    }
#endif
  for (gsize k = 0; k < (gsize) (n - i) * channels; k++)
    {
      const guint8 *p = src + ((gsize) i * channels + k) * 2;

      u16[k] = (guint16) (p[0] << 8 | p[1]);
    }
  if (i < n)
    ls_gray_from_u16 (u16, channels, n - i, dst + i);
}

/* One unfiltered row into the sink; FALSE on a palette index past the
 * palette (libpng's business: it warns). */
static gboolean
emit_row (Rows *r,
          const guint8 *row)
{
  const Layout *lay = r->lay;
  int n = (int) lay->width;
  float *dst;

  switch (lay->emit)
    {
    case EMIT_GRAY8:
      ls_gray_sink_push_gray8 (&r->sink, row);
      return TRUE;
    case EMIT_U8:
      if (lay->channels >= 3)
        gray_from_rgb8 (row, lay->channels, n, ls_gray_sink_row (&r->sink));
      else
        ls_gray_from_u8 (row, lay->channels, n, ls_gray_sink_row (&r->sink));
      break;
    case EMIT_U16:
      gray_from_be16 (row, lay->channels, n, r->u16, ls_gray_sink_row (&r->sink));
      break;
    case EMIT_PALETTE:
      if (row_max (row, n) >= r->num_palette)
        return FALSE;
      dst = ls_gray_sink_row (&r->sink);
      for (int i = 0; i < n; i++)
        dst[i] = r->lut[row[i]];
      break;
    default:
      g_assert_not_reached ();
    }
  ls_gray_sink_commit (&r->sink);
  return TRUE;
}

static LsColorType
color_type_of (int png_color_type)
{
  switch (png_color_type)
    {
    case PNG_GRAY:
      return LS_COLOR_TYPE_GRAY;
    case PNG_GRAY_ALPHA:
      return LS_COLOR_TYPE_GRAY_ALPHA;
    case PNG_RGB:
      return LS_COLOR_TYPE_RGB;
    case PNG_RGBA:
      return LS_COLOR_TYPE_RGBA;
    case PNG_PALETTE:
      return LS_COLOR_TYPE_PALETTE;
    default:
      return LS_COLOR_TYPE_UNKNOWN;
    }
}

/* The IDAT stream in one piece: in place for one chunk, else copied into
 * *copy (freed by the caller). */
static const guint8 *
idat_stream (const guint8 *data,
             const Layout *lay,
             guint8 **copy)
{
  gsize pos = lay->first_idat, at = 0;

  if (lay->n_idat == 1)
    return data + pos + 8;
  *copy = g_try_malloc (MAX (lay->idat_total, 1));
  if (*copy == NULL)
    return NULL;
  for (guint k = 0; k < lay->n_idat; k++)
    {
      guint32 length = be32 (data + pos);

      memcpy (*copy + at, data + pos + 8, length);
      at += length;
      pos += (gsize) length + 12;
    }
  return *copy;
}

LsImage *
ls_png_fast_decode (const guint8 *data,
                    gsize size,
                    const char *name,
                    const LsDecodeLimits *limits)
{
  Layout lay = { 0 };
  Rows rows = { 0 };
  g_autofree guint8 *copy = NULL;
  g_autofree guint8 *filtered = NULL;
  g_autofree guint8 *zero_row = NULL;
  const guint8 *stream, *prev;
  struct libdeflate_decompressor *inflater;
  enum libdeflate_result result;
  gsize filtered_size, stride, in_used = 0, out_got = 0;
  LsImage *image = NULL;
  int cinfo;

  if (!parse_ihdr (data, size, &lay) ||
      !ls_decode_check_size (name, "PNG", lay.width, lay.height, limits, NULL) ||
      !g_size_checked_mul (&filtered_size, lay.height, lay.rowbytes + 1) ||
      filtered_size > LS_PNG_FAST_MAX_INFLATED || !walk_chunks (data, size, filtered_size, &lay) ||
      lay.idat_total < 2)
    return NULL;
  stride = lay.rowbytes + 1;

  stream = idat_stream (data, &lay, &copy);
  if (stream == NULL)
    return NULL;
  /* The zlib window (see the top of this file). */
  cinfo = stream[0] >> 4;
  if ((stream[0] & 0x0f) != 8 || cinfo > 7 || (cinfo < 7 && filtered_size > (gsize) 1 << (cinfo + 8)))
    return NULL;

  filtered = g_try_malloc (filtered_size + ROW_PAD);
  zero_row = g_try_malloc0 (lay.rowbytes + ROW_PAD);
  inflater = libdeflate_alloc_decompressor ();
  if (filtered == NULL || zero_row == NULL || inflater == NULL)
    {
      if (inflater != NULL)
        libdeflate_free_decompressor (inflater);
      return NULL;
    }
  result = libdeflate_zlib_decompress_ex (inflater, stream, lay.idat_total, filtered, filtered_size,
                                          &in_used, &out_got);
  libdeflate_free_decompressor (inflater);
  if (result != LIBDEFLATE_SUCCESS || in_used != lay.idat_total || out_got != filtered_size)
    return NULL;
  memset (filtered + filtered_size, 0, ROW_PAD);
  for (guint32 y = 0; y < lay.height; y++)
    if (filtered[(gsize) y * stride] > 4)
      return NULL;

  rows.lay = &lay;
  if (lay.emit == EMIT_PALETTE)
    {
      rows.num_palette = lay.plte_length / 3;
      ls_gray_from_u8 (lay.plte, 3, (int) rows.num_palette, rows.lut);
    }
  if (!ls_gray_sink_init (&rows.sink, (int) lay.width, (int) lay.height,
                          ls_decode_box_factor ((int) lay.width, (int) lay.height, limits->target_size),
                          name, NULL))
    return NULL;
  if (lay.emit == EMIT_U16)
    rows.u16 = g_new (guint16, (gsize) lay.width * lay.channels);

  /* Bands of rows: unfiltered, then turned to gray while still in cache. */
  prev = zero_row;
  for (guint32 y = 0; y < lay.height; y += BAND_ROWS)
    {
      guint n = MIN (BAND_ROWS, lay.height - y);
      guint8 *band = filtered + (gsize) y * stride;

      ls_png_unfilter_rows (band, stride, lay.rowbytes, lay.bpp, n, prev);
      for (guint k = 0; k < n; k++)
        if (!emit_row (&rows, band + (gsize) k * stride + 1))
          goto out;
      prev = band + (gsize) (n - 1) * stride + 1;
    }
  image = ls_gray_sink_steal (&rows.sink);
  image->orig_width = (int) lay.width;
  image->orig_height = (int) lay.height;
  image->bit_depth = lay.bit_depth;
  image->color_type = color_type_of (lay.color_type);
  image->format = LS_IMAGE_FORMAT_PNG;
  image->orientation = 1;

out:
  ls_gray_sink_clear (&rows.sink);
  g_free (rows.u16);
  return image;
}
