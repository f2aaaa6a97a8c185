"""Bulk actions: what one action would change over many rows (a :class:`BulkPreview`,
with what is skipped and why), then writing exactly those rows in one transaction.

Functions over a :class:`Review`; its ``preview`` and ``apply`` methods call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .._exceptions import InputError
from ..store import Decision
from ._types import _REJECT_PREFIX, BULK_ACTIONS, COLUMNS, REJECTED, BulkPreview

if TYPE_CHECKING:
    from ._model import Review

__all__ = ["apply_bulk", "preview_bulk"]


def preview_bulk(review: Review, action: str, *, score_min: float | None = None,
                 atera_ids: Sequence[str] | None = None, include_decided: bool = False,
                 include_ambiguous: bool = False, sample: int = 10) -> BulkPreview:
    """See :meth:`Review.preview`."""
    if action not in BULK_ACTIONS:
        raise InputError(f"unknown bulk action {action!r}; use {', '.join(BULK_ACTIONS)}")
    rows = review.view() if atera_ids is None else review._table.loc[
        [a for a in atera_ids if a in review._table.index]]
    skipped: dict[str, str] = {}
    if score_min is not None and action in ("accept", "reject"):
        # Below the threshold: not part of the action at all (so not "skipped" either).
        rows = rows[rows["score"] >= score_min]
    if not include_decided and action != "clear":
        decided = rows["decision"] != ""
        skipped.update(dict.fromkeys(rows.loc[decided, "atera_id"], "already decided"))
        rows = rows[~decided]
    if action in ("accept", "reject"):
        none = rows["xero_id"] == ""
        skipped.update(dict.fromkeys(rows.loc[none, "atera_id"], "no candidate"))
        rows = rows[~none]
    if action == "accept":
        if not include_ambiguous:
            amb = rows["ambiguous"].astype(bool)
            skipped.update(dict.fromkeys(rows.loc[amb, "atera_id"],
                                         "ambiguous: choose by hand"))
            rows = rows[~amb]
        taken = review._taken()
        owner = rows["xero_id"].map(taken)
        clash = owner.notna() & (owner != rows["atera_id"])
        skipped.update({a: f"Xero record already matched to Atera {o}"
                        for a, o in zip(rows.loc[clash, "atera_id"], owner[clash],
                                        strict=True)})
        rows = rows[~clash]
        dup = rows["xero_id"].duplicated(keep=False)
        skipped.update(dict.fromkeys(rows.loc[dup, "atera_id"],
                                     "two or more rows want the same Xero record"))
        rows = rows[~dup]
        same = (rows["decision"] == "match") & (rows["decided_xero_id"] == rows["xero_id"])
        rows = rows[~same]
    elif action == "clear":
        rows = rows[(rows["decision"] != "") | rows["_rejected"].map(bool)]
    else:
        target = {"create": "create", "unmatch": "unmatch"}.get(action)
        if target:
            rows = rows[rows["decision"] != target]
    where = f" with score >= {score_min:g}" if score_min is not None else ""
    desc = f"{action} {len(rows)} {review.kind}{where}"
    return BulkPreview(
        action=action,
        atera_ids=tuple(rows["atera_id"]),
        xero_ids=tuple(x or None for x in rows["xero_id"]),
        sample=rows[list(COLUMNS)].head(sample).reset_index(drop=True),
        skipped=skipped,
        description=desc,
        _state=tuple(review._state_keys(list(rows["atera_id"])).values()),
    )


def apply_bulk(review: Review, preview: BulkPreview) -> int:
    """See :meth:`Review.apply`."""
    expected = dict(zip(preview.atera_ids, preview._state, strict=True))
    t = review._table
    decisions: list[Decision] = []
    if preview.action in ("accept", "reject"):
        now = t.loc[list(preview.atera_ids), "xero_id"].tolist()
        if now != [x or "" for x in preview.xero_ids]:
            raise InputError("the shown candidates changed since the preview; preview again")
    rows = t.loc[list(preview.atera_ids)].to_dict("records")
    for r, xid in zip(rows, preview.xero_ids, strict=True):
        aid = str(r["atera_id"])
        if preview.action == "accept":
            score: float | None = None if pd.isna(r["score"]) else float(r["score"])
            decisions.append(review._decision(aid, "match", xid, "bulk", score,
                                            f"bulk accept ({r['method']})"))
        elif preview.action == "reject":
            rej = " ".join((*r["_rejected"], str(xid)))
            decisions.append(review._decision(aid, "clear", xid, REJECTED, None,
                                            _REJECT_PREFIX + rej))
        else:
            decisions.append(review._decision(aid, preview.action, method="bulk"))
    return review._commit(decisions, f"bulk {preview.action}", expected)
