/* fuzz-dicom-gdcm-direct.c — libFuzzer target: what the decoder process
 * (lungscope-dicom-decode) does, in this process: our checks, GDCM's parse
 * and codecs, the answer written to /dev/null
 *
 * A finding here that is an abort inside GDCM is contained in the product
 * (the decoder process dies, the caller gets one line; fuzz-dicom-gdcm
 * checks that) but worth a check in dicom-check.c when it is cheap, for a
 * better message. Collect such inputs without stopping at the first:
 *   fuzz/run.sh dicom-gdcm-direct 600   (stops at the first finding), or
 *   build-fuzz/fuzz/fuzz-dicom-gdcm-direct -fork=1 -ignore_crashes=1 …
 * then replay each through `lungscope-cli predict FILE`.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "imaging/dicom-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  static int null_fd = -1;
  LsDecodeLimits limits = { 2048, 1024 * 1024, 0, FALSE };
  GError *error = NULL;

  if (null_fd < 0)
    null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (!ls_dicom_sniff (data, size))
    return 0;
  if (!ls_dicom_decode_here (data, size, "fuzz.dcm", &limits, LS_DICOM_MODE_DECODE, null_fd, &error))
    g_clear_error (&error);
  if (!ls_dicom_decode_here (data, size, "fuzz.dcm", &limits, LS_DICOM_MODE_PROBE, null_fd, &error))
    g_clear_error (&error);
  if (!ls_dicom_decode_here (data, size, "fuzz.dcm", &limits, LS_DICOM_MODE_HEADER, null_fd, &error))
    g_clear_error (&error);
  return 0;
}
