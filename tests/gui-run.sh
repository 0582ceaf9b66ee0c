#!/bin/sh
# Runs one GUI test program under its own private session bus and X server,
# so GUI tests need no display or bus from the caller (CHECKLIST item 20).
set -e
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$@"
