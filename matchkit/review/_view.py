"""Reading a review: the filtered, sorted view of its table and the Xero record search.

Pure functions over frames; :class:`Review` caches the view and calls these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ._types import ReviewFilter

__all__ = ["filtered", "search_xero"]


def filtered(t: pd.DataFrame, f: ReviewFilter, sort: tuple[str, bool]) -> pd.DataFrame:
    """The rows of table ``t`` that filter ``f`` lets through, sorted by ``sort`` (column,
    ascending) and then by Atera id."""
    mask = np.ones(len(t), dtype=bool)
    if f.score_min is not None:
        mask &= (t["score"] >= f.score_min).to_numpy()
    if f.score_max is not None:
        mask &= (t["score"] <= f.score_max).to_numpy()
    if f.methods:
        mask &= t["method"].isin(f.methods).to_numpy()
    if f.ambiguous is not None:
        mask &= (t["ambiguous"] == f.ambiguous).to_numpy()
    if f.undecided is not None:
        mask &= ((t["decision"] == "") == f.undecided).to_numpy()
    if f.text:
        needle = f.text.casefold()
        hay = (t["atera_name"] + "\x00" + t["xero_name"] + "\x00" + t["atera_id"] + "\x00"
               + t["decided_xero_name"]).str.casefold()
        mask &= hay.str.contains(needle, regex=False).to_numpy()
    by, asc = sort
    return t[mask].sort_values([by, "atera_id"], ascending=[asc, True], na_position="last",
                               kind="stable")


def search_xero(xero: pd.DataFrame, text: str, limit: int = 20) -> pd.DataFrame:
    """Rows of ``xero`` (``id, name``) whose name or id looks like ``text`` (substring first,
    then fuzzy)."""
    text = text.strip()
    if not text:
        return pd.DataFrame(columns=["xero_id", "xero_name", "score"])
    names = xero["name"].tolist()
    folded = text.casefold()
    sub = [i for i, (n, x) in enumerate(zip(names, xero["id"], strict=True))
           if folded in n.casefold() or folded == x.casefold()]
    hits: dict[int, float] = {i: 100.0 for i in sub[:limit]}
    if len(hits) < limit:
        for _, score, i in process.extract(text, names, scorer=fuzz.WRatio,
                                           processor=str.casefold, limit=limit):
            hits.setdefault(int(i), float(score))
    order = sorted(hits.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:limit]
    idx = [i for i, _ in order]
    return pd.DataFrame({"xero_id": xero["id"].iloc[idx].tolist(),
                         "xero_name": [names[i] for i in idx],
                         "score": [s for _, s in order]})
