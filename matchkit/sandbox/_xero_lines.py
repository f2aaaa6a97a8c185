"""Line-item arithmetic as Xero does it.

- Unit amounts (and item prices) are kept to 2 decimal places unless the request says
  ``unitdp=4``; quantities to 4; every line amount and tax amount to 2 ("Rounding in Xero",
  https://developer.xero.com/documentation/api-guides/rounding-in-xero).
- ``LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100`` or
  ``Quantity x UnitAmount - DiscountAmount`` (spec, LineItem.LineAmount). A LineAmount sent
  with both Quantity and UnitAmount must agree with them; sent without one of them it derives
  the missing one.
- Discounts only on ACCREC invoices (spec, LineItem.DiscountRate/DiscountAmount).
- Tax is worked out per line and summed; a line's TaxAmount overrides the computed one
  (spec, LineItem.TaxAmount).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ._xero_rules import MSG_DISCOUNT_OVER_LINE, MSG_LINE_TOTAL, MSG_TAX_TYPE

__all__ = ["LineContext", "Totals", "compute_lines", "money", "num", "quantize", "render_units"]

Record = dict[str, Any]
_PLACES = {2: Decimal("0.01"), 4: Decimal("0.0001")}


def quantize(value: Decimal, places: int) -> Decimal:
    # Half away from zero; Xero does not document its midpoint rule.
    return value.quantize(_PLACES[places], rounding=ROUND_HALF_UP)


def money(value: Decimal) -> Decimal:
    return quantize(value, 2)


def num(value: object, default: Decimal | None = None) -> Decimal | None:
    """A number sent by a client (JSON number or numeric text, as XML bodies carry)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


@dataclass
class LineContext:
    doc_type: str  # ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT
    amount_types: str  # Exclusive, Inclusive, NoTax
    status: str
    kind: str  # 'invoice' | 'credit note' (for messages)
    unitdp: int  # 2, or 4 when the request says unitdp=4
    item: Callable[[str], Record | None]  # by code
    accounts: Mapping[str, Record]
    tax_ok: Callable[[str, bool], bool]
    tax_rate: Callable[[str], Decimal]
    # A line's Tracking, checked and filled out (XeroOrg.line_tracking).
    tracking: Callable[[Any, int, list[str]], list[Record]] = lambda raw, n, errors: []

    @property
    def sales(self) -> bool:
        return self.doc_type in ("ACCREC", "ACCRECCREDIT")


@dataclass
class Totals:
    sub_total: Decimal = Decimal(0)
    total_tax: Decimal = Decimal(0)
    total_discount: Decimal = Decimal(0)


def compute_lines(raw: Any, ctx: LineContext, errors: list[str]) -> tuple[list[Record], Totals]:
    """Validate line items and work out their amounts and tax."""
    totals = Totals()
    lines: list[Record] = []
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.append("LineItems must be a list.")
        return lines, totals
    if not raw and ctx.status in ("AUTHORISED", "SUBMITTED"):
        errors.append(f"A {ctx.kind} must contain at least one line item to be {ctx.status}.")
    for n, line in enumerate(raw, 1):
        if not isinstance(line, dict):
            errors.append(f"Line {n}: a line item must be a JSON object.")
            continue
        out = _line(n, line, ctx, errors, totals)
        if out is not None:
            lines.append(out)
    return lines, totals


def _line(n: int, line: Record, ctx: LineContext, errors: list[str], totals: Totals
          ) -> Record | None:
    out: Record = {k: v for k, v in line.items() if k not in ("ValidationErrors", "Item")}
    item: Record | None = None
    if line.get("ItemCode"):
        item = ctx.item(str(line["ItemCode"]))
        if item is None:
            # Sandbox wording: a code that is not an item is refused (FACTS.md §4).
            errors.append(f"Item code '{line['ItemCode']}' is not valid.")
    details = (item or {}).get("SalesDetails" if ctx.sales else "PurchaseDetails") or {}
    if not str(out.get("Description") or "").strip():
        if item is not None:
            out["Description"] = (item.get("Description" if ctx.sales else "PurchaseDescription")
                                  or item.get("Name") or "")
        if not str(out.get("Description") or "").strip() and not line.get("ItemCode"):
            errors.append(f"Line {n}: Description must be specified.")
    parsed = {k: num(line.get(k)) for k in ("Quantity", "UnitAmount", "LineAmount",
                                             "DiscountRate", "DiscountAmount", "TaxAmount")}
    bad = [k for k, v in parsed.items() if v is None and line.get(k) not in (None, "")]
    if bad:
        errors.append(f"Line {n}: {', '.join(bad)} must be numbers.")
        return None
    qty, unit, given = parsed["Quantity"], parsed["UnitAmount"], parsed["LineAmount"]
    rate, disc_amount = parsed["DiscountRate"] or Decimal(0), parsed["DiscountAmount"]
    if unit is None and given is None and item is not None:
        unit = num(details.get("UnitPrice"))
    if (rate or disc_amount) and ctx.doc_type != "ACCREC":
        # Sandbox wording; the spec: "only supported on ACCREC invoices".
        errors.append(f"Line {n}: discounts are only supported on ACCREC invoices, not "
                      f"{ctx.doc_type}.")
        return None
    if rate and disc_amount:
        errors.append(f"Line {n}: give DiscountRate or DiscountAmount, not both.")
        return None
    if qty is not None:
        qty = quantize(qty, 4)
    if unit is not None:
        unit = quantize(unit, ctx.unitdp)
    if given is not None:
        qty, unit = _derive(qty, unit, money(given), rate, disc_amount, ctx.unitdp)
    qty = Decimal(1) if qty is None else qty
    unit = Decimal(0) if unit is None else unit
    gross = money(qty * unit)
    if disc_amount:
        if abs(disc_amount) > abs(gross):
            errors.append(MSG_DISCOUNT_OVER_LINE.format(amount=f"{money(disc_amount):.2f}"))
            return None
        amount = gross - money(disc_amount)
    else:
        amount = money(qty * unit * (100 - rate) / 100)
    if given is not None and money(given) != amount:
        errors.append(MSG_LINE_TOTAL.format(given=f"{money(given):.2f}",
                                            expected=f"{amount:.2f}"))
        return None
    account = _account(n, line, details, ctx, out, errors)
    tax_type = _tax_type(line, item, details, account, ctx, out, errors)
    tax = _tax(amount, tax_type, parsed["TaxAmount"], ctx)
    totals.sub_total += amount - tax if ctx.amount_types == "Inclusive" else amount
    totals.total_tax += tax
    totals.total_discount += gross - amount
    out["Quantity"] = float(qty)
    out["UnitAmount"] = float(unit)
    out["LineAmount"] = float(amount)
    out["TaxAmount"] = float(tax)
    if rate:
        out["DiscountRate"] = float(rate)
    if disc_amount:
        out["DiscountAmount"] = float(money(disc_amount))
    if item is not None:
        out["ItemCode"] = item.get("Code")
        out["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name") or "",
                       "Code": item.get("Code")}
    out["LineItemID"] = str(line.get("LineItemID") or uuid.uuid4())
    out["Tracking"] = ctx.tracking(line.get("Tracking"), n, errors)
    return out


def _derive(qty: Decimal | None, unit: Decimal | None, given: Decimal, rate: Decimal,
            disc_amount: Decimal | None, unitdp: int) -> tuple[Decimal | None, Decimal | None]:
    """The Quantity or UnitAmount a LineAmount leaves out (both: one unit of the amount)."""
    if qty is not None and unit is not None:
        return qty, unit
    if disc_amount:
        gross = given + disc_amount
    elif rate and rate != 100:
        gross = given * 100 / (100 - rate)
    else:
        gross = given
    if unit is None:
        q = qty if qty else Decimal(1)
        return q, quantize(gross / q, unitdp)
    if unit == 0:
        return Decimal(1), unit
    return quantize(gross / unit, 4), unit


def _account(n: int, line: Record, details: Mapping[str, Any], ctx: LineContext, out: Record,
             errors: list[str]) -> Record | None:
    code = line.get("AccountCode") or details.get("AccountCode")
    if not code:
        if ctx.status in ("AUTHORISED", "SUBMITTED"):
            # XeroAPI/xero-node#398: approving needs account codes, drafts do not.
            errors.append(f"Line {n}: an account code must be specified before the {ctx.kind} "
                          "can be approved.")
        return None
    account = ctx.accounts.get(str(code))
    if account is None or account.get("Status", "ACTIVE") != "ACTIVE":
        # XeroAPI/Xero-NetStandard#364.
        errors.append(f"Account code '{code}' is not a valid code for this document.")
    out["AccountCode"] = str(code)
    return account


def _tax_type(line: Record, item: Record | None, details: Mapping[str, Any],
              account: Record | None, ctx: LineContext, out: Record, errors: list[str]
              ) -> str | None:
    """The line's TaxType, else the item's (only when the line names no account of its own:
    calcinai/xero-php#527), else the account's default (FACTS.md §5)."""
    tax = line.get("TaxType")
    if not tax:
        if item is not None and not line.get("AccountCode") and details.get("TaxType"):
            tax = details["TaxType"]
        elif account is not None:
            tax = account.get("TaxType")
    if not tax:
        return None
    if not ctx.tax_ok(str(tax), ctx.sales):
        errors.append(MSG_TAX_TYPE.format(tax=tax))
    out["TaxType"] = str(tax)
    return str(tax)


def _tax(amount: Decimal, tax_type: str | None, override: Decimal | None, ctx: LineContext
         ) -> Decimal:
    if ctx.amount_types == "NoTax":
        return Decimal(0)
    if override is not None:
        return money(override)
    rate = ctx.tax_rate(tax_type) if tax_type else Decimal(0)
    if ctx.amount_types == "Inclusive":
        return money(amount * rate / (1 + rate))
    return money(amount * rate)


def render_units(lines: list[Record], unitdp: int) -> list[Record]:
    """Lines as a reader asked for them: unit amounts at 2 places unless ``unitdp=4``."""
    if unitdp == 4:
        return lines
    out = []
    for line in lines:
        if "UnitAmount" in line:
            line = {**line, "UnitAmount": float(quantize(Decimal(str(line["UnitAmount"])), 2))}
        out.append(line)
    return out
