/* test-pngfast.c — the PNG fast lane (png-fast.c) against libpng
 *
 * The SSE2 unfilters against the scalar _ref code on random rows; every
 * PNG kind the lane takes decodes to the same floats, bit for bit, as the
 * libpng path (generated files and every PNG of $LS_SHARED_DATA/cxr-real),
 * at full resolution and on the reducing fast path; the kinds it leaves to
 * libpng are declined; and damaged files (cut, flipped bytes with and
 * without fixed CRCs, odd chunks) end exactly as with libpng alone: the
 * same error code, or the same pixels and warnings.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libdeflate.h>
#include <png.h>
#include <string.h>

#include "imaging/decode.h"
#include "imaging/png-fast.h"
#include "ls-test.h"

#define PAD 16

/* ---- Unfiltering ------------------------------------------------------- */

/* Random bytes, or (@ties) bytes from 0 to 3, which make Paeth's three
 * distances tie often. */
static void
fill_random (GRand *rand,
             guint8 *p,
             gsize n,
             gboolean ties)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8) (ties ? g_rand_int_range (rand, 0, 4) : g_rand_int (rand));
}

static void
test_unfilter_rows (void)
{
  static const int bpps[] = { 1, 2, 3, 4, 6, 8 };
  static const gsize widths[] = { 1, 2, 3, 5, 15, 16, 17, 33, 100 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261126);

  for (guint b = 0; b < G_N_ELEMENTS (bpps); b++)
    for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
      for (int filter = 0; filter <= 5; filter++)
        for (int variant = 0; variant < 3; variant++)
          {
            gboolean zero_prev = variant == 1, ties = variant == 2;
            int bpp = bpps[b];
            gsize n = widths[w] * bpp;
            g_autofree guint8 *prev = g_malloc0 (n + PAD);
            g_autofree guint8 *fast = g_malloc (n + PAD);
            g_autofree guint8 *ref = g_malloc (n + PAD);

            if (!zero_prev)
              fill_random (rand, prev, n + PAD, ties);
            fill_random (rand, fast, n + PAD, ties);
            memcpy (ref, fast, n + PAD);
            g_assert_cmpint (ls_png_unfilter_row (filter, bpp, fast, prev, n), ==, filter <= 4);
            g_assert_cmpint (ls_png_unfilter_row_ref (filter, bpp, ref, prev, n), ==, filter <= 4);
            /* the row, and the slack after it left as it was */
            if (memcmp (fast, ref, n + PAD) != 0)
              g_error ("filter %d, %d bytes per pixel, %" G_GSIZE_FORMAT " bytes: fast and _ref differ",
                       filter, bpp, n);
          }
}

/* Whole images of random filter bytes (runs of Paeth included, for the
 * four-row kernel) through ls_png_unfilter_rows against _ref row by row. */
static void
test_unfilter_images (void)
{
  static const int bpps[] = { 1, 2, 3, 4, 6, 8 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  for (int round = 0; round < 120; round++)
    {
      int bpp = bpps[round % G_N_ELEMENTS (bpps)];
      gsize rowbytes = (gsize) g_rand_int_range (rand, 1, 70) * bpp;
      guint height = g_rand_int_range (rand, 1, 50);
      gsize stride = rowbytes + 1;
      gboolean paeth_runs = round % 2 == 0;
      g_autofree guint8 *zero = g_malloc0 (rowbytes + PAD);
      g_autofree guint8 *fast = g_malloc (stride * height + PAD);
      g_autofree guint8 *ref = NULL;
      const guint8 *prev = zero;

      fill_random (rand, fast, stride * height + PAD, round % 3 == 1);
      for (guint y = 0; y < height; y++)
        fast[y * stride] = paeth_runs && g_rand_int_range (rand, 0, 4) != 0 ? 4 : g_rand_int_range (rand, 0, 5);
      ref = g_memdup2 (fast, stride * height + PAD);
      g_assert_true (ls_png_unfilter_rows (fast, stride, rowbytes, bpp, height, zero));
      for (guint y = 0; y < height; y++)
        {
          guint8 *row = ref + y * stride + 1;

          g_assert_true (ls_png_unfilter_row_ref (row[-1], bpp, row, prev, rowbytes));
          prev = row;
        }
      if (memcmp (fast, ref, stride * height + PAD) != 0)
        g_error ("round %d: %d bytes per pixel, %" G_GSIZE_FORMAT " x %u: fast and _ref differ", round,
                 bpp, rowbytes, height);
    }
}

/* ---- Writing PNG files -------------------------------------------------- */

static void
write_to_array (png_structp png,
                png_bytep data,
                png_size_t length)
{
  g_byte_array_append (png_get_io_ptr (png), data, length);
}

static void
no_flush (png_structp png)
{
}

static int
channels_of (int color_type)
{
  switch (color_type)
    {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE:
      return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return 2;
    case PNG_COLOR_TYPE_RGB:
      return 3;
    default:
      return 4;
    }
}

typedef struct
{
  int width;
  int height;
  int color_type;
  int bit_depth;
  gboolean interlaced;
  int n_palette;         /* palette images: entries (indexes stay below) */
  gboolean trns;         /* write a tRNS chunk */
  gboolean text;         /* write tEXt and pHYs chunks (skipped by both paths) */
  gboolean one_idat;     /* the whole stream in one IDAT chunk */
  int compression_level; /* zlib level */
} PngSpec;

/* A smooth gradient plus texture, so every filter type gets chosen. */
static guint
sample (int x,
        int y,
        int c,
        guint max)
{
  guint32 h = (guint32) (x * 7 + y * 131 + c * 1031 + 17) * 2654435761u;
  guint smooth = (guint) ((x * 3 + y * 5 + c * 40) % (max + 1));

  return (smooth + (h >> 24) % 9) % (max + 1);
}

static GByteArray *
make_png (const PngSpec *s)
{
  GByteArray *out = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = channels_of (s->color_type);
  gsize rowbytes = ((gsize) s->width * channels * s->bit_depth + 7) / 8;
  g_autofree guint8 *pixels = g_malloc0 (rowbytes * s->height);
  g_autofree png_bytep *rows = g_new (png_bytep, s->height);
  png_color palette[256];
  guint8 trans[256];
  png_color_16 trans_color = { 0, 1, 2, 3, 4 };
  png_text text = { PNG_TEXT_COMPRESSION_NONE, (char *) "Comment", (char *) "test", 4, 0, NULL, NULL };
  guint max = s->color_type == PNG_COLOR_TYPE_PALETTE ? (guint) s->n_palette - 1 : (1u << s->bit_depth) - 1;

  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed to write a test image");
  png_set_write_fn (png, out, write_to_array, no_flush);
  png_set_IHDR (png, info, s->width, s->height, s->bit_depth, s->color_type,
                s->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_set_filter (png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
  png_set_compression_level (png, s->compression_level);
  /* IDAT chunks of 1000 bytes, or one chunk for everything */
  png_set_compression_buffer_size (png, s->one_idat ? 1 << 24 : 1000);
  if (s->color_type == PNG_COLOR_TYPE_PALETTE)
    {
      for (int i = 0; i < s->n_palette; i++)
        palette[i] = (png_color){ (png_byte) (i * 37), (png_byte) (255 - i), (png_byte) (i * 11) };
      png_set_PLTE (png, info, palette, s->n_palette);
    }
  if (s->trns)
    {
      memset (trans, 128, sizeof trans);
      png_set_tRNS (png, info, trans, s->color_type == PNG_COLOR_TYPE_PALETTE ? s->n_palette : 0,
                    &trans_color);
    }
  if (s->text)
    {
      png_set_text (png, info, &text, 1);
      png_set_pHYs (png, info, 2835, 2835, PNG_RESOLUTION_METER);
    }
  for (int y = 0; y < s->height; y++)
    {
      guint8 *row = pixels + y * rowbytes;

      rows[y] = row;
      for (int i = 0; i < s->width * channels; i++)
        {
          guint v = sample (i / channels, y, i % channels, max);

          if (s->bit_depth == 16)
            row[2 * i] = v >> 8, row[2 * i + 1] = v & 0xff;
          else if (s->bit_depth == 8)
            row[i] = v;
          else
            row[i * s->bit_depth / 8] |= v << (8 - s->bit_depth - (i * s->bit_depth) % 8);
        }
    }
  png_set_rows (png, info, rows);
  png_write_png (png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct (&png, &info);
  return out;
}

/* ---- Comparing the paths ------------------------------------------------ */

static void
assert_same_image (const LsImage *a,
                   const LsImage *b,
                   const char *what)
{
  if (a->width != b->width || a->height != b->height ||
      memcmp (a->data, b->data, sizeof (float) * a->width * a->height) != 0 ||
      a->orig_width != b->orig_width || a->orig_height != b->orig_height ||
      a->bit_depth != b->bit_depth || a->color_type != b->color_type || a->format != b->format ||
      a->orientation != b->orientation || a->n_warnings != b->n_warnings)
    g_error ("%s: the fast lane and libpng differ", what);
}

/* ls_image_load_bytes() (fast lane first) ends as libpng alone does. */
static void
assert_like_libpng (const guint8 *data,
                    gsize size,
                    int target,
                    const char *what)
{
  LsDecodeOptions opts = { 0, 0, target };
  LsDecodeLimits limits;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) ref_error = NULL;
  g_autoptr (LsImage) image = ls_image_load_bytes (data, size, what, &opts, &error);
  g_autoptr (LsImage) ref = NULL;

  ls_decode_limits_init (&limits, &opts);
  ref = ls_decode_png_libpng (data, size, what, &limits, &ref_error);
  if (ref == NULL)
    {
      if (image != NULL)
        g_error ("%s: decoded, but libpng says: %s", what, ref_error->message);
      /* the size checks come first on both paths; libpng's own errors are
       * the same message */
      g_assert_error (error, LS_IMAGE_ERROR, ref_error->code);
      return;
    }
  if (image == NULL)
    g_error ("%s: %s, but libpng decodes it", what, error->message);
  assert_same_image (image, ref, what);
}

/* Full resolution and the reducing fast path: taken by the lane and equal
 * to libpng, bit for bit. */
static void
assert_fast_equal (const guint8 *data,
                   gsize size,
                   const char *what)
{
  static const int targets[] = { 0, 7, 224 };

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      LsDecodeOptions opts = { 0, 0, targets[t] };
      LsDecodeLimits limits;
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) fast = NULL;
      g_autoptr (LsImage) ref = NULL;

      ls_decode_limits_init (&limits, &opts);
      fast = ls_png_fast_decode (data, size, what, &limits);
      if (fast == NULL)
        g_error ("%s: declined by the fast lane", what);
      ref = ls_decode_png_libpng (data, size, what, &limits, &error);
      g_assert_no_error (error);
      assert_same_image (fast, ref, what);
      g_assert_cmpint (fast->n_warnings, ==, 0);
    }
}

static void
test_generated (void)
{
  static const struct
  {
    int color_type, bit_depth, n_palette;
  } kinds[] = {
    { PNG_COLOR_TYPE_GRAY, 8, 0 },
    { PNG_COLOR_TYPE_GRAY, 16, 0 },
    { PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0 },
    { PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0 },
    { PNG_COLOR_TYPE_RGB, 8, 0 },
    { PNG_COLOR_TYPE_RGB, 16, 0 },
    { PNG_COLOR_TYPE_RGB_ALPHA, 8, 0 },
    { PNG_COLOR_TYPE_RGB_ALPHA, 16, 0 },
    { PNG_COLOR_TYPE_PALETTE, 8, 256 },
    { PNG_COLOR_TYPE_PALETTE, 8, 19 },
  };
  static const int sizes[][2] = { { 1, 1 }, { 5, 3 }, { 37, 23 }, { 97, 130 } };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      for (int variant = 0; variant < 3; variant++)
        {
          PngSpec spec = { sizes[s][0], sizes[s][1], kinds[k].color_type, kinds[k].bit_depth, FALSE,
                           kinds[k].n_palette, FALSE, variant == 1, variant == 2, variant == 0 ? 6 : 1 };
          g_autoptr (GByteArray) png = make_png (&spec);
          g_autofree char *what = g_strdup_printf ("type %d, %d-bit, %d x %d, variant %d", spec.color_type,
                                                   spec.bit_depth, spec.width, spec.height, variant);

          assert_fast_equal (png->data, png->len, what);
        }
}

/* What the lane leaves to libpng, and libpng still decodes. */
static void
test_declined (void)
{
  static const PngSpec specs[] = {
    { 40, 30, PNG_COLOR_TYPE_GRAY, 8, TRUE, 0, FALSE, FALSE, FALSE, 6 },       /* interlaced */
    { 40, 30, PNG_COLOR_TYPE_RGB_ALPHA, 16, TRUE, 0, FALSE, FALSE, FALSE, 6 }, /* interlaced */
    { 40, 30, PNG_COLOR_TYPE_GRAY, 1, FALSE, 0, FALSE, FALSE, FALSE, 6 },
    { 40, 30, PNG_COLOR_TYPE_GRAY, 2, FALSE, 0, FALSE, FALSE, FALSE, 6 },
    { 40, 30, PNG_COLOR_TYPE_GRAY, 4, FALSE, 0, FALSE, FALSE, FALSE, 6 },
    { 40, 30, PNG_COLOR_TYPE_PALETTE, 4, FALSE, 16, FALSE, FALSE, FALSE, 6 },
    { 40, 30, PNG_COLOR_TYPE_PALETTE, 8, FALSE, 40, TRUE, FALSE, FALSE, 6 }, /* tRNS */
    { 40, 30, PNG_COLOR_TYPE_RGB, 8, FALSE, 0, TRUE, FALSE, FALSE, 6 },      /* tRNS */
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr (GByteArray) png = make_png (&specs[i]);
      g_autofree char *what = g_strdup_printf ("declined %u", i);
      LsDecodeLimits limits;

      ls_decode_limits_init (&limits, NULL);
      g_assert_null (ls_png_fast_decode (png->data, png->len, what, &limits));
      assert_like_libpng (png->data, png->len, 0, what);
      assert_like_libpng (png->data, png->len, 9, what);
    }
}

static void
put_be32 (guint8 *p,
          guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static guint32
get_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Recomputes every chunk's CRC that fits in the data. */
static void
fix_crcs (guint8 *data,
          gsize size)
{
  gsize pos = 8;

  while (pos + 12 <= size)
    {
      guint32 length = get_be32 (data + pos);

      if (length > size - pos - 12)
        break;
      put_be32 (data + pos + 8 + length, libdeflate_crc32 (0, data + pos + 4, length + 4));
      pos += (gsize) length + 12;
    }
}

/* Damaged files: whatever the lane does, the result is libpng's. */
static void
test_damaged (void)
{
  PngSpec spec = { 61, 47, PNG_COLOR_TYPE_RGB_ALPHA, 8, FALSE, 0, FALSE, TRUE, FALSE, 6 };
  PngSpec gray = { 70, 50, PNG_COLOR_TYPE_GRAY, 8, FALSE, 0, FALSE, FALSE, FALSE, 9 };
  g_autoptr (GByteArray) rgba = make_png (&spec);
  g_autoptr (GByteArray) gray8 = make_png (&gray);
  GByteArray *files[] = { rgba, gray8 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (99);

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      const GByteArray *good = files[f];
      g_autofree guint8 *copy = g_malloc (good->len + 64);

      /* every cut */
      for (gsize cut = 8; cut < good->len; cut += 1 + cut / 50)
        assert_like_libpng (good->data, cut, 0, "cut");
      /* flipped bytes, CRCs left broken or fixed */
      for (int round = 0; round < 600; round++)
        {
          gsize at = 8 + g_rand_int_range (rand, 0, (gint32) good->len - 8);

          memcpy (copy, good->data, good->len);
          copy[at] ^= (guint8) g_rand_int_range (rand, 1, 256);
          if (round % 2 == 1)
            fix_crcs (copy, good->len);
          assert_like_libpng (copy, good->len, round % 3 == 0 ? 16 : 0, "flipped");
        }
      /* trailing bytes after IEND, and IEND removed */
      memcpy (copy, good->data, good->len);
      memset (copy + good->len, 0xab, 64);
      assert_like_libpng (copy, good->len + 64, 0, "trailing");
      assert_like_libpng (good->data, good->len - 12, 0, "no IEND");
    }
}

/* Chunks in odd places, made by hand around a valid image's IDAT. */
static void
test_odd_chunks (void)
{
  PngSpec spec = { 33, 20, PNG_COLOR_TYPE_RGB, 8, FALSE, 0, FALSE, FALSE, TRUE, 6 };
  g_autoptr (GByteArray) good = make_png (&spec);
  static const char *const extra[] = { "tEXt", "zzZz", "PLTE", "eXIf", "tRNS", "XXXX", "IDAT", "IHDR", "IEND" };
  gsize idat = 33, idat_end;

  g_assert_cmpmem (good->data + idat + 4, 4, "IDAT", 4);
  idat_end = idat + 12 + get_be32 (good->data + idat);
  for (guint e = 0; e < G_N_ELEMENTS (extra); e++)
    for (int where = 0; where < 2; where++)
      {
        /* a 6-byte chunk before or after the IDAT */
        gsize at = where == 0 ? idat : idat_end;
        g_autoptr (GByteArray) out = g_byte_array_new ();
        guint8 chunk[18] = { 0, 0, 0, 6 };
        g_autofree char *what = g_strdup_printf ("%s %s IDAT", extra[e], where == 0 ? "before" : "after");

        memcpy (chunk + 4, extra[e], 4);
        memcpy (chunk + 8, "MM\0*\0\0", 6);
        put_be32 (chunk + 14, libdeflate_crc32 (0, chunk + 4, 10));
        g_byte_array_append (out, good->data, at);
        g_byte_array_append (out, chunk, sizeof chunk);
        g_byte_array_append (out, good->data + at, good->len - at);
        assert_like_libpng (out->data, out->len, 0, what);
      }
}

static void
collect_pngs (const char *dir,
              GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          collect_pngs (path, out);
          g_free (path);
        }
      else
        g_ptr_array_add (out, path);
    }
}

static void
test_real_files (void)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n_png = 0;

  if (shared != NULL)
    dir = g_build_filename (shared, "cxr-real", NULL);
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("cxr-real not found (set LS_SHARED_DATA to the folder holding cxr-real/)");
      return;
    }
  collect_pngs (dir, paths);
  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr (GMappedFile) file = g_mapped_file_new (paths->pdata[i], FALSE, NULL);
      const guint8 *data;
      gsize size;

      if (file == NULL)
        continue;
      data = (const guint8 *) g_mapped_file_get_contents (file);
      size = g_mapped_file_get_length (file);
      if (ls_image_sniff_format (data, size) != LS_IMAGE_FORMAT_PNG)
        continue;
      /* all of them are kinds the lane takes (MANIFEST.md: no interlacing,
       * no bit depth below 8, no tRNS) */
      assert_fast_equal (data, size, paths->pdata[i]);
      n_png++;
    }
  g_test_message ("%u PNG files equal through both paths", n_png);
  g_assert_cmpuint (n_png, >=, 130);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/imaging/pngfast/unfilter-rows", test_unfilter_rows);
  g_test_add_func ("/lungscope/imaging/pngfast/unfilter-images", test_unfilter_images);
  g_test_add_func ("/lungscope/imaging/pngfast/generated", test_generated);
  g_test_add_func ("/lungscope/imaging/pngfast/declined", test_declined);
  g_test_add_func ("/lungscope/imaging/pngfast/damaged", test_damaged);
  g_test_add_func ("/lungscope/imaging/pngfast/odd-chunks", test_odd_chunks);
  g_test_add_func ("/lungscope/imaging/pngfast/real-files", test_real_files);
  return g_test_run ();
}
