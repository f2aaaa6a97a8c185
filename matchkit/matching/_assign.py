"""Ambiguity flags and the one-to-one assignment over scored candidates."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["NEAR_TIE", "flag_ambiguous", "one_to_one"]

# Two candidates within this many points of each other are a near-tie: a person decides.
NEAR_TIE: float = 3.0


def flag_ambiguous(f: pd.DataFrame) -> None:
    """Add ``ambiguous`` and ``why_ambiguous`` to scored candidates ``f`` (columns ``li``,
    ``ri``, ``score``, ``rank``, ``normalised``), in place.

    A pair is ambiguous when (a) its names are equal after normalisation but that name occurs
    more than once among the left row's candidates or the right row's suitors, (b) another
    candidate of the same left row scores within :data:`NEAR_TIE` of the best, or (c) its
    right row is the best candidate of another left row with a score within ``NEAR_TIE``.
    """
    why = pd.Series("", index=f.index, dtype=object)
    same = f["normalised"] == 1.0
    if same.any():
        per_left = same.groupby(f["li"]).transform("sum")
        per_right = same.groupby(f["ri"]).transform("sum")
        a = same & ((per_left > 1) | (per_right > 1))
        why[a] = "ambiguous: the same name appears more than once"
    best = f.groupby("li")["score"].transform("max")
    n_close = (f["score"] >= best - NEAR_TIE).groupby(f["li"]).transform("sum")
    b = (n_close > 1) & (f["score"] >= best - NEAR_TIE) & (why == "")
    why[b] = f"ambiguous: another candidate scores within {NEAR_TIE:g} points"
    top1 = f[f["rank"] == 1]
    r_best = top1.groupby("ri")["score"].transform("max")
    r_close = (top1["score"] >= r_best - NEAR_TIE).groupby(top1["ri"]).transform("sum")
    c_idx = top1.index[(r_close > 1) & (top1["score"] >= r_best - NEAR_TIE)]
    c = pd.Series(False, index=f.index)
    c[c_idx] = True
    c &= why == ""
    why[c] = "ambiguous: another row's best candidate too, at a similar score"
    f["why_ambiguous"] = why
    f["ambiguous"] = why != ""


def one_to_one(f: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Greedy one-to-one pick by score (ties: lower rank, then position): each left row and
    each right row is proposed at most once. Returns a mask aligned with ``f``."""
    order = np.lexsort((f["ri"].to_numpy(), f["li"].to_numpy(), f["rank"].to_numpy(),
                        -f["score"].to_numpy()))
    li, ri = f["li"].to_numpy()[order], f["ri"].to_numpy()[order]
    taken_l: set[int] = set()
    taken_r: set[int] = set()
    picked = np.zeros(len(f), dtype=bool)
    for k, (a, b) in enumerate(zip(li.tolist(), ri.tolist(), strict=True)):
        if a in taken_l or b in taken_r:
            continue
        taken_l.add(a)
        taken_r.add(b)
        picked[order[k]] = True
    return picked
