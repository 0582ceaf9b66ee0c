#!/usr/bin/env bash
# test-install.sh — `meson install --destdir` into a temporary folder gives
# programs that work from there and read nothing from the source or build
# tree (CHECKLIST 30)
#
#   test-install.sh BUILD_ROOT SOURCE_ROOT
#
# Installs the build, then runs the installed lungscope-cli with both trees
# hidden behind empty folders (bubblewrap): `info` must name the installed
# model, and `phantoms` + `predict` must work with it. The default model's
# path is compiled in (PKGDATADIR); a DESTDIR install is not at that path, so
# $LUNGSCOPE_DEFAULT_MODEL names the installed copy, as the code allows for
# tests; likewise $LUNGSCOPE_DICOM_DECODER names the installed DICOM decoder
# process (libexecdir), which decodes a DICOM file for the installed CLI and
# turns a file that makes GDCM abort into one line and exit status 1. When
# the app was built, the installed app also runs under Xvfb until
# its first frame, with the installed schema, icons and resources
# (screenshot: BUILD_ROOT/shipping/installed-app.png).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_ROOT SOURCE_ROOT" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

for tool in meson jq bwrap; do
  command -v "$tool" >/dev/null || {
    echo "test-install: $tool is not installed (scripts/install-deps.sh installs it)"
    exit 1
  }
done
if ! bwrap --dev-bind / / true 2>/dev/null; then
  echo "SKIP: bubblewrap cannot make a mount namespace here, so the trees cannot be hidden"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lungscope-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case $tmp/ in
  "$src"/* | "$build"/*)
    echo "test-install: the temporary folder $tmp is inside the tree"
    exit 1
    ;;
esac

option() {
  meson introspect "$build" --buildoptions | jq -r --arg n "$1" '.[] | select(.name == $n) | .value'
}
# Where meson puts a directory option under DESTDIR (relative: under prefix).
installed_dir() {
  local value
  value=$(option "$1")
  case $value in
    /*) echo "$tmp/root$value" ;;
    *) echo "$tmp/root$(option prefix)/$value" ;;
  esac
}
bindir=$(installed_dir bindir)
datadir=$(installed_dir datadir)
libexecdir=$(installed_dir libexecdir)
decoder=$libexecdir/lungscope-dicom-decode
with_dicom=0
grep -q '^#define LS_HAVE_DICOM 1' "$build/config.h" && with_dicom=1

meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" ||
  {
    cat "$tmp/install.log"
    exit 1
  }
echo "test-install: installed into $tmp/root ($(du -sh "$tmp/root" | cut -f1))"

cli=$bindir/lungscope-cli
model=$datadir/lungscope/models/lungnet-s-phantoms.safetensors
catalogs=()
if [ -d "$build/po" ]; then
  # Each translation of po/LINGUAS, as its compiled catalog.
  for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
    catalogs+=("$(installed_dir localedir)/$lang/LC_MESSAGES/lungscope.mo")
  done
fi
for f in "$cli" "$model" "${catalogs[@]}"; do
  [ -e "$f" ] || {
    echo "test-install: $f was not installed"
    exit 1
  }
done

# Both trees hidden: a path into either finds an empty folder.
hide=(bwrap --dev-bind / / --tmpfs "$src")
case $build/ in
  "$src"/*) ;;
  *) hide+=(--tmpfs "$build") ;;
esac
installed() {
  env -u LS_SOURCE_ROOT -u LS_BUILD_ROOT -u LS_CLI -u LS_SHARED_DATA \
    LUNGSCOPE_DEFAULT_MODEL="$model" LUNGSCOPE_DICOM_DECODER="$decoder" "${hide[@]}" "$@"
}

installed "$cli" info >"$tmp/info.txt"
cat "$tmp/info.txt"
grep -q "default model  *$model\$" "$tmp/info.txt" ||
  {
    echo "test-install: info does not name the installed model $model"
    exit 1
  }
if grep -F -e "$src" -e "$build" "$tmp/info.txt"; then
  echo "test-install: the installed program names a path in the source or build tree (above)"
  exit 1
fi

installed "$cli" phantoms "$tmp/phantoms" --per-class 1 --seed 7 --size 256
image=$(find "$tmp/phantoms/pneumonia" -name '*.png' ! -name '*_mask.png' | sort | head -n 1)
installed "$cli" predict --json "$image" >"$tmp/predict.json"
cat "$tmp/predict.json"
jq -e --arg model "$model" '.model.file == $model and .model.source == "default"
  and (.predictions | length) == 1 and .predictions[0].predicted == "pneumonia"' \
  "$tmp/predict.json" >/dev/null ||
  {
    echo "test-install: predict did not read the pneumonia phantom with the installed model"
    exit 1
  }

if [ $with_dicom = 1 ]; then
  [ -x "$decoder" ] || {
    echo "test-install: the DICOM decoder $decoder was not installed"
    exit 1
  }
  # The files go outside the hidden trees.
  cp "$src/fuzz/corpus/dicom/jpegls-16.dcm" "$src/tests/data/issue17-gdcm-pixmap-assert.dcm" "$tmp/"
  installed "$cli" predict --json "$tmp/jpegls-16.dcm" >"$tmp/dicom.json"
  jq -e '(.predictions | length) == 1 and .predictions[0].width == 16' "$tmp/dicom.json" >/dev/null ||
    {
      cat "$tmp/dicom.json"
      echo "test-install: the installed CLI did not decode a DICOM file"
      exit 1
    }
  rc=0
  installed "$cli" predict "$tmp/issue17-gdcm-pixmap-assert.dcm" >/dev/null 2>"$tmp/crash.txt" || rc=$?
  cat "$tmp/crash.txt"
  [ $rc = 1 ] && grep -q "issue17-gdcm-pixmap-assert.dcm: not a readable DICOM image (the decoder crashed)" \
    "$tmp/crash.txt" ||
    {
      echo "test-install: a file that makes GDCM abort gave exit status $rc, not 1 and one line"
      exit 1
    }
fi

if [ -x "$bindir/lungscope" ]; then
  for tool in xvfb-run dbus-run-session xwininfo import glib-compile-schemas; do
    command -v "$tool" >/dev/null || {
      echo "test-install: $tool is not installed (scripts/install-deps.sh installs it)"
      exit 1
    }
  done
  # DESTDIR installs skip the post-install step that compiles the schemas.
  glib-compile-schemas --strict "$datadir/glib-2.0/schemas"
  mkdir -p "$build/shipping" "$tmp/home"
  # The helper and the screenshot go outside the hidden trees.
  cp "$here/first-frame.sh" "$tmp/"
  shot=$tmp/installed-app.png
  installed env GSETTINGS_SCHEMA_DIR="$datadir/glib-2.0/schemas" \
    XDG_DATA_DIRS="$datadir:/usr/share" GSETTINGS_BACKEND=memory \
    XDG_CONFIG_HOME="$tmp/home/config" XDG_DATA_HOME="$tmp/home/data" \
    XDG_CACHE_HOME="$tmp/home/cache" XDG_STATE_HOME="$tmp/home/state" \
    GDK_BACKEND=x11 GSK_RENDERER=cairo ADW_DISABLE_PORTAL=1 LANGUAGE=C \
    dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    "$tmp/first-frame.sh" "$shot" 60 "$bindir/lungscope"
  cp "$shot" "$build/shipping/installed-app.png"
fi
echo "test-install: the installed programs work from $tmp/root"
