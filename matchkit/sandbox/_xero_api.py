"""The Accounting API under ``/api.xro/2.0`` and ``/connections`` (a mixin of ``XeroApp``).

Each call: the web server's limits (query string, body size), faults, bearer token, tenant,
scope, rate limit, idempotency, handler; then the answer in the format asked for (JSON, or
Xero's default XML; a PDF for one invoice).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ._server import Clock, DropConnection, FaultPlan
from ._xero_auth import TokenInfo, XeroAuth
from ._xero_dates import iso_utc
from ._xero_formats import json_to_xml, wants
from ._xero_http import (
    NOT_FOUND,
    HttpError,
    drop_nulls,
    json_response,
    problem,
    server_error,
    text,
)
from ._xero_limits import RateLimiter
from ._xero_org import XeroOrg
from ._xero_reads import ReadMixin
from ._xero_writes import WRITES, Stored, WriteMixin

__all__ = ["API_PREFIX", "MAX_BODY", "MAX_QUERY", "ApiMixin", "Stored"]

API_PREFIX = "/api.xro/2.0"
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
# Element names of refusals in XML for the collections WRITES does not list.
_XML_KINDS = {"trackingcategories": "TrackingCategory"}


class ApiMixin(ReadMixin, WriteMixin):
    """The API side of ``XeroApp``, which provides the attributes declared here."""

    if TYPE_CHECKING:
        orgs: dict[str, XeroOrg]
        org: XeroOrg
        clock: Clock
        faults: FaultPlan
        limiter: RateLimiter
        auth: XeroAuth
        app_name: str

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
        kind = WRITES.get(parts[0], ("", _XML_KINDS.get(parts[0], parts[0].title())))[1] \
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

    def _envelope(self, key: str, records: list[dict[str, Any]],
                  extra: dict[str, Any] | None = None) -> Response:
        body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK",
                                "ProviderName": self.app_name,
                                "DateTimeUTC": f"/Date({int(self.clock.now() * 1000)})/"}
        if extra:
            body.update(extra)
        body[key] = [drop_nulls(r) for r in records]
        return json_response(body)



def _connection_time(ts: float) -> str:
    """``2019-12-07T18:46:19.5165400``: the spec's own example for /Connections."""
    dt = datetime.fromtimestamp(ts, UTC)
    return iso_utc(ts) + f".{dt.microsecond:06d}0"
