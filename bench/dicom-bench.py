#!/usr/bin/python3
# dicom-bench.py — decode + window + fit to 224×224 of 16-bit DICOM files,
# Lungscope (bench/bench-dicom) against pydicom + numpy, side by side in one
# run, images/s of process CPU time (all threads: OpenJPEG may use several,
# on either side).
#
#   /usr/bin/python3 bench/dicom-bench.py BENCH_DICOM [N_IMAGES] [PASSES]
#
# The files are made first, in a temporary folder, from the first N_IMAGES
# (default 24) radiographs of $LS_SHARED_DATA/cxr-real (tests/ref/
# dicom_fixtures.py: MONOCHROME2, 16 bits, rescale slope/intercept, a
# window), as explicit VR little endian, JPEG-LS and JPEG 2000 (gdcmconv,
# lossless). The reference reads each file from memory with pydicom
# (dcmread, pixel_array: numpy for native data, python3-gdcm for JPEG-LS and
# JPEG 2000), applies the rescale and DICOM's linear window with numpy
# (float32), inverts MONOCHROME1, and fits to 224×224 with PIL's bilinear
# resize of the float image (mode "F"), as bench-decode's PIL side does.
# Passes alternate ours / reference; medians are reported.
# Exits 77 when cxr-real, pydicom, numpy, PIL or gdcmconv is missing.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
try:
    import numpy as np
    import pydicom
    from PIL import Image
    import dicom_fixtures as F
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)

OUT = 224


def reference(blob):
    ds = pydicom.dcmread(io.BytesIO(blob))
    x = ds.pixel_array.astype(np.float32)
    m = x * np.float32(float(getattr(ds, "RescaleSlope", 1))) + np.float32(float(getattr(ds, "RescaleIntercept", 0)))
    c = float(ds.WindowCenter if not isinstance(ds.WindowCenter, pydicom.multival.MultiValue) else ds.WindowCenter[0])
    w = float(ds.WindowWidth if not isinstance(ds.WindowWidth, pydicom.multival.MultiValue) else ds.WindowWidth[0])
    y = np.clip((m - np.float32(c - 0.5)) / np.float32(w - 1) + np.float32(0.5), 0, 1)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        y = 1 - y
    return np.asarray(Image.fromarray(y, mode="F").resize((OUT, OUT), Image.BILINEAR))


def run_reference(blobs):
    t0 = time.process_time()
    s = 0.0
    for b in blobs:
        s += float(reference(b)[OUT // 2, OUT // 2])
    return len(blobs) / (time.process_time() - t0)


def main():
    exe = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    folder = os.path.join(os.environ.get("LS_SHARED_DATA", ""), "cxr-real")
    if not os.path.isdir(folder) or F.have_tools() is not None:
        print("SKIP: %s" % (F.have_tools() or folder + " not found"))
        sys.exit(77)
    srcs = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs
                  if f.lower().endswith((".png", ".jpg", ".jpeg")))[:n]
    kinds = {"explicit little endian": [], "JPEG-LS": [], "JPEG 2000": []}
    pixels = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, src in enumerate(srcs):
            p = F.gray8(src)
            pixels += p.size
            raw = os.path.join(tmp, "%03d-raw.dcm" % k)
            F.write(F.dataset(F.stored_mono2(p)), raw)
            kinds["explicit little endian"].append(raw)
            for name, flag in (("JPEG-LS", "--jpegls"), ("JPEG 2000", "--j2k")):
                dst = os.path.join(tmp, "%03d-%s.dcm" % (k, flag[2:]))
                F.gdcmconv(raw, dst, flag)
                kinds[name].append(dst)
        blobs = {k: [open(f, "rb").read() for f in fs] for k, fs in kinds.items()}
        print("%d cxr-real radiographs as 16-bit DICOM, %.2f Mpixel on average; medians of %d passes, "
              "process CPU time (lungscope: its decoder processes included)" % (len(srcs), pixels / len(srcs) / 1e6, passes))
        print("pydicom %s, numpy %s, PIL %s; pydicom's handlers in order: %s"
              % (pydicom.__version__, np.__version__, Image.__version__,
                 ", ".join("%s %s" % (h.__name__.split(".")[-1], "available" if h.is_available() else "missing")
                           for h in pydicom.config.pixel_data_handlers)))
        print("%-24s %14s %14s %7s" % ("transfer syntax", "lungscope/s", "pydicom+np/s", "ratio"))
        for kind, files in kinds.items():
            ours, ref = [], []
            for _ in range(passes):
                out = subprocess.run([exe, *files], check=True, capture_output=True, text=True).stdout
                ours.append(float(out.split()[0]))
                ref.append(run_reference(blobs[kind]))
            a, b = statistics.median(ours), statistics.median(ref)
            print("%-24s %14.1f %14.1f %6.1fx" % (kind, a, b, a / b))


main()
