/* store-test-util.h — small helpers the store tests share
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>
#include <glib/gstdio.h>

/* Writes a small RGB PNG whose pixels come from @seed, so every seed gives
 * different bytes. */
G_GNUC_UNUSED static void
write_test_png (const char *path,
                guint32 seed,
                int size)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, size, size);
  GRand *rand = g_rand_new_with_seed (seed);
  unsigned char *data;
  int stride;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size * 4; x++)
      data[y * stride + x] = (unsigned char) g_rand_int_range (rand, 0, 256);
  cairo_surface_mark_dirty (surface);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_rand_free (rand);
}

/* Writes a gray float image as an RGB PNG (another encoding than the
 * original's: a "re-encoded" copy). */
G_GNUC_UNUSED static void
write_float_png (const char *path,
                 const float *data,
                 int width,
                 int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  unsigned char *pixels;
  int stride;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float v = data[y * width + x];
        guint8 g = (guint8) (CLAMP (v, 0.0f, 1.0f) * 255.0f + 0.5f);
        guint32 *px = (guint32 *) (void *) (pixels + y * stride + x * 4);

        *px = 0xFF000000u | (guint32) g << 16 | (guint32) g << 8 | g;
      }
  cairo_surface_mark_dirty (surface);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
}

/* write_test_png at g_build_filename (...). */
#define WRITE_PNG(seed, size, ...)                                     \
  G_STMT_START                                                         \
  {                                                                    \
    g_autofree char *png_path_ = g_build_filename (__VA_ARGS__, NULL); \
    write_test_png (png_path_, seed, size);                            \
  }                                                                    \
  G_STMT_END

/* A fresh temp folder; removed by remove_tree(). */
G_GNUC_UNUSED static char *
make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("lungscope-store-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

G_GNUC_UNUSED static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

G_GNUC_UNUSED static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, &error));
  g_assert_true (g_file_set_contents (to, contents, (gssize) len, &error));
  g_assert_no_error (error);
}
