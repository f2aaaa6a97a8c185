"""Snapshots of both systems over loopback: full pulls, incremental merges, diffs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from matchkit import ConfigError, Settings, Workspace, take_snapshots
from matchkit.cli import main
from matchkit.connect import connect_atera, connect_xero
from matchkit.sandbox import Sandbox


@pytest.fixture
def demo(start_sandbox: Callable[..., Sandbox], tmp_path: Path) -> tuple[Sandbox, Settings]:
    sb = start_sandbox(seed="demo")
    settings = Settings.from_env(sb.env, workspace=str(tmp_path / "ws.duckdb"),
                                 token_dir=str(tmp_path / "tokens"))
    return sb, settings


def test_full_snapshot_of_both_systems(demo: tuple[Sandbox, Settings]) -> None:
    _, settings = demo
    ws = Workspace.open(settings.workspace)
    xero, atera = connect_xero(ws, settings), connect_atera(settings)
    lines: list[str] = []
    results = take_snapshots(ws, atera=atera, xero=xero, progress=lines.append)
    got = {(r.system, r.entity): r.rows for r in results}
    seed = json.loads((Path(__file__).parents[1] / "data/seed/atera_demo.json").read_text())
    assert got[("atera", "customers")] == len(seed["customers"])
    assert got[("atera", "invoices")] == len(seed["invoices"])
    xseed = json.loads((Path(__file__).parents[1] / "data/seed/xero_demo.json").read_text())
    # contacts include archived ones (includeArchived=true), so all of them come back
    assert got[("xero", "contacts")] == len(xseed["Contacts"])
    assert got[("xero", "items")] == len(xseed["Items"])
    assert got[("xero", "organisation")] == 1
    assert len(lines) == len(results)
    # derived entities were written beside their parents
    lines_rows = ws.latest_snapshot("atera", "invoice_lines")
    assert lines_rows is not None
    assert lines_rows.row_count == sum(len(i.get("LineItems") or []) for i in seed["invoices"])
    rates = ws.rows("atera", "contract_rates")
    assert len(rates) == rates["RateKey"].nunique() > 0
    assert ws.connection("xero")["short_code"] == xero.organisation()["ShortCode"]


def test_incremental_pull_merges_changes_into_a_complete_snapshot(
        demo: tuple[Sandbox, Settings]) -> None:
    _, settings = demo
    ws = Workspace.open(settings.workspace)
    xero, atera = connect_xero(ws, settings), connect_atera(settings)
    take_snapshots(ws, atera=atera, xero=xero, progress=False,
                   entities=("customers", "contacts"))
    before = ws.latest_snapshot("atera", "customers")
    assert before is not None
    first = ws.rows("atera", "customers").iloc[0]
    atera.update_customer(int(first["CustomerID"]), {"CustomerName": "Renamed Holdings Ltd"})
    new_id = atera.create_customer({"CustomerName": "Brand New Customer Pty Ltd"})
    made = xero.create_contacts([{"Name": "Incremental Test Contact"}],
                                idempotency_key="snapshot-test-1")
    assert made[0].ok
    results = take_snapshots(ws, atera=atera, xero=xero, progress=False, incremental=True,
                             entities=("customers", "contacts"))
    by = {(r.system, r.entity): r for r in results}
    cust = by[("atera", "customers")]
    assert cust.mode == "incremental"
    assert cust.rows == before.row_count + 1
    assert cust.changed < cust.rows  # only what changed came over the wire
    latest = ws.rows("atera", "customers").set_index("CustomerID")
    assert latest.loc[int(first["CustomerID"]), "CustomerName"] == "Renamed Holdings Ltd"
    assert latest.loc[new_id, "CustomerName"] == "Brand New Customer Pty Ltd"
    diff = ws.diff("atera", "customers").set_index("key")
    assert diff.loc[str(first["CustomerID"]), "change"] == "changed"
    assert "CustomerName" in diff.loc[str(first["CustomerID"]), "fields"]
    assert diff.loc[str(new_id), "change"] == "added"
    assert by[("xero", "contacts")].mode == "incremental"
    names = set(ws.rows("xero", "contacts")["Name"])
    assert "Incremental Test Contact" in names
    snap = ws.snapshots("atera", "customers").iloc[0]
    assert snap["mode"] == "incremental" and snap["base_snapshot_id"] == before.snapshot_id


def test_snapshot_needs_clients() -> None:
    with pytest.raises(ConfigError, match="connect to xero first"):
        take_snapshots(Workspace.open(), systems=("xero",), progress=False)


def test_snapshot_and_diff_commands(demo: tuple[Sandbox, Settings], monkeypatch: Any) -> None:
    sb, settings = demo
    for k, v in sb.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MATCHKIT_TOKEN_DIR", settings.token_dir or "")
    runner = CliRunner()
    ws_path = settings.workspace
    first = runner.invoke(main, ["snapshot", "atera", "-w", ws_path])
    assert first.exit_code == 0, first.output
    assert "atera customers:" in first.output
    connect_atera(settings).create_customer({"CustomerName": "Diff Me Ltd"})
    again = runner.invoke(main, ["snapshot", "atera", "--incremental", "-w", ws_path])
    assert again.exit_code == 0, again.output
    diff = runner.invoke(main, ["diff", "atera", "customers", "-w", ws_path])
    assert diff.exit_code == 0, diff.output
    assert diff.output.startswith("1 added, 0 changed, 0 removed")
    status = runner.invoke(main, ["status", "--json", "-w", ws_path])
    counts = {(s["system"], s["entity"]): s for s in json.loads(status.output)["snapshots"]}
    assert counts[("atera", "customers")]["snapshots"] == 2
