"""Connecting to both systems: the Xero login, the organisation a command works on, and the
connection recorded in the workspace."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._config import Settings
from .._exceptions import WorkspaceTenantError
from ..store import Workspace
from ..xero import XeroReader

__all__ = ["bind_workspace", "connect_atera", "connect_xero", "is_loopback", "xero_login"]


def is_loopback(url: str) -> bool:
    """True for the built-in sandbox (and anything else served on this machine)."""
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def xero_login(settings: Settings, **kwargs: Any) -> Any:
    """A :class:`matchkit.xero.XeroLogin`: stored tokens or a new login, and the
    organisations it reaches. Where the login page is on this machine (the sandbox, which
    consents by itself) the login completes without a browser; against the real Xero a
    browser window opens."""
    from ..xero import login

    kwargs.setdefault("browser", not is_loopback(settings.xero_login_url))
    kwargs.setdefault("redirect_port", settings.xero_redirect_port)
    if not kwargs["browser"]:
        kwargs.pop("on_url", None)  # nobody needs to open it
    return login(settings, **kwargs)


def connect_xero(ws: Workspace | None, settings: Settings, *, tenant: str | None = None,
                 record: bool = True, session: Any = None, **kwargs: Any) -> Any:
    """A connected :class:`matchkit.xero.XeroClient` for one organisation.

    The organisation: ``tenant`` (a name or tenant id, e.g. ``--tenant``), else
    ``settings.xero_tenant_id``, else the one ``ws`` belongs to, else the only one the login
    reaches; several and no choice is a :class:`ConfigError` listing them. With ``ws`` the
    organisation must be the workspace's own (:meth:`Workspace.claim_xero_tenant`), and with
    ``record`` the connection is recorded in it. ``session``: an earlier :func:`xero_login`.
    """
    session = session if session is not None else xero_login(settings, **kwargs)
    wanted = tenant or settings.xero_tenant_id
    owner = ws.xero_organisation() if ws is not None else None
    if not wanted and owner is not None:
        reached = {t.tenant_id.casefold() for t in session.tenants()}
        if owner["tenant_id"].casefold() not in reached:
            name = owner.get("tenant_name")
            raise WorkspaceTenantError(
                f"workspace {ws.path if ws else ''} belongs to Xero organisation "
                + (f"{name!r} ({owner['tenant_id']})" if name else owner["tenant_id"])
                + ", which this login does not reach; it reaches: "
                + ", ".join(t.label() for t in session.tenants()))
        wanted = owner["tenant_id"]
    xero = session.client(wanted)
    if ws is not None:
        bind_workspace(ws, xero, settings, record=record)
    return xero


def bind_workspace(ws: Workspace, xero: XeroReader, settings: Settings | None = None, *,
                   record: bool = True) -> None:
    """Refuse ``xero``'s organisation unless ``ws`` is its own (or nobody's yet); with
    ``record`` also record the connection when it is not the open one."""
    ws.claim_xero_tenant(xero.tenant_id, xero.tenant_name)
    if not record:
        return
    current = ws.connection("xero")
    if current is None or current.get("tenant_id") != xero.tenant_id:
        ws.record_connection(
            "xero", tenant_id=xero.tenant_id, tenant_name=xero.tenant_name,
            short_code=xero.short_code, xero_connection=xero.connection_id,
            base_url=settings.xero_api_url if settings is not None else None,
        )


def connect_atera(settings: Settings, **kwargs: Any) -> Any:
    """An :class:`matchkit.atera.AteraClient` for ``settings``."""
    from ..atera import AteraClient

    return AteraClient.from_settings(settings, **kwargs)
