#!/usr/bin/env bash
# make-standin-manifest.sh — the stand-in runtime's manifest, made from the
# shipped one so the two cannot drift
#
#   flatpak/make-standin-manifest.sh SHIPPED.json OUT.json [SOURCE_DIR]
#
# Drops every module with a source that must be downloaded (a url: OpenBLAS
# then comes from the stand-in runtime, which has Debian's); keeps everything
# else as it is. Local paths are made absolute (relative to SHIPPED's folder),
# so OUT may be written anywhere; SOURCE_DIR, when given, replaces the path of
# the app's "dir" sources (the flatpak test builds a clean copy of the tree).
# Prints the dropped modules' names on stderr.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 SHIPPED.json OUT.json [SOURCE_DIR]" >&2
  exit 2
fi
shipped=$1
out=$2
srcdir=${3:-}
mandir=$(cd "$(dirname "$shipped")" && pwd)
[ -z "$srcdir" ] || srcdir=$(cd "$srcdir" && pwd)

filter='
def local_source:
  (has("url") | not) and (has("mirror-urls") | not);
def absolute($p): if ($p | startswith("/")) then $p else $mandir + "/" + $p end;
def localize:
  if .type == "dir" and $srcdir != "" then .path = $srcdir
  elif has("path") then .path = absolute(.path)
  elif has("paths") then .paths |= map(absolute(.))
  else . end;
def prune:
  if has("modules") then
    .modules |= map(
      if type != "object" then error("module files (\(.)) are not supported")
      elif ((.sources // []) | all(local_source)) then
        (.sources |= ((. // []) | map(localize))) | prune
      else empty end)
  else . end;
prune'

jq --arg mandir "$mandir" --arg srcdir "$srcdir" "$filter" "$shipped" >"$out.tmp"
mv "$out.tmp" "$out"
jq -r '[.. | objects | select(has("sources") and (.sources | any(has("url") or has("mirror-urls"))))
  | .name] | if length > 0 then "make-standin-manifest: dropped " + join(", ") else empty end' \
  "$shipped" >&2
