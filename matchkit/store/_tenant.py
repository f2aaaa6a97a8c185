"""One workspace belongs to one Xero organisation.

The first Xero organisation whose data enters a workspace (a snapshot, a connection, an
export) claims it; from then on every path that brings a Xero organisation in (connecting,
snapshots, the wizard's Done, exports) calls :func:`claim_xero_tenant`, which refuses any
other organisation. Workspaces from before the claim was recorded belong to the tenant of
their latest Xero connection, else of their export or sync log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._exceptions import WorkspaceTenantError

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = ["OWNER_KEY", "claim_xero_tenant", "xero_organisation"]

OWNER_KEY = "workspace.xero_organisation"


def xero_organisation(ws: Workspace) -> dict[str, Any] | None:
    """``{"tenant_id", "tenant_name"}`` of the Xero organisation ``ws`` belongs to, or
    ``None`` while no organisation's data has entered it."""
    owner = ws.get_setting(OWNER_KEY)
    if isinstance(owner, dict) and owner.get("tenant_id"):
        return {"tenant_id": str(owner["tenant_id"]), "tenant_name": owner.get("tenant_name")}
    found = ws.sql("SELECT tenant_id, tenant_name FROM connections WHERE system = 'xero' AND "
                   "tenant_id IS NOT NULL ORDER BY connection_id DESC LIMIT 1")
    if found.empty:
        found = ws.sql("SELECT tenant_id, NULL AS tenant_name FROM (SELECT tenant_id, "
                       "logged_at FROM export_log UNION ALL SELECT tenant_id, logged_at FROM "
                       "xero_sync_log) ORDER BY logged_at DESC LIMIT 1")
    if found.empty:
        return None
    row = found.iloc[0]
    name = row["tenant_name"] if isinstance(row["tenant_name"], str) else None
    return {"tenant_id": str(row["tenant_id"]), "tenant_name": name}


def claim_xero_tenant(ws: Workspace, tenant_id: str, tenant_name: str | None = None) -> None:
    """Let organisation ``tenant_id`` use ``ws``: record it as the owner if ``ws`` has none,
    else raise :class:`WorkspaceTenantError` unless it is the owner."""
    with ws.transaction():
        owner = xero_organisation(ws)
        if owner is not None and owner["tenant_id"].casefold() != tenant_id.casefold():
            raise WorkspaceTenantError(
                f"workspace {ws.path} belongs to Xero organisation "
                f"{_label(owner['tenant_id'], owner['tenant_name'])}; it cannot be used for "
                f"{_label(tenant_id, tenant_name)}: give that organisation a workspace of "
                "its own (-w PATH)")
        stored = ws.get_setting(OWNER_KEY)
        if not isinstance(stored, dict) or not stored.get("tenant_id") or (
                tenant_name and not stored.get("tenant_name")):
            ws.set_setting(OWNER_KEY, {"tenant_id": owner["tenant_id"] if owner else tenant_id,
                                       "tenant_name": tenant_name or (owner or {}).get(
                                           "tenant_name")})


def _label(tenant_id: str, name: str | None) -> str:
    return f"{name!r} ({tenant_id})" if name else tenant_id
