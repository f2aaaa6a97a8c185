"""The entities a workspace snapshots, and how API JSON becomes typed rows.

Each entity has one table ``<system>_<entity>`` with ``snapshot_id``, ``row_no``, the typed
columns below and ``raw`` (the record exactly as the API gave it, as JSON). The registry is data,
so the loader, the snapshot service and ``matchkit status`` all read the same description.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._exceptions import LoadError
from .._limits import BIGINT_MAX, BIGINT_MIN, bad_text
from .._text import short_repr as _short

__all__ = ["ENTITIES", "Column", "Entity", "entity", "typed_rows"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMPTZ, DATE
    path: str  # dotted path in the API record, e.g. "SalesDetails.UnitPrice"
    required: bool = False


@dataclass(frozen=True)
class Entity:
    system: str
    name: str
    key: str  # column that identifies a record within one snapshot
    columns: tuple[Column, ...]
    wrapper: str | None = None  # Xero's list key, e.g. "Contacts"
    derived_from: str | None = None  # entity whose records this one is computed from

    @property
    def table(self) -> str:
        return f"{self.system}_{self.name}"

    @property
    def label(self) -> str:
        return f"{self.system} {self.name}"


def _c(name: str, type_: str, path: str | None = None, required: bool = False) -> Column:
    return Column(name, type_, path or name, required)


_ATERA = [
    Entity(
        "atera",
        "customers",
        "CustomerID",
        (
            _c("CustomerID", "BIGINT", required=True),
            _c("CustomerName", "VARCHAR", required=True),
            _c("BusinessNumber", "VARCHAR"),
            _c("Domain", "VARCHAR"),
            _c("Address", "VARCHAR"),
            _c("City", "VARCHAR"),
            _c("State", "VARCHAR"),
            _c("Country", "VARCHAR"),
            _c("ZipCodeStr", "VARCHAR"),
            _c("Phone", "VARCHAR"),
            _c("Links", "VARCHAR"),
            _c("CreatedOn", "TIMESTAMPTZ"),
            _c("LastModified", "TIMESTAMPTZ"),
        ),
    ),
    Entity(
        "atera",
        "contacts",
        "EndUserID",
        (
            _c("EndUserID", "BIGINT", required=True),
            _c("CustomerID", "BIGINT"),
            _c("CustomerName", "VARCHAR"),
            _c("Firstname", "VARCHAR"),
            _c("Lastname", "VARCHAR"),
            _c("Email", "VARCHAR"),
            _c("Phone", "VARCHAR"),
            _c("IsContactPerson", "BOOLEAN"),
            _c("Archived", "BOOLEAN"),
            _c("LastModified", "TIMESTAMPTZ"),
        ),
    ),
    Entity(
        "atera",
        "products",
        "RateID",
        (
            _c("RateID", "BIGINT", required=True),
            _c("Description", "VARCHAR", required=True),
            _c("Amount", "DOUBLE"),
            _c("SKU", "VARCHAR"),
            _c("Category", "VARCHAR"),
            _c("Archived", "BOOLEAN"),
        ),
    ),
    Entity(
        "atera",
        "expenses",
        "RateID",
        (
            _c("RateID", "BIGINT", required=True),
            _c("Description", "VARCHAR", required=True),
            _c("Amount", "DOUBLE"),
            _c("SKU", "VARCHAR"),
            _c("Category", "VARCHAR"),
            _c("Archived", "BOOLEAN"),
        ),
    ),
    Entity(
        "atera",
        "contracts",
        "ContractID",
        (
            _c("ContractID", "BIGINT", required=True),
            _c("CustomerID", "BIGINT"),
            _c("CustomerName", "VARCHAR"),
            _c("ContractName", "VARCHAR"),
            _c("ContractType", "VARCHAR"),
            _c("Active", "BOOLEAN"),
            _c("Default", "BOOLEAN"),
            _c("Taxable", "BOOLEAN"),
            _c("StartDate", "TIMESTAMPTZ"),
            _c("EndDate", "TIMESTAMPTZ"),
        ),
    ),
    # Labour/service rates exist only inside contracts; one row per distinct rate.
    Entity(
        "atera",
        "contract_rates",
        "RateKey",
        (
            _c("RateKey", "VARCHAR", required=True),
            _c("RateID", "BIGINT"),
            _c("Description", "VARCHAR", required=True),
            _c("Amount", "DOUBLE"),
            _c("SKU", "VARCHAR"),
            _c("Category", "VARCHAR"),
            _c("ContractIDs", "VARCHAR"),
            _c("Roles", "VARCHAR"),
        ),
        derived_from="contracts",
    ),
    Entity(
        "atera",
        "invoices",
        "InvoiceNumber",
        (
            _c("InvoiceNumber", "BIGINT", required=True),
            _c("InvoiceId", "VARCHAR"),
            _c("IsAdhoc", "BOOLEAN"),
            _c("InvoiceDate", "TIMESTAMPTZ"),
            _c("ContractName", "VARCHAR"),
            _c("PeriodStartDate", "TIMESTAMPTZ"),
            _c("PeriodEndDate", "TIMESTAMPTZ"),
            _c("Currency", "VARCHAR"),
            _c("Subtotal", "DOUBLE"),
            _c("Tax", "DOUBLE"),
            _c("TaxPercentage", "DOUBLE"),
            _c("Total", "DOUBLE"),
            _c("ToCompanyName", "VARCHAR", "To.CompanyName"),
            _c("ToEmail", "VARCHAR", "To.Email"),
            _c("ToCity", "VARCHAR", "To.City"),
            _c("ToCountry", "VARCHAR", "To.Country"),
        ),
    ),
    Entity(
        "atera",
        "invoice_lines",
        "LineKey",
        (
            _c("LineKey", "VARCHAR", required=True),
            _c("InvoiceNumber", "BIGINT", required=True),
            _c("LineIdx", "BIGINT"),
            _c("Product", "VARCHAR"),
            _c("Description", "VARCHAR"),
            _c("Quantity", "DOUBLE"),
            _c("Rate", "DOUBLE"),
            _c("TaxPercentage", "DOUBLE"),
            _c("DiscountPercentage", "DOUBLE"),
            _c("Subtotal", "DOUBLE"),
            _c("Tax", "DOUBLE"),
            _c("Total", "DOUBLE"),
        ),
        derived_from="invoices",
    ),
]

_XERO = [
    Entity(
        "xero",
        "contacts",
        "ContactID",
        (
            _c("ContactID", "VARCHAR", required=True),
            _c("Name", "VARCHAR", required=True),
            _c("ContactStatus", "VARCHAR"),
            _c("ContactNumber", "VARCHAR"),
            _c("AccountNumber", "VARCHAR"),
            _c("EmailAddress", "VARCHAR"),
            _c("FirstName", "VARCHAR"),
            _c("LastName", "VARCHAR"),
            _c("TaxNumber", "VARCHAR"),
            _c("Website", "VARCHAR"),
            _c("IsCustomer", "BOOLEAN"),
            _c("IsSupplier", "BOOLEAN"),
            _c("DefaultCurrency", "VARCHAR"),
            _c("Phone", "VARCHAR", "Phones.0.PhoneNumber"),
            _c("City", "VARCHAR", "Addresses.0.City"),
            _c("Country", "VARCHAR", "Addresses.0.Country"),
            _c("UpdatedDateUTC", "TIMESTAMPTZ"),
        ),
        wrapper="Contacts",
    ),
    Entity(
        "xero",
        "items",
        "ItemID",
        (
            _c("ItemID", "VARCHAR", required=True),
            _c("Code", "VARCHAR", required=True),
            _c("Name", "VARCHAR"),
            _c("Description", "VARCHAR"),
            _c("IsSold", "BOOLEAN"),
            _c("IsPurchased", "BOOLEAN"),
            _c("UnitPrice", "DOUBLE", "SalesDetails.UnitPrice"),
            _c("SalesAccountCode", "VARCHAR", "SalesDetails.AccountCode"),
            _c("SalesTaxType", "VARCHAR", "SalesDetails.TaxType"),
            _c("UpdatedDateUTC", "TIMESTAMPTZ"),
        ),
        wrapper="Items",
    ),
    Entity(
        "xero",
        "tax_rates",
        "TaxType",
        (
            _c("TaxType", "VARCHAR", required=True),
            _c("Name", "VARCHAR", required=True),
            _c("Status", "VARCHAR"),
            _c("ReportTaxType", "VARCHAR"),
            _c("CanApplyToRevenue", "BOOLEAN"),
            _c("DisplayTaxRate", "DOUBLE"),
            _c("EffectiveRate", "DOUBLE"),
        ),
        wrapper="TaxRates",
    ),
    Entity(
        "xero",
        "invoices",
        "InvoiceID",
        (
            _c("InvoiceID", "VARCHAR", required=True),
            _c("InvoiceNumber", "VARCHAR"),
            _c("Type", "VARCHAR"),
            _c("Status", "VARCHAR"),
            _c("ContactID", "VARCHAR", "Contact.ContactID"),
            _c("ContactName", "VARCHAR", "Contact.Name"),
            _c("Reference", "VARCHAR"),
            _c("Date", "TIMESTAMPTZ"),
            _c("DueDate", "TIMESTAMPTZ"),
            _c("LineAmountTypes", "VARCHAR"),
            _c("CurrencyCode", "VARCHAR"),
            _c("SubTotal", "DOUBLE"),
            _c("TotalTax", "DOUBLE"),
            _c("Total", "DOUBLE"),
            _c("AmountDue", "DOUBLE"),
            _c("AmountPaid", "DOUBLE"),
            _c("UpdatedDateUTC", "TIMESTAMPTZ"),
        ),
        wrapper="Invoices",
    ),
    Entity(
        "xero",
        "organisation",
        "OrganisationID",
        (
            _c("OrganisationID", "VARCHAR", required=True),
            _c("Name", "VARCHAR", required=True),
            _c("ShortCode", "VARCHAR"),
            _c("BaseCurrency", "VARCHAR"),
            _c("CountryCode", "VARCHAR"),
            _c("Version", "VARCHAR"),
            _c("DefaultSalesTax", "VARCHAR"),
        ),
        wrapper="Organisations",
    ),
    # The chart of accounts and the tracking categories: what the accounts and tracking
    # mapping may name (matchkit/accounts; snapshotted by `matchkit mapping refresh`).
    Entity(
        "xero",
        "accounts",
        "AccountID",
        (
            _c("AccountID", "VARCHAR", required=True),
            _c("Code", "VARCHAR"),
            _c("Name", "VARCHAR", required=True),
            _c("Type", "VARCHAR"),
            _c("Class", "VARCHAR"),
            _c("Status", "VARCHAR"),
            _c("TaxType", "VARCHAR"),
        ),
        wrapper="Accounts",
    ),
    Entity(
        "xero",
        "tracking_categories",
        "TrackingCategoryID",
        (
            _c("TrackingCategoryID", "VARCHAR", required=True),
            _c("Name", "VARCHAR", required=True),
            _c("Status", "VARCHAR"),
        ),
        wrapper="TrackingCategories",
    ),
]

ENTITIES: dict[tuple[str, str], Entity] = {(e.system, e.name): e for e in _ATERA + _XERO}


def entity(system: str, name: str) -> Entity:
    """The registered entity, or an error listing what exists."""
    try:
        return ENTITIES[(system, name)]
    except KeyError:
        names = sorted(n for s, n in ENTITIES if s == system)
        if not names:
            raise LoadError(f"unknown system {system!r}; use 'atera' or 'xero'") from None
        raise LoadError(
            f"unknown {system} entity {name!r}; known: {', '.join(names)}"
        ) from None


# --- typing of values -------------------------------------------------------------------

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def _get(record: Mapping[str, Any], path: str) -> Any:
    cur: Any = record
    for part in path.split("."):
        if cur is None:
            return None
        if isinstance(cur, list):
            idx = int(part)
            cur = cur[idx] if idx < len(cur) else None
        elif isinstance(cur, Mapping):
            cur = cur.get(part)
        else:
            return None
    return cur


_INTEGER = re.compile(r"\s*-?[0-9]{1,30}\s*")


def _to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(v, int):
        n = v
    elif (isinstance(v, float) and v.is_integer()) or (
            isinstance(v, str) and _INTEGER.fullmatch(v)):
        n = int(v)
    else:
        raise ValueError(f"expected an integer, got {_short(v)}")
    if not BIGINT_MIN <= n <= BIGINT_MAX:  # the workspace's BIGINT
        raise ValueError(f"{_short(v)} is out of range (a whole number of at most 19 digits)")
    return n


def _to_float(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError("a boolean is not a number")
    try:
        if isinstance(v, int | float):
            f = float(v)
        elif isinstance(v, str):
            f = float(v.strip())
        else:
            raise ValueError
    except (ValueError, OverflowError):
        raise ValueError(f"expected a number, got {_short(v)}") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"expected a finite number, got {_short(v)}")
    return f


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return v.strip().lower() in ("true", "1", "yes")
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise ValueError(f"expected true or false, got {_short(v)}")


def _to_ts(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        parsed = v
    elif not isinstance(v, str):
        raise ValueError(f"expected a date or time, got {_short(v)}")
    else:
        s = v.strip()
        m = _MS_DATE.match(s)
        try:
            if m:
                return dt.datetime.fromtimestamp(int(m.group(1)) / 1000, tz=dt.UTC)
            parsed = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"expected an ISO date or time, got {_short(v)}") from None
    # Atera's dates carry no offset (they are in the account's time zone); keep them as given.
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    try:  # 9999-12-31T23:00-05:00 is in year 10000 in UTC: no tool could read it back
        parsed.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"{_short(v)} is out of range (years 1-9999 in UTC)") from None
    return parsed


def _to_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool | int | float):
        return str(v)
    raise ValueError(f"expected text, got {type(v).__name__}")


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "BIGINT": _to_int,
    "DOUBLE": _to_float,
    "BOOLEAN": _to_bool,
    "TIMESTAMPTZ": _to_ts,
    "VARCHAR": _to_str,
}


def typed_rows(
    ent: Entity,
    records: Iterable[Mapping[str, Any]],
    *,
    file: str | None = None,
    first_row: int = 1,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Check and type ``records``; return typed rows and the raw JSON of each.

    Raises :class:`LoadError` naming file, row and field at the first bad value, a missing
    required field, or a key seen twice.
    """
    rows: list[dict[str, Any]] = []
    raws: list[str] = []
    seen: dict[Any, int] = {}
    for i, rec in enumerate(records, start=first_row):
        if not isinstance(rec, Mapping):
            raise LoadError(
                f"expected an object with {ent.key}, got {type(rec).__name__}", file=file, row=i
            )
        where = bad_text(rec)
        if where is not None:  # DuckDB stores UTF-8: a lone surrogate (JSON "\ud800") cannot be
            raise LoadError("text that is not valid Unicode (a lone surrogate such as \\ud800)",
                            file=file, row=i, field=where)
        row: dict[str, Any] = {}
        for col in ent.columns:
            try:
                value = _get(rec, col.path)
            except (ValueError, IndexError):
                value = None
            if value is None or (isinstance(value, str) and value == "" and col.type != "VARCHAR"):
                if col.required:
                    raise LoadError("required field is missing or empty", file=file, row=i,
                                    field=col.path)
                row[col.name] = None
                continue
            try:
                row[col.name] = _CONVERT[col.type](value)
            except ValueError as exc:
                raise LoadError(str(exc), file=file, row=i, field=col.path) from None
            if col.required and col.type == "VARCHAR" and not row[col.name].strip():
                raise LoadError("required field is empty", file=file, row=i, field=col.path)
        key = row[ent.key]
        if key in seen:
            raise LoadError(
                f"duplicate {ent.key} {key!r} (first seen in row {seen[key]})",
                file=file, row=i, field=ent.key,
            )
        seen[key] = i
        rows.append(row)
        raws.append(json.dumps(rec, default=str, ensure_ascii=False))
    return rows, raws
