"""The manage-integration page's services beyond the wizard: payment states, Disconnect."""

from __future__ import annotations

import pandas as pd

from ..store import Workspace, payment_states
from ..xero import XeroWriter

__all__ = ["TAX_NOTE", "disconnect", "export_status"]

TAX_NOTE = ("Atera's tax features can be used again: taxes are no longer left to Xero for "
            "new invoices.")


def export_status(ws: Workspace) -> pd.DataFrame:
    """Exported invoices with their payment state (paid, part-paid, overdue, voided, due).

    The latest Xero invoices snapshot, when there is one, is fresher than the export log.
    Empty when nothing was exported yet.
    """
    return payment_states(ws)


def disconnect(ws: Workspace, xero: XeroWriter | None) -> str:
    """Revoke the token and delete the connection in Xero, record it; return the report."""
    conn = ws.connection("xero")
    if xero is not None:
        xero.disconnect()
    elif conn is None:
        return "Not connected to Xero: nothing to disconnect."
    name = (conn or {}).get("tenant_name") or getattr(xero, "tenant_name", None) or "Xero"
    ws.record_disconnect("xero", note="disconnected by the user")
    return f"Disconnected from {name}. {TAX_NOTE}"
