/* dicom-check.c — the structure of a DICOM file, checked before GDCM reads it
 *
 * GDCM (as Debian builds it) trusts the value lengths it reads: an element
 * that claims 4 GB makes it allocate 4 GB before it finds the file is short,
 * and a read past the end can end in a failed assert() (an abort). So every
 * element of the data set, down through sequences, items and the fragments
 * of compressed pixel data, is walked here first: each length must fit in
 * the bytes that remain (or in its enclosing item), undefined lengths must
 * end with their delimiter, nesting is bounded, and explicit VRs must be
 * ones the standard defines. A deflated data set is inflated (up to a bound) and
 * walked the same way. Only then does GDCM see the file.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#if LS_HAVE_DICOM
#include <zlib.h>
#endif

#include "imaging/decode-private.h"

#define MAX_DEPTH 16
#define UNDEFINED 0xffffffffu

typedef struct
{
  const guint8 *base;
  const char *name;
  GError **error;
  char ts[68];          /* the Transfer Syntax UID of the file meta group */
  gboolean saw_pixels;  /* a top-level Pixel Data element */
  guint bits_allocated; /* the last seen, 0 before */
  guint bits_stored;
  /* The top-level image, for the size limits and the RLE check. */
  guint rows, columns, samples, top_bits_allocated;
  gint64 frames;
  guint n_fragments;  /* of the top-level pixel data, after its offset table */
  gsize fragment_pos; /* of the first one's value */
  gsize fragment_len;
  LsDicomSpan native; /* the top-level pixel data's value, when of defined length */
} Walk;

static inline guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

G_GNUC_PRINTF (4, 5)
static gboolean
bad (Walk *w,
     int code,
     gsize at,
     const char *format,
     ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (w->error, LS_IMAGE_ERROR, code, "%s: malformed DICOM at byte %" G_GSIZE_FORMAT ": %s",
               w->name, at, what);
  return FALSE;
}

static gboolean
long_length_vr (const guint8 *vr)
{
  static const char long_vrs[][3] = { "OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                      "UC", "UN", "UR", "UT", "SV", "UV" };

  for (guint i = 0; i < G_N_ELEMENTS (long_vrs); i++)
    if (vr[0] == long_vrs[i][0] && vr[1] == long_vrs[i][1])
      return TRUE;
  return FALSE;
}

/* The VRs of PS3.5 (2024); GDCM reads any other as an implicit-VR length,
 * so "UK" followed by two bytes becomes a length of hundreds of MB. */
static gboolean
known_vr (const guint8 *vr)
{
  static const char vrs[][3] = { "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO",
                                 "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
                                 "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT",
                                 "UV" };

  for (guint i = 0; i < G_N_ELEMENTS (vrs); i++)
    if (vr[0] == vrs[i][0] && vr[1] == vrs[i][1])
      return TRUE;
  return FALSE;
}

/* The pixel description (at any depth: an icon image is read too). GDCM
 * asserts (aborts) on values outside what it expects; we decode less than
 * that anyway, so anything else is refused here. The size is checked later
 * against the decoder's limits. */
static gboolean
check_pixel_tag (Walk *w,
                 gsize at,
                 int depth,
                 guint16 elem,
                 const guint8 *value,
                 guint32 len)
{
  const char *what;
  guint v;
  gboolean ok;

  switch (elem)
    {
    case 0x0002:
      what = "samples per pixel";
      break;
    case 0x0006:
      what = "planar configuration";
      break;
    case 0x0100:
      what = "bits allocated";
      break;
    case 0x0101:
      what = "bits stored";
      break;
    case 0x0102:
      what = "high bit";
      break;
    case 0x0103:
      what = "pixel representation";
      break;
    case 0x0008:
      if (depth == 0)
        {
          char text[16] = "";

          memcpy (text, value, MIN ((gsize) len, sizeof text - 1));
          w->frames = g_ascii_strtoll (text, NULL, 10);
        }
      return TRUE;
    case 0x0010:
    case 0x0011:
      if (len != 2)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, at, "%s is %u bytes long, not 2",
                    elem == 0x0010 ? "rows" : "columns", len);
      if (depth == 0)
        *(elem == 0x0010 ? &w->rows : &w->columns) = rd16 (value);
      return TRUE;
    default:
      return TRUE;
    }
  if (len != 2)
    return bad (w, LS_IMAGE_ERROR_CORRUPT, at, "%s is %u bytes long, not 2", what, len);
  v = rd16 (value);
  switch (elem)
    {
    case 0x0002:
      ok = v == 1 || v == 3;
      if (depth == 0)
        w->samples = v;
      break;
    case 0x0100:
      ok = v == 8 || v == 16;
      w->bits_allocated = v;
      if (depth == 0)
        w->top_bits_allocated = v;
      break;
    case 0x0101:
      ok = v >= 1 && v <= 16 && (w->bits_allocated == 0 || v <= w->bits_allocated);
      w->bits_stored = v;
      break;
    case 0x0102:
      ok = v < 16 && (w->bits_allocated == 0 || v < w->bits_allocated) &&
           (w->bits_stored == 0 || v + 1 >= w->bits_stored);
      break;
    default: /* planar configuration, pixel representation */
      ok = v <= 1;
      break;
    }
  if (!ok)
    return bad (w, LS_IMAGE_ERROR_FORMAT, at, "%s %u is not supported", what, v);
  return TRUE;
}

/* Tags GDCM's image reader reads through gdcm::Attribute, which asserts
 * (aborts) when the element's explicit VR is not the dictionary's. */
typedef struct
{
  guint16 group, elem;
  char vr[3];
} KnownTag;

static const KnownTag attribute_tags[] = {
  { 0x0002, 0x0002, "UI" },
  { 0x0002, 0x0003, "UI" },
  { 0x0002, 0x0010, "UI" },
  { 0x0008, 0x0008, "CS" },
  { 0x0008, 0x0016, "UI" },
  { 0x0008, 0x0060, "CS" },
  { 0x0018, 0x0050, "DS" },
  { 0x0018, 0x0088, "DS" },
  { 0x0018, 0x1164, "DS" },
  { 0x0018, 0x5101, "CS" },
  { 0x0020, 0x0013, "IS" },
  { 0x0020, 0x0032, "DS" },
  { 0x0020, 0x0037, "DS" },
  { 0x0028, 0x0002, "US" },
  { 0x0028, 0x0004, "CS" },
  { 0x0028, 0x0006, "US" },
  { 0x0028, 0x0008, "IS" },
  { 0x0028, 0x0010, "US" },
  { 0x0028, 0x0011, "US" },
  { 0x0028, 0x0030, "DS" },
  { 0x0028, 0x0034, "IS" },
  { 0x0028, 0x0100, "US" },
  { 0x0028, 0x0101, "US" },
  { 0x0028, 0x0102, "US" },
  { 0x0028, 0x0103, "US" },
  { 0x0028, 0x1050, "DS" },
  { 0x0028, 0x1051, "DS" },
  { 0x0028, 0x1052, "DS" },
  { 0x0028, 0x1053, "DS" },
  { 0x0028, 0x1054, "LO" },
  { 0x0028, 0x2110, "CS" },
  { 0x0028, 0x2114, "CS" },
};

static gboolean
check_tag_vr (Walk *w,
              gsize at,
              guint16 group,
              guint16 elem,
              const guint8 *vr,
              guint32 len)
{
  for (guint i = 0; i < G_N_ELEMENTS (attribute_tags); i++)
    {
      const KnownTag *t = &attribute_tags[i];

      if (t->group != group || t->elem != elem)
        continue;
      if (vr != NULL && (vr[0] != t->vr[0] || vr[1] != t->vr[1]))
        return bad (w, LS_IMAGE_ERROR_CORRUPT, at, "element (%04x,%04x) has VR %c%c, not %s", group, elem,
                    vr[0], vr[1], t->vr);
      if (t->vr[0] == 'U' && t->vr[1] == 'S' && len % 2 != 0)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, at, "element (%04x,%04x) is %u bytes long", group, elem, len);
      return TRUE;
    }
  return TRUE;
}

static gboolean walk_elements (Walk *w,
                               const guint8 *data,
                               gsize pos,
                               gsize end,
                               gboolean explicit_vr,
                               int depth,
                               gboolean meta_only,
                               gboolean until_item_end,
                               gsize *stop);

/* The items of a sequence from @pos: up to its delimiter when @end_known
 * is FALSE (undefined length), else exactly to @end. */
static gboolean
walk_items (Walk *w,
            const guint8 *data,
            gsize pos,
            gsize end,
            gboolean end_known,
            gboolean explicit_vr,
            int depth,
            gboolean fragments,
            gsize *stop)
{
  guint n_items = 0;

  if (depth > MAX_DEPTH)
    return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "sequences nested deeper than %d", MAX_DEPTH);
  while (!end_known || pos < end)
    {
      guint16 group, elem;
      guint32 len;

      if (end - pos < 8)
        return bad (w, LS_IMAGE_ERROR_TRUNCATED, pos, "the data ends inside a sequence");
      group = rd16 (data + pos);
      elem = rd16 (data + pos + 2);
      len = rd32 (data + pos + 4);
      if (group == 0xfffe && elem == 0xe0dd)
        {
          /* GDCM reads a delimiter's length as a value to allocate. */
          if (len != 0)
            return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "a sequence delimiter of length %u", len);
          *stop = pos + 8;
          return TRUE;
        }
      if (group != 0xfffe || elem != 0xe000)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "(%04x,%04x) where a sequence item should be",
                    group, elem);
      pos += 8;
      if (len == UNDEFINED)
        {
          if (fragments)
            return bad (w, LS_IMAGE_ERROR_CORRUPT, pos - 8, "a pixel data fragment of undefined length");
          if (!walk_elements (w, data, pos, end, explicit_vr, depth, FALSE, TRUE, &pos))
            return FALSE;
        }
      else
        {
          if (len > end - pos)
            return bad (w, LS_IMAGE_ERROR_TRUNCATED, pos - 8,
                        "an item claims %u bytes, %" G_GSIZE_FORMAT " remain", len, end - pos);
          if (!fragments && !walk_elements (w, data, pos, pos + len, explicit_vr, depth, FALSE, FALSE, NULL))
            return FALSE;
          if (fragments && depth == 1 && n_items++ > 0 && w->n_fragments++ == 0)
            {
              w->fragment_pos = pos;
              w->fragment_len = len;
            }
          pos += len;
        }
    }
  *stop = pos;
  return TRUE;
}

/* Elements from @pos to @end (or to an item delimiter, @until_item_end;
 * or to the end of the file meta group, @meta_only). */
static gboolean
walk_elements (Walk *w,
               const guint8 *data,
               gsize pos,
               gsize end,
               gboolean explicit_vr,
               int depth,
               gboolean meta_only,
               gboolean until_item_end,
               gsize *stop)
{
  while (pos < end)
    {
      gsize at = pos, header;
      guint16 group, elem;
      guint32 len;
      gboolean is_sq = FALSE;

      if (end - pos < 8)
        return bad (w, LS_IMAGE_ERROR_TRUNCATED, pos, "%" G_GSIZE_FORMAT " bytes left, too few for an element",
                    end - pos);
      group = rd16 (data + pos);
      elem = rd16 (data + pos + 2);
      if (meta_only && group != 0x0002)
        break;
      if (group == 0xfffe)
        {
          if (until_item_end && elem == 0xe00d)
            {
              if (rd32 (data + pos + 4) != 0)
                return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "an item delimiter of length %u", rd32 (data + pos + 4));
              if (stop != NULL)
                *stop = pos + 8;
              return TRUE;
            }
          return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "a stray item tag (fffe,%04x)", elem);
        }
      if (explicit_vr || group == 0x0002)
        {
          const guint8 *vr = data + pos + 4;

          if (!known_vr (vr))
            return bad (w, LS_IMAGE_ERROR_CORRUPT, pos, "element (%04x,%04x) has no valid VR", group, elem);
          is_sq = vr[0] == 'S' && vr[1] == 'Q';
          if (long_length_vr (vr))
            {
              if (end - pos < 12)
                return bad (w, LS_IMAGE_ERROR_TRUNCATED, pos, "the data ends inside an element header");
              len = rd32 (data + pos + 8);
              header = 12;
            }
          else
            {
              len = rd16 (data + pos + 6);
              header = 8;
            }
        }
      else
        {
          len = rd32 (data + pos + 4);
          header = 8;
        }
      pos += header;

      if (depth == 0 && group == 0x7fe0 && elem == 0x0010)
        {
          /* The first, as GDCM keeps it (a duplicate tag is dropped). */
          if (!w->saw_pixels && len != UNDEFINED)
            w->native = (LsDicomSpan){ pos, len };
          w->saw_pixels = TRUE;
        }
      if (len == UNDEFINED)
        {
          gboolean pixels = group == 0x7fe0 && elem == 0x0010;

          if (!walk_items (w, data, pos, end, FALSE, explicit_vr, depth + 1, pixels, &pos))
            return FALSE;
          continue;
        }
      if (len > end - pos)
        return bad (w, LS_IMAGE_ERROR_TRUNCATED, at,
                    "element (%04x,%04x) claims %u bytes, %" G_GSIZE_FORMAT " remain", group, elem, len,
                    end - pos);
      /* Implicit VR has no "SQ": a value that starts with an item tag is
       * one (as GDCM also reads it). */
      if (!explicit_vr && group != 0x0002 && len >= 8 && rd16 (data + pos) == 0xfffe &&
          rd16 (data + pos + 2) == 0xe000)
        is_sq = TRUE;
      /* A Recognition Code makes GDCM read the file as ACR-NEMA, and assert
       * on its value. */
      if (group == 0x0008 && elem == 0x0010)
        return bad (w, LS_IMAGE_ERROR_FORMAT, at, "an ACR-NEMA recognition code (0008,0010)");
      if (!check_tag_vr (w, at, group, elem, explicit_vr || group == 0x0002 ? data + at + 4 : NULL, len))
        return FALSE;
      if (group == 0x0028 && !check_pixel_tag (w, at, depth, elem, data + pos, len))
        return FALSE;
      if (is_sq)
        {
          gsize ignored;

          if (!walk_items (w, data, pos, pos + len, TRUE, explicit_vr, depth + 1, FALSE, &ignored))
            return FALSE;
        }
      if (group == 0x0002 && elem == 0x0010)
        {
          gsize n = MIN ((gsize) len, sizeof w->ts - 1);

          memcpy (w->ts, data + pos, n);
          w->ts[n] = '\0';
          while (n > 0 && (w->ts[n - 1] == ' ' || w->ts[n - 1] == '\0'))
            w->ts[--n] = '\0';
        }
      pos += len;
    }
  if (until_item_end)
    return bad (w, LS_IMAGE_ERROR_TRUNCATED, pos, "an item of undefined length has no end");
  if (stop != NULL)
    *stop = pos;
  return TRUE;
}

#if LS_HAVE_DICOM
/* Raw deflate, at most @cap bytes out. */
static guint8 *
inflate_all (Walk *w,
             const guint8 *data,
             gsize size,
             gsize cap,
             gsize *out_size)
{
  z_stream z;
  gsize have = 0, alloc = MIN (MAX (size * 4, (gsize) 65536), cap);
  g_autofree guint8 *out = g_malloc (alloc);
  int rc;

  memset (&z, 0, sizeof z);
  if (inflateInit2 (&z, -15) != Z_OK)
    {
      bad (w, LS_IMAGE_ERROR_CORRUPT, 0, "zlib cannot start");
      return NULL;
    }
  z.next_in = (Bytef *) data;
  do
    {
      if (have == alloc)
        {
          if (alloc >= cap)
            {
              inflateEnd (&z);
              bad (w, LS_IMAGE_ERROR_TOO_LARGE, 0, "the deflated data set inflates beyond %" G_GSIZE_FORMAT " bytes", cap);
              return NULL;
            }
          alloc = MIN (alloc * 2, cap);
          out = g_realloc (out, alloc);
        }
      z.avail_in = (uInt) MIN (size - (gsize) ((const guint8 *) z.next_in - data), (gsize) G_MAXUINT);
      z.next_out = out + have;
      z.avail_out = (uInt) MIN (alloc - have, (gsize) G_MAXUINT);
      rc = inflate (&z, Z_NO_FLUSH);
      have = (gsize) (z.next_out - out);
      if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && have == alloc))
        {
          inflateEnd (&z);
          bad (w, rc == Z_BUF_ERROR ? LS_IMAGE_ERROR_TRUNCATED : LS_IMAGE_ERROR_CORRUPT, 0,
               "the deflated data set does not inflate (%s)",
               rc == Z_BUF_ERROR ? "it ends early" : "invalid deflate data");
          return NULL;
        }
    }
  while (rc != Z_STREAM_END);
  inflateEnd (&z);
  *out_size = have;
  return g_steal_pointer (&out);
}
#endif

/* RLE (PS3.5 annex G) as GDCM decodes it, which asserts (aborts) unless
 * each segment yields exactly its plane, ending within 2 bytes of the next
 * segment: one fragment, a 64-byte header of 1–15 increasing offsets, one
 * segment per byte of each sample. */
static gboolean
check_rle (Walk *w,
           const guint8 *data)
{
  const guint8 *f = data + w->fragment_pos;
  gsize n = w->fragment_len, plane = (gsize) w->rows * w->columns;
  guint nseg, want = w->samples * (w->top_bits_allocated / 8);

  if (w->n_fragments != 1)
    return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos, "RLE data in %u fragments, not 1", w->n_fragments);
  if (n < 64)
    return bad (w, LS_IMAGE_ERROR_TRUNCATED, w->fragment_pos, "an RLE header of %" G_GSIZE_FORMAT " bytes", n);
  nseg = rd32 (f);
  if (nseg < 1 || nseg > 15 || nseg != want || rd32 (f + 4) != 64)
    return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos, "an RLE header of %u segments (%u expected)",
                nseg, want);
  for (guint s = 0; s < nseg; s++)
    {
      gsize start = rd32 (f + 4 + 4 * s), stop = s + 1 < nseg ? rd32 (f + 8 + 4 * s) : n, i, out = 0;

      if (start < 64 || stop > n || start >= stop)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos, "RLE segment %u has offsets %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT " in %" G_GSIZE_FORMAT " bytes", s + 1, start, stop, n);
      for (i = start; i < stop && out < plane;)
        {
          guint8 c = f[i++];

          if (c < 128)
            {
              if (i + c + 1 > stop)
                break;
              i += c + 1u;
              out += c + 1u;
            }
          else if (c > 128)
            {
              if (i + 1 > stop)
                break;
              i++;
              out += 257u - c;
            }
        }
      if (out != plane || (s + 1 < nseg && stop - i > 2))
        return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos,
                    "RLE segment %u decodes to %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT, s + 1, out,
                    plane);
    }
  return TRUE;
}

static inline guint32
be16 (const guint8 *p)
{
  return (guint32) ((p[0] << 8) | p[1]);
}

static inline guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* A JPEG 2000 codestream (from SOC) whose marker segments all fit: the
 * main header's (SIZ of its exact length for its components), then each
 * tile-part (SOT of length 10, its own header up to SOD, its data to the
 * length SOT gives, or to the end for the last), then EOC or the end. */
static gboolean
j2k_well_formed (const guint8 *d,
                 gsize n)
{
  gsize pos = 2;
  gboolean in_tile = FALSE;
  gsize tile_end = 0;

  if (n < 4 || be16 (d) != 0xff4f)
    return FALSE;
  while (pos + 2 <= n)
    {
      guint32 marker = be16 (d + pos);
      gsize len;

      if ((marker >> 8) != 0xff)
        return FALSE;
      if (marker == 0xffd9) /* EOC */
        return !in_tile;
      if (marker == 0xff93) /* SOD: the tile-part's data */
        {
          if (!in_tile)
            return FALSE;
          if (tile_end == 0)
            return TRUE; /* runs to the end of the codestream */
          pos = tile_end;
          in_tile = FALSE;
          continue;
        }
      if (pos + 4 > n)
        return FALSE;
      len = be16 (d + pos + 2);
      if (len < 2 || pos + 2 + len > n)
        return FALSE;
      if (marker == 0xff51) /* SIZ */
        {
          guint32 components;

          if (pos != 2 || len < 41)
            return FALSE;
          components = be16 (d + pos + 38);
          if (components < 1 || components > 16384 || len != 38 + 3 * components)
            return FALSE;
        }
      else if (marker == 0xff90) /* SOT */
        {
          guint32 psot;

          if (len != 10 || in_tile)
            return FALSE;
          psot = be32 (d + pos + 6);
          if (psot != 0 && (psot < 14 || pos + psot > n))
            return FALSE;
          in_tile = TRUE;
          tile_end = psot != 0 ? pos + psot : 0;
        }
      else if (pos == 2)
        return FALSE; /* SIZ must come first */
      pos += 2 + len;
    }
  /* The end without EOC: only after a whole tile-part. */
  return !in_tile && pos == n;
}

/* The size and components a JPEG, JPEG-LS or JPEG 2000 codestream declares
 * in its first fragment; FALSE when none is found there. */
gboolean
ls_dicom_codestream_size (const guint8 *d,
                          gsize n,
                          const char **kind,
                          gint64 *width,
                          gint64 *height,
                          int *components)
{
  gboolean found = FALSE;

  /* JPEG 2000: SIZ right after SOC (raw codestream, or inside a JP2 box). */
  for (gsize i = 0; i + 4 <= MIN (n, (gsize) 4096); i++)
    if (d[i] == 0xff && d[i + 1] == 0x4f && d[i + 2] == 0xff && d[i + 3] == 0x51)
      {
        const guint8 *s = d + i + 4;

        if (n - i - 4 < 38)
          return FALSE;
        /* GDCM walks the codestream's markers by their lengths before any
         * decoder sees them, and reads past the data when one lies. */
        if (!j2k_well_formed (d + i, n - i))
          return FALSE;
        *kind = "JPEG 2000";
        *width = (gint64) be32 (s + 4) - (gint64) be32 (s + 12);
        *height = (gint64) be32 (s + 8) - (gint64) be32 (s + 16);
        *components = (int) be16 (s + 36);
        return TRUE;
      }
  /* JPEG and JPEG-LS: the frame header, and every marker up to the first
   * SOS well formed and back to back (GDCM asserts on any warning libjpeg
   * gives while it reads the header, such as bytes between markers). */

  if (n < 4 || d[0] != 0xff || d[1] != 0xd8)
    return FALSE;
  for (gsize i = 2; i + 4 <= n;)
    {
      guint8 m;
      gsize len;

      if (d[i] != 0xff)
        return FALSE;
      m = d[i + 1];
      if (m == 0xff)
        {
          i++;
          continue;
        }
      len = be16 (d + i + 2);
      if (len < 2 || i + 2 + len > n || (m >= 0xd0 && m <= 0xd9) || m == 0x01 || m == 0x00)
        return FALSE;
      if (found && m == 0xda)
        return TRUE;
      if ((m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) || m == 0xf7)
        {
          if (len < 8 || i + 2 + len > n)
            return FALSE;
          *kind = m == 0xf7 ? "JPEG-LS" : "JPEG";
          /* Sample precision: GDCM's JPEG codecs assert it is 8, 12 or 16
           * (a fuzzer finding); JPEG-LS takes 2 … 16. */
          if (m == 0xf7 ? d[i + 4] < 2 || d[i + 4] > 16
                        : d[i + 4] != 8 && d[i + 4] != 12 && d[i + 4] != 16)
            return FALSE;
          *height = be16 (d + i + 5);
          *width = be16 (d + i + 7);
          *components = d[i + 9];
          if (found)
            return FALSE; /* a second frame header */
          found = TRUE;
        }
      else if (m == 0xda)
        return FALSE; /* a scan before the frame header */
      i += 2 + len;
    }
  return FALSE;
}

/* What GDCM would decode while it reads (it decodes RLE to see whether it
 * is lossy): checked first. */
static gboolean
check_image (Walk *w,
             const guint8 *data,
             const LsDecodeLimits *limits)
{
  if (w->frames > 1)
    {
      g_set_error (w->error, LS_IMAGE_ERROR, LS_IMAGE_ERROR_FORMAT,
                   "%s: multi-frame DICOM (%" G_GINT64_FORMAT " frames) is not supported; "
                   "export the radiograph as a single-frame file",
                   w->name, w->frames);
      return FALSE;
    }
  if (!ls_decode_check_size (w->name, "DICOM", w->columns, w->rows, limits, w->error))
    return FALSE;
  /* GDCM reads a JPEG header while it reads the file, and asserts on
   * component counts it does not expect: the first fragment's frame header
   * must be the image's. */
  if (g_str_has_prefix (w->ts, "1.2.840.10008.1.2.4."))
    {
      const char *kind = NULL;
      gint64 fw = 0, fh = 0;
      int comps = 0;

      if (w->n_fragments < 1 ||
          !ls_dicom_codestream_size (data + w->fragment_pos, w->fragment_len, &kind, &fw, &fh, &comps))
        return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos, "no JPEG frame header in the first fragment");
      if (fw != w->columns || fh != w->rows || comps != (int) w->samples)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, w->fragment_pos,
                    "its %s data is %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                    " with %d components, the header says %u x %u with %u",
                    kind, fw, fh, comps, w->columns, w->rows, w->samples);
    }
  if (strcmp (w->ts, "1.2.840.10008.1.2.5") == 0)
    {
      if (w->samples == 0 || w->top_bits_allocated == 0)
        return bad (w, LS_IMAGE_ERROR_CORRUPT, 0, "an RLE image without samples per pixel or bits allocated");
      return check_rle (w, data);
    }
  return TRUE;
}

gboolean
ls_dicom_check_structure (const guint8 *data,
                          gsize size,
                          const char *name,
                          const LsDecodeLimits *limits,
                          gsize *image_bytes,
                          LsDicomSpan *native,
                          GError **error)
{
  Walk w = { data, name, error, "", FALSE, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, { 0, 0 } };
  gsize max_inflated = 64 << 20, pos = 0;
  gboolean explicit_vr = TRUE;

  /* A deflated data set holds at most three 16-bit samples a pixel, plus
   * 64 MiB of other elements. */
  if (limits->max_pixels < (gint64) ((G_MAXSIZE - max_inflated) / 6))
    max_inflated += (gsize) limits->max_pixels * 6;
  else
    max_inflated = G_MAXSIZE;

  if (size >= 132 && memcmp (data + 128, "DICM", 4) == 0)
    pos = 132;
  else if (size >= 4 && memcmp (data, "DICM", 4) == 0)
    pos = 4;
  if (!walk_elements (&w, data, pos, size, TRUE, 0, TRUE, FALSE, &pos))
    return FALSE;

  /* Part 10 only: without a file meta group naming the transfer syntax,
   * GDCM guesses (big endian, ACR-NEMA), and reads lengths it guessed. */
  if (w.ts[0] == '\0')
    return bad (&w, LS_IMAGE_ERROR_FORMAT, pos, "no file meta information with a transfer syntax");
  if (strcmp (w.ts, "1.2.840.10008.1.2") == 0)
    explicit_vr = FALSE;
  else if (strcmp (w.ts, "1.2.840.10008.1.2.2") == 0)
    return bad (&w, LS_IMAGE_ERROR_FORMAT, pos, "explicit VR big endian (retired) is not supported");
  if (strcmp (w.ts, "1.2.840.10008.1.2.1.99") == 0)
    {
#if LS_HAVE_DICOM
      gsize n = 0;
      g_autofree guint8 *inflated = inflate_all (&w, data + pos, size - pos, max_inflated, &n);

      if (inflated == NULL)
        return FALSE;
      w.base = inflated;
      if (!walk_elements (&w, inflated, 0, n, TRUE, 0, FALSE, FALSE, NULL))
        return FALSE;
      if (w.saw_pixels && !check_image (&w, inflated, limits))
        return FALSE;
      /* Its offsets are the inflated data's, not the file's. */
      w.native = (LsDicomSpan){ 0, 0 };
#endif
    }
  else if (!walk_elements (&w, data, pos, size, explicit_vr, 0, FALSE, FALSE, NULL) ||
           (w.saw_pixels && !check_image (&w, data, limits)))
    return FALSE;
  /* GDCM asserts on a file that ends before its data set does. */
  if (!w.saw_pixels)
    return bad (&w, LS_IMAGE_ERROR_TRUNCATED, size, "the data set ends without pixel data");
  /* Within the size limits, so no overflow: at most 3 samples of 2 bytes. */
  if (image_bytes != NULL)
    *image_bytes = (gsize) w.rows * w.columns * CLAMP (w.samples, 1, 3) * 2;
  if (native != NULL)
    *native = w.native;
  return TRUE;
}
