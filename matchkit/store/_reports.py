"""What the workspace reports about exports, read only: the latest state of each exported
invoice (``export_state``) and its payment state. The rules of sending and reconciling live
with their callers (``matchkit.export``, ``matchkit.reconcile``); this module only reads."""

from __future__ import annotations

import pandas as pd

from ._workspace import Workspace

__all__ = ["PAYMENT_COLUMNS", "export_state", "payment_states"]


def export_state(ws: Workspace, tenant_id: str | None = None, *, batch_id: str | None = None,
                 exported: bool = False) -> pd.DataFrame:
    """The latest export-log state of each invoice (``export_state``: every column, and
    ``due_date`` from the payload), by Atera invoice number; of one organisation, of the
    invoices one batch sent, or only those exported, when asked."""
    where, params = ["1 = 1"], []
    if tenant_id:
        where.append("tenant_id = ?")
        params.append(tenant_id)
    if batch_id:
        where.append("atera_invoice IN (SELECT atera_invoice FROM export_log WHERE "
                     "batch_id = ?)")
        params.append(batch_id)
    if exported:
        where.append("status = 'exported'")
    return ws.sql("SELECT *, payload->>'DueDate' AS due_date FROM export_state WHERE "
                  + " AND ".join(where)
                  + " ORDER BY TRY_CAST(atera_invoice AS BIGINT), atera_invoice", params)


PAYMENT_COLUMNS = ["atera_invoice", "xero_number", "payment_state", "xero_status",
                   "amount_due", "amount_paid", "due_date", "link"]


def payment_states(ws: Workspace) -> pd.DataFrame:
    """Exported invoices with their payment state (paid, part-paid, overdue, voided,
    awaiting payment). The latest Xero invoices snapshot, when there is one, is fresher than
    the export log. Empty when nothing was exported yet."""
    has_log = not ws.sql("SELECT 1 FROM duckdb_views() WHERE view_name = 'export_state'").empty
    if not has_log:
        return pd.DataFrame(columns=PAYMENT_COLUMNS)
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
