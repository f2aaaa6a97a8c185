"""``match_frames``: two frames in, scored and explained candidate pairs out."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import MatchConfigError
from ._assign import flag_ambiguous, one_to_one
from ._candidates import candidate_pairs, sorted_words
from ._evidence import CUSTOMER_RULES, PRODUCT_RULES, Rule, prepare
from ._normalise import company_parts, exact_key, normalise_product
from ._score import name_features, score_from_features

__all__ = ["AUTO_ACCEPT", "DEFAULT_THRESHOLD", "KINDS", "OUTPUT_COLUMNS", "Kind",
           "auto_accepted", "match_frames", "pair_features"]

Kind = Literal["customers", "products"]
KINDS: tuple[str, ...] = ("customers", "products")

# Only one-to-one, unambiguous proposals at or above this score may be accepted without a
# person, and for products only when no evidence speaks against the pair (see
# ``auto_accepted``; bench/bench_matching.py prints where precision >= 0.99 holds).
AUTO_ACCEPT: float = 95.0
# Below this a candidate is not worth showing.
DEFAULT_THRESHOLD: float = 30.0

OUTPUT_COLUMNS: tuple[str, ...] = (
    "left_id", "right_id", "score", "method", "rank", "ambiguous", "evidence", "left_name",
    "right_name", "proposed", "conflict",
)

IntArray = npt.NDArray[np.int64]


def _check_frame(frame: object, side: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise MatchConfigError(f"{side}: expected a pandas DataFrame, got {type(frame).__name__}")
    for col in ("id", "name"):
        if col not in frame.columns:
            raise MatchConfigError(
                f"{side}: missing column {col!r} (columns: {', '.join(map(str, frame.columns))})"
            )
    ids = frame["id"]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise MatchConfigError(f"{side}: row {row + 1} has no 'id'")
    as_text = ids.astype(str)
    dup = as_text.duplicated(keep="first")
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise MatchConfigError(f"{side}: duplicate id {as_text.iloc[row]!r} at row {row + 1}")
    return frame.reset_index(drop=True)


def _rules(kind: str) -> tuple[Rule, ...]:
    return CUSTOMER_RULES if kind == "customers" else PRODUCT_RULES


class _Prepared:
    """One side's normalised names and evidence keys."""

    def __init__(self, frame: pd.DataFrame, kind: str) -> None:
        names = frame["name"].astype(object).where(frame["name"].notna(), "").astype(str)
        self.frame = frame
        self.names = names
        self.exact = exact_key(names)
        if kind == "customers":
            self.norm, self.removed = company_parts(names)
        else:
            self.norm = normalise_product(names)
            self.removed = pd.Series([""] * len(names), dtype=object)
        self.sorted = sorted_words(self.norm)
        self.keys = prepare(frame, kind)


def pair_features(
    left: pd.DataFrame, right: pd.DataFrame, kind: str = "customers", *, per_row: int = 15
) -> tuple[pd.DataFrame, dict[str, list[str]], _Prepared, _Prepared]:
    """Every candidate pair with its features (``li``/``ri`` are row positions), the rendered
    detail of each evidence rule, and both prepared sides. Used by :func:`match_frames` and
    the calibration."""
    if kind not in KINDS:
        raise MatchConfigError(f"kind must be 'customers' or 'products', got {kind!r}")
    left, right = _check_frame(left, "left"), _check_frame(right, "right")
    lp, rp = _Prepared(left, kind), _Prepared(right, kind)
    li, ri = candidate_pairs(lp.norm, rp.norm, per_row=per_row)
    feats = name_features(lp.norm, rp.norm, lp.sorted, rp.sorted, lp.exact, rp.exact, li, ri)
    details: dict[str, list[str]] = {}
    lk = lp.keys.iloc[li].reset_index(drop=True)
    rk = rp.keys.iloc[ri].reset_index(drop=True)
    for rule in _rules(kind):
        values, detail = rule.compute(lk, rk) if len(li) else (np.empty(0), [])
        feats[rule.name] = values
        details[rule.name] = detail
    feats.insert(0, "li", li)
    feats.insert(1, "ri", ri)
    return feats, details, lp, rp


def _evidence_words(f: pd.DataFrame, details: dict[str, list[str]], rules: tuple[Rule, ...],
                    lp: _Prepared, rp: _Prepared) -> list[str]:
    li, ri = f["li"].to_numpy(), f["ri"].to_numpy()
    l_removed = lp.removed.to_numpy(dtype=object)[li]
    r_removed = rp.removed.to_numpy(dtype=object)[ri]
    exact, normalised = f["exact"].to_numpy(), f["normalised"].to_numpy()
    pct = np.round(100 * np.maximum(f["sort"].to_numpy(), f["set"].to_numpy())).astype(int)
    rule_vals = [(r, f[r.name].to_numpy(), details[r.name]) for r in rules]
    why = f["why_ambiguous"].to_numpy(dtype=object)
    rows = f.index.to_numpy()  # positions into the full candidate list, as ``details`` is
    out: list[str] = []
    for k in range(len(f)):
        removed = [x for x in dict.fromkeys([l_removed[k], r_removed[k]]) if x]
        after = f" after removing {' / '.join(repr(x) for x in removed)}" if removed else ""
        if exact[k] == 1.0:
            parts = ["same name (ignoring case and spaces)"]
        elif normalised[k] == 1.0:
            parts = [f"same name{after or ' after normalising'}"]
        else:
            parts = [f"name {pct[k]}% similar{after or ' after normalising'}"]
        for rule, vals, detail in rule_vals:
            if vals[k] >= 0.5:
                parts.append(rule.agree.format(detail[rows[k]]))
            elif vals[k] <= -0.5:
                parts.append(rule.differ.format(detail[rows[k]]))
        if why[k]:
            parts.append(str(why[k]))
        out.append("; ".join(parts))
    return out


def match_frames(
    left: pd.DataFrame,
    right: pd.DataFrame,
    kind: Kind | str = "customers",
    top: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    per_row: int = 15,
) -> pd.DataFrame:
    """Candidate matches of each ``left`` row among ``right`` rows.

    Frames need ``id`` and ``name``; any of ``email, domain, website, phone, tax_number, city,
    country`` (customers) or ``code, sku, price, description`` (products) are used as evidence.
    Returns one row per left row and candidate (up to ``top``, score >= ``threshold``), sorted
    by left row then rank, with :data:`OUTPUT_COLUMNS`. ``proposed`` marks the one-to-one
    pick (each right row proposed for at most one left row); ``ambiguous`` marks ties,
    near-ties and names that could go two ways. Left rows with no candidate are absent.
    """
    if not isinstance(top, int) or top < 1:
        raise MatchConfigError(f"top must be a positive integer, got {top!r}")
    if not 0 <= float(threshold) <= 100:
        raise MatchConfigError(f"threshold must be between 0 and 100, got {threshold!r}")
    f, details, lp, rp = pair_features(left, right, kind, per_row=max(per_row, top))
    f["score"] = np.round(score_from_features(f, kind), 1)
    f = f[f["score"] >= float(threshold)]
    f = f.sort_values(["li", "score", "ri"], ascending=[True, False, True], kind="stable")
    f["rank"] = f.groupby("li").cumcount() + 1
    f = f[f["rank"] <= top].copy()
    flag_ambiguous(f)
    f["proposed"] = one_to_one(f)
    strong = [r.name for r in _rules(kind) if r.strong]
    has_strong = (f[strong] >= 0.5).any(axis=1) if strong else pd.Series(False, index=f.index)
    f["method"] = np.select(
        [f["exact"] == 1.0, f["normalised"] == 1.0, has_strong],
        ["exact", "normalised", "evidence"], default="fuzzy",
    )
    # some evidence speaks against the pair (different codes, editions, prices ...): the
    # same test as the "differ" words in the evidence text
    rule_names = [r.name for r in _rules(kind)]
    f["conflict"] = (f[rule_names] <= -0.5).any(axis=1) if rule_names else False
    f["evidence"] = _evidence_words(f, details, _rules(kind), lp, rp)
    li, ri = f["li"].to_numpy(), f["ri"].to_numpy()
    out = pd.DataFrame({
        "left_id": lp.frame["id"].astype(str).to_numpy()[li],
        "right_id": rp.frame["id"].astype(str).to_numpy()[ri],
        "score": f["score"].to_numpy(),
        "method": f["method"].to_numpy(),
        "rank": f["rank"].to_numpy(dtype=np.int64),
        "ambiguous": f["ambiguous"].to_numpy(dtype=bool),
        "evidence": f["evidence"].to_numpy(),
        "left_name": lp.names.to_numpy(dtype=object)[li],
        "right_name": rp.names.to_numpy(dtype=object)[ri],
        "proposed": f["proposed"].to_numpy(dtype=bool),
        "conflict": f["conflict"].to_numpy(dtype=bool),
    })
    out = out.reset_index(drop=True)
    # so that ``auto_accepted(m)`` knows which rule applies (kept by filtering and copying)
    out.attrs["kind"] = kind
    return out


def auto_accepted(matches: pd.DataFrame, at: float = AUTO_ACCEPT,
                  kind: Kind | str | None = None) -> pd.DataFrame:
    """The rows of a :func:`match_frames` result safe to accept without a person: proposed
    (one-to-one), not ambiguous, score >= ``at`` and, for products, no evidence against the
    pair (``conflict``: different codes, numbers/editions or prices, unlike descriptions).

    ``kind`` defaults to the one :func:`match_frames` recorded in ``matches.attrs``.
    Products get the stricter rule because names alone cannot tell editions apart ("5-user"
    vs "1-user", a different price): a pair any evidence disputes goes to a person.
    """
    kind = kind if kind is not None else matches.attrs.get("kind")
    if kind not in KINDS:
        raise MatchConfigError(
            f"auto_accepted: kind must be 'customers' or 'products', got {kind!r} "
            "(pass kind=..., or use a frame from match_frames, which records it)"
        )
    keep = matches["proposed"] & ~matches["ambiguous"] & (matches["score"] >= at)
    if kind == "products":
        if "conflict" not in matches.columns:
            raise MatchConfigError("auto_accepted: products need the 'conflict' column of "
                                   "match_frames")
        keep &= ~matches["conflict"].astype(bool)
    return matches[keep].reset_index(drop=True)
