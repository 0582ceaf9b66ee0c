#!/usr/bin/python3
# engine_parity.py — the engine against PyTorch on the same weights and input
#
#   /usr/bin/python3 engine_parity.py HELPER [THREADS…]
#
# Builds lungnet-s (at 96x96, dropout off so both sides agree on the mask)
# in PyTorch from the same spec text, runs one training step (forward,
# weighted label-smoothed cross-entropy, backward, AdamW) and a Grad-CAM,
# runs tests/engine-parity-helper on the same model file (safetensors, the
# spec in its "arch" metadata) and batch, and compares logits, loss, every
# parameter gradient, every updated weight and running statistic (read back
# from the model file the engine writes, loaded into PyTorch), and the
# Grad-CAM map: relative error (max |a-b| / max |b|) below 1e-4. Exits 77
# (skip) when torch is missing.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print(f"# skip: {e}")
    sys.exit(77)

TOLERANCE = 1e-4
SIZE = 96
BATCH = 4


def spec_text():
    # the default architecture of DESIGN.md §4, smaller input, dropout off
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "lungnet-s-96.arch")) as f:
        return f.read()


class Net(nn.Module):
    """A module built from the spec text, with state_dict names as ours."""

    def __init__(self, text):
        super().__init__()
        self.ops = []
        self.kinds = []
        self.cam_index = None
        c = None
        for raw in text.splitlines():
            line = raw.split("#")[0].split()
            if not line:
                continue
            kind, kv = line[0], dict(t.split("=", 1) for t in line[1:])
            if kind == "input":
                c = int(kv["channels"])
            elif kind == "conv":
                k = int(kv["k"])
                m = nn.Conv2d(c, int(kv["out"]), k, stride=int(kv.get("stride", 1)),
                              padding=int(kv.get("pad", 0)), bias=kv.get("bias", "yes") == "yes")
                setattr(self, kv["name"], m)
                self.ops.append(m)
                c = int(kv["out"])
            elif kind == "bn":
                m = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
                setattr(self, kv["name"], m)
                self.ops.append(m)
            elif kind == "relu":
                if kv.get("cam") == "yes":
                    self.cam_index = len(self.ops)
                self.ops.append(F.relu)
            elif kind == "maxpool":
                self.ops.append(lambda x: F.max_pool2d(x, 2))
            elif kind == "gap":
                self.ops.append(lambda x: x.mean((2, 3)))
            elif kind == "dropout":
                m = nn.Dropout(float(kv["p"]))
                self.ops.append(m)
            elif kind == "linear":
                m = nn.Linear(c, int(kv["out"]), bias=kv.get("bias", "yes") == "yes")
                setattr(self, kv["name"], m)
                self.ops.append(m)
                c = int(kv["out"])
            else:
                raise ValueError(kind)
            if kind != "input":
                self.kinds.append(kind)

    def forward(self, x, keep=None):
        for i, op in enumerate(self.ops):
            x = op(x)
            if keep is not None and i == self.cam_index:
                x.retain_grad()
                keep.append(x)
        return x


def kink_margin(model, x):
    """How far the batch stays from ReLU and max-pool kinks, where float
    rounding may legitimately send the two sides' gradients different ways:
    the smallest |input| of a ReLU and the smallest gap between the two
    largest values of a max-pool window whose maximum is positive."""
    margin = float("inf")
    with torch.no_grad():
        h = x
        for op, kind in zip(model.ops, model.kinds):
            if kind == "relu":
                margin = min(margin, h.abs().min().item())
            elif kind == "maxpool":
                n, c, hh, ww = h.shape
                w = h[:, :, :hh // 2 * 2, :ww // 2 * 2].unfold(2, 2, 2).unfold(3, 2, 2)
                top = w.reshape(n, c, hh // 2, ww // 2, 4).topk(2, -1).values
                gap = (top[..., 0] - top[..., 1])[top[..., 0] > 0]
                if gap.numel():
                    margin = min(margin, gap.min().item())
            h = op(h)
    return margin


def st_save(path, tensors, metadata=None):
    """A safetensors file (F32 only), as safetensors.torch.save_file writes it."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(a)),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def st_load(path):
    """Tensors and metadata of a safetensors file (F32 only)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b:8 + n + e], "<f4").reshape(info["shape"])
    return out, metadata


def main():
    helper = sys.argv[1]
    thread_counts = [int(t) for t in sys.argv[2:]] or [1]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    text = spec_text()
    model = Net(text)
    # non-trivial batch-norm state, as after some training
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    # an input that keeps 1e-6 away from every kink (deterministic search)
    model.train()
    for seed in range(100):
        torch.manual_seed(1000 + seed)
        x = torch.randn(BATCH, 1, SIZE, SIZE)
        margin = kink_margin(model, x)
        if margin > 1e-6:
            break
    else:
        raise SystemExit("no input kept away from the kinks")
    print(f"# input seed {1000 + seed}, kink margin {margin:.2e}")
    with torch.no_grad():  # kink_margin ran the batch-norm statistics forward: undo it
        for k, v in state.items():
            model.state_dict()[k].copy_(torch.from_numpy(v))
    labels = torch.tensor([0, 2, 1, 2])
    class_weights = torch.tensor([1.0, 2.0, 0.5])
    lr, wd, smoothing, b1, b2, eps = 1e-3, 0.05, 0.1, 0.9, 0.999, 1e-8

    inputs = {"input": x.numpy(), "labels": labels.numpy().astype("f4"),
              "class_weights": class_weights.numpy(),
              "hparams": np.array([lr, wd, smoothing, b1, b2, eps], dtype="f4")}

    # our loader keeps no num_batches_tracked: strict=False, and that is the only key missing
    fresh = Net(text)
    result = fresh.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    assert not result.unexpected_keys, result.unexpected_keys
    assert all(k.endswith("num_batches_tracked") for k in result.missing_keys), result.missing_keys

    # PyTorch: one step
    model.train()
    logits = model(x)
    loss = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=smoothing)(logits, labels)
    loss.backward()
    grads = {f"grad.{k}": p.grad.detach().numpy().copy() for k, p in model.named_parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    opt.step()
    after = {f"param.{k}": v.detach().numpy().copy() for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")}

    # Grad-CAM of image 0 for its label, eval mode, updated weights
    model.eval()
    model.zero_grad()
    keep = []
    out = model(x[:1], keep)
    out[0, labels[0]].backward()
    a, g = keep[0], keep[0].grad
    cam = F.relu((g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=(SIZE, SIZE), mode="bilinear", align_corners=False)[0, 0]
    cam = (cam - cam.min()) / (cam.max() - cam.min())

    want = {"logits": logits.detach().numpy(), "loss": np.array([loss.item()]),
            "gradcam": cam.detach().numpy(), "probs_eval": F.softmax(out, 1)[0].detach().numpy()}
    want.update(grads)
    want.update(after)

    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.safetensors")
        st_save(model_path, state, {"format": "lungscope-model", "format_version": "1",
                                    "arch": text})
        batch_path = os.path.join(tmp, "batch.safetensors")
        st_save(batch_path, inputs)
        for threads in thread_counts:
            out_dir = os.path.join(tmp, f"out-{threads}")
            os.mkdir(out_dir)
            subprocess.run([helper, model_path, batch_path, out_dir, str(threads)], check=True)
            got, _ = st_load(os.path.join(out_dir, "results.safetensors"))
            # the engine's model file loads in PyTorch (strict but for num_batches_tracked)
            saved, meta = st_load(os.path.join(out_dir, "model.safetensors"))
            assert meta.get("arch") == text and meta.get("format") == "lungscope-model", meta
            back = Net(text)
            result = back.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in saved.items()},
                                          strict=False)
            assert not result.unexpected_keys, result.unexpected_keys
            assert all(k.endswith("num_batches_tracked") for k in result.missing_keys)
            got.update({f"param.{k}": v.detach().numpy() for k, v in back.state_dict().items()
                        if not k.endswith("num_batches_tracked")})
            # AdamW on the engine's own gradients: the update rule alone, free of
            # the sign flips a near-zero gradient may take between the two sides
            ref = Net(text)
            ref.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
            for k, p in ref.named_parameters():
                p.grad = torch.from_numpy(got[f"grad.{k}"].copy())
            ropt = torch.optim.AdamW(ref.parameters(), lr=lr, betas=(b1, b2), eps=eps,
                                     weight_decay=wd)
            ropt.step()
            for k, p in ref.named_parameters():
                want[f"param.{k}"] = p.detach().numpy().copy()
            missing = set(want) - set(got)
            if missing:
                print(f"not ok: the engine did not write {sorted(missing)}")
                failed += 1
            for name in sorted(want):
                if name not in got:
                    continue
                b = want[name].astype("f8")
                a = got[name].astype("f8").reshape(b.shape)
                err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-12)
                ok = err < TOLERANCE
                failed += not ok
                print(f"{'ok' if ok else 'NOT OK'}: threads {threads} {name}: relative error {err:.2e}")
    if failed:
        print(f"{failed} tensors differ by {TOLERANCE:g} or more")
        sys.exit(1)
    print("all tensors agree")


if __name__ == "__main__":
    main()
