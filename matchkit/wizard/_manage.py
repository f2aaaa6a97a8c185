"""The manage-integration page's services beyond the wizard: payment states, Disconnect."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..store import Workspace

__all__ = ["TAX_NOTE", "disconnect", "export_status"]

TAX_NOTE = ("Atera's tax features can be used again: taxes are no longer left to Xero for "
            "new invoices.")

_STATE_COLUMNS = ["atera_invoice", "xero_number", "payment_state", "xero_status",
                  "amount_due", "amount_paid", "due_date", "link"]


def export_status(ws: Workspace) -> pd.DataFrame:
    """Exported invoices with their payment state (paid, part-paid, overdue, voided, due).

    The latest Xero invoices snapshot, when there is one, is fresher than the export log.
    Empty when nothing was exported yet.
    """
    has_log = not ws.sql("SELECT 1 FROM duckdb_views() WHERE view_name = 'export_state'").empty
    if not has_log:
        return pd.DataFrame(columns=_STATE_COLUMNS)
    snap = ws.latest_snapshot("xero", "invoices")
    join = ("LEFT JOIN (SELECT * FROM xero_invoices WHERE snapshot_id = $sid) x "
            "ON x.InvoiceID = e.xero_invoice_id")
    return ws.sql(
        f"""
        WITH s AS (
            SELECT e.atera_invoice, e.xero_number, e.link,
                   coalesce(x.Status, e.xero_status) AS xero_status,
                   coalesce(x.AmountDue, e.amount_due) AS amount_due,
                   coalesce(x.AmountPaid, e.amount_paid) AS amount_paid,
                   x.DueDate AS due_date
            FROM export_state e {join}
            WHERE e.status = 'exported')
        SELECT atera_invoice, xero_number,
               CASE WHEN xero_status IN ('VOIDED', 'DELETED') THEN 'voided'
                    WHEN xero_status = 'PAID' OR (amount_due = 0 AND amount_paid > 0)
                         THEN 'paid'
                    WHEN due_date < now() AND coalesce(amount_due, 1) > 0 THEN 'overdue'
                    WHEN amount_paid > 0 THEN 'part-paid'
                    ELSE 'awaiting payment' END AS payment_state,
               xero_status, amount_due, amount_paid, due_date, link
        FROM s ORDER BY atera_invoice
        """,
        {"sid": snap.snapshot_id if snap else -1},
    )


def disconnect(ws: Workspace, xero: Any | None) -> str:
    """Revoke the token and delete the connection in Xero, record it; return the report."""
    conn = ws.connection("xero")
    if xero is not None:
        xero.disconnect()
    elif conn is None:
        return "Not connected to Xero: nothing to disconnect."
    name = (conn or {}).get("tenant_name") or getattr(xero, "tenant_name", None) or "Xero"
    ws.record_disconnect("xero", note="disconnected by the user")
    return f"Disconnected from {name}. {TAX_NOTE}"
