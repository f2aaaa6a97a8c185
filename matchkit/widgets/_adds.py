"""Xero items to add to Atera's product list: an opt-in list on the Import into Atera step.

Nothing is ticked until a person ticks it; "Select the clearly new" ticks only items nothing
in Atera looks like; an item Atera holds already (its name) cannot be ticked, and says so.
"""

from __future__ import annotations

import ipywidgets as w

from ..wizard import Wizard
from ._common import ErrorArea, css, esc, guard, slug
from ._wizard_tables import _Pager

__all__ = ["AddTable"]


class AddTable:
    """Sold Xero items no Atera product is matched to, each with a checkbox."""

    def __init__(self, wizard: Wizard, errors: ErrorArea, page_size: int = 15) -> None:
        self.wizard, self.page_size = wizard, page_size
        self._updating = False
        self._visible: list[str] = []
        g = guard(errors)
        self.pager = _Pager(self.show_page, errors)
        self.boxes: list[w.Checkbox] = []
        self.names: list[w.HTML] = []
        self.lines: list[w.HBox] = []
        for i in range(page_size):
            box = css(w.Checkbox(value=False, indent=False, layout=w.Layout(width="30px")),
                      "add", f"add-row-{i}")
            box.observe(g(lambda c, i=i: self._on_box(i, bool(c["new"]))), names="value")
            name = css(w.HTML(), "add-name")
            self.boxes.append(box)
            self.names.append(name)
            self.lines.append(w.HBox([box, name]))
        self.all = css(w.Button(description="Select the clearly new",
                                layout=w.Layout(width="auto")), "add-all")
        self.all.on_click(g(lambda _b: self.select_all(True)))
        self.none = css(w.Button(description="Select none"), "add-none")
        self.none.on_click(g(lambda _b: self.select_all(False)))
        self.counts = css(w.HTML(), "add-counts")
        self.intro = css(w.HTML(
            "<p><b>Xero items to add to Atera's product list.</b> Sold Xero items that no "
            "Atera product, expense or rate is matched to. None is added unless you tick it; "
            "an item Atera has by name is matched in Match products instead.</p>"),
            "add-text")
        self.widget = css(w.VBox([self.intro, w.HBox([self.all, self.none]),
                                  w.VBox(self.lines), self.pager.widget, self.counts]),
                          "add-table")
        self.show_page(0)

    def show_page(self, page: int) -> None:
        rows = self.wizard.add_candidates()
        chosen = {r.xero_id for r in self.wizard.selected_adds()}
        pages = max(1, -(-len(rows) // self.page_size))
        page = min(max(page, 0), pages - 1)
        visible = rows[page * self.page_size:(page + 1) * self.page_size]
        self._visible = [r.xero_id for r in visible]
        self._updating = True
        try:
            for i in range(self.page_size):
                box = self.boxes[i]
                for cls in [c for c in box._dom_classes if c.startswith("mk-add-i-")]:
                    box.remove_class(cls)
                if i >= len(visible):
                    self.lines[i].layout.display = "none"
                    continue
                r = visible[i]
                self.lines[i].layout.display = None
                box.value = r.xero_id in chosen
                box.disabled = r.status in ("link", "exact", "safe")
                box.add_class(f"mk-add-i-{slug(r.xero_id)}")
                price = f", {r.price:.2f}" if r.price is not None else ""
                note = ("" if r.status == "new" else
                        f"<br><small class='mk-needs-review'>{esc(r.reason)}"
                        + (" (in Atera already: match it instead)" if box.disabled else
                           " (tick it to add it anyway)") + "</small>")
                self.names[i].value = (f"{esc(r.name)} <small>({esc(r.code)}{esc(price)})"
                                       f"</small>{note}")
        finally:
            self._updating = False
        self.pager.update(page, pages, len(rows))
        self.counts.value = esc(f"{len(chosen)} of {len(rows)} selected to add to Atera")

    def _on_box(self, i: int, value: bool) -> None:
        if self._updating or i >= len(self._visible):
            return
        try:
            self.wizard.select_add(self._visible[i], value)
        finally:  # a refused tick is shown unticked again
            self.show_page(self.pager.page)

    def select_all(self, value: bool) -> None:
        """Tick the clearly new items (or untick all)."""
        self.wizard.select_adds((r.xero_id for r in self.wizard.add_candidates()), value)
        self.show_page(self.pager.page)
