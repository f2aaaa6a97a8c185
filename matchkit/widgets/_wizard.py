"""The sync wizard in JupyterLab: a thin ipywidgets view over :class:`matchkit.wizard.Wizard`.

Every button has a method behind it (``view.next()``, ``view.done()``...) and a stable CSS
class (``mk-next``, ``mk-done``...), so a notebook in auto mode, a test and a person all
drive the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w

from ..wizard import Plan, Step, Wizard
from ._adds import AddTable
from ._common import ErrorArea, ProgressBar, css, esc, guard
from ._dom import ScrollTo
from ._imports_table import ImportTable
from ._texts import done_html, plural, summary_html, taxes_html, welcome_html
from ._wizard_tables import ChoiceTable

__all__ = ["WizardView"]

Connector = Callable[..., tuple[Any, Any]]
Organisations = Callable[[], Iterable[Any]]
_STEPS = [s for s in Step if s != Step.CONNECT]


class WizardView:
    """The wizard's widgets. ``connector()`` returns ``(xero, atera)`` clients for Connect.

    With ``organisations`` (a callable listing the Xero organisations the login reaches,
    e.g. ``XeroLogin.tenants``) Connect first offers them to the wizard, shows a picker when
    there are several, and calls ``connector(tenant_id)`` for the chosen one.
    """

    def __init__(self, wizard: Wizard, connector: Connector | None = None,
                 page_size: int = 15, organisations: Organisations | None = None) -> None:
        self.wizard = wizard
        self.connector = connector
        self.organisations = organisations
        self.page_size = page_size
        self.errors = ErrorArea()
        self.progress = ProgressBar()
        g = guard(self.errors)
        self.title = css(w.HTML(), "title")
        self.body = css(w.VBox(), "body")
        self.status = css(w.HTML(), "status")
        self.connect_button = css(w.Button(description="Connect", button_style="primary"),
                                  "connect")
        self.connect_button.on_click(g(lambda _b: self.connect()))
        self.org_picker = css(w.Dropdown(description="Xero organisation",
                                         style={"description_width": "initial"},
                                         layout=w.Layout(width="520px")), "organisation")
        self.org_picker.observe(g(lambda change: self.choose_organisation(change["new"])),
                                names="value")
        self.back_button = css(w.Button(description="Back"), "back")
        self.back_button.on_click(g(lambda _b: self.back()))
        self.next_button = css(w.Button(description="Next", button_style="primary"), "next")
        self.next_button.on_click(g(lambda _b: self.next()))
        self.done_button = css(w.Button(description="Done", button_style="success"), "done")
        self.done_button.on_click(g(lambda _b: self.done()))
        self.close_button = css(w.Button(description="Close without saving",
                                            layout=w.Layout(width="auto")), "close")
        self.close_button.on_click(g(lambda _b: self.close()))
        self.confirm_text = css(w.HTML(), "confirm-text")
        self.confirm_button = css(w.Button(description="Continue", button_style="warning"),
                                  "confirm")
        self.confirm_button.on_click(g(lambda _b: self.next(confirm=True)))
        self.cancel_button = css(w.Button(description="Go back and match"), "confirm-cancel")
        self.cancel_button.on_click(g(lambda _b: self._hide_confirm()))
        self.confirm_box = css(w.VBox([self.confirm_text,
                                       w.HBox([self.confirm_button, self.cancel_button])]),
                               "confirm-box")
        self.nav = css(w.HBox([self.back_button, self.next_button, self.done_button,
                               self.close_button]), "nav")
        self.tables: dict[str, ChoiceTable] = {}
        self.imports: ImportTable | None = None
        self.adds: AddTable | None = None
        self.plan: Plan | None = None  # the Summary Done carried out (for the Done page)
        # each new step is shown from its title, not from where the last one was scrolled
        self.scroller = ScrollTo("mk-wizard", "mk-title")
        self.widget = css(w.VBox([self.title, self.errors.widget, self.body,
                                  self.confirm_box, self.progress.widget, self.nav,
                                  self.status, self.scroller]), "wizard")
        self._hide_confirm()
        self.render()

    # --- drawing ----------------------------------------------------------------------

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"

    def table(self, kind: str) -> ChoiceTable:
        if kind not in self.tables:
            self.tables[kind] = ChoiceTable(self.wizard, kind, self.errors, self.page_size)
        return self.tables[kind]

    def render(self) -> None:
        wiz = self.wizard
        step = wiz.step
        if wiz.closed:
            self.title.value = "<h3>Closed: nothing was saved</h3>"
            self.body.children = ()
            self.nav.layout.display = "none"
            return
        n = _STEPS.index(step) + 1 if step in _STEPS else 0
        org = wiz.organisation
        # with several organisations, every step says which one it works on
        where = (f" · {esc(org.name)}" if org is not None and len(wiz.organisations) > 1
                 and step != Step.CONNECT else "")
        self.title.value = (f"<h3>Step {n}/{len(_STEPS)}: {esc(step.title)}{where}</h3>" if n
                            else f"<h3>{esc(step.title)}</h3>")
        self.back_button.disabled = step <= Step.WELCOME or step == Step.DONE
        self.next_button.disabled = step in (Step.CONNECT, Step.SUMMARY, Step.DONE)
        self.done_button.layout.display = None if step == Step.SUMMARY else "none"
        self.next_button.layout.display = "none" if step == Step.SUMMARY else None  # Done
        self.close_button.disabled = step == Step.DONE
        # Connect has its own button; Done has nothing left to click
        self.nav.layout.display = "none" if step in (Step.CONNECT, Step.DONE) else None
        if step == Step.CONNECT:
            self.body.children = (css(w.HTML(
                "<p>Connect to Xero and Atera; matchkit takes a fresh snapshot of both "
                "(reading only).</p>"), "connect-text"), *self._org_rows(),
                self.connect_button)
        elif step == Step.WELCOME:
            self.body.children = (css(w.HTML(welcome_html(wiz)), "welcome"),
                                  css(w.HTML(taxes_html(wiz)), "taxes"))
        elif step in (Step.PRODUCTS, Step.CUSTOMERS):
            kind = "products" if step == Step.PRODUCTS else "customers"
            table = self.table(kind)
            table.show_page(table.pager.page)
            self.body.children = (table.widget,)
        elif step == Step.IMPORTS:
            if self.imports is None:
                self.imports = ImportTable(wiz, self.errors)
                self.adds = AddTable(wiz, self.errors)
            assert self.adds is not None
            self.imports.show_page(0)
            self.adds.show_page(0)
            self.body.children = (css(w.HTML(
                "<p>Nothing goes from Xero into Atera unless you tick it.</p><p><b>Xero "
                "customers to create in Atera.</b> Xero customers that match no Atera "
                "customer.</p>"), "imports-text"), self.imports.widget, self.adds.widget)
        elif step == Step.SUMMARY:
            self.body.children = (css(w.HTML(summary_html(wiz.summary(), "Done")), "summary"),)
        else:
            waiting = len(self.plan.left_for_review()) if self.plan is not None else 0
            head = ("Done: Atera and Xero are in step." if not waiting else
                    f"Done. {plural(waiting, 'row looks', 'rows look')} like a Xero record and "
                    "wait for a person: nothing was created for them.")
            self.body.children = (css(w.HTML(
                f"<p>{esc(head)} Manage the integration any time on the manage page "
                "(notebook 02).</p>" + done_html(wiz.result, self.plan)),
                "result"),)

    def _org_rows(self) -> tuple[w.Widget, ...]:
        """The picker, when the login reaches several organisations (none chosen by the
        workspace): its options are the organisations, nothing selected until one is."""
        orgs = self.wizard.organisations
        chosen = self.wizard.organisation
        if len(orgs) < 2 or self.wizard.organisation_fixed:
            self.connect_button.disabled = False
            if chosen is None or len(orgs) < 2:
                return ()
            return (css(w.HTML(f"<p>This workspace belongs to Xero organisation "
                               f"<b>{esc(chosen.label)}</b>; the login reaches "
                               f"{len(orgs)} organisations (each gets a workspace of its "
                               "own).</p>"), "organisation-text"),)
        options = [(o.label, o.tenant_id) for o in orgs]
        if chosen is None:
            options.insert(0, ("Choose an organisation…", ""))
        if list(self.org_picker.options) != options:
            self.org_picker.options = options
        self.org_picker.value = chosen.tenant_id if chosen is not None else ""
        self.connect_button.disabled = chosen is None
        self.connect_button.description = (f"Connect to {chosen.name}" if chosen is not None
                                           else "Connect")
        self.connect_button.layout.width = "max-content"  # the organisation's whole name
        text = (f"<p>This Xero login reaches {len(orgs)} organisations; this workspace "
                "will belong to the one you choose (each organisation gets a workspace of "
                "its own).</p>")
        return css(w.HTML(text), "organisation-text"), self.org_picker

    # --- actions ----------------------------------------------------------------------

    def choose_organisation(self, tenant_id: str) -> None:
        if tenant_id and (self.wizard.organisation is None
                          or self.wizard.organisation.tenant_id != tenant_id):
            self.wizard.choose_organisation(tenant_id)
            self.render()

    def connect(self) -> None:
        if self.connector is None:
            self.wizard.use_workspace()
        else:
            if self.organisations is not None and not self.wizard.organisations:
                self.status.value = "logging in to Xero…"
                self.wizard.offer_organisations(self.organisations())
                self.status.value = ""
            if self.organisations is not None and self.wizard.organisation is None:
                self.render()  # several organisations: the picker, then Connect again
                return
            self.status.value = "connecting and taking snapshots…"
            chosen = self.wizard.organisation
            xero, atera = (self.connector(chosen.tenant_id) if self.organisations is not None
                           and chosen is not None else self.connector())

            def said(line: str) -> None:  # one line per entity pulled
                self.status.value = f"snapshot: {esc(line)}"

            self.wizard.connect(xero, atera, progress=said)
        self.status.value = ""
        self.render()
        self.scroller.scroll()

    def next(self, confirm: bool = False) -> None:
        question = self.wizard.pending_confirmation()
        if question is not None and not confirm:
            self.confirm_text.value = f"<p><b>Please confirm:</b> {esc(question.message)}</p>"
            self.confirm_box.layout.display = None
            return
        self._hide_confirm()
        self.wizard.next(confirm=confirm)
        self.render()
        self.scroller.scroll()

    def back(self) -> None:
        self._hide_confirm()
        self.wizard.back()
        self.render()
        self.scroller.scroll()

    def done(self) -> None:
        self.plan = self.wizard.summary()
        try:
            with self.progress.running(self.status):
                self.wizard.done(progress=self.progress)
        finally:
            self.render()
            self.scroller.scroll()

    def close(self) -> None:
        self.wizard.close()
        self.render()
