"""Value checks of invoices (issue 17): each refusal names the invoice, line and field; the
export log never fails on an absurd figure; a log write that fails after Xero accepted loses
nothing (the next run recognises the invoices as exported)."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from matchkit import _limits as L
from matchkit._exceptions import ConfigError, ExportError
from matchkit.export import Batch, ExportOptions, export_batch
from matchkit.export import _send as send
from matchkit.export._checks import check_invoice
from matchkit.store import Workspace
from tests._export_fixtures import export_env, load_demo
from tests._reliability_fixtures import big_batch

GOOD = {"InvoiceNumber": 501, "InvoiceDate": "2026-08-01T00:00:00", "Currency": "AUD",
        "To": {"CompanyName": "Acme"},
        "LineItems": [{"Product": "Support", "Description": "Support", "Quantity": 2,
                       "Rate": 90.5, "DiscountPercentage": None},
                      {"Description": "Travel", "Quantity": 1, "Rate": 40}]}


def _check(options: ExportOptions | None = None, **changes: Any) -> list[tuple[Any, ...]]:
    inv = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if key.startswith("line_"):
            inv["LineItems"][0][key.removeprefix("line_")] = value
        else:
            inv[key] = value
    found = check_invoice(inv, options or ExportOptions(), {"AUD", "NZD"})
    return [(p.line, p.field, p.severity, p.message) for p in found.problems]


def test_a_good_invoice_has_no_problem_and_xero_computes_its_amounts() -> None:
    found = check_invoice(GOOD, ExportOptions(), {"AUD"})
    assert found.problems == [] and not found.bad_lines
    assert [str(line.amount) for line in found.invoice.lines] == ["181.00", "40.00"]


@pytest.mark.parametrize(("changes", "line", "field", "words"), [
    ({"line_Quantity": 999_999_999, "line_Rate": 999_999_999}, 1, None,
     "the line amount 999,999,998,000,000,001.00 (Quantity x Rate) is too large"),
    ({"line_Quantity": 1e15}, 1, "Quantity", "out of range (a finite number below 1,000,000,000"),
    ({"line_Rate": float("nan")}, 1, "Rate", "Rate nan is not a finite number"),
    ({"line_Rate": "Infinity"}, 1, "Rate", "'Infinity' is not a finite number"),
    ({"line_Quantity": "twelve"}, 1, "Quantity", "Quantity 'twelve' is not a number"),
    ({"line_Quantity": True}, 1, "Quantity", "Quantity True is not a number (bool)"),
    ({"line_Quantity": [1]}, 1, "Quantity", "is not a number (list)"),
    ({"line_DiscountPercentage": 100.5}, 1, "DiscountPercentage", "outside 0-100 %"),
    ({"line_DiscountPercentage": 12.755, "line_Quantity": 1000}, 1, "DiscountPercentage",
     "DiscountPercentage 12.755 has more than 2 decimals"),
    ({"line_Quantity": 1.23456, "line_Rate": 1000}, 1, "Quantity",
     "Quantity 1.23456 has more than 4 decimals: Xero would bill the line 1,234.60, not "
     "1,234.56 as Atera does"),
    ({"line_Rate": 0.061171, "line_Quantity": 1000}, None, None, None),  # sent folded
    ({"line_Description": "x" * 4001}, 1, "Description", "sent cut to that"),
    ({"line_Description": "", "line_Product": None}, 1, "Description", "neither a Description"),
    ({"line_Description": "a\x07b"}, 1, "Description", "control characters in Description"),
    ({"line_Product": 3.5, "line_Description": None}, None, None, None),  # a number is text
    ({"InvoiceDate": "2026-02-30"}, None, "InvoiceDate", "is not an ISO date"),
    ({"InvoiceDate": "1752-12-31"}, None, "InvoiceDate", "before 1753-01-01"),
    ({"InvoiceDate": "9999-12-20"}, None, "InvoiceDate", "plus 14 days to pay"),
    ({"Currency": "EUR"}, None, "Currency", "currency EUR is not enabled"),
    ({"Currency": {"Code": "AUD"}}, None, "Currency", "is not a currency code"),
    ({"LineItems": {"0": {}}}, None, "LineItems", "LineItems must be a list of lines, got dict"),
    ({"Tax": float("inf")}, None, "Tax", "not compared with Xero's tax"),
])
def test_each_bad_value_is_named_with_its_line_and_field(
        changes: dict[str, Any], line: int | None, field: str | None, words: str | None
        ) -> None:
    problems = _check(**changes)
    if words is None:
        assert problems == []
        return
    assert len(problems) == 1, problems
    got_line, got_field, severity, message = problems[0]
    assert (got_line, got_field) == (line, field)
    assert words in message
    assert severity == ("fix" if field == "Description" and "cut" in words else
                        "info" if field == "Tax" else "error")


def test_rounding_that_does_not_change_the_bill_is_no_problem() -> None:
    assert _check(line_Quantity=1.23456, line_Rate=100) == []  # 123.456 -> 123.46 both ways


def test_due_date_counts_with_the_setting_and_today_dates_never_overflow() -> None:
    assert _check(ExportOptions(due_days=0), InvoiceDate="9999-12-31") == []
    assert _check(ExportOptions(invoice_date="today"), InvoiceDate="9999-12-31") == []


def test_a_credit_note_with_a_discount_is_refused_only_when_credit_notes_are_on() -> None:
    lines = [{"Description": "refund", "Quantity": -1, "Rate": 50, "DiscountPercentage": 10}]
    assert "no discounts on credit notes" in _check(LineItems=lines)[0][3]
    assert _check(ExportOptions(credit_notes=False), LineItems=lines) == []  # refused later


def test_invoice_number_and_prefix_stay_within_xero_length() -> None:
    (problem,) = _check(InvoiceNumber=int("9" * 256))
    assert problem[1] == "InvoiceNumber" and "256 characters; Xero takes at most 255" in problem[3]
    (problem,) = _check(ExportOptions(numbering="prefix", prefix="P" * 235),
                        InvoiceNumber=int("9" * 21))  # the number checked is the one sent
    assert "256 characters" in problem[3]
    with pytest.raises(ConfigError, match="at most 235 characters"):
        ExportOptions(numbering="prefix", prefix="P" * 236)
    with pytest.raises(ConfigError, match="control characters"):
        ExportOptions(numbering="prefix", prefix="A\x00")


def test_limits_helpers() -> None:
    assert L.decimals(12.5) == 1 and L.decimals(1e-7) == 7 and L.decimals(1e20) == 0
    assert str(L.xero_round(0.125, 2)) == "0.13" and str(L.xero_round(-0.125, 2)) == "-0.13"
    assert L.fits_money(9_999_999_999_999_999.0) is False and L.fits_money(1e13)
    assert L.fits_money(float("nan")) is False and L.fits_money(None)
    assert L.bad_text({"a": ["ok", {"b": "x\ud800"}]}) == "a[1].b"
    assert L.bad_text({"k\udfff": 1}) == "k\udfff" and L.bad_text(["fine", 3]) is None


def test_the_export_log_stores_absurd_figures_as_unknown_never_fails() -> None:
    ws = Workspace.open()
    send.log_export(ws, [{"batch_id": "b", "tenant_id": "t", "atera_invoice": "1",
                          "status": "exported", "xero_total": send._money(1e30),
                          "atera_tax": send._money(float("nan")),
                          "amount_due": send._money("12.345")}])
    row = ws.sql("SELECT xero_total, atera_tax, amount_due FROM export_log").iloc[0]
    assert row["xero_total"] is None or row.isna()["xero_total"]
    assert float(row["amount_due"]) == 12.35  # rounded half-even by round(); within range


def _invoices(n: int, first: int) -> list[dict[str, Any]]:
    return big_batch(n, first_number=first)


def test_a_log_write_that_fails_after_xero_accepted_is_recovered_by_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Xero takes the invoices, then recording its answer fails (disk full, a broken file):
    the run stops with a plain message, and the next run finds them in Xero: none twice."""
    real = send.log_export
    failed: list[int] = []

    def flaky(ws: Workspace, rows: Any) -> None:
        if not failed and any(r.get("status") == "exported" for r in rows):
            failed.append(len(rows))
            raise duckdb.IOException("IO Error: could not write to the file (disk full)")
        real(ws, rows)

    with export_env(tmp_path) as env:
        load_demo(env.ws)
        batch = Batch(_invoices(4, 93001), source="test")
        monkeypatch.setattr(send, "log_export", flaky)
        with pytest.raises(ExportError) as err:
            export_batch(env.ws, env.xero, batch, ExportOptions())
        message = str(err.value)
        assert failed == [4] and "disk full" in message and "nothing is lost" in message
        assert "\n" not in message
        in_xero = Counter(str(i["InvoiceNumber"]) for i in env.xero_invoices())
        assert all(in_xero[n] == 1 for n in batch.numbers)  # Xero has them
        state = env.ws.sql("SELECT status FROM export_state")["status"].tolist()
        assert state == ["sending"] * 4  # the log only knows they went out

        monkeypatch.setattr(send, "log_export", real)
        again = export_batch(env.ws, env.xero, Batch(batch.invoices, source="test"),
                             ExportOptions())
        assert sorted(again.already) == sorted(batch.numbers) and not again.exported
        in_xero = Counter(str(i["InvoiceNumber"]) for i in env.xero_invoices())
        assert all(in_xero[n] == 1 for n in batch.numbers)
        states = env.ws.sql("SELECT DISTINCT status FROM export_state")["status"].tolist()
        assert states == ["exported"]


def test_a_listed_twice_invoice_stays_exported_on_every_rerun(tmp_path: Path) -> None:
    """The same invoice twice in a batch goes once; a rerun never marks it refused."""
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        inv = _invoices(1, 93101)[0]
        for _ in range(2):
            result = export_batch(env.ws, env.xero, Batch([inv, copy.deepcopy(inv)], "t"),
                                  ExportOptions())
            assert not result.refused
        (status,) = env.ws.sql("SELECT status FROM export_state WHERE atera_invoice = '93101'"
                               )["status"]
        assert status == "exported"
        assert Counter(str(i["InvoiceNumber"]) for i in env.xero_invoices())["93101"] == 1
