"""Atera's catalogue (products, expenses, labour rates) comes from one function with one
archived rule, and every reader of it agrees: matching's frame, the wizard's rows, the
review, the accounts mapping, the export's product lookup. The store derives labour rates
and invoice lines through what the package root wires, never by importing the Atera
connector."""

from __future__ import annotations

import pandas as pd
import pytest

from matchkit import WorkspaceError
from matchkit.accounts._apply import _Keys
from matchkit.export._validate import _products
from matchkit.review._records import atera_records
from matchkit.sources import atera_catalogue, atera_frame, is_archived
from matchkit.store import Workspace
from matchkit.store import _derive as derive_mod
from matchkit.wizard._model import _product_rows

CONTRACT = {"ContractID": 5, "CustomerID": 1, "ContractType": "Hourly",
            "HourlyContract": {"PrimaryRate": {"RateID": 30, "Description": "Engineer hour",
                                               "Amount": 120.0, "Category": "Labour"}}}


def _ws() -> Workspace:
    ws = Workspace.open(":memory:")
    ws.write_snapshot("atera", "products", [
        {"RateID": 1, "Description": "Managed backup", "Amount": 10.5, "SKU": "BK-1",
         "Category": "Backup"},
        {"RateID": 2, "Description": "Old thing", "Amount": 3, "Archived": True,
         "Category": "Retired"},
        {"RateID": 3, "Description": "Firewall", "Archived": False, "Category": "Network"}])
    ws.write_snapshot("atera", "expenses", [{"RateID": 7, "Description": "Travel"}])
    ws.write_snapshot("atera", "contracts", [CONTRACT])
    return ws


def test_the_archived_rule() -> None:
    assert [is_archived(v) for v in (True, False, None, pd.NA, float("nan"), 1, 0)] == [
        True, False, False, False, False, True, False]


def test_one_catalogue_with_labour_rates_and_without_archived_ones() -> None:
    ws = _ws()
    c = atera_catalogue(ws)
    assert c["id"].tolist() == ["product:1", "product:3", "expense:7", "rate:30"]
    assert c["source"].tolist() == ["product", "product", "expense", "rate"]
    assert c.loc[0, "price"] == 10.5 and pd.isna(c.loc[1, "price"])
    assert c.loc[0, "sku"] == "BK-1" and c.loc[2, "category"] == ""
    every = atera_catalogue(ws, include_archived=True)
    assert every.loc[every["archived"], "id"].tolist() == ["product:2"]


def test_every_reader_takes_the_same_records() -> None:
    ws = _ws()
    ids = atera_catalogue(ws)["id"].tolist()
    assert atera_frame(ws, "products")["id"].tolist() == ids
    assert [r.atera_id for r in _product_rows(ws)] == ids
    assert atera_records(ws, "products")["id"].tolist() == ids
    assert set(_Keys(ws).category.values()) == {"Backup", "Network", None, "Labour"}
    found = {aid: price for hits in _products(ws).values() for aid, _, price in hits}
    assert list(found) == ids  # the export's product lookup: no archived one, rates too
    assert found["product:1"] == 10.5 and found["product:3"] is None
    rows = {r.atera_id: r for r in _product_rows(ws)}
    assert rows["rate:30"].detail == "labour rate" and rows["expense:7"].detail == "expense"
    assert rows["product:3"].detail == "Network"
    assert rows["product:1"].price == 10.5 and rows["product:1"].sku == "BK-1"


def test_derived_rows_come_from_what_the_root_wires() -> None:
    ws = Workspace.open(":memory:")
    ids = ws.write_snapshot("atera", "invoices", [
        {"InvoiceNumber": 9, "InvoiceDate": "2026-08-01T00:00:00",
         "LineItems": [{"Description": "Backup", "Amount": 1}, "not a line"]}])
    assert set(ids) == {"invoices", "invoice_lines"}
    assert ws.rows("atera", "invoice_lines")["LineKey"].tolist() == ["9:1"]


def test_a_parent_without_its_derivation_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive_mod, "_DERIVED", {})
    ws = Workspace.open(":memory:")
    with pytest.raises(WorkspaceError, match="contract_rates has no derivation"):
        ws.write_snapshot("atera", "contracts", [CONTRACT])
    assert ws.latest_snapshot("atera", "contracts") is None  # nothing written without it
