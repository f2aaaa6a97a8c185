"""The Accounting API under ``/api.xro/2.0`` and ``/connections`` (a mixin of ``XeroApp``).

Each call: the web server's limits (query string, body size), faults, bearer token, tenant,
scope, rate limit, idempotency, handler; then the answer in the format asked for (JSON, or
Xero's default XML; a PDF for one invoice).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ._server import Clock, DropConnection, FaultPlan
from ._xero_auth import TokenInfo, XeroAuth
from ._xero_dates import iso_utc, parse_since
from ._xero_formats import XmlBodyError, invoice_pdf, json_to_xml, parse_xml_body, wants
from ._xero_http import (
    NOT_FOUND,
    HttpError,
    drop_nulls,
    json_response,
    problem,
    server_error,
    text,
    validation,
)
from ._xero_limits import RateLimiter
from ._xero_org import XeroOrg
from ._xero_outcome import ElementOutcome
from ._xero_query import QueryError, compile_order, compile_where

__all__ = ["API_PREFIX", "MAX_BODY", "MAX_QUERY", "ApiMixin"]

API_PREFIX = "/api.xro/2.0"
IDEMPOTENCY_TTL = 6 * 60
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
# "A single POST to the Accounting or Payroll APIs has a size limit of 3.5MB" (FACTS.md §3).
MAX_BODY = int(3.5 * 1024 * 1024)
# IIS's default maxQueryString: longer query strings (e.g. >55 GUIDs in IDs) get a plain 404
# (XeroAPI/Xero-NetStandard#413, Xero-Net#280 "404.15 query string is too long").
MAX_QUERY = 2048

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
    ("payments", False): ("accounting.payments", "accounting.payments.read"),
    ("payments", True): ("accounting.payments",),
}
_RESOURCES = {"organisation": "settings", "taxrates": "settings", "accounts": "settings",
              "currencies": "settings", "brandingthemes": "settings",
              "trackingcategories": "settings", "contacts": "contacts",
              "items": "items", "invoices": "invoices", "creditnotes": "invoices",
              "payments": "payments"}
# Writable collections: body key, element name (XML, spec schema), id field, error flag.
_WRITES = {"contacts": ("Contacts", "Contact", "ContactID", "HasValidationErrors"),
           "items": ("Items", "Item", "ItemID", ""),
           "invoices": ("Invoices", "Invoice", "InvoiceID", "HasErrors"),
           "creditnotes": ("CreditNotes", "CreditNote", "CreditNoteID", "HasErrors"),
           "payments": ("Payments", "Payment", "PaymentID", "HasValidationErrors")}
# Element names of refusals in XML for the collections _WRITES does not list.
_XML_KINDS = {"trackingcategories": "TrackingCategory"}
_SEARCH = {"Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
           "Invoices": ("InvoiceNumber", "Reference")}


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: bytes
    headers: dict[str, str]
    at: float


def _unitdp(request: Request) -> int:
    return 4 if request.args.get("unitdp", "").strip() == "4" else 2


class ApiMixin:
    """The API side of ``XeroApp``, which provides the attributes declared here."""

    if TYPE_CHECKING:
        orgs: dict[str, XeroOrg]
        org: XeroOrg
        clock: Clock
        faults: FaultPlan
        limiter: RateLimiter
        auth: XeroAuth
        app_name: str
        high_volume: int
        _idem: dict[tuple[str, str], _Stored]
        _write_locks: dict[str, threading.Lock]

    # ------------------------------------------------------------------ entry

    def _api_call(self, request: Request, ctx: dict[str, Any]) -> Response:
        low = request.path.lower().rstrip("/")
        api = low.startswith(API_PREFIX)
        if api and len(request.query_string) > MAX_QUERY:
            return text(NOT_FOUND, 404)
        if request.content_length and request.content_length > MAX_BODY:
            return problem(413, "RequestEntityTooLarge", "PayloadTooLarge", with_type=False)
        faulted = self._fault(ctx)
        if faulted is not None:
            return faulted
        info = self._token_info(request)
        if low.startswith("/connections"):
            if self.faults.latency > 0:
                time.sleep(self.faults.latency)
            return self._connections(request, info, low)
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        reachable = self.auth.tenants_for(info.grant)
        if not tenant and info.grant.custom:
            tenant = self.org.tenant_id  # custom connections need no tenant header
        if not tenant or tenant not in reachable or tenant not in self.orgs:
            raise HttpError(problem(403, "Forbidden", "AuthenticationUnsuccessful"))
        ctx["tenant"] = tenant
        parts = [p for p in low[len(API_PREFIX):].split("/") if p]
        resource = _RESOURCES.get(parts[0]) if parts else None
        write = request.method in ("PUT", "POST", "DELETE")
        if resource is not None:
            allowed = _SCOPES.get((resource, write), ())
            if not info.grant.scopes.intersection(allowed):
                # A scope the consent lacks: 401 AuthorizationUnsuccessful
                # (XeroAPI/Xero-NetStandard#178, #298).
                raise HttpError(problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        refusal = self.limiter.acquire(tenant)
        if refusal is not None:
            resp = problem(429, "Too Many Requests", f"Rate limit exceeded: {refusal.problem}")
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
        except HttpError as err:
            response = err.response
        finally:
            self.limiter.release(tenant)
        response.headers.update(self.limiter.headers(tenant))
        return self._in_format(request, response, parts)

    @staticmethod
    def _in_format(request: Request, response: Response, parts: list[str]) -> Response:
        """Xero's default is XML: JSON only when ``Accept`` asks for it (FACTS.md §3)."""
        if wants(request.headers.get("Accept")) == "json" or not response.is_json:
            return response
        body = json.loads(response.get_data() or b"null")
        if not isinstance(body, dict) or not ("ErrorNumber" in body or "Id" in body):
            return response  # 401/403/413/429/500 problem bodies: JSON whatever was asked
        kind = _WRITES.get(parts[0], ("", _XML_KINDS.get(parts[0], parts[0].title())))[1] \
            if parts else ""
        xml = Response(json_to_xml(body, kind), status=response.status_code,
                       content_type="text/xml; charset=utf-8")
        for name, value in response.headers.items():
            if name.lower().startswith("x-"):
                xml.headers[name] = value
        return xml

    def _fault(self, ctx: dict[str, Any]) -> Response | None:
        plan = self.faults
        kind = plan.draw() if plan.rates else None
        if kind is None:
            return None
        ctx["fault"] = kind
        if kind == "drop":
            raise DropConnection()
        if kind == "429":
            resp = problem(429, "Too Many Requests", "Rate limit exceeded")
            resp.headers["Retry-After"] = "1"
            resp.headers["X-Rate-Limit-Problem"] = "minute"
            return resp
        if kind == "500":
            return server_error()
        if kind == "html":
            return Response("<html><body><h1>Service temporarily unavailable</h1></body></html>",
                            status=200, content_type="text/html; charset=utf-8")
        return text("Service Unavailable" if kind == "503" else "Bad Gateway", int(kind))

    def _token_info(self, request: Request) -> TokenInfo:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise HttpError(problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        info = self.auth.lookup(header[7:].strip())
        if info is None or info.grant.revoked:
            raise HttpError(problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        if info.expires_at <= self.clock.now():
            when = datetime.fromtimestamp(info.expires_at, UTC).strftime("%m/%d/%Y %H:%M:%S")
            raise HttpError(problem(401, "Unauthorized",
                                    f"TokenExpired: token expired at {when}"))
        return info

    def _connections(self, request: Request, info: TokenInfo, low: str) -> Response:
        conns = self.auth.tenants_for(info.grant)
        if low == "/connections" and request.method == "GET":
            event = request.args.get("authEventId")
            return json_response([
                {"id": c.id, "authEventId": c.auth_event_id, "tenantId": c.tenant_id,
                 "tenantType": "ORGANISATION", "tenantName": c.tenant_name,
                 # As Xero sends them: seven fraction digits, no zone (the spec's example).
                 "createdDateUtc": _connection_time(c.created),
                 "updatedDateUtc": _connection_time(c.updated)}
                for c in conns.values() if not event or c.auth_event_id == event
            ])
        m = re.fullmatch(r"/connections/([0-9a-f-]{36})", low)
        if m and request.method == "DELETE" and self.auth.disconnect(m.group(1)):
            return Response(status=204)
        return text(NOT_FOUND, 404)

    # ------------------------------------------------------------------ reads

    def _envelope(self, key: str, records: list[dict[str, Any]],
                  extra: dict[str, Any] | None = None) -> Response:
        body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK",
                                "ProviderName": self.app_name,
                                "DateTimeUTC": f"/Date({int(self.clock.now() * 1000)})/"}
        if extra:
            body.update(extra)
        body[key] = [drop_nulls(r) for r in records]
        return json_response(body)

    def _read(self, request: Request, tenant: str, parts: list[str]) -> Response:
        org = self.orgs[tenant]
        if request.method != "GET" or not parts or len(parts) > 3:
            return text(NOT_FOUND, 404)
        name = parts[0]
        if name == "trackingcategories" and len(parts) <= 2:
            if len(parts) == 2:
                category = org.tracking_category(parts[1])
                return (self._envelope("TrackingCategories", [category])
                        if category is not None else text(NOT_FOUND, 404))
            archived = request.args.get("includeArchived", "").lower() == "true"
            return self._envelope("TrackingCategories", self._filter(
                request, org.tracking_categories(include_archived=archived),
                "TrackingCategory"))
        one = parts[1] if len(parts) > 1 else None
        sub = parts[2] if len(parts) > 2 else None
        if sub is not None and not (sub == "pdf" and name in ("invoices", "creditnotes")):
            return text(NOT_FOUND, 404)
        unitdp = _unitdp(request)
        if name == "organisation" and one is None:
            return self._envelope("Organisations", [dict(org.organisation)])
        if name == "currencies" and one is None:
            return self._envelope("Currencies",
                                  self._filter(request, org.currencies, "Currency"))
        if name == "brandingthemes":
            themes = list(org.branding_themes.values())
            if one is not None:
                themes = [t for t in themes if t["BrandingThemeID"].lower() == one]
                if not themes:
                    return text(NOT_FOUND, 404)
            return self._envelope("BrandingThemes", themes)
        if name == "taxrates":
            rates = list(org.tax_rates.values())
            if one is not None:
                rates = [r for r in rates if r["TaxType"].lower() == one]
                if not rates:
                    return text(NOT_FOUND, 404)
            return self._envelope("TaxRates", self._filter(request, rates, "TaxRate"))
        if name == "accounts":
            accts = list(org.accounts.values())
            if one is not None:
                accts = [a for a in accts if a["AccountID"] == one]
                if not accts:
                    return text(NOT_FOUND, 404)
            return self._envelope("Accounts", self._filter(request, accts, "Account"))
        if name == "contacts":
            return self._read_contacts(request, org, one)
        if name == "items":
            rows = org.item_rows()
            if one is not None:
                rows = [(r, t) for r, t in rows
                        if r["ItemID"] == one or str(r.get("Code", "")).lower() == one]
                if not rows:
                    return text(NOT_FOUND, 404)
            recs = [org.item_out(r, unitdp) for r, _ in self._since(request, rows)]
            return self._envelope("Items", self._filter(request, recs, "Item"))
        if name == "invoices":
            return self._read_docs(request, org, org.invoice_rows(), org.invoice_out, one, sub,
                                   "Invoices", "InvoiceID", "InvoiceNumber")
        if name == "creditnotes":
            return self._read_docs(request, org, org.credit_note_rows(), org.credit_note_out,
                                   one, sub, "CreditNotes", "CreditNoteID", "CreditNoteNumber")
        if name == "payments":
            rows = org.payment_rows()
            if one is not None:
                found = [org.payment_out(r) for r, _ in rows if r["PaymentID"] == one]
                return self._envelope("Payments", found) if found else text(NOT_FOUND, 404)
            rows = self._since(request, rows)
            records = self._filter(request, [org.payment_out(r) for r, _ in rows], "Payment")
            return self._paged(request, "Payments", records, lambda r: r)
        return text(NOT_FOUND, 404)

    def _since(self, request: Request, rows: list[tuple[dict[str, Any], float]]
               ) -> list[tuple[dict[str, Any], float]]:
        header = request.headers.get("If-Modified-Since")
        if not header:
            return rows
        since = parse_since(header)
        if since is None:
            raise HttpError(validation(message=f"If-Modified-Since {header!r} is not a date"))
        # Xero's timestamps carry milliseconds; compare at that precision.
        return [(r, t) for r, t in rows if math.floor(t * 1000) > math.floor(since * 1000)]

    def _filter(self, request: Request, records: list[dict[str, Any]], schema: str
                ) -> list[dict[str, Any]]:
        try:
            where = request.args.get("where")
            if where is not None:
                pred = compile_where(where, schema)
                records = [r for r in records if pred(r)]
            order = request.args.get("order")
            if order:
                records = compile_order(order, schema)(records)
        except QueryError as err:
            raise HttpError(validation(number=16, kind="QueryParseException",
                                       message=str(err))) from err
        return records

    def _paging(self, request: Request) -> tuple[int | None, int]:
        page_s, size_s = request.args.get("page"), request.args.get("pageSize")
        try:
            page = int(page_s) if page_s else None
            size = int(size_s) if size_s else DEFAULT_PAGE_SIZE
        except ValueError as err:
            raise HttpError(validation(message="page and pageSize must be whole numbers")
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

    def _search(self, request: Request, rows: list[tuple[dict[str, Any], float]], key: str
                ) -> list[tuple[dict[str, Any], float]]:
        """``searchTerm``: case-insensitive, across the fields the spec names."""
        term = (request.args.get("searchTerm") or "").strip().casefold()
        if not term:
            return rows
        fields = _SEARCH[key]
        return [(r, t) for r, t in rows
                if any(term in str(r.get(f) or "").casefold() for f in fields)]

    def _read_contacts(self, request: Request, org: XeroOrg, one: str | None) -> Response:
        ids = request.args.get("IDs") or request.args.get("ids")
        archived = bool(ids) or request.args.get("includeArchived", "").lower() == "true"
        rows = org.contact_rows(include_archived=archived or one is not None)
        if one is not None:
            rows = [(r, t) for r, t in rows
                    if r["ContactID"] == one or str(r.get("ContactNumber", "")).lower() == one]
            if not rows:
                return text(NOT_FOUND, 404)
            return self._envelope("Contacts", [org.contact_out(r) for r, _ in rows])
        if ids:
            wanted = {i.strip().lower() for i in ids.split(",") if i.strip()}
            rows = [(r, t) for r, t in rows if r["ContactID"].lower() in wanted]
        rows = self._search(request, rows, "Contacts")
        rows = self._since(request, rows)
        where = request.args.get("where") or ""
        if len(org.contacts) >= self.high_volume and re.search(r"\|\||\bOR\b", where, re.I):
            # Very large organisations refuse OR filters (PITFALLS.md 9).
            return validation(number=51, kind="HighVolumeException", message=(
                "Your request is not filtering Contacts efficiently, given the extremely high "
                "volume for this organisation. Please check https://developer.xero.com/"
                "documentation/api/efficient-data-retrieval for more information."))
        full = (request.args.get("page") not in (None, "")
                or request.args.get("summaryOnly", "").lower() == "true")
        if request.args.get("where") is not None or request.args.get("order"):
            records = self._filter(request, [r for r, _ in rows], "Contact")
            return self._paged(request, "Contacts", records,
                               lambda r: org.contact_out(r, full))
        # No filter: page the cached rows directly (a 100k organisation, 1,000 a page).
        return self._paged(request, "Contacts", rows,
                           lambda row: org.contact_out(row[0], full))

    def _read_docs(self, request: Request, org: XeroOrg,
                   rows: list[tuple[dict[str, Any], float]],
                   out: Callable[..., dict[str, Any]], one: str | None, sub: str | None,
                   key: str, id_field: str, number_field: str) -> Response:
        unitdp = _unitdp(request)
        schema = key[:-1]
        if one is not None:
            found = [r for r, _ in rows
                     if r[id_field] == one or str(r.get(number_field, "")).lower() == one]
            if not found:
                return text(NOT_FOUND, 404)
            if sub == "pdf" or wants(request.headers.get("Accept")) == "pdf":
                return Response(invoice_pdf(out(found[0]), org.organisation),
                                content_type="application/pdf")
            return self._envelope(key, [out(r, unitdp) for r in found])
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
        if key in _SEARCH:
            rows = self._search(request, rows, key)
        rows = self._since(request, rows)
        records = self._filter(request, [r for r, _ in rows], schema)
        # Line items only when paged (or one document): XeroAPI/xero-ruby#9, the spec's
        # ``page`` ("with line items shown for each invoice").
        lines = request.args.get("page") not in (None, "")
        return self._paged(request, key, records, lambda r: out(r, unitdp, lines))

    # ------------------------------------------------------------------ writes

    def _write(self, request: Request, ctx: dict[str, Any], tenant: str,
               parts: list[str]) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and (not key.strip() or len(key) > 128):
            return validation(message="Idempotency-Key must be 1 to 128 characters")
        with self._write_locks[tenant]:
            if key is None or request.method == "DELETE":
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
                        return validation(message="The Idempotency-Key has already been used "
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
        if parts and parts[0] == "trackingcategories":
            return self._tracking_write(request, org, parts)
        if not parts or len(parts) > 2 or parts[0] not in _WRITES:
            return text(NOT_FOUND, 404)
        if request.method == "DELETE":
            if parts[0] == "items" and len(parts) == 2 and org.delete_item(parts[1]):
                return Response(status=204)
            return text(NOT_FOUND, 404)
        key, singular, id_field, has_errors = _WRITES[parts[0]]
        if len(parts) == 2 and not update:
            return text(NOT_FOUND, 404)
        payload = self._body(request, key)
        if isinstance(payload, Response):
            return payload
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            elements: list[Any] = payload[key]
        elif isinstance(payload, dict) and payload and key not in payload:
            elements = [payload]  # Xero also takes one unwrapped element
        else:
            elements = []
        if len(parts) == 2:
            if len(elements) != 1 or not isinstance(elements[0], dict):
                return validation(message=f"Send exactly one {singular} to update it by id.")
            if parts[0] == "payments":
                return self._render(request, key, has_errors,
                                    [org.delete_payment(parts[1], elements)])
            elements = [{**elements[0], id_field: parts[1]}]
        if not elements:
            return validation(number=17, kind="NoDataProcessedException",
                              message="No data has been processed for this endpoint. This "
                                      f"endpoint is expecting {singular} data to be specifed "
                                      "in the request body.")
        put: Callable[..., list[ElementOutcome]] = {
            "contacts": org.put_contacts, "items": org.put_items,
            "invoices": org.put_invoices, "creditnotes": org.put_credit_notes,
            "payments": org.put_payments}[parts[0]]
        if parts[0] == "contacts":
            outcomes = put(elements, update=update)
        else:
            outcomes = put(elements, update=update, unitdp=_unitdp(request))
        return self._render(request, key, has_errors, outcomes)

    def _tracking_write(self, request: Request, org: XeroOrg, parts: list[str]) -> Response:
        """PUT/POST/DELETE on /TrackingCategories and their /Options (``_xero_tracking.py``).

        The spec's bodies are one object (``TrackingCategory``, ``TrackingOption``); the
        wrapped form the other collections take is read too."""
        method = request.method
        n = len(parts)
        options = n >= 3 and parts[2] == "options"
        if (n == 3 and not options) or n > 4 or (n == 4 and not options):
            return text(NOT_FOUND, 404)
        if method == "DELETE":
            if n == 2:
                cat = org.delete_tracking_category(parts[1])
                return (self._envelope("TrackingCategories", [cat]) if cat is not None
                        else text(NOT_FOUND, 404))
            if n == 4:
                opt = org.delete_tracking_option(parts[1], parts[3])
                return (self._envelope("Options", [opt]) if opt is not None
                        else text(NOT_FOUND, 404))
            return text(NOT_FOUND, 404)
        key = "Options" if options else "TrackingCategories"
        payload = self._body(request, key)
        if isinstance(payload, Response):
            return payload
        if isinstance(payload, dict) and isinstance(payload.get(key), list):
            elements: list[Any] = payload[key]
        elif isinstance(payload, dict) and payload:
            elements = [payload]
        else:
            elements = []
        if not elements:
            singular = "TrackingOption" if options else "TrackingCategory"
            return validation(number=17, kind="NoDataProcessedException",
                              message="No data has been processed for this endpoint. This "
                                      f"endpoint is expecting {singular} data to be specifed "
                                      "in the request body.")
        outcomes: list[ElementOutcome] | None
        if n == 1 and method == "PUT":
            outcomes = [org.put_tracking_category(e) for e in elements]
        elif n == 2 and method == "POST" and len(elements) == 1:
            one = org.update_tracking_category(parts[1], elements[0])
            outcomes = None if one is None else [one]
        elif n == 3 and method == "PUT":
            outcomes = org.put_tracking_options(parts[1], elements)
        elif n == 4 and method == "POST" and len(elements) == 1:
            one = org.update_tracking_option(parts[1], parts[3], elements[0])
            outcomes = None if one is None else [one]
        else:
            return text(NOT_FOUND, 404)
        if outcomes is None:
            return text(NOT_FOUND, 404)
        if any(not o.ok for o in outcomes):
            # x-hasAccountingValidationError: a 400 ValidationException with the elements.
            return validation([{**o.record, "ValidationErrors": [{"Message": m}
                                                                  for m in o.errors]}
                               for o in outcomes if not o.ok])
        return self._envelope(key, [o.record for o in outcomes])

    @staticmethod
    def _body(request: Request, key: str) -> Any:
        data = request.get_data()
        if "xml" in (request.content_type or "").lower():
            try:
                return parse_xml_body(data, key)
            except XmlBodyError as exc:
                return validation(number=14, kind="PostDataInvalidException",
                                  message=f"XML for post data was invalid, {exc}")
        try:
            return json.loads(data or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            # XeroAPI/xero-php-oauth2#39: "JSON for post data was invalid,Error conve..."
            return validation(number=14, kind="PostDataInvalidException",
                              message=f"JSON for post data was invalid,{exc}")

    def _render(self, request: Request, key: str, has_errors: str,
                outcomes: list[ElementOutcome]) -> Response:
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
            return validation([render(o) for o in outcomes if not o.ok])
        return self._envelope(key, [render(o) for o in outcomes])


def _connection_time(ts: float) -> str:
    """``2019-12-07T18:46:19.5165400``: the spec's own example for /Connections."""
    dt = datetime.fromtimestamp(ts, UTC)
    return iso_utc(ts) + f".{dt.microsecond:06d}0"
