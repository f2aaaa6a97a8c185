"""Fit the matching score (a logistic model over pair features) on the *tune* halves.

    .venv/bin/python bench/calibrate_matching.py
    .venv/bin/python bench/calibrate_matching.py --isotonic   # would a remap help? (measures)

Prints the ``WEIGHTS`` dict to paste into matchkit/matching/_score.py. Every set counts the
same (pairs are weighted by 1/size of their set), so the big sets do not drown the small ones;
an L2 penalty keeps the weights modest. The report halves and the demo seed are never read.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
from _sets import LabelledSet, labelled_sets

from matchkit.matching import AUTO_ACCEPT, match_frames, pair_features
from matchkit.matching._evidence import CUSTOMER_RULES, PRODUCT_RULES
from matchkit.matching._score import NAME_FEATURES


def training_rows(kind: str) -> list[tuple[str, pd.DataFrame, np.ndarray]]:
    out = []
    for ls in labelled_sets():
        if ls.kind != kind or ls.name.startswith("demo_seed"):
            continue
        tune = ls.half("tune")
        f, _, lp, rp = pair_features(tune.left, tune.right, kind)
        lid = lp.frame["id"].astype(str).to_numpy()[f["li"].to_numpy()]
        rid = rp.frame["id"].astype(str).to_numpy()[f["ri"].to_numpy()]
        truth = set(zip(tune.truth["left_id"], tune.truth["right_id"], strict=True))
        y = np.array([(a, b) in truth for a, b in zip(lid, rid, strict=True)], dtype=float)
        out.append((tune.name, f, y))
        print(f"  {tune.name}: {len(f)} pairs, {int(y.sum())} true")
    return out


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0, iters: int = 50
        ) -> np.ndarray:
    """Weighted L2-penalised logistic regression by Newton's method (bias unpenalised)."""
    xb = np.c_[np.ones(len(x)), x]
    beta = np.zeros(xb.shape[1])
    pen = np.r_[0.0, np.full(x.shape[1], l2)]
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xb @ beta, -30, 30)))
        grad = xb.T @ (w * (p - y)) + pen * beta
        h = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(pen)
        step = np.linalg.solve(h, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def main() -> None:
    weights: dict[str, dict[str, float]] = {}
    for kind, rules in (("customers", CUSTOMER_RULES), ("products", PRODUCT_RULES)):
        print(f"{kind}:")
        names = list(NAME_FEATURES) + [r.name for r in rules]
        rows = training_rows(kind)
        x = np.concatenate([f[names].to_numpy(dtype=float) for _, f, _ in rows])
        y = np.concatenate([yy for _, _, yy in rows])
        # each set weighs the same in total
        w = np.concatenate([np.full(len(yy), 1.0 / len(yy)) for _, _, yy in rows])
        w *= len(w) / w.sum()
        # Every feature says "more alike" when larger, so no weight may be negative (a
        # negative one is collinearity, and would make an exact name lower a score): fit,
        # drop the negative ones, refit until none is left.
        active = list(range(len(names)))
        while True:
            beta = fit(x[:, active], y, w)
            neg = [a for a, b in zip(active, beta[1:], strict=True) if b < 0]
            if not neg:
                break
            active = [a for a in active if a not in neg]
        coef = dict.fromkeys(names, 0.0)
        for a, b in zip(active, beta[1:], strict=True):
            coef[names[a]] = round(float(b), 3)
        weights[kind] = {"bias": round(float(beta[0]), 3)} | coef
    print("WEIGHTS =", json.dumps(weights, indent=4))


def _pava(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic (non-decreasing) fit of ``y`` on ``x`` by pool-adjacent-violators: the upper
    ``x`` of each block and its mean ``y``."""
    order = np.argsort(x, kind="stable")
    hi: list[float] = []
    val: list[float] = []
    wt: list[float] = []
    for xv, yv in zip(x[order].tolist(), y[order].astype(float).tolist(), strict=True):
        hi.append(xv)
        val.append(yv)
        wt.append(1.0)
        while len(val) > 1 and val[-2] > val[-1]:
            w = wt[-2] + wt[-1]
            v = (val[-2] * wt[-2] + val[-1] * wt[-1]) / w
            hi[-2:], val[-2:], wt[-2:] = [hi[-1]], [v], [w]
    return np.array(hi), np.array(val)


def _proposed(ls: LabelledSet) -> pd.DataFrame:
    m = match_frames(ls.left, ls.right, ls.kind, top=5, threshold=0)
    true = set(zip(ls.truth["left_id"].astype(str), ls.truth["right_id"].astype(str),
                   strict=True))
    p = m[m["proposed"]].copy()
    p["ok"] = [(a, b) in true for a, b in zip(p["left_id"], p["right_id"], strict=True)]
    p["set"] = ls.name
    return p


def isotonic_check() -> None:
    """Fit a per-kind isotonic remap of the score on the tune halves' proposed pairs; print
    calibration before/after on the report halves (and the demo seed) and how many pairs
    would still reach AUTO_ACCEPT. Nothing is written: this measures whether to adopt it."""
    sets = list(labelled_sets())
    bins = [0, 10, 30, 50, 70, 80, 90, 95, 99, 100.01]
    for kind in ("customers", "products"):
        fit_on = pd.concat([_proposed(ls.half("tune")) for ls in sets
                            if ls.kind == kind and not ls.name.startswith("demo_seed")])
        hi, val = _pava(fit_on["score"].to_numpy(), fit_on["ok"].to_numpy())
        rep = pd.concat([_proposed(ls if ls.name.startswith("demo_seed") else ls.half("report"))
                         for ls in sets if ls.kind == kind])
        idx = np.minimum(np.searchsorted(hi, rep["score"].to_numpy(), side="left"), len(val) - 1)
        rep["remapped"] = 100 * val[idx]
        for col in ("score", "remapped"):
            b = pd.cut(rep[col], bins, right=False)
            t = rep.groupby(b, observed=True).agg(n=("ok", "size"), mean=(col, "mean"),
                                                  share_right=("ok", "mean"))
            print(f"\n{kind}, {col} (report halves):")
            print(t.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"\n{kind}: unambiguous proposed pairs >= {AUTO_ACCEPT:g}, now -> remapped")
        for name, g in rep.groupby("set", sort=False):
            g = g[~g["ambiguous"]]
            now, new = g[g["score"] >= AUTO_ACCEPT], g[g["remapped"] >= AUTO_ACCEPT]
            print(f"  {name:34} {len(now):5} (P {now['ok'].mean() if len(now) else 1:.3f})"
                  f" -> {len(new):5} (P {new['ok'].mean() if len(new) else 1:.3f})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--isotonic", action="store_true")
    if ap.parse_args().isotonic:
        isotonic_check()
    else:
        main()
