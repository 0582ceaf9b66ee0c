#!/usr/bin/python3
# safetensors_check.py — Lungscope's model files are standard safetensors files
#
#   /usr/bin/python3 tests/parity/safetensors_check.py BUILD/tests/safetensors-tool
#
# 1. A file written by the C writer (safetensors-tool write) loads in PyTorch
#    with the right values (bit for bit) and metadata, its tensors load into a
#    torch module's state_dict, and it is byte-identical to what a Python
#    writer following the safetensors format produces for the same input.
# 2. Files written by Python (compact and indented JSON, ASCII escapes or raw
#    UTF-8) load in C (safetensors-tool dump) with the right values.
# 3. Files Python can write but Lungscope must refuse (F16, duplicate keys)
#    are refused by C with a message.
#
# Debian 12 has no python3-safetensors, so the reader and writer below are
# small pure-Python implementations of the format (json + struct +
# torch.frombuffer), as the safetensors crate defines it; when the real
# safetensors package is importable, it is used as well.
#
# Exit 0: all good; 1: a check failed; 77: torch is not available (skip).
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
    import torch
except ImportError:
    print(f"skip: torch cannot be imported by {sys.executable}")
    sys.exit(77)

try:
    import safetensors.torch as real_safetensors
except ImportError:
    real_safetensors = None

# The fixture of tests/safetensors-tool.c.
FIXTURE = [
    ("conv1.weight", [4, 1, 3, 3]),
    ("bn1.weight", [7]),
    ("bn1.running_var", [4]),
    ("scalar", []),
    ("empty", [0, 7]),
    ("fc.weight", [3, 4]),
]
FIXTURE_METADATA = {
    "format": "lungscope-model",
    "format_version": "1",
    "name": "lungnet-s \"phantoms\" — Ærø ✓ 𝄞 back\\slash\ttab\nnew line \x01\x1f /",
    "classes": '["normal","pneumonia","covid"]',
    "empty": "",
    "ключ": "значение",
}
SPECIAL_BITS = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x00000001, 0x7F7FFFFF,
                0x7FC00001]

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")
    return condition


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def fixture_bits():
    """The bit patterns of each fixture tensor, as the C tool makes them."""
    out = {}
    for t, (name, shape) in enumerate(FIXTURE):
        values = [((i * 37 + t * 11) % 101 - 50) / 16 for i in range(numel(shape))]
        out[name] = [struct.unpack("<I", struct.pack("<f", v))[0] for v in values]
    out["bn1.weight"] = list(SPECIAL_BITS)
    return out


def tensor_bits(t):
    if t.numel() == 0:
        return []
    return [v & 0xFFFFFFFF for v in t.contiguous().view(torch.int32).flatten().tolist()]


def tensor_from_bits(bits, shape):
    raw = struct.pack(f"<{len(bits)}I", *bits)
    if not raw:
        return torch.empty(shape, dtype=torch.float32)
    return torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(shape)


# ---- The format, in Python ----------------------------------------------

def st_load(path):
    """Reads a safetensors file with the checks of the safetensors crate.
    Returns (metadata, [(name, tensor)] in data order, header keys in order,
    header length)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 0 < n <= len(data) - 8, "bad header length"
    pairs = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=lambda p: p)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), "duplicate keys"
    header = dict(pairs)
    metadata = dict(header.pop("__metadata__", []))
    assert all(isinstance(v, str) for v in metadata.values())
    buf = data[8 + n:]
    entries = sorted(((dict(info), name) for name, info in header.items()),
                     key=lambda e: e[0]["data_offsets"])
    tensors, end = [], 0
    for info, name in entries:
        assert sorted(info) == ["data_offsets", "dtype", "shape"], name
        assert info["dtype"] == "F32", name
        begin, stop = info["data_offsets"]
        assert begin == end and stop >= begin, f"{name}: offsets do not tile"
        assert stop - begin == numel(info["shape"]) * 4, f"{name}: size"
        raw = bytearray(buf[begin:stop])
        if raw:
            t = torch.frombuffer(raw, dtype=torch.float32).reshape(info["shape"])
        else:
            t = torch.empty(info["shape"], dtype=torch.float32)
        tensors.append((name, t))
        end = stop
    assert end == len(buf), "bytes after the last tensor"
    return metadata, tensors, keys, n


def st_save(path, tensors, metadata, ensure_ascii=False, indent=None):
    """Writes a safetensors file as the safetensors crate does: metadata
    first, tensors in the order given, compact JSON, padded with spaces to a
    multiple of 8 bytes."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, t in tensors:
        raw = t.contiguous().numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(header, separators=separators, ensure_ascii=ensure_ascii,
                      indent=indent).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def c_dump(tool, path):
    run = subprocess.run([tool, "dump", path], capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip()
    return json.loads(run.stdout), None


# ---- The checks -------------------------------------------------------------

def check_c_file_in_torch(tool, folder):
    path = os.path.join(folder, "from-c.safetensors")
    subprocess.run([tool, "write", path], check=True)
    metadata, tensors, keys, header_len = st_load(path)
    expected = fixture_bits()

    check(metadata == FIXTURE_METADATA, f"C file metadata {metadata!r}")
    check(keys == ["__metadata__"] + [name for name, _ in FIXTURE], f"header key order {keys}")
    check(header_len % 8 == 0, f"header length {header_len} is not a multiple of 8")
    check([name for name, _ in tensors] == [name for name, _ in FIXTURE], "data order")
    for (name, shape), (got_name, t) in zip(FIXTURE, tensors):
        check(list(t.shape) == shape, f"{name}: shape {list(t.shape)}, expected {shape}")
        check(tensor_bits(t) == expected[name], f"{name}: values differ")

    # The names and shapes follow PyTorch's state_dict conventions.
    module = torch.nn.Module()
    module.conv1 = torch.nn.Conv2d(1, 4, 3, bias=False)
    module.fc = torch.nn.Linear(4, 3, bias=False)
    state = dict(tensors)
    module.load_state_dict({"conv1.weight": state["conv1.weight"], "fc.weight": state["fc.weight"]})
    check(torch.equal(module.fc.weight.detach(), state["fc.weight"]), "load_state_dict")

    # The same input through the Python writer gives the same bytes.
    again = os.path.join(folder, "from-python-same.safetensors")
    st_save(again, [(name, t) for name, t in tensors], metadata)
    with open(path, "rb") as a, open(again, "rb") as b:
        check(a.read() == b.read(), "C and Python writers give different bytes")

    if real_safetensors is not None:
        loaded = real_safetensors.load_file(path)
        for name, shape in FIXTURE:
            check(tensor_bits(loaded[name]) == expected[name], f"safetensors.torch: {name}")
    print(f"ok: C-written file loads in torch ({len(tensors)} tensors, {header_len}-byte header)")


def check_python_files_in_c(tool, folder):
    metadata = {
        "format": "lungscope-model",
        "name": "Python ✓ 𝄞 \"q\" \\ \t\nnul-free \x7f é",
        "arch": "# lungnet-s\ninput   channels=1 size=224\nlinear  name=fc out=3\n",
        "": "empty key",
    }
    gen = torch.Generator().manual_seed(7)
    tensors = [
        ("a.weight", torch.randn(5, 3, generator=gen)),
        ("b", torch.randn(2, 3, 4, 1, generator=gen)),
        ("c.scalar", torch.tensor(2.5)),
        ("d.empty", torch.empty(0, 3)),
        ("e", torch.tensor([float("nan"), -0.0, float("inf"), 1e-40])),
    ]
    variants = [
        ("ascii", dict(ensure_ascii=True)),
        ("utf8", dict(ensure_ascii=False)),
        ("indented", dict(ensure_ascii=True, indent=2)),
    ]
    for label, options in variants:
        path = os.path.join(folder, f"from-python-{label}.safetensors")
        st_save(path, tensors, metadata, **options)
        dumped, error = c_dump(tool, path)
        if not check(dumped is not None, f"{label}: C refused a Python file: {error}"):
            continue
        check(dumped["metadata"] == metadata, f"{label}: metadata {dumped['metadata']!r}")
        names = [t["name"] for t in dumped["tensors"]]
        check(names == [name for name, _ in tensors], f"{label}: order {names}")
        for (name, t), got in zip(tensors, dumped["tensors"]):
            check(got["shape"] == list(t.shape), f"{label}: {name}: shape {got['shape']}")
            check(got["bits"] == tensor_bits(t), f"{label}: {name}: values differ")
            check(got["aligned"] or t.numel() == 0, f"{label}: {name}: not 64-byte aligned")
    print(f"ok: {len(variants)} Python-written files load in C")


def check_refusals(tool, folder):
    half = os.path.join(folder, "half.safetensors")
    raw = torch.ones(2, dtype=torch.float16).numpy().tobytes()
    text = json.dumps({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    with open(half, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + raw)
    dumped, error = c_dump(tool, half)
    check(dumped is None and "tensor 'w': dtype F16 is not supported" in (error or ""),
          f"F16 file: {error!r}")

    # Python's json module keeps the last of two duplicate keys; C must refuse.
    dup = os.path.join(folder, "duplicate.safetensors")
    text = (b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
            b'"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')
    with open(dup, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + struct.pack("<f", 1.0))
    dumped, error = c_dump(tool, dup)
    check(dumped is None and "duplicate tensor name" in (error or ""), f"duplicate: {error!r}")
    print("ok: files Python can write but Lungscope must refuse are refused")


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH-TO-safetensors-tool", file=sys.stderr)
        return 2
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="ls-safetensors-") as folder:
        check_c_file_in_torch(tool, folder)
        check_python_files_in_c(tool, folder)
        check_refusals(tool, folder)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
