"""Validation of a batch before anything is sent: every problem, with its invoice and line.

Severity ``error`` keeps the invoice out of the export (the rest still go); ``fix`` is a
problem the export repairs on the way when allowed (create the customer or the item in Xero);
``info`` is worth knowing but changes nothing (already exported, description-only line).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .._gate import NAMED_METHODS
from ..matching import normalise_product
from ..outbox import ContactSpec, ItemSpec, default_sales_account
from ..store import Workspace
from ._batch import Batch, CustomerLink, invoice_number, link_customers
from ._checks import atera_money, check_invoice
from ._mapping import ExportOptions
from ._problem import Problem, Severity

__all__ = ["Prepared", "Problem", "ValidationReport", "XeroCatalogue", "validate_batch"]


@dataclass(frozen=True)
class XeroCatalogue:
    """What validation needs to know about the Xero organisation (read once per export)."""

    items: list[dict[str, Any]]
    currencies: set[str]
    base_currency: str | None = None
    sales_account: str | None = None  # for new items and lines without an item

    @classmethod
    def read(cls, xero: Any, sales_account: str | None = None) -> XeroCatalogue:
        org = xero.organisation()
        base = org.get("BaseCurrency")
        codes = {str(c.get("Code")).upper() for c in xero.currencies() if c.get("Code")}
        if base:
            codes.add(str(base).upper())
        if not sales_account:
            sales_account = default_sales_account(xero.accounts())
        return cls(items=list(xero.items()), currencies=codes, base_currency=base,
                   sales_account=sales_account)


@dataclass
class Prepared:
    """One invoice that passed validation, with what it still needs before it can be sent."""

    invoice: dict[str, Any]
    number: str
    company: str
    customer_id: str | None  # Atera CustomerID
    contact_id: str | None  # Xero ContactID when already known
    credit: bool
    subtotal: float  # sum of the lines before tax, as Atera priced them
    atera_tax: float | None
    item_codes: dict[int, str | None] = field(default_factory=dict)  # known codes per line
    item_needs: dict[int, str] = field(default_factory=dict)  # line -> atera product id
    # line -> its mapped account and tracking (matchkit.accounts.LineAccount), set before sending
    line_accounts: dict[int, Any] = field(default_factory=dict)

    @property
    def xero_type(self) -> str:
        return "ACCRECCREDIT" if self.credit else "ACCREC"


@dataclass
class ValidationReport:
    batch: Batch
    options: ExportOptions
    ready: list[Prepared]
    problems: list[Problem]
    already: dict[str, dict[str, Any]]  # Atera number -> its export_state row
    contacts_to_create: list[ContactSpec]
    items_to_create: list[ItemSpec]
    sales_account: str | None = None
    # rules of the accounts and tracking mapping checked against Xero (0: no read was made)
    mapping_rules: int = 0
    # Atera CustomerID -> (company, [(ContactID, contact name, score)]) for customers with no
    # Xero contact: what a person can match now (from the latest matching suggestions).
    unmatched: dict[str, tuple[str, list[tuple[str, str, float]]]] = field(
        default_factory=dict)

    @property
    def refused(self) -> dict[str, list[Problem]]:
        out: dict[str, list[Problem]] = {}
        for p in self.problems:
            if p.severity == "error":
                out.setdefault(p.invoice, []).append(p)
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def frame(self) -> pd.DataFrame:
        """Every problem as a table (invoice, line, severity, code, message)."""
        return pd.DataFrame(
            [{"invoice": p.invoice, "line": p.line, "severity": p.severity, "code": p.code,
              "message": p.message} for p in self.problems],
            columns=["invoice", "line", "severity", "code", "message"])

    def summary(self) -> str:
        fixes = sum(1 for p in self.problems if p.severity == "fix")
        return (f"{len(self.batch)} invoice(s): {len(self.ready)} ready, "
                f"{len(self.refused)} refused, {len(self.already)} already exported; "
                f"{len(self.contacts_to_create)} contact(s) and {len(self.items_to_create)} "
                f"item(s) to create in Xero; {fixes} fixable problem(s)")


def _line_list(inv: Mapping[str, Any]) -> list[Any]:
    """The invoice's lines; none when LineItems is not a list (check_invoice refuses that)."""
    lines = inv.get("LineItems")
    return lines if isinstance(lines, list) else []


def _differing_duplicates(batch: Batch) -> dict[str, int]:
    """Invoice number -> how many different invoices of the batch carry it (when more than
    one): which of them is the real one is for a person to say, so none is sent."""
    seen: dict[str, list[str]] = {}
    for inv in batch.invoices:
        text = json.dumps(inv, sort_keys=True, default=str)
        variants = seen.setdefault(invoice_number(inv), [])
        if text not in variants:
            variants.append(text)
    return {n: len(v) for n, v in seen.items() if len(v) > 1}


def _catalogue(ws: Workspace) -> dict[str, list[tuple[str, str, float | None]]]:
    """Normalised Atera product name -> [(atera product id, name, Atera price)]."""
    rows: list[tuple[str, str, float | None]] = []
    for name, prefix in (("products", "product:"), ("expenses", "expense:")):
        for r in ws.rows("atera", name).to_dict("records"):
            if r.get("Archived") is True:
                continue
            rows.append((f"{prefix}{int(r['RateID'])}", str(r["Description"]),
                         _price(r["Amount"])))
    for r in ws.rows("atera", "contract_rates").to_dict("records"):
        rows.append((str(r["RateKey"]), str(r["Description"]), _price(r["Amount"])))
    out: dict[str, list[tuple[str, str, float | None]]] = {}
    if rows:
        keys = normalise_product([r[1] for r in rows])
        for key, row in zip(keys, rows, strict=True):
            out.setdefault(key, []).append(row)
    return out


def _suggestions(ws: Workspace) -> dict[str, list[tuple[str, str, float]]]:
    """Atera CustomerID -> Xero contacts the latest matching run suggested, best first."""
    df = ws.latest_suggestions("customers")
    out: dict[str, list[tuple[str, str, float]]] = {}
    for r in df.to_dict("records"):
        if r.get("right_id"):
            out.setdefault(str(r["left_id"]), []).append(
                (str(r["right_id"]), str(r.get("right_name") or r["right_id"]),
                 float(r.get("score") or 0)))
    return out


def _price(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _customer_spec(ws_customers: pd.DataFrame, link: CustomerLink, inv: Mapping[str, Any]
                   ) -> ContactSpec:
    to = inv.get("To") or {}
    row = ws_customers[ws_customers["CustomerID"].astype(str) == link.atera_id]
    r = row.iloc[0] if not row.empty else None

    def col(name: str) -> str | None:
        if r is None:
            return None
        v = r.get(name)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    return ContactSpec(
        atera_id=str(link.atera_id), name=str(link.atera_name or link.company),
        email=(to.get("Email") or None) if isinstance(to, Mapping) else None,
        phone=col("Phone"), address=col("Address"), city=col("City"), region=col("State"),
        postal_code=col("ZipCodeStr"), country=col("Country"), tax_number=col("BusinessNumber"),
        website=col("Domain"))


def validate_batch(ws: Workspace, batch: Batch, catalogue: XeroCatalogue, tenant_id: str,
                   options: ExportOptions) -> ValidationReport:
    """Check every invoice and line; nothing is sent or written."""
    problems: list[Problem] = []
    ready: list[Prepared] = []
    already: dict[str, dict[str, Any]] = {}
    state = ws.sql("SELECT * FROM export_state WHERE tenant_id = ?", [tenant_id])
    exported = {str(r["atera_invoice"]): {str(k): v for k, v in r.items()}
                for r in state.to_dict("records") if r["status"] == "exported"}
    companies = [str((i.get("To") or {}).get("CompanyName") or "").strip()
                 for i in batch.invoices if isinstance(i.get("To") or {}, Mapping)]
    links = link_customers(ws, companies)
    customers = ws.rows("atera", "customers")
    products = _catalogue(ws)
    decisions = {str(r.atera_id): r for r in ws.current_decisions("products").itertuples()}
    codes_by_id = {str(i["ItemID"]): str(i["Code"]) for i in catalogue.items
                   if i.get("ItemID") and i.get("Code")}
    names = sorted({str(line.get("Product") or "").strip() for inv in batch.invoices
                    for line in _line_list(inv) if isinstance(line, Mapping)}
                   - {""})
    product_keys = dict(zip(names, normalise_product(names), strict=True)) if names else {}
    contacts: dict[str, ContactSpec] = {}
    items: dict[str, ItemSpec] = {}
    suggestions = _suggestions(ws)
    unmatched: dict[str, tuple[str, list[tuple[str, str, float]]]] = {}
    seen: set[str] = set()

    def add(number: str, line: int | None, code: str, msg: str, sev: Severity = "error"
            ) -> None:
        problems.append(Problem(number, line, code, msg, sev))

    differing = _differing_duplicates(batch)
    for inv in batch.invoices:
        number = invoice_number(inv)
        if number in seen:
            if number not in differing:
                add(number, None, "duplicate", "appears more than once in the batch; sent "
                    "once", "info")
            continue
        seen.add(number)
        if number in exported:
            row = exported[number]
            add(number, None, "already_exported",
                f"already in Xero as {row.get('xero_number') or row.get('xero_invoice_id')}; "
                "skipped", "info")
            already[number] = row
            continue
        before = len([p for p in problems if p.severity == "error"])
        if number in differing:
            add(number, None, "duplicate", f"{differing[number]} different invoices are "
                "numbered " + number + " in the batch; none of them is sent (fix the numbers)")
        checked = check_invoice(inv, number, options, catalogue.currencies)
        problems.extend(checked.problems)
        to = inv.get("To") or {}
        company = str(to.get("CompanyName") or "").strip() if isinstance(to, Mapping) else ""
        link = links.get(company)
        contact_id: str | None = None
        if link is not None and link.method == "fuzzy":
            add(number, None, "customer_fuzzy", f"customer {company!r} taken as Atera customer "
                f"{link.atera_name!r} ({link.atera_id}): a typo, the names are "
                f"{link.score:.0f}% alike and no other customer is that close", "info")
        if not company:
            add(number, None, "customer_missing", "the invoice has no To.CompanyName, so its "
                "customer is unknown")
        elif link is None or link.method == "none":
            closest = (f"; closest: {', '.join(link.candidates)}" if link and link.candidates
                       else "")
            add(number, None, "customer_unknown", f"customer {company!r} matches no Atera "
                "customer of the workspace by name or by a typo (fix the name on the invoice "
                f"in Atera, or take a fresh customer snapshot){closest}")
        elif link.method == "ambiguous":
            add(number, None, "customer_ambiguous", f"customer {company!r} fits several Atera "
                f"customers ({', '.join(link.candidates)}); rename one in Atera")
        elif link.action == "match":
            contact_id = link.xero_id
        elif link.action == "unmatch":
            add(number, None, "customer_unmatched", f"customer {company!r} was left unmatched "
                "on purpose; match it to a Xero contact to export its invoices")
        elif link.action == "create" or options.create_missing_customers:
            assert link.atera_id is not None
            # Created only when clearly new (matchkit._gate: Done and the export ask the same
            # rule), or a person named it (a decided create of theirs); a contact that exists
            # (its link key, its name) is used instead.
            contacts.setdefault(link.atera_id, replace(
                _customer_spec(customers, link, inv),
                confirmed=link.action == "create" and link.named))
            add(number, None, "customer_create", f"customer {company!r} will be created in "
                "Xero", "fix")
        else:
            assert link.atera_id is not None
            options_ = suggestions.get(link.atera_id, [])
            unmatched[link.atera_id] = (company, options_)
            hint = (f"; suggested: {options_[0][1]} ({options_[0][2]:.0f})" if options_
                    else "")
            add(number, None, "customer_unmatched", f"customer {company!r} (Atera "
                f"{link.atera_id}) has no Xero contact: match it now, or create it "
                "(`matchkit export --create-missing-customers`, or \"Create missing customers "
                f"in Xero\" in the export view){hint}")

        lines = _line_list(inv)
        if not lines and isinstance(inv.get("LineItems"), list | None):  # else: bad_shape
            add(number, None, "empty", "the invoice has no lines")
        subtotal = 0.0
        codes: dict[int, str | None] = {}
        needs: dict[int, str] = {}
        for i, line in enumerate(lines, start=1):
            if i in checked.bad_lines:
                continue
            subtotal += float(checked.amounts[i])
            product = str(line.get("Product") or "").strip()
            if not product:
                codes[i] = None
                continue
            hits = products.get(product_keys[product], [])
            if not hits:
                codes[i] = None
                add(number, i, "product_not_in_atera", f"product {product!r} is not in the "
                    "Atera catalogue; sent as a description-only line", "info")
                continue
            atera_id, name, price = hits[0]
            d = decisions.get(atera_id)
            if d is not None and d.action == "match":
                code = codes_by_id.get(str(d.xero_id))
                if code is None:
                    add(number, i, "item_gone", f"product {product!r} is matched to Xero item "
                        f"{d.xero_id}, which Xero no longer has; match it again")
                codes[i] = code
            elif d is not None and d.action == "unmatch":
                codes[i] = None
            elif options.create_missing_items or (d is not None and d.action == "create"):
                items.setdefault(atera_id, ItemSpec(
                    atera_id, name, price=price if price is not None else
                    float(line.get("Rate") or 0), description=name,
                    sales_account=catalogue.sales_account,
                    confirmed=bool(d is not None and d.action == "create"
                                   and d.method in NAMED_METHODS)))
                needs[i] = atera_id
                add(number, i, "item_create", f"product {product!r} is not in Xero; it will be "
                    "created with the Atera price", "fix")
            else:
                add(number, i, "item_missing", f"product {product!r} is not in Xero; match it "
                    "or allow creating items")

        subtotal = round(subtotal, 2)
        credit = False
        if lines and not checked.bad_lines and abs(subtotal) < 0.005 and not options.allow_zero:
            add(number, None, "zero_total", "the invoice totals zero; nothing to bill")
        elif subtotal < 0:
            if options.credit_notes:
                credit = True
                add(number, None, "credit_note", f"negative total {subtotal:.2f}: exported as "
                    "a credit note", "info")
            else:
                add(number, None, "negative_total", f"negative total {subtotal:.2f} and credit "
                    "notes are turned off (setting export.credit_notes)")
        stated = atera_money(inv.get("Subtotal"))
        if stated is not None and abs(stated - subtotal) > 0.01:
            add(number, None, "subtotal_differs", f"Atera's subtotal {float(stated):.2f} "
                f"differs from its lines ({subtotal:.2f}); Xero computes from the lines", "info")
        if len([p for p in problems if p.severity == "error"]) > before:
            continue
        tax = inv.get("Tax")
        ready.append(Prepared(
            invoice=dict(inv), number=number, company=company,
            customer_id=link.atera_id if link else None, contact_id=contact_id, credit=credit,
            subtotal=subtotal, atera_tax=atera_money(tax),
            item_codes=codes, item_needs=needs))
    # Only create what a ready invoice needs.
    wanted_contacts = {p.customer_id for p in ready if p.contact_id is None}
    wanted_items = {a for p in ready for a in p.item_needs.values()}
    return ValidationReport(
        batch=batch, options=options, ready=ready, problems=problems, already=already,
        contacts_to_create=[c for k, c in contacts.items() if k in wanted_contacts],
        items_to_create=[s for k, s in items.items() if k in wanted_items],
        sales_account=catalogue.sales_account, unmatched=unmatched)

