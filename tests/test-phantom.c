/* test-phantom.c — synthetic chest phantoms, their data sets, and PNG writing
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "dataset/phantom-private.h"
#include "dataset/phantom.h"
#include "imaging/png-write.h"
#include "ls-test.h"

/* ---- Reading PNG files back with libpng, as written ------------------------ */

typedef struct
{
  int width, height, bit_depth, color_type, channels;
  guint8 *pixels; /* rows as stored: 16-bit samples big-endian */
  gsize row_bytes;
} RawPng;

static void
raw_png_clear (RawPng *raw)
{
  g_clear_pointer (&raw->pixels, g_free);
}

/* Returns FALSE if libpng refuses the file. */
static gboolean
read_png (const char *path,
          RawPng *raw)
{
  FILE *fp = fopen (path, "rb");
  png_structp png;
  png_infop info;
  png_bytep *volatile rows = NULL;

  memset (raw, 0, sizeof *raw);
  if (fp == NULL)
    return FALSE;
  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_free (rows);
      raw_png_clear (raw);
      fclose (fp);
      return FALSE;
    }
  png_init_io (png, fp);
  png_read_info (png, info);
  raw->width = (int) png_get_image_width (png, info);
  raw->height = (int) png_get_image_height (png, info);
  raw->bit_depth = png_get_bit_depth (png, info);
  raw->color_type = png_get_color_type (png, info);
  raw->channels = png_get_channels (png, info);
  raw->row_bytes = png_get_rowbytes (png, info);
  raw->pixels = g_malloc (raw->row_bytes * raw->height);
  rows = g_new (png_bytep, raw->height);
  for (int y = 0; y < raw->height; y++)
    rows[y] = raw->pixels + raw->row_bytes * y;
  png_read_image (png, rows);
  png_read_end (png, NULL);
  png_destroy_read_struct (&png, &info, NULL);
  g_free (rows);
  fclose (fp);
  return TRUE;
}

static char *
make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("lungscope-phantom-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* Fails the test if a temporary file ('.' prefix) is left in a folder. */
static void
assert_no_temp_files (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_assert_false (name[0] == '.');
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        assert_no_temp_files (child);
    }
  g_dir_close (dir);
}

/* ---- PNG writing ----------------------------------------------------------- */

static void
test_png_gray8 (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "g8.png", NULL);
  const int w = 37, h = 23, stride = 41;
  g_autofree float *data = g_new0 (float, stride *h);
  g_autoptr (GError) error = NULL;
  RawPng raw;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      data[y * stride + x] = (float) ((x * 7 + y * 13) % 256) / 255.0f;
  data[0] = -0.5f; /* clamps to 0 */
  data[1] = 2.0f;  /* clamps to 255 */
  g_assert_true (ls_png_write_gray (path, data, w, h, stride, 8, LS_PNG_WRITE_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_true (read_png (path, &raw));
  g_assert_cmpint (raw.width, ==, w);
  g_assert_cmpint (raw.height, ==, h);
  g_assert_cmpint (raw.bit_depth, ==, 8);
  g_assert_cmpint (raw.color_type, ==, PNG_COLOR_TYPE_GRAY);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int expect = (x * 7 + y * 13) % 256;

        if (y == 0 && x == 0)
          expect = 0;
        if (y == 0 && x == 1)
          expect = 255;
        g_assert_cmpint (raw.pixels[y * raw.row_bytes + x], ==, expect);
      }
  raw_png_clear (&raw);
  assert_no_temp_files (dir);
  ls_test_remove_tree (dir);
}

static void
test_png_gray16 (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "g16.png", NULL);
  g_autoptr (LsImage) image = ls_image_new (61, 17);
  g_autoptr (GError) error = NULL;
  RawPng raw;

  for (int i = 0; i < 61 * 17; i++)
    image->data[i] = (float) ((i * 1031) % 65536) / 65535.0f;
  g_assert_true (ls_png_write_image (path, image, 16, LS_PNG_WRITE_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_true (read_png (path, &raw));
  g_assert_cmpint (raw.bit_depth, ==, 16);
  g_assert_cmpint (raw.color_type, ==, PNG_COLOR_TYPE_GRAY);
  for (int y = 0; y < 17; y++)
    for (int x = 0; x < 61; x++)
      {
        const guint8 *p = raw.pixels + y * raw.row_bytes + 2 * x;

        g_assert_cmpint (p[0] << 8 | p[1], ==, ((y * 61 + x) * 1031) % 65536);
      }
  raw_png_clear (&raw);
  ls_test_remove_tree (dir);
}

static void
test_png_rgba (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "rgba.png", NULL);
  const guint8 straight[2 * 4] = { 10, 20, 30, 255, 200, 100, 50, 128 };
  /* The second pixel premultiplied by 128/255, rounded. */
  const guint8 premul[2 * 4] = { 10, 20, 30, 255, 100, 50, 25, 128 };
  g_autoptr (GError) error = NULL;
  RawPng raw;

  g_assert_true (ls_png_write_rgba8 (path, straight, 2, 1, 8, LS_PNG_WRITE_DEFAULT, &error));
  g_assert_no_error (error);
  g_assert_true (read_png (path, &raw));
  g_assert_cmpint (raw.color_type, ==, PNG_COLOR_TYPE_RGB_ALPHA);
  g_assert_cmpmem (raw.pixels, 8, straight, 8);
  raw_png_clear (&raw);

  g_assert_true (ls_png_write_rgba8 (path, premul, 2, 1, 8, LS_PNG_WRITE_PREMULTIPLIED, &error));
  g_assert_no_error (error);
  g_assert_true (read_png (path, &raw));
  g_assert_cmpmem (raw.pixels, 4, straight, 4);
  for (int c = 0; c < 3; c++)
    g_assert_cmpint (ABS ((int) raw.pixels[4 + c] - straight[4 + c]), <=, 1);
  g_assert_cmpint (raw.pixels[7], ==, 128);
  raw_png_clear (&raw);
  ls_test_remove_tree (dir);
}

static void
test_png_errors (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "x.png", NULL);
  g_autofree char *path = g_build_filename (dir, "x.png", NULL);
  float pixel = 0.5f;
  g_autoptr (GError) error = NULL;
  RawPng raw;

  g_assert_false (ls_png_write_gray (missing, &pixel, 1, 1, 1, 8, 0, &error));
  g_assert_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_false (ls_png_write_gray (path, &pixel, 1, 1, 1, 12, 0, &error));
  g_assert_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_false (ls_png_write_gray (path, &pixel, 0, 1, 1, 8, 0, &error));
  g_assert_error (error, LS_PNG_WRITE_ERROR, LS_PNG_WRITE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Replacing an existing file leaves the new one and no temporary. */
  g_assert_true (g_file_set_contents (path, "old", 3, NULL));
  g_assert_true (ls_png_write_gray (path, &pixel, 1, 1, 1, 8, LS_PNG_WRITE_NO_FOLDER_SYNC, &error));
  g_assert_no_error (error);
  g_assert_true (ls_png_sync_folder (dir, &error));
  g_assert_true (read_png (path, &raw));
  g_assert_cmpint (raw.pixels[0], ==, 128);
  raw_png_clear (&raw);
  assert_no_temp_files (dir);
  ls_test_remove_tree (dir);
}

/* ---- Phantoms -------------------------------------------------------------- */

static void
test_classes (void)
{
  guint n = ls_phantom_get_n_classes ();
  gboolean some_without = FALSE, some_with = FALSE;

  g_assert_cmpuint (n, >=, 2);
  for (guint c = 0; c < n; c++)
    {
      const LsPhantomClass *k = ls_phantom_get_class (c);

      g_assert_cmpint (ls_phantom_find_class (k->name), ==, (int) c);
      some_without |= k->sign == LS_PHANTOM_SIGN_NONE;
      some_with |= k->sign != LS_PHANTOM_SIGN_NONE;
    }
  g_assert_true (some_without && some_with);
  /* DESIGN.md §3 order. */
  g_assert_cmpstr (ls_phantom_get_class (0)->name, ==, "normal");
  g_assert_cmpint (ls_phantom_find_class ("PNEUMONIA"), ==, 1);
  g_assert_cmpint (ls_phantom_find_class ("covid"), ==, 2);
  g_assert_cmpint (ls_phantom_find_class ("fracture"), ==, -1);
}

static gboolean
same_phantom (const LsPhantom *a,
              const LsPhantom *b)
{
  gsize n = (gsize) a->image->width * a->image->height;

  return a->image->width == b->image->width &&
         memcmp (a->image->data, b->image->data, n * sizeof (float)) == 0 &&
         memcmp (a->lesion->data, b->lesion->data, n * sizeof (float)) == 0 && memcmp (a->lungs, b->lungs, n) == 0;
}

static void
test_deterministic (void)
{
  LsPhantomParams params;

  ls_phantom_params_init (&params);
  params.size = 192;
  for (guint c = 0; c < ls_phantom_get_n_classes (); c++)
    {
      g_autoptr (LsPhantom) a = ls_phantom_generate (&params, 42, c, 5);
      g_autoptr (LsPhantom) b = ls_phantom_generate (&params, 42, c, 5);
      g_autoptr (LsPhantom) other_seed = ls_phantom_generate (&params, 43, c, 5);
      g_autoptr (LsPhantom) other_index = ls_phantom_generate (&params, 42, c, 6);

      g_assert_true (same_phantom (a, b));
      g_assert_false (same_phantom (a, other_seed));
      g_assert_false (same_phantom (a, other_index));
      g_assert_cmpint (a->image->width, ==, 192);
      g_assert_cmpint (a->image->format, ==, LS_IMAGE_FORMAT_GENERATED);
    }
}

/* The random streams and the images they paint are fixed: the shipped
 * default model's recipe (models/README.md) and every phantom data set
 * depend on them. The hashes were taken before the generator moved to
 * src/base (a stream that changes is a new recipe, not a refactoring). */
static void
test_streams_golden (void)
{
  static const struct
  {
    guint64 seed;
    guint class_index, index;
    const char *stream, *pixels;
  } cases[] = {
    { 2026, 0, 0, "935ebca66d7f2dc68edd5ae76652fc7d1a9ebd5432a55ba45bfa64a7c7eba759", "404cb3310a32811da94d19213c5cfebde8d8504174a40e3a1db2e484e17d625c" },
    { 2026, 1, 17, "a3c106648318d391fc5faafddce8464bb5759e4e5c6a793ec5f09a54fb637194", "18e96c2dd04954b8eceec0b9bdc40b6a610817ad62672733f1e9f4db52e8cc52" },
    { 2026, 2, 90000, "004ca87f112b395b1b46b746baee424bccb4e928664e5887cfa62b5ca188a6e2", "469aa889bfb73925966b20c9bcf3f8e4bd2ad6bcaceb7a3a58077bbbdfe809a2" },
    { 7, 2, 3, "4200ec49c1f01d52383acb8ee0fbfaf58f0a5d6988d91c59d7710d0a058e10db", "4eb7ba06ed21745305e4f78504c3a1bfb7cdf53261b28a2e27ef8d7ee0f684ba" },
  };
  LsPhantomParams params;

  ls_phantom_params_init (&params);
  params.size = 96;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GChecksum) stream = g_checksum_new (G_CHECKSUM_SHA256);
      g_autoptr (GChecksum) pixels = g_checksum_new (G_CHECKSUM_SHA256);
      g_autoptr (LsPhantom) ph = NULL;
      LsXoshiro rng;

      phantom_rng_init (&rng, cases[i].seed, cases[i].class_index, cases[i].index);
      for (int k = 0; k < 256; k++)
        {
          guint64 v[4];

          v[0] = GUINT64_TO_LE (ls_xoshiro_next (&rng));
          v[1] = GUINT64_TO_LE ((guint64) (ls_xoshiro_uniform_double (&rng) * 0x1.0p53));
          v[2] = GUINT64_TO_LE ((guint64) (ls_xoshiro_range (&rng, -3.0, 5.0) * 0x1.0p50));
          v[3] = ls_xoshiro_chance (&rng, 0.3);
          g_checksum_update (stream, (const guchar *) v, sizeof v);
        }
      ph = ls_phantom_generate (&params, cases[i].seed, cases[i].class_index, cases[i].index);
      for (int p = 0; p < ph->image->width * ph->image->height; p++)
        {
          guint8 b[2] = { (guint8) lroundf (ph->image->data[p] * 255.0f),
                          (guint8) lroundf (ph->lesion->data[p]) };

          g_checksum_update (pixels, b, sizeof b);
        }
      g_test_message ("{ %" G_GUINT64_FORMAT ", %u, %u, \"%s\", \"%s\" },", cases[i].seed,
                      cases[i].class_index, cases[i].index, g_checksum_get_string (stream),
                      g_checksum_get_string (pixels));
      g_assert_cmpstr (g_checksum_get_string (stream), ==, cases[i].stream);
      g_assert_cmpstr (g_checksum_get_string (pixels), ==, cases[i].pixels);
    }
}

/* Any size in range works, odd ones and the smallest included (ASan
 * watches the painters' bounds), and the film keeps its layout. */
static void
test_sizes (void)
{
  const int sizes[] = { 32, 33, 255, 257, 333, 640 };
  LsPhantomParams params;

  ls_phantom_params_init (&params);
  g_assert_cmpint (params.size, ==, 512);
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    for (guint c = 0; c < ls_phantom_get_n_classes (); c++)
      {
        g_autoptr (LsPhantom) ph = NULL;
        int R = sizes[k];
        guint lung_px = 0;

        params.size = R;
        ph = ls_phantom_generate (&params, 5, c, k);
        g_assert_cmpint (ph->image->width, ==, R);
        g_assert_cmpint (ph->image->height, ==, R);
        g_assert_cmpint (ph->lesion->width, ==, R);
        for (int i = 0; i < R * R; i++)
          {
            g_assert_true (ph->image->data[i] >= 0.0f && ph->image->data[i] <= 1.0f);
            lung_px += ph->lungs[i] != LS_PHANTOM_OUTSIDE;
          }
        g_assert_cmpfloat ((double) lung_px / (R * R), >, 0.12);
      }
}

/* Statistics of one phantom, from its own maps. */
typedef struct
{
  double lung_mean, mediastinum_mean, abdomen_mean, outside_mean;
  double lesion_mean, clear_lung_mean; /* inside lesions, lung outside lesions */
  guint lesion_px, lesion_outside_lungs;
  guint side_px[2];   /* lesion pixels in the right and the left lung */
  guint lower_px;     /* lesion pixels in the lower half of their lung */
  double lateral_sum; /* Σ lateral position within the row's lung span, 0 medial … 1 lateral */
} Stats;

static void
measure (const LsPhantom *ph,
         Stats *st)
{
  int R = ph->image->width;
  int ymin[2] = { R, R }, ymax[2] = { -1, -1 };
  int lung_bottom = -1;
  double sum_lung = 0, sum_med = 0, sum_abd = 0, sum_les = 0, sum_clear = 0;
  guint n_lung = 0, n_med = 0, n_abd = 0, n_clear = 0;

  memset (st, 0, sizeof *st);
  for (int y = 0; y < R; y++)
    for (int x = 0; x < R; x++)
      {
        guint8 l = ph->lungs[y * R + x];

        if (l != LS_PHANTOM_OUTSIDE)
          {
            int s = l == LS_PHANTOM_LEFT_LUNG;

            ymin[s] = MIN (ymin[s], y);
            ymax[s] = MAX (ymax[s], y);
            lung_bottom = MAX (lung_bottom, y);
          }
      }
  g_assert_cmpint (ymax[0], >, ymin[0]);
  g_assert_cmpint (ymax[1], >, ymin[1]);

  for (int y = 0; y < R; y++)
    {
      const guint8 *row = ph->lungs + (gsize) y * R;
      int r_min = R, r_max = -1, l_min = R, l_max = -1;

      for (int x = 0; x < R; x++)
        {
          if (row[x] == LS_PHANTOM_RIGHT_LUNG)
            r_min = MIN (r_min, x), r_max = MAX (r_max, x);
          else if (row[x] == LS_PHANTOM_LEFT_LUNG)
            l_min = MIN (l_min, x), l_max = MAX (l_max, x);
        }
      for (int x = 0; x < R; x++)
        {
          float v = ph->image->data[y * R + x];
          gboolean lesion = ph->lesion->data[y * R + x] > 0.5f;

          if (row[x] != LS_PHANTOM_OUTSIDE)
            {
              int s = row[x] == LS_PHANTOM_LEFT_LUNG;

              sum_lung += v;
              n_lung++;
              if (lesion)
                {
                  sum_les += v;
                  st->side_px[s]++;
                  if (y > (ymin[s] + ymax[s]) / 2)
                    st->lower_px++;
                  /* The right lung is on the image's left: lateral is smaller x. */
                  if (s == 0)
                    st->lateral_sum += (double) (r_max - x) / MAX (r_max - r_min, 1);
                  else
                    st->lateral_sum += (double) (x - l_min) / MAX (l_max - l_min, 1);
                }
              else
                {
                  sum_clear += v;
                  n_clear++;
                }
            }
          else if (r_max >= 0 && l_min < R && x > r_max + 2 && x < l_min - 2)
            {
              sum_med += v; /* between the lungs: mediastinum, spine, heart */
              n_med++;
            }
          if (lesion)
            {
              st->lesion_px++;
              st->lesion_outside_lungs += row[x] == LS_PHANTOM_OUTSIDE;
            }
        }
      /* Below the lungs, in the middle half: the upper abdomen. */
      if (y > lung_bottom + R / 40 && y < R - R / 20)
        for (int x = R / 4; x < 3 * R / 4; x++)
          {
            sum_abd += ph->image->data[y * R + x];
            n_abd++;
          }
    }
  /* The top corners: air beside the neck. */
  {
    double sum = 0;
    int c = R / 16;

    for (int y = 0; y < c; y++)
      for (int x = 0; x < c; x++)
        sum += ph->image->data[y * R + x] + ph->image->data[y * R + R - 1 - x];
    st->outside_mean = sum / (2.0 * c * c);
  }
  st->lung_mean = sum_lung / MAX (n_lung, 1);
  st->mediastinum_mean = sum_med / MAX (n_med, 1);
  st->abdomen_mean = n_abd > 0 ? sum_abd / n_abd : -1;
  st->lesion_mean = st->lesion_px > 0 ? sum_les / st->lesion_px : 0;
  st->clear_lung_mean = sum_clear / MAX (n_clear, 1);
}

/* Masks: empty for a class without signs, non-empty and inside the lungs
 * otherwise; and the signs where radiology puts them, measured on the
 * masks of many images. */
static void
test_lesions (void)
{
  const guint N = 24;
  int pneumonia = ls_phantom_find_class ("pneumonia"), covid = ls_phantom_find_class ("covid");
  LsPhantomParams params;
  guint one_sided = 0, bilateral = 0;
  guint64 covid_px = 0, covid_lower = 0;
  double covid_lateral = 0, contrast[3] = { 0 };

  ls_phantom_params_init (&params);
  params.size = 160;
  g_assert_cmpint (pneumonia, >=, 0);
  g_assert_cmpint (covid, >=, 0);
  for (guint c = 0; c < ls_phantom_get_n_classes (); c++)
    for (guint i = 0; i < N; i++)
      {
        g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 3, c, i);
        Stats st;

        measure (ph, &st);
        if (ls_phantom_get_class (c)->sign == LS_PHANTOM_SIGN_NONE)
          {
            g_assert_cmpuint (st.lesion_px, ==, 0);
            continue;
          }
        g_assert_cmpuint (st.lesion_px, >, (guint) (params.size * params.size / 400));
        g_assert_cmpuint (st.lesion_outside_lungs, ==, 0);
        contrast[c] += (st.lesion_mean - st.clear_lung_mean) / N;
        if ((int) c == pneumonia)
          one_sided += MIN (st.side_px[0], st.side_px[1]) < st.lesion_px / 10;
        if ((int) c == covid)
          {
            bilateral += MIN (st.side_px[0], st.side_px[1]) >= st.lesion_px / 10;
            covid_px += st.lesion_px;
            covid_lower += st.lower_px;
            covid_lateral += st.lateral_sum;
          }
      }
  g_test_message ("pneumonia one-sided %u/%u, covid bilateral %u/%u, covid lower zone %.2f, lateral %.2f, "
                  "contrast pneumonia %.3f covid %.3f",
                  one_sided, N, bilateral, N, (double) covid_lower / covid_px, covid_lateral / covid_px,
                  contrast[pneumonia], contrast[covid]);
  /* Pneumonia: mostly one lung. COVID-19: both lungs, lower zones, periphery. */
  g_assert_cmpuint (one_sided, >=, N * 7 / 10);
  g_assert_cmpuint (bilateral, >=, N * 8 / 10);
  g_assert_cmpfloat ((double) covid_lower / covid_px, >=, 0.65);
  g_assert_cmpfloat (covid_lateral / covid_px, >=, 0.6);
  /* Both are opacities; consolidation is denser than ground glass. */
  g_assert_cmpfloat (contrast[covid], >, 0.04);
  g_assert_cmpfloat (contrast[pneumonia], >, contrast[covid] + 0.03);
}

/* What makes a film look like a chest radiograph: air outside is dark, the
 * lungs darker than the mediastinum and the abdomen below them. */
static void
test_radiograph_statistics (void)
{
  LsPhantomParams params;

  ls_phantom_params_init (&params);
  params.size = 256;
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 11, 0, i);
      double mean = 0, var = 0;
      guint lung_px = 0;
      gsize n = (gsize) params.size * params.size;
      Stats st;

      measure (ph, &st);
      for (gsize k = 0; k < n; k++)
        {
          mean += ph->image->data[k];
          lung_px += ph->lungs[k] != 0;
        }
      mean /= n;
      for (gsize k = 0; k < n; k++)
        var += (ph->image->data[k] - mean) * (ph->image->data[k] - mean);
      g_test_message ("phantom %u: lungs %.2f mediastinum %.2f abdomen %.2f outside %.2f, lung area %.2f",
                      i, st.lung_mean, st.mediastinum_mean, st.abdomen_mean, st.outside_mean,
                      (double) lung_px / n);
      g_assert_cmpfloat (st.lung_mean, <, 0.5);
      g_assert_cmpfloat (st.mediastinum_mean, >, st.lung_mean + 0.2);
      g_assert_cmpfloat (st.abdomen_mean, >, st.lung_mean + 0.25);
      g_assert_cmpfloat (sqrt (var / n), >, 0.12);
      /* Lungs fill a plausible part of the film. */
      g_assert_cmpfloat ((double) lung_px / n, >, 0.15);
      g_assert_cmpfloat ((double) lung_px / n, <, 0.5);
    }
}

/* A contact sheet: one row per class, four phantoms a row; beside it the
 * same with the lesion masks tinted red (RGBA). Look at them. */
static void
test_contact_sheet (void)
{
  const int tile = 256, cols = 4;
  guint rows = ls_phantom_get_n_classes ();
  int w = tile * cols, h = tile * (int) rows;
  g_autofree float *sheet = g_new0 (float, (gsize) w *h);
  g_autofree guint8 *rgba = g_new0 (guint8, (gsize) w * h * 4);
  g_autofree char *dir = ls_test_build_path ("test-renders", NULL);
  g_autofree char *path = g_build_filename (dir, "phantom-contact-sheet.png", NULL);
  g_autofree char *path2 = g_build_filename (dir, "phantom-contact-sheet-masks.png", NULL);
  g_autoptr (GError) error = NULL;
  LsPhantomParams params;

  ls_phantom_params_init (&params);
  params.size = tile;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        g_autoptr (LsPhantom) ph = ls_phantom_generate (&params, 7, r, (guint) c);

        for (int y = 0; y < tile; y++)
          for (int x = 0; x < tile; x++)
            {
              gsize o = (gsize) (r * tile + y) * w + c * tile + x;
              float v = ph->image->data[y * tile + x];
              gboolean m = ph->lesion->data[y * tile + x] > 0.5f;
              guint8 g = (guint8) (v * 255 + 0.5f);

              sheet[o] = v;
              rgba[4 * o] = m ? (guint8) MIN (255, g / 2 + 128) : g;
              rgba[4 * o + 1] = m ? g / 2 : g;
              rgba[4 * o + 2] = m ? g / 2 : g;
              rgba[4 * o + 3] = 255;
            }
      }
  g_assert_true (ls_png_write_gray (path, sheet, w, h, (gsize) w, 8, 0, &error));
  g_assert_no_error (error);
  g_assert_true (ls_png_write_rgba8 (path2, rgba, w, h, (gsize) w * 4, 0, &error));
  g_assert_no_error (error);
  g_test_message ("contact sheets: %s, %s", path, path2);
}

/* ---- Data sets ------------------------------------------------------------- */

static char *
read_text (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

/* Checks a written data set: labels.csv rows, every file there and a PNG of
 * the right size, masks exactly for the classes with signs. */
static void
check_dataset (const char *dir,
               guint per_class,
               int size)
{
  g_autofree char *csv = read_text (dir, "labels.csv");
  g_auto (GStrv) lines = NULL;
  guint n_classes = ls_phantom_get_n_classes ();

  g_assert_nonnull (csv);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "path,label,patient,mask");
  g_assert_cmpuint (g_strv_length (lines), ==, per_class * n_classes + 2); /* header, rows, "" */
  g_assert_cmpstr (lines[per_class * n_classes + 1], ==, "");
  for (guint r = 1; r <= per_class * n_classes; r++)
    {
      g_auto (GStrv) cols = g_strsplit (lines[r], ",", -1);
      int c;

      g_assert_cmpuint (g_strv_length (cols), ==, 4);
      c = ls_phantom_find_class (cols[1]);
      g_assert_cmpint (c, >=, 0);
      g_assert_true (g_str_has_prefix (cols[0], cols[1]));
      g_assert_cmpint (*cols[3] != '\0', ==, ls_phantom_get_class (c)->sign != LS_PHANTOM_SIGN_NONE);
      for (int k = 0; k < 4; k += 3)
        {
          g_autofree char *path = NULL;
          RawPng raw;

          if (*cols[k] == '\0')
            continue;
          path = g_build_filename (dir, cols[k], NULL);
          g_assert_true (read_png (path, &raw));
          g_assert_cmpint (raw.width, ==, size);
          g_assert_cmpint (raw.height, ==, size);
          g_assert_cmpint (raw.bit_depth, ==, 8);
          g_assert_cmpint (raw.color_type, ==, PNG_COLOR_TYPE_GRAY);
          if (k == 3)
            {
              guint on = 0;

              for (int i = 0; i < size * size; i++)
                {
                  g_assert_true (raw.pixels[i] == 0 || raw.pixels[i] == 255);
                  on += raw.pixels[i] == 255;
                }
              g_assert_cmpuint (on, >, 0);
            }
          raw_png_clear (&raw);
        }
    }
  assert_no_temp_files (dir);
}

static void
on_progress (double fraction,
             const char *message,
             gpointer user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_nonnull (message);
  *last = fraction;
}

static void
test_write_dataset (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  g_autoptr (GError) error = NULL;
  double last = 0;

  g_assert_true (ls_phantom_write_dataset (a, 3, 9, 96, on_progress, &last, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  check_dataset (a, 3, 96);
  g_assert_true (ls_phantom_write_dataset (b, 3, 9, 96, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Same seed, same bytes; and the same as generating alone. */
  for (guint c = 0; c < ls_phantom_get_n_classes (); c++)
    for (guint i = 0; i < 3; i++)
      {
        const char *name = ls_phantom_get_class (c)->name;
        g_autofree char *rel = g_strdup_printf ("%s/%s-%05u.png", name, name, i);
        g_autofree char *ta = NULL, *tb = NULL;
        g_autofree char *pa = g_build_filename (a, rel, NULL), *pb = g_build_filename (b, rel, NULL);
        gsize la, lb;
        LsPhantomParams params;
        g_autoptr (LsPhantom) ph = NULL;
        RawPng raw;

        g_assert_true (g_file_get_contents (pa, &ta, &la, NULL));
        g_assert_true (g_file_get_contents (pb, &tb, &lb, NULL));
        g_assert_cmpmem (ta, la, tb, lb);

        ls_phantom_params_init (&params);
        params.size = 96;
        ph = ls_phantom_generate (&params, 9, c, i);
        g_assert_true (read_png (pa, &raw));
        for (int k = 0; k < 96 * 96; k++)
          g_assert_cmpint (raw.pixels[k], ==, (int) (ph->image->data[k] * 255.0f + 0.5f));
        raw_png_clear (&raw);
      }

  /* Cancelled before it starts: an error, and no labels.csv. */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *c = g_build_filename (dir, "c", NULL);
    g_autofree char *labels = g_build_filename (c, "labels.csv", NULL);

    g_cancellable_cancel (cancellable);
    g_assert_false (ls_phantom_write_dataset (c, 3, 9, 96, NULL, NULL, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
  }

  /* Bad arguments. */
  g_assert_false (ls_phantom_write_dataset (a, 0, 9, 96, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ls_phantom_write_dataset (a, 1, 9, 8, NULL, NULL, NULL, &error));
  g_assert_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_INVALID);
  g_clear_error (&error);
  /* A file where the folder should be. */
  {
    g_autofree char *file = g_build_filename (dir, "file", NULL);

    g_assert_true (g_file_set_contents (file, "x", 1, NULL));
    g_assert_false (ls_phantom_write_dataset (file, 1, 9, 96, NULL, NULL, NULL, &error));
    g_assert_error (error, LS_PHANTOM_ERROR, LS_PHANTOM_ERROR_IO);
    g_assert_nonnull (strstr (error->message, file));
    g_clear_error (&error);
  }
  ls_test_remove_tree (dir);
}

/* ---- Through the program ---------------------------------------------------- */

static void
run_cli (char **out,
         char **err,
         int *status,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("LS_CLI");
  va_list args;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  va_start (args, status);
  for (const char *a = va_arg (args, const char *); a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (ls_test_run ((const char *const *) argv->pdata, out, err, status));
}

static void
test_cli (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *ds = g_build_filename (dir, "ds", NULL);
  g_autofree char *ds2 = g_build_filename (dir, "ds2", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status;

  run_cli (&out, &err, &status, "phantoms", ds, "--per-class", "3", "--seed", "1", "--size", "256", NULL);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  check_dataset (ds, 3, 256);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The same command writes the same bytes. */
  run_cli (&out, &err, &status, "phantoms", ds2, "--per-class", "3", "--seed", "1", "--size", "256", NULL);
  g_assert_cmpint (status, ==, 0);
  {
    g_autofree char *a = NULL, *b = NULL;
    g_autofree char *pa = g_build_filename (ds, "covid", "covid-00002_mask.png", NULL);
    g_autofree char *pb = g_build_filename (ds2, "covid", "covid-00002_mask.png", NULL);
    g_autofree char *ia = g_build_filename (ds, "pneumonia", "pneumonia-00001.png", NULL);
    g_autofree char *ib = g_build_filename (ds2, "pneumonia", "pneumonia-00001.png", NULL);
    g_autofree char *ca = read_text (ds, "labels.csv"), *cb = read_text (ds2, "labels.csv");
    gsize la, lb;

    g_assert_true (g_file_get_contents (pa, &a, &la, NULL));
    g_assert_true (g_file_get_contents (pb, &b, &lb, NULL));
    g_assert_cmpmem (a, la, b, lb);
    g_clear_pointer (&a, g_free);
    g_clear_pointer (&b, g_free);
    g_assert_true (g_file_get_contents (ia, &a, &la, NULL));
    g_assert_true (g_file_get_contents (ib, &b, &lb, NULL));
    g_assert_cmpmem (a, la, b, lb);
    g_assert_cmpstr (ca, ==, cb);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  run_cli (&out, &err, &status, "phantoms", "--help", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "--per-class"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A folder that cannot be made: the work fails, exit 1, one line. */
  {
    g_autofree char *file = g_build_filename (dir, "file", NULL);

    g_assert_true (g_file_set_contents (file, "x", 1, NULL));
    run_cli (&out, &err, &status, "phantoms", file, "--per-class", "1", NULL);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, file));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  ls_test_remove_tree (dir);
}

static void
test_cli_usage (void)
{
  const char *const cases[][8] = {
    { "phantoms", NULL },
    { "phantoms", "/tmp/x", NULL },
    { "phantoms", "/tmp/x", "--per-class", "0", NULL },
    { "phantoms", "/tmp/x", "--per-class", "-3", NULL },
    { "phantoms", "/tmp/x", "--per-class", "many", NULL },
    { "phantoms", "/tmp/x", "--per-class", "2", "--size", "8", NULL },
    { "phantoms", "/tmp/x", "--per-class", "2", "--seed", "-1", NULL },
    { "phantoms", "/tmp/x", "--per-class", "2", "--seed", "abc", NULL },
    { "phantoms", "/tmp/x", "/tmp/y", "--per-class", "2", NULL },
    { "phantoms", "--per-class", "2", NULL },
    { "phantoms", "/tmp/x", "--per-class", "2", "--frobnicate", NULL },
    { NULL },
  };

  for (guint i = 0; cases[i][0] != NULL; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status;

      run_cli (&out, &err, &status, cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4],
               cases[i][5], cases[i][6], NULL);
      g_test_message ("case %u -> %d: %s", i, status, err);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "lungscope-cli phantoms"));
      g_assert_cmpint (strchr (err, '\n') - err, ==, (int) strlen (err) - 1);
    }
  g_assert_false (g_file_test ("/tmp/x/labels.csv", G_FILE_TEST_EXISTS));
}

/* Ctrl-C in the middle: exit 130, no labels.csv, no temporary files, and
 * every image that is there decodes whole. */
static void
test_cli_interrupt (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *ds = g_build_filename (dir, "ds", NULL);
  g_autofree char *labels = g_build_filename (ds, "labels.csv", NULL);
  g_autofree char *normal = g_build_filename (ds, "normal", NULL);
  const char *argv[] = { g_getenv ("LS_CLI"), "phantoms", ds, "--per-class", "5000", "--size", "384", NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;
  int wait_status;
  guint checked = 0;
  GDir *d;
  const char *name;

  g_assert_nonnull (argv[0]);
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  /* Wait until it has written something, then interrupt. */
  for (int i = 0; i < 1200; i++) /* up to a minute on a busy machine */
    {
      g_autofree char *first = g_build_filename (normal, "normal-00002.png", NULL);

      if (g_file_test (first, G_FILE_TEST_EXISTS))
        break;
      g_usleep (50 * 1000);
    }
  kill (pid, SIGINT);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 130);
  g_assert_false (g_file_test (labels, G_FILE_TEST_EXISTS));
  assert_no_temp_files (ds);

  d = g_dir_open (normal, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (normal, name, NULL);
      RawPng raw;

      g_assert_true (read_png (path, &raw));
      g_assert_cmpint (raw.width, ==, 384);
      raw_png_clear (&raw);
      checked++;
    }
  g_dir_close (d);
  g_test_message ("%u complete images after the interrupt", checked);
  g_assert_cmpuint (checked, >=, 3);
  g_assert_cmpuint (checked, <, 5000);
  ls_test_remove_tree (dir);
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);

  g_test_add_func ("/lungscope/imaging/png-write/gray8", test_png_gray8);
  g_test_add_func ("/lungscope/imaging/png-write/gray16", test_png_gray16);
  g_test_add_func ("/lungscope/imaging/png-write/rgba", test_png_rgba);
  g_test_add_func ("/lungscope/imaging/png-write/errors", test_png_errors);
  g_test_add_func ("/lungscope/dataset/phantom/classes", test_classes);
  g_test_add_func ("/lungscope/dataset/phantom/deterministic", test_deterministic);
  g_test_add_func ("/lungscope/dataset/phantom/streams-golden", test_streams_golden);
  g_test_add_func ("/lungscope/dataset/phantom/sizes", test_sizes);
  g_test_add_func ("/lungscope/dataset/phantom/lesions", test_lesions);
  g_test_add_func ("/lungscope/dataset/phantom/radiograph-statistics", test_radiograph_statistics);
  g_test_add_func ("/lungscope/dataset/phantom/contact-sheet", test_contact_sheet);
  g_test_add_func ("/lungscope/dataset/phantom/write-dataset", test_write_dataset);
  g_test_add_func ("/lungscope/dataset/phantom/cli", test_cli);
  g_test_add_func ("/lungscope/dataset/phantom/cli-usage", test_cli_usage);
  g_test_add_func ("/lungscope/dataset/phantom/cli-interrupt", test_cli_interrupt);

  return g_test_run ();
}
