"""Two processes on one workspace file: DuckDB lets one process write at a time. matchkit
waits a little, then says who holds it (WorkspaceBusyError); the file is never corrupted and
every committed write is there afterwards. Two exports to one organisation: the second is told
which process runs the first (ExportBusyError)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from matchkit._exceptions import WorkspaceBusyError
from matchkit.store import Decision, Workspace
from tests._reliability_fixtures import (
    ROOT,
    big_batch,
    dump_workspace,
    load_demo,
    rig,
    wait_until,
    write_batch,
)

# A notebook-like process: opens the workspace, holds it inside one transaction for a while.
_HOLDER = textwrap.dedent("""
    import sys, time
    from matchkit.store import Decision, Workspace
    ws = Workspace.open(sys.argv[1])
    with ws.transaction():
        ws.record_decisions([Decision("customers", "unmatch", "held-1", who="holder")])
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
""")

# A writer: many small commits, each retried while the file is busy; prints what it committed.
_WRITER = textwrap.dedent("""
    import sys
    from matchkit._exceptions import WorkspaceBusyError
    from matchkit.store import Decision, Workspace
    ws = Workspace.open(sys.argv[1], busy_timeout=30)
    name, n = sys.argv[2], int(sys.argv[3])
    for i in range(n):
        ws.record_decisions([Decision("customers", "unmatch", f"{name}-{i}", who=name)])
        print(f"{name}-{i}", flush=True)   # committed: the test counts these lines
""")


def _python(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _hold(path: str, seconds: float) -> subprocess.Popen[str]:
    proc = _python(_HOLDER, path, str(seconds))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read() if proc.stderr else ""
    return proc


def test_a_held_workspace_gives_a_clear_busy_error_naming_the_process(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.open(path)
    holder = _hold(path, 20)
    try:
        started = time.monotonic()
        with pytest.raises(WorkspaceBusyError) as info:
            Workspace(path, busy_timeout=1.0).sql("SELECT count(*) FROM decisions")
        waited = time.monotonic() - started
        message = str(info.value)
        assert f"PID {holder.pid}" in message and "python" in message
        assert "one writing process at a time" in message and path in message
    finally:
        holder.kill()
        holder.communicate()
    print(f"\nbusy error after {waited:.1f} s of waiting")
    # Killed while holding an open transaction: the file opens, the held write is gone
    # (never committed), the schema is intact.
    ws = Workspace.open(path)
    assert ws.decision_history().empty


def test_the_cli_waits_for_a_short_hold_then_runs(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        holder = _hold(r.ws_path, 2.0)
        try:
            code, _out, err = r.run_cli("status", "--json")
        finally:
            holder.communicate(timeout=30)
        assert code == 0, err
        assert "held-1" in json.dumps(Workspace.open(r.ws_path).decision_history()
                                      ["atera_id"].tolist())


def test_writers_fighting_and_one_killed_leave_a_sound_file(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.open(path)
    writers = {name: _python(_WRITER, path, name, "40") for name in ("nb", "cli")}
    victim = _python(_WRITER, path, "victim", "400")
    assert victim.stdout is not None
    victim.stdout.readline()  # it has committed at least once; now kill it mid-stream
    time.sleep(0.3)
    victim.kill()
    v_out, _ = victim.communicate()
    committed = {"victim-0", *v_out.split()}
    for name, proc in writers.items():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"{name}: {err[-2000:]}"
        committed |= set(out.split())
    # The file opens read-only without complaint, and every committed row is there.
    conn = duckdb.connect(path, read_only=True)
    try:
        ids = {r[0] for r in conn.execute("SELECT atera_id FROM decisions").fetchall()}
    finally:
        conn.close()
    assert dump_workspace(path)  # every table reads back in full
    assert committed <= ids, sorted(committed - ids)[:10]
    assert {f"nb-{i}" for i in range(40)} <= ids and {f"cli-{i}" for i in range(40)} <= ids
    # Whatever the victim printed was committed; nothing half-written stayed behind.
    victim_ids = {i for i in ids if i.startswith("victim-")}
    assert {int(i.split("-")[1]) for i in victim_ids} == set(range(len(victim_ids)))
    ws = Workspace.open(path)
    ws.record_decisions([Decision("customers", "unmatch", "after", who="test")])
    assert "after" in set(ws.decision_history()["atera_id"])


def test_two_exports_to_one_organisation_at_once(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        load_demo(r.ws())
        batch = big_batch(200)
        path = str(write_batch(tmp_path, batch))
        r.sb.set_faults("xero", "latency=150ms")  # so the first run is still going
        first = r.cli("export", "--file", path)
        assert wait_until(lambda: r.sb.ledger.count(system="xero", method="PUT") > 0
                          or first.poll() is not None, timeout=120)
        assert first.poll() is None, "the first export finished before the second started"
        # Hold the first one in flight while the second starts (Python start-up is slow on a
        # busy machine), then let it finish.
        r.sb.set_faults("xero", "latency=3s")
        code, _out, err = r.run_cli("export", "--file", path)
        r.sb.set_faults("xero", None)
        assert code == 2 and "already running" in err and f"process {first.pid}" in err, err
        _out, err = first.communicate(timeout=240)
        assert first.returncode == 0, err[-2000:]
        numbers = {str(i["InvoiceNumber"]) for i in batch}
        in_xero = r.xero_invoice_numbers()
        assert all(in_xero[n] == 1 for n in numbers)
        assert os.path.exists(r.ws_path)
