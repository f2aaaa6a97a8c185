"""Pure reconciliation arithmetic: one exported invoice's figures and why they differ.

Invoices leave Atera without tax and Xero applies its own (DESIGN.md, "Taxes"), so Xero's
total is Atera's subtotal plus Xero's tax; Xero rounds each line to the cent before it adds
them up ("Rounding in Xero", developer.xero.com/documentation/api-guides/rounding-in-xero),
so a subtotal Atera states from unrounded lines may differ by up to half a cent a line. Any
other difference in the subtotal means the invoice was changed in Xero: an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = ["JSON_FIELDS", "InvoiceFigures", "figures", "sent_subtotal", "totals"]

CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")

# Reasons, most serious first; several may apply ("xero tax added, rounding").
CHANGED = "changed in xero"
NOT_IN_XERO = "not in xero"
VOIDED = "voided in xero"
ATERA_LINES = "atera subtotal differs from its lines"
ROUNDING = "rounding"
TAX = "xero tax added"
AGREES = "agrees"

JSON_FIELDS = ("atera_invoice", "xero_number", "atera_subtotal", "atera_tax", "xero_subtotal",
               "xero_tax", "xero_total", "difference", "reason")


@dataclass(frozen=True)
class InvoiceFigures:
    """One invoice: Atera's figures, Xero's, the difference and its reason."""

    atera_invoice: str
    xero_number: str | None
    xero_invoice_id: str | None
    atera_subtotal: float | None
    atera_tax: float | None  # dropped: Atera's tax is never sent
    sent_subtotal: float | None  # the lines sent, in Xero's arithmetic
    xero_subtotal: float | None
    xero_tax: float | None
    xero_total: float | None
    difference: float | None  # xero_total - atera_subtotal
    rounding: float  # the part of the difference per-line rounding explains
    reason: str
    error: bool

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k in JSON_FIELDS}

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero, as Xero


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def sent_subtotal(payload: Mapping[str, Any]) -> Decimal | None:
    """What Xero makes of the lines sent: each Quantity x UnitAmount less DiscountRate,
    rounded to the cent, then summed (``None`` without lines)."""
    lines = payload.get("LineItems")
    if not isinstance(lines, list) or not lines:
        return None
    total = Decimal(0)
    for line in lines:
        if not isinstance(line, Mapping):
            return None
        qty = _dec(line.get("Quantity"))
        unit = _dec(line.get("UnitAmount"))
        disc = _dec(line.get("DiscountRate")) or Decimal(0)
        if unit is None:
            return None
        total += _cents((Decimal(1) if qty is None else qty) * unit * (100 - disc) / 100)
    return total


def atera_subtotal(invoice: Mapping[str, Any] | None) -> Decimal | None:
    """Atera's subtotal as Atera states it, else the sum of its lines' subtotals."""
    if not invoice:
        return None
    stated = _dec(invoice.get("Subtotal"))
    if stated is not None:
        return stated
    lines = invoice.get("LineItems")
    if isinstance(lines, list) and lines:
        subs = [_dec(x.get("Subtotal")) if isinstance(x, Mapping) else None for x in lines]
        if all(s is not None for s in subs):
            return sum((s for s in subs if s is not None), Decimal(0))
    return None


def figures(row: Mapping[str, Any], xero: Mapping[str, Any] | None) -> InvoiceFigures:
    """The reconciliation of one exported invoice.

    ``row``: its export state (``atera_invoice``, ``xero_number``, ``xero_invoice_id``,
    ``xero_type``, ``sent_total``, ``atera_tax``, ``payload`` and ``atera``, Atera's invoice);
    ``xero``: the invoice (or credit note) as Xero returns it now, ``None`` if not found.
    Credit notes are positive in Xero and negative in Atera: Xero's figures are negated.
    """
    sign = Decimal(-1) if row.get("xero_type") == "ACCRECCREDIT" else Decimal(1)
    payload = row.get("payload") if isinstance(row.get("payload"), Mapping) else {}
    sent = sent_subtotal(payload or {})
    sent = sign * sent if sent is not None else _dec(row.get("sent_total"))
    atera = atera_subtotal(row.get("atera"))
    if atera is None:
        atera = sent
    a_tax = _dec((row.get("atera") or {}).get("Tax"))
    if a_tax is None:
        a_tax = _dec(row.get("atera_tax"))
    lines = len((payload or {}).get("LineItems") or []) or 1
    base: dict[str, Any] = {"atera_invoice": str(row["atera_invoice"]),
            "xero_number": row.get("xero_number"), "xero_invoice_id": row.get("xero_invoice_id"),
            "atera_subtotal": _f(atera), "atera_tax": _f(a_tax), "sent_subtotal": _f(sent)}
    if xero is None:
        return InvoiceFigures(**base, xero_subtotal=None, xero_tax=None, xero_total=None,
                              difference=None, rounding=0.0, reason=NOT_IN_XERO, error=True)
    x_sub, x_tax, x_total = (_dec(xero.get(k)) for k in ("SubTotal", "TotalTax", "Total"))
    x_sub = sign * x_sub if x_sub is not None else None
    x_tax = sign * x_tax if x_tax is not None else None
    x_total = sign * x_total if x_total is not None else None
    diff = x_total - atera if x_total is not None and atera is not None else None
    reasons: list[str] = []
    rounding = Decimal(0)
    error = False
    if str(xero.get("Status") or "").upper() in ("VOIDED", "DELETED"):
        reasons.append(VOIDED)
        error = True
    if x_sub is None or sent is None or abs(x_sub - sent) >= HALF_CENT:
        reasons.append(CHANGED)
        error = True
    elif atera is not None and abs(sent - atera) >= HALF_CENT:
        # Each line rounded to the cent moves the sum by at most half a cent a line; Atera's
        # own subtotal may be rounded once more.
        if abs(sent - atera) <= HALF_CENT * (lines + 1):
            reasons.append(ROUNDING)
            rounding = sent - atera
        else:
            reasons.append(ATERA_LINES)
            error = True
    if x_tax:
        reasons.append(TAX)
    # Most serious first, as CHANGED/VOIDED/ATERA_LINES/ROUNDING/TAX are appended in order,
    # except that tax reads better before rounding.
    if ROUNDING in reasons and TAX in reasons:
        reasons = [TAX, ROUNDING]
    return InvoiceFigures(**base, xero_subtotal=_f(x_sub), xero_tax=_f(x_tax),
                          xero_total=_f(x_total), difference=_f(diff),
                          rounding=float(rounding), reason=", ".join(reasons) or AGREES,
                          error=error)


def totals(rows: Iterable[InvoiceFigures]) -> dict[str, Any]:
    """Sums over ``rows``: ``difference`` = ``xero_tax`` + ``rounding`` + ``unexplained``."""
    rows = list(rows)

    def total(name: str, only: Iterable[InvoiceFigures] | None = None) -> Decimal:
        return sum((Decimal(str(v)) for r in (rows if only is None else only)
                    if (v := getattr(r, name)) is not None), Decimal(0))

    fine = [r for r in rows if not r.error]
    difference = total("difference")
    tax = total("xero_tax", fine)
    rounding = total("rounding", fine)
    by_reason: dict[str, int] = {}
    for r in rows:
        by_reason[r.reason] = by_reason.get(r.reason, 0) + 1
    return {
        "invoices": len(rows),
        "atera_subtotal": float(_cents(total("atera_subtotal"))),
        "atera_tax": float(_cents(total("atera_tax"))),
        "xero_subtotal": float(total("xero_subtotal")),
        "xero_tax": float(total("xero_tax")),
        "xero_total": float(total("xero_total")),
        "difference": float(_cents(difference)),
        "xero_tax_added": float(tax),
        "rounding": float(rounding),
        "unexplained": float(_cents(difference - tax - rounding)),
        "errors": sum(1 for r in rows if r.error),
        "by_reason": dict(sorted(by_reason.items())),
    }
