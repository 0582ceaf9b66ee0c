/* dicom-wire.h — what lungscope-dicom-decode writes to its parent
 *
 * GDCM runs in a child process (src/imaging/dicom-decode-main.c, started by
 * dicom-spawn.c), so that an abort, crash, hang or memory blow-up inside it
 * ends the child, not the app or the CLI. The child writes on stdout one
 * fixed-size header block (LS_DICOM_WIRE_HEADER_SIZE bytes, little endian,
 * laid out in dicom-wire.c), then voi_lut_entries 16-bit VOI LUT entries,
 * then pixel_bytes bytes of decoded pixels (the first frame, interleaved,
 * bits_allocated / 8 bytes a sample, not yet masked to bits stored; none
 * when probing). The parent trusts none of it: every field is range-checked
 * here, every string is cut at its first NUL, and the pixel bytes must be
 * exactly what the header's size gives.
 *
 * Errors: one line on stderr and exit status LS_DICOM_WIRE_EXIT_REFUSED +
 * the LsImageError code; LS_DICOM_WIRE_EXIT_USAGE for a bad command line.
 * The line names the file LS_DICOM_WIRE_NAME (the parent puts the real name
 * in its place: the child's command line does not carry it).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "imaging/dicom-gdcm.h"

G_BEGIN_DECLS

#define LS_DICOM_WIRE_HEADER_SIZE 368
#define LS_DICOM_WIRE_EXIT_USAGE 2
#define LS_DICOM_WIRE_NAME "-"
#define LS_DICOM_WIRE_EXIT_REFUSED 10 /* + LsImageError (0 … 6) */

/* What a request asks of the decoder. */
typedef enum
{
  LS_DICOM_MODE_DECODE, /* the header and the decoded pixels */
  LS_DICOM_MODE_PROBE,  /* the header only, any size (as the other formats' probes) */
  LS_DICOM_MODE_HEADER, /* the header only, within the limits: the caller reads
                         * native pixels from its own copy of the file (native
                         * length 0 when GDCM's pixel data is not the zeros
                         * the caller left in their place) */
} LsDicomMode;

typedef struct
{
  LsDicomHeader header;           /* voi_lut stays NULL here: the entries follow the block */
  LsDicomPhotometric photometric; /* after decoding (GDCM's JPEG codecs may turn YBR into RGB) */
  guint64 pixel_bytes;            /* 0 unless decoding */
} LsDicomWireHeader;

/* The block for @wire (its header's voi_lut is ignored). */
void ls_dicom_wire_encode (const LsDicomWireHeader *wire,
                           guint8 out[LS_DICOM_WIRE_HEADER_SIZE]);
/* FALSE with a reason (static text) when a field is out of range. */
gboolean ls_dicom_wire_decode (const guint8 block[LS_DICOM_WIRE_HEADER_SIZE],
                               LsDicomWireHeader *wire,
                               const char **why);

G_END_DECLS
