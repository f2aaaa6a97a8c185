"""The seed generator: deterministic, in the APIs' shapes, overlapping the way real data does,
with a ground truth that is consistent with both seeds."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from matchkit.atera import labour_rates
from matchkit.sandbox._seed import (
    SEED_DIR,
    build_demo,
    large_atera_seed,
    large_truth,
    large_xero_seed,
    load_seed,
    write_demo,
)


@cache
def demo() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return build_demo()


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    paths = write_demo(tmp_path)
    for p in paths:
        committed = SEED_DIR / p.name
        assert committed.read_bytes() == p.read_bytes(), (
            f"{committed} is stale: run `python -m matchkit.sandbox._seed`")
    assert not list(tmp_path.glob("*.tmp"))


def test_generation_is_deterministic_and_seed_dependent() -> None:
    again = build_demo()
    assert json.dumps(again, sort_keys=True) == json.dumps(demo(), sort_keys=True)
    other = build_demo(seed=1)
    assert other[0]["customers"] != demo()[0]["customers"]


def test_atera_demo_shape_and_size() -> None:
    atera = demo()[0]
    assert set(atera) == {"account", "customers", "contacts", "contracts", "products",
                          "expenses", "invoices"}
    assert 140 <= len(atera["customers"]) <= 160
    assert len(atera["products"]) >= 40 and 8 <= len(atera["expenses"]) <= 15
    ids = [c["CustomerID"] for c in atera["customers"]]
    assert len(set(ids)) == len(ids)
    rate_ids = [r["RateID"] for r in atera["products"] + atera["expenses"]]
    assert len(set(rate_ids)) == len(rate_ids)  # one rate table in Atera
    assert any(p["SKU"] for p in atera["products"]) and any(not p["SKU"]
                                                            for p in atera["products"])
    assert {c["CustomerID"] for c in atera["contacts"]} <= set(ids)
    assert any(c["Domain"] for c in atera["customers"])
    assert any(c["BusinessNumber"] for c in atera["customers"])


def test_contracts_cover_every_type_with_their_rates() -> None:
    contracts = demo()[0]["contracts"]
    types = Counter(c["ContractType"] for c in contracts)
    assert set(types) == {"RetainerFlatFee", "BlockHours", "Hourly", "RemoteMonitoring",
                          "BlockMoney", "ProjectOneTimeFee", "ProjectHourlyRate",
                          "OnlineBackup"}
    for c in contracts:
        subs = [k for k in c if k.endswith("Contract")]
        assert subs == [c["ContractType"] + "Contract"]  # only the matching sub-object
    rates = labour_rates(contracts)
    names = {r["Description"] for r in rates}
    assert {"Remote Support - Standard Hours", "On-site Labour",
            "After Hours Emergency"} <= names
    assert len(rates) < sum(1 for _ in contracts)  # shared across contracts, de-duplicated


def test_invoices_are_realistic() -> None:
    atera, _xero, truth = demo()
    invoices = atera["invoices"]
    assert 200 <= len(invoices) <= 600
    months = {i["InvoiceDate"][:7] for i in invoices}
    assert months == {"2026-08", "2026-09", "2026-10"}
    lines = [ln for i in invoices for ln in i["LineItems"]]
    products = {p["Description"] for p in atera["products"]}
    expenses = {e["Description"] for e in atera["expenses"]}
    labour = {r["Description"] for r in labour_rates(atera["contracts"])}
    kinds = Counter("product" if ln["Product"] in products else "expense"
                    if ln["Product"] in expenses else "labour" if ln["Product"] in labour
                    else "other" for ln in lines)
    assert kinds["product"] and kinds["expense"] and kinds["labour"] and not kinds["other"]
    assert any(ln["Quantity"] < 0 for ln in lines)  # credits
    assert any(ln["Tax"] for ln in lines) and any(not ln["Tax"] for ln in lines)
    for inv in invoices:
        assert inv["Subtotal"] == pytest.approx(sum(ln["Subtotal"] for ln in inv["LineItems"]))
        assert inv["Total"] == pytest.approx(inv["Subtotal"] + inv["Tax"])
        assert inv["Currency"] in ("AUD", "NZD")
        assert "T" in inv["InvoiceDate"] and "+" not in inv["InvoiceDate"]
    names = {c["CustomerID"]: c["CustomerName"] for c in atera["customers"]}
    by_number = {str(i["InvoiceNumber"]): i for i in invoices}
    assert set(truth["invoice_customers"]) == set(by_number)
    misspelt = [n for n, cid in truth["invoice_customers"].items()
                if by_number[n]["To"]["CompanyName"] != names[cid]]
    assert 1 <= len(misspelt) <= 5


def test_xero_demo_follows_xero_rules() -> None:
    xero = demo()[1]
    assert set(xero) == {"Organisations", "Contacts", "Items", "TaxRates", "Accounts",
                         "Currencies", "TrackingCategories"}
    org = xero["Organisations"][0]
    assert org["ShortCode"].startswith("!") and org["BaseCurrency"] == "AUD"
    names = [c["Name"].lower() for c in xero["Contacts"]]
    assert len(names) == len(set(names)) and 200 <= len(names) <= 400  # names are unique
    status = Counter(c["ContactStatus"] for c in xero["Contacts"])
    assert status["ARCHIVED"] >= 3 and status["ACTIVE"] > 150
    assert any(c["IsSupplier"] and not c["IsCustomer"] for c in xero["Contacts"])
    for item in xero["Items"]:
        assert len(item["Code"]) <= 30 and len(item["Name"]) <= 50
        assert item["SalesDetails"]["TaxType"] in {t["TaxType"] for t in xero["TaxRates"]}
    codes = [i["Code"] for i in xero["Items"]]
    assert len(codes) == len(set(codes))
    revenue = [a for a in xero["Accounts"] if a["Class"] == "REVENUE"]
    assert revenue and all(a["TaxType"] for a in revenue)
    assert {i["SalesDetails"]["AccountCode"] for i in xero["Items"]} <= {
        a["Code"] for a in xero["Accounts"]}
    gst = next(t for t in xero["TaxRates"] if t["TaxType"] == "OUTPUT")
    assert gst["EffectiveRate"] == 10.0 and gst["CanApplyToRevenue"]
    assert {c["Code"] for c in xero["Currencies"]} >= {org["BaseCurrency"], "NZD"}


def test_truth_overlaps_like_real_data() -> None:
    atera, xero, truth = demo()
    contacts = {c["ContactID"]: c for c in xero["Contacts"]}
    customers = {c["CustomerID"]: c for c in atera["customers"]}
    assert {t["atera_id"] for t in truth["customers"]} == set(customers)
    kinds = Counter(t["kind"] for t in truth["customers"])
    assert kinds["exact"] >= 50 and kinds["atera_only"] >= 10
    spelled = {k for k in kinds if k not in ("exact", "atera_only")}
    assert {"ampersand", "suffix", "typo", "acronym"} <= spelled and len(spelled) >= 6
    for t in truth["customers"]:  # initials alone cannot be matched: evidence is there
        if t["kind"] == "acronym":
            c = contacts[t["xero_id"]]
            assert c["EmailAddress"] and c["Phones"][0]["PhoneNumber"], c
    for t in truth["customers"]:
        name = customers[t["atera_id"]]["CustomerName"]
        if t["xero_id"] is None:
            assert name.lower() not in {c["Name"].lower() for c in contacts.values()}
            continue
        xname = contacts[t["xero_id"]]["Name"]
        assert (xname == name) == (t["kind"] == "exact"), t
    matched = {t["xero_id"] for t in truth["customers"] if t["xero_id"]}
    assert set(truth["xero_only_customers"]) == set(contacts) - matched
    assert len(truth["xero_only_customers"]) >= 50
    # products: exact, spelled differently (M365...), and missing on either side
    items = {i["ItemID"]: i for i in xero["Items"]}
    pk = Counter(t["kind"] for t in truth["products"])
    assert pk["exact"] >= 10 and pk["variant"] >= 20 and pk["atera_only"] >= 5
    assert truth["xero_only_items"] and set(truth["xero_only_items"]) <= set(items)
    for t in truth["products"]:
        if t["xero_id"]:
            assert items[t["xero_id"]]["Name"] == t["xero_name"], t
            assert (t["kind"] == "exact") == (t["xero_name"] == t["atera_name"]), t
    m365 = next(t for t in truth["products"]
                if t["atera_name"] == "Microsoft 365 Business Premium (monthly)")
    assert items[m365["xero_id"]]["Name"] == "M365 Business Premium"
    prefixes = Counter(t["atera_id"].split(":")[0] for t in truth["products"])
    assert set(prefixes) == {"product", "expense", "rate"}


def test_load_seed_names_the_missing_file(tmp_path: Path) -> None:
    assert load_seed("atera_demo")["account"]["CompanyName"]
    with pytest.raises(FileNotFoundError, match=r"python -m matchkit\.sandbox\._seed"):
        load_seed("nope", tmp_path)
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ValueError, match="JSON object"):
        load_seed("bad", tmp_path)


def test_large_seeds_are_big_deterministic_and_overlap() -> None:
    a = large_atera_seed()
    x = large_xero_seed()
    base_atera = demo()[0]
    assert len(a["customers"]) == len(base_atera["customers"]) + 10_000
    assert len(a["invoices"]) == len(base_atera["invoices"]) + 2_000
    assert len(x["Contacts"]) == 100_000 and len(x["Items"]) == 5_000
    ids = [c["CustomerID"] for c in a["customers"]]
    assert len(set(ids)) == len(ids)
    assert len({c["Name"].lower() for c in x["Contacts"]}) == 100_000
    assert len({i["Code"] for i in x["Items"]}) == 5_000
    assert len({inv["InvoiceNumber"] for inv in a["invoices"]}) == len(a["invoices"])
    truth = large_truth()
    xero_names = {c["Name"] for c in x["Contacts"]}
    atera_names = {c["CustomerName"] for c in a["customers"]}
    assert len(truth) == 7_000 and set(truth) <= atera_names
    assert set(truth.values()) <= xero_names
    assert sum(1 for k, v in truth.items() if k != v) > 1_000  # differently spelled
    a2 = large_atera_seed()
    assert a2["customers"][-1] == a["customers"][-1]
    assert a2["invoices"][-1] == a["invoices"][-1]
    assert large_xero_seed()["Contacts"][-1] == x["Contacts"][-1]
