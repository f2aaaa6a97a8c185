"""The cheap candidate step: which right rows are worth scoring for each left row.

Scoring every pair with the slow scorers is what makes naive fuzzy matching slow (10k x 100k
``token_set_ratio`` takes minutes). Instead:

1. *Rare-token blocking* (prefix filtering): each left name proposes every right name that
   shares one of its ``rare_tokens`` rarest words (rarity counted on the right side, words
   missing on the right skipped, words on more than ``max_df`` right names skipped). A pair
   that shares no rare word is very unlikely to be the same company or product.
   Only the rarest word blocks unconditionally; the next ones only while they are rare.
2. The blocked pairs get one fast score (rapidfuzz ``ratio`` over the names, and over their
   sorted words, elementwise with ``cpdist``), and each left row keeps its ``per_row`` best.
3. *Fallback*: a left row whose best blocked score is below ``fallback_below`` (typos in its
   rare words, or only common words) is compared with every right name by ``cdist`` in chunks
   (C++, all cores, ``score_cutoff``), so a typo never hides the right answer.
4. Pairs with the same normalised name are always kept.
5. :func:`shared_key_pairs`: pairs sharing an identifier (tax number, phone, domain; code or
   SKU) are kept whatever their names, so an acronym or a trading name is still found.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

__all__ = ["candidate_pairs", "shared_key_pairs", "sorted_words"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def sorted_words(names: pd.Series) -> pd.Series:
    """Each name's words in sorted order, so ``ratio`` on them is ``token_sort_ratio``."""
    return names.str.split().map(lambda ws: " ".join(sorted(ws)))


def _token_pairs(names: pd.Series) -> tuple[IntArray, pd.Series]:
    words = names.str.split().explode()
    words = words[words.notna() & (words != "")]
    return words.index.to_numpy(dtype=np.int64), words.astype(str).reset_index(drop=True)


def _postings(l_rows: IntArray, l_tok: IntArray, r_rows: IntArray, r_tok: IntArray,
              n_right: int) -> tuple[IntArray, IntArray]:
    """Unique (left row, right row) pairs sharing a token id, by sorted postings."""
    if len(l_tok) == 0 or len(r_tok) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    r_order = np.argsort(r_tok, kind="stable")
    r_tok_sorted, r_rows_sorted = r_tok[r_order], r_rows[r_order]
    lo = np.searchsorted(r_tok_sorted, l_tok, side="left")
    n = np.searchsorted(r_tok_sorted, l_tok, side="right") - lo
    total = int(n.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    li = np.repeat(l_rows, n)
    offsets = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    ri = r_rows_sorted[np.repeat(lo, n) + offsets]
    key = np.unique(li * (n_right + 1) + ri)
    return key // (n_right + 1), key % (n_right + 1)


def _word_pairs(names: pd.Series, limit: int = 8) -> pd.Series:
    """Every pair of distinct words of each name (of its first ``limit`` words), as one
    token "a b" with a < b."""
    def pairs(ws: list[str]) -> list[str]:
        u = sorted(set(ws[:limit]))
        return [f"{x} {y}" for i, x in enumerate(u) for y in u[i + 1:]]
    return names.str.split().map(pairs)


def _blocked(
    left: pd.Series, right: pd.Series, rare_tokens: int, max_df: int, small_df: int
) -> tuple[IntArray, IntArray]:
    l_rows, l_words = _token_pairs(left)
    r_rows, r_words = _token_pairs(right)
    if len(l_words) == 0 or len(r_words) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    codes, uniques = pd.factorize(pd.concat([r_words, l_words], ignore_index=True))
    r_tok, l_tok = codes[: len(r_words)].astype(np.int64), codes[len(r_words):].astype(np.int64)
    df = np.bincount(r_tok, minlength=len(uniques))
    # each left row's words present on the right, rarest first
    l_df = df[l_tok]
    present = l_df > 0
    l_rows, l_tok, l_df = l_rows[present], l_tok[present], l_df[present]
    order = np.lexsort((l_tok, l_df, l_rows))
    l_rows, l_tok, l_df = l_rows[order], l_tok[order], l_df[order]
    if len(l_rows) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    dup = np.r_[False, (l_rows[1:] == l_rows[:-1]) & (l_tok[1:] == l_tok[:-1])]
    l_rows, l_tok, l_df = l_rows[~dup], l_tok[~dup], l_df[~dup]
    start = np.r_[0, np.flatnonzero(l_rows[1:] != l_rows[:-1]) + 1]
    rank = np.arange(len(l_rows)) - np.repeat(start, np.diff(np.r_[start, len(l_rows)]))
    # the rarest word blocks when it is rare enough; the next ones only while they are rare
    # too, so common words ("Group", "Plumbing") never pull in thousands of pairs
    use = ((rank == 0) & (l_df <= max_df)) | ((rank < rare_tokens) & (l_df <= small_df))
    li, ri = _postings(l_rows[use], l_tok[use], r_rows, r_tok, len(right))
    # a name made only of common words blocks on its two rarest words *together*
    first_df = np.repeat(l_df[start], np.diff(np.r_[start, len(l_rows)]))
    need = (first_df > max_df) & (rank < 2)
    if need.any():
        rows2, tok2 = l_rows[need], l_tok[need]
        two = pd.Series(uniques.to_numpy(dtype=object)[tok2]).groupby(rows2).agg(
            lambda ws: " ".join(sorted(ws)) if len(ws) == 2 else "")
        two = two[two != ""]
        rp = _word_pairs(right).explode().dropna()
        codes2, _ = pd.factorize(pd.concat([rp, pd.Series(two.to_numpy(dtype=object))],
                                           ignore_index=True))
        r_tok2 = codes2[: len(rp)].astype(np.int64)
        l_tok2 = codes2[len(rp):].astype(np.int64)
        li2, ri2 = _postings(two.index.to_numpy(np.int64), l_tok2,
                             rp.index.to_numpy(np.int64), r_tok2, len(right))
        li, ri = np.r_[li, li2], np.r_[ri, ri2]
    return li, ri


def _top_per_row(li: IntArray, ri: IntArray, score: FloatArray, k: int
                 ) -> tuple[IntArray, IntArray, FloatArray]:
    if len(li) == 0:
        return li, ri, score
    order = np.lexsort((ri, -score, li))
    li, ri, score = li[order], ri[order], score[order]
    start = np.r_[0, np.flatnonzero(li[1:] != li[:-1]) + 1]
    rank = np.arange(len(li)) - np.repeat(start, np.diff(np.r_[start, len(li)]))
    keep = rank < k
    return li[keep], ri[keep], score[keep]


def _fast_score(left: Sequence[str], right: Sequence[str], left_sorted: Sequence[str],
                right_sorted: Sequence[str], li: IntArray, ri: IntArray) -> FloatArray:
    if len(li) == 0:
        return np.empty(0, np.float64)
    a = process.cpdist([left[i] for i in li], [right[j] for j in ri], scorer=fuzz.ratio,
                       workers=-1, dtype=np.float32)
    b = process.cpdist([left_sorted[i] for i in li], [right_sorted[j] for j in ri],
                       scorer=fuzz.ratio, workers=-1, dtype=np.float32)
    out: FloatArray = np.maximum(a, b).astype(np.float64)
    return out


# In the fallback, pairs whose sorted-word ratio is below this are not worth scoring.
_FALLBACK_FLOOR = 50


def candidate_pairs(
    left: pd.Series,
    right: pd.Series,
    *,
    per_row: int = 15,
    rare_tokens: int = 3,
    max_df: int | None = None,
    fallback_below: float = 60.0,
    chunk: int = 256,
) -> tuple[IntArray, IntArray]:
    """Positional (left, right) index pairs worth scoring, at most ``per_row`` (plus exact
    normalised-name pairs) per left row. ``left``/``right`` are normalised names."""
    left = left.reset_index(drop=True).astype(str)
    right = right.reset_index(drop=True).astype(str)
    n_right = len(right)
    if len(left) == 0 or n_right == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if max_df is None:
        max_df = max(50, n_right // 500)
    l_list, r_list = left.tolist(), right.tolist()
    l_sorted, r_sorted = sorted_words(left).tolist(), sorted_words(right).tolist()

    li, ri = _blocked(left, right, rare_tokens, max_df, max(20, n_right // 1000))
    fast = _fast_score(l_list, r_list, l_sorted, r_sorted, li, ri)
    li, ri, fast = _top_per_row(li, ri, fast, per_row)

    best = np.zeros(len(left))
    np.maximum.at(best, li, fast)
    weak = np.flatnonzero(best < fallback_below)
    parts_l, parts_r = [li], [ri]
    if len(weak):
        k = min(per_row, n_right)
        for s in range(0, len(weak), chunk):
            rows = weak[s:s + chunk]
            # sorted words only (token_sort_ratio): one full pass is the expensive part
            m = process.cdist([l_sorted[i] for i in rows], r_sorted, scorer=fuzz.ratio,
                              workers=-1, dtype=np.uint8)
            # a scan for the pairs worth anything beats a partial sort of every row
            rr, cc = np.nonzero(m >= _FALLBACK_FLOOR)
            fl, fr, _ = _top_per_row(rows[rr].astype(np.int64), cc.astype(np.int64),
                                     m[rr, cc].astype(np.float64), k)
            parts_l.append(fl)
            parts_r.append(fr)
    # exact normalised names are always candidates, however common their words
    exact = pd.merge(
        pd.DataFrame({"k": left, "li": np.arange(len(left))}),
        pd.DataFrame({"k": right, "ri": np.arange(n_right)}),
        on="k",
    )
    exact = exact[exact["k"] != ""]
    parts_l.append(exact["li"].to_numpy(np.int64))
    parts_r.append(exact["ri"].to_numpy(np.int64))
    key = np.unique(np.concatenate(parts_l) * (n_right + 1) + np.concatenate(parts_r))
    return key // (n_right + 1), key % (n_right + 1)


def shared_key_pairs(left_keys: Sequence[pd.Series], right_keys: Sequence[pd.Series], *,
                     max_df: int = 5) -> tuple[IntArray, IntArray]:
    """Positional pairs that share an identifier: the same tax number, phone, web/e-mail
    domain (customers) or code/SKU (products), whatever their names. Each series holds
    space-separated keys per row ("" for none); a key found on more than ``max_df`` right
    rows identifies nothing (a shared switchboard, a reseller's domain) and is skipped.

    Names alone miss an acronym ("MTA Pty Ltd" for "Murphy & Thompson Architects"): these
    pairs make sure such a record is seen, and scored, at all."""
    parts_l: list[IntArray] = []
    parts_r: list[IntArray] = []
    n_right = len(right_keys[0]) if right_keys else 0
    for lk, rk in zip(left_keys, right_keys, strict=True):
        lt = lk.reset_index(drop=True).astype(str).str.split().explode()
        rt = rk.reset_index(drop=True).astype(str).str.split().explode()
        lt, rt = lt[lt.notna() & (lt != "")], rt[rt.notna() & (rt != "")]
        if lt.empty or rt.empty:
            continue
        counts = rt.value_counts()
        rt = rt[rt.map(counts).to_numpy() <= max_df]
        joined = pd.merge(pd.DataFrame({"k": lt.to_numpy(), "li": lt.index.to_numpy()}),
                          pd.DataFrame({"k": rt.to_numpy(), "ri": rt.index.to_numpy()}), on="k")
        parts_l.append(joined["li"].to_numpy(np.int64))
        parts_r.append(joined["ri"].to_numpy(np.int64))
    if not parts_l:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.unique(np.concatenate(parts_l) * (n_right + 1) + np.concatenate(parts_r))
    return key // (n_right + 1), key % (n_right + 1)
