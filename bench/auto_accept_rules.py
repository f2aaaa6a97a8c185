"""Product auto-accept: the current rule against stricter ones, on the *tune* halves.

    .venv/bin/python bench/auto_accept_rules.py

For each product set: the pairs ``auto_accepted`` returns, and what is left of them under each
extra rule (numbers/versions equal, no substituted word, a higher threshold): how many, the
share right by the truth file (P), the same on left rows the truth lists a match for
(listed P), and recall. Then, over whole sets, how often a proposed pair whose colours
disagree is right (the colour rule). docs/matching.md quotes a run; nothing here is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sets import labelled_sets
from rapidfuzz import fuzz

from matchkit.matching import auto_accepted, match_frames
from matchkit.matching._evidence import _numbers
from matchkit.matching._normalise import normalise_product


def _leftover(a: set[str], b: set[str]) -> list[str]:
    """Words of ``a`` with no equal or close (typo) word in ``b``."""
    return [t for t in a if t not in b and not any(fuzz.ratio(t, u) >= 80 for u in b)]


def main() -> None:
    for ls in labelled_sets():
        if ls.kind != "products":
            continue
        h = ls if ls.name.startswith(("demo", "msp")) else ls.half("tune")
        m = match_frames(h.left, h.right, kind="products", top=5)
        true = set(zip(h.truth["left_id"].astype(str), h.truth["right_id"].astype(str),
                       strict=True))
        listed = set(h.truth["left_id"].astype(str))
        lnum = dict(zip(h.left["id"].astype(str), _numbers(h.left["name"].astype(str)),
                        strict=True))
        rnum = dict(zip(h.right["id"].astype(str), _numbers(h.right["name"].astype(str)),
                        strict=True))
        lnorm = dict(zip(h.left["id"].astype(str),
                         normalise_product(h.left["name"].astype(str)), strict=True))
        rnorm = dict(zip(h.right["id"].astype(str),
                         normalise_product(h.right["name"].astype(str)), strict=True))
        print(f"{h.name} ({len(listed)} left rows with a true match)")
        for at in (95.0, 98.0, 99.0):
            aa = auto_accepted(m, at=at)
            pairs = list(zip(aa["left_id"], aa["right_id"], strict=True))
            ok = pd.Series([p in true for p in pairs], dtype=bool)
            lst = pd.Series([a in listed for a, _ in pairs], dtype=bool)
            same_numbers = pd.Series([set(lnum[a].split()) == set(rnum[b].split())
                                      for a, b in pairs], dtype=bool)
            no_subst = pd.Series([not (_leftover(set(lnorm[a].split()), set(rnorm[b].split()))
                                       and _leftover(set(rnorm[b].split()),
                                                     set(lnorm[a].split())))
                                  for a, b in pairs], dtype=bool)
            rules = [(f"auto_accepted(at={at:g})", pd.Series(True, index=ok.index))]
            if at == 95.0:
                rules += [("  + numbers equal", same_numbers),
                          ("  + no substituted word", no_subst)]
            for label, keep in rules:
                k, kl = ok[keep], ok[keep & lst]
                p = k.mean() if len(k) else float("nan")
                pl = kl.mean() if len(kl) else float("nan")
                print(f"  {label:<26} n={int(keep.sum()):4d}  P={p:.3f}  listed P={pl:.3f}  "
                      f"R={k.sum() / max(len(listed), 1):.3f}")


def colour_disputes() -> None:
    """Proposed pairs (top-1, one-to-one, any score) whose colours disagree: right or not."""
    print("proposed pairs with colours that disagree (whole sets)")
    for ls in labelled_sets():
        if ls.kind != "products":
            continue
        m = match_frames(ls.left, ls.right, kind="products", top=5)
        true = set(zip(ls.truth["left_id"].astype(str), ls.truth["right_id"].astype(str),
                       strict=True))
        p = m[m["proposed"] & m["evidence"].str.contains("different colours", regex=False)]
        right = sum((a, b) in true for a, b in zip(p["left_id"], p["right_id"], strict=True))
        print(f"  {ls.name:<28} {len(p):4d} pairs, {right} right by the truth file")


if __name__ == "__main__":
    main()
    colour_disputes()
