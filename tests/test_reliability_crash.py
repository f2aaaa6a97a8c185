"""Crash tests: ``matchkit export`` and ``matchkit wizard --auto`` SIGKILLed at random points,
run again, and the sandbox's Xero (read over HTTP) holds every invoice exactly once.

The short runs are part of the normal suite; the long ones (1,000 invoices, 10+ kills) are
``@pytest.mark.stress`` and run only with ``MATCHKIT_STRESS=1`` (``make stress``).
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matchkit.atera import AteraClient
from tests._reliability_fixtures import Rig, big_batch, load_demo, rig, write_batch

STRESS = os.environ.get("MATCHKIT_STRESS") == "1"
needs_stress = pytest.mark.skipif(
    not STRESS, reason="long crash run: set MATCHKIT_STRESS=1 (make stress) to run it")


def _invoice_puts(r: Rig) -> int:
    return sum(1 for e in r.sb.ledger.entries("xero")
               if e.method == "PUT" and e.path.lower().endswith("/invoices"))


def _kill_at_random(r: Rig, proc: subprocess.Popen[str], rng: random.Random,
                    writes: Any) -> bool:
    """Kill ``proc`` (SIGKILL) at a random point: after a random number of write requests
    plus a random delay, or after a random delay alone (startup, validation, lookups).
    Returns whether it was still running when killed."""
    if rng.random() < 0.7:
        before, target = writes(), rng.randint(1, 2)
        deadline = time.monotonic() + 120
        while proc.poll() is None and writes() - before < target \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.15))
    else:
        time.sleep(rng.uniform(0.5, 3.0))
    if proc.poll() is not None:
        proc.communicate()
        return False
    proc.kill()  # SIGKILL: no cleanup, no lock release, no last log rows
    proc.communicate(timeout=30)
    return True


def _export_crash_run(tmp_path: Path, n_invoices: int, kills: int, seed: int
                      ) -> dict[str, Any]:
    rng = random.Random(seed)
    with rig(tmp_path) as r:
        load_demo(r.ws())
        # Small requests leave room for every kill: at Xero's 50 per request a 1,000-invoice
        # batch is 20 PUTs, and ten kills landing 2-3 PUTs apart could finish it early.
        r.ws().set_setting("export.per_request", 8)
        batch = big_batch(n_invoices)
        path = str(write_batch(tmp_path, batch))
        # Slow answers, so that kills land while requests are in flight.
        r.sb.set_faults("xero", "latency=60ms")
        done, tries, mid_write = 0, 0, 0
        while done < kills and tries < kills * 3:
            tries += 1
            proc = r.cli("export", "--file", path)
            if _kill_at_random(r, proc, rng, lambda: _invoice_puts(r)):
                done += 1
                # The killed run left a workspace that opens and reads (DuckDB's WAL).
                state = r.ws().sql("SELECT status, count(*) AS n FROM export_state GROUP BY 1")
                counts = dict(zip(state["status"], state["n"], strict=True))
                mid_write += int(counts.get("sending", 0) + counts.get("unknown", 0) > 0)
        assert done == kills, f"only {done} of {kills} runs were still running when killed"
        r.sb.set_faults("xero", None)
        started = time.monotonic()
        code, _out, err = r.run_cli("export", "--file", path)
        final = time.monotonic() - started
        assert code == 0, err[-3000:]
        numbers = {str(inv["InvoiceNumber"]) for inv in batch}
        in_xero = r.xero_invoice_numbers()
        ours = {n: c for n, c in in_xero.items() if n in numbers}
        assert set(ours) == numbers, f"missing in Xero: {sorted(numbers - set(ours))[:10]}"
        doubled = {n: c for n, c in ours.items() if c != 1}
        assert not doubled, f"exported more than once: {doubled}"
        # The export log agrees with Xero, invoice by invoice (same InvoiceID).
        with r.client() as c:
            ids = {str(i["InvoiceNumber"]): i["InvoiceID"] for i in c.invoices()}
        state = r.ws().sql("SELECT atera_invoice, xero_invoice_id, status FROM export_state")
        assert set(state["atera_invoice"]) == numbers
        assert set(state["status"]) == {"exported"}
        assert {a: x for a, x in zip(state["atera_invoice"], state["xero_invoice_id"],
                                     strict=True)} == {n: ids[n] for n in numbers}
        # Items created on the way (missing products) exist once each.
        codes = r.xero_item_codes()
        assert all(v == 1 for v in codes.values()), codes.most_common(3)
        return {"kills": done, "tries": tries, "mid_write": mid_write, "final_run_s": final}


def test_export_killed_three_times_then_each_invoice_once(tmp_path: Path) -> None:
    figures = _export_crash_run(tmp_path, n_invoices=200, kills=3, seed=9001)
    assert figures["kills"] == 3


@pytest.mark.stress
@needs_stress
def test_stress_export_1000_invoices_killed_ten_times(tmp_path: Path) -> None:
    figures = _export_crash_run(tmp_path, n_invoices=1000, kills=10, seed=20261126)
    print(f"\nexport crash run: {figures}")
    # With ten kills, at least one landed between an intent logged and its answer saved.
    assert figures["mid_write"] >= 1, figures


# --- the wizard's Done ---------------------------------------------------------------------



def _wizard_writes(r: Rig) -> int:
    return sum(1 for e in r.sb.ledger.entries() if e.method in ("PUT", "POST")
               and e.system in ("xero", "atera") and "/connect/" not in e.path)


def _atera_names(r: Rig) -> Counter[str]:
    with AteraClient(r.sb.atera_url, r.sb.atera_api_key, rate=0) as a:
        return Counter(c["CustomerName"].strip().casefold() for c in a.customers())


def _wizard_crash_run(tmp_path: Path, kills: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with rig(tmp_path, connect=False) as r:
        contacts_before = r.xero_contact_names()
        atera_before = _atera_names(r)
        r.sb.set_faults("xero", "latency=15ms")
        r.sb.set_faults("atera", "latency=15ms")
        done, tries = 0, 0
        while done < kills and tries < kills * 3:
            tries += 1
            proc = r.cli("wizard", "--auto", "--import-all", "--add-items")
            done += _kill_at_random(r, proc, rng, lambda: _wizard_writes(r))
        assert done == kills, f"only {done} of {kills} runs were still running when killed"
        r.sb.set_faults("xero", None)
        r.sb.set_faults("atera", None)
        code, _out, err = r.run_cli("wizard", "--auto", "--import-all", "--add-items")
        assert code == 0, err[-3000:]
        contacts, items, atera = r.xero_contact_names(), r.xero_item_codes(), _atera_names(r)
        assert all(v == 1 for v in contacts.values()), contacts.most_common(3)
        assert all(v == 1 for v in items.values()), items.most_common(3)
        twice = {n: v for n, v in atera.items() if v > max(1, atera_before[n])}
        assert not twice, twice
        # The run did something: Xero gained contacts and Atera gained imported customers.
        assert sum(contacts.values()) > sum(contacts_before.values())
        assert sum(atera.values()) > sum(atera_before.values())
        # A further run finds nothing left to do: no new write reaches either system.
        writes = _wizard_writes(r)
        code, _out, err = r.run_cli("wizard", "--auto", "--import-all", "--add-items")
        assert code == 0, err[-3000:]
        assert _wizard_writes(r) == writes
        return {"kills": done, "tries": tries}


def test_wizard_done_killed_twice_then_nothing_doubled(tmp_path: Path) -> None:
    assert _wizard_crash_run(tmp_path, kills=2, seed=77)["kills"] == 2


@pytest.mark.stress
@needs_stress
def test_stress_wizard_done_killed_ten_times(tmp_path: Path) -> None:
    figures = _wizard_crash_run(tmp_path, kills=10, seed=4242)
    print(f"\nwizard crash run: {figures}")
