/* dicom-decode-main.c — lungscope-dicom-decode, GDCM in a process of its own
 *
 *   lungscope-dicom-decode [--name NAME] [--max-side N] [--max-pixels N]
 *                          [--memory-limit BYTES] [--probe]  < FILE
 *
 * Reads one DICOM file on stdin, runs our checks and GDCM on it and writes
 * the header and decoded pixels to stdout (dicom-wire.h); a refusal is one
 * line on stderr naming NAME (default "-", which Lungscope replaces with the
 * file's name) and exit status 10 + its LsImageError code.
 * Started by dicom-spawn.c, installed in libexecdir; not for people.
 *
 * Before it reads anything it closes every descriptor but 0, 1 and 2 (the
 * parent lets descriptors through exec so that GLib can posix_spawn it),
 * turns off core dumps (an abort in GDCM is an answer here, not a bug to
 * keep) and limits its address space to --memory-limit — except under
 * AddressSanitizer, whose shadow memory needs terabytes of address space
 * (there ASan's own allocator limits apply). It ends with _exit: nothing of
 * GDCM's is torn down, and LeakSanitizer does not count GDCM's codecs'
 * error-path leaks, which are not ours to fix.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "imaging/dicom-private.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

G_NORETURN static void
usage (const char *why)
{
  fprintf (stderr, "lungscope-dicom-decode: %s (this program is run by Lungscope, not by hand)\n", why);
  _exit (LS_DICOM_WIRE_EXIT_USAGE);
}

static void
close_inherited (void)
{
  DIR *dir;

#ifdef SYS_close_range
  if (syscall (SYS_close_range, 3u, ~0u, 0) == 0)
    return;
#endif
  dir = opendir ("/proc/self/fd");
  if (dir != NULL)
    {
      int self = dirfd (dir);
      struct dirent *e;

      while ((e = readdir (dir)) != NULL)
        {
          int fd = atoi (e->d_name);

          if (fd > 2 && fd != self)
            close (fd);
        }
      closedir (dir);
      return;
    }
  for (int fd = 3; fd < 1024; fd++)
    close (fd);
}

static void
limit (int resource,
       rlim_t value)
{
  struct rlimit rl = { value, value };

  if (setrlimit (resource, &rl) != 0)
    usage ("cannot set a resource limit");
}

static gint64
number (const char *text,
        gint64 min,
        gint64 max)
{
  gint64 v;

  if (!g_ascii_string_to_signed (text, 10, min, max, &v, NULL))
    usage ("a number is out of range");
  return v;
}

G_NORETURN static void
out_of_memory (const char *name,
               guint64 memory)
{
  fprintf (stderr, "%s: decoding it needs more memory than the DICOM decoder may use (%" G_GUINT64_FORMAT " MiB)\n",
           name, memory >> 20);
  _exit (LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_TOO_LARGE);
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
        return p;
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
        usage ("cannot read its input");
      if (n == 0)
        break;
      g_byte_array_append (bytes, buf, (guint) n);
    }
  *size = bytes->len;
  return g_byte_array_free (bytes, FALSE);
}

int
main (int argc,
      char **argv)
{
  const char *name = LS_DICOM_WIRE_NAME;
  LsDecodeLimits limits;
  gboolean probe = FALSE;
  guint64 memory = 0;
  GError *error = NULL;
  const guint8 *data;
  gsize size;

  close_inherited ();
  limit (RLIMIT_CORE, 0);
  ls_decode_limits_init (&limits, NULL);
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (strcmp (arg, "--probe") == 0)
        probe = TRUE;
      else if (i + 1 >= argc)
        usage ("an option lacks its value");
      else if (strcmp (arg, "--name") == 0)
        name = argv[++i];
      else if (strcmp (arg, "--max-side") == 0)
        limits.max_side = (int) number (argv[++i], 1, G_MAXINT);
      else if (strcmp (arg, "--max-pixels") == 0)
        limits.max_pixels = number (argv[++i], 1, G_MAXINT64);
      else if (strcmp (arg, "--memory-limit") == 0)
        memory = (guint64) number (argv[++i], 1 << 20, G_MAXINT64);
      else
        usage ("unknown option");
    }
  if (memory > 0 && !UNDER_ASAN)
    limit (RLIMIT_AS, (rlim_t) memory);

  data = read_input (&size, name, memory);
  if (!ls_dicom_decode_here (data, size, name, &limits, probe, 1, &error))
    {
      int code = error->domain == LS_IMAGE_ERROR ? error->code : LS_IMAGE_ERROR_CORRUPT;

      if (ls_dicom_ran_out_of_memory ())
        out_of_memory (name, memory);

      fprintf (stderr, "%s\n", error->message);
      fflush (stderr);
      _exit (LS_DICOM_WIRE_EXIT_REFUSED + CLAMP (code, 0, LS_IMAGE_ERROR_EMPTY_IMAGE));
    }
  _exit (0);
}
