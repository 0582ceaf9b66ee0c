/* dicom-decode-main.c — lungscope-dicom-decode, GDCM in a process of its own
 *
 *   lungscope-dicom-decode --serve     (a socket on stdin)
 *
 * Serves decode requests from Lungscope (dicom-serve.h), each in a fork
 * of this process: the fork reads one DICOM file on its stdin, runs our
 * checks and GDCM on it and writes the header and decoded pixels to its
 * stdout (dicom-wire.h); a refusal is one line on its stderr naming the
 * file "-" (Lungscope puts the file's name in its place: no name reaches
 * this process, a file may be named after its patient) and exit status 10
 * + its LsImageError code. Started by dicom-spawn.c, installed in
 * libexecdir; not for people.
 *
 * Before it serves, it closes every descriptor but 0, 1 and 2 (the parent
 * lets descriptors through exec so that GLib can posix_spawn it) and turns
 * its own stdout and stderr to /dev/null. A fork ends with _exit: nothing
 * of GDCM's is torn down, and LeakSanitizer does not count GDCM's codecs'
 * error-path leaks, which are not ours to fix.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imaging/dicom-private.h"
#include "imaging/dicom-serve.h"

G_NORETURN static void
usage (void)
{
  fprintf (stderr, "lungscope-dicom-decode: run with --serve by Lungscope, not by hand\n");
  _exit (LS_DICOM_WIRE_EXIT_USAGE);
}

G_NORETURN static void
out_of_memory (const char *name,
               guint64 memory)
{
  fprintf (stderr, "%s: decoding it needs more memory than the DICOM decoder may use (%" G_GUINT64_FORMAT " MiB)\n",
           name, memory >> 20);
  _exit (LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_TOO_LARGE);
}

/* The holes of the mapped file @fd (the native pixel data a header does
 * not need, which Lungscope leaves out): anonymous zeros in their place, so
 * that reading them faults in the zero page instead of allocating the
 * file's pages. */
static void
map_holes_as_zeros (guint8 *p,
                    gsize size,
                    int fd)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  off_t at = 0;

  for (;;)
    {
      off_t hole = lseek (fd, at, SEEK_HOLE), data;
      gsize first, last;

      if (hole < 0 || (gsize) hole >= size)
        return;
      data = lseek (fd, hole, SEEK_DATA);
      if (data < 0)
        data = (off_t) size;
      first = ((gsize) hole + page - 1) / page * page;
      last = (gsize) data / page * page;
      if (last > first)
        (void) mmap (p + first, last - first, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if ((gsize) data >= size)
        return;
      at = data;
    }
}

/* stdin: mapped when it is a file (the parent's memory file), else read. */
static const guint8 *
read_input (gsize *size,
            const char *name,
            guint64 memory)
{
  struct stat st;
  GByteArray *bytes;
  guint8 buf[65536];

  if (fstat (0, &st) == 0 && S_ISREG (st.st_mode))
    {
      void *p;

      *size = (gsize) st.st_size;
      if (*size == 0)
        return (const guint8 *) "";
      p = mmap (NULL, *size, PROT_READ, MAP_PRIVATE, 0, 0);
      if (p != MAP_FAILED)
        {
          map_holes_as_zeros (p, *size, 0);
          return p;
        }
      if (errno == ENOMEM)
        out_of_memory (name, memory);
    }
  bytes = g_byte_array_new ();
  for (;;)
    {
      gssize n = read (0, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          fprintf (stderr, "%s: cannot read the file from Lungscope (%s)\n", name, g_strerror (errno));
          _exit (LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_IO);
        }
      if (n == 0)
        break;
      g_byte_array_append (bytes, buf, (guint) n);
    }
  *size = bytes->len;
  return g_byte_array_free (bytes, FALSE);
}

/* One request, in its fork. */
static int
decode_request (const LsDicomRequest *request,
                gpointer user_data)
{
  LsDecodeLimits limits;
  GError *error = NULL;
  const guint8 *data;
  gsize size;

  ls_decode_limits_init (&limits, NULL);
  limits.max_side = MAX (1, request->max_side);
  limits.max_pixels = MAX (1, request->max_pixels);
  data = read_input (&size, LS_DICOM_WIRE_NAME, request->memory);
  if (!ls_dicom_decode_here (data, size, LS_DICOM_WIRE_NAME, &limits, (LsDicomMode) request->mode, 1, &error))
    {
      int code = error->domain == LS_IMAGE_ERROR ? error->code : LS_IMAGE_ERROR_CORRUPT;

      if (ls_dicom_ran_out_of_memory ())
        out_of_memory (LS_DICOM_WIRE_NAME, request->memory);
      fprintf (stderr, "%s\n", error->message);
      fflush (stderr);
      return LS_DICOM_WIRE_EXIT_REFUSED + CLAMP (code, 0, LS_IMAGE_ERROR_EMPTY_IMAGE);
    }
  return 0;
}

int
main (int argc,
      char **argv)
{
  int null_fd;

  if (argc != 2 || strcmp (argv[1], "--serve") != 0)
    usage ();
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0 || dup2 (null_fd, 1) != 1 || dup2 (null_fd, 2) != 2)
    _exit (1);
  ls_dicom_serve (0, decode_request, NULL);
}
