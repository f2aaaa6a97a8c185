"""How complete are the truth files? Pairs any reader would call the same product, and
whether the truth lists them.

    .venv/bin/python bench/truth_gaps.py            # the counts below, per set
    .venv/bin/python bench/truth_gaps.py --pending  # auto-accepts to audit (bench/audit/)

For each labelled set: pairs whose names are equal ignoring case and punctuation (names of
at least 6 letters/digits), and pairs whose part numbers (``sku`` on both sides) are equal.
Each group is split by what the truth file says of it: the pair is listed; the left row is
listed with another right row; neither row appears in the truth at all (a pair nobody
labelled). Nothing from matchkit is used, so this measures the data, not the matcher.
"""

from __future__ import annotations

import argparse
import re

import pandas as pd
from _sets import audit_verdicts, labelled_sets

_KEY = re.compile(r"[^0-9a-z]+")


def _key(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.lower().str.replace(_KEY, "", regex=True)


def _split(pairs: pd.DataFrame, truth: pd.DataFrame) -> str:
    true = set(zip(truth["left_id"], truth["right_id"], strict=True))
    lt, rt = set(truth["left_id"]), set(truth["right_id"])
    listed = sum(p in true for p in zip(pairs["id_l"], pairs["id_r"], strict=True))
    other = sum((a in lt) and (a, b) not in true
                for a, b in zip(pairs["id_l"], pairs["id_r"], strict=True))
    nobody = sum((a not in lt) and (b not in rt)
                 for a, b in zip(pairs["id_l"], pairs["id_r"], strict=True))
    return (f"{len(pairs):5d} pairs: {listed:5d} listed, {other:4d} left row listed with "
            f"another, {nobody:4d} neither row in the truth")


def gaps() -> None:
    for ls in labelled_sets():
        if ls.name.startswith(("demo", "msp")):
            continue
        t = ls.truth.astype(str)
        left, right = ls.left.astype({"id": str}), ls.right.astype({"id": str})
        print(f"{ls.name} ({len(left)} x {len(right)}, {len(t)} true pairs)")
        for label, col, min_len in (("same name", "name", 6), ("same part number", "sku", 4)):
            if col not in left.columns or col not in right.columns:
                continue
            lk = left.assign(k=_key(left[col]))
            rk = right.assign(k=_key(right[col]))
            j = lk[lk["k"].str.len() >= min_len][["id", "k"]].merge(
                rk[rk["k"].str.len() >= min_len][["id", "k"]], on="k", suffixes=("_l", "_r"))
            print(f"  {label:17} {_split(j, t)}")


def pending() -> None:
    """Auto-accepts on the report halves that the truth does not list and the audit lacks."""
    from matchkit.matching import auto_accepted, match_frames

    verdicts = audit_verdicts()
    for full in labelled_sets():
        if full.kind != "products" or full.name.startswith(("demo", "msp")):
            continue
        ls = full.half("report")
        aa = auto_accepted(match_frames(ls.left, ls.right, kind="products", top=5))
        true = set(zip(ls.truth["left_id"].astype(str), ls.truth["right_id"].astype(str),
                       strict=True))
        todo = [r for r in aa.itertuples()
                if (r.left_id, r.right_id) not in true
                and (full.name, r.left_id, r.right_id) not in verdicts]
        print(f"{ls.name}: {len(aa)} auto-accepted, {len(todo)} to audit")
        for r in todo:
            print(f"  {full.name},{r.left_id},{r.right_id}\n    L: {r.left_name}\n"
                  f"    R: {r.right_name}\n    {r.evidence}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--pending", action="store_true")
    if ap.parse_args().pending:
        pending()
    else:
        gaps()
