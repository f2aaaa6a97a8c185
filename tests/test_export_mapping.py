"""Atera invoice -> Xero payload, options, files and payment states (no network)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from matchkit._exceptions import ConfigError, InputError, LoadError
from matchkit.export import (
    ExportOptions,
    batch_from_file,
    map_invoice,
    parse_invoice,
    payment_state,
)
from matchkit.export._mapping import reference_for
from matchkit.store import Workspace

INV = {
    "InvoiceNumber": 1234, "InvoiceDate": "2026-08-03T00:00:00", "ContractName": "Managed IT",
    "Currency": "aud",
    "LineItems": [
        {"Product": "Remote Support", "Description": "Support, August", "Quantity": 2,
         "Rate": 120.0, "DiscountPercentage": 10, "TaxPercentage": 10, "Tax": 21.6},
        {"Product": None, "Description": "Travel", "Quantity": 1, "Rate": 30.0},
    ],
}


def test_default_mapping_is_tax_free_draft_with_atera_number() -> None:
    body = map_invoice(parse_invoice(INV), "c-1", {1: "SUPPORT", 2: None}, ExportOptions(),
                       line_account="200")
    assert body["Type"] == "ACCREC" and body["Status"] == "DRAFT"
    assert body["InvoiceNumber"] == "1234" and body["LineAmountTypes"] == "Exclusive"
    assert body["Contact"] == {"ContactID": "c-1"} and body["CurrencyCode"] == "AUD"
    assert body["Date"] == "2026-08-03" and body["DueDate"] == "2026-08-17"
    assert body["Reference"] == "Atera #1234 / Managed IT"
    first, second = body["LineItems"]
    assert first == {"Description": "Support, August", "Quantity": 2.0, "UnitAmount": 120.0,
                     "ItemCode": "SUPPORT", "DiscountRate": 10.0}
    assert second == {"Description": "Travel", "Quantity": 1.0, "UnitAmount": 30.0,
                      "AccountCode": "200"}  # no item: the sales account's tax applies
    assert "Tax" not in json.dumps(body).replace("Exclusive", "")


def test_numbering_status_dates_and_credit_notes() -> None:
    opts = ExportOptions(numbering="prefix", prefix="AT-", status="AUTHORISED",
                         sales_account="200", invoice_date="today", due_days=30)
    body = map_invoice(parse_invoice(INV, opts), "c-1", {1: "SUPPORT"}, opts,
                       today=dt.date(2026, 9, 1))
    assert body["InvoiceNumber"] == "AT-1234" and body["Status"] == "AUTHORISED"
    assert body["Date"] == "2026-09-01" and body["DueDate"] == "2026-10-01"
    assert all(line["AccountCode"] == "200" for line in body["LineItems"])
    xero_numbered = map_invoice(parse_invoice(INV), "c-1", {}, ExportOptions(numbering="xero"))
    assert "InvoiceNumber" not in xero_numbered and xero_numbered["Reference"]
    negative = {**INV, "LineItems": [{"Description": "Refund", "Quantity": 1, "Rate": -50}]}
    note = map_invoice(parse_invoice(negative), "c-1", {}, ExportOptions(), credit=True)
    assert note["Type"] == "ACCRECCREDIT" and note["CreditNoteNumber"] == "1234"
    assert note["LineItems"][0]["UnitAmount"] == 50 and "DueDate" not in note


def test_options_refuse_what_cannot_work_and_come_from_settings() -> None:
    with pytest.raises(ConfigError, match="sales account"):
        ExportOptions(status="AUTHORISED")
    with pytest.raises(ConfigError, match="DRAFT, SUBMITTED or AUTHORISED"):
        ExportOptions(status="PAID")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="due_days"):
        ExportOptions(due_days=-1)
    ws = Workspace.open()
    ExportOptions(numbering="prefix", prefix="MSP-", due_days=7).save(ws)
    loaded = ExportOptions.from_workspace(ws, status="SUBMITTED")
    assert (loaded.numbering, loaded.prefix, loaded.due_days, loaded.status) == (
        "prefix", "MSP-", 7, "SUBMITTED")
    with pytest.raises(ConfigError, match="unknown export options"):
        ExportOptions.from_workspace(ws, colour="red")
    ws.close()


def test_the_invoice_is_parsed_once_into_typed_values() -> None:
    """What mapping, the plan and sending read: frozen, typed, amounts as Xero computes."""
    inv = parse_invoice(INV)
    assert (inv.number, inv.date, inv.currency, inv.contract) == (
        "1234", dt.date(2026, 8, 3), "AUD", "Managed IT")
    first, second = inv.lines
    assert (first.position, first.product, first.description) == (
        1, "Remote Support", "Support, August")
    assert (first.quantity, first.rate, first.discount) == (2, 120, 10)
    assert str(first.amount) == "216.00" and str(inv.subtotal) == "246.00"
    assert (second.product, second.description) == ("", "Travel")
    with pytest.raises(AttributeError):
        inv.number = "9"  # type: ignore[misc]
    one = {"InvoiceNumber": 1, "LineItems": [{"Description": "Fee", "Rate": 5}]}
    assert parse_invoice(one).lines[0].amount == 5  # the quantity defaults to 1
    with pytest.raises(InputError, match=r"invoice 1 line 1: Quantity 'x' is not a number"):
        parse_invoice({"InvoiceNumber": 1, "LineItems": [{"Quantity": "x", "Product": "P"}]})
    assert reference_for(parse_invoice({"InvoiceNumber": 7})) == "Atera #7"


def test_batch_file_shapes_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"items": [INV], "page": 1}))
    assert batch_from_file(f).numbers == ["1234"]
    # An invoice that cannot be told apart refuses the file; any other fault only its invoice
    # (in validation), so the good ones beside it can still go.
    f.write_text(json.dumps([INV, {"InvoiceNumber": "5a", "LineItems": []}]))
    with pytest.raises(LoadError, match=r"row 2.*InvoiceNumber"):
        batch_from_file(f)
    f.write_text(json.dumps([INV, {"InvoiceNumber": 5, "LineItems": "none"}]))
    assert batch_from_file(f).numbers == ["1234", "5"]
    f.write_text("{not json")
    with pytest.raises(LoadError, match="not valid JSON"):
        batch_from_file(f)
    with pytest.raises(LoadError, match="file not found"):
        batch_from_file(tmp_path / "missing.json")
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps([INV]).encode())  # Notepad's UTF-8 BOM
    assert batch_from_file(f).numbers == ["1234"]
    f.write_text("  \n")
    with pytest.raises(LoadError, match=r"a\.json: the file is empty$"):
        batch_from_file(f)


@pytest.mark.parametrize(("status", "due", "paid", "date", "want"), [
    ("PAID", 0, 100, "2026-01-01", "paid"),
    ("AUTHORISED", 50, 50, "2999-01-01", "part-paid"),
    ("AUTHORISED", 50, 50, "2020-01-01", "part-paid, overdue"),
    ("AUTHORISED", 100, 0, "2020-01-01", "overdue"),
    ("AUTHORISED", 100, 0, "2999-01-01", "awaiting payment"),
    ("VOIDED", 0, 0, None, "voided"),
    ("DRAFT", 100, 0, "2020-01-01", "draft"),
])
def test_payment_state(status: str, due: float, paid: float, date: str | None,
                       want: str) -> None:
    assert payment_state(status, due, paid, date) == want


def test_invoice_company_names_link_to_atera_customers_by_the_matching_rules() -> None:
    from matchkit import Decision, Workspace
    from matchkit.export import link_customers

    ws = Workspace.open()
    ws.write_snapshot("atera", "customers", [
        {"CustomerID": 1, "CustomerName": "Pinnacle Motors Ltd"},
        {"CustomerID": 2, "CustomerName": "Harbour View Dental"},
        {"CustomerID": 3, "CustomerName": "Acme Widgets Pty Ltd"},
        {"CustomerID": 4, "CustomerName": "Acme Widgets Limited"},
        {"CustomerID": 5, "CustomerName": "Café Müller"},
        {"CustomerID": 6, "CustomerName": "Harbour Vue Dental"},
    ])
    ws.record_decisions([Decision("customers", "match", "1", "xero-1")])
    links = link_customers(ws, ["Pinnacle Motors Ltd", "harbour view dental",
                                "Pinnacle Mootrs Ltd", "Acme Widgets", "Zebra Crossings",
                                "Café 😀 Pty", "Harbour Veiw Dental"])
    assert (links["Pinnacle Motors Ltd"].method, links["Pinnacle Motors Ltd"].xero_id) == (
        "exact", "xero-1")
    assert links["harbour view dental"].atera_id == "2"
    typo = links["Pinnacle Mootrs Ltd"]  # typed by hand on the invoice
    assert (typo.method, typo.atera_id, typo.xero_id) == ("fuzzy", "1", "xero-1")
    assert typo.score is not None and typo.score >= 90  # how alike, not a match score
    # a typo away from two customers: a person picks, both are named
    two = links["Harbour Veiw Dental"]
    assert two.method == "none" and [c.split(" (")[0] for c in two.candidates] == [
        "Harbour View Dental", "Harbour Vue Dental"]
    assert links["Acme Widgets"].method == "ambiguous"  # two customers normalise alike
    assert links["Zebra Crossings"].method == "none"
    # a name that is part of another is not a typo: a person decides, the closest is listed
    cafe = links["Café 😀 Pty"]
    assert cafe.method == "none" and cafe.candidates[0].startswith("Café Müller (Atera 5")
