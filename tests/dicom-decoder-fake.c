/* dicom-decoder-fake.c — stands in for lungscope-dicom-decode in
 * tests/test-dicom.c: a server of forks as the real one is (the same
 * dicom-serve.c), whose forks misbehave as $LS_FAKE_DECODER_MODE says (read
 * when the server starts), so the parent's handling of a decoder gone wrong
 * can be tested (the real one does these only when GDCM breaks):
 *   hang     sleeps for an hour
 *   abort    aborts
 *   garbage  writes a block of bytes that is not the answer's header
 *   lie      a valid header whose pixel size disagrees with its image size
 *   short    a valid header for 16 × 16 × 16 bits, half the pixels, exit 0
 *   long     the whole answer and then more bytes
 *   silent   exits 0 without a word
 *   chatty   a megabyte of lines on stderr, then a refusal (exit 11)
 *   exit7    exits 7
 * Each fork writes its pid to $LS_FAKE_DECODER_PIDFILE when that is set.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaging/dicom-serve.h"
#include "imaging/dicom-wire.h"

static void
put (const void *data,
     gsize n)
{
  const guint8 *p = data;

  while (n > 0)
    {
      gssize k = write (1, p, n);

      if (k <= 0)
        exit (3);
      p += k;
      n -= (gsize) k;
    }
}

static void
header (guint64 pixel_bytes)
{
  LsDicomWireHeader wire = { 0 };
  guint8 block[LS_DICOM_WIRE_HEADER_SIZE];

  wire.header.width = 16;
  wire.header.height = 16;
  wire.header.frames = 1;
  wire.header.samples = 1;
  wire.header.bits_allocated = 16;
  wire.header.bits_stored = 16;
  wire.header.high_bit = 15;
  wire.header.photometric = LS_DICOM_PHOTOMETRIC_MONOCHROME2;
  wire.header.slope = 1;
  wire.header.native_length = 512;
  g_strlcpy (wire.header.photometric_name, "MONOCHROME2", sizeof wire.header.photometric_name);
  wire.photometric = LS_DICOM_PHOTOMETRIC_MONOCHROME2;
  wire.pixel_bytes = pixel_bytes;
  ls_dicom_wire_encode (&wire, block);
  put (block, sizeof block);
}

static const char *mode;
static const char *pidfile;

static int
misbehave (const LsDicomRequest *request,
           gpointer user_data)
{
  static guint8 pixels[512];

  if (pidfile != NULL)
    {
      g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

      g_file_set_contents (pidfile, pid, -1, NULL);
    }
  if (strcmp (mode, "hang") == 0)
    sleep (3600);
  else if (strcmp (mode, "abort") == 0)
    abort ();
  else if (strcmp (mode, "garbage") == 0)
    {
      memset (pixels, 0x5a, sizeof pixels);
      put (pixels, sizeof pixels);
    }
  else if (strcmp (mode, "lie") == 0)
    {
      header (1000);
      put (pixels, sizeof pixels);
    }
  else if (strcmp (mode, "short") == 0)
    {
      header (512);
      put (pixels, 256);
    }
  else if (strcmp (mode, "long") == 0)
    {
      header (512);
      put (pixels, sizeof pixels);
      put (pixels, 8);
    }
  else if (strcmp (mode, "chatty") == 0)
    {
      for (int i = 0; i < 20000; i++)
        fprintf (stderr, "codec noise line %d of a decoder that talks too much\n", i);
      fprintf (stderr, "the real reason\n");
      return 11;
    }
  else if (strcmp (mode, "exit7") == 0)
    return 7;
  return 0;
}

int
main (int argc,
      char **argv)
{
  mode = g_getenv ("LS_FAKE_DECODER_MODE");
  pidfile = g_getenv ("LS_FAKE_DECODER_PIDFILE");
  if (mode == NULL || argc != 2 || strcmp (argv[1], "--serve") != 0)
    return 2;
  ls_dicom_serve (0, misbehave, NULL);
}
