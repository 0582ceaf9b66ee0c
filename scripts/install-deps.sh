#!/usr/bin/env bash
# Install exactly the Debian 12 packages Lungscope needs to build, test and run.
# Idempotent: packages already present are skipped; prints what it installs.
#
#   scripts/install-deps.sh            build + run + tests + reference scripts
#   scripts/install-deps.sh --runtime  build + run only (no test tools, no PyTorch)
set -euo pipefail

build=(build-essential pkgconf meson ninja-build libglib2.0-dev libglib2.0-dev-bin
  libglib2.0-bin libgtk-4-dev libgtk-4-bin libadwaita-1-dev libcairo2-dev libpng-dev
  libjpeg62-turbo-dev libwebp-dev libjson-glib-dev libsqlite3-dev sqlite3 libopenblas-dev
  gettext itstool desktop-file-utils appstream)
# The PNG fast lane's inflater (src/imaging/png-fast.c).
build+=(libdeflate-dev)
# DICOM in (optional meson feature `dicom`, src/imaging/dicom-gdcm.cc): GDCM and a C++ compiler.
build+=(g++ libgdcm-dev)
# The app needs a session bus and a display to run; fonts and icons so it looks right.
run=(dbus dbus-daemon adwaita-icon-theme fonts-cantarell fonts-dejavu-core libgl1-mesa-dri)
# Headless GUI tests, sanitizers, fuzzing, profiling, format check, report checks.
test=(xvfb xauth imagemagick jq clang-14 libclang-rt-14-dev llvm-14 clang-format valgrind
  hyperfine linux-perf poppler-utils librsvg2-bin xdotool)
# The flatpak suite: a stand-in GNOME Platform/Sdk from Debian packages, the
# app built, bundled, installed and run in the sandbox (eu-strip, SVG icon checks,
# xwininfo to see the window).
test+=(flatpak flatpak-builder bubblewrap ostree mmdebstrap elfutils librsvg2-common
  x11-utils)
# Reference scripts (parity tests, fixtures, side-by-side benchmarks): run as /usr/bin/python3.
ref=(python3 python3-torch python3-torchvision python3-pil python3-numpy)
# DICOM fixtures made in the tests (tests/ref/dicom-check.py) and the DICOM benchmark's reference
# (pydicom decodes JPEG-LS and JPEG 2000 through python3-gdcm).
ref+=(python3-pydicom libgdcm-tools python3-gdcm)

want=("${build[@]}" "${run[@]}")
if [ "${1:-}" != "--runtime" ]; then
  want+=("${test[@]}" "${ref[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
