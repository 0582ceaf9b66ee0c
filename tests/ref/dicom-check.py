#!/usr/bin/python3
# dicom-check.py — DICOM in, end to end through lungscope-cli, on DICOM files
# made here from real radiographs of $LS_SHARED_DATA/cxr-real (see
# dicom_fixtures.py; nothing is written outside a temporary folder):
#
#  - predict --json on each encoding (MONOCHROME2 16-bit with rescale and
#    window, the same pixels as MONOCHROME1, 12-bit signed, implicit VR,
#    JPEG-LS, JPEG 2000, JPEG lossless, RLE, deflated, no preamble, no
#    "DICM", no extension) equals predict on the PNG of the same displayed
#    pixels: probabilities within 1e-4 and the OOD score within 1e-3;
#  - predict on a folder finds .dcm and extension-less DICOM files;
#  - import takes the Patient ID as the image's patient and keeps modality,
#    view position and pixel spacing; the split groups by it; a lateral view
#    and a CT are warned about;
#  - the planted patient name, birth date and accession number appear in no
#    output: predict's JSON, every command's stdout and stderr, the PDF
#    report's text (pdftotext) and the workspace database;
#  - hostile files (truncated, lying lengths, pixel data shorter than its
#    header, huge Rows x Columns, multi-frame) are refused with exit 1 and
#    one line naming the file.
#
# Built without DICOM (LS_HAVE_DICOM=0): a DICOM file gets exit 1 and one
# "built without DICOM support" line.
#
#   /usr/bin/python3 tests/ref/dicom-check.py HAVE_DICOM
#
# Exit 0 pass, 1 fail, 77 skip (no pydicom/numpy/PIL, gdcmconv or cxr-real).
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from PIL import Image
    import dicom_fixtures as F
except ImportError as e:
    print("SKIP: %s (Debian: python3-pydicom python3-numpy python3-pil)" % e)
    sys.exit(77)

CLI = os.environ.get("LS_CLI", "lungscope-cli")
failures = []


def check(ok, what):
    print(("ok: " if ok else "not ok: ") + what)
    if not ok:
        failures.append(what)


def run(*args, cwd=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd)


def pick_images(folder):
    """One image per class folder, the first by name: deterministic."""
    out = []
    for cls in ("normal", "pneumonia", "covid"):
        names = sorted(os.listdir(os.path.join(folder, cls)))
        out.append(os.path.join(folder, cls, names[0]))
    return out


def predictions(paths, extra=()):
    r = run(*extra, "predict", "--json", *paths)
    doc = json.loads(r.stdout)
    return r, {p["file"]: p for p in doc["predictions"]}, doc


def one_line_refusal(path, expect):
    r = run("predict", path)
    name = os.path.basename(path)
    lines = [l for l in r.stderr.splitlines() if "could not be predicted" not in l]
    check(r.returncode == 1 and len(lines) == 1 and path in lines[0] and expect in lines[0],
          "%s refused with exit 1 and one line containing %r (exit %d: %s)"
          % (name, expect, r.returncode, " | ".join(lines)))


def hostile(tmp):
    p = np.zeros((64, 64), np.uint8)
    base = os.path.join(tmp, "h-base.dcm")
    F.write(F.dataset(F.stored_mono2(p)), base)
    data = open(base, "rb").read()
    i = data.rfind(b"\xe0\x7f\x10\x00OW")
    cases = []

    def put(name, content, expect):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(content)
        cases.append((path, expect))

    put("h-truncated.dcm", data[:len(data) * 6 // 10], "claims 8192 bytes")
    put("h-lying-pixels.dcm", data[:i + 8] + struct.pack("<I", 0xFFFFFFF0) + data[i + 12:],
        "claims 4294967280 bytes")
    private = (struct.pack("<HH", 0x0029, 0x0010) + b"LO" + struct.pack("<H", 4) + b"ACME"
               + struct.pack("<HH", 0x0029, 0x1001) + b"OB\0\0" + struct.pack("<I", 0xFFFFFFF0))
    put("h-lying-element.dcm", data[:i] + private + data[i:], "claims 4294967280 bytes")
    put("h-meta-only.dcm", data[:i], "")
    ds = F.dataset(F.stored_mono2(p))
    ds.Rows = 128
    F.write(ds, os.path.join(tmp, "h-short.dcm"))
    cases.append((os.path.join(tmp, "h-short.dcm"), "shorter than the 16384"))
    ds = F.dataset(F.stored_mono2(p))
    ds.Rows = ds.Columns = 65535
    F.write(ds, os.path.join(tmp, "h-huge.dcm"))
    cases.append((os.path.join(tmp, "h-huge.dcm"), "over the limit"))
    ds = F.dataset(np.stack([F.stored_mono2(p)] * 2), frames=2)
    F.write(ds, os.path.join(tmp, "h-multiframe.dcm"))
    cases.append((os.path.join(tmp, "h-multiframe.dcm"), "multi-frame"))
    for path, expect in cases:
        one_line_refusal(path, expect)


def main():
    have_dicom = sys.argv[1] == "1"
    shared = os.environ.get("LS_SHARED_DATA", "")
    folder = os.path.join(shared, "cxr-real")
    tmp = tempfile.mkdtemp(prefix="ls-dicom-")
    try:
        if not have_dicom:
            path = os.path.join(tmp, "x.dcm")
            F.write(F.dataset(F.stored_mono2(np.zeros((8, 8), np.uint8))), path)
            one_line_refusal(path, "built without DICOM support")
            return
        why = F.have_tools()
        if why is not None:
            print("SKIP: " + why)
            sys.exit(77)
        if not os.path.isdir(folder):
            print("SKIP: %s not found" % folder)
            sys.exit(77)
        hostile(tmp)
        sets = []
        for k, src in enumerate(pick_images(folder)):
            p = F.gray8(src)
            png = os.path.join(tmp, "img%d.png" % k)
            Image.fromarray(p).save(png)
            sets.append((png, F.make_set(p, tmp, "img%d" % k, patient_id="PID-%d" % (k // 2))))

        # Every encoding predicts as the PNG of its displayed pixels.
        paths = [png for png, _ in sets] + [f for _, fs in sets for f in fs.values()]
        r, preds, doc = predictions(paths)
        check(r.returncode == 0, "predict on %d files exits 0 (%s)" % (len(paths), r.stderr.strip()))
        for png, fs in sets:
            ref = preds[png]
            for kind, f in fs.items():
                got = preds.get(f)
                if got is None:
                    check(False, "%s predicted" % os.path.basename(f))
                    continue
                dp = max(abs(got["probabilities"][c] - ref["probabilities"][c]) for c in ref["probabilities"])
                do = abs(got["ood_score"] - ref["ood_score"])
                check(dp <= 1e-4 and do <= 1e-3 and got["width"] == ref["width"],
                      "%s (%s) predicts as its PNG: |dp| %.2e, |d ood| %.2e"
                      % (os.path.basename(f), kind, dp, do))
            check(json.dumps(preds[fs["mono1"]]["probabilities"]) == json.dumps(preds[fs["mono2"]]["probabilities"]),
                  "%s: MONOCHROME1 equals MONOCHROME2" % os.path.basename(fs["mono1"]))
        outputs = [r.stdout, r.stderr]

        # A folder: .dcm and extension-less DICOM files are found.
        walk = os.path.join(tmp, "walk")
        os.mkdir(walk)
        shutil.copy(sets[0][1]["mono2"], os.path.join(walk, "a.dcm"))
        shutil.copy(sets[0][1]["mono2"], os.path.join(walk, "IM000001"))
        with open(os.path.join(walk, "README"), "w") as f:
            f.write("not an image\n")
        r, preds_walk, _ = predictions([walk])
        check(sorted(os.path.basename(k) for k in preds_walk) == ["IM000001", "a.dcm"],
              "predict on a folder finds a.dcm and IM000001 (%s)" % sorted(preds_walk))

        # Import: patient id, facts, warnings, split grouping.
        src = os.path.join(tmp, "import")
        os.makedirs(src)
        for k, (_, fs) in enumerate(sets):
            shutil.copy(fs["jpegls"], os.path.join(src, "scan%d.dcm" % k))
        shutil.copy(sets[0][1]["noextension"], os.path.join(src, "IM0001"))
        lateral = os.path.join(src, "lateral.dcm")
        F.write(F.dataset(F.stored_mono2(F.gray8(pick_images(folder)[0])[::2, ::2]),
                          patient_id="PID-9", view="LL"), lateral)
        ct = os.path.join(src, "ct.dcm")
        F.write(F.dataset(F.stored_mono2(F.gray8(pick_images(folder)[1])[::2, ::2]),
                          patient_id="PID-9", modality="CT"), ct)
        ws = os.path.join(tmp, "ws.lungscope")
        r = run("-w", ws, "import", "--unlabelled", src)
        outputs += [r.stdout, r.stderr]
        check(r.returncode == 0, "import exits 0 (%s)" % r.stderr.strip())
        check("warning\t" in r.stdout and "lateral view" in r.stdout and "modality CT" in r.stdout,
              "import warns about the lateral view and the CT")
        r = run("-w", ws, "split", "--seed", "3")
        outputs += [r.stdout, r.stderr]
        check(r.returncode == 0, "split exits 0 (%s)" % r.stderr.strip())
        db = sqlite3.connect(os.path.join(ws, "lungscope.db"))
        rows = db.execute("SELECT i.original_name, i.patient, i.modality, i.view_position, "
                          "i.pixel_spacing_row, s.group_key, s.part FROM images i "
                          "JOIN split s ON s.image_id = i.id ORDER BY i.original_name").fetchall()
        db.close()
        by = {r[0]: r for r in rows}
        check(by["scan0.dcm"][1] == "PID-0" and by["scan1.dcm"][1] == "PID-0"
              and by["scan2.dcm"][1] == "PID-1",
              "the Patient ID is the image's patient (%s)" % [(r[0], r[1]) for r in rows])
        check(by["scan0.dcm"][5] == by["scan1.dcm"][5] == "patient:PID-0"
              and by["scan0.dcm"][6] == by["scan1.dcm"][6],
              "one patient's images share a group and a part (%s)" % [(r[0], r[5], r[6]) for r in rows])
        check(by["lateral.dcm"][3] == "LL" and by["ct.dcm"][2] == "CT" and by["scan0.dcm"][2] == "DX"
              and abs(by["scan0.dcm"][4] - 0.139) < 1e-9,
              "modality, view position and pixel spacing kept")

        r, _, _ = predictions([src], extra=("-w", ws))
        outputs += [r.stdout, r.stderr]
        check("lateral view" in r.stderr and "modality CT" in r.stderr,
              "predict warns about the lateral view and the CT")
        pdf = os.path.join(tmp, "report.pdf")
        r = run("report", sets[0][1]["mono1"], "--out", pdf)
        outputs += [r.stdout, r.stderr]
        check(r.returncode == 0, "report exits 0 (%s)" % r.stderr.strip())
        if shutil.which("pdftotext") is not None and os.path.exists(pdf):
            text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
            check("Lungscope" in text or len(text) > 50, "the report has text")
            outputs.append(text)
        else:
            print("note: pdftotext not found; the PDF text is not checked")

        # No identifying tag anywhere.
        stored = b""
        for name in os.listdir(ws):
            if name.startswith("lungscope.db"):
                with open(os.path.join(ws, name), "rb") as f:
                    stored += f.read()
        for secret in (F.PLANTED_NAME, F.PLANTED_NAME.split("^")[0], F.PLANTED_BIRTH, F.PLANTED_ACCESSION):
            leaked = [k for k, o in enumerate(outputs) if secret in o]
            check(not leaked and secret.encode() not in stored,
                  "%r appears in no output and not in the database" % secret)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all DICOM checks passed")
