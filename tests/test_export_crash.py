"""Killed exports, the export lock and the CLI: real processes against the loopback sandbox."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from matchkit._exceptions import ExportBusyError
from matchkit.cli import main
from matchkit.export import ExportOptions, batch_from_file, export_lock, plan_export
from matchkit.export._lock import acquire
from tests._export_fixtures import Env, demo_seed, export_env, load_demo

ROOT = Path(__file__).resolve().parents[1]


def _cli_env(env: Env) -> dict[str, str]:
    return {**os.environ, **env.sb.env, "MATCHKIT_WORKSPACE": env.settings.workspace,
            "MATCHKIT_TOKEN_DIR": str(env.settings.token_dir)}


def _cli(env: Env, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "matchkit", *args], cwd=ROOT,
                            env=_cli_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _run(env: Env, *args: str) -> Result:
    """The CLI in this process (the sandbox is here too): faster than a new interpreter."""
    return CliRunner().invoke(main, list(args), env=_cli_env(env))


def _batch_file(tmp: Path, months: tuple[str, ...] = ("2026-08", "2026-09")) -> Path:
    atera, _ = demo_seed()
    path = tmp / "batch.json"
    path.write_text(json.dumps([i for i in atera["invoices"]
                                if str(i["InvoiceDate"])[:7] in months]))
    return path


def _in_xero(env: Env) -> Counter[str]:
    return Counter(str(i["InvoiceNumber"]) for i in env.xero_invoices()) + Counter(
        str(n["CreditNoteNumber"]) for n in env.xero_credit_notes())


@pytest.mark.slow
def test_killed_runs_then_a_full_run_leave_each_invoice_once(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    with export_env(tmp_path) as env:
        load_demo(env.ws)
        batch_path = _batch_file(tmp_path)
        options = ExportOptions(create_missing_customers=True)
        valid = set(plan_export(env.ws, env.xero, batch_from_file(batch_path), options).payloads)
        # Slow answers, so the kills land while requests are in flight; each run is killed
        # at a random point: after a random number of write requests, plus a random delay.
        env.sb.set_faults("xero", "latency=80ms")
        kills, in_flight = 0, []
        for target in (1, 2, 2):  # of about 8 write requests in all
            before = env.sb.ledger.count(system="xero", method="PUT")
            proc = _cli(env, "export", "--file", str(batch_path), "--create-missing-customers")
            deadline = time.monotonic() + 90
            while (proc.poll() is None and time.monotonic() < deadline and
                   env.sb.ledger.count(system="xero", method="PUT") - before < target):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.25))
            if proc.poll() is None:
                proc.kill()  # SIGKILL: no cleanup, no lock release, no final log rows
                kills += 1
            proc.communicate(timeout=30)
            in_flight.append(int(env.ws.sql(
                "SELECT count(*) AS n FROM export_state WHERE status IN ('sending', 'unknown')"
            )["n"].iloc[0]))
        assert kills == 3
        # At least one kill came between an intent written and its answer recorded.
        assert any(in_flight), in_flight
        env.sb.set_faults("xero", None)
        proc = _cli(env, "export", "--file", str(batch_path), "--create-missing-customers")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        in_xero = _in_xero(env)
        assert set(in_xero) == valid and set(in_xero.values()) == {1}
        state = env.ws.sql("SELECT atera_invoice FROM export_state WHERE status = 'exported'")
        assert set(state["atera_invoice"]) == valid
        odd = env.ws.sql("SELECT count(*) AS n FROM export_log WHERE payload IS NOT NULL AND "
                         "json_type(payload) <> 'OBJECT'")["n"].iloc[0]
        assert odd == 0  # payloads carried over from a killed run stay objects
        made = env.ws.sql("SELECT kind, name, code FROM xero_sync_state WHERE status = "
                          "'created'")
        contacts = Counter(c["Name"] for c in env.client().contacts(include_archived=False))
        codes = Counter(i["Code"] for i in env.client().items())
        for kind, name, code in made.itertuples(index=False):
            assert (contacts[name] if kind == "contact" else codes[code]) == 1, (kind, name)
        assert set(made["kind"]) == {"contact", "item"}

def test_second_export_is_told_which_process_runs(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        env.ws.mark_setup_done()  # as after the wizard's Done: the export may start
        with export_lock(env.ws, env.xero.tenant_id, "run-a"):
            with pytest.raises(ExportBusyError, match=f"process {os.getpid()}"):
                acquire(env.ws, env.xero.tenant_id, "run-b")
            res = _run(env, "export", "--file", str(_batch_file(tmp_path)))
            assert res.exit_code == 2 and "already running" in res.output, res.output
        # Released: the next one goes.
        acquire(env.ws, env.xero.tenant_id, "run-c").release()


def test_a_dead_or_stale_lock_is_taken_over(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        tenant = env.xero.tenant_id
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        env.ws.execute("INSERT INTO export_locks VALUES (?, 'run-dead', ?, ?, 'x', now(), now())",
                       [tenant, dead.pid, socket.gethostname()])
        acquire(env.ws, tenant, "run-new").release()
        # A live owner here keeps it, however old its heartbeat (it may wait out a 429).
        env.ws.execute("INSERT INTO export_locks VALUES (?, 'run-slow', ?, ?, 'x', "
                       "now() - INTERVAL 1 HOUR, now() - INTERVAL 1 HOUR)",
                       [tenant, os.getpid(), socket.gethostname()])
        with pytest.raises(ExportBusyError, match="run-slow"):
            acquire(env.ws, tenant, "run-z", stale_after=60)
        env.ws.execute("DELETE FROM export_locks")
        # Alive but silent for longer than the staleness limit: taken over too.
        env.ws.execute("INSERT INTO export_locks VALUES (?, 'run-old', 1, 'elsewhere', 'x', "
                       "now() - INTERVAL 10 MINUTE, now() - INTERVAL 10 MINUTE)", [tenant])
        with pytest.raises(ExportBusyError):
            acquire(env.ws, tenant, "run-x", stale_after=3600)
        acquire(env.ws, tenant, "run-y", stale_after=60).release()
        assert env.ws.sql("SELECT count(*) AS n FROM export_locks")["n"].iloc[0] == 0


def test_cli_dry_run_sends_nothing_and_lists_every_call(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        load_demo(env.ws)
        res = _run(env, "export", "--file", str(_batch_file(tmp_path)), "--dry-run",
                   "--payloads", "--create-missing-customers")
        assert res.exit_code == 0, res.output
        out = res.stdout
        assert "PUT Invoices?summarizeErrors=false (50 element(s))" in out
        assert '"LineAmountTypes": "Exclusive"' in out and "TaxType" not in out
        # problems and notes go to stderr, e.g. a hand-typed customer name resolved
        assert "taken as Atera customer 'Pinnacle Motors Ltd'" in res.stderr
        assert env.sb.ledger.count(system="xero", method="PUT") == 0
        assert env.ws.sql("SELECT count(*) AS n FROM export_log")["n"].iloc[0] == 0


def test_cli_refuses_a_bad_file_and_bad_options(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps([{"InvoiceNumber": "twelve"}]))
        res = _run(env, "export", "--file", str(bad))
        assert res.exit_code == 2 and "row 1" in res.stderr and "InvoiceNumber" in res.stderr
        res = _run(env, "export")
        assert res.exit_code == 2 and "choose one batch" in res.stderr
        res = _run(env, "export", "--file", str(bad), "--status", "AUTHORISED")
        assert res.exit_code == 2 and "sales account" in res.stderr
        assert env.sb.ledger.count(system="xero", method="PUT") == 0



def test_cli_export_then_refresh_invoices(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        load_demo(env.ws)
        batch = _batch_file(tmp_path, months=("2026-10",))
        res = _run(env, "export", "--file", str(batch), "--create-missing-customers",
                   "--status", "SUBMITTED")
        assert res.exit_code == 0, res.output
        assert "exported" in res.stdout and "0 failed" in res.stdout
        res = _run(env, "export", "--file", str(batch), "--create-missing-customers")
        assert res.exit_code == 0 and " 0 exported" in res.stdout, res.output
        res = _run(env, "refresh-invoices")
        assert res.exit_code == 0, res.output
        assert "draft" in res.stdout and "amount due" in res.stdout
        refreshed = env.ws.sql("SELECT count(*) AS n FROM export_log WHERE batch_id = "
                               "'refresh'")["n"].iloc[0]
        exported = env.ws.sql("SELECT count(*) AS n FROM export_state WHERE status = "
                              "'exported'")["n"].iloc[0]
        assert refreshed == exported > 0
