#!/bin/sh
# augment-bench.sh — augmentation and resize, ours and the references', side by side
#
#   bench/augment-bench.sh BUILD/bench/augment-bench [images per pass]
#   (or: meson test -C build --benchmark augment)
#
# One thread each, run one after the other in the same invocation; prints
# milliseconds per image and the reference's time over ours (> 1: we are
# faster). Skips the reference (exit 77 when run by meson) without torch.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

ours_bin=${1:?usage: augment-bench.sh PATH/TO/augment-bench [N]}
n=${2:-1000}
here=$(dirname "$0")

if ! /usr/bin/python3 -c 'import torch, torchvision, PIL' 2>/dev/null; then
  echo "augment-bench: /usr/bin/python3 cannot import torch/torchvision/PIL; skipping" >&2
  exit 77
fi

ours=$(OPENBLAS_NUM_THREADS=1 "$ours_bin" "$n")
theirs=$(OMP_NUM_THREADS=1 /usr/bin/python3 "$here/torchvision_augment_bench.py" "$n")

echo "single thread, ms per image (median of 7 passes), $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-34s %12s %12s %8s\n' "benchmark" "lungscope" "reference" "ratio"
{ printf '%s\n' "$ours" | sed 's/^/ours /'; printf '%s\n' "$theirs" | sed 's/^/ref /'; } | awk '
  { v[$1 " " $2] = $3 }
  END {
    n = split("augment_default_224:augment_default_224:torchvision " \
              "resize_1024_to_224:resize_1024_to_224_pil:PIL " \
              "resize_1024_to_224:resize_1024_to_224_torchvision:torchvision " \
              "resize_2048_to_224:resize_2048_to_224_pil:PIL " \
              "resize_2048_to_224:resize_2048_to_224_torchvision:torchvision", rows, " ")
    for (i = 1; i <= n; i++) {
      split(rows[i], p, ":")
      ours = v["ours " p[1]]; ref = v["ref " p[2]]
      if (ours == "" || ref == "") continue
      printf "%-34s %12.4f %12.4f %7.2fx\n", p[1] " vs " p[3], ours, ref, ref / ours
    }
  }'
