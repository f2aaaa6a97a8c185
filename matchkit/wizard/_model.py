"""What the wizard shows, read from the workspace: Atera rows, Xero options, proposals.

Everything here is computed from the latest snapshots and the decision log; nothing is
written. Rows and options are small frozen dataclasses so the widgets and the CLI can show
them without knowing DuckDB.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from rapidfuzz import fuzz, process

from .._gate import Verdict, judge, keep_held, verdicts_from
from ..sources import atera_catalogue, atera_frame, xero_frame
from ..store import Workspace, held_rows

__all__ = ["SEARCH_CUTOFF", "AddRow", "Catalogue", "Choice", "ImportRow", "Option", "Row",
           "SuggestFn", "TaxInfo"]

Kind = Literal["products", "customers"]
SuggestFn = Callable[[Workspace, str, int], pd.DataFrame]
# A search hit scoring under this (rapidfuzz WRatio, 0-100) is not shown: "zzzzqqq" fits no
# name, so it finds nothing rather than the 20 least unlike records.
SEARCH_CUTOFF = 60.0
# A supplier (or unsold item) fitting the query at least this well is never pushed out of the
# hits by customers that only look alike: it may be the very record (a company that both
# sells to the MSP and buys from it), and one not found is one created twice.
STRONG_FIT = 90.0


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    text = str(value).strip()
    return text or None


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _flag(value: Any) -> bool:
    return bool(value) if _text(value) is not None else False


def _sold(value: Any) -> bool:
    """Items are sold unless Xero says IsSold is false."""
    return True if _text(value) is None else bool(value)


@dataclass(frozen=True)
class Row:
    """One Atera record to decide about."""

    kind: Kind
    atera_id: str  # as in the decision log: CustomerID, product:ID, expense:ID, rate:...
    name: str
    price: float | None = None
    sku: str | None = None
    detail: str | None = None  # a short extra hint (city, domain, category)

    @property
    def source(self) -> str:
        """'customer', 'product', 'expense' or 'rate'."""
        return "customer" if self.kind == "customers" else self.atera_id.split(":", 1)[0]


@dataclass(frozen=True)
class Option:
    """A Xero record that can be chosen for a row."""

    xero_id: str
    label: str
    score: float | None = None
    method: str | None = None
    ambiguous: bool = False  # matching saw near-equal candidates: a person should pick
    evidence: str | None = None  # matching's words for the pair, as the review grid shows
    role: str | None = None  # for a search hit: "supplier" / "not sold" (last in the list)


@dataclass(frozen=True)
class Choice:
    """What the user has chosen for one row so far (held in memory until Done)."""

    action: Literal["match", "create", "unmatch", "undecided"]
    xero_id: str | None = None
    method: str | None = None
    score: float | None = None
    spec: dict[str, Any] | None = None  # for a pending create from an earlier run

    @property
    def decided(self) -> bool:
        return self.action != "undecided"


UNDECIDED = Choice("undecided")


@dataclass(frozen=True)
class ImportRow:
    """A Xero customer contact that matches no Atera customer.

    ``status``/``reason``: what Atera holds for it (``matchkit._gate``): ``new`` may be
    imported; ``review`` (an Atera customer looks like it) only when a person ticks this
    very contact; ``link``/``exact``/``safe`` never (it is in Atera: match it instead).
    """

    xero_id: str
    name: str
    email: str | None = None
    city: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None
    status: str = "new"
    reason: str = ""


@dataclass(frozen=True)
class AddRow:
    """A sold Xero item that no Atera product is matched to: it may be added to Atera's
    product list, when a person ticks it. ``status``/``reason``: what Atera holds for it
    (as for :class:`ImportRow`)."""

    xero_id: str
    code: str
    name: str
    price: float | None = None
    status: str = "new"
    reason: str = ""


@dataclass(frozen=True)
class TaxInfo:
    """Taxes: only Xero's count from now on; what in Atera still carries tax."""

    revenue_rates: list[dict[str, Any]]  # active Xero rates usable on sales
    taxable_contracts: list[dict[str, Any]]  # Atera contracts marked Taxable
    taxed_lines: list[dict[str, Any]]  # Atera invoice lines (or invoices) with tax
    message: str = (
        "Invoices are exported to Xero without tax; Xero applies its own tax rates "
        "(the item's or account's default). From now on taxes are created and edited in "
        "Xero only."
    )


def _triage(ws: Workspace, kind: str, df: pd.DataFrame) -> dict[str, Verdict]:
    """Per Atera row: linked, exact, safe, needs review, or clearly new (``matchkit._gate``).
    ``df`` is the suggestions; a stand-in without match_frames' columns does not decide
    what may be created: the matcher runs for the verdicts then."""
    from ..matching import triage
    from ..sources import suggest  # late, as in _wizard: the heavy part

    need = {"left_id", "right_id", "score", "ambiguous", "proposed", "method", "rank",
            "evidence", "right_name", "conflict", "alone"}
    df = df.copy() if need <= set(df.columns) else suggest(ws, kind)
    df.attrs["kind"] = kind
    return verdicts_from(triage(df, atera_frame(ws, kind), xero_frame(ws, kind), kind))


@dataclass
class Catalogue:
    """The workspace's current picture, loaded once per wizard (or on refresh)."""

    rows: dict[str, list[Row]]
    items: dict[str, dict[str, Any]]  # ItemID -> typed row
    contacts: dict[str, dict[str, Any]]  # ContactID -> typed row (active only)
    suggestions: dict[str, dict[str, list[Option]]]
    current: dict[str, dict[str, dict[str, Any]]]  # kind -> atera_id -> decision row
    pending_imports: list[str] = field(default_factory=list)
    pending_adds: list[str] = field(default_factory=list)  # ItemIDs ticked by an earlier run
    archived_products: set[str] = field(default_factory=set)
    # kind -> atera_id -> what Xero holds for it (link, exact, safe, review, new)
    verdicts: dict[str, dict[str, Verdict]] = field(default_factory=dict)
    # kind -> the suggestions frame (match_frames output), as the workspace stores them
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    ws: Workspace | None = None

    @property
    def safe(self) -> dict[str, dict[str, str]]:
        """kind -> atera_id -> xero_id of the suggestions safe to accept without a person."""
        return {k: {a: str(v.other_id) for a, v in vs.items() if v.status == "safe"}
                for k, vs in self.verdicts.items()}

    @classmethod
    def load(cls, ws: Workspace, suggest: SuggestFn | None, top: int = 5) -> Catalogue:
        rows = {"products": _product_rows(ws), "customers": _customer_rows(ws)}
        items = {str(r["ItemID"]): r for r in _records(ws.rows("xero", "items"))}
        contacts = {
            str(r["ContactID"]): r for r in _records(ws.rows("xero", "contacts"))
            if (_text(r.get("ContactStatus")) or "ACTIVE") == "ACTIVE"
        }
        current: dict[str, dict[str, dict[str, Any]]] = {}
        for kind in ("products", "customers", "imports", "adds"):
            df = ws.current_decisions(kind)
            current[kind] = {
                str(r["atera_id"] if kind in ("products", "customers") else r["xero_id"]): r
                for r in _records(df)
            }
        suggestions: dict[str, dict[str, list[Option]]] = {"products": {}, "customers": {}}
        verdicts: dict[str, dict[str, Verdict]] = {"products": {}, "customers": {}}
        frames: dict[str, pd.DataFrame] = {}
        if suggest is not None:
            for kind in ("products", "customers"):
                if not rows[kind]:
                    continue
                labels = _labels(items if kind == "products" else contacts, kind)
                df = suggest(ws, kind, top)
                for r in _records(df):
                    rid = _text(r.get("right_id"))
                    if rid is None or rid not in labels:
                        continue
                    suggestions[kind].setdefault(str(r["left_id"]), []).append(
                        Option(rid, labels[rid], _num(r.get("score")), _text(r.get("method")),
                               _flag(r.get("ambiguous")), _text(r.get("evidence"))))
                verdicts[kind] = keep_held(_triage(ws, kind, df), held_rows(ws, kind))
                frames[kind] = df
        matched_contacts = {str(d["xero_id"]) for d in current["customers"].values()
                            if d["action"] == "match" and d.get("xero_id")}
        pending = [cid for cid, d in current["imports"].items()
                   if d["action"] == "import" and cid not in matched_contacts]
        every = atera_catalogue(ws, include_archived=True)
        archived = set(every.loc[every["archived"], "id"])
        matched_items = {str(d["xero_id"]) for d in current["products"].values()
                         if d["action"] == "match" and d.get("xero_id")}
        adds = [iid for iid, d in current["adds"].items()
                if d["action"] == "import" and iid not in matched_items]
        return cls(rows, items, contacts, suggestions, current, pending, adds, archived,
                   verdicts, frames, ws)

    # --- lookups ---------------------------------------------------------------------

    def __post_init__(self) -> None:
        # Indexes: a wizard over 10,000 customers and 100,000 contacts stays responsive.
        self.index = {k: {r.atera_id: r for r in rows} for k, rows in self.rows.items()}
        self._pools = {k: _labels(self.items if k == "products" else self.contacts, k)
                       for k in ("products", "customers")}
        self._import_rows: list[ImportRow] | None = None
        self._item_verdicts: dict[str, Verdict] | None = None
        self._pool_lists: dict[str, list[tuple[list[str], list[str]]]] = {}
        self._role_words: dict[str, dict[str, str]] = {}

    def options_pool(self, kind: str) -> dict[str, str]:
        """Every choosable Xero record for ``kind``: id -> label."""
        return self._pools[kind]

    def search(self, kind: str, text: str, limit: int = 20) -> list[Option]:
        """Xero records whose label fits ``text`` (every record is searched): none for an
        empty query, none scoring under :data:`SEARCH_CUTOFF` (a query that fits nothing
        finds nothing). Customers come before suppliers, sold items before unsold ones;
        within each, the best fit first. A supplier fitting at :data:`STRONG_FIT` or more
        keeps its place among the ``limit`` hits however many customers fit (up to half of
        them)."""
        text = text.strip()
        if not text:
            return []
        roles = self._roles(kind)
        first, rest = (
            [Option(ids[idx], label, round(float(score), 1), "search", role=roles.get(ids[idx]))
             for label, score, idx in process.extract(
                 text, labels, scorer=fuzz.WRatio, processor=str.lower, limit=limit,
                 score_cutoff=SEARCH_CUTOFF)]
            for ids, labels in self._search_pools(kind))  # customers (sold items), the rest
        strong = sum(1 for o in rest if o.score is not None and o.score >= STRONG_FIT)
        return (first[:max(limit - strong, limit // 2)] + rest)[:limit]

    def _search_pools(self, kind: str) -> list[tuple[list[str], list[str]]]:
        if kind not in self._pool_lists:
            pool, roles = self.options_pool(kind), self._roles(kind)
            first = [i for i in pool if i not in roles]
            last = [i for i in pool if i in roles]
            self._pool_lists[kind] = [(ids, [pool[i] for i in ids]) for ids in (first, last)]
        return self._pool_lists[kind]

    def _roles(self, kind: str) -> dict[str, str]:
        """Records that go last in a search, with the word that says why."""
        if kind not in self._role_words:
            self._role_words[kind] = (
                {k: "not sold" for k, v in self.items.items() if not _sold(v.get("IsSold"))}
                if kind == "products" else
                {k: "supplier" for k, v in self.contacts.items()
                 if _flag(v.get("IsSupplier")) and not _flag(v.get("IsCustomer"))})
        return self._role_words[kind]

    def current_choice(self, kind: str, atera_id: str) -> Choice | None:
        d = self.current[kind].get(atera_id)
        if d is None:
            return None
        action = d["action"]
        if action == "match":
            return Choice("match", str(d["xero_id"]), _text(d.get("method")),
                          _num(d.get("score")))
        if action == "create":
            note = _text(d.get("note"))
            spec = json.loads(note) if note and note.startswith("{") else None
            return Choice("create", spec=spec)
        if action == "unmatch":
            return Choice("unmatch", method=_text(d.get("method")))
        return None

    def import_rows(self) -> list[ImportRow]:
        """Active Xero customers (not only-suppliers), matched or not."""
        if self._import_rows is None:
            self._import_rows = self._build_import_rows()
        return self._import_rows

    def _build_import_rows(self) -> list[ImportRow]:
        keep = {cid for cid, c in self.contacts.items()
                if not (_flag(c.get("IsSupplier")) and not _flag(c.get("IsCustomer")))}
        verdicts = self._atera_verdicts("customers", keep)
        out = []
        for cid in keep:
            c = self.contacts[cid]
            v = verdicts.get(cid)
            out.append(ImportRow(cid, str(c.get("Name") or ""), _text(c.get("EmailAddress")),
                                 _text(c.get("City")), _text(c.get("Country")),
                                 _text(c.get("Phone")), _text(c.get("Website")),
                                 v.status if v else "new", v.reason if v else ""))
        return sorted(out, key=lambda r: r.name.lower())

    def item_verdicts(self) -> dict[str, Verdict]:
        """Per sold Xero item (ItemID): what Atera's products, expenses and rates hold for
        it, for adding the unmatched ones to Atera's product list."""
        if self._item_verdicts is None:
            sold = {iid for iid, i in self.items.items() if _sold(i.get("IsSold"))}
            self._item_verdicts = self._atera_verdicts("products", sold)
        return self._item_verdicts

    def add_rows(self) -> list[AddRow]:
        """Every sold Xero item with what Atera holds for it, by name."""
        verdicts = self.item_verdicts()
        out = []
        for iid, i in self.items.items():
            if not _sold(i.get("IsSold")):
                continue
            v = verdicts.get(iid)
            out.append(AddRow(iid, str(i.get("Code") or ""),
                              _text(i.get("Name")) or str(i.get("Code")),
                              _num(i.get("UnitPrice")), v.status if v else "new",
                              v.reason if v else ""))
        return sorted(out, key=lambda r: r.name.lower())

    def _atera_verdicts(self, kind: str, xero_ids: set[str]) -> dict[str, Verdict]:
        """Xero records (``xero_ids``) judged against Atera's side: may they be created in
        Atera? (The same rule as for creating in Xero, the other way round.)"""
        if self.ws is None or not xero_ids:
            return {}
        todo = xero_frame(self.ws, kind)
        todo = todo[todo["id"].isin(xero_ids)].reset_index(drop=True)
        return judge(kind, todo, atera_frame(self.ws, kind),
                     held=held_rows(self.ws, "imports" if kind == "customers" else "adds"))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    if df.empty:
        return []
    return [{str(k): (None if _text(v) is None else v) for k, v in r.items()}
            for r in df.to_dict("records")]


def _labels(pool: dict[str, dict[str, Any]], kind: str) -> dict[str, str]:
    if kind == "products":
        return {k: f"{v.get('Code')} — {v.get('Name') or v.get('Description') or ''}".strip()
                for k, v in pool.items()}
    return {k: str(v.get("Name") or "") for k, v in pool.items()}


def _product_rows(ws: Workspace) -> list[Row]:
    # archived products and expenses are no longer offered in Atera (atera_catalogue)
    c = atera_catalogue(ws)
    kinds = {"product": None, "expense": None, "rate": "labour rate"}
    return [Row("products", str(i), str(name), _num(price), _text(sku),
                kinds[source] or _text(category) or source)
            for i, source, name, price, sku, category in zip(
                c["id"], c["source"], c["name"], c["price"], c["sku"], c["category"],
                strict=True)]


def _customer_rows(ws: Workspace) -> list[Row]:
    out = []
    for r in _records(ws.rows("atera", "customers")):
        detail = ", ".join(x for x in (_text(r.get("City")), _text(r.get("Domain"))) if x)
        out.append(Row("customers", str(r["CustomerID"]), str(r["CustomerName"]),
                       detail=detail or None))
    return out


def tax_info(ws: Workspace) -> TaxInfo:
    rates = [r for r in _records(ws.rows("xero", "tax_rates"))
             if (_text(r.get("Status")) or "ACTIVE") == "ACTIVE"
             and _flag(r.get("CanApplyToRevenue"))]
    revenue = [{"TaxType": r["TaxType"], "Name": r["Name"],
                "Rate": _num(r.get("EffectiveRate")) or _num(r.get("DisplayTaxRate"))}
               for r in rates]
    contracts = [{"ContractID": r["ContractID"], "ContractName": r.get("ContractName"),
                  "CustomerName": r.get("CustomerName")}
                 for r in _records(ws.rows("atera", "contracts")) if _flag(r.get("Taxable"))]
    lines = [{"InvoiceNumber": r["InvoiceNumber"], "Line": r.get("LineIdx"),
              "Description": r.get("Description") or r.get("Product"),
              "Tax": _num(r.get("Tax")), "TaxPercentage": _num(r.get("TaxPercentage"))}
             for r in _records(ws.rows("atera", "invoice_lines"))
             if (_num(r.get("Tax")) or 0) != 0 or (_num(r.get("TaxPercentage")) or 0) != 0]
    return TaxInfo(revenue, contracts, lines)


def names_of(rows: Iterable[Row]) -> dict[str, Row]:
    return {r.atera_id: r for r in rows}
