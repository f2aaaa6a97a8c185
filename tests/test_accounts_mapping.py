"""Accounts and tracking mapping: kept in the workspace, edited from the CLI and a CSV,
checked against the organisation before anything is sent, and on every exported line (read
back over HTTP from the sandbox)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from matchkit._exceptions import InputError, LoadError
from matchkit.accounts import (
    Rule,
    atera_keys,
    export_csv,
    line_keys,
    load_csv,
    org_problems,
    resolve,
    set_rule,
)
from matchkit.cli import main
from matchkit.export import batch_from_selection, export_batch, parse_invoice, plan_export
from matchkit.store import Workspace
from tests._export_fixtures import Env, demo_seed, export_env, load_demo

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "xero_demo.json"


def _org() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    xero = json.loads(SEED.read_text())
    return xero["Accounts"], xero["TrackingCategories"]


def test_rules_are_checked_against_the_organisation() -> None:
    accounts, cats = _org()

    def why(rule: Rule) -> list[str]:
        return org_problems(rule, accounts, cats)

    assert why(Rule("category", "Licences", "240", (("Region", "Sydney"),
                                                    ("service line", "licensing")))) == []
    assert "archived in Xero" in why(Rule("category", "Hardware", "225"))[0]
    assert "not a revenue account (class EXPENSE)" in why(Rule("category", "Travel", "400"))[0]
    assert "no account with code '999'" in why(Rule("category", "X", "999"))[0]
    assert "option 'Hobart' of 'Region' is archived" in why(
        Rule("category", "X", None, (("Region", "Hobart"),)))[0]
    assert "has no option 'Darwin'" in why(Rule("category", "X", None, (("Region", "Darwin"),)))[0]
    assert "tracking category 'Department' is archived" in why(
        Rule("category", "X", None, (("Department", "Sales"),)))[0]
    assert "no tracking category 'Colour'" in why(
        Rule("category", "X", None, (("Colour", "Red"),)))[0]
    with pytest.raises(InputError, match="at most 2 tracking categories"):
        Rule("category", "X", None, (("A", "1"), ("B", "2"), ("C", "3")))
    # A line: its category's rule first, then its contract's for what that leaves open.
    rules = [Rule("category", "Licences", "240", (("Region", "Sydney"),)),
             Rule("contract", "RetainerFlatFee", "210", (("Service Line", "Managed Services"),
                                                         ("Region", "Perth")))]
    got = resolve(rules, "licences", "RetainerFlatFee")
    assert got.account_code == "240"
    assert got.tracking == (("Region", "Sydney"), ("Service Line", "Managed Services"))
    assert resolve(rules, "Hardware", "RetainerFlatFee").account_code == "210"
    assert resolve(rules, "Hardware", None).account_code is None


def _keys_of_demo(ws: Workspace) -> tuple[dict[str, Any], dict[str, tuple[Any, list[Any]]]]:
    atera = load_demo(ws)
    invoices = {str(i["InvoiceNumber"]): i for i in atera["invoices"]}
    return invoices, line_keys(ws, [parse_invoice(i) for i in invoices.values()])


def test_lines_land_in_xero_with_the_mapped_account_and_tracking(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        _, keys = _keys_of_demo(env.ws)
        set_rule(env.ws, "category", "Licences", "240", [("Service Line", "Licensing")])
        set_rule(env.ws, "contract", "RetainerFlatFee", "210", [("Region", "Sydney")])
        batch = batch_from_selection(env.ws, date_from="2026-08-01", date_to="2026-08-31")
        result = export_batch(env.ws, env.xero, batch)
        assert result.ok and result.exported
        seen: Counter[str] = Counter()
        item_accounts = {i["Code"]: (i.get("SalesDetails") or {}).get("AccountCode")
                         for i in env.client().items()}
        by_number = {i["InvoiceNumber"]: i for i in env.xero_invoices()}
        for number in result.exported:
            contract, cats = keys[number]
            lines = by_number[number]["LineItems"]
            assert len(lines) == len(cats)
            for line, cat in zip(lines, cats, strict=True):
                tracking = {t["Name"]: t["Option"] for t in line.get("Tracking") or []}
                want: dict[str, str] = {}
                if cat == "Licences":
                    want["Service Line"] = "Licensing"
                if contract == "RetainerFlatFee":
                    want["Region"] = "Sydney"
                assert tracking == want, (number, line)
                if cat == "Licences":
                    assert line["AccountCode"] == "240"
                    seen["licences"] += 1
                elif contract == "RetainerFlatFee":
                    assert line["AccountCode"] == "210"
                    seen["retainer"] += 1
                else:  # no rule: as before (the item's own account, or the sales account)
                    want_code = (item_accounts.get(line["ItemCode"]) if line.get("ItemCode")
                                 else "200")
                    assert line.get("AccountCode") == want_code, (number, line)
                    seen["default"] += 1
        assert seen["licences"] and seen["retainer"] and seen["default"]


def test_an_invalid_rule_refuses_its_invoices_before_anything_is_sent(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        _, keys = _keys_of_demo(env.ws)
        # Stored without a check (as if the account was archived after it was set).
        env.ws.set_account_mapping([{"kind": "category", "atera_key": "Licences",
                                     "account_code": "225", "tracking": []},
                                    {"kind": "contract", "atera_key": "RetainerFlatFee",
                                     "account_code": None, "tracking": [
                                         {"category": "Region", "option": "Sydney"},
                                         {"category": "Service Line", "option": "Projects"}]},
                                    {"kind": "category", "atera_key": "Retainer",
                                     "account_code": None, "tracking": [
                                         {"category": "Department", "option": "Sales"}]}])
        batch = batch_from_selection(env.ws, date_from="2026-08-01", date_to="2026-08-31")
        reads = env.sb.ledger.count(system="xero", method="GET",
                                    path_prefix="/api.xro/2.0/TrackingCategories")
        plan = plan_export(env.ws, env.xero, batch)
        # The dry run lists the two reads the mapping's check makes, and makes them.
        listed = [str(c) for c in plan.calls if "mapping rule" in c.purpose]
        assert listed == [
            "GET Accounts: check 3 mapping rule(s) against the organisation's accounts "
            "(active, revenue)",
            "GET TrackingCategories?includeArchived=true: check 3 mapping rule(s) against its "
            "tracking categories and options"]
        assert env.sb.ledger.count(system="xero", method="GET", path_prefix="/api.xro/2.0/"
                                   "TrackingCategories") == reads + 1
        bad = {p.invoice: p.message for p in plan.report.problems if p.code == "mapping_invalid"}
        other = {p.invoice for p in plan.report.problems
                 if p.severity == "error" and p.code != "mapping_invalid"}
        licences = {n for n in batch.numbers if "Licences" in keys[n][1]} - other
        assert licences and licences <= set(bad)
        # a line under two rules that bring 3 tracking categories, and an archived category
        said = [p.message for p in plan.report.problems if p.code == "mapping_invalid"]
        assert any("give 3 tracking categories" in m for m in said)
        assert any("tracking category 'Department' is archived" in m for m in said)
        assert all(p.severity == "error" for p in plan.report.problems
                   if p.code == "mapping_invalid")
        assert any("account 225 (Hardware Resale (old)) is archived in Xero" in p.message
                   for p in plan.report.problems if p.invoice == min(licences))
        result = export_batch(env.ws, env.xero, batch)
        assert set(bad) <= set(result.refused) and not set(bad) & set(result.exported)
        in_xero = {i["InvoiceNumber"] for i in env.xero_invoices()}
        assert not set(bad) & in_xero and set(result.exported) <= in_xero


def _cli(env: Env) -> tuple[CliRunner, dict[str, str]]:
    return CliRunner(), {**env.sb.env, "MATCHKIT_TOKEN_DIR": str(env.tmp / "tokens"),
                         "MATCHKIT_WORKSPACE": env.settings.workspace or ""}


def test_cli_mapping_and_csv_mistakes_are_one_line(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        load_demo(env.ws)
        runner, cli_env = _cli(env)

        def run(*args: str, code: int = 0) -> str:
            r = runner.invoke(main, list(args), env=cli_env)
            assert r.exit_code == code, r.output
            if code == 2:
                assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
                return r.stderr
            return r.stdout

        assert "accounts (" in run("mapping", "refresh")
        run("mapping", "set", "category", "Licences", "--account", "240", "--tracking",
            "Service Line=Licensing")
        assert "archived in Xero" in run("mapping", "set", "category", "Hardware",
                                         "--account", "225", code=2)
        assert "not a revenue account" in run("mapping", "set", "category", "Travel",
                                              "--account", "400", code=2)
        assert "CATEGORY=OPTION" in run("mapping", "set", "category", "Travel", "--tracking",
                                        "Region", code=2)
        shown = run("mapping", "show")
        assert any(ln.split()[:2] == ["category", "Licences"] and "240" in ln
                   for ln in shown.splitlines())
        out = tmp_path / "mapping.csv"
        assert "1 rule(s)" in run("mapping", "export", str(out))
        text = out.read_text()
        assert text.splitlines()[1] == "category,Licences,240,Service Line,Licensing,,"
        bad = tmp_path / "bad.csv"
        bad.write_text(text + "contract,RetainerFlatFee,210,Region,,,\n")
        said = run("mapping", "load", str(bad), code=2)
        assert f"{bad}, row 3, field 'tracking1_option'" in said
        bad.write_text(text + "contract,Hourly,400,,,,\n")
        assert "row 3, field 'account_code'" in run("mapping", "load", str(bad), code=2)
        bad.write_text(text + "colour,Red,200,,,,\n")
        assert "row 3, field 'kind'" in run("mapping", "load", str(bad), code=2)
        good = tmp_path / "good.csv"
        good.write_text(text + "contract,Hourly,230,Region,Perth,,\n")
        assert "2 rule(s) loaded" in run("mapping", "load", str(good))
        rules = {(r["kind"], r["atera_key"]): r for r in env.ws.account_mapping()}
        assert rules[("contract", "Hourly")]["tracking"] == [{"category": "Region",
                                                              "option": "Perth"}]
        run("mapping", "unset", "contract", "Hourly")
        assert "no contract rule for 'Hourly'" in run("mapping", "unset", "contract", "Hourly",
                                                      code=2)


def test_offline_edits_and_what_can_be_mapped(tmp_path: Path) -> None:
    ws = Workspace.open(":memory:")
    atera, _ = demo_seed()
    for name in ("products", "expenses", "contracts"):
        ws.write_snapshot("atera", name, atera[name])
    keys = atera_keys(ws)
    cats = set(keys.loc[keys["kind"] == "category", "atera_key"])
    assert {"Licences", "Hardware", "Travel", "Retainer"} <= cats
    assert "RetainerFlatFee" in set(keys.loc[keys["kind"] == "contract", "atera_key"])
    with pytest.raises(InputError, match="give an account code"):
        set_rule(ws, "category", "Licences")
    with pytest.raises(InputError, match="archived in Xero"):
        set_rule(ws, "category", "Hardware", "225", org=_org())
    set_rule(ws, "category", "Licences", "240", org=_org())
    with pytest.raises(LoadError, match="file not found"):
        load_csv(ws, tmp_path / "no-such-mapping.csv")
    out = tmp_path / "m.csv"
    assert export_csv(ws, out) == 1
    # A file that fails on its last row changes nothing (all or nothing).
    out.write_text(out.read_text() + "category,Travel,999,,,,\n")
    with pytest.raises(LoadError, match="row 3, field 'account_code'"):
        load_csv(ws, out, org=_org())
    assert [r["atera_key"] for r in ws.account_mapping()] == ["Licences"]
