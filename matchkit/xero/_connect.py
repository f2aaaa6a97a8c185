"""``login()`` and ``connect()``: stored tokens or a new login, then the organisations from
/connections, then a client for one of them.

One login (one consent, one token set) may reach several organisations; every client of
them shares its tokens (PITFALLS 1: "One consent covering several tenants shares ONE token
set"). :meth:`XeroLogin.pick` chooses the organisation by name or tenant id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
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

__all__ = ["Tenant", "XeroLogin", "connect", "login", "tenant_list"]

log = logging.getLogger("matchkit.xero")


@dataclass(frozen=True)
class Tenant:
    """An organisation a login reaches (from /connections; ``short_code`` from
    /Organisation when asked for)."""

    tenant_id: str
    name: str
    connection_id: str | None = None
    tenant_type: str = "ORGANISATION"
    short_code: str | None = None

    def label(self) -> str:
        code = f", {self.short_code}" if self.short_code else ""
        return f"{self.name!r} ({self.tenant_id}{code})"


def tenant_list(tenants: list[Tenant]) -> str:
    return ", ".join(t.label() for t in tenants) or "none"


class XeroLogin:
    """A Xero login: its tokens and the organisations it reaches. Build it with
    :func:`login`; :meth:`client` opens one organisation."""

    def __init__(self, settings: Settings, manager: TokenManager, connections: list[Tenant],
                 *, transport: httpx.BaseTransport | None = None, time_scale: float = 1.0,
                 on_wait: OnWait | None = None, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.tokens = manager
        self._connections = connections
        self._transport = transport
        self._time_scale = time_scale
        self._on_wait = on_wait
        self._retry = retry
        self._short_codes: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"XeroLogin(tenants={[t.name for t in self._connections]!r})"

    def tenants(self, *, short_codes: bool = False) -> list[Tenant]:
        """The organisations this login reaches, in /connections' order; with
        ``short_codes`` each one's ShortCode (one GET /Organisation per organisation)."""
        orgs = [t for t in self._connections if t.tenant_type == "ORGANISATION"]
        if short_codes:
            for t in orgs:
                if t.tenant_id not in self._short_codes:
                    with self.client(t) as xero:
                        self._short_codes[t.tenant_id] = str(xero.short_code or "")
        return [Tenant(t.tenant_id, t.name, t.connection_id, t.tenant_type,
                       self._short_codes.get(t.tenant_id) or None) for t in orgs]

    def pick(self, wanted: str | None = None) -> Tenant:
        """The organisation named ``wanted`` (tenant id, or name ignoring case), or the only
        one; otherwise a :class:`ConfigError` listing what this login reaches."""
        orgs = self.tenants()
        if wanted is not None and wanted.strip():
            key = wanted.strip().casefold()
            by_id = [t for t in self._connections if t.tenant_id.casefold() == key]
            if by_id:
                return by_id[0]
            by_name = [t for t in orgs if t.name.strip().casefold() == key]
            if len(by_name) == 1:
                return by_name[0]
            if by_name:
                raise ConfigError(f"{wanted!r} names {len(by_name)} Xero organisations this "
                                  f"login reaches: {tenant_list(by_name)}; give the tenant id")
            raise ConfigError(f"no Xero organisation {wanted!r} among those this login "
                              f"reaches: {tenant_list(orgs)}")
        if len(orgs) == 1:
            return orgs[0]
        if not orgs:
            raise ConfigError("this Xero login reaches no organisation; connect again and "
                              "pick one")
        raise ConfigError(f"this Xero login reaches {len(orgs)} organisations: "
                          f"{tenant_list(orgs)}; choose one (--tenant NAME-OR-ID, or "
                          "MATCHKIT_XERO_TENANT_ID)")

    def client(self, tenant: str | Tenant | None = None) -> XeroClient:
        """A client for ``tenant`` (a :class:`Tenant`, a name or id, or ``None``: see
        :meth:`pick`)."""
        chosen = tenant if isinstance(tenant, Tenant) else self.pick(tenant)
        return XeroClient(
            self.settings, self.tokens, tenant_id=chosen.tenant_id, tenant_name=chosen.name,
            connection_id=chosen.connection_id, transport=self._transport,
            time_scale=self._time_scale, on_wait=self._on_wait, retry=self._retry)


def login(
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
) -> XeroLogin:
    """Stored tokens, or a new login; then the organisations it reaches (/connections).

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

    def log_in() -> None:
        manager.adopt(oauth.authorization_code(browser=browser, port=port,
                                               timeout=login_timeout, on_url=on_url))

    interactive = settings.xero_grant == "authorization_code"
    if interactive and store.load() is None:
        log_in()
        connections = _connections(settings, manager, transport, retry)
    else:
        try:
            connections = _connections(settings, manager, transport, retry)
        except ReconnectRequired:
            if not (interactive and relogin):
                raise
            # the stored grant is dead (revoked, or unused past its lifetime): log in anew
            log.warning("Stored Xero grant is no longer valid; starting a new login")
            with store.locked():
                store.delete()
            log_in()
            connections = _connections(settings, manager, transport, retry)
    return XeroLogin(settings, manager, connections, transport=transport,
                     time_scale=time_scale, on_wait=on_wait, retry=retry)


def connect(settings: Settings, *, tenant: str | None = None, **kwargs: Any) -> XeroClient:
    """A ready :class:`XeroClient`: :func:`login`, then the organisation ``tenant`` (a name or
    tenant id; default ``settings.xero_tenant_id``, else the only one the login reaches)."""
    return login(settings, **kwargs).client(tenant if tenant else settings.xero_tenant_id)


def _connections(settings: Settings, manager: TokenManager,
                 transport: httpx.BaseTransport | None,
                 retry: RetryPolicy | None = None) -> list[Tenant]:
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
    return [Tenant(str(c["tenantId"]), str(c.get("tenantName") or ""),
                   str(c["id"]) if c.get("id") else None,
                   str(c.get("tenantType") or "ORGANISATION"))
            for c in answer if isinstance(c, dict) and c.get("tenantId")]
