/* dicom-spawn.c — GDCM in other processes: lungscope-dicom-decode
 *
 * A few decoder processes are kept alive (dicom-serve.h): each serves one
 * request at a time and decodes it in a fork of its own, so GDCM's start
 * (its dictionaries, about 19 ms) is paid once a process, not once a file,
 * and still whatever a file does to GDCM — abort, crash, hang, eat memory,
 * send too much or too little — ends only that fork, and this process gets
 * one line naming the file, never a signal. A caller takes an idle decoder
 * (or starts one), sends its request and gives the decoder back when the
 * exchange ended as it should; a decoder that did anything else is killed.
 *
 * The file's bytes go to the fork through a sealed-off memory file (no pipe
 * to write, so no SIGPIPE here and no deadlock); its answer comes back on a
 * pipe (dicom-wire.h) and its one-line refusal on another. The decoder
 * kills a fork at the time limit (20 s, or $LUNGSCOPE_DICOM_DECODE_TIMEOUT)
 * and limits its address space to what this file can need; this side
 * kills the decoder itself if it does not answer a few seconds after that.
 *
 * GSubprocess reaps the decoders through GLib's own SIGCHLD handling (the
 * worker threads of the app share it with everything else in GLib); no
 * handler of ours is installed. Every descriptor here is close-on-exec, so
 * a child started from another thread at the same moment does not hold
 * one open, and the decoder closes every other inherited descriptor before
 * it serves. An idle decoder ends when its socket closes: when this process
 * ends, or ls_dicom_decoders_stop.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "imaging/dicom-private.h"
#include "imaging/dicom-serve.h"

/* Idle decoders kept for the next request (one a core, as many as decode
 * at once); more are started when more callers decode at once. */
#define MAX_IDLE_DECODERS 8
/* How long past its time limit a decoder may take to answer before it is
 * killed itself. */
#define DECODER_GRACE_US (5 * G_USEC_PER_SEC)

void
ls_dicom_decoded_clear (LsDicomDecoded *decoded)
{
  ls_dicom_header_clear (&decoded->wire.header);
  g_clear_pointer (&decoded->pixels, g_free);
  memset (decoded, 0, sizeof *decoded);
}

char *
ls_dicom_decoder_path (void)
{
  const char *env = g_getenv (LS_DICOM_DECODER_ENV);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_file_test (LS_DICOM_DECODER_PATH, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (LS_DICOM_DECODER_PATH);
  /* Only when the installed program is absent: a run from the build tree. */
  if (g_file_test (LS_BUILD_DICOM_DECODER_PATH, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (LS_BUILD_DICOM_DECODER_PATH);
  return g_strdup (LS_DICOM_DECODER_PATH);
}

static double
timeout_seconds (void)
{
  const char *env = g_getenv (LS_DICOM_DECODE_TIMEOUT_ENV);
  double t;
  char *end;

  if (env == NULL || *env == '\0')
    return LS_DICOM_DECODE_DEFAULT_TIMEOUT;
  t = g_ascii_strtod (env, &end);
  if (*end != '\0' || !(t > 0) || t > 86400)
    return LS_DICOM_DECODE_DEFAULT_TIMEOUT;
  return t;
}

/* Room for GDCM's parse (a few copies of the file, its libraries and
 * tables) and for the decoded image, which a codec may hold twice. */
static guint64
memory_limit (gsize size,
              gsize image_bytes)
{
  const char *env = g_getenv (LS_DICOM_DECODE_MEMORY_ENV);
  guint64 mib = 0;

  if (env != NULL && *env != '\0' && g_ascii_string_to_unsigned (env, 10, 1, 1 << 20, &mib, NULL))
    return mib << 20;
  return ((guint64) 512 << 20) + 4 * (guint64) size + 4 * (guint64) image_bytes;
}

static gboolean
write_at (int fd,
          const guint8 *data,
          gsize size,
          gsize at)
{
  while (size > 0)
    {
      gssize n = pwrite (fd, data, MIN (size, (gsize) G_MAXSSIZE), (off_t) at);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return FALSE;
        }
      data += n;
      size -= (gsize) n;
      at += (gsize) n;
    }
  return TRUE;
}

/* A file in memory holding @data, but zeros where @zeros (nullable) says
 * (a hole: neither written nor stored); -1 with errno. */
static int
input_fd (const guint8 *data,
          gsize size,
          const LsDicomSpan *zeros)
{
  int fd = memfd_create ("lungscope-dicom", MFD_CLOEXEC);
  gsize hole_at = size, hole_end = size;

  if (fd < 0)
    {
      char *path = NULL;

      fd = g_file_open_tmp ("lungscope-dicom-XXXXXX", &path, NULL);
      if (fd < 0)
        return -1;
      g_unlink (path);
      g_free (path);
      (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
    }
  if (zeros != NULL && zeros->length > 0 && zeros->offset <= size && zeros->length <= size - zeros->offset)
    {
      hole_at = zeros->offset;
      hole_end = zeros->offset + zeros->length;
    }
  if (!write_at (fd, data, hole_at, 0) || !write_at (fd, data + hole_end, size - hole_end, hole_end) ||
      ftruncate (fd, (off_t) size) != 0)
    {
      int saved = errno;

      close (fd);
      errno = saved;
      return -1;
    }
  return fd;
}

/* The child's stdout, read into its parts as they arrive. */
typedef struct
{
  const char *name;
  const LsDecodeLimits *limits;
  LsDicomMode mode;
  guint8 block[LS_DICOM_WIRE_HEADER_SIZE];
  gsize got; /* bytes of the current part */
  int part;  /* 0 block, 1 VOI LUT, 2 pixels, 3 done */
  LsDicomDecoded *out;
  char *malformed; /* why the answer is refused, or NULL */
  GError *refused; /* the header checks' error */
} Reader;

static void
reader_next_part (Reader *r)
{
  LsDicomHeader *h = &r->out->wire.header;

  r->got = 0;
  if (r->part == 0)
    {
      r->part = 1;
      if (h->voi_lut_entries > 0)
        return;
    }
  if (r->part == 1)
    {
      r->part = 2;
      if (r->out->wire.pixel_bytes > 0)
        return;
    }
  r->part = 3;
}

/* Where the next bytes go and how many are still expected; NULL when the
 * answer is complete (or refused). */
static guint8 *
reader_target (Reader *r,
               gsize *want)
{
  LsDicomDecoded *d = r->out;

  switch (r->part)
    {
    case 0:
      *want = sizeof r->block - r->got;
      return r->block + r->got;
    case 1:
      *want = (gsize) d->wire.header.voi_lut_entries * 2 - r->got;
      return (guint8 *) d->wire.header.voi_lut + r->got;
    case 2:
      *want = (gsize) d->wire.pixel_bytes - r->got;
      return d->pixels + r->got;
    default:
      *want = 0;
      return NULL;
    }
}

/* After the block: its fields, the header checks, and the buffers. */
static gboolean
reader_take_block (Reader *r)
{
  LsDicomDecoded *d = r->out;
  LsDecodeLimits unlimited = *r->limits;
  const char *why = NULL;
  gsize expected = 0;

  if (!ls_dicom_wire_decode (r->block, &d->wire, &why))
    {
      r->malformed = g_strdup (why);
      return FALSE;
    }
  unlimited.max_side = G_MAXINT;
  unlimited.max_pixels = G_MAXINT64;
  if (!ls_dicom_check_header (&d->wire.header, r->name, r->mode == LS_DICOM_MODE_PROBE ? &unlimited : r->limits, &expected,
                              &r->refused))
    return FALSE;
  if (r->mode != LS_DICOM_MODE_DECODE)
    expected = 0;
  if (d->wire.pixel_bytes != expected)
    {
      r->malformed = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes of pixels for an image of %" G_GSIZE_FORMAT,
                                      d->wire.pixel_bytes, expected);
      return FALSE;
    }
  if (d->wire.header.voi_lut_entries > 0)
    d->wire.header.voi_lut = g_new (guint16, d->wire.header.voi_lut_entries);
  if (d->wire.pixel_bytes > 0)
    {
      d->pixels = g_try_malloc (d->wire.pixel_bytes);
      if (d->pixels == NULL)
        {
          g_set_error (&r->refused, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                       "%s: no memory for %" G_GUINT64_FORMAT " bytes of DICOM pixel data", r->name,
                       d->wire.pixel_bytes);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads what is there; FALSE when the answer is refused or too long. */
static gboolean
reader_read (Reader *r,
             int fd,
             gboolean *eof)
{
  for (;;)
    {
      gsize want = 0;
      guint8 *target = reader_target (r, &want);
      guint8 spill[1];
      gssize n;

      /* Past the end of a complete answer, one byte is enough to refuse. */
      if (target == NULL)
        {
          target = spill;
          want = 1;
        }
      n = read (fd, target, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TRUE;
      if (n <= 0)
        {
          *eof = TRUE;
          return TRUE;
        }
      if (r->part == 3)
        {
          r->malformed = g_strdup ("it is longer than its header says");
          return FALSE;
        }
      r->got += (gsize) n;
      if ((gsize) n < want)
        continue;
      if (r->part == 0 && !reader_take_block (r))
        return FALSE;
      reader_next_part (r);
    }
}

/* The child's refusal: its last non-empty line, printable, at most 400
 * bytes. */
static char *
last_line (const char *text,
           gsize len)
{
  GString *s = g_string_new (NULL);
  g_autofree char *valid = g_utf8_make_valid (text, (gssize) len);
  char *start, *end = valid + strlen (valid);

  while (end > valid && (end[-1] == '\n' || end[-1] == '\r'))
    *--end = '\0';
  start = strrchr (valid, '\n');
  start = start != NULL ? start + 1 : valid;
  for (const char *p = start; *p != '\0' && s->len < 400; p++)
    g_string_append_c (s, g_ascii_iscntrl (*p) ? ' ' : *p);
  while (s->len > 0 && s->str[s->len - 1] == ' ')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

/* ---- the decoders ---- */

typedef struct
{
  GSubprocess *process;
  int sock;
  char *path;
} Decoder;

static GMutex pool_lock;
static GPtrArray *pool_idle; /* Decoder *, newest last */
static guint pool_started;

/* @kill for one that may be busy; an idle one ends when its socket
 * closes. */
static void
decoder_free (Decoder *d,
              gboolean kill)
{
  if (d == NULL)
    return;
  if (d->sock >= 0)
    close (d->sock);
  if (kill)
    g_subprocess_force_exit (d->process);
  /* GLib's child watch keeps its own reference until the process is
   * reaped. */
  g_object_unref (d->process);
  g_free (d->path);
  g_free (d);
}

/* Waits for one reply until @deadline; FALSE with a reason (static text)
 * on the end of the socket, a malformed reply or the deadline. */
static gboolean
read_reply (int sock,
            gint64 deadline,
            LsDicomReply *reply,
            const char **why)
{
  for (;;)
    {
      struct pollfd pfd = { sock, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      gssize n;
      int k;

      if (left <= 0)
        {
          *why = "it did not answer in time";
          return FALSE;
        }
      k = poll (&pfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        continue;
      n = recv (sock, reply, sizeof *reply, MSG_TRUNC | MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n == 0 || n < 0)
        {
          *why = "it ended";
          return FALSE;
        }
      if (n != (gssize) sizeof *reply || reply->magic != LS_DICOM_SERVE_MAGIC || reply->kind < LS_DICOM_REPLY_HELLO ||
          reply->kind > LS_DICOM_REPLY_NO_FORK)
        {
          *why = "its reply is malformed";
          return FALSE;
        }
      return TRUE;
    }
}

static Decoder *
decoder_start (const char *path,
               const char *name,
               gint64 deadline,
               GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *argv[] = { path, "--serve", NULL };
  LsDicomReply hello;
  const char *why = NULL;
  Decoder *d;
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    {
      int saved = errno;

      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot start the DICOM decoder %s (%s)", name,
                   path, g_strerror (saved));
      return NULL;
    }
  /* Descriptors stay open across exec (so GLib can use posix_spawn, much
   * cheaper than fork from a large process): ours are close-on-exec, and
   * the decoder closes any other before it serves. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE |
                                        G_SUBPROCESS_FLAGS_INHERIT_FDS);
  g_subprocess_launcher_take_stdin_fd (launcher, pair[1]);
  d = g_new0 (Decoder, 1);
  d->sock = pair[0];
  d->path = g_strdup (path);
  d->process = g_subprocess_launcher_spawnv (launcher, argv, &local_error);
  /* The launcher holds the child's end of the socket: let go of it now, or
   * a decoder that ends before it is ready would not be seen ending. */
  g_clear_object (&launcher);
  if (d->process == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot start the DICOM decoder %s (%s)", name,
                   path, local_error->message);
      close (d->sock);
      g_free (d->path);
      g_free (d);
      return NULL;
    }
  if (!read_reply (d->sock, deadline, &hello, &why) || hello.kind != LS_DICOM_REPLY_HELLO)
    {
      /* Also what an exec that failed looks like where the spawn cannot
       * report it (under valgrind). */
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO,
                   "%s: cannot start the DICOM decoder %s (%s before it was ready)", name, path,
                   why != NULL ? why : "it answered out of turn");
      decoder_free (d, TRUE);
      return NULL;
    }
  g_mutex_lock (&pool_lock);
  pool_started++;
  g_mutex_unlock (&pool_lock);
  return d;
}

/* An idle decoder of @path, or NULL; idle ones of another program (the
 * tests switch programs) are let go. */
static Decoder *
pool_take (const char *path)
{
  Decoder *d = NULL;

  g_mutex_lock (&pool_lock);
  while (pool_idle != NULL && pool_idle->len > 0 && d == NULL)
    {
      Decoder *last = g_ptr_array_steal_index (pool_idle, pool_idle->len - 1);

      if (strcmp (last->path, path) == 0)
        d = last;
      else
        decoder_free (last, FALSE);
    }
  g_mutex_unlock (&pool_lock);
  return d;
}

static void
pool_give (Decoder *d)
{
  g_mutex_lock (&pool_lock);
  if (pool_idle == NULL)
    pool_idle = g_ptr_array_new ();
  if (pool_idle->len < MAX_IDLE_DECODERS)
    {
      g_ptr_array_add (pool_idle, d);
      d = NULL;
    }
  g_mutex_unlock (&pool_lock);
  decoder_free (d, FALSE);
}

void
ls_dicom_decoders_stop (gboolean wait)
{
  g_autoptr (GPtrArray) idle = NULL;

  g_mutex_lock (&pool_lock);
  idle = g_steal_pointer (&pool_idle);
  g_mutex_unlock (&pool_lock);
  for (guint i = 0; idle != NULL && i < idle->len; i++)
    {
      Decoder *d = idle->pdata[i];

      close (d->sock);
      d->sock = -1;
      /* It ends at the end of its socket. */
      if (wait)
        g_subprocess_wait (d->process, NULL, NULL);
      decoder_free (d, FALSE);
    }
}

guint
ls_dicom_decoders_started (void)
{
  guint n;

  g_mutex_lock (&pool_lock);
  n = pool_started;
  g_mutex_unlock (&pool_lock);
  return n;
}

/* The request with its three descriptors; FALSE when the decoder is gone. */
static gboolean
send_request (int sock,
              const LsDicomRequest *request,
              const int fds[3])
{
  union
  {
    char buf[CMSG_SPACE (3 * sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { (void *) request, sizeof *request };
  struct msghdr msg = { 0 };
  struct cmsghdr *cmsg;
  gssize n;

  memset (&control, 0, sizeof control);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (3 * sizeof (int));
  memcpy (CMSG_DATA (cmsg), fds, 3 * sizeof (int));
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (gssize) sizeof *request;
}

/* ---- one request ---- */

/* One exchange with one decoder. */
typedef struct
{
  Reader r;
  char err_text[1024];
  gsize err_len;
  gboolean taken;    /* the decoder took the request */
  gboolean replied;  /* and said how its fork ended */
  gboolean lost;     /* or the decoder ended first */
  gboolean too_long; /* or did not answer by the deadline */
  LsDicomReply reply;
} Exchange;

/* The refusal's pipe: the last bytes are kept (the refusal is the fork's
 * last line; a codec may have printed its own before). */
static void
exchange_read_err (Exchange *x,
                   int fd,
                   gboolean *eof)
{
  char buf[512];
  gssize k = read (fd, buf, sizeof buf);

  if (k > 0)
    {
      gsize room = sizeof x->err_text - 1;

      if (x->err_len + (gsize) k > room)
        {
          gsize drop = MIN (x->err_len, x->err_len + (gsize) k - room);

          memmove (x->err_text, x->err_text + drop, x->err_len - drop);
          x->err_len -= drop;
        }
      memcpy (x->err_text + x->err_len, buf, (gsize) k);
      x->err_len += (gsize) k;
    }
  else if (k == 0 || (errno != EINTR && errno != EAGAIN))
    *eof = TRUE;
}

/* Sends @request with the file @in_fd to @decoder and reads the fork's
 * answer, refusal and end until @deadline. @decoder is given back to the
 * pool after an exchange that ended as it should, else killed. FALSE with
 * errno when the file cannot be rewound or the pipes cannot be made. */
static gboolean
exchange_run (Exchange *x,
              Decoder *decoder,
              const LsDicomRequest *request,
              int in_fd,
              gint64 deadline)
{
  int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
  gboolean out_eof = FALSE, err_eof = FALSE;
  struct pollfd fds[3];

  /* From the start (a request sent again after a decoder died). */
  if (lseek (in_fd, 0, SEEK_SET) != 0 || pipe2 (out_pipe, O_CLOEXEC) != 0 || pipe2 (err_pipe, O_CLOEXEC) != 0)
    {
      int saved = errno;

      if (out_pipe[0] >= 0)
        {
          close (out_pipe[0]);
          close (out_pipe[1]);
        }
      decoder_free (decoder, TRUE);
      errno = saved;
      return FALSE;
    }
  x->taken = send_request (decoder->sock, request, (const int[3]){ in_fd, out_pipe[1], err_pipe[1] });
  close (out_pipe[1]);
  close (err_pipe[1]);
  (void) fcntl (out_pipe[0], F_SETFL, fcntl (out_pipe[0], F_GETFL) | O_NONBLOCK);
  (void) fcntl (err_pipe[0], F_SETFL, fcntl (err_pipe[0], F_GETFL) | O_NONBLOCK);

  while (x->taken && (!out_eof || !err_eof || (!x->replied && !x->lost)))
    {
      gint64 left = deadline - g_get_monotonic_time ();
      int n;

      if (left <= 0)
        {
          x->too_long = TRUE;
          break;
        }
      /* What has ended is left out (poll would report its hang-up again
       * and again). */
      fds[0].fd = out_eof ? -1 : out_pipe[0];
      fds[1].fd = err_eof ? -1 : err_pipe[0];
      fds[2].fd = x->replied || x->lost ? -1 : decoder->sock;
      for (int i = 0; i < 3; i++)
        fds[i].events = POLLIN, fds[i].revents = 0;
      n = poll (fds, 3, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          x->lost = TRUE;
          break;
        }
      if (!out_eof && fds[0].revents != 0 && !reader_read (&x->r, out_pipe[0], &out_eof))
        {
          /* Refused: the rest is not read (a fork writing on finds the
           * pipe closed). */
          close (out_pipe[0]);
          out_pipe[0] = -1;
          out_eof = TRUE;
        }
      if (!err_eof && fds[1].revents != 0)
        exchange_read_err (x, err_pipe[0], &err_eof);
      if (!x->replied && !x->lost && fds[2].revents != 0)
        {
          const char *why = NULL;

          if (read_reply (decoder->sock, deadline, &x->reply, &why) && x->reply.kind != LS_DICOM_REPLY_HELLO)
            x->replied = TRUE;
          else
            x->lost = TRUE;
        }
    }
  if (out_pipe[0] >= 0)
    close (out_pipe[0]);
  close (err_pipe[0]);
  x->err_text[x->err_len] = '\0';
  if (x->replied && !x->too_long)
    pool_give (decoder);
  else
    decoder_free (decoder, TRUE);
  return TRUE;
}

/* The exchange's outcome as the caller's error; NULL when it decoded. */
static GError *
exchange_error (const Exchange *x,
                const char *name,
                const char *path)
{
  const Reader *r = &x->r;
  const LsDicomReply *reply = &x->reply;
  int status = reply->status;
  GError *fail = NULL;

  if (r->refused != NULL)
    return g_error_copy (r->refused);
  if (!x->taken)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO,
                 "%s: cannot start the DICOM decoder %s (it took no request)", name, path);
  else if (x->too_long || (x->replied && reply->kind == LS_DICOM_REPLY_TIMED_OUT))
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder took too long)", name);
  else if (r->malformed != NULL)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder's answer is malformed: %s)", name, r->malformed);
  else if (!x->replied)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the DICOM decoder %s stopped unexpectedly)", name, path);
  else if (reply->kind == LS_DICOM_REPLY_NO_FORK)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: the DICOM decoder cannot start a process (%s)",
                 name, g_strerror (status));
  else if (WIFSIGNALED (status))
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder crashed)", name);
  else if (WIFEXITED (status) && WEXITSTATUS (status) >= LS_DICOM_WIRE_EXIT_REFUSED &&
           WEXITSTATUS (status) <= LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_EMPTY_IMAGE && x->err_len > 0)
    {
      g_autofree char *line = last_line (x->err_text, x->err_len);
      int code = WEXITSTATUS (status) - LS_DICOM_WIRE_EXIT_REFUSED;

      g_set_error (&fail, LS_IMAGE_ERROR, code, "%s: %s", name,
                   g_str_has_prefix (line, LS_DICOM_WIRE_NAME ": ") ? line + strlen (LS_DICOM_WIRE_NAME ": ")
                                                                    : line);
    }
  else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder failed with exit status %d)", name,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  else if (r->part != 3)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder's answer is cut short)", name);
  return fail;
}

static void
exchange_clear (Exchange *x)
{
  ls_dicom_decoded_clear (x->r.out);
  g_clear_pointer (&x->r.malformed, g_free);
  g_clear_error (&x->r.refused);
}

gboolean
ls_dicom_run_decoder (const guint8 *data,
                      gsize size,
                      const char *name,
                      const LsDecodeLimits *limits,
                      LsDicomMode mode,
                      const LsDicomSpan *unread,
                      gsize image_bytes,
                      LsDicomDecoded *out,
                      GError **error)
{
  g_autofree char *path = ls_dicom_decoder_path ();
  double timeout = timeout_seconds ();
  LsDicomRequest request = { LS_DICOM_SERVE_MAGIC,
                             (guint32) mode,
                             (gint32) MIN (limits->max_side, G_MAXINT32),
                             (guint32) MAX (1.0, timeout * 1000),
                             limits->max_pixels,
                             memory_limit (size, image_bytes) };
  /* The decoder kills its fork at the time limit; past it and a grace, the
   * decoder itself. */
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC) + DECODER_GRACE_US;
  Exchange x;
  GError *fail = NULL;
  int in_fd;

  memset (out, 0, sizeof *out);
  in_fd = input_fd (data, size, mode == LS_DICOM_MODE_DECODE ? NULL : unread);
  if (in_fd < 0)
    {
      int saved = errno;

      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot hand the DICOM file to its decoder (%s)",
                   name, g_strerror (saved));
      return FALSE;
    }
  for (;;)
    {
      Decoder *decoder = pool_take (path);
      gboolean fresh = decoder == NULL;

      if (fresh && (decoder = decoder_start (path, name, deadline, &fail)) == NULL)
        break;
      memset (&x, 0, sizeof x);
      x.r = (Reader){ name, limits, mode, { 0 }, 0, 0, out, NULL, NULL };
      /* (exchange_run lets go of the decoder whatever happens.) */
      if (!exchange_run (&x, decoder, &request, in_fd, deadline))
        {
          int saved = errno;

          g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO,
                       "%s: cannot hand the DICOM file to its decoder (%s)", name, g_strerror (saved));
          break;
        }
      /* An idle decoder may have died since it was last used (killed from
       * outside: the system's OOM killer): the request again, to another,
       * when nothing came back at all. */
      if (!fresh && (!x.taken || (x.lost && x.r.part == 0 && x.r.got == 0 && x.err_len == 0)))
        {
          exchange_clear (&x);
          continue;
        }
      fail = exchange_error (&x, name, path);
      g_free (x.r.malformed);
      g_clear_error (&x.r.refused);
      break;
    }
  close (in_fd);
  if (fail != NULL)
    {
      ls_dicom_decoded_clear (out);
      g_propagate_error (error, fail);
      return FALSE;
    }
  return TRUE;
}
