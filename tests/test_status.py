"""`matchkit status`: counts from snapshots, decisions and the export log; JSON keys as in
README."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from matchkit import Decision, Workspace, status
from matchkit.cli import main


def _fill(ws: Workspace) -> None:
    ws.write_snapshot("atera", "customers", [
        {"CustomerID": i, "CustomerName": f"Customer {i}"} for i in range(1, 6)])
    ws.write_snapshot("atera", "products", [
        {"RateID": 1, "Description": "Backup"}, {"RateID": 2, "Description": "Old",
                                                 "Archived": True}])
    ws.write_snapshot("atera", "expenses", [{"RateID": 1, "Description": "Travel"}])
    ws.write_snapshot("atera", "contracts", [
        {"ContractID": 10, "CustomerID": 1, "ContractType": "Hourly",
         "HourlyContract": {"PrimaryRate": {"RateID": 7, "Description": "Remote support",
                                            "Amount": 95}}}])
    ws.write_snapshot("atera", "invoices", [
        {"InvoiceNumber": n, "To": {"CompanyName": "Customer 1"}, "LineItems": []}
        for n in (100, 101, 102)])
    ws.record_connection("xero", tenant_id="t1", tenant_name="Demo Org", short_code="!ab")
    ws.record_decisions([
        Decision("customers", "match", "1", "x1", method="exact", score=100),
        Decision("customers", "create", "2"),
        Decision("customers", "unmatch", "3"),
        Decision("products", "match", "product:1", "i1", method="manual"),
        Decision("customers", "match", "99", "gone"),  # not in the latest snapshot
    ])
    ws.record_suggestions("customers", pd.DataFrame({
        "left_id": ["4", "5", "1"], "right_id": ["a", "b", "x1"], "score": [80, 79, 100],
        "method": ["fuzzy", "fuzzy", "exact"], "rank": [1, 1, 1],
        "ambiguous": [True, False, True], "evidence": ["", "", ""]}))
    now = dt.datetime.now(dt.UTC)
    with ws.transaction() as conn:
        for i, (n, st) in enumerate([("100", "sending"), ("100", "exported"), ("101", "failed"),
                                     ("102", "exported")], start=1):
            conn.execute(
                "INSERT INTO export_log (event_id, batch_id, tenant_id, atera_invoice, "
                "xero_number, status, link, logged_at) VALUES (?, 'b1', 't1', ?, ?, ?, ?, ?)",
                [i, n, f"INV-{n}", st, f"https://go.xero.com/x?InvoiceID={n}", now])


def test_status_counts() -> None:
    ws = Workspace.open()
    _fill(ws)
    s = status(ws)
    assert s["customers"] == {"total": 5, "matched": 1, "to_create": 1, "left_unmatched": 1,
                              "undecided": 2, "unmatched": 4, "ambiguous": 1}
    assert s["products"]["total"] == 3  # archived product left out; expense and labour rate in
    assert s["products"]["matched"] == 1
    inv = s["invoices"]
    assert (inv["atera_total"], inv["exported"], inv["failed"], inv["pending"]) == (3, 2, 1, 1)
    assert [link["atera_invoice"] for link in inv["links"]] == ["100", "102"]
    assert s["connection"]["tenant_name"] == "Demo Org"
    snaps = {(x["system"], x["entity"]): x for x in s["snapshots"]}
    assert snaps[("atera", "customers")]["row_count"] == 5
    assert snaps[("atera", "contract_rates")]["row_count"] == 1
    assert snaps[("xero", "contacts")]["taken_at"] is None


def test_status_json_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    _fill(Workspace.open(path))
    out = subprocess.run([sys.executable, "-m", "matchkit", "status", "--json", "-w", str(path)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert set(data) == {"workspace", "schema_version", "snapshots", "customers", "products",
                         "invoices", "connection", "reconciliation"}
    assert data["invoices"]["exported"] == 2
    assert data["reconciliation"] is None  # never reconciled (tests/test_reconcile.py)
    human = CliRunner().invoke(main, ["status", "-w", str(path)])
    assert human.exit_code == 0
    assert "customers       5 in Atera: 1 matched" in human.output
    assert "INV-102" in human.output


def test_empty_workspace_status_says_what_to_do(tmp_path: Path) -> None:
    # No workspace at that path (a typo?): said so, and none is made there.
    result = CliRunner().invoke(main, ["status", "-w", str(tmp_path / "new.duckdb")])
    assert result.exit_code == 2
    assert "no workspace at" in result.output and "matchkit snapshot" in result.output
    assert list(tmp_path.iterdir()) == []
    Workspace.open(tmp_path / "new.duckdb")  # an empty one
    result = CliRunner().invoke(main, ["status", "-w", str(tmp_path / "new.duckdb")])
    assert result.exit_code == 0
    assert "no snapshots yet" in result.output
    assert "Xero: not connected" in result.output


def test_cli_load_refuses_bad_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"CustomerID": 1}]')
    result = CliRunner().invoke(main, ["load", "atera", "customers", str(bad), "-w",
                                       str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "row 1, field 'CustomerName'" in result.output
