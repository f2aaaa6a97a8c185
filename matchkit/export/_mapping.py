"""Atera invoice -> Xero invoice (or credit note) payload, and the export options.

Taxes live only in Xero: lines go with ``LineAmountTypes: Exclusive`` and no ``TaxType`` or
``TaxAmount``, so Xero applies its own rates; Atera's tax figures are recorded, never sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from .._exceptions import ConfigError
from .._limits import CONTROL_OR_BREAK, MAX_ACCOUNT_CODE, MAX_DESCRIPTION, MAX_PREFIX
from ..store import Workspace
from ._invoice import Invoice, Line

__all__ = ["ExportOptions", "invoice_day", "map_invoice", "reference_for", "xero_number"]

Status = Literal["DRAFT", "SUBMITTED", "AUTHORISED"]
Numbering = Literal["atera", "prefix", "xero"]
SETTING_PREFIX = "export."


@dataclass(frozen=True)
class ExportOptions:
    """How invoices are exported; stored as ``export.<name>`` workspace settings.

    - ``status``: DRAFT (default), SUBMITTED or AUTHORISED (needs ``sales_account``).
    - ``numbering``: ``atera`` (Atera's number), ``prefix`` (``prefix`` + Atera's number) or
      ``xero`` (Xero's own sequence; the Reference then identifies the invoice).
    - ``invoice_date``: ``atera`` (Atera's invoice date) or ``today``; ``due_days`` after it.
    - ``credit_notes``: negative invoices become ACCRECCREDIT credit notes; when off they are
      refused with a reason. ``allow_zero``: export zero-total invoices.
    - ``per_request``: invoices per request, 1-50 (Xero's ceiling is 50). Fewer keeps
      requests of long invoices well under Xero's 3.5 MB body limit, at the price of calls.
    """

    status: Status = "DRAFT"
    sales_account: str | None = None
    numbering: Numbering = "atera"
    prefix: str = "AT-"
    invoice_date: Literal["atera", "today"] = "atera"
    due_days: int = 14
    credit_notes: bool = True
    allow_zero: bool = False
    create_missing_customers: bool = False
    create_missing_items: bool = True
    per_request: int = 50

    def __post_init__(self) -> None:
        if self.status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            raise ConfigError(f"export status {self.status!r}: use DRAFT, SUBMITTED or "
                              "AUTHORISED")
        if self.numbering not in ("atera", "prefix", "xero"):
            raise ConfigError(f"export numbering {self.numbering!r}: use atera, prefix or xero")
        if self.numbering == "prefix" and not self.prefix.strip():
            raise ConfigError("export numbering 'prefix' needs a non-empty prefix")
        _check_prefix(self.prefix)
        _check_account(self.sales_account)
        if self.invoice_date not in ("atera", "today"):
            raise ConfigError(f"export invoice_date {self.invoice_date!r}: use atera or today")
        if not isinstance(self.due_days, int) or not 0 <= self.due_days <= 365:
            raise ConfigError(f"export due_days {self.due_days!r}: a whole number 0-365")
        if isinstance(self.per_request, bool) or not isinstance(self.per_request, int) \
                or not 1 <= self.per_request <= 50:
            raise ConfigError(f"export per_request {self.per_request!r}: a whole number 1-50 "
                              "(Xero takes at most 50 invoices per request)")
        if self.status == "AUTHORISED" and not (self.sales_account or "").strip():
            raise ConfigError(
                "AUTHORISED invoices need account codes on their lines: set the sales "
                "account code first (the setting export.sales_account, e.g. `matchkit "
                "settings set export.sales_account 200`)")

    @classmethod
    def from_workspace(cls, ws: Workspace, **overrides: Any) -> ExportOptions:
        """Options from the workspace settings ``export.*``, then ``overrides`` (not None)."""
        stored = ws.settings()
        values: dict[str, Any] = {}
        for f in fields(cls):
            if SETTING_PREFIX + f.name in stored:
                values[f.name] = stored[SETTING_PREFIX + f.name]
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown export options: {sorted(unknown)}")
        return cls(**values)

    def save(self, ws: Workspace) -> None:
        for k, v in asdict(self).items():
            ws.set_setting(SETTING_PREFIX + k, v)

    def with_(self, **changes: Any) -> ExportOptions:
        return replace(self, **changes)


def _check_prefix(prefix: Any) -> None:
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX or CONTROL_OR_BREAK.search(
            prefix):
        raise ConfigError(f"export prefix {str(prefix)[:40]!r}: text of at most {MAX_PREFIX} "
                          "characters without control characters (Xero takes invoice numbers "
                          "of up to 255)")


def _check_account(code: Any) -> None:
    if code is None or code == "":  # not set
        return
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_ACCOUNT_CODE or \
            CONTROL_OR_BREAK.search(code):
        raise ConfigError(f"export sales_account {str(code)[:40]!r}: an account code of 1-"
                          f"{MAX_ACCOUNT_CODE} characters, e.g. 200 (Xero's limit for codes)")


def xero_number(n: str, options: ExportOptions) -> str | None:
    """The InvoiceNumber sent to Xero for Atera's number ``n`` (``None``: Xero numbers it)."""
    if options.numbering == "atera":
        return n
    if options.numbering == "prefix":
        return f"{options.prefix}{n}"
    return None


def reference_for(invoice: Invoice) -> str:
    """``Atera #<number>`` plus the contract: stable, so it can find the invoice again."""
    ref = f"Atera #{invoice.number}"
    if invoice.contract:
        ref += f" / {invoice.contract}"
    return ref[:255]


def _units(line: Line, credit: bool) -> dict[str, Any]:
    """A line whose rate Xero cannot carry (more than 4 places, which change the line's
    amount: ``Line.folded``) as Xero's rounding guide shows it: one unit of the line amount,
    the quantity and rate in the description ("1000 x Product A @ $0.061171",
    developer.xero.com/documentation/api-guides/rounding-in-xero)."""
    qty, rate, disc = float(line.quantity), float(line.rate), float(line.discount)
    rate, amount = (-rate, -line.amount) if credit else (rate, line.amount)
    text = f"{qty:g} x {line.description or '-'} @ {rate:g}" + (
        f" less {disc:g}%" if disc else "")
    return {"Description": text[:MAX_DESCRIPTION], "Quantity": 1.0,
            "UnitAmount": float(amount)}


def invoice_day(invoice: Invoice, options: ExportOptions,
                today: dt.date | None = None) -> dt.date:
    """The Date the invoice goes to Xero with: Atera's, or today (setting export.invoice_date)."""
    day = invoice.date if options.invoice_date == "atera" else None
    return day or today or dt.date.today()


def map_invoice(invoice: Invoice, contact_id: str, item_codes: Mapping[int, str | None],
                options: ExportOptions, *, credit: bool = False,
                today: dt.date | None = None, line_account: str | None = None
                ) -> dict[str, Any]:
    """The Xero payload for one Atera invoice (parsed: :func:`~._checks.parse_invoice`).

    ``item_codes`` maps a line's position (1-based) to its Xero ItemCode (``None``: a
    description-only line, which gets ``line_account`` so Xero applies that account's tax).
    ``credit``: an ACCRECCREDIT credit note with the signs flipped so its total is positive.
    """
    day = invoice_day(invoice, options, today)
    lines = []
    for line in invoice.lines:
        # float(Decimal(repr(x))) == x: the payload carries the numbers Atera sent
        qty, rate, disc = float(line.quantity), float(line.rate), float(line.discount)
        out: dict[str, Any] = {"Description": line.description[:MAX_DESCRIPTION] or "-",
                               "Quantity": qty, "UnitAmount": -rate if credit else rate}
        code = item_codes.get(line.position)
        if code:
            out["ItemCode"] = code
        if line.folded:
            out.update(_units(line, credit))
        elif disc:
            out["DiscountRate"] = disc
        if options.status == "AUTHORISED" and options.sales_account:
            out["AccountCode"] = options.sales_account
        elif not code and line_account:
            out["AccountCode"] = line_account
        # Deliberately no TaxType / TaxAmount: Xero applies the organisation's tax.
        lines.append(out)
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT" if credit else "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": day.isoformat(),
        "LineAmountTypes": "Exclusive",
        "Reference": reference_for(invoice),
        "Status": options.status,
        "LineItems": lines,
    }
    number = xero_number(invoice.number, options)
    if number is not None:
        body["CreditNoteNumber" if credit else "InvoiceNumber"] = number
    if not credit:
        body["DueDate"] = (day + dt.timedelta(days=options.due_days)).isoformat()
    if invoice.currency:
        body["CurrencyCode"] = invoice.currency
    return body
