"""The whole sync, as `make demo` runs it, against the sandbox over loopback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from matchkit import Settings, Workspace, status
from matchkit.cli import main
from matchkit.connect import connect_xero
from matchkit.sandbox import Sandbox


def test_demo_command_runs_the_whole_sync(tmp_path: Path) -> None:
    ws_path = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(main, ["demo", "-w", str(ws_path)])
    assert result.exit_code == 0, result.output
    for step in ("== Sandbox", "== Wizard: connect", "== Wizard: auto mode", "== Export",
                 "== Status"):
        assert step in result.output
    s = status(Workspace.open(ws_path))
    inv = s["invoices"]
    # the look-alikes wait for a person (never created); the invoices that need one of them
    # wait too, all others are in Xero
    waiting = int(re.search(r"left for a person: (\d+) row", result.output).group(1))
    assert waiting > 0
    assert s["customers"]["undecided"] + s["products"]["undecided"] == waiting
    assert s["customers"]["to_create"] == s["products"]["to_create"] == 0
    refused = int(re.search(r"(\d+) of the refused invoices wait", result.output).group(1))
    assert inv["exported"] + refused == inv["atera_total"] and inv["exported"] > 0
    assert inv["failed"] == 0 and "refused: invoice" not in result.output
    assert s["connection"]["setup_done_at"] is not None
    assert "run again: batch" in result.output and " 0 exported," in result.output


def test_items_created_by_the_wizard_carry_the_sales_account_so_xero_taxes_them(
        start_sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    from matchkit.wizard import Wizard

    sb = start_sandbox(seed="demo")
    settings = Settings.from_env(sb.env, workspace=str(tmp_path / "ws.duckdb"),
                                 token_dir=str(tmp_path / "tokens"))
    ws = Workspace.open(settings.workspace)
    xero = connect_xero(ws, settings)
    from matchkit.connect import connect_atera

    wiz = Wizard(ws, xero=xero, atera=connect_atera(settings), who="test")
    wiz.connect(progress=lambda line: None)
    before = {i["ItemID"] for i in xero.items()}
    wiz.auto()
    wiz.done()
    created = [i for i in xero.items() if i["ItemID"] not in before]
    assert created
    sales = {a["Code"] for a in xero.accounts() if a.get("Type") in ("REVENUE", "SALES")}
    assert all((i.get("SalesDetails") or {}).get("AccountCode") in sales for i in created)
