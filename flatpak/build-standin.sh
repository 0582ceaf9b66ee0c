#!/usr/bin/env bash
# build-standin.sh — a stand-in for the shipped manifest's GNOME Platform and
# Sdk, made from Debian 12 packages, in a local flatpak repository
#
#   flatpak/build-standin.sh     builds it (or finds it cached) and prints the
#                                repository's path on stdout (progress on stderr)
#
# The GNOME runtime cannot be downloaded on every machine, but Debian's
# mmdebstrap, flatpak and ostree can make a Platform and an Sdk that build and
# run the app: each is a minimal bookworm tree (platform.list, and
# platform.list + sdk.list for the Sdk) whose /usr becomes the runtime's
# files/ and whose /etc becomes files/etc, exported under the manifest's own
# runtime names and branch, so the stand-in manifest (make-standin-manifest.sh)
# differs from the shipped one only by the modules it drops.
#
# The result is cached outside any build folder, in
# $LUNGSCOPE_STANDIN_CACHE (default ~/.cache/lungscope/flatpak-standin), under
# a key of the package lists, the runtime names and the layout number below: a
# changed list builds a new one and removes the old. Downloaded packages are kept in
# debs/ beside it for the next build. Needs root (mmdebstrap's root mode), jq,
# flatpak, ostree and network access to the Debian archive configured for apt
# ($LUNGSCOPE_STANDIN_SOURCES names the sources file to use; default the
# host's Debian sources).
#
# What it takes for flatpak to use a Debian tree as a runtime:
#   - files/bin/ldconfig must exist, or flatpak builds no ld.so.cache (Debian
#     has it in sbin);
#   - a non-empty files/etc/ld.so.conf is used as it stands: it includes /app/lib
#     and flatpak's own /run/flatpak/ld.so.conf.d lines;
#   - links into /etc/alternatives (cc, libblas.so.3, libopenblas.so.0) are
#     replaced by links to the real files;
#   - Debian's meson installs libraries to lib/x86_64-linux-gnu, so the Sdk's
#     flatpak-builder defaults give /app the plain lib/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
manifest=$here/io.github.lungscope.Lungscope.json
lists=("$here/standin/platform.list" "$here/standin/sdk.list")

die() {
  echo "build-standin: $*" >&2
  exit 1
}
say() { echo "build-standin: $*" >&2; }

# A tree mmdebstrap left behind may still have /proc or /sys mounted in it:
# unmount those first, and never cross into another file system.
remove_tree() {
  local mnt
  [ -e "$1" ] || return 0
  while read -r mnt; do
    umount -l "$mnt" || die "cannot unmount $mnt"
  done < <(awk -v p="$(realpath "$1")/" 'index($2 "/", p) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$1"
}

for tool in jq flatpak ostree mmdebstrap; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh installs it)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap's root mode)"

runtime=$(jq -er .runtime "$manifest") || die "$manifest: no runtime"
sdk=$(jq -er .sdk "$manifest") || die "$manifest: no sdk"
branch=$(jq -er '."runtime-version"' "$manifest") || die "$manifest: no runtime-version"
arch=$(flatpak --default-arch)
suite=bookworm

sources=${LUNGSCOPE_STANDIN_SOURCES:-}
if [ -z "$sources" ]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [ -s "$f" ] && grep -q "$suite" "$f"; then
      sources=$f
      break
    fi
  done
fi
[ -n "$sources" ] && [ -s "$sources" ] || die "no apt sources for $suite (set LUNGSCOPE_STANDIN_SOURCES)"

cache=${LUNGSCOPE_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lungscope/flatpak-standin}
# Bump when the trees are made differently (make_runtime, the mmdebstrap call).
layout=1
key=$({
  echo "$runtime $sdk $branch $arch $suite $layout"
  cat "${lists[@]}"
} | sha256sum | cut -c1-16)
out=$cache/$key
debs=$cache/debs
mkdir -p "$cache" "$debs"

if [ -f "$out/ready" ]; then
  say "cached: $out"
  echo "$out/repo"
  exit 0
fi

# One build at a time; a second caller waits and then finds it cached.
exec 9>"$cache/lock"
flock 9
if [ -f "$out/ready" ]; then
  echo "$out/repo"
  exit 0
fi

# Stand-ins of other package lists are not used again.
for old in "$cache"/*/; do
  old=${old%/}
  case $(basename "$old") in
    debs | "$key" | "$key.tmp") ;;
    *)
      say "removing the outdated stand-in $old"
      remove_tree "$old"
      ;;
  esac
done

packages() {
  sed -e 's/#.*//' "$@" | tr -s ' \t\n' '\n' | sed '/^$/d' | sort -u | paste -sd, -
}

bootstrap() {
  local root=$1 include=$2
  say "mmdebstrap $suite into $root ($(echo "$include" | tr ',' '\n' | wc -l) packages and their dependencies)"
  mmdebstrap --quiet --variant=essential --include="$include" \
    --dpkgopt=force-unsafe-io --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-include=/usr/share/locale/da/*' \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
    --setup-hook="sync-in $debs /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $debs" \
    "$suite" "$root" "$sources" >&2
}

# files/ from the tree's /usr and /etc, and the metadata naming the pair.
make_runtime() {
  local root=$1 dir=$2 name=$3
  local link target real

  mkdir -p "$dir/files"
  cp -a "$root/usr/." "$dir/files/"
  cp -a "$root/etc" "$dir/files/etc"
  rm -f "$dir/files/etc/ld.so.cache" "$dir/files/etc/resolv.conf" "$dir/files/etc/hostname"

  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    real=$(readlink "$root$target") || die "$link: $target is a broken alternative"
    case $real in
      /*) ;;
      *) real=$(dirname "$target")/$real ;;
    esac
    ln -sfn "$real" "$link"
  done < <(find "$dir/files" -type l -lname '/etc/alternatives/*' -print0)

  [ -x "$dir/files/sbin/ldconfig" ] || die "$root has no /usr/sbin/ldconfig"
  ln -sfn ../sbin/ldconfig "$dir/files/bin/ldconfig"

  cat >"$dir/files/etc/ld.so.conf" <<EOF
include /run/flatpak/ld.so.conf.d/app-*.conf
/app/lib
include /app/etc/ld.so.conf
/usr/local/lib
/usr/lib/x86_64-linux-gnu
/usr/lib
include /run/flatpak/ld.so.conf.d/runtime-*.conf
EOF

  cat >"$dir/metadata" <<EOF
[Runtime]
name=$name
runtime=$runtime/$arch/$branch
sdk=$sdk/$arch/$branch
EOF
}

# Each tree is kept once complete, so a build that was stopped goes on from
# there.
work=$out.tmp
remove_tree "$out"
remove_tree "$work/repo"
mkdir -p "$work"
start=$(date +%s)

if [ ! -f "$work/platform.done" ]; then
  remove_tree "$work/platform-root"
  remove_tree "$work/platform"
  bootstrap "$work/platform-root" "$(packages "${lists[0]}")"
  make_runtime "$work/platform-root" "$work/platform" "$runtime"
  remove_tree "$work/platform-root"
  touch "$work/platform.done"
fi

if [ ! -f "$work/sdk.done" ]; then
  remove_tree "$work/sdk-root"
  remove_tree "$work/sdk"
  bootstrap "$work/sdk-root" "$(packages "${lists[@]}")"
  make_runtime "$work/sdk-root" "$work/sdk" "$sdk"
  remove_tree "$work/sdk-root"
  mkdir -p "$work/sdk/files/etc/flatpak-builder"
  cat >"$work/sdk/files/etc/flatpak-builder/defaults.json" <<'EOF'
{
  "libdir": "/app/lib",
  "cflags": "-O2 -g -pipe",
  "cxxflags": "-O2 -g -pipe"
}
EOF
  touch "$work/sdk.done"
fi

# bare-user-only exports in seconds (archive-z2 compresses every object).
say "exporting $runtime//$branch and $sdk//$branch"
ostree init --mode=bare-user-only --repo="$work/repo"
for tree in platform sdk; do
  flatpak build-export --runtime --files=files --no-update-summary "$work/repo" "$work/$tree" \
    "$branch" >&2
done
flatpak build-update-repo "$work/repo" >&2
rm -rf "$work/platform" "$work/sdk" "$work"/*.done

du -sh "$work/repo" | sed 's/^/build-standin: repository size /' >&2
mv "$work" "$out"
touch "$out/ready"
say "built in $(($(date +%s) - start)) s: $out/repo"
echo "$out/repo"
