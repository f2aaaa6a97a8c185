"""What the wizard and the manage page say, in plain sentences: Welcome, Taxes, the Summary
(what Done or Apply changes will do) and what Done did.

Long lists (150 taxable contracts, 700 taxed invoice lines, every record Done creates) are a
count and a "show all" expander, never pages of text above the button the person is looking
for. Every name from Atera or Xero goes through :func:`esc` (in :func:`html_list`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..wizard import ApplyResult, Plan, Wizard
from ._common import esc, html_list, html_table

__all__ = ["done_html", "done_lines", "local_time", "plural", "summary_html", "taxes_html",
           "welcome_html"]

# A list longer than this is cut (with a count of the rest) even when shown in full.
_SHOW_AT_MOST = 500

WELCOME = """
<p>This wizard puts Atera and Xero in step. When you click <b>Done</b> at the end:</p>
<ul>
<li><b>Taxes</b> are created and edited in Xero only; invoices leave Atera without tax and
Xero applies its own.</li>
<li><b>Products and rates</b>: Atera's are matched to Xero items; the ones you choose are
created in Xero with the Atera price. Unmatched Atera products are no longer offered.</li>
<li><b>Customers</b>: Atera customers are matched to Xero contacts or created there; Xero
customers missing from Atera can be imported.</li>
<li>Nothing that <b>looks like</b> a record the other side has is created unless you choose
it for that row: such rows say "needs review".</li>
</ul>
<p>Nothing is saved until you click Done.</p>
"""

# (entity, action) of a decision -> what it means, singular and plural
_DECISIONS = {
    ("customers", "match"): ("customer matched to a Xero contact",
                             "customers matched to Xero contacts"),
    ("customers", "create"): ("customer to create in Xero", "customers to create in Xero"),
    ("customers", "unmatch"): ("customer left unmatched", "customers left unmatched"),
    ("products", "match"): ("product or rate matched to a Xero item",
                            "products and rates matched to Xero items"),
    ("products", "create"): ("product or rate to create in Xero",
                             "products and rates to create in Xero"),
    ("products", "unmatch"): ("product or rate left unmatched",
                              "products and rates left unmatched"),
    ("imports", "import"): ("Xero customer to import into Atera",
                            "Xero customers to import into Atera"),
}


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 item``, ``2 items``, ``no items``."""
    many = many if many is not None else one + "s"
    return f"{n} {one}" if n == 1 else f"{'no' if n == 0 else n} {many}"


def local_time(value: Any) -> str:
    """A stored time as people read it: this machine's time zone, to the second
    (``6 Dec 2026, 14:05:09 CET``); empty for none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    when = pd.Timestamp(value).to_pydatetime()
    if when.tzinfo is None:  # the workspace stores UTC
        when = when.replace(tzinfo=dt.UTC)
    when = when.astimezone()
    return f"{when.day} {when:%b %Y, %H:%M:%S} {when:%Z}".rstrip()


def show_all(items: Iterable[Any], label: str = "Show all") -> str:
    """A closed expander with the escaped list inside (empty for no items)."""
    items = list(items)
    if not items:
        return ""
    return (f'<details class="mk-show-all"><summary>{esc(label)} ({len(items)})</summary>'
            f"{html_list(items, limit=_SHOW_AT_MOST)}</details>")


def _sentence(text: str, items: Iterable[Any] = ()) -> str:
    return f"<li>{text}{show_all(items)}</li>"


def welcome_html(wizard: Wizard) -> str:
    """The Welcome step: what the wizard does, then what it found, as counts."""
    products, customers = len(wizard.rows("products")), len(wizard.rows("customers"))
    found = (f"<p>In Atera: {plural(products, 'product or rate', 'products and rates')} and "
             f"{plural(customers, 'customer')} to go through, one step each. "
             "Then the Xero customers Atera lacks, a Summary of every change, and Done.</p>")
    return WELCOME + found


def taxes_html(wizard: Wizard) -> str:
    """Taxes: Xero's sales rates, and what in Atera still carries tax, as counts."""
    t = wizard.taxes()
    rates = html_table([{**r, "Rate": f"{r['Rate']:g} %" if r.get("Rate") is not None
                         else ""} for r in t.revenue_rates],
                       ["Name", "TaxType", "Rate"], ["Xero tax rate", "Code", "Rate"],
                       "mk-tax-rates")
    notes = []
    if t.taxable_contracts:
        notes.append(_sentence(
            f"{plural(len(t.taxable_contracts), 'Atera contract is', 'Atera contracts are')} "
            "marked taxable: their tax will come from Xero.",
            (f"{c['ContractName']} ({c['CustomerName'] or 'no customer'})"
             for c in t.taxable_contracts)))
    if t.taxed_lines:
        notes.append(_sentence(
            plural(len(t.taxed_lines), "line on Atera invoices carries",
                   "lines on Atera invoices carry")
            + " tax; it will not be sent to Xero, which applies its own.",
            (f"invoice {x['InvoiceNumber']} line {x['Line']}: {x['Description']} "
             f"(tax {x['Tax']})" for x in t.taxed_lines)))
    return (f"<h4>Taxes</h4><p>{esc(t.message)}</p>"
            f"<p>Xero's active tax rates for sales:</p>{rates}"
            + (f"<ul>{''.join(notes)}</ul>" if notes else ""))


def _decisions_text(plan: Plan) -> str:
    by: dict[tuple[str, str], int] = {}
    for d in plan.decisions:
        by[(d.entity, d.action)] = by.get((d.entity, d.action), 0) + 1
    parts = []
    order = list(_DECISIONS)
    for (entity, action), n in sorted(by.items(), key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else len(order), kv[0])):
        one, many = _DECISIONS.get((entity, action), (f"{entity} {action}",) * 2)
        parts.append(plural(n, one, many))
    return ", ".join(parts)


def summary_html(plan: Plan, button: str = "Done") -> str:
    """What ``button`` will do, in sentences, each with its records behind "show all"."""
    if plan.empty:
        return f"<p>Nothing to change: {esc(button)} would write nothing.</p>"

    def price(p: float | None) -> str:
        return "no price" if p is None else f"{p:.2f}"

    lines = []
    if plan.xero_items:
        lines.append(_sentence(
            f"Create {plural(len(plan.xero_items), 'item')} in Xero, with the Atera price.",
            (f"{i.code} — {i.name} ({price(i.price)})" for i in plan.xero_items)))
    if plan.xero_contacts:
        lines.append(_sentence(
            f"Create {plural(len(plan.xero_contacts), 'contact')} in Xero.",
            (c.name if c.name == c.atera_name else f"{c.name} (Atera: {c.atera_name})"
             for c in plan.xero_contacts)))
    if plan.atera_customers:
        lines.append(_sentence(
            f"Create {plural(len(plan.atera_customers), 'customer')} in Atera, imported from "
            "Xero.", (c.name for c in plan.atera_customers)))
    if plan.atera_archive:
        lines.append(_sentence(
            f"Archive {plural(len(plan.atera_archive), 'product')} in Atera: matched to no "
            "Xero item, they will no longer be offered.", (a.name for a in plan.atera_archive)))
    if plan.atera_products:
        lines.append(_sentence(
            f"Add {plural(len(plan.atera_products), 'Xero item')} to Atera's product list: "
            "no Atera product is matched to them.",
            (f"{p.code} — {p.name} ({price(p.price)})" for p in plan.atera_products)))
    if plan.xero_keys:
        lines.append(_sentence(
            "Put the link key (Contact Code) on "
            f"{plural(len(plan.xero_keys), 'matched Xero contact')}, so that any workspace "
            "finds it again.",
            (f"{k.name}: {k.key}" for k in plan.xero_keys)))
    if plan.decisions:
        lines.append(_sentence(
            f"Record {plural(len(plan.decisions), 'decision')} in the workspace: "
            f"{esc(_decisions_text(plan))}."))
    kept = []
    review = plan.left_for_review()
    if review:
        kept.append(_sentence(
            f"{plural(len(review), 'Atera row looks', 'Atera rows look')} like a Xero record "
            "and wait for you: neither created nor archived (match each, or choose Create "
            "for that row).", (f"{h.name}: {h.reason}" for h in review)))
    others = [h for h in plan.review if h.kind in ("imports", "adds")]
    if others:
        kept.append(_sentence(
            f"{plural(len(others), 'Xero record is', 'Xero records are')} not imported or "
            "added to Atera: Atera has something like them.",
            (f"{h.name}: {h.reason}" for h in others)))
    if plan.keys_kept:
        kept.append(_sentence(
            plural(len(plan.keys_kept), "matched Xero contact keeps",
                   "matched Xero contacts keep") + " the Contact Code someone else gave it.",
            (f"{k.name}: {k.current}" for k in plan.keys_kept)))
    if plan.rates_kept:
        kept.append(_sentence(
            f"{plural(len(plan.rates_kept), 'labour rate')} without a match stay as they are "
            "(Atera's API cannot archive them).", (r.name for r in plan.rates_kept)))
    if plan.adds_skipped:
        kept.append(_sentence(
            f"{plural(len(plan.adds_skipped), 'Xero item is', 'Xero items are')} not added to "
            "Atera: a matched Atera product has the same name.",
            (r.name for r in plan.adds_skipped)))
    if plan.imports_skipped:
        kept.append(_sentence(
            f"{plural(len(plan.imports_skipped), 'Xero customer is', 'Xero customers are')} "
            "not imported: a matched Atera customer has the same name (match it instead).",
            (r.name for r in plan.imports_skipped)))
    return (f"<p>When you click <b>{esc(button)}</b>, matchkit will:</p><ul>{''.join(lines)}"
            "</ul>" + (f"<p>Left alone:</p><ul>{''.join(kept)}</ul>" if kept else ""))


def done_lines(result: ApplyResult | None, plan: Plan | None) -> list[str]:
    """What Done (or Apply changes) did, as plain sentences; zero counts are left out."""
    said = []
    if plan is not None and plan.decisions:
        said.append(f"Recorded {plural(len(plan.decisions), 'decision')}: "
                    f"{_decisions_text(plan)}.")
    if result is not None:
        for n, text in (
            (len(result.xero_items),
             f"Created {plural(len(result.xero_items), 'item')} in Xero (one an earlier run "
             "had made is found and used, never made twice)"),
            (len(result.xero_contacts),
             f"Created {plural(len(result.xero_contacts), 'contact')} in Xero (one an "
             "earlier run had made is found and used, never made twice)"),
            (len(result.atera_customers_created),
             f"Created {plural(len(result.atera_customers_created), 'customer')} in Atera"),
            (len(result.atera_customers_found),
             f"Found {plural(len(result.atera_customers_found), 'customer')} in Atera "
             "already, and matched them"),
            (len(result.archived),
             f"Archived {plural(len(result.archived), 'product')} in Atera"),
            (len(result.atera_products_created),
             f"Added {plural(len(result.atera_products_created), 'Xero item')} to Atera's "
             "product list"),
            (len(result.atera_products_found),
             f"Found {plural(len(result.atera_products_found), 'Xero item')} in Atera's "
             "product list already"),
            (len(result.atera_products_skipped),
             f"Did not add {plural(len(result.atera_products_skipped), 'Xero item')} to "
             "Atera: the name is in use"),
            (len(result.atera_customers_skipped),
             f"Did not import {plural(len(result.atera_customers_skipped), 'Xero customer')}: "
             "a matched Atera customer has the name"),
            (len(result.held),
             f"Did not create {plural(len(result.held), 'record')} in Atera: each looks like "
             "one there, a person decides"),
            (len(result.keys_set),
             f"Put the link key on {plural(len(result.keys_set), 'Xero contact')}"),
            (len(result.keys_kept),
             f"Left the Contact Code of {plural(len(result.keys_kept), 'Xero contact')} as "
             "someone else set it"),
        ):
            if n:
                said.append(f"{text}.")
        said += result.notes
    if not any(s.startswith(("Created", "Found", "Archived", "Added", "Did not", "Put"))
               for s in said):
        said.append("Nothing needed changing in Xero or Atera.")
    return said


def done_html(result: ApplyResult | None, plan: Plan | None) -> str:
    """:func:`done_lines` as a list."""
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in done_lines(result, plan)) + "</ul>"
