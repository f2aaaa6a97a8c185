"""The dry-run plan: every call an export would make and every invoice's Xero payload."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..accounts import stamp_lines
from ..outbox import CHUNK, SyncPreview
from ._mapping import map_invoice
from ._validate import Prepared, Problem, ValidationReport

__all__ = ["ExportPlan", "PlannedCall", "build_payloads", "plan_from_report"]

# Contacts and items are planned in the chunks the outbox sends them in (CHUNK); invoices in
# ExportOptions.per_request.


@dataclass(frozen=True)
class PlannedCall:
    method: str
    path: str
    purpose: str
    count: int = 0  # elements in the body
    payload: Any = None

    def __str__(self) -> str:
        n = f" ({self.count} element(s))" if self.count else ""
        return f"{self.method} {self.path}{n}: {self.purpose}"


@dataclass
class ExportPlan:
    report: ValidationReport
    calls: list[PlannedCall]
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)  # Atera number -> body
    # what exists in Xero, would be created and is held for a person (None: not previewed)
    contacts: SyncPreview | None = None
    items: SyncPreview | None = None

    def summary(self) -> str:
        """The plan in one line: what would be sent and created, not what validation wished.

        An invoice waiting for a person (its customer or an item looks like a Xero record)
        is counted as waiting, not as ready and refused both; contacts and items count what
        the preview would create, not the look-alikes it holds back.
        """
        r = self.report
        if self.contacts is None or self.items is None:
            return r.summary()
        waiting = {p.invoice for p in r.problems if p.code == "needs_review"}
        refused = set(r.refused) - waiting
        held = len(self.contacts.held) + len(self.items.held)
        fixes = sum(1 for p in r.problems if p.severity == "fix")
        return (f"{len(r.batch)} invoice(s): {len(self.payloads)} to send, {len(waiting)} "
                f"waiting for a person, {len(refused)} refused, {len(r.already)} already "
                f"exported; {len(self.contacts.to_create)} contact(s) and "
                f"{len(self.items.to_create)} item(s) to create in Xero, {held} look-alike(s) "
                f"left for a person; {fixes} fixable problem(s)")

    def text(self, *, with_payloads: bool = False) -> str:
        out = [self.summary(), ""]
        out += [f"{i:>3}. {c}" for i, c in enumerate(self.calls, start=1)]
        if with_payloads:
            for number, body in self.payloads.items():
                out += ["", f"invoice {number}:", json.dumps(body, indent=2)]
        return "\n".join(out)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"method": c.method, "path": c.path, "purpose": c.purpose,
                              "count": c.count} for c in self.calls],
                            columns=["method", "path", "purpose", "count"])


def build_payloads(report: ValidationReport, contact_ids: Mapping[str, str],
                   item_codes: Mapping[str, str]) -> dict[str, tuple[Prepared, dict[str, Any]]]:
    """Xero payloads of the ready invoices whose contact and items are all known.

    ``contact_ids``: Atera CustomerID -> ContactID for created/planned contacts;
    ``item_codes``: Atera product id -> Xero Code for created/planned items.
    """
    out: dict[str, tuple[Prepared, dict[str, Any]]] = {}
    for p in report.ready:
        contact = p.contact_id or (contact_ids.get(p.customer_id) if p.customer_id else None)
        if contact is None:
            continue
        codes = dict(p.item_codes)
        missing = False
        for line, atera_id in p.item_needs.items():
            code = item_codes.get(atera_id)
            if code is None:
                missing = True
            codes[line] = code
        if missing:
            continue
        body = map_invoice(p.invoice, contact, codes, report.options, credit=p.credit,
                           line_account=report.sales_account)
        stamp_lines(body, p.line_accounts)  # the accounts and tracking mapping
        out[p.number] = (p, body)
    return out


def plan_from_report(report: ValidationReport, contacts: SyncPreview, items: SyncPreview,
                     item_codes_by_id: Mapping[str, str], in_flight: int = 0) -> ExportPlan:
    """What :func:`export_batch` would do, without doing it.

    ``contacts``/``items`` are the previews of what exists in Xero and what would be created;
    ``item_codes_by_id`` maps the organisation's ItemIDs to their Codes.
    """
    calls = [PlannedCall("GET", "Organisation", "short code and base currency (links, checks)"),
             PlannedCall("GET", "Currencies", "currencies enabled in the organisation"),
             PlannedCall("GET", "Accounts", "the sales account (its tax applies to new items)"),
             PlannedCall("GET", "Items", "the item catalogue (codes for lines)")]
    if report.mapping_rules:  # accounts.check_line_accounts reads both, fresh
        rules = f"{report.mapping_rules} mapping rule(s)"
        calls += [PlannedCall("GET", "Accounts", f"check {rules} against the organisation's "
                              "accounts (active, revenue)"),
                  PlannedCall("GET", "TrackingCategories?includeArchived=true",
                              f"check {rules} against its tracking categories and options")]
    if in_flight:
        calls.append(PlannedCall("GET", "Invoices?InvoiceNumbers=...", f"look up {in_flight} "
                                 "invoice(s) sent before without a recorded answer"))
    contact_ids = dict(contacts.found)
    if report.contacts_to_create:
        calls.append(PlannedCall("GET", "Contacts", f"existing contacts: {len(contacts.found)} "
                                 "of the missing customers are there already (by name)"))
        for aid, body in zip(contacts.created_for, contacts.to_create, strict=True):
            contact_ids[aid] = f"<new contact: {body['Name']}>"
        for i in range(0, len(contacts.to_create), CHUNK):
            cpart = contacts.to_create[i:i + CHUNK]
            calls.append(PlannedCall("PUT", "Contacts?summarizeErrors=false",
                                     "create missing customers (Idempotency-Key)", len(cpart),
                                     cpart))
    item_codes = {a: item_codes_by_id[i] for a, i in items.found.items()
                  if i in item_codes_by_id}
    for aid, body in zip(items.created_for, items.to_create, strict=True):
        item_codes[aid] = str(body["Code"])
    for i in range(0, len(items.to_create), CHUNK):
        ipart = items.to_create[i:i + CHUNK]
        calls.append(PlannedCall("PUT", "Items?summarizeErrors=false",
                                 "create missing items with the Atera price "
                                 "(Idempotency-Key)", len(ipart), ipart))
    # what would not be created because Xero holds something like it: those invoices wait
    for p in report.ready:
        why = contacts.held.get(str(p.customer_id)) if p.contact_id is None else None
        gone = [items.held[a] for a in p.item_needs.values() if a in items.held]
        if why or gone:
            report.problems.append(Problem(
                p.number, None, "needs_review",
                f"customer {p.company!r}: {why}" if why else "; ".join(gone)))
    built = build_payloads(report, contact_ids, item_codes)
    invoices = [(n, b) for n, (p, b) in built.items() if not p.credit]
    credits = [(n, b) for n, (p, b) in built.items() if p.credit]
    for path, rows, what in (("Invoices", invoices, "invoices"),
                             ("CreditNotes", credits, "credit notes")):
        for i in range(0, len(rows), report.options.per_request):
            part = rows[i:i + report.options.per_request]
            calls.append(PlannedCall(
                "PUT", f"{path}?summarizeErrors=false",
                f"create {what} {part[0][0]}..{part[-1][0]} (Idempotency-Key)", len(part),
                [b for _, b in part]))
    return ExportPlan(report, calls, {n: b for n, (_, b) in built.items()}, contacts, items)
