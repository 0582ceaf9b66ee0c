#!/usr/bin/python3
"""check-data.py — the desktop integration files hold what CHECKLIST 25–29 ask

    check-data.py metainfo FILE VERSION     appstreamcli validate --no-net with no
                                            warning, and the elements the app store
                                            shows (CHECKLIST 26); newest release VERSION
    check-data.py schema FILE APP_ID        glib-compile-schemas --strict, one schema
                                            at the id's path, every key with summary,
                                            description and a range or choices
                                            (CHECKLIST 27)
    check-data.py potfiles SOURCE_ROOT      po/POTFILES lists every file with
                                            translatable strings and only files;
                                            xgettext extracts from each kind (CHECKLIST 29)

Prints one line per problem and exits 1 if there is any.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True)


def check_metainfo(path, version):
    tool = shutil.which("appstreamcli")
    if tool is None:
        yield "appstreamcli is not installed"
    else:
        r = run([tool, "validate", "--no-net", path])
        if r.returncode != 0:
            yield f"appstreamcli validate failed ({r.returncode}):\n{r.stdout}{r.stderr}"
        for line in r.stdout.splitlines():
            if re.match(r"\s*[WE]:", line):
                yield f"appstreamcli: {line.strip()}"

    root = ET.parse(path).getroot()
    app_id = root.findtext("id")
    if root.get("type") != "desktop-application":
        yield "the component is not a desktop-application"
    for tag in ("name", "summary", "description", "metadata_license", "project_license"):
        if root.find(tag) is None:
            yield f"no <{tag}>"
    launchable = root.find("launchable[@type='desktop-id']")
    if launchable is None or launchable.text != f"{app_id}.desktop":
        yield f"<launchable type=\"desktop-id\"> is not {app_id}.desktop"
    binaries = {b.text for b in root.findall("provides/binary")}
    for b in ("lungscope", "lungscope-cli"):
        if b not in binaries:
            yield f"<provides> lacks <binary>{b}</binary>"
    categories = {c.text for c in root.findall("categories/category")}
    for c in ("Science", "MedicalSoftware"):
        if c not in categories:
            yield f"<categories> lacks {c}"
    if not (root.findtext("developer/name") or root.findtext("developer_name")):
        yield "no developer name"
    rating = root.find("content_rating")
    if rating is None or rating.get("type") != "oars-1.1":
        yield "no <content_rating type=\"oars-1.1\">"
    shots = root.findall("screenshots/screenshot")
    if not shots:
        yield "no screenshots"
    for i, shot in enumerate(shots):
        if not (shot.findtext("caption") or "").strip():
            yield f"screenshot {i + 1} has no caption"
        image = shot.findtext("image") or ""
        if not image.startswith("https://"):
            yield f"screenshot {i + 1}: {image!r} is not an https address"
    if len([s for s in shots if s.get("type") == "default"]) != 1:
        yield "not exactly one default screenshot"
    releases = root.findall("releases/release")
    if not releases:
        yield "no releases"
    elif releases[0].get("version") != version:
        yield (f"the newest release is {releases[0].get('version')}, "
               f"but meson.build says {version}")
    for r in releases:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.get("date", "")):
            yield f"release {r.get('version')} has no date"


def check_schema(path, app_id):
    tool = shutil.which("glib-compile-schemas")
    if tool is None:
        yield "glib-compile-schemas is not installed"
        return
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(path, tmp)
        r = run([tool, "--strict", "--dry-run", tmp])
        if r.returncode != 0 or r.stderr.strip():
            yield f"glib-compile-schemas --strict: {r.stderr.strip()} (exit {r.returncode})"

    root = ET.parse(path).getroot()
    if root.get("gettext-domain") != "lungscope":
        yield "the schemalist has no gettext-domain=\"lungscope\""
    schemas = root.findall("schema")
    if len(schemas) != 1:
        yield f"{len(schemas)} schemas, not one"
        return
    schema = schemas[0]
    want_path = "/" + app_id.replace(".", "/") + "/"
    if schema.get("id") != app_id or schema.get("path") != want_path:
        yield (f"schema {schema.get('id')} at {schema.get('path')}, "
               f"not {app_id} at {want_path}")
    keys = schema.findall("key")
    if not keys:
        yield "no keys"
    for key in keys:
        name, kind = key.get("name"), key.get("type")
        for tag in ("summary", "description"):
            if not (key.findtext(tag) or "").strip():
                yield f"key {name} has no {tag}"
        if kind in ("i", "u", "d", "x", "t", "n", "q", "y") and key.find("range") is None:
            yield f"key {name} ({kind}) has no range"
        # Strings have choices, except those that hold paths.
        if kind == "s" and key.find("choices") is None and "workspace" not in name:
            yield f"key {name} (s) has no choices"
        if key.get("enum") is None and kind is None:
            yield f"key {name} has no type"


TRANSLATABLE = re.compile(r'\b(_|N_|C_|NC_)\s*\(\s*"|translatable="yes"')


def check_potfiles(root):
    potfiles = os.path.join(root, "po", "POTFILES")
    with open(potfiles, encoding="utf-8") as f:
        listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    for p in listed:
        if not os.path.isfile(os.path.join(root, p)):
            yield f"po/POTFILES lists {p}, which does not exist"
    if listed != sorted(listed):
        yield "po/POTFILES is not sorted"

    found = set()
    for top in ("src", "ui"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith((".c", ".h", ".ui")):
                    continue
                full = os.path.join(dirpath, name)
                with open(full, encoding="utf-8", errors="replace") as f:
                    if TRANSLATABLE.search(f.read()):
                        found.add(os.path.relpath(full, root))
    for p in sorted(found - set(listed)):
        yield f"{p} has translatable strings but is not in po/POTFILES"
    for kind in (".desktop.in.in", ".metainfo.xml.in.in", ".gschema.xml.in"):
        if not any(p.endswith(kind) for p in listed):
            yield f"po/POTFILES lists no {kind} file"

    # xgettext as meson's i18n.gettext(preset: 'glib') runs it: a string of
    # each kind of file must reach the template.
    tool = shutil.which("xgettext")
    if tool is None:
        yield "xgettext is not installed"
        return
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "lungscope.pot")
        r = run([tool, "--package-name=lungscope", "-p", tmp, "-D", root,
                 "-f", potfiles, "-o", pot, "--from-code=UTF-8", "--add-comments",
                 "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
                 "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3"])
        if r.returncode != 0:
            yield f"xgettext failed: {r.stderr.strip()}"
            return
        for line in r.stderr.splitlines():
            if "warning" in line:
                yield f"xgettext: {line.strip()}"
        with open(pot, encoding="utf-8") as f:
            text = f.read()
        for kind, msgid in ((".desktop", "Chest X-ray Classifier"),
                            (".metainfo.xml", "Read, label and re-teach a chest X-ray classifier"),
                            (".gschema.xml", "Overlay opacity")):
            if f'msgid "{msgid}"' not in text:
                yield f"the template lacks “{msgid}” from the {kind} file"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    what, args = sys.argv[1], sys.argv[2:]
    if what == "metainfo" and len(args) == 2:
        problems = list(check_metainfo(*args))
    elif what == "schema" and len(args) == 2:
        problems = list(check_schema(*args))
    elif what == "potfiles" and len(args) == 1:
        problems = list(check_potfiles(*args))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"{args[0]}: {p}")
    if not problems:
        print(f"{args[0]}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
