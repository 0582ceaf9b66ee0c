/* dicom-serve.h — the decoder process as a server of forks
 *
 * Starting lungscope-dicom-decode costs GDCM's dictionaries (about 19 ms)
 * before the first byte of a file is read; a fork of a process that has
 * them costs well under a millisecond. So the parent (dicom-spawn.c) keeps
 * a few decoder processes alive, each serving one request at a time on a
 * socket, and each request is decoded in a fork of its own: a file that
 * crashes, hangs or exhausts GDCM ends only that fork, and no file's
 * decoding can see what another left in memory.
 *
 * The socket (SOCK_SEQPACKET, the server's stdin) carries:
 *   server → parent  a LsDicomReply of kind HELLO when ready;
 *   parent → server  a LsDicomRequest with three descriptors (SCM_RIGHTS):
 *                    the file, and the write ends of the answer's and the
 *                    refusal's pipes (they become the fork's 0, 1 and 2);
 *   server → parent  a LsDicomReply of kind DONE (the fork's wait status),
 *                    TIMED_OUT (killed at the request's time limit) or
 *                    NO_FORK (errno in status).
 * Both ends are the same build on the same machine: the structures go as
 * they are in memory. The parent still checks every reply's size, magic
 * and kind.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LS_DICOM_SERVE_MAGIC 0x4c534431u /* "LSD1" */

typedef enum
{
  LS_DICOM_REPLY_HELLO = 1,
  LS_DICOM_REPLY_DONE,
  LS_DICOM_REPLY_TIMED_OUT,
  LS_DICOM_REPLY_NO_FORK,
} LsDicomReplyKind;

typedef struct
{
  guint32 magic;
  guint32 mode;       /* LsDicomMode */
  gint32 max_side;    /* the decode limits */
  guint32 timeout_ms; /* the fork is killed after this */
  gint64 max_pixels;
  guint64 memory; /* the fork's address-space limit in bytes, 0 for none */
} LsDicomRequest;

typedef struct
{
  guint32 magic;
  guint32 kind;  /* LsDicomReplyKind */
  gint32 status; /* DONE, TIMED_OUT: the wait status; NO_FORK: errno */
  guint32 reserved;
} LsDicomReply;

/* Runs in the fork, with the file on 0, the answer's pipe on 1 and the
 * refusal's on 2, every other descriptor closed and the memory limit set;
 * returns the fork's exit status. */
typedef int (*LsDicomServeFunc) (const LsDicomRequest *request,
                                 gpointer user_data);

/* Serves requests on @sock until the parent closes it (then exits 0); a
 * malformed request also ends the server (exit 2). */
G_NORETURN void ls_dicom_serve (int sock,
                                LsDicomServeFunc func,
                                gpointer user_data);

G_END_DECLS
