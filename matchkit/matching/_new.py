"""Which left rows may be created on the other side: ``triage`` (pure, frames in and out).

A record written into a customer's books stays there, so a left row is created only when it
is *clearly new*: no right row carries its link key, none has the same name, none shares an
identifier with it (tax number, phone, domain; code or SKU), no candidate scores
``NewBar.score`` or more (or ``NewBar.alone`` as if it had no rival: two look-alikes must
not hide each other by lowering each other's score), no right company name is its acronym
or has it as acronym, and no right name at all is ``NewBar.similar`` percent alike (a second
look over every right row, by characters with spaces removed and by words, so a typo that
glued two words together or a word-order change is still caught). Everything between a
safe match and clearly new is left for a person. The bars are calibrated on the labelled
sets by ``bench/calibrate_new.py``; docs/matching.md gives the measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from .._exceptions import MatchConfigError
from ._match import DEFAULT_THRESHOLD, KINDS, auto_accepted
from ._normalise import company_parts, normalise_company, normalise_product

__all__ = ["CLEARLY_NEW", "STATUSES", "NewBar", "acronyms", "similar_names",
           "suggest_threshold", "triage"]

Status = Literal["link", "exact", "safe", "review", "new"]
# link: a right row carries the left row's key; exact: the same name (case, spaces and
# accents aside) on exactly one right row, proposed for this row; safe: ``auto_accepted``;
# review: some right row is plausible, a person decides; new: nothing is.
STATUSES: tuple[str, ...] = ("link", "exact", "safe", "review", "new")

OUTPUT = ("left_id", "status", "right_id", "right_name", "score", "reason")


@dataclass(frozen=True)
class NewBar:
    """Where "clearly new" begins for one kind."""

    score: float  # a candidate scoring this much is plausible
    similar: float  # a right name this similar (0-100, see ``similar_names``) is plausible
    words: Literal["sort", "set"]  # the word-level scorer of ``similar_names``
    alone: float = 101.0  # a candidate scoring this much without its rivals (``alone``)


# Calibrated by bench/calibrate_new.py on the tune halves (docs/matching.md, "Clearly new").
CLEARLY_NEW: dict[str, NewBar] = {
    "customers": NewBar(score=15.0, similar=90.0, words="sort"),
    "products": NewBar(score=25.0, similar=60.0, words="set", alone=90.0),
}


def suggest_threshold(kind: str) -> float:
    """The threshold suggestions are kept from: low enough that every candidate which keeps
    a row from being "clearly new" (``CLEARLY_NEW``) is shown to the person deciding."""
    if kind not in CLEARLY_NEW:
        raise MatchConfigError(f"kind must be 'customers' or 'products', got {kind!r}")
    return min(DEFAULT_THRESHOLD, CLEARLY_NEW[kind].score)


_CHUNK = 256  # left rows per cdist block: 256 x 100,000 bytes at most
# a word's plural "s" (on both sides alike): "Tolls" is "Toll Charges"' toll
_PLURAL = r"\b(\w{3,}?)s\b"


def similar_names(left: pd.Series, right: pd.Series, kind: str, words: str = "sort"
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """For each left name, the most similar right name (its position; -1 when the right is
    empty) and how similar (0-100): the larger of ``ratio`` over the normalised names (a
    word's plural "s" dropped) with spaces removed ("ViruseRoofing" / "Virus Roofing") and a
    word scorer over them (``token_sort_ratio``, or ``token_set_ratio`` with
    ``words="set"``, which also counts one name's words inside the other's: "M365 Business
    Premium" / "Microsoft 365 Business Premium (monthly)"). Every right name is compared
    (C++, all cores, in blocks)."""
    norm = normalise_company if kind == "customers" else normalise_product
    ln = norm(left.astype(str)).str.replace(_PLURAL, r"\1", regex=True).tolist()
    rn = norm(right.astype(str)).str.replace(_PLURAL, r"\1", regex=True).tolist()
    best_at = np.full(len(ln), -1, dtype=np.int64)
    best = np.zeros(len(ln))
    if not ln or not rn:
        return best_at, best
    lc, rc = [x.replace(" ", "") for x in ln], [x.replace(" ", "") for x in rn]
    scorer = fuzz.token_set_ratio if words == "set" else fuzz.token_sort_ratio
    for s in range(0, len(ln), _CHUNK):
        a = process.cdist(lc[s:s + _CHUNK], rc, scorer=fuzz.ratio, workers=-1, dtype=np.uint8)
        b = process.cdist(ln[s:s + _CHUNK], rn, scorer=scorer, workers=-1, dtype=np.uint8)
        both = np.maximum(a, b)
        at = both.argmax(axis=1)
        best_at[s:s + _CHUNK] = at
        best[s:s + _CHUNK] = both[np.arange(len(at)), at]
    return best_at, best


def _initials(names: list[str]) -> list[str]:
    return ["".join(w[0] for w in n.split()) if len(n.split()) >= 2 else "" for n in names]


def _short(names: list[str]) -> list[str]:
    """A name that is one short token ("mta", "ah4r"): what an acronym looks like."""
    return [n if " " not in n and 2 <= len(n) <= 6 and n.isalnum() else "" for n in names]


def acronyms(left: pd.Series, right: pd.Series) -> npt.NDArray[np.int64]:
    """For each left company name, a right name it is the acronym of, or that is its
    acronym ("MTA Pty Ltd" / "Murphy & Thompson Architects"), by position; -1 for none.
    Initials are taken after normalising (legal form, "the", "and" dropped) and again with
    the legal form kept ("BSBSA" / "Banco Santander (Brasil) S.A.")."""
    out = np.full(len(left), -1, dtype=np.int64)
    if not len(left) or not len(right):
        return out
    ln, lr = company_parts(left.astype(str))
    rn, rr = company_parts(right.astype(str))
    lnl, rnl = ln.tolist(), rn.tolist()
    full_l = [f"{a} {b}".strip() for a, b in zip(lnl, lr.tolist(), strict=True)]
    full_r = [f"{a} {b}".strip() for a, b in zip(rnl, rr.tolist(), strict=True)]
    by_initials: dict[str, int] = {}
    for names in (_initials(rnl), _initials(full_r)):
        for j, k in enumerate(names):
            if len(k) >= 2:
                by_initials.setdefault(k, j)
    by_short: dict[str, int] = {}
    for j, k in enumerate(_short(rnl)):
        if k:
            by_short.setdefault(k, j)
    for i, (short, a, b) in enumerate(zip(_short(lnl), _initials(lnl), _initials(full_l),
                                          strict=True)):
        hit = by_initials.get(short, -1) if short else -1
        if hit < 0:
            hit = by_short.get(a, by_short.get(b, -1)) if (a or b) else -1
        out[i] = hit
    return out


def triage(matches: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame,
           kind: str | None = None, bar: NewBar | None = None) -> pd.DataFrame:
    """One row per ``left`` row (in its order): ``status`` (see :data:`STATUSES`), the right
    row it is matched to or most like (``right_id``, ``right_name``, ``score``; empty for a
    row with nothing like it) and a one-line ``reason``.

    ``matches`` is :func:`match_frames` of ``left`` against ``right`` (any ``top``; any
    threshold: its ``evidence`` rows are kept whatever their score); frames as there.
    """
    kind = kind if kind is not None else matches.attrs.get("kind")
    if kind not in KINDS:
        raise MatchConfigError(f"triage: kind must be 'customers' or 'products', got {kind!r}")
    bar = bar or CLEARLY_NEW[kind]
    v = _Verdicts(left["id"].astype(str).reset_index(drop=True))
    m = matches[matches["left_id"].astype(str).isin(v.pos.index)]
    m = m.sort_values(["left_id", "rank"], kind="stable")
    if len(m):
        _from_matches(v, m, kind, bar)
    if kind == "customers" and len(right):
        _by_acronym(v, left, right)
    if len(right):
        _by_similar_name(v, left, right, kind, bar)
    out = v.out
    if len(m):
        best = m.drop_duplicates("left_id")
        best = best[~v.decided[v.pos.reindex(best["left_id"].astype(str)).to_numpy()]]
        at = v.pos.reindex(best["left_id"].astype(str)).to_numpy()
        out.loc[at, "reason"] = [f"nothing like it (closest: {n!r}, score {s:.0f})"
                                 for n, s in zip(best["right_name"], best["score"],
                                                 strict=True)]
    out.loc[(out["status"] == "new") & (out["reason"] == ""), "reason"] = "nothing like it"
    return out


class _Verdicts:
    """The result being filled: the first verdict given to a row stands."""

    def __init__(self, ids: pd.Series) -> None:
        self.ids = ids
        out = pd.DataFrame({"left_id": ids, "status": "new", "right_id": None,
                            "right_name": None, "score": np.nan, "reason": ""},
                           columns=list(OUTPUT))
        self.out = out.astype({"right_id": object, "right_name": object, "reason": object})
        self.pos = pd.Series(np.arange(len(ids)), index=ids)
        self.decided = np.zeros(len(ids), dtype=bool)

    def put(self, rows: pd.DataFrame, status: str, reason: pd.Series | list[str]) -> None:
        at = self.pos.reindex(rows["left_id"].astype(str)).to_numpy()
        ok = ~self.decided[at]
        at, rows = at[ok], rows[ok]
        out = self.out
        out.loc[at, "status"] = status
        out.loc[at, "right_id"] = rows["right_id"].astype(str).to_numpy()
        out.loc[at, "right_name"] = rows["right_name"].astype(object).to_numpy()
        out.loc[at, "score"] = rows["score"].astype(float).to_numpy()
        out.loc[at, "reason"] = np.asarray(reason, dtype=object)[ok]
        self.decided[at] = True

    def undecided(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero(~self.decided)


def _from_matches(v: _Verdicts, m: pd.DataFrame, kind: str, bar: NewBar) -> None:
    """Link keys, the very name, safe suggestions and plausible candidates, in that order."""
    first = m.drop_duplicates("left_id")
    linked = first[first["method"] == "link"]
    ok = linked["proposed"].astype(bool) & ~linked["ambiguous"].astype(bool)
    v.put(linked[ok], "link", [f"{n!r} carries its link key" for n in
                               linked.loc[ok, "right_name"]])
    v.put(linked[~ok], "review", [f"{n!r}: {e}" for n, e in
                                  zip(linked.loc[~ok, "right_name"],
                                      linked.loc[~ok, "evidence"].astype(str), strict=True)])
    exact = m[m["method"] == "exact"]
    n_exact = exact.groupby("left_id")["right_id"].transform("size")
    # one right row of the very name (Xero would refuse a second one): that row, even
    # when other rows differ from it only by a legal form ("... Ltd")
    sure = exact[(n_exact == 1) & exact["proposed"].astype(bool)]
    v.put(sure, "exact", [f"{n!r} has the same name" for n in sure["right_name"]])
    unsure = exact.drop_duplicates("left_id")
    v.put(unsure, "review", [f"the same name as {n!r}, but: {e}" for n, e in
                             zip(unsure["right_name"], unsure["evidence"], strict=True)])
    safe = auto_accepted(m, kind=kind)
    v.put(safe, "safe", [f"safe suggestion {n!r} (score {s:.0f}: {e})" for n, s, e in
                         zip(safe["right_name"], safe["score"], safe["evidence"],
                             strict=True)])
    plausible = m[(m["score"] >= bar.score) | (m["alone"] >= bar.alone)
                  | m["method"].isin(["normalised", "evidence", "link"])]
    plausible = plausible.drop_duplicates("left_id")
    v.put(plausible, "review", [f"looks like {n!r} (score {s:.0f}: {e})" for n, s, e in
                                zip(plausible["right_name"], plausible["score"],
                                    plausible["evidence"], strict=True)])


def _by_acronym(v: _Verdicts, left: pd.DataFrame, right: pd.DataFrame) -> None:
    rest = v.undecided()
    if not len(rest):
        return
    at = acronyms(left["name"].iloc[rest].astype(str), right["name"].astype(str))
    hit = at >= 0
    rows = pd.DataFrame({"left_id": v.ids.to_numpy()[rest[hit]],
                         "right_id": right["id"].astype(str).to_numpy()[at[hit]],
                         "right_name": right["name"].astype(object).to_numpy()[at[hit]],
                         "score": np.nan})
    v.put(rows, "review", [f"an acronym of, or for, {n!r}" for n in rows["right_name"]])


def _by_similar_name(v: _Verdicts, left: pd.DataFrame, right: pd.DataFrame, kind: str,
                     bar: NewBar) -> None:
    """A second look over every right row (see the module docstring)."""
    rest = v.undecided()
    if not len(rest):
        return
    names = left["name"].astype(object).where(left["name"].notna(), "").astype(str)
    at, sim = similar_names(names.iloc[rest], right["name"].astype(object).where(
        right["name"].notna(), "").astype(str), kind, bar.words)
    close = sim >= bar.similar
    rid = right["id"].astype(str).to_numpy()
    rname = right["name"].astype(object).to_numpy()
    rows = pd.DataFrame({"left_id": v.ids.to_numpy()[rest[close]],
                         "right_id": rid[at[close]], "right_name": rname[at[close]],
                         "score": np.nan})
    v.put(rows, "review", [f"name {s:.0f}% like {n!r}" for s, n in
                           zip(sim[close], rows["right_name"], strict=True)])
