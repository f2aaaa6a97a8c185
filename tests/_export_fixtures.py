"""An in-memory stand-in for the Xero client, for unit tests of the sync and export logic.

It keeps Xero's rules that matter here (contact names unique among active contacts, item codes
unique, invoice numbers unique, per-element results, idempotency keys replaying the first
answer) and can lose answers after applying a write (``drop_after``) or before (``drop``).
The loopback tests run the same logic against the real sandbox over HTTP.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matchkit._config import Settings
from matchkit._exceptions import TransportError
from matchkit.store import Decision, Workspace


@dataclass
class Result:
    index: int
    ok: bool
    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class FakeXero:
    tenant_id = "tenant-fake"
    tenant_name = "Fake Org"

    def __init__(self) -> None:
        self.contact_rows: list[dict[str, Any]] = []
        self.item_rows: list[dict[str, Any]] = []
        self.invoice_rows: list[dict[str, Any]] = []
        self.calls: list[tuple[str, int]] = []
        self.faults: list[str] = []  # consumed one per write: 'drop' | 'drop_after' | 'ok'
        self._replay: dict[str, list[Result]] = {}

    # reads
    def contacts(self, include_archived: bool = True, modified_since: Any = None
                 ) -> Iterator[dict[str, Any]]:
        self.calls.append(("GET contacts", 0))
        for c in self.contact_rows:
            if include_archived or c["ContactStatus"] == "ACTIVE":
                yield dict(c)

    def items(self, modified_since: Any = None) -> list[dict[str, Any]]:
        self.calls.append(("GET items", 0))
        return [dict(i) for i in self.item_rows]

    # writes
    def _write(self, kind: str, records: list[dict[str, Any]], key: str,
               apply: Any, verb: str = "PUT") -> list[Result]:
        self.calls.append((f"{verb} {kind}", len(records)))
        if key in self._replay:
            return self._replay[key]
        fault = self.faults.pop(0) if self.faults else "ok"
        if fault == "drop":
            raise TransportError("connection dropped", system="xero")
        results = [apply(i, r) for i, r in enumerate(records)]
        self._replay[key] = results
        if fault == "drop_after":
            raise TransportError("connection dropped after write", system="xero")
        return results

    def create_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> list[Result]:
        def apply(i: int, r: dict[str, Any]) -> Result:
            name = r["Name"].strip().casefold()
            if any(c["Name"].casefold() == name and c["ContactStatus"] == "ACTIVE"
                   for c in self.contact_rows):
                return Result(i, False, r, [
                    f"The contact name {r['Name']} is already assigned to another contact. "
                    "The contact name must be unique across all active contacts."])
            row = {**r, "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE"}
            self.contact_rows.append(row)
            return Result(i, True, row)
        return self._write("contacts", records, idempotency_key, apply)

    def update_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> list[Result]:
        """POST: a record with a ContactID changes only the fields it sends (as Xero)."""
        def apply(i: int, r: dict[str, Any]) -> Result:
            row = next((c for c in self.contact_rows if c["ContactID"] == r.get("ContactID")),
                       None)
            if row is None:
                return Result(i, False, r, ["The ContactID specified does not exist."])
            row.update(r)
            return Result(i, True, dict(row))
        return self._write("contacts", records, idempotency_key, apply, verb="POST")

    def accounts(self) -> list[dict[str, Any]]:
        return []

    def create_items(self, records: list[dict[str, Any]], *, idempotency_key: str
                     ) -> list[Result]:
        def apply(i: int, r: dict[str, Any]) -> Result:
            if len(r["Code"]) > 30:
                return Result(i, False, r, ["Code must not be more than 30 characters long."])
            if any(x["Code"].casefold() == r["Code"].casefold() for x in self.item_rows):
                return Result(i, False, r,
                              [f"Price List Item with Code ''{r['Code']}'' already exists"])
            row = {**r, "ItemID": str(uuid.uuid4())}
            self.item_rows.append(row)
            return Result(i, True, row)
        return self._write("items", records, idempotency_key, apply)


# --- the real sandbox over loopback -----------------------------------------------------

SEED_DIR = Path(__file__).resolve().parents[1] / "data" / "seed"


def demo_seed() -> tuple[dict[str, Any], dict[str, Any]]:
    atera = json.loads((SEED_DIR / "atera_demo.json").read_text())
    truth = json.loads((SEED_DIR / "truth.json").read_text())
    return atera, truth


def load_demo(ws: Workspace, *, leave_customers: frozenset[str] = frozenset(),
              leave_products: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Atera snapshots from the demo seed and the true matches as decisions, except the
    customers/products named in ``leave_*`` (left undecided, as if not matched yet). The
    products the truth calls new are decided "create" by a person (method ``manual``): some
    look like a Xero item, and only a person's decision creates those (matchkit._gate). The
    Xero connection (if one is recorded) is marked set up, as after the wizard's Done."""
    atera, truth = demo_seed()
    for name in ("customers", "contacts", "products", "expenses", "contracts", "invoices"):
        ws.write_snapshot("atera", name, atera[name])
    decs = [Decision("customers", "match", str(t["atera_id"]), t["xero_id"], "exact")
            for t in truth["customers"]
            if t["xero_id"] and str(t["atera_id"]) not in leave_customers]
    decs += [Decision("products", "match", t["atera_id"], t["xero_id"], "exact")
             for t in truth["products"] if t["xero_id"] and t["atera_id"] not in leave_products]
    decs += [Decision("products", "create", t["atera_id"], None, "manual")
             for t in truth["products"] if not t["xero_id"]
             and t["atera_id"] not in leave_products]
    ws.record_decisions(decs)
    ws.mark_setup_done()  # as the wizard's Done leaves it (when a connection is recorded)
    return atera


@dataclass
class Env:
    sb: Any
    ws: Workspace
    xero: Any
    settings: Settings
    tmp: Path

    def client(self, **kwargs: Any) -> Any:
        from matchkit.connect import connect_xero

        return connect_xero(None, self.settings, **kwargs)

    def xero_invoices(self) -> list[dict[str, Any]]:
        """Every invoice Xero holds, read over HTTP with faults off."""
        self.sb.set_faults("xero", None)
        with self.client() as c:
            return list(c.invoices())

    def xero_credit_notes(self) -> list[dict[str, Any]]:
        self.sb.set_faults("xero", None)
        with self.client() as c:
            return list(c.request("GET", "CreditNotes").json().get("CreditNotes") or [])


@contextmanager
def export_env(tmp_path: Path, *, time_scale: float = 60.0, in_memory: bool = False,
               **connect: Any) -> Iterator[Env]:
    """The demo sandbox, a connected client and a workspace (a file unless ``in_memory``,
    which only tests that stay in this process may use)."""
    from matchkit.connect import connect_xero
    from matchkit.sandbox import start

    with start(seed="demo", time_scale=time_scale) as sb:
        settings = Settings.from_env(sb.env, token_dir=str(tmp_path / "tokens"),
                                     workspace=str(tmp_path / "ws.duckdb"))
        ws = Workspace.open(":memory:" if in_memory else settings.workspace)
        xero = connect_xero(ws, settings, time_scale=time_scale, **connect)
        try:
            yield Env(sb, ws, xero, settings, tmp_path)
        finally:
            xero.close()
            ws.close()
