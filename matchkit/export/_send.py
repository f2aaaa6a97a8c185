"""Sending a batch to Xero exactly once.

The export log is the truth of "already exported" (per organisation and Atera invoice). Each
invoice's intent (``sending``, with its payload and Idempotency-Key) is written *before* its
request leaves; each outcome as soon as Xero answers. Whenever an answer is missing (killed
process, dropped connection, 429 or 5xx after the client's own retries), Xero is asked what it
holds, by invoice number (or Reference when Xero numbers the invoices), before anything is sent
again; so nothing is ever created twice and nothing is silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from .._exceptions import ExportError, InputError, WorkspaceError
from .._limits import bad_text, fits_money
from ..accounts import check_line_accounts
from ..outbox import (
    Outbox,
    SyncPreview,
    XeroSyncError,
    account_numbers_of,
    ensure_contacts,
    ensure_items,
    preview_contacts,
    preview_items,
)
from ..store import (
    EXPORT_COLUMNS,
    Workspace,
    export_rows,
    first_logged,
    log_export,
    record_batch,
)
from ..xero import XeroWriter
from ._batch import Batch
from ._invoice import Recovered
from ._lock import STALE_AFTER, export_lock
from ._lookup import credit_note_link, find_existing, record_id, record_number
from ._mapping import ExportOptions
from ._plan import ExportPlan, build_payloads, plan_from_report
from ._presend import refuse_unsendable
from ._validate import Prepared, Problem, ValidationReport, XeroCatalogue, validate_batch

__all__ = ["ExportResult", "InvoiceOutcome", "export_batch", "plan_export"]

MAX_ROUNDS = 5
IN_FLIGHT = ("sending", "unknown")
Progress = Callable[[int, int], None]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class InvoiceOutcome:
    number: str  # Atera's
    status: str  # 'exported' | 'already' | 'refused' | 'failed' | 'unknown'
    xero_number: str | None = None
    xero_id: str | None = None
    link: str | None = None
    error: str | None = None


@dataclass
class ExportResult:
    batch_id: str
    run_id: str
    tenant_id: str
    report: ValidationReport
    outcomes: dict[str, InvoiceOutcome] = field(default_factory=dict)
    requests: int = 0  # write and lookup requests this export made (before client retries)
    http_calls: int = 0  # HTTP attempts, counting the client's own retries
    resends: int = 0  # invoices sent again after a lost or refused-as-duplicate answer
    seconds: float = 0.0

    def _with(self, status: str) -> list[str]:
        return [n for n, o in self.outcomes.items() if o.status == status]

    @property
    def exported(self) -> list[str]:
        return self._with("exported")

    @property
    def already(self) -> list[str]:
        return self._with("already")

    @property
    def refused(self) -> list[str]:
        return self._with("refused")

    @property
    def failed(self) -> list[str]:
        return self._with("failed") + self._with("unknown")

    @property
    def ok(self) -> bool:
        """Every valid invoice of the batch is in Xero (now or before)."""
        return not self.failed

    def summary(self) -> str:
        return (f"batch {self.batch_id}: {len(self.exported)} exported, {len(self.already)} "
                f"already in Xero, {len(self.refused)} refused, {len(self.failed)} failed "
                f"({self.requests} requests, {self.http_calls} HTTP calls, {self.resends} "
                "resent)")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([o.__dict__ for o in self.outcomes.values()],
                            columns=["number", "status", "xero_number", "xero_id", "link",
                                     "error"])


def _money(v: Any) -> float | None:
    """An amount for the log's DECIMAL(18,2) columns; None when it is none or will not fit
    (so recording an outcome never fails on an absurd figure)."""
    try:
        f = None if v is None else round(float(v), 2)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if fits_money(f) else None


# --- the sender -------------------------------------------------------------------------


# invoice (parsed now, or recovered from the log), payload, log row
_Todo = tuple[Prepared | Recovered, dict[str, Any], dict[str, Any]]


@dataclass
class _Sender:
    """The outbox channel of invoices and credit notes (``matchkit.outbox``): each outcome
    is an export-log row, written with the lock's heartbeat."""

    ws: Workspace
    xero: XeroWriter
    tenant: str
    batch_id: str
    run_id: str
    web_url: str
    short_code: str | None
    result: ExportResult
    heartbeat: Callable[[], None]
    progress: Progress | None = None
    total: int = 0
    ticked: int = 0
    since: dt.datetime | None = None  # sent no earlier than this: the look-ups' bound
    kind: str = "inv"
    rows: list[dict[str, Any]] = field(default_factory=list)  # log rows not yet written

    def flush(self, *, answered: bool = True) -> None:
        """Write the rows recorded so far and beat the lock's heart, in one transaction.

        ``answered``: Xero has answered for these invoices (False: the intents written before
        a request). A failed write is said plainly; what Xero already holds is safe, because
        the log still says "sending" for it and the next run looks it up first.
        """
        try:
            with self.ws.transaction():
                log_export(self.ws, self.rows)
                self.heartbeat()
        except (duckdb.Error, WorkspaceError) as exc:
            reason = str(exc).splitlines()[0][:300]
            if not answered:
                raise ExportError(f"the export log could not be written ({reason}); nothing "
                                  "more was sent to Xero") from None
            raise ExportError(
                f"Xero answered for {len(self.rows)} invoice(s) but the export log could not "
                f"record it ({reason}); nothing is lost: the next export looks them up in Xero "
                "before sending anything") from None
        self.rows.clear()

    # --- the outbox's channel
    def group(self, job: _Todo) -> int:
        return int(job[0].credit)  # invoices, then credit notes: one endpoint a request

    def chunk_size(self, group: int) -> int:
        return self.result.report.options.per_request

    def payload(self, job: _Todo) -> dict[str, Any]:
        return job[1]

    def record_id(self, record: dict[str, Any]) -> str | None:
        return record_id(record)

    def send(self, group: int, payloads: list[dict[str, Any]], key: str) -> Sequence[Any]:
        create = self.xero.create_credit_notes if group else self.xero.create_invoices
        return create(payloads, idempotency_key=key)

    def intent(self, jobs: list[_Todo], key: str) -> None:
        for _p, _body, base in jobs:
            base["attempts"] = int(base.get("attempts") or 0) + 1
            base["idempotency_key"] = key
            self.rows.append({**base, "status": "sending"})
        self.flush(answered=False)  # the intent is on disk before the request

    def done(self, job: _Todo, record: dict[str, Any]) -> None:
        self.rows.append(self.exported_row(job[0].number, record, job[0].credit, job[2]))

    def refused(self, job: _Todo, why: str) -> None:
        self.rows.append(self.failed_row(job[0].number, job[2], why))

    def unsure(self, jobs: list[_Todo], why: str) -> None:
        self.rows.extend({**b, "status": "unknown", "error": why} for _, _, b in jobs)

    def gave_up(self, jobs: list[_Todo], rounds: int) -> None:
        self.rows.extend(self.failed_row(
            p.number, b, f"no answer from Xero after {rounds} attempts; run the export again "
            "(it looks these up first)", status="unknown") for p, _, b in jobs)

    def settle(self, jobs: list[_Todo]) -> list[_Todo]:
        return self.resolve(jobs, self.since)

    # --- outcomes
    def link(self, rec: dict[str, Any], credit: bool) -> str | None:
        rid = record_id(rec)
        if not rid or not self.short_code:
            return None
        if credit:
            return credit_note_link(self.web_url, self.short_code, rid)
        from ..xero import invoice_link

        return invoice_link(self.web_url, self.short_code, rid)

    def exported_row(self, number: str, rec: dict[str, Any], credit: bool,
                     base: dict[str, Any]) -> dict[str, Any]:
        link = self.link(rec, credit)
        self.result.outcomes[number] = InvoiceOutcome(
            number, "exported", record_number(rec), record_id(rec), link)
        self._tick()
        return {**base, "status": "exported", "xero_invoice_id": record_id(rec),
                "xero_number": record_number(rec), "link": link, "error": None,
                "xero_subtotal": _money(rec.get("SubTotal")),
                "xero_tax": _money(rec.get("TotalTax")), "xero_total": _money(rec.get("Total")),
                "xero_status": rec.get("Status"), "amount_due": _money(rec.get("AmountDue")),
                "amount_paid": _money(rec.get("AmountPaid"))}

    def _tick(self) -> None:
        self.ticked += 1
        if self.progress is not None:
            self.progress(self.ticked, self.total)

    def failed_row(self, number: str, base: dict[str, Any], error: str,
                   status: str = "failed") -> dict[str, Any]:
        self.result.outcomes[number] = InvoiceOutcome(number, status, error=error)
        if status == "failed":
            self._tick()
        return {**base, "status": status, "error": error[:2000]}

    # Look up invoices whose fate is unknown; log the found ones; return the missing ones.
    def resolve(self, items: list[_Todo], since: dt.datetime | None) -> list[_Todo]:
        """Look up invoices whose fate is unknown; record the found ones; the missing ones."""
        if not items:
            return []
        numbers = [str(b["InvoiceNumber"]) for p, b, _ in items
                   if not p.credit and b.get("InvoiceNumber")]
        cnumbers = [str(b["CreditNoteNumber"]) for p, b, _ in items
                    if p.credit and b.get("CreditNoteNumber")]
        refs = [str(b["Reference"]) for p, b, _ in items
                if not p.credit and not b.get("InvoiceNumber")]
        crefs = [str(b["Reference"]) for p, b, _ in items
                 if p.credit and not b.get("CreditNoteNumber")]
        by_number, by_ref = find_existing(self.xero, numbers=numbers, credit_numbers=cnumbers,
                                          references=refs, credit_references=crefs,
                                          since=since)
        rows, missing = [], []
        for p, body, base in items:
            n = body.get("CreditNoteNumber" if p.credit else "InvoiceNumber")
            rec = by_number.get(str(n)) if n else by_ref.get(str(body["Reference"]))
            if rec is None:
                missing.append((p, body, base))
            elif n and rec.get("Reference") != body.get("Reference"):
                rows.append(self.failed_row(
                    p.number, base, f"number {n} is already used in Xero by another invoice "
                    f"(Reference {rec.get('Reference')!r}); choose another numbering"))
            else:
                rows.append(self.exported_row(p.number, rec, p.credit, base))
        self.rows.extend(rows)
        return missing


def _in_flight_items(state: dict[str, dict[str, Any]], batch: Batch, report_tenant: str
                     ) -> list[_Todo]:
    """Invoices of the batch an earlier run sent without recording Xero's answer: looked up
    by the payload the log kept, never parsed or mapped again."""
    out: list[_Todo] = []
    for number in batch.numbers:
        row = state.get(number)
        if row is None or row["status"] not in IN_FLIGHT or not row.get("payload"):
            continue
        body = json.loads(row["payload"])
        p = Recovered(number, credit=row.get("xero_type") == "ACCRECCREDIT")
        base = {k: row.get(k) for k in EXPORT_COLUMNS}
        base["tenant_id"] = report_tenant
        base["payload"] = body  # stored as JSON text; logged again as the object it is
        out.append((p, body, base))
    return out


def _context(ws: Workspace, xero: XeroWriter, batch: Batch, options: ExportOptions | None
             ) -> tuple[ExportOptions, XeroCatalogue, ValidationReport]:
    for i, inv in enumerate(batch.invoices, start=1):
        where = bad_text(inv)
        if where is not None:  # the batch is stored as JSON in the workspace: it must encode
            raise InputError(f"invoice {i} of the batch: {where} is not valid Unicode text "
                             "(a lone surrogate such as \\ud800)")
    # one workspace, one Xero organisation: another's export is refused before any call
    ws.claim_xero_tenant(xero.tenant_id, getattr(xero, "tenant_name", None))
    options = options or ExportOptions.from_workspace(ws)
    xero.organisation(refresh=True)  # today's lock dates, not the ones seen at connect
    catalogue = XeroCatalogue.read(xero, options.sales_account)
    report = validate_batch(ws, batch, catalogue, xero.tenant_id, options)
    # What Xero would refuse outright (lock dates, size, contacts) is refused before sending.
    refuse_unsendable(report, xero.organisation(), lambda: account_numbers_of(xero))
    # The accounts and tracking mapping, checked against the organisation as it is now.
    check_line_accounts(ws, xero, report)
    return options, catalogue, report


def plan_export(ws: Workspace, xero: XeroWriter, batch: Batch, options: ExportOptions | None = None
                ) -> ExportPlan:
    """The dry run: validation and every call and payload the export would send; only reads."""
    _, catalogue, report = _context(ws, xero, batch, options)
    state = export_rows(ws, xero.tenant_id, batch.numbers)
    in_flight = sum(1 for r in state.values() if r["status"] in IN_FLIGHT)
    contacts = preview_contacts(ws, xero, report.contacts_to_create)
    items = (preview_items(ws, xero, report.items_to_create) if report.items_to_create
             else SyncPreview({}, []))
    codes = {str(i["ItemID"]): str(i["Code"]) for i in catalogue.items
             if i.get("ItemID") and i.get("Code")}
    return plan_from_report(report, contacts, items, codes, in_flight)


def export_batch(ws: Workspace, xero: XeroWriter, batch: Batch,
                 options: ExportOptions | None = None, *, run_id: str | None = None,
                 progress: Progress | None = None, web_url: str | None = None,
                 stale_after: float = STALE_AFTER, who: str | None = None) -> ExportResult:
    """Export ``batch`` to the connected organisation; safe to run again after any failure.

    Raises :class:`ExportBusyError` when another export to the same organisation runs, and
    :class:`AuthError` when Xero refuses the connection (the log then holds what is unsure,
    and the next run looks it up first).
    """
    started = time.monotonic()
    tenant = xero.tenant_id
    ws.claim_xero_tenant(tenant, getattr(xero, "tenant_name", None))  # before the lock
    run_id = run_id or ws.new_run_id("export")
    calls0 = int(getattr(xero, "calls", 0))
    with export_lock(ws, tenant, run_id, stale_after=stale_after) as lock:
        settings = getattr(xero, "settings", None)
        web = web_url or getattr(settings, "xero_web_url", None) or "https://go.xero.com"
        short_code = xero.organisation().get("ShortCode")
        # First what an earlier run left unsure: it may already be in Xero.
        state = export_rows(ws, tenant, batch.numbers)
        placeholder = ValidationReport(batch, options or ExportOptions(), [], [], {}, [], [])
        result = ExportResult(batch.batch_id, run_id, tenant, placeholder)
        sender = _Sender(ws, xero, tenant, batch.batch_id, run_id, web, short_code, result,
                         lock.heartbeat, None)
        outbox = Outbox(sender, tenant, run_id, max_rounds=MAX_ROUNDS)
        earlier = _in_flight_items(state, batch, tenant)
        if earlier:
            sender.since = _since(first_logged(ws, tenant, [p.number for p, _, _ in earlier]))
            outbox.settle(earlier)
            sender.flush()
            result.outcomes.clear()
        options, _catalogue, report = _context(ws, xero, batch, options)
        result.report = report
        record_batch(ws, batch_id=batch.batch_id, tenant=tenant, source=batch.source,
                     size=len(batch), options=options.__dict__, invoices=batch.invoices,
                     run_id=run_id)
        for number, row in report.already.items():
            result.outcomes[number] = InvoiceOutcome(
                number, "already", row.get("xero_number"), row.get("xero_invoice_id"),
                row.get("link"))
        # An invoice in Xero already (or a ready copy of a listed-twice one) is never marked
        # refused: the log's latest event per invoice is its state.
        ready = {p.number for p in report.ready} | set(report.already)
        refused = {n: probs for n, probs in report.refused.items() if n not in ready}
        sender.rows.extend({"batch_id": batch.batch_id, "tenant_id": tenant,
                            "atera_invoice": n, "status": "refused",
                            "error": _reasons(probs)[:2000]} for n, probs in refused.items())
        sender.flush(answered=False)
        for n, probs in refused.items():
            result.outcomes[n] = InvoiceOutcome(n, "refused", error=_reasons(probs))
        contact_ids, item_codes = _create_missing(ws, xero, report, run_id, who, result)
        built = build_payloads(report, contact_ids, item_codes)
        state = export_rows(ws, tenant, list(built))
        todo: list[_Todo] = []
        for number, (p, body) in built.items():
            prior = state.get(number) or {}
            base = {"batch_id": batch.batch_id, "tenant_id": tenant, "atera_invoice": number,
                    "xero_number": body.get("CreditNoteNumber") or body.get("InvoiceNumber"),
                    "xero_type": p.xero_type, "attempts": prior.get("attempts") or 0,
                    "sent_total": round(-p.subtotal if p.credit else p.subtotal, 2),
                    "atera_tax": p.atera_tax, "payload": body}
            todo.append((p, body, base))
        sender.total = len(todo)
        sender.progress = progress
        sender.since = _now() - dt.timedelta(minutes=5)
        try:
            outbox.run(todo)
        finally:
            result.requests, result.resends = outbox.requests, outbox.resends
    result.http_calls = int(getattr(xero, "calls", 0)) - calls0
    result.seconds = time.monotonic() - started
    return result


def _since(first: dt.datetime | None) -> dt.datetime | None:
    return None if first is None else first - dt.timedelta(minutes=5)


def _reasons(problems: Sequence[Problem]) -> str:
    """Why an invoice was refused, each reason with its line."""
    return "; ".join(f"line {p.line}: {p.message}" if p.line else p.message
                     for p in problems)


def _create_missing(ws: Workspace, xero: XeroWriter, report: ValidationReport, run_id: str,
                    who: str | None, result: ExportResult
                    ) -> tuple[dict[str, str], dict[str, str]]:
    """Create the contacts and items the ready invoices need; refuse those that cannot be."""
    contact_ids: dict[str, str] = {}
    item_codes: dict[str, str] = {}
    failed_contacts: dict[str, str] = {}
    failed_items: dict[str, str] = {}
    held: set[str] = set()  # look-alikes of a Xero record: they wait for a person
    if report.contacts_to_create:
        try:
            contact_ids = ensure_contacts(ws, xero, report.contacts_to_create, run_id=run_id,
                                          who=who)
        except XeroSyncError as exc:
            contact_ids = exc.done
            failed_contacts = {f.atera_id: f.reason for f in exc.failures}
            held |= {f.atera_id for f in exc.failures if f.held}
    if report.items_to_create:
        try:
            item_ids = ensure_items(ws, xero, report.items_to_create, run_id=run_id, who=who)
        except XeroSyncError as exc:
            item_ids = exc.done
            failed_items = {f.atera_id: f.reason for f in exc.failures}
            held |= {f.atera_id for f in exc.failures if f.held}
        by_id = {str(i["ItemID"]): str(i["Code"]) for i in xero.items() if i.get("Code")}
        item_codes = {a: by_id[i] for a, i in item_ids.items() if i in by_id}
    rows = []
    for p in report.ready:
        why = None
        waits = False
        if p.contact_id is None and p.customer_id not in contact_ids:
            why = ("the customer could not be created in Xero: "
                   + failed_contacts.get(str(p.customer_id), "not created"))
            waits = str(p.customer_id) in held
        else:
            gone = [a for a in p.item_needs.values() if a not in item_codes]
            if gone:
                why = "items could not be created in Xero: " + "; ".join(
                    f"{a}: {failed_items.get(a, 'not created')}" for a in gone)
                waits = all(a in held for a in gone)
        if why:
            # needs_review: nothing is wrong, a look-alike waits for a person's decision
            report.problems.append(Problem(p.number, None,
                                           "needs_review" if waits else "create_failed", why))
            result.outcomes[p.number] = InvoiceOutcome(p.number, "refused", error=why)
            rows.append({"batch_id": report.batch.batch_id, "tenant_id": xero.tenant_id,
                         "atera_invoice": p.number, "status": "refused", "error": why})
    log_export(ws, rows)
    return contact_ids, item_codes

