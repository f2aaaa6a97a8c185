"""Xero's validation texts and the field checks every write shares.

Each message is Xero's own wording where a public source quotes it (the source is named beside
it and in docs/fidelity.md); the few marked "sandbox wording" are refusals a source documents
without quoting the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from ._xero_fields import SCHEMAS

__all__ = [
    "EMAIL_RE",
    "MSG_ACCOUNT_NUMBER_TAKEN",
    "MSG_CONTACT_IDENTIFY",
    "MSG_CONTACT_NAME_EMPTY",
    "MSG_DISCOUNT_OVER_LINE",
    "MSG_EDIT_PAID",
    "MSG_EMAIL",
    "MSG_INVOICE_NUMBER",
    "MSG_ITEM_CODE_TAKEN",
    "MSG_LINE_TOTAL",
    "MSG_NAME_TAKEN",
    "MSG_PAYMENT_NOT_AUTHORISED",
    "MSG_PAYMENT_TOO_MUCH",
    "MSG_STATUS",
    "MSG_TAX_TYPE",
    "lock_message",
    "too_long",
    "valid_email",
    "valid_url",
]

# SPEC L3963 (Contacts 400 example).
MSG_NAME_TAKEN = ("The contact name {name} is already assigned to another contact. "
                  "The contact name must be unique across all active contacts.")
# waynerobinson/xeroizer#380 (a contact sent without a name).
MSG_CONTACT_NAME_EMPTY = "Contact Name cannot be empty."
# calcinai/xero-php#880.
MSG_ACCOUNT_NUMBER_TAKEN = ("The Account Number already exists. Please enter a different "
                            "Account Number.")
# XeroAPI/Xero-OpenAPI#461 (quoted without a full stop).
MSG_EMAIL = "Email address must be valid"
# SPEC L9037.
MSG_ITEM_CODE_TAKEN = "Price List Item with Code ''{code}'' already exists"
# SPEC L8387.
MSG_INVOICE_NUMBER = "Invoice # must be unique."
# SPEC L1602.
MSG_CONTACT_IDENTIFY = ("The Contact must contain at least 1 of the following elements to "
                        "identify the contact: Name, ContactID, ContactNumber")
# XeroAPI/Xero-Java#336.
MSG_TAX_TYPE = ("The TaxType code {tax} does not exist or cannot be used for this type of "
                "transaction.")
# XeroAPI/Xero-NetStandard#74 and #147: a LineAmount that disagrees with Quantity x UnitAmount.
MSG_LINE_TOTAL = "The line total {given} does not match the expected line total {expected}"
# XeroAPI/xero-php-oauth2#288: a DiscountAmount above the line (Xero says "rate").
MSG_DISCOUNT_OVER_LINE = ("The discount rate '{amount}' is invalid. Discount must not be "
                          "greater than the line total.")
# XeroAPI/Xero-NetStandard#79 (Xero staff): a status change Xero does not allow.
MSG_STATUS = "Invoice not of valid status for modification"
# XeroAPI/Xero-NetStandard#84: an edit of a document with a payment on it.
MSG_EDIT_PAID = ("This document cannot be edited as it has a payment or credit note "
                 "allocated to it.")
# XeroAPI/Xero-Net#257 (both payment refusals).
MSG_PAYMENT_NOT_AUTHORISED = "Payments can only be made against Authorised documents"
MSG_PAYMENT_TOO_MUCH = "Payment amount exceeds the amount outstanding on this document"

# Xero does not publish its e-mail rule; the spec says umlauts are not supported. This takes
# what mail systems deliver: ASCII local@domain with a dotted domain, no spaces.
EMAIL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_email(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return True  # an empty address is no address
    local = text.split("@", 1)[0]
    return bool(EMAIL_RE.match(text)) and not local.startswith(".") and ".." not in text


def valid_url(value: object) -> bool:
    """An absolute http(s) URL (sandbox rule: Xero documents the field, not its check)."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def too_long(record: Mapping[str, Any], schema: str, where: str = "") -> list[str]:
    """Every field of ``record`` (and its addresses and phones) over the spec's maxLength."""
    errors: list[str] = []
    limits = SCHEMAS[schema].max
    for field, limit in limits.items():
        value = record.get(field)
        if isinstance(value, str) and len(value) > limit:
            # Sandbox wording: the spec gives the limit, no source quotes Xero's text.
            errors.append(f"{where}{field} must not be more than {limit} characters long.")
    for field, child in (("Addresses", "Address"), ("Phones", "Phone")):
        items = record.get(field)
        if isinstance(items, list):
            for n, item in enumerate(items, 1):
                if isinstance(item, Mapping):
                    errors += too_long(item, child, f"{where}{child} {n}: ")
    return errors


def lock_message(kind: str, lock: date) -> str:
    """waynerobinson/xeroizer#92 quotes the end-of-year text; the period lock's is its twin."""
    return (f"The document date cannot be before the {kind} lock date, currently set at "
            f"{lock.day:02d}-{lock.strftime('%b')}-{lock.year}")
