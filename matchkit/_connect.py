"""Connecting to both systems and recording the Xero connection in the workspace."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ._config import Settings
from .store import Workspace

__all__ = ["connect_atera", "connect_xero", "is_loopback"]


def is_loopback(url: str) -> bool:
    """True for the built-in sandbox (and anything else served on this machine)."""
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def connect_xero(ws: Workspace | None, settings: Settings, **kwargs: Any) -> Any:
    """A connected :class:`matchkit.xero.XeroClient`; the connection is recorded in ``ws``.

    Where the login page is on this machine (the sandbox, which consents by itself) the login
    completes without a browser; against the real Xero a browser window opens.
    """
    from .xero import connect

    kwargs.setdefault("browser", not is_loopback(settings.xero_login_url))
    kwargs.setdefault("redirect_port", settings.xero_redirect_port)
    if not kwargs["browser"]:
        kwargs.pop("on_url", None)  # nobody needs to open it
    xero = connect(settings, **kwargs)
    if ws is not None:
        current = ws.connection("xero")
        if current is None or current.get("tenant_id") != xero.tenant_id:
            ws.record_connection(
                "xero", tenant_id=xero.tenant_id, tenant_name=xero.tenant_name,
                short_code=xero.short_code, xero_connection=xero.connection_id,
                base_url=settings.xero_api_url,
            )
    return xero


def connect_atera(settings: Settings, **kwargs: Any) -> Any:
    """An :class:`matchkit.atera.AteraClient` for ``settings``."""
    from .atera import AteraClient

    return AteraClient.from_settings(settings, **kwargs)
