/* fuzz-dicom-gdcm.c — libFuzzer target: the whole DICOM path, our
 * structure check and then GDCM's parse and codecs (pixel decode, full with
 * full-precision values and fast path, and probing)
 *
 * Not in CI: GDCM 3.0.21 as Debian builds it keeps its asserts and trusts
 * lengths in places the structure check does not reach yet, so this
 * target still finds aborts inside GDCM within minutes (each finding so far
 * became a check in dicom-check.c and a file in tests/data/). Run it by
 * hand: fuzz/run.sh dicom-gdcm 600. CI fuzzes the code that is ours
 * (fuzz-dicom.c).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>

#include "imaging/decode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  /* Small limits keep each run fast and inside libFuzzer's memory limit;
   * the code paths are the same as with the defaults. */
  LsDecodeOptions full = { 2048, 1024 * 1024, 0, TRUE };
  LsDecodeOptions fast = { 2048, 1024 * 1024, 24, FALSE };
  LsImageInfo info;

  if (ls_image_sniff_format (data, size) != LS_IMAGE_FORMAT_DICOM)
    return 0;
  ls_image_free (ls_image_load_bytes (data, size, "fuzz.dcm", &full, NULL));
  ls_image_free (ls_image_load_bytes (data, size, "fuzz.dcm", &fast, NULL));
  ls_image_probe_bytes (data, size, "fuzz.dcm", &info, NULL);
  return 0;
}
