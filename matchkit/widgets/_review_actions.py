"""The review grid's actions: what its buttons and keys call (a mixin of ReviewGrid, which
holds the widgets). Each is one call on :class:`matchkit.review.Review`, then the rows it
changed are redrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import ipywidgets as w

from .._exceptions import InputError
from ..review import BulkPreview, Review
from ._common import esc, html_table
from ._texts import plural

__all__ = ["ReviewActions"]


class ReviewActions:
    """Row actions, moving, undo and the bulk preview/confirm of the review grid."""

    review: Review
    status: w.HTML
    candidates: w.Select
    results: w.Select
    bulk_action: w.Dropdown
    threshold: w.FloatSlider
    preview_box: w.HTML
    confirm_btn: w.Button
    cancel_btn: w.Button
    _pending: BulkPreview | None

    def _visible_ids(self) -> list[str]:
        raise NotImplementedError

    def _move_to(self, aid: str | None) -> None:
        raise NotImplementedError

    def _update_rows(self, ids: list[str], *, detail: bool = True) -> None:
        raise NotImplementedError

    def _render(self) -> None:
        raise NotImplementedError

    def select(self, atera_id: str) -> None:
        self.review.select(atera_id)
        self._move_to(atera_id)

    def next(self) -> str | None:
        ids = self._visible_ids()
        cur = self.review.selected
        i = ids.index(cur) + 1 if cur in ids else 0
        self._move_to(ids[min(i, len(ids) - 1)] if ids else None)
        return self.review.selected

    def previous(self) -> str | None:
        ids = self._visible_ids()
        cur = self.review.selected
        i = ids.index(cur) - 1 if cur in ids else len(ids) - 1
        self._move_to(ids[max(i, 0)] if ids else None)
        return self.review.selected

    def _act(self, fn: Callable[[], int], verb: str, advance: bool = False) -> None:
        aid = self.review.selected
        n = fn()
        # Feedback first: the grid's cell messages make the front end redraw, which is slower.
        self.status.value = f"{esc(verb)} Atera {esc(aid)}" if n else "no change"
        # moving on draws the next row's panel: not this one's first (two more messages)
        self._update_rows([aid] if aid else [], detail=not advance)
        if advance:
            self.next()

    def accept(self) -> None:
        self._act(self.review.accept, "accepted", advance=True)

    def reject(self) -> None:
        self._act(self.review.reject, "rejected the suggestion for")

    def create(self) -> None:
        self._act(self.review.create, "to create in Xero:", advance=True)

    def leave_unmatched(self) -> None:
        self._act(self.review.leave_unmatched, "left unmatched:", advance=True)

    def clear(self) -> None:
        self._act(self.review.clear, "cleared")

    def accept_candidate(self) -> None:
        xid = self.candidates.value
        if not xid:
            _fail("choose a candidate in the list first")
        self._act(lambda: self.review.accept(xero_id=xid), "matched")

    def match_result(self) -> None:
        xid = self.results.value
        if not xid:
            _fail("search for a Xero record and choose it in the results first")
        self._act(lambda: self.review.accept(xero_id=xid), "matched")

    def undo(self) -> None:
        label = self.review.undo_label
        self.review.undo()
        self.status.value = f"undone: {esc(label)} ({plural(len(self.review.last_changed), 'row')})"
        self._update_rows(list(self.review.last_changed))

    def reload(self) -> None:
        self.review.refresh()
        self._render()
        self.status.value = "decisions reloaded from the workspace"

    def preview(self) -> BulkPreview:
        """Show what the chosen bulk action would change on the shown rows; write nothing."""
        action = self.bulk_action.value
        thr = float(self.threshold.value) if action in ("accept", "reject") else None
        p = self.review.preview(action, score_min=thr, atera_ids=self._visible_ids())
        self._pending = p
        reasons: dict[str, int] = {}
        for why in p.skipped.values():
            reasons[why] = reasons.get(why, 0) + 1
        skipped = "".join(f"<li>{n} skipped: {esc(why)}</li>" for why, n in reasons.items())
        records = [{str(k): v for k, v in r.items()} for r in p.sample.to_dict("records")]
        sample = html_table(records,
                            ["atera_id", "atera_name", "xero_name", "score", "method",
                             "decision"], ["Atera id", "Atera", "Xero", "score", "method",
                                           "now"], css_class="mk-review-sample")
        self.preview_box.value = (
            f"<div><b>{esc(p)}</b>. Sample:</div>{sample}<ul>{skipped}</ul>"
            + ("<div>Press Confirm to write these decisions (Undo takes them back).</div>"
               if p.count else "<div>Nothing to do.</div>"))
        self.confirm_btn.disabled = p.count == 0
        self.cancel_btn.disabled = False
        return p

    def confirm(self) -> int:
        if self._pending is None:
            _fail("preview a bulk action first")
        p, self._pending = self._pending, None
        self.confirm_btn.disabled = self.cancel_btn.disabled = True
        n = self.review.apply(p)
        self.preview_box.value = ""
        self._update_rows(list(self.review.last_changed))
        self.status.value = f"{esc(p.description)}: done ({plural(n, 'row')})"
        return n

    def cancel(self) -> None:
        self._pending = None
        self.preview_box.value = ""
        self.confirm_btn.disabled = self.cancel_btn.disabled = True


def _fail(message: str) -> NoReturn:
    raise InputError(message)
