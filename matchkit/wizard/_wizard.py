"""The sync wizard as a plain state machine (no widgets): what a person clicks, code calls.

Steps: Connect, Welcome, Match products, Match customers, Import customers, Summary, Done.
Choices live in memory until :meth:`Wizard.done`; closing the wizard before that leaves the
workspace's decisions and both systems as they were (Connect only reads, into snapshots).
Done first writes every decision (the intent) in one transaction, then carries it out
(:func:`apply_pending`), so running Done again after a failure finishes the job and creates
nothing twice.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from .._exceptions import WizardError
from .._xero_sync import fold_name, unique_contact_name, xero_item_code
from ..store import Decision, Workspace
from ._apply import PENDING_KEY, ApplyResult, AteraWriter, Progress, apply_pending
from ._model import (
    UNDECIDED,
    Catalogue,
    Choice,
    ImportRow,
    Option,
    Row,
    SuggestFn,
    TaxInfo,
    _num,
    _sold,
    _text,
    tax_info,
)
from ._orgs import Organisation, OrganisationChoice
from ._plan import AteraProductAdd, ContactCreate, ItemCreate, Named, Plan

__all__ = ["KINDS", "Step", "Wizard"]

KINDS = ("products", "customers")


class Step(IntEnum):
    CONNECT = 0
    WELCOME = 1
    PRODUCTS = 2
    CUSTOMERS = 3
    IMPORTS = 4
    SUMMARY = 5
    DONE = 6

    @property
    def title(self) -> str:
        return {0: "Connect", 1: "Welcome", 2: "Match products", 3: "Match customers",
                4: "Import customers", 5: "Summary", 6: "Done"}[int(self)]


_STEP_OF = {"products": Step.PRODUCTS, "customers": Step.CUSTOMERS}
_UNMATCHED_WARNING = {
    "products": "{n} Atera product(s) and rate(s) are left unmatched: after Done they will "
                "no longer be offered in Atera (products and expenses are archived).",
    "customers": "{n} Atera customer(s) are left unmatched: their invoices cannot be exported "
                 "to Xero until they are matched (you can match them later).",
}


def _default_suggest() -> SuggestFn:
    # The matching service; imported late because it is the heavy part.
    fn: SuggestFn = importlib.import_module("matchkit._sources").suggest
    return fn


@dataclass(frozen=True)
class Confirmation:
    """Next was refused until the user confirms this."""

    kind: str
    count: int
    message: str


class Wizard:
    """The sync wizard (``manage=True``: the manage-integration page, any step, any order).

    ``xero`` and ``atera`` are connected clients (``matchkit.xero.connect``,
    ``matchkit.atera.AteraClient``); they may be given later through :meth:`connect`.
    """

    def __init__(self, ws: Workspace, *, xero: Any = None, atera: AteraWriter | None = None,
                 suggest: SuggestFn | None = None, who: str | None = None, top: int = 5,
                 manage: bool = False, run_id: str | None = None) -> None:
        self.ws = ws
        self.xero = xero
        self.atera = atera
        self.who = who
        self.top = top
        self.manage = manage
        self.run_id = run_id or ws.new_run_id("manage" if manage else "wizard")
        self._suggest = suggest
        self._step = Step.CONNECT
        self._cat: Catalogue | None = None
        self._choices: dict[str, dict[str, Choice]] = {k: {} for k in KINDS}
        self._imports: set[str] = set()
        self._recorded = False
        self._closed = False
        self.result: ApplyResult | None = None
        self.listeners: list[Callable[[Wizard], None]] = []
        self._orgs = OrganisationChoice(ws)

    # --- state ------------------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self._step

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def catalogue(self) -> Catalogue:
        if self._cat is None:
            raise WizardError("connect first: the wizard has no data yet")
        return self._cat

    def _changed(self) -> None:
        for fn in list(self.listeners):
            fn(self)

    def _require(self, *steps: Step) -> None:
        if self._closed:
            raise WizardError("the wizard was closed; open a new one")
        if self._step == Step.DONE and Step.DONE not in steps:
            raise WizardError("Done has completed; open the manage page to change anything")
        if self._step == Step.CONNECT and steps and Step.CONNECT not in steps:
            raise WizardError("connect first: the wizard has no data yet")
        if steps and self._step not in steps and not (self.manage and self._cat is not None):
            names = ", ".join(s.title for s in steps)
            raise WizardError(f"not possible in step {self._step.title!r} (only in: {names})")

    # --- Connect ----------------------------------------------------------------------

    @property
    def organisations(self) -> list[Organisation]:
        """The Xero organisations offered at Connect (empty until offered)."""
        return list(self._orgs.offered)

    @property
    def organisation(self) -> Organisation | None:
        """The organisation chosen at Connect (the workspace's own, or the only one)."""
        return self._orgs.chosen

    @property
    def organisation_fixed(self) -> bool:
        """The chosen organisation is the one the workspace belongs to: none other may be."""
        return self._orgs.fixed

    def offer_organisations(self, tenants: Iterable[Any]) -> list[Organisation]:
        """The organisations the login reaches (``XeroLogin.tenants()``); the workspace's
        own, or the only one, is chosen; otherwise :meth:`choose_organisation` must be."""
        self._require(Step.CONNECT)
        offered = self._orgs.offer(tenants)
        self._changed()
        return offered

    def choose_organisation(self, name_or_id: str) -> Organisation:
        """Choose one of the offered organisations; the workspace refuses any but its own."""
        self._require(Step.CONNECT)
        org = self._orgs.choose(name_or_id)
        self._changed()
        return org

    def connect(self, xero: Any = None, atera: AteraWriter | None = None, *,
                snapshot: bool = True, progress: bool | Callable[[str], None] = False) -> None:
        """Use these clients and take fresh snapshots of both systems (reads only). When
        several organisations were offered, the client must be for the chosen one."""
        self._require(Step.CONNECT)
        client = xero if xero is not None else self.xero
        if client is not None:
            self._orgs.check(client)
        if xero is not None:
            self.xero = xero
        if atera is not None:
            self.atera = atera
        if snapshot:
            if self.xero is None or self.atera is None:
                raise WizardError("connect needs both a Xero and an Atera client")
            from ..snapshot import take_snapshots

            take_snapshots(self.ws, xero=self.xero, atera=self.atera, progress=progress)
        self.reload()
        self._step = Step.WELCOME
        self._changed()

    def use_workspace(self) -> None:
        """Skip pulling: work from the snapshots already in the workspace."""
        self.connect(snapshot=False)

    def reload(self) -> None:
        """Read snapshots and decisions again; choices already made in memory are kept."""
        if self.ws.latest_snapshot("atera", "customers") is None and \
                self.ws.latest_snapshot("atera", "products") is None:
            raise WizardError(f"workspace {self.ws.path} has no Atera snapshot: connect to "
                              "Atera (or load snapshot files) first")
        suggest = self._suggest or _default_suggest()
        self._cat = Catalogue.load(self.ws, suggest, self.top)
        cat = self._cat
        for kind in KINDS:
            ids = {r.atera_id for r in cat.rows[kind]}
            self._choices[kind] = {k: v for k, v in self._choices[kind].items() if k in ids}
        self._imports |= set(cat.pending_imports)

    # --- moving -----------------------------------------------------------------------

    def pending_confirmation(self) -> Confirmation | None:
        """What Next would ask to confirm on this step, if anything."""
        kind = {Step.PRODUCTS: "products", Step.CUSTOMERS: "customers"}.get(self._step)
        if kind is None:
            return None
        n = len(self.unmatched(kind))
        if not n:
            return None
        return Confirmation(kind, n, _UNMATCHED_WARNING[kind].format(n=n))

    def next(self, *, confirm: bool = False) -> Step:
        """Go to the next step; leaving rows unmatched needs ``confirm=True``."""
        self._require(Step.WELCOME, Step.PRODUCTS, Step.CUSTOMERS, Step.IMPORTS)
        if self._step == Step.CONNECT:
            raise WizardError("connect first")
        if self._step >= Step.SUMMARY:
            raise WizardError("the Summary is the last step before Done: call done()")
        question = self.pending_confirmation()
        if question is not None and not confirm:
            raise WizardError(question.message + " Confirm to continue (next(confirm=True)).")
        self._step = Step(self._step + 1)
        self._changed()
        return self._step

    def back(self) -> Step:
        self._require(Step.PRODUCTS, Step.CUSTOMERS, Step.IMPORTS, Step.SUMMARY)
        if self._step <= Step.WELCOME:
            raise WizardError("already at the first step")
        self._step = Step(self._step - 1)
        self._changed()
        return self._step

    def goto(self, step: Step) -> Step:
        """Manage page only: open any step."""
        if not self.manage:
            raise WizardError("the wizard goes step by step; use next() and back()")
        self._require()
        if self._cat is None:
            raise WizardError("connect first")
        if step in (Step.CONNECT, Step.DONE):
            raise WizardError(f"cannot go to {step.title!r}")
        self._step = step
        self._changed()
        return step

    def close(self) -> None:
        """Leave without Done: nothing chosen here is saved."""
        self._closed = True
        self._changed()

    # --- rows and choices -------------------------------------------------------------

    def rows(self, kind: str) -> list[Row]:
        return list(self.catalogue.rows[_kind(kind)])

    def row(self, kind: str, atera_id: str) -> Row:
        found = self.catalogue.index[_kind(kind)].get(atera_id)
        if found is None:
            raise WizardError(f"no Atera {kind[:-1]} with id {atera_id!r} in the workspace")
        return found

    def choice(self, kind: str, atera_id: str) -> Choice:
        """The choice in effect: made here, else the log's, else an exact match, else none."""
        kind = _kind(kind)
        made = self._choices[kind].get(atera_id)
        if made is not None:
            return made
        cat = self.catalogue
        logged = cat.current_choice(kind, atera_id)
        if logged is not None:
            return logged
        sugg = cat.suggestions[kind].get(atera_id, [])
        if sugg and sugg[0].method == "exact" and not sugg[0].ambiguous and \
                not (len(sugg) > 1 and sugg[1].method == "exact"):
            return Choice("match", sugg[0].xero_id, "exact", sugg[0].score)
        return UNDECIDED

    def options(self, kind: str, atera_id: str) -> list[Option]:
        """Top suggestions for the row (best first); :meth:`search` covers all records."""
        self.row(kind, atera_id)
        return list(self.catalogue.suggestions[_kind(kind)].get(atera_id, []))

    def search(self, kind: str, text: str, limit: int = 20) -> list[Option]:
        return self.catalogue.search(_kind(kind), text, limit)

    def label(self, kind: str, xero_id: str) -> str:
        return self.catalogue.options_pool(_kind(kind)).get(xero_id, xero_id)

    def _set(self, kind: str, atera_id: str, choice: Choice) -> None:
        kind = _kind(kind)
        self._require(_STEP_OF[kind])
        self.row(kind, atera_id)
        self._choices[kind][atera_id] = choice
        self._changed()

    def choose(self, kind: str, atera_id: str, xero_id: str, *, method: str = "manual",
               score: float | None = None) -> None:
        """Match the Atera row to this Xero item/contact."""
        if xero_id not in self.catalogue.options_pool(_kind(kind)):
            raise WizardError(f"{xero_id!r} is not an active Xero "
                              f"{'item' if _kind(kind) == 'products' else 'contact'} "
                              "in the workspace's latest snapshot")
        if score is None:
            score = next((o.score for o in self.options(kind, atera_id)
                          if o.xero_id == xero_id), None)
        self._set(kind, atera_id, Choice("match", xero_id, method, score))

    def create(self, kind: str, atera_id: str) -> None:
        """Create the row in Xero at Done (Atera's price; a valid unique code and name)."""
        self._set(kind, atera_id, Choice("create", method="manual"))

    def unmatch(self, kind: str, atera_id: str) -> None:
        """Leave the row unmatched on purpose."""
        self._set(kind, atera_id, Choice("unmatch", method="manual"))

    def undecide(self, kind: str, atera_id: str) -> None:
        self._set(kind, atera_id, UNDECIDED)

    def accept_exact(self, kind: str) -> int:
        """Keep every proposed exact match (they are proposed already); return how many."""
        return sum(1 for r in self.rows(kind) if self.choice(kind, r.atera_id).method == "exact"
                   and self.choice(kind, r.atera_id).action == "match")

    def accept_suggestions(self, kind: str) -> int:
        """Match every undecided row to its safe suggestion (``matchkit.matching.
        auto_accepted``: score >= 95, unambiguous, one-to-one and, for products, no evidence
        against), unless that Xero record is chosen for another row already; return how
        many."""
        kind = _kind(kind)
        taken = {c.xero_id for r in self.rows(kind)
                 if (c := self.choice(kind, r.atera_id)).action == "match"}
        pool = self.catalogue.options_pool(kind)
        accepted = 0
        for r in self.rows(kind):
            xid = self.catalogue.safe.get(kind, {}).get(r.atera_id)
            if xid is None or xid in taken or xid not in pool or \
                    self.choice(kind, r.atera_id).decided:
                continue
            best = next((o for o in self.options(kind, r.atera_id) if o.xero_id == xid), None)
            method, score = (best.method, best.score) if best is not None else (None, None)
            self._set(kind, r.atera_id, Choice("match", xid, method or "fuzzy", score))
            taken.add(xid)
            accepted += 1
        return accepted

    def create_rest(self, kind: str) -> int:
        """Auto mode: every row still undecided gets "create in Xero"; return how many."""
        todo = [r.atera_id for r in self.rows(kind)
                if not self.choice(kind, r.atera_id).decided]
        for aid in todo:
            self.create(kind, aid)
        return len(todo)

    def auto(self, *, import_all: bool = False, accept_suggestions: bool = False) -> Plan:
        """Auto mode, from wherever the wizard is to the Summary: keep the exact matches
        (and, with ``accept_suggestions``, the safe suggestions: see
        :meth:`accept_suggestions`), create every other row in Xero, import nothing (or
        every candidate); return the Summary. Done is still a separate call."""
        self._require(Step.WELCOME, Step.PRODUCTS, Step.CUSTOMERS, Step.IMPORTS, Step.SUMMARY)
        while self._step < Step.SUMMARY:
            if self._step in (Step.PRODUCTS, Step.CUSTOMERS):
                kind = "products" if self._step == Step.PRODUCTS else "customers"
                if accept_suggestions:
                    self.accept_suggestions(kind)
                self.create_rest(kind)
            if self._step == Step.IMPORTS and import_all:
                self.select_imports(r.xero_id for r in self.import_candidates())
            self.next(confirm=True)
        return self.summary()

    def unmatched(self, kind: str) -> list[Row]:
        """Rows that Done would leave without a Xero record."""
        return [r for r in self.rows(kind)
                if self.choice(kind, r.atera_id).action in ("unmatch", "undecided")]

    # --- imports ----------------------------------------------------------------------

    def _matched_contacts(self) -> set[str]:
        cat = self.catalogue
        ids = {str(d["xero_id"]) for d in cat.current["customers"].values()
               if d["action"] == "match" and d.get("xero_id")}
        for r in cat.rows["customers"]:
            c = self.choice("customers", r.atera_id)
            if c.action == "match" and c.xero_id:
                ids.add(c.xero_id)
        return ids

    def import_candidates(self) -> list[ImportRow]:
        """Active Xero customers that match no Atera customer."""
        matched = self._matched_contacts()
        return [r for r in self.catalogue.import_rows() if r.xero_id not in matched]

    def select_import(self, xero_id: str, selected: bool = True) -> None:
        self.select_imports([xero_id], selected)

    def select_imports(self, xero_ids: Iterable[str], selected: bool = True) -> None:
        """Tick (or untick) Xero contacts for creation in Atera at Done."""
        self._require(Step.IMPORTS)
        ids = list(xero_ids)
        allowed = {r.xero_id for r in self.import_candidates()}
        bad = [i for i in ids if i not in allowed]
        if bad:
            raise WizardError(f"Xero contact(s) {', '.join(map(repr, bad[:5]))} cannot be "
                              "imported: not an active customer without a match")
        if selected:
            self._imports.update(ids)
        else:
            self._imports.difference_update(ids)
        self._changed()

    def selected_imports(self) -> list[ImportRow]:
        return [r for r in self.import_candidates() if r.xero_id in self._imports]

    # --- taxes ------------------------------------------------------------------------

    def taxes(self) -> TaxInfo:
        _ = self.catalogue  # refuses before Connect
        return tax_info(self.ws)

    # --- Summary and Done ---------------------------------------------------------------

    def summary(self) -> Plan:
        """Every change Done will make, in both systems (a dry run: nothing is written)."""
        self._require()
        cat = self.catalogue
        decisions: list[Decision] = []
        items: list[ItemCreate] = []
        contacts: list[ContactCreate] = []
        codes = {fold_name(i.get("Code")) for i in cat.items.values() if i.get("Code")}
        names = {fold_name(c.get("Name")) for c in cat.contacts.values() if c.get("Name")}
        for kind in KINDS:
            for r in cat.rows[kind]:
                choice = self.choice(kind, r.atera_id)
                logged = cat.current_choice(kind, r.atera_id)
                if choice.action == "create":
                    spec = dict(choice.spec or {})
                    if kind == "products":
                        spec.setdefault("name", r.name)
                        spec.setdefault("price", r.price)
                        spec.setdefault("code", xero_item_code(r.name, folded=codes))
                        codes.add(fold_name(spec["code"]))
                        items.append(ItemCreate(r.atera_id, spec["name"], spec["code"],
                                                _num(spec["price"])))
                    else:
                        spec.setdefault("name", unique_contact_name(r.name, folded=names))
                        names.add(fold_name(spec["name"]))
                        contacts.append(ContactCreate(r.atera_id, r.name, spec["name"]))
                    choice = Choice("create", method=choice.method, spec=spec)
                d = self._decision(kind, r.atera_id, choice, logged)
                if d is not None:
                    decisions.append(d)
        # A second Atera customer of the same name as a matched one would only confuse.
        customer_names = {fold_name(r.name) for r in cat.rows["customers"]
                          if self.choice("customers", r.atera_id).action in ("match", "create")}
        imports: list[ImportRow] = []
        imports_skipped: list[ImportRow] = []
        for imp in self.selected_imports():
            (imports_skipped if fold_name(imp.name) in customer_names else imports).append(imp)
        for imp in imports:
            if imp.xero_id not in cat.pending_imports:
                decisions.append(Decision("imports", "import", xero_id=imp.xero_id,
                                          method="manual", who=self.who, run_id=self.run_id,
                                          note=imp.name))
        chosen = {i.xero_id for i in imports}
        for cid in cat.pending_imports:
            if cid not in chosen:
                decisions.append(Decision("imports", "clear", xero_id=cid, who=self.who,
                                          run_id=self.run_id))
        archive: list[Named] = []
        kept: list[Named] = []
        for r in cat.rows["products"]:
            action = self.choice("products", r.atera_id).action
            if action == "unmatch" or (action == "undecided" and not self.manage):
                (kept if r.source == "rate" else archive).append(Named(r.atera_id, r.name))
        matched_items = {c.xero_id for r in cat.rows["products"]
                         if (c := self.choice("products", r.atera_id)).action == "match"}
        matched_items |= {str(d["xero_id"]) for aid, d in cat.current["products"].items()
                          if d["action"] == "match" and d.get("xero_id")
                          and aid not in {r.atera_id for r in cat.rows["products"]}}
        # Names Atera products keep (matched, or created in Xero): not added a second time.
        taken = {fold_name(r.name) for r in cat.rows["products"] if r.source == "product"
                 and self.choice("products", r.atera_id).action in ("match", "create")}
        adds: list[AteraProductAdd] = []
        skipped: list[Named] = []
        for iid, i in cat.items.items():
            if iid in matched_items or not _sold(i.get("IsSold")):
                continue
            name = _text(i.get("Name")) or str(i.get("Code"))
            if fold_name(name) in taken:
                skipped.append(Named(iid, name))
            else:
                adds.append(AteraProductAdd(iid, str(i.get("Code")), name,
                                            _num(i.get("UnitPrice"))))
        return Plan(self.run_id, tuple(decisions), tuple(items), tuple(contacts),
                    tuple(Named(i.xero_id, i.name) for i in imports), tuple(archive),
                    tuple(adds), tuple(kept), tuple(skipped),
                    tuple(Named(i.xero_id, i.name) for i in imports_skipped))

    def _decision(self, kind: str, atera_id: str, choice: Choice, logged: Choice | None
                  ) -> Decision | None:
        if choice.action == "undecided":
            if self.manage:
                return None if logged is None else Decision(
                    kind, "clear", atera_id=atera_id, who=self.who, run_id=self.run_id)
            choice = Choice("unmatch", method="default")
        if logged is not None and logged.action == choice.action and \
                logged.xero_id == choice.xero_id:
            return None
        note = json.dumps(choice.spec, sort_keys=True) if choice.action == "create" else None
        return Decision(kind, choice.action, atera_id=atera_id, xero_id=choice.xero_id,
                        method=choice.method or "manual", score=choice.score, who=self.who,
                        run_id=self.run_id, note=note)

    def done(self, progress: Progress | None = None, *, refresh: bool = True) -> ApplyResult:
        """Save every decision, then carry it out in Xero and Atera; mark setup done.

        Run it again after a failure: what was done is found, not created again.
        """
        self._require(Step.SUMMARY)
        if self._step != Step.SUMMARY and not self.manage:
            raise WizardError("Done is on the Summary step")
        plan = self.summary()
        if not self._recorded:
            with self.ws.transaction():
                self._record_connection()
                self.ws.record_decisions(plan.decisions)
                self.ws.set_setting(PENDING_KEY, {"run_id": self.run_id,
                                                  "counts": plan.counts()})
            self._recorded = True
        self.result = apply_pending(self.ws, self.xero, self.atera, run_id=self.run_id,
                                    who=self.who, progress=progress)
        if refresh and self.xero is not None and self.atera is not None:
            from ..snapshot import take_snapshots

            # Only what Done changed: the workspace shows the new records and matches.
            take_snapshots(self.ws, xero=self.xero, atera=self.atera, progress=False,
                           entities=("customers", "products", "expenses", "items",
                                     "contacts"))
        with self.ws.transaction():
            if self.ws.connection("xero") is not None:
                self.ws.mark_setup_done()
            self.ws.set_setting(PENDING_KEY, None)
        if self.manage:
            self._choices = {k: {} for k in KINDS}
            self._imports = set()
            self._recorded = False
            self.run_id = self.ws.new_run_id("manage")
            self.reload()
        else:
            self._step = Step.DONE
        self._changed()
        return self.result

    def _record_connection(self) -> None:
        if self.xero is None:
            return
        tenant = getattr(self.xero, "tenant_id", None)
        current = self.ws.connection("xero")
        if current is not None and current.get("tenant_id") == tenant:
            return
        org = self.ws.records("xero", "organisation")
        short = getattr(self.xero, "short_code", None) or (org[0].get("ShortCode") if org
                                                            else None)
        self.ws.record_connection(
            "xero", tenant_id=tenant, tenant_name=getattr(self.xero, "tenant_name", None),
            short_code=short,
            xero_connection=getattr(self.xero, "connection_id", None))


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise WizardError(f"unknown kind {kind!r}; use 'products' or 'customers'")
    return kind
