"""Xero OAuth 2.0: the grants (authlib), the token store and the ``httpx.Auth`` that uses them.

The token store must never lose access (PITFALLS 1-2):

* one JSON file per client id (and tenant, when one is pinned) under ``settings.token_path``,
  mode 0600 in a 0700 directory, written atomically (temp file, fsync, ``os.replace``);
* one refresh at a time across threads (a lock per file) and processes (``filelock``); after
  taking the lock the file is read again, since another process may have refreshed already;
* the rotated refresh token is saved *before* the new access token is used;
* a refresh whose answer is lost is retried with the same refresh token, which Xero keeps
  valid for a 30-minute grace period after rotating it; ``invalid_grant`` (also with the
  previous refresh token, when one is kept) raises :class:`ReconnectRequired`.

Tokens, the client secret and the PKCE verifier are never logged, and ``TokenSet`` keeps
them out of its ``repr``.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import html
import json
import logging
import os
import re
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
import webbrowser
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import filelock
import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from matchkit._config import Settings
from matchkit._exceptions import (
    AuthError,
    ConfigError,
    ProtocolError,
    ReconnectRequired,
    ServerError,
    TransportError,
)

from ._loopback import LoopbackListener

with warnings.catch_warnings():
    # authlib 1.9 prefers the `httpx2` fork and warns when it falls back to httpx, which
    # is the client this project uses everywhere; the fallback is the supported path.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

__all__ = ["TokenManager", "TokenSet", "TokenStore", "XeroAuth", "XeroOAuth", "ssl_context"]

log = logging.getLogger("matchkit.xero")

REFRESH_MARGIN = 120.0  # refresh when fewer seconds than this remain (PITFALLS 2)
# There is no `matchkit connect`: any command that reaches Xero logs in anew when needed.
RECONNECT_HINT = ("connect to Xero again (notebook 01, or a command such as `matchkit snapshot`, "
                  "starts a new login; in Python: matchkit.xero.connect)")


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every Xero HTTP client of the process: loading the
    CA bundle costs ~0.1s per client otherwise, and a refresh makes a client."""
    return ssl.create_default_context()


@dataclass(frozen=True)
class TokenSet:
    """One consent's tokens; ``expires_at`` is a Unix time on this machine's clock."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    scope: str = ""
    token_type: str = "Bearer"
    grant: str = "authorization_code"
    previous_refresh_token: str | None = field(default=None, repr=False)
    rotated_at: float | None = None

    def expiring(self, margin: float = REFRESH_MARGIN) -> bool:
        return time.time() + margin >= self.expires_at

    @classmethod
    def from_response(
        cls, answer: dict[str, Any], grant: str, time_scale: float = 1.0,
        previous: TokenSet | None = None,
    ) -> TokenSet:
        """Build from a token endpoint answer; ``expires_in`` is in (possibly scaled) API time."""
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise ProtocolError("Xero token endpoint answered without an access_token",
                                system="xero")
        try:
            expires_in = float(answer.get("expires_in", 1800))
        except (TypeError, ValueError):
            raise ProtocolError("Xero token endpoint sent a non-numeric expires_in",
                                system="xero") from None
        refresh = answer.get("refresh_token")
        rotated = previous is not None and bool(refresh) and refresh != previous.refresh_token
        return cls(
            access_token=access,
            expires_at=time.time() + expires_in / time_scale,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            scope=str(answer.get("scope", "")),
            token_type=str(answer.get("token_type", "Bearer")),
            grant=grant,
            previous_refresh_token=previous.refresh_token if rotated and previous else None,
            rotated_at=time.time() if rotated else None,
        )


_thread_locks: dict[Path, threading.RLock] = {}
_thread_locks_guard = threading.Lock()


class TokenStore:
    """The token file of one client id (+ tenant)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file_lock = filelock.FileLock(str(path) + ".lock")
        with _thread_locks_guard:
            self._thread_lock = _thread_locks.setdefault(path.resolve(), threading.RLock())

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenStore:
        if not settings.xero_client_id:
            raise ConfigError("MATCHKIT_XERO_CLIENT_ID is not set: the Xero app's client id "
                              "is needed to connect")
        name = "xero-" + _slug(settings.xero_client_id)
        if settings.xero_tenant_id:
            name += "-" + _slug(settings.xero_tenant_id)
        return cls(settings.token_path / f"{name}.json")

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the refresh lock of this token file (threads and processes)."""
        self._ensure_dir()
        with self._thread_lock, self._file_lock:
            yield

    def load(self) -> TokenSet | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            return TokenSet(**data)
        except (ValueError, TypeError) as exc:
            # the file is written atomically, so this is a hand edit or another program
            raise ConfigError(f"token file {self.path} is not a matchkit token file "
                              f"({type(exc).__name__}); delete it and connect again") from None

    def save(self, tokens: TokenSet) -> None:
        """Write atomically with mode 0600: a reader sees the old file or the new one."""
        self._ensure_dir()
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".xero-", suffix=".tmp")
        try:
            if hasattr(os, "fchmod"):  # mkstemp already makes 0600; this also fixes umask oddities
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(tokens), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.path.parent)

    def delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _fsync_dir(self.path.parent)

    def _ensure_dir(self) -> None:
        directory = self.path.parent
        if not directory.exists():
            directory.mkdir(parents=True, exist_ok=True)
            os.chmod(directory, 0o700)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", value)[:80]


class XeroOAuth:
    """Xero's identity endpoints, spoken through authlib."""

    def __init__(
        self, settings: Settings, *, transport: httpx.BaseTransport | None = None,
        time_scale: float = 1.0, timeout: float = 30.0,
    ) -> None:
        if not settings.xero_client_id:
            raise ConfigError("MATCHKIT_XERO_CLIENT_ID is not set")
        self.settings = settings
        self.transport = transport
        self.time_scale = time_scale
        self.timeout = timeout
        identity = settings.xero_identity_url.rstrip("/")
        self.token_url = f"{identity}/connect/token"
        self.revocation_url = f"{identity}/connect/revocation"
        self.authorize_url = f"{settings.xero_login_url.rstrip('/')}/identity/connect/authorize"

    def __repr__(self) -> str:
        return f"XeroOAuth(client_id={self.settings.xero_client_id!r})"

    def _session(self, **kwargs: Any) -> OAuth2Client:
        secret = self.settings.xero_client_secret
        return OAuth2Client(
            client_id=self.settings.xero_client_id,
            client_secret=secret,
            # a PKCE app has no secret and authenticates with its client id alone
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            revocation_endpoint_auth_method="client_secret_basic" if secret else "none",
            transport=self.transport,
            timeout=self.timeout,
            verify=ssl_context(),
            **kwargs,
        )

    def _call(self, what: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run one token-endpoint exchange, mapping failures onto matchkit's errors."""
        try:
            return fn()
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                raise ReconnectRequired(
                    f"Xero refused the stored grant during {what} (invalid_grant: expired, "
                    f"revoked or replaced); {RECONNECT_HINT}",
                    system="xero", status=400, url=self.token_url,
                ) from None
            raise AuthError(f"Xero token endpoint refused {what}: {exc.error}",
                            system="xero", url=self.token_url) from None
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            cls = ServerError if status >= 500 else AuthError
            raise cls(f"Xero token endpoint answered {status} during {what}",
                      system="xero", status=status, url=self.token_url) from None
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransportError(f"no answer from Xero's token endpoint during {what} "
                                 f"({type(exc).__name__})", system="xero",
                                 url=self.token_url) from None
        except ValueError:
            raise ProtocolError(f"Xero token endpoint sent a non-JSON answer during {what}",
                                system="xero", url=self.token_url) from None

    def refresh(self, refresh_token: str, previous: TokenSet | None) -> TokenSet:
        def go() -> dict[str, Any]:
            with self._session() as session:
                return dict(session.refresh_token(self.token_url, refresh_token=refresh_token))

        return TokenSet.from_response(self._call("a token refresh", go), "authorization_code",
                                      self.time_scale, previous)

    def client_credentials(self) -> TokenSet:
        if not self.settings.xero_client_secret:
            raise ConfigError("MATCHKIT_XERO_CLIENT_SECRET is needed for a custom connection "
                              "(MATCHKIT_XERO_GRANT=client_credentials)")

        def go() -> dict[str, Any]:
            with self._session(scope=_scopes_without_offline(self.settings.xero_scopes)) as s:
                return dict(s.fetch_token(self.token_url, grant_type="client_credentials"))

        return TokenSet.from_response(self._call("client_credentials", go), "client_credentials",
                                      self.time_scale)

    def authorization_code(
        self, *, browser: bool = True, port: int = 0, timeout: float = 300.0,
        on_url: Callable[[str], None] | None = None,
    ) -> TokenSet:
        """Authorization code + PKCE (S256) through a loopback listener on 127.0.0.1.

        With ``browser=False`` the authorize URL is requested directly and its redirect
        followed to the listener: this completes only where consent is automatic (the
        sandbox). ``on_url`` receives the URL to show a person (e.g. a notebook link).
        """
        verifier = generate_token(64)  # 43-128 chars of [A-Za-z0-9]: RFC 7636
        state = generate_token(32)
        with LoopbackListener(port) as listener, self._session(
            scope=self.settings.xero_scopes, redirect_uri=listener.redirect_uri,
            code_challenge_method="S256",
        ) as session:
            url, _ = session.create_authorization_url(
                self.authorize_url, state=state, code_verifier=verifier)
            if on_url is not None:
                on_url(url)
            if browser:
                log.info("Opening the Xero login page in a browser")
                if not webbrowser.open(url) and on_url is None:
                    # no browser here (a server, a container): a person opens it elsewhere
                    print(f"Open this link to connect matchkit to Xero:\n{url}", flush=True)
            else:
                self._consent_headless(url)
            params = listener.wait(timeout)
            if not hmac.compare_digest(params.get("state", ""), state):
                raise AuthError("Xero login answered with the wrong state (possible forged "
                                "redirect); try connecting again", system="xero")
            if "error" in params:
                raise AuthError(f"Xero login was not completed: {params['error']}",
                                system="xero")
            code = params.get("code")
            if not code:
                raise ProtocolError("Xero login redirect carried no code", system="xero")

            def go() -> dict[str, Any]:
                return dict(session.fetch_token(
                    self.token_url, grant_type="authorization_code", code=code,
                    code_verifier=verifier, redirect_uri=listener.redirect_uri))

            answer = self._call("the authorization code exchange", go)
        return TokenSet.from_response(answer, "authorization_code", self.time_scale)

    def _consent_headless(self, url: str) -> None:
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout,
                              verify=ssl_context()) as client:
                response = client.get(url, follow_redirects=False)
        except httpx.TransportError as exc:
            raise TransportError(f"no answer from Xero's login page ({type(exc).__name__})",
                                 system="xero", url=self.authorize_url) from None
        location = response.headers.get("location")
        refused = re.search(r"Error: ([a-z_]+ : [^<]+)", response.text or "")
        if refused:
            # Xero's error page ("Error: unauthorized_client : Invalid redirect_uri"): say it.
            hint = (" (Xero takes only the redirect URIs registered for the app, exactly: "
                    "set MATCHKIT_XERO_REDIRECT_PORT to the port of the registered "
                    "http://127.0.0.1:<port>/callback)" if "redirect_uri" in refused.group(1)
                    else "")
            raise AuthError(f"Xero's login page refused the login: "
                            f"{html.unescape(refused.group(1)).strip()}{hint}", system="xero",
                            status=response.status_code, url=self.authorize_url)
        if response.status_code not in (301, 302, 303, 307) or not location:
            raise AuthError(
                f"Xero's login page answered {response.status_code} without a redirect: it "
                "needs a person to log in in a browser (only a loopback sandbox logs in "
                "without one)", system="xero",
                status=response.status_code, url=self.authorize_url)
        # urllib rather than httpx: httpx logs request URLs, and this one carries the code
        try:
            with urllib.request.urlopen(location, timeout=self.timeout):
                pass
        except urllib.error.HTTPError:
            pass  # the listener already has what it needs; its page only says so

    def revoke(self, refresh_token: str) -> None:
        def go() -> dict[str, Any]:
            with self._session() as session:
                response = session.revoke_token(self.revocation_url, token=refresh_token,
                                                token_type_hint="refresh_token")
                if response.status_code >= 400:
                    raise httpx.HTTPStatusError("revocation refused", request=response.request,
                                                response=response)
            return {}

        self._call("token revocation", go)


def _scopes_without_offline(scopes: str) -> str:
    # client_credentials gets no refresh token, so offline_access is not requested
    return " ".join(s for s in scopes.split() if s != "offline_access")


class TokenManager:
    """Hands out a valid access token, refreshing through the store's lock when needed."""

    def __init__(self, store: TokenStore, oauth: XeroOAuth, grant: str) -> None:
        if grant not in ("authorization_code", "client_credentials"):
            raise ConfigError(f"MATCHKIT_XERO_GRANT={grant!r} is not supported: use "
                              "authorization_code or client_credentials")
        self.store = store
        self.oauth = oauth
        self.grant = grant
        self._tokens: TokenSet | None = None
        self.refreshes = 0  # refreshes this manager made itself (tests, diagnostics)
        # the 2-minute margin is API time: a time-scaled sandbox shortens it too
        self.margin = REFRESH_MARGIN / oauth.time_scale

    def __repr__(self) -> str:
        return f"TokenManager(store={self.store!r}, grant={self.grant!r})"

    @property
    def tokens(self) -> TokenSet | None:
        return self._tokens

    def adopt(self, tokens: TokenSet) -> None:
        """Save freshly obtained tokens (a new consent) and use them."""
        with self.store.locked():
            self.store.save(tokens)
        self._tokens = tokens

    def access_token(self) -> str:
        tokens = self._tokens or self.store.load()
        if tokens is None:
            if self.grant != "client_credentials":
                raise ReconnectRequired(f"no stored Xero tokens; {RECONNECT_HINT}",
                                        system="xero")
        elif not tokens.expiring(self.margin):
            self._tokens = tokens
            return tokens.access_token
        return self.refresh(stale=tokens.access_token if tokens else None)

    def refresh(self, stale: str | None) -> str:
        """Get a new access token unless someone already replaced ``stale``."""
        with self.store.locked():
            current = self.store.load()
            if (current is not None and current.access_token != stale
                    and not current.expiring(self.margin)):
                self._tokens = current  # another thread or process refreshed first
                return current.access_token
            if self.grant == "client_credentials":
                new = self.oauth.client_credentials()
            else:
                if current is None or not current.refresh_token:
                    raise ReconnectRequired(f"no Xero refresh token is stored; {RECONNECT_HINT}",
                                            system="xero")
                new = self._refresh_from(current)
            self.store.save(new)  # the rotated refresh token is on disk before any use
            self.refreshes += 1
            self._tokens = new
            return new.access_token

    def _refresh_from(self, current: TokenSet) -> TokenSet:
        assert current.refresh_token is not None
        last: Exception | None = None
        for attempt in range(3):
            try:
                return self.oauth.refresh(current.refresh_token, current)
            except (TransportError, ServerError) as exc:
                # The answer may be lost after Xero rotated the token; the old one stays
                # valid for 30 minutes, so asking again with it is safe.
                last = exc
                log.warning("Xero token refresh got no answer (attempt %d); retrying with the "
                            "same refresh token", attempt + 1)
                time.sleep(0.2 * (attempt + 1))
            except ReconnectRequired:
                if current.previous_refresh_token:
                    log.warning("Xero refused the current refresh token; trying the previous "
                                "one (grace period)")
                    older = replace(current, refresh_token=current.previous_refresh_token,
                                    previous_refresh_token=None)
                    return self.oauth.refresh(current.previous_refresh_token, older)
                raise
        assert last is not None
        raise last


class XeroAuth(httpx.Auth):
    """Bearer token on every request; one refresh and retry on a 401."""

    def __init__(self, tokens: TokenManager) -> None:
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"XeroAuth({self.tokens!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request,
                                                                   httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            # TokenExpired (clock skew, a scaled sandbox clock) or revoked: refresh once
            response.read()
            log.info("Xero answered 401; refreshing the access token once")
            token = self.tokens.refresh(stale=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
