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

from ..wizard import ApplyResult, Plan, Sentence, Wizard, done_sentences, plural, summary_sentences
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


def summary_html(plan: Plan, button: str = "Done") -> str:
    """What ``button`` will do, in sentences, each with its records behind "show all"."""
    will, left = summary_sentences(plan)

    def items(group: list[Sentence]) -> str:
        return "".join(_sentence(esc(s.text), s.items) for s in group)

    # what is left for a person is listed whether or not anything is to change
    return ((f"<p>When you click <b>{esc(button)}</b>, matchkit will:</p><ul>{items(will)}</ul>"
             if will else f"<p>Nothing to change: {esc(button)} would write nothing.</p>")
            + (f"<p>Left alone:</p><ul>{items(left)}</ul>" if left else ""))


def done_lines(result: ApplyResult | None, plan: Plan | None) -> list[str]:
    """What Done (or Apply changes) did, as plain sentences; zero counts are left out."""
    return done_sentences(result, plan)


def done_html(result: ApplyResult | None, plan: Plan | None) -> str:
    """:func:`done_lines` as a list."""
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in done_lines(result, plan)) + "</ul>"
