"""Payments against invoices and credit notes (a mixin of ``XeroOrg``): ``/Payments``.

As the spec defines it: ``PUT /Payments`` creates many (``summarizeErrors``), ``POST
/Payments`` one, ``GET /Payments`` lists (where, order, page, If-Modified-Since), ``GET
/Payments/{id}`` reads one and ``POST /Payments/{id}`` with ``Status: DELETED`` is the only
change a payment takes ("you're not able to update Payments", XeroAPI/xero-php-oauth2#91).
A payment needs an AUTHORISED document and may not exceed what is owed (XeroAPI/Xero-Net#257);
a document paid in full becomes PAID, and deleting its payment makes it AUTHORISED again.
Batch payments, prepayments and overpayments are not served (docs/fidelity.md).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._xero_dates import iso_utc, ms_date, parse_date
from ._xero_lines import money, num
from ._xero_outcome import ElementOutcome
from ._xero_rules import MSG_PAYMENT_NOT_AUTHORISED, MSG_PAYMENT_TOO_MUCH

__all__ = ["PaymentsMixin"]

Record = dict[str, Any]

_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
          "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}


class PaymentsMixin:
    """Payments; ``XeroOrg`` (with ``DocumentsMixin``) provides the attributes declared here."""

    if TYPE_CHECKING:
        _lock: threading.RLock
        _now: Callable[[], float]
        organisation: Record
        accounts: dict[str, Record]
        invoices: dict[str, Record]
        credit_notes: dict[str, Record]
        _invoice_times: dict[str, float]
        _credit_times: dict[str, float]

        def find_invoice(self, key: str) -> Record | None: ...
        def find_credit_note(self, key: str) -> Record | None: ...
        def lock_error(self, day: date) -> str | None: ...

    def _init_payments(self) -> None:
        self.payments: dict[str, Record] = {}
        self._payment_times: dict[str, float] = {}

    def payment_rows(self) -> list[tuple[Record, float]]:
        with self._lock:
            return [(r, self._payment_times[pid]) for pid, r in self.payments.items()]

    def payment_out(self, rec: Record) -> Record:
        out = dict(rec)
        ts = self._payment_times[rec["PaymentID"]]
        out["UpdatedDateUTC"] = ms_date(ts)
        out["UpdatedDateUTCString"] = iso_utc(ts) + "Z"
        return out

    def put_payments(self, elements: list[Any], *, update: bool, unitdp: int = 2
                     ) -> list[ElementOutcome]:
        with self._lock:
            return [self._put_payment(e) for e in elements]

    def delete_payment(self, payment_id: str, elements: list[Any]) -> ElementOutcome:
        """``POST /Payments/{id}`` with ``{"Status": "DELETED"}``: the payment is reversed."""
        with self._lock:
            rec = self.payments.get(payment_id)
            if rec is None:
                return ElementOutcome({"PaymentID": payment_id},
                                      ["The payment specified does not exist."])
            body = elements[0] if elements and isinstance(elements[0], dict) else {}
            if body.get("Status") != "DELETED" or set(body) - {"Status", "PaymentID"}:
                # Sandbox wording; a payment cannot be edited, only deleted (#91).
                return ElementOutcome(dict(body), ["A payment cannot be updated; delete it "
                                                   "(Status DELETED) and create another."])
            if rec["Status"] == "DELETED":
                return ElementOutcome(self.payment_out(rec),
                                      ["This payment has already been deleted."])
            day = parse_date(rec.get("Date"))
            lock = self.lock_error(day) if day else None
            if lock:
                return ElementOutcome(self.payment_out(rec), [lock])
            rec = {**rec, "Status": "DELETED"}
            self.payments[payment_id] = rec
            self._payment_times[payment_id] = self._now()
            self._apply(rec, reverse=True)
            return ElementOutcome(self.payment_out(rec))

    def _put_payment(self, element: Any) -> ElementOutcome:
        if not isinstance(element, dict):
            return ElementOutcome({}, ["A payment must be a JSON object."])
        errors: list[str] = []
        doc, kind = self._target(element, errors)
        account = self._account(element, errors)
        amount = num(element.get("Amount"))
        if amount is None or amount <= 0:
            errors.append("Amount must be a positive number.")  # sandbox wording
        day = parse_date(element.get("Date")) if element.get("Date") else \
            parse_date(iso_utc(self._now()))
        if day is None:
            errors.append(f"Date {element.get('Date')!r} is not a date (use YYYY-MM-DD).")
        elif self.lock_error(day):
            errors.append(str(self.lock_error(day)))
        if doc is not None:
            if doc.get("Status") != "AUTHORISED":
                errors.append(MSG_PAYMENT_NOT_AUTHORISED)
            owed = Decimal(str(doc.get("AmountDue" if kind == "Invoice" else "RemainingCredit",
                                       0)))
            if amount is not None and amount > 0 and money(amount) > owed:
                errors.append(MSG_PAYMENT_TOO_MUCH)
        if errors or doc is None or account is None or amount is None or day is None:
            echo = dict(element)
            echo.setdefault("PaymentID", "00000000-0000-0000-0000-000000000000")
            return ElementOutcome(echo, errors or ["The payment could not be created."])
        rate = num(element.get("CurrencyRate")) or Decimal(str(doc.get("CurrencyRate", 1.0)))
        pid = str(uuid.uuid4())
        summary = {k: doc.get(k) for k in (
            "Type", "InvoiceID", "InvoiceNumber", "CreditNoteID", "CreditNoteNumber",
            "Reference", "CurrencyCode", "Status") if doc.get(k) is not None}
        summary["Contact"] = dict(doc.get("Contact") or {})
        rec: Record = {
            "PaymentID": pid, "Date": _ms(day), "Amount": float(money(amount)),
            "BankAmount": float(money(amount)), "CurrencyRate": float(rate),
            "Reference": str(element.get("Reference") or ""),
            "IsReconciled": bool(element.get("IsReconciled") or False),
            "Status": "AUTHORISED", "PaymentType": _TYPES.get(str(doc.get("Type")), ""),
            "HasAccount": True, "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account.get("Code"),
                        "Name": account.get("Name")},
            kind: summary,
        }
        self.payments[pid] = rec
        self._payment_times[pid] = self._now()
        self._apply(rec, reverse=False)
        return ElementOutcome(self.payment_out(rec))

    def _target(self, element: Record, errors: list[str]) -> tuple[Record | None, str]:
        for kind, finder, id_field, number_field in (
                ("Invoice", self.find_invoice, "InvoiceID", "InvoiceNumber"),
                ("CreditNote", self.find_credit_note, "CreditNoteID", "CreditNoteNumber")):
            ref = element.get(kind)
            key = (ref.get(id_field) or ref.get(number_field)) if isinstance(ref, dict) \
                else element.get(number_field)
            if key:
                doc = finder(str(key))
                if doc is None:
                    # Sandbox wording, after Xero's "Account could not be found" (pyxero#43).
                    errors.append(f"{'Invoice' if kind == 'Invoice' else 'Credit Note'} could "
                                  "not be found")
                return doc, kind
        if element.get("Prepayment") or element.get("Overpayment"):
            errors.append("Payments to prepayments and overpayments are not served by the "
                          "sandbox.")
        else:
            errors.append("A payment needs an Invoice or a CreditNote (by ID or number).")
        return None, "Invoice"

    def _account(self, element: Record, errors: list[str]) -> Record | None:
        ref = element.get("Account") if isinstance(element.get("Account"), dict) else {}
        assert isinstance(ref, dict)
        code, account_id = ref.get("Code") or element.get("Code"), ref.get("AccountID")
        found = None
        if account_id:
            found = next((a for a in self.accounts.values()
                          if str(a.get("AccountID")).lower() == str(account_id).lower()), None)
        elif code:
            found = self.accounts.get(str(code))
        if found is None:
            errors.append("Account could not be found")  # pyxero#43
            return None
        if found.get("Type") != "BANK" and not found.get("EnablePaymentsToAccount"):
            # Xero's docs: the account must be a BANK account or take payments; wording ours.
            errors.append(f"Account {found.get('Code')} is not a bank account and does not "
                          "accept payments.")
        return found

    def _apply(self, payment: Record, *, reverse: bool) -> None:
        """Move the document's paid and owed amounts (and PAID status) by one payment."""
        kind = "Invoice" if "Invoice" in payment else "CreditNote"
        key = payment[kind].get("InvoiceID" if kind == "Invoice" else "CreditNoteID")
        store = self.invoices if kind == "Invoice" else self.credit_notes
        times = self._invoice_times if kind == "Invoice" else self._credit_times
        doc = store[key]
        amount = Decimal(str(payment["Amount"])) * (-1 if reverse else 1)
        owed_field = "AmountDue" if kind == "Invoice" else "RemainingCredit"
        paid = money(Decimal(str(doc.get("AmountPaid", 0))) + amount)
        owed = money(Decimal(str(doc.get(owed_field, 0))) - amount)
        entries = [p for p in doc.get("Payments", []) if p["PaymentID"] != payment["PaymentID"]]
        if not reverse:
            entries.append({k: payment[k] for k in ("PaymentID", "Date", "Amount", "Reference",
                                                   "CurrencyRate", "HasAccount",
                                                   "HasValidationErrors")})
        new = {**doc, "AmountPaid": float(paid), owed_field: float(owed), "Payments": entries}
        if owed == 0 and not reverse:
            new["Status"] = "PAID"
            new["FullyPaidOnDate"] = payment["Date"]
        elif reverse and doc.get("Status") == "PAID":
            new["Status"] = "AUTHORISED"
            new.pop("FullyPaidOnDate", None)
        store[key] = new  # a new dict: answers being written may hold the old one
        times[key] = self._now()


def _ms(day: date) -> str:
    from datetime import UTC, datetime

    return ms_date(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
