"""An Atera invoice parsed once: frozen, typed values that validation, mapping, the plan,
sending and the pre-send checks all read, so no step reads Atera's raw JSON again.

:func:`matchkit.export._checks.check_invoice` builds them (with the problems it finds);
:func:`parse_invoice` is the same for one invoice on its own. Numbers are :class:`Decimal`
as written (``Decimal(repr(float))``), so ``float()`` gives back exactly the value Atera sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["Invoice", "Line", "Recovered", "iso_day"]


def iso_day(value: Any) -> dt.date | None:
    """The day of an Atera date (``2026-08-03``, ``2026-08-03T00:00:00Z``); None when there is
    none or it is no ISO date."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line whose values Xero can take (a refused line is not one)."""

    position: int  # 1-based, as Atera lists the lines: problems and mappings name it
    product: str  # Atera's Product, stripped ("" for none): how the catalogue finds it
    description: str  # what Xero shows: Description, else Product, stripped
    quantity: Decimal
    rate: Decimal
    discount: Decimal  # per cent, 0-100
    amount: Decimal  # quantity x rate less discount, as Xero computes it, to the cent
    # the rate has more places than Xero keeps and they change the amount: sent as one unit
    # of the amount (matchkit._limits.rate_folds; export/_mapping.py)
    folded: bool = False


@dataclass(frozen=True, slots=True)
class Invoice:
    """One Atera invoice: its number, customer, date and the lines that parsed."""

    number: str  # Atera's InvoiceNumber ("?" when it has none)
    company: str  # To.CompanyName, stripped: how the customer is found
    email: str | None  # To.Email
    date: dt.date | None  # Atera's InvoiceDate (None: none, or not a date)
    currency: str  # upper case, "" for none (the organisation's base currency)
    contract: str  # ContractName, stripped ("" for none)
    stated_subtotal: float | None  # Atera's Subtotal, when it is a usable amount
    tax: float | None  # Atera's Tax (recorded, never sent), when usable
    lines: tuple[Line, ...]

    @property
    def subtotal(self) -> Decimal:
        """The lines' amounts summed, before tax: what Xero will compute."""
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class Recovered:
    """An invoice an earlier run sent without recording Xero's answer: known only by its
    number, its kind and the payload the log kept, so it is looked up, never parsed or
    mapped again."""

    number: str
    credit: bool

    @property
    def xero_type(self) -> str:
        return "ACCRECCREDIT" if self.credit else "ACCREC"
