# dicom_fixtures.py — DICOM files made from real radiographs, for the DICOM
# test (dicom-check.py) and benchmark (bench/dicom-bench.py). Nothing made
# here is committed: callers write into a temporary folder.
#
# The 16-bit fixtures are built so that their displayed image is known
# exactly: from 8-bit gray pixels p (PIL's convert("L") of a cxr-real file),
# stored x = 8 p + 500, Rescale Slope 2 and Intercept −1024 give modality
# values m = 16 p − 24, and the window W = 4081 centred at C = 2016.5 maps m
# through DICOM's linear function to exactly p / 255. The MONOCHROME1 copy
# stores x' = 2540 − 8 p (m' = 4032 − m), which the same window, inverted,
# shows as the same p / 255. Compressed copies are made from the
# uncompressed one with gdcmconv (all lossless).
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shutil
import subprocess

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

SLOPE = 2.0
INTERCEPT = -1024.0
CENTER = 2016.5
WIDTH = 4081.0
PLANTED_NAME = "Plantedname^Zyxwvut"
PLANTED_BIRTH = "19010203"
PLANTED_ACCESSION = "ACCQ7731X"


def gray8(path):
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("L"), dtype=np.uint8)


def dataset(pixels, *, photometric="MONOCHROME2", patient_id="PID-0001", bits_stored=16,
            signed=False, slope=SLOPE, intercept=INTERCEPT, window=(CENTER, WIDTH),
            modality="DX", view="PA", syntax=ExplicitVRLittleEndian, frames=1):
    """A single-frame (or multi-frame) DICOM data set holding @pixels (uint16/int16/uint8)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray, for presentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = generate_uid()
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    ds.ViewPosition = view
    ds.PatientName = PLANTED_NAME
    ds.PatientBirthDate = PLANTED_BIRTH
    ds.AccessionNumber = PLANTED_ACCESSION
    ds.PatientID = patient_id
    ds.PixelSpacing = [0.139, 0.139]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = pixels.shape[-2], pixels.shape[-1]
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.BitsAllocated = 8 if pixels.dtype == np.uint8 else 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if slope is not None:
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept
        ds.RescaleType = "US"
    if window is not None:
        ds.WindowCenter = window[0]
        ds.WindowWidth = window[1]
    ds.PixelData = np.ascontiguousarray(pixels).astype(pixels.dtype.newbyteorder("<")).tobytes()
    return ds


def stored_mono2(p):
    return (8 * p.astype(np.uint16) + 500).astype(np.uint16)


def stored_mono1(p):
    return (2540 - 8 * p.astype(np.int32)).astype(np.uint16)


def stored_signed(p):
    # 12 bits stored, signed: x = 8 p − 1000, slope 2, intercept 1976 → m = 16 p − 24.
    return (8 * p.astype(np.int32) - 1000).astype(np.int16)


def write(ds, path):
    ds.save_as(path, write_like_original=False)


def gdcmconv(src, dst, *flags):
    subprocess.run(["gdcmconv", *flags, src, dst], check=True, capture_output=True)


def have_tools():
    """None when pydicom and gdcmconv are usable, else why not."""
    if shutil.which("gdcmconv") is None:
        return "gdcmconv not found (Debian: libgdcm-tools)"
    return None


def make_set(p, out_dir, stem, patient_id="PID-0001"):
    """The whole fixture set for one image: {name: path}."""
    files = {}
    mono2 = os.path.join(out_dir, stem + "-mono2.dcm")
    write(dataset(stored_mono2(p), patient_id=patient_id), mono2)
    files["mono2"] = mono2
    mono1 = os.path.join(out_dir, stem + "-mono1.dcm")
    write(dataset(stored_mono1(p), photometric="MONOCHROME1", patient_id=patient_id), mono1)
    files["mono1"] = mono1
    signed = os.path.join(out_dir, stem + "-signed12.dcm")
    write(dataset(stored_signed(p), bits_stored=12, signed=True, intercept=1976.0,
                  patient_id=patient_id), signed)
    files["signed12"] = signed
    implicit = os.path.join(out_dir, stem + "-implicit.dcm")
    write(dataset(stored_mono2(p), patient_id=patient_id, syntax=ImplicitVRLittleEndian), implicit)
    files["implicit"] = implicit
    for name, flags in (("jpegls", ["--jpegls"]), ("j2k", ["--j2k"]), ("jpeg-lossless", ["--jpeg"]),
                        ("rle", ["--rle"]), ("deflated", ["--deflated"])):
        dst = os.path.join(out_dir, "%s-%s.dcm" % (stem, name))
        gdcmconv(mono2, dst, *flags)
        files[name] = dst
    with open(mono2, "rb") as f:
        data = f.read()
    # Without the 128-byte preamble ("DICM" first), and without "DICM" too.
    nopre = os.path.join(out_dir, stem + "-nopreamble.dcm")
    with open(nopre, "wb") as f:
        f.write(data[128:])
    files["nopreamble"] = nopre
    nomagic = os.path.join(out_dir, stem + "-nomagic.dcm")
    with open(nomagic, "wb") as f:
        f.write(data[132:])
    files["nomagic"] = nomagic
    noext = os.path.join(out_dir, stem + "-noextension")
    shutil.copyfile(mono2, noext)
    files["noextension"] = noext
    return files


def transfer_syntax(path):
    return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).file_meta.TransferSyntaxUID)
