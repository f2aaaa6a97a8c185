"""Shared plumbing for the reliability tests: a time-scaled sandbox with a file workspace,
the CLI as a real child process, big invoice batches, and full workspace dumps.

Everything runs over loopback HTTP against ``matchkit.sandbox`` and real DuckDB files.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from matchkit._config import Settings
from matchkit.store import Workspace
from tests._export_fixtures import demo_seed, load_demo

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

__all__ = [
    "ROOT",
    "SHARED",
    "Rig",
    "big_batch",
    "dump_workspace",
    "load_demo",
    "rig",
    "wait_until",
]


@dataclass
class Rig:
    """A running sandbox, settings pointing at it, and a file workspace."""

    sb: Any
    settings: Settings
    tmp: Path
    time_scale: float

    @property
    def ws_path(self) -> str:
        return self.settings.workspace

    def ws(self) -> Workspace:
        return Workspace.open(self.ws_path)

    @property
    def env(self) -> dict[str, str]:
        """The environment of a CLI child process (sandbox variables, this workspace)."""
        return {**os.environ, **self.sb.env, "MATCHKIT_WORKSPACE": self.ws_path,
                "MATCHKIT_TOKEN_DIR": str(self.settings.token_path), "PYTHONUNBUFFERED": "1"}

    def cli(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "matchkit", *args], cwd=ROOT,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def run_cli(self, *args: str, timeout: float = 240) -> tuple[int, str, str]:
        proc = self.cli(*args)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"matchkit {' '.join(args)} hung:\n{err[-3000:]}") from None
        return proc.returncode, out, err

    def client(self, **kwargs: Any) -> Any:
        from matchkit.connect import connect_xero

        kwargs.setdefault("time_scale", self.time_scale)
        return connect_xero(None, self.settings, **kwargs)

    def xero_invoice_numbers(self) -> Counter[str]:
        """Every invoice and credit note number the sandbox's Xero holds, read over HTTP
        (GET /Invoices, every page) with faults off."""
        self.sb.set_faults("xero", None)
        with self.client() as c:
            numbers = Counter(str(i["InvoiceNumber"]) for i in c.invoices())
            notes = c.request("GET", "CreditNotes").json().get("CreditNotes") or []
        numbers.update(str(n["CreditNoteNumber"]) for n in notes)
        return numbers

    def xero_contact_names(self) -> Counter[str]:
        self.sb.set_faults("xero", None)
        with self.client() as c:
            return Counter(x["Name"].casefold() for x in c.contacts(include_archived=False))

    def xero_item_codes(self) -> Counter[str]:
        self.sb.set_faults("xero", None)
        with self.client() as c:
            return Counter(str(x["Code"]).casefold() for x in c.items())

    def xero_writes(self) -> int:
        """Write requests that reached the Xero API (not the identity endpoints)."""
        return sum(1 for e in self.sb.ledger.entries("xero")
                   if e.method in ("PUT", "POST", "DELETE") and "api.xro" in e.path)


@contextmanager
def rig(tmp_path: Path, *, seed: str = "demo", time_scale: float = 60.0,
        connect: bool = True, **options: Any) -> Iterator[Rig]:
    """A sandbox (time-scaled so Xero's 60/min limit costs seconds, not minutes) and a file
    workspace under ``tmp_path``; with ``connect`` the Xero connection is made and recorded
    once, so child processes find stored tokens."""
    from matchkit.connect import connect_xero
    from matchkit.sandbox import start

    with start(seed=seed, time_scale=time_scale, **options) as sb:
        settings = Settings.from_env(sb.env, token_dir=str(tmp_path / "tokens"),
                                     workspace=str(tmp_path / "ws.duckdb"))
        r = Rig(sb, settings, tmp_path, time_scale)
        ws = r.ws()
        if connect:
            connect_xero(ws, settings, time_scale=time_scale).close()
        yield r


def big_batch(n: int, *, first_number: int = 70001) -> list[dict[str, Any]]:
    """``n`` invoices in Atera's invoice JSON shape, for the demo seed's customers and
    products: copies of the seed's invoices (customers with a true Xero match only, no credit
    notes) with fresh numbers ``first_number..``."""
    atera, truth = demo_seed()
    matched = {str(t["atera_id"]) for t in truth["customers"] if t["xero_id"]}
    names = {str(c["CustomerID"]): c["CustomerName"] for c in atera["customers"]}
    known = {names[i] for i in matched if i in names}
    base = [inv for inv in atera["invoices"]
            if (inv.get("To") or {}).get("CompanyName") in known
            and float(inv.get("Total") or 0) > 0 and inv.get("LineItems")]
    if not base:
        raise AssertionError("the demo seed has no invoice to copy")
    out = []
    for i in range(n):
        inv = copy.deepcopy(base[i % len(base)])
        number = first_number + i
        inv["InvoiceNumber"] = number
        inv["InvoiceNumberAsString"] = str(number)
        inv["InvoiceId"] = f"00000000-0000-4000-8000-{number:012d}"
        out.append(inv)
    return out


def write_batch(tmp: Path, invoices: list[dict[str, Any]], name: str = "batch.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(invoices))
    return path


def dump_workspace(path: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the workspace file, sorted, for before/after checks."""
    conn = duckdb.connect(path, read_only=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in tables}
    finally:
        conn.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0, step: float = 0.01
               ) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
