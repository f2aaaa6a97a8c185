"""The Xero sandbox app: identity (authorize, token, revocation, OpenID keys), /connections,
the Accounting API under /api.xro/2.0 (``_xero_api.py``) and a web page for invoice deep
links, all on one loopback port.

Every request goes through the same steps: faults, bearer token, tenant, scope, rate limit,
idempotency, handler; then the ledger and any exchange observers (contract tests) see it.
What each behaviour follows, and where Xero's is unknown: docs/fidelity.md.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from werkzeug.wrappers import Request, Response

from ._server import Clock, DropConnection, FaultPlan, Ledger, LedgerEntry, parse_faults
from ._xero_api import API_PREFIX, ApiMixin, Stored
from ._xero_auth import AuthError, XeroAuth, jwks
from ._xero_http import NOT_FOUND, HttpError, json_response, text
from ._xero_limits import Limits, RateLimiter
from ._xero_org import XeroOrg

__all__ = ["EXCHANGE_LOG_ENV", "Exchange", "XeroApp", "add_exchange_observer",
           "read_exchange_log", "remove_exchange_observer"]


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as an observer (e.g. the contract recorder) sees it."""

    system: str  # 'xero' (API and /connections) | 'xero-identity' | 'xero-web'
    method: str
    path: str
    query: str
    headers: dict[str, str] = field(repr=False)  # holds the bearer token
    body: bytes = field(repr=False)
    status: int
    response_headers: dict[str, str] = field(repr=False)
    response_body: bytes = field(repr=False)  # may hold issued tokens
    fault: str | None = None  # an injected fault answered instead of the API


Observer = Callable[[Exchange], None]
_OBSERVERS: list[Observer] = []
_OBSERVERS_LOCK = threading.Lock()


#: When set, every Xero API exchange of a sandbox in *any* process (a CLI child, a notebook
#: kernel) is appended to this JSON-lines file, without credentials, so that the test session
#: can check them against the spec too (see tests/conftest.py). The process named by
#: ``<EXCHANGE_LOG_ENV>_OWNER`` (a pid) does not write: it observes its own sandboxes.
EXCHANGE_LOG_ENV = "MATCHKIT_SANDBOX_EXCHANGE_LOG"
_SECRET_HEADERS = {"authorization", "cookie"}


def _log_exchange(path: str, ex: Exchange) -> None:
    import filelock

    line = json.dumps({
        "pid": os.getpid(), "system": ex.system, "method": ex.method, "path": ex.path,
        "query": ex.query, "status": ex.status, "fault": ex.fault,
        "headers": {k: v for k, v in ex.headers.items() if k.lower() not in _SECRET_HEADERS},
        "body": base64.b64encode(ex.body).decode(),
        "response_headers": ex.response_headers,
        "response_body": base64.b64encode(ex.response_body).decode(),
    })
    try:
        with filelock.FileLock(path + ".lock"), open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:
        pass  # a test aid: a log that went away (session over) must not fail the sandbox


def read_exchange_log(path: str, *, skip_pid: int | None = None) -> list[Exchange]:
    """The exchanges a log (``MATCHKIT_SANDBOX_EXCHANGE_LOG``) holds, except those written
    by process ``skip_pid`` (its observers saw them already)."""
    out: list[Exchange] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        r = json.loads(line)
        if r["pid"] == skip_pid:
            continue
        out.append(Exchange(r["system"], r["method"], r["path"], r["query"], r["headers"],
                            base64.b64decode(r["body"]), r["status"], r["response_headers"],
                            base64.b64decode(r["response_body"]), r["fault"]))
    return out


def add_exchange_observer(observer: Observer) -> None:
    """See every exchange of every Xero sandbox in this process (used by the contract tests)."""
    with _OBSERVERS_LOCK:
        _OBSERVERS.append(observer)


def remove_exchange_observer(observer: Observer) -> None:
    with _OBSERVERS_LOCK:
        if observer in _OBSERVERS:
            _OBSERVERS.remove(observer)


class XeroApp(ApiMixin):
    """Xero on a loopback port. ``orgs`` holds each tenant's records (``org`` the first)."""

    def __init__(self, orgs: list[XeroOrg], *, clock: Clock, ledger: Ledger,
                 faults: FaultPlan | None = None, client_id: str, client_secret: str,
                 limits: Limits | None = None, app_name: str = "matchkit sandbox",
                 validate: Observer | None = None) -> None:
        if not orgs:
            raise ValueError("XeroApp needs at least one organisation")
        self.orgs = {o.tenant_id: o for o in orgs}
        self.org = orgs[0]
        self.clock = clock
        self.ledger = ledger
        self.faults = faults or FaultPlan()
        self.identity_faults = FaultPlan()
        self.limits = limits or Limits()
        self.limiter = RateLimiter(self.limits, clock.now, lambda: self.clock.scale)
        self.auth = XeroAuth(client_id, client_secret, clock.now,
                             {o.tenant_id: o.organisation.get("Name", "") for o in orgs})
        self.app_name = app_name
        # Contacts from which OR filters are refused with HighVolumeException.
        self.high_volume = 100_000
        self._validate = validate
        self._idem: dict[tuple[str, str], Stored] = {}
        self._write_locks: dict[str, threading.Lock] = {o.tenant_id: threading.Lock()
                                                        for o in orgs}

    def set_faults(self, spec: str | FaultPlan | None, seed: int | None = None) -> None:
        """Faults of the API and /connections (not the identity service)."""
        self.faults = spec if isinstance(spec, FaultPlan) else parse_faults(spec, seed)

    def set_identity_faults(self, spec: str | FaultPlan | None,
                            seed: int | None = None) -> None:
        """Faults of the token endpoint: drop, drop_after, 500/502/503."""
        self.identity_faults = spec if isinstance(spec, FaultPlan) else parse_faults(spec, seed)

    def set_limits(self, **changes: int) -> None:
        for k, v in changes.items():
            if not hasattr(self.limits, k):
                raise ValueError(f"unknown limit {k!r}")
            setattr(self.limits, k, v)

    # ------------------------------------------------------------------ entry

    def __call__(self, request: Request) -> Response:
        body = request.get_data(cache=True)
        path = request.path
        low = path.lower()
        ctx: dict[str, Any] = {"tenant": None, "fault": None, "replayed": False}
        if low.startswith(("/identity/", "/connect/", "/.well-known/")):
            system = "xero-identity"
        elif low.startswith((API_PREFIX, "/connections")):
            system = "xero"
        else:
            system = "xero-web"
        status = 0
        try:
            try:
                if system == "xero-identity":
                    response = self._identity(request, ctx)
                elif system == "xero":
                    response = self._api_call(request, ctx)
                else:
                    response = self._web(request)
            except HttpError as err:
                response = err.response
            if system == "xero":
                # Every API answer carries the limit headers, refusals included.
                tenant = ctx["tenant"] or self._known_tenant(request)
                for name, value in self.limiter.headers(tenant).items():
                    response.headers.setdefault(name, value)
            status = response.status_code
            self._observe(system, request, body, response, ctx["fault"])
            return response
        finally:
            self.ledger.add(LedgerEntry(
                at=self.clock.now(), system=system, method=request.method, path=path,
                query=request.query_string.decode("latin-1"), status=status,
                tenant=ctx["tenant"], fault=ctx["fault"],
                idempotency_key=request.headers.get("Idempotency-Key"),
                replayed=ctx["replayed"]))

    def _known_tenant(self, request: Request) -> str | None:
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        return tenant if tenant in self.orgs else None

    def _observe(self, system: str, request: Request, body: bytes, response: Response,
                 fault: str | None) -> None:
        observers = list(_OBSERVERS)
        if self._validate is not None:
            observers.append(self._validate)
        log = os.environ.get(EXCHANGE_LOG_ENV) if system == "xero" else None
        if log and os.environ.get(EXCHANGE_LOG_ENV + "_OWNER") != str(os.getpid()):
            observers.append(lambda ex: _log_exchange(log, ex))
        if not observers:
            return
        ex = Exchange(system, request.method, request.path,
                      request.query_string.decode("latin-1"), dict(request.headers), body,
                      response.status_code, dict(response.headers), response.get_data(),
                      fault)
        for obs in observers:
            obs(ex)

    # ------------------------------------------------------------------ identity

    def _identity(self, request: Request, ctx: dict[str, Any]) -> Response:
        low = request.path.lower().rstrip("/")
        if low == "/identity/connect/authorize" and request.method == "GET":
            return self._authorize(request)
        if low == "/connect/token" and request.method == "POST":
            return self._token_with_faults(request, ctx)
        if low == "/connect/revocation" and request.method == "POST":
            cid, secret = self._client_auth(request)
            try:
                self.auth.check_client(cid, secret, secret_required=False)
            except AuthError as err:
                return json_response({"error": err.error}, 400)
            self.auth.revoke(request.form.get("token", ""))
            return Response(status=200)
        if low == "/.well-known/openid-configuration" and request.method == "GET":
            return json_response(self._discovery(_issuer(request)))
        if low == "/.well-known/openid-configuration/jwks" and request.method == "GET":
            return json_response(jwks())
        return text(NOT_FOUND, 404)

    @staticmethod
    def _discovery(issuer: str) -> dict[str, Any]:
        """OpenID discovery as Xero publishes it at identity.xero.com (the fields a client
        needs: endpoints, keys, what is supported)."""
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/openid-configuration/jwks",
            "authorization_endpoint": f"{issuer}/identity/connect/authorize",
            "token_endpoint": f"{issuer}/connect/token",
            "revocation_endpoint": f"{issuer}/connect/revocation",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials",
                                      "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
        }

    def _authorize(self, request: Request) -> Response:
        params = {k: v for k, v in request.args.items()}
        try:
            code = self.auth.authorize(params)
        except AuthError as err:
            if err.status == 500:
                # Xero shows its error page and never redirects to an unchecked place
                # ("Error code: 500 Error: unauthorized_client : Invalid redirect_uri",
                # XeroAPI/xero-python-oauth2-app#35).
                page = ("<!doctype html><title>Xero | Sorry, something went wrong</title>"
                        "<h1>Sorry, something went wrong</h1><p>Go back and try again.</p>"
                        f"<p>Error code: 500</p><p>Error: {html.escape(err.error)} : "
                        f"{html.escape(err.description)}</p>")
                return Response(page, status=500, content_type="text/html; charset=utf-8")
            query = {"error": err.error, "error_description": err.description}
            if params.get("state"):
                query["state"] = params["state"]
            return self._redirect(params["redirect_uri"], query)
        answer = {"code": code, "scope": params.get("scope", "")}
        if params.get("state"):
            answer["state"] = params["state"]  # optional in Xero's flow
        return self._redirect(params["redirect_uri"], answer)

    @staticmethod
    def _redirect(uri: str, query: dict[str, str]) -> Response:
        sep = "&" if "?" in uri else "?"
        return Response(status=302, headers={"Location": f"{uri}{sep}{urlencode(query)}"})

    @staticmethod
    def _client_auth(request: Request) -> tuple[str | None, str | None]:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None, None
            cid, _, secret = raw.partition(":")
            return unquote(cid), unquote(secret)
        return request.form.get("client_id"), request.form.get("client_secret")

    def _token_with_faults(self, request: Request, ctx: dict[str, Any]) -> Response:
        """The token endpoint under ``identity_faults``: ``drop`` loses the request,
        ``drop_after`` issues the tokens and loses the answer (the refresh a client must
        recover inside the grace period), ``500``/``503`` refuse it."""
        plan = self.identity_faults
        kind = plan.draw() if plan.rates else None
        if kind == "drop":
            ctx["fault"] = kind
            raise DropConnection()
        if kind in ("500", "502", "503"):
            ctx["fault"] = kind
            return text("Service Unavailable", int(kind))
        response = self._token(request)
        if response.status_code == 200 and plan.drop_after_rate > 0 \
                and plan.draw_drop_after():
            ctx["fault"] = "drop_after"
            raise DropConnection()
        return response

    def _token(self, request: Request) -> Response:
        form = request.form
        grant_type = form.get("grant_type", "")
        cid, secret = self._client_auth(request)
        issuer = _issuer(request)
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        try:
            if grant_type == "authorization_code":
                self.auth.check_client(cid, secret, secret_required=False)
                body = self.auth.exchange_code(form.get("code", ""),
                                               form.get("redirect_uri", ""),
                                               form.get("code_verifier", ""), cid or "",
                                               issuer, authenticated=secret is not None)
            elif grant_type == "refresh_token":
                self.auth.check_client(cid, secret, secret_required=False)
                body = self.auth.refresh(form.get("refresh_token", ""), cid or "", issuer)
            elif grant_type == "client_credentials":
                self.auth.check_client(cid, secret, secret_required=True)
                body = self.auth.client_credentials(form.get("scope"), issuer)
            else:
                raise AuthError("unsupported_grant_type")
        except AuthError as err:
            out: dict[str, str] = {"error": err.error}
            if err.description:
                out["error_description"] = err.description
            return json_response(out, 400, headers)
        return json_response(body, 200, headers)

    # ------------------------------------------------------------------ web

    def _web(self, request: Request) -> Response:
        low = request.path.lower()
        if low == "/organisationlogin/default.aspx":
            short = request.args.get("shortcode", "")
            target = request.args.get("redirecturl", "")
            org = next((o for o in self.orgs.values()
                        if o.organisation.get("ShortCode") == short), None)
            if org is None:
                return self._page(404, "Organisation not found",
                                  f"No organisation has the short code {short}.")
            m = re.fullmatch(r"/AccountsReceivable/View\.aspx\?InvoiceID=([0-9a-fA-F-]{36})",
                             target)
            if not m:
                return self._page(200, org.organisation.get("Name", ""), "Dashboard")
            return self._invoice_page(org, m.group(1).lower())
        if low == "/accountsreceivable/view.aspx":
            return self._invoice_page(self.org, request.args.get("InvoiceID", "").lower())
        return text(NOT_FOUND, 404)

    def _invoice_page(self, org: XeroOrg, invoice_id: str) -> Response:
        inv = org.find_invoice(invoice_id)
        if inv is None:
            return self._page(404, "Invoice not found", f"No invoice {invoice_id}.")
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(str(li.get('Description', '')))}</td><td>{e(str(li.get('Quantity')))}"
            f"</td><td>{e(str(li.get('UnitAmount')))}</td><td>{e(str(li.get('LineAmount')))}"
            "</td></tr>" for li in inv.get("LineItems", []))
        body = (f"<p>Organisation: {e(str(org.organisation.get('Name', '')))}</p>"
                f"<p>Contact: {e(str(inv.get('Contact', {}).get('Name', '')))}</p>"
                f"<p>Status: {e(str(inv.get('Status')))}</p>"
                f"<p>Reference: {e(str(inv.get('Reference') or ''))}</p>"
                f"<table><tr><th>Description</th><th>Qty</th><th>Unit</th><th>Amount</th></tr>"
                f"{rows}</table><p>Total: {e(str(inv.get('Total')))} "
                f"{e(str(inv.get('CurrencyCode')))}</p>")
        return self._page(200, f"Invoice {inv.get('InvoiceNumber', '')}", body, raw=True)

    @staticmethod
    def _page(status: int, title: str, body: str, raw: bool = False) -> Response:
        content = body if raw else f"<p>{html.escape(body)}</p>"
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>"
                f"{html.escape(title)} - Xero sandbox</title></head><body>"
                f"<h1>{html.escape(title)}</h1>{content}</body></html>")
        return Response(page, status=status, content_type="text/html; charset=utf-8")



def _issuer(request: Request) -> str:
    """The identity service's own address: the sandbox serves it on its loopback port."""
    return request.host_url.rstrip("/")
