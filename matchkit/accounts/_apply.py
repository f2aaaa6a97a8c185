"""The mapping at export time: checked against the organisation as it is now, before anything
is sent, then stamped on every line (``AccountCode``, ``Tracking``).

An export with no mapping makes no extra call. With one, ``/Accounts`` and
``/TrackingCategories`` are read fresh, every rule a ready invoice uses is checked, and an
invoice whose rule Xero would refuse (or misbook) is refused with one sentence per problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..matching import normalise_product
from ..sources import atera_catalogue
from ..store import Workspace
from ..xero import XeroReader
from ._rules import MAX_TRACKING, LineAccount, Rule, org_problems, resolve

__all__ = ["LineAccounts", "check_line_accounts", "line_keys", "org_lists", "stamp_lines"]

# Atera number -> line position (1-based) -> what the line gets
LineAccounts = dict[str, dict[int, LineAccount]]


def _k(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def org_lists(xero: XeroReader) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The organisation's accounts and tracking categories (archived ones too, so a rule
    naming one is told why it cannot be used)."""
    body = xero.request("GET", "TrackingCategories", params={"includeArchived": "true"}).json()
    return list(xero.accounts()), list(body.get("TrackingCategories") or [])


class _Line(Protocol):
    @property
    def product(self) -> str: ...


class _Invoice(Protocol):
    """What the mapping reads of an invoice: ``matchkit.export``'s parsed one is one."""

    @property
    def number(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def contract(self) -> str: ...

    @property
    def lines(self) -> Sequence[_Line]: ...


class _Keys:
    """Atera product name -> Category, and (customer, contract name) -> ContractType."""

    def __init__(self, ws: Workspace) -> None:
        c = atera_catalogue(ws)
        names = [str(n) for n in c["name"]]
        cats = [str(k) if str(k).strip() else None for k in c["category"]]
        self.category: dict[str, str | None] = {}
        for key, cat in zip(normalise_product(names) if names else [], cats, strict=True):
            self.category.setdefault(key, cat)
        self.contract: dict[tuple[str, str], str] = {}
        self.contract_any: dict[str, set[str]] = {}
        for r in ws.rows("atera", "contracts").to_dict("records"):
            kind = r.get("ContractType")
            if not isinstance(kind, str) or not kind:
                continue
            name = _k(r.get("ContractName"))
            self.contract[(_k(r.get("CustomerName")), name)] = kind
            self.contract_any.setdefault(name, set()).add(kind)

    def of_invoice(self, inv: _Invoice) -> str | None:
        name = _k(inv.contract)
        if not name:
            return None
        found = self.contract.get((_k(inv.company), name))
        if found:
            return found
        kinds = self.contract_any.get(name, set())
        return next(iter(kinds)) if len(kinds) == 1 else None

    def of_products(self, products: list[str]) -> list[str | None]:
        if not products:
            return []
        return [self.category.get(k) if p else None
                for p, k in zip(products, normalise_product(products), strict=True)]


def line_keys(ws: Workspace, invoices: Sequence[_Invoice]
              ) -> dict[str, tuple[str | None, list[str | None]]]:
    """Per Atera invoice number: its contract type and each line's product category, in the
    order of its lines."""
    keys = _Keys(ws)
    return {inv.number: (keys.of_invoice(inv), keys.of_products([ln.product for ln in inv.lines]))
            for inv in invoices}


def check_line_accounts(ws: Workspace, xero: XeroReader, report: Any) -> LineAccounts:
    """What every line of the ready invoices of ``report`` gets; invoices whose rules fail
    the organisation's check are moved from ready to refused (``mapping_invalid``)."""
    rules = [Rule.from_row(r) for r in ws.account_mapping()]
    if not rules or not report.ready:
        return {}
    from ..export import Problem  # the export's own problem type; imported late (no cycle)

    accounts, categories = org_lists(xero)
    report.mapping_rules = len(rules)  # the dry run lists these two reads
    checked: dict[Rule, list[str]] = {}
    keys = line_keys(ws, [p.invoice for p in report.ready])
    out: LineAccounts = {}
    ready = []
    for p in report.ready:
        contract, cats = keys.get(p.number, (None, []))
        lines: dict[int, LineAccount] = {}
        problems: list[tuple[int, str]] = []
        for i, cat in enumerate(cats, start=1):
            got = resolve(rules, cat, contract)
            for rule in got.rules:
                if rule not in checked:
                    checked[rule] = org_problems(rule, accounts, categories)
                problems += [(i, m) for m in checked[rule]]
            if len(got.tracking) > MAX_TRACKING:
                problems.append((i, f"{' and '.join(str(r) for r in got.rules)} give "
                                 f"{len(got.tracking)} tracking categories; Xero takes at most "
                                 f"{MAX_TRACKING} on a line"))
            if got.account_code or got.tracking:
                lines[i] = got
        if problems:
            seen = set()
            for i, msg in problems:
                if msg not in seen:
                    seen.add(msg)
                    report.problems.append(Problem(p.number, i, "mapping_invalid", msg))
            continue
        ready.append(p)
        p.line_accounts = lines
        if lines:
            out[p.number] = lines
    if len(ready) < len(report.ready):
        report.ready = ready
        wanted = {p.customer_id for p in ready if p.contact_id is None}
        report.contacts_to_create = [c for c in report.contacts_to_create
                                     if c.atera_id in wanted]
        items = {a for p in ready for a in p.item_needs.values()}
        report.items_to_create = [s for s in report.items_to_create if s.atera_id in items]
    return out


def stamp_lines(body: dict[str, Any], lines: Mapping[int, LineAccount]) -> None:
    """Give each line of a Xero payload its mapped ``AccountCode`` and ``Tracking``."""
    payload_lines = body.get("LineItems") or []
    for i, got in lines.items():
        if not 1 <= i <= len(payload_lines):
            continue
        line = payload_lines[i - 1]
        if got.account_code:
            line["AccountCode"] = got.account_code
        if got.tracking:
            line["Tracking"] = got.tracking_json()
