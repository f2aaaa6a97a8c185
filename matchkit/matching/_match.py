"""``match_frames``: two frames in, scored and explained candidate pairs out."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import MatchConfigError
from ._assign import flag_ambiguous, one_to_one
from ._candidates import candidate_pairs, shared_key_pairs, sorted_words
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
# ... unless it would score this much without its rival candidates (``alone``): two
# look-alikes lower each other's score, yet each is plausible (see _new.CLEARLY_NEW).
KEEP_ALONE: float = 90.0

OUTPUT_COLUMNS: tuple[str, ...] = (
    "left_id", "right_id", "score", "method", "rank", "ambiguous", "evidence", "left_name",
    "right_name", "proposed", "conflict", "alone",
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


# Identifiers whose agreement makes a pair a candidate whatever the names (see
# ``shared_key_pairs``).
_SHARED_KEYS: dict[str, tuple[str, ...]] = {"customers": ("tax", "phone", "domain"),
                                           "products": ("code",)}


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
    cols = _SHARED_KEYS[kind]
    si, sj = shared_key_pairs([lp.keys[c] for c in cols], [rp.keys[c] for c in cols])
    if len(si):
        key = np.unique(np.r_[li * (len(right) + 1) + ri, si * (len(right) + 1) + sj])
        li, ri = key // (len(right) + 1), key % (len(right) + 1)
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
    Returns one row per left row and candidate (up to ``top``, and any more of the same name
    or sharing an identifier; score >= ``threshold``, or ``alone``, the score the pair would
    have without a rival candidate, >= :data:`KEEP_ALONE`, or any score when the names are
    the same or a strong identifier agrees), sorted by left row then rank,
    with :data:`OUTPUT_COLUMNS`. ``proposed`` marks the one-to-one pick (each right row
    proposed for at most one left row; a pair under ``threshold`` only with the very same
    name); ``ambiguous`` marks ties, near-ties and names that
    could go two ways. Left rows with no candidate are absent.

    Link keys come first: when both frames have a ``key`` column (see ``matchkit._keys``),
    a left row whose key a right row carries gets that row alone, method ``link``, score 100;
    no name of it is compared. A right row carrying *another* left row's key stays a
    candidate of the others (a person should see it) but is never proposed for them.
    """
    if not isinstance(top, int) or top < 1:
        raise MatchConfigError(f"top must be a positive integer, got {top!r}")
    if not 0 <= float(threshold) <= 100:
        raise MatchConfigError(f"threshold must be between 0 and 100, got {threshold!r}")
    left, right = _check_frame(left, "left"), _check_frame(right, "right")
    lkey, rkey = _key_column(left), _key_column(right)
    links = _link_pairs(lkey, rkey)
    f, details, lp, rp = pair_features(left, right, kind, per_row=max(per_row, top))
    f, has_strong = _kept(_scored(f, kind), kind, float(threshold), top, links)
    flag_ambiguous(f)
    held, r_k = _propose(f, lkey, rkey, links, float(threshold))
    f["method"] = np.select(
        [f["exact"] == 1.0, f["normalised"] == 1.0, has_strong],
        ["exact", "normalised", "evidence"], default="fuzzy",
    )
    # some evidence speaks against the pair (different codes, editions, prices ...): the
    # same test as the "differ" words in the evidence text; or the right row is linked to
    # another record
    rule_names = [r.name for r in _rules(kind)]
    disputed = (f[rule_names] <= -0.5).any(axis=1) if rule_names else pd.Series(
        False, index=f.index)
    f["conflict"] = disputed.to_numpy(dtype=bool) | held
    words = _evidence_words(f, details, _rules(kind), lp, rp)
    f["evidence"] = [w + (f"; linked to another record ({k})" if h else "")
                     for w, h, k in zip(words, held, r_k, strict=True)]
    out = _pairs_out(f, lp, rp)
    if len(links):
        out = pd.concat([_linked_out(links, lkey, lp, rp), out], ignore_index=True).sort_values(
            ["li", "rank"], kind="stable")
    out = out.drop(columns="li").reset_index(drop=True)
    # so that ``auto_accepted(m)`` knows which rule applies (kept by filtering and copying)
    out.attrs["kind"] = kind
    return out


def _scored(f: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The pairs with ``score`` and ``alone``."""
    f["score"] = np.round(score_from_features(f, kind), 1)
    # The score as if the pair had no rival (``margin`` at its best): a look-alike with a
    # near-twin scores low, yet is no less plausible; "clearly new" reads this one.
    alone = f.copy()
    alone["margin"] = np.minimum((f["sort"] + f["set"] + f["idf"]).to_numpy() / 3.0, 0.5)
    f["alone"] = np.round(score_from_features(alone, kind), 1)
    return f


def _kept(f: pd.DataFrame, kind: str, threshold: float, top: int, links: pd.DataFrame
          ) -> tuple[pd.DataFrame, pd.Series]:
    """The pairs worth showing, ranked per left row, and which of them share a strong
    identifier (aligned with the result)."""
    strong = [r.name for r in _rules(kind) if r.strong]
    has_strong = (f[strong] >= 0.5).any(axis=1) if strong else pd.Series(False, index=f.index)
    # below the threshold, a pair stays when a strong identifier agrees or the names are
    # the same: a person must see it (and it keeps the row from being "clearly new")
    same = (f["exact"] == 1.0) | (f["normalised"] == 1.0)
    f = f[((f["score"] >= threshold) | (f["alone"] >= KEEP_ALONE) | has_strong | same)
          & ~f["li"].isin(links["li"])]  # a linked row needs no name
    f = f.sort_values(["li", "score", "ri"], ascending=[True, False, True], kind="stable")
    f["rank"] = f.groupby("li").cumcount() + 1
    # the same name or a shared identifier is never cut by ``top`` (an acronym's only tie
    # may score low)
    f = f[(f["rank"] <= top) | has_strong.reindex(f.index) | same.reindex(f.index)].copy()
    return f, has_strong.reindex(f.index)


def _propose(f: pd.DataFrame, lkey: pd.Series, rkey: pd.Series, links: pd.DataFrame,
             threshold: float) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Sets ``proposed`` (the one-to-one pick); returns which pairs are held (the right row
    belongs to another record) and each pair's right key."""
    # a right row keyed to another record, or linked to another left row, belongs to that
    # one: shown, never proposed
    l_k = lkey.to_numpy(dtype=object)[f["li"].to_numpy()]
    r_k = rkey.to_numpy(dtype=object)[f["ri"].to_numpy()]
    held = ((r_k != "") & (l_k != "") & (r_k != l_k)) | f["ri"].isin(links["ri"]).to_numpy()
    # a pair kept below the threshold only for a person to see (an identifier, ``alone``,
    # a name equal but for its legal form) is not proposed: such picks are mostly wrong
    # (generated 2,000 x 20,000 customers: precision of the proposed pairs 0.947 -> 0.850
    # when they were). The very name stays eligible: Xero holds no second one.
    eligible = ~held & ((f["score"] >= threshold) | (f["exact"] == 1.0)).to_numpy()
    picked = np.zeros(len(f), dtype=bool)
    if eligible.any():
        picked[np.flatnonzero(eligible)] = one_to_one(f[eligible])
    f["proposed"] = picked
    return held, r_k


def _pairs_out(f: pd.DataFrame, lp: _Prepared, rp: _Prepared) -> pd.DataFrame:
    li, ri = f["li"].to_numpy(), f["ri"].to_numpy()
    return pd.DataFrame({
        "li": li,
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
        "alone": f["alone"].to_numpy(),
    })


def _linked_out(links: pd.DataFrame, lkey: pd.Series, lp: _Prepared, rp: _Prepared
                ) -> pd.DataFrame:
    """The pairs of equal link keys: score 100, method ``link``."""
    li, ri = links["li"].to_numpy(), links["ri"].to_numpy()
    # a key on two right rows (or claimed twice): a person picks
    twice = links["li"].duplicated(keep=False).to_numpy() | links["ri"].duplicated(
        keep=False).to_numpy()
    return pd.DataFrame({
        "li": li,
        "left_id": lp.frame["id"].astype(str).to_numpy()[li],
        "right_id": rp.frame["id"].astype(str).to_numpy()[ri],
        "score": 100.0, "method": "link",
        "rank": links.groupby("li").cumcount().to_numpy(dtype=np.int64) + 1,
        "ambiguous": twice,
        "evidence": [f"same link key {k}" + ("; ambiguous: the key is on several records"
                                             if t else "")
                     for k, t in zip(lkey.to_numpy(dtype=object)[li], twice, strict=True)],
        "left_name": lp.names.to_numpy(dtype=object)[li],
        "right_name": rp.names.to_numpy(dtype=object)[ri],
        "proposed": ~twice, "conflict": False, "alone": 100.0,
    })


def _key_column(frame: pd.DataFrame) -> pd.Series:
    """The frame's ``key`` column as upper-case text ("" when absent or empty)."""
    if "key" not in frame.columns:
        return pd.Series([""] * len(frame), dtype=object)
    k = frame["key"].astype(object).where(frame["key"].notna(), "")
    return k.astype(str).str.strip().str.upper().reset_index(drop=True)


def _link_pairs(lkey: pd.Series, rkey: pd.Series) -> pd.DataFrame:
    """Positional (li, ri) pairs whose non-empty keys are equal, by left then right row."""
    a = pd.DataFrame({"k": lkey.to_numpy(), "li": np.arange(len(lkey))})
    b = pd.DataFrame({"k": rkey.to_numpy(), "ri": np.arange(len(rkey))})
    j = pd.merge(a[a["k"] != ""], b[b["k"] != ""], on="k")
    return j[["li", "ri"]].sort_values(["li", "ri"]).reset_index(drop=True)


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
