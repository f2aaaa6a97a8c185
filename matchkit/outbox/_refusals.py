"""What Xero would refuse of a contact, caught before it is sent, with one message each.

Xero refuses a contact whose e-mail address is not one ("Email address must be valid",
XeroAPI/Xero-OpenAPI#461), whose AccountNumber another contact has ("The Account Number
already exists", calcinai/xero-php#880) or whose fields are longer than its spec allows
(``reference/xero/xero_accounting.yaml``, maxLength; the lengths are in
``matchkit/_limits.py``). Sending such a contact costs a call and leaves the batch half-done;
refusing it here names the record and the fix instead. :func:`ensure_contacts` and the
export's pre-send checks (``matchkit/export/_presend.py``) both ask these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._limits import ADDRESS_LIMITS, CONTACT_LIMITS, PHONE_LIMITS
from ..xero import XeroReader

__all__ = ["account_numbers_of", "contact_problems", "valid_email"]

# Xero publishes no e-mail rule; the spec says umlauts are not supported. An address mail
# systems deliver: ASCII local@domain with a dotted domain, no spaces.
_EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_email(value: str) -> bool:
    text = value.strip()
    return (bool(_EMAIL.match(text)) and not text.startswith(".") and ".." not in text)


def _too_long(record: Mapping[str, Any], limits: Mapping[str, int], where: str) -> list[str]:
    out = []
    for field, limit in limits.items():
        value = record.get(field)
        if isinstance(value, str) and len(value) > limit:
            out.append(f"{where}{field} is {len(value)} characters; Xero takes at most {limit}")
    return out


def _contact_problem(payload: Mapping[str, Any], taken: set[str]) -> str | None:
    problems = _too_long(payload, CONTACT_LIMITS, "")
    for n, address in enumerate(payload.get("Addresses") or [], 1):
        problems += _too_long(address, ADDRESS_LIMITS, f"address {n}: ")
    for n, phone in enumerate(payload.get("Phones") or [], 1):
        problems += _too_long(phone, PHONE_LIMITS, f"phone {n}: ")
    email = payload.get("EmailAddress")
    if isinstance(email, str) and email.strip() and not valid_email(email):
        problems.append(f"e-mail address {email!r} is not one Xero accepts (\"Email address "
                        "must be valid\"); correct it in Atera")
    number = payload.get("AccountNumber")
    if isinstance(number, str) and number.strip().casefold() in taken:
        problems.append(f"AccountNumber {number!r} is already another Xero contact's (\"The "
                        "Account Number already exists\")")
    return "; ".join(problems) or None


def contact_problems(payloads: Sequence[Mapping[str, Any]],
                     account_numbers: Callable[[], set[str]]) -> list[str | None]:
    """Per payload, why Xero would refuse it (``None``: it would not).

    ``account_numbers()`` gives the AccountNumbers Xero's contacts already hold (case-folded);
    it is asked only when a payload carries one, since that takes a read of every contact.
    Two payloads with the same AccountNumber: the second is refused.
    """
    wanted = [str(p.get("AccountNumber") or "").strip().casefold() for p in payloads]
    taken = account_numbers() if any(wanted) else set()
    out: list[str | None] = []
    for payload, number in zip(payloads, wanted, strict=True):
        out.append(_contact_problem(payload, taken))
        if number and out[-1] is None:
            taken.add(number)
    return out


def account_numbers_of(xero: XeroReader) -> set[str]:
    """The AccountNumbers Xero's contacts (archived ones too) hold, case-folded."""
    return {str(c["AccountNumber"]).strip().casefold()
            for c in xero.contacts(include_archived=True) if c.get("AccountNumber")}
