"""Validation of a batch before anything is sent: every problem, with its invoice and line.

Severity ``error`` keeps the invoice out of the export (the rest still go); ``fix`` is a
problem the export repairs on the way when allowed (create the customer or the item in Xero);
``info`` is worth knowing but changes nothing (already exported, description-only line).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .._gate import NAMED_METHODS
from ..matching import normalise_product
from ..outbox import ContactSpec, ItemSpec, default_sales_account
from ..sources import atera_catalogue
from ..store import Workspace, export_state
from ..xero import XeroReader
from ._batch import Batch, CustomerLink, invoice_number, link_customers
from ._checks import Checked, check_invoice
from ._invoice import Invoice, Line
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
    def read(cls, xero: XeroReader, sales_account: str | None = None) -> XeroCatalogue:
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

    invoice: Invoice
    customer_id: str | None  # Atera CustomerID
    contact_id: str | None  # Xero ContactID when already known
    credit: bool
    item_codes: dict[int, str | None] = field(default_factory=dict)  # known codes per line
    item_needs: dict[int, str] = field(default_factory=dict)  # line -> atera product id
    # line -> its mapped account and tracking (matchkit.accounts.LineAccount), set before sending
    line_accounts: dict[int, Any] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.invoice.number

    @property
    def company(self) -> str:
        return self.invoice.company

    @property
    def subtotal(self) -> float:
        """The sum of the lines before tax, as Atera priced them."""
        return float(self.invoice.subtotal)

    @property
    def atera_tax(self) -> float | None:
        return self.invoice.tax

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


def _products(ws: Workspace) -> dict[str, list[tuple[str, str, float | None]]]:
    """Normalised Atera product name -> [(id, name, Atera price)] from the one catalogue
    (``matchkit.sources.atera_catalogue``: products, expenses and labour rates, archived
    ones left out), in its order: the first is the one a line takes."""
    c = atera_catalogue(ws)
    out: dict[str, list[tuple[str, str, float | None]]] = {}
    if c.empty:
        return out
    names = [str(n) for n in c["name"]]
    for key, aid, name, price in zip(normalise_product(names), c["id"], names, c["price"],
                                     strict=True):
        out.setdefault(key, []).append(
            (str(aid), name, None if math.isnan(price) else float(price)))
    return out


def _customer_spec(ws_customers: pd.DataFrame, link: CustomerLink, invoice: Invoice
                   ) -> ContactSpec:
    row = ws_customers[ws_customers["CustomerID"].astype(str) == link.atera_id]
    r = row.iloc[0] if not row.empty else None

    def col(name: str) -> str | None:
        if r is None:
            return None
        v = r.get(name)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    return ContactSpec(
        atera_id=str(link.atera_id), name=str(link.atera_name or link.company),
        email=invoice.email,
        phone=col("Phone"), address=col("Address"), city=col("City"), region=col("State"),
        postal_code=col("ZipCodeStr"), country=col("Country"), tax_number=col("BusinessNumber"),
        website=col("Domain"))


@dataclass(frozen=True)
class _Reads:
    """What validating a batch reads once: the workspace's side of every lookup."""

    options: ExportOptions
    catalogue: XeroCatalogue
    links: dict[str, CustomerLink]
    customers: pd.DataFrame
    products: dict[str, list[tuple[str, str, float | None]]]
    product_keys: dict[str, str]  # a line's Product -> its normalised name
    decisions: dict[str, Any]  # Atera product id -> its current decision
    codes_by_id: dict[str, str]  # Xero ItemID -> Code
    suggestions: dict[str, list[tuple[str, str, float]]]
    differing: dict[str, int]

    @classmethod
    def read(cls, ws: Workspace, batch: Batch, invoices: list[Invoice],
             catalogue: XeroCatalogue, options: ExportOptions) -> _Reads:
        names = sorted({ln.product for inv in invoices for ln in inv.lines} - {""})
        return cls(
            options=options, catalogue=catalogue,
            links=link_customers(ws, [inv.company for inv in invoices]),
            customers=ws.rows("atera", "customers"), products=_products(ws),
            product_keys=(dict(zip(names, normalise_product(names), strict=True)) if names
                          else {}),
            decisions={str(r.atera_id): r for r in ws.current_decisions("products").itertuples()},
            codes_by_id={str(i["ItemID"]): str(i["Code"]) for i in catalogue.items
                         if i.get("ItemID") and i.get("Code")},
            suggestions=_suggestions(ws), differing=_differing_duplicates(batch))


@dataclass
class _Found:
    """What validation has found so far, invoice by invoice."""

    problems: list[Problem] = field(default_factory=list)
    ready: list[Prepared] = field(default_factory=list)
    already: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, ContactSpec] = field(default_factory=dict)
    items: dict[str, ItemSpec] = field(default_factory=dict)
    unmatched: dict[str, tuple[str, list[tuple[str, str, float]]]] = field(
        default_factory=dict)

    def add(self, number: str, line: int | None, code: str, msg: str,
            sev: Severity = "error") -> None:
        self.problems.append(Problem(number, line, code, msg, sev))

    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")


def validate_batch(ws: Workspace, batch: Batch, catalogue: XeroCatalogue, tenant_id: str,
                   options: ExportOptions) -> ValidationReport:
    """Check every invoice and line; nothing is sent or written."""
    exported = {str(r["atera_invoice"]): {str(k): v for k, v in r.items()}
                for r in export_state(ws, tenant_id, exported=True).to_dict("records")}
    # each invoice parsed once, here; everything after reads the typed values
    parsed = [check_invoice(raw, options, catalogue.currencies) for raw in batch.invoices]
    reads = _Reads.read(ws, batch, [c.invoice for c in parsed], catalogue, options)
    found = _Found()
    seen: set[str] = set()
    for checked in parsed:
        number = checked.invoice.number
        if number in seen:
            if number not in reads.differing:
                found.add(number, None, "duplicate", "appears more than once in the batch; "
                          "sent once", "info")
            continue
        seen.add(number)
        if number in exported:
            row = exported[number]
            found.add(number, None, "already_exported", "already in Xero as "
                      f"{row.get('xero_number') or row.get('xero_invoice_id')}; skipped", "info")
            found.already[number] = row
            continue
        _validate_invoice(reads, found, checked)
    # Only create what a ready invoice needs.
    wanted_contacts = {p.customer_id for p in found.ready if p.contact_id is None}
    wanted_items = {a for p in found.ready for a in p.item_needs.values()}
    return ValidationReport(
        batch=batch, options=options, ready=found.ready, problems=found.problems,
        already=found.already,
        contacts_to_create=[c for k, c in found.contacts.items() if k in wanted_contacts],
        items_to_create=[s for k, s in found.items.items() if k in wanted_items],
        sales_account=catalogue.sales_account, unmatched=found.unmatched)


def _validate_invoice(reads: _Reads, found: _Found, checked: Checked) -> None:
    """One invoice's problems; ready when it has no error."""
    inv = checked.invoice
    before = found.errors()
    if inv.number in reads.differing:
        found.add(inv.number, None, "duplicate", f"{reads.differing[inv.number]} different "
                  f"invoices are numbered {inv.number} in the batch; none of them is sent (fix "
                  "the numbers)")
    found.problems.extend(checked.problems)
    link, contact_id = _customer(reads, found, inv)
    if not inv.lines and not checked.bad_lines and not _bad_shape(checked):
        found.add(inv.number, None, "empty", "the invoice has no lines")
    codes: dict[int, str | None] = {}
    needs: dict[int, str] = {}
    for line in inv.lines:
        codes[line.position], need = _item(reads, found, inv.number, line)
        if need is not None:
            needs[line.position] = need
    credit = _totals(reads.options, found, checked)
    if found.errors() > before:
        return
    found.ready.append(Prepared(
        invoice=inv, customer_id=link.atera_id if link else None, contact_id=contact_id,
        credit=credit, item_codes=codes, item_needs=needs))


def _bad_shape(checked: Checked) -> bool:
    return any(p.code == "bad_shape" for p in checked.problems)


def _customer(reads: _Reads, found: _Found, inv: Invoice
              ) -> tuple[CustomerLink | None, str | None]:
    """The invoice's customer link and its Xero ContactID when known; its problems."""
    number, company = inv.number, inv.company
    link = reads.links.get(company)
    if link is not None and link.method == "fuzzy":
        found.add(number, None, "customer_fuzzy", f"customer {company!r} taken as Atera "
                  f"customer {link.atera_name!r} ({link.atera_id}): a typo, the names are "
                  f"{link.score:.0f}% alike and no other customer is that close", "info")
    if not company:
        found.add(number, None, "customer_missing", "the invoice has no To.CompanyName, so "
                  "its customer is unknown")
    elif link is None or link.method == "none":
        closest = (f"; closest: {', '.join(link.candidates)}" if link and link.candidates
                   else "")
        found.add(number, None, "customer_unknown", f"customer {company!r} matches no Atera "
                  "customer of the workspace by name or by a typo (fix the name on the "
                  f"invoice in Atera, or take a fresh customer snapshot){closest}")
    elif link.method == "ambiguous":
        found.add(number, None, "customer_ambiguous", f"customer {company!r} fits several "
                  f"Atera customers ({', '.join(link.candidates)}); rename one in Atera")
    elif link.action == "match":
        return link, link.xero_id
    elif link.action == "unmatch":
        found.add(number, None, "customer_unmatched", f"customer {company!r} was left "
                  "unmatched on purpose; match it to a Xero contact to export its invoices")
    elif link.action == "create" or reads.options.create_missing_customers:
        _to_create(reads, found, inv, link)
    else:
        _unmatched(reads, found, inv, link)
    return link, None


def _to_create(reads: _Reads, found: _Found, inv: Invoice, link: CustomerLink) -> None:
    assert link.atera_id is not None
    # Created only when clearly new (matchkit._gate: Done and the export ask the same rule),
    # or a person named it (a decided create of theirs); a contact that exists (its link key,
    # its name) is used instead.
    found.contacts.setdefault(link.atera_id, replace(
        _customer_spec(reads.customers, link, inv),
        confirmed=link.action == "create" and link.named))
    found.add(inv.number, None, "customer_create", f"customer {inv.company!r} will be "
              "created in Xero", "fix")


def _unmatched(reads: _Reads, found: _Found, inv: Invoice, link: CustomerLink) -> None:
    assert link.atera_id is not None
    options = reads.suggestions.get(link.atera_id, [])
    found.unmatched[link.atera_id] = (inv.company, options)
    hint = f"; suggested: {options[0][1]} ({options[0][2]:.0f})" if options else ""
    found.add(inv.number, None, "customer_unmatched", f"customer {inv.company!r} (Atera "
              f"{link.atera_id}) has no Xero contact: match it now, or create it "
              "(`matchkit export --create-missing-customers`, or \"Create missing customers "
              f"in Xero\" in the export view){hint}")


def _item(reads: _Reads, found: _Found, number: str, line: Line
          ) -> tuple[str | None, str | None]:
    """The line's Xero item code (None: none yet, or a description-only line) and the Atera
    product id of an item to create for it (None: nothing to create)."""
    product = line.product
    if not product:
        return None, None
    hits = reads.products.get(reads.product_keys[product], [])
    if not hits:
        found.add(number, line.position, "product_not_in_atera", f"product {product!r} is not "
                  "in the Atera catalogue; sent as a description-only line", "info")
        return None, None
    atera_id, name, price = hits[0]
    d = reads.decisions.get(atera_id)
    if d is not None and d.action == "match":
        code = reads.codes_by_id.get(str(d.xero_id))
        if code is None:
            found.add(number, line.position, "item_gone", f"product {product!r} is matched to "
                      f"Xero item {d.xero_id}, which Xero no longer has; match it again")
        return code, None
    if d is not None and d.action == "unmatch":
        return None, None
    if reads.options.create_missing_items or (d is not None and d.action == "create"):
        found.items.setdefault(atera_id, ItemSpec(
            atera_id, name, price=price if price is not None else float(line.rate),
            description=name, sales_account=reads.catalogue.sales_account,
            confirmed=bool(d is not None and d.action == "create"
                           and d.method in NAMED_METHODS)))
        found.add(number, line.position, "item_create", f"product {product!r} is not in "
                  "Xero; it will be created with the Atera price", "fix")
        return None, atera_id
    found.add(number, line.position, "item_missing", f"product {product!r} is not in Xero; "
              "match it or allow creating items")
    return None, None


def _totals(options: ExportOptions, found: _Found, checked: Checked) -> bool:
    """Whether the invoice goes as a credit note; its total's problems."""
    inv = checked.invoice
    subtotal = float(inv.subtotal)
    credit = False
    if inv.lines and not checked.bad_lines and subtotal == 0 and not options.allow_zero:
        found.add(inv.number, None, "zero_total", "the invoice totals zero; nothing to bill")
    elif subtotal < 0:
        if options.credit_notes:
            credit = True
            found.add(inv.number, None, "credit_note", f"negative total {subtotal:.2f}: "
                      "exported as a credit note", "info")
        else:
            found.add(inv.number, None, "negative_total", f"negative total {subtotal:.2f} and "
                      "credit notes are turned off (setting export.credit_notes)")
    stated = inv.stated_subtotal
    if stated is not None and abs(stated - subtotal) > 0.01:
        found.add(inv.number, None, "subtotal_differs", f"Atera's subtotal {float(stated):.2f} "
                  f"differs from its lines ({subtotal:.2f}); Xero computes from the lines",
                  "info")
    return credit
