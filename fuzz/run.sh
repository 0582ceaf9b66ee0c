#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS — build the libFuzzer targets with clang-14
# (ASan + UBSan + coverage) in build-fuzz/ and fuzz TARGET for SECONDS.
# The seed corpus is the repository's tiny valid images (tests/data) plus a
# few made with ImageMagick when it is installed; new inputs go to
# build-fuzz/corpus/TARGET, crashes to build-fuzz/artifacts/TARGET/.
# Exits non-zero when libFuzzer finds a crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:-60}

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang-14 meson setup build-fuzz -Dfuzzing=true -Dgui=false -Dtests=false -Db_lundef=false
fi
ninja -C build-fuzz "fuzz/fuzz-$target"

seeds=build-fuzz/seeds/$target
corpus=build-fuzz/corpus/$target
artifacts=build-fuzz/artifacts/$target/
mkdir -p "$seeds" "$corpus" "$artifacts"
case "$target" in
  png) exts=(png) ;;
  jpeg) exts=(jpg jpeg) ;;
  *) exts=("$target") ;;
esac
for ext in "${exts[@]}"; do
  for f in tests/data/*."$ext"; do
    [ -e "$f" ] && cp -f "$f" "$seeds/"
  done
done
if command -v convert >/dev/null; then
  case "$target" in
    png)
      convert -size 13x7 gradient:black-white -depth 1 "$seeds/gray1.png" 2>/dev/null || true
      convert -size 13x7 gradient:red-blue -interlace PNG "$seeds/adam7.png" 2>/dev/null || true
      convert -size 9x9 plasma:fractal -depth 16 "$seeds/rgb16.png" 2>/dev/null || true
      ;;
    jpeg)
      convert -size 17x11 gradient:black-white -colorspace Gray "$seeds/gray.jpg" 2>/dev/null || true
      convert -size 17x11 plasma:fractal -interlace JPEG "$seeds/progressive.jpg" 2>/dev/null || true
      convert -size 17x11 plasma:fractal -sampling-factor 2x2 "$seeds/420.jpg" 2>/dev/null || true
      ;;
  esac
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
exec "build-fuzz/fuzz/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "$seeds"
