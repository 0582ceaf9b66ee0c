/* fuzz-dicom-gdcm.c — libFuzzer target: the whole DICOM path as the app and
 * the CLI run it, our checks in this process and GDCM in the decoder
 * process (lungscope-dicom-decode, which fuzz/run.sh builds and names in
 * $LUNGSCOPE_DICOM_DECODER)
 *
 * GDCM 3.0.21 as Debian builds it keeps its asserts and still aborts on
 * some inputs past our checks; those end the decoder process only. What
 * this target asserts is that the caller never dies and that every refusal
 * is one line naming the file — a crash, timeout or sanitizer report here
 * is ours. Each input starts the decoder up to three times, so this runs at
 * tens of inputs a second; fuzz-dicom-gdcm-direct.c runs GDCM in-process
 * (thousands a second) to find the inputs that make GDCM itself abort.
 * CI runs it for 60 s; longer by hand: fuzz/run.sh dicom-gdcm 1200.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "imaging/decode.h"

int LLVMFuzzerInitialize (int *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t size);

int
LLVMFuzzerInitialize (int *argc,
                      char ***argv)
{
  /* A hung decoder is killed well inside libFuzzer's -timeout=10 for the
   * three decodes of one input. */
  g_setenv ("LUNGSCOPE_DICOM_DECODE_TIMEOUT", "2", TRUE);
  if (g_getenv ("LUNGSCOPE_DICOM_DECODER") == NULL)
    g_error ("fuzz-dicom-gdcm: set LUNGSCOPE_DICOM_DECODER to the build's lungscope-dicom-decode (fuzz/run.sh does)");
  return 0;
}

static void
check_refusal (LsImage *image,
               GError *error)
{
  if (image != NULL)
    {
      if (error != NULL || image->dicom == NULL)
        __builtin_trap ();
      ls_image_free (image);
      return;
    }
  if (error == NULL || strchr (error->message, '\n') != NULL ||
      !g_str_has_prefix (error->message, "fuzz.dcm: "))
    __builtin_trap ();
  g_error_free (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  /* Small limits keep each run fast and inside libFuzzer's memory limit;
   * the code paths are the same as with the defaults. */
  LsDecodeOptions full = { 2048, 1024 * 1024, 0, TRUE };
  LsDecodeOptions fast = { 2048, 1024 * 1024, 24, FALSE };
  GError *error = NULL;
  LsImageInfo info;
  LsImage *image;

  if (ls_image_sniff_format (data, size) != LS_IMAGE_FORMAT_DICOM)
    return 0;
  image = ls_image_load_bytes (data, size, "fuzz.dcm", &full, &error);
  check_refusal (image, error);
  error = NULL;
  image = ls_image_load_bytes (data, size, "fuzz.dcm", &fast, &error);
  check_refusal (image, error);
  error = NULL;
  if (!ls_image_probe_bytes (data, size, "fuzz.dcm", &info, &error))
    check_refusal (NULL, error);
  return 0;
}
