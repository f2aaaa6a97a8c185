"""Value checks of one invoice against what Xero and the workspace accept.

Every value that reaches Xero (or the export log) is checked here against the limits in
``matchkit/_limits.py``: numbers (finite, in range, no more decimals than Xero keeps when that
would change the bill), dates Xero stores, text Xero takes, currencies the organisation has,
discounts 0-100 %. Each problem names the invoice, the line and the Atera field, and says why
in one sentence. :func:`check_invoice` is also where an invoice is parsed, once: it gives the
typed :class:`~matchkit.export._invoice.Invoice` (the lines it did not refuse) that validation
(``_validate.py``), mapping, the plan and sending read. What needs the organisation's own
state (lock dates, the size of a request, contacts to create) is checked later, in
``_presend.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import _limits as L
from .._exceptions import InputError
from ._batch import invoice_number
from ._invoice import Invoice, Line, iso_day
from ._mapping import ExportOptions, xero_number
from ._problem import Problem, Severity

__all__ = ["Checked", "atera_money", "check_invoice", "parse_invoice"]

_NUMBERS = (("Quantity", 1.0, L.MAX_QUANTITY), ("Rate", 0.0, L.MAX_UNIT_AMOUNT),
            ("DiscountPercentage", 0.0, L.DISCOUNT_MAX))


@dataclass(frozen=True)
class Checked:
    """What :func:`check_invoice` found: the invoice as parsed (with the lines it did not
    refuse), its problems, and the positions of the lines it refused."""

    invoice: Invoice
    problems: list[Problem] = field(default_factory=list)
    bad_lines: frozenset[int] = frozenset()

    @property
    def refused(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def atera_money(value: Any) -> float | None:
    """An amount Atera states (Tax, Subtotal), or None when it is no usable number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if math.isfinite(f) and abs(f) < L.MAX_AMOUNT else None


def _number(value: Any, default: float) -> float | str:
    """The number, or why it is none (a sentence fragment)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return f"is not a number ({type(value).__name__})"
    try:
        f = float(value)
    except (ValueError, OverflowError):
        return "is not a number"
    if not math.isfinite(f):
        return "is not a finite number"
    return f


_Add = Callable[..., None]


def check_invoice(inv: Mapping[str, Any], options: ExportOptions,
                  currencies: Collection[str] | None) -> Checked:
    """Parse one invoice (it has passed the batch's shape check) and find every value
    problem; ``currencies`` None: the currency is not checked."""
    number = invoice_number(inv)
    problems: list[Problem] = []

    def add(line: int | None, fld: str | None, code: str, msg: str,
            sev: Severity = "error") -> None:
        problems.append(Problem(number, line, code, msg, sev, fld))

    lines = inv.get("LineItems")
    if lines is not None and not isinstance(lines, list):
        add(None, "LineItems", "bad_shape", "LineItems must be a list of lines, got "
            f"{type(lines).__name__}")
        lines = []
    sent_number = xero_number(number, options)
    if sent_number is not None and len(sent_number) > L.MAX_INVOICE_NUMBER:
        add(None, "InvoiceNumber", "too_long", f"the invoice number sent to Xero would be "
            f"{len(sent_number)} characters; Xero takes at most {L.MAX_INVOICE_NUMBER}")
    day = _check_dates(inv, options, add)
    if currencies is not None:
        _check_currency(inv, currencies, add)
    tax = inv.get("Tax")
    if tax is not None and atera_money(tax) is None:
        add(None, "Tax", "atera_tax", f"Atera's Tax {_show(tax)} is not a usable amount; it is "
            "not compared with Xero's tax", "info")
    good: list[Line] = []
    bad: set[int] = set()
    for i, line in enumerate(lines or [], start=1):
        parsed = _check_line(line, i, add)
        if parsed is None:
            bad.add(i)
        else:
            good.append(parsed)
    invoice = _invoice(inv, number, day, tuple(good))
    total = invoice.subtotal
    if not bad and abs(total) >= Decimal(repr(L.MAX_AMOUNT)):
        add(None, None, "too_large", f"the invoice totals {_money(total)}; Xero invoices must "
            f"stay below {L.MAX_AMOUNT:,.0f}")
    if total < 0 and options.credit_notes and any(ln.discount for ln in good):
        add(None, "DiscountPercentage", "credit_discount", "the invoice totals "
            f"{_money(total)} and goes as a credit note, but Xero takes no discounts on credit "
            "notes; remove the discount in Atera")
    return Checked(invoice, problems, frozenset(bad))


def parse_invoice(inv: Mapping[str, Any], options: ExportOptions | None = None) -> Invoice:
    """One Atera invoice as typed values (its currency is not checked); raises
    :class:`InputError` naming the first refused line and field when Xero could not take it."""
    checked = check_invoice(inv, options or ExportOptions(), None)
    errors = [p for p in checked.problems if p.severity == "error"]
    if errors:
        raise InputError(str(errors[0]))
    return checked.invoice


def _invoice(inv: Mapping[str, Any], number: str, day: dt.date | None,
             lines: tuple[Line, ...]) -> Invoice:
    to = inv.get("To") or {}
    to = to if isinstance(to, Mapping) else {}
    email = to.get("Email")
    return Invoice(
        number=number, company=str(to.get("CompanyName") or "").strip(),
        email=str(email) if email else None, date=day,
        currency=str(inv.get("Currency") or "").strip().upper(),
        contract=str(inv.get("ContractName") or "").strip(),
        stated_subtotal=atera_money(inv.get("Subtotal")), tax=atera_money(inv.get("Tax")),
        lines=lines)


def _check_dates(inv: Mapping[str, Any], options: ExportOptions, add: _Add) -> dt.date | None:
    """The InvoiceDate as a date (None: none, or refused)."""
    raw = inv.get("InvoiceDate")
    if raw is None or raw == "":
        return None
    day = iso_day(raw) if isinstance(raw, str) else None
    if day is None:
        add(None, "InvoiceDate", "bad_date", f"InvoiceDate {_show(raw)} is not an ISO date "
            "(YYYY-MM-DD)")
        return None
    if day < L.FIRST_DATE:
        add(None, "InvoiceDate", "bad_date", f"InvoiceDate {day.isoformat()} is before "
            f"{L.FIRST_DATE.isoformat()}, the first date Xero keeps")
    elif options.invoice_date == "atera" and \
            (L.LAST_DATE - day).days < options.due_days:
        add(None, "InvoiceDate", "bad_date", f"InvoiceDate {day.isoformat()} plus "
            f"{options.due_days} days to pay (setting export.due_days) is after "
            f"{L.LAST_DATE.isoformat()}, the last date Xero keeps")
    return day


def _check_currency(inv: Mapping[str, Any], currencies: Collection[str], add: _Add) -> None:
    raw = inv.get("Currency")
    if raw is None or raw == "":
        return
    if not isinstance(raw, str):
        add(None, "Currency", "currency", f"Currency {_show(raw)} is not a currency code "
            "such as AUD")
        return
    code = raw.strip().upper()
    if code and code not in currencies:
        add(None, "Currency", "currency", f"currency {code[:20]} is not enabled in the "
            f"Xero organisation (enabled: {', '.join(sorted(currencies)) or 'none'})")


def _check_line(line: Any, i: int, add: _Add) -> Line | None:
    """The line with its amount as Xero will compute it, or None when it is refused."""
    if not isinstance(line, Mapping):
        add(i, None, "bad_line", f"the line is not an object (got {type(line).__name__})")
        return None
    ok = True
    texts: dict[str, str] = {}
    for fld in ("Product", "Description"):
        v = line.get(fld)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            add(i, fld, "bad_text", f"{fld} must be text, got {type(v).__name__}")
            ok = False
            continue
        texts[fld] = str(v)
    bad = [k for k, v in texts.items() if L.CONTROL.search(v)]
    if bad:
        add(i, bad[0], "control_chars", f"control characters in {' and '.join(bad)}: Xero "
            "cannot store them; fix them in Atera")
        ok = False
    desc = (texts.get("Description") or texts.get("Product") or "").strip()
    if ok and not desc:
        add(i, "Description", "no_description", "the line has neither a Description nor a "
            "Product; Xero needs at least one character to describe a line")
        ok = False
    elif ok and len(desc) > L.MAX_DESCRIPTION:
        add(i, "Description", "description_cut", f"the description is {len(desc):,} "
            f"characters; Xero keeps {L.MAX_DESCRIPTION:,}, so it is sent cut to that", "fix")
    values: dict[str, float] = {}
    for fld, default, top in _NUMBERS:
        v = _number(line.get(fld), default)
        if isinstance(v, str):
            add(i, fld, "bad_number", f"{fld} {_show(line.get(fld))} {v}")
            ok = False
        elif fld == "DiscountPercentage" and not L.DISCOUNT_MIN <= v <= L.DISCOUNT_MAX:
            add(i, fld, "bad_discount", f"DiscountPercentage {_show(line.get(fld))} is outside "
                f"{L.DISCOUNT_MIN:g}-{L.DISCOUNT_MAX:g} %")
            ok = False
        elif abs(v) >= top:
            add(i, fld, "bad_number", f"{fld} {_show(line.get(fld))} is out of range (a finite "
                f"number below {top:,.0f} expected)")
            ok = False
        else:
            values[fld] = v
    if not ok:
        return None
    qty, rate, disc = (L.xero_round(values[f], None)
                       for f in ("Quantity", "Rate", "DiscountPercentage"))
    exact = L.line_amount(qty, rate, disc)
    if abs(exact) >= Decimal(repr(L.MAX_AMOUNT)):
        add(i, None, "too_large", f"the line amount {_money(exact)} (Quantity x Rate) is too "
            f"large; Xero lines and invoices must stay below {L.MAX_AMOUNT:,.0f}")
        return None
    parsed = Line(position=i, product=str(line.get("Product") or "").strip(),
                  description=str(line.get("Description") or line.get("Product") or "").strip(),
                  quantity=qty, rate=rate, discount=disc, amount=exact,
                  folded=L.rate_folds(qty, rate, disc))
    if parsed.folded:
        return parsed  # sent as one unit of the exact amount (see _mapping): nothing rounds
    kept = L.line_amount(L.xero_round(qty, L.QUANTITY_DP), L.xero_round(rate, L.UNIT_AMOUNT_DP),
                         L.xero_round(disc, L.DISCOUNT_DP))
    if kept != exact:
        places = {"Quantity": L.QUANTITY_DP, "Rate": L.UNIT_AMOUNT_DP,
                  "DiscountPercentage": L.DISCOUNT_DP}
        fields = [f for f, v in values.items() if L.decimals(v) > places[f]]
        what = " and ".join(f"{f} {_show(line.get(f))} has more than {places[f]} decimals"
                            for f in fields)
        add(i, fields[0] if fields else None, "precision", f"{what}: Xero would bill the line "
            f"{_money(kept)}, not {_money(exact)} as Atera does; round it in Atera")
        return None
    return parsed
