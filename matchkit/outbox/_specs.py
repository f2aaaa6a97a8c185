"""What contacts, items and link keys are sent from (specs), and what comes back (results,
failures): the public values of ``ensure_contacts``, ``ensure_items`` and
``ensure_contact_keys``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import ExportError
from .._keys import contact_key, item_code, item_key
from .._limits import MAX_DESCRIPTION
from ..xero import XeroWriter
from ._names import xero_item_name

__all__ = ["ContactSpec", "ItemSpec", "KeyResult", "SyncFailure", "SyncPreview",
           "XeroSyncError", "XeroWriter"]


@dataclass(frozen=True)
class ContactSpec:
    """An Atera customer to have as a Xero contact.

    It is found (its link key in ContactNumber, or its name) or created only when clearly
    new (``matchkit._gate``); ``confirmed``: a person named this record for creation, so a
    look-alike may be created (never a record that exists).
    """

    atera_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_number: str | None = None
    website: str | None = None
    confirmed: bool = False

    @property
    def key(self) -> str:
        """The ContactNumber the contact carries: ``ATERA-<CustomerID>``."""
        return contact_key(self.atera_id)

    def payload(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Name": name, "ContactNumber": self.key}
        if self.email:
            body["EmailAddress"] = self.email
        if self.tax_number:
            body["TaxNumber"] = self.tax_number[:50]
        # Website is read-only in Xero's API (the spec marks it so): kept on the spec only.
        if self.phone:
            body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": self.phone[:50]}]
        if any((self.address, self.city, self.region, self.postal_code, self.country)):
            addr = {"AddressType": "STREET", "AddressLine1": self.address, "City": self.city,
                    "Region": self.region, "PostalCode": self.postal_code,
                    "Country": self.country}
            body["Addresses"] = [{k: v for k, v in addr.items() if v}]
        return body


@dataclass(frozen=True)
class ItemSpec:
    """An Atera product, expense or labour rate to have as a Xero item (Atera's price).

    ``code``: the Code to create it with; by default its link-key code
    (``matchkit._keys.item_code``). ``confirmed`` as for :class:`ContactSpec`.
    """

    atera_id: str
    name: str
    price: float | None = None
    description: str | None = None
    code: str | None = None
    sales_account: str | None = None
    confirmed: bool = False

    @property
    def key(self) -> str:
        return item_key(self.atera_id)

    def wanted_code(self) -> str:
        return (self.code or "").strip() or item_code(self.atera_id, self.name)

    def payload(self, code: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Code": code, "Name": xero_item_name(self.name),
                                "Description": (self.description or self.name)[:MAX_DESCRIPTION],
                                "IsSold": True, "IsPurchased": False}
        sales: dict[str, Any] = {}
        if self.price is not None:
            sales["UnitPrice"] = round(float(self.price), 4)
        if self.sales_account:
            sales["AccountCode"] = self.sales_account
        # No TaxType: Xero's own tax (the account's default) must apply.
        if sales:
            body["SalesDetails"] = sales
        return body


@dataclass(frozen=True)
class SyncFailure:
    kind: str
    atera_id: str
    name: str
    reason: str
    held: bool = False  # not refused by Xero: it looks like a record there, a person decides

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r} (Atera {self.atera_id}): {self.reason}"


class XeroSyncError(ExportError):
    """Some contacts or items could not be created; ``done`` holds those that were."""

    def __init__(self, failures: Sequence[SyncFailure], done: Mapping[str, str]) -> None:
        self.failures = list(failures)
        self.done = dict(done)
        lines = "\n  ".join(str(f) for f in self.failures[:50])
        more = len(self.failures) - 50
        super().__init__(
            f"{len(self.failures)} record(s) could not be created in Xero "
            f"({len(self.done)} done):\n  {lines}" + (f"\n  ... and {more} more" if more > 0
                                                      else "")
        )


@dataclass(frozen=True)
class SyncPreview:
    """What ensure_contacts / ensure_items would do: reuse ``found``, create ``to_create``,
    and leave ``held`` (atera_id -> why) for a person: each looks like a Xero record."""

    found: dict[str, str]  # atera_id -> Xero id already there (or created by an earlier run)
    to_create: list[dict[str, Any]]  # the payloads that would be sent
    held: dict[str, str] = field(default_factory=dict)
    created_for: list[str] = field(default_factory=list)  # atera_id of each payload


@dataclass(frozen=True)
class KeyResult:
    """The link keys Done put on matched contacts (atera_id -> ContactID), and those it
    left: the contact carries another Contact Code already (``kept``: atera_id -> that
    code, never overwritten) or is gone from Xero (``missing``)."""

    set: dict[str, str] = field(default_factory=dict)
    already: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
