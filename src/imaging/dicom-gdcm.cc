/* dicom-gdcm.cc — GDCM behind a C API (dicom-gdcm.h)
 *
 * GDCM reads the data set from memory through a read-only streambuf (no
 * copy of the file), decodes every transfer syntax Debian 12 builds it with
 * (implicit and explicit little endian, deflated, JPEG baseline and
 * lossless, JPEG-LS through CharLS, JPEG 2000 through OpenJPEG, RLE), and
 * throws on some malformed input: every entry point catches everything, so
 * no exception crosses into C.
 *
 * Tags other than the pixel module are read here from their raw bytes, not
 * through gdcm::Attribute (which asserts on a VR it does not expect).
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

/* GDCM's headers assert() in inline getters (PixelFormat::GetBitsStored
 * aborts when bits stored exceeds bits allocated); here the values are
 * read as they are and checked by the caller (decode-dicom.c), so those
 * asserts are compiled out of this file. */
#ifndef NDEBUG
#define NDEBUG 1
#endif

#include <atomic>
#include <cstring>
#include <istream>
#include <mutex>
#include <new>
#include <streambuf>
#include <vector>

#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>

#include "imaging/dicom-gdcm.h"

namespace
{

/* A seekable, read-only view of the caller's bytes. */
class MemoryBuf : public std::streambuf
{
public:
  MemoryBuf (const guint8 *data, gsize size)
  {
    char *p = const_cast<char *> (reinterpret_cast<const char *> (data));
    setg (p, p, p + size);
  }

protected:
  pos_type
  seekoff (off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override
  {
    off_type base;

    if (!(which & std::ios_base::in))
      return pos_type (off_type (-1));
    if (dir == std::ios_base::beg)
      base = 0;
    else if (dir == std::ios_base::cur)
      base = gptr () - eback ();
    else
      base = egptr () - eback ();
    return seekpos (pos_type (base + off), which);
  }

  pos_type
  seekpos (pos_type pos, std::ios_base::openmode which) override
  {
    off_type p = off_type (pos);

    if (!(which & std::ios_base::in) || p < 0 || p > egptr () - eback ())
      return pos_type (off_type (-1));
    setg (eback (), eback () + p, egptr ());
    return pos;
  }
};

std::atomic<bool> ran_out_of_memory (false);

/* GDCM catches std::bad_alloc itself in places and just fails: this is how
 * the decoder process learns that its memory limit, not the file, was the
 * reason. */
void
note_no_memory (void)
{
  ran_out_of_memory = true;
  throw std::bad_alloc ();
}

void
quiet_gdcm (void)
{
  static std::once_flag once;

  /* GDCM's trace would print tag values (patient data among them). */
  std::call_once (once, [] {
    gdcm::Trace::SetDebug (false);
    gdcm::Trace::SetWarning (false);
    gdcm::Trace::SetError (false);
    std::set_new_handler (note_no_memory);
  });
}

/* The value of @tag as text, trailing spaces and NULs removed; "" when
 * absent, empty or not a plain byte value. */
void
get_text (const gdcm::DataSet &ds, const gdcm::Tag &tag, char *out, gsize out_size)
{
  out[0] = '\0';
  if (!ds.FindDataElement (tag))
    return;
  const gdcm::DataElement &de = ds.GetDataElement (tag);
  const gdcm::ByteValue *bv = de.GetByteValue ();
  if (bv == nullptr || bv->GetPointer () == nullptr)
    return;
  gsize n = MIN ((gsize) bv->GetLength (), out_size - 1);
  memcpy (out, bv->GetPointer (), n);
  out[n] = '\0';
  for (gsize i = 0; i < n; i++)
    if (out[i] == '\0')
      {
        n = i;
        break;
      }
  while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
    out[--n] = '\0';
  gsize start = 0;
  while (out[start] == ' ')
    start++;
  if (start > 0)
    memmove (out, out + start, n - start + 1);
}

/* The @index-th value (0-based) of a multi-valued decimal string. */
gboolean
get_decimal (const gdcm::DataSet &ds, const gdcm::Tag &tag, int index, double *value)
{
  char text[256];
  char *p = text, *end;

  get_text (ds, tag, text, sizeof text);
  for (int i = 0; i < index; i++)
    {
      p = strchr (p, '\\');
      if (p == nullptr)
        return FALSE;
      p++;
    }
  while (*p == ' ')
    p++;
  *value = g_ascii_strtod (p, &end);
  if (end == p || !std::isfinite (*value))
    return FALSE;
  while (*end == ' ')
    end++;
  return *end == '\0' || *end == '\\';
}

guint16
read_u16 (const char *p, gboolean big_endian)
{
  const guint8 *b = reinterpret_cast<const guint8 *> (p);

  return big_endian ? (guint16) ((b[0] << 8) | b[1]) : (guint16) (b[0] | (b[1] << 8));
}

/* The first item of the VOI LUT Sequence (0028,3010), when well formed. */
void
read_voi_lut (const gdcm::DataSet &ds, gboolean is_signed, gboolean big_endian, LsDicomHeader *h)
{
  const gdcm::Tag seq_tag (0x0028, 0x3010), desc_tag (0x0028, 0x3002), data_tag (0x0028, 0x3006);

  if (!ds.FindDataElement (seq_tag))
    return;
  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = ds.GetDataElement (seq_tag).GetValueAsSQ ();
  if (!sq || sq->GetNumberOfItems () < 1)
    return;
  const gdcm::DataSet &item = sq->GetItem (1).GetNestedDataSet ();
  if (!item.FindDataElement (desc_tag) || !item.FindDataElement (data_tag))
    return;
  const gdcm::ByteValue *desc = item.GetDataElement (desc_tag).GetByteValue ();
  const gdcm::ByteValue *data = item.GetDataElement (data_tag).GetByteValue ();
  if (desc == nullptr || data == nullptr || desc->GetLength () < 6 || desc->GetPointer () == nullptr ||
      data->GetPointer () == nullptr)
    return;
  int entries = read_u16 (desc->GetPointer (), big_endian);
  guint16 first = read_u16 (desc->GetPointer () + 2, big_endian);
  int bits = read_u16 (desc->GetPointer () + 4, big_endian);
  if (entries == 0)
    entries = 65536;
  if (bits < 1 || bits > 16 || (gsize) data->GetLength () < (gsize) entries * 2)
    return;
  h->voi_lut = g_new (guint16, entries);
  for (int i = 0; i < entries; i++)
    h->voi_lut[i] = read_u16 (data->GetPointer () + 2 * i, big_endian);
  h->voi_lut_entries = entries;
  h->voi_lut_first = is_signed ? (int) (gint16) first : (int) first;
  h->voi_lut_bits = bits;
}

/* GDCM's image reader reads many tags of these groups through
 * gdcm::Attribute, which asserts (aborts) when the element's VR is not
 * compatible with the dictionary's. Checked on a first plain parse, at
 * every depth, before the image reader sees the file. */
gboolean
vrs_match (const gdcm::DataSet &ds, int depth, char **message)
{
  const gdcm::Dicts &dicts = gdcm::Global::GetInstance ().GetDicts ();

  if (depth > 16)
    return TRUE; /* the structure check bounds nesting already */
  for (gdcm::DataSet::ConstIterator it = ds.Begin (); it != ds.End (); ++it)
    {
      const gdcm::DataElement &de = *it;
      const gdcm::Tag &tag = de.GetTag ();
      guint16 group = tag.GetGroup ();

      if (tag.IsPublic () && !tag.IsGroupLength () &&
          (group == 0x0002 || group == 0x0008 || group == 0x0018 || group == 0x0020 || group == 0x0028))
        {
          const gdcm::VR dict_vr = dicts.GetDictEntry (tag).GetVR ();

          if (dict_vr != gdcm::VR::INVALID && de.GetVR () != gdcm::VR::INVALID &&
              !dict_vr.Compatible (de.GetVR ()))
            {
              *message = g_strdup_printf ("element (%04x,%04x) has VR %s, not %s", group, tag.GetElement (),
                                          gdcm::VR::GetVRString (de.GetVR ()), gdcm::VR::GetVRString (dict_vr));
              return FALSE;
            }
        }
      if (de.GetVR () == gdcm::VR::SQ)
        {
          const gdcm::SequenceOfItems *sq = dynamic_cast<const gdcm::SequenceOfItems *> (&de.GetValue ());

          if (sq != nullptr)
            for (gdcm::SequenceOfItems::SizeType i = 1; i <= sq->GetNumberOfItems (); i++)
              if (!vrs_match (sq->GetItem (i).GetNestedDataSet (), depth + 1, message))
                return FALSE;
        }
    }
  return TRUE;
}

LsDicomPhotometric
photometric_of (const gdcm::PhotometricInterpretation &pi)
{
  switch (pi.GetType ())
    {
    case gdcm::PhotometricInterpretation::MONOCHROME1:
      return LS_DICOM_PHOTOMETRIC_MONOCHROME1;
    case gdcm::PhotometricInterpretation::MONOCHROME2:
      return LS_DICOM_PHOTOMETRIC_MONOCHROME2;
    case gdcm::PhotometricInterpretation::RGB:
      return LS_DICOM_PHOTOMETRIC_RGB;
    case gdcm::PhotometricInterpretation::YBR_FULL:
    case gdcm::PhotometricInterpretation::YBR_FULL_422:
    case gdcm::PhotometricInterpretation::YBR_PARTIAL_422:
    case gdcm::PhotometricInterpretation::YBR_PARTIAL_420:
    case gdcm::PhotometricInterpretation::YBR_ICT:
    case gdcm::PhotometricInterpretation::YBR_RCT:
      return LS_DICOM_PHOTOMETRIC_YBR;
    case gdcm::PhotometricInterpretation::PALETTE_COLOR:
      return LS_DICOM_PHOTOMETRIC_PALETTE;
    default:
      return LS_DICOM_PHOTOMETRIC_OTHER;
    }
}

} // namespace

/* GDCM reads a Part 10 file that starts at its "DICM" magic only after the
 * 128 bytes of preamble it expects: those get a zeroed preamble in a copy. */
struct _LsDicomFile
{
  std::vector<guint8> padded;
  MemoryBuf buf;
  std::istream stream;
  gdcm::ImageReader reader;

  _LsDicomFile (const guint8 *data, gsize size)
      : padded (starts_with_magic (data, size) ? size + 128 : 0),
        buf (padded.empty () ? data : copy_after_preamble (padded, data, size),
             padded.empty () ? size : padded.size ()),
        stream (&buf)
  {
  }

  static bool
  starts_with_magic (const guint8 *data, gsize size)
  {
    return size >= 4 && memcmp (data, "DICM", 4) == 0;
  }

  static const guint8 *
  copy_after_preamble (std::vector<guint8> &padded, const guint8 *data, gsize size)
  {
    memcpy (padded.data () + 128, data, size);
    return padded.data ();
  }
};

LsDicomFile *
ls_dicom_file_parse (const guint8 *data, gsize size, char **message)
{
  LsDicomFile *file = nullptr;

  quiet_gdcm ();
  try
    {
      file = new LsDicomFile (data, size);
      {
        gdcm::Reader plain;
        char *why = nullptr;

        plain.SetStream (file->stream);
        /* Up to the pixel data: the header, without copying the pixels. */
        if (!plain.ReadUpToTag (gdcm::Tag (0x7fe0, 0x0010)))
          {
            *message = g_strdup ("not a DICOM data set GDCM can read");
            delete file;
            return nullptr;
          }
        if (plain.GetFile ().GetHeader ().GetDataSetTransferSyntax ().GetSwapCode () != gdcm::SwapCode::LittleEndian)
          {
            *message = g_strdup ("malformed DICOM: GDCM reads it as big endian");
            delete file;
            return nullptr;
          }
        if (!vrs_match (plain.GetFile ().GetDataSet (), 0, &why))
          {
            *message = g_strdup_printf ("malformed DICOM: %s", why);
            g_free (why);
            delete file;
            return nullptr;
          }
        file->stream.clear ();
        file->stream.seekg (0);
      }
      file->reader.SetStream (file->stream);
      if (!file->reader.Read ())
        {
          *message = g_strdup ("not a DICOM image GDCM can read (a malformed, truncated or "
                               "non-image data set)");
          delete file;
          return nullptr;
        }
      return file;
    }
  catch (const std::bad_alloc &)
    {
      *message = g_strdup ("GDCM needs more memory than its decoder may use to read it");
    }
  catch (const std::exception &e)
    {
      *message = g_strdup_printf ("malformed DICOM data set (%s)", e.what ());
    }
  catch (...)
    {
      *message = g_strdup ("malformed DICOM data set");
    }
  delete file;
  return nullptr;
}

void
ls_dicom_file_header (LsDicomFile *file, LsDicomHeader *h)
{
  memset (h, 0, sizeof *h);
  h->slope = 1;
  try
    {
      const gdcm::Image &image = file->reader.GetImage ();
      const gdcm::File &f = file->reader.GetFile ();
      const gdcm::DataSet &ds = f.GetDataSet ();
      const gdcm::PixelFormat &pf = image.GetPixelFormat ();
      const unsigned int *dims = image.GetDimensions ();
      const gdcm::TransferSyntax &ts = f.GetHeader ().GetDataSetTransferSyntax ();
      const char *ts_uid = gdcm::TransferSyntax::GetTSString (ts);
      double v;

      h->width = dims[0];
      h->height = dims[1];
      h->frames = image.GetNumberOfDimensions () >= 3 ? dims[2] : 1;
      h->samples = pf.GetSamplesPerPixel ();
      h->bits_allocated = pf.GetBitsAllocated ();
      h->bits_stored = pf.GetBitsStored ();
      h->high_bit = pf.GetHighBit ();
      h->is_signed = pf.GetPixelRepresentation () == 1;
      h->planar = image.GetPlanarConfiguration ();
      h->photometric = photometric_of (image.GetPhotometricInterpretation ());
      g_strlcpy (h->photometric_name,
                 gdcm::PhotometricInterpretation::GetPIString (image.GetPhotometricInterpretation ()) != nullptr
                     ? gdcm::PhotometricInterpretation::GetPIString (image.GetPhotometricInterpretation ())
                     : "unknown",
                 sizeof h->photometric_name);
      const gdcm::DataElement &pixels = image.GetDataElement ();
      h->encapsulated = pixels.GetSequenceOfFragments () != nullptr;
      if (!h->encapsulated && pixels.GetByteValue () != nullptr)
        h->native_length = pixels.GetByteValue ()->GetLength ();
      g_strlcpy (h->transfer_syntax, ts_uid != nullptr ? ts_uid : "", sizeof h->transfer_syntax);

      if (get_decimal (ds, gdcm::Tag (0x0028, 0x1053), 0, &v) && v != 0)
        h->slope = v;
      if (get_decimal (ds, gdcm::Tag (0x0028, 0x1052), 0, &v))
        h->intercept = v;
      double c, w;
      if (get_decimal (ds, gdcm::Tag (0x0028, 0x1050), 0, &c) &&
          get_decimal (ds, gdcm::Tag (0x0028, 0x1051), 0, &w) && w >= 1)
        {
          h->has_window = TRUE;
          h->window_center = c;
          h->window_width = w;
        }
      else
        read_voi_lut (ds, h->is_signed, ts.GetSwapCode () == gdcm::SwapCode::BigEndian, h);

      get_text (ds, gdcm::Tag (0x0008, 0x0060), h->modality, sizeof h->modality);
      get_text (ds, gdcm::Tag (0x0018, 0x5101), h->view_position, sizeof h->view_position);
      get_text (ds, gdcm::Tag (0x0010, 0x0020), h->patient_id, sizeof h->patient_id);
      for (int i = 0; i < 2; i++)
        if (!get_decimal (ds, gdcm::Tag (0x0028, 0x0030), i, &h->spacing[i]) &&
            !get_decimal (ds, gdcm::Tag (0x0018, 0x1164), i, &h->spacing[i]))
          h->spacing[i] = 0;
      if (h->spacing[0] <= 0 || h->spacing[1] <= 0)
        h->spacing[0] = h->spacing[1] = 0;
    }
  catch (...)
    {
      /* A half-read header is refused by the caller's checks (0 × 0 pixels). */
      h->width = h->height = 0;
    }
}

gboolean
ls_dicom_file_decode (LsDicomFile *file, guint8 *out, gsize out_size, char **message)
{
  try
    {
      const gdcm::Image &image = file->reader.GetImage ();
      unsigned long need = image.GetBufferLength ();

      /* The whole buffer GDCM writes (all frames) must be the caller's. */
      if (need != out_size)
        {
          *message = g_strdup_printf ("decoded size %lu bytes differs from the %" G_GSIZE_FORMAT
                                      " bytes its header gives",
                                      need, out_size);
          return FALSE;
        }
      if (!image.GetBuffer (reinterpret_cast<char *> (out)))
        {
          *message = g_strdup ("its pixel data cannot be decoded (corrupt, truncated, or a "
                               "compression this build of GDCM lacks)");
          return FALSE;
        }
      return TRUE;
    }
  catch (const std::bad_alloc &)
    {
      *message = g_strdup ("its pixel data needs more memory than the decoder may use");
    }
  catch (const std::exception &e)
    {
      *message = g_strdup_printf ("its pixel data cannot be decoded (%s)", e.what ());
    }
  catch (...)
    {
      *message = g_strdup ("its pixel data cannot be decoded");
    }
  return FALSE;
}

gboolean
ls_dicom_file_native_pixels (LsDicomFile *file, const guint8 **data, gsize *size)
{
  try
    {
      const gdcm::TransferSyntax &ts = file->reader.GetFile ().GetHeader ().GetDataSetTransferSyntax ();
      const gdcm::ByteValue *bv = file->reader.GetImage ().GetDataElement ().GetByteValue ();
      if (bv == nullptr || bv->GetPointer () == nullptr || ts.IsEncapsulated () ||
          ts.GetSwapCode () == gdcm::SwapCode::BigEndian ||
          (reinterpret_cast<guintptr> (bv->GetPointer ()) & 7) != 0)
        return FALSE;
      *data = reinterpret_cast<const guint8 *> (bv->GetPointer ());
      *size = bv->GetLength ();
      return TRUE;
    }
  catch (...)
    {
      return FALSE;
    }
}

gboolean
ls_dicom_file_first_fragment (LsDicomFile *file, const guint8 **data, gsize *size)
{
  try
    {
      const gdcm::SequenceOfFragments *sf = file->reader.GetImage ().GetDataElement ().GetSequenceOfFragments ();
      if (sf == nullptr || sf->GetNumberOfFragments () < 1)
        return FALSE;
      const gdcm::ByteValue *bv = sf->GetFragment (0).GetByteValue ();
      if (bv == nullptr || bv->GetPointer () == nullptr)
        return FALSE;
      *data = reinterpret_cast<const guint8 *> (bv->GetPointer ());
      *size = bv->GetLength ();
      return TRUE;
    }
  catch (...)
    {
      return FALSE;
    }
}

LsDicomPhotometric
ls_dicom_file_photometric (LsDicomFile *file)
{
  try
    {
      return photometric_of (file->reader.GetImage ().GetPhotometricInterpretation ());
    }
  catch (...)
    {
      return LS_DICOM_PHOTOMETRIC_OTHER;
    }
}

void
ls_dicom_file_free (LsDicomFile *file)
{
  delete file;
}

gboolean
ls_dicom_ran_out_of_memory (void)
{
  return ran_out_of_memory;
}
