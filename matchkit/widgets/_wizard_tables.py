"""Paged tables for choosing Xero records for Atera rows, and for picking imports.

Thousands of rows and options would freeze the browser as one Dropdown per row with every
option (see jupyter-testing.md): a page shows ``page_size`` rows, each with a Dropdown of
its top suggestions only (and their evidence beside it), and one search panel, opened under
the row that was picked, searches every Xero record for it. Row widgets are reused across
pages, so a page flip only changes values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_string import TextStyle

from ..wizard import (
    Row,
    SharedRecordError,
    Wizard,
    preselected,
    preselection_rule,
    score_histogram,
)
from ._common import ErrorArea, css, esc, guard, lean, slug
from ._picker import SearchPanel, evidence_html, histogram_html, row_note

__all__ = ["ChoiceTable"]

UNDECIDED = "undecided"
CREATE = "create"
UNMATCH = "unmatch"
_DONE_AS = {"match": "matched to another contact", "create": "to be created in Xero",
            "unmatch": "left unmatched"}
FILTERS = {"all rows": "all", "undecided": "undecided", "needs review": "review",
           "to create": "create", "unmatched": "unmatch", "matched": "match"}


def _encode(action: str, xero_id: str | None) -> str:
    return f"match:{xero_id}" if action == "match" else action


class _Pager:
    def __init__(self, on_flip: Callable[[int], None], errors: ErrorArea) -> None:
        self.page = 0
        self.pages = 1
        self.prev = css(w.Button(description="◀ Previous", layout=w.Layout(width="110px")),
                        "page-prev")
        self.next = css(w.Button(description="Next page ▶", layout=w.Layout(width="110px")),
                        "page-next")
        self.label = css(w.HTML(value=""), "page")
        self.prev.on_click(guard(errors)(lambda _b: on_flip(self.page - 1)))
        self.next.on_click(guard(errors)(lambda _b: on_flip(self.page + 1)))
        self.widget = w.HBox([self.prev, self.label, self.next])

    def update(self, page: int, pages: int, total: int) -> None:
        self.page, self.pages = page, pages
        self.label.value = f"page {page + 1} of {pages} ({total} rows)"
        self.prev.disabled = page <= 0
        self.next.disabled = page >= pages - 1


class ChoiceTable:
    """Atera rows of one kind with a choice each: a Xero record, create, or unmatched.

    Above the rows: the one rule that chooses for a person and the step's score histogram.
    Each row: its name, a dropdown of its suggestions (empty unless the rule or a person
    chose), "Search…" (a search panel opens under the row) and the suggestions' evidence.
    """

    def __init__(self, wizard: Wizard, kind: str, errors: ErrorArea, page_size: int = 15
                 ) -> None:
        self.wizard, self.kind, self.errors, self.page_size = wizard, kind, errors, page_size
        self._updating = False
        self._visible: list[Row] = []
        g = guard(errors)
        self.filter = css(w.Dropdown(options=list(FILTERS.items()), value="all",
                                     description="Show", layout=w.Layout(width="220px")),
                          "filter")
        self.filter.observe(g(lambda _c: self.show_page(0)), names="value")
        self.pager = _Pager(self.show_page, errors)
        self.names: list[w.HTML] = []
        self.choices: list[w.Dropdown] = []
        self.picks: list[w.Button] = []
        self.evidence: list[w.HTML] = []
        self.codes: list[w.Text] = []
        self.lines: list[w.HBox] = []
        self._mk = lean()
        self._fixed = {px: w.Layout(width=px) for px in ("270px", "380px", "100px", "490px")}
        self._code_style = TextStyle(description_width="initial")
        for i in range(page_size):
            self._add_line(i, g)
        self.panel = SearchPanel(wizard, kind, errors, self._use)
        # the panel's parts, as tests and notebooks know them
        self.search_for, self.search_box = self.panel.title, self.panel.box
        self.hits, self.use = self.panel.hits, self.panel.use
        self._bulk_buttons(kind, g)
        self.counts = css(w.HTML(), "counts")
        self.rule = css(w.HTML(f"<p>{esc(preselection_rule(kind))}</p>",
                               layout=w.Layout(width="480px")), "rule")
        self.histogram = css(w.HTML(histogram_html(*score_histogram(wizard, kind), kind)),
                             "score-histogram")
        # one Xero record for two Atera rows: said under the row, done only when confirmed
        self.shared_note = css(w.HTML(), "shared-note")
        self.shared_yes = css(w.Button(description="Match anyway (the same record)",
                                       button_style="warning", layout=w.Layout(width="auto")),
                              "shared-confirm")
        self.shared_yes.on_click(g(lambda _b: self.confirm_shared()))
        self.shared_no = css(w.Button(description="Cancel"), "shared-cancel")
        self.shared_no.on_click(g(lambda _b: self._hide_shared()))
        self.shared_box = css(w.VBox([self.shared_note, w.HBox([self.shared_yes,
                                                                self.shared_no])]), "shared")
        self.shared_box.layout.display = "none"
        self._shared: tuple[str, str] | None = None
        # the slot under one row: the warning and the search for that row
        self.slot = css(w.VBox([self.shared_box, self.panel.widget]), "row-panel")
        self.rows_box = css(w.VBox(list(self.lines)), "rows")
        self.widget = css(w.VBox([
            w.HBox([self.rule, self.histogram]),
            w.HBox([self.filter, self.accept_safe, self.create_rest, self.unmatch_rest]),
            self.rows_box, self.pager.widget, self.counts,
        ]), "choice-table", f"table-{kind}")
        self.show_page(0)

    def _add_line(self, i: int, g: Callable[[Any], Any]) -> None:
        # name | the choice and Search…, with the suggestions' evidence under them. The lines
        # share their fixed layouts and styles (a step's 15 lines opened 315 comms, each a
        # message to handle before the step shows); what a line hides keeps its own layout.
        mk, fixed = self._mk, self._fixed
        name = mk(w.HTML, layout=fixed["270px"], css=("row-name", f"row-name-{i}"))
        dd = mk(w.Dropdown, options=[("", UNDECIDED)], layout=fixed["380px"],
                css=("choice", f"row-{i}"))
        dd.observe(g(lambda c, i=i: self._on_choice(i, c["new"])), names="value")
        pick = mk(w.Button, description="Search…", layout=fixed["100px"],
                  css=("pick", f"pick-{i}"))
        pick.on_click(g(lambda _b, i=i: self.pick(i)))
        why = mk(w.HTML, layout=fixed["490px"], css=("evidence", f"evidence-{i}"))
        # the Code of the item Done creates: shown, and editable, for a row to create
        code = mk(w.Text, description="Xero item Code", continuous_update=False,
                  style=self._code_style, layout=w.Layout(width="380px", display="none"),
                  css=("code", f"code-{i}"))
        code.observe(g(lambda c, i=i: self._on_code(i, str(c["new"]))), names="value")
        self.codes.append(code)
        self.names.append(name)
        self.choices.append(dd)
        self.picks.append(pick)
        self.evidence.append(why)
        self.lines.append(mk(w.HBox, [name, mk(w.VBox, [mk(w.HBox, [dd, pick]), code, why])],
                             layout=w.Layout(), css="row"))

    def _bulk_buttons(self, kind: str, g: Callable[[Any], Any]) -> None:
        self.accept_safe = css(w.Button(
            description="Accept safe suggestions", layout=w.Layout(width="auto"),
            tooltip="Match each undecided row to its suggestion when it needs no person: "
                    "score >= 95, no near-tie, one Xero record per row"
                    + (", no evidence against" if kind == "products" else "")),
            "accept-safe")
        self.accept_safe.on_click(g(lambda _b: self.accept_suggestions()))
        self.create_rest = css(w.Button(
            description="Create the clearly new in Xero", layout=w.Layout(width="auto"),
            tooltip="Every undecided row with nothing like it in Xero is created there; rows "
                    "that look like a Xero record stay undecided (filter: needs review)"),
            "create-rest")
        self.create_rest.on_click(g(lambda _b: self.bulk(CREATE)))
        self.unmatch_rest = css(w.Button(description="Leave the rest unmatched",
                                         layout=w.Layout(width="auto")), "unmatch-rest")
        self.unmatch_rest.on_click(g(lambda _b: self.bulk(UNMATCH)))

    @property
    def selected(self) -> str | None:
        """The row the search panel works for."""
        return self.panel.atera_id

    def _place(self) -> None:
        """The slot under the row it is for (when that row is on this page), else nowhere."""
        aid = self._shared[0] if self._shared is not None else self.panel.atera_id
        at = next((i for i, r in enumerate(self._visible) if r.atera_id == aid), None)
        lines: list[w.Widget] = list(self.lines)
        if at is None:
            self.panel.close()
            self._hide_shared(place=False)
        else:
            lines.insert(at + 1, self.slot)
        if list(self.rows_box.children) != lines:
            self.rows_box.children = lines

    def _hide_shared(self, place: bool = True) -> None:
        self._shared = None
        self.shared_box.layout.display = "none"
        if place:
            self._place()

    # --- rows -----------------------------------------------------------------------

    def _filtered(self) -> list[Row]:
        rows = self.wizard.rows(self.kind)
        want = self.filter.value
        if want == "all":
            return rows
        if want == "review":
            return self.wizard.needs_review(self.kind)
        return [r for r in rows if self.wizard.choice(self.kind, r.atera_id).action == want]

    def _options(self, row: Row) -> list[tuple[str, str]]:
        opts: list[tuple[str, str]] = [("— choose —", UNDECIDED)]
        seen = set()
        for o in self.wizard.options(self.kind, row.atera_id):
            score = f" ({o.score:.0f})" if o.score is not None else ""
            opts.append((f"{o.label}{score}", _encode("match", o.xero_id)))
            seen.add(o.xero_id)
        c = self.wizard.choice(self.kind, row.atera_id)
        if c.action == "match" and c.xero_id not in seen:
            opts.insert(1, (f"✓ {self.wizard.label(self.kind, c.xero_id or '')}",
                            _encode("match", c.xero_id)))
        opts.append(("+ Create in Xero", CREATE))
        opts.append(("× Leave unmatched", UNMATCH))
        return opts

    def show_page(self, page: int) -> None:
        rows = self._filtered()
        pages = max(1, -(-len(rows) // self.page_size))
        page = min(max(page, 0), pages - 1)
        self._visible = rows[page * self.page_size:(page + 1) * self.page_size]
        self._updating = True
        try:
            for i in range(self.page_size):
                line = self.lines[i]
                if i >= len(self._visible):
                    self._mark(i, None)
                    line.layout.display = "none"
                    continue
                line.layout.display = None
                self._show_row(i, self._visible[i])
        finally:
            self._updating = False
        self.pager.update(page, pages, len(rows))
        self._place()
        self._count()

    def _show_row(self, i: int, row: Row) -> None:
        price = f" · {row.price:.2f}" if row.price is not None else ""
        detail = f" · {row.detail}" if row.detail else ""
        c = self.wizard.choice(self.kind, row.atera_id)
        v = self.wizard.verdict(self.kind, row.atera_id)
        ruled = preselected(self.wizard, self.kind, row.atera_id)
        note = (row_note(v, True) if ruled is not None else
                "" if c.decided or v.status == "new" else row_note(v, False))
        self.names[i].value = (f"<b>{esc(row.name)}</b><br><small>{esc(row.source)}"
                               f"{esc(price)}{esc(detail)}</small>{note}")
        self.evidence[i].value = evidence_html(self.wizard.options(self.kind, row.atera_id),
                                               c.xero_id if c.action == "match" else None, v)
        creating = self.kind == "products" and c.action == "create"
        self.codes[i].layout.display = None if creating else "none"
        if creating:
            self.codes[i].value = self.wizard.item_code_for(row.atera_id)
        dd = self.choices[i]
        with dd.hold_sync():  # one message for its class, options and value
            self._mark(i, row.atera_id)
            dd.options = self._options(row)
            dd.value = _encode(c.action, c.xero_id)

    def _mark(self, i: int, atera_id: str | None) -> None:
        """Give line ``i``'s dropdown the class of the row it shows (none when hidden)."""
        dd = self.choices[i]
        kept = tuple(c for c in dd._dom_classes if not c.startswith("mk-choice-"))
        dd._dom_classes = kept if atera_id is None else (*kept, f"mk-choice-{slug(atera_id)}")

    def _count(self) -> None:
        tally: dict[str, int] = {}
        for r in self.wizard.rows(self.kind):
            a = self.wizard.choice(self.kind, r.atera_id).action
            tally[a] = tally.get(a, 0) + 1
        parts = [f"{tally.get(k, 0)} {label}" for k, label in
                 (("match", "matched"), ("create", "to create in Xero"),
                  ("unmatch", "left unmatched"), ("undecided", "undecided"))]
        parts.append(f"{len(self.wizard.needs_review(self.kind))} of them need review")
        self.counts.value = esc(", ".join(parts))

    def row_index(self, atera_id: str) -> int:
        """Where ``atera_id`` is on the current page (flip there first if needed)."""
        for i, r in enumerate(self._visible):
            if r.atera_id == atera_id:
                return i
        rows = self._filtered()
        for n, r in enumerate(rows):
            if r.atera_id == atera_id:
                self.show_page(n // self.page_size)
                return n % self.page_size
        raise KeyError(atera_id)

    # --- actions (all callable from code) ------------------------------------------------

    def _on_choice(self, i: int, value: Any) -> None:
        if self._updating or i >= len(self._visible) or value is None:
            return
        aid = self._visible[i].atera_id
        try:
            self.set_choice(aid, str(value))
        except Exception:
            self.show_page(self.pager.page)  # a refused choice: the row shows what holds
            raise

    def set_choice(self, atera_id: str, value: str) -> None:
        """``value``: ``match:<xero id>``, ``create``, ``unmatch`` or ``undecided``.
        A Xero record another row holds is not taken: a warning under the row names that
        row and asks for a second, explicit confirm (:meth:`confirm_shared`)."""
        self._hide_shared(place=False)
        if value.startswith("match:"):
            xero_id = value.split(":", 1)[1]
            try:
                self.wizard.choose(self.kind, atera_id, xero_id)
            except SharedRecordError:
                self._warn_shared(atera_id, xero_id)
                return
        elif value == CREATE:
            self.wizard.create(self.kind, atera_id)
        elif value == UNMATCH:
            self.wizard.unmatch(self.kind, atera_id)
        else:
            self.wizard.undecide(self.kind, atera_id)
        self._refresh(atera_id)
        self._place()
        self._count()

    def _on_code(self, i: int, value: str) -> None:
        if self._updating or i >= len(self._visible):
            return
        aid = self._visible[i].atera_id
        try:
            self.wizard.set_item_code(aid, value)
        finally:  # a refused Code: the field shows the one kept (and the error says why)
            self._refresh(aid)

    def _refresh(self, atera_id: str) -> None:
        """Redraw one row (its note and evidence follow its choice)."""
        at = next((i for i, r in enumerate(self._visible) if r.atera_id == atera_id), None)
        if at is None:
            return
        self._updating = True
        try:
            self._show_row(at, self._visible[at])
        finally:
            self._updating = False

    def _warn_shared(self, atera_id: str, xero_id: str) -> None:
        what = "item" if self.kind == "products" else "contact"
        held = self.wizard.holders(self.kind, xero_id, but=atera_id)
        others = ", ".join(f"“{r.name}” ({r.atera_id})" for r in held[:3])
        row = self.wizard.row(self.kind, atera_id)
        self._shared = (atera_id, xero_id)
        self.shared_note.value = (
            f"<span class='mk-warning'>⚠ Xero {what} “{esc(self.wizard.label(self.kind, xero_id))}”"
            f" is already matched to Atera row {esc(others)}. Match “{esc(row.name)}” to it "
            "too only if both rows are the same record.</span>")
        self.shared_box.layout.display = None
        self.panel.close()
        self.show_page(self.pager.page)  # the row shows its choice as it was

    def confirm_shared(self) -> None:
        """Match the row to the Xero record another row holds, as asked (the second,
        explicit confirm)."""
        if self._shared is None:
            raise ValueError("nothing to confirm")
        atera_id, xero_id = self._shared
        self.wizard.choose(self.kind, atera_id, xero_id, allow_shared=True)
        self._hide_shared(place=False)
        self.show_page(self.pager.page)

    def pick(self, i: int) -> None:
        """Open the (empty) search panel under row ``i``."""
        if i >= len(self._visible):
            return
        self._hide_shared(place=False)
        self.panel.open(self._visible[i])
        self._place()

    def _use(self, atera_id: str, xero_id: str) -> None:
        self.panel.close()
        self.set_choice(atera_id, f"match:{xero_id}")
        self.show_page(self.pager.page)

    def use_hit(self) -> None:
        self.panel.use_hit()

    def accept_suggestions(self) -> int:
        """Every undecided row with a safe suggestion is matched to it (see
        ``Wizard.accept_suggestions``); return how many."""
        n = self.wizard.accept_suggestions(self.kind)
        self.show_page(self.pager.page)
        return n

    def bulk(self, action: str) -> None:
        """``create``: every undecided row with nothing like it in Xero is created (look-alikes
        stay undecided: a person names each one); ``unmatch``: every undecided row is left
        unmatched."""
        if action == CREATE:
            self.wizard.create_new(self.kind)
        else:
            for r in self.wizard.rows(self.kind):
                if not self.wizard.choice(self.kind, r.atera_id).decided:
                    self.wizard.unmatch(self.kind, r.atera_id)
        self.show_page(self.pager.page)
