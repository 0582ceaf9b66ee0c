#!/usr/bin/python3
# metrics_ref.py — checks src/pipeline/metrics.c against an independent
# numpy implementation of the scikit-learn definitions.
#
# sklearn is not installed here, so the formulas are written out:
#   precision/recall/F1 as precision_recall_fscore_support(labels=range(k),
#   zero_division=0); ROC AUC as roc_curve + trapezoidal auc (sklearn's own
#   route, not the rank formula the C code uses); ECE as Guo et al.'s
#   reference loop over np.linspace bins with (lower, upper]; log_loss with
#   eps 1e-15; multi-class Brier.
#
# Usage: metrics_ref.py METRICS_REF_TOOL   (exit 77 when numpy is missing)
#
# Copyright 2026 The Lungscope developers
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipping")
    sys.exit(77)

TOL = 1e-9


def roc_auc(scores, positive):
    """sklearn.metrics.roc_auc_score for one binary problem: the ROC curve
    at every distinct threshold, then the trapezoidal area."""
    if positive.all() or not positive.any():
        return None
    order = np.argsort(-scores, kind="mergesort")
    s = scores[order]
    y = positive[order].astype(np.float64)
    distinct = np.where(np.diff(s))[0]
    idx = np.r_[distinct, y.size - 1]
    tps = np.cumsum(y)[idx]
    fps = 1 + idx - tps
    tpr = np.r_[0, tps] / tps[-1]
    fpr = np.r_[0, fps] / fps[-1]
    return float(np.trapz(tpr, fpr))


def reference(probs, labels, sources, k, n_bins):
    n = len(labels)
    p = probs.astype(np.float64)
    pred = np.argmax(probs, axis=1)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (labels, pred), 1)
    tp = np.diag(cm).astype(np.float64)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    aucs = [roc_auc(p[:, c], labels == c) for c in range(k)]
    defined = [a for a in aucs if a is not None]

    conf = p.max(axis=1)
    correct = pred == labels
    edges = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    bins = []
    for lower, upper in zip(edges[:-1], edges[1:]):
        in_bin = (conf > lower) & (conf <= upper)
        cnt = int(in_bin.sum())
        if cnt:
            acc_b = correct[in_bin].mean()
            conf_b = conf[in_bin].mean()
            ece += abs(acc_b - conf_b) * cnt / n
            bins.append((cnt, conf_b, acc_b))
        else:
            bins.append((0, 0.0, 0.0))

    onehot = np.eye(k)[labels]
    nll = float(-np.mean(np.log(np.clip(p[np.arange(n), labels], 1e-15, 1))))
    brier = float(np.mean(np.sum((p - onehot) ** 2, axis=1)))

    src = None
    if sources is not None:
        names = ["" if s is None else s for s in sources]
        src = {}
        for name in sorted(set(names)):
            mask = np.array([x == name for x in names])
            src[name] = (int(mask.sum()), float(correct[mask].mean()))

    return {
        "accuracy": float(correct.mean()),
        "confusion": cm.tolist(),
        "precision": precision, "recall": recall, "f1": f1,
        "support": cm.sum(axis=1).tolist(),
        "macro": (precision.mean(), recall.mean(), f1.mean(),
                  float(np.mean(defined)) if defined else None),
        "auc": aucs, "ece": ece, "bins": bins, "nll": nll, "brier": brier,
        "sources": src,
    }


def close(a, b, what, failures):
    if a is None or b is None:
        if a is not b:
            failures.append(f"{what}: {a!r} vs reference {b!r}")
        return
    if abs(a - b) > TOL * max(1.0, abs(b)):
        failures.append(f"{what}: {a!r} vs reference {b!r}")


def compare(case, got, ref, k, failures):
    c = lambda a, b, w: close(a, b, f"{case}: {w}", failures)
    c(got["accuracy"], ref["accuracy"], "accuracy")
    if got["confusion_matrix"] != ref["confusion"]:
        failures.append(f"{case}: confusion {got['confusion_matrix']} vs {ref['confusion']}")
    for i in range(k):
        pc = got["per_class"][i]
        c(pc["precision"], float(ref["precision"][i]), f"precision[{i}]")
        c(pc["recall"], float(ref["recall"][i]), f"recall[{i}]")
        c(pc["f1"], float(ref["f1"][i]), f"f1[{i}]")
        c(pc["auc"], ref["auc"][i], f"auc[{i}]")
        if pc["support"] != ref["support"][i]:
            failures.append(f"{case}: support[{i}]")
    for name, r in zip(("precision", "recall", "f1", "auc"), ref["macro"]):
        c(got["macro"][name], None if r is None else float(r), f"macro {name}")
    c(got["ece"], ref["ece"], "ece")
    for b, (cnt, conf, acc) in enumerate(ref["bins"]):
        gb = got["reliability"][b]
        if gb["count"] != cnt:
            failures.append(f"{case}: bin {b} count {gb['count']} vs reference {cnt}")
        c(gb["confidence"], float(conf), f"bin {b} confidence")
        c(gb["accuracy"], float(acc), f"bin {b} accuracy")
    c(got["nll"], ref["nll"], "nll")
    c(got["brier"], ref["brier"], "brier")
    if ref["sources"] is not None:
        gs = {s["source"]: (s["count"], s["accuracy"]) for s in got.get("sources", [])}
        if sorted(gs) != sorted(ref["sources"]):
            failures.append(f"{case}: sources {sorted(gs)} vs {sorted(ref['sources'])}")
        for name, (cnt, acc) in ref["sources"].items():
            if name in gs:
                if gs[name][0] != cnt:
                    failures.append(f"{case}: source {name!r} count")
                c(gs[name][1], acc, f"source {name!r} accuracy")


def make_case(rng, n, k, quantum, absent, with_sources):
    labels = rng.integers(0, k, size=n)
    if absent is not None:
        labels[labels == absent] = (absent + 1) % k
    alpha = np.ones(k)
    raw = rng.dirichlet(alpha, size=n) + 0.8 * np.eye(k)[labels] * rng.random((n, 1))
    raw /= raw.sum(axis=1, keepdims=True)
    if quantum:
        # coarse probabilities: many tied scores and arg-max ties
        raw = np.round(raw / quantum) * quantum
        raw[:, -1] = np.clip(1 - raw[:, :-1].sum(axis=1), 0, None)
        raw /= raw.sum(axis=1, keepdims=True)
    probs = raw.astype(np.float32)
    sources = None
    if with_sources:
        pool = ["siteA", "siteB", "scanner-3", None]
        sources = [pool[i] for i in rng.integers(0, len(pool), size=n)]
    return probs, labels, sources


def edge_case():
    # two classes, probabilities on the edges of 4 bins (exact in binary)
    values = np.array([0.5, 0.75, 1.0, 0.25, 0.0, 0.5, 0.75, 1.0])
    probs = np.stack([values, 1 - values], axis=1).astype(np.float32)
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1])
    return probs, labels, None


def main():
    tool = sys.argv[1]
    rng = np.random.default_rng(20261126)
    cases = [
        ("k3-n500", *make_case(rng, 500, 3, None, None, True), 15),
        ("k3-n300-ties", *make_case(rng, 300, 3, 0.05, None, False), 15),
        ("k2-n200-ties", *make_case(rng, 200, 2, 0.1, None, True), 15),
        ("k5-n1000", *make_case(rng, 1000, 5, None, None, False), 15),
        ("k4-n150-absent", *make_case(rng, 150, 4, 0.05, 2, False), 10),
        ("k3-n7", *make_case(rng, 7, 3, 0.25, None, True), 15),
        ("k2-edges", *edge_case(), 4),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, probs, labels, sources, n_bins in cases:
            n, k = probs.shape
            path = os.path.join(tmp, name + ".txt")
            with open(path, "w") as f:
                f.write(f"{n} {k} {n_bins}\n")
                for i in range(n):
                    src = "-" if sources is None or sources[i] is None else sources[i]
                    row = " ".join(repr(float(v)) for v in probs[i])
                    f.write(f"{labels[i]} {src} {row}\n")
            out = subprocess.run([tool, path], capture_output=True, text=True)
            if out.returncode != 0:
                failures.append(f"{name}: tool failed: {out.stderr.strip()}")
                continue
            got = json.loads(out.stdout)
            ref = reference(probs, labels, sources, k, n_bins)
            before = len(failures)
            compare(name, got, ref, k, failures)
            print(f"{name}: n={n} k={k} accuracy={ref['accuracy']:.4f} "
                  f"macro AUC={ref['macro'][3]} ECE={ref['ece']:.6f} "
                  f"{'ok' if len(failures) == before else 'MISMATCH'}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
