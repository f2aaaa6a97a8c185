"""Writes to the Accounting API in the sandbox (a mixin of ``XeroApp`` via ``ApiMixin``):
PUT/POST/DELETE under ``/api.xro/2.0``, the Idempotency-Key (the same key and body within
six minutes gives the stored answer; another body is refused), ``summarizeErrors`` and the
tracking categories' own routes."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ._server import Clock, DropConnection, FaultPlan
from ._xero_formats import XmlBodyError, parse_xml_body
from ._xero_http import NOT_FOUND, text, validation
from ._xero_org import XeroOrg
from ._xero_outcome import ElementOutcome
from ._xero_reads import unit_places

__all__ = ["IDEMPOTENCY_TTL", "WRITES", "Stored", "WriteMixin"]

IDEMPOTENCY_TTL = 6 * 60
# Writable collections: body key, element name (XML, spec schema), id field, error flag.
WRITES = {"contacts": ("Contacts", "Contact", "ContactID", "HasValidationErrors"),
          "items": ("Items", "Item", "ItemID", ""),
          "invoices": ("Invoices", "Invoice", "InvoiceID", "HasErrors"),
          "creditnotes": ("CreditNotes", "CreditNote", "CreditNoteID", "HasErrors"),
          "payments": ("Payments", "Payment", "PaymentID", "HasValidationErrors")}


@dataclass
class Stored:
    """An answer kept under its Idempotency-Key."""

    fingerprint: str
    status: int
    body: bytes
    headers: dict[str, str]
    at: float


class WriteMixin:
    """The write side of the API; ``XeroApp`` provides the attributes declared here."""

    if TYPE_CHECKING:
        orgs: dict[str, XeroOrg]
        clock: Clock
        faults: FaultPlan
        _idem: dict[tuple[str, str], Stored]
        _write_locks: dict[str, threading.Lock]

        def _envelope(self, key: str, records: list[dict[str, Any]],
                      extra: dict[str, Any] | None = None) -> Response: ...


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
                self._idem[(tenant, key)] = Stored(
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
        if not parts or len(parts) > 2 or parts[0] not in WRITES:
            return text(NOT_FOUND, 404)
        if request.method == "DELETE":
            if parts[0] == "items" and len(parts) == 2 and org.delete_item(parts[1]):
                return Response(status=204)
            return text(NOT_FOUND, 404)
        key, singular, id_field, has_errors = WRITES[parts[0]]
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
            outcomes = put(elements, update=update, unitdp=unit_places(request))
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
