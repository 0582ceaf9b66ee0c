#!/usr/bin/python3
# make-decode-fixtures.py — regenerates the small decoding fixtures in
# tests/data/ and the gray values PIL 9.4 gives for them
# (tests/data/decode-ref.txt), checked by tests/test-decode.c.
#
#   /usr/bin/python3 tests/ref/make-decode-fixtures.py [OUTDIR]
#
# decode-ref.txt: for each file a line "FILE WIDTH HEIGHT TOLERANCE" and then
# WIDTH×HEIGHT values, row-major, on 255 scale: PIL's convert("L") for 8-bit
# sources (after ImageOps.exif_transpose), the exact v/65535·255 for 16-bit
# gray (PIL cannot convert I;16 to L without clipping). TOLERANCE is the
# largest allowed |ours·255 − PIL| with its reason: PIL rounds to 8 bits with
# fixed-point weights (≤ 0.5 + 0.004); for CMYK it also rounds R, G, B first
# (≤ 1.0 + 0.004). Both decode with the same system libjpeg-turbo, so JPEG
# samples agree exactly before conversion.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import io
import os
import struct
import sys

import numpy as np
from PIL import Image, ImageOps

W, H = 20, 14
rng = np.random.default_rng(20260526)


def smooth_rgb():
    y, x = np.mgrid[0:H, 0:W]
    r = (x * 255 / (W - 1))
    g = (y * 255 / (H - 1))
    b = 128 + 100 * np.sin(x / 3.0 + y / 5.0)
    noise = rng.integers(-20, 21, size=(H, W, 3))
    a = np.stack([r, g, b], axis=-1) + noise
    return np.clip(a, 0, 255).astype(np.uint8)


def exif_orientation_block(value):
    # TIFF, big-endian, IFD0 with one Orientation SHORT entry.
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, value, 0) + struct.pack(">I", 0)
    return b"MM\x00\x2a" + struct.pack(">I", 8) + ifd


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data")
    os.makedirs(out, exist_ok=True)
    files = []  # (name, expected array in 255 scale, tolerance)

    rgb = smooth_rgb()
    rgba = np.dstack([rgb, rng.integers(0, 256, size=(H, W, 1), dtype=np.uint8)])

    def l_of(im):
        return np.asarray(im.convert("L"), dtype=np.float64)

    # RGB 8 PNG.
    im = Image.fromarray(rgb, "RGB")
    im.save(os.path.join(out, "decode-rgb8.png"))
    files.append(("decode-rgb8.png", l_of(Image.open(os.path.join(out, "decode-rgb8.png"))), 0.51))

    # RGBA 8 PNG: alpha ignored (PIL's RGBA→L drops alpha too).
    Image.fromarray(rgba, "RGBA").save(os.path.join(out, "decode-rgba8.png"))
    files.append(("decode-rgba8.png", l_of(Image.open(os.path.join(out, "decode-rgba8.png"))), 0.51))

    # Palette PNG (adaptive palette of the RGB image), with transparency.
    pim = im.convert("P", palette=Image.ADAPTIVE, colors=32)
    pim.info["transparency"] = 3
    pim.save(os.path.join(out, "decode-palette.png"), transparency=3)
    files.append(("decode-palette.png", l_of(Image.open(os.path.join(out, "decode-palette.png")).convert("RGB")), 0.51))

    # 16-bit gray PNG: exact expected values.
    g16 = (rng.integers(0, 65536, size=(H, W))).astype(np.uint16)
    Image.fromarray(g16.astype(np.int32), "I").convert("I;16").save(os.path.join(out, "decode-gray16.png"))
    back = np.asarray(Image.open(os.path.join(out, "decode-gray16.png")), dtype=np.float64)
    assert (back == g16).all(), "PIL did not round-trip the 16-bit PNG"
    files.append(("decode-gray16.png", g16.astype(np.float64) * 255.0 / 65535.0, 0.001))

    # Colour JPEG, 4:2:0, quality 90.
    im.save(os.path.join(out, "decode-ycbcr.jpg"), quality=90, subsampling=2)
    files.append(("decode-ycbcr.jpg", l_of(Image.open(os.path.join(out, "decode-ycbcr.jpg"))), 0.51))

    # Progressive gray JPEG.
    Image.fromarray(rgb[:, :, 1], "L").save(os.path.join(out, "decode-progressive.jpg"), quality=85,
                                           progressive=True)
    files.append(("decode-progressive.jpg", l_of(Image.open(os.path.join(out, "decode-progressive.jpg"))), 0.001))

    # CMYK JPEG: PIL writes Adobe-style inverted CMYK with an APP14 marker.
    cmyk = np.dstack([255 - rgb, rng.integers(0, 80, size=(H, W, 1), dtype=np.uint8)])
    Image.fromarray(cmyk, "CMYK").save(os.path.join(out, "decode-cmyk.jpg"), quality=95)
    files.append(("decode-cmyk.jpg", l_of(Image.open(os.path.join(out, "decode-cmyk.jpg"))), 1.01))

    # Colour JPEG with EXIF orientation 6 (shown turned 90° clockwise).
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(os.path.join(out, "decode-exif6.jpg"), quality=90, exif=exif.tobytes())
    shown = ImageOps.exif_transpose(Image.open(os.path.join(out, "decode-exif6.jpg")))
    files.append(("decode-exif6.jpg", l_of(shown), 0.51))

    with open(os.path.join(out, "decode-ref.txt"), "w") as f:
        f.write("# PIL %s gray values on 255 scale; see tests/ref/make-decode-fixtures.py\n"
                % Image.__version__)
        for name, arr, tol in files:
            h, w = arr.shape
            f.write("%s %d %d %g\n" % (name, w, h, tol))
            for row in arr:
                f.write(" ".join(("%d" % v) if float(v).is_integer() else ("%.4f" % v) for v in row) + "\n")
    total = sum(os.path.getsize(os.path.join(out, n)) for n, _, _ in files)
    print("wrote %d fixtures (%d bytes) and decode-ref.txt" % (len(files), total))


if __name__ == "__main__":
    main()
