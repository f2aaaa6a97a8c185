"""``matchkit status``: what the workspace knows, in one dictionary.

The JSON keys are documented in README ("Status JSON"); keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..reconcile import stored_totals
from ..sources import atera_catalogue
from ..store import ENTITIES, Workspace, export_state

__all__ = ["format_status", "status"]


def _iso(v: Any) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat(timespec="seconds")
    return str(v)


def _atera_ids(ws: Workspace, kind: str) -> pd.DataFrame:
    """The Atera records of ``kind`` as decisions spell their ids (products: the catalogue,
    archived ones left out)."""
    if kind == "customers":
        ids = ws.rows("atera", "customers", columns=["CustomerID"])["CustomerID"]
    else:
        ids = atera_catalogue(ws)["id"]
    return pd.DataFrame({"atera_id": ids.astype(str).astype(object)})


def _matching(ws: Workspace, kind: str) -> dict[str, int]:
    ids = _atera_ids(ws, kind)
    dec = ws.current_decisions(kind)[["atera_id", "action"]]
    sugg = ws.latest_suggestions(kind)
    merged = ids.merge(dec, on="atera_id", how="left")
    counts = merged["action"].fillna("undecided").value_counts().to_dict()
    undecided = set(merged.loc[merged["action"].isna(), "atera_id"])
    ambiguous = 0
    if not sugg.empty:
        amb = sugg[(sugg["ambiguous"].fillna(False).astype(bool))]
        ambiguous = len(set(amb["left_id"]) & undecided)
    return {
        "total": len(ids),
        "matched": int(counts.get("match", 0)),
        "to_create": int(counts.get("create", 0)),
        "left_unmatched": int(counts.get("unmatch", 0)),
        "undecided": int(counts.get("undecided", 0)),
        "unmatched": int(counts.get("undecided", 0) + counts.get("unmatch", 0)
                         + counts.get("create", 0)),
        "ambiguous": ambiguous,
    }


def _invoices(ws: Workspace, tenant_id: str | None) -> dict[str, Any]:
    atera = ws.rows("atera", "invoices", columns=["InvoiceNumber"])["InvoiceNumber"]
    state = export_state(ws, tenant_id)
    by_status = state["status"].value_counts().to_dict()
    done = set(state.loc[state["status"] == "exported", "atera_invoice"])
    exported = state[state["status"] == "exported"]
    return {
        "atera_total": len(atera),
        "exported": int(by_status.get("exported", 0)),
        "failed": int(by_status.get("failed", 0)),
        "refused": int(by_status.get("refused", 0)),
        "in_flight": int(by_status.get("sending", 0) + by_status.get("unknown", 0)
                         + by_status.get("planned", 0)),
        "pending": len(set(atera.astype(str)) - done),
        "links": [
            {"atera_invoice": r.atera_invoice, "xero_number": r.xero_number,
             "xero_status": r.xero_status, "link": r.link}
            for r in exported.itertuples()
        ],
    }


def _latest_snapshots(ws: Workspace) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (system, entity): the latest snapshot's id, time, rows and source, and how many
    snapshots there are."""
    every = ws.snapshots()  # newest first
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for (system, name), group in every.groupby(["system", "entity"], sort=False):
        newest = group.iloc[0]
        out[(str(system), str(name))] = {
            "snapshot_id": newest["snapshot_id"], "taken_at": group["taken_at"].max(),
            "row_count": newest["row_count"], "source": newest["source"],
            "snapshots": len(group)}
    return out


def status(ws: Workspace) -> dict[str, Any]:
    """Everything ``matchkit status`` reports (keys documented in README)."""
    latest = _latest_snapshots(ws)
    snapshots = []
    for (system, name) in ENTITIES:
        r: dict[str, Any] = latest.get((system, name), {})
        snapshots.append({
            "system": system,
            "entity": name,
            "taken_at": _iso(r.get("taken_at")),
            "row_count": int(r["row_count"]) if r else None,
            "snapshot_id": int(r["snapshot_id"]) if r else None,
            "source": r.get("source"),
            "snapshots": int(r["snapshots"]) if r else 0,
        })
    conn = ws.connection("xero")
    connection = None
    if conn:
        connection = {
            "tenant_id": conn.get("tenant_id"),
            "tenant_name": conn.get("tenant_name"),
            "short_code": conn.get("short_code"),
            "connected_at": _iso(conn.get("connected_at")),
            "setup_done_at": _iso(conn.get("setup_done_at")),
        }
    return {
        "workspace": ws.path,
        "schema_version": ws.schema_version,
        "snapshots": snapshots,
        "customers": _matching(ws, "customers"),
        "products": _matching(ws, "products"),
        "invoices": _invoices(ws, connection["tenant_id"] if connection else None),
        "connection": connection,
        # the latest check of each exported invoice, from the workspace (no call to Xero)
        "reconciliation": stored_totals(ws, connection["tenant_id"] if connection else None),
    }


def format_status(s: dict[str, Any], *, links: int = 10) -> str:
    """The human-readable form of :func:`status`."""
    out = [f"workspace {s['workspace']} (schema v{s['schema_version']})"]
    c = s["connection"]
    if c:
        since = c["connected_at"]
        setup = f", set up {c['setup_done_at']}" if c["setup_done_at"] else ", setup not done"
        out.append(f"Xero: {c['tenant_name']} ({c['short_code']}) since {since}{setup}")
    else:
        out.append("Xero: not connected")
    out.append("")
    out.append(f"{'snapshot':<28}{'rows':>8}  taken at")
    for snap in s["snapshots"]:
        if snap["taken_at"] is None:
            continue
        out.append(f"{snap['system'] + ' ' + snap['entity']:<28}{snap['row_count']:>8}  "
                   f"{snap['taken_at']}")
    if not any(snap["taken_at"] for snap in s["snapshots"]):
        out.append("(no snapshots yet: run `matchkit snapshot` or `matchkit load`)")
    out.append("")
    for kind in ("customers", "products"):
        m = s[kind]
        out.append(
            f"{kind:<10} {m['total']:>6} in Atera: {m['matched']} matched, {m['unmatched']} "
            f"unmatched ({m['undecided']} undecided, {m['to_create']} to create in Xero, "
            f"{m['left_unmatched']} left unmatched), {m['ambiguous']} ambiguous"
        )
    inv = s["invoices"]
    out.append(
        f"invoices   {inv['atera_total']:>6} in Atera: {inv['exported']} exported, "
        f"{inv['failed']} failed, {inv['refused']} refused, {inv['in_flight']} in flight, "
        f"{inv['pending']} pending"
    )
    for link in inv["links"][-links:]:
        out.append(f"  {link['atera_invoice']:>8} -> {link['xero_number'] or '':<12} "
                   f"{link['xero_status'] or '':<10} {link['link'] or ''}")
    if len(inv["links"]) > links:
        out.append(f"  ... {len(inv['links']) - links} more (matchkit status --json)")
    rec = s.get("reconciliation")
    if rec:
        out.append(f"reconciled {rec['invoices']:>5} at {rec['checked_at']}: difference "
                   f"{rec['difference']:,.2f} = xero tax {rec['xero_tax_added']:,.2f} + rounding "
                   f"{rec['rounding']:,.2f} + unexplained {rec['unexplained']:,.2f} "
                   f"({rec['errors']} error(s))")
    return "\n".join(out)
