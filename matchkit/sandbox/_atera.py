"""A loopback Atera API v3: the endpoints matchkit uses, as Atera's OpenAPI document defines them.

``AteraApp(seed, clock=..., ledger=..., faults=..., api_key=...)`` is a werkzeug callable
``(Request) -> Response``; serve it with ``ServerThread(app).start()``. Its state lives in memory
(dicts keyed by id) and starts as a deep copy of ``seed`` (``data/seed/atera_demo.json``).

Behaviour worth knowing (see ``reference/atera/atera_api.md``):
- auth: the legacy key as ``X-API-KEY: <key>`` or a 2026 token as ``Authorization: Bearer
  <token>`` (both valid); anything else is a 401 with an empty body, whatever the path;
- lists use Atera's envelope (``items, page, itemsInPage, totalItemCount, totalPages, prevLink,
  nextLink``); ``itemsInPage`` defaults to 20 and is clamped to 50; links are full URLs and
  ``""`` where there is no page;
- creates answer 201 ``{"ActionID": "<new id>"}``, updates 200 ``{"ActionID": "<id>"}``,
  contract updates 204; 400/404 carry ProblemDetails;
- contracts and rates (products, expenses) are in ``_atera_billing.py``;
- tickets, agents, work hours, custom values of every record type and the DELETE verbs are in
  ``_atera_more.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ._atera_billing import AteraBillingMixin
from ._atera_common import (
    Json,
    Problem,
    body_of,
    by_id,
    get,
    json_response,
    page,
    problem_response,
    sorted_records,
)
from ._atera_more import CUSTOM_FIELDS, AteraMoreMixin
from ._server import Clock, DropConnection, FaultPlan, Ledger, LedgerEntry

__all__ = ["DEFAULT_ATERA_KEY", "AteraApp"]

DEFAULT_ATERA_KEY = "sandbox-atera-key-0000000000000000"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MODIFIED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$")

# Writable fields per request body, with their JSON types (Atera's request DTOs).
_STR = (str, type(None))
_NUM = (int, float, type(None))
_BOOL = (bool, type(None))
_CUSTOMER_UPDATE: dict[str, tuple[type, ...]] = {
    "CustomerName": _STR, "BusinessNumber": _STR, "Domain": _STR, "Address": _STR,
    "City": _STR, "State": _STR, "Country": _STR, "Phone": _STR, "Fax": _STR, "Notes": _STR,
    "Links": _STR, "Longitude": _NUM, "Latitude": _NUM, "ZipCodeStr": _STR,
}
_CUSTOMER_CREATE = {**_CUSTOMER_UPDATE, "CreatedOn": _STR}
_CONTACT_UPDATE: dict[str, tuple[type, ...]] = {
    "Email": _STR, "CustomerID": (int, type(None)), "CustomerName": _STR, "Firstname": _STR,
    "Lastname": _STR, "JobTitle": _STR, "Phone": _STR, "MobilePhone": _STR,
    "IsContactPerson": _BOOL, "InIgnoreMode": _BOOL, "DepartmentID": (int, type(None)),
    "DepartmentName": _STR, "DefaultAgentId": (int, type(None)),
}
_CONTACT_CREATE = {**_CONTACT_UPDATE, "CreatedOn": _STR}
# Customer custom fields defined "in the Atera UI" of the demo account.
CUSTOMER_FIELDS = CUSTOM_FIELDS["Customer"]

_CUSTOMER_KEYS = ("CustomerID", "CustomerName", "CreatedOn", "LastModified", "BusinessNumber",
                  "Domain", "Address", "City", "State", "Country", "Phone", "Fax", "Notes",
                  "Logo", "Links", "Longitude", "Latitude", "ZipCodeStr")
_CONTACT_KEYS = ("EndUserID", "CustomerID", "CustomerName", "Firstname", "Lastname", "JobTitle",
                 "Email", "Phone", "MobilePhone", "IsContactPerson", "InIgnoreMode",
                 "CreatedOn", "LastModified", "Archived", "DepartmentID", "DepartmentName",
                 "DefaultAgentId")


class AteraApp(AteraBillingMixin, AteraMoreMixin):
    """The Atera sandbox: a ``(werkzeug.Request) -> werkzeug.Response`` callable."""

    def __init__(
        self,
        seed: Mapping[str, Any],
        *,
        clock: Clock | None = None,
        ledger: Ledger | None = None,
        faults: FaultPlan | None = None,
        api_key: str = DEFAULT_ATERA_KEY,
        api_token: str | None = None,
        retry_after: float = 1.0,
    ) -> None:
        if not api_key:
            raise ValueError("the Atera sandbox needs a non-empty api_key")
        # Atera's two schemes: the legacy key (X-API-KEY) and, since 2026, JWT tokens sent as
        # "Authorization: Bearer" (the spec's only security scheme); both stay valid.
        self.clock = clock or Clock()
        self.ledger = ledger or Ledger()
        self.faults = faults or FaultPlan()
        self.retry_after = retry_after
        self._api_key = api_key
        self._api_token = api_token
        self._lock = threading.RLock()
        data = copy.deepcopy(dict(seed))
        self.account: Json = dict(data.get("account") or {})
        self.customers: dict[int, Json] = by_id(data.get("customers"), "CustomerID")
        self.contacts: dict[int, Json] = by_id(data.get("contacts"), "EndUserID")
        self.contracts: dict[int, Json] = by_id(data.get("contracts"), "ContractID")
        self.products: dict[int, Json] = by_id(data.get("products"), "RateID")
        self.expenses: dict[int, Json] = by_id(data.get("expenses"), "RateID")
        self.invoices: dict[int, Json] = by_id(data.get("invoices"), "InvoiceNumber")
        self.archived: dict[str, set[int]] = {"products": set(), "expenses": set()}
        self._init_more(data)
        self._url_map = Map(self._rules(), strict_slashes=False, merge_slashes=True)

    def __repr__(self) -> str:  # never show the key
        return (f"AteraApp(customers={len(self.customers)}, invoices={len(self.invoices)}, "
                f"api_key=***)")

    def set_faults(self, faults: FaultPlan) -> None:
        self.faults = faults

    # --- plumbing ------------------------------------------------------------------------

    def _rules(self) -> list[Rule]:
        r = "/api/v3"
        get, write = ["GET"], ["PUT", "POST"]
        return [
            Rule(f"{r}/account", methods=get, endpoint="account"),
            Rule(f"{r}/customers", methods=get, endpoint="customers_list"),
            Rule(f"{r}/customers", methods=["POST"], endpoint="customers_create"),
            Rule(f"{r}/customers/<int:item_id>", methods=get, endpoint="customers_get"),
            Rule(f"{r}/customers/<int:item_id>", methods=write, endpoint="customers_update"),
            Rule(f"{r}/customers/<int:item_id>", methods=["DELETE"],
                 endpoint="customers_delete"),
            Rule(f"{r}/contacts", methods=get, endpoint="contacts_list"),
            Rule(f"{r}/contacts", methods=["POST"], endpoint="contacts_create"),
            Rule(f"{r}/contacts/<int:item_id>", methods=get, endpoint="contacts_get"),
            Rule(f"{r}/contacts/<int:item_id>", methods=write, endpoint="contacts_update"),
            Rule(f"{r}/contracts", methods=get, endpoint="contracts_list"),
            Rule(f"{r}/contracts", methods=["POST"], endpoint="contracts_create"),
            Rule(f"{r}/contracts/<int:item_id>", methods=get, endpoint="contracts_get"),
            Rule(f"{r}/contracts/<int:item_id>", methods=write, endpoint="contracts_update"),
            Rule(f"{r}/contracts/customer/<int:item_id>", methods=get,
                 endpoint="contracts_customer"),
            Rule(f"{r}/rates/<any(products,expenses):kind>", methods=get, endpoint="rates_list"),
            Rule(f"{r}/rates/<any(products,expenses):kind>", methods=["POST"],
                 endpoint="rates_create"),
            Rule(f"{r}/rates/<any(products,expenses):kind>/<int:item_id>", methods=get,
                 endpoint="rates_get"),
            Rule(f"{r}/rates/<any(products,expenses):kind>/<int:item_id>", methods=["PUT"],
                 endpoint="rates_update"),
            Rule(f"{r}/billing/invoices", methods=get, endpoint="invoices_list"),
            Rule(f"{r}/billing/invoice/<int:item_id>", methods=get, endpoint="invoices_get"),
            *self._more_rules(),
        ]

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("X-API-KEY")
        auth = request.headers.get("Authorization", "")
        if given is None and auth[:7].lower() == "bearer ":
            given = auth[7:].strip()
        if given is None:
            return False
        return any(hmac.compare_digest(given.encode(), known.encode())
                   for known in (self._api_key, self._api_token) if known)

    def __call__(self, request: Request) -> Response:
        fault: str | None = None
        status = 0
        try:
            if self.faults.latency > 0:
                time.sleep(self.faults.latency)
            fault = self.faults.draw()
            if fault == "drop":
                raise DropConnection()
            if fault is not None:
                response = self._fault_response(fault, request)
            elif not self._authorised(request):
                response = Response(b"", status=401)  # Atera answers 401 with no body
            else:
                response = self._dispatch(request)
                if request.method != "GET" and response.status_code < 300 \
                        and self.faults.draw_drop_after():
                    fault = "drop_after"  # the write happened; the answer is lost
                    raise DropConnection()
            status = response.status_code
            return response
        finally:
            self.ledger.add(LedgerEntry(
                at=self.clock.now(), system="atera", method=request.method, path=request.path,
                query=request.query_string.decode("latin-1"), status=status, tenant=None,
                fault=fault, idempotency_key=None,
            ))

    def _fault_response(self, fault: str, request: Request) -> Response:
        if fault == "html":  # a proxy or login page in the way
            return Response("<!DOCTYPE html><html><head><title>Sign in</title></head>"
                            "<body><h1>Atera</h1><p>Please sign in.</p></body></html>",
                            status=200, content_type="text/html; charset=utf-8")
        code = int(fault)
        resp = problem_response(code, f"sandbox fault {code}", request.path)
        if code in (429, 503):
            resp.headers["Retry-After"] = f"{self.retry_after:g}"
        return resp

    def _dispatch(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return problem_response(404, f"no such endpoint: {request.path}", request.path)
        except MethodNotAllowed:
            return problem_response(405, f"{request.method} is not allowed on {request.path}",
                                     request.path)
        except HTTPException as exc:  # e.g. a redirect for a trailing slash
            return problem_response(exc.code or 400, str(exc.description), request.path)
        handler: Callable[..., Response] = getattr(self, f"_h_{endpoint}")
        try:
            with self._lock:
                return handler(request, **args)
        except Problem as p:
            return problem_response(p.status, p.detail, request.path, p.errors)

    # --- helpers ---------------------------------------------------------------------------

    def _now(self) -> str:
        return dt.datetime.fromtimestamp(self.clock.now(), tz=dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S")

    def _page(self, request: Request, records: list[Json]) -> Response:
        return page(request, records)

    def _modified_filter(self, request: Request, records: list[Json]) -> list[Json]:
        raw = request.args.get("FromLastModifiedDate")
        if raw is None or raw == "":
            out = records
        else:
            if not _MODIFIED_RE.match(raw):
                raise Problem(400, "FromLastModifiedDate must be yyyy-MM-dd or "
                               "yyyy-MM-ddTHH:mm:ss, without an offset",
                               {"FromLastModifiedDate": [raw]})
            try:
                since = dt.datetime.fromisoformat(raw)
            except ValueError:
                raise Problem(400, f"FromLastModifiedDate {raw!r} is not a date",
                               {"FromLastModifiedDate": [raw]}) from None
            out = [r for r in records if r.get("LastModified")
                   and dt.datetime.fromisoformat(r["LastModified"]) >= since]
        sort = request.args.get("SortBy", "Creation")
        if sort == "LastModified":
            out = sorted(out, key=lambda r: r.get("LastModified") or "")
        elif sort != "Creation":
            raise Problem(400, "SortBy must be Creation or LastModified", {"SortBy": [sort]})
        return out

    # --- endpoints -------------------------------------------------------------------------

    def _h_account(self, request: Request) -> Response:
        return json_response(self.account)

    def _h_customers_list(self, request: Request) -> Response:
        return self._page(request, self._modified_filter(request, sorted_records(self.customers)))

    def _h_customers_get(self, request: Request, item_id: int) -> Response:
        return json_response(get(self.customers, item_id, "customer"))

    def _h_customers_create(self, request: Request) -> Response:
        body = body_of(request, _CUSTOMER_CREATE)
        name = (body.get("CustomerName") or "").strip()
        if not name:
            raise Problem(400, "CustomerName is required",
                           {"CustomerName": ["The CustomerName field is required."]})
        new_id = max(self.customers, default=0) + 1
        now = self._now()
        rec: Json = dict.fromkeys(_CUSTOMER_KEYS)
        rec.update(body)
        rec.update(CustomerID=new_id, CustomerName=name, LastModified=now,
                   CreatedOn=body.get("CreatedOn") or now)
        self.customers[new_id] = rec
        return json_response({"ActionID": str(new_id)}, 201)

    def _h_customers_update(self, request: Request, item_id: int) -> Response:
        rec = get(self.customers, item_id, "customer")
        body = body_of(request, _CUSTOMER_UPDATE)
        if "CustomerName" in body and not (body["CustomerName"] or "").strip():
            raise Problem(400, "CustomerName cannot be empty",
                           {"CustomerName": ["The CustomerName field is required."]})
        rec.update(body)
        rec["LastModified"] = self._now()
        for c in self.contacts.values():  # contacts show their customer's name
            if c.get("CustomerID") == item_id:
                c["CustomerName"] = rec["CustomerName"]
        return json_response({"ActionID": str(item_id)})

    def _h_customers_delete(self, request: Request, item_id: int) -> Response:
        get(self.customers, item_id, "customer")
        del self.customers[item_id]
        return Response(status=204)

    def _h_contacts_list(self, request: Request) -> Response:
        records = sorted_records(self.contacts)
        email, phone = request.args.get("Email"), request.args.get("Phone")
        if email:
            records = [c for c in records if email.lower() in (c.get("Email") or "").lower()]
        if phone:
            records = [c for c in records if phone in (c.get("Phone") or "")
                       or phone in (c.get("MobilePhone") or "")]
        return self._page(request, self._modified_filter(request, records))

    def _h_contacts_get(self, request: Request, item_id: int) -> Response:
        return json_response(get(self.contacts, item_id, "contact"))

    def _h_contacts_create(self, request: Request) -> Response:
        body = body_of(request, _CONTACT_CREATE)
        email = (body.get("Email") or "").strip()
        if not email:
            raise Problem(400, "Email is required", {"Email": ["The Email field is required."]})
        customer = self._contact_customer(body)
        new_id = max(self.contacts, default=0) + 1
        now = self._now()
        rec: Json = dict.fromkeys(_CONTACT_KEYS)
        rec.update(body)
        rec.update(EndUserID=new_id, Email=email, CustomerID=customer["CustomerID"],
                   CustomerName=customer["CustomerName"], LastModified=now,
                   CreatedOn=body.get("CreatedOn") or now, Archived=False)
        self.contacts[new_id] = rec
        return json_response({"ActionID": str(new_id)}, 201)

    def _contact_customer(self, body: Mapping[str, Any]) -> Json:
        cid, cname = body.get("CustomerID"), body.get("CustomerName")
        if cid is not None:
            return get(self.customers, int(cid), "customer")
        if cname:
            for c in self.customers.values():
                if c["CustomerName"] == cname:
                    return c
            raise Problem(400, f"no customer named {cname!r}", {"CustomerName": [cname]})
        raise Problem(400, "a contact needs CustomerID or CustomerName",
                       {"CustomerID": ["CustomerID or CustomerName is required."]})

    def _h_contacts_update(self, request: Request, item_id: int) -> Response:
        rec = get(self.contacts, item_id, "contact")
        body = body_of(request, _CONTACT_UPDATE)
        if "CustomerID" in body or "CustomerName" in body:
            customer = self._contact_customer(body)
            body = {**body, "CustomerID": customer["CustomerID"],
                    "CustomerName": customer["CustomerName"]}
        rec.update(body)
        rec["LastModified"] = self._now()
        return json_response({"ActionID": str(item_id)})

    def _h_invoices_list(self, request: Request) -> Response:
        bounds: list[dt.date | None] = []
        for name in ("invoiceDateFrom", "invoiceDateTo"):
            raw = request.args.get(name)
            if raw is None or raw == "":
                bounds.append(None)
                continue
            try:
                if not _DATE_RE.match(raw):
                    raise ValueError
                bounds.append(dt.date.fromisoformat(raw))
            except ValueError:
                raise Problem(400, f"{name} must be a date as yyyy-MM-dd, got {raw!r}",
                               {name: [raw]}) from None
        lo, hi = bounds
        if lo and hi and lo > hi:
            raise Problem(400, "invoiceDateFrom is after invoiceDateTo",
                           {"invoiceDateFrom": [str(lo)], "invoiceDateTo": [str(hi)]})
        out = []
        for inv in sorted_records(self.invoices):
            day = dt.datetime.fromisoformat(inv["InvoiceDate"]).date()
            if (lo is None or day >= lo) and (hi is None or day <= hi):
                out.append(inv)
        return self._page(request, out)

    def _h_invoices_get(self, request: Request, item_id: int) -> Response:
        return json_response(get(self.invoices, item_id, "invoice"))
