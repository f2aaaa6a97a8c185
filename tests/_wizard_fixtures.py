"""Small workspaces and in-memory Xero/Atera fakes for the wizard's state-machine tests.

The fakes keep the same rules as the real systems where the wizard relies on them (Xero: item
codes and active contact names unique; Atera: new ids on create), and can be told to fail
after N creations, to interrupt Done half-way.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from matchkit._exceptions import TransportError
from matchkit.store import Workspace

ATERA_CUSTOMERS = [
    {"CustomerID": 1, "CustomerName": "Acme Pty Ltd", "City": "Sydney"},
    {"CustomerID": 2, "CustomerName": "Blue Sky Dental", "City": "Perth"},
    {"CustomerID": 3, "CustomerName": "Coastal Freight", "City": "Hobart"},
    {"CustomerID": 4, "CustomerName": "<script>alert(1)</script> Pty", "City": "Darwin"},
]
ATERA_PRODUCTS = [
    {"RateID": 10, "Description": "Managed Firewall", "Amount": 49.5, "SKU": "FW-1"},
    {"RateID": 11, "Description": "Backup 100GB", "Amount": 20.0, "SKU": "BK-100"},
    {"RateID": 12, "Description": "Old Antivirus <b>Pro</b>", "Amount": 5.0},
]
ATERA_EXPENSES = [{"RateID": 20, "Description": "Travel", "Amount": 80.0}]
ATERA_CONTRACTS = [
    {"ContractID": 100, "CustomerID": 1, "ContractName": "Acme hourly", "Taxable": True,
     "HourlyContract": {"PrimaryRate": {"RateID": 30, "Description": "Remote support hour",
                                        "Amount": 120.0}}},
]
ATERA_INVOICES = [
    {"InvoiceNumber": 500, "Tax": 10.0, "Total": 110.0, "LineItems": [
        {"Description": "Remote support hour", "Quantity": 1, "Rate": 100, "Tax": 10.0,
         "TaxPercentage": 10.0}]},
]
XERO_CONTACTS = [
    {"ContactID": "c-acme", "Name": "Acme Pty Ltd", "ContactStatus": "ACTIVE",
     "IsCustomer": True},
    {"ContactID": "c-blue", "Name": "Blue Sky Dental Group", "ContactStatus": "ACTIVE",
     "IsCustomer": True},
    {"ContactID": "c-imp", "Name": "Importable & Co", "ContactStatus": "ACTIVE",
     "IsCustomer": True, "EmailAddress": "a@imp.example"},
    {"ContactID": "c-sup", "Name": "Paper Supplier", "ContactStatus": "ACTIVE",
     "IsSupplier": True, "IsCustomer": False},
    {"ContactID": "c-old", "Name": "Archived Customer", "ContactStatus": "ARCHIVED",
     "IsCustomer": True},
    {"ContactID": "c-xss", "Name": "<img src=x onerror=alert(2)>", "ContactStatus": "ACTIVE",
     "IsCustomer": True},
]
XERO_ITEMS = [
    {"ItemID": "i-fw", "Code": "FW-1", "Name": "Managed Firewall", "IsSold": True,
     "SalesDetails": {"UnitPrice": 49.5}},
    {"ItemID": "i-bk", "Code": "BACKUP", "Name": "Cloud Backup 100 GB", "IsSold": True,
     "SalesDetails": {"UnitPrice": 20.0}},
    {"ItemID": "i-extra", "Code": "XTRA", "Name": "Xero-only consulting", "IsSold": True,
     "SalesDetails": {"UnitPrice": 150.0}},
]
XERO_TAX_RATES = [
    {"TaxType": "OUTPUT", "Name": "GST on Income", "Status": "ACTIVE",
     "CanApplyToRevenue": True, "EffectiveRate": 10.0},
    {"TaxType": "INPUT", "Name": "GST on Expenses", "Status": "ACTIVE",
     "CanApplyToRevenue": False, "EffectiveRate": 10.0},
    {"TaxType": "OLD", "Name": "Retired", "Status": "DELETED", "CanApplyToRevenue": True},
]
XERO_ORG = [{"OrganisationID": "org-1", "Name": "Demo Org", "ShortCode": "!abc12"}]


def fill(ws: Workspace, *, xero: FakeXero | None = None, atera: FakeAtera | None = None
         ) -> Workspace:
    """Snapshot the fakes (or the module's records) into ``ws``."""
    xero = xero or FakeXero()
    atera = atera or FakeAtera()
    ws.write_snapshot("atera", "customers", list(atera.customers()))
    ws.write_snapshot("atera", "products", list(atera.products()))
    ws.write_snapshot("atera", "expenses", list(atera.expenses()))
    ws.write_snapshot("atera", "contracts", ATERA_CONTRACTS)
    ws.write_snapshot("atera", "invoices", ATERA_INVOICES)
    ws.write_snapshot("xero", "contacts", list(xero.contacts(include_archived=True)))
    ws.write_snapshot("xero", "items", xero.items())
    ws.write_snapshot("xero", "tax_rates", XERO_TAX_RATES)
    ws.write_snapshot("xero", "organisation", XERO_ORG)
    return ws


def small_ws(path: str = ":memory:") -> Workspace:
    return fill(Workspace.open(path))


def _names(ws: Workspace, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if kind == "customers":
        left = ws.rows("atera", "customers")
        lf = pd.DataFrame({"id": left["CustomerID"].astype(str), "name": left["CustomerName"]})
        right = ws.rows("xero", "contacts")
        right = right[right["ContactStatus"] == "ACTIVE"]
        rf = pd.DataFrame({"id": right["ContactID"], "name": right["Name"]})
        return lf, rf
    parts = []
    for prefix, ent in (("product", "products"), ("expense", "expenses")):
        df = ws.rows("atera", ent)
        parts.append(pd.DataFrame({"id": [f"{prefix}:{i}" for i in df["RateID"]],
                                   "name": df["Description"]}))
    rates = ws.rows("atera", "contract_rates")
    parts.append(pd.DataFrame({"id": rates["RateKey"], "name": rates["Description"]}))
    items = ws.rows("xero", "items")
    return pd.concat(parts), pd.DataFrame({"id": items["ItemID"], "name": items["Name"]})


def fake_suggest(ws: Workspace, kind: str, top: int) -> pd.DataFrame:
    """match_frames' shape: exact on equal names, else rapidfuzz candidates above 60."""
    left, right = _names(ws, kind)
    names, ids = right["name"].tolist(), right["id"].tolist()
    rows = []
    for lid, lname in zip(left["id"], left["name"], strict=True):
        hits = process.extract(lname, names, scorer=fuzz.token_set_ratio, limit=top,
                               score_cutoff=60)
        for rank, (rname, score, idx) in enumerate(hits, start=1):
            method = "exact" if rname == lname else "fuzzy"
            rows.append({"left_id": lid, "right_id": ids[idx], "score": float(score),
                         "method": method, "rank": rank, "ambiguous": False,
                         "left_name": lname, "right_name": rname,
                         "evidence": f"name {score:.0f}% similar (token set)"})
    cols = ["left_id", "right_id", "score", "method", "rank", "ambiguous", "left_name",
            "right_name", "evidence"]
    return pd.DataFrame(rows, columns=cols)


class Boom(TransportError):
    """The injected failure."""


@dataclass
class _Result:
    index: int
    ok: bool
    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class FakeXero:
    """Xero's rules that matter here; ``fail_after`` creations, the next request fails."""

    tenant_id: str = "tenant-1"
    tenant_name: str = "Demo Org"
    connection_id: str = "conn-1"
    fail_after: int | None = None
    created: int = 0
    contact_list: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(
        XERO_CONTACTS))
    item_list: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(XERO_ITEMS))
    requests: list[str] = field(default_factory=list)

    def organisation(self) -> dict[str, Any]:
        return XERO_ORG[0]

    def contacts(self, include_archived: bool = True, modified_since: Any = None
                 ) -> Iterator[dict[str, Any]]:
        for c in self.contact_list:
            if include_archived or c.get("ContactStatus") == "ACTIVE":
                yield copy.deepcopy(c)

    def items(self, modified_since: Any = None) -> list[dict[str, Any]]:
        return copy.deepcopy(self.item_list)

    def _budget(self, n: int) -> int:
        if self.fail_after is None:
            return n
        return max(0, min(n, self.fail_after - self.created))

    def create_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> list[_Result]:
        self.requests.append(f"contacts:{idempotency_key}")
        allowed = self._budget(len(records))
        out = []
        for i, rec in enumerate(records[:allowed]):
            active = {c["Name"].casefold() for c in self.contact_list
                      if c.get("ContactStatus") == "ACTIVE"}
            if rec["Name"].casefold() in active:
                out.append(_Result(i, False, rec, [f"The contact name {rec['Name']} is "
                                                   "already assigned to another contact."]))
                continue
            new = {**rec, "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE"}
            self.contact_list.append(new)
            self.created += 1
            out.append(_Result(i, True, new))
        if allowed < len(records):
            raise Boom("injected failure", system="xero")
        return out

    def update_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> list[_Result]:
        """POST by ContactID: only the fields sent change (Done's link keys)."""
        self.requests.append(f"contact-updates:{idempotency_key}")
        out = []
        for i, rec in enumerate(records):
            row = next((c for c in self.contact_list if c["ContactID"] == rec["ContactID"]),
                       None)
            if row is None:
                out.append(_Result(i, False, rec, ["The ContactID specified does not exist."]))
                continue
            row.update(rec)
            out.append(_Result(i, True, copy.deepcopy(row)))
        return out

    def accounts(self) -> list[dict[str, Any]]:
        return []

    def create_items(self, records: list[dict[str, Any]], *, idempotency_key: str
                     ) -> list[_Result]:
        self.requests.append(f"items:{idempotency_key}")
        allowed = self._budget(len(records))
        out = []
        for i, rec in enumerate(records[:allowed]):
            if rec["Code"].casefold() in {x["Code"].casefold() for x in self.item_list}:
                out.append(_Result(i, False, rec, [f"Item with Code '{rec['Code']}' already "
                                                   "exists"]))
                continue
            new = {**rec, "ItemID": str(uuid.uuid4())}
            self.item_list.append(new)
            self.created += 1
            out.append(_Result(i, True, new))
        if allowed < len(records):
            raise Boom("injected failure", system="xero")
        return out

    def tax_rates(self) -> list[dict[str, Any]]:
        return XERO_TAX_RATES

    def invoices(self, **_: Any) -> Iterator[dict[str, Any]]:
        return iter(())


@dataclass
class FakeAtera:
    fail_after: int | None = None
    created: int = 0
    customer_list: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(
        ATERA_CUSTOMERS))
    product_list: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(
        ATERA_PRODUCTS))
    expense_list: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(
        ATERA_EXPENSES))
    updates: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def _tick(self) -> None:
        if self.fail_after is not None and self.created >= self.fail_after:
            raise Boom("injected failure", system="atera")
        self.created += 1

    def customers(self, modified_since: Any = None) -> Iterator[dict[str, Any]]:
        return iter(copy.deepcopy(self.customer_list))

    def contacts(self, modified_since: Any = None) -> Iterator[dict[str, Any]]:
        return iter(())

    def contracts(self) -> list[dict[str, Any]]:
        return copy.deepcopy(ATERA_CONTRACTS)

    def invoices(self, **_: Any) -> list[dict[str, Any]]:
        return copy.deepcopy(ATERA_INVOICES)

    def products(self) -> Iterator[dict[str, Any]]:
        return iter(copy.deepcopy(self.product_list))

    def expenses(self) -> Iterator[dict[str, Any]]:
        return iter(copy.deepcopy(self.expense_list))

    def create_customer(self, body: dict[str, Any]) -> int:
        self._tick()
        cid = max(c["CustomerID"] for c in self.customer_list) + 1
        self.customer_list.append({**body, "CustomerID": cid})
        return cid

    def create_product(self, body: dict[str, Any]) -> int:
        self._tick()
        rid = max(p["RateID"] for p in self.product_list) + 1
        self.product_list.append({**body, "RateID": rid, "Archived": False})
        return rid

    def update_product(self, product_id: int, body: dict[str, Any]) -> None:
        self.updates.append(("product", product_id, body))
        for p in self.product_list:
            if p["RateID"] == product_id:
                p.update(body)

    def update_expense(self, expense_id: int, body: dict[str, Any]) -> None:
        self.updates.append(("expense", expense_id, body))
        for p in self.expense_list:
            if p["RateID"] == expense_id:
                p.update(body)
