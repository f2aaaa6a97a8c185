"""Link keys: what ties a Xero record to the Atera record it was made or matched for.

A Xero contact carries its Atera customer's key in ``ContactNumber`` (API-only, at most 50
characters, shown in Xero as "Contact Code"): ``ATERA-<CustomerID>``. A Xero item that
matchkit creates gets a ``Code`` that starts with its Atera record's key and goes on with a
readable part of the name (at most 30 characters, letters, digits and ``- . _``):
``ATERA-P12-M365-BUSINESS-PREM`` for product 12; ``E`` for expenses, ``R`` for labour rates
with a RateID, ``RH`` and 12 hex digits for a rate known only by its hash. Both are
deterministic, so any workspace, fresh or old, finds what an earlier run made before it
compares a single name. Keys are compared without case, as Xero compares codes.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CODE_MAX", "code_problem", "contact_key", "contact_key_of", "item_code", "item_key",
           "item_key_of", "key_of"]

PREFIX = "ATERA-"
CODE_MAX = 30
_CONTACT = re.compile(r"^ATERA-(\d+)$", re.IGNORECASE)
_ITEM = re.compile(r"^ATERA-(P\d+|E\d+|R\d+|RH[0-9A-F]{12})(?=-|$)", re.IGNORECASE)
_ITEM_ID = {"product": "P", "expense": "E", "rate": "R"}
_NOT_CODE = re.compile(r"[^A-Z0-9]+")


def contact_key(customer_id: object) -> str:
    """``ATERA-<CustomerID>``: the ContactNumber of the Xero contact for this customer."""
    text = str(customer_id).strip()
    if text.endswith(".0"):  # an id that went through a float column
        text = text[:-2]
    if not text.isdigit():
        raise ValueError(f"an Atera CustomerID is a whole number, got {customer_id!r}")
    return f"{PREFIX}{int(text)}"


def contact_key_of(contact_number: object) -> str | None:
    """The link key a ContactNumber holds (upper case), or ``None`` when it holds none of
    ours (empty, or an accountant's own code)."""
    m = _CONTACT.match(str(contact_number or "").strip())
    return f"{PREFIX}{int(m.group(1))}" if m else None


def item_key(atera_id: str) -> str:
    """The key part of an item Code for ``product:<id>``, ``expense:<id>`` or a labour
    rate's ``rate:<id>`` / ``rate:h<hash>``."""
    kind, _, rest = str(atera_id).partition(":")
    tag = _ITEM_ID.get(kind)
    if tag is None or not rest:
        raise ValueError(f"not an Atera product, expense or rate id: {atera_id!r}")
    if kind == "rate" and rest.startswith("h"):
        if not re.fullmatch(r"[0-9a-fA-F]{12}", rest[1:]):
            raise ValueError(f"not an Atera rate key: {atera_id!r}")
        return f"{PREFIX}RH{rest[1:].upper()}"
    if not rest.isdigit():
        raise ValueError(f"not an Atera product, expense or rate id: {atera_id!r}")
    return f"{PREFIX}{tag}{int(rest)}"


def item_code(atera_id: str, name: str) -> str:
    """The Code of the Xero item matchkit creates for ``atera_id``: its key, then as much of
    the name as fits in 30 characters (ASCII letters and digits, words joined by ``-``)."""
    key = item_key(atera_id)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_CODE.sub("-", ascii_name.upper()).strip("-")
    room = CODE_MAX - len(key) - 1
    if room < 2 or not slug:
        return key
    cut = slug[:room]
    if len(slug) > room and slug[room] != "-" and "-" in cut:  # end on a whole word
        cut = cut.rsplit("-", 1)[0]
    return f"{key}-{cut.strip('-')}" if cut.strip("-") else key


def code_problem(atera_id: str, code: str) -> str | None:
    """Why ``code`` cannot be the Code of the Xero item created for ``atera_id``, or
    ``None``. Xero: a Code is required and at most 30 characters (the spec's Item.Code
    ``maxLength: 30``; FACTS.md); no line breaks or control characters (they would not
    survive an invoice line). Ours: it starts with the row's link key, so the next run, in
    any workspace, finds the item by its key whatever else the Code says."""
    key = item_key(atera_id)
    if not code:
        return "an item Code cannot be empty (Xero requires one)"
    if len(code) > CODE_MAX:
        return f"{len(code)} characters; Xero allows at most {CODE_MAX} in an item Code"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in code):
        return "an item Code cannot hold line breaks or control characters"
    if item_key_of(code) != key:
        return (f"it must start with {key} (then '-' and anything): the link key by which "
                "the next run finds this item")
    return None


def item_key_of(code: object) -> str | None:
    """The link key at the start of an item Code (upper case), or ``None``."""
    m = _ITEM.match(str(code or "").strip())
    return f"{PREFIX}{m.group(1).upper()}" if m else None


def key_of(kind: str, value: object) -> str | None:
    """``contact_key_of`` for customers, ``item_key_of`` for products."""
    return contact_key_of(value) if kind == "customers" else item_key_of(value)
