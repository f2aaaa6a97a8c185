"""What Xero and the workspace accept: the one place value checks take their limits from.

The export's validation (``matchkit/export/_checks.py``) and mapping, the contact checks
(``matchkit/outbox/_refusals.py``), the outbox's names, the loader (``matchkit/store``) and
the CLI read these; each limit names its source. Where no source gives Xero's own ceiling the limit
says so and is a guard against typos, chosen well inside what the workspace can store.
Lower layers (the store) import this module too, so it imports nothing of matchkit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "ADDRESS_LIMITS",
    "BIGINT_MAX",
    "BIGINT_MIN",
    "CONTACT_LIMITS",
    "CONTROL",
    "CONTROL_OR_BREAK",
    "DISCOUNT_DP",
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_ACCOUNT_CODE",
    "MAX_AMOUNT",
    "MAX_DESCRIPTION",
    "MAX_INVOICE_NUMBER",
    "MAX_PREFIX",
    "MAX_QUANTITY",
    "MAX_UNIT_AMOUNT",
    "PHONE_LIMITS",
    "QUANTITY_DP",
    "UNIT_AMOUNT_DP",
    "bad_text",
    "decimals",
    "fits_money",
    "line_amount",
    "rate_folds",
    "xero_round",
]

# --- numbers on invoice lines -------------------------------------------------------------

# "By default, the API accepts unit prices (UnitAmount) to two decimals places"; unitdp=4 opts
# into 4; "All summary values such as Total, LineAmount etc will remain at two decimal places"
# (https://developer.xero.com/documentation/api-guides/rounding-in-xero). matchkit writes with
# unitdp=4, and a rate whose 4 places would change the line goes as one unit of the line's
# amount (export/_mapping.py), so no rate is refused for its decimals.
UNIT_AMOUNT_DP = 4
LINE_AMOUNT_DP = 2
# Quantities: Xero keeps 4 decimals (its invoice screen turns 1.23456789 into 1.2346,
# https://goflagship.com/help/fsp/app_xero.htm; Breadwinner's Xero notes: "only 4 decimal
# places are allowed by Xero" for quantity and price).
QUANTITY_DP = 4
# DiscountRate is a percentage (SPEC LineItem.DiscountRate) with two decimals ("Xero can also
# handle two decimal places in the percentage field (i.e. 12.75%)", Breadwinner's notes);
# 0-100: more than 100 % would bill a negative line, which Xero refuses ("Discount must not be
# greater than the line total", XeroAPI/Xero-OpenAPI#429).
DISCOUNT_DP = 2
DISCOUNT_MIN, DISCOUNT_MAX = 0.0, 100.0
# No source gives Xero's ceiling for a quantity or a unit price: one this large is a typo.
MAX_QUANTITY = 1e9
MAX_UNIT_AMOUNT = 1e9
# Line amounts and invoice totals: JSON numbers are doubles, exact to the cent only below
# 2**53 cents (about 9.0e13), and the export log stores money as DECIMAL(18,2) (migration 0001,
# below 1e16): 1e13 keeps both, and no MSP bills ten trillion on one invoice.
MAX_AMOUNT = 1e13

# --- dates ----------------------------------------------------------------------------------

# Xero keeps dates in SQL Server datetime: an If-Modified-Since before 1753-01-01 made Xero
# answer 500 (XeroAPI/XeroAPI.Net#16, "the min value for a SqlDateTime"); that type, like
# Python's date, ends with 9999-12-31. A DueDate (Date + export.due_days) must fit too.
FIRST_DATE = dt.date(1753, 1, 1)
LAST_DATE = dt.date(9999, 12, 31)

# --- text -----------------------------------------------------------------------------------

# SPEC Invoice.InvoiceNumber "max length = 255"; a line's Description is an item's sales
# description, "max length = 4000" (SPEC Item.Description).
MAX_INVOICE_NUMBER = 255
MAX_DESCRIPTION = 4000
# "Customer defined alpha numeric account code e.g 200 or SALES (max length = 10)" (SPEC
# Account.Code): the setting export.sales_account goes on lines as AccountCode.
MAX_ACCOUNT_CODE = 10
# export.prefix + the longest Atera number (a BIGINT: 20 characters) stays within 255.
MAX_PREFIX = MAX_INVOICE_NUMBER - 20
# maxLength of what a contact payload can carry (spec 16.1.0: Contact, Address, Phone);
# tests/test_presend.py holds these to the spec.
CONTACT_LIMITS = {"ContactNumber": 50, "AccountNumber": 50, "Name": 255, "FirstName": 255,
                  "LastName": 255, "CompanyNumber": 50, "EmailAddress": 255, "TaxNumber": 50}
ADDRESS_LIMITS = {"AddressLine1": 500, "AddressLine2": 500, "AddressLine3": 500,
                  "AddressLine4": 500, "City": 255, "Region": 255, "PostalCode": 50,
                  "Country": 50, "AttentionTo": 255}
PHONE_LIMITS = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
# C0 controls but tab/newline/CR, DEL and C1 controls: invisible, and refused or mangled by
# Xero in a line's text. In one-line values (a number prefix, an account code) line breaks
# and tabs are refused too. Elsewhere, next to the code that sends: the request size
# (matchkit/xero MAX_BODY_BYTES) and item codes (matchkit/_keys.py CODE_MAX).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# --- the workspace --------------------------------------------------------------------------

# DuckDB BIGINT (snapshot ids and Atera's numeric ids) and DECIMAL(18,2) (money in the export
# log, migration 0001).
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
_DECIMAL_18_2 = Decimal("1e16")


def fits_money(value: float | None) -> bool:
    """True when ``value`` can be stored in the export log's DECIMAL(18,2) columns."""
    return value is None or (math.isfinite(value) and abs(Decimal(repr(value))) < _DECIMAL_18_2)


def decimals(value: float) -> int:
    """How many decimals ``value`` has as written (``12.50`` -> 1, ``1e-7`` -> 7)."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def xero_round(value: float | Decimal, places: int | None) -> Decimal:
    """``value`` as a Decimal (as written, not its binary expansion), rounded the way Xero
    keeps it (half away from zero) to ``places`` decimals; ``None``: not rounded."""
    d = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return d if places is None else d.quantize(Decimal(1).scaleb(-places),
                                               rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, rate: Decimal, discount: Decimal) -> Decimal:
    """A line's amount as Xero computes it: ``LineAmount = Quantity * UnitAmount * ((100 -
    DiscountRate) / 100)`` (SPEC LineItem.LineAmount), to the cent, half away from zero.
    Inputs are below 1e9, so Decimal's 28 digits hold the product."""
    return xero_round(quantity * rate * (100 - discount) / 100, LINE_AMOUNT_DP)


def rate_folds(quantity: Decimal, rate: Decimal, discount: Decimal) -> bool:
    """True when the ``UNIT_AMOUNT_DP`` places Xero keeps of the rate would change the
    line's amount: such a line is sent as one unit of its amount (export/_mapping.py)."""
    kept = xero_round(rate, UNIT_AMOUNT_DP)
    return kept != rate and line_amount(quantity, kept, discount) != line_amount(
        quantity, rate, discount)


def bad_text(value: Any, path: str = "") -> str | None:
    """The path of the first string inside ``value`` that cannot be stored as UTF-8 (a lone
    surrogate such as ``"\\ud800"``, which JSON escapes can carry), else None."""
    for where, text in _strings(value, path):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return where or "(the value)"
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:  # no recursion: a hostile file may nest thousands deep
        where, v = stack.pop()
        if isinstance(v, str):
            yield where, v
        elif isinstance(v, Mapping):
            for k, child in v.items():
                key = str(k)
                yield f"{where}.{key}" if where else key, key
                stack.append((f"{where}.{key}" if where else key, child))
        elif isinstance(v, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(v))
