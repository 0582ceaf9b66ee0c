/* dicom-gdcm.h — the C face of the GDCM shim (dicom-gdcm.cc)
 *
 * The only place where C++ meets the rest of the code. A DICOM file held in
 * memory is parsed once (ls_dicom_file_parse), its header read into a plain
 * struct, checked by the caller against the decoder's limits, and only then
 * are its pixels decoded into a buffer the caller allocated
 * (ls_dicom_file_decode). Errors are one line without the file's name (the
 * caller adds it) and never quote a tag's value.
 *
 * Nothing read here is logged: GDCM's own warning and debug output is turned
 * off before the first file is parsed, so no identifying tag reaches stderr.
 *
 * Copyright 2026 The Lungscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LS_DICOM_PHOTOMETRIC_OTHER,
  LS_DICOM_PHOTOMETRIC_MONOCHROME1,
  LS_DICOM_PHOTOMETRIC_MONOCHROME2,
  LS_DICOM_PHOTOMETRIC_RGB,
  LS_DICOM_PHOTOMETRIC_YBR, /* YBR_FULL, YBR_FULL_422, YBR_ICT, YBR_RCT: gray is the Y sample */
  LS_DICOM_PHOTOMETRIC_PALETTE,
} LsDicomPhotometric;

typedef struct
{
  gint64 width;  /* Columns */
  gint64 height; /* Rows */
  gint64 frames; /* Number of Frames, 1 when absent */
  int samples;   /* Samples per Pixel: 1 or 3 */
  int bits_allocated;
  int bits_stored;
  int high_bit;
  gboolean is_signed;
  int planar; /* Planar Configuration: 0 interleaved, 1 by plane */
  LsDicomPhotometric photometric;
  char photometric_name[24]; /* as the file spells it, for messages */
  gboolean encapsulated;     /* compressed pixel data (fragments) */
  gsize native_length;       /* bytes of native (uncompressed) pixel data */
  char transfer_syntax[72];  /* UID, "" when unknown */
  double slope;              /* Rescale Slope, 1 when absent */
  double intercept;          /* Rescale Intercept, 0 when absent */
  gboolean has_window;       /* the first Window Center/Width pair */
  double window_center;
  double window_width;
  /* The first item of the VOI LUT Sequence, when there is one. */
  int voi_lut_entries;    /* 0 when absent */
  int voi_lut_first;      /* first stored (modality) value mapped */
  int voi_lut_bits;       /* bits of each entry */
  guint16 *voi_lut;       /* voi_lut_entries entries, g_free */
  char modality[20];      /* (0008,0060), "" when absent */
  char view_position[20]; /* (0018,5101), "" when absent */
  char patient_id[68];    /* (0010,0020), "" when absent */
  double spacing[2];      /* row, column in mm: Pixel Spacing, else Imager Pixel Spacing; 0 when absent */
} LsDicomHeader;

typedef struct _LsDicomFile LsDicomFile;

/* Parses the whole data set (not the pixels). NULL with *message set (a
 * sentence, g_free) when GDCM cannot read the file. */
LsDicomFile *ls_dicom_file_parse (const guint8 *data,
                                  gsize size,
                                  char **message);
/* Fills @header; free its voi_lut with ls_dicom_header_clear. */
void ls_dicom_file_header (LsDicomFile *file,
                           LsDicomHeader *header);
/* Decodes the pixels (the first frame) into @out, which holds @out_size
 * bytes: width × height × samples × (bits_allocated / 8), interleaved.
 * The stored values are not yet masked to bits_stored. */
gboolean ls_dicom_file_decode (LsDicomFile *file,
                               guint8 *out,
                               gsize out_size,
                               char **message);
/* Native (uncompressed) little-endian pixel data as GDCM holds it, so it
 * is not copied again; FALSE when compressed. The bytes belong to @file
 * and are at least 8-byte aligned. */
gboolean ls_dicom_file_native_pixels (LsDicomFile *file,
                                      const guint8 **data,
                                      gsize *size);
/* The first fragment of compressed pixel data (after the offset table), or
 * FALSE when the pixel data is native or has no fragment. The bytes belong
 * to @file. */
gboolean ls_dicom_file_first_fragment (LsDicomFile *file,
                                       const guint8 **data,
                                       gsize *size);
/* The photometric interpretation after decoding (GDCM's JPEG codecs may
 * turn YBR into RGB). */
LsDicomPhotometric ls_dicom_file_photometric (LsDicomFile *file);
void ls_dicom_file_free (LsDicomFile *file);
/* TRUE once a C++ allocation in this process has failed (the decoder
 * process's memory limit). */
gboolean ls_dicom_ran_out_of_memory (void);
/* In dicom-wire.c: the caller's process has no GDCM. */
void ls_dicom_header_clear (LsDicomHeader *header);

G_END_DECLS
