#!/usr/bin/env bash
# Install what is needed to build and run, build, and launch Lungscope.
#   scripts/run.sh [ARGS…]   (arguments go to the app)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --runtime
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
meson compile -C build
exec build/src/app/lungscope "$@"
