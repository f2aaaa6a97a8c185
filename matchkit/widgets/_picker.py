"""The Match steps' picker parts: the search under a row, the evidence, the score histogram.

The search panel opens under the row it works for, empty: nothing is selected until the
person types and clicks a hit (``Wizard.search``: a query that fits nothing finds nothing).
The histogram is plain HTML/CSS (no plotting dependency for ten bars).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w

from .._exceptions import InputError
from .._gate import Verdict
from ..wizard import Bin, Option, Row, Wizard
from ._common import ErrorArea, css, esc, guard

__all__ = ["SearchPanel", "evidence_html", "histogram_html", "row_note"]

_BAR_PX = 48  # the tallest bar


class SearchPanel:
    """Search every Xero record for one row; ``on_use(atera_id, xero_id)`` takes the hit."""

    def __init__(self, wizard: Wizard, kind: str, errors: ErrorArea,
                 on_use: Callable[[str, str], None]) -> None:
        self.wizard, self.kind, self.on_use = wizard, kind, on_use
        self.atera_id: str | None = None
        g = guard(errors)
        what = "item" if kind == "products" else "contact"
        self.title = css(w.HTML(), "search-for")
        self.box = css(w.Text(placeholder=f"type part of a Xero {what}'s name"
                              + (" or code" if kind == "products" else ""),
                              continuous_update=True, layout=w.Layout(width="360px")),
                       "search")
        self.box.observe(g(lambda _c: self.search()), names="value")
        self.hits = css(w.Select(options=[], rows=6, layout=w.Layout(width="480px")),
                        "search-hits")
        self.hits.observe(g(lambda _c: self._enable()), names="value")
        self.message = css(w.HTML(), "search-message")
        self.use = css(w.Button(description="Use for the row", button_style="primary",
                                disabled=True), "search-use")
        self.use.on_click(g(lambda _b: self.use_hit()))
        self.close_button = css(w.Button(description="Close", layout=w.Layout(width="80px")),
                                "search-close")
        self.close_button.on_click(g(lambda _b: self.close()))
        self.widget = css(w.VBox([self.title, w.HBox([self.box, self.use, self.close_button]),
                                  self.message, self.hits]), "search-panel")
        self.widget.layout.display = "none"

    def open(self, row: Row) -> None:
        """Empty, for ``row``: no query, no hit, nothing selected."""
        self.atera_id = row.atera_id
        what = "item" if self.kind == "products" else "contact"
        self.title.value = f"Search every Xero {what} for <b>{esc(row.name)}</b>:"
        self.box.value = ""
        self.search()
        self.widget.layout.display = None

    def close(self) -> None:
        self.atera_id = None
        self.widget.layout.display = "none"

    def search(self) -> None:
        text = (self.box.value or "").strip()
        hits = self.wizard.search(self.kind, text, limit=20) if text else []
        with self.hits.hold_sync():
            self.hits.options = [(_hit_label(h), h.xero_id) for h in hits]
            self.hits.index = None  # nothing chosen for the person
        self.hits.layout.display = None if hits else "none"
        if not text:
            self.message.value = "<small>Type to search; nothing is chosen until you pick.</small>"
        elif not hits:
            self.message.value = (f"<span class='mk-no-match'>no match for “{esc(text)}”"
                                  "</span>")
        else:
            tail = ("" if not any(h.role for h in hits) else
                    " (customers first, then suppliers)" if self.kind == "customers"
                    else " (sold items first)")
            # a supplier that fits best sits below the customers: say where it is
            best = max(hits, key=lambda h: h.score or 0.0)
            where = (f" The best fit, “{esc(best.label)}” ({esc(best.role)}), is further down."
                     if best.role and hits[0].role is None else "")
            self.message.value = f"<small>{len(hits)} found{tail}; pick one.{where}</small>"
        self._enable()

    def _enable(self) -> None:
        self.use.disabled = not self.hits.value

    def use_hit(self) -> None:
        if self.atera_id is None:
            raise InputError("pick a row first (its “Search…” button)")
        if not self.hits.value:
            raise InputError("no Xero record selected in the search results")
        self.on_use(self.atera_id, str(self.hits.value))


def _hit_label(o: Option) -> str:
    score = f" ({o.score:.0f})" if o.score is not None else ""
    return f"{o.label}{score}" + (f" · {o.role}" if o.role else "")


def evidence_html(options: Sequence[Option], chosen: str | None, verdict: Verdict | None = None,
                  limit: int = 2) -> str:
    """The row's best suggestions with matching's words for each (the chosen one marked);
    without a suggestion, what the verdict saw (a look-alike found by name or identifier)."""
    lines = []
    for o in options[:limit]:
        mark = "✓ " if o.xero_id == chosen else ""
        score = f"{o.score:.0f}" if o.score is not None else "–"
        why = f" — {esc(o.evidence)}" if o.evidence else ""
        near = " · near-tie" if o.ambiguous else ""
        lines.append(f"<div class='mk-evidence-line'><b>{mark}{score}</b> {esc(o.label)}"
                     f"<span class='mk-evidence-why'>{why}{near}</span></div>")
    if not lines:
        seen = (f": {esc(verdict.reason)}" if verdict is not None and verdict.reason
                and verdict.status != "new" else "")
        return f"<small class='mk-evidence-none'>no suggestion{seen}</small>"
    return "<small>" + "".join(lines) + "</small>"


def row_note(v: Verdict, chosen_for_you: bool) -> str:
    """One short line under a row: chosen for you (and why), or what Xero holds like it."""
    score = f" (score {v.score:.0f})" if v.score is not None else ""
    other = repr(v.other_name) if v.other_name else "a Xero record"
    if chosen_for_you:
        why = "carries its link key" if v.status == "link" else "has its very name"
        return (f"<br><small class='mk-chosen-for-you'>chosen for you: "
                f"“{esc(v.other_name or '')}” {why}</small>")
    text = (f"safe suggestion: {other}{score}" if v.status == "safe"
            else f"needs review: looks like {other}{score}")
    return (f"<br><small class='mk-needs-review' title='{esc(v.reason)}'>{esc(text)}"
            "</small>")


def histogram_html(bins: Sequence[Bin], none: int, kind: str) -> str:
    """Ten bars: how many rows' best suggestion scores in each band (CSS only)."""
    top = max([b.count for b in bins] + [none, 1])
    cols = []
    for label, n, cls in [*((f"{b.low}", b.count, "bar") for b in bins),
                          ("none", none, "bar-none")]:
        h = round(_BAR_PX * n / top)
        cols.append(
            "<div style='display:flex;flex-direction:column;align-items:center;width:34px'>"
            f"<small>{n}</small><div class='mk-{cls}' title='{n} rows' style='width:24px;"
            f"height:{h}px;background:{'#4c78a8' if cls == 'bar' else '#bbb'}'></div>"
            f"<small>{label}</small></div>")
    rows = "customers" if kind == "customers" else "products and rates"
    return (f"<div class='mk-histogram' title='The best suggestion score of each of the "
            f"{rows}, in bands of 10; none: no suggestion'><small>{rows.capitalize()} by best "
            "suggestion score</small>"
            "<div style='display:flex;align-items:flex-end;gap:2px;height:"
            f"{_BAR_PX + 36}px'>{''.join(cols)}</div></div>")
