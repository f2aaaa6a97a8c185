"""Xero's identity side: auto-consent authorize, token grants, rotation, revocation, connections.

Tokens are random opaque strings held only in memory; nothing here logs or returns a secret
except the token endpoint's own answer.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["AuthError", "Connection", "Grant", "TokenInfo", "XeroAuth"]

ACCESS_TTL = 30 * 60
REFRESH_TTL = 60 * 86400
REFRESH_GRACE = 30 * 60
CODE_TTL = 5 * 60
# Granular scopes for apps created after 2 March 2026; broad `accounting.transactions` is refused.
KNOWN_SCOPES = frozenset({
    "openid", "profile", "email", "offline_access",
    "accounting.contacts", "accounting.contacts.read",
    "accounting.settings", "accounting.settings.read",
    "accounting.invoices", "accounting.invoices.read",
    "accounting.payments", "accounting.payments.read",
    "accounting.attachments", "accounting.attachments.read",
})
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


class AuthError(Exception):
    """An OAuth error: ``error`` is the OAuth error code sent in the body."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


@dataclass
class Connection:
    id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: float
    updated: float


@dataclass
class Grant:
    """One consent: the scopes and the connections it opened."""

    id: str
    client_id: str
    scopes: frozenset[str]
    custom: bool = False  # client_credentials (custom connection)
    revoked: bool = False


@dataclass
class TokenInfo:
    grant: Grant
    expires_at: float


@dataclass
class _Refresh:
    grant: Grant
    issued: float
    used_at: float | None = None


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: frozenset[str]
    grant: Grant
    expires_at: float
    used: bool = False


@dataclass
class XeroAuth:
    """The identity service for one demo app (client) and the sandbox's organisations."""

    client_id: str
    client_secret: str = field(repr=False)
    now: Callable[[], float] = field(repr=False)
    tenants: dict[str, str] = field(default_factory=dict)  # tenant id -> name
    redirect_uris: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _codes: dict[str, _Code] = field(default_factory=dict, repr=False)
    _access: dict[str, TokenInfo] = field(default_factory=dict, repr=False)
    _refresh: dict[str, _Refresh] = field(default_factory=dict, repr=False)
    connections: dict[str, Connection] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ authorize

    def redirect_allowed(self, uri: str) -> bool:
        """Registered URIs, plus any http loopback URI (a notebook's listener picks its port)."""
        if uri in self.redirect_uris:
            return True
        parts = urlsplit(uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")

    def authorize(self, params: dict[str, str]) -> str:
        """Check an authorize request and return the code (auto-consent for the demo user).

        Raises ``AuthError``; ``status=400`` errors must be shown as a page (never redirected
        to an unchecked redirect_uri), the others go back to the redirect_uri.
        """
        if params.get("client_id") != self.client_id:
            raise AuthError("invalid_client", "unknown client_id", status=400)
        redirect_uri = params.get("redirect_uri", "")
        if not self.redirect_allowed(redirect_uri):
            raise AuthError("invalid_request", "redirect_uri is not registered", status=400)
        if params.get("response_type") != "code":
            raise AuthError("unsupported_response_type", "response_type must be code", 302)
        scopes = frozenset(params.get("scope", "").split())
        unknown = scopes - KNOWN_SCOPES
        if not scopes or unknown:
            raise AuthError("invalid_scope", f"unknown scopes: {' '.join(sorted(unknown))}", 302)
        if not params.get("state"):
            raise AuthError("invalid_request", "state is required", 302)
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not challenge:
            raise AuthError("invalid_request", "code_challenge with method S256 is required", 302)
        code = secrets.token_urlsafe(32)
        grant = Grant(str(uuid.uuid4()), self.client_id, scopes)
        with self._lock:
            self._codes[code] = _Code(self.client_id, redirect_uri, challenge, scopes, grant,
                                      self.now() + CODE_TTL)
        return code

    # ------------------------------------------------------------ token

    def check_client(self, client_id: str | None, client_secret: str | None, *,
                     secret_required: bool) -> None:
        if client_id != self.client_id:
            raise AuthError("invalid_client")
        if client_secret is None:
            if secret_required:
                raise AuthError("invalid_client")
            return
        if not secrets.compare_digest(client_secret, self.client_secret):
            raise AuthError("invalid_client")

    def exchange_code(self, code: str, redirect_uri: str, verifier: str,
                      client_id: str) -> dict[str, object]:
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.used or entry.expires_at < self.now():
                raise AuthError("invalid_grant")
            if entry.client_id != client_id or entry.redirect_uri != redirect_uri:
                raise AuthError("invalid_grant")
            if not _VERIFIER_RE.match(verifier or ""):
                raise AuthError("invalid_grant", "code_verifier is malformed")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            if not secrets.compare_digest(expected, entry.challenge):
                raise AuthError("invalid_grant", "code_verifier does not match")
            entry.used = True
            grant = entry.grant
            self._connect(grant)
            return self._issue(grant, with_refresh="offline_access" in grant.scopes)

    def client_credentials(self, scope: str | None) -> dict[str, object]:
        scopes = frozenset((scope or "").split()) or (KNOWN_SCOPES - {"offline_access"})
        unknown = scopes - KNOWN_SCOPES
        if unknown:
            raise AuthError("invalid_scope")
        grant = Grant(str(uuid.uuid4()), self.client_id, scopes - {"offline_access"},
                      custom=True)
        with self._lock:
            self._connect(grant)
            return self._issue(grant, with_refresh=False)

    def refresh(self, token: str, client_id: str) -> dict[str, object]:
        with self._lock:
            entry = self._refresh.get(token)
            now = self.now()
            if entry is None or entry.grant.revoked or entry.grant.client_id != client_id:
                raise AuthError("invalid_grant")
            if now - entry.issued > REFRESH_TTL:
                raise AuthError("invalid_grant")
            if entry.used_at is not None and now - entry.used_at > REFRESH_GRACE:
                raise AuthError("invalid_grant")
            if entry.used_at is None:
                entry.used_at = now
            return self._issue(entry.grant, with_refresh=True)

    def revoke(self, token: str) -> None:
        """Revoke a refresh token: its grant and that grant's connections end."""
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None:
                info = self._access.get(token)
                if info is None:
                    return
                grant = info.grant
            else:
                grant = entry.grant
            grant.revoked = True
            for cid in [c.id for c in self.connections.values()
                        if c.auth_event_id == grant.id]:
                del self.connections[cid]

    def _connect(self, grant: Grant) -> None:
        now = self.now()
        for tenant_id, name in self.tenants.items():
            existing = next((c for c in self.connections.values()
                             if c.tenant_id == tenant_id), None)
            if existing is not None:
                # Re-consent keeps the connection and moves it to the new auth event.
                existing.auth_event_id = grant.id
                existing.updated = now
            else:
                cid = str(uuid.uuid4())
                self.connections[cid] = Connection(cid, tenant_id, name, grant.id, now, now)

    def _issue(self, grant: Grant, *, with_refresh: bool) -> dict[str, object]:
        access = secrets.token_urlsafe(48)
        now = self.now()
        self._access[access] = TokenInfo(grant, now + ACCESS_TTL)
        body: dict[str, object] = {
            "access_token": access, "expires_in": ACCESS_TTL, "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes)),
        }
        if with_refresh:
            refresh = secrets.token_urlsafe(48)
            self._refresh[refresh] = _Refresh(grant, now)
            body["refresh_token"] = refresh
        return body

    # ------------------------------------------------------------ API side

    def lookup(self, access_token: str) -> TokenInfo | None:
        with self._lock:
            return self._access.get(access_token)

    def tenants_for(self, grant: Grant) -> dict[str, Connection]:
        """The tenants a grant may reach now: those with a live connection."""
        with self._lock:
            if grant.revoked:
                return {}
            return {c.tenant_id: c for c in self.connections.values()}

    def disconnect(self, connection_id: str) -> bool:
        with self._lock:
            return self.connections.pop(connection_id, None) is not None
