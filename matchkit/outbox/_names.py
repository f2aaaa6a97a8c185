"""Names as Xero takes and compares them (contacts, items)."""

from __future__ import annotations

import re
import unicodedata

from .._limits import CONTACT_LIMITS

__all__ = ["CONTACT_NAME_MAX", "ITEM_NAME_MAX", "fold_name", "xero_contact_name",
           "xero_item_name"]

ITEM_NAME_MAX = 50
CONTACT_NAME_MAX = CONTACT_LIMITS["Name"]

_WS = re.compile(r"\s+")


def fold_name(name: object) -> str:
    """How Xero compares names and codes: NFKC, spaces collapsed, case folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(name or ""))).strip().casefold()


def _clip(text: str, limit: int) -> str:
    return text[:limit].rstrip()


def xero_item_name(name: str) -> str:
    """Xero's item Name: whitespace tidied, at most 50 characters."""
    cleaned = _WS.sub(" ", name).strip()
    if not cleaned:
        raise ValueError("an item needs a name")
    return _clip(cleaned, ITEM_NAME_MAX)


def xero_contact_name(name: str) -> str:
    """Xero's contact Name: whitespace tidied, at most 255 characters. Never suffixed: a
    name an active contact has means that contact exists."""
    cleaned = _WS.sub(" ", name).strip()
    if not cleaned:
        raise ValueError("a contact needs a name")
    return _clip(cleaned, CONTACT_NAME_MAX)
