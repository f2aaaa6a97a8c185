"""The manage-integration page: an overview first, every wizard step again from the
workspace's current state, the accounts and tracking mapping, exported invoices' payment
state, and Disconnect (after which every action that talks to Xero is off, and says why)."""

from __future__ import annotations

import ipywidgets as w

from ..wizard import Step, Wizard, disconnect, export_status
from ..workspace_status import status
from ..xero import XeroWriter
from ._common import ErrorArea, ProgressBar, css, esc, guard, html_table
from ._imports_table import ImportTable
from ._mapping import MappingTab
from ._texts import done_lines, local_time, plural, summary_html, taxes_html
from ._wizard_tables import ChoiceTable

__all__ = ["ManageView"]

# tab title -> the wizard step it shows (None: the page's own)
_TABS: list[tuple[str, Step | None]] = [
    ("Overview", None), ("Products", Step.PRODUCTS), ("Customers", Step.CUSTOMERS),
    ("Imports", Step.IMPORTS), ("Taxes", Step.WELCOME),
    ("Changes", Step.SUMMARY), ("Accounts", None), ("Invoices", None), ("Connection", None)]
_TITLES = [t for t, _ in _TABS]


class ManageView:
    """Tabs over a manage-mode :class:`Wizard`; Apply runs Done for what was changed."""

    def __init__(self, wizard: Wizard, xero: XeroWriter | None = None, page_size: int = 15
                 ) -> None:
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
        self.overview = css(w.HTML(), "overview")
        self.taxes = css(w.HTML(), "taxes")
        self.summary = css(w.HTML(), "summary")
        self.apply_button = css(w.Button(description="Apply changes", button_style="success"),
                                "apply")
        self.apply_button.on_click(g(lambda _b: self.apply()))
        self.exports = css(w.HTML(), "exports")
        self.connection = css(w.HTML(), "connection")
        self.disconnect_button = css(w.Button(description="Disconnect from Xero",
                                              button_style="danger",
                                              layout=w.Layout(width="auto")), "disconnect")
        self.disconnect_button.on_click(g(lambda _b: self.ask_disconnect()))
        self.confirm_disconnect = css(w.Button(description="Yes, disconnect",
                                               button_style="danger",
                                               layout=w.Layout(width="auto")),
                                      "confirm-disconnect")
        self.confirm_disconnect.on_click(g(lambda _b: self.disconnect()))
        self.confirm_disconnect.layout.display = "none"
        self.status = css(w.HTML(), "status")
        self.message = ""  # the last outcome, as plain text
        self.mapping = MappingTab(wizard.ws, self.xero, self.errors, who=wizard.who)
        self.xero_off: str | None = None  # why actions that talk to Xero are off
        if self.xero is None or wizard.ws.connection("xero") is None:
            # opened on a workspace not connected (or without a client): off from the start
            self.turn_off_xero("not connected to Xero; connect with the wizard (notebook 01)")
        self.tabs = css(w.Tab(children=[
            self.overview, self.products.widget, self.customers.widget, self.imports.widget,
            self.taxes, w.VBox([self.summary, self.apply_button]), self.mapping.widget,
            w.VBox([self.exports]),
            w.VBox([self.connection, w.HBox([self.disconnect_button,
                                              self.confirm_disconnect])]),
        ]), "manage-tabs")
        for i, title in enumerate(_TITLES):
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
        title, step = _TABS[self.tabs.selected_index or 0]
        if step is not None:
            self.wizard.goto(step)
        if title == "Overview":
            self.overview.value = self.overview_html()
        elif title == "Products":
            self.products.show_page(self.products.pager.page)
        elif title == "Customers":
            self.customers.show_page(self.customers.pager.page)
        elif title == "Imports":
            self.imports.show_page(self.imports.pager.page)
        elif title == "Taxes":
            self.taxes.value = taxes_html(self.wizard)
        elif title == "Changes":
            plan = self.wizard.summary()
            self.summary.value = summary_html(plan, "Apply changes") + self._off_html()
            self.apply_button.disabled = plan.empty or self.xero_off is not None
        elif title == "Accounts":
            self.mapping.refresh()
        elif title == "Invoices":
            self.exports.value = self.exports_html()
        else:
            self.connection.value = self.connection_html() + self._off_html()

    def _off_html(self) -> str:
        return ("" if self.xero_off is None else
                f'<p style="color:#b00020">Off: {esc(self.xero_off)}.</p>')

    def overview_html(self) -> str:
        """Where things stand: the connection, matches, exported invoices, pending changes."""
        s = status(self.wizard.ws)
        lines = [self.connection_html()]
        for key, what in (("customers", "Customers"), ("products", "Products and rates")):
            c = s[key]
            lines.append(
                f"<p><b>{what}</b>: {c['total']} in Atera, {c['matched']} matched in Xero, "
                f"{c['to_create']} to create there, {c['left_unmatched']} left unmatched on "
                f"purpose, {c['undecided']} not decided yet"
                + (f" ({c['ambiguous']} with close candidates)" if c["ambiguous"] else "")
                + ".</p>")
        inv = s["invoices"]
        lines.append(f"<p><b>Invoices</b>: {inv['atera_total']} in Atera, "
                     f"{inv['exported']} exported to Xero"
                     + (f", {inv['refused']} refused by Xero" if inv["refused"] else "")
                     + (f", {inv['failed']} failed" if inv["failed"] else "")
                     + ". Payment states are under Invoices.</p>")
        pending = self.wizard.summary()
        lines.append("<p><b>Changes waiting</b>: "
                     + ("none. Change a match in the tabs; <i>Changes</i> then "
                        "lists what Apply changes will do.</p>" if pending.empty else
                        f"{plural(len(pending.decisions), 'decision')} not applied yet: see "
                        "<i>Changes</i>.</p>"))
        return "".join(lines)

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
        done = conn.get("setup_done_at")
        return (f"<p>Connected to <b>{esc(conn.get('tenant_name'))}</b> since "
                f"{esc(local_time(conn.get('connected_at')))}; "
                + (f"setup finished {esc(local_time(done))}.</p>" if done is not None
                   else "setup not finished yet (run the wizard, notebook 01).</p>"))

    def turn_off_xero(self, reason: str) -> None:
        """Everything here that talks to Xero (Apply changes, Disconnect, the Accounts tab's
        Refresh) is off from now on; each says ``reason`` (in its tab and its tooltip)."""
        self.xero_off = reason
        for button in (self.apply_button, self.disconnect_button):
            button.disabled = True
            button.tooltip = f"Off: {reason}"
        self.confirm_disconnect.layout.display = "none"
        self.mapping.xero_off(reason)

    # --- actions ----------------------------------------------------------------------

    def show(self, tab: str) -> None:
        self.tabs.selected_index = _TITLES.index(tab)
        self.refresh()

    def apply(self) -> None:
        if self.xero_off is not None:
            self.message = f"Apply changes is off: {self.xero_off}."
            self.status.value = esc(self.message)
            return
        plan = self.wizard.summary()
        if plan.empty:
            self.message = "Nothing to apply: no match was changed in the tabs."
            self.status.value = esc(self.message)
            return
        with self.progress.running(self.status):
            self.wizard.done(progress=self.progress)
        self.refresh()
        said = done_lines(self.wizard.result, plan)
        self.message = "Applied. " + " ".join(said)
        self.status.value = esc(self.message)

    def ask_disconnect(self) -> None:
        self.confirm_disconnect.layout.display = None
        self.status.value = ("Disconnecting revokes matchkit's access to Xero. Matches stay in "
                             "the workspace. Click “Yes, disconnect” to go ahead.")

    def disconnect(self) -> None:
        self.message = disconnect(self.wizard.ws, self.xero)
        self.confirm_disconnect.layout.display = "none"
        # the client's access is revoked: nothing here may talk to Xero again
        self.turn_off_xero("disconnected from Xero; connect again with notebook 01")
        self.status.value = esc(self.message)
        self.connection.value = self.connection_html() + self._off_html()
