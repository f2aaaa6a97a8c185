"""The Xero sandbox app: identity (authorize, token, revocation), /connections, the Accounting
API under /api.xro/2.0 and a web page for invoice deep links, all on one loopback port.

Every request goes through the same steps: faults, bearer token, tenant, scope, rate limit,
idempotency, handler; then the ledger and any exchange observers (contract tests) see it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from ._server import Clock, DropConnection, FaultPlan, Ledger, LedgerEntry, parse_faults
from ._xero_auth import AuthError, TokenInfo, XeroAuth
from ._xero_dates import iso_utc, parse_since
from ._xero_limits import Limits, RateLimiter
from ._xero_org import ElementOutcome, XeroOrg
from ._xero_query import QueryError, compile_order, compile_where

__all__ = ["EXCHANGE_LOG_ENV", "Exchange", "XeroApp", "add_exchange_observer",
           "read_exchange_log", "remove_exchange_observer"]

API_PREFIX = "/api.xro/2.0"
IDEMPOTENCY_TTL = 6 * 60
NOT_FOUND = "The resource you're looking for cannot be found"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


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


# Which scopes let a request through: (resource, write?) -> any of these.
_SCOPES: dict[tuple[str, bool], tuple[str, ...]] = {
    ("contacts", False): ("accounting.contacts", "accounting.contacts.read"),
    ("contacts", True): ("accounting.contacts",),
    ("settings", False): ("accounting.settings", "accounting.settings.read"),
    ("settings", True): ("accounting.settings",),
    ("items", False): ("accounting.settings", "accounting.settings.read",
                       "accounting.invoices", "accounting.invoices.read"),
    ("items", True): ("accounting.settings", "accounting.invoices"),
    ("invoices", False): ("accounting.invoices", "accounting.invoices.read"),
    ("invoices", True): ("accounting.invoices",),
}
_RESOURCES = {"organisation": "settings", "taxrates": "settings", "accounts": "settings",
              "currencies": "settings", "contacts": "contacts", "items": "items",
              "invoices": "invoices", "creditnotes": "invoices"}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _problem(status: int, title: str, detail: str) -> Response:
    """Xero's RFC 7807-style body for 401/403/429 (FACTS.md §7)."""
    return _json({"Type": None, "Title": title, "Status": status, "Detail": detail,
                  "Instance": str(uuid.uuid4()), "Extensions": {}}, status)


def _server_error() -> Response:
    return _json({"Title": "An error occurred",
                  "Detail": "An error occurred in Xero. Check the API Status page "
                            "http://status.developer.xero.com for current service status.",
                  "Status": 500, "Instance": str(uuid.uuid4())}, 500)


def _validation(elements: list[dict[str, Any]] | None = None, *, number: int = 10,
                kind: str = "ValidationException",
                message: str = "A validation exception occurred") -> Response:
    body: dict[str, Any] = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return _json(body, 400)


def _drop_nulls(value: Any) -> Any:
    """Xero leaves out fields it has no value for; the spec has no nullable fields."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


class _HttpError(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: bytes
    headers: dict[str, str]
    at: float


class XeroApp:
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
        self._idem: dict[tuple[str, str], _Stored] = {}
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
        if low.startswith(("/identity/", "/connect/")):
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
            except _HttpError as err:
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
                return _json({"error": err.error}, 400)
            self.auth.revoke(request.form.get("token", ""))
            return Response(status=200)
        return _text(NOT_FOUND, 404)

    def _authorize(self, request: Request) -> Response:
        params = {k: v for k, v in request.args.items()}
        try:
            code = self.auth.authorize(params)
        except AuthError as err:
            if err.status == 400:
                # Never redirect to an unchecked redirect_uri: show the error instead.
                page = (f"<!doctype html><title>Xero sandbox: sign-in error</title>"
                        f"<h1>{html.escape(err.error)}</h1><p>{html.escape(err.description)}</p>")
                return Response(page, status=400, content_type="text/html; charset=utf-8")
            query = {"error": err.error, "error_description": err.description}
            if params.get("state"):
                query["state"] = params["state"]
            return self._redirect(params["redirect_uri"], query)
        return self._redirect(params["redirect_uri"], {"code": code, "state": params["state"],
                                                       "scope": params.get("scope", "")})

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
            from urllib.parse import unquote

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
            return _text("Service Unavailable", int(kind))
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
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        try:
            if grant_type == "authorization_code":
                self.auth.check_client(cid, secret, secret_required=False)
                body = self.auth.exchange_code(form.get("code", ""),
                                               form.get("redirect_uri", ""),
                                               form.get("code_verifier", ""), cid or "")
            elif grant_type == "refresh_token":
                self.auth.check_client(cid, secret, secret_required=False)
                body = self.auth.refresh(form.get("refresh_token", ""), cid or "")
            elif grant_type == "client_credentials":
                self.auth.check_client(cid, secret, secret_required=True)
                body = self.auth.client_credentials(form.get("scope"))
            else:
                raise AuthError("unsupported_grant_type")
        except AuthError as err:
            out: dict[str, str] = {"error": err.error}
            if err.description:
                out["error_description"] = err.description
            return _json(out, 400, headers)
        return _json(body, 200, headers)

    # ------------------------------------------------------------------ API

    def _fault(self, ctx: dict[str, Any]) -> Response | None:
        plan = self.faults
        kind = plan.draw() if plan.rates else None
        if kind is None:
            return None
        ctx["fault"] = kind
        if kind == "drop":
            raise DropConnection()
        if kind == "429":
            resp = _problem(429, "Too Many Requests", "Rate limit exceeded")
            resp.headers["Retry-After"] = "1"
            resp.headers["X-Rate-Limit-Problem"] = "minute"
            return resp
        if kind == "500":
            return _server_error()
        if kind == "html":
            return Response("<html><body><h1>Service temporarily unavailable</h1></body></html>",
                            status=200, content_type="text/html; charset=utf-8")
        return _text("Service Unavailable" if kind == "503" else "Bad Gateway", int(kind))

    def _token_info(self, request: Request) -> TokenInfo:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise _HttpError(_problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        info = self.auth.lookup(header[7:].strip())
        if info is None or info.grant.revoked:
            raise _HttpError(_problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        if info.expires_at <= self.clock.now():
            when = datetime.fromtimestamp(info.expires_at, UTC).strftime("%m/%d/%Y %H:%M:%S")
            raise _HttpError(_problem(401, "Unauthorized",
                                      f"TokenExpired: token expired at {when}"))
        return info

    def _api_call(self, request: Request, ctx: dict[str, Any]) -> Response:
        faulted = self._fault(ctx)
        if faulted is not None:
            return faulted
        info = self._token_info(request)
        low = request.path.lower().rstrip("/")
        if low.startswith("/connections"):
            if self.faults.latency > 0:
                time.sleep(self.faults.latency)
            return self._connections(request, info, low)
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        reachable = self.auth.tenants_for(info.grant)
        if not tenant and info.grant.custom:
            tenant = self.org.tenant_id  # custom connections need no tenant header
        if not tenant or tenant not in reachable or tenant not in self.orgs:
            raise _HttpError(_problem(403, "Forbidden", "AuthenticationUnsuccessful"))
        ctx["tenant"] = tenant
        parts = [p for p in low[len(API_PREFIX):].split("/") if p]
        resource = _RESOURCES.get(parts[0]) if parts else None
        write = request.method in ("PUT", "POST")
        if resource is not None:
            allowed = _SCOPES.get((resource, write), ())
            if not info.grant.scopes.intersection(allowed):
                raise _HttpError(_problem(403, "Forbidden", "AuthorizationUnsuccessful"))
        refusal = self.limiter.acquire(tenant)
        if refusal is not None:
            resp = _problem(429, "Too Many Requests", f"Rate limit exceeded: {refusal.problem}")
            resp.headers["X-Rate-Limit-Problem"] = refusal.problem
            if refusal.retry_after is not None:
                resp.headers["Retry-After"] = str(refusal.retry_after)
            resp.headers.update(self.limiter.headers(tenant))
            return resp
        try:
            if self.faults.latency > 0:
                # Slow answers hold their concurrency slot, as slow Xero calls do.
                time.sleep(self.faults.latency)
            if write:
                response = self._write(request, ctx, tenant, parts)
            else:
                response = self._read(request, tenant, parts)
        except _HttpError as err:
            response = err.response
        finally:
            self.limiter.release(tenant)
        response.headers.update(self.limiter.headers(tenant))
        return response

    def _connections(self, request: Request, info: TokenInfo, low: str) -> Response:
        conns = self.auth.tenants_for(info.grant)
        if low == "/connections" and request.method == "GET":
            event = request.args.get("authEventId")
            return _json([
                {"id": c.id, "authEventId": c.auth_event_id, "tenantId": c.tenant_id,
                 "tenantType": "ORGANISATION", "tenantName": c.tenant_name,
                 # Xero sends no zone here; the spec says date-time, which needs one.
                 "createdDateUtc": iso_utc(c.created) + ".0000000Z",
                 "updatedDateUtc": iso_utc(c.updated) + ".0000000Z"}
                for c in conns.values() if not event or c.auth_event_id == event
            ])
        m = re.fullmatch(r"/connections/([0-9a-f-]{36})", low)
        if m and request.method == "DELETE" and self.auth.disconnect(m.group(1)):
            return Response(status=204)
        return _text(NOT_FOUND, 404)

    # ------------------------------------------------------------------ reads

    def _envelope(self, key: str, records: list[dict[str, Any]],
                  extra: dict[str, Any] | None = None) -> Response:
        body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK",
                                "ProviderName": self.app_name,
                                "DateTimeUTC": f"/Date({int(self.clock.now() * 1000)})/"}
        if extra:
            body.update(extra)
        body[key] = [_drop_nulls(r) for r in records]
        return _json(body)

    def _read(self, request: Request, tenant: str, parts: list[str]) -> Response:
        org = self.orgs[tenant]
        if request.method != "GET" or not parts:
            return _text(NOT_FOUND, 404)
        name = parts[0]
        one = parts[1] if len(parts) > 1 else None
        if len(parts) > 2:
            return _text(NOT_FOUND, 404)
        if name == "organisation" and one is None:
            return self._envelope("Organisations", [dict(org.organisation)])
        if name == "currencies" and one is None:
            return self._envelope("Currencies", self._filter(request, org.currencies))
        if name == "taxrates":
            rates = list(org.tax_rates.values())
            if one is not None:
                rates = [r for r in rates if r["TaxType"].lower() == one]
                if not rates:
                    return _text(NOT_FOUND, 404)
            return self._envelope("TaxRates", self._filter(request, rates))
        if name == "accounts":
            accts = list(org.accounts.values())
            if one is not None:
                accts = [a for a in accts if a["AccountID"] == one]
                if not accts:
                    return _text(NOT_FOUND, 404)
            return self._envelope("Accounts", self._filter(request, accts))
        if name == "contacts":
            return self._read_contacts(request, org, one)
        if name == "items":
            rows = org.item_rows()
            if one is not None:
                rows = [(r, t) for r, t in rows
                        if r["ItemID"] == one or str(r.get("Code", "")).lower() == one]
                if not rows:
                    return _text(NOT_FOUND, 404)
            recs = [org.item_out(r) for r, _ in self._since(request, rows)]
            return self._envelope("Items", self._filter(request, recs))
        if name == "invoices":
            return self._read_docs(request, org.invoice_rows(), org.invoice_out, one,
                                   "Invoices", "InvoiceID", "InvoiceNumber")
        if name == "creditnotes":
            return self._read_docs(request, org.credit_note_rows(), org.credit_note_out, one,
                                   "CreditNotes", "CreditNoteID", "CreditNoteNumber")
        return _text(NOT_FOUND, 404)

    def _since(self, request: Request, rows: list[tuple[dict[str, Any], float]]
               ) -> list[tuple[dict[str, Any], float]]:
        header = request.headers.get("If-Modified-Since")
        if not header:
            return rows
        since = parse_since(header)
        if since is None:
            raise _HttpError(_validation(message=f"If-Modified-Since {header!r} is not a date"))
        # Xero's timestamps carry milliseconds; compare at that precision.
        return [(r, t) for r, t in rows if math.floor(t * 1000) > math.floor(since * 1000)]

    def _filter(self, request: Request, records: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
        try:
            where = request.args.get("where")
            if where:
                pred = compile_where(where)
                records = [r for r in records if pred(r)]
            order = request.args.get("order")
            if order:
                records = compile_order(order)(records)
        except QueryError as err:
            raise _HttpError(_validation(message=str(err))) from err
        return records

    def _paging(self, request: Request) -> tuple[int | None, int]:
        page_s, size_s = request.args.get("page"), request.args.get("pageSize")
        try:
            page = int(page_s) if page_s else None
            size = int(size_s) if size_s else DEFAULT_PAGE_SIZE
        except ValueError as err:
            raise _HttpError(_validation(message="page and pageSize must be whole numbers")
                             ) from err
        if page is not None and page < 1:
            page = 1
        # Xero caps pageSize at 1000 rather than refusing a bigger one.
        return page, max(1, min(size, MAX_PAGE_SIZE))

    def _paged(self, request: Request, key: str, records: list[Any],
               out: Callable[[Any], dict[str, Any]]) -> Response:
        """One page of ``records``; only that page is rendered (copied) for the answer."""
        page, size = self._paging(request)
        if page is None:
            return self._envelope(key, [out(r) for r in records])
        count = len(records)
        chunk = [out(r) for r in records[(page - 1) * size: page * size]]
        return self._envelope(key, chunk, {"pagination": {
            "page": page, "pageSize": size, "pageCount": math.ceil(count / size),
            "itemCount": count}})

    def _read_contacts(self, request: Request, org: XeroOrg, one: str | None) -> Response:
        ids = request.args.get("IDs") or request.args.get("ids")
        archived = bool(ids) or request.args.get("includeArchived", "").lower() == "true"
        rows = org.contact_rows(include_archived=archived or one is not None)
        if one is not None:
            rows = [(r, t) for r, t in rows
                    if r["ContactID"] == one or str(r.get("ContactNumber", "")).lower() == one]
            if not rows:
                return _text(NOT_FOUND, 404)
            return self._envelope("Contacts", [org.contact_out(r) for r, _ in rows])
        if ids:
            wanted = {i.strip().lower() for i in ids.split(",") if i.strip()}
            rows = [(r, t) for r, t in rows if r["ContactID"].lower() in wanted]
        term = (request.args.get("searchTerm") or "").strip().casefold()
        if term:
            fields = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
            rows = [(r, t) for r, t in rows
                    if any(term in str(r.get(f) or "").casefold() for f in fields)]
        rows = self._since(request, rows)
        where = request.args.get("where") or ""
        if len(org.contacts) >= self.high_volume and re.search(r"\|\||\bOR\b", where, re.I):
            # Very large organisations refuse OR filters (PITFALLS.md 9).
            return _validation(number=51, kind="HighVolumeException", message=(
                "Your request is not filtering Contacts efficiently, given the extremely high "
                "volume for this organisation. Please check https://developer.xero.com/"
                "documentation/api/efficient-data-retrieval for more information."))
        if where or request.args.get("order"):
            records = self._filter(request, [r for r, _ in rows])
            return self._paged(request, "Contacts", records, org.contact_out)
        # No filter: page the cached rows directly (a 100k organisation, 1,000 a page).
        return self._paged(request, "Contacts", rows, lambda row: org.contact_out(row[0]))

    def _read_docs(self, request: Request, rows: list[tuple[dict[str, Any], float]],
                   out: Callable[[dict[str, Any]], dict[str, Any]], one: str | None,
                   key: str, id_field: str, number_field: str) -> Response:
        if one is not None:
            found = [r for r, _ in rows
                     if r[id_field] == one or str(r.get(number_field, "")).lower() == one]
            if not found:
                return _text(NOT_FOUND, 404)
            return self._envelope(key, [out(r) for r in found])
        ids = request.args.get("IDs")
        if ids:
            wanted = {i.strip().lower() for i in ids.split(",") if i.strip()}
            rows = [(r, t) for r, t in rows if r[id_field].lower() in wanted]
        numbers = request.args.get("InvoiceNumbers") if key == "Invoices" else None
        if numbers:
            wanted_n = {n.strip().upper() for n in numbers.split(",") if n.strip()}
            rows = [(r, t) for r, t in rows if str(r.get(number_field, "")).upper() in wanted_n]
        statuses = request.args.get("Statuses")
        if statuses:
            wanted_s = {s.strip().upper() for s in statuses.split(",") if s.strip()}
            rows = [(r, t) for r, t in rows if r.get("Status") in wanted_s]
        contact_ids = request.args.get("ContactIDs")
        if contact_ids:
            wanted_c = {c.strip().lower() for c in contact_ids.split(",") if c.strip()}
            rows = [(r, t) for r, t in rows
                    if str(r.get("Contact", {}).get("ContactID", "")).lower() in wanted_c]
        rows = self._since(request, rows)
        records = self._filter(request, [r for r, _ in rows])
        return self._paged(request, key, records, out)

    # ------------------------------------------------------------------ writes

    def _write(self, request: Request, ctx: dict[str, Any], tenant: str,
               parts: list[str]) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and (not key.strip() or len(key) > 128):
            return _validation(message="Idempotency-Key must be 1 to 128 characters")
        with self._write_locks[tenant]:
            if key is None:
                response = self._apply(request, tenant, parts)
            else:
                now = self.clock.now()
                # Only this tenant's keys: other tenants' writes run under their own locks.
                for k in [k for k, v in self._idem.items()
                          if k[0] == tenant and now - v.at >= IDEMPOTENCY_TTL]:
                    del self._idem[k]
                fp = hashlib.sha256(b"\n".join([
                    request.method.encode(), request.path.lower().encode(),
                    request.query_string, request.get_data()])).hexdigest()
                stored = self._idem.get((tenant, key))
                if stored is not None:
                    if stored.fingerprint != fp:
                        return _validation(message="The Idempotency-Key has already been used "
                                                   "with a different request.")
                    ctx["replayed"] = True
                    return Response(stored.body, status=stored.status,
                                    headers=stored.headers)
                response = self._apply(request, tenant, parts)
                # Errors are kept too: a retry with the same key gets the same answer.
                self._idem[(tenant, key)] = _Stored(
                    fp, response.status_code, response.get_data(),
                    {"Content-Type": response.headers.get("Content-Type", "")}, now)
        if response.status_code < 500 and self.faults.drop_after_rate > 0 \
                and self.faults.draw_drop_after():
            ctx["fault"] = "drop_after"
            raise DropConnection()
        return response

    def _apply(self, request: Request, tenant: str, parts: list[str]) -> Response:
        org = self.orgs[tenant]
        update = request.method == "POST"
        if not parts or len(parts) > 2:
            return _text(NOT_FOUND, 404)
        handlers: dict[str, tuple[str, str, Callable[..., list[ElementOutcome]], str, str]] = {
            "contacts": ("Contacts", "Contact", org.put_contacts, "ContactID",
                         "HasValidationErrors"),
            "items": ("Items", "Item", org.put_items, "ItemID", ""),
            "invoices": ("Invoices", "Invoice", org.put_invoices, "InvoiceID", "HasErrors"),
            "creditnotes": ("CreditNotes", "CreditNote", org.put_credit_notes, "CreditNoteID",
                            "HasErrors"),
        }
        if parts[0] not in handlers:
            return _text(NOT_FOUND, 404)
        key, singular, put, id_field, has_errors = handlers[parts[0]]
        if len(parts) == 2 and not update:
            return _text(NOT_FOUND, 404)
        try:
            payload = json.loads(request.get_data() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _validation(number=14, kind="PostDataInvalidException",
                               message="The request body is not valid JSON.")
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            elements: list[Any] = payload[key]
        elif isinstance(payload, dict) and payload and key not in payload:
            elements = [payload]  # Xero also takes one unwrapped element
        else:
            elements = []
        if len(parts) == 2:
            if len(elements) != 1 or not isinstance(elements[0], dict):
                return _validation(message=f"Send exactly one {singular} to update it by id.")
            elements = [{**elements[0], id_field: parts[1]}]
        if not elements:
            return _validation(number=17, kind="NoDataProcessedException",
                               message="No data has been processed for this endpoint. This "
                                       f"endpoint is expecting {singular} data to be specifed "
                                       "in the request body.")
        outcomes = put(elements, update=update)
        summarize = request.args.get("summarizeErrors", "true").lower() != "false"

        def render(o: ElementOutcome) -> dict[str, Any]:
            rec = dict(o.record)
            rec["StatusAttributeString"] = "OK" if o.ok else "ERROR"
            if not o.ok:
                rec["ValidationErrors"] = [{"Message": m} for m in o.errors]
            if has_errors:
                rec[has_errors] = not o.ok
            return rec

        if summarize and any(not o.ok for o in outcomes):
            # Xero still creates the valid elements but only reports the failed ones.
            return _validation([render(o) for o in outcomes if not o.ok])
        return self._envelope(key, [render(o) for o in outcomes])

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
        return _text(NOT_FOUND, 404)

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

