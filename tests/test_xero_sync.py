"""Exactly-once creation of Xero contacts and items (logic, against an in-memory Xero)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchkit._keys import (
    contact_key,
    contact_key_of,
    item_code,
    item_key,
    item_key_of,
)
from matchkit.outbox import (
    ContactSpec,
    ItemSpec,
    XeroSyncError,
    ensure_contact_keys,
    ensure_contacts,
    ensure_items,
    preview_contact_keys,
    preview_contacts,
    xero_contact_name,
    xero_item_name,
)
from matchkit.store import Workspace
from tests._export_fixtures import FakeXero


@pytest.fixture
def ws() -> Workspace:
    w = Workspace.open()
    yield w
    w.close()


def test_link_keys_are_deterministic_and_read_back() -> None:
    assert contact_key("101") == contact_key(101.0) == "ATERA-101"
    assert contact_key_of(" atera-101 ") == "ATERA-101"
    assert contact_key_of("C-0042") is None and contact_key_of(None) is None
    assert item_code("product:12", "Managed Server (per month)") == \
        "ATERA-P12-MANAGED-SERVER-PER"
    assert item_code("product:12", "Managed Server (per month)") == \
        item_code("product:12", "Managed Server (per month)")
    assert item_code("expense:3", "!!!") == "ATERA-E3"
    assert item_key("rate:habcdef012345") == "ATERA-RHABCDEF012345"
    assert item_key_of("atera-p12-anything-a-person-typed") == "ATERA-P12"
    assert item_key_of("ATERA-P123") == "ATERA-P123" and item_key_of("ATERA-P12X") is None
    assert item_key_of("M365-BP") is None
    with pytest.raises(ValueError):
        item_key("p:1")
    with pytest.raises(ValueError):
        contact_key("abc")


@given(st.sampled_from(["product:", "expense:", "rate:"]), st.integers(1, 10**12),
       st.text(max_size=80))
def test_item_code_property(prefix: str, n: int, name: str) -> None:
    code = item_code(f"{prefix}{n}", name)
    assert 1 <= len(code) <= 30
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in code)
    assert item_key_of(code) == item_key(f"{prefix}{n}")


def test_names_are_tidied_never_suffixed() -> None:
    assert len(xero_item_name("x" * 80)) == 50
    assert xero_item_name("  Backup   Service ") == "Backup Service"
    with pytest.raises(ValueError):
        xero_item_name("   ")
    assert xero_contact_name("  Acme   Ltd ") == "Acme Ltd"
    assert len(xero_contact_name("n" * 300)) == 255


def test_contacts_found_by_key_or_name_created_once_with_their_key(ws: Workspace) -> None:
    xero = FakeXero()
    xero.contact_rows += [
        {"ContactID": "c-old", "Name": "Existing Co", "ContactStatus": "ACTIVE"},
        {"ContactID": "c-key", "Name": "Renamed By The Accountant", "ContactStatus": "ACTIVE",
         "ContactNumber": "ATERA-4"}]
    specs = [ContactSpec("1", "existing  co"), ContactSpec("2", "Zyxwv Harbour Freight",
                                                           email="a@b.c"),
             ContactSpec("3", "Zyxwv Harbour Freight"),  # a second Atera one of that name
             ContactSpec("4", "Old Name Of It")]
    with pytest.raises(XeroSyncError) as info:
        ensure_contacts(ws, xero, specs, run_id="r1")
    got = info.value.done
    assert got["1"] == "c-old" and got["4"] == "c-key"
    assert [f.atera_id for f in info.value.failures] == ["3"]
    assert "Atera 2 has the same name" in str(info.value)
    names = sorted(c["Name"] for c in xero.contact_rows)
    assert names == ["Existing Co", "Renamed By The Accountant", "Zyxwv Harbour Freight"]
    made = next(c for c in xero.contact_rows if c["ContactID"] == got["2"])
    assert made["ContactNumber"] == "ATERA-2"
    dec = ws.current_decisions("customers").set_index("atera_id")
    assert dec.loc["2", "method"] == "created" and dec.loc["1", "method"] == "exact"
    assert dec.loc["4", "method"] == "link"
    # again: nothing new is sent
    puts = sum(1 for c in xero.calls if c[0].startswith("PUT"))
    again = ensure_contacts(ws, xero, specs[:2] + specs[3:], run_id="r2")
    assert again == {k: v for k, v in got.items()}
    assert sum(1 for c in xero.calls if c[0].startswith("PUT")) == puts


def test_a_look_alike_is_held_unless_a_person_named_it(ws: Workspace) -> None:
    xero = FakeXero()
    xero.contact_rows.append({"ContactID": "c-acme", "Name": "Acme Plumbing Pty Ltd",
                              "ContactStatus": "ACTIVE"})
    spec = ContactSpec("9", "ACME Plumbing Limited")
    preview = preview_contacts(ws, xero, [spec])
    assert preview.to_create == [] and "Acme Plumbing Pty Ltd" in preview.held["9"]
    with pytest.raises(XeroSyncError, match="a person decides") as info:
        ensure_contacts(ws, xero, [spec], run_id="r1")
    assert info.value.done == {} and len(xero.contact_rows) == 1
    assert ws.current_decisions("customers").empty
    got = ensure_contacts(ws, xero, [ContactSpec("9", "ACME Plumbing Limited",
                                                 confirmed=True)], run_id="r2")
    assert len(xero.contact_rows) == 2 and got["9"] != "c-acme"


def test_a_name_held_by_another_customers_key_is_not_taken(ws: Workspace) -> None:
    xero = FakeXero()
    xero.contact_rows.append({"ContactID": "c-1", "Name": "Twin Co", "ContactStatus": "ACTIVE",
                              "ContactNumber": "ATERA-1"})
    with pytest.raises(XeroSyncError, match="another Atera customer"):
        ensure_contacts(ws, xero, [ContactSpec("2", "Twin Co", confirmed=True)], run_id="r")
    assert len(xero.contact_rows) == 1


@pytest.mark.parametrize("fault", ["drop", "drop_after"])
def test_lost_answer_never_doubles(ws: Workspace, fault: str) -> None:
    xero = FakeXero()
    xero.faults = [fault]
    specs = [ContactSpec(str(i), f"Customer {i}") for i in range(120)]
    got = ensure_contacts(ws, xero, specs, run_id="r1")
    assert len(got) == 120 and len(set(got.values())) == 120
    assert len(xero.contact_rows) == 120


def test_crash_after_send_is_resumed_by_its_key(ws: Workspace) -> None:
    xero = FakeXero()
    real = xero.create_contacts

    def killed(records, *, idempotency_key):  # type: ignore[no-untyped-def]
        real(records, idempotency_key=idempotency_key)
        raise SystemExit("killed after Xero applied the write")

    xero.create_contacts = killed  # type: ignore[method-assign]
    specs = [ContactSpec("7", "Qwerty Lantern Works")]
    with pytest.raises(SystemExit):
        ensure_contacts(ws, xero, specs, run_id="r1")
    state = ws.sql("SELECT status, name FROM xero_sync_state")
    assert state.values.tolist() == [["sending", "Qwerty Lantern Works"]]
    xero.create_contacts = real  # type: ignore[method-assign]
    got = ensure_contacts(ws, xero, specs, run_id="r2")
    assert [c["Name"] for c in xero.contact_rows] == ["Qwerty Lantern Works"]
    assert got["7"] == xero.contact_rows[0]["ContactID"]
    assert not any(c[0] == "PUT contacts" for c in xero.calls[2:])
    assert ws.current_decisions("customers")["method"].tolist() == ["created"]


def test_items_by_key_code_and_name_created_with_key_code_and_price(ws: Workspace
                                                                   ) -> None:
    xero = FakeXero()
    xero.item_rows.append({"ItemID": "i-1", "Code": "BACKUP", "Name": "Backup"})
    xero.item_rows.append({"ItemID": "i-2", "Code": "X1", "Name": "Antivirus"})
    xero.item_rows.append({"ItemID": "i-3", "Code": "ATERA-P5-EDITED", "Name": "Edited"})
    specs = [ItemSpec("product:1", "Cloud Backup", price=9.5, code="backup"),
             ItemSpec("product:2", "antivirus", price=3),
             ItemSpec("product:5", "Firewall appliance rental", price=30),
             ItemSpec("rate:4", "Qwerty remote support hour", price=120.0)]
    got = ensure_items(ws, xero, specs, run_id="r1")
    assert got["product:1"] == "i-1" and got["product:2"] == "i-2"
    assert got["product:5"] == "i-3"  # its key, whatever a person made of the rest
    new = {i["ItemID"]: i for i in xero.item_rows}
    hour = new[got["rate:4"]]
    assert hour["Code"] == "ATERA-R4-QWERTY-REMOTE-SUPPORT"
    assert hour["SalesDetails"] == {"UnitPrice": 120.0}
    assert "TaxType" not in str(hour)
    dec = ws.current_decisions("products").set_index("atera_id")
    assert dec.loc["rate:4", "method"] == "created"
    assert dec.loc["product:5", "method"] == "link" and dec.loc["product:1", "method"] == "exact"


def test_an_item_like_one_in_xero_is_held(ws: Workspace) -> None:
    xero = FakeXero()
    xero.item_rows.append({"ItemID": "i-1", "Code": "M365-BP", "Name": "M365 Business Premium",
                           "SalesDetails": {"UnitPrice": 22.0}})
    with pytest.raises(XeroSyncError, match="M365 Business Premium") as info:
        ensure_items(ws, xero, [ItemSpec("product:1", "Microsoft 365 Business Premium "
                                         "(monthly)", price=22.0)], run_id="r")
    assert info.value.done == {} and len(xero.item_rows) == 1


def test_link_keys_put_on_matched_contacts_never_over_another_code(ws: Workspace) -> None:
    xero = FakeXero()
    xero.contact_rows += [
        {"ContactID": "c-1", "Name": "One", "ContactStatus": "ACTIVE"},
        {"ContactID": "c-2", "Name": "Two", "ContactStatus": "ACTIVE",
         "ContactNumber": "CUST-0002"},
        {"ContactID": "c-3", "Name": "Three", "ContactStatus": "ACTIVE",
         "ContactNumber": "ATERA-3"}]
    pairs = {"1": "c-1", "2": "c-2", "3": "c-3", "4": "c-gone", "5": "c-1"}
    dry = preview_contact_keys(ws, xero, pairs)
    assert dry.set == {"1": "c-1"} and all(c.get("ContactNumber") != "ATERA-1"
                                           for c in xero.contact_rows)
    keys = ensure_contact_keys(ws, xero, pairs, run_id="r1")
    assert keys.set == {"1": "c-1"} and keys.already == {"3": "c-3"}
    assert keys.kept == {"2": "CUST-0002", "5": "ATERA-1"} and keys.missing == ["4"]
    rows = {c["ContactID"]: c for c in xero.contact_rows}
    assert rows["c-1"]["ContactNumber"] == "ATERA-1" and rows["c-1"]["Name"] == "One"
    assert rows["c-2"]["ContactNumber"] == "CUST-0002"
    posts = [c for c in xero.calls if c[0] == "POST contacts"]
    assert posts == [("POST contacts", 1)]
    assert ensure_contact_keys(ws, xero, pairs, run_id="r2").set == {}
    assert [c for c in xero.calls if c[0] == "POST contacts"] == posts


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
        ensure_items(ws, xero, [ItemSpec("product:1", "Good Widget", code="GOOD"),
                                ItemSpec("product:2", "Zyx Other Gadget", code="BAD")],
                     run_id="r")
    assert list(info.value.done) == ["product:1"]
    assert "Name is invalid" in str(info.value) and "product:2" in str(info.value)
    assert ws.current_decisions("products")["atera_id"].tolist() == ["product:1"]


def test_bad_specs_refused_before_anything(ws: Workspace) -> None:
    xero = FakeXero()
    with pytest.raises(ValueError, match="twice"):
        ensure_contacts(ws, xero, [ContactSpec("1", "A"), ContactSpec("1", "B")], run_id="r")
    assert xero.calls == []
