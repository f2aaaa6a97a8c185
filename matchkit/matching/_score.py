"""Features of a candidate pair and the calibrated score built from them.

The score is ``100 * sigmoid(bias + sum(weight * feature))``: a logistic model fitted by
``bench/calibrate_matching.py`` on the *tuning halves* of the labelled sets (the other halves
are kept for reporting), so a score of 90 means that about 90% of pairs scored 90 were right
there. The weights are data below, not code, and refitting is one command.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

__all__ = ["NAME_FEATURES", "WEIGHTS", "name_features", "score_from_features"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NAME_FEATURES: tuple[str, ...] = (
    "ratio", "sort", "set", "partial", "idf", "no_swap", "margin", "exact", "normalised",
    "length",
)

# Fitted by bench/calibrate_matching.py (see docs/matching.md); edit by refitting, not by hand.
WEIGHTS: dict[str, dict[str, float]] = {
    "customers": {
        "bias": -9.717, "ratio": 1.219, "sort": 1.186, "set": 1.726, "partial": 0.026,
        "idf": 0.0, "no_swap": 5.269, "margin": 12.826, "exact": 0.125, "normalised": 0.0,
        "length": 0.0, "domain": 2.594, "phone": 2.538, "tax": 1.572, "city": 2.48,
        "country": 0.0,
    },
    "products": {
        "bias": -6.409, "ratio": 0.649, "sort": 0.0, "set": 1.046, "partial": 2.27, "idf": 0.0,
        "no_swap": 2.678, "margin": 8.073, "exact": 0.0, "normalised": 0.0, "length": 0.0,
        "code": 1.946, "model": 1.444, "numbers": 0.19, "size": 0.435, "variant": 0.615,
        "colour": 0.718, "price": 2.113, "desc": 0.49,
    },
}


def _close(w: str, words: set[str]) -> bool:
    """``w`` is a typo of one of ``words`` (both long enough for a typo to be one)."""
    return len(w) >= 4 and any(len(u) >= 4 and fuzz.ratio(w, u) >= 80 for u in words)


def _idf_overlap(left: list[str], right: list[str], li: IntArray, ri: IntArray,
                 ) -> tuple[FloatArray, FloatArray]:
    """Two word-level features of each pair, weights = inverse document frequency over the
    right side (sharing a rare word, "Zyxel", counts more than sharing "Group"):

    - ``idf``: weighted Jaccard of the two names' words;
    - ``no_swap``: 1 minus the smaller of the two sides' weight of words the other lacks,
      over the weight of all words. A name that only adds words ("Office 2007" / "Office
      2007 Pro DVD") keeps 1; one word in place of another ("Card Games" / "Board Games",
      "Business Premium" / "Business Standard") lowers it. A typo is not a swap.
    """
    counts: dict[str, int] = {}
    for name in right:
        for w in set(name.split()):
            counts[w] = counts.get(w, 0) + 1
    n = len(right) + 1
    idf_cache: dict[str, float] = {}

    def idf(w: str) -> float:
        v = idf_cache.get(w)
        if v is None:
            v = idf_cache[w] = math.log(n / (1 + counts.get(w, 0))) + 1.0
        return v

    l_sets = [set(s.split()) for s in left]
    r_sets: dict[int, set[str]] = {}
    overlap = np.zeros(len(li))
    no_swap = np.ones(len(li))
    for k, (i, j) in enumerate(zip(li.tolist(), ri.tolist(), strict=True)):
        a = l_sets[i]
        b = r_sets.get(j)
        if b is None:
            b = r_sets[j] = set(right[j].split())
        union = a | b
        if not union:
            continue
        total = sum(idf(w) for w in union)
        overlap[k] = sum(idf(w) for w in a & b) / total
        only_a, only_b = a - b, b - a
        if only_a and only_b:
            lone_a = [w for w in only_a if not _close(w, only_b)]
            lone_b = [w for w in only_b if not _close(w, only_a)]
            if lone_a and lone_b:
                no_swap[k] = 1.0 - min(sum(map(idf, lone_a)), sum(map(idf, lone_b))) / total
    return overlap, no_swap


def name_features(
    left_norm: pd.Series, right_norm: pd.Series, left_sorted: pd.Series,
    right_sorted: pd.Series, left_exact: pd.Series, right_exact: pd.Series,
    li: IntArray, ri: IntArray,
) -> pd.DataFrame:
    """Name similarity features (0-1) of the pairs ``(li[k], ri[k])`` (positions)."""
    ln, rn = left_norm.to_numpy(dtype=object), right_norm.to_numpy(dtype=object)
    a, b = ln[li].tolist(), rn[ri].tolist()
    ls, rs = left_sorted.to_numpy(dtype=object)[li].tolist(), right_sorted.to_numpy(
        dtype=object)[ri].tolist()

    def pair(scorer: Any, x: list[str], y: list[str]) -> FloatArray:
        if not x:
            return np.empty(0)
        return np.asarray(process.cpdist(x, y, scorer=scorer, workers=-1, dtype=np.float32),
                          dtype=np.float64) / 100.0

    f = pd.DataFrame({
        "ratio": pair(fuzz.ratio, a, b),
        "sort": pair(fuzz.ratio, ls, rs),
        "set": pair(fuzz.token_set_ratio, a, b),
        "partial": pair(fuzz.partial_ratio, a, b),
    })
    f["idf"], f["no_swap"] = _idf_overlap(ln.tolist(), rn.tolist(), li, ri)
    f["exact"] = (left_exact.to_numpy(dtype=object)[li] == right_exact.to_numpy(
        dtype=object)[ri]).astype(float)
    f["normalised"] = (np.asarray(a, dtype=object) == np.asarray(b, dtype=object)).astype(float)
    la = np.array([len(x) for x in a], dtype=float)
    lb = np.array([len(x) for x in b], dtype=float)
    f["length"] = np.minimum(la, lb) / np.maximum(np.maximum(la, lb), 1.0)
    # how much better this pair is than the best *other* candidate of the same left row:
    # a clear winner is far more often right than one of several look-alikes
    combined = (f["sort"] + f["set"] + f["idf"]).to_numpy() / 3.0
    f["margin"] = _margin(li, combined)
    return f


def _margin(li: IntArray, s: FloatArray) -> FloatArray:
    if len(li) == 0:
        return np.empty(0)
    order = np.lexsort((-s, li))
    l_sorted, s_sorted = li[order], s[order]
    start = np.r_[0, np.flatnonzero(l_sorted[1:] != l_sorted[:-1]) + 1]
    sizes = np.diff(np.r_[start, len(l_sorted)])
    best = np.repeat(s_sorted[start], sizes)
    second_idx = np.minimum(start + 1, np.r_[start[1:], len(l_sorted)] - 1)
    second = np.where(sizes > 1, s_sorted[second_idx], 0.0)
    second = np.repeat(second, sizes)
    is_first = np.zeros(len(l_sorted), dtype=bool)
    is_first[start] = True
    other_best = np.where(is_first, second, best)
    out = np.empty(len(li))
    out[order] = np.clip(s_sorted - other_best, -0.5, 0.5)
    return out


def score_from_features(features: pd.DataFrame, kind: str,
                        weights: dict[str, float] | None = None) -> FloatArray:
    """Calibrated 0-100 scores from a feature frame (missing features count as 0)."""
    w = WEIGHTS[kind] if weights is None else weights
    z = np.full(len(features), w.get("bias", 0.0))
    for name, coef in w.items():
        if name != "bias" and name in features.columns:
            z += coef * features[name].to_numpy(dtype=float)
    out: FloatArray = 100.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    return out
