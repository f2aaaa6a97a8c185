"""The bulk-review grid: thousands of suggestions in one ipydatagrid, judged with few clicks.

A thin view over :class:`matchkit.review.Review`: every button calls a model method, so
anything a person can click, code (and the tests) can call. One grid for all rows (no widget
per row: see ../shared/reference/jupyter-testing.md), one side panel for the selected row.

Keyboard: keys pressed while the grid has the focus (click a row) reach the kernel through
:class:`GridEvents`: ``j``/``n``/down next row, ``k``/``p``/up previous row, ``a`` accept,
``r`` reject, ``c`` create in Xero, ``x`` leave unmatched, ``u`` undo. They are kept from
JupyterLab, whose own single-key shortcuts ("a" inserts a cell) would fire otherwise. The same
widget reports the row a click selected (ipydatagrid's own click event never arrives from its
streaming grid).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, NoReturn

import ipywidgets as w
import numpy as np
import pandas as pd
from ipydatagrid import StreamingDataGrid

from .._exceptions import InputError
from ..review import COLUMNS, BulkPreview, Review, ReviewFilter
from ..store import Workspace
from ._common import ErrorArea, esc, guard, lean
from ._dom import GridEvents
from ._review_actions import ReviewActions
from ._review_layout import (
    _ANY,
    _CELL_UPDATE_LIMIT,
    _FETCH_DELAY_MS,
    _GRID_COLUMNS,
    _GRID_HEADERS,
    _HEADERS,
    _KEYS_HELP,
    _NO_NAN,
    _ROW_PX,
    KEYS,
    _column_widths,
    _json,
)

__all__ = ["KEYS", "ReviewGrid"]

class ReviewGrid(ReviewActions):
    """The review grid, its filters, the side panel, bulk actions, undo and keys."""

    def __init__(self, review: Review, *, height: str = "460px") -> None:
        self.review = review
        self.errors = ErrorArea()
        self._shown: list[str] = []
        self._pos: dict[str, int] = {}
        self._pending: BulkPreview | None = None
        # What the grid serves, in the model's view order. The grid starts with the real
        # table: a page model made from an empty frame has other column types (text for the
        # scores), and the first rows pushed to it broke it for good (no row ever drawn).
        self._table = self._frame(review.view())
        self._fig: Any = None
        self._vline: Any = None
        self._hist_stale = True
        # The rows the page last asked for (first, last), and the most it can draw at once
        # (from a height in px; None: unknown, so every change is followed by a tick): a
        # change pushes the rows around them (see _push_rows).
        self._viewport: tuple[int, int] | None = None
        self._screen_rows = (int(float(height[:-2])) // _ROW_PX + 2
                             if height.endswith("px") else None)
        self._mk = lean()
        self._build(height)
        self._wire()
        self._render()

    @classmethod
    def from_workspace(cls, ws: Workspace, kind: str, *, who: str | None = None) -> ReviewGrid:
        return cls(Review.from_workspace(ws, kind, who=who))

    # --- layout -----------------------------------------------------------------------

    def _build(self, height: str) -> None:
        mk = self._mk
        self._build_filters(height)
        self._build_side()
        self._build_bulk()
        wrap = w.Layout(flex_flow="row wrap")  # narrow screens: wrap, never push the panel out
        filters = mk(w.VBox, [
            mk(w.HBox, [self.score, self.ambiguous, self.state], layout=wrap),
            mk(w.HBox, [self.methods,
                        mk(w.VBox, [self.text, mk(w.HBox, [self.sort_by, self.descending])])],
               layout=wrap)])
        two = {"grid_template_columns": "1fr 1fr", "grid_gap": "4px", "width": "100%"}
        side = mk(w.VBox, [
            self.detail,
            mk(w.HTML, "<b>Candidates</b>, best first:"), self.candidates,
            self.accept_candidate_btn,
            mk(w.GridBox, [self.accept_btn, self.reject_btn, self.create_btn, self.unmatch_btn,
                           self.clear_btn, self.undo_btn, self.prev_btn, self.next_btn],
               layout=w.Layout(**two)),
            mk(w.HTML, f'{_KEYS_HELP}<div style="margin-top:6px"><b>Search</b> every Xero '
                       "record:</div>"), self.search,
            self.results, self.match_result_btn, self.events,
        ], layout=w.Layout(flex="0 0 392px", width="392px", margin="0 0 0 8px",
                           padding="0 6px 0 0"), css="review-side")
        bulk = mk(w.VBox, [
            mk(w.HBox, [self.bulk_action, self.threshold, self.preview_btn], layout=wrap),
            self.preview_box, mk(w.HBox, [self.confirm_btn, self.cancel_btn]),
        ], css="review-bulk")
        main = mk(w.VBox, [filters, self.grid, bulk],
                  layout=w.Layout(flex="1 1 auto", min_width="0"))
        self.widget = mk(w.VBox, [
            self.title, mk(w.HBox, [self.counts, self.refresh_btn]), self.status,
            self.errors.widget, mk(w.HBox, [main, side]), self.histogram_box,
        ], css="review")

    def _build_filters(self, height: str) -> None:
        """The filters, the sort and the grid."""
        mk, r = self._mk, self.review
        methods = sorted({m for m in r.rows()["method"] if m})
        self.title = mk(w.HTML, f"<h3>Review {esc(r.kind)}</h3>", css="review-title")
        self.counts = mk(w.HTML, css="review-counts")
        self.status = mk(w.HTML, css="review-status")
        self.score = mk(w.FloatRangeSlider, value=(0.0, 100.0), min=0.0, max=100.0, step=1.0,
                        description="score", continuous_update=False, readout_format=".0f",
                        css="review-score")
        self.methods = mk(w.SelectMultiple, options=methods, value=(),
                          rows=min(4, len(methods)) or 1, description="method",
                          css="review-methods")
        self.ambiguous = mk(w.Dropdown, options=[_ANY, "ambiguous", "clear-cut"], value=_ANY,
                            description="ambiguity", css="review-ambiguous")
        self.state = mk(w.Dropdown, options=[_ANY, "undecided", "decided"], value=_ANY,
                        description="decision", css="review-state")
        self.text = mk(w.Text, placeholder="name or id contains…", description="find",
                       continuous_update=False, css="review-text")
        self.sort_by = mk(w.Dropdown, options=[(_HEADERS.get(c, c), c) for c in COLUMNS],
                          value="score", description="sort", css="review-sort")
        self.descending = mk(w.Checkbox, value=True, description="descending", indent=False,
                             css="review-desc")
        # Streaming: the kernel keeps the rows and the page fetches only the ones it draws, so
        # a filter, a clear back to 10,000 rows or a bulk accept sends a screenful, not the
        # table (a full resend of 10,000 rows cost 0.6 s in the browser).
        self.grid = StreamingDataGrid(self._table, selection_mode="row", base_row_size=_ROW_PX,
                                      base_column_size=110,
                                      column_widths=_column_widths(self._table),
                                      renderers={"score": _NO_NAN},
                                      debounce_delay=_FETCH_DELAY_MS,
                                      layout=w.Layout(height=height),
                                      _dom_classes=("mk-review-grid",))
        self.events = GridEvents(self.grid, keys=list(KEYS), scope_class="mk-review",
                                 grid_class="mk-review-grid")

    def _build_side(self) -> None:
        """The side panel's controls: the row, its candidates, the actions, the search."""
        # side panel: every control as wide as the panel, so no label or list is cut off
        full = {"layout": w.Layout(width="100%")}

        def button(description: str, name: str, **kw: Any) -> w.Button:
            return self._mk(w.Button, description=description, **full, css=name, **kw)

        self.detail = self._mk(w.HTML, **full, css="review-detail")
        self.candidates = self._mk(w.Select, options=[], rows=5, **full,
                                   css="review-candidates")
        self.accept_btn = button("Accept (a)", "review-accept", button_style="success")
        self.accept_candidate_btn = button("Match to the chosen candidate",
                                           "review-accept-chosen")
        self.reject_btn = button("Reject (r)", "review-reject", button_style="warning")
        self.create_btn = button("Create in Xero (c)", "review-create")
        self.unmatch_btn = button("Leave unmatched (x)", "review-unmatch")
        self.clear_btn = button("Clear the decision", "review-clear")
        self.search = self._mk(w.Text, placeholder="part of a Xero name or id, then Enter",
                               continuous_update=False, **full, css="review-search")
        self.results = self._mk(w.Select, options=[], rows=6, **full, css="review-results")
        self.match_result_btn = button("Match to the chosen result", "review-match-result")
        self.prev_btn = button("◀ previous (k)", "review-prev")
        self.next_btn = button("next (j) ▶", "review-next")
        self.undo_btn = button("Undo (u)", "review-undo", disabled=True)
        self.refresh_btn = self._mk(w.Button, description="Reload decisions",
                                    css="review-refresh")

    def _build_bulk(self) -> None:
        """Bulk actions and the score histogram."""
        mk = self._mk
        self.threshold = mk(w.FloatSlider, value=95.0, min=0.0, max=100.0, step=0.5,
                            description="score ≥", continuous_update=False,
                            css="review-threshold")
        self.bulk_action = mk(w.Dropdown, options=["accept", "reject", "create", "unmatch",
                                                   "clear"], value="accept",
                              description="bulk", css="review-bulk-action")
        self.preview_btn = mk(w.Button, description="Preview on shown rows…",
                              layout=w.Layout(width="auto"), css="review-preview")
        self.confirm_btn = mk(w.Button, description="Confirm", button_style="danger",
                              disabled=True, css="review-confirm")
        self.cancel_btn = mk(w.Button, description="Cancel", disabled=True,
                             css="review-cancel")
        self.preview_box = mk(w.HTML, css="review-preview-box")
        self.histogram = mk(w.Image, format="png", layout=w.Layout(width="420px"),
                            css="review-histogram")
        # Drawn only while open: importing matplotlib alone costs about a second.
        self.histogram_box = mk(w.Accordion, children=[self.histogram], selected_index=None,
                                titles=("Score histogram by method (pick a threshold)",),
                                css="review-histogram-box")

    def _wire(self) -> None:
        g = guard(self.errors)
        for ctl in (self.score, self.methods, self.ambiguous, self.state, self.text,
                    self.sort_by, self.descending):
            ctl.observe(g(self._on_filter), names=["value"])
        # A click reported by GridEvents, not the `selections` trait: the page sends
        # selections back after every update of the grid, which would pull the row the keys
        # just moved to back again.
        self.events.on_row(g(self._on_row))
        self.events.on_key(g(self.press))
        # The page's data requests are answered here (with the screens around them, so the
        # next page flip draws from its cache); other requests go to ipydatagrid.
        # ipydatagrid 1.4's DataGrid handler reads content["event_type"], which the streaming
        # grid's data requests lack: each scroll logged a KeyError traceback in the kernel.
        own, streaming = self.grid._DataGrid__handle_custom_msg, self.grid._handle_comm_msg
        self.grid.on_msg(own, remove=True)
        self.grid.on_msg(streaming, remove=True)
        self.grid.on_msg(lambda grid, content, buffers: own(grid, content, buffers)
                         if "event_type" in content else None)
        self.grid.on_msg(lambda grid, content, buffers: self._on_page_msg(content)
                         if content.get("type") == "data-request"
                         else streaming(grid, content, buffers))
        self.search.observe(g(self._on_search), names=["value"])
        self.threshold.observe(g(lambda _: self._draw_histogram(data_changed=False)),
                               names=["value"])
        self.histogram_box.observe(g(lambda _: self._draw_histogram()),
                                   names=["selected_index"])
        clicks: list[tuple[w.Button, Callable[[], Any]]] = [
            (self.accept_btn, self.accept), (self.reject_btn, self.reject),
            (self.create_btn, self.create), (self.unmatch_btn, self.leave_unmatched),
            (self.clear_btn, self.clear), (self.undo_btn, self.undo),
            (self.prev_btn, self.previous), (self.next_btn, self.next),
            (self.accept_candidate_btn, self.accept_candidate),
            (self.match_result_btn, self.match_result), (self.preview_btn, self.preview),
            (self.confirm_btn, self.confirm), (self.cancel_btn, self.cancel),
            (self.refresh_btn, self.reload),
        ]
        for btn, fn in clicks:
            btn.on_click(g(lambda _b, fn=fn: fn()))

    # --- rendering --------------------------------------------------------------------

    @staticmethod
    def _frame(rows: pd.DataFrame) -> pd.DataFrame:
        v = rows[["atera_id", *_GRID_COLUMNS]]
        v = v.rename(columns={"atera_id": "atera id", **_HEADERS}).set_index("atera id")
        v["ambiguous"] = v["ambiguous"].map(lambda b: "yes" if b is True else "").astype(object)
        return v

    def _send(self, rows: pd.DataFrame) -> None:
        """Make ``rows`` the grid's table: the page gets the rows it draws, then the row
        count."""
        self._table = self._frame(rows)
        with self.grid.hold_sync():
            if self.grid.selections:  # each sync of it makes the page repaint the grid
                self.grid.clear_selection()
            self.grid.data = self._table  # schema and row count only
            self._apply_header_transforms()
            # Sent now, ahead of the held row count: the page caches the rows while it still
            # draws the old count, then paints once with them (no refetch round trip).
            exact = self._push_rows()
        if not exact:
            self.grid.tick()  # the page refetches the rows it draws

    def _on_page_msg(self, content: dict[str, Any]) -> None:
        """The page asks for rows r1..r2 (it scrolled, or a tick): send them and a screen
        either side."""
        r1, r2 = int(content.get("r1", 0)), int(content.get("r2", 0))
        self._viewport = (r1, r2)
        self._push_rows(asked=(r1, r2))

    def _push_rows(self, asked: tuple[int, int] | None = None) -> bool:
        """Send the page the rows it is about to draw (``asked``, else those it last asked
        for), as its own data replies look, and a screen's worth either side. Returns
        whether that surely covers what it draws: false before it asked for any, with a grid
        height not in px, or when a shorter table may make it scroll up (then a tick follows
        and it fetches what it draws). A scroll always fetches (ipydatagrid)."""
        t = self.grid._transformed_data
        data = self._table if t is None else t
        n, screen = len(data), self._screen_rows or 60
        if n == 0:
            return True
        first = self._viewport[0] if self._viewport else 0
        exact = (self._viewport is not None and self._screen_rows is not None
                 and first + screen <= n)
        if asked is not None:  # the page is there: what it asked for, a screen either side
            lo, hi = max(0, asked[0] - screen), min(n, asked[1] + 1 + screen)
        else:  # it may scroll up if the table got shorter
            lo, hi = max(0, min(first, n - screen) - screen), min(n, first + 2 * screen)
        # Only the grid's own columns: ipydatagrid adds its row key column ("ipydguuid") to
        # the frame it is given, and a column range past the page's columns makes the page
        # fail half-way through the reply (the row header, the Atera ids, stayed "...").
        value, buffers = self.grid._serialize_helper(data.iloc[lo:hi][_GRID_HEADERS])
        self.grid.send({"event_type": "data-reply", "value": value, "r1": lo, "r2": hi - 1,
                        "c1": 0, "c2": len(_GRID_HEADERS) - 1}, buffers)
        return exact

    def _apply_header_transforms(self) -> None:
        """Redo a sort/filter made in the grid's header menu on the current table (the
        kernel applies them: the page only ever holds a screenful)."""
        if self.grid._transforms:
            self.grid._transformed_data = self.grid._apply_frontend_transforms(
                self.grid._transforms, self._table)
            self.grid._row_count = len(self.grid._transformed_data)

    def shown(self) -> pd.DataFrame:
        """The rows as the grid draws them, top to bottom (after any header sort/filter)."""
        t = self.grid._transformed_data
        return (self._table if t is None else t)[_GRID_HEADERS]

    def _render(self) -> None:
        """Show the model's current view in the grid."""
        view = self.review.view()
        self._shown = view["atera_id"].tolist()
        self._pos = {a: i for i, a in enumerate(self._shown)}
        self._show_counts()  # first: the page shows it before it repaints the grid
        self._send(view)
        self._show_detail()
        self._draw_histogram()

    def _update_rows(self, ids: list[str], *, detail: bool = True) -> None:
        """Refresh the rows an action changed, in place: they stay where they are until the
        next filter, so the analyst sees the change. The page refetches only what it draws."""
        ids = [a for a in ids if a in self._pos]
        if ids:
            fresh = self._frame(self.review.rows(ids))
            whole = len(ids) > _CELL_UPDATE_LIMIT or bool(self.grid._transforms)
            before = self._table.loc[fresh.index, _GRID_HEADERS].to_numpy()
            after = fresh[_GRID_HEADERS].to_numpy()
            cells = [] if whole else [
                (self._pos[str(aid)], j, _json(after[i, j]))
                for i, aid in enumerate(fresh.index) for j in range(len(_GRID_HEADERS))
                if _json(before[i, j]) != _json(after[i, j])]
            self._table.loc[fresh.index, fresh.columns] = fresh.to_numpy()
            if whole:
                self._apply_header_transforms()
                if not self._push_rows():
                    self.grid.tick()
            for row_no, col_no, value in cells:  # what ipydatagrid's set_cell_value sends
                self.grid.send({"event_type": "cell-changed", "row": row_no,
                                "column": _GRID_HEADERS[col_no], "column_index": col_no,
                                "value": value})
        self._show_counts()
        if detail:
            self._show_detail()

    def _show_counts(self) -> None:
        c = self.review.counts()
        self.counts.value = (
            f"<b>{c.undecided}</b> undecided of {c.total} · {c.accepted} accepted · "
            f"{c.created} to create · {c.unmatched} left unmatched · "
            f"{len(self._shown)} shown")
        with self.undo_btn.hold_sync():  # one message for both
            self.undo_btn.disabled = not self.review.can_undo
            self.undo_btn.description = (f"Undo {self.review.undo_label} (u)"
                                         if self.review.can_undo else "Undo (u)")

    def _show_detail(self) -> None:
        aid = self.review.selected
        if aid is None:
            self.detail.value = "<i>Click a row in the grid (or press j on it) to see it here.</i>"
            self.candidates.options = []
            return
        row = self.review.row(aid)
        if row["xero_name"]:
            score = "" if pd.isna(row["score"]) else f"score {row['score']:.0f} · "
            suggested = (f"Suggested: {esc(row['xero_name'])}<br><small>Xero id "
                         f"<code>{esc(row['xero_id'])}</code> · {esc(score)}"
                         f"method {esc(row['method'])} · matched on {esc(row['evidence'])}"
                         "</small>")
        else:
            suggested = "Suggested: <i>no candidate</i> (search below, or create in Xero)"
        decided = "undecided"
        if row["decision"] == "match":
            decided = (f"match → {esc(row['decided_xero_name'])} <small>(Xero id "
                       f"<code>{esc(row['decided_xero_id'])}</code>)</small>")
        elif row["decision"]:
            decided = esc({"create": "create in Xero", "unmatch": "leave unmatched"}.get(
                row["decision"], row["decision"]))
        rejected = (f"<br><small>{len(row['rejected'])} candidate(s) rejected</small>"
                    if row["rejected"] else "")
        # ids wrap anywhere rather than run past the panel's edge
        self.detail.value = (
            '<div style="line-height:1.5;overflow-wrap:anywhere">'
            f"<b>{esc(row['atera_name'])}</b><br><small>Atera id <code>{esc(aid)}</code>"
            f"</small><br>{suggested}<br>Decision: <b>{decided}</b>{rejected}</div>")
        cands = self.review.candidates(aid)
        self.candidates.options = [
            (f"{s:5.1f}  {n}" + ("  [rejected]" if rej else "")
             + (f"  [taken by {t}]" if t and t != aid else ""), x)
            for x, n, s, rej, t in zip(cands["xero_id"], cands["xero_name"], cands["score"],
                                       cands["rejected"], cands["taken_by"], strict=True)]

    def show_histogram(self) -> None:
        """Open the histogram panel (and draw it)."""
        self.histogram_box.selected_index = 0
        self._draw_histogram()

    def _draw_histogram(self, data_changed: bool = True) -> None:
        if self.histogram_box.selected_index is None:
            self._hist_stale = True
            return
        if self._fig is None:
            from matplotlib.figure import Figure  # no pyplot: no global state, no GUI

            self._fig = Figure(figsize=(5.2, 2.2), dpi=72)
            self._fig.add_subplot()
            self._hist_stale = True
        fig = self._fig
        ax = fig.axes[0]
        if data_changed or self._hist_stale:
            ax.cla()
            edges = np.arange(0, 102, 2)
            for method, scores in self.review.scores_by_method().items():
                counts, _ = np.histogram(scores, bins=edges)
                ax.stairs(counts, edges, label=f"{method} ({len(scores)})")
            self._vline = ax.axvline(self.threshold.value, color="black", linestyle="--",
                                     linewidth=1)
            ax.set_xlabel("score of the best candidate (shown rows)")
            ax.set_ylabel("rows")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7, loc="upper left")
            fig.tight_layout()
            self._hist_stale = False
        else:
            self._vline.set_xdata([self.threshold.value])
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        self.histogram.value = buf.getvalue()

    # --- events -----------------------------------------------------------------------

    def _on_filter(self, _change: Any = None) -> None:
        lo, hi = self.score.value
        self.review.set_filter(ReviewFilter(
            score_min=None if lo <= 0 else float(lo),
            score_max=None if hi >= 100 else float(hi),
            methods=tuple(self.methods.value),
            ambiguous=None if self.ambiguous.value == _ANY else self.ambiguous.value == "ambiguous",
            undecided=None if self.state.value == _ANY else self.state.value == "undecided",
            text=self.text.value.strip(),
        ))
        # Each of set_filter and sort builds the view; sort only when it changed.
        key = (str(self.sort_by.value), not self.descending.value)
        if key != self.review.sorting:
            self.review.sort(*key)
        self.review.selected = None
        self._render()

    def _visible_ids(self) -> list[str]:
        """Shown ids in the order the grid draws them (its header menu can sort/filter)."""
        t = self.grid._transformed_data
        return self._shown if t is None else [str(i) for i in t.index]

    def _on_row(self, i: int, atera_id: str | None) -> None:
        """A click selected row ``i`` of the page, whose row header reads ``atera_id``: that
        row, as the person saw it (the row number alone when the page had not drawn it)."""
        ids = self._visible_ids()
        if atera_id is None or atera_id not in self._pos:
            if not 0 <= i < len(ids):
                return
            atera_id = ids[i]
        self.review.select(atera_id)
        self._show_detail()

    def press(self, key: str) -> None:
        """A key pressed on the grid (see :data:`KEYS`)."""
        name = KEYS.get(key)
        if name is None:
            self.status.value = f"unknown key {esc(key)}; use j k a r c x u"
            return
        getattr(self, name)()

    def _on_search(self, change: dict[str, Any]) -> None:
        hits = self.review.search(change["new"])
        self.results.options = [(f"{n}  ({x})", x) for x, n in
                                zip(hits["xero_id"], hits["xero_name"], strict=True)]

    def _move_to(self, aid: str | None) -> None:
        ids = self._visible_ids()
        self.review.selected = aid
        if aid is not None and aid in ids:
            i = ids.index(aid)
            self.grid.select(i, 0, i, len(_GRID_COLUMNS) - 1, clear_mode="all")  # the highlight
        self._show_detail()


def _fail(message: str) -> NoReturn:
    raise InputError(message)
