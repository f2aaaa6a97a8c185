"""What Xero made of the exported invoices: tax and totals against Atera's, payment status.

Xero's create answer already carries its totals and tax, so they are recorded as each invoice
is exported; :func:`refresh_invoices` reads them again later (status, amount due and paid).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from ..store import EXPORT_COLUMNS, Workspace, export_state, log_export
from ..xero import XeroReader
from ._lookup import record_id
from ._send import _money

__all__ = ["exported_invoices", "payment_state", "refresh_invoices"]

# what exported_invoices gives, in this order
_FIGURES = ("tenant_id", "atera_invoice", "status", "xero_type", "xero_number",
            "xero_invoice_id", "link", "sent_total", "xero_subtotal", "atera_tax", "xero_tax",
            "xero_total", "subtotal_diff", "tax_diff", "xero_status", "amount_due",
            "amount_paid", "due_date", "error", "attempts", "logged_at")


def payment_state(xero_status: Any, amount_due: Any, amount_paid: Any, due: Any,
                  today: dt.date | None = None) -> str:
    """paid, part-paid, overdue, voided, draft, awaiting payment or unknown."""
    today = today or dt.date.today()
    status = str(xero_status or "").upper()
    due_amt, paid_amt = _money(amount_due), _money(amount_paid)
    if status in ("VOIDED", "DELETED"):
        return "voided"
    if status == "PAID" or (due_amt == 0 and (paid_amt or 0) > 0):
        return "paid"
    if status in ("DRAFT", "SUBMITTED"):
        return "draft"
    if not status:
        return "unknown"
    due_date = _date(due)
    if due_amt and due_amt > 0 and due_date is not None and due_date < today:
        return "overdue" if not paid_amt else "part-paid, overdue"
    if paid_amt and paid_amt > 0:
        return "part-paid"
    return "awaiting payment"


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def exported_invoices(ws: Workspace, tenant_id: str | None = None,
                      batch_id: str | None = None) -> pd.DataFrame:
    """Per invoice: the latest export state with Xero's figures beside Atera's.

    ``subtotal_diff`` is Xero's subtotal less what was sent; ``tax_diff`` is Xero's tax less
    Atera's (Atera's tax is reported, never sent); ``payment`` says paid, part-paid, overdue...
    """
    df = export_state(ws, tenant_id, batch_id=batch_id)
    # cents, as the log keeps them (DECIMAL(18, 2)): no float noise in a difference
    df["subtotal_diff"] = (df["xero_subtotal"] - df["sent_total"]).astype(float).round(2)
    df["tax_diff"] = (df["xero_tax"] - df["atera_tax"]).astype(float).round(2)
    df = df[list(_FIGURES)].reset_index(drop=True)
    df["payment"] = [payment_state(s, d, p, due) if st == "exported" else ""
                     for s, d, p, due, st in zip(df["xero_status"], df["amount_due"],
                                                 df["amount_paid"], df["due_date"], df["status"],
                                                 strict=True)]
    return df


def refresh_invoices(ws: Workspace, xero: XeroReader) -> pd.DataFrame:
    """Read status, totals, amount due and paid of every exported invoice back from Xero."""
    tenant = xero.tenant_id
    ws.claim_xero_tenant(tenant, getattr(xero, "tenant_name", None))
    state = export_state(ws, tenant, exported=True)
    state = state[state["xero_invoice_id"].notna()]
    if state.empty:
        return exported_invoices(ws, tenant)
    rows = {str(r["xero_invoice_id"]): r for r in state.to_dict("records")}
    invoices = [i for i, r in rows.items() if r["xero_type"] != "ACCRECCREDIT"]
    credits = [i for i, r in rows.items() if r["xero_type"] == "ACCRECCREDIT"]
    found: dict[str, dict[str, Any]] = {}
    if invoices:
        for rec in xero.invoices(ids=invoices):
            rid = record_id(rec)
            if rid:
                found[rid] = rec
    for cid in credits:
        body = xero.request("GET", f"CreditNotes/{cid}").json()
        for rec in body.get("CreditNotes") or []:
            rid = record_id(rec)
            if rid:
                found[rid] = rec
    events = []
    for rid, row in rows.items():
        got = found.get(rid)
        base = {c: (None if _na(row.get(c)) else row.get(c)) for c in EXPORT_COLUMNS}
        payload = base.get("payload")
        if isinstance(payload, str):
            base["payload"] = json.loads(payload)
        base["batch_id"] = "refresh"
        if got is None:
            events.append({**base, "xero_status": "DELETED", "amount_due": None,
                           "error": "not found in Xero any more (deleted?)"})
            continue
        events.append({**base, "xero_status": got.get("Status"),
                       "xero_subtotal": _money(got.get("SubTotal")),
                       "xero_tax": _money(got.get("TotalTax")),
                       "xero_total": _money(got.get("Total")),
                       "amount_due": _money(got.get("AmountDue")),
                       "amount_paid": _money(got.get("AmountPaid"))})
    log_export(ws, events)
    return exported_invoices(ws, tenant)


def _na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
