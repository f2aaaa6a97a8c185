"""``connect()``: stored tokens or a new login, then the organisation from /connections."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from matchkit._config import Settings
from matchkit._exceptions import (
    ApiError,
    AuthError,
    ConfigError,
    ProtocolError,
    ReconnectRequired,
    ServerError,
    TransportError,
)

from ._auth import TokenManager, TokenStore, XeroAuth, XeroOAuth, ssl_context
from ._client import XeroClient, _is_json, _json, _retry_after
from ._limits import OnWait
from ._retry import RetryPolicy

__all__ = ["connect"]

log = logging.getLogger("matchkit.xero")



def connect(
    settings: Settings,
    *,
    browser: bool = True,
    transport: httpx.BaseTransport | None = None,
    time_scale: float = 1.0,
    on_wait: OnWait | None = None,
    on_url: Callable[[str], None] | None = None,
    redirect_port: int | None = None,
    login_timeout: float = 300.0,
    retry: RetryPolicy | None = None,
    relogin: bool = True,
) -> XeroClient:
    """A ready :class:`XeroClient`: stored tokens, or a new login, then the tenant.

    ``settings.xero_grant`` picks the flow. For ``authorization_code`` stored tokens are used
    when present; otherwise the login runs (PKCE, a listener on 127.0.0.1:``redirect_port``,
    by default ``settings.xero_redirect_port``: Xero takes only a registered redirect URI;
    ``browser=False`` completes it headless where consent is automatic, as in the sandbox).
    When the stored grant is dead (``invalid_grant``) a new login starts, unless
    ``relogin=False``, which raises :class:`ReconnectRequired` instead. ``time_scale``
    matches a time-scaled sandbox clock; ``on_wait(seconds, reason)`` hears every wait.
    """
    port = settings.xero_redirect_port if redirect_port is None else redirect_port
    store = TokenStore.for_settings(settings)
    oauth = XeroOAuth(settings, transport=transport, time_scale=time_scale)
    manager = TokenManager(store, oauth, settings.xero_grant)

    def login() -> None:
        manager.adopt(oauth.authorization_code(browser=browser, port=port,
                                               timeout=login_timeout, on_url=on_url))

    interactive = settings.xero_grant == "authorization_code"
    if interactive and store.load() is None:
        login()
        tenant = _choose_tenant(settings, manager, transport, retry)
    else:
        try:
            tenant = _choose_tenant(settings, manager, transport, retry)
        except ReconnectRequired:
            if not (interactive and relogin):
                raise
            # the stored grant is dead (revoked, or unused past its lifetime): log in anew
            log.warning("Stored Xero grant is no longer valid; starting a new login")
            with store.locked():
                store.delete()
            login()
            tenant = _choose_tenant(settings, manager, transport, retry)
    client = XeroClient(
        settings, manager, tenant_id=tenant["tenantId"], tenant_name=tenant.get("tenantName"),
        connection_id=tenant.get("id"), transport=transport, time_scale=time_scale,
        on_wait=on_wait, retry=retry)
    return client


def _choose_tenant(settings: Settings, manager: TokenManager,
                   transport: httpx.BaseTransport | None,
                   retry: RetryPolicy | None = None) -> dict[str, Any]:
    url = settings.xero_api_url.rstrip("/") + "/connections"
    policy = retry or RetryPolicy()
    attempt = 0
    with httpx.Client(auth=XeroAuth(manager), transport=transport, timeout=30.0,
                      headers={"Accept": "application/json"}, verify=ssl_context()) as http:
        while True:
            attempt += 1
            try:
                response = http.get(url)
            except httpx.TransportError as exc:
                error: ApiError = TransportError(
                    f"no answer from Xero for GET /connections ({type(exc).__name__})",
                    system="xero", url="/connections")
                retry_after = None
            else:
                status = response.status_code
                retry_after = _retry_after(response.headers.get("Retry-After"))
                if status in (401, 403):
                    raise AuthError(f"Xero refused GET /connections ({status}); connect again",
                                    system="xero", status=status, url="/connections")
                if response.is_success and _is_json(response):
                    break
                error = ProtocolError(f"Xero answered GET /connections with {status}",
                                      system="xero", status=status, url="/connections")
                if status == 429 or status >= 500:
                    error = ServerError(f"Xero answered GET /connections with {status}",
                                        system="xero", status=status, url="/connections")
                elif status >= 400:
                    raise error
            if not policy.may_retry("GET", None, attempt):
                raise error
            time.sleep(policy.delay(attempt, retry_after))
    answer = _json(response, "GET /connections")
    if not isinstance(answer, list):
        raise ProtocolError("Xero's /connections answer is not a list", system="xero",
                            url="/connections")
    connections = [c for c in answer if isinstance(c, dict) and c.get("tenantId")]
    if settings.xero_tenant_id:
        for c in connections:
            if c["tenantId"] == settings.xero_tenant_id:
                return c
        raise ConfigError(f"MATCHKIT_XERO_TENANT_ID={settings.xero_tenant_id} is not among the "
                          f"organisations this login can reach: {_tenant_list(connections)}")
    orgs = [c for c in connections if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise ConfigError("this Xero login reaches no organisation; connect again and pick one")
    raise ConfigError("this Xero login reaches several organisations; set "
                      f"MATCHKIT_XERO_TENANT_ID to one of: {_tenant_list(orgs)}")


def _tenant_list(connections: list[dict[str, Any]]) -> str:
    return ", ".join(f"{c.get('tenantName')!r} ({c['tenantId']})" for c in connections) or "none"
