#!/usr/bin/env bash
# Install what is needed, build, and run every test (unit, gui, slow).
#   scripts/test.sh [BUILDDIR]     (default: build)
# With CI=true, warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}

scripts/install-deps.sh

werror=false
[ "${CI:-}" = "true" ] && werror=true
if [ -f "$builddir/build.ninja" ]; then
  meson configure "$builddir" -Dwerror=$werror -Dgui=true -Dtests=true
else
  meson setup "$builddir" -Dwerror=$werror
fi
meson compile -C "$builddir"
meson test -C "$builddir" --print-errorlogs
