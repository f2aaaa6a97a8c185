"""Carry out what the decision log says is pending: the second half of Done.

Everything is read back from the workspace, not from the wizard's memory, so a Done that
stopped half-way (error, crash, closed notebook) is finished by running it again, from this
or from another process. Xero records are created through :mod:`matchkit._xero_sync`
(intent first, idempotency keys, lookups). Atera has no idempotency key, so every Atera
record is looked up by name, live, just before it would be created, and its decision is
written right after, one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._exceptions import WizardError
from .._xero_sync import ContactSpec, ItemSpec, ensure_contacts, ensure_items, fold_name
from ..store import Decision, Workspace
from ._model import _flag, _num, _records, _sold, _text

__all__ = ["PENDING_KEY", "ApplyResult", "AteraWriter", "apply_pending", "pending_run"]

PENDING_KEY = "wizard.pending"

Progress = Callable[[str, int, int], None]


class AteraWriter(Protocol):
    """The part of :class:`matchkit.atera.AteraClient` Done uses."""

    def customers(self) -> Iterable[dict[str, Any]]: ...
    def products(self) -> Iterable[dict[str, Any]]: ...
    def expenses(self) -> Iterable[dict[str, Any]]: ...
    def create_customer(self, body: dict[str, Any]) -> int: ...
    def create_product(self, body: dict[str, Any]) -> int: ...
    def update_product(self, product_id: int, body: dict[str, Any]) -> Any: ...
    def update_expense(self, expense_id: int, body: dict[str, Any]) -> Any: ...


@dataclass
class ApplyResult:
    """What Done did (this run; records found instead of created are counted apart)."""

    run_id: str
    xero_items: dict[str, str] = field(default_factory=dict)  # atera_id -> ItemID
    xero_contacts: dict[str, str] = field(default_factory=dict)  # atera_id -> ContactID
    atera_customers_created: list[str] = field(default_factory=list)
    atera_customers_found: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    atera_products_created: list[str] = field(default_factory=list)
    atera_products_found: list[str] = field(default_factory=list)
    atera_products_skipped: list[str] = field(default_factory=list)  # name already in use
    atera_customers_skipped: list[str] = field(default_factory=list)  # name already matched

    def counts(self) -> dict[str, int]:
        return {
            "xero items": len(self.xero_items),
            "xero contacts": len(self.xero_contacts),
            "atera customers created": len(self.atera_customers_created),
            "atera customers found": len(self.atera_customers_found),
            "atera products archived": len(self.archived),
            "atera products created": len(self.atera_products_created),
            "atera products found": len(self.atera_products_found),
            "atera products not added (name in use)": len(self.atera_products_skipped),
            "atera customers not imported (name in use)": len(self.atera_customers_skipped),
        }


def pending_run(ws: Workspace) -> dict[str, Any] | None:
    """The Done that was started and has not finished, if any."""
    value = ws.get_setting(PENDING_KEY)
    return value if isinstance(value, dict) else None


def _spec(d: Mapping[str, Any]) -> dict[str, Any]:
    note = _text(d.get("note"))
    try:
        spec = json.loads(note) if note else {}
    except json.JSONDecodeError:
        spec = {}
    return spec if isinstance(spec, dict) else {}


def _pending_creates(ws: Workspace, entity: str) -> list[tuple[str, dict[str, Any]]]:
    return [(str(d["atera_id"]), _spec(d)) for d in _records(ws.current_decisions(entity))
            if d["action"] == "create"]


def _customer_specs(ws: Workspace, pending: list[tuple[str, dict[str, Any]]]
                    ) -> list[ContactSpec]:
    rows = {str(r["CustomerID"]): r for r in _records(ws.rows("atera", "customers"))}
    emails: dict[str, str] = {}
    for c in _records(ws.rows("atera", "contacts")):
        cid, email = _text(c.get("CustomerID")), _text(c.get("Email"))
        if cid and email and (cid not in emails or _flag(c.get("IsContactPerson"))):
            emails[str(int(float(cid)))] = email
    specs = []
    for atera_id, spec in pending:
        r = rows.get(atera_id, {})
        name = spec.get("name") or _text(r.get("CustomerName"))
        if not name:
            raise WizardError(f"customer {atera_id}: no name to create it in Xero with")
        specs.append(ContactSpec(
            atera_id=atera_id, name=name, email=emails.get(atera_id),
            phone=_text(r.get("Phone")), address=_text(r.get("Address")),
            city=_text(r.get("City")), region=_text(r.get("State")),
            postal_code=_text(r.get("ZipCodeStr")), country=_text(r.get("Country")),
            tax_number=_text(r.get("BusinessNumber")),
            # Xero's spec marks Contact.Website read-only: it is not sent.
            link_existing=False))
    return specs


def _item_specs(pending: list[tuple[str, dict[str, Any]]]) -> list[ItemSpec]:
    specs = []
    for atera_id, spec in pending:
        if not spec.get("name"):
            raise WizardError(f"product {atera_id}: the pending create has no name; "
                              "choose it again in the wizard")
        specs.append(ItemSpec(atera_id=atera_id, name=str(spec["name"]),
                              price=_num(spec.get("price")), code=_text(spec.get("code")),
                              link_existing=False))
    return specs


def apply_pending(ws: Workspace, xero: Any, atera: AteraWriter | None, *, run_id: str,
                  who: str | None = None, progress: Progress | None = None) -> ApplyResult:
    """Create, import, archive and add whatever the decision log has pending."""
    # One open file for the whole run (each step still commits on its own): reopening
    # DuckDB for every record written costs more than the HTTP calls.
    with ws.connect():
        return _apply(ws, xero, atera, run_id=run_id, who=who, progress=progress)


def _apply(ws: Workspace, xero: Any, atera: AteraWriter | None, *, run_id: str,
           who: str | None, progress: Progress | None) -> ApplyResult:
    say = progress or (lambda label, done, total: None)
    result = ApplyResult(run_id)
    items = _pending_creates(ws, "products")
    contacts = _pending_creates(ws, "customers")
    if (items or contacts) and xero is None:
        raise WizardError("Done needs a Xero connection to create items and contacts")
    if items:
        say("creating items in Xero", 0, len(items))
        result.xero_items = ensure_items(ws, xero, _item_specs(items), run_id=run_id, who=who)
        say("creating items in Xero", len(items), len(items))
    if contacts:
        say("creating contacts in Xero", 0, len(contacts))
        result.xero_contacts = ensure_contacts(ws, xero, _customer_specs(ws, contacts),
                                               run_id=run_id, who=who)
        say("creating contacts in Xero", len(contacts), len(contacts))
    atera_work = _atera_work(ws)
    if any(atera_work.values()) and atera is None:
        raise WizardError("Done needs an Atera connection to import customers and update "
                          "the product list")
    if atera is not None:
        _import_customers(ws, atera, atera_work["imports"], result, run_id, who, say)
        _archive(atera, atera_work["archive"], result, say)
        _add_products(ws, atera, atera_work["add"], result, run_id, who, say)
    return result


def _atera_work(ws: Workspace) -> dict[str, list[dict[str, Any]]]:
    """What Atera still needs, from the log: imports, archives, products to add."""
    customers = _records(ws.current_decisions("customers"))
    matched_contacts = {str(d["xero_id"]) for d in customers
                        if d["action"] == "match" and d.get("xero_id")}
    contacts = {str(r["ContactID"]): r for r in _records(ws.rows("xero", "contacts"))}
    imports = []
    for d in _records(ws.current_decisions("imports")):
        cid = str(d["xero_id"])
        if d["action"] == "import" and cid not in matched_contacts:
            c = contacts.get(cid, {})
            imports.append({"ContactID": cid, "Name": _text(c.get("Name")) or _text(d["note"]),
                            **c})
    products = _records(ws.current_decisions("products"))
    archived_now = {f"product:{r['RateID']}" for r in _records(ws.rows("atera", "products"))
                    if _flag(r.get("Archived"))}
    archived_now |= {f"expense:{r['RateID']}" for r in _records(ws.rows("atera", "expenses"))
                     if _flag(r.get("Archived"))}
    archive = [{"atera_id": str(d["atera_id"])} for d in products
               if d["action"] == "unmatch"
               and str(d["atera_id"]).startswith(("product:", "expense:"))
               and str(d["atera_id"]) not in archived_now]
    matched_items = {str(d["xero_id"]) for d in products
                     if d["action"] == "match" and d.get("xero_id")}
    add = [r for r in _records(ws.rows("xero", "items"))
           if str(r["ItemID"]) not in matched_items and _sold(r.get("IsSold"))]
    return {"imports": imports, "archive": archive, "add": add}


def _import_customers(ws: Workspace, atera: AteraWriter, todo: list[dict[str, Any]],
                      result: ApplyResult, run_id: str, who: str | None, say: Progress
                      ) -> None:
    if not todo:
        return
    matched = {str(d["atera_id"]) for d in _records(ws.current_decisions("customers"))
               if d["action"] == "match" and d.get("xero_id")}

    def create(c: dict[str, Any], name: str) -> int:
        body = {"CustomerName": name, "City": _text(c.get("City")),
                "Country": _text(c.get("Country")), "Phone": _text(c.get("Phone"))}
        website = _text(c.get("Website"))
        if website:
            body["Domain"] = website.split("://", 1)[-1].strip("/")
        return atera.create_customer({k: v for k, v in body.items() if v})

    # A same-named Atera customer already matched to another Xero contact keeps its match:
    # taking it over would orphan that contact, which the next run would import again.
    _find_or_create(
        ws, todo, live=list(atera.customers()), name_field="CustomerName", id_field="CustomerID",
        live_key=lambda c: str(c["CustomerID"]), matched=matched,
        name_of=lambda c: str(c["Name"]), create=create,
        decision=lambda aid, c: Decision("customers", "match", atera_id=str(aid),
                                         xero_id=c["ContactID"], method="imported",
                                         score=100.0, who=who, run_id=run_id),
        created=result.atera_customers_created, found=result.atera_customers_found,
        skipped=result.atera_customers_skipped, label="importing customers into Atera",
        say=say)


def _archive(atera: AteraWriter, todo: list[dict[str, Any]], result: ApplyResult,
             say: Progress) -> None:
    if not todo:
        return
    live = {f"product:{p['RateID']}": p for p in atera.products()}
    live |= {f"expense:{p['RateID']}": p for p in atera.expenses()}
    for n, t in enumerate(todo, start=1):
        say("archiving unmatched Atera products", n - 1, len(todo))
        rec = live.get(t["atera_id"])
        if rec is None or rec.get("Archived"):
            continue  # gone or archived already (an earlier Done got this far)
        # PUT replaces the record: send every field back, with Archived set.
        body = {k: rec.get(k) for k in ("Description", "Amount", "SKU", "Category")}
        body["Archived"] = True
        kind, rid = t["atera_id"].split(":", 1)
        if kind == "product":
            atera.update_product(int(rid), body)
        else:
            atera.update_expense(int(rid), body)
        result.archived.append(t["atera_id"])
    say("archiving unmatched Atera products", len(todo), len(todo))


def _add_products(ws: Workspace, atera: AteraWriter, todo: list[dict[str, Any]],
                  result: ApplyResult, run_id: str, who: str | None, say: Progress) -> None:
    if not todo:
        return
    matched = {str(d["atera_id"]) for d in _records(ws.current_decisions("products"))
               if d["action"] in ("match", "create")}
    def create(item: dict[str, Any], name: str) -> int:
        body = {"Description": name, "Amount": _num(item.get("UnitPrice")) or 0.0,
                "SKU": _text(item.get("Code"))}
        return atera.create_product({k: v for k, v in body.items() if v is not None})

    # An Atera product already matched to another item keeps its name to itself: a second
    # product of the same name would only confuse people picking products in Atera.
    _find_or_create(
        ws, todo, live=[p for p in atera.products() if not p.get("Archived")],
        name_field="Description", id_field="RateID", live_key=lambda p: f"product:{p['RateID']}",
        matched=matched, name_of=lambda i: _text(i.get("Name")) or str(i["Code"]),
        create=create,
        decision=lambda rid, i: Decision("products", "match", atera_id=f"product:{rid}",
                                         xero_id=str(i["ItemID"]), method="imported",
                                         score=100.0, who=who, run_id=run_id),
        created=result.atera_products_created, found=result.atera_products_found,
        skipped=result.atera_products_skipped, label="adding Xero items to Atera's product list",
        say=say)


def _find_or_create(
    ws: Workspace, todo: list[dict[str, Any]], *, live: list[dict[str, Any]], name_field: str,
    id_field: str, live_key: Callable[[dict[str, Any]], str], matched: set[str],
    name_of: Callable[[dict[str, Any]], str], create: Callable[[dict[str, Any], str], int],
    decision: Callable[[int, dict[str, Any]], Decision], created: list[str], found: list[str],
    skipped: list[str], label: str, say: Progress,
) -> None:
    """Give each Xero record of ``todo`` an Atera record, found by name or created.

    Atera has no idempotency key, so the live list is read first and each creation is
    recorded at once: a Done that stops half-way finds what it made on the next run. A name
    held by an Atera record already matched elsewhere is skipped, not taken over.
    """
    taken = {fold_name(r.get(name_field)) for r in live if live_key(r) in matched}
    existing = {fold_name(r.get(name_field)): r for r in live if live_key(r) not in matched}
    for n, x in enumerate(todo, start=1):
        say(label, n - 1, len(todo))
        name = name_of(x)
        hit = existing.get(fold_name(name))
        if hit is None and fold_name(name) in taken:
            skipped.append(name)
            continue
        if hit is not None:
            rid = int(hit[id_field])
            found.append(name)
        else:
            rid = create(x, name)
            existing[fold_name(name)] = {id_field: rid, name_field: name}
            created.append(name)
        ws.record_decisions([decision(rid, x)])
    say(label, len(todo), len(todo))
