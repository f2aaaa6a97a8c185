"""Carry out what the decision log says is pending: the second half of Done.

Everything is read back from the workspace, not from the wizard's memory, so a Done that
stopped half-way (error, crash, closed notebook) is finished by running it again, from this
or from another process. Xero records are created through :mod:`matchkit.outbox`
(intent first, idempotency keys, lookups). Atera has no idempotency key, so every Atera
record is looked up by name, live, just before it would be created, and its decision is
written right after, one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._exceptions import NotFoundError, ValidationError, WizardError
from .._gate import NAMED_METHODS, Verdict, judge
from .._keys import contact_key
from ..outbox import (
    ContactSpec,
    ItemSpec,
    ensure_contact_keys,
    ensure_contacts,
    ensure_items,
    fold_name,
)
from ..sources import (
    atera_catalogue,
    contacts_frame,
    customers_frame,
    is_archived,
    items_frame,
    products_frame,
    typed,
)
from ..store import Decision, Workspace, held_rows
from ..xero import XeroWriter
from ._model import _flag, _num, _records, _sold, _text

__all__ = ["PENDING_KEY", "ApplyResult", "AteraWriter", "apply_pending", "pending_run"]

PENDING_KEY = "wizard.pending"
# The Atera customer field that holds the Xero ContactID of an imported customer; it is
# defined in Atera's UI (Admin > Custom fields), Atera's API cannot create it.
XERO_ID_FIELD = "Xero Contact ID"

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
    held: list[str] = field(default_factory=list)  # not created: looks like "..." (why)
    keys_set: dict[str, str] = field(default_factory=dict)  # atera_id -> ContactID keyed
    keys_kept: dict[str, str] = field(default_factory=dict)  # atera_id -> another code kept
    notes: list[str] = field(default_factory=list)  # what could not be done, and why

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
            "not created in Atera (looks like a record there)": len(self.held),
            "xero contacts given their link key": len(self.keys_set),
            "xero contacts keeping another Contact Code": len(self.keys_kept),
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


def _pending_creates(ws: Workspace, entity: str) -> list[tuple[str, dict[str, Any], bool]]:
    """(atera_id, planned spec, named by a person) of every pending ``create``."""
    return [(str(d["atera_id"]), _spec(d), _text(d.get("method")) in NAMED_METHODS)
            for d in _records(ws.current_decisions(entity)) if d["action"] == "create"]


def _customer_specs(ws: Workspace, pending: list[tuple[str, dict[str, Any], bool]]
                    ) -> list[ContactSpec]:
    rows = {str(r["CustomerID"]): r for r in _records(ws.rows("atera", "customers"))}
    emails: dict[str, str] = {}
    for c in _records(ws.rows("atera", "contacts")):
        cid, email = _text(c.get("CustomerID")), _text(c.get("Email"))
        if cid and email and (cid not in emails or _flag(c.get("IsContactPerson"))):
            emails[str(int(float(cid)))] = email
    specs = []
    for atera_id, spec, named in pending:
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
            # evidence only: Xero's spec marks Contact.Website read-only, it is not sent
            website=_text(r.get("Domain")), confirmed=named))
    return specs


def _item_specs(pending: list[tuple[str, dict[str, Any], bool]]) -> list[ItemSpec]:
    specs = []
    for atera_id, spec, named in pending:
        if not spec.get("name"):
            raise WizardError(f"product {atera_id}: the pending create has no name; "
                              "choose it again in the wizard")
        specs.append(ItemSpec(atera_id=atera_id, name=str(spec["name"]),
                              price=_num(spec.get("price")), code=_text(spec.get("code")),
                              confirmed=named))
    return specs


def apply_pending(ws: Workspace, xero: XeroWriter | None, atera: AteraWriter | None, *, run_id: str,
                  who: str | None = None, progress: Progress | None = None) -> ApplyResult:
    """Create, import, archive and add whatever the decision log has pending."""
    # One open file for the whole run (each step still commits on its own): reopening
    # DuckDB for every record written costs more than the HTTP calls.
    with ws.connect():
        return _apply(ws, xero, atera, run_id=run_id, who=who, progress=progress)


def _apply(ws: Workspace, xero: XeroWriter | None, atera: AteraWriter | None, *, run_id: str,
           who: str | None, progress: Progress | None) -> ApplyResult:
    say = progress or (lambda label, done, total: None)
    result = ApplyResult(run_id)
    items = _pending_creates(ws, "products")
    contacts = _pending_creates(ws, "customers")
    if (items or contacts) and xero is None:
        raise WizardError("Done needs a Xero connection to create items and contacts")
    if items and xero is not None:
        say("creating items in Xero", 0, len(items))
        result.xero_items = ensure_items(ws, xero, _item_specs(items), run_id=run_id, who=who)
        say("creating items in Xero", len(items), len(items))
    if contacts and xero is not None:
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
    if xero is not None:
        _link_keys(ws, xero, result, run_id, say)
    return result


def _link_keys(ws: Workspace, xero: XeroWriter, result: ApplyResult, run_id: str, say: Progress
               ) -> None:
    """Every matched Xero contact gets its Atera customer's link key (ContactNumber), so a
    workspace that has never seen this organisation recognises it; another code is kept."""
    pairs: dict[str, str] = {}
    for d in _records(ws.current_decisions("customers")):
        if d["action"] == "match" and d.get("xero_id"):
            try:
                contact_key(d["atera_id"])
            except ValueError:
                continue
            pairs[str(d["atera_id"])] = str(d["xero_id"])
    if not pairs:
        return
    say("putting link keys on matched Xero contacts", 0, len(pairs))
    keys = ensure_contact_keys(ws, xero, pairs, run_id=run_id)
    result.keys_set = keys.set
    result.keys_kept = keys.kept
    say("putting link keys on matched Xero contacts", len(pairs), len(pairs))


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
                            **c, "_named": _text(d.get("method")) in NAMED_METHODS})
    products = _records(ws.current_decisions("products"))
    every = atera_catalogue(ws, include_archived=True)
    archived_now = set(every.loc[every["archived"], "id"])
    archive = [{"atera_id": str(d["atera_id"])} for d in products
               if d["action"] == "unmatch"
               and str(d["atera_id"]).startswith(("product:", "expense:"))
               and str(d["atera_id"]) not in archived_now]
    matched_items = {str(d["xero_id"]) for d in products
                     if d["action"] == "match" and d.get("xero_id")}
    # only the items a person ticked (wizard: Import into Atera), not every unmatched one
    ticked = {str(d["xero_id"]): _text(d.get("method")) in NAMED_METHODS
              for d in _records(ws.current_decisions("adds")) if d["action"] == "import"}
    add = [{**r, "_named": ticked[str(r["ItemID"])]} for r in _records(ws.rows("xero", "items"))
           if str(r["ItemID"]) in ticked and str(r["ItemID"]) not in matched_items
           and _sold(r.get("IsSold"))]
    return {"imports": imports, "archive": archive, "add": add}


def _import_customers(ws: Workspace, atera: AteraWriter, todo: list[dict[str, Any]],
                      result: ApplyResult, run_id: str, who: str | None, say: Progress
                      ) -> None:
    if not todo:
        return
    matched = {str(d["atera_id"]) for d in _records(ws.current_decisions("customers"))
               if d["action"] == "match" and d.get("xero_id")}
    set_field = getattr(atera, "set_custom_value", None)
    field_ok = [set_field is not None]

    def create(c: dict[str, Any], name: str) -> int:
        body = {"CustomerName": name, "City": _text(c.get("City")),
                "Country": _text(c.get("Country")), "Phone": _text(c.get("Phone"))}
        website = _text(c.get("Website"))
        if website:
            body["Domain"] = website.split("://", 1)[-1].strip("/")
        new_id = atera.create_customer({k: v for k, v in body.items() if v})
        if field_ok[0]:
            # where Atera has a place for it, the customer carries its Xero ContactID too
            try:
                assert set_field is not None
                set_field(new_id, XERO_ID_FIELD, str(c["ContactID"]))
            except (ValidationError, NotFoundError):
                field_ok[0] = False
                result.notes.append(
                    f"Atera has no customer field {XERO_ID_FIELD!r} (create it in Atera: "
                    "Admin > Custom fields) so imported customers do not carry their Xero "
                    "ContactID there; the link key on the Xero contact still ties them")
        return new_id

    live = list(atera.customers())
    todo_ids = {str(c["ContactID"]) for c in todo}
    xero_rows = ws.rows("xero", "contacts")
    xero_rows = xero_rows[xero_rows["ContactID"].astype(str).isin(todo_ids)]
    # the Atera side with its contacts' e-mails and phones, as the plan judged it
    verdicts = judge("customers", contacts_frame(xero_rows, include_archived=True),
                     customers_frame(typed("atera", "customers", live),
                                     ws.rows("atera", "contacts")),
                     held=held_rows(ws, "imports"))
    # A same-named Atera customer already matched to another Xero contact keeps its match:
    # taking it over would orphan that contact, which the next run would import again.
    _find_or_create(
        ws, todo, verdicts=verdicts, id_of=lambda c: str(c["ContactID"]),
        atera_id_of=lambda rid: str(rid), matched=matched,
        name_of=lambda c: str(c["Name"]), create=create,
        decision=lambda aid, c, how: Decision("customers", "match", atera_id=aid,
                                              xero_id=c["ContactID"], method=how,
                                              score=100.0, who=who, run_id=run_id),
        created=result.atera_customers_created, found=result.atera_customers_found,
        skipped=result.atera_customers_skipped, held=result.held,
        label="importing customers into Atera", say=say)


def _archive(atera: AteraWriter, todo: list[dict[str, Any]], result: ApplyResult,
             say: Progress) -> None:
    if not todo:
        return
    live = {f"product:{p['RateID']}": p for p in atera.products()}
    live |= {f"expense:{p['RateID']}": p for p in atera.expenses()}
    for n, t in enumerate(todo, start=1):
        say("archiving unmatched Atera products", n - 1, len(todo))
        rec = live.get(t["atera_id"])
        if rec is None or is_archived(rec.get("Archived")):
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
        # the SKU is the Xero item's Code: where Atera's product has a place for its tie
        body = {"Description": name, "Amount": _num(item.get("UnitPrice")) or 0.0,
                "SKU": _text(item.get("Code"))}
        return atera.create_product({k: v for k, v in body.items() if v is not None})

    # products_frame leaves archived ones out (the one rule, matchkit.sources.is_archived)
    live = products_frame(typed("atera", "products", atera.products()),
                          typed("atera", "expenses", atera.expenses()),
                          ws.rows("atera", "contract_rates"))
    todo_ids = {str(i["ItemID"]) for i in todo}
    items = ws.rows("xero", "items")
    verdicts = judge("products", items_frame(items[items["ItemID"].astype(str).isin(
        todo_ids)]), live, held=held_rows(ws, "adds"))
    # An Atera product already matched to another item keeps its name to itself: a second
    # product of the same name would only confuse people picking products in Atera.
    _find_or_create(
        ws, todo, verdicts=verdicts,
        id_of=lambda i: str(i["ItemID"]), atera_id_of=lambda rid: f"product:{rid}",
        matched=matched, name_of=lambda i: _text(i.get("Name")) or str(i["Code"]),
        create=create,
        decision=lambda aid, i, how: Decision("products", "match", atera_id=aid,
                                              xero_id=str(i["ItemID"]), method=how,
                                              score=100.0, who=who, run_id=run_id),
        created=result.atera_products_created, found=result.atera_products_found,
        skipped=result.atera_products_skipped, held=result.held,
        label="adding Xero items to Atera's product list", say=say)


def _find_or_create(
    ws: Workspace, todo: list[dict[str, Any]], *, verdicts: Mapping[str, Verdict],
    id_of: Callable[[dict[str, Any]], str], atera_id_of: Callable[[int], str],
    matched: set[str], name_of: Callable[[dict[str, Any]], str],
    create: Callable[[dict[str, Any], str], int],
    decision: Callable[[str, dict[str, Any], str], Decision], created: list[str],
    found: list[str], skipped: list[str], held: list[str], label: str, say: Progress,
) -> None:
    """Give each Xero record of ``todo`` an Atera record: the one Atera has (its link key or
    its name: ``verdicts``, judged against the live list), or a new one when nothing in
    Atera looks like it (``matchkit._gate``) or a person ticked this very record
    (``_named``). A look-alike is left for a person; a record already matched elsewhere is
    skipped, not taken over.

    Atera has no idempotency key, so the live list is read first and each creation is
    recorded at once: a Done that stops half-way finds what it made on the next run.
    """
    made: dict[str, str] = {}  # folded name -> the Atera id created in this run
    for n, x in enumerate(todo, start=1):
        say(label, n - 1, len(todo))
        name = name_of(x)
        v = verdicts.get(id_of(x)) or Verdict(id_of(x), "new")
        if fold_name(name) in made:
            ws.record_decisions([decision(made[fold_name(name)], x, "exact")])
            found.append(name)
        elif v.exists and v.other_id is not None:
            if v.other_id in matched:
                skipped.append(name)
                continue
            ws.record_decisions([decision(v.other_id, x, v.status)])
            found.append(name)
        elif v.allows(bool(x.get("_named"))):
            aid = atera_id_of(create(x, name))
            made[fold_name(name)] = aid
            ws.record_decisions([decision(aid, x, "imported")])
            created.append(name)
        else:
            held.append(f"{name}: {v.reason}")
    say(label, len(todo), len(todo))
