/* fuzz-dicom.c — libFuzzer target: the DICOM code that is ours, everything
 * a file goes through before GDCM sees it: sniffing, the structure check
 * (element lengths down through sequences, delimiters, VRs, the image's
 * size and frames, RLE segments, deflated data) and the JPEG, JPEG-LS and
 * JPEG 2000 codestream checks. fuzz-dicom-gdcm.c fuzzes the path through
 * GDCM as well (by hand: it still finds GDCM's own asserts).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "imaging/decode-private.h"
#include "imaging/decode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  /* Small limits keep each run fast and inside libFuzzer's memory limit;
   * the code paths are the same as with the defaults. */
  LsDecodeLimits limits = { 2048, 1024 * 1024, 0, FALSE };
  const char *kind = NULL;
  gint64 width = 0, height = 0;
  int components = 0;
  LsDicomSpan native = { 0, 0 };
  GError *error = NULL;

  /* The codestream checks on any bytes, as the first fragment's. */
  ls_dicom_codestream_size (data, size, &kind, &width, &height, &components);
  if (!ls_dicom_sniff (data, size))
    return 0;
  if (!ls_dicom_check_structure (data, size, "fuzz.dcm", &limits, NULL, &native, &error))
    {
      /* Every refusal is one line that names the file. */
      if (error == NULL || strchr (error->message, '\n') != NULL ||
          strstr (error->message, "fuzz.dcm") == NULL)
        __builtin_trap ();
    }
  /* Native pixel data, read in place by the decoder's caller, lies within
   * the file. */
  else if (native.length > size || native.offset > size - native.length)
    __builtin_trap ();
  g_clear_error (&error);
  return 0;
}
