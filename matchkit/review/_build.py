"""Building a review's frames from the suggestions: the candidates of every Atera record,
the Xero records to choose from, and the table of one row per Atera record (undecided)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._types import _texts, natural_sorted

__all__ = ["build_candidates", "build_table", "xero_choices"]


@dataclass(frozen=True)
class _Candidates:
    frame: pd.DataFrame  # sorted by Atera id, then best first
    slices: dict[str, tuple[int, int]]  # Atera id -> its rows of ``frame``
    names: pd.Series  # Atera id -> name
    order: list[str]  # every Atera id, in natural order


def build_candidates(suggestions: pd.DataFrame, atera: pd.DataFrame | None) -> _Candidates:
    """Suggestions (plus ``atera`` records without any) as sorted candidates."""
    s = suggestions.copy()
    if atera is not None and len(atera):
        ids = atera["id"].astype(str)
        # as numpy objects: iterating pandas' string arrays goes one __getitem__ a value
        known = set(s["left_id"].astype(str).to_numpy(dtype=object))
        lone = atera[~ids.isin(known)]
        if len(lone):
            s = pd.concat([s, pd.DataFrame({"left_id": lone["id"].astype(str),
                                            "left_name": lone["name"],
                                            "right_id": None})], ignore_index=True)
    for col, default in (("method", ""), ("rank", 0), ("ambiguous", False),
                         ("evidence", ""), ("left_name", ""), ("right_name", "")):
        if col not in s:
            s[col] = default
    s["left_id"] = s["left_id"].astype(str)
    s = s.astype({"right_id": object}).reset_index(drop=True)
    has = s["right_id"].notna() & s["right_id"].ne("")
    s.loc[has, "right_id"] = s.loc[has, "right_id"].astype(str)
    s["score"] = pd.to_numeric(s["score"], errors="coerce").astype(float)
    s["ambiguous"] = s["ambiguous"].fillna(False).astype(bool)
    names = _texts(s.drop_duplicates("left_id").set_index("left_id")["left_name"])
    cands = s[has].sort_values(["left_id", "score", "rank"], ascending=[True, False, True],
                               kind="stable").reset_index(drop=True)
    # Candidates are sorted by Atera id: each row's slice is found without a groupby.
    keys, starts, sizes = np.unique(cands["left_id"].to_numpy(dtype=str),
                                    return_index=True, return_counts=True)
    slices = dict(zip(keys.tolist(), zip(starts.tolist(), (starts + sizes).tolist(),
                                         strict=True), strict=True))
    order = natural_sorted(dict.fromkeys(s["left_id"].to_numpy(dtype=object)))
    return _Candidates(cands, slices, names, order)


def xero_choices(xero: pd.DataFrame, cands: pd.DataFrame) -> pd.DataFrame:
    """``xero`` (``id, name``) as text, plus records named only in the candidates."""
    xero = xero[["id", "name"]].astype(object).copy()
    xero["id"] = xero["id"].astype(str)
    # Names seen only in suggestions (e.g. no Xero snapshot) still make searchable rows.
    c = cands.drop_duplicates("right_id")
    extra = c[~c["right_id"].isin(xero["id"])]
    if not extra.empty:
        xero = pd.concat([xero, pd.DataFrame({"id": extra["right_id"],
                                              "name": extra["right_name"]})],
                         ignore_index=True)
    xero["name"] = _texts(xero["name"])
    return xero.reset_index(drop=True)


def build_table(c: _Candidates) -> pd.DataFrame:
    """One row per Atera record with its best candidate; decision columns empty."""
    top = c.frame.drop_duplicates("left_id")
    counts = c.frame.groupby("left_id").size()
    t = pd.DataFrame({"atera_id": pd.Series(c.order, dtype=object)})
    t["atera_name"] = _texts(t["atera_id"].map(c.names)).astype(object)
    t = t.merge(
        top[["left_id", "right_id", "right_name", "score", "method", "ambiguous",
             "evidence"]].rename(columns={"left_id": "atera_id", "right_id": "xero_id",
                                          "right_name": "xero_name"}),
        on="atera_id", how="left")
    t["candidates"] = t["atera_id"].map(counts).fillna(0).astype(int)
    for col in ("xero_id", "xero_name", "method", "evidence"):
        t[col] = _texts(t[col]).astype(object)
    t["ambiguous"] = t["ambiguous"].astype(object).fillna(False).astype(bool)
    t["score"] = t["score"].astype(float)
    for col in ("decision", "decided_xero_id", "decided_xero_name", "_method", "_note"):
        t[col] = pd.Series([""] * len(t), dtype=object)
    t["_rejected"] = pd.Series([()] * len(t), dtype=object)
    t["_score"] = np.nan
    t["_decision_id"] = pd.Series([""] * len(t), dtype=object)
    t = t.set_index("atera_id", drop=False)
    t.index.name = None
    return t

