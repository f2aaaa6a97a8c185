"""Xero customers to create in Atera: an opt-in list on the Import into Atera step."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..wizard import Wizard, held_back, looks_like
from ._common import ErrorArea, css, esc, guard, html_list, slug
from ._wizard_tables import _DONE_AS, _Pager

__all__ = ["ImportTable"]


class ImportTable:
    """Xero customers without an Atera match, each with a checkbox to import it.

    A contact that an undecided Atera customer plausibly is (see
    :func:`matchkit.wizard.held_back`) is not offered until that customer is decided; one
    that a decided Atera customer plausibly is has the look-alike named beside it.
    """

    def __init__(self, wizard: Wizard, errors: ErrorArea, page_size: int = 20) -> None:
        self.wizard, self.errors, self.page_size = wizard, errors, page_size
        self._updating = False
        self._visible: list[str] = []
        self.pager = _Pager(self.show_page, errors)
        self.boxes: list[w.Checkbox] = []
        self.names: list[w.HTML] = []
        self.lines: list[w.HBox] = []
        for i in range(page_size):
            box = css(w.Checkbox(value=False, indent=False, layout=w.Layout(width="30px")),
                      "import", f"import-row-{i}")
            box.observe(guard(errors)(lambda c, i=i: self._on_box(i, bool(c["new"]))),
                        names="value")
            name = css(w.HTML(), "import-name")
            self.boxes.append(box)
            self.names.append(name)
            self.lines.append(w.HBox([box, name]))
        self.all = css(w.Button(description="Select all"), "import-all")
        self.all.on_click(guard(errors)(lambda _b: self.select_all(True)))
        self.none = css(w.Button(description="Select none"), "import-none")
        self.none.on_click(guard(errors)(lambda _b: self.select_all(False)))
        self.counts = css(w.HTML(), "import-counts")
        self.held = css(w.HTML(), "import-held")
        self.widget = css(w.VBox([w.HBox([self.all, self.none]), w.VBox(self.lines),
                                  self.pager.widget, self.counts, self.held]), "import-table")
        self.show_page(0)

    def offered(self) -> list[Any]:
        """The import candidates shown (the held-back ones left out)."""
        held = held_back(self.wizard)
        return [r for r in self.wizard.import_candidates() if r.xero_id not in held]

    def _show_held(self) -> None:
        held = held_back(self.wizard)
        # a contact ticked before its look-alike was set back to undecided is not imported
        ticked = [r.xero_id for r in self.wizard.selected_imports() if r.xero_id in held]
        if ticked:
            self.wizard.select_imports(ticked, False)
        if not held:
            self.held.value = ""
            return
        names = {r.xero_id: r.name for r in self.wizard.import_candidates()}
        lines = [f"{names.get(cid, cid)} — looks like Atera customer “{o.name}” ({o.score:.0f})"
                 for cid, o in sorted(held.items(), key=lambda kv: names.get(kv[0], ""))]
        self.held.value = (
            f"<details><summary>{len(held)} more held back until you decide the Atera "
            "customer each looks like (Match customers)</summary>"
            f"{html_list(lines)}</details>")

    def show_page(self, page: int) -> None:
        self._show_held()
        rows = self.offered()
        similar = looks_like(self.wizard)
        chosen = {r.xero_id for r in self.wizard.selected_imports()}
        pages = max(1, -(-len(rows) // self.page_size))
        page = min(max(page, 0), pages - 1)
        visible = rows[page * self.page_size:(page + 1) * self.page_size]
        self._visible = [r.xero_id for r in visible]
        self._updating = True
        try:
            for i in range(self.page_size):
                box = self.boxes[i]
                for cls in [c for c in box._dom_classes if c.startswith("mk-import-c")]:
                    box.remove_class(cls)
                if i >= len(visible):
                    self.lines[i].layout.display = "none"
                    continue
                r = visible[i]
                self.lines[i].layout.display = None
                box.value = r.xero_id in chosen
                box.add_class(f"mk-import-c-{slug(r.xero_id)}")
                extra = ", ".join(x for x in (r.email, r.city, r.country) if x)
                like = similar.get(r.xero_id)
                note = (f" <small><i>looks like Atera customer “{esc(like.name)}” "
                        f"({like.score:.0f}, {esc(_DONE_AS.get(like.action, like.action))})"
                        "</i></small>" if like else "")
                if r.status != "new":  # what Done would do with it (matchkit._gate)
                    note += (f"<br><small class='mk-needs-review'>{esc(r.reason)}"
                             + (" (tick it to import it anyway)" if r.status == "review" else
                                " (in Atera already: match it instead)") + "</small>")
                self.names[i].value = f"{esc(r.name)}" + (
                    f" <small>({esc(extra)})</small>" if extra else "") + note
        finally:
            self._updating = False
        self.pager.update(page, pages, len(rows))
        self.counts.value = f"{len(chosen)} of {len(rows)} selected for import into Atera"

    def _on_box(self, i: int, value: bool) -> None:
        if self._updating or i >= len(self._visible):
            return
        try:
            self.wizard.select_import(self._visible[i], value)
        finally:  # a refused tick is shown unticked again
            self.show_page(self.pager.page)

    def select_all(self, value: bool) -> None:
        """Tick (or untick) every contact offered; held-back ones stay unticked, and so
        does a look-alike (ticking in bulk takes only the clearly new ones)."""
        self.wizard.select_imports((r.xero_id for r in self.offered()), value)
        self.show_page(self.pager.page)
