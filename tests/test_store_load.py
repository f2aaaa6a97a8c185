"""Loading snapshots from files: good shapes load, bad files are refused precisely and leave the
workspace exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matchkit import LoadError
from matchkit.store import Workspace, load_file


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws.duckdb")


def _dump(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to prove nothing changed."""
    tables = ws.sql("SELECT table_name FROM information_schema.tables WHERE table_type = "
                    "'BASE TABLE' ORDER BY 1")["table_name"]
    return {t: [tuple(map(str, r)) for r in ws.sql(f"SELECT * FROM {t}").itertuples(index=False)]
            for t in tables}


def test_atera_envelope_bare_list_and_csv(ws: Workspace, tmp_path: Path) -> None:
    env = {"items": [{"CustomerID": 1, "CustomerName": "Acme Pty Ltd", "Domain": "acme.com"}],
           "page": 1, "itemsInPage": 50, "totalItemCount": 1, "totalPages": 1,
           "prevLink": "", "nextLink": ""}
    (tmp_path / "a.json").write_text(json.dumps(env))
    (tmp_path / "b.json").write_text(json.dumps(env["items"] + [{"CustomerID": 2,
                                                                  "CustomerName": "Beta"}]))
    (tmp_path / "c.csv").write_text("CustomerID,CustomerName,City\n7,Gamma Ltd,Leeds\n")
    load_file(ws, "atera", "customers", tmp_path / "a.json")
    assert ws.rows("atera", "customers")["CustomerName"].tolist() == ["Acme Pty Ltd"]
    load_file(ws, "atera", "customers", tmp_path / "b.json")
    assert ws.rows("atera", "customers")["CustomerID"].tolist() == [1, 2]
    load_file(ws, "atera", "customers", tmp_path / "c.csv")
    rows = ws.rows("atera", "customers")
    assert rows[["CustomerID", "CustomerName", "City"]].values.tolist() == [[7, "Gamma Ltd",
                                                                             "Leeds"]]
    assert json.loads(rows["raw"][0]) == {"CustomerID": "7", "CustomerName": "Gamma Ltd",
                                          "City": "Leeds"}
    assert len(ws.snapshots("atera", "customers")) == 3


def test_xero_wrapper_nested_csv_and_derived_lines(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "items.json").write_text(json.dumps({"Items": [
        {"ItemID": "i1", "Code": "M365-BP", "Name": "M365 Business Premium",
         "SalesDetails": {"UnitPrice": 22.5, "TaxType": "OUTPUT"}}]}))
    load_file(ws, "xero", "items", tmp_path / "items.json")
    assert ws.rows("xero", "items")[["Code", "UnitPrice", "SalesTaxType"]].values.tolist() == [
        ["M365-BP", 22.5, "OUTPUT"]]
    (tmp_path / "items.csv").write_text("ItemID,Code,SalesDetails.UnitPrice\ni2,HW-1,99.5\n")
    load_file(ws, "xero", "items", tmp_path / "items.csv")
    assert ws.rows("xero", "items")["UnitPrice"].tolist() == [99.5]
    inv = [{"InvoiceNumber": 1001, "To": {"CompanyName": "Acme"}, "Total": 12.0,
            "LineItems": [{"Product": "Backup", "Quantity": 2, "Rate": 6, "Total": 12}]}]
    (tmp_path / "inv.json").write_text(json.dumps({"items": inv}))
    ids = load_file(ws, "atera", "invoices", tmp_path / "inv.json")
    assert set(ids) == {"invoices", "invoice_lines"}
    lines = ws.rows("atera", "invoice_lines")
    assert lines[["InvoiceNumber", "Product", "Quantity"]].values.tolist() == [[1001, "Backup",
                                                                                2.0]]


BAD_FILES = {
    # name: (entity, bytes, words the message must contain)
    "empty": ("customers", b"", ["empty"]),
    "whitespace only": ("customers", b"  \n", ["empty"]),
    "truncated json": ("customers", b'{"items": [{"CustomerID": 1, "CustomerName": "A"},',
                       ["broken JSON", "line 1"]),
    "wrong top-level shape": ("customers", b'{"Customers": []}', ["expected", "items"]),
    "missing required field": ("customers", b'[{"CustomerID": 1}, {"CustomerID": 2}]',
                               ["row 1", "CustomerName", "missing"]),
    "wrong type": ("customers", b'[{"CustomerID": "one", "CustomerName": "A"}]',
                   ["row 1", "CustomerID", "integer"]),
    "duplicate id": ("customers",
                     b'[{"CustomerID": 1, "CustomerName": "A"}, {"CustomerID": 1, '
                     b'"CustomerName": "B"}]', ["row 2", "duplicate", "row 1"]),
    "latin-1 bytes": ("customers", "CustomerID,CustomerName\n1,Caf\xe9 Ltd\n".encode("latin-1"),
                      ["UTF-8", "line 2"]),
    "utf-16": ("customers", "CustomerID,CustomerName\n1,A\n".encode("utf-16"), ["UTF-16"]),
    "csv missing column": ("customers", b"CustomerID,Name\n1,A\n", ["CustomerName", "header"]),
    "csv ragged row": ("customers", b"CustomerID,CustomerName\n1,A,extra\n", ["row 2", "cells"]),
    "csv header only": ("customers", b"CustomerID,CustomerName\n", ["no rows"]),
    "not a number": ("products", b'[{"RateID": 1, "Description": "X", "Amount": "12,50"}]',
                     ["Amount", "number"]),
    "list of non-objects": ("customers", b"[1, 2]", ["row 1", "object"]),
    "not a boolean": ("products", b'[{"RateID": 1, "Description": "X", "Archived": "maybe"}]',
                      ["Archived", "true or false"]),
    "infinite price": ("products", b'[{"RateID": 1, "Description": "X", "Amount": "inf"}]',
                       ["Amount", "finite"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_and_change_nothing(ws: Workspace, tmp_path: Path,
                                                  case: str) -> None:
    # a valid snapshot first, so "unchanged" is not trivially "empty"
    (tmp_path / "good.json").write_text('[{"CustomerID": 9, "CustomerName": "Keep Me"}]')
    load_file(ws, "atera", "customers", tmp_path / "good.json")
    before = _dump(ws)
    entity, data, words = BAD_FILES[case]
    suffix = ".csv" if data.startswith(b"CustomerID") or b"CustomerID,".decode() in repr(data) \
        else ".json"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data)
    with pytest.raises(LoadError) as err:
        load_file(ws, "atera", entity, path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert _dump(ws) == before


def test_unknown_entity_and_derived_entity(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(LoadError, match="unknown atera entity 'widgets'; known:"):
        load_file(ws, "atera", "widgets", path)
    with pytest.raises(LoadError, match="derived from invoices"):
        load_file(ws, "atera", "invoice_lines", path)
    with pytest.raises(LoadError, match="no such file"):
        load_file(ws, "xero", "contacts", tmp_path / "missing.json")


def test_bad_line_inside_an_invoice_leaves_nothing(ws: Workspace, tmp_path: Path) -> None:
    inv = [{"InvoiceNumber": 1, "LineItems": [{"Product": "A", "Quantity": "lots"}]}]
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(inv))
    with pytest.raises(LoadError, match="Quantity"):
        load_file(ws, "atera", "invoices", path)
    assert ws.snapshots().empty


@pytest.mark.parametrize(("name", "content", "words"), [
    ("big.json", '[{"CustomerID": 99999999999999999999, "CustomerName": "A"}]',
     ("row 1", "CustomerID", "out of range")),
    ("big.csv", "CustomerID,CustomerName\n-9223372036854775809,A\n",
     ("row 2", "CustomerID", "out of range")),
    ("later.json", '[{"CustomerID": 1, "CustomerName": "A", '
                   '"CreatedOn": "9999-12-31T23:00:00-05:00"}]',  # year 10000 in UTC
     ("row 1", "CreatedOn", "out of range")),
    ("msdate.json", '[{"CustomerID": 1, "CustomerName": "A", '
                    '"CreatedOn": "/Date(99999999999999999)/"}]', ("row 1", "CreatedOn")),
    ("surrogate.json", '[{"CustomerID": 1, "CustomerName": "A\\ud800"}]',
     ("row 1", "CustomerName", "not valid Unicode")),
    ("deep.json", "[" * 50_000 + "]" * 50_000, ("deep.json", "cannot be read")),
    ("digits.json", '[{"CustomerID": ' + "9" * 5000 + ', "CustomerName": "A"}]',
     ("digits.json", "cannot be read")),
    ("huge.json", '[{"RateID": 1, "Description": "A", "Amount": 1e400}]',
     ("row 1", "Amount", "finite")),
    ("cell.csv", "CustomerID,CustomerName\n1," + "x" * 200_000 + "\n",
     ("cell.csv", "not readable as CSV")),
])
def test_values_the_workspace_cannot_hold_are_refused_by_row_and_field(
        ws: Workspace, tmp_path: Path, name: str, content: str, words: tuple[str, ...]) -> None:
    entity = "products" if "RateID" in content else "customers"
    path = tmp_path / name
    path.write_text(content)
    before = _dump(ws)
    with pytest.raises(LoadError) as err:
        load_file(ws, "atera", entity, path)
    missing = [w for w in words if w not in str(err.value)]
    assert not missing, str(err.value)
    assert _dump(ws) == before
