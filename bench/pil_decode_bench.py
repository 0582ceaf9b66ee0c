#!/usr/bin/python3
# pil_decode_bench.py — the reference half of bench-decode: decode + gray +
# antialiased resize to 224×224 with PIL (as the seed project's loader did),
# single thread, on every image of a folder, files read into memory first.
#
#   /usr/bin/python3 bench/pil_decode_bench.py DIR [PASSES]
#
# Times are process CPU time (time.process_time), as bench-decode's are.
# Prints one line per variant (bench-decode runs it with PASSES = 1, alternating
# with its own passes): "<name> <images/s> <median seconds per pass>".
# Variants: "pil" (Image.open → convert("L") → resize BILINEAR, which PIL
# antialiases when shrinking, → torchvision to_tensor) and "pil-draft" (the
# same after Image.draft("L", (224, 224)), which lets libjpeg DCT-scale and
# skip chroma: PIL's own fast path).
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import io
import os
import statistics
import sys
import time

from PIL import Image

try:
    import torch
    torch.set_num_threads(1)
    from torchvision.transforms import functional as TF
    to_tensor = TF.to_tensor
except ImportError:  # PIL alone still gives the figure that matters
    to_tensor = None

SIZE = (224, 224)


def load_all(folder):
    blobs = []
    for root, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if name.lower().endswith((".png", ".jpg", ".jpeg", ".webp")):
                with open(os.path.join(root, name), "rb") as f:
                    blobs.append(f.read())
    return blobs


def one(blob, draft):
    im = Image.open(io.BytesIO(blob))
    if draft:
        im.draft("L", SIZE)
    im = im.convert("L").resize(SIZE, Image.BILINEAR)
    if to_tensor is not None:
        return to_tensor(im)
    return im


def run(blobs, draft, passes):
    times = []
    for _ in range(passes):
        t0 = time.process_time()
        for b in blobs:
            one(b, draft)
        times.append(time.process_time() - t0)
    med = statistics.median(times)
    return len(blobs) / med, med


def main():
    folder = sys.argv[1]
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    blobs = load_all(folder)
    if not blobs:
        sys.exit("no images in " + folder)
    for name, draft in (("pil", False), ("pil-draft", True)):
        rate, med = run(blobs, draft, passes)
        print(f"{name} {rate:.1f} {med:.3f}", flush=True)


if __name__ == "__main__":
    main()
