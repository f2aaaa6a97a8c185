"""Exactly-once creation of Xero contacts and items (logic, against an in-memory Xero)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchkit._xero_sync import (
    ContactSpec,
    ItemSpec,
    XeroSyncError,
    ensure_contacts,
    ensure_items,
    unique_contact_name,
    xero_item_code,
    xero_item_name,
)
from matchkit.store import Workspace
from tests._export_fixtures import FakeXero


@pytest.fixture
def ws() -> Workspace:
    w = Workspace.open()
    yield w
    w.close()


def test_item_code_is_valid_and_unique() -> None:
    assert xero_item_code("Managed Server (per month)") == "MANAGED-SERVER-PER-MONTH"
    long = "A very long product name that keeps going on"
    c1 = xero_item_code(long)
    assert len(c1) <= 30
    c2 = xero_item_code(long, [c1])
    assert c2 != c1 and len(c2) <= 30 and c2.endswith("-2")
    assert xero_item_code("Été ünïcode", []) == "ETE-UNICODE"
    assert xero_item_code("!!!") == "ITEM"


@given(st.text(min_size=1, max_size=80), st.lists(st.text(max_size=35), max_size=5))
def test_item_code_property(name: str, taken: list[str]) -> None:
    code = xero_item_code(name, taken)
    assert 1 <= len(code) <= 30
    assert code.casefold() not in {t.casefold() for t in taken}
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in code)


def test_item_name_and_contact_name() -> None:
    assert len(xero_item_name("x" * 80)) == 50
    assert xero_item_name("  Backup   Service ") == "Backup Service"
    with pytest.raises(ValueError):
        xero_item_name("   ")
    assert unique_contact_name("Acme Ltd", ["acme ltd"]) == "Acme Ltd (2)"
    assert unique_contact_name("Acme Ltd", ["acme ltd", "ACME LTD (2)"]) == "Acme Ltd (3)"
    assert len(unique_contact_name("n" * 300, ["n" * 255])) <= 255


def test_contacts_created_once_and_existing_reused(ws: Workspace) -> None:
    xero = FakeXero()
    xero.contact_rows.append({"ContactID": "c-old", "Name": "Existing Co",
                              "ContactStatus": "ACTIVE"})
    specs = [ContactSpec("1", "Existing Co"), ContactSpec("2", "New Co", email="a@b.c"),
             ContactSpec("3", "New Co")]  # two Atera customers with one name
    got = ensure_contacts(ws, xero, specs, run_id="r1")
    assert got["1"] == "c-old"
    names = sorted(c["Name"] for c in xero.contact_rows)
    assert names == ["Existing Co", "New Co", "New Co (2)"]
    dec = ws.current_decisions("customers").set_index("atera_id")
    assert dec.loc["2", "method"] == "created" and dec.loc["1", "method"] == "exact"
    assert set(dec["xero_id"]) == set(got.values())
    # again: nothing new is sent
    puts = sum(1 for c in xero.calls if c[0].startswith("PUT"))
    assert ensure_contacts(ws, xero, specs, run_id="r2") == got
    assert sum(1 for c in xero.calls if c[0].startswith("PUT")) == puts


@pytest.mark.parametrize("fault", ["drop", "drop_after"])
def test_lost_answer_never_doubles(ws: Workspace, fault: str) -> None:
    xero = FakeXero()
    xero.faults = [fault]
    specs = [ContactSpec(str(i), f"Customer {i}") for i in range(120)]
    got = ensure_contacts(ws, xero, specs, run_id="r1")
    assert len(got) == 120 and len(set(got.values())) == 120
    assert len(xero.contact_rows) == 120


def test_crash_after_send_is_resumed_by_name(ws: Workspace) -> None:
    xero = FakeXero()
    real = xero.create_contacts

    def killed(records, *, idempotency_key):  # type: ignore[no-untyped-def]
        real(records, idempotency_key=idempotency_key)
        raise SystemExit("killed after Xero applied the write")

    xero.create_contacts = killed  # type: ignore[method-assign]
    # A clash with an existing name makes the first run pick a suffixed name.
    xero.contact_rows.append({"ContactID": "x", "Name": "Twin", "ContactStatus": "ACTIVE"})
    specs = [ContactSpec("7", "Twin", link_existing=False)]
    with pytest.raises(SystemExit):
        ensure_contacts(ws, xero, specs, run_id="r1")
    state = ws.sql("SELECT status, name FROM xero_sync_state")
    assert state.values.tolist() == [["sending", "Twin (2)"]]
    xero.create_contacts = real  # type: ignore[method-assign]
    got = ensure_contacts(ws, xero, specs, run_id="r2")
    assert [c["Name"] for c in xero.contact_rows] == ["Twin", "Twin (2)"]
    assert got["7"] == xero.contact_rows[1]["ContactID"]
    assert not any(c[0] == "PUT contacts" for c in xero.calls[2:])


def test_items_by_code_name_and_created_with_price(ws: Workspace) -> None:
    xero = FakeXero()
    xero.item_rows.append({"ItemID": "i-1", "Code": "BACKUP", "Name": "Backup"})
    xero.item_rows.append({"ItemID": "i-2", "Code": "X1", "Name": "Antivirus"})
    specs = [ItemSpec("product:1", "Cloud Backup", price=9.5, code="backup"),
             ItemSpec("product:2", "antivirus", price=3),
             ItemSpec("product:3", "Backup", price=4, link_existing=False),
             ItemSpec("rate:4", "Remote support hour", price=120.0)]
    got = ensure_items(ws, xero, specs, run_id="r1")
    assert got["product:1"] == "i-1" and got["product:2"] == "i-2"
    new = {i["ItemID"]: i for i in xero.item_rows}
    created = new[got["product:3"]]
    assert created["Code"] == "BACKUP-2"  # 'BACKUP' is taken
    hour = new[got["rate:4"]]
    assert hour["SalesDetails"] == {"UnitPrice": 120.0}
    assert "TaxType" not in str(hour)
    dec = ws.current_decisions("products").set_index("atera_id")
    assert dec.loc["rate:4", "method"] == "created"


def test_refused_item_reported_others_kept(ws: Workspace) -> None:
    xero = FakeXero()

    def refuse(records, *, idempotency_key):  # type: ignore[no-untyped-def]
        from tests._export_fixtures import Result
        out = []
        for i, r in enumerate(records):
            if "BAD" in r["Code"]:
                out.append(Result(i, False, r, ["Name is invalid"]))
            else:
                row = {**r, "ItemID": f"id-{i}"}
                xero.item_rows.append(row)
                out.append(Result(i, True, row))
        return out

    xero.create_items = refuse  # type: ignore[method-assign]
    with pytest.raises(XeroSyncError) as info:
        ensure_items(ws, xero, [ItemSpec("p:1", "Good"), ItemSpec("p:2", "Bad")],
                     run_id="r")
    assert list(info.value.done) == ["p:1"]
    assert "Name is invalid" in str(info.value) and "p:2" in str(info.value)
    assert ws.current_decisions("products")["atera_id"].tolist() == ["p:1"]


def test_bad_specs_refused_before_anything(ws: Workspace) -> None:
    xero = FakeXero()
    with pytest.raises(ValueError, match="twice"):
        ensure_contacts(ws, xero, [ContactSpec("1", "A"), ContactSpec("1", "B")], run_id="r")
    assert xero.calls == []


def test_unique_names_against_a_folded_catalogue() -> None:
    from matchkit._xero_sync import fold_name

    taken = {fold_name(n) for n in ("Acme Ltd", "ACME LTD (2)", "Café  Müller")}
    assert unique_contact_name("acme ltd", folded=taken) == "acme ltd (3)"
    assert unique_contact_name("Café Müller", folded=taken) == "Café Müller (2)"
    assert unique_contact_name("Beta", folded=taken) == "Beta"
    codes = {fold_name(c) for c in ("M365", "m365-2")}
    assert xero_item_code("m365", folded=codes) == "M365-3"
