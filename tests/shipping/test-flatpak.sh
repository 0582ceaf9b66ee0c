#!/usr/bin/env bash
# test-flatpak.sh — the Flatpak built, bundled, installed and run in its
# sandbox, on the stand-in GNOME runtime (CHECKLIST 28)
#
#   test-flatpak.sh BUILD_ROOT SOURCE_ROOT
#
# 1. flatpak/build-standin.sh: the stand-in Platform/Sdk from Debian packages
#    (cached in ~/.cache/lungscope/flatpak-standin, rebuilt when its package
#    lists change);
# 2. flatpak/make-standin-manifest.sh: the shipped manifest less the modules
#    that download their sources, building a clean copy of the tree (git's
#    tracked and untracked files, no build folders);
# 3. a temporary user installation (FLATPAK_USER_DIR) with the stand-in;
#    flatpak-builder builds the app there, runs its unit tests inside the build
#    sandbox and exports it to a repository;
# 4. the bundle (flatpak build-bundle) and the self-hosted repository
#    (flatpak build-update-repo, lungscope.flatpakrepo); the app is installed
#    from the repository through the .flatpakrepo file, removed, and installed
#    again from the bundle;
# 5. in the sandbox: `lungscope-cli info` names the shipped model under /app,
#    `predict` reads a phantom with it, and the app runs under Xvfb until its
#    first frame (screenshot BUILD_ROOT/flatpak/app-window.png).
# Everything but the stand-in lives in BUILD_ROOT/flatpak and is made anew
# each run; after a pass only the bundle, the repository, what the CLI printed
# and the screenshot are kept there. Skips (77) only where it cannot run at
# all: not root, or no namespaces for bubblewrap.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_ROOT SOURCE_ROOT" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
app=io.github.lungscope.Lungscope
shipped=$src/flatpak/$app.json

fail() {
  echo "test-flatpak: $*"
  exit 1
}
t0=$(date +%s)
step_start=$t0
step() {
  local now
  now=$(date +%s)
  echo
  echo "test-flatpak: [$((now - t0)) s] $*"
  step_start=$now
}
took() { echo "test-flatpak: $* took $(($(date +%s) - step_start)) s"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the stand-in runtime is built with mmdebstrap as root; run as root"
  exit 77
fi
for tool in flatpak flatpak-builder mmdebstrap ostree bwrap jq git eu-strip \
  xvfb-run dbus-run-session xwininfo import identify /usr/bin/python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done
if ! err=$(bwrap --unshare-all --dev-bind / / true 2>&1); then
  echo "SKIP: bubblewrap cannot make namespaces here ($err), so there is no sandbox to test"
  exit 77
fi

work=$build/flatpak
rm -rf --one-file-system "$work"
mkdir -p "$work"
runtime_dir=$work/xdg-runtime
mkdir -m 700 "$runtime_dir"
export XDG_RUNTIME_DIR=$runtime_dir
export FLATPAK_USER_DIR=$work/user
flatpak=(flatpak --user)
yes=(-y --noninteractive)

step "the stand-in runtime"
standin_repo=$("$src/flatpak/build-standin.sh")
took "the stand-in runtime"
runtime=$(jq -r .runtime "$shipped")
sdk=$(jq -r .sdk "$shipped")
branch=$(jq -r '."runtime-version"' "$shipped")

step "a clean copy of the tree and the stand-in manifest"
mkdir -p "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    (cd "$src" && xargs -0 -r tar -cf - --no-recursion --ignore-failed-read) |
    tar -xf - -C "$work/src"
else
  tar -cf - -C "$src" --exclude=./.git --exclude='./build*' --exclude=./_build \
    --exclude=./.flatpak-builder . | tar -xf - -C "$work/src"
fi
"$src/flatpak/make-standin-manifest.sh" "$shipped" "$work/$app.json" "$work/src"
/usr/bin/python3 "$here/check-manifest.py" --stand-in "$work/$app.json"

step "a temporary user installation with $runtime//$branch and $sdk//$branch"
"${flatpak[@]}" remote-add --no-gpg-verify standin "file://$standin_repo"
"${flatpak[@]}" install "${yes[@]}" standin "$runtime//$branch" "$sdk//$branch"
took "installing the stand-in"

step "flatpak-builder: the app and its unit tests"
flatpak-builder --user --force-clean --disable-rofiles-fuse --default-branch=stable \
  --state-dir="$work/state" --repo="$work/repo" "$work/app" "$work/$app.json"
took "the app's Flatpak build"

step "the bundle and the repository"
flatpak build-bundle "$work/repo" "$work/lungscope.flatpak" "$app" stable
flatpak build-update-repo --prune "$work/repo"
cat >"$work/lungscope.flatpakrepo" <<EOF
[Flatpak Repo]
Title=Lungscope
Url=file://$work/repo/
Homepage=https://github.com/lungscope/lungscope
Comment=Chest X-ray classifier (stand-in runtime build)
EOF
echo "test-flatpak: bundle $(du -h "$work/lungscope.flatpak" | cut -f1)" \
  "($(stat -c %s "$work/lungscope.flatpak") bytes), repository $(du -sh "$work/repo" | cut -f1)"

step "installed from the repository through lungscope.flatpakrepo"
"${flatpak[@]}" remote-add --from lungscope "$work/lungscope.flatpakrepo"
"${flatpak[@]}" remote-ls lungscope | grep -q "$app" || fail "the repository does not list $app"
"${flatpak[@]}" install "${yes[@]}" lungscope "$app//stable"
# The app's data in the sandbox (~/.var/app/ID: its workspaces, its settings
# with the last workspace, which the CLI would then use) lives in a home of
# the test's own, new for every run.
rm -rf "$work/home"
mkdir -p "$work/home"
frun() { HOME="$work/home" flatpak run "$@"; }
frun --command=lungscope-cli "$app" --version
"${flatpak[@]}" uninstall "${yes[@]}" "$app//stable"

step "installed from the bundle"
"${flatpak[@]}" install "${yes[@]}" --bundle "$work/lungscope.flatpak"
flatpak info "$app//stable"
flatpak info --show-permissions "$app//stable" | tee "$work/permissions.txt"
grep -q '^sockets=.*wayland' "$work/permissions.txt" || fail "no Wayland socket"
grep -q '^sockets=.*fallback-x11' "$work/permissions.txt" || fail "no X11 fallback"
grep -q '^shared=.*ipc' "$work/permissions.txt" || fail "no IPC"
grep -q '^devices=.*dri' "$work/permissions.txt" || fail "no DRI"
if grep -E '^shared=.*network|^filesystems=' "$work/permissions.txt"; then
  fail "the installed app has network or filesystem access (above)"
fi

step "lungscope-cli in the sandbox"
model=/app/share/lungscope/models/lungnet-s-phantoms.safetensors
frun --command=lungscope-cli "$app" info | tee "$work/info.txt"
grep -q "default model  *$model\$" "$work/info.txt" || fail "info does not name $model"
grep -q "^  app  *$app\$" "$work/info.txt" || fail "info does not see the sandbox of $app"
mkdir -p "$work/phantoms"
frun --filesystem="$work/phantoms" --command=lungscope-cli "$app" \
  phantoms "$work/phantoms" --per-class 1 --seed 7 --size 256
image=$(find "$work/phantoms/pneumonia" -name '*.png' ! -name '*_mask.png' | sort | head -n 1)
frun --filesystem="$work/phantoms:ro" --command=lungscope-cli "$app" \
  predict --json "$image" | tee "$work/predict.json"
jq -e --arg model "$model" '.model.file == $model and .model.source == "default"
  and (.predictions | length) == 1 and .predictions[0].predicted == "pneumonia"' \
  "$work/predict.json" >/dev/null || fail "predict did not read the pneumonia phantom with $model"

step "the app in the sandbox until its first frame"
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  "$here/first-frame.sh" "$work/app-window.png" 120 \
  env HOME="$work/home" flatpak run --env=GDK_BACKEND=x11 --env=GSK_RENDERER=cairo \
  --env=ADW_DISABLE_PORTAL=1 --env=LANGUAGE=C "$app"

step "figures"
standin_dir=$(dirname "$standin_repo")
echo "test-flatpak: stand-in cache $(du -sh "$(dirname "$standin_dir")" | cut -f1)," \
  "this run's folder $(du -sh "$work" | cut -f1)," \
  "bundle $(stat -c %s "$work/lungscope.flatpak") bytes"
# The installation, the build and the copy of the tree go; the bundle, the
# repository and the screenshot stay.
rm -rf "$work/user" "$work/app" "$work/state" "$work/src" "$work/phantoms" "$work/home"
echo "test-flatpak: passed in $(($(date +%s) - t0)) s"
