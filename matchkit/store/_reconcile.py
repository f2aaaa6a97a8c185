"""The workspace side of reconciliation: what was exported, and what each check found.

``matchkit/reconcile/`` computes; this module alone reads and writes the tables (0006).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._open import registered

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = ["COLUMNS", "exported_to_check", "has_batch", "reconciliation",
           "record_reconciliation"]

COLUMNS = ("atera_invoice", "xero_number", "xero_invoice_id", "atera_subtotal", "atera_tax",
           "sent_subtotal", "xero_subtotal", "xero_tax", "xero_total", "difference",
           "rounding", "reason", "error")


def _clean(v: Any) -> Any:
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def has_batch(ws: Workspace, batch_id: str) -> bool:
    return not ws.sql("SELECT 1 FROM export_batches WHERE batch_id = ? LIMIT 1",
                      [batch_id]).empty


def exported_to_check(ws: Workspace, tenant_id: str, batch_id: str | None = None
                      ) -> list[dict[str, Any]]:
    """Every invoice exported to ``tenant_id`` (those of ``batch_id`` only, if given): its
    export state, the payload sent (``payload``, a dict) and Atera's invoice as the batch
    that sent it held it (``atera``, a dict; ``None`` when no batch has it)."""
    where = "tenant_id = ? AND status = 'exported' AND xero_invoice_id IS NOT NULL"
    params: list[Any] = [tenant_id]
    if batch_id is not None:
        where += (" AND atera_invoice IN (SELECT atera_invoice FROM export_log "
                  "WHERE tenant_id = ? AND batch_id = ?)")
        params += [tenant_id, batch_id]
    state = ws.sql(
        "SELECT s.atera_invoice, s.xero_number, s.xero_invoice_id, s.xero_type, s.sent_total, "
        "s.atera_tax, s.payload, b.batch_id AS sent_in FROM (SELECT * FROM export_state WHERE "
        + where + ") s LEFT JOIN (SELECT atera_invoice, arg_max(batch_id, event_id) AS batch_id "
        "FROM export_log WHERE tenant_id = ? AND status = 'sending' GROUP BY atera_invoice) b "
        "USING (atera_invoice) ORDER BY TRY_CAST(s.atera_invoice AS BIGINT), s.atera_invoice",
        [*params, tenant_id])
    rows = [{str(k): _clean(v) for k, v in r.items()} for r in state.to_dict("records")]
    batches = sorted({str(r["sent_in"]) for r in rows if r.get("sent_in")})
    atera: dict[tuple[str, str], dict[str, Any]] = {}
    if batches:
        saved = ws.sql("SELECT batch_id, invoices FROM export_batches WHERE batch_id IN "
                       "(SELECT unnest(?::VARCHAR[]))", [batches])
        for bid, text in zip(saved["batch_id"], saved["invoices"], strict=True):
            for inv in json.loads(text) if isinstance(text, str) else []:
                if isinstance(inv, Mapping):
                    atera[(str(bid), str(inv.get("InvoiceNumber")).strip())] = dict(inv)
    for r in rows:
        payload = r.get("payload")
        r["payload"] = json.loads(payload) if isinstance(payload, str) else payload
        r["atera"] = atera.get((str(r.get("sent_in")), str(r["atera_invoice"])))
    return rows


def record_reconciliation(ws: Workspace, tenant_id: str, run_id: str,
                          rows: Sequence[Mapping[str, Any]]) -> None:
    """Append one check of each invoice in ``rows`` (keys :data:`COLUMNS`), all at once."""
    if not rows:
        return
    frame = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=list(COLUMNS))
    frame.insert(0, "tenant_id", tenant_id)
    frame.insert(0, "run_id", run_id)
    frame["checked_at"] = dt.datetime.now(dt.UTC)
    cols = ", ".join(frame.columns)
    with ws.transaction() as conn:
        ids = conn.execute("SELECT nextval('reconcile_seq') AS i FROM range(?) ORDER BY i",
                           [len(frame)]).fetchall()
        frame.insert(0, "event_id", [int(r[0]) for r in ids])
        with registered(conn, "_mk_reconcile", frame):
            conn.execute(f"INSERT INTO reconcile_log (event_id, {cols}) SELECT event_id, {cols} "
                         "FROM _mk_reconcile")


def reconciliation(ws: Workspace, tenant_id: str | None = None,
                   invoices: Sequence[str] | None = None) -> pd.DataFrame:
    """The latest check of each invoice (of ``tenant_id``; of ``invoices`` only, if given),
    with ``checked_at``; amounts as floats."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if tenant_id is not None:
        where.append("tenant_id = ?")
        params.append(tenant_id)
    if invoices is not None:
        where.append("atera_invoice IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(invoices))
    money = ", ".join(f"CAST({c} AS DOUBLE) AS {c}" for c in COLUMNS[3:11])
    return ws.sql(f"SELECT tenant_id, atera_invoice, xero_number, xero_invoice_id, {money}, "
                  "reason, error, checked_at FROM reconcile_state WHERE " + " AND ".join(where)
                  + " ORDER BY TRY_CAST(atera_invoice AS BIGINT), atera_invoice", params)
