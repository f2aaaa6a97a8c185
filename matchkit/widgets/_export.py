"""The export view: pick a batch, see its problems and the plan, export, see the links and
the batch reconciled (the one line ``matchkit export`` ends with).

A thin face over :mod:`matchkit.export`: everything a click does, ``check()`` and ``export()``
do from code. Names from Atera and Xero are escaped; links are escaped into ``href``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as w

from .._exceptions import InputError
from ..export import (
    Batch,
    ExportOptions,
    ExportPlan,
    ExportResult,
    batch_from_selection,
    export_batch,
    exported_invoices,
    plan_export,
)
from ..reconcile import reconcile_batch
from ..store import Decision, Workspace
from ..xero import XeroWriter
from ._common import ErrorArea, ProgressBar, css, esc, guard, html_table, xero_unavailable

__all__ = ["ExportView"]

_SEVERITY_COLOUR = {"error": "#b00020", "fix": "#8a6d00", "info": "#555"}


class ExportView:
    """``ExportView(ws, xero, batch=None)``; without a batch, pick dates from the workspace."""

    def __init__(self, ws: Workspace, xero: XeroWriter | None, batch: Batch | None = None,
                 options: ExportOptions | None = None) -> None:
        self.ws, self.xero, self.batch = ws, xero, batch
        opts = options or ExportOptions.from_workspace(ws)
        self.plan: ExportPlan | None = None
        self.result: ExportResult | None = None
        self.errors = ErrorArea()
        self.progress = ProgressBar()
        self.date_from = css(w.DatePicker(description="From"), "export-from")
        self.date_to = css(w.DatePicker(description="To"), "export-to")
        self.status = css(w.Dropdown(options=["DRAFT", "SUBMITTED", "AUTHORISED"],
                                     value=opts.status, description="Status"), "export-status")
        self.create_customers = css(w.Checkbox(value=opts.create_missing_customers,
                                               description="Create missing customers in Xero"),
                                    "export-create-customers")
        self.check_button = css(w.Button(description="Check batch", icon="search"),
                                "export-check")
        self.export_button = css(w.Button(description="Export to Xero", icon="upload",
                                          button_style="primary", disabled=True),
                                 "export-go")
        self.offline = css(w.HTML(), "offline")  # why Check and Export are off
        self.summary = css(w.HTML(), "export-summary")
        self.reconciled = css(w.HTML(), "export-reconcile")
        self.problems = css(w.HTML(), "export-problems")
        self.calls = css(w.HTML(), "export-plan")
        self.links = css(w.HTML(), "export-links")
        # Customers without a Xero contact: match now (suggestions) or create, then re-check.
        self.customer_choices: dict[str, w.Dropdown] = {}
        self.customers_box = css(w.VBox(), "export-unmatched")
        self.apply_button = css(w.Button(description="Apply customer choices", icon="check",
                                         disabled=True), "export-apply-customers")
        self.apply_button.on_click(guard(self.errors)(lambda _b: self.apply_customer_choices()))
        self._options = opts
        self.check_button.on_click(guard(self.errors)(lambda _b: self.check()))
        self.export_button.on_click(guard(self.errors)(lambda _b: self.export()))
        picker = [] if batch is not None else [w.HBox([self.date_from, self.date_to])]
        self.widget = css(w.VBox([
            *picker, w.HBox([self.status, self.create_customers]),
            w.HBox([self.check_button, self.export_button]), self.offline, self.errors.widget,
            self.summary, self.reconciled, self.customers_box, self.problems, self.calls,
            self.progress.widget, self.links,
        ]), "export")
        self.xero_actions()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def xero_actions(self) -> str | None:
        """Check and Export need Xero: off, with the reason, while it is not connected."""
        reason = xero_unavailable(self.ws, self.xero, "Check batch and Export to Xero")
        for button in (self.check_button, self.export_button):
            button.tooltip = reason or ""
        self.check_button.disabled = reason is not None
        if reason is not None:
            self.export_button.disabled = True
        self.offline.value = (f'<div class="mk-offline-box" style="color:#8a6d00">'
                              f"{esc(reason)}</div>" if reason else "")
        return reason

    def _need_xero(self) -> XeroWriter:
        """The client, or the reason Check and Export are off as one refusal."""
        reason = self.xero_actions()
        if reason is not None:
            raise InputError(reason)
        assert self.xero is not None  # xero_unavailable gives a reason for None
        return self.xero

    def options(self) -> ExportOptions:
        return self._options.with_(status=self.status.value,
                                   create_missing_customers=bool(self.create_customers.value))

    def _batch(self) -> Batch:
        if self.batch is not None:
            return self.batch
        start, end = self.date_from.value, self.date_to.value
        if not isinstance(start, dt.date) or not isinstance(end, dt.date):
            raise InputError("pick the first and the last invoice date")
        return batch_from_selection(self.ws, date_from=start, date_to=end)

    def check(self) -> ExportPlan:
        """Validate the batch and show every problem and every planned call."""
        xero = self._need_xero()
        batch = self._batch()
        self.plan = plan_export(self.ws, xero, batch, self.options())
        self.batch = batch
        report = self.plan.report
        self.summary.value = f"<p>{esc(report.summary())}</p>"
        self.problems.value = self.problems_html()
        self.calls.value = html_table(
            [{"n": i, "call": f"{c.method} {c.path}", "count": c.count or "",
              "purpose": c.purpose} for i, c in enumerate(self.plan.calls, start=1)],
            ["n", "call", "count", "purpose"], ["#", "Call", "Elements", "Why"],
            "mk-export-calls")
        self.export_button.disabled = not self.plan.payloads and not report.ready
        self._customer_rows(report.unmatched)
        return self.plan

    def _customer_rows(self, unmatched: dict[str, tuple[str, list[tuple[str, str, float]]]]
                       ) -> None:
        self.customer_choices = {}
        rows: list[w.Widget] = []
        for atera_id, (company, suggestions) in list(unmatched.items())[:100]:
            options = [("Leave for now", ""), ("Create in Xero", "create")] + [
                (f"Match: {name} ({score:.0f})", contact_id)
                for contact_id, name, score in suggestions[:5]]
            choice = css(w.Dropdown(options=options, value="",
                                    layout=w.Layout(width="420px")), "export-customer-choice")
            self.customer_choices[atera_id] = choice
            rows.append(w.HBox([w.HTML(f"<b>{esc(company)}</b> (Atera {esc(atera_id)})",
                                       layout=w.Layout(width="360px")), choice]))
        if rows:
            head = w.HTML("<p>Customers without a Xero contact: match them now or create "
                          "them, then apply (the batch is checked again).</p>")
            self.customers_box.children = [head, *rows, self.apply_button]
        else:
            self.customers_box.children = []
        self.apply_button.disabled = not rows

    def apply_customer_choices(self) -> ExportPlan:
        """Record the chosen matches/creations as decisions, then check the batch again."""
        decisions = []
        for atera_id, choice in self.customer_choices.items():
            if choice.value == "create":
                decisions.append(Decision("customers", "create", atera_id, None, "manual",
                                          who="export"))
            elif choice.value:
                decisions.append(Decision("customers", "match", atera_id, str(choice.value),
                                          "manual", who="export"))
        self.ws.record_decisions(decisions)
        return self.check()

    def problems_html(self) -> str:
        if self.plan is None or not self.plan.report.problems:
            return "<p>No problems found.</p>"
        rows = []
        for p in self.plan.report.problems:
            colour = _SEVERITY_COLOUR[p.severity]
            rows.append(f'<tr><td style="color:{colour}">{esc(p.severity)}</td>'
                        f"<td>{esc(p.invoice)}</td><td>{esc(p.line or '')}</td>"
                        f"<td>{esc(p.message)}</td></tr>")
        return ('<table class="mk-export-problem-table"><thead><tr><th>Severity</th>'
                "<th>Invoice</th><th>Line</th><th>Problem</th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")

    def export(self) -> ExportResult:
        """Export the checked batch with a progress bar; then show links and Xero's figures."""
        xero = self._need_xero()
        if self.plan is None or self.batch is None:
            self.check()
        assert self.batch is not None
        self.export_button.disabled = True
        try:
            self.result = export_batch(
                self.ws, xero, self.batch, self.options(),
                progress=lambda done, total: self.progress("Exporting", done, total))
        finally:
            self.export_button.disabled = False
        self.summary.value = f"<p>{esc(self.result.summary())}</p>"
        self.reconciled.value = ""
        if self.result.exported:  # as the CLI: the batch read back and reconciled
            line, ok = reconcile_batch(self.ws, xero, self.result.batch_id)
            colour = "" if ok else ' style="color:#b00020"'
            self.reconciled.value = f"<p{colour}>{esc(line)}</p>"
        self.links.value = self.links_html()
        return self.result

    def links_html(self) -> str:
        """Each invoice of the batch: its link into Xero, Xero's tax and total beside Atera's."""
        if self.result is None or self.xero is None:  # (a result needs a client)
            return ""
        df = exported_invoices(self.ws, self.xero.tenant_id)
        df = df[df["atera_invoice"].isin(list(self.result.outcomes))]
        rows = []
        for r in df.to_dict("records"):
            link = r.get("link")
            number = r.get("xero_number") or ""
            cell = (f'<a href="{esc(link)}" target="_blank" rel="noopener">{esc(number)}</a>'
                    if isinstance(link, str) and link else esc(number))
            rows.append(
                f"<tr><td>{esc(r['atera_invoice'])}</td><td>{esc(r['status'])}</td>"
                f"<td>{cell}</td><td>{_money(r.get('sent_total'))}</td>"
                f"<td>{_money(r.get('atera_tax'))}</td><td>{_money(r.get('xero_tax'))}</td>"
                f"<td>{_money(r.get('tax_diff'))}</td><td>{_money(r.get('xero_total'))}</td>"
                f"<td>{esc(r.get('error') if isinstance(r.get('error'), str) else '')}</td>"
                "</tr>")
        return ('<table class="mk-export-links"><thead><tr><th>Atera #</th><th>State</th>'
                "<th>In Xero</th><th>Sent (ex tax)</th><th>Atera tax</th><th>Xero tax</th>"
                "<th>Tax difference</th><th>Xero total</th><th>Error</th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")


def _money(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    return "" if f != f else f"{f:,.2f}"
