"""Calibrate the "clearly new" bar (``matchkit.matching.CLEARLY_NEW``) on the tune halves.

    .venv/bin/python bench/calibrate_new.py            # grid, the pick, and how it does
    .venv/bin/python bench/calibrate_new.py --no-shared   # generated sets only (fast)

A left row is created on the other side only when nothing there is plausible (see
``matchkit/matching/_new.py``). Per candidate setting (candidate score bar, name-similarity
bar, word scorer) and labelled set this counts

- **look-alikes**: rows that have a true match but would be created (nothing plausible);
- **reviews**: rows without a true match that a person would have to look at.

A look-alike is written into a customer's books and costs an accountant a merge and every
invoice on it fixed; a review costs a person a look. The pick minimises, over the tune halves
of the labelled sets that hold both kinds of rows, ``LOOKALIKE_COST * look-alikes + reviews``
per left row (each set counts the same), then prefers the stricter setting. A set in which
(nearly) every left row has a true match prices look-alikes but not reviews: on its own it
argues for reviewing everything, so it is reported, not fitted on. The report halves and the
demo seed are only reported. Exact names, link keys, shared identifiers and acronyms are
always plausible; they are not part of the grid.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np
import pandas as pd
from _sets import LabelledSet, labelled_sets

from matchkit.matching import CLEARLY_NEW, NewBar, acronyms, match_frames, similar_names

LOOKALIKE_COST = 50.0  # one look-alike weighs as much as 50 rows a person looks at
SCORES = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0)
ALONE = (60.0, 70.0, 80.0, 90.0, 101.0)  # 101: rivals may hide a candidate
SIMILAR = (60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 101.0)  # 101: no similarity pass
WORDS = ("sort", "set")
MIN_WITHOUT = 5  # a set is fitted on when its tune half has this many rows without a match


class Measured:
    """What one set half needs for any setting: per left row its best candidate score
    without rivals (``alone``; 100 when a method is always plausible), and its best name
    similarity per word scorer."""

    def __init__(self, ls: LabelledSet) -> None:
        self.name = ls.name
        m = match_frames(ls.left, ls.right, ls.kind, top=5, threshold=0)
        always = m["method"].isin(["link", "exact", "normalised", "evidence"]).to_numpy()
        ids = ls.left["id"].astype(str)
        by = m["left_id"].astype(str)

        def best(col: str) -> np.ndarray:
            eff = pd.Series(np.where(always, 100.0, m[col].to_numpy()), index=m.index)
            out: np.ndarray = eff.groupby(by).max().reindex(ids).fillna(-1.0).to_numpy()
            return out

        self.best, self.alone = best("score"), best("alone")
        self.has = ids.isin(set(ls.truth["left_id"].astype(str))).to_numpy()
        self.acro = (acronyms(ls.left["name"].astype(str), ls.right["name"].astype(str)) >= 0
                     if ls.kind == "customers" else np.zeros(len(ids), dtype=bool))
        self.sim = {w: similar_names(ls.left["name"].astype(str), ls.right["name"].astype(str),
                                     ls.kind, w)[1] for w in WORDS}

    def count(self, bar: NewBar) -> tuple[int, int]:
        plausible = ((self.best >= bar.score) | (self.alone >= bar.alone) | self.acro
                     | (self.sim[bar.words] >= bar.similar))
        return int((self.has & ~plausible).sum()), int((~self.has & plausible).sum())


def _grid() -> list[NewBar]:
    return [NewBar(s, q, w, a) for s, q, w, a in itertools.product(SCORES, SIMILAR, WORDS,
                                                                    ALONE)
            if not (q > 100 and w == "set")]


def _strictness(bar: NewBar) -> tuple[float, float, float, int]:
    return (bar.score, bar.alone, bar.similar, 0 if bar.words == "set" else 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-shared", action="store_true", help="generated sets only")
    a = ap.parse_args()
    tune: dict[str, list[tuple[Measured, int]]] = {"customers": [], "products": []}
    report: dict[str, list[Measured]] = {"customers": [], "products": []}
    for ls in labelled_sets(include_shared=not a.no_shared):
        if ls.name.startswith("demo_seed"):
            report[ls.kind].append(Measured(ls))
            continue
        t = ls.half("tune")
        measured = Measured(t)
        if int((~measured.has).sum()) >= MIN_WITHOUT:
            tune[ls.kind].append((measured, len(t.left)))
        else:
            report[ls.kind].append(measured)
        report[ls.kind].append(Measured(ls.half("report")))
        print(f"  measured {ls.name}", file=sys.stderr, flush=True)
    for kind in ("customers", "products"):
        rows = []
        for bar in _grid():
            counts = [m.count(bar) for m, _ in tune[kind]]
            cost = sum((LOOKALIKE_COST * la + rv) / n
                       for (la, rv), (_, n) in zip(counts, tune[kind], strict=True))
            rows.append((cost, _strictness(bar), bar, counts))
        rows.sort(key=lambda r: (round(r[0], 9), r[1]))
        names = [m.name for m, _ in tune[kind]]
        print(f"\n== {kind}: tune halves, look-alikes/reviews per set ({', '.join(names)}) ==")
        print("   the ten cheapest settings (cost = "
              f"{LOOKALIKE_COST:g} x look-alikes + reviews, per left row, summed over sets):")
        for cost, _, bar, counts in rows[:10]:
            print(f"   score>={bar.score:<4g} alone>={bar.alone:<4g} similar>={bar.similar:<4g} "
                  f"words={bar.words:4} "
                  f"cost {cost:7.3f}   " + "  ".join(f"{la}/{rv}" for la, rv in counts))
        pick = rows[0][2]
        now = CLEARLY_NEW[kind]
        print(f"   pick: {pick}   (in matchkit now: {now})")
        print("\n   report halves and the demo seed, look-alikes/reviews (of left rows with "
              "/ without a true match):")
        for m in report[kind]:
            for label, bar in (("pick", pick), ("now", now)):
                la, rv = m.count(bar)
                print(f"   {m.name:36} {label:4} {la:4d} of {int(m.has.sum()):5d}   "
                      f"{rv:4d} of {int((~m.has).sum()):5d}")


if __name__ == "__main__":
    main()
