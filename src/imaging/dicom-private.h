/* dicom-private.h — what decode-dicom.c, dicom-spawn.c and the decoder
 * process (dicom-decode-main.c) share; built with -Ddicom only
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "imaging/decode-private.h"
#include "imaging/dicom-wire.h"

G_BEGIN_DECLS

/* The environment: the decoder program (default: the installed one, see
 * ls_dicom_decoder_path), its time limit in seconds (default 20) and its
 * address-space limit in MiB (default: from the file's and image's sizes). */
#define LS_DICOM_DECODER_ENV "LUNGSCOPE_DICOM_DECODER"
#define LS_DICOM_DECODE_TIMEOUT_ENV "LUNGSCOPE_DICOM_DECODE_TIMEOUT"
#define LS_DICOM_DECODE_MEMORY_ENV "LUNGSCOPE_DICOM_DECODE_MEMORY_MB"
#define LS_DICOM_DECODE_DEFAULT_TIMEOUT 20.0

/* What the decoder process sent, checked. */
typedef struct
{
  LsDicomWireHeader wire; /* wire.header.voi_lut is owned (g_free) */
  guint8 *pixels;         /* wire.pixel_bytes bytes (g_free); NULL when probing */
} LsDicomDecoded;

void ls_dicom_decoded_clear (LsDicomDecoded *decoded);

/* decode-dicom.c: what we decode, else a one-line reason; *pixel_bytes
 * gets the size of the decoded first frame. */
gboolean ls_dicom_check_header (const LsDicomHeader *h,
                                const char *name,
                                const LsDecodeLimits *limits,
                                gsize *pixel_bytes,
                                GError **error);
/* decode-dicom.c, run by the decoder process: the structure check, GDCM's
 * parse, ls_dicom_check_header and the codestream check, then the pixels
 * decoded (when @mode asks for them) and all of it written to @out_fd. FALSE with
 * @error for a file refused; a failed write ends the process. */
gboolean ls_dicom_decode_here (const guint8 *data,
                               gsize size,
                               const char *name,
                               const LsDecodeLimits *limits,
                               LsDicomMode mode,
                               int out_fd,
                               GError **error);

/* dicom-spawn.c: the decoder program's path. */
char *ls_dicom_decoder_path (void);
/* dicom-spawn.c: has a decoder process decode @data (which passed
 * ls_dicom_check_structure; @image_bytes from it sizes the memory limit)
 * and checks what it sends. Any failure of the decoder (a signal, the time
 * limit, a malformed answer) is a one-line error naming the file. Unless
 * @mode is LS_DICOM_MODE_DECODE, the bytes @unread (nullable: the native
 * pixel data, whose values a header does not depend on) reach the decoder
 * as zeros, not copied. */
gboolean ls_dicom_run_decoder (const guint8 *data,
                               gsize size,
                               const char *name,
                               const LsDecodeLimits *limits,
                               LsDicomMode mode,
                               const LsDicomSpan *unread,
                               gsize image_bytes,
                               LsDicomDecoded *out,
                               GError **error);

/* dicom-spawn.c: lets go of the idle decoder processes (each ends when
 * its socket closes), and with @wait waits until they ended; the next
 * decode starts one. The tests call it when they change the decoder's
 * environment, the benchmark to count the decoders' CPU time. */
void ls_dicom_decoders_stop (gboolean wait);
/* dicom-spawn.c: how many decoder processes this process has started. */
guint ls_dicom_decoders_started (void);

G_END_DECLS
