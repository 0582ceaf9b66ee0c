#!/usr/bin/env bash
# Build one libFuzzer target with clang-14 and run it.
#   fuzz/run.sh TARGET [SECONDS] [BUILDDIR]     (defaults: 60 s, build-fuzz)
# TARGET is a name from fuzz_targets in fuzz/meson.build (fuzz/fuzz-TARGET.c).
# The committed seeds in fuzz/corpus/TARGET/ start a working corpus kept in
# BUILDDIR/fuzz-corpus/TARGET/ (never committed); fuzz/TARGET.dict is used as
# a dictionary and fuzz/TARGET.options adds libFuzzer flags, one a line.
# Exits non-zero on any finding (crash, leak, sanitizer report, timeout,
# out-of-memory); the input that caused it is kept in
# BUILDDIR/fuzz-artifacts/TARGET/ and the command to replay it is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: fuzz/run.sh TARGET [SECONDS] [BUILDDIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
target=$1
seconds=${2:-60}
builddir=${3:-build-fuzz}
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
if [ ! -f "fuzz/fuzz-$target.c" ]; then
  echo "fuzz/run.sh: no target '$target' (no fuzz/fuzz-$target.c)" >&2
  exit 2
fi

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 meson setup "$builddir" -Dfuzzing=true -Dgui=false -Dtests=false \
    -Db_lundef=false -Dbuildtype=debugoptimized
fi
# dicom-gdcm runs GDCM in the build's decoder process.
meson compile -C "$builddir" "fuzz-$target"
if [ "$target" = dicom-gdcm ]; then
  meson compile -C "$builddir" src/lungscope-dicom-decode
  export LUNGSCOPE_DICOM_DECODER="$PWD/$builddir/src/lungscope-dicom-decode"
fi
exe="$builddir/fuzz/fuzz-$target"

corpus="$builddir/fuzz-corpus/$target"
artifacts="$builddir/fuzz-artifacts/$target"
mkdir -p "$corpus" "$artifacts"
seeds=()
[ -d "fuzz/corpus/$target" ] && seeds+=("fuzz/corpus/$target")
# dicom-gdcm and dicom-gdcm-direct start from the dicom seeds.
case "$target" in dicom-gdcm*) seeds+=("fuzz/corpus/dicom") ;; esac

flags=(
  -max_total_time="$seconds"
  -timeout=10
  -rss_limit_mb=2048
  -print_final_stats=1
  -artifact_prefix="$artifacts/"
)
# dicom-gdcm-direct shares dicom-gdcm's dictionary, options and suppressions.
extras=$target
[ "$target" = dicom-gdcm-direct ] && extras=dicom-gdcm
[ -f "fuzz/$extras.dict" ] && flags+=(-dict="fuzz/$extras.dict")
if [ -f "fuzz/$extras.options" ]; then
  while read -r flag; do
    case "$flag" in ''|'#'*) ;; *) flags+=("$flag") ;; esac
  done < "fuzz/$extras.options"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
# GDCM's codecs leak on some error paths (e.g. OpenJPEG's decoder when a
# JPEG 2000 header is refused): fuzz/TARGET.lsan lists such third-party
# leaks, never one of ours.
if [ -f "fuzz/$extras.lsan" ]; then
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/$extras.lsan}
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OPENBLAS_NUM_THREADS=1

before=$(find "$artifacts" -type f | wc -l)
echo "fuzz/run.sh: $exe for ${seconds}s (corpus $corpus, seeds ${seeds[*]:-none})"
rc=0
"$exe" "${flags[@]}" "$corpus" "${seeds[@]}" || rc=$?
after=$(find "$artifacts" -type f | wc -l)

if [ $rc -ne 0 ] || [ "$after" -ne "$before" ]; then
  echo "fuzz/run.sh: $target: FINDING (libFuzzer exit $rc); inputs in $artifacts/:" >&2
  find "$artifacts" -type f -printf "  %p\n" >&2 || true
  echo "replay: $exe ARTIFACT" >&2
  exit 1
fi
echo "fuzz/run.sh: $target: no finding in ${seconds}s"
