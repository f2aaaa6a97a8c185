"""What goes from Xero into Atera, chosen in the wizard: customers to import, items to add.

Both are opt-in: nothing is imported or added unless a person ticks it (one by one: named,
even when Atera holds a look-alike; in bulk: only the clearly new). Mixed into
:class:`matchkit.wizard.Wizard`, which holds the state.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._exceptions import WizardError
from ..outbox import fold_name
from ..store import Decision
from ._model import AddRow, Catalogue, Choice, ImportRow
from ._plan import AteraProductAdd, Held, Named
from ._steps import Step

__all__ = ["AteraSide"]

_IN_ATERA = ("link", "exact", "safe")


class AteraSide:
    """Imports (Xero customers into Atera) and adds (Xero items into Atera's products)."""

    _imports: set[str]
    _imports_named: set[str]
    _adds: set[str]
    _adds_named: set[str]
    who: str | None
    run_id: str

    @property
    def catalogue(self) -> Catalogue:
        raise NotImplementedError

    def choice(self, kind: str, atera_id: str) -> Choice:
        raise NotImplementedError

    def _require(self, *steps: Step) -> None:
        raise NotImplementedError

    def _changed(self) -> None:
        raise NotImplementedError

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
        """Tick (or untick) one Xero contact for creation in Atera at Done. Ticking it by
        itself names it: it is imported even if an Atera customer looks like it, never when
        Atera has it already (its name or link key: match it instead)."""
        self._require(Step.IMPORTS)
        row = self._import_row(xero_id)
        if selected and row.status in ("link", "exact", "safe"):
            raise WizardError(f"Xero contact {row.name!r} is in Atera already ({row.reason}); "
                              "match it in Match customers instead of importing it again")
        if selected:
            self._imports.add(xero_id)
            self._imports_named.add(xero_id)
        else:
            self._imports.discard(xero_id)
            self._imports_named.discard(xero_id)
        self._changed()

    def select_imports(self, xero_ids: Iterable[str], selected: bool = True) -> int:
        """Tick (or untick) many Xero contacts at once; return how many are ticked now.
        Ticking in bulk takes only the clearly new ones: a contact that Atera holds
        something like stays unticked (tick it by itself: :meth:`select_import`)."""
        self._require(Step.IMPORTS)
        rows = [self._import_row(i) for i in list(xero_ids)]
        if selected:
            self._imports.update(r.xero_id for r in rows if r.status == "new")
        else:
            gone = {r.xero_id for r in rows}
            self._imports -= gone
            self._imports_named -= gone
        self._changed()
        return len(self._imports)

    def _import_row(self, xero_id: str) -> ImportRow:
        row = next((r for r in self.import_candidates() if r.xero_id == xero_id), None)
        if row is None:
            raise WizardError(f"Xero contact {xero_id!r} cannot be imported: not an active "
                              "customer without a match")
        return row

    def selected_imports(self) -> list[ImportRow]:
        return [r for r in self.import_candidates() if r.xero_id in self._imports]

    def look_alikes(self) -> list[tuple[str, str, str]]:
        """``(kind, xero_id, reason)`` of the Xero records offered for Atera that Atera
        holds something like (ticked or not): Done keeps them for a person."""
        return [(kind, r.xero_id, r.reason)
                for kind, rows in (("imports", self.import_candidates()),
                                   ("adds", self.add_candidates()))
                for r in rows if r.status == "review"]

    # --- adds: Xero items to Atera's product list ----------------------------------------

    def _matched_items(self) -> set[str]:
        cat = self.catalogue
        ids = {str(d["xero_id"]) for aid, d in cat.current["products"].items()
               if d["action"] == "match" and d.get("xero_id") and aid not in cat.index[
                   "products"]}
        for r in cat.rows["products"]:
            c = self.choice("products", r.atera_id)
            if c.action == "match" and c.xero_id:
                ids.add(c.xero_id)
        return ids

    def add_candidates(self) -> list[AddRow]:
        """Sold Xero items that no Atera product, expense or rate is matched to, each with
        what Atera holds for it (``status``, ``reason``); offered, never added unticked."""
        matched = self._matched_items()
        return [r for r in self.catalogue.add_rows() if r.xero_id not in matched]

    def select_add(self, xero_id: str, selected: bool = True) -> None:
        """Tick (or untick) one Xero item to add to Atera's product list at Done. Ticking it
        by itself names it (added even if an Atera product looks like it); never when Atera
        has it already (its name or link key: match it in Match products instead)."""
        self._require(Step.IMPORTS)
        row = self._add_row(xero_id)
        if selected and row.status in _IN_ATERA:
            raise WizardError(f"Xero item {row.name!r} is in Atera already ({row.reason}); "
                              "match it in Match products instead of adding it again")
        if selected:
            self._adds.add(xero_id)
            self._adds_named.add(xero_id)
        else:
            self._adds.discard(xero_id)
            self._adds_named.discard(xero_id)
        self._changed()

    def select_adds(self, xero_ids: Iterable[str], selected: bool = True) -> int:
        """Tick (or untick) many items; in bulk only the clearly new ones are ticked.
        Return how many are ticked now."""
        self._require(Step.IMPORTS)
        rows = [self._add_row(i) for i in list(xero_ids)]
        if selected:
            self._adds.update(r.xero_id for r in rows if r.status == "new")
        else:
            gone = {r.xero_id for r in rows}
            self._adds -= gone
            self._adds_named -= gone
        self._changed()
        return len(self._adds)

    def _add_row(self, xero_id: str) -> AddRow:
        row = next((r for r in self.add_candidates() if r.xero_id == xero_id), None)
        if row is None:
            raise WizardError(f"Xero item {xero_id!r} cannot be added to Atera: not a sold "
                              "item without a match")
        return row

    def selected_adds(self) -> list[AddRow]:
        return [r for r in self.add_candidates() if r.xero_id in self._adds]

    def _plan_adds(self, taken: set[str], decisions: list[Decision], review: list[Held]
                   ) -> tuple[list[AteraProductAdd], list[Named]]:
        """The ticked items Done adds (``taken``: names Atera's products keep), those it
        skips, the look-alikes ticked in bulk (left for a person), and the decisions that
        record the choice (``adds``: import, or clear for one no longer ticked)."""
        adds: list[AteraProductAdd] = []
        skipped: list[Named] = []
        pending = set(self.catalogue.pending_adds)
        for r in self.selected_adds():
            if fold_name(r.name) in taken or r.status in _IN_ATERA:
                skipped.append(Named(r.xero_id, r.name))
                continue
            if r.status != "new" and r.xero_id not in self._adds_named:
                review.append(Held("adds", r.xero_id, r.name, r.reason))
                continue
            adds.append(AteraProductAdd(r.xero_id, r.code, r.name, r.price))
            if r.xero_id not in pending:
                decisions.append(Decision(
                    "adds", "import", xero_id=r.xero_id, who=self.who, run_id=self.run_id,
                    method="manual" if r.xero_id in self._adds_named else "bulk",
                    note=r.name))
        chosen = {a.xero_id for a in adds}
        decisions += [Decision("adds", "clear", xero_id=i, who=self.who, run_id=self.run_id)
                      for i in sorted(pending - chosen)]
        return adds, skipped
