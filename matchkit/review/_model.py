"""The :class:`Review` model: one row per Atera record with its best remaining suggestion
and current decision; filters, single and bulk actions, undo. See the package docstring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import InputError
from ..sources import xero_names
from ..store import Decision, Workspace
from . import _build, _bulk, _files, _view
from ._records import atera_records
from ._types import (
    _REJECT_PREFIX,
    COLUMNS,
    KINDS,
    REJECTED,
    ApplyResult,
    BulkPreview,
    Counts,
    ReviewFilter,
    _Batch,
    _blank,
    _rejected_ids,
    _text,
)

__all__ = ["Review"]


class Review:
    """Suggestions plus current decisions for one kind, with filters, actions and undo.

    ``suggestions`` has the columns of ``matchkit.matching.match_frames`` (``left_id,
    right_id, score, method, rank, ambiguous, evidence, left_name, right_name``); a row with
    an empty ``right_id`` stands for an Atera record without candidates. ``xero`` (``id,
    name``) lists every Xero record for :meth:`search`; by default the latest snapshot.
    ``atera`` (``id, name``) adds Atera records that have no suggestion at all.
    """

    def __init__(
        self,
        ws: Workspace,
        kind: str,
        suggestions: pd.DataFrame,
        *,
        xero: pd.DataFrame | None = None,
        atera: pd.DataFrame | None = None,
        who: str | None = None,
        run_id: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; use customers or products")
        missing = [c for c in ("left_id", "right_id", "score") if c not in suggestions]
        if missing:
            raise InputError(f"suggestions lack column(s) {', '.join(missing)}")
        self.ws = ws
        self.kind = kind
        self.who = who
        self.run_id = run_id or ws.new_run_id("review")
        c = _build.build_candidates(suggestions, atera)
        self._cands, self._slices = c.frame, c.slices
        if xero is None:
            # Every Xero record, archived contacts too: a person may still pick one. Empty
            # when Xero was never snapshotted.
            xero = xero_names(ws, kind)
        self.xero = _build.xero_choices(xero, self._cands)
        self._xero_names = dict(zip(self.xero["id"].to_numpy(dtype=object),
                                    self.xero["name"].to_numpy(dtype=object), strict=True))
        self._table = _build.build_table(c)
        self._undo: list[_Batch] = []
        self._filter = ReviewFilter()
        self._sort: tuple[str, bool] = ("score", False)
        self._view: pd.DataFrame | None = None
        self.selected: str | None = None
        self.last_changed: tuple[str, ...] = ()  # Atera ids the last action wrote
        self.refresh()

    @classmethod
    def from_workspace(cls, ws: Workspace, kind: str, *, who: str | None = None,
                       run_id: str | None = None) -> Review:
        """A review over the latest stored suggestions of ``kind``."""
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; use customers or products")
        with ws.connect():  # one open of the file for all the reads below
            sugg = ws.latest_suggestions(kind)
            if sugg.empty:
                raise InputError(
                    f"the workspace {ws.path} has no {kind} suggestions yet: run `matchkit "
                    f"suggest --kind {kind}` first (the wizard in JupyterLab makes them too)"
                )
            return cls(ws, kind, sugg, atera=atera_records(ws, kind), who=who, run_id=run_id)

    # --- decisions state --------------------------------------------------------------

    def _latest_rows(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        return self.ws.current_decisions(self.kind, ids=ids, clears=True)

    def refresh(self) -> None:
        """Reload current decisions from the workspace (another notebook or the CLI)."""
        latest = self._latest_rows()
        t = self._table
        for col in ("decision", "decided_xero_id", "decided_xero_name", "_method", "_note"):
            t[col] = ""
        t["_rejected"] = pd.Series([()] * len(t), index=t.index, dtype=object)
        t["_score"] = np.nan
        t["_decision_id"] = ""
        latest = latest[latest["atera_id"].isin(t.index)]
        if not latest.empty:
            self._set_state([{str(k): v for k, v in r.items()}
                             for r in latest.to_dict("records")])
        self._view = None

    def _set_state(self, rows: Iterable[dict[str, Any]]) -> None:
        """Put the latest log rows (dicts with action, xero_id, method, note) into the table."""
        rows = list(rows)
        if not rows:
            return
        ids = [r["atera_id"] for r in rows]
        actions = [("" if r["action"] == "clear" else r["action"]) for r in rows]
        xids = [_text(r.get("xero_id")) if r["action"] == "match" else "" for r in rows]
        t = self._table
        t.loc[ids, "decision"] = actions
        t.loc[ids, "decided_xero_id"] = xids
        t.loc[ids, "decided_xero_name"] = [self._xero_names.get(x, "") if x else "" for x in xids]
        t.loc[ids, "_method"] = [_text(r.get("method")) for r in rows]
        t.loc[ids, "_note"] = [_text(r.get("note")) for r in rows]
        t.loc[ids, "_decision_id"] = [_text(r.get("decision_id")) for r in rows]
        t.loc[ids, "_score"] = [np.nan if _blank(r.get("score")) else float(r["score"])
                                for r in rows]
        rejected = [_rejected_ids(r.get("method"), r.get("note")) if r["action"] == "clear"
                    else () for r in rows]
        old = t.loc[ids, "_rejected"].tolist()
        t.loc[ids, "_rejected"] = pd.Series(rejected, index=ids, dtype=object)
        for aid, before, after in zip(ids, old, rejected, strict=True):
            if before or after:
                self._retop(aid, set(after))

    def _candidates_of(self, aid: str) -> pd.DataFrame:
        a, b = self._slices.get(aid, (0, 0))
        return self._cands.iloc[a:b]

    def _retop(self, aid: str, rejected: set[str]) -> None:
        c = self._candidates_of(aid)
        c = c[~c["right_id"].isin(rejected)]
        t = self._table
        if c.empty:
            t.loc[aid, ["xero_id", "xero_name", "method", "evidence"]] = ["", "", "", ""]
            t.loc[aid, "score"] = np.nan
            t.loc[aid, "ambiguous"] = False
        else:
            r = c.iloc[0]
            t.loc[aid, ["xero_id", "xero_name", "method", "evidence"]] = [
                r["right_id"], _text(r["right_name"]), _text(r["method"]), _text(r["evidence"])]
            t.loc[aid, "score"] = float(r["score"])
            t.loc[aid, "ambiguous"] = bool(r["ambiguous"])

    def _state_keys(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """What identifies each row's decision state (compared before writing)."""
        t = self._table.loc[list(ids), ["decision", "decided_xero_id", "_rejected"]]
        return {a: (str(d), str(x), " ".join(r)) for a, d, x, r in zip(
            ids, t["decision"], t["decided_xero_id"], t["_rejected"], strict=True)}

    def _previous(self, ids: Sequence[str]) -> list[Decision]:
        """The current state of ``ids`` as decisions that restore it when re-appended."""
        t = self._table.loc[list(ids)]
        out = []
        for r in t.to_dict("records"):
            score: float | None = None if pd.isna(r["_score"]) else float(r["_score"])
            xid = r["decided_xero_id"] or (r["_rejected"][-1] if r["_rejected"] else None)
            out.append(Decision(self.kind, r["decision"] or "clear", r["atera_id"], xid,
                                r["_method"] or "undo", score, self.who, self.run_id,
                                r["_note"] or None))
        return out

    def _taken(self) -> dict[str, str]:
        t = self._table
        m = t[(t["decision"] == "match") & (t["decided_xero_id"] != "")]
        return dict(zip(m["decided_xero_id"], m["atera_id"], strict=True))

    # --- writing ----------------------------------------------------------------------

    def _commit(self, decisions: list[Decision], label: str,
                expected: dict[str, tuple[str, str, str]] | None = None) -> int:
        """Append ``decisions`` in one transaction, if the log still matches the model."""
        if not decisions:
            return 0
        ids = [d.atera_id for d in decisions if d.atera_id is not None]
        previous = self._previous(ids)
        with self.ws.transaction():
            latest = self._latest_rows(ids)
            stale = self._stale(latest, ids, expected)
            if stale:
                raise InputError(
                    f"{len(stale)} row(s) changed since this review loaded them (e.g. Atera "
                    f"{stale[0]}), probably in another notebook or the CLI; nothing was "
                    "written. Press Refresh (in the CLI: run the command again) and try again."
                )
            new_ids = self.ws.record_decisions(decisions)
        self._set_state([{"atera_id": d.atera_id, "action": d.action, "xero_id": d.xero_id,
                          "method": d.method, "note": d.note, "score": d.score,
                          "decision_id": i} for d, i in zip(decisions, new_ids, strict=True)])
        self._undo.append(_Batch(label, previous))
        self._view = None
        self.last_changed = tuple(ids)
        return len(decisions)

    def _stale(self, latest: pd.DataFrame, ids: list[str],
               expected: dict[str, tuple[str, str, str]] | None) -> list[str]:
        db: dict[str, tuple[str, str, str]] = {}
        for r in latest.to_dict("records"):
            action = "" if r["action"] == "clear" else r["action"]
            xid = _text(r["xero_id"]) if r["action"] == "match" else ""
            rej = _rejected_ids(r["method"], r["note"]) if r["action"] == "clear" else ()
            db[r["atera_id"]] = (action, xid, " ".join(rej))
        now = self._state_keys(ids)
        out = []
        for aid in ids:
            model = expected[aid] if expected and aid in expected else now[aid]
            if db.get(aid, ("", "", "")) != model or now[aid] != model:
                out.append(aid)
        return out

    def _row(self, atera_id: str | None) -> pd.Series:
        aid = atera_id if atera_id is not None else self.selected
        if aid is None:
            raise InputError("no row selected; select a row or pass an Atera id")
        if aid not in self._table.index:
            raise InputError(f"unknown Atera {self.kind[:-1]} id {aid!r}")
        row: pd.Series = self._table.loc[aid]  # type: ignore[assignment]  # unique index
        return row

    def _decision(self, aid: str, action: str, xero_id: str | None = None,
                  method: str | None = None, score: float | None = None,
                  note: str | None = None) -> Decision:
        return Decision(self.kind, action, aid, xero_id, method, score, self.who, self.run_id,
                        note)

    def accept(self, atera_id: str | None = None, xero_id: str | None = None) -> int:
        """Match a row to its shown candidate, or to ``xero_id`` (any Xero record)."""
        r = self._row(atera_id)
        aid = str(r["atera_id"])
        if xero_id is None:
            if not r["xero_id"]:
                raise InputError(f"Atera {aid} has no candidate left; search for a Xero record "
                                 "and pass its id, or create it in Xero")
            xid, method, score = str(r["xero_id"]), str(r["method"]) or "manual", r["score"]
        else:
            xid = str(xero_id)
            if xid not in self._xero_names:
                raise InputError(f"unknown Xero id {xid!r} for {self.kind}")
            c = self._candidates_of(aid)
            hit = c[c["right_id"] == xid]
            method, score = "manual", (hit["score"].iloc[0] if len(hit) else None)
        owner = self._taken().get(xid)
        if owner is not None and owner != aid:
            raise InputError(f"Xero record {xid} ({self._xero_names.get(xid, '')}) is already "
                             f"matched to Atera {owner}; undo or change that row first")
        if r["decision"] == "match" and r["decided_xero_id"] == xid:
            return 0
        score_f = None if score is None or pd.isna(score) else float(score)
        return self._commit([self._decision(aid, "match", xid, method, score_f)], "accept")

    def reject(self, atera_id: str | None = None) -> int:
        """Reject the shown candidate: the row stays undecided and shows the next one."""
        r = self._row(atera_id)
        aid = str(r["atera_id"])
        if not r["xero_id"]:
            raise InputError(f"Atera {aid} has no candidate to reject")
        rejected = (*r["_rejected"], str(r["xero_id"]))
        return self._commit([self._decision(aid, "clear", str(r["xero_id"]), REJECTED, None,
                                            _REJECT_PREFIX + " ".join(rejected))], "reject")

    def create(self, atera_id: str | None = None) -> int:
        """Mark a row to be created in Xero (carried out later by the sync step)."""
        return self._simple(atera_id, "create")

    def leave_unmatched(self, atera_id: str | None = None) -> int:
        """Leave a row unmatched on purpose."""
        return self._simple(atera_id, "unmatch")

    def clear(self, atera_id: str | None = None) -> int:
        """Make a row undecided again (forgets its rejected candidates too)."""
        return self._simple(atera_id, "clear")

    def _simple(self, atera_id: str | None, action: str) -> int:
        r = self._row(atera_id)
        aid = str(r["atera_id"])
        if r["decision"] == ("" if action == "clear" else action) and not r["_rejected"]:
            return 0
        return self._commit([self._decision(aid, action, method="manual")], action)

    # --- bulk (_bulk.py) --------------------------------------------------------------

    def preview(self, action: str, *, score_min: float | None = None,
                atera_ids: Sequence[str] | None = None, include_decided: bool = False,
                include_ambiguous: bool = False, sample: int = 10) -> BulkPreview:
        """What ``action`` would change on the rows now shown (or on ``atera_ids``).

        ``accept`` takes rows with a candidate scoring at least ``score_min``; rows already
        decided are left alone unless ``include_decided``, ambiguous ones (two candidates too
        close to call) unless ``include_ambiguous``. Rows whose candidate is already matched
        elsewhere, or wanted by two rows, are skipped with the reason.
        """
        return _bulk.preview_bulk(self, action, score_min=score_min, atera_ids=atera_ids,
                                  include_decided=include_decided,
                                  include_ambiguous=include_ambiguous, sample=sample)

    def apply(self, preview: BulkPreview) -> int:
        """Carry out a previewed bulk action (one transaction); return rows changed."""
        return _bulk.apply_bulk(self, preview)

    # --- undo -------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    def undo(self) -> int:
        """Undo the last action of this review (re-append the previous state of its rows)."""
        if not self._undo:
            raise InputError("nothing to undo in this review")
        batch = self._undo[-1]
        now = dt.datetime.now(dt.UTC)
        restore = [replace(d, who=self.who, run_id=self.run_id, decided_at=now)
                   for d in batch.previous]
        n = self._commit(restore, "undo")
        self._undo.pop()  # the undo's own batch
        self._undo.pop()  # the batch it undid
        return n

    # --- reading ----------------------------------------------------------------------

    @property
    def filter(self) -> ReviewFilter:
        return self._filter

    def set_filter(self, flt: ReviewFilter | None = None, **changes: Any) -> pd.DataFrame:
        """Replace the filter (or change some of its fields); return the new view."""
        base = flt if flt is not None else self._filter
        if "methods" in changes and changes["methods"] is not None:
            changes["methods"] = tuple(changes["methods"])
        try:
            self._filter = replace(base, **changes)
        except TypeError as exc:
            raise InputError(f"bad filter: {exc}") from None
        self._view = None
        return self.view()

    @property
    def sorting(self) -> tuple[str, bool]:
        """The view's sort: (column, ascending)."""
        return self._sort

    def sort(self, by: str = "score", ascending: bool = False) -> pd.DataFrame:
        if by not in COLUMNS:
            raise InputError(f"cannot sort by {by!r}; use one of {', '.join(COLUMNS)}")
        self._sort = (by, ascending)
        self._view = None
        return self.view()

    def view(self) -> pd.DataFrame:
        """The filtered, sorted rows (all columns, index = Atera id)."""
        if self._view is None:
            self._view = _view.filtered(self._table, self._filter, self._sort)
        return self._view

    def rows(self, atera_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Every row (unfiltered) or the rows of ``atera_ids``, public columns only."""
        t = self._table if atera_ids is None else self._table.loc[list(atera_ids)]
        return t[list(COLUMNS)].reset_index(drop=True)

    def page(self, number: int, size: int = 50) -> pd.DataFrame:
        """Page ``number`` (0-based) of the view, public columns only."""
        if size < 1 or number < 0:
            raise InputError("page number must be >= 0 and size >= 1")
        v = self.view()
        return v[list(COLUMNS)].iloc[number * size:(number + 1) * size].reset_index(drop=True)

    def page_count(self, size: int = 50) -> int:
        return max(1, -(-len(self.view()) // size))

    def row(self, atera_id: str | None = None) -> dict[str, Any]:
        r = self._row(atera_id)
        out = {c: r[c] for c in COLUMNS}
        out["rejected"] = tuple(r["_rejected"])
        return out

    def candidates(self, atera_id: str | None = None) -> pd.DataFrame:
        """The row's candidates, best first, with ``rejected`` and ``taken_by`` columns."""
        r = self._row(atera_id)
        c = self._candidates_of(str(r["atera_id"]))
        taken = self._taken()
        out = pd.DataFrame({
            "xero_id": c["right_id"].astype(object), "xero_name": c["right_name"].map(_text),
            "score": c["score"].astype(float), "method": c["method"].map(_text),
            "evidence": c["evidence"].map(_text),
        }).reset_index(drop=True)
        out["rejected"] = out["xero_id"].isin(set(r["_rejected"]))
        out["taken_by"] = out["xero_id"].map(lambda x: taken.get(x, "")).astype(object)
        return out

    def search(self, text: str, limit: int = 20) -> pd.DataFrame:
        """Xero records whose name or id looks like ``text`` (substring first, then fuzzy)."""
        return _view.search_xero(self.xero, text, limit)

    # --- selection --------------------------------------------------------------------

    def select(self, atera_id: str | None) -> None:
        if atera_id is not None and atera_id not in self._table.index:
            raise InputError(f"unknown Atera {self.kind[:-1]} id {atera_id!r}")
        self.selected = atera_id

    def _step(self, delta: int) -> str | None:
        ids = self.view()["atera_id"].tolist()
        if not ids:
            self.selected = None
            return None
        if self.selected in ids:
            i = min(max(ids.index(self.selected) + delta, 0), len(ids) - 1)
        else:
            i = 0 if delta > 0 else len(ids) - 1
        self.selected = ids[i]
        return self.selected

    def next(self) -> str | None:
        """Select the next row of the view (the first one if nothing is selected)."""
        return self._step(1)

    def previous(self) -> str | None:
        return self._step(-1)

    # --- counts and histogram data ----------------------------------------------------

    def counts(self) -> Counts:
        t = self._table
        d = t["decision"]
        created = (d == "create") | ((d == "match") & (t["_method"] == "created"))
        accepted = (d == "match") & ~created
        return Counts(
            total=len(t), decided=int((d != "").sum()), undecided=int((d == "").sum()),
            accepted=int(accepted.sum()), created=int(created.sum()),
            unmatched=int((d == "unmatch").sum()),
            rejected=int(((d == "") & t["_rejected"].map(bool)).sum()),
        )

    def scores_by_method(self) -> dict[str, np.ndarray]:
        """Top-candidate scores of the shown rows, per method (for the histogram)."""
        v = self.view()
        v = v[v["score"].notna()]
        return {str(m): g["score"].to_numpy() for m, g in v.groupby("method", sort=True)}

    # --- files (_files.py) ------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """Suggestions and current decisions as the decisions file has them."""
        return _files.to_frame(self)

    def export_csv(self, path: str | Path) -> int:
        """Write the decisions file (UTF-8, RFC 4180); return the number of rows."""
        return _files.export_csv(self, path)

    def apply_csv(self, path: str | Path, *, dry_run: bool = False) -> ApplyResult:
        """Apply an edited decisions file: every row checked first, then all or nothing.

        Only rows whose ``action``/``xero_id`` differ from the workspace are written. When
        the file has ``decision_id`` (as exported), a row that would change but whose
        decision was changed in the workspace after the export is refused, so an old file
        never silently overwrites newer work.
        """
        return _files.apply_csv(self, path, dry_run=dry_run)
