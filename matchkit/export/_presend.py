"""The last checks before an export sends anything: what Xero would refuse outright.

Run on a validated batch (``validate_batch``) with what Xero says of the organisation: an
invoice dated in a locked period (Xero refuses any document dated on or before the
organisation's lock dates, waynerobinson/xeroizer#92), an invoice too big for one request,
and a customer to create whose contact Xero would refuse (e-mail, AccountNumber, field
lengths: the outbox's rule, ``matchkit/outbox/_refusals.py``, which ``ensure_contacts``
asks too) are refused here, each with its invoice and the reason, and never sent. The rest
go as before.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._keys import CODE_MAX
from ..outbox import contact_problems, xero_contact_name
from ..xero import MAX_BODY_BYTES
from ._mapping import invoice_day, map_invoice
from ._validate import Problem, ValidationReport

__all__ = ["lock_dates", "lock_problem", "refuse_unsendable"]

_NO_CONTACT = "00000000-0000-0000-0000-000000000000"
_LONGEST_CODE = "X" * CODE_MAX  # an item code as long as Xero allows
_MS_DATE = re.compile(r"^/Date\((-?\d+)")


@dataclass(frozen=True)
class _Refusal:
    code: str
    message: str


def refuse_unsendable(report: ValidationReport, organisation: Mapping[str, Any],
                      account_numbers: Callable[[], set[str]]) -> None:
    """Move the ready invoices Xero would refuse into the report's refused ones, in place.

    ``account_numbers()`` gives the AccountNumbers Xero's contacts hold (read only when a
    contact to create carries one).
    """
    refused: dict[str, _Refusal] = {}
    bad_customers: dict[str, str] = {}
    specs = report.contacts_to_create
    # The name as ensure_contacts sends it (tidied, at most 255 characters).
    verdicts = contact_problems([s.payload(xero_contact_name(s.name)) for s in specs],
                                account_numbers)
    for spec, why in zip(specs, verdicts, strict=True):
        if why:
            bad_customers[spec.atera_id] = (f"customer {spec.name!r} cannot be created in "
                                            f"Xero: {why}")
    for p in report.ready:
        why = lock_problem(invoice_day(p.invoice, report.options), organisation)
        if why:
            refused[p.number] = _Refusal("period_locked", f"the invoice is {why}")
            continue
        if p.contact_id is None and p.customer_id in bad_customers:
            refused[p.number] = _Refusal("customer_invalid", bad_customers[p.customer_id])
            continue
        codes = {**p.item_codes, **{line: _LONGEST_CODE for line in p.item_needs}}
        body = map_invoice(p.invoice, _NO_CONTACT, codes, report.options, credit=p.credit,
                           line_account=report.sales_account)
        size = len(json.dumps({"Invoices": [body]}).encode())
        if size > MAX_BODY_BYTES:
            refused[p.number] = _Refusal("too_large", f"the invoice is {size:,} bytes as Xero "
                                         "JSON; Xero takes at most 3.5 MB a request: split it "
                                         "in Atera")
    if not refused:
        return
    for number, r in refused.items():
        report.problems.append(Problem(number, None, r.code, r.message))
    report.ready = [p for p in report.ready if p.number not in refused]
    # Create only what a ready invoice still needs (as validate_batch does).
    wanted = {p.customer_id for p in report.ready if p.contact_id is None}
    report.contacts_to_create = [c for c in specs if c.atera_id in wanted]
    needed = {a for p in report.ready for a in p.item_needs.values()}
    report.items_to_create = [s for s in report.items_to_create if s.atera_id in needed]


def _as_date(value: Any) -> dt.date | None:
    if not value:
        return None
    m = _MS_DATE.match(str(value))
    if m:
        return dt.datetime.fromtimestamp(int(m.group(1)) / 1000, dt.UTC).date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def lock_dates(organisation: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """``(PeriodLockDate, EndOfYearLockDate)`` of ``GET /Organisation`` ("Shown if set")."""
    return (_as_date(organisation.get("PeriodLockDate")),
            _as_date(organisation.get("EndOfYearLockDate")))


def lock_problem(day: dt.date, organisation: Mapping[str, Any]) -> str | None:
    """Why Xero would refuse a document dated ``day`` (on or before a lock date), or ``None``."""
    period, end_of_year = lock_dates(organisation)
    locks = [(d, name) for d, name in ((end_of_year, "end of year lock date"),
                                       (period, "period lock date")) if d is not None]
    for lock, name in sorted(locks, reverse=True):
        if day <= lock:
            return (f"dated {day.isoformat()}, on or before the organisation's {name} "
                    f"{lock.isoformat()}: Xero refuses documents in a locked period; date it "
                    "later (matchkit settings set export.invoice_date today) or ask the "
                    "accountant to move the lock date")
    return None
