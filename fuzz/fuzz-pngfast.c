/* fuzz-pngfast.c — libFuzzer target: the PNG fast lane against libpng
 *
 * Whatever the fast lane decodes, libpng must decode to the same floats,
 * with no warning. Allowed: libpng failing where the lane decodes, the
 * documented case of png-fast.c (a deflate stream libdeflate takes and zlib
 * refuses).
 * fuzz-png covers crashes, leaks and limits through ls_image_load_bytes().
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/png-fast.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  static const int targets[] = { 0, 24 };

  if (ls_image_sniff_format (data, size) != LS_IMAGE_FORMAT_PNG)
    return 0;
  for (unsigned t = 0; t < 2; t++)
    {
      LsDecodeOptions opts = { 2048, 1024 * 1024, targets[t] };
      LsDecodeLimits limits;
      LsImage *fast, *ref;

      ls_decode_limits_init (&limits, &opts);
      fast = ls_png_fast_decode (data, size, "fuzz.png", &limits);
      if (fast == NULL)
        continue;
      ref = ls_decode_png_libpng (data, size, "fuzz.png", &limits, NULL);
      if (ref != NULL &&
          (ref->width != fast->width || ref->height != fast->height || ref->n_warnings != 0 ||
           memcmp (ref->data, fast->data, sizeof (float) * (size_t) ref->width * ref->height) != 0))
        abort ();
      ls_image_free (fast);
      ls_image_free (ref);
    }
  return 0;
}
