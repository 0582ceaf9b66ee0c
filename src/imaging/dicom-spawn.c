/* dicom-spawn.c — GDCM in a child process: lungscope-dicom-decode
 *
 * The file's bytes go to the child through a sealed-off memory file on its
 * stdin (no pipe to write, so no SIGPIPE here and no deadlock); its answer
 * comes back on a stdout pipe (dicom-wire.h) and its one-line refusal on
 * stderr. The parent waits at most the time limit (20 s, or
 * $LUNGSCOPE_DICOM_DECODE_TIMEOUT) and then kills it; the child limits its
 * own address space (RLIMIT_AS) to what this file can need. Whatever the
 * child does — abort, crash, hang, eat memory, send too much or too little —
 * this process gets one line naming the file, never a signal.
 *
 * GSubprocess reaps the child through GLib's own SIGCHLD handling (the
 * worker threads of the app share it with everything else in GLib); no
 * handler of ours is installed. The pipes are close-on-exec, so a child
 * started from another thread at the same moment does not hold them open,
 * and the decoder closes every other inherited descriptor before it reads
 * anything (dicom-decode-main.c).
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
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "imaging/dicom-private.h"

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

/* A file in memory holding @data, positioned at its start; -1 with errno. */
static int
input_fd (const guint8 *data,
          gsize size)
{
  int fd = memfd_create ("lungscope-dicom", MFD_CLOEXEC);

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
  while (size > 0)
    {
      gssize n = write (fd, data, MIN (size, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno != 0 ? errno : ENOSPC;

          close (fd);
          errno = saved;
          return -1;
        }
      data += n;
      size -= (gsize) n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* The child's stdout, read into its parts as they arrive. */
typedef struct
{
  const char *name;
  const LsDecodeLimits *limits;
  gboolean probe;
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
  if (!ls_dicom_check_header (&d->wire.header, r->name, r->probe ? &unlimited : r->limits, &expected,
                              &r->refused))
    return FALSE;
  if (d->wire.pixel_bytes != (r->probe ? 0 : expected))
    {
      r->malformed = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes of pixels for an image of %" G_GSIZE_FORMAT,
                                      d->wire.pixel_bytes, r->probe ? 0 : expected);
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

gboolean
ls_dicom_run_decoder (const guint8 *data,
                      gsize size,
                      const char *name,
                      const LsDecodeLimits *limits,
                      gboolean probe,
                      gsize image_bytes,
                      LsDicomDecoded *out,
                      GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = ls_dicom_decoder_path ();
  g_autofree char *max_side = g_strdup_printf ("%d", limits->max_side);
  g_autofree char *max_pixels = g_strdup_printf ("%" G_GINT64_FORMAT, limits->max_pixels);
  g_autofree char *memory = g_strdup_printf ("%" G_GUINT64_FORMAT, memory_limit (size, image_bytes));
  /* Not the file's name: a command line is visible to every local user,
   * and a file may be named after its patient. The decoder's messages start
   * with "-: " instead, which is replaced here. */
  const char *argv[] = { path, "--max-side", max_side, "--max-pixels", max_pixels,
                         "--memory-limit", memory, probe ? "--probe" : NULL, NULL };
  Reader r = { name, limits, probe, { 0 }, 0, 0, out, NULL, NULL };
  char err_text[1024];
  gsize err_len = 0;
  struct pollfd fds[2];
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_seconds () * G_USEC_PER_SEC);
  gboolean out_eof = FALSE, err_eof = FALSE, timed_out = FALSE, stopped = FALSE;
  GError *fail = NULL;
  int in_fd, status;

  memset (out, 0, sizeof *out);
  in_fd = input_fd (data, size);
  if (in_fd < 0)
    {
      int saved = errno;

      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO, "%s: cannot hand the DICOM file to its decoder (%s)",
                   name, g_strerror (saved));
      return FALSE;
    }
  /* Descriptors stay open across exec (so GLib can use posix_spawn, much
   * cheaper than fork from a large process): ours are close-on-exec, and
   * the decoder closes any other before it starts. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        G_SUBPROCESS_FLAGS_INHERIT_FDS);
  g_subprocess_launcher_take_stdin_fd (launcher, in_fd);
  child = g_subprocess_launcher_spawnv (launcher, argv, &local_error);
  if (child == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO,
                   "%s: cannot start the DICOM decoder %s (%s)", name, path, local_error->message);
      return FALSE;
    }
  fds[0].fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (child)));
  fds[1].fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stderr_pipe (child)));
  for (int i = 0; i < 2; i++)
    (void) fcntl (fds[i].fd, F_SETFL, fcntl (fds[i].fd, F_GETFL) | O_NONBLOCK);

  while (!out_eof || !err_eof)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      int n;

      if (left <= 0)
        {
          timed_out = TRUE;
          break;
        }
      fds[0].events = out_eof ? 0 : POLLIN;
      fds[1].events = err_eof ? 0 : POLLIN;
      fds[0].revents = fds[1].revents = 0;
      n = poll (fds, 2, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      if (!out_eof && fds[0].revents != 0 && !reader_read (&r, fds[0].fd, &out_eof))
        {
          stopped = TRUE;
          break;
        }
      if (!err_eof && fds[1].revents != 0)
        {
          char buf[512];
          gssize k = read (fds[1].fd, buf, sizeof buf);

          /* The last bytes are kept: the refusal is the decoder's last line
           * (a codec may have printed its own before). */
          if (k > 0)
            {
              gsize room = sizeof err_text - 1;

              if (err_len + (gsize) k > room)
                {
                  gsize drop = MIN (err_len, err_len + (gsize) k - room);

                  memmove (err_text, err_text + drop, err_len - drop);
                  err_len -= drop;
                }
              memcpy (err_text + err_len, buf, (gsize) k);
              err_len += (gsize) k;
            }
          else if (k == 0 || (errno != EINTR && errno != EAGAIN))
            err_eof = TRUE;
        }
    }
  if (timed_out || stopped || !out_eof || !err_eof)
    g_subprocess_force_exit (child);
  /* Closed here, not when the last reference to the child goes: GLib's
   * worker thread may hold one for a moment after the child is reaped. */
  g_input_stream_close (g_subprocess_get_stdout_pipe (child), NULL, NULL);
  g_input_stream_close (g_subprocess_get_stderr_pipe (child), NULL, NULL);
  g_subprocess_wait (child, NULL, NULL);
  err_text[err_len] = '\0';
  status = g_subprocess_get_status (child);

  if (r.refused != NULL)
    fail = g_steal_pointer (&r.refused);
  else if (timed_out)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder took too long)", name);
  else if (r.malformed != NULL)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder's answer is malformed: %s)", name, r.malformed);
  else if (WIFSIGNALED (status))
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder crashed)", name);
  else if (WIFEXITED (status) && WEXITSTATUS (status) >= LS_DICOM_WIRE_EXIT_REFUSED &&
           WEXITSTATUS (status) <= LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_EMPTY_IMAGE && err_len > 0)
    {
      g_autofree char *line = last_line (err_text, err_len);
      int code = WEXITSTATUS (status) - LS_DICOM_WIRE_EXIT_REFUSED;

      g_set_error (&fail, LS_IMAGE_ERROR, code, "%s: %s", name,
                   g_str_has_prefix (line, LS_DICOM_WIRE_NAME ": ") ? line + strlen (LS_DICOM_WIRE_NAME ": ")
                                                                    : line);
    }
  else if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    /* What a spawned child exits with when exec fails (under valgrind,
     * posix_spawn cannot report it to the parent). */
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_IO,
                 "%s: cannot start the DICOM decoder %s (exit status 127)", name, path);
  else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder failed with exit status %d)", name,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  else if (r.part != 3)
    g_set_error (&fail, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
                 "%s: not a readable DICOM image (the decoder's answer is cut short)", name);
  g_free (r.malformed);
  if (fail != NULL)
    {
      ls_dicom_decoded_clear (out);
      g_propagate_error (error, fail);
      return FALSE;
    }
  return TRUE;
}
