#!/usr/bin/python3
# torchvision_augment_bench.py — the reference half of the augmentation benchmark
#
# torchvision's equivalent of Lungscope's default pipeline
# (ls_augment_pipeline_new_default) on a 1 × 224 × 224 float tensor, one
# thread, and the antialiased resize of a large float plane to 224 × 224 with
# PIL (mode "F", BILINEAR) and torchvision (antialias=True). Prints
# "name milliseconds-per-image" lines, the median of several passes, in the
# same names as bench/augment-bench.c. Run with Debian's /usr/bin/python3.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import math
import random
import statistics
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

PASSES = 7


class RandomGamma(torch.nn.Module):
    """Kornia's RandomGamma (gain 1), which torchvision lacks."""

    def __init__(self, gamma, p):
        super().__init__()
        self.gamma = gamma
        self.p = p

    def forward(self, img):
        if torch.rand(1).item() >= self.p:
            return img
        return TF.adjust_gamma(img, random.uniform(*self.gamma))


def default_pipeline():
    return T.Compose([
        T.RandomAffine(degrees=10, translate=(0.06, 0.06), scale=(0.9, 1.1), shear=(-5, 5),
                       interpolation=InterpolationMode.BILINEAR, fill=0),
        T.ColorJitter(brightness=0.2, contrast=0.2),
        RandomGamma((0.8, 1.2), p=0.5),
        T.RandomApply([T.GaussianBlur(5, sigma=(0.1, 2.0))], p=0.3),
        T.RandomErasing(p=0.25, scale=(0.02, 0.15), ratio=(0.3, 3.3), value=0),
    ])


def phantom(size):
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    dx, dy = (x - size * 0.5) / size, (y - size * 0.5) / size
    v = 0.55 + 0.3 * np.cos(5 * dx) * np.cos(4 * dy) - 0.25 * np.exp(-40 * (dx + 0.2) ** 2)
    v += 0.05 * (np.random.default_rng(1).random((size, size)) - 0.5)
    return np.clip(v, 0, 1).astype(np.float32)


def timed(fn, n):
    times = []
    for _ in range(PASSES):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) * 1000.0 / n)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    torch.set_num_threads(1)
    torch.manual_seed(2026)
    random.seed(2026)
    pipeline = default_pipeline()
    img = torch.from_numpy(phantom(224))[None]
    for _ in range(50):
        pipeline(img)
    print(f"augment_default_224 {timed(lambda: pipeline(img), n):.4f}")
    for size, count in ((1024, max(n // 50, 5)), (2048, max(n // 200, 3))):
        big = phantom(size)
        pil = Image.fromarray(big, mode="F")
        tensor = torch.from_numpy(big)[None, None]
        print(f"resize_{size}_to_224_pil "
              f"{timed(lambda: pil.resize((224, 224), Image.BILINEAR, reducing_gap=None), count):.4f}")
        print(f"resize_{size}_to_224_torchvision "
              f"{timed(lambda: TF.resize(tensor, [224, 224], InterpolationMode.BILINEAR, antialias=True), count):.4f}")


if __name__ == "__main__":
    main()
