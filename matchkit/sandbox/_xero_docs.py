"""Invoices and credit notes of a Xero organisation (a mixin of ``XeroOrg``).

What a write must pass, each with its source in docs/fidelity.md: a contact that identifies
one; Xero's line arithmetic (``_xero_lines.py``) and tracking (``_xero_tracking.py``); a
currency the organisation has, with its rate; a date after the organisation's lock dates; a
branding theme it has; a Url that is one; unique ACCREC numbers; and only the status changes
Xero allows, none on a document with a payment on it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._xero_dates import iso_utc, ms_date, parse_date
from ._xero_lines import LineContext, compute_lines, money, num, quantize, render_units
from ._xero_outcome import ElementOutcome
from ._xero_rules import (
    MSG_CONTACT_IDENTIFY,
    MSG_EDIT_PAID,
    MSG_INVOICE_NUMBER,
    MSG_STATUS,
    lock_message,
    too_long,
    valid_url,
)

if TYPE_CHECKING:
    from decimal import Decimal as _D

__all__ = ["ALLOWED_CHANGES", "DocumentsMixin"]

Record = dict[str, Any]

# The status changes Xero allows (Xero support, quoted in waynerobinson/xeroizer#48); the
# same status is an edit. PAID is reached by payments only, and left by deleting them.
ALLOWED_CHANGES: dict[str, frozenset[str]] = {
    "DRAFT": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "SUBMITTED": frozenset({"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"}),
    "AUTHORISED": frozenset({"AUTHORISED", "VOIDED"}),
    "PAID": frozenset(),
    "VOIDED": frozenset(),
    "DELETED": frozenset(),
}
_NEW_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
_COMPUTED = ("ValidationErrors", "Warnings", "StatusAttributeString", "HasErrors",
             "UpdatedDateUTC", "UpdatedDateUTCString", "SubTotal", "TotalTax", "Total",
             "TotalDiscount", "AmountDue", "AmountPaid", "AmountCredited", "RemainingCredit",
             "FullyPaidOnDate", "Payments", "CreditNotes", "Prepayments", "Overpayments",
             "IsDiscounted", "HasAttachments", "DateString", "DueDateString")


class DocumentsMixin:
    """Invoices and credit notes; ``XeroOrg`` provides the attributes declared here."""

    if TYPE_CHECKING:
        _lock: threading.RLock
        _now: Callable[[], float]
        organisation: Record
        contacts: dict[str, Record]
        currencies: list[Record]
        accounts: dict[str, Record]
        branding_themes: dict[str, Record]
        _active_names: dict[str, str]

        def item_by_code(self, code: str) -> Record | None: ...
        def lock_dates(self) -> tuple[date | None, date | None]: ...
        def day_rate(self, currency: str) -> float: ...
        def _tax_ok(self, tax: str, revenue: bool) -> bool: ...
        def _rate(self, tax: str) -> _D: ...
        def _mark_contact(self, contact_id: str, flag: str) -> None: ...
        def _put_contact(self, element: Any, update: bool) -> ElementOutcome: ...
        def line_tracking(self, raw: Any, n: int, errors: list[str]) -> list[Record]: ...

    def _init_documents(self) -> None:
        self.invoices: dict[str, Record] = {}
        self._invoice_times: dict[str, float] = {}
        self._invoice_numbers: dict[str, str] = {}
        self._next_invoice = 1
        self.credit_notes: dict[str, Record] = {}
        self._credit_times: dict[str, float] = {}
        self._credit_numbers: dict[str, str] = {}
        self._next_credit = 1

    # ---------------------------------------------------------------- reads

    def invoice_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._invoice_times[iid]) for iid, r in self.invoices.items()]

    def invoice_out(self, rec: Record, unitdp: int = 4, lines: bool = True) -> Record:
        return self._doc_out(rec, self._invoice_times[rec["InvoiceID"]], unitdp, lines)

    def credit_note_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._credit_times[cid]) for cid, r in self.credit_notes.items()]

    def credit_note_out(self, rec: Record, unitdp: int = 4, lines: bool = True) -> Record:
        return self._doc_out(rec, self._credit_times[rec["CreditNoteID"]], unitdp, lines)

    @staticmethod
    def _doc_out(rec: Record, ts: float, unitdp: int, lines: bool) -> Record:
        out = dict(rec)
        out["UpdatedDateUTC"] = ms_date(ts)
        out["UpdatedDateUTCString"] = iso_utc(ts) + "Z"
        # Lists of documents without paging carry no line details (XeroAPI/xero-ruby#9).
        out["LineItems"] = render_units(rec.get("LineItems", []), unitdp) if lines else []
        return out

    def find_invoice(self, key: str) -> Record | None:
        with self._lock:
            if key in self.invoices:
                return self.invoices[key]
            iid = self._invoice_numbers.get(key.upper())
            return self.invoices.get(iid) if iid else None

    def find_credit_note(self, key: str) -> Record | None:
        with self._lock:
            if key in self.credit_notes:
                return self.credit_notes[key]
            cid = self._credit_numbers.get(key.upper())
            return self.credit_notes.get(cid) if cid else None

    # ---------------------------------------------------------------- writes

    def put_invoices(self, elements: list[Any], *, update: bool, unitdp: int = 2
                     ) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_invoice(e, update, unitdp) for e in elements]

    def put_credit_notes(self, elements: list[Any], *, update: bool, unitdp: int = 2
                         ) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_credit_note(e, update, unitdp) for e in elements]

    def _put_invoice(self, element: Any, update: bool, unitdp: int) -> ElementOutcome:
        if not isinstance(element, dict):
            return ElementOutcome({}, ["An invoice must be a JSON object."])
        errors: list[str] = []
        existing: Record | None = None
        if element.get("InvoiceID"):
            existing = self.invoices.get(str(element["InvoiceID"]))
            if existing is None:
                errors.append("The InvoiceID specified does not exist.")
            elif not update:
                errors.append("An invoice with this InvoiceID already exists; use POST to update.")
        elif update and element.get("InvoiceNumber"):
            iid = self._invoice_numbers.get(str(element["InvoiceNumber"]).upper())
            existing = self.invoices.get(iid) if iid else None
        inv_type = element.get("Type") or (existing or {}).get("Type")
        if inv_type not in ("ACCREC", "ACCPAY"):
            errors.append("Type must be ACCREC or ACCPAY.")
            inv_type = "ACCREC"
        status = self._status(element, existing, "invoice", errors)
        number = element.get("InvoiceNumber")
        if number is not None and not isinstance(number, str):
            errors.append("InvoiceNumber must be text.")
            number = None
        errors += too_long({"InvoiceNumber": number}, "Invoice")
        if inv_type == "ACCREC" and number:
            # ACCREC numbers are unique; ACCPAY ones are not (docs, Invoices).
            holder = self._invoice_numbers.get(number.upper())
            if holder is not None and (existing is None or holder != existing["InvoiceID"]):
                errors.append(MSG_INVOICE_NUMBER)
        merged = self._common(element, existing, "invoice", str(inv_type), status, unitdp,
                              errors)
        if errors:
            return ElementOutcome(_echo(element, merged), errors)
        if existing is None:
            merged["InvoiceID"] = str(uuid.uuid4())
            if not number and inv_type == "ACCREC":
                number = self._next_number("INV-", self._invoice_numbers, "_next_invoice")
            merged["InvoiceNumber"] = number or ""
        iid = merged["InvoiceID"]
        if existing is not None and existing.get("InvoiceNumber"):
            self._invoice_numbers.pop(str(existing["InvoiceNumber"]).upper(), None)
        if inv_type == "ACCREC" and merged.get("InvoiceNumber"):
            self._invoice_numbers[str(merged["InvoiceNumber"]).upper()] = iid
        self._settle(merged, existing, "AmountDue")
        self.invoices[iid] = merged
        self._invoice_times[iid] = self._now()
        self._mark_contact(merged["Contact"]["ContactID"],
                           "IsCustomer" if inv_type == "ACCREC" else "IsSupplier")
        return ElementOutcome(self.invoice_out(merged, unitdp))

    def _put_credit_note(self, element: Any, update: bool, unitdp: int) -> ElementOutcome:
        if not isinstance(element, dict):
            return ElementOutcome({}, ["A credit note must be a JSON object."])
        errors: list[str] = []
        existing: Record | None = None
        if element.get("CreditNoteID"):
            existing = self.credit_notes.get(str(element["CreditNoteID"]))
            if existing is None:
                errors.append("An existing Credit Note with the specified CreditNoteID could "
                              "not be found")
        cn_type = element.get("Type") or (existing or {}).get("Type")
        if cn_type not in ("ACCRECCREDIT", "ACCPAYCREDIT"):
            errors.append("Type must be ACCRECCREDIT or ACCPAYCREDIT.")
            cn_type = "ACCRECCREDIT"
        status = self._status(element, existing, "credit note", errors)
        merged = self._common(element, existing, "credit note", str(cn_type), status, unitdp,
                              errors)
        if errors:
            return ElementOutcome(_echo(element, merged), errors)
        if existing is None:
            merged["CreditNoteID"] = str(uuid.uuid4())
            if not merged.get("CreditNoteNumber") and cn_type == "ACCRECCREDIT":
                merged["CreditNoteNumber"] = self._next_number("CN-", self._credit_numbers,
                                                               "_next_credit")
        cid = merged["CreditNoteID"]
        if existing is not None and existing.get("CreditNoteNumber"):
            self._credit_numbers.pop(str(existing["CreditNoteNumber"]).upper(), None)
        if merged.get("CreditNoteNumber"):
            self._credit_numbers[str(merged["CreditNoteNumber"]).upper()] = cid
        self._settle(merged, existing, "RemainingCredit")
        self.credit_notes[cid] = merged
        self._credit_times[cid] = self._now()
        return ElementOutcome(self.credit_note_out(merged, unitdp))

    def _status(self, element: Record, existing: Record | None, kind: str,
                errors: list[str]) -> str:
        status = str(element.get("Status") or (existing or {}).get("Status") or "DRAFT")
        if existing is None:
            if status not in _NEW_STATUSES:
                errors.append(f"A new {kind} cannot be created as {status}; use DRAFT, "
                              "SUBMITTED or AUTHORISED.")
            return status
        old = str(existing.get("Status"))
        if _paid_any(existing):
            errors.append(MSG_EDIT_PAID)
        elif status not in ALLOWED_CHANGES.get(old, frozenset()):
            errors.append(MSG_STATUS)
        return status

    def _settle(self, merged: Record, existing: Record | None, due_field: str) -> None:
        """Amounts a write leaves: due (or remaining credit), paid, payments kept."""
        paid = float(money(Decimal(str((existing or {}).get("AmountPaid", 0.0)))))
        merged["Payments"] = list((existing or {}).get("Payments", []))
        merged["AmountPaid"] = paid
        merged["AmountCredited"] = float((existing or {}).get("AmountCredited", 0.0))
        closed = merged["Status"] in ("VOIDED", "DELETED")
        due = Decimal(0) if closed else money(Decimal(str(merged["Total"]))) - Decimal(str(paid))
        merged[due_field] = float(due)
        merged["HasAttachments"] = False
        merged["IsDiscounted"] = any(li.get("DiscountRate") or li.get("DiscountAmount")
                                     for li in merged["LineItems"])
        _render_dates(merged)

    def _next_number(self, prefix: str, taken: dict[str, str], counter: str) -> str:
        while True:
            n = getattr(self, counter)
            setattr(self, counter, n + 1)
            candidate = f"{prefix}{n:04d}"
            if candidate.upper() not in taken:
                return candidate

    # ---------------------------------------------------------------- shared fields

    def _common(self, element: Record, existing: Record | None, kind: str, doc_type: str,
                status: str, unitdp: int, errors: list[str]) -> Record:
        """Fields invoices and credit notes share: contact, dates, currency, lines, totals."""
        merged: Record = {**(existing or {}), **element}
        for k in _COMPUTED:
            merged.pop(k, None)
        merged["Type"] = doc_type
        merged["Status"] = status
        contact = self._resolve_contact(merged.get("Contact"), errors)
        amount_types = merged.get("LineAmountTypes") or "Exclusive"
        if amount_types not in ("Exclusive", "Inclusive", "NoTax"):
            errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
            amount_types = "Exclusive"
        merged["LineAmountTypes"] = amount_types
        self._currency(merged, errors)
        self._dates(merged, errors)
        theme = merged.get("BrandingThemeID")
        if theme and str(theme).lower() not in self.branding_themes:
            # A deleted or unknown theme stops the invoice (XeroAPI/xero-php-oauth2#267);
            # sandbox wording.
            errors.append(f"Branding theme {theme} does not exist in this organisation.")
        if "Url" in element and element["Url"] not in (None, "") \
                and not valid_url(element["Url"]):
            errors.append("Url must be an absolute http or https address.")  # sandbox wording
        ctx = LineContext(doc_type=doc_type, amount_types=amount_types, status=status,
                          kind=kind, unitdp=unitdp, item=self.item_by_code,
                          accounts=self.accounts, tax_ok=self._tax_ok, tax_rate=self._rate,
                          tracking=self.line_tracking)
        lines, totals = compute_lines(merged.get("LineItems"), ctx, errors)
        merged["LineItems"] = lines
        if contact is not None:
            merged["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name"),
                                 "ContactStatus": contact.get("ContactStatus", "ACTIVE")}
        merged["SubTotal"] = float(money(totals.sub_total))
        merged["TotalTax"] = float(money(totals.total_tax))
        merged["Total"] = float(money(totals.sub_total + totals.total_tax))
        if totals.total_discount:
            merged["TotalDiscount"] = float(money(totals.total_discount))
        return merged

    def _currency(self, merged: Record, errors: list[str]) -> None:
        base = self.organisation.get("BaseCurrency", "NZD")
        currency = merged.get("CurrencyCode") or base
        if currency not in {c.get("Code") for c in self.currencies} and currency != base:
            errors.append(f"The currency {currency} is not enabled for this organisation.")
        merged["CurrencyCode"] = currency
        if currency == base:
            merged["CurrencyRate"] = 1.0
            return
        given = num(merged.get("CurrencyRate"))
        if merged.get("CurrencyRate") not in (None, "") and (given is None or given <= 0):
            errors.append("CurrencyRate must be a positive number.")  # sandbox wording
            given = None
        # No rate sent: the day rate (spec: "the XE.com day rate is used"); 6 places.
        rate = given if given else Decimal(str(self.day_rate(str(currency))))
        merged["CurrencyRate"] = float(quantize(rate, 4) if rate == quantize(rate, 4)
                                       else rate.quantize(Decimal("0.000001")))

    def _dates(self, merged: Record, errors: list[str]) -> None:
        for fld in ("Date", "DueDate"):
            if merged.get(fld) in (None, ""):
                continue
            d = parse_date(merged[fld])
            if d is None:
                errors.append(f"{fld} {merged[fld]!r} is not a date (use YYYY-MM-DD).")
                continue
            merged[fld] = d
        if merged.get("Date") in (None, ""):
            merged["Date"] = parse_date(iso_utc(self._now()))
        day = merged.get("Date")
        if isinstance(day, date):
            err = self.lock_error(day)
            if err:
                errors.append(err)

    def lock_error(self, day: date) -> str | None:
        """Xero's refusal for a document dated on or before a lock date, else ``None``."""
        period, end_of_year = self.lock_dates()
        if end_of_year is not None and day <= end_of_year:
            return lock_message("end of year", end_of_year)
        if period is not None and day <= period:
            return lock_message("period", period)
        return None

    def _resolve_contact(self, contact: Any, errors: list[str]) -> Record | None:
        if not isinstance(contact, dict) or not (
            contact.get("ContactID") or contact.get("ContactNumber") or contact.get("Name")
        ):
            errors.append(MSG_CONTACT_IDENTIFY)
            return None
        if contact.get("ContactID"):
            rec = self.contacts.get(str(contact["ContactID"]))
            if rec is None:
                errors.append("The contact with the specified ContactID could not be found.")
            return rec
        if contact.get("ContactNumber"):
            for rec in self.contacts.values():
                if rec.get("ContactNumber") == contact["ContactNumber"]:
                    return rec
            if not contact.get("Name"):
                errors.append("The contact with the specified ContactNumber could not be found.")
                return None
        cid = self._active_names.get(str(contact.get("Name") or "").strip().casefold())
        if cid is not None:
            return self.contacts[cid]
        # Xero creates a contact from a name it does not know, with what the invoice gives.
        created = self._put_contact({k: v for k, v in contact.items()
                                     if k not in ("ContactID",)}, update=False)
        if not created.ok:
            errors.extend(created.errors)
            return None
        return self.contacts[created.record["ContactID"]]


def _paid_any(rec: Record) -> bool:
    return any(p.get("Status", "AUTHORISED") != "DELETED" for p in rec.get("Payments", []))


def _render_dates(rec: Record) -> None:
    for fld in ("Date", "DueDate"):
        val = rec.get(fld)
        if isinstance(val, date):
            ts = datetime(val.year, val.month, val.day, tzinfo=UTC).timestamp()
            rec[fld] = ms_date(ts)
            rec[f"{fld}String"] = val.isoformat() + "T00:00:00"


def _echo(element: Record, merged: Record) -> Record:
    """The element as sent, with the computed fields an error response still carries."""
    echo = {k: v for k, v in merged.items() if not hasattr(v, "isoformat")}
    for fld in ("Date", "DueDate"):
        if fld in element and isinstance(element[fld], str):
            echo[fld] = element[fld]
    return echo
