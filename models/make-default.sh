#!/usr/bin/env bash
# make-default.sh — trains the shipped default model, lungnet-s on synthetic
# phantoms, and writes models/lungnet-s-phantoms.safetensors (model card:
# models/README.md).
#
#   models/make-default.sh [BUILDDIR]          (default: build)
#
# One command with fixed seeds and a fixed engine thread count (2): run
# again, it gives the same weights and the same metrics (only the model id
# and the creation date differ). The phantoms, the workspace and everything
# else it makes live in a temporary folder removed at the end; the epoch
# log is kept beside the model (lungnet-s-phantoms.train.jsonl). Then it
# prints the held-out evaluation of bench/bench-default-model.
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-$here/../build}
cli=$builddir/src/cli/lungscope-cli
bench=$builddir/bench/bench-default-model
[ -x "$cli" ] || { echo "make-default.sh: no $cli: build first" >&2; exit 1; }
out=$here/lungnet-s-phantoms.safetensors
log=$here/lungnet-s-phantoms.train.jsonl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lungscope-default-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/phantoms.lungscope

# The recipe (models/README.md says why).
"$cli" phantoms "$tmp/phantoms" --per-class 800 --seed 2026 --size 224
"$cli" -w "$ws" import --csv "$tmp/phantoms/labels.csv"
"$cli" -w "$ws" split --test 0.1 --val 0.1 --seed 42
rm -f "$log"
"$cli" -w "$ws" train --epochs 10 --batch 32 --lr 0.002 --label-smoothing 0.05 --seed 1 \
  --threads 2 --patience 0 --name "lungnet-s phantoms" --log "$log" --activate | tee "$tmp/train.txt"
id=$(awk '/^model /{ print $2; exit }' "$tmp/train.txt")
"$cli" -w "$ws" models export "$id" "$out" --force
echo "wrote $out"
if [ -x "$bench" ]; then
  "$bench" "$out"
fi
