#!/usr/bin/python3
# decode-parity.py — every file of $LS_SHARED_DATA/cxr-real decoded by
# Lungscope (through tests/decode-dump) against PIL 9.4's convert("L") (16-bit
# gray: value / 65535 · 255). Passes when every pixel of every file is within
# TOLERANCE of 255 (PIL rounds to 8 bits: 0.5, plus its fixed-point weights).
# Orientation: PIL does not apply EXIF, so files with orientation ≠ 1 are
# compared after ImageOps.exif_transpose.
#
#   /usr/bin/python3 tests/ref/decode-parity.py DECODE_DUMP
#
# Exit 0 pass, 1 fail, 77 skip (no PIL/numpy or no cxr-real).
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import subprocess
import sys
import tempfile

TOLERANCE = 0.51

try:
    import numpy as np
    from PIL import Image, ImageOps
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)


def main():
    dump = sys.argv[1]
    shared = os.environ.get("LS_SHARED_DATA", "")
    folder = os.path.join(shared, "cxr-real")
    if not os.path.isdir(folder):
        print("SKIP: %s not found" % folder)
        sys.exit(77)
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs
                   if f.lower().endswith((".png", ".jpg", ".jpeg", ".webp")))
    worst_all = 0.0
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([dump, tmp] + files, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            idx, w, h, path = line.split(" ", 3)
            ours = np.fromfile(os.path.join(tmp, idx + ".f32"), dtype=np.float32)
            ours = ours.reshape(int(h), int(w)).astype(np.float64) * 255
            im = ImageOps.exif_transpose(Image.open(path))
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                ref = np.asarray(im, dtype=np.float64) * 255 / 65535
            else:
                ref = np.asarray(im.convert("L"), dtype=np.float64)
            if ref.shape != ours.shape:
                print("not ok: %s: size %s, PIL %s" % (path, ours.shape, ref.shape))
                failed += 1
                continue
            worst = float(np.abs(ours - ref).max())
            worst_all = max(worst_all, worst)
            if worst > TOLERANCE:
                print("not ok: %s: differs from PIL by %.3f of 255" % (path, worst))
                failed += 1
    print("%d files, largest difference from PIL %.3f of 255 (tolerance %.2f), %d failed"
          % (len(files), worst_all, TOLERANCE, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
