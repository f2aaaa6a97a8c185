"""The Summary: every change Done will make, computed without touching anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..store import Decision
from ._sentences import left_alone, summary_text, will_do

__all__ = ["AteraProductAdd", "ContactCreate", "ContactKey", "Held", "ItemCreate", "Plan"]


@dataclass(frozen=True)
class ItemCreate:
    atera_id: str
    name: str  # the Atera name; Xero's Name is this, tidied and cut to 50
    code: str
    price: float | None


@dataclass(frozen=True)
class ContactCreate:
    atera_id: str
    atera_name: str
    name: str  # the name the contact gets in Xero (no active contact has it)
    key: str = ""  # its ContactNumber: the link key ATERA-<CustomerID>


@dataclass(frozen=True)
class ContactKey:
    """A matched Xero contact and the link key (ContactNumber) Done puts on it."""

    atera_id: str
    contact_id: str
    name: str  # the Xero contact's name
    key: str  # ATERA-<CustomerID>
    current: str = ""  # its ContactNumber now; another one is never overwritten


@dataclass(frozen=True)
class Held:
    """A record not created because the other side holds something like it: a person
    decides (``kind``: customers, products, imports or adds)."""

    kind: str
    key: str  # the Atera id (customers, products) or the Xero id (imports, adds)
    name: str
    reason: str


@dataclass(frozen=True)
class AteraProductAdd:
    xero_id: str
    code: str
    name: str
    price: float | None


@dataclass(frozen=True)
class Named:
    key: str
    name: str


@dataclass(frozen=True)
class Plan:
    """A dry run of Done. ``decisions`` are appended to the log; the rest is what changes
    in Xero and in Atera."""

    run_id: str
    decisions: tuple[Decision, ...]
    xero_items: tuple[ItemCreate, ...]
    xero_contacts: tuple[ContactCreate, ...]
    atera_customers: tuple[Named, ...]  # Xero contacts imported as Atera customers
    atera_archive: tuple[Named, ...]  # Atera products/expenses archived (unmatched)
    atera_products: tuple[AteraProductAdd, ...]  # Xero items added to Atera's list
    rates_kept: tuple[Named, ...] = field(default=())  # unmatched labour rates (no API)
    adds_skipped: tuple[Named, ...] = field(default=())  # Xero items whose name Atera uses
    imports_skipped: tuple[Named, ...] = field(default=())  # a matched customer has the name
    review: tuple[Held, ...] = field(default=())  # left undecided or not created: look-alikes
    xero_keys: tuple[ContactKey, ...] = field(default=())  # Contact Code to set
    keys_kept: tuple[ContactKey, ...] = field(default=())  # another Contact Code: left as is

    def left_for_review(self, kind: str | None = None) -> list[Held]:
        """Atera rows Done leaves undecided because Xero holds something like them."""
        kinds = ("customers", "products") if kind is None else (kind,)
        return [h for h in self.review if h.kind in kinds]

    def counts(self) -> dict[str, int]:
        by_action: dict[str, int] = {}
        for d in self.decisions:
            key = f"decisions {d.entity} {d.action}"
            by_action[key] = by_action.get(key, 0) + 1
        return {
            "xero items to create": len(self.xero_items),
            "xero contacts to create": len(self.xero_contacts),
            "left for review": len(self.left_for_review()),
            "xero contacts to get their link key": len(self.xero_keys),
            "atera customers to create": len(self.atera_customers),
            "atera products to archive": len(self.atera_archive),
            "atera products to add": len(self.atera_products),
            "decisions to record": len(self.decisions),
            **dict(sorted(by_action.items())),
        }

    @property
    def empty(self) -> bool:
        return not (self.decisions or self.xero_items or self.xero_contacts
                    or self.atera_customers or self.atera_archive or self.atera_products
                    or self.xero_keys)

    def sections(self) -> list[tuple[str, list[str]]]:
        """Every Summary section by its stable title, with its plain-text records (escape
        them before they reach HTML); empty ones included."""
        return [(s.key, list(s.items)) for s in (*will_do(self), *left_alone(self))]

    def text(self, button: str = "Done") -> str:
        """The Summary as plain text: what ``button`` will do in sentences, each with its
        records listed, then what it leaves alone."""
        return summary_text(self, button)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "counts": self.counts(),
                "sections": {t: items for t, items in self.sections()}}
