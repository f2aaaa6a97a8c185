"""Xero's identity side: authorize (auto-consent), token grants, rotation, revocation,
connections.

- Access tokens are RS256 JWTs with Xero's claims (``nbf exp iss aud client_id sub auth_time
  xero_userid global_session_id jti authentication_event_id scope amr``: a decoded Xero token
  in pink-gorilla/webly ``demo-repl/src/info.clj``, typed in mrbrianevans/filing-deadlines
  ``backend-shared/jwtTokens.ts``); ``authentication_event_id`` is the ``authEventId`` of the
  connections the consent made. With ``openid`` the code exchange also returns an
  ``id_token`` (``email``/``profile`` claims with those scopes); the signing keys are served
  as JWKS (``/.well-known/openid-configuration/jwks``).
- A redirect_uri must equal a registered one exactly (no wildcards: developer.xero.com/faq/oauth2);
  an unknown client, redirect_uri or scope is shown as Xero's error page, never redirected.
- Both flows: the authorization code with PKCE (S256; no secret needed) and the plain one for
  web apps, whose code exchange must carry the client secret
  (developer.xero.com/documentation/oauth2/auth-flow, .../pkce-flow).

Tokens live only in memory; nothing here logs or returns a secret except the token
endpoint's own answer.
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
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = ["AuthError", "Connection", "Grant", "TokenInfo", "XeroAuth", "jwks"]

ACCESS_TTL = 30 * 60
ID_TOKEN_TTL = 5 * 60
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
# The person who consents in the sandbox (id_token claims).
DEMO_USER = {"given_name": "Sam", "family_name": "Sandbox",
             "email": "sam.sandbox@example.com"}


class AuthError(Exception):
    """An OAuth error: ``error`` is the OAuth error code sent in the body."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


@cache
def _signing_key() -> RSAKey:
    """One RSA key per process: generating one takes a few hundred milliseconds."""
    kid = secrets.token_hex(20).upper()
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"},
                               private=True)


def jwks() -> dict[str, Any]:
    """The public signing keys (what a client verifies tokens with)."""
    return {"keys": [_signing_key().as_dict(private=False)]}


def _sign(claims: dict[str, Any]) -> str:
    key = _signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


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
    """One consent: the scopes and the connections it opened (its id is the
    ``authentication_event_id``)."""

    id: str
    client_id: str
    scopes: frozenset[str]
    custom: bool = False  # client_credentials (custom connection)
    revoked: bool = False
    auth_time: float = 0.0
    session: str = field(default_factory=lambda: secrets.token_hex(16))
    nonce: str | None = None


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
    challenge: str | None  # None: the plain flow, which needs the client secret
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
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _codes: dict[str, _Code] = field(default_factory=dict, repr=False)
    _access: dict[str, TokenInfo] = field(default_factory=dict, repr=False)
    _refresh: dict[str, _Refresh] = field(default_factory=dict, repr=False)
    connections: dict[str, Connection] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ authorize

    def redirect_allowed(self, uri: str) -> bool:
        """Only an exact match of a registered URI (Xero allows no wildcards)."""
        return uri in self.redirect_uris

    def authorize(self, params: dict[str, str]) -> str:
        """Check an authorize request and return the code (auto-consent for the demo user).

        Raises ``AuthError``; ``status=500`` errors are shown as Xero's error page (never
        redirected to an unchecked redirect_uri), the others go back to the redirect_uri.
        """
        if params.get("client_id") != self.client_id:
            # XeroAPI/xero-python#110.
            raise AuthError("unauthorized_client", "Unknown client or client not enabled", 500)
        redirect_uri = params.get("redirect_uri", "")
        if not self.redirect_allowed(redirect_uri):
            # XeroAPI/xero-python-oauth2-app#35, xero-node-oauth2-app#58.
            raise AuthError("unauthorized_client", "Invalid redirect_uri", 500)
        scopes = frozenset(params.get("scope", "").split())
        if not scopes or scopes - KNOWN_SCOPES:
            # XeroAPI/xero-python-oauth2-app#14; broad scopes for new apps:
            # XeroAPI/xero-postman-oauth2#9.
            raise AuthError("unauthorized_client", "Invalid scope for client", 500)
        if params.get("response_type") != "code":
            raise AuthError("unsupported_response_type", "response_type must be code", 302)
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method")
        if (challenge or method) and (method != "S256" or not challenge):
            raise AuthError("invalid_request", "code_challenge with method S256 is required", 302)
        code = secrets.token_urlsafe(32)
        grant = Grant(str(uuid.uuid4()), self.client_id, scopes, auth_time=self.now(),
                      nonce=params.get("nonce") or None)
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

    def exchange_code(self, code: str, redirect_uri: str, verifier: str, client_id: str,
                      issuer: str, *, authenticated: bool) -> dict[str, object]:
        """``authenticated``: the client sent its secret (a web app's plain flow)."""
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.used or entry.expires_at < self.now():
                raise AuthError("invalid_grant")
            if entry.client_id != client_id or entry.redirect_uri != redirect_uri:
                raise AuthError("invalid_grant")
            if entry.challenge is None:
                if not authenticated:
                    raise AuthError("invalid_client")
            else:
                if not _VERIFIER_RE.match(verifier or ""):
                    raise AuthError("invalid_grant", "code_verifier is malformed")
                digest = hashlib.sha256(verifier.encode("ascii")).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
                if not secrets.compare_digest(expected, entry.challenge):
                    raise AuthError("invalid_grant", "code_verifier does not match")
            entry.used = True
            grant = entry.grant
            self._connect(grant)
            body = self._issue(grant, issuer, with_refresh="offline_access" in grant.scopes)
            if "openid" in grant.scopes:
                body["id_token"] = self._id_token(grant, issuer, str(body["access_token"]))
            return body

    def client_credentials(self, scope: str | None, issuer: str) -> dict[str, object]:
        scopes = frozenset((scope or "").split()) or (KNOWN_SCOPES - {"offline_access"})
        unknown = scopes - KNOWN_SCOPES
        if unknown:
            raise AuthError("invalid_scope")
        grant = Grant(str(uuid.uuid4()), self.client_id, scopes - {"offline_access"},
                      custom=True, auth_time=self.now())
        with self._lock:
            # A custom connection is tied to one organisation (developer.xero.com/faq/
            # custom-integration): the first; it makes no connection a login would list.
            return self._issue(grant, issuer, with_refresh=False)

    def refresh(self, token: str, client_id: str, issuer: str) -> dict[str, object]:
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
            return self._issue(entry.grant, issuer, with_refresh=True)

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

    def _issue(self, grant: Grant, issuer: str, *, with_refresh: bool) -> dict[str, object]:
        now = self.now()
        claims: dict[str, Any] = {
            "nbf": int(now), "exp": int(now + ACCESS_TTL), "iss": issuer,
            "aud": f"{issuer}/resources", "client_id": self.client_id,
            "jti": secrets.token_hex(16), "authentication_event_id": grant.id,
            "scope": sorted(grant.scopes),
        }
        if not grant.custom:
            claims.update(sub=self._subject(), auth_time=int(grant.auth_time),
                          xero_userid=self.user_id, global_session_id=grant.session,
                          amr=["pwd"])
        access = _sign(claims)
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

    def _subject(self) -> str:
        return hashlib.md5(self.user_id.encode(), usedforsecurity=False).hexdigest()

    def _id_token(self, grant: Grant, issuer: str, access_token: str) -> str:
        now = self.now()
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims: dict[str, Any] = {
            "nbf": int(now), "exp": int(now + ID_TOKEN_TTL), "iss": issuer,
            "aud": self.client_id, "iat": int(now),
            "at_hash": base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii"),
            "sid": grant.session, "sub": self._subject(), "auth_time": int(grant.auth_time),
            "xero_userid": self.user_id, "global_session_id": grant.session, "amr": ["pwd"],
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        if "email" in grant.scopes:
            claims["email"] = DEMO_USER["email"]
        if "profile" in grant.scopes:
            claims.update(given_name=DEMO_USER["given_name"],
                          family_name=DEMO_USER["family_name"],
                          name=f"{DEMO_USER['given_name']} {DEMO_USER['family_name']}",
                          preferred_username=DEMO_USER["email"])
        return _sign(claims)

    # ------------------------------------------------------------ API side

    def lookup(self, access_token: str) -> TokenInfo | None:
        with self._lock:
            return self._access.get(access_token)

    def tenants_for(self, grant: Grant) -> dict[str, Connection]:
        """The tenants a grant may reach now: those with a live connection (a custom
        connection: its one organisation, the first)."""
        with self._lock:
            if grant.revoked:
                return {}
            if grant.custom:
                tenant, name = next(iter(self.tenants.items()))
                cid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"custom-connection/{grant.id}"))
                return {tenant: Connection(cid, tenant, name, grant.id, grant.auth_time,
                                           grant.auth_time)}
            return {c.tenant_id: c for c in self.connections.values()}

    def disconnect(self, connection_id: str) -> bool:
        with self._lock:
            return self.connections.pop(connection_id, None) is not None
