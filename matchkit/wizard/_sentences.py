"""What the Summary and Done say, in plain sentences: one text for every face.

The wizard's pages (``widgets/_texts.py``) put each sentence's records behind a "show all"
expander; the CLI (``matchkit wizard``, ``matchkit demo``) prints the sentences and lists the
records. Both read them from here, so a page and a terminal never tell a run differently.
Texts are plain (no HTML): escape them before they reach a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # attributes only: _plan imports this module to speak
    from ._apply import ApplyResult
    from ._plan import Plan

__all__ = ["Sentence", "decisions_text", "done_sentences", "left_alone", "plural",
           "summary_sentences", "summary_text", "will_do"]

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


@dataclass(frozen=True)
class Sentence:
    """One thing a run will do (or leaves alone): ``key`` is a stable title (the JSON's
    section name), ``text`` the sentence with its count, ``items`` the records it concerns."""

    key: str
    text: str
    items: tuple[str, ...] = ()


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 item``, ``2 items``, ``no items``."""
    many = many if many is not None else one + "s"
    return f"{n} {one}" if n == 1 else f"{'no' if n == 0 else n} {many}"


def _price(p: float | None) -> str:
    return "no price" if p is None else f"{p:.2f}"


def decisions_text(plan: Plan) -> str:
    """``3 customers matched to Xero contacts, 1 customer left unmatched``."""
    by: dict[tuple[str, str], int] = {}
    for d in plan.decisions:
        by[(d.entity, d.action)] = by.get((d.entity, d.action), 0) + 1
    order = list(_DECISIONS)
    parts = []
    for (entity, action), n in sorted(by.items(), key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else len(order), kv[0])):
        one, many = _DECISIONS.get((entity, action), (f"{entity} {action}",) * 2)
        parts.append(plural(n, one, many))
    return ", ".join(parts)


def summary_sentences(plan: Plan) -> tuple[list[Sentence], list[Sentence]]:
    """What Done will do, and what it leaves alone; sentences with nothing to say are left
    out (``Plan.sections`` keeps every title for JSON)."""
    will = [s for s in will_do(plan) if s.items or (s.key == "Record decisions"
                                                     and plan.decisions)]
    left = [s for s in left_alone(plan) if s.items]
    return will, left


def will_do(plan: Plan) -> list[Sentence]:
    n = len
    return [
        Sentence("Create in Xero: items",
                 f"Create {plural(n(plan.xero_items), 'item')} in Xero, with the Atera price.",
                 tuple(f"{i.code} — {i.name} ({_price(i.price)})" for i in plan.xero_items)),
        Sentence("Create in Xero: contacts",
                 f"Create {plural(n(plan.xero_contacts), 'contact')} in Xero.",
                 tuple((c.name if c.name == c.atera_name
                        else f"{c.name} (Atera: {c.atera_name})")
                       + (f" [Contact Code {c.key}]" if c.key else "")
                       for c in plan.xero_contacts)),
        Sentence("Create in Atera: customers (imported from Xero)",
                 f"Create {plural(n(plan.atera_customers), 'customer')} in Atera, imported "
                 "from Xero.", tuple(c.name for c in plan.atera_customers)),
        Sentence("Archive in Atera: products no longer offered",
                 f"Archive {plural(n(plan.atera_archive), 'product')} in Atera: matched to "
                 "no Xero item, they will no longer be offered.",
                 tuple(a.name for a in plan.atera_archive)),
        Sentence("Add to Atera's product list: Xero items",
                 f"Add {plural(n(plan.atera_products), 'Xero item')} to Atera's product "
                 "list: no Atera product is matched to them.",
                 tuple(f"{p.code} — {p.name} ({_price(p.price)})"
                       for p in plan.atera_products)),
        Sentence("Set the link key (Contact Code) on matched Xero contacts",
                 "Put the link key (Contact Code) on "
                 f"{plural(n(plan.xero_keys), 'matched Xero contact')}, so that any "
                 "workspace finds it again.",
                 tuple(f"{k.name}: {k.key}" for k in plan.xero_keys)),
        Sentence("Record decisions",
                 f"Record {plural(n(plan.decisions), 'decision')} in the workspace: "
                 f"{decisions_text(plan)}."),
    ]


def _atera_id(kind: str, key: str) -> str:
    """``Atera customer 2``, ``Atera product:12`` (product ids carry their kind)."""
    return f"Atera customer {key}" if kind == "customers" else f"Atera {key}"


def left_alone(plan: Plan) -> list[Sentence]:
    review = plan.left_for_review()
    others = [h for h in plan.review if h.kind in ("imports", "adds")]
    return [
        Sentence("Left for review: Xero has something like these, a person decides (match "
                 "one, or create it by naming it)",
                 plural(len(review), "Atera row looks like a Xero record and waits",
                        "Atera rows look like a Xero record and wait")
                 + " for you: neither created nor archived (match each, or choose Create for "
                 "that row).",
                 tuple(f"{h.name} ({_atera_id(h.kind, h.key)}): {h.reason}"
                       for h in review)),
        Sentence("Not imported or added to Atera: Atera has something like these (tick one "
                 "by itself to import it anyway)",
                 f"{plural(len(others), 'Xero record is', 'Xero records are')} not imported "
                 "or added to Atera: Atera has something like them.",
                 tuple(f"{h.name}: {h.reason}" for h in others)),
        Sentence("Contact Code left as it is (set by someone else; matching still works "
                 "from this workspace's decisions)",
                 plural(len(plan.keys_kept), "matched Xero contact keeps",
                        "matched Xero contacts keep")
                 + " the Contact Code someone else gave it.",
                 tuple(f"{k.name}: keeps {k.current} (Atera {k.atera_id}, key {k.key})"
                       for k in plan.keys_kept)),
        Sentence("Left as they are: labour rates without a match (Atera's API cannot "
                 "archive them)",
                 f"{plural(len(plan.rates_kept), 'labour rate')} without a match stay as "
                 "they are (Atera's API cannot archive them).",
                 tuple(r.name for r in plan.rates_kept)),
        Sentence("Not added to Atera: Xero items whose name a matched Atera product has",
                 f"{plural(len(plan.adds_skipped), 'Xero item is', 'Xero items are')} not "
                 "added to Atera: a matched Atera product has the same name.",
                 tuple(r.name for r in plan.adds_skipped)),
        Sentence("Not imported: a matched Atera customer has the same name (match it "
                 "instead)",
                 f"{plural(len(plan.imports_skipped), 'Xero customer is', 'Xero customers are')}"
                 " not imported: a matched Atera customer has the same name (match it "
                 "instead).", tuple(r.name for r in plan.imports_skipped)),
    ]


def summary_text(plan: Plan, button: str = "Done") -> str:
    """The Summary for a terminal: each sentence, then its records."""
    will, left = summary_sentences(plan)
    # what is left for a person is listed even when nothing is to change (the CLI says
    # "listed above")
    lines = [f"Summary (dry run): when {button} runs, matchkit will" if will else
             f"Summary (dry run): nothing to change, {button} would write nothing."]
    for title, group in (("", will), ("Left alone:", left)):
        if group and title:
            lines.append(title)
        for s in group:
            lines.append(f"  {s.text}")
            lines += [f"    - {x}" for x in s.items]
    return "\n".join(lines)


def done_sentences(result: ApplyResult | None, plan: Plan | None) -> list[str]:
    """What Done (or Apply changes) did; zero counts are left out."""
    said = []
    if plan is not None and plan.decisions:
        said.append(f"Recorded {plural(len(plan.decisions), 'decision')}: "
                    f"{decisions_text(plan)}.")
    if result is not None:
        said += [f"{text}." for n, text in _done(result) if n]
        said += result.notes
    if not any(s.startswith(("Created", "Found", "Archived", "Added", "Did not", "Put"))
               for s in said):
        said.append("Nothing needed changing in Xero or Atera.")
    return said


def _done(r: ApplyResult) -> list[tuple[int, str]]:
    n = len
    return [
        (n(r.xero_items), f"Created {plural(n(r.xero_items), 'item')} in Xero (any an earlier "
         "run had made was found and used, not made again)"),
        (n(r.xero_contacts), f"Created {plural(n(r.xero_contacts), 'contact')} in Xero (any "
         "an earlier run had made was found and used, not made again)"),
        (n(r.atera_customers_created),
         f"Created {plural(n(r.atera_customers_created), 'customer')} in Atera"),
        (n(r.atera_customers_found),
         f"Found {plural(n(r.atera_customers_found), 'customer')} in Atera already, and "
         "matched them"),
        (n(r.archived), f"Archived {plural(n(r.archived), 'product')} in Atera"),
        (n(r.atera_products_created),
         f"Added {plural(n(r.atera_products_created), 'Xero item')} to Atera's product list"),
        (n(r.atera_products_found),
         f"Found {plural(n(r.atera_products_found), 'Xero item')} in Atera's product list "
         "already"),
        (n(r.atera_products_skipped),
         f"Did not add {plural(n(r.atera_products_skipped), 'Xero item')} to Atera: the name "
         "is in use"),
        (n(r.atera_customers_skipped),
         f"Did not import {plural(n(r.atera_customers_skipped), 'Xero customer')}: a matched "
         "Atera customer has the name"),
        (n(r.held), f"Did not create {plural(n(r.held), 'record')} in Atera: each looks like "
         "one there, a person decides"),
        (n(r.keys_set), f"Put the link key on {plural(n(r.keys_set), 'Xero contact')}"),
        (n(r.keys_kept), f"Left the Contact Code of {plural(n(r.keys_kept), 'Xero contact')} "
         "as someone else set it"),
    ]
