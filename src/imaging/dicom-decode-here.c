/* dicom-decode-here.c — what the DICOM decoder process does: our checks,
 * then GDCM, then the answer on a descriptor (dicom-wire.h)
 *
 * Linked into lungscope-dicom-decode (and the in-process fuzz target) only:
 * the app, the CLI and the library never load GDCM themselves.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "imaging/dicom-gdcm.h"
#include "imaging/dicom-private.h"

/* A compressed image whose codestream disagrees with the header would make
 * the codec allocate (or write) for another size: refused before decoding. */
static gboolean
check_codestream (LsDicomFile *file,
                  const LsDicomHeader *h,
                  const char *name,
                  GError **error)
{
  const guint8 *d;
  const char *kind = NULL;
  gsize n;
  gint64 w = 0, ht = 0;
  int comps = 0;

  if (!h->encapsulated || !ls_dicom_file_first_fragment (file, &d, &n) ||
      !ls_dicom_codestream_size (d, n, &kind, &w, &ht, &comps))
    return TRUE;
  if (w == h->width && (ht == h->height || ht == 0) && comps == h->samples)
    return TRUE;
  g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT,
               "%s: its %s data is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
               " with %d components, the DICOM header says %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
               " with %d",
               name, kind, w, ht, comps, h->width, h->height, h->samples);
  return FALSE;
}

/* Every byte is 0: the first is, and each equals the next (one pass of
 * libc's vectorised memcmp). */
static gboolean
all_zero (const guint8 *p,
          gsize n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

static gboolean
write_all (int fd,
           const guint8 *data,
           gsize size)
{
  while (size > 0)
    {
      gssize n = write (fd, data, MIN (size, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      size -= (gsize) n;
    }
  return TRUE;
}

gboolean
ls_dicom_decode_here (const guint8 *data,
                      gsize size,
                      const char *name,
                      const LsDecodeLimits *limits,
                      LsDicomMode mode,
                      int out_fd,
                      GError **error)
{
  g_autofree char *message = NULL;
  g_autofree guint8 *decoded = NULL;
  const guint8 *pixels = NULL;
  gsize native_size = 0, bytes = 0;
  LsDecodeLimits unlimited = *limits;
  LsDicomWireHeader wire = { 0 };
  guint8 block[LS_DICOM_WIRE_HEADER_SIZE];
  LsDicomHeader *h = &wire.header;
  LsDicomFile *file;
  gboolean ok = FALSE;

  if (!ls_dicom_check_structure (data, size, name, limits, NULL, NULL, error))
    return FALSE;
  file = ls_dicom_file_parse (data, size, &message);
  if (file == NULL)
    {
      g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT, "%s: %s", name, message);
      return FALSE;
    }
  ls_dicom_file_header (file, h);
  /* A probe reports any size, as the other formats' probes do. */
  unlimited.max_side = G_MAXINT;
  unlimited.max_pixels = G_MAXINT64;
  if (!ls_dicom_check_header (h, name, mode == LS_DICOM_MODE_PROBE ? &unlimited : limits, &bytes, error) ||
      (mode != LS_DICOM_MODE_PROBE && !check_codestream (file, h, name, error)))
    goto out;
  wire.photometric = mode == LS_DICOM_MODE_PROBE ? h->photometric : ls_dicom_file_photometric (file);
  if (mode == LS_DICOM_MODE_DECODE)
    {
      /* Native data is sent from where GDCM holds it; compressed data is
       * decoded into a buffer of the size the header gives. */
      if (!ls_dicom_file_native_pixels (file, &pixels, &native_size) || native_size < bytes)
        {
          pixels = decoded = g_try_malloc (bytes);
          if (decoded == NULL)
            {
              g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_TOO_LARGE,
                           "%s: no memory for %" G_GSIZE_FORMAT " bytes of DICOM pixel data", name, bytes);
              goto out;
            }
          if (!ls_dicom_file_decode (file, decoded, bytes, &message))
            {
              g_set_error (error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_CORRUPT, "%s: %s", name, message);
              goto out;
            }
        }
      wire.pixel_bytes = bytes;
    }
  else if (mode == LS_DICOM_MODE_HEADER)
    {
      /* The caller left its native pixel data out as zeros: if the pixel
       * data GDCM kept is not all zeros, it is not those bytes, and the
       * caller must not read them (native length 0 tells it so; it then
       * has the pixels decoded here). */
      if (ls_dicom_file_native_pixels (file, &pixels, &native_size) && !all_zero (pixels, native_size))
        h->native_length = 0;
      pixels = NULL;
    }
  ls_dicom_wire_encode (&wire, block);
  if (!write_all (out_fd, block, sizeof block) ||
      !write_all (out_fd, (const guint8 *) h->voi_lut, (gsize) h->voi_lut_entries * 2) ||
      (mode == LS_DICOM_MODE_DECODE && !write_all (out_fd, pixels, bytes)))
    _exit (LS_DICOM_WIRE_EXIT_REFUSED + LS_IMAGE_ERROR_IO);
  ok = TRUE;

out:
  ls_dicom_header_clear (h);
  ls_dicom_file_free (file);
  return ok;
}
