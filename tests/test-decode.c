/* test-decode.c — PNG, JPEG and WebP decoding to gray
 *
 * PNG and JPEG files of every colour type and bit depth are written here
 * with libpng and libjpeg into a temporary folder and decoded back; EXIF
 * blocks are built by hand in both byte orders; small fixtures made by PIL
 * (tests/ref/make-decode-fixtures.py) pin the gray conversion to PIL's; every
 * file of $LS_SHARED_DATA/cxr-real must decode; broken files must fail with
 * a clear error.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "imaging/decode-private.h"
#include "imaging/decode.h"
#include "ls-test.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("ls-test-decode-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *fx,
                   gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fx->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

static char *
save (Fixture *fx,
      const char *name,
      GByteArray *bytes)
{
  char *path = g_build_filename (fx->dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);
  return path;
}

/* ---- PNG writing ------------------------------------------------------- */

static void
png_write_to_array (png_structp png,
                    png_bytep data,
                    png_size_t length)
{
  g_byte_array_append (png_get_io_ptr (png), data, length);
}

static void
png_no_flush (png_structp png)
{
}

static int
png_channels (int color_type)
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

/* samples: width × height × channels values < 2^bit_depth, row-major.
 * exif_for_next_png: the body of an eXIf chunk to write, or NULL. */
static GByteArray *
make_png_exif (const GByteArray *exif_for_next_png,
               int width,
               int height,
               int color_type,
               int bit_depth,
               gboolean interlaced,
               const guint16 *samples,
               const png_color *palette,
               int n_palette,
               const guint8 *trans,
               int n_trans)
{
  GByteArray *out = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = png_channels (color_type);
  gsize rowbytes = ((gsize) width * channels * bit_depth + 7) / 8;
  g_autofree guint8 *rows = g_malloc0 (rowbytes * height);
  g_autofree png_bytep *ptrs = g_new (png_bytep, height);

  g_assert_nonnull (png);
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed to write a test image");
  png_set_write_fn (png, out, png_write_to_array, png_no_flush);
  png_set_IHDR (png, info, width, height, bit_depth, color_type,
                interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  if (palette != NULL)
    png_set_PLTE (png, info, palette, n_palette);
  if (trans != NULL)
    png_set_tRNS (png, info, trans, n_trans, NULL);
  if (exif_for_next_png != NULL)
    png_set_eXIf_1 (png, info, (png_uint_32) exif_for_next_png->len, exif_for_next_png->data);
  for (int y = 0; y < height; y++)
    {
      guint8 *row = rows + y * rowbytes;

      ptrs[y] = row;
      for (int i = 0; i < width * channels; i++)
        {
          guint v = samples[(gsize) y * width * channels + i];

          if (bit_depth == 16)
            row[2 * i] = v >> 8, row[2 * i + 1] = v & 0xff;
          else if (bit_depth == 8)
            row[i] = v;
          else
            row[i * bit_depth / 8] |= v << (8 - bit_depth - (i * bit_depth) % 8);
        }
    }
  png_set_rows (png, info, ptrs);
  png_write_png (png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct (&png, &info);
  return out;
}

static GByteArray *
make_png (int width,
          int height,
          int color_type,
          int bit_depth,
          gboolean interlaced,
          const guint16 *samples,
          const png_color *palette,
          int n_palette,
          const guint8 *trans,
          int n_trans)
{
  return make_png_exif (NULL, width, height, color_type, bit_depth, interlaced, samples, palette,
                        n_palette, trans, n_trans);
}

static guint
sample_value (int x,
              int y,
              int c,
              guint max)
{
  guint32 h = (guint32) (x * 7 + y * 131 + c * 1031 + 17) * 2654435761u;

  return (h >> 7) % (max + 1);
}

static void
assert_pixels (const LsImage *image,
               const float *expected,
               double tolerance)
{
  double worst = 0;

  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    worst = MAX (worst, fabs (image->data[i] - expected[i]));
  if (worst > tolerance)
    g_error ("largest pixel error %.6g over the tolerance %.3g", worst, tolerance);
}

static void
test_png_types (Fixture *fx,
                gconstpointer data)
{
  static const struct
  {
    int color_type;
    int bit_depth;
    gboolean interlaced;
    LsColorType expect;
  } cases[] = {
    { PNG_COLOR_TYPE_GRAY, 1, FALSE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY, 2, FALSE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY, 4, FALSE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY, 8, FALSE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY, 16, FALSE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY_ALPHA, 8, FALSE, LS_COLOR_TYPE_GRAY_ALPHA },
    { PNG_COLOR_TYPE_GRAY_ALPHA, 16, FALSE, LS_COLOR_TYPE_GRAY_ALPHA },
    { PNG_COLOR_TYPE_RGB, 8, FALSE, LS_COLOR_TYPE_RGB },
    { PNG_COLOR_TYPE_RGB, 16, FALSE, LS_COLOR_TYPE_RGB },
    { PNG_COLOR_TYPE_RGB_ALPHA, 8, FALSE, LS_COLOR_TYPE_RGBA },
    { PNG_COLOR_TYPE_RGB_ALPHA, 16, FALSE, LS_COLOR_TYPE_RGBA },
    { PNG_COLOR_TYPE_GRAY, 8, TRUE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_GRAY, 2, TRUE, LS_COLOR_TYPE_GRAY },
    { PNG_COLOR_TYPE_RGB, 16, TRUE, LS_COLOR_TYPE_RGB },
    { PNG_COLOR_TYPE_RGB_ALPHA, 8, TRUE, LS_COLOR_TYPE_RGBA },
  };
  const int w = 37, h = 23;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      int ct = cases[k].color_type, depth = cases[k].bit_depth, ch = png_channels (ct);
      guint max = (1u << depth) - 1;
      g_autofree guint16 *samples = g_new (guint16, w * h * ch);
      g_autofree float *expected = g_new (float, w *h);
      g_autoptr (GByteArray) bytes = NULL;
      g_autofree char *name = g_strdup_printf ("t%u-%d-%d%s.png", k, ct, depth, cases[k].interlaced ? "-i" : "");
      g_autofree char *path = NULL;
      g_autoptr (LsImage) image = NULL;
      g_autoptr (GError) error = NULL;
      LsImageInfo info;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            const guint16 *s = samples + ((gsize) y * w + x) * ch;

            for (int c = 0; c < ch; c++)
              samples[((gsize) y * w + x) * ch + c] = sample_value (x, y, c, max);
            if (ch <= 2)
              expected[y * w + x] = (float) s[0] / max;
            else
              expected[y * w + x] = (float) ((0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2]) / max);
          }
      bytes = make_png (w, h, ct, depth, cases[k].interlaced, samples, NULL, 0, NULL, 0);
      path = save (fx, name, bytes);

      image = ls_image_load (path, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %d x %d, %s %d-bit", name, image->width, image->height,
                      ls_image_color_type_to_string (image->color_type), image->bit_depth);
      g_assert_cmpint (image->width, ==, w);
      g_assert_cmpint (image->height, ==, h);
      g_assert_cmpint (image->bit_depth, ==, depth);
      g_assert_cmpint (image->color_type, ==, cases[k].expect);
      g_assert_cmpint (image->format, ==, LS_IMAGE_FORMAT_PNG);
      g_assert_cmpint (image->orientation, ==, 1);
      g_assert_cmpint (image->n_warnings, ==, 0);
      g_assert_cmpstr (image->source, ==, path);
      g_assert_true (((guintptr) image->data & 63) == 0);
      assert_pixels (image, expected, 1e-6);

      g_assert_true (ls_image_probe (path, &info, &error));
      g_assert_no_error (error);
      g_assert_cmpint (info.format, ==, LS_IMAGE_FORMAT_PNG);
      g_assert_cmpint (info.width, ==, w);
      g_assert_cmpint (info.height, ==, h);
      g_assert_cmpint (info.bit_depth, ==, depth);
      g_assert_cmpint (info.color_type, ==, cases[k].expect);
      g_assert_cmpint (info.interlaced, ==, cases[k].interlaced);
      g_assert_cmpint (info.has_alpha, ==, (ct & PNG_COLOR_MASK_ALPHA) != 0);
    }
}

/* 16-bit samples keep their precision: neighbours 1/65535 apart stay apart. */
static void
test_png_16bit_precision (void)
{
  const int w = 64, h = 2;
  guint16 samples[128];
  g_autoptr (GByteArray) bytes = NULL;
  g_autoptr (LsImage) image = NULL;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < w * h; i++)
    samples[i] = 30000 + i;
  bytes = make_png (w, h, PNG_COLOR_TYPE_GRAY, 16, FALSE, samples, NULL, 0, NULL, 0);
  image = ls_image_load_bytes (bytes->data, bytes->len, "gray16", NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat_with_epsilon (image->data[i], (30000.0 + i) / 65535.0, 1e-7);
  for (int i = 1; i < w * h; i++)
    g_assert_cmpfloat (image->data[i], >, image->data[i - 1]);
}

static void
test_png_palette (Fixture *fx,
                  gconstpointer data)
{
  const int w = 19, h = 11;

  for (int depth = 4; depth <= 8; depth += 4)
    {
      int n = 1 << depth;
      png_color palette[256];
      guint8 trans[256];
      g_autofree guint16 *samples = g_new (guint16, w * h);
      g_autofree float *expected = g_new (float, w *h);
      g_autoptr (GByteArray) bytes = NULL;
      g_autoptr (LsImage) image = NULL;
      g_autoptr (GError) error = NULL;

      for (int i = 0; i < n; i++)
        {
          palette[i].red = sample_value (i, 0, 0, 255);
          palette[i].green = sample_value (i, 1, 1, 255);
          palette[i].blue = sample_value (i, 2, 2, 255);
          trans[i] = (guint8) (i * 37);
        }
      for (int i = 0; i < w * h; i++)
        {
          const png_color *c;

          samples[i] = sample_value (i, 3, 0, n - 1);
          c = &palette[samples[i]];
          expected[i] = (float) ((0.299 * c->red + 0.587 * c->green + 0.114 * c->blue) / 255);
        }
      bytes = make_png (w, h, PNG_COLOR_TYPE_PALETTE, depth, FALSE, samples, palette, n, trans, n / 2);
      image = ls_image_load_bytes (bytes->data, bytes->len, "palette", NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->color_type, ==, LS_COLOR_TYPE_PALETTE);
      g_assert_cmpint (image->bit_depth, ==, depth);
      assert_pixels (image, expected, 1e-6);
    }
}

/* The fast path equals the box average of the full decode. */
static void
test_png_fast_path (void)
{
  const int w = 1003, h = 517, target = 100;
  g_autofree guint16 *samples = g_new (guint16, w * h * 3);
  LsDecodeOptions opts;

  ls_decode_options_init (&opts);
  opts.target_size = target;
  for (int ct = 0; ct < 2; ct++)
    {
      int channels = ct == 0 ? 1 : 3;
      g_autoptr (GByteArray) bytes = NULL;
      g_autoptr (LsImage) full = NULL;
      g_autoptr (LsImage) small = NULL;
      g_autoptr (GError) error = NULL;
      int f = h / target;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          for (int c = 0; c < channels; c++)
            samples[((gsize) y * w + x) * channels + c] = (x + 2 * y + 40 * c + sample_value (x, y, c, 15)) % 256;
      bytes = make_png (w, h, ct == 0 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, 8, FALSE, samples, NULL, 0, NULL, 0);
      full = ls_image_load_bytes (bytes->data, bytes->len, "big", NULL, &error);
      g_assert_no_error (error);
      small = ls_image_load_bytes (bytes->data, bytes->len, "big", &opts, &error);
      g_assert_no_error (error);
      g_assert_cmpint (MIN (small->width, small->height), >=, target);
      g_assert_cmpint (MIN (small->width, small->height), <, 2 * target);
      g_assert_cmpint (small->width, ==, (w + f - 1) / f);
      g_assert_cmpint (small->height, ==, (h + f - 1) / f);
      g_assert_cmpint (small->orig_width, ==, w);
      g_assert_cmpint (small->orig_height, ==, h);
      for (int oy = 0; oy < small->height; oy++)
        for (int ox = 0; ox < small->width; ox++)
          {
            double sum = 0;
            int n = 0;

            for (int y = oy * f; y < MIN (h, (oy + 1) * f); y++)
              for (int x = ox * f; x < MIN (w, (ox + 1) * f); x++, n++)
                sum += full->data[(gsize) y * w + x];
            g_assert_cmpfloat_with_epsilon (small->data[oy * small->width + ox], sum / n, 1e-5);
          }
    }

  /* An image already smaller than the target comes out whole. */
  {
    guint16 tiny[12] = { 0 };
    g_autoptr (GByteArray) bytes = make_png (4, 3, PNG_COLOR_TYPE_GRAY, 8, FALSE, tiny, NULL, 0, NULL, 0);
    g_autoptr (LsImage) image = ls_image_load_bytes (bytes->data, bytes->len, "tiny", &opts, NULL);

    g_assert_nonnull (image);
    g_assert_cmpint (image->width, ==, 4);
    g_assert_cmpint (image->height, ==, 3);
  }
}

/* ---- JPEG writing ------------------------------------------------------ */

typedef struct
{
  int components;
  J_COLOR_SPACE in_space;
  J_COLOR_SPACE jpeg_space;
  gboolean progressive;
  int quality;
  const guint8 *app1; /* raw APP1 payload, or NULL */
  gsize app1_len;
} JpegSpec;

static GByteArray *
make_jpeg (int width,
           int height,
           const guint8 *samples,
           const JpegSpec *spec)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  GByteArray *out;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = spec->components;
  cinfo.in_color_space = spec->in_space;
  jpeg_set_defaults (&cinfo);
  jpeg_set_colorspace (&cinfo, spec->jpeg_space);
  jpeg_set_quality (&cinfo, spec->quality, TRUE);
  for (int c = 0; c < cinfo.num_components; c++)
    cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  if (spec->progressive)
    jpeg_simple_progression (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  if (spec->app1 != NULL)
    jpeg_write_marker (&cinfo, JPEG_APP0 + 1, spec->app1, spec->app1_len);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) samples + (gsize) cinfo.next_scanline * width * spec->components;

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  out = g_byte_array_new ();
  g_byte_array_append (out, buffer, size);
  free (buffer);
  return out;
}

/* Smooth content so that JPEG at high quality stays close to it. */
static guint8
smooth (int x,
        int y,
        int c)
{
  return (guint8) (40 + (x * 3 + y * 2 + c * 50) % 170);
}

static void
test_jpeg_types (Fixture *fx,
                 gconstpointer data)
{
  static const struct
  {
    const char *name;
    JpegSpec spec;
    LsColorType expect;
  } cases[] = {
    { "gray", { 1, JCS_GRAYSCALE, JCS_GRAYSCALE, FALSE, 98, NULL, 0 }, LS_COLOR_TYPE_GRAY },
    { "ycbcr", { 3, JCS_RGB, JCS_YCbCr, FALSE, 98, NULL, 0 }, LS_COLOR_TYPE_YCBCR },
    { "progressive-gray", { 1, JCS_GRAYSCALE, JCS_GRAYSCALE, TRUE, 98, NULL, 0 }, LS_COLOR_TYPE_GRAY },
    { "progressive-ycbcr", { 3, JCS_RGB, JCS_YCbCr, TRUE, 98, NULL, 0 }, LS_COLOR_TYPE_YCBCR },
    { "rgb", { 3, JCS_RGB, JCS_RGB, FALSE, 98, NULL, 0 }, LS_COLOR_TYPE_RGB },
    { "cmyk-adobe", { 4, JCS_CMYK, JCS_CMYK, FALSE, 98, NULL, 0 }, LS_COLOR_TYPE_CMYK },
    { "ycck-adobe", { 4, JCS_CMYK, JCS_YCCK, FALSE, 98, NULL, 0 }, LS_COLOR_TYPE_YCCK },
  };
  const int w = 48, h = 40;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const JpegSpec *spec = &cases[k].spec;
      int ch = spec->components;
      g_autofree guint8 *samples = g_new (guint8, w * h * ch);
      g_autofree float *expected = g_new (float, w *h);
      g_autoptr (GByteArray) bytes = NULL;
      g_autofree char *path = NULL;
      g_autofree char *name = g_strdup_printf ("%s.jpg", cases[k].name);
      g_autoptr (LsImage) image = NULL;
      g_autoptr (GError) error = NULL;
      LsImageInfo info;
      double sum_err = 0, max_err = 0;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            guint8 *s = samples + ((gsize) y * w + x) * ch;
            double r, g, b;

            for (int c = 0; c < ch; c++)
              s[c] = smooth (x, y, c);
            if (ch == 1)
              r = g = b = s[0];
            else if (ch == 3)
              r = s[0], g = s[1], b = s[2];
            else /* stored the Adobe way: inverted CMYK, so R = C·K/255 */
              r = s[0] * s[3] / 255.0, g = s[1] * s[3] / 255.0, b = s[2] * s[3] / 255.0;
            expected[y * w + x] = (float) ((0.299 * r + 0.587 * g + 0.114 * b) / 255);
          }
      bytes = make_jpeg (w, h, samples, spec);
      path = save (fx, name, bytes);
      image = ls_image_load (path, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, w);
      g_assert_cmpint (image->height, ==, h);
      g_assert_cmpint (image->color_type, ==, cases[k].expect);
      g_assert_cmpint (image->format, ==, LS_IMAGE_FORMAT_JPEG);
      g_assert_cmpint (image->bit_depth, ==, 8);
      g_assert_cmpint (image->n_warnings, ==, 0);
      for (int i = 0; i < w * h; i++)
        {
          double e = fabs (image->data[i] - expected[i]) * 255;

          sum_err += e;
          max_err = MAX (max_err, e);
        }
      g_test_message ("%s: mean error %.3f, max %.3f (of 255)", name, sum_err / (w * h), max_err);
      /* An inversion or channel mix-up would be off by tens. */
      g_assert_cmpfloat (sum_err / (w * h), <, 1.5);
      g_assert_cmpfloat (max_err, <, 8);

      g_assert_true (ls_image_probe (path, &info, &error));
      g_assert_cmpint (info.format, ==, LS_IMAGE_FORMAT_JPEG);
      g_assert_cmpint (info.width, ==, w);
      g_assert_cmpint (info.height, ==, h);
      g_assert_cmpint (info.color_type, ==, cases[k].expect);
      g_assert_cmpint (info.interlaced, ==, spec->progressive);
    }
}

/* DCT scaling: the smallest M/8 that keeps the shorter side ≥ target, then
 * a box reduce; close to the box-reduced full decode. */
static void
test_jpeg_fast_path (void)
{
  const int w = 960, h = 720;
  g_autofree guint8 *samples = g_new (guint8, w * h * 3);
  const JpegSpec spec = { 3, JCS_RGB, JCS_YCbCr, FALSE, 95, NULL, 0 };
  const int targets[] = { 90, 100, 224, 500, 720, 1000 };
  g_autoptr (GByteArray) bytes = NULL;
  g_autoptr (LsImage) full = NULL;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        samples[((gsize) y * w + x) * 3 + c] = (guint8) (128 + 100 * sin (x / 60.0 + c) * cos (y / 45.0));
  bytes = make_jpeg (w, h, samples, &spec);
  full = ls_image_load_bytes (bytes->data, bytes->len, "big.jpg", NULL, NULL);
  g_assert_nonnull (full);

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      LsDecodeOptions opts = { 0, 0, targets[t] };
      g_autoptr (LsImage) small = ls_image_load_bytes (bytes->data, bytes->len, "big.jpg", &opts, NULL);
      int shorter = MIN (small->width, small->height);
      double sx = (double) w / small->width, sy = (double) h / small->height, worst = 0;

      g_test_message ("target %d: %d x %d", targets[t], small->width, small->height);
      g_assert_cmpint (small->orig_width, ==, w);
      if (targets[t] >= h)
        g_assert_cmpint (shorter, ==, h);
      else
        {
          g_assert_cmpint (shorter, >=, targets[t]);
          g_assert_cmpint (shorter, <, 2 * targets[t]);
        }
      /* Compare with the mean of the full decode over each output pixel's footprint. */
      for (int oy = 0; oy < small->height; oy++)
        for (int ox = 0; ox < small->width; ox++)
          {
            double sum = 0;
            int n = 0;

            for (int y = (int) (oy * sy); y < MIN (h, (int) ((oy + 1) * sy)); y++)
              for (int x = (int) (ox * sx); x < MIN (w, (int) ((ox + 1) * sx)); x++, n++)
                sum += full->data[(gsize) y * w + x];
            if (n > 0)
              worst = MAX (worst, fabs (small->data[oy * small->width + ox] - sum / n));
          }
      g_test_message ("  largest difference from the box-averaged full decode: %.4f", worst);
      g_assert_cmpfloat (worst, <, 6.0 / 255);
      if (small->width == w) /* no scaling: only Y against gray from RGB */
        g_assert_cmpfloat (worst, <, 2.0 / 255);
    }
}

/* ---- EXIF orientation -------------------------------------------------- */

static gsize
build_exif (guint8 *out,
            gboolean big_endian,
            int orientation)
{
  guint8 *p = out;

#define PUT16(v) (big_endian ? (*p++ = (v) >> 8, *p++ = (v) &0xff) : (*p++ = (v) &0xff, *p++ = (v) >> 8))
#define PUT32(v) (big_endian ? (PUT16 ((v) >> 16), PUT16 ((v) &0xffff)) : (PUT16 ((v) &0xffff), PUT16 ((v) >> 16)))
  memcpy (p, "Exif\0\0", 6), p += 6;
  memcpy (p, big_endian ? "MM" : "II", 2), p += 2;
  PUT16 (42);
  PUT32 (8u);
  PUT16 (2); /* two entries: an unrelated tag first */
  PUT16 (0x010f), PUT16 (2), PUT32 (4u), PUT32 (0x41424300u);
  PUT16 (0x0112), PUT16 (3), PUT32 (1u), PUT16 (orientation), PUT16 (0);
  PUT32 (0u);
#undef PUT16
#undef PUT32
  return p - out;
}

/* A 4 × 3 grid of flat 8 × 8 blocks, each its own gray level: after
 * orientation the block grid must be the transformed one. */
static void
test_exif_orientations (void)
{
  const int bw = 4, bh = 3, w = bw * 8, h = bh * 8;
  guint8 samples[32 * 24];

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      samples[y * w + x] = (guint8) (20 + 18 * ((y / 8) * bw + x / 8));

  for (int order = 0; order < 2; order++)
    for (int o = 1; o <= 8; o++)
      {
        guint8 app1[64];
        JpegSpec spec = { 1, JCS_GRAYSCALE, JCS_GRAYSCALE, FALSE, 100, app1, 0 };
        g_autoptr (GByteArray) bytes = NULL;
        g_autoptr (LsImage) image = NULL;
        g_autoptr (GError) error = NULL;
        gboolean swap = o >= 5;
        LsImageInfo info;

        spec.app1_len = build_exif (app1, order == 1, o);
        bytes = make_jpeg (w, h, samples, &spec);
        image = ls_image_load_bytes (bytes->data, bytes->len, "exif.jpg", NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpint (image->orientation, ==, o);
        g_assert_cmpint (image->n_warnings, ==, 0);
        g_assert_cmpint (image->width, ==, swap ? h : w);
        g_assert_cmpint (image->height, ==, swap ? w : h);
        g_assert_cmpint (image->orig_width, ==, image->width);
        g_assert_true (ls_image_probe_bytes (bytes->data, bytes->len, "exif.jpg", &info, NULL));
        g_assert_cmpint (info.orientation, ==, o);
        g_assert_cmpint (info.width, ==, w);

        /* Displayed block (X, Y) shows stored block (sx, sy). */
        for (int Y = 0; Y < image->height / 8; Y++)
          for (int X = 0; X < image->width / 8; X++)
            {
              int sx, sy;
              float v = image->data[(Y * 8 + 4) * image->width + X * 8 + 4];

              switch (o)
                {
                case 1:
                  sx = X, sy = Y;
                  break;
                case 2:
                  sx = bw - 1 - X, sy = Y;
                  break;
                case 3:
                  sx = bw - 1 - X, sy = bh - 1 - Y;
                  break;
                case 4:
                  sx = X, sy = bh - 1 - Y;
                  break;
                case 5:
                  sx = Y, sy = X;
                  break;
                case 6:
                  sx = Y, sy = bh - 1 - X;
                  break;
                case 7:
                  sx = bw - 1 - Y, sy = bh - 1 - X;
                  break;
                default:
                  sx = bw - 1 - Y, sy = X;
                  break;
                }
              g_assert_cmpfloat_with_epsilon (v * 255, 20 + 18 * (sy * bw + sx), 1.5);
            }
      }
}

static void
test_exif_broken (void)
{
  guint8 good[64], bad[64];
  gsize len = build_exif (good, FALSE, 6);
  const char *reason;
  guint8 samples[16 * 16] = { 0 };

  /* The parser on hand-broken blocks: never a crash, a reason each time. */
  g_assert_cmpint (ls_exif_orientation_from_app1 (good, len, &reason), ==, 6);
  for (gsize cut = 6; cut < len - 4; cut++)
    {
      int o = ls_exif_orientation_from_app1 (good, cut, &reason);

      g_assert_true (o == -1 || o == 0);
      if (o == -1)
        g_assert_nonnull (reason);
    }
  memcpy (bad, good, len);
  bad[10] = 0xff, bad[11] = 0xff, bad[12] = 0xff, bad[13] = 0x7f; /* IFD0 far away */
  g_assert_cmpint (ls_exif_orientation_from_app1 (bad, len, &reason), ==, -1);
  memcpy (bad, good, len);
  bad[14] = 0xff, bad[15] = 0xff; /* 65535 entries */
  g_assert_cmpint (ls_exif_orientation_from_app1 (bad, len, &reason), ==, -1);
  memcpy (bad, good, len);
  bad[8] = 'X'; /* no byte-order mark */
  g_assert_cmpint (ls_exif_orientation_from_app1 (bad, len, &reason), ==, -1);
  memcpy (bad, good, len);
  bad[6 + 8 + 2 + 12 + 8] = 9; /* orientation 9 */
  g_assert_cmpint (ls_exif_orientation_from_app1 (bad, len, &reason), ==, -1);
  g_assert_cmpint (ls_exif_orientation_from_app1 ((const guint8 *) "http://ns.adobe.com/xap/1.0/", 28, &reason), ==, 0);

  /* In a file: decoded upright as stored, with a warning. */
  {
    JpegSpec spec = { 1, JCS_GRAYSCALE, JCS_GRAYSCALE, FALSE, 90, bad, len };
    g_autoptr (GByteArray) bytes = NULL;
    g_autoptr (LsImage) image = NULL;
    g_autoptr (GError) error = NULL;

    memcpy (bad, good, len);
    bad[14] = 0xff;
    bytes = make_jpeg (16, 16, samples, &spec);
    image = ls_image_load_bytes (bytes->data, bytes->len, "broken-exif.jpg", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (image->orientation, ==, 1);
    g_assert_cmpint (image->n_warnings, ==, 1);
    g_test_message ("warning: %s", image->warning);
    g_assert_true (g_str_has_prefix (image->warning, "broken-exif.jpg: EXIF"));
  }
}

/* PNG eXIf (TIFF without the "Exif" header), and orientation on the fast path. */
static void
test_exif_png_and_fast_path (void)
{
  const int w = 300, h = 200;
  guint8 app1[64];
  gsize len = build_exif (app1, TRUE, 6);
  g_autoptr (GByteArray) exif = g_byte_array_new ();
  g_autofree guint16 *samples = g_new (guint16, w * h);
  g_autofree guint8 *samples8 = g_new (guint8, w * h);
  LsDecodeOptions fast = { 0, 0, 50 };
  JpegSpec spec = { 1, JCS_GRAYSCALE, JCS_GRAYSCALE, FALSE, 95, app1, len };
  g_autoptr (GByteArray) png = NULL;
  g_autoptr (GByteArray) jpeg = NULL;

  g_byte_array_append (exif, app1 + 6, len - 6);
  for (int i = 0; i < w * h; i++)
    samples8[i] = samples[i] = (i % w) < 20 ? 250 : 10; /* a bright band on the left */
  png = make_png_exif (exif, w, h, PNG_COLOR_TYPE_GRAY, 8, FALSE, samples, NULL, 0, NULL, 0);
  jpeg = make_jpeg (w, h, samples8, &spec);

  for (int k = 0; k < 4; k++)
    {
      GByteArray *bytes = k % 2 == 0 ? png : jpeg;
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load_bytes (bytes->data, bytes->len, "exif6", k < 2 ? NULL : &fast, &error);
      LsImageInfo info;

      g_assert_no_error (error);
      g_assert_cmpint (image->orientation, ==, 6);
      g_assert_cmpint (image->orig_width, ==, h);
      g_assert_cmpint (image->orig_height, ==, w);
      g_assert_cmpint (image->width, <, image->height);
      if (k < 2)
        g_assert_cmpint (image->width, ==, h);
      else
        g_assert_cmpint (image->width, >=, 50);
      /* Turned clockwise: the left band is now along the top. */
      g_assert_cmpfloat (image->data[image->width / 2], >, 0.8);
      g_assert_cmpfloat (image->data[(gsize) (image->height - 1) * image->width + image->width / 2], <, 0.2);
      g_assert_true (ls_image_probe_bytes (bytes->data, bytes->len, "exif6", &info, NULL));
      g_assert_cmpint (info.orientation, ==, 6);
    }
}

/* ---- PIL fixtures ------------------------------------------------------ */

static void
test_pil_fixtures (void)
{
  const char *root = g_getenv ("LS_SOURCE_ROOT");
  g_autofree char *ref_path = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  int n_files = 0;

  if (root == NULL)
    {
      g_test_skip ("LS_SOURCE_ROOT not set");
      return;
    }
  ref_path = g_build_filename (root, "tests", "data", "decode-ref.txt", NULL);
  g_file_get_contents (ref_path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char name[64];
      int w, h;
      double tol, worst = 0;
      g_autofree char *path = NULL;
      g_autoptr (LsImage) image = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_assert_cmpint (sscanf (lines[i], "%63s %d %d %lf", name, &w, &h, &tol), ==, 4);
      path = g_build_filename (root, "tests", "data", name, NULL);
      image = ls_image_load (path, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, w);
      g_assert_cmpint (image->height, ==, h);
      for (int y = 0; y < h; y++)
        {
          g_auto (GStrv) values = g_strsplit (lines[++i], " ", -1);

          g_assert_cmpint (g_strv_length (values), ==, w);
          for (int x = 0; x < w; x++)
            worst = MAX (worst, fabs (image->data[y * w + x] * 255.0 - g_ascii_strtod (values[x], NULL)));
        }
      g_test_message ("%s: largest difference from PIL %.4f of 255 (tolerance %.3g)", name, worst, tol);
      g_assert_cmpfloat (worst, <=, tol);
      n_files++;
    }
  g_assert_cmpint (n_files, >=, 8);
}

/* ---- the real files ---------------------------------------------------- */

static void
collect_images (const char *dir,
                GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          collect_images (path, out);
          g_free (path);
        }
      else if (g_str_has_suffix (name, ".png") || g_str_has_suffix (name, ".jpg") ||
               g_str_has_suffix (name, ".jpeg") || g_str_has_suffix (name, ".webp"))
        g_ptr_array_add (out, path);
      else
        g_free (path);
    }
}

static void
test_real_files (void)
{
  const char *shared = g_getenv ("LS_SHARED_DATA");
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  int per_format[8] = { 0 };
  LsDecodeOptions fast = { 0, 0, 224 };

  if (shared != NULL)
    dir = g_build_filename (shared, "cxr-real", NULL);
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("cxr-real not found (set LS_SHARED_DATA to the folder holding cxr-real/)");
      return;
    }
  collect_images (dir, paths);
  g_assert_cmpuint (paths->len, >=, 200);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load (path, NULL, &error);
      g_autoptr (LsImage) small = NULL;
      LsImageInfo info;
      float lo = 1, hi = 0;
      gboolean swap;

      if (image == NULL)
        g_error ("%s", error->message);
      for (gsize k = 0; k < (gsize) image->width * image->height; k++)
        {
          lo = MIN (lo, image->data[k]);
          hi = MAX (hi, image->data[k]);
        }
      g_assert_cmpfloat (lo, >=, 0);
      g_assert_cmpfloat (hi, <=, 1);
      g_assert_cmpfloat (hi - lo, >, 0.2); /* a radiograph, not a flat field */
      g_assert_cmpint (image->width, >=, 150);
      g_assert_cmpint (image->height, >=, 150);
      g_assert_cmpint (image->width, <=, 5000);
      g_assert_cmpint (image->height, <=, 5000);
      if (image->n_warnings > 0)
        g_test_message ("%s: %d warnings, first: %s", path, image->n_warnings, image->warning);

      g_assert_true (ls_image_probe (path, &info, &error));
      g_assert_cmpint (info.format, ==, image->format);
      g_assert_cmpint (info.orientation, ==, image->orientation);
      swap = info.orientation >= 5;
      g_assert_cmpint (swap ? info.height : info.width, ==, image->width);
      g_assert_cmpint (swap ? info.width : info.height, ==, image->height);
      per_format[image->format]++;

      small = ls_image_load (path, &fast, &error);
      g_assert_no_error (error);
      if (MIN (image->width, image->height) >= 224)
        {
          g_assert_cmpint (MIN (small->width, small->height), >=, 224);
          g_assert_cmpint (MIN (small->width, small->height), <, 2 * 224);
        }
      else
        g_assert_cmpint (small->width, ==, image->width);
    }
  g_test_message ("%u files: %d PNG, %d JPEG, %d WebP", paths->len, per_format[LS_IMAGE_FORMAT_PNG],
                  per_format[LS_IMAGE_FORMAT_JPEG], per_format[LS_IMAGE_FORMAT_WEBP]);
  g_assert_cmpint (per_format[LS_IMAGE_FORMAT_WEBP], >=, 1);
}

/* ---- broken input ------------------------------------------------------ */

static void
assert_fails (const guint8 *data,
              gsize size,
              const char *name,
              const LsDecodeOptions *opts,
              LsImageError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = ls_image_load_bytes (data, size, name, opts, &error);

  g_assert_null (image);
  g_assert_error (error, LS_IMAGE_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
}

static void
put_be32 (guint8 *p,
          guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static guint32
crc32_of (const guint8 *p,
          gsize n)
{
  guint32 c = 0xffffffffu;

  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
  return c ^ 0xffffffffu;
}

/* A PNG whose IHDR claims width × height, with valid CRCs, and no pixels. */
static GByteArray *
png_header_only (guint32 width,
                 guint32 height)
{
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[25];
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, magic, 8);
  put_be32 (ihdr, 13);
  memcpy (ihdr + 4, "IHDR", 4);
  put_be32 (ihdr + 8, width);
  put_be32 (ihdr + 12, height);
  ihdr[16] = 8, ihdr[17] = 0, ihdr[18] = 0, ihdr[19] = 0, ihdr[20] = 0;
  put_be32 (ihdr + 21, crc32_of (ihdr + 4, 17));
  g_byte_array_append (out, ihdr, 25);
  return out;
}

static void
test_broken_png (void)
{
  guint16 samples[64 * 64];
  g_autoptr (GByteArray) good = NULL;
  g_autoptr (GByteArray) bomb = png_header_only (100000, 100000);
  g_autoptr (GByteArray) empty = png_header_only (0, 0);
  g_autoptr (GByteArray) wide = png_header_only (20000, 10);
  g_autofree guint8 *corrupt = NULL;
  LsDecodeOptions small = { 32, 0, 0 };
  LsDecodeOptions few = { 0, 1000, 0 };

  for (int i = 0; i < 64 * 64; i++)
    samples[i] = sample_value (i, 0, 0, 255);
  good = make_png (64, 64, PNG_COLOR_TYPE_GRAY, 8, FALSE, samples, NULL, 0, NULL, 0);

  assert_fails (good->data, 0, "zero.png", NULL, LS_IMAGE_ERROR_TRUNCATED);
  assert_fails (good->data, 5, "five.png", NULL, LS_IMAGE_ERROR_TRUNCATED);
  for (gsize cut = 8; cut < good->len - 12; cut += MAX (1, good->len / 37))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load_bytes (good->data, cut, "cut.png", NULL, &error);

      g_assert_null (image);
      g_assert_true (g_error_matches (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED) ||
                     g_error_matches (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT));
    }
  assert_fails (good->data, good->len / 2, "half.png", NULL, LS_IMAGE_ERROR_TRUNCATED);
  /* Cut just before IEND: all rows are there, a warning only. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsImage) image = ls_image_load_bytes (good->data, good->len - 12, "no-iend.png", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (image->n_warnings, >=, 1);
  }

  corrupt = g_memdup2 (good->data, good->len);
  for (gsize i = 60; i < good->len - 20; i += 7)
    corrupt[i] ^= 0x5a;
  assert_fails (corrupt, good->len, "corrupt.png", NULL, LS_IMAGE_ERROR_CORRUPT);

  assert_fails (bomb->data, bomb->len, "bomb.png", NULL, LS_IMAGE_ERROR_TOO_LARGE);
  assert_fails (wide->data, wide->len, "wide.png", NULL, LS_IMAGE_ERROR_TOO_LARGE);
  assert_fails (empty->data, empty->len, "empty.png", NULL, LS_IMAGE_ERROR_EMPTY_IMAGE);
  assert_fails (good->data, good->len, "limit-side.png", &small, LS_IMAGE_ERROR_TOO_LARGE);
  assert_fails (good->data, good->len, "limit-pixels.png", &few, LS_IMAGE_ERROR_TOO_LARGE);
}

/* Found by fuzz-png: a 191-byte file whose tEXt chunk claims 1 GB made
 * libpng allocate and clear 1 GB before reading it (1.4 s). Now skipped. */
static void
test_png_huge_text_chunk (void)
{
  const char *root = g_getenv ("LS_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = NULL;
  gint64 t0;

  if (root == NULL)
    {
      g_test_skip ("LS_SOURCE_ROOT not set");
      return;
    }
  path = g_build_filename (root, "tests", "data", "issue4-png-1gb-text-chunk.png", NULL);
  t0 = g_get_monotonic_time ();
  image = ls_image_load (path, NULL, &error);
  g_assert_null (image);
  g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TRUNCATED);
  /* Refused from its header, not after reading a gigabyte (which takes
   * seconds); the bound leaves room for a loaded machine. */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
}

static void
test_broken_jpeg (void)
{
  const int w = 64, h = 64;
  guint8 samples[64 * 64 * 3];
  const JpegSpec spec = { 3, JCS_RGB, JCS_YCbCr, FALSE, 90, NULL, 0 };
  const JpegSpec prog = { 3, JCS_RGB, JCS_YCbCr, TRUE, 90, NULL, 0 };
  g_autoptr (GByteArray) good = NULL;
  g_autoptr (GByteArray) progressive = NULL;
  g_autofree guint8 *copy = NULL;
  LsDecodeOptions small = { 32, 0, 0 };

  for (int i = 0; i < w * h * 3; i++)
    samples[i] = sample_value (i, 1, 0, 255);
  good = make_jpeg (w, h, samples, &spec);
  progressive = make_jpeg (w, h, samples, &prog);

  assert_fails (good->data, 2, "two.jpg", NULL, LS_IMAGE_ERROR_TRUNCATED);
  assert_fails (good->data, 200, "header-cut.jpg", NULL, LS_IMAGE_ERROR_TRUNCATED);
  assert_fails (good->data, good->len / 2, "half.jpg", NULL, LS_IMAGE_ERROR_TRUNCATED);
  assert_fails (progressive->data, 300, "prog-cut.jpg", NULL, LS_IMAGE_ERROR_TRUNCATED);
  for (gsize cut = 3; cut < good->len; cut += MAX (1, good->len / 41))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load_bytes (good->data, cut, "cut.jpg", NULL, &error);

      g_assert_true (image != NULL || error->domain == LS_IMAGE_ERROR);
    }
  /* Missing only its EOI marker: decodes, with a warning. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsImage) image = ls_image_load_bytes (good->data, good->len - 2, "no-eoi.jpg", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (image->n_warnings, >=, 1);
    g_test_message ("%s", image->warning);
  }
  /* Scrambled entropy-coded data: recovered with warnings, or refused. */
  copy = g_memdup2 (good->data, good->len);
  for (gsize i = good->len / 2; i < good->len - 2; i += 5)
    copy[i] = (guint8) (copy[i] * 31 + 7);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LsImage) image = ls_image_load_bytes (copy, good->len, "scrambled.jpg", NULL, &error);

    if (image != NULL)
      {
        g_assert_cmpint (image->n_warnings, >=, 1);
        g_test_message ("scrambled: %d warnings, first %s", image->n_warnings, image->warning);
      }
    else
      g_test_message ("scrambled: %s", error->message);
  }
  /* A broken header is an error. */
  g_clear_pointer (&copy, g_free);
  copy = g_memdup2 (good->data, good->len);
  for (gsize i = 2; i + 9 < good->len; i++)
    if (copy[i] == 0xff && copy[i + 1] == 0xc0)
      {
        copy[i + 9] = 0; /* zero components */
        break;
      }
  assert_fails (copy, good->len, "no-components.jpg", NULL, LS_IMAGE_ERROR_CORRUPT);
  g_clear_pointer (&copy, g_free);
  copy = g_memdup2 (good->data, good->len);
  for (gsize i = 2; i + 9 < good->len; i++)
    if (copy[i] == 0xff && copy[i + 1] == 0xc0)
      {
        copy[i + 4] = 12; /* 12-bit samples: not in this libjpeg */
        break;
      }
  assert_fails (copy, good->len, "twelve-bit.jpg", NULL, LS_IMAGE_ERROR_FORMAT);

  /* Oversized: the SOF claims 60000 × 60000 (3.6 G pixels), or 20000 wide. */
  for (int k = 0; k < 2; k++)
    {
      g_autofree guint8 *big = g_memdup2 (good->data, good->len);

      for (gsize i = 2; i + 8 < good->len; i++)
        if (big[i] == 0xff && (big[i + 1] == 0xc0 || big[i + 1] == 0xc2))
          {
            guint16 hh = k == 0 ? 60000 : 10, ww = k == 0 ? 60000 : 20000;

            big[i + 5] = hh >> 8, big[i + 6] = hh & 0xff, big[i + 7] = ww >> 8, big[i + 8] = ww & 0xff;
            break;
          }
      assert_fails (big, good->len, "bomb.jpg", NULL, LS_IMAGE_ERROR_TOO_LARGE);
    }
  assert_fails (good->data, good->len, "limit.jpg", &small, LS_IMAGE_ERROR_TOO_LARGE);
}

static void
test_broken_other (void)
{
  static const guint8 gif[] = "GIF89a\x01\x00\x01\x00";
  static const guint8 text[] = "hello, this is not an image";
  static const guint8 webp_cut[] = "RIFF\x30\x00\x00\x00WEBPVP8 \x20\x00\x00\x00";
  guint8 dicom[140] = { 0 };

  memcpy (dicom + 128, "DICM", 4);
  assert_fails (gif, sizeof gif - 1, "anim.gif", NULL, LS_IMAGE_ERROR_FORMAT);
  assert_fails (text, sizeof text - 1, "notes.png", NULL, LS_IMAGE_ERROR_FORMAT);
  /* A DICOM preamble and magic with no file meta group after them (or a
   * build without DICOM support): a format error either way. */
  assert_fails (dicom, sizeof dicom, "scan.dcm", NULL, LS_IMAGE_ERROR_FORMAT);
  assert_fails (webp_cut, sizeof webp_cut - 1, "cut.webp", NULL, LS_IMAGE_ERROR_TRUNCATED);

  {
    g_autoptr (GError) error = NULL;
    LsImageInfo info;

    g_assert_null (ls_image_load ("/nonexistent/x.png", NULL, &error));
    g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "/nonexistent/x.png"));
    g_clear_error (&error);
    g_assert_false (ls_image_probe_bytes (text, sizeof text - 1, "notes.png", &info, &error));
    g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT);
  }
}

/* A PNG named .jpg (as five files of cxr-real are) is read as PNG. */
static void
test_sniffing (Fixture *fx,
               gconstpointer data)
{
  guint16 samples[16] = { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150 };
  g_autoptr (GByteArray) bytes = make_png (4, 4, PNG_COLOR_TYPE_GRAY, 8, FALSE, samples, NULL, 0, NULL, 0);
  g_autofree char *path = save (fx, "really-a-png.jpg", bytes);
  g_autoptr (LsImage) image = ls_image_load (path, NULL, NULL);

  g_assert_nonnull (image);
  g_assert_cmpint (image->format, ==, LS_IMAGE_FORMAT_PNG);
  g_assert_cmpfloat_with_epsilon (image->data[15], 150 / 255.0, 1e-6);
  g_assert_cmpint (ls_image_sniff_format (bytes->data, bytes->len), ==, LS_IMAGE_FORMAT_PNG);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add ("/lungscope/imaging/decode/png-types", Fixture, NULL, fixture_set_up, test_png_types,
              fixture_tear_down);
  g_test_add_func ("/lungscope/imaging/decode/png-16bit-precision", test_png_16bit_precision);
  g_test_add ("/lungscope/imaging/decode/png-palette", Fixture, NULL, fixture_set_up, test_png_palette,
              fixture_tear_down);
  g_test_add_func ("/lungscope/imaging/decode/png-fast-path", test_png_fast_path);
  g_test_add ("/lungscope/imaging/decode/jpeg-types", Fixture, NULL, fixture_set_up, test_jpeg_types,
              fixture_tear_down);
  g_test_add_func ("/lungscope/imaging/decode/jpeg-fast-path", test_jpeg_fast_path);
  g_test_add_func ("/lungscope/imaging/decode/exif-orientations", test_exif_orientations);
  g_test_add_func ("/lungscope/imaging/decode/exif-broken", test_exif_broken);
  g_test_add_func ("/lungscope/imaging/decode/exif-png-and-fast-path", test_exif_png_and_fast_path);
  g_test_add_func ("/lungscope/imaging/decode/pil-fixtures", test_pil_fixtures);
  g_test_add ("/lungscope/imaging/decode/sniffing", Fixture, NULL, fixture_set_up, test_sniffing,
              fixture_tear_down);
  g_test_add_func ("/lungscope/imaging/decode/broken-png", test_broken_png);
  g_test_add_func ("/lungscope/imaging/decode/png-huge-text-chunk", test_png_huge_text_chunk);
  g_test_add_func ("/lungscope/imaging/decode/broken-jpeg", test_broken_jpeg);
  g_test_add_func ("/lungscope/imaging/decode/broken-other", test_broken_other);
  g_test_add_func ("/lungscope/imaging/decode/real-files", test_real_files);
  return g_test_run ();
}
