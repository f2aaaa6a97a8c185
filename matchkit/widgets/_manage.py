"""The manage-integration page: every wizard step again, from the workspace's current state,
plus exported invoices' payment state and Disconnect."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..wizard import Step, Wizard, disconnect, export_status
from ._common import ErrorArea, ProgressBar, css, esc, guard, html_table
from ._wizard import summary_html, taxes_html
from ._wizard_tables import ChoiceTable, ImportTable

__all__ = ["ManageView"]

_TABS = [("Products", Step.PRODUCTS), ("Customers", Step.CUSTOMERS),
         ("Import customers", Step.IMPORTS), ("Taxes", Step.WELCOME),
         ("Changes to apply", Step.SUMMARY)]


class ManageView:
    """Tabs over a manage-mode :class:`Wizard`; Apply runs Done for what was changed."""

    def __init__(self, wizard: Wizard, xero: Any = None, page_size: int = 15) -> None:
        if not wizard.manage:
            raise ValueError("ManageView needs Wizard(..., manage=True)")
        self.wizard = wizard
        self.xero = xero if xero is not None else wizard.xero
        self.errors = ErrorArea()
        self.progress = ProgressBar()
        g = guard(self.errors)
        self.products = ChoiceTable(wizard, "products", self.errors, page_size)
        self.customers = ChoiceTable(wizard, "customers", self.errors, page_size)
        self.imports = ImportTable(wizard, self.errors)
        self.taxes = css(w.HTML(), "taxes")
        self.summary = css(w.HTML(), "summary")
        self.apply_button = css(w.Button(description="Apply changes", button_style="success"),
                                "apply")
        self.apply_button.on_click(g(lambda _b: self.apply()))
        self.exports = css(w.HTML(), "exports")
        self.connection = css(w.HTML(), "connection")
        self.disconnect_button = css(w.Button(description="Disconnect from Xero",
                                              button_style="danger"), "disconnect")
        self.disconnect_button.on_click(g(lambda _b: self.ask_disconnect()))
        self.confirm_disconnect = css(w.Button(description="Yes, disconnect",
                                               button_style="danger"), "confirm-disconnect")
        self.confirm_disconnect.on_click(g(lambda _b: self.disconnect()))
        self.confirm_disconnect.layout.display = "none"
        self.status = css(w.HTML(), "status")
        self.message = ""  # the last outcome, as plain text
        self.tabs = css(w.Tab(children=[
            self.products.widget, self.customers.widget, self.imports.widget, self.taxes,
            w.VBox([self.summary, self.apply_button]),
            w.VBox([self.exports]),
            w.VBox([self.connection, w.HBox([self.disconnect_button,
                                              self.confirm_disconnect])]),
        ]), "manage-tabs")
        for i, title in enumerate([t for t, _ in _TABS] + ["Invoices", "Connection"]):
            self.tabs.set_title(i, title)
        self.tabs.observe(g(lambda _c: self.refresh()), names="selected_index")
        self.widget = css(w.VBox([css(w.HTML("<h3>Manage the Xero integration</h3>"),
                                      "title"), self.errors.widget, self.tabs,
                                  self.progress.widget, self.status]), "manage")
        self.refresh()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def refresh(self) -> None:
        """Redraw the open tab from the wizard's state (and the workspace)."""
        i = self.tabs.selected_index or 0
        if i < len(_TABS):
            self.wizard.goto(_TABS[i][1])
        if i == 0:
            self.products.show_page(self.products.pager.page)
        elif i == 1:
            self.customers.show_page(self.customers.pager.page)
        elif i == 2:
            self.imports.show_page(self.imports.pager.page)
        elif i == 3:
            self.taxes.value = taxes_html(self.wizard)
        elif i == 4:
            self.summary.value = summary_html(self.wizard)
        elif i == 5:
            self.exports.value = self.exports_html()
        else:
            self.connection.value = self.connection_html()

    def exports_html(self) -> str:
        df = export_status(self.wizard.ws)
        if df.empty:
            return "<p>No invoices exported yet.</p>"
        counts = df["payment_state"].value_counts().to_dict()
        rows = [{str(k): v for k, v in r.items()}
                for r in df.astype(object).where(df.notna(), None).to_dict("records")]
        return (html_table([{"state": k, "n": v} for k, v in sorted(counts.items())],
                           ["state", "n"], ["Payment state", "Invoices"], "mk-export-counts")
                + html_table(rows[:500], ["atera_invoice", "xero_number", "payment_state",
                                          "amount_due", "amount_paid", "due_date"],
                             ["Atera invoice", "Xero number", "State", "Due", "Paid",
                              "Due date"], "mk-export-rows"))

    def connection_html(self) -> str:
        conn = self.wizard.ws.connection("xero")
        if conn is None:
            return "<p>Not connected to Xero.</p>"
        return (f"<p>Connected to <b>{esc(conn.get('tenant_name'))}</b> since "
                f"{esc(conn.get('connected_at'))}; setup done: "
                f"{esc(conn.get('setup_done_at') or 'not yet')}.</p>")

    # --- actions ----------------------------------------------------------------------

    def show(self, tab: str) -> None:
        titles = [t for t, _ in _TABS] + ["Invoices", "Connection"]
        self.tabs.selected_index = titles.index(tab)
        self.refresh()

    def apply(self) -> None:
        with self.progress.running(self.status):
            self.wizard.done(progress=self.progress)
        self.refresh()
        result = self.wizard.result
        if result is not None:
            done = ", ".join(f"{k}: {v}" for k, v in result.counts().items() if v)
            self.message = f"Applied. {done or 'nothing to do'}"
            self.status.value = esc(self.message)

    def ask_disconnect(self) -> None:
        self.confirm_disconnect.layout.display = None
        self.status.value = ("Disconnecting revokes matchkit's access to Xero. Matches stay in "
                             "the workspace. Click “Yes, disconnect” to go ahead.")

    def disconnect(self) -> None:
        self.message = disconnect(self.wizard.ws, self.xero)
        self.confirm_disconnect.layout.display = "none"
        self.status.value = esc(self.message)
        self.connection.value = self.connection_html()
