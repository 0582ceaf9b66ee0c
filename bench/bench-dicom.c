/* bench-dicom.c — our half of the DICOM benchmark (bench/dicom-bench.py):
 * decode + window + fit to 224×224 of the given DICOM files, images/s
 *
 *   bench-dicom FILE…
 *
 * The files are read into memory first; then each is decoded through
 * ls_image_load_bytes() with the fast path (target_size 224: the file's
 * window applied through one table, box-averaged while the rows are made)
 * and fitted to 224×224 with ls_image_fit() (stretch, antialiased
 * bilinear). Prints one line: images per second of CPU time (all threads:
 * GDCM lets OpenJPEG decode with several; and the decoder process, its
 * start and its forks).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <sys/resource.h>

#include "imaging/decode.h"
#include "imaging/dicom-private.h"
#include "imaging/preprocess.h"

#define OUT 224

/* This process's CPU time and its children's: GDCM decodes in forks of a
 * decoder process (lungscope-dicom-decode), whose time counts here once
 * the decoder ended and was waited for (ls_dicom_decoders_stop). */
static double
cpu_seconds (void)
{
  struct rusage self, children;

  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);
  return (double) self.ru_utime.tv_sec + self.ru_utime.tv_usec * 1e-6 + self.ru_stime.tv_sec +
         self.ru_stime.tv_usec * 1e-6 + children.ru_utime.tv_sec + children.ru_utime.tv_usec * 1e-6 +
         children.ru_stime.tv_sec + children.ru_stime.tv_usec * 1e-6;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  LsDecodeOptions opts;
  double t0, checksum = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-dicom FILE…\n");
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      char *data;
      gsize len;

      if (!g_file_get_contents (argv[i], &data, &len, &error))
        {
          fprintf (stderr, "bench-dicom: %s\n", error->message);
          return 1;
        }
      g_ptr_array_add (blobs, g_bytes_new_take (data, len));
    }
  ls_decode_options_init (&opts);
  opts.target_size = OUT;
  t0 = cpu_seconds ();
  for (guint i = 0; i < blobs->len; i++)
    {
      g_autoptr (GError) error = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (blobs->pdata[i], &size);
      g_autoptr (LsImage) image = ls_image_load_bytes (data, size, argv[i + 1], &opts, &error);
      g_autoptr (LsImage) fitted = NULL;

      if (image == NULL)
        {
          fprintf (stderr, "bench-dicom: %s\n", error->message);
          return 1;
        }
      fitted = ls_image_fit (image, OUT, LS_FIT_STRETCH);
      checksum += fitted->data[OUT * OUT / 2 + OUT / 2];
    }
  ls_dicom_decoders_stop (TRUE);
  printf ("%.3f %.6f\n", blobs->len / (cpu_seconds () - t0), checksum);
  return 0;
}
