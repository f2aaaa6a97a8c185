"""Reconciliation: Atera's figures beside what Xero holds, read back over HTTP, and why
they differ (Xero's tax, per-line rounding; a change made in Xero is an error)."""

from __future__ import annotations

import copy
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from matchkit._exceptions import InputError
from matchkit.cli import main
from matchkit.export import batch_from_selection, export_batch
from matchkit.reconcile import JSON_FIELDS, figures, reconcile, stored_totals
from tests._export_fixtures import Env, export_env, load_demo


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _line_cents(inv: dict[str, Any]) -> Decimal:
    """Atera's lines as Xero adds them up: each to the cent first (worked out here from the
    Atera invoice, independently of the payload matchkit sent)."""
    return sum((_cents(Decimal(str(ln["Quantity"])) * Decimal(str(ln["Rate"]))
                       * (100 - Decimal(str(ln.get("DiscountPercentage") or 0))) / 100)
                for ln in inv["LineItems"]), Decimal(0))


def _cli_env(env: Env) -> dict[str, str]:
    return {**env.sb.env, "MATCHKIT_TOKEN_DIR": str(env.tmp / "tokens"),
            "MATCHKIT_WORKSPACE": env.settings.workspace or ""}


# --- pure arithmetic ---------------------------------------------------------------------

def _row(lines: list[tuple[float, float]], atera_subtotal: float, credit: bool = False
         ) -> dict[str, Any]:
    # a credit note's payload carries positive amounts (Atera's are negative)
    return {"atera_invoice": "7", "xero_number": "7", "xero_invoice_id": "x",
            "xero_type": "ACCRECCREDIT" if credit else "ACCREC", "atera_tax": None,
            "payload": {"LineItems": [{"Quantity": q, "UnitAmount": r}
                                      for q, r in lines]},
            "atera": {"Subtotal": atera_subtotal, "Tax": 0.0}}


def test_figures_explain_tax_rounding_and_flag_a_change() -> None:
    three = [(3.0, 0.335)] * 3  # 1.005 a line: Xero makes each 1.01; Atera says 3.015
    xero = {"SubTotal": 3.03, "TotalTax": 0.30, "Total": 3.33, "Status": "DRAFT"}
    r = figures(_row(three, 3.015), xero)
    assert (r.reason, r.error) == ("xero tax added, rounding", False)
    assert r.difference == pytest.approx(0.315) and r.rounding == pytest.approx(0.015)
    assert figures(_row([(1, 10.0)], 10.0), {"SubTotal": 10, "TotalTax": 0,
                                              "Total": 10}).reason == "agrees"
    changed = figures(_row([(1, 10.0)], 10.0), {"SubTotal": 12, "TotalTax": 1.2,
                                                 "Total": 13.2})
    assert (changed.reason, changed.error) == ("changed in xero, xero tax added", True)
    # More than half a cent a line off: Atera's own subtotal disagrees with its lines.
    off = figures(_row([(1, 10.0)], 10.5), {"SubTotal": 10, "TotalTax": 1, "Total": 11})
    assert off.error and off.reason.startswith("atera subtotal differs from its lines")
    gone = figures(_row([(1, 10.0)], 10.0), None)
    assert (gone.reason, gone.error, gone.xero_total) == ("not in xero", True, None)
    # A credit note is positive in Xero and negative in Atera.
    credit = figures(_row([(1, 10.0)], -10.0, credit=True),
                     {"SubTotal": 10, "TotalTax": 1, "Total": 11, "Status": "AUTHORISED"})
    assert (credit.xero_total, credit.difference, credit.reason) == (-11.0, -1.0,
                                                                     "xero tax added")


# --- the demo, over HTTP ------------------------------------------------------------------

def test_demo_every_exported_invoice_reconciled_and_the_difference_is_xero_tax(
        tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        atera = {str(i["InvoiceNumber"]): i for i in load_demo(env.ws)["invoices"]}
        batch = batch_from_selection(env.ws)
        result = export_batch(env.ws, env.xero, batch)
        assert result.ok and len(result.exported) > 300
        rec = reconcile(env.ws, env.xero)
        by_number = {r.atera_invoice: r for r in rec.invoices}
        assert set(by_number) == set(result.exported)
        # Xero's figures are what Xero holds, read over HTTP apart from matchkit's read.
        in_xero = {i["InvoiceNumber"]: i for i in env.xero_invoices()}
        for number, r in by_number.items():
            x, a = in_xero[r.xero_number], atera[number]
            assert (r.xero_subtotal, r.xero_tax, r.xero_total) == (x["SubTotal"],
                                                                   x["TotalTax"], x["Total"])
            assert (r.atera_subtotal, r.atera_tax) == (a["Subtotal"], a["Tax"])
            assert r.difference == pytest.approx(x["Total"] - a["Subtotal"], abs=1e-6)
            # Rounding is named exactly where Atera's stated subtotal is not its lines
            # rounded to the cent one by one (Xero's way).
            rounded = _line_cents(a) != Decimal(str(a["Subtotal"]))
            assert r.reason == ("xero tax added, rounding" if rounded else "xero tax added")
        t = rec.totals
        assert t["errors"] == 0 and t["unexplained"] == 0
        assert t["xero_tax"] > 0 and t["xero_tax_added"] == pytest.approx(t["xero_tax"])
        # The whole difference is Xero's tax, but for the cents per-line rounding moves.
        assert t["difference"] == pytest.approx(t["xero_tax"] + t["rounding"], abs=0.005)
        assert abs(t["rounding"]) <= 0.005 * sum(len(atera[n]["LineItems"]) for n in by_number)
        assert stored_totals(env.ws, env.xero.tenant_id) == {
            **t, "checked_at": stored_totals(env.ws)["checked_at"]}  # type: ignore[index]

        # status --json carries the totals without calling Xero.
        calls = env.sb.ledger.count(system="xero")
        out = CliRunner().invoke(main, ["status", "--json"], env=_cli_env(env))
        assert out.exit_code == 0, out.output
        status = json.loads(out.stdout)["reconciliation"]
        assert {k: status[k] for k in t} == t
        assert env.sb.ledger.count(system="xero") == calls


def test_planted_rounding_and_a_line_changed_in_xero_are_each_flagged(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        invoices = load_demo(env.ws)["invoices"]
        plain, other = copy.deepcopy(invoices[0]), copy.deepcopy(invoices[1])
        planted = copy.deepcopy(invoices[0])
        line = {**planted["LineItems"][0], "Quantity": 3.0, "Rate": 0.335,
                "DiscountPercentage": None, "Subtotal": 1.005, "Tax": 0.0, "Total": 1.005}
        planted.update({"InvoiceNumber": 99001, "LineItems": [dict(line) for _ in range(3)],
                        "Subtotal": 3.015, "Tax": 0.0, "Total": 3.015})
        path = tmp_path / "batch.json"
        path.write_text(json.dumps([plain, other, planted]))
        runner = CliRunner()
        exported = runner.invoke(main, ["export", "--file", str(path)], env=_cli_env(env))
        assert exported.exit_code == 0, exported.output
        said = exported.stdout.strip().splitlines()
        assert " 3 exported," in said[-2]
        batch_id = said[-2].split()[1].rstrip(":")
        # export ends with the batch read back and reconciled, in one line
        assert said[-1].startswith(f"reconciled 3 invoice(s) of batch {batch_id}: ")
        assert said[-1].endswith("nothing unexplained")
        ids = {r["atera_invoice"]: r["xero_invoice_id"]
               for r in env.ws.exported_to_check(env.xero.tenant_id)}

        # Someone edits a line of `other` in Xero after the export (over HTTP).
        env.sb.set_faults("xero", None)
        with env.client() as c:
            xid = ids[str(other["InvoiceNumber"])]
            held = c.request("GET", f"Invoices/{xid}").json()["Invoices"][0]
            lines = [{k: ln[k] for k in ("LineItemID", "Description", "Quantity", "UnitAmount",
                                         "ItemCode", "AccountCode") if ln.get(k) is not None}
                     for ln in held["LineItems"]]
            lines[0]["UnitAmount"] = float(lines[0]["UnitAmount"]) + 10
            c.request("POST", f"Invoices/{xid}", json_body={"Invoices": [
                {"InvoiceID": xid, "LineItems": lines}]})

        out = runner.invoke(main, ["reconcile", "--batch", batch_id, "--json"],
                            env=_cli_env(env))
        assert out.exit_code == 1, out.output  # an invoice is an error
        got = json.loads(out.stdout)
        assert set(got) == {"invoices", "totals"}
        assert all(tuple(r) == JSON_FIELDS for r in got["invoices"])
        by = {r["atera_invoice"]: r for r in got["invoices"]}
        planted_row = by["99001"]
        assert planted_row["reason"] == "xero tax added, rounding"
        assert (planted_row["atera_subtotal"], planted_row["xero_subtotal"]) == (3.015, 3.03)
        assert planted_row["difference"] - planted_row["xero_tax"] == pytest.approx(0.015)
        assert by[str(plain["InvoiceNumber"])]["reason"] == "xero tax added"
        changed = by[str(other["InvoiceNumber"])]
        assert changed["reason"].startswith("changed in xero")
        assert changed["xero_subtotal"] == pytest.approx(other["Subtotal"]
                                                         + 10 * other["LineItems"][0]["Quantity"])
        assert got["totals"]["errors"] == 1 and got["totals"]["unexplained"] != 0
        text = runner.invoke(main, ["reconcile"], env=_cli_env(env))
        assert text.exit_code == 1
        assert "ERROR changed in xero" in text.stdout
        assert text.stdout.strip().splitlines()[-1].startswith("reconciled 3 invoice(s)")


def test_user_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    with export_env(tmp_path) as env:
        runner = CliRunner()

        def refused(*args: str) -> str:
            r = runner.invoke(main, list(args), env=_cli_env(env))
            assert r.exit_code == 2, r.output
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr
            assert r.stderr.startswith("error: ")
            return r.stderr

        calls = env.sb.ledger.count(system="xero")
        assert "run `matchkit export` first" in refused("reconcile")
        assert "no export batch 'nope'" in refused("reconcile", "--batch", "nope")
        assert env.sb.ledger.count(system="xero") == calls  # said before any call
        with pytest.raises(InputError):
            reconcile(env.ws, env.xero)
