/* decode-dump.c — decodes image files and writes their gray pixels as raw
 * float32 for tests/ref/decode-parity.py to compare with PIL
 *
 *   decode-dump OUTDIR FILE…
 *
 * For the i-th FILE (from 1) writes OUTDIR/i.f32 (width × height floats,
 * row-major) and prints "i WIDTH HEIGHT FILE". Exits 1 at the first file
 * that does not decode.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "imaging/decode.h"

int
main (int argc,
      char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: decode-dump OUTDIR FILE…\n");
      return 2;
    }
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LsImage) image = ls_image_load (argv[i], NULL, &error);
      g_autofree char *name = g_strdup_printf ("%d.f32", i - 1);
      g_autofree char *out = g_build_filename (argv[1], name, NULL);

      if (image == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      if (!g_file_set_contents (out, (const char *) image->data,
                                (gssize) ((gsize) image->width * image->height * sizeof (float)), &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      printf ("%d %d %d %s\n", i - 1, image->width, image->height, argv[i]);
    }
  return 0;
}
