"""Matching quality and speed, against plain rapidfuzz baselines run side by side.

    .venv/bin/python bench/bench_matching.py            # everything (a few minutes)
    .venv/bin/python bench/bench_matching.py --scale    # only 10k x 100k time and memory
    .venv/bin/python bench/bench_matching.py --before COMMIT   # also that commit's matchkit,
                                                    # side by side (summary and scale runs)

Quality: top-1 precision/recall/F1 on the *report* halves of the labelled sets (the score was
fitted on the other halves, see calibrate_matching.py), on generated MSP sets, and on the demo
seed (data/seed/truth.json, never used for fitting). Baselines: rapidfuzz WRatio and
token_set_ratio top-1 over the raw names (default processor), at the best threshold chosen in
hindsight, which flatters them. Figures are measured on every run, nothing is hard-coded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _gen_msp import customers
from _sets import LabelledSet, audit_verdicts, judged, labelled_sets
from rapidfuzz import fuzz, process, utils

from matchkit.matching import AUTO_ACCEPT, auto_accepted, match_frames

THRESHOLDS = (30.0, 50.0, 70.0, 90.0)


def prf(pairs: list[tuple[str, str]], truth: pd.DataFrame) -> tuple[float, float, float, int]:
    true = set(zip(truth["left_id"].astype(str), truth["right_id"].astype(str), strict=True))
    n_true_left = truth["left_id"].nunique()
    correct = sum((a, b) in true for a, b in pairs)
    p = correct / len(pairs) if pairs else 1.0
    r = correct / n_true_left if n_true_left else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, len(pairs)


def best_over_thresholds(lid: list[str], rid: list[str], score: np.ndarray,
                         truth: pd.DataFrame) -> tuple[float, float, float, float]:
    best = (0.0, 0.0, 0.0, 0.0)
    for t in range(0, 101, 2):
        keep = score >= t
        p, r, f, _ = prf([(a, b) for a, b, k in zip(lid, rid, keep, strict=True) if k], truth)
        if f > best[2]:
            best = (p, r, f, float(t))
    return best


def baseline(ls: LabelledSet, scorer: Any) -> tuple[float, float, float, float]:
    left = ls.left["name"].astype(str).tolist()
    right = ls.right["name"].astype(str).tolist()
    rid = ls.right["id"].astype(str).to_numpy()
    best_j = np.empty(len(left), dtype=np.int64)
    best_s = np.empty(len(left), dtype=np.float64)
    for s in range(0, len(left), 500):
        m = process.cdist(left[s:s + 500], right, scorer=scorer, processor=utils.default_process,
                          workers=-1, dtype=np.uint8)
        best_j[s:s + 500] = m.argmax(axis=1)
        best_s[s:s + 500] = m.max(axis=1)
    return best_over_thresholds(ls.left["id"].astype(str).tolist(), list(rid[best_j]), best_s,
                                ls.truth)


def quality() -> None:
    print("== top-1 quality (report halves; demo seed whole) ==")
    head = (f"{'set':34} {'method':22} {'P':>6} {'R':>6} {'F1':>6}  {'at':>5}")
    print(head)
    calib: list[pd.DataFrame] = []
    verdicts = audit_verdicts()
    for full in labelled_sets():
        ls = full if full.name.startswith("demo_seed") else full.half("report")
        t0 = time.perf_counter()
        m = match_frames(ls.left, ls.right, ls.kind, top=5, threshold=0)
        took = time.perf_counter() - t0
        top1 = m[m["proposed"]]
        true = set(zip(ls.truth["left_id"].astype(str), ls.truth["right_id"].astype(str),
                       strict=True))
        top1 = top1.assign(ok=[(a, b) in true for a, b in zip(top1["left_id"],
                                                                top1["right_id"], strict=True)])
        calib.append(top1[["score", "ok"]])
        rows: list[tuple[str, tuple[float, float, float, float]]] = []
        for t in THRESHOLDS:
            sel = top1[top1["score"] >= t]
            p, r, f, _ = prf(list(zip(sel["left_id"], sel["right_id"], strict=True)), ls.truth)
            rows.append((f"matchkit >= {t:g}", (p, r, f, t)))
        rows.append(("matchkit best-in-hindsight", best_over_thresholds(
            top1["left_id"].tolist(), top1["right_id"].tolist(), top1["score"].to_numpy(),
            ls.truth)))
        auto = auto_accepted(m)
        p, r, f, n = prf(list(zip(auto["left_id"], auto["right_id"], strict=True)), ls.truth)
        rows.append((f"matchkit AUTO_ACCEPT({n})", (p, r, f, AUTO_ACCEPT)))
        if ls.kind == "products":
            # the score-only rule (the customers' one), for comparison with the products' one
            old = auto_accepted(m, kind="customers")
            p, r, f, n = prf(list(zip(old["left_id"], old["right_id"], strict=True)), ls.truth)
            rows.append((f"  score-only rule({n})", (p, r, f, AUTO_ACCEPT)))
            # the rule first proposed: no pair that rests on the name alone (method fuzzy)
            named = old[old["method"] != "fuzzy"]
            p, r, f, n = prf(list(zip(named["left_id"], named["right_id"], strict=True)),
                             ls.truth)
            rows.append((f"  not-fuzzy rule({n})", (p, r, f, AUTO_ACCEPT)))
        # auto-accepts of left rows the truth file lists a match for: where a "wrong" one
        # is wrong by the truth, not merely absent from it (Walmart-Amazon lists few rows)
        labelled = auto[auto["left_id"].isin(set(ls.truth["left_id"].astype(str)))]
        p, r, f, n = prf(list(zip(labelled["left_id"], labelled["right_id"], strict=True)),
                         ls.truth)
        rows.append((f"  of labelled rows({n})", (p, r, f, AUTO_ACCEPT)))
        if ls.kind == "products" and not ls.name.startswith(("demo", "msp")):
            # the truth plus a person's reading of the pairs it does not list
            # (bench/audit/): same counts right; different, unsure, unaudited wrong
            pairs = list(zip(auto["left_id"], auto["right_id"], strict=True))
            ok, missing = judged(ls, pairs, verdicts)
            p = ok / len(pairs) if pairs else 1.0
            rows.append((f"  truth+audit({len(pairs)},{missing}?)",
                         (p, float("nan"), float("nan"), AUTO_ACCEPT)))
        rows.append(("rapidfuzz WRatio (best)", baseline(ls, fuzz.WRatio)))
        rows.append(("rapidfuzz token_set (best)", baseline(ls, fuzz.token_set_ratio)))
        label = f"{ls.name} ({len(ls.left)}x{len(ls.right)}, {took:.1f}s)"
        for k, (name, (p, r, f, t)) in enumerate(rows):
            print(f"{label if k == 0 else '':34} {name:26} {p:6.3f} {r:6.3f} {f:6.3f} {t:5.0f}")
    c = pd.concat(calib)
    c["bin"] = pd.cut(c["score"], [0, 10, 30, 50, 70, 80, 90, 95, 99, 100.01], right=False)
    table = c.groupby("bin", observed=True).agg(n=("ok", "size"), mean_score=("score", "mean"),
                                                 share_right=("ok", "mean"))
    print("\n== calibration of the proposed pairs, all report halves pooled ==")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))


def scale_once(n_left: int, n_right: int) -> dict[str, float]:
    left, right, truth = customers(n_left, n_right, seed=3)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    m = match_frames(left, right, "customers", top=5)
    took = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _, _, f, _ = prf(list(zip(m.loc[m["proposed"], "left_id"], m.loc[m["proposed"], "right_id"],
                              strict=True)), truth)
    return {"left": n_left, "right": len(right), "seconds": round(took, 2),
            "peak_rss_mb": round(rss1, 1), "rss_before_mb": round(rss0, 1),
            "rows_out": len(m), "top1_f1": round(f, 3)}


def summary() -> dict[str, dict[str, float]]:
    """Per set: top-1 F1 at the default threshold and best in hindsight, and the count and
    precision (by the truth) of the auto-accepts: what --before compares."""
    out: dict[str, dict[str, float]] = {}
    for full in labelled_sets():
        ls = full if full.name.startswith("demo_seed") else full.half("report")
        m = match_frames(ls.left, ls.right, ls.kind, top=5, threshold=0)
        top1 = m[m["proposed"]]
        at30 = top1[top1["score"] >= 30]
        _, _, f30, _ = prf(list(zip(at30["left_id"], at30["right_id"], strict=True)), ls.truth)
        best = best_over_thresholds(top1["left_id"].tolist(), top1["right_id"].tolist(),
                                    top1["score"].to_numpy(), ls.truth)
        auto = auto_accepted(m)
        p, r, _, n = prf(list(zip(auto["left_id"], auto["right_id"], strict=True)), ls.truth)
        out[ls.name] = {"f1_30": f30, "f1_best": best[2], "auto_n": n, "auto_p": p,
                        "auto_r": r}
    return out


def _child(flag: str, code: Path | None) -> dict[str, Any]:
    """Run this script with ``flag`` in a fresh process (its own peak memory), on the
    matchkit in ``code`` (another commit's) or this checkout's."""
    env = dict(os.environ)
    env.pop("MATCHKIT_BENCH_CODE", None)
    if code is not None:
        env["MATCHKIT_BENCH_CODE"] = str(code)
    out = subprocess.run([sys.executable, str(Path(__file__)), flag], env=env,
                         capture_output=True, text=True, check=True)
    res: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return res


def _scale_line(res: dict[str, Any]) -> str:
    return (f"time {res['seconds']} s; peak RSS {res['peak_rss_mb']} MB "
            f"(of which {res['rss_before_mb']} MB before matching); {res['rows_out']} rows "
            f"out; top-1 F1 {res['top1_f1']} (generated; {res['right']} right rows)")


def scale(before: tuple[str, Path] | None = None, rounds: int = 3) -> None:
    print("\n== scale: 10,000 Atera customers x 100,000 Xero contacts, top-5 with evidence ==")
    if before is None:
        print(_scale_line(_child("--scale-child", None)))
        return
    # alternate the two versions so that a busy spell on the machine hits both alike
    for k in range(rounds):
        print(f"round {k + 1}: now    {_scale_line(_child('--scale-child', None))}")
        print(f"round {k + 1}: {before[0][:7]} "
              f"{_scale_line(_child('--scale-child', before[1]))}")


def compare(before: tuple[str, Path]) -> None:
    now, then = _child("--summary-child", None), _child("--summary-child", before[1])
    print(f"\n== this checkout vs {before[0]} (report halves; demo seed whole) ==")
    print(f"{'set':34} {'F1@30':>13} {'F1 best':>13} {'auto-accepts (P by truth)':>34}")
    for name, a in now.items():
        b = then.get(name)
        if b is None:
            continue
        print(f"{name:34} {b['f1_30']:.3f}->{a['f1_30']:.3f}  {b['f1_best']:.3f}->"
              f"{a['f1_best']:.3f}  {int(b['auto_n']):5d} ({b['auto_p']:.3f}) -> "
              f"{int(a['auto_n']):5d} ({a['auto_p']:.3f})")


def _export(commit: str, into: Path) -> Path:
    """``commit``'s matchkit/ package, unpacked into ``into``."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(root), "archive", commit, "matchkit"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--before", metavar="COMMIT", default=None)
    ap.add_argument("--scale-child", action="store_true")
    ap.add_argument("--summary-child", action="store_true")
    a = ap.parse_args()
    if a.scale_child:
        print(json.dumps(scale_once(10_000, 95_000)))
        return
    if a.summary_child:
        print(json.dumps(summary()))
        return
    with tempfile.TemporaryDirectory(prefix="mk-bench-before-") as tmp:
        before = (a.before, _export(a.before, Path(tmp))) if a.before else None
        if not a.scale:
            quality()
            if before is not None:
                compare(before)
        scale(before)


if __name__ == "__main__":
    main()
