"""One Xero organisation in memory: its records and the rules Xero enforces on writes.

Records are kept in Xero's JSON shapes so a GET returns what a PUT stored. Every write
validates element by element and returns one result per element, in order; the HTTP layer
(``_xero.py``) decides whether that becomes a 200 or a 400 ValidationException.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ._xero_dates import iso_utc, ms_date, parse_date

__all__ = ["ElementOutcome", "XeroOrg"]

Record = dict[str, Any]

CENT = Decimal("0.01")
_MS_RE = re.compile(r"^/Date\((-?\d+)")
# Xero's own wording where the spec or FACTS.md gives it; the rest say plainly what is wrong.
MSG_NAME_TAKEN = ("The contact name {name} is already assigned to another contact. "
                  "The contact name must be unique across all active contacts.")
MSG_ITEM_CODE_TAKEN = "Price List Item with Code ''{code}'' already exists"
MSG_INVOICE_NUMBER = "Invoice # must be unique."
MSG_CONTACT_IDENTIFY = ("The Contact must contain at least 1 of the following elements to "
                        "identify the contact: Name, ContactID, ContactNumber")
MSG_TAX_TYPE = ("The TaxType code {tax} does not exist or cannot be used for this type of "
                "transaction.")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _num(value: object, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class ElementOutcome:
    """What became of one element of a write: the record as Xero echoes it, and errors."""

    record: Record
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class XeroOrg:
    """The records of one tenant. All public methods are thread-safe."""

    def __init__(self, seed: dict[str, Any], *, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.RLock()
        orgs = seed.get("Organisations") or []
        if not orgs:
            raise ValueError("Xero seed: 'Organisations' must hold one organisation")
        self.organisation: Record = copy.deepcopy(orgs[0])
        self.tenant_id: str = self.organisation["OrganisationID"]
        self.tax_rates: dict[str, Record] = {
            t["TaxType"]: dict(t) for t in seed.get("TaxRates", [])
        }
        self.accounts: dict[str, Record] = {
            a["Code"]: dict(a) for a in seed.get("Accounts", []) if a.get("Code")
        }
        self.currencies: list[Record] = [dict(c) for c in seed.get("Currencies", [])]
        t0 = now()
        self.contacts: dict[str, Record] = {}
        self._contact_times: dict[str, float] = {}
        for i, c in enumerate(seed.get("Contacts", [])):
            rec = dict(c)
            rec.setdefault("ContactID", str(uuid.uuid4()))
            rec.setdefault("ContactStatus", "ACTIVE")
            rec.setdefault("IsSupplier", False)
            rec.setdefault("IsCustomer", False)
            self.contacts[rec["ContactID"]] = rec
            # Seeded records keep their own UpdatedDateUTC, else are spread over the past so
            # If-Modified-Since has something to cut.
            self._contact_times[rec["ContactID"]] = _seed_time(rec, t0 - 86400 * 30 + i)
        self._contact_version = 0
        self._contact_cache: dict[bool, tuple[tuple[int, bool], list[tuple[Record, float]]]] = {}
        self._active_names: dict[str, str] = {}
        for cid, rec in self.contacts.items():
            if rec.get("ContactStatus") == "ACTIVE":
                self._active_names.setdefault(_name_key(rec.get("Name")), cid)
        self.items: dict[str, Record] = {}
        self._item_times: dict[str, float] = {}
        for i, it in enumerate(seed.get("Items", [])):
            rec = dict(it)
            rec.setdefault("ItemID", str(uuid.uuid4()))
            self.items[rec["ItemID"]] = rec
            self._item_times[rec["ItemID"]] = _seed_time(rec, t0 - 86400 * 30 + i)
        self._item_codes = {_code_key(r.get("Code")): iid for iid, r in self.items.items()}
        self.invoices: dict[str, Record] = {}
        self._invoice_times: dict[str, float] = {}
        self._invoice_numbers: dict[str, str] = {}
        self._next_invoice = 1
        self.credit_notes: dict[str, Record] = {}
        self._credit_times: dict[str, float] = {}
        self._next_credit = 1
        for inv in seed.get("Invoices", []):
            self.put_invoices([inv], update=False)

    # ---------------------------------------------------------------- reads

    def contact_list(self) -> list[Record]:
        with self._lock:
            return [self._contact_out(c) for c in self.contacts.values()]

    def contact_rows(self, include_archived: bool = True) -> list[tuple[Record, float]]:
        """Contacts with their modification time, in a stable (insertion) order.

        The lists are cached until the next contact write: a large organisation is paged
        through 1,000 at a time and must not be rebuilt for every page. Callers must not
        change the list they get.
        """
        with self._lock:
            key = (self._contact_version, include_archived)
            cached = self._contact_cache.get(include_archived)
            if cached is not None and cached[0] == key:
                return cached[1]
            rows = [(c, self._contact_times[cid]) for cid, c in self.contacts.items()
                    if include_archived or c.get("ContactStatus") != "ARCHIVED"]
            self._contact_cache[include_archived] = (key, rows)
            return rows

    def contact_out(self, rec: Record) -> Record:
        return self._contact_out(rec)

    def item_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._item_times[iid]) for iid, r in self.items.items()]

    def item_out(self, rec: Record) -> Record:
        out = dict(rec)
        out["UpdatedDateUTC"] = ms_date(self._item_times[rec["ItemID"]])
        return out

    def invoice_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._invoice_times[iid]) for iid, r in self.invoices.items()]

    def invoice_out(self, rec: Record) -> Record:
        out = dict(rec)
        ts = self._invoice_times[rec["InvoiceID"]]
        out["UpdatedDateUTC"] = ms_date(ts)
        out["UpdatedDateUTCString"] = iso_utc(ts) + "Z"
        return out

    def credit_note_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._credit_times[cid]) for cid, r in self.credit_notes.items()]

    def credit_note_out(self, rec: Record) -> Record:
        out = dict(rec)
        ts = self._credit_times[rec["CreditNoteID"]]
        out["UpdatedDateUTC"] = ms_date(ts)
        out["UpdatedDateUTCString"] = iso_utc(ts) + "Z"
        return out

    def find_invoice(self, key: str) -> Record | None:
        with self._lock:
            if key in self.invoices:
                return self.invoices[key]
            iid = self._invoice_numbers.get(key.upper())
            return self.invoices.get(iid) if iid else None

    def _contact_out(self, rec: Record) -> Record:
        # Shallow copies are enough: stored records are replaced, never edited below the top.
        out = dict(rec)
        out["UpdatedDateUTC"] = ms_date(self._contact_times[rec["ContactID"]])
        out.setdefault("Addresses", [])
        out.setdefault("Phones", [])
        out.setdefault("HasAttachments", False)
        return out

    # ---------------------------------------------------------------- contacts

    def put_contacts(self, elements: list[Any], *, update: bool) -> list[ElementOutcome]:
        """PUT (``update=False``) creates; POST (``update=True``) updates by ContactID or
        creates."""
        with self._lock:
            return [self._put_contact(e, update) for e in elements]

    def _put_contact(self, element: Any, update: bool) -> ElementOutcome:
        if not isinstance(element, dict):
            return ElementOutcome({}, ["A contact must be a JSON object."])
        errors: list[str] = []
        existing: Record | None = None
        cid = element.get("ContactID")
        if cid:
            existing = self.contacts.get(str(cid))
            if existing is None:
                errors.append("The ContactID specified does not exist or is not a contact.")
            elif not update:
                errors.append("A contact with this ContactID already exists; use POST to update.")
        merged: Record = {**(existing or {}), **element}
        name = merged.get("Name")
        if not isinstance(name, str) or not name.strip():
            errors.append("The contact name must be specified.")
        elif len(name) > 255:
            errors.append("The contact name must not be more than 255 characters long.")
        for fld, limit in (("ContactNumber", 50), ("AccountNumber", 50), ("TaxNumber", 50),
                           ("FirstName", 255), ("LastName", 255), ("EmailAddress", 255)):
            val = merged.get(fld)
            if val is not None and (not isinstance(val, str) or len(val) > limit):
                errors.append(f"{fld} must be text of at most {limit} characters.")
        status = merged.get("ContactStatus", "ACTIVE")
        if status not in ("ACTIVE", "ARCHIVED"):
            errors.append(f"ContactStatus must be ACTIVE or ARCHIVED, not {status!r}.")
        for fld in ("IsCustomer", "IsSupplier", "Website", "Balances"):
            # Read-only in Xero (IsCustomer/IsSupplier follow transactions): a value sent is
            # ignored, as Xero ignores it.
            if fld in element:
                merged.pop(fld, None)
                if existing is not None and fld in existing:
                    merged[fld] = existing[fld]
        if isinstance(name, str) and name.strip() and status == "ACTIVE":
            holder = self._active_names.get(_name_key(name))
            if holder is not None and (existing is None or holder != existing["ContactID"]):
                errors.append(MSG_NAME_TAKEN.format(name=name))
        if errors:
            echo = dict(element)
            echo.setdefault("ContactID", "00000000-0000-0000-0000-000000000000")
            return ElementOutcome(echo, errors)
        merged.pop("ValidationErrors", None)
        merged.pop("HasValidationErrors", None)
        merged.pop("StatusAttributeString", None)
        merged.pop("UpdatedDateUTC", None)
        merged["ContactStatus"] = status
        if existing is None:
            merged["ContactID"] = str(uuid.uuid4())
            merged["IsSupplier"] = False
            merged["IsCustomer"] = False
        else:
            merged["IsSupplier"] = existing.get("IsSupplier", False)
            merged["IsCustomer"] = existing.get("IsCustomer", False)
            old_key = _name_key(existing.get("Name"))
            if self._active_names.get(old_key) == existing["ContactID"]:
                del self._active_names[old_key]
        cid = merged["ContactID"]
        self._contact_version += 1
        self.contacts[cid] = merged
        self._contact_times[cid] = self._now()
        if status == "ACTIVE":
            self._active_names[_name_key(merged["Name"])] = cid
        return ElementOutcome(self._contact_out(merged))

    # ---------------------------------------------------------------- items

    def put_items(self, elements: list[Any], *, update: bool) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_item(e, update) for e in elements]

    def _put_item(self, element: Any, update: bool) -> ElementOutcome:
        if not isinstance(element, dict):
            return ElementOutcome({}, ["An item must be a JSON object."])
        errors: list[str] = []
        existing: Record | None = None
        if element.get("ItemID"):
            existing = self.items.get(str(element["ItemID"]))
            if existing is None:
                errors.append("The ItemID specified does not exist.")
        elif update and element.get("Code"):
            # POST matches an existing item by its code.
            iid = self._item_codes.get(_code_key(element.get("Code")))
            existing = self.items.get(iid) if iid else None
        merged: Record = {**(existing or {}), **element}
        code = merged.get("Code")
        if not isinstance(code, str) or not code.strip():
            errors.append("Item Code must not be empty.")
        elif len(code) > 30:
            errors.append("Item Code must not be more than 30 characters long.")
        name = merged.get("Name")
        if name is not None and (not isinstance(name, str) or len(name) > 50):
            errors.append("Item Name must not be more than 50 characters long.")
        if isinstance(code, str) and code.strip():
            holder = self._item_codes.get(_code_key(code))
            if holder is not None and (existing is None or holder != existing["ItemID"]):
                errors.append(MSG_ITEM_CODE_TAKEN.format(code=code))
        for part, revenue in (("SalesDetails", True), ("PurchaseDetails", False)):
            details = merged.get(part)
            if details is None:
                continue
            if not isinstance(details, dict):
                errors.append(f"{part} must be an object.")
                continue
            if details.get("UnitPrice") is not None and _num(details.get("UnitPrice")) is None:
                errors.append(f"{part}.UnitPrice must be a number.")
            acct = details.get("AccountCode")
            if acct and str(acct) not in self.accounts:
                errors.append(f"Account code '{acct}' is not a valid code for this document.")
            tax = details.get("TaxType")
            if tax and not self._tax_ok(str(tax), revenue):
                errors.append(MSG_TAX_TYPE.format(tax=tax))
        if errors:
            return ElementOutcome(dict(element), errors)
        for k in ("ValidationErrors", "StatusAttributeString", "UpdatedDateUTC"):
            merged.pop(k, None)
        merged.setdefault("IsSold", True)
        merged.setdefault("IsPurchased", bool(merged.get("PurchaseDetails")))
        merged.setdefault("IsTrackedAsInventory", False)
        merged.setdefault("SalesDetails", {})
        merged.setdefault("PurchaseDetails", {})
        if existing is None:
            merged["ItemID"] = str(uuid.uuid4())
        else:
            self._item_codes.pop(_code_key(existing.get("Code")), None)
        iid = merged["ItemID"]
        self.items[iid] = merged
        self._item_codes[_code_key(merged["Code"])] = iid
        self._item_times[iid] = self._now()
        return ElementOutcome(self.item_out(merged))

    # ---------------------------------------------------------------- invoices

    def put_invoices(self, elements: list[Any], *, update: bool) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_invoice(e, update) for e in elements]

    def put_credit_notes(self, elements: list[Any], *, update: bool) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_credit_note(e, update) for e in elements]

    def _tax_ok(self, tax: str, revenue: bool) -> bool:
        rate = self.tax_rates.get(tax)
        if rate is None or rate.get("Status", "ACTIVE") != "ACTIVE":
            return False
        return bool(rate.get("CanApplyToRevenue" if revenue else "CanApplyToExpenses", True))

    def _rate(self, tax: str) -> Decimal:
        rate = self.tax_rates.get(tax, {})
        eff = rate.get("EffectiveRate", rate.get("DisplayTaxRate", 0))
        return (_num(eff) or Decimal(0)) / 100

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
        cid = self._active_names.get(_name_key(contact.get("Name")))
        if cid is not None:
            return self.contacts[cid]
        # Xero creates a contact from a name it does not know.
        created = self._put_contact({"Name": contact["Name"]}, update=False)
        if not created.ok:
            errors.extend(created.errors)
            return None
        return self.contacts[created.record["ContactID"]]

    def _lines(self, raw: Any, amount_types: str, kind: str, status: str,
               errors: list[str]) -> tuple[list[Record], Decimal, Decimal]:
        """Validate line items and compute their tax: (lines, sub_total, total_tax)."""
        lines: list[Record] = []
        sub_total = Decimal(0)
        total_tax = Decimal(0)
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            errors.append("LineItems must be a list.")
            return lines, sub_total, total_tax
        if not raw and status in ("AUTHORISED", "SUBMITTED"):
            errors.append(f"A {kind} must contain at least one line item to be {status}.")
        for n, line in enumerate(raw, 1):
            if not isinstance(line, dict):
                errors.append(f"Line {n}: a line item must be a JSON object.")
                continue
            out: Record = dict(line)
            item: Record | None = None
            if line.get("ItemCode"):
                iid = self._item_codes.get(_code_key(line["ItemCode"]))
                item = self.items.get(iid) if iid else None
                if item is None:
                    errors.append(f"Item code '{line['ItemCode']}' is not valid.")
            sales = (item or {}).get("SalesDetails") or {}
            if not out.get("Description"):
                if item is not None:
                    out["Description"] = item.get("Description") or item.get("Name") or ""
                if not out.get("Description"):
                    errors.append(f"Line {n}: Description must be specified.")
            qty = _num(line.get("Quantity"), Decimal(1))
            unit = _num(line.get("UnitAmount"), _num(sales.get("UnitPrice"), Decimal(0)))
            disc = _num(line.get("DiscountRate"), Decimal(0))
            if qty is None or unit is None or disc is None:
                errors.append(f"Line {n}: Quantity, UnitAmount and DiscountRate must be numbers.")
                continue
            # The account: the line's, else the item's sales account.
            acct_code = line.get("AccountCode") or sales.get("AccountCode")
            account: Record | None = None
            if acct_code:
                account = self.accounts.get(str(acct_code))
                if account is None or account.get("Status", "ACTIVE") != "ACTIVE":
                    errors.append(f"Account code '{acct_code}' is not a valid code for this "
                                  "document.")
                out["AccountCode"] = str(acct_code)
            elif status in ("AUTHORISED", "SUBMITTED"):
                errors.append(f"Line {n}: an account code must be specified before the {kind} "
                              "can be approved.")
            # Tax: the line's TaxType, else the item's (only when the line names no account of
            # its own, as Xero does), else the account's default.
            tax = line.get("TaxType")
            if not tax:
                if item is not None and not line.get("AccountCode") and sales.get("TaxType"):
                    tax = sales["TaxType"]
                elif account is not None:
                    tax = account.get("TaxType")
            if tax:
                if not self._tax_ok(str(tax), revenue=True):
                    errors.append(MSG_TAX_TYPE.format(tax=tax))
                out["TaxType"] = str(tax)
            line_amount = _money(qty * unit * (1 - disc / 100))
            rate = self._rate(str(tax)) if tax and amount_types != "NoTax" else Decimal(0)
            if amount_types == "Inclusive":
                tax_amount = _money(line_amount * rate / (1 + rate))
                net = line_amount - tax_amount
            else:
                tax_amount = _money(line_amount * rate)
                net = line_amount
            sub_total += net
            total_tax += tax_amount
            out["Quantity"] = float(qty)
            out["UnitAmount"] = float(unit)
            out["LineAmount"] = float(line_amount)
            out["TaxAmount"] = float(tax_amount)
            out["LineItemID"] = str(line.get("LineItemID") or uuid.uuid4())
            out.setdefault("Tracking", [])
            lines.append(out)
        return lines, sub_total, total_tax

    def _common(self, element: Record, existing: Record | None, kind: str,
                errors: list[str]) -> Record:
        """Fields invoices and credit notes share: contact, dates, currency, lines, totals."""
        merged: Record = {**(existing or {}), **element}
        for k in ("ValidationErrors", "Warnings", "StatusAttributeString", "HasErrors",
                  "UpdatedDateUTC", "UpdatedDateUTCString", "SubTotal", "TotalTax", "Total",
                  "AmountDue", "AmountPaid", "AmountCredited", "RemainingCredit"):
            merged.pop(k, None)
        status = merged.get("Status") or "DRAFT"
        merged["Status"] = status
        contact = self._resolve_contact(merged.get("Contact"), errors)
        amount_types = merged.get("LineAmountTypes") or "Exclusive"
        if amount_types not in ("Exclusive", "Inclusive", "NoTax"):
            errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
            amount_types = "Exclusive"
        merged["LineAmountTypes"] = amount_types
        currency = merged.get("CurrencyCode") or self.organisation.get("BaseCurrency", "NZD")
        if currency not in {c.get("Code") for c in self.currencies}:
            errors.append(f"The currency {currency} is not enabled for this organisation.")
        merged["CurrencyCode"] = currency
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
        lines, sub_total, total_tax = self._lines(merged.get("LineItems"), amount_types, kind,
                                                  status, errors)
        merged["LineItems"] = lines
        if contact is not None:
            merged["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name"),
                                 "ContactStatus": contact.get("ContactStatus", "ACTIVE")}
        total = sub_total + total_tax
        merged["SubTotal"] = float(_money(sub_total))
        merged["TotalTax"] = float(_money(total_tax))
        merged["Total"] = float(_money(total))
        return merged

    def _put_invoice(self, element: Any, update: bool) -> ElementOutcome:
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
        status = element.get("Status") or (existing or {}).get("Status") or "DRAFT"
        allowed = ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED")
        if status not in allowed:
            errors.append(f"Status {status!r} is not one of {', '.join(allowed)}.")
        if existing is None and status in ("DELETED", "VOIDED"):
            errors.append(f"A new invoice cannot be created as {status}.")
        if existing is not None:
            old = existing.get("Status")
            if old in ("DELETED", "VOIDED", "PAID"):
                errors.append(f"This document cannot be edited as it is {old}.")
            elif status == "DELETED" and old == "AUTHORISED":
                errors.append("An AUTHORISED invoice cannot be deleted; void it instead.")
            elif status == "VOIDED" and old != "AUTHORISED":
                errors.append("Only AUTHORISED invoices can be voided.")
        number = element.get("InvoiceNumber")
        if number is not None and (not isinstance(number, str) or len(number) > 255):
            errors.append("InvoiceNumber must be text of at most 255 characters.")
            number = None
        if inv_type == "ACCREC" and number:
            holder = self._invoice_numbers.get(number.upper())
            if holder is not None and (existing is None or holder != existing["InvoiceID"]):
                errors.append(MSG_INVOICE_NUMBER)
        merged = self._common(element, existing, "invoice", errors)
        merged["Status"] = status
        if errors:
            echo = _echo(element, merged)
            return ElementOutcome(echo, errors)
        if existing is None:
            merged["InvoiceID"] = str(uuid.uuid4())
            if not number and inv_type == "ACCREC":
                number = self._next_number("INV-", self._invoice_numbers)
            merged["InvoiceNumber"] = number or ""
        iid = merged["InvoiceID"]
        if existing is not None and existing.get("InvoiceNumber"):
            self._invoice_numbers.pop(str(existing["InvoiceNumber"]).upper(), None)
        if inv_type == "ACCREC" and merged.get("InvoiceNumber"):
            self._invoice_numbers[str(merged["InvoiceNumber"]).upper()] = iid
        merged["AmountPaid"] = 0.0
        merged["AmountCredited"] = 0.0
        merged["AmountDue"] = 0.0 if status in ("VOIDED", "DELETED") else merged["Total"]
        merged["HasAttachments"] = False
        merged["IsDiscounted"] = any(_num(li.get("DiscountRate"), Decimal(0))
                                     for li in merged["LineItems"])
        self._render_dates(merged)
        self.invoices[iid] = merged
        self._invoice_times[iid] = self._now()
        # A new dict, not an edit: answers being written may hold the old one.
        flag = "IsCustomer" if inv_type == "ACCREC" else "IsSupplier"
        contact_id = merged["Contact"]["ContactID"]
        if not self.contacts[contact_id].get(flag):
            self.contacts[contact_id] = {**self.contacts[contact_id], flag: True}
            self._contact_version += 1
        return ElementOutcome(self.invoice_out(merged))

    def _put_credit_note(self, element: Any, update: bool) -> ElementOutcome:
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
        status = element.get("Status") or (existing or {}).get("Status") or "DRAFT"
        if status not in ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED"):
            errors.append(f"Status {status!r} is not valid for a credit note.")
        merged = self._common(element, existing, "credit note", errors)
        merged["Status"] = status
        if errors:
            return ElementOutcome(_echo(element, merged), errors)
        if existing is None:
            merged["CreditNoteID"] = str(uuid.uuid4())
            if not merged.get("CreditNoteNumber") and cn_type == "ACCRECCREDIT":
                merged["CreditNoteNumber"] = f"CN-{self._next_credit:04d}"
                self._next_credit += 1
        merged["RemainingCredit"] = 0.0 if status in ("VOIDED", "DELETED") else merged["Total"]
        merged["HasAttachments"] = False
        self._render_dates(merged)
        cid = merged["CreditNoteID"]
        self.credit_notes[cid] = merged
        self._credit_times[cid] = self._now()
        return ElementOutcome(self.credit_note_out(merged))

    def _next_number(self, prefix: str, taken: dict[str, str]) -> str:
        while True:
            candidate = f"{prefix}{self._next_invoice:04d}"
            self._next_invoice += 1
            if candidate.upper() not in taken:
                return candidate

    @staticmethod
    def _render_dates(rec: Record) -> None:
        from datetime import UTC, date, datetime

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


def _seed_time(rec: Record, default: float) -> float:
    m = _MS_RE.match(str(rec.get("UpdatedDateUTC") or ""))
    return int(m.group(1)) / 1000 if m else default


def _name_key(name: object) -> str:
    return str(name or "").strip().casefold()


def _code_key(code: object) -> str:
    return str(code or "").strip().casefold()

