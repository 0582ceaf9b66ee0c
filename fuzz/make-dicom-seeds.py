#!/usr/bin/python3
# make-dicom-seeds.py — the committed seeds of fuzz/corpus/dicom: 16 x 16
# synthetic gradients (no real image), one per transfer syntax and pixel
# layout the decoder handles. Needs python3-pydicom and gdcmconv.
#
#   /usr/bin/python3 fuzz/make-dicom-seeds.py fuzz/corpus/dicom
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import struct
import sys
import tempfile

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import dicom_fixtures as F  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
p = (np.add.outer(np.arange(16), np.arange(16)) * 8).astype(np.uint8)


def neutral(ds):
    ds.PatientName = "Seed^Seed"
    ds.PatientBirthDate = ""
    ds.AccessionNumber = ""
    return ds


def save(ds, name):
    F.write(neutral(ds), os.path.join(out, name))


save(F.dataset(F.stored_mono2(p)), "explicit-mono2-16.dcm")
save(F.dataset(F.stored_mono1(p), photometric="MONOCHROME1", syntax=ImplicitVRLittleEndian),
     "implicit-mono1-16.dcm")
save(F.dataset(F.stored_signed(p), bits_stored=12, signed=True, intercept=1976.0, modality="CT"),
     "explicit-signed12.dcm")
ds = F.dataset(p, bits_stored=8, slope=None, window=None, view="LL")
lut = Dataset()
lut.LUTDescriptor = [256, 0, 12]
lut.add_new(0x00283006, "US", [i * 16 for i in range(256)])
ds.VOILUTSequence = [lut]
save(ds, "voilut-8.dcm")
rgb = F.dataset(p, bits_stored=8, slope=None, window=None)
rgb.SamplesPerPixel = 3
rgb.PhotometricInterpretation = "RGB"
rgb.PlanarConfiguration = 0
rgb.PixelData = np.stack([p, p // 2, 255 - p], axis=-1).tobytes()
save(rgb, "rgb-8.dcm")
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src.dcm")
    F.write(neutral(F.dataset(F.stored_mono2(p))), src)
    src8 = os.path.join(tmp, "src8.dcm")
    F.write(neutral(F.dataset(p, bits_stored=8, slope=None)), src8)
    for name, source, flags in (("jpegls-16.dcm", src, ["--jpegls"]), ("j2k-16.dcm", src, ["--j2k"]),
                                ("jpeg-lossless-16.dcm", src, ["--jpeg"]), ("rle-16.dcm", src, ["--rle"]),
                                ("deflated-16.dcm", src, ["--deflated"]),
                                ("jpeg-baseline-8.dcm", src8, ["--jpeg", "--lossy", "-q", "90"])):
        F.gdcmconv(source, os.path.join(out, name), *flags)
