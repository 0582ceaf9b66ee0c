#!/usr/bin/python3
# make-resize-fixtures.py — reference values for the antialiased resize
#
# Regenerates tests/data/resize-fixtures.bin from PIL's Image.resize (mode
# "F", BILINEAR and BOX, reducing_gap=None) and torchvision's F.resize
# (BILINEAR, antialias=True) on a float tensor. The 24×18 input is defined
# by an integer formula that tests/test-preprocess.c computes too, so only
# the outputs are stored. Run with Debian's interpreter:
#
#   /usr/bin/python3 tests/ref/make-resize-fixtures.py tests/data/resize-fixtures.bin
#
# Format (little-endian): "LSRZ", u32 record count, then per record
# u32 filter (0 bilinear, 1 box), u32 reference (0 PIL, 1 torchvision),
# u32 width, u32 height, width × height float32 row-major.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import struct
import sys

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

W, H = 24, 18
SIZES = [(8, 6), (11, 7), (5, 4), (24, 7), (31, 23), (13, 25)]


def source():
    img = np.zeros((H, W), dtype=np.float32)
    for y in range(H):
        for x in range(W):
            img[y, x] = np.float32(((3 * x * x + 5 * y * y + 7 * x * y + 11 * x) % 251) / 250.0)
    return img


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/resize-fixtures.bin"
    img = source()
    pil = Image.fromarray(img, mode="F")
    tensor = torch.from_numpy(img)[None, None]
    records = []
    for w, h in SIZES:
        r = np.asarray(pil.resize((w, h), Image.BILINEAR, reducing_gap=None), dtype=np.float32)
        records.append((0, 0, w, h, r))
        t = TF.resize(tensor, [h, w], interpolation=InterpolationMode.BILINEAR, antialias=True)
        records.append((0, 1, w, h, t[0, 0].numpy().astype(np.float32)))
        if w <= W and h <= H:
            b = np.asarray(pil.resize((w, h), Image.BOX, reducing_gap=None), dtype=np.float32)
            records.append((1, 0, w, h, b))
    with open(out, "wb") as f:
        f.write(b"LSRZ")
        f.write(struct.pack("<I", len(records)))
        for filt, ref, w, h, data in records:
            f.write(struct.pack("<4I", filt, ref, w, h))
            f.write(np.ascontiguousarray(data, dtype="<f4").tobytes())
    pil_tv = max(float(np.abs(records[i][4] - records[i + 1][4]).max())
                 for i in range(len(records) - 1)
                 if records[i][:2] == (0, 0) and records[i + 1][1] == 1)
    print(f"{out}: {len(records)} records; PIL vs torchvision max |diff| {pil_tv:.3g}")


if __name__ == "__main__":
    main()
