"""The write path's tables: the export log, the contact/item sync log, export batches and
the export lock. The rules (what to send, when a lock is stale) live with their callers
(``matchkit.outbox``, ``matchkit.export``); this module only reads and writes rows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from ._open import registered
from ._workspace import Workspace

__all__ = ["EXPORT_COLUMNS", "LockRow", "beat_export_lock", "claim_export_lock",
           "export_rows", "first_logged", "log_export", "log_sync", "record_batch",
           "release_export_lock", "saved_batch", "sync_intents"]

EXPORT_COLUMNS = ("batch_id", "tenant_id", "atera_invoice", "xero_number", "xero_invoice_id",
                  "xero_type", "idempotency_key", "status", "error", "attempts", "link",
                  "sent_total", "atera_tax", "xero_subtotal", "xero_tax", "xero_total",
                  "xero_status", "amount_due", "amount_paid", "payload")

# run_id, owner_pid, owner_host, owner_cmd, acquired_at, heartbeat_at
LockRow = tuple[str, int, str, str | None, dt.datetime, dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --- the export log -----------------------------------------------------------------------


def log_export(ws: Workspace, rows: Sequence[dict[str, Any]]) -> None:
    """Append export-log events in one transaction, in the order given (later wins)."""
    if not rows:
        return
    cols = list(EXPORT_COLUMNS)
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    frame["attempts"] = frame["attempts"].fillna(0).astype(int)
    frame["payload"] = [json.dumps(p) if p is not None else None for p in frame["payload"]]
    frame["logged_at"] = _now()
    names = ", ".join(cols)
    with ws.transaction() as conn:
        # Ids taken first and given in row order: export_state keeps the highest per invoice.
        ids = conn.execute("SELECT nextval('export_event_seq') AS i FROM range(?) ORDER BY i",
                           [len(frame)]).fetchall()
        frame.insert(0, "event_id", [int(r[0]) for r in ids])
        with registered(conn, "_mk_events", frame):  # a refused row raises its own error
            conn.execute(f"INSERT INTO export_log (event_id, {names}, logged_at) SELECT "
                         f"event_id, {names}, logged_at FROM _mk_events")


def export_rows(ws: Workspace, tenant: str, numbers: Sequence[str]
                ) -> dict[str, dict[str, Any]]:
    """The export state of these Atera invoices in this organisation (missing: never sent)."""
    if not numbers:
        return {}
    df = ws.sql("SELECT * FROM export_state WHERE tenant_id = ? AND atera_invoice IN "
                "(SELECT unnest(?::VARCHAR[]))", [tenant, list(numbers)])
    return {str(r["atera_invoice"]): {str(k): (None if _isna(v) else v) for k, v in r.items()}
            for r in df.to_dict("records")}


def first_logged(ws: Workspace, tenant: str, numbers: Sequence[str]) -> dt.datetime | None:
    """When the first event of these invoices was logged (the look-ups' lower bound)."""
    value = ws.sql("SELECT min(logged_at) AS t FROM export_log WHERE tenant_id = ? AND "
                   "atera_invoice IN (SELECT unnest(?::VARCHAR[]))",
                   [tenant, list(numbers)])["t"].iloc[0]
    if value is None or _isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def saved_batch(ws: Workspace, batch_id: str) -> tuple[str, list[dict[str, Any]]] | None:
    """``(source, invoices)`` of a batch an earlier export recorded, or None."""
    df = ws.sql("SELECT source, invoices FROM export_batches WHERE batch_id = ?", [batch_id])
    if df.empty:
        return None
    return str(df["source"].iloc[0]), json.loads(df["invoices"].iloc[0])


def record_batch(ws: Workspace, *, batch_id: str, tenant: str, source: str, size: int,
                 options: dict[str, Any], invoices: list[dict[str, Any]], run_id: str
                 ) -> None:
    ws.execute("INSERT INTO export_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [batch_id, tenant, source, size, json.dumps(options),
                json.dumps(invoices, default=str), run_id, _now()])


# --- the sync log (contacts, items, link keys) ---------------------------------------------


def log_sync(ws: Workspace, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    now = _now()
    with ws.transaction() as conn:
        conn.executemany(
            "INSERT INTO xero_sync_log VALUES (nextval('sync_intent_seq'), ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            [[r["tenant_id"], r["kind"], r["atera_id"], r["name"], r.get("code"),
              r.get("idempotency_key"), r["status"], r.get("xero_id"), r.get("error"),
              r.get("run_id"), now] for r in rows])


def sync_intents(ws: Workspace, tenant: str, kind: str) -> dict[str, dict[str, Any]]:
    """The latest sync-log row of each Atera record of ``kind`` in this organisation."""
    df = ws.sql("SELECT * FROM xero_sync_state WHERE tenant_id = ? AND kind = ?", [tenant, kind])
    return {str(r["atera_id"]): {str(k): v for k, v in r.items()}
            for r in df.to_dict("records")}


# --- the export lock -------------------------------------------------------------------------


def claim_export_lock(ws: Workspace, tenant: str, run_id: str, *, pid: int, host: str,
                      cmd: str, holder_gone: Callable[[LockRow], bool]) -> LockRow | None:
    """Take the organisation's export lock in one transaction, unless a holder that is not
    gone has it: then that holder's row is returned and nothing changes."""
    now = _now()
    with ws.transaction() as conn:
        rows = conn.execute(
            "SELECT run_id, owner_pid, owner_host, owner_cmd, acquired_at, heartbeat_at "
            "FROM export_locks WHERE tenant_id = ?", [tenant]).fetchall()
        for row in rows:
            held: LockRow = (str(row[0]), int(row[1]), str(row[2]), row[3], row[4], row[5])
            if not holder_gone(held):
                return held
        conn.execute("DELETE FROM export_locks WHERE tenant_id = ?", [tenant])
        conn.execute("INSERT INTO export_locks VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [tenant, run_id, pid, host, cmd, now, now])
    return None


def beat_export_lock(ws: Workspace, tenant: str, run_id: str) -> None:
    ws.execute("UPDATE export_locks SET heartbeat_at = ? WHERE tenant_id = ? AND run_id = ?",
               [_now(), tenant, run_id])


def release_export_lock(ws: Workspace, tenant: str, run_id: str) -> None:
    ws.execute("DELETE FROM export_locks WHERE tenant_id = ? AND run_id = ?", [tenant, run_id])
