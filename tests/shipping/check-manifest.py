#!/usr/bin/python3
"""check-manifest.py — the Flatpak manifest's policy (CHECKLIST 28)

    check-manifest.py MANIFEST.json [--stand-in]

Checks that MANIFEST is valid JSON with the app's id, command and a GNOME
runtime; that every module has sources and every downloaded source its
checksum (sha256 for archives and files, a full commit for git), the app's own
tree being the only "dir" source; that OpenBLAS is built from a release that
knows current CPUs with DYNAMIC_ARCH=1 DYNAMIC_OLDER=1 TARGET=GENERIC; that
finish-args give Wayland with X11 fallback, IPC and DRI, and no network, no
broad filesystem access and no way out of the sandbox; and that
`flatpak-builder --show-manifest` reads it with no warning (offline it exits 0
even on unknown keys). --stand-in checks a manifest made by
flatpak/make-standin-manifest.sh, which has no OpenBLAS module.
Prints one line per problem and exits 1 if there is any.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

APP_ID = "io.github.lungscope.Lungscope"
REQUIRED_ARGS = {"--share=ipc", "--socket=fallback-x11", "--socket=wayland", "--device=dri"}
# Broad access, network, or a way out of the sandbox: files come through the
# FileChooser and drag-and-drop portals.
FORBIDDEN_ARGS = [
    (r"--share=network$", "network access"),
    (r"--socket=x11$", "plain X11 (use --socket=fallback-x11)"),
    (r"--filesystem=(home|host|host-os|host-etc|~|/)(:.*)?$", "broad filesystem access"),
    (r"--filesystem=xdg-(documents|download|pictures|desktop)(/.*)?(:.*)?$",
     "filesystem access the portals make unnecessary"),
    (r"--device=all$", "access to all devices"),
    (r"--talk-name=org\.freedesktop\.Flatpak$", "a way out of the sandbox"),
    (r"--socket=session-bus$|--socket=system-bus$", "the whole bus"),
]
MIN_OPENBLAS = (0, 3, 28)
OPENBLAS_FLAGS = ["DYNAMIC_ARCH=1", "DYNAMIC_OLDER=1", "TARGET=GENERIC"]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    stand_in = "--stand-in" in sys.argv[1:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    path = args[0]
    problems = []

    def problem(text):
        problems.append(f"{path}: {text}")

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: not a JSON manifest: {e}")
        return 1
    if not isinstance(manifest, dict):
        print(f"{path}: not a JSON object")
        return 1

    app_id = manifest.get("id", manifest.get("app-id"))
    if app_id != APP_ID:
        problem(f"id is {app_id!r}, not {APP_ID!r}")
    if "app-id" in manifest:
        problem("uses the deprecated key app-id (use id)")
    if manifest.get("command") != "lungscope":
        problem(f"command is {manifest.get('command')!r}, not 'lungscope'")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        problem("runtime and sdk are not org.gnome.Platform and org.gnome.Sdk")
    if not re.fullmatch(r"[0-9]+", str(manifest.get("runtime-version", ""))):
        problem(f"runtime-version {manifest.get('runtime-version')!r} is not a GNOME release")

    finish = manifest.get("finish-args", [])
    for arg in sorted(REQUIRED_ARGS - set(finish)):
        problem(f"finish-args lack {arg}")
    for arg in finish:
        for pattern, why in FORBIDDEN_ARGS:
            if re.match(pattern, arg):
                problem(f"finish-args: {arg} gives {why}")

    modules = manifest.get("modules", [])
    if not modules:
        problem("no modules")
    names = []
    for module in walk(modules):
        if not isinstance(module, dict):
            problem(f"module {module!r} is a file reference (keep modules inline)")
            continue
        name = module.get("name", "?")
        names.append(name)
        sources = module.get("sources", [])
        if not sources:
            problem(f"module {name} has no sources")
        for i, source in enumerate(sources):
            for text in check_source(source, name == "lungscope"):
                problem(f"module {name}, source {i}: {text}")
        if name == "openblas":
            problems.extend(f"{path}: {t}" for t in check_openblas(module))
    if not names or names[-1] != "lungscope":
        problem("the last module is not lungscope (the app)")
    else:
        app = modules[-1]
        if app.get("buildsystem") != "meson":
            problem("the app is not built with meson")
        if not app.get("run-tests"):
            problem("the app's tests are not run (run-tests)")
    if not stand_in and "openblas" not in names:
        problem("no openblas module (the runtime's OpenBLAS may not know current CPUs)")
    if stand_in and "openblas" in names:
        problem("the stand-in manifest still has the openblas module")

    problems.extend(f"{path}: {t}" for t in show_manifest(path))

    for p in problems:
        print(p)
    if not problems:
        print(f"{path}: ok ({len(names)} modules: {', '.join(names)})")
    return 1 if problems else 0


def walk(modules):
    for module in modules:
        yield module
        if isinstance(module, dict):
            yield from walk(module.get("modules", []))


def check_source(source, is_app):
    kind = source.get("type")
    if kind in ("archive", "file"):
        if "url" in source:
            if not re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")):
                yield f"{kind} {source['url']} has no sha256"
            if not source["url"].startswith("https://"):
                yield f"{source['url']} is not https"
        elif "path" not in source:
            yield f"{kind} source has neither url nor path"
    elif kind == "git":
        if not re.fullmatch(r"[0-9a-f]{40}", source.get("commit", "")):
            yield f"git {source.get('url')} is not pinned to a full commit"
    elif kind == "dir":
        if not is_app:
            yield "only the app itself may be built from a local folder"
    elif kind in ("patch", "script", "shell", "inline"):
        if "url" in source:
            yield f"{kind} sources are local files, not downloads"
    else:
        yield f"source type {kind!r} is not one this policy knows"


def check_openblas(module):
    urls = [s.get("url", "") for s in module.get("sources", [])]
    version = None
    for url in urls:
        m = re.search(r"OpenBLAS-([0-9]+)\.([0-9]+)\.([0-9]+)\.tar\.gz$", url)
        if m:
            version = tuple(int(x) for x in m.groups())
    if version is None:
        yield "openblas is not built from a release tarball (OpenBLAS-X.Y.Z.tar.gz)"
    elif version < MIN_OPENBLAS:
        yield (f"OpenBLAS {'.'.join(map(str, version))} is older than "
               f"{'.'.join(map(str, MIN_OPENBLAS))} (it does not know current CPUs)")
    commands = " ".join(module.get("build-commands", []) + module.get("make-args", []))
    for flag in OPENBLAS_FLAGS:
        if flag not in commands.split():
            yield f"openblas is not built with {flag}"


def show_manifest(path):
    builder = shutil.which("flatpak-builder")
    if builder is None:
        yield "flatpak-builder is not installed (scripts/install-deps.sh installs it)"
        return
    # In a scratch folder: flatpak-builder leaves a .flatpak-builder folder behind.
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run([builder, "--show-manifest", os.path.abspath(path)],
                             capture_output=True, text=True, cwd=scratch)
    if run.returncode != 0:
        yield f"flatpak-builder --show-manifest failed ({run.returncode}): {run.stderr.strip()}"
    for line in run.stderr.splitlines():
        if line.strip():
            yield f"flatpak-builder --show-manifest: {line.strip()}"
    if run.returncode == 0:
        try:
            json.loads(run.stdout)
        except ValueError as e:
            yield f"flatpak-builder --show-manifest printed no manifest: {e}"


if __name__ == "__main__":
    sys.exit(main())
