"""The Summary (every change Done will make, planned from the wizard's choices: a dry run)
and Done (the plan written to the log, then carried out).

Mixed into :class:`matchkit.wizard.Wizard` (state there); the imports and adds it plans come
from :class:`~matchkit.wizard._atera_side.AteraSide`.
"""

from __future__ import annotations

import json

from .._exceptions import WizardError
from .._gate import Verdict
from .._keys import contact_key, contact_key_of, item_code
from ..outbox import fold_name, xero_contact_name
from ..store import Decision, Workspace, record_holds
from ..xero import XeroWriter
from ._apply import PENDING_KEY, ApplyResult, AteraWriter, Progress, apply_pending
from ._atera_side import AteraSide
from ._model import Choice, ImportRow, Row, _num, _text
from ._plan import ContactCreate, ContactKey, Held, ItemCreate, Named, Plan
from ._steps import Step

__all__ = ["KINDS", "Planner"]

KINDS = ("products", "customers")


class Planner(AteraSide):
    """Plans Done from the choices in memory and the decision log."""

    manage: bool
    ws: Workspace
    xero: XeroWriter | None
    atera: AteraWriter | None
    result: ApplyResult | None
    plan: Plan | None
    _step: Step
    _recorded: bool
    _choices: dict[str, dict[str, Choice]]

    def reload(self) -> None:
        raise NotImplementedError

    def verdict(self, kind: str, atera_id: str) -> Verdict:
        raise NotImplementedError

    def rows(self, kind: str) -> list[Row]:
        raise NotImplementedError

    def summary(self) -> Plan:
        """Every change Done will make, in both systems (a dry run: nothing is written)."""
        self._require()
        cat = self.catalogue
        decisions: list[Decision] = []
        review: list[Held] = []
        items, contacts = self._plan_rows(decisions, review)
        keys, kept = self._contact_keys()
        imports, imports_skipped = self._plan_imports(decisions, review)
        archive: list[Named] = []
        kept_rates: list[Named] = []
        looked = {h.key for h in review if h.kind == "products"}
        for r in cat.rows["products"]:
            action = self.choice("products", r.atera_id).action
            if action == "unmatch" or (action == "undecided" and not self.manage
                                       and r.atera_id not in looked):
                (kept_rates if r.source == "rate" else archive).append(Named(r.atera_id,
                                                                             r.name))
        # Names Atera products keep (matched, or created in Xero): not added a second time.
        taken = {fold_name(r.name) for r in cat.rows["products"] if r.source == "product"
                 and self.choice("products", r.atera_id).action in ("match", "create")}
        adds, skipped = self._plan_adds(taken, decisions, review)
        return Plan(self.run_id, tuple(decisions), tuple(items), tuple(contacts),
                    tuple(Named(i.xero_id, i.name) for i in imports), tuple(archive),
                    tuple(adds), tuple(kept_rates), tuple(skipped),
                    tuple(Named(i.xero_id, i.name) for i in imports_skipped),
                    tuple(review), tuple(keys), tuple(kept))

    def _plan_rows(self, decisions: list[Decision], review: list[Held]
                   ) -> tuple[list[ItemCreate], list[ContactCreate]]:
        """The Match steps' rows: their decisions, what is created in Xero, the look-alikes
        left for a person."""
        cat = self.catalogue
        items: list[ItemCreate] = []
        contacts: list[ContactCreate] = []
        for kind in KINDS:
            for r in cat.rows[kind]:
                choice = self.choice(kind, r.atera_id)
                if choice.action == "create":
                    spec = dict(choice.spec or {})
                    if kind == "products":
                        spec.setdefault("name", r.name)
                        spec.setdefault("price", r.price)
                        spec.setdefault("code", item_code(r.atera_id, r.name))
                        items.append(ItemCreate(r.atera_id, spec["name"], spec["code"],
                                                _num(spec["price"])))
                    else:
                        spec.setdefault("name", xero_contact_name(r.name))
                        contacts.append(ContactCreate(r.atera_id, r.name, spec["name"],
                                                      contact_key(r.atera_id)))
                    choice = Choice("create", method=choice.method, spec=spec)
                elif choice.action == "undecided":
                    v = self.verdict(kind, r.atera_id)
                    if v.status != "new":
                        # a look-alike: no decision at all, it waits for a person
                        review.append(Held(kind, r.atera_id, r.name, v.reason))
                        continue
                d = self._decision(kind, r.atera_id, choice, cat.current_choice(kind,
                                                                                r.atera_id))
                if d is not None:
                    decisions.append(d)
        return items, contacts

    def _plan_imports(self, decisions: list[Decision], review: list[Held]
                      ) -> tuple[list[ImportRow], list[ImportRow]]:
        """The ticked Xero customers Done imports into Atera, and those it skips."""
        cat = self.catalogue
        # A second Atera customer of the same name as a matched one would only confuse.
        customer_names = {fold_name(r.name) for r in cat.rows["customers"]
                          if self.choice("customers", r.atera_id).action in ("match", "create")}
        imports: list[ImportRow] = []
        skipped: list[ImportRow] = []
        for imp in self.selected_imports():
            if fold_name(imp.name) in customer_names or imp.status in ("link", "exact",
                                                                       "safe"):
                skipped.append(imp)
            elif imp.status == "new" or imp.xero_id in self._imports_named:
                imports.append(imp)
            else:
                review.append(Held("imports", imp.xero_id, imp.name, imp.reason))
        for imp in imports:
            if imp.xero_id not in cat.pending_imports:
                decisions.append(Decision("imports", "import", xero_id=imp.xero_id,
                                          method="manual" if imp.xero_id in
                                          self._imports_named else "bulk",
                                          who=self.who, run_id=self.run_id, note=imp.name))
        chosen = {i.xero_id for i in imports}
        for cid in cat.pending_imports:
            if cid not in chosen:
                decisions.append(Decision("imports", "clear", xero_id=cid, who=self.who,
                                          run_id=self.run_id))
        return imports, skipped

    def _contact_keys(self) -> tuple[list[ContactKey], list[ContactKey]]:
        """Matched Xero contacts without their link key (Done sets it), and those with
        another ContactNumber (left as they are)."""
        cat = self.catalogue
        want: dict[str, str] = {}  # atera_id -> ContactID, as Done leaves them
        for aid, d in cat.current["customers"].items():
            if d["action"] == "match" and d.get("xero_id"):
                want[aid] = str(d["xero_id"])
        for r in cat.rows["customers"]:
            c = self.choice("customers", r.atera_id)
            if c.action == "match" and c.xero_id:
                want[r.atera_id] = c.xero_id
            elif r.atera_id in want and c.action != "match":
                del want[r.atera_id]
        keys: list[ContactKey] = []
        kept: list[ContactKey] = []
        seen: set[str] = set()
        for aid, cid in sorted(want.items()):
            contact = cat.contacts.get(cid)
            if contact is None or cid in seen:
                continue  # gone (or archived) in Xero; a second row on one contact: once
            seen.add(cid)
            try:
                key = contact_key(aid)
            except ValueError:
                continue
            now = _text(contact.get("ContactNumber")) or ""
            row = ContactKey(aid, cid, str(contact.get("Name") or cid), key, now)
            if not now:
                keys.append(row)
            elif contact_key_of(now) != key:
                kept.append(row)
        return keys, kept

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
        if self.manage and self.ws.connection("xero") is None:
            # before anything is saved: applying needs Xero, and recording this run's
            # connection again would undo the disconnect
            raise WizardError("not connected to Xero (disconnected): the matches stay in the "
                              "workspace; to apply changes, connect again with the wizard "
                              "(notebook 01)")
        plan = self.summary()
        self.plan = plan
        if not self._recorded:
            with self.ws.transaction():
                self._record_connection()
                self.ws.record_decisions(plan.decisions)
                # what waits for a person keeps waiting: a later unattended run does not
                # create it when its look-alike's score drifts under the bar (_gate.keep_held)
                record_holds(self.ws, [(h.kind, h.key, h.reason) for h in plan.review]
                             + self.look_alikes(), self.run_id)
                # the suggestions behind them, as `matchkit suggest` keeps them: the review
                # (and `review export`) works straight after the wizard
                for kind, frame in self.catalogue.frames.items():
                    if {"left_id", "right_id", "score"} <= set(frame.columns):
                        self.ws.record_suggestions(kind, frame,
                                                   run_id=f"{self.run_id}-{kind}")
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
            self._imports_named = set()
            self._adds = set()
            self._adds_named = set()
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
