#!/usr/bin/env bash
# engine-bench.sh — lungnet-s in the engine and in PyTorch, one after the
# other in one run, side by side with ratios (DESIGN.md §7, issues 3 and
# 16). PyTorch runs eager and, for the single image, as frozen TorchScript
# (traced, frozen, optimized for inference).
#
#   bench/engine-bench.sh [BUILDDIR] [--threads N] [--steps N] [--passes N]
#
# Each side runs in its own process, so each peak RSS is its own training
# run's; the two alternate for --passes passes (default 3) and each figure
# is the median over them. The machine is shared: figures drift, the
# ratios are what count.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-$here/../build}
[ $# -gt 0 ] && shift
threads=2 steps=5 passes=3
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    *) echo "usage: $0 [BUILDDIR] [--threads N] [--steps N] [--passes N]" >&2; exit 2 ;;
  esac
done
cli=$builddir/src/cli/lungscope-cli
[ -x "$cli" ] || { echo "no $cli: build first" >&2; exit 1; }
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "PyTorch missing (python3-torch)" >&2; exit 77; }

ours=() theirs=()
for ((i = 1; i <= passes; i++)); do
  echo "pass $i/$passes: engine" >&2
  ours+=("$("$cli" bench engine --json --threads "$threads" --steps "$steps")")
  echo "pass $i/$passes: PyTorch" >&2
  theirs+=("$(OMP_NUM_THREADS=$threads "$py" "$here/torch_bench.py" --threads "$threads" \
    --steps "$steps")")
done

"$py" - "$passes" "${ours[@]}" "${theirs[@]}" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
runs_e = [json.loads(a)["engine"] for a in sys.argv[2:2 + n]]
runs_t = [json.loads(a)["torch"] for a in sys.argv[2 + n:2 + 2 * n]]
def med(runs):
    return {k: (statistics.median(r[k] for r in runs) if isinstance(runs[0][k], float)
                else runs[0][k]) for k in runs[0]}
e, t = med(runs_e), med(runs_t)
print(f"lungnet-s 224x224, {e['threads']} threads; engine BLAS core {e['blas_core']}, "
      f"PyTorch {t['version']}; medians of {n} alternating passes")
def per_pass(key):
    return (" ".join(f"{r[key]:.2f}" for r in runs_e) + " | "
            + " ".join(f"{r[key]:.2f}" for r in runs_t))
print("per pass, engine | PyTorch eager: training images/s " + per_pass("train_images_per_s"))
print("  single-image forward ms " + per_pass("forward_ms") + "; TorchScript "
      + " ".join(f"{r['jit_forward_ms']:.2f}" for r in runs_t))
print("  forward + Grad-CAM ms " + per_pass("gradcam_ms") + "; TorchScript "
      + " ".join(f"{r['jit_gradcam_ms']:.2f}" for r in runs_t))
print(f"{'':30} {'engine':>10} {'eager':>10} {'TorchScript':>12} {'/eager':>8} {'/TS':>7}  target")
def row(name, a, b, c, target):
    ts = f"{c:12.2f}" if c is not None else f"{'—':>12}"
    rts = f"{a / c:6.2f}x" if c is not None else f"{'':7}"
    print(f"{name:30} {a:10.2f} {b:10.2f} {ts} {a / b:7.2f}x {rts}  {target}")
row("training images/s (batch 32)", e["train_images_per_s"], t["train_images_per_s"], None,
    ">= 2x eager")
row("training images/CPU-second", e["train_images_per_cpu_s"], t["train_images_per_cpu_s"], None,
    "(load-robust)")
row("single-image forward ms", e["forward_ms"], t["forward_ms"], t["jit_forward_ms"],
    "<= 1.0x TorchScript")
row("forward + Grad-CAM ms", e["gradcam_ms"], t["gradcam_ms"], t["jit_gradcam_ms"],
    "<= 0.6x TorchScript")
row("peak RSS of training, MB", e["peak_rss_mb"], t["peak_rss_mb"], None, "engine <= 600")
print(f"{'achieved GFLOP/s in training':30} {e['train_gflops']:10.1f}   "
      f"(cblas_sgemm 2048² peak {e['sgemm_gflops']:.1f}: "
      f"{100 * e['train_gflops'] / e['sgemm_gflops']:.0f} %, target >= 60 %)")
print(f"{'PyTorch achieved GFLOP/s':30} "
      f"{t['train_images_per_s'] * e['train_gflops'] / e['train_images_per_s']:10.1f}")
PY
