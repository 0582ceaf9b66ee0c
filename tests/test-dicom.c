/* test-dicom.c — DICOM decoding on the committed synthetic seeds
 *
 * fuzz/corpus/dicom/ holds 16 × 16 gradients (fuzz/make-dicom-seeds.py):
 * p(x, y) = 8 (x + y), stored as x = 8 p + 500 with Rescale Slope 2,
 * Intercept −1024 and the window 2016.5/4081, which shows exactly p / 255;
 * the MONOCHROME1, 12-bit signed and every compressed copy show the same.
 * Here they are decoded in-process (so the unit suite runs them under ASan,
 * UBSan and valgrind), with their facts and full-precision values, and cut
 * or corrupted copies are refused with one line.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/decode.h"
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
  return g_test_run ();
}
