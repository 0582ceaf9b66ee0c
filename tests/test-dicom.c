/* test-dicom.c — DICOM decoding on the committed synthetic seeds
 *
 * fuzz/corpus/dicom/ holds 16 × 16 gradients (fuzz/make-dicom-seeds.py):
 * p(x, y) = 8 (x + y), stored as x = 8 p + 500 with Rescale Slope 2,
 * Intercept −1024 and the window 2016.5/4081, which shows exactly p / 255;
 * the MONOCHROME1, 12-bit signed and every compressed copy show the same.
 * Here they are decoded (GDCM in the decoder process, the rest in this one,
 * so the unit suite runs it under ASan, UBSan and valgrind), with their
 * facts and full-precision values, and cut or corrupted copies are refused
 * with one line. A stand-in decoder (dicom-decoder-fake.c) that crashes,
 * hangs or answers wrongly gives one line too, and leaves no descriptor or
 * process behind.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaging/decode.h"
#include "imaging/dicom-private.h"
#include "ls-test.h"

static GBytes *
seed (const char *name)
{
  const char *root = g_getenv ("LS_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  char *data;
  gsize len;

  g_assert_nonnull (root);
  path = g_build_filename (root, "fuzz", "corpus", "dicom", name, NULL);
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static LsImage *
load (GBytes *bytes,
      const LsDecodeOptions *opts,
      GError **error)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);

  return ls_image_load_bytes (d, n, "seed.dcm", opts, error);
}

static void
assert_gradient (const LsImage *image,
                 double tolerance)
{
  g_assert_cmpint (image->width, ==, 16);
  g_assert_cmpint (image->height, ==, 16);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++)
      g_assert_cmpfloat_with_epsilon (image->data[y * 16 + x], 8.0 * (x + y) / 255.0, tolerance);
}

static void
test_encodings (void)
{
  static const char *const same[] = { "explicit-mono2-16.dcm", "implicit-mono1-16.dcm",
                                      "explicit-signed12.dcm", "jpegls-16.dcm",
                                      "j2k-16.dcm", "jpeg-lossless-16.dcm",
                                      "rle-16.dcm", "deflated-16.dcm" };

  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autoptr (GBytes) bytes = seed (same[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = load (bytes, NULL, &error);

      g_test_message ("%s", same[i]);
      g_assert_no_error (error);
      g_assert_cmpint (image->format, ==, LS_IMAGE_FORMAT_DICOM);
      g_assert_nonnull (image->dicom);
      g_assert_cmpint (image->dicom->window_source, ==, LS_WINDOW_SOURCE_FILE);
      g_assert_cmpfloat (image->dicom->window_center, ==, 2016.5);
      g_assert_cmpfloat (image->dicom->window_width, ==, 4081);
      g_assert_cmpint (image->dicom->monochrome1, ==, strstr (same[i], "mono1") != NULL);
      g_assert_null (image->dicom->values);
      assert_gradient (image, 1e-6);
    }
}

static void
test_facts_and_values (void)
{
  g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = NULL, copy = NULL;
  g_autofree float *shown = g_new (float, 256);
  LsDecodeOptions opts;

  ls_decode_options_init (&opts);
  opts.keep_values = TRUE;
  image = load (bytes, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (image->dicom->modality, ==, "DX");
  g_assert_cmpstr (image->dicom->view_position, ==, "PA");
  g_assert_cmpstr (image->dicom->patient_id, ==, "PID-0001");
  g_assert_cmpstr (image->dicom->transfer_syntax, ==, "1.2.840.10008.1.2.1");
  g_assert_cmpfloat (image->dicom->pixel_spacing[0], ==, 0.139);
  g_assert_cmpfloat (image->dicom->rescale_slope, ==, 2);
  g_assert_cmpfloat (image->dicom->rescale_intercept, ==, -1024);
  g_assert_cmpint (image->dicom->bits_stored, ==, 16);
  g_assert_cmpint (image->bit_depth, ==, 16);
  g_assert_cmpfloat (image->dicom->value_min, ==, -24);
  g_assert_cmpfloat (image->dicom->value_max, ==, 16 * 240 - 24);
  g_assert_null (ls_dicom_facts_warning (image->dicom, "seed.dcm"));
  /* The values are the modality values; the viewer's window of them with
   * the file's own window is the displayed image. */
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat (image->dicom->values[i], ==, 16.0f * 8 * (i % 16 + i / 16) - 24);
  ls_dicom_window (image->dicom->values, 256, 2016.5, 4081, FALSE, shown);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon (shown[i], image->data[i], 1e-6);
  ls_dicom_window (image->dicom->values, 256, 0, 1, TRUE, shown);
  g_assert_cmpfloat (shown[0], ==, 1); /* −24 ≤ lower edge: black, inverted */
  g_assert_cmpfloat (shown[255], ==, 0);
  copy = ls_image_copy (image);
  g_assert_cmpstr (copy->dicom->patient_id, ==, "PID-0001");
  g_assert_cmpmem (copy->dicom->values, 256 * sizeof (float), image->dicom->values, 256 * sizeof (float));
}

static void
test_other_pixels (void)
{
  g_autoptr (GBytes) lut = seed ("voilut-8.dcm");
  g_autoptr (GBytes) rgb = seed ("rgb-8.dcm");
  g_autoptr (GBytes) ct = seed ("explicit-signed12.dcm");
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) a = load (lut, NULL, &error);
  g_autoptr (LsImage) b = NULL, c = NULL;
  g_autofree char *w1 = NULL, *w2 = NULL;

  /* VOI LUT: entry p · 16 of 12 bits. */
  g_assert_no_error (error);
  g_assert_cmpint (a->dicom->window_source, ==, LS_WINDOW_SOURCE_VOI_LUT);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon (a->data[i], 8.0 * (i % 16 + i / 16) * 16 / 4095.0, 1e-6);
  w1 = ls_dicom_facts_warning (a->dicom, "seed.dcm");
  g_assert_nonnull (strstr (w1, "lateral view (LL)"));
  /* RGB: gray as for PNG. */
  b = load (rgb, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->color_type, ==, LS_COLOR_TYPE_RGB);
  for (int i = 0; i < 256; i++)
    {
      int p = 8 * (i % 16 + i / 16);

      g_assert_cmpfloat_with_epsilon (b->data[i], (0.299 * p + 0.587 * (p / 2) + 0.114 * (255 - p)) / 255,
                                      1e-6);
    }
  c = load (ct, NULL, &error);
  w2 = ls_dicom_facts_warning (c->dicom, "seed.dcm");
  g_assert_nonnull (strstr (w2, "modality CT"));
}

static void
test_fast_path (void)
{
  g_autoptr (GBytes) bytes = seed ("jpegls-16.dcm");
  g_autoptr (GError) error = NULL;
  LsDecodeOptions opts = { 0, 0, 4, FALSE };
  g_autoptr (LsImage) image = load (bytes, &opts, &error);

  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 4);
  g_assert_cmpint (image->orig_width, ==, 16);
  /* Box of 4 × 4: mean of 8 (x + y) over the block. */
  g_assert_cmpfloat_with_epsilon (image->data[0], 8.0 * 3 / 255, 1e-6);
}

static void
assert_refused (const guint8 *data,
                gsize n,
                const LsDecodeOptions *opts,
                const char *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = ls_image_load_bytes (data, n, "bad.dcm", opts, &error);
  LsImageInfo info;

  g_assert_null (image);
  g_assert_error (error, LS_IMAGE_ERROR, error->code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.dcm: "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_nonnull (strstr (error->message, expect));
  g_clear_error (&error);
  if (opts == NULL)
    {
      g_assert_false (ls_image_probe_bytes (data, n, "bad.dcm", &info, &error));
      g_assert_nonnull (error);
    }
}

/* Fuzzer findings in GDCM, refused in one line before GDCM reads them: a
 * JPEG 2000 fragment whose marker lengths lie, a JPEG frame header with a
 * sample precision of 72 bits. */
static void
check_refused (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("LS_SOURCE_ROOT"), "tests", "data", name,
                                            NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = ls_image_load (path, NULL, &error);
  LsImageInfo info;

  g_assert_null (image);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (g_error_matches (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT) &&
      strstr (error->message, "without DICOM support") != NULL)
    return;
  g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_false (ls_image_probe (path, &info, &error));
  g_assert_nonnull (error);
}

static void
test_issue17_gdcm_findings (void)
{
  check_refused ("issue17-j2k-marker-lengths.dcm");
  check_refused ("issue17-jpeg-precision.dcm");
}

static char *
data_path (const char *name)
{
  return g_build_filename (g_getenv ("LS_SOURCE_ROOT"), "tests", "data", name, NULL);
}

/* Fuzzer findings that pass our checks and make GDCM 3.0.21 assert
 * (gdcmPixmapReader.cxx:960 assert(0); gdcm::Attribute's VR assert): the
 * decoder process dies, the caller gets one line — through the library and
 * through the real CLI, which exits 1, not by a signal. */
static void
check_decoder_crash (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autofree char *expect = g_strdup_printf ("%s: not a readable DICOM image (the decoder crashed)", path);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = ls_image_load (path, NULL, &error);
  const char *argv[] = { g_getenv ("LS_CLI"), "predict", path, NULL };
  g_auto (GStrv) lines = NULL;
  LsImageInfo info;
  int status = -1, naming = 0;

  g_assert_null (image);
  g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT);
  g_assert_cmpstr (error->message, ==, expect);
  g_clear_error (&error);
  g_assert_false (ls_image_probe (path, &info, &error));
  g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT);
  g_assert_cmpstr (error->message, ==, expect);

  g_assert_true (ls_test_run (argv, &out, &err, &status));
  g_test_message ("lungscope-cli predict: exit %d, stderr: %s", status, err);
  g_assert_cmpint (status, ==, 1);
  lines = g_strsplit (err, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], path) != NULL)
      {
        naming++;
        g_assert_nonnull (strstr (lines[i], expect));
      }
  g_assert_cmpint (naming, ==, 1);
}

static void
test_issue17_decoder_crash (void)
{
  check_decoder_crash ("issue17-gdcm-pixmap-assert.dcm");
  check_decoder_crash ("issue17-gdcm-attribute-vr.dcm");
}

/* The decoder as a stand-in that misbehaves as @mode says. */
static GError *
decode_with_fake (const char *mode,
                  const char *pidfile)
{
  g_autofree char *real = g_strdup (g_getenv ("LUNGSCOPE_DICOM_DECODER"));
  /* Compressed: the decoder's whole answer, pixels too, comes from it. */
  g_autoptr (GBytes) bytes = seed ("jpegls-16.dcm");
  GError *error = NULL;
  LsImage *image;

  g_assert_nonnull (g_getenv ("LS_DICOM_DECODER_FAKE"));
  g_setenv ("LUNGSCOPE_DICOM_DECODER", g_getenv ("LS_DICOM_DECODER_FAKE"), TRUE);
  g_setenv ("LS_FAKE_DECODER_MODE", mode, TRUE);
  if (pidfile != NULL)
    g_setenv ("LS_FAKE_DECODER_PIDFILE", pidfile, TRUE);
  /* A stand-in started with this environment (the decoders kept alive
   * keep the one they started with). */
  ls_dicom_decoders_stop (FALSE);
  image = load (bytes, NULL, &error);
  ls_dicom_decoders_stop (FALSE);
  g_unsetenv ("LS_FAKE_DECODER_PIDFILE");
  g_unsetenv ("LS_FAKE_DECODER_MODE");
  g_setenv ("LUNGSCOPE_DICOM_DECODER", real, TRUE);
  g_assert_null (image);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", mode, error->message);
  g_assert_true (g_str_has_prefix (error->message, "seed.dcm: "));
  g_assert_null (strchr (error->message, '\n'));
  return error;
}

static void
assert_fake (const char *mode,
             const char *expect)
{
  g_autoptr (GError) error = decode_with_fake (mode, NULL);

  g_assert_nonnull (strstr (error->message, expect));
}

static void
test_decoder_failures (void)
{
  assert_fake ("abort", "(the decoder crashed)");
  assert_fake ("garbage", "the decoder's answer is malformed: it does not start with the expected magic");
  assert_fake ("lie", "the decoder's answer is malformed: 1000 bytes of pixels for an image of 512");
  assert_fake ("short", "(the decoder's answer is cut short)");
  assert_fake ("long", "the decoder's answer is malformed: it is longer than its header says");
  assert_fake ("silent", "(the decoder's answer is cut short)");
  assert_fake ("exit7", "(the decoder failed with exit status 7)");
  {
    g_autoptr (GError) error = decode_with_fake ("chatty", NULL);

    /* The refusal is the decoder's last line, whatever came before; exit
     * status 11 is 10 + LS_IMAGE_ERROR_FORMAT. */
    g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT);
    g_assert_cmpstr (error->message, ==, "seed.dcm: the real reason");
  }
  {
    g_autofree char *real = g_strdup (g_getenv ("LUNGSCOPE_DICOM_DECODER"));
    g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
    g_autoptr (GError) error = NULL;
    g_autoptr (LsImage) image = NULL;

    g_setenv ("LUNGSCOPE_DICOM_DECODER", "/nonexistent/lungscope-dicom-decode", TRUE);
    image = load (bytes, NULL, &error);
    g_setenv ("LUNGSCOPE_DICOM_DECODER", real, TRUE);
    g_assert_null (image);
    g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO);
    g_assert_true (g_str_has_prefix (error->message, "seed.dcm: cannot start the DICOM decoder /nonexistent/"));
  }
  /* A decoder that ends at once (a missing library after an upgrade):
   * said at once, not after the time limit (20 s + 5). */
  {
    g_autofree char *real = g_strdup (g_getenv ("LUNGSCOPE_DICOM_DECODER"));
    g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
    g_autoptr (GError) error = NULL;
    g_autoptr (LsImage) image = NULL;
    gint64 t0 = g_get_monotonic_time ();

    ls_dicom_decoders_stop (FALSE);
    g_setenv ("LUNGSCOPE_DICOM_DECODER", "/bin/false", TRUE);
    image = load (bytes, NULL, &error);
    g_setenv ("LUNGSCOPE_DICOM_DECODER", real, TRUE);
    g_assert_null (image);
    g_test_message ("a decoder that ends at once: %s (%.2f s)", error->message,
                    (g_get_monotonic_time () - t0) / 1e6);
    g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO);
    g_assert_cmpstr (error->message, ==,
                     "seed.dcm: cannot start the DICOM decoder /bin/false (it ended before it was ready)");
    g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);
  }
}

/* A decoder that hangs is killed at the time limit (and reaped). */
static void
test_decoder_time_limit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ls-dicom-XXXXXX", NULL);
  g_autofree char *pidfile = g_build_filename (dir, "pid", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0, elapsed;
  int pid;

  g_setenv ("LUNGSCOPE_DICOM_DECODE_TIMEOUT", "0.5", TRUE);
  t0 = g_get_monotonic_time ();
  error = decode_with_fake ("hang", pidfile);
  elapsed = g_get_monotonic_time () - t0;
  g_unsetenv ("LUNGSCOPE_DICOM_DECODE_TIMEOUT");
  g_assert_cmpstr (error->message, ==, "seed.dcm: not a readable DICOM image (the decoder took too long)");
  g_test_message ("killed after %.2f s", elapsed / 1e6);
  g_assert_cmpint (elapsed, >=, 500000);
  g_assert_cmpint (elapsed, <, 10000000);
  g_assert_true (g_file_get_contents (pidfile, &text, NULL, NULL));
  pid = atoi (text);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  ls_test_remove_tree (dir);
}

/* The seed made 2048 × 2048 (zeros): its rows and columns patched, its
 * pixel data (the last element) replaced. */
static GBytes *
big_seed (void)
{
  g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
  gsize n, at = 0;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  const guint8 pixel_tag[] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'W' };
  const guint8 rows_tag[] = { 0x28, 0x00, 0x10, 0x00, 'U', 'S', 0x02, 0x00 };
  const guint8 cols_tag[] = { 0x28, 0x00, 0x11, 0x00, 'U', 'S', 0x02, 0x00 };
  const guint32 side = 2048, len = side * side * 2;
  GByteArray *out = g_byte_array_new ();
  guint8 element[12] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'W', 0, 0 };
  int patched = 0;

  for (gsize i = 0; i + sizeof pixel_tag <= n; i++)
    if (memcmp (d + i, pixel_tag, sizeof pixel_tag) == 0)
      at = i;
  g_assert_cmpuint (at, >, 0);
  g_byte_array_append (out, d, (guint) at);
  for (gsize i = 0; i + sizeof rows_tag + 2 <= at; i++)
    if (memcmp (d + i, rows_tag, sizeof rows_tag) == 0 || memcmp (d + i, cols_tag, sizeof cols_tag) == 0)
      {
        out->data[i + 8] = side & 0xff;
        out->data[i + 9] = side >> 8;
        patched++;
      }
  g_assert_cmpint (patched, ==, 2);
  for (int k = 0; k < 4; k++)
    element[8 + k] = (guint8) (len >> (8 * k));
  g_byte_array_append (out, element, sizeof element);
  g_byte_array_set_size (out, out->len + len);
  memset (out->data + out->len - len, 0, len);
  return g_byte_array_free_to_bytes (out);
}

/* The decoder's address space is limited: over it, one line saying so. */
static void
test_decoder_memory_limit (void)
{
#if defined(__SANITIZE_ADDRESS__)
  const gboolean under_asan = TRUE;
#else
  const gboolean under_asan = FALSE;
#endif
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  LsDecodeOptions small = { 0, 0, 64, FALSE };
  LsImage *image;

  if (under_asan)
    {
      g_test_skip ("AddressSanitizer needs terabytes of address space: the decoder sets no limit under it");
      return;
    }
  bytes = big_seed ();
  g_setenv ("LUNGSCOPE_DICOM_DECODE_MEMORY_MB", "16", TRUE);
  image = load (bytes, &small, &error);
  g_unsetenv ("LUNGSCOPE_DICOM_DECODE_MEMORY_MB");
  g_assert_null (image);
  g_assert_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==,
                   "seed.dcm: decoding it needs more memory than the DICOM decoder may use (16 MiB)");
  g_clear_error (&error);
  /* Within the default limit (512 MiB + 4 × the file + 4 × the image). */
  image = load (bytes, &small, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->orig_width, ==, 2048);
  ls_image_free (image);
}

static int
open_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* Decodes that succeed, fail, crash or time out leave no descriptor open. */
static void
test_decoder_no_fd_leak (void)
{
  g_autoptr (GBytes) bytes = seed ("jpegls-16.dcm");
  int before = 0;

  /* Round 0 is not counted: anything GLib opens for good the first time
   * (its worker, a context it keeps) is open before counting. */
  g_setenv ("LUNGSCOPE_DICOM_DECODE_TIMEOUT", "0.3", TRUE);
  for (int i = 0; i < 4; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = NULL;

      if (i == 1)
        {
          /* The fewest seen in 0.2 s: a wait's context may still be open. */
          before = open_fds ();
          for (int k = 0; k < 20; k++, g_usleep (10000))
            before = MIN (before, open_fds ());
        }
      image = load (bytes, NULL, &error);
      g_assert_no_error (error);
      g_clear_error (&(GError *){ decode_with_fake ("abort", NULL) });
      g_clear_error (&(GError *){ decode_with_fake ("hang", NULL) });
      g_clear_error (&(GError *){ decode_with_fake ("chatty", NULL) });
      g_clear_error (&(GError *){ decode_with_fake ("long", NULL) });
    }
  g_unsetenv ("LUNGSCOPE_DICOM_DECODE_TIMEOUT");
  /* GLib's worker thread lets go of the last wait's main context (an
   * eventfd) a moment after the wait returns: a leak is what stays. */
  for (int i = 0; i < 200 && open_fds () > before; i++)
    g_usleep (10000);
  g_assert_cmpint (open_fds (), <=, before);
}

/* ---- the decoders kept alive ---- */

static const char *const kept_seeds[] = { "explicit-mono2-16.dcm", "jpegls-16.dcm", "j2k-16.dcm",
                                          "jpeg-lossless-16.dcm", "rle-16.dcm", "deflated-16.dcm" };

/* The seeds decoded once, in order: what every later decode must equal. */
static GPtrArray *
decode_seeds (void)
{
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) ls_image_free);

  for (guint i = 0; i < G_N_ELEMENTS (kept_seeds); i++)
    {
      g_autoptr (GBytes) bytes = seed (kept_seeds[i]);
      g_autoptr (GError) error = NULL;
      LsImage *image = load (bytes, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (images, image);
    }
  return images;
}

static void
assert_same_image (const LsImage *a,
                   const LsImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpmem (a->data, sizeof (float) * a->width * a->height, b->data, sizeof (float) * b->width * b->height);
}

/* One decoder process serves one file after another — a file that
 * crashes GDCM ends only its own fork: the next file is decoded by the
 * same process, and right. */
static void
test_decoder_kept (void)
{
  g_autofree char *crash = data_path ("issue17-gdcm-pixmap-assert.dcm");
  g_autoptr (GPtrArray) want = NULL;
  guint started;

  ls_dicom_decoders_stop (FALSE);
  started = ls_dicom_decoders_started ();
  want = decode_seeds ();
  g_assert_cmpuint (ls_dicom_decoders_started (), ==, started + 1);
  for (int round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (kept_seeds); i++)
      {
        g_autoptr (GBytes) bytes = seed (kept_seeds[i]);
        g_autoptr (GError) error = NULL, crash_error = NULL;
        g_autoptr (LsImage) image = NULL, crashed = ls_image_load (crash, NULL, &crash_error);

        g_assert_null (crashed);
        g_assert_nonnull (strstr (crash_error->message, "(the decoder crashed)"));
        image = load (bytes, NULL, &error);
        g_assert_no_error (error);
        assert_same_image (image, want->pdata[i]);
      }
  g_test_message ("%u decodes and %u crashes, %u decoder process started",
                  (guint) G_N_ELEMENTS (kept_seeds) * 4, (guint) G_N_ELEMENTS (kept_seeds) * 3,
                  ls_dicom_decoders_started () - started);
  g_assert_cmpuint (ls_dicom_decoders_started (), ==, started + 1);
}

typedef struct
{
  const GPtrArray *want;
  guint offset;
} DecodeJob;

static gpointer
decode_thread (gpointer data)
{
  DecodeJob *job = data;

  for (guint k = 0; k < 3 * G_N_ELEMENTS (kept_seeds); k++)
    {
      guint i = (k + job->offset) % G_N_ELEMENTS (kept_seeds);
      g_autoptr (GBytes) bytes = seed (kept_seeds[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = load (bytes, NULL, &error);

      g_assert_no_error (error);
      assert_same_image (image, job->want->pdata[i]);
    }
  return NULL;
}

/* Threads decoding at once each get a decoder of their own, and their own
 * answers; no more processes than threads. */
static void
test_decoder_threads (void)
{
  g_autoptr (GPtrArray) want = decode_seeds ();
  DecodeJob jobs[4];
  GThread *threads[4];
  guint started;

  ls_dicom_decoders_stop (FALSE);
  started = ls_dicom_decoders_started ();
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      jobs[t] = (DecodeJob){ want, t };
      threads[t] = g_thread_new ("decode", decode_thread, &jobs[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_test_message ("4 threads, %u decoder processes started", ls_dicom_decoders_started () - started);
  g_assert_cmpuint (ls_dicom_decoders_started (), >, started);
  g_assert_cmpuint (ls_dicom_decoders_started (), <=, started + G_N_ELEMENTS (threads));
}

/* The pids of this process's children running @program. */
static GArray *
children_running (const char *program)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  GDir *dir = g_dir_open ("/proc", 0, NULL);
  const char *e;

  g_assert_nonnull (dir);
  while ((e = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", e, "stat", NULL);
      g_autofree char *exe_path = g_build_filename ("/proc", e, "exe", NULL);
      g_autofree char *stat = NULL, *exe = NULL;
      const char *close_paren;
      int pid = atoi (e), ppid = 0;
      char state;

      if (pid <= 0 || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL || sscanf (close_paren + 1, " %c %d", &state, &ppid) != 2 || ppid != getpid () ||
          state == 'Z')
        continue;
      exe = g_file_read_link (exe_path, NULL);
      if (exe != NULL && g_str_has_suffix (exe, program))
        g_array_append_val (pids, pid);
    }
  g_dir_close (dir);
  return pids;
}

/* An idle decoder killed from outside (the OOM killer): the next decode
 * starts another and succeeds. (Sent to the dead one first if it has not
 * closed its socket yet, the request goes again to a new one.) */
static void
test_decoder_killed_idle (void)
{
  g_autoptr (GBytes) bytes = seed ("jpegls-16.dcm");
  g_autoptr (GArray) pids = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = NULL;
  guint started;

  ls_dicom_decoders_stop (TRUE);
  image = load (bytes, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&image, ls_image_free);
  pids = children_running ("/lungscope-dicom-decode");
  g_assert_cmpuint (pids->len, ==, 1);
  g_assert_cmpint (kill (g_array_index (pids, int, 0), SIGKILL), ==, 0);
  /* Gone and reaped (by GLib's worker). */
  for (int i = 0; i < 500 && kill (g_array_index (pids, int, 0), 0) == 0; i++)
    g_usleep (10000);
  g_assert_cmpint (errno, ==, ESRCH);
  started = ls_dicom_decoders_started ();
  image = load (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 16);
  g_assert_cmpuint (ls_dicom_decoders_started (), ==, started + 1);
}

/* A second top-level Pixel Data element (GDCM keeps the first): the
 * pixels are the first's, as GDCM and other viewers show them, not the
 * second's. */
static void
test_duplicate_pixel_data (void)
{
  g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
  g_autoptr (GByteArray) dup = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LsImage) image = NULL;
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  const guint8 element[12] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'W', 0, 0, 0x00, 0x02, 0, 0 };
  guint8 white[512];

  memset (white, 0xff, sizeof white);
  g_byte_array_append (dup, d, (guint) n);
  g_byte_array_append (dup, element, sizeof element);
  g_byte_array_append (dup, white, sizeof white);
  image = ls_image_load_bytes (dup->data, dup->len, "seed.dcm", NULL, &error);
  if (image == NULL)
    {
      /* Refused is as good: never the second's pixels. */
      g_test_message ("refused: %s", error->message);
      g_assert_null (strchr (error->message, '\n'));
      return;
    }
  assert_gradient (image, 1e-6);
}

static void
test_hostile (void)
{
  g_autoptr (GBytes) bytes = seed ("explicit-mono2-16.dcm");
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  g_autofree guint8 *copy = g_memdup2 (d, n);
  const guint8 pixel_tag[] = { 0xe0, 0x7f, 0x10, 0x00, 'O', 'W' };
  LsDecodeOptions tiny = { 8, 0, 0, FALSE };
  gsize at = 0;

  for (gsize i = 0; i + sizeof pixel_tag <= n; i++)
    if (memcmp (d + i, pixel_tag, sizeof pixel_tag) == 0)
      at = i;
  g_assert_cmpuint (at, >, 0);

  /* Cut anywhere: one line, never a crash (each cut a new buffer, so ASan
   * sees reads past its end). */
  for (gsize cut = 0; cut < n; cut += cut < 200 ? 1 : 37)
    {
      g_autofree guint8 *part = g_memdup2 (d, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load_bytes (part, cut, "cut.dcm", NULL, &error);

      g_assert_null (image);
      g_assert_nonnull (error);
      g_assert_null (strchr (error->message, '\n'));
    }
  /* The same for the other syntaxes, more coarsely. */
  {
    static const char *const others[] = { "implicit-mono1-16.dcm", "jpegls-16.dcm", "j2k-16.dcm",
                                          "jpeg-lossless-16.dcm", "rle-16.dcm", "deflated-16.dcm",
                                          "voilut-8.dcm" };

    for (guint i = 0; i < G_N_ELEMENTS (others); i++)
      {
        g_autoptr (GBytes) other = seed (others[i]);
        gsize on;
        const guint8 *od = g_bytes_get_data (other, &on);

        /* The last bytes may follow a complete deflate stream (gdcmconv
         * leaves 4 there): a cut that keeps the whole stream is a whole
         * file. */
        for (gsize cut = 0; cut + 8 < on; cut += 11)
          {
            g_autofree guint8 *part = g_memdup2 (od, cut);
            g_autoptr (GError) error = NULL;
            g_autoptr (LsImage) image = ls_image_load_bytes (part, cut, "cut.dcm", NULL, &error);

            g_assert_null (image);
            g_assert_nonnull (error);
            g_assert_null (strchr (error->message, '\n'));
          }
      }
  }
  assert_refused (d, at + 100, NULL, "claims 512 bytes");
  /* A lying pixel data length. */
  copy[at + 8] = copy[at + 9] = copy[at + 10] = 0xff;
  copy[at + 11] = 0x7f;
  assert_refused (copy, n, NULL, "claims 2147483647 bytes");
  memcpy (copy, d, n);
  /* An unknown VR. */
  copy[at + 4] = 'U';
  copy[at + 5] = 'K';
  assert_refused (copy, n, NULL, "no valid VR");
  /* RLE whose header or segments disagree with the image (GDCM would
   * assert). */
  {
    g_autoptr (GBytes) rle = seed ("rle-16.dcm");
    gsize rn;
    const guint8 *rd = g_bytes_get_data (rle, &rn);
    g_autofree guint8 *bad = g_memdup2 (rd, rn);
    const guint8 header[] = { 0x02, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00 };
    gsize h = 0;

    for (gsize i = 0; i + sizeof header <= rn; i++)
      if (memcmp (rd + i, header, sizeof header) == 0)
        h = i;
    g_assert_cmpuint (h, >, 0);
    bad[h] = 3;
    assert_refused (bad, rn, NULL, "an RLE header of 3 segments (2 expected)");
    memcpy (bad, rd, rn);
    bad[h + 64] ^= 0x7f; /* the first run of segment 1 */
    assert_refused (bad, rn, NULL, "RLE segment 1 decodes to");
  }
  /* Over the caller's limits. */
  assert_refused (d, n, &tiny, "over the limit of 8 pixels per side");
}

int
main (int argc,
      char **argv)
{
  ls_test_init (&argc, &argv);
  g_test_add_func ("/lungscope/imaging/dicom/encodings", test_encodings);
  g_test_add_func ("/lungscope/imaging/dicom/facts-and-values", test_facts_and_values);
  g_test_add_func ("/lungscope/imaging/dicom/other-pixels", test_other_pixels);
  g_test_add_func ("/lungscope/imaging/dicom/fast-path", test_fast_path);
  g_test_add_func ("/lungscope/imaging/dicom/hostile", test_hostile);
  g_test_add_func ("/lungscope/imaging/dicom/issue17-gdcm-findings", test_issue17_gdcm_findings);
  g_test_add_func ("/lungscope/imaging/dicom/issue17-decoder-crash", test_issue17_decoder_crash);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/failures", test_decoder_failures);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/time-limit", test_decoder_time_limit);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/no-fd-leak", test_decoder_no_fd_leak);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/memory-limit", test_decoder_memory_limit);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/kept", test_decoder_kept);
  g_test_add_func ("/lungscope/imaging/dicom/duplicate-pixel-data", test_duplicate_pixel_data);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/threads", test_decoder_threads);
  g_test_add_func ("/lungscope/imaging/dicom/decoder/killed-idle", test_decoder_killed_idle);
  return g_test_run ();
}
