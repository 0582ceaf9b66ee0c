/* dicom-wire.c — the header block lungscope-dicom-decode writes (see
 * dicom-wire.h)
 *
 * Layout (little endian): "LSDCMW01"; width, height, frames (int64);
 * samples, bits allocated, bits stored, high bit, signed, planar
 * configuration, photometric, photometric after decoding, encapsulated, has
 * window, VOI LUT entries, first and bits, 0 (int32 each); native length
 * (uint64); rescale slope and intercept, window center and width, row and
 * column spacing (float64); pixel bytes (uint64); then the photometric
 * name, transfer syntax, modality, view position and patient id as fixed
 * NUL-padded fields of their sizes in LsDicomHeader; zeros to the end.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "imaging/dicom-wire.h"

static const char magic[8] = { 'L', 'S', 'D', 'C', 'M', 'W', '0', '1' };

typedef struct
{
  guint8 *p;
  const guint8 *q;
  gsize at;
} Cursor;

static void
put64 (Cursor *c,
       guint64 v)
{
  for (int i = 0; i < 8; i++)
    c->p[c->at++] = (guint8) (v >> (8 * i));
}

static void
put32 (Cursor *c,
       gint32 v)
{
  guint32 u = (guint32) v;

  for (int i = 0; i < 4; i++)
    c->p[c->at++] = (guint8) (u >> (8 * i));
}

static void
put_double (Cursor *c,
            double v)
{
  guint64 u;

  memcpy (&u, &v, sizeof u);
  put64 (c, u);
}

static void
put_text (Cursor *c,
          const char *s,
          gsize field)
{
  gsize n = strnlen (s, field - 1);

  memset (c->p + c->at, 0, field);
  memcpy (c->p + c->at, s, n);
  c->at += field;
}

static guint64
get64 (Cursor *c)
{
  guint64 v = 0;

  for (int i = 0; i < 8; i++)
    v |= (guint64) c->q[c->at++] << (8 * i);
  return v;
}

static gint32
get32 (Cursor *c)
{
  guint32 v = 0;

  for (int i = 0; i < 4; i++)
    v |= (guint32) c->q[c->at++] << (8 * i);
  return (gint32) v;
}

static double
get_double (Cursor *c)
{
  guint64 u = get64 (c);
  double v;

  memcpy (&v, &u, sizeof v);
  return v;
}

/* The field's text up to its first NUL; FALSE when it has none. */
static gboolean
get_text (Cursor *c,
          char *out,
          gsize field)
{
  const guint8 *nul = memchr (c->q + c->at, '\0', field);

  if (nul == NULL)
    return FALSE;
  memcpy (out, c->q + c->at, (gsize) (nul - (c->q + c->at)) + 1);
  c->at += field;
  return TRUE;
}

void
ls_dicom_wire_encode (const LsDicomWireHeader *wire,
                      guint8 out[LS_DICOM_WIRE_HEADER_SIZE])
{
  const LsDicomHeader *h = &wire->header;
  Cursor c = { out, NULL, 0 };

  memset (out, 0, LS_DICOM_WIRE_HEADER_SIZE);
  memcpy (out, magic, sizeof magic);
  c.at = sizeof magic;
  put64 (&c, (guint64) h->width);
  put64 (&c, (guint64) h->height);
  put64 (&c, (guint64) h->frames);
  put32 (&c, h->samples);
  put32 (&c, h->bits_allocated);
  put32 (&c, h->bits_stored);
  put32 (&c, h->high_bit);
  put32 (&c, h->is_signed ? 1 : 0);
  put32 (&c, h->planar);
  put32 (&c, (gint32) h->photometric);
  put32 (&c, (gint32) wire->photometric);
  put32 (&c, h->encapsulated ? 1 : 0);
  put32 (&c, h->has_window ? 1 : 0);
  put32 (&c, h->voi_lut_entries);
  put32 (&c, h->voi_lut_first);
  put32 (&c, h->voi_lut_bits);
  put32 (&c, 0);
  put64 (&c, h->native_length);
  put_double (&c, h->slope);
  put_double (&c, h->intercept);
  put_double (&c, h->window_center);
  put_double (&c, h->window_width);
  put_double (&c, h->spacing[0]);
  put_double (&c, h->spacing[1]);
  put64 (&c, wire->pixel_bytes);
  put_text (&c, h->photometric_name, sizeof h->photometric_name);
  put_text (&c, h->transfer_syntax, sizeof h->transfer_syntax);
  put_text (&c, h->modality, sizeof h->modality);
  put_text (&c, h->view_position, sizeof h->view_position);
  put_text (&c, h->patient_id, sizeof h->patient_id);
  g_assert (c.at <= LS_DICOM_WIRE_HEADER_SIZE);
}

static gboolean
is_photometric (gint32 v)
{
  return v >= LS_DICOM_PHOTOMETRIC_OTHER && v <= LS_DICOM_PHOTOMETRIC_PALETTE;
}

gboolean
ls_dicom_wire_decode (const guint8 block[LS_DICOM_WIRE_HEADER_SIZE],
                      LsDicomWireHeader *wire,
                      const char **why)
{
  LsDicomHeader *h = &wire->header;
  Cursor c = { NULL, block, sizeof magic };
  gint32 is_signed, photometric, decoded, encapsulated, has_window, pad;
  guint64 width, height, frames;

  memset (wire, 0, sizeof *wire);
  *why = NULL;
  if (memcmp (block, magic, sizeof magic) != 0)
    {
      *why = "it does not start with the expected magic";
      return FALSE;
    }
  width = get64 (&c);
  height = get64 (&c);
  frames = get64 (&c);
  h->samples = get32 (&c);
  h->bits_allocated = get32 (&c);
  h->bits_stored = get32 (&c);
  h->high_bit = get32 (&c);
  is_signed = get32 (&c);
  h->planar = get32 (&c);
  photometric = get32 (&c);
  decoded = get32 (&c);
  encapsulated = get32 (&c);
  has_window = get32 (&c);
  h->voi_lut_entries = get32 (&c);
  h->voi_lut_first = get32 (&c);
  h->voi_lut_bits = get32 (&c);
  pad = get32 (&c);
  h->native_length = (gsize) get64 (&c);
  h->slope = get_double (&c);
  h->intercept = get_double (&c);
  h->window_center = get_double (&c);
  h->window_width = get_double (&c);
  h->spacing[0] = get_double (&c);
  h->spacing[1] = get_double (&c);
  wire->pixel_bytes = get64 (&c);
  if (!get_text (&c, h->photometric_name, sizeof h->photometric_name) ||
      !get_text (&c, h->transfer_syntax, sizeof h->transfer_syntax) ||
      !get_text (&c, h->modality, sizeof h->modality) ||
      !get_text (&c, h->view_position, sizeof h->view_position) ||
      !get_text (&c, h->patient_id, sizeof h->patient_id))
    *why = "a text field is not terminated";
  else if (width > G_MAXINT32 || height > G_MAXINT32 || frames > G_MAXINT32)
    *why = "its image size is out of range";
  else if (h->samples < 0 || h->samples > 4 || h->bits_allocated < 0 || h->bits_allocated > 64 ||
           h->bits_stored < 0 || h->bits_stored > 64 || h->high_bit < 0 || h->high_bit > 64 ||
           (h->planar != 0 && h->planar != 1) || pad != 0)
    *why = "its pixel format is out of range";
  else if ((is_signed | encapsulated | has_window) & ~1)
    *why = "a flag is neither 0 nor 1";
  else if (!is_photometric (photometric) || !is_photometric (decoded))
    *why = "its photometric interpretation is out of range";
  else if (h->voi_lut_entries < 0 || h->voi_lut_entries > 65536 ||
           (h->voi_lut_entries > 0 && (h->voi_lut_bits < 1 || h->voi_lut_bits > 16 ||
                                       h->voi_lut_first < -32768 || h->voi_lut_first > 65535)))
    *why = "its VOI LUT is out of range";
  else if (!isfinite (h->slope) || h->slope == 0 || !isfinite (h->intercept) ||
           !isfinite (h->window_center) || !isfinite (h->window_width) ||
           (has_window && h->window_width < 1) || !isfinite (h->spacing[0]) ||
           !isfinite (h->spacing[1]) || h->spacing[0] < 0 || h->spacing[1] < 0)
    *why = "a rescale, window or spacing value is out of range";
  else if (wire->pixel_bytes > G_MAXSIZE / 4)
    *why = "its pixel data size is out of range";
  if (*why != NULL)
    {
      memset (wire, 0, sizeof *wire);
      return FALSE;
    }
  h->width = (gint64) width;
  h->height = (gint64) height;
  h->frames = (gint64) frames;
  h->is_signed = is_signed;
  h->encapsulated = encapsulated;
  h->has_window = has_window;
  h->photometric = (LsDicomPhotometric) photometric;
  wire->photometric = (LsDicomPhotometric) decoded;
  return TRUE;
}

void
ls_dicom_header_clear (LsDicomHeader *header)
{
  g_clear_pointer (&header->voi_lut, g_free);
  header->voi_lut_entries = 0;
}
