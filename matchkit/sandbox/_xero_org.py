"""One Xero organisation in memory: its records and the rules Xero enforces on writes.

Records are kept in Xero's JSON shapes so a GET returns what a PUT stored. Every write
validates element by element and returns one result per element, in order; the HTTP layer
(``_xero.py``) decides whether that becomes a 200 or a 400 ValidationException. Invoices and
credit notes live in ``_xero_docs.py``, payments in ``_xero_payments.py``, tracking categories
in ``_xero_tracking.py`` (mixins of :class:`XeroOrg`).
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ._xero_dates import ms_date, parse_date
from ._xero_docs import DocumentsMixin
from ._xero_lines import num, quantize
from ._xero_outcome import ElementOutcome
from ._xero_payments import PaymentsMixin
from ._xero_rules import (
    MSG_ACCOUNT_NUMBER_TAKEN,
    MSG_CONTACT_NAME_EMPTY,
    MSG_EMAIL,
    MSG_ITEM_CODE_TAKEN,
    MSG_NAME_TAKEN,
    MSG_TAX_TYPE,
    too_long,
    valid_email,
)
from ._xero_tracking import TrackingMixin

__all__ = ["ElementOutcome", "XeroOrg"]

Record = dict[str, Any]

_MS_RE = re.compile(r"^/Date\((-?\d+)")
# The branding theme every organisation has ("The default branding theme has a value of 0",
# spec BrandingTheme.SortOrder); a fixed id so a restarted sandbox keeps it.
DEFAULT_THEME_ID = "5d4dd402-c851-497e-aae1-9ff265c0d15a"
# Day rates against the base currency for invoices that name none (Xero uses XE.com's).
DAY_RATES = {"NZD": 1.094500, "USD": 0.651200, "GBP": 0.512300, "EUR": 0.601800}


# "Only returned when using paging or when fetching a contact by ContactId or ContactNumber"
# (MergedToContactID); "Only available when summaryOnly parameter or paging is used, or when
# fetch by ContactId or ContactNumber" (the default line amount types): the spec's Contact.
PAGED_CONTACT_FIELDS = ("MergedToContactID", "SalesDefaultLineAmountType",
                        "PurchasesDefaultLineAmountType")


class XeroOrg(DocumentsMixin, PaymentsMixin, TrackingMixin):
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
        self.branding_themes: dict[str, Record] = {
            t["BrandingThemeID"]: dict(t) for t in seed.get("BrandingThemes") or [
                {"BrandingThemeID": DEFAULT_THEME_ID, "Name": "Standard", "Type": "INVOICE",
                 "SortOrder": 0, "CreatedDateUTC": ms_date(now() - 86400 * 365)}]}
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
        self._account_numbers: dict[str, str] = {}
        for cid, rec in self.contacts.items():
            if rec.get("ContactStatus") == "ACTIVE":
                self._active_names.setdefault(_name_key(rec.get("Name")), cid)
            if rec.get("AccountNumber"):
                self._account_numbers.setdefault(_code_key(rec["AccountNumber"]), cid)
        self.items: dict[str, Record] = {}
        self._item_times: dict[str, float] = {}
        for i, it in enumerate(seed.get("Items", [])):
            rec = dict(it)
            rec.setdefault("ItemID", str(uuid.uuid4()))
            self.items[rec["ItemID"]] = rec
            self._item_times[rec["ItemID"]] = _seed_time(rec, t0 - 86400 * 30 + i)
        self._item_codes = {_code_key(r.get("Code")): iid for iid, r in self.items.items()}
        self._init_documents()
        self._init_payments()
        self._init_tracking(seed.get("TrackingCategories") or [])
        for inv in seed.get("Invoices", []):
            self.put_invoices([inv], update=False)

    # ---------------------------------------------------------------- organisation

    def lock_dates(self) -> tuple[date | None, date | None]:
        """(PeriodLockDate, EndOfYearLockDate): documents dated on or before are refused."""
        return (parse_date(self.organisation.get("PeriodLockDate")),
                parse_date(self.organisation.get("EndOfYearLockDate")))

    def set_lock_dates(self, period: date | None = None,
                       end_of_year: date | None = None) -> None:
        """Set (or with ``None`` clear) the organisation's lock dates, as an adviser would."""
        with self._lock:
            for field, value in (("PeriodLockDate", period), ("EndOfYearLockDate", end_of_year)):
                if value is None:
                    self.organisation.pop(field, None)
                else:
                    ts = datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
                    self.organisation[field] = ms_date(ts)

    def day_rate(self, currency: str) -> float:
        return DAY_RATES.get(currency, 1.0)

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

    def contact_out(self, rec: Record, full: bool = True) -> Record:
        """A contact as GET answers it. Without ``full`` (a list read neither paged nor
        ``summaryOnly``) the fields the spec shows only with paging, ``summaryOnly`` or one
        contact are left out."""
        out = self._contact_out(rec)
        if not full:
            for field in PAGED_CONTACT_FIELDS:
                out.pop(field, None)
        return out

    def item_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._item_times[iid]) for iid, r in self.items.items()]

    def item_out(self, rec: Record, unitdp: int = 4) -> Record:
        out = dict(rec)
        out["UpdatedDateUTC"] = ms_date(self._item_times[rec["ItemID"]])
        if unitdp != 4:
            for part in ("SalesDetails", "PurchaseDetails"):
                details = out.get(part)
                if isinstance(details, dict) and details.get("UnitPrice") is not None:
                    price = quantize(Decimal(str(details["UnitPrice"])), 2)
                    out[part] = {**details, "UnitPrice": float(price)}
        return out

    def item_by_code(self, code: str) -> Record | None:
        iid = self._item_codes.get(_code_key(code))
        return self.items.get(iid) if iid else None

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
            errors.append(MSG_CONTACT_NAME_EMPTY)
        for fld in ("ContactNumber", "AccountNumber", "TaxNumber", "FirstName", "LastName",
                    "EmailAddress", "CompanyNumber"):
            val = merged.get(fld)
            if val is not None and not isinstance(val, str):
                errors.append(f"{fld} must be text.")
        errors += too_long({k: v for k, v in element.items()}, "Contact")
        email = element.get("EmailAddress")
        if email and isinstance(email, str) and not valid_email(email):
            errors.append(MSG_EMAIL)
        number = merged.get("AccountNumber")
        if isinstance(number, str) and number.strip():
            holder = self._account_numbers.get(_code_key(number))
            if holder is not None and (existing is None or holder != existing["ContactID"]):
                errors.append(MSG_ACCOUNT_NUMBER_TAKEN)
        status = merged.get("ContactStatus", "ACTIVE")
        if status not in ("ACTIVE", "ARCHIVED"):
            errors.append(f"ContactStatus must be ACTIVE or ARCHIVED, not {status!r}.")
        for fld in ("IsCustomer", "IsSupplier", "Website", "Balances", "Discount"):
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
        for k in ("ValidationErrors", "HasValidationErrors", "StatusAttributeString",
                  "UpdatedDateUTC"):
            merged.pop(k, None)
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
            old_number = _code_key(existing.get("AccountNumber"))
            if self._account_numbers.get(old_number) == existing["ContactID"]:
                del self._account_numbers[old_number]
        cid = merged["ContactID"]
        self._contact_version += 1
        self.contacts[cid] = merged
        self._contact_times[cid] = self._now()
        if status == "ACTIVE":
            self._active_names[_name_key(merged["Name"])] = cid
        if merged.get("AccountNumber"):
            self._account_numbers[_code_key(merged["AccountNumber"])] = cid
        return ElementOutcome(self._contact_out(merged))

    def _mark_contact(self, contact_id: str, flag: str) -> None:
        """IsCustomer/IsSupplier follow the contact's first AR/AP document (spec)."""
        if not self.contacts[contact_id].get(flag):
            # A new dict, not an edit: answers being written may hold the old one.
            self.contacts[contact_id] = {**self.contacts[contact_id], flag: True}
            self._contact_version += 1

    # ---------------------------------------------------------------- items

    def put_items(self, elements: list[Any], *, update: bool, unitdp: int = 2
                  ) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_item(e, update, unitdp) for e in elements]

    def _put_item(self, element: Any, update: bool, unitdp: int) -> ElementOutcome:
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
            existing = self.item_by_code(str(element["Code"]))
        merged: Record = {**(existing or {}), **element}
        code = merged.get("Code")
        if not isinstance(code, str) or not code.strip():
            errors.append("Item Code must not be empty.")
        for fld in ("Name", "Description", "PurchaseDescription"):
            if merged.get(fld) is not None and not isinstance(merged.get(fld), str):
                errors.append(f"Item {fld} must be text.")
        errors += too_long({k: v for k, v in element.items() if isinstance(v, str)}, "Item")
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
            price = details.get("UnitPrice")
            if price is not None:
                value = num(price)
                if value is None:
                    errors.append(f"{part}.UnitPrice must be a number.")
                else:
                    # UnitPrice keeps 2 places unless the request says unitdp=4 (spec).
                    merged[part] = details = {**details,
                                              "UnitPrice": float(quantize(value, unitdp))}
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
        if merged.get("IsSold") is False:
            # "If IsSold is updated to false then Description and SalesDetails values will be
            # nulled" (spec, Item.IsSold); likewise IsPurchased.
            merged["SalesDetails"] = {}
            merged.pop("Description", None)
        if merged.get("IsPurchased") is False:
            merged["PurchaseDetails"] = {}
            merged.pop("PurchaseDescription", None)
        if existing is None:
            merged["ItemID"] = str(uuid.uuid4())
        else:
            self._item_codes.pop(_code_key(existing.get("Code")), None)
        iid = merged["ItemID"]
        self.items[iid] = merged
        self._item_codes[_code_key(merged["Code"])] = iid
        self._item_times[iid] = self._now()
        return ElementOutcome(self.item_out(merged, unitdp))

    def delete_item(self, item_id: str) -> bool:
        """DELETE /Items/{ItemID} (spec: 204)."""
        with self._lock:
            rec = self.items.pop(item_id, None)
            if rec is None:
                return False
            self._item_codes.pop(_code_key(rec.get("Code")), None)
            self._item_times.pop(item_id, None)
            return True

    # ---------------------------------------------------------------- tax

    def _tax_ok(self, tax: str, revenue: bool) -> bool:
        rate = self.tax_rates.get(tax)
        if rate is None or rate.get("Status", "ACTIVE") != "ACTIVE":
            return False
        return bool(rate.get("CanApplyToRevenue" if revenue else "CanApplyToExpenses", True))

    def _rate(self, tax: str) -> Decimal:
        rate = self.tax_rates.get(tax, {})
        eff = rate.get("EffectiveRate", rate.get("DisplayTaxRate", 0))
        return (num(eff) or Decimal(0)) / 100


def _seed_time(rec: Record, default: float) -> float:
    m = _MS_RE.match(str(rec.get("UpdatedDateUTC") or ""))
    return int(m.group(1)) / 1000 if m else default


def _name_key(name: object) -> str:
    return str(name or "").strip().casefold()


def _code_key(code: object) -> str:
    return str(code or "").strip().casefold()
