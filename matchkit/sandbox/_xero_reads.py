"""Reads of the Accounting API in the sandbox (a mixin of ``XeroApp`` via ``ApiMixin``):
every GET under ``/api.xro/2.0``, with ``where``/``order``, ``If-Modified-Since``, paging,
``searchTerm`` and ``unitdp`` as Xero applies them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ._xero_dates import parse_since
from ._xero_formats import invoice_pdf, wants
from ._xero_http import NOT_FOUND, HttpError, text, validation
from ._xero_org import XeroOrg
from ._xero_query import QueryError, compile_order, compile_where

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "ReadMixin", "unit_places"]

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
_SEARCH = {"Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
           "Invoices": ("InvoiceNumber", "Reference")}


def unit_places(request: Request) -> int:
    """Decimal places of unit amounts: 4 when ``unitdp=4`` is asked for, else Xero's 2."""
    return 4 if request.args.get("unitdp", "").strip() == "4" else 2


class ReadMixin:
    """The GET side of the API; ``XeroApp`` provides the attributes declared here."""

    if TYPE_CHECKING:
        orgs: dict[str, XeroOrg]
        high_volume: int

        def _envelope(self, key: str, records: list[dict[str, Any]],
                      extra: dict[str, Any] | None = None) -> Response: ...


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
        unitdp = unit_places(request)
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
        unitdp = unit_places(request)
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
