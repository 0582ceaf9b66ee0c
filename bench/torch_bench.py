#!/usr/bin/python3
# torch_bench.py — lungnet-s in PyTorch as installed, the reference half of
# bench/engine-bench.sh. Prints one JSON object.
#
#   /usr/bin/python3 bench/torch_bench.py [--threads 2] [--steps 5] [--reps 20]
#
# Training (batch 32, 224², AdamW) first, so the peak RSS is the training
# run's; then single-image forward (eval, no_grad) and forward + Grad-CAM,
# eager and as frozen TorchScript (torch.jit.trace, torch.jit.freeze,
# torch.jit.optimize_for_inference: oneDNN convolutions with batch norm
# folded and ReLU fused, PyTorch's fastest single-image inference here).
# The TorchScript Grad-CAM runs the frozen features and the eager head,
# and takes the gradient of the class score with respect to the features
# only (torch.autograd.grad: no parameter gradients).
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LungnetS(nn.Module):
    """DESIGN.md §4's lungnet-s, with the same state_dict names as the engine."""

    def __init__(self):
        super().__init__()
        chans = [1, 24, 32, 64, 128, 256, 256]
        for i in range(6):
            setattr(self, f"conv{i + 1}", nn.Conv2d(chans[i], chans[i + 1], 3,
                                                   stride=2 if i == 0 else 1, padding=1,
                                                   bias=False))
            setattr(self, f"bn{i + 1}", nn.BatchNorm2d(chans[i + 1]))
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(256, 3)

    def features(self, x):
        for i in range(1, 7):
            x = F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x)))
            if 2 <= i <= 5:
                x = F.max_pool2d(x, 2)
        return x

    def head(self, a):
        return self.fc(self.drop(a.mean((2, 3))))

    def forward(self, x):
        return self.head(self.features(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LungnetS()
    x = torch.randn(args.batch, 1, 224, 224)
    y = torch.arange(args.batch) % 3
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    def cpu():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    model.train()
    step()
    t0, c0 = time.perf_counter(), cpu()
    for _ in range(args.steps):
        step()
    train_ips = args.steps * args.batch / (time.perf_counter() - t0)
    train_ipc = args.steps * args.batch / (cpu() - c0)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    model.eval()
    one = x[:1].clone()
    times = []
    with torch.no_grad():
        model(one)
        for _ in range(args.reps):
            t0 = time.perf_counter()
            model(one)
            times.append((time.perf_counter() - t0) * 1e3)
    forward_ms = statistics.median(times)

    def gradcam():
        a = model.features(one)
        a.retain_grad()
        out = model.head(a)
        cls = int(out.argmax())
        model.zero_grad()
        out[0, cls].backward()
        cam = F.relu((a.grad.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True))
        cam = F.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)
        return (cam - cam.min()) / (cam.max() - cam.min() + 1e-12)

    gradcam()
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        gradcam()
        times.append((time.perf_counter() - t0) * 1e3)
    gradcam_ms = statistics.median(times)

    # frozen TorchScript
    class Features(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net.features(x)

    def frozen(module):
        with torch.no_grad():
            return torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(module, one)))

    jit_model = frozen(model)
    jit_features = frozen(Features(model).eval())

    def time_it(fn):
        for _ in range(3):
            fn()
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)

    def jit_forward():
        with torch.no_grad():
            return jit_model(one)

    def jit_gradcam():
        with torch.no_grad():
            a = jit_features(one)
        a.requires_grad_()
        out = model.head(a)
        cls = int(out.argmax())
        (g,) = torch.autograd.grad(out[0, cls], a)
        with torch.no_grad():
            cam = F.relu((g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True))
            cam = F.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)
            return (cam - cam.min()) / (cam.max() - cam.min() + 1e-12)

    with torch.no_grad():
        ref = model(one)
        assert torch.allclose(jit_forward(), ref, rtol=1e-3, atol=1e-4), "frozen TorchScript differs"
    jit_forward_ms = time_it(jit_forward)
    jit_gradcam_ms = time_it(jit_gradcam)
    print(json.dumps({"torch": {"version": torch.__version__, "threads": args.threads,
                                "train_images_per_s": train_ips, "train_images_per_cpu_s": train_ipc,
                                "peak_rss_mb": rss_mb,
                                "forward_ms": forward_ms, "gradcam_ms": gradcam_ms,
                                "jit_forward_ms": jit_forward_ms,
                                "jit_gradcam_ms": jit_gradcam_ms}}))


if __name__ == "__main__":
    main()
