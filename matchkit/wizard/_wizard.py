"""The sync wizard as a plain state machine (no widgets): what a person clicks, code calls.

Steps: Connect, Welcome, Match products, Match customers, Import into Atera (customers and
items, each only when ticked), Summary, Done.
Choices live in memory until :meth:`Wizard.done`; closing the wizard before that leaves the
workspace's decisions and both systems as they were (Connect only reads, into snapshots).
Done first writes every decision (the intent) in one transaction, then carries it out
(:func:`apply_pending`), so running Done again after a failure finishes the job and creates
nothing twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .._exceptions import WizardError
from .._gate import NAMED_METHODS, Verdict
from .._keys import code_problem, item_code
from ..store import Workspace
from ..xero import XeroWriter
from ._apply import ApplyResult, AteraWriter
from ._model import (
    UNDECIDED,
    Catalogue,
    Choice,
    Option,
    Row,
    SuggestFn,
    TaxInfo,
    tax_info,
)
from ._orgs import Organisation, OrganisationChoice
from ._plan import Plan
from ._steps import Step
from ._summary import KINDS, Planner

__all__ = ["KINDS", "SharedRecordError", "Step", "Wizard"]


_STEP_OF = {"products": Step.PRODUCTS, "customers": Step.CUSTOMERS}
_REVIEW_WARNING = ("{n} row(s) look like a Xero record and stay undecided: Done neither "
                   "creates nor archives them; decide them later (here, or in the review).")
_UNMATCHED_WARNING = {
    "products": "{n} Atera product(s) and rate(s) are left unmatched: after Done they will "
                "no longer be offered in Atera (products and expenses are archived).",
    "customers": "{n} Atera customer(s) are left unmatched: their invoices cannot be exported "
                 "to Xero until they are matched (you can match them later).",
}


def _default_suggest() -> SuggestFn:
    # The matching service; imported late because it is the heavy part.
    fn: SuggestFn = importlib.import_module("matchkit.sources").suggest
    return fn


class SharedRecordError(WizardError):
    """The Xero record is matched to another Atera row already (one-to-one by default)."""

    def __init__(self, message: str, holders: list[str]) -> None:
        super().__init__(message)
        self.holders = holders


@dataclass(frozen=True)
class Confirmation:
    """Next was refused until the user confirms this."""

    kind: str
    count: int
    message: str


class Wizard(Planner):
    """The sync wizard (``manage=True``: the manage-integration page, any step, any order).

    ``xero`` and ``atera`` are connected clients (``matchkit.xero.connect``,
    ``matchkit.atera.AteraClient``); they may be given later through :meth:`connect`.
    """

    def __init__(self, ws: Workspace, *, xero: XeroWriter | None = None,
                 atera: AteraWriter | None = None,
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
        self._imports_named: set[str] = set()  # ticked one by one: a person named them
        self._adds: set[str] = set()  # Xero items to add to Atera's products (ticked)
        self._adds_named: set[str] = set()
        self._recorded = False
        self._closed = False
        self.result: ApplyResult | None = None
        self.plan: Plan | None = None  # the Summary the last Done carried out
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

    def connect(self, xero: XeroWriter | None = None, atera: AteraWriter | None = None, *,
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
        self._imports_named |= {c for c in cat.pending_imports
                                if cat.current["imports"][c].get("method") in NAMED_METHODS}
        self._adds |= set(cat.pending_adds)
        self._adds_named |= {i for i in cat.pending_adds
                             if cat.current["adds"][i].get("method") in NAMED_METHODS}

    # --- moving -----------------------------------------------------------------------

    def pending_confirmation(self) -> Confirmation | None:
        """What Next would ask to confirm on this step, if anything."""
        kind = {Step.PRODUCTS: "products", Step.CUSTOMERS: "customers"}.get(self._step)
        if kind is None:
            return None
        review = {r.atera_id for r in self.needs_review(kind)}
        n = len([r for r in self.unmatched(kind) if r.atera_id not in review])
        if not n and not review:
            return None
        parts = [_UNMATCHED_WARNING[kind].format(n=n)] if n else []
        if review:
            parts.append(_REVIEW_WARNING.format(n=len(review)))
        return Confirmation(kind, n + len(review), " ".join(parts))

    def next(self, *, confirm: bool = False) -> Step:
        """Go to the next step; leaving rows unmatched needs ``confirm=True``."""
        self._require(Step.WELCOME, Step.PRODUCTS, Step.CUSTOMERS, Step.IMPORTS)
        if self._step == Step.CONNECT:
            raise WizardError("connect first")
        if self._step >= Step.SUMMARY:
            raise WizardError("the Summary is the last step before Done: click Done")
        question = self.pending_confirmation()
        if question is not None and not confirm:
            raise WizardError(question.message + " Confirm to continue.")
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
            raise WizardError("one step at a time (Next and Back); the manage page opens any")
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
        """The choice in effect: made here, else the log's, else the record Xero holds for
        it (its link key, or its very name), else none."""
        kind = _kind(kind)
        made = self._choices[kind].get(atera_id)
        if made is not None:
            return made
        cat = self.catalogue
        logged = cat.current_choice(kind, atera_id)
        if logged is not None:
            return logged
        v = cat.verdicts[kind].get(atera_id)
        if v is not None and v.exists and v.other_id in cat.options_pool(kind):
            return Choice("match", v.other_id, v.status, v.score if v.score is not None
                          else 100.0)
        return UNDECIDED

    def chosen_here(self, kind: str, atera_id: str) -> bool:
        """A person chose for the row in this wizard (not the log, not the rule)."""
        return atera_id in self._choices[_kind(kind)]

    def verdict(self, kind: str, atera_id: str) -> Verdict:
        """What Xero holds for the row: ``link``, ``exact``, ``safe`` (a safe suggestion),
        ``review`` (something plausible: a person decides) or ``new`` (nothing like it: it
        may be created), with the record and a one-line reason."""
        self.row(kind, atera_id)
        v = self.catalogue.verdicts[_kind(kind)].get(atera_id)
        return v if v is not None else Verdict(atera_id, "review", reason="not judged yet")

    def needs_review(self, kind: str) -> list[Row]:
        """Undecided rows that Xero holds something like: never created without a person
        naming them (``create``), left undecided by auto mode."""
        return [r for r in self.rows(kind) if not self.choice(kind, r.atera_id).decided
                and self.verdict(kind, r.atera_id).status != "new"]

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

    def holders(self, kind: str, xero_id: str, but: str | None = None) -> list[Row]:
        """The Atera rows (other than ``but``) whose choice is this Xero record."""
        kind = _kind(kind)
        return [r for r in self.rows(kind) if r.atera_id != but
                and (c := self.choice(kind, r.atera_id)).action == "match"
                and c.xero_id == xero_id]

    def choose(self, kind: str, atera_id: str, xero_id: str, *, method: str = "manual",
               score: float | None = None, allow_shared: bool = False) -> None:
        """Match the Atera row to this Xero item/contact. One Xero record serves one Atera
        row: when another row holds it already, :class:`SharedRecordError` names that row,
        unless ``allow_shared=True`` confirms that both are the same record."""
        self._require(_STEP_OF[_kind(kind)])
        if xero_id not in self.catalogue.options_pool(_kind(kind)):
            raise WizardError(f"{xero_id!r} is not an active Xero "
                              f"{'item' if _kind(kind) == 'products' else 'contact'} "
                              "in the workspace's latest snapshot")
        held = self.holders(kind, xero_id, but=atera_id)
        if held and not allow_shared:
            what = "item" if _kind(kind) == "products" else "contact"
            rows = ", ".join(f"{r.name!r} ({r.atera_id})" for r in held[:3])
            raise SharedRecordError(
                f"Xero {what} {self.label(kind, xero_id)!r} is matched to {rows} already; "
                f"match {self.row(kind, atera_id).name!r} to it too only if both are the "
                "same record (confirm with \"Match anyway\")", [r.atera_id for r in held])
        if score is None:
            score = next((o.score for o in self.options(kind, atera_id)
                          if o.xero_id == xero_id), None)
        self._set(kind, atera_id, Choice("match", xero_id, method, score))

    def create(self, kind: str, atera_id: str) -> None:
        """Create the row in Xero at Done (Atera's price; its link key as Contact Code or
        item Code). Naming a row creates it even when Xero holds a look-alike (a person
        decided); never when Xero holds the record itself (its link key or its name)."""
        self._require(_STEP_OF[_kind(kind)])
        v = self.verdict(kind, atera_id)
        if v.exists:
            what = "item" if _kind(kind) == "products" else "contact"
            raise WizardError(f"{self.row(kind, atera_id).name!r}: Xero {what} "
                              f"{v.other_name!r} " + ("carries its link key" if v.status ==
                                                      "link" else "has the same name")
                              + "; match it instead of creating another")
        self._set(kind, atera_id, Choice("create", method="manual"))

    def item_code_for(self, atera_id: str) -> str:
        """The Code the Xero item created for this row gets: the one set, else the link key
        and as much of the name as fits."""
        c = self.choice("products", atera_id)
        code = (c.spec or {}).get("code") if c.action == "create" else None
        return str(code) if code else item_code(atera_id, self.row("products", atera_id).name)

    def set_item_code(self, atera_id: str, code: str) -> str:
        """Give the Xero item Done creates for this row another Code (Xero's rules, and it
        starts with the row's link key: ``matchkit._keys.code_problem``). Return it."""
        self._require(Step.PRODUCTS)
        row = self.row("products", atera_id)
        c = self.choice("products", atera_id)
        if c.action != "create":
            raise WizardError(f"{row.name!r}: only an item to be created in Xero gets a new "
                              "Code (choose “Create in Xero” first)")
        code = code.strip()
        # unique by construction: only this row's Code starts with its key, and a Xero item
        # that already has such a Code is this row's (a link: create is refused)
        problem = code_problem(atera_id, code)
        if problem is not None:
            raise WizardError(f"item Code {code!r} for {row.name!r}: {problem}")
        self._set("products", atera_id, Choice("create", method=c.method,
                                               spec={**(c.spec or {}), "code": code}))
        return code

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
        many. Decisions say ``method='safe'``."""
        kind = _kind(kind)
        taken = {c.xero_id for r in self.rows(kind)
                 if (c := self.choice(kind, r.atera_id)).action == "match"}
        pool = self.catalogue.options_pool(kind)
        accepted = 0
        for r in self.rows(kind):
            v = self.catalogue.verdicts[kind].get(r.atera_id)
            xid = v.other_id if v is not None and v.status == "safe" else None
            if xid is None or xid in taken or xid not in pool or \
                    self.choice(kind, r.atera_id).decided:
                continue
            self._set(kind, r.atera_id, Choice("match", xid, "safe", v.score if v else None))
            taken.add(xid)
            accepted += 1
        return accepted

    def create_new(self, kind: str) -> int:
        """Every undecided row that is clearly new (nothing like it in Xero, see
        ``matchkit._gate``) gets "create in Xero", ``method='new'``; return how many. Rows
        that look like a Xero record stay undecided (:meth:`needs_review`)."""
        todo = [r.atera_id for r in self.rows(kind)
                if not self.choice(kind, r.atera_id).decided
                and self.verdict(kind, r.atera_id).status == "new"]
        for aid in todo:
            self._set(kind, aid, Choice("create", method="new"))
        return len(todo)

    def auto(self, *, import_all: bool = False, accept_suggestions: bool = True,
             create: Iterable[tuple[str, str]] = (), add_items: bool = False) -> Plan:
        """Auto mode, from wherever the wizard is to the Summary: keep what Xero holds
        (link keys, the same names), take the safe suggestions (unless
        ``accept_suggestions=False``), create the clearly new rows in Xero, leave the rest
        undecided for a person (the Summary lists them); import nothing (or every clearly
        new Xero customer), add no Xero item to Atera (or, ``add_items``, every clearly new
        sold one). ``create``: (kind, atera_id) rows a person names for creation although
        Xero holds a look-alike. Return the Summary; Done is a separate call."""
        self._require(Step.WELCOME, Step.PRODUCTS, Step.CUSTOMERS, Step.IMPORTS, Step.SUMMARY)
        named: dict[str, list[str]] = {k: [] for k in KINDS}
        for kind, aid in create:
            self.row(kind, aid)  # refuses an unknown row before anything changes
            named[_kind(kind)].append(aid)
        while self._step < Step.SUMMARY:
            if self._step in (Step.PRODUCTS, Step.CUSTOMERS):
                kind = "products" if self._step == Step.PRODUCTS else "customers"
                for aid in named[kind]:
                    self.create(kind, aid)
                if accept_suggestions:
                    self.accept_suggestions(kind)
                self.create_new(kind)
            if self._step == Step.IMPORTS and import_all:
                self.select_imports(r.xero_id for r in self.import_candidates())
            if self._step == Step.IMPORTS and add_items:
                self.select_adds(r.xero_id for r in self.add_candidates())
            self.next(confirm=True)
        return self.summary()

    def unmatched(self, kind: str) -> list[Row]:
        """Rows that Done would leave without a Xero record."""
        return [r for r in self.rows(kind)
                if self.choice(kind, r.atera_id).action in ("unmatch", "undecided")]

    # --- taxes ------------------------------------------------------------------------

    def taxes(self) -> TaxInfo:
        _ = self.catalogue  # refuses before Connect
        return tax_info(self.ws)

    # --- Summary and Done ---------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise WizardError(f"unknown kind {kind!r}; use 'products' or 'customers'")
    return kind
