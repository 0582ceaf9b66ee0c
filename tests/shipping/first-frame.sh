#!/usr/bin/env bash
# first-frame.sh — run a GUI program until its first frame is on the screen,
# save a screenshot of it, and end the program
#
#   first-frame.sh OUT.png TIMEOUT_SECONDS COMMAND [ARG…]
#
# Run inside an X server and a session bus (xvfb-run, dbus-run-session). The
# screen starts as the server's plain root window; the first frame is there
# when a new top-level window is mapped and the screen shows more than a few
# colours (text and icons are antialiased). Then, after a moment for the
# window to settle, `import -window root` saves OUT.png. Fails, with the
# program's output, when it exits first or no frame comes within the timeout.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 OUT.png TIMEOUT_SECONDS COMMAND [ARG…]" >&2
  exit 2
fi
out=$1
timeout=$2
shift 2
: "${DISPLAY:?first-frame: no X display (run under xvfb-run)}"

log=$(mktemp)
shot=$(mktemp --suffix=.png)
trap 'rm -f "$log" "$shot"' EXIT

windows() { xwininfo -root -children 2>/dev/null | grep -c '^ *0x' || true; }
colours() {
  import -window root "$shot" 2>/dev/null && identify -format '%k' "$shot" 2>/dev/null || echo 0
}

before=$(windows)
"$@" >"$log" 2>&1 &
pid=$!
deadline=$(($(date +%s) + timeout))
framed=no
while [ "$(date +%s)" -lt "$deadline" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" && status=0 || status=$?
    echo "first-frame: $1 exited ($status) before showing a window; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ "$(windows)" -gt "$before" ] && [ "$(colours)" -gt 16 ]; then
    framed=yes
    break
  fi
  sleep 0.5
done

if [ $framed = yes ]; then
  sleep 1
  import -window root "$out"
  echo "first-frame: $1 showed its window after $((timeout - (deadline - $(date +%s)))) s;" \
    "screenshot $out ($(identify -format '%wx%h, %k colours' "$out"))"
fi
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ $framed = no ]; then
  echo "first-frame: no frame from $1 within $timeout s; its output:" >&2
  cat "$log" >&2
  exit 1
fi
