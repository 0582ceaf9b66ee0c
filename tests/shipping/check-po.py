#!/usr/bin/python3
"""check-po.py — every translation in po/LINGUAS is complete for the sources
as they are now (CHECKLIST 29)

    check-po.py BUILD_ROOT SOURCE_ROOT

The template is made anew from po/POTFILES into a temporary folder, with the
xgettext command and arguments of the build's own `lungscope-pot` target
(meson's i18n module, preset glib; read from BUILD_ROOT/build.ninja, so they
cannot drift), and each po/LANG.po is merged into a copy of it as the
`lungscope-update-po` target would (msgmerge). `msgfmt --check --statistics`
on the copy must then report no untranslated and no fuzzy message: a new
string in the sources without a translation fails here, before the pot is
ever regenerated in the tree. Prints the statistics, and what is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile


def pot_command(build_root):
    """The pot target's package name, xgettext and extra arguments."""
    with open(os.path.join(build_root, "build.ninja"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^build meson-internal__(\S+)-pot: CUSTOM_COMMAND.*\n COMMAND = (.*)$", text, re.M)
    if m is None:
        return None
    command = m.group(2)
    fields = dict(re.findall(r"--(pkgname|extra-args|xgettext)=(\S+)", command))
    if "pkgname" not in fields:
        return None
    extra = fields.get("extra-args", "")
    return (fields["pkgname"], fields.get("xgettext", "xgettext"),
            extra.split("@@") if extra else [])


def linguas(po_dir):
    langs = []
    with open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                langs += line.split()
    return langs


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    build_root, source_root = sys.argv[1], os.path.abspath(sys.argv[2])
    po_dir = os.path.join(source_root, "po")
    found = pot_command(build_root)
    if found is None:
        print(f"{build_root}/build.ninja has no *-pot target (i18n.gettext)")
        return 1
    package, xgettext, extra = found
    for tool in ("msgmerge", "msgfmt", "msgattrib"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (gettext)")
            return 1
    langs = linguas(po_dir)
    if not langs:
        print("po/LINGUAS lists no language")
        return 1

    problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, package + ".pot")
        # As meson's gettext script runs it (mesonbuild/scripts/gettext.py).
        r = subprocess.run([xgettext, "--package-name=" + package, "-p", tmp,
                            "-f", os.path.join(po_dir, "POTFILES"), "-D", source_root,
                            "-k_", "-o", pot] + extra, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"xgettext failed ({r.returncode}): {r.stderr.strip()}")
            return 1
        for lang in langs:
            po = os.path.join(po_dir, lang + ".po")
            if not os.path.isfile(po):
                print(f"po/{lang}.po: missing (po/LINGUAS lists {lang})")
                problems += 1
                continue
            merged = os.path.join(tmp, lang + ".po")
            subprocess.run(["msgmerge", "-q", "-o", merged, po, pot], check=True)
            r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, merged],
                               capture_output=True, text=True)
            stats = r.stderr.strip()
            print(f"po/{lang}.po against the sources: {stats}")
            if r.returncode != 0:
                print(f"po/{lang}.po: msgfmt --check failed")
                problems += 1
                continue
            if "untranslated" in stats or "fuzzy" in stats:
                problems += 1
                for what, flag in (("untranslated", "--untranslated"), ("fuzzy", "--only-fuzzy")):
                    r = subprocess.run(["msgattrib", flag, "--no-obsolete", "--no-wrap", merged],
                                       capture_output=True, text=True, check=True)
                    for msgid in re.findall(r'^msgid "(.+)"$', r.stdout, re.M):
                        print(f"po/{lang}.po: {what}: {msgid}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
