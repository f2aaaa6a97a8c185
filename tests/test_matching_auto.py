"""auto_accepted: which proposals may be taken without a person, per kind.

Products: a pair that any evidence disputes (another edition number, a far-apart price,
different codes) goes to a person however well the names agree; customers keep the
score-only rule. The kind comes from the frame (``match_frames`` records it) or is passed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from matchkit._exceptions import MatchConfigError
from matchkit.matching import AUTO_ACCEPT, OUTPUT_COLUMNS, auto_accepted, match_frames

CATALOGUE = pd.DataFrame([
    {"id": "i1", "name": "M365 Business Premium", "code": "M365-BP", "price": 38.12},
    {"id": "i2", "name": "M365 Business Standard", "code": "M365-BS", "price": 20.90},
    {"id": "i3", "name": "Sony Turntable PS-LX350H", "code": "SONY-TT", "price": 99.0},
    {"id": "i4", "name": "Remote Support (hourly)", "code": "LAB-REM", "price": 140.0},
    {"id": "i5", "name": "Datto SIRIS Backup Appliance", "price": 1200.0},
    {"id": "i6", "name": "Acronis Cyber Protect 5 user", "price": 50.0},
    {"id": "i7", "name": "Surface Pro Signature Keyboard Black", "price": 280.0},
    {"id": "i8", "name": "Managed Backup Gold Plan", "price": 99.0},
    {"id": "i9", "name": "Enterprise Linux Server Gold", "price": 349.0},
])

CUSTOMERS = pd.DataFrame([
    {"id": "x1", "name": "Kamiro Plumbing Pty Ltd", "city": "Perth"},
    {"id": "x2", "name": "Harbour Dental", "city": "Sydney"},
    {"id": "x3", "name": "Northern Roofing", "city": "Cairns"},
    {"id": "x4", "name": "Golden Bakery", "city": "Hobart"},
])


def products(row: dict[str, object]) -> pd.DataFrame:
    return match_frames(pd.DataFrame([row]), CATALOGUE, "products")


def best(m: pd.DataFrame) -> pd.Series:
    return m[m["rank"] == 1].iloc[0]


def test_another_edition_is_not_auto_accepted_however_close_the_names() -> None:
    m = products({"id": "p", "name": "Acronis Cyber Protect 1 user"})
    row = best(m)
    # the names alone would pass: proposed, unambiguous, above the threshold
    assert row["right_id"] == "i6" and row["proposed"] and not row["ambiguous"]
    assert row["score"] >= AUTO_ACCEPT
    assert row["conflict"] and "different numbers/versions" in row["evidence"]
    assert auto_accepted(m).empty
    # the score-only rule (the customers') would have taken it
    assert auto_accepted(m, kind="customers")["right_id"].tolist() == ["i6"]


def test_a_shared_code_is_auto_accepted() -> None:
    m = products({"id": "p", "name": "Microsoft 365 Business Premium (monthly)",
                  "sku": "m365 bp"})
    row = best(m)
    assert row["method"] == "evidence" and not row["conflict"]
    assert auto_accepted(m)["right_id"].tolist() == ["i1"]


def test_the_same_name_at_another_price_is_disputed() -> None:
    same = products({"id": "p", "name": "Datto SIRIS Backup Appliance", "price": "1200"})
    assert auto_accepted(same)["right_id"].tolist() == ["i5"]
    cheap = products({"id": "p", "name": "Datto SIRIS Backup Appliance", "price": "12"})
    row = best(cheap)
    assert row["right_id"] == "i5" and row["conflict"] and "prices far apart" in row["evidence"]
    assert auto_accepted(cheap).empty


def test_another_colour_or_tier_is_disputed() -> None:
    for name, right, words in (
            ("Surface Pro Signature Keyboard Platinum", "i7", "different colours/finishes"),
            ("Managed Backup Silver Plan", "i8", "different colours/finishes")):
        m = products({"id": "p", "name": name})
        row = best(m)
        assert row["right_id"] == right and row["conflict"] and words in row["evidence"]
        assert auto_accepted(m).empty
    same = products({"id": "p", "name": "Surface Pro Signature Keyboard - Black"})
    assert "same colour/finish black" in best(same)["evidence"]
    assert auto_accepted(same)["right_id"].tolist() == ["i7"]
    # "Red Hat" is a vendor, not a colour: no dispute with a name that has one
    vendor = products({"id": "p", "name": "Red Hat Enterprise Linux Server"})
    assert best(vendor)["right_id"] == "i9" and not best(vendor)["conflict"]


def test_different_codes_are_disputed_even_with_the_same_name() -> None:
    m = products({"id": "p", "name": "M365 Business Premium", "code": "M365-BX"})
    row = best(m)
    assert row["right_id"] == "i1" and row["conflict"] and "different codes" in row["evidence"]
    assert auto_accepted(m).empty


def test_customers_keep_the_score_only_rule() -> None:
    # a different city is evidence against, yet the customers' rule is the score alone
    m = match_frames(pd.DataFrame([{"id": "a", "name": "Kamiro Plumbing", "city": "Sydney"}]),
                     CUSTOMERS, "customers")
    row = best(m)
    assert row["right_id"] == "x1" and row["conflict"]
    assert "different cities" in row["evidence"] and row["score"] >= AUTO_ACCEPT
    assert auto_accepted(m)["right_id"].tolist() == ["x1"]
    assert auto_accepted(m, kind="products").empty


def test_kind_comes_from_the_frame_and_survives_filtering() -> None:
    m = products({"id": "p", "name": "Acronis Cyber Protect 1 user"})
    assert m.attrs["kind"] == "products"
    top = m[m["rank"] == 1].copy()
    assert top.attrs["kind"] == "products" and auto_accepted(top).empty
    assert tuple(m.columns) == OUTPUT_COLUMNS


@pytest.mark.parametrize("kind", [None, "vendors"])
def test_unknown_kind_is_refused(kind: str | None) -> None:
    m = products({"id": "p", "name": "M365 Business Premium"})
    m.attrs.clear()
    with pytest.raises(MatchConfigError, match="auto_accepted: kind must be"):
        auto_accepted(m, kind=kind)


def test_products_without_the_conflict_column_are_refused() -> None:
    m = products({"id": "p", "name": "M365 Business Premium"}).drop(columns="conflict")
    with pytest.raises(MatchConfigError, match="'conflict' column"):
        auto_accepted(m)
    # customers do not need it
    assert len(auto_accepted(m, kind="customers")) == 1


SIZES = pd.DataFrame([
    {"id": "s1", "name": "Netgear GS308 Unmanaged Switch 8-Port"},
    {"id": "s2", "name": "Samsung 870 EVO SSD 500 GB"},
    {"id": "s3", "name": "Comprehensive 9-Pin Male Connector with Hood"},
    {"id": "s4", "name": "Veeam Backup for Microsoft 365"},
    {"id": "s5", "name": "Office Home and Business 2021 Upgrade"},
])


def sizes(name: str) -> pd.Series:
    return best(match_frames(pd.DataFrame([{"id": "p", "name": name}]), SIZES, "products",
                             threshold=0))


def test_another_size_or_count_is_disputed() -> None:
    for name, right, words in (
            ("Netgear GS308 Unmanaged Switch 16 ports", "s1", "(16 vs 8 port)"),
            ("Comprehensive 25-Pin Male Connector with Hood", "s3", "(25 vs 9 pin)"),
            ("Samsung 870 EVO SSD 1TB", "s2", None)):  # another unit: says nothing
        row = sizes(name)
        assert row["right_id"] == right
        if words:
            assert row["conflict"] and f"different sizes/counts {words}" in row["evidence"]
        else:
            assert "sizes/counts" not in row["evidence"]
    row = sizes("Samsung 870 EVO SSD 500GB")
    assert row["right_id"] == "s2" and "same size/count 500 gb" in row["evidence"]
    assert not row["conflict"]


def test_an_upgrade_renewal_or_bundle_is_another_offer() -> None:
    row = sizes("Veeam Backup for Microsoft 365 - Renewal")
    assert row["right_id"] == "s4" and row["conflict"]
    assert "one side only: renewal" in row["evidence"]
    row = sizes("Office Home & Business 2021 (Upgrade)")
    assert row["right_id"] == "s5" and not row["conflict"]
    assert "same offer (upgrade)" in row["evidence"]
    row = sizes("Office Home and Business 2021")
    assert row["right_id"] == "s5" and "one side only: upgrade" in row["evidence"]


def test_a_word_in_place_of_another_costs_more_than_added_words() -> None:
    # "Card Games" is not "Board Games"; "Card Games Collection" only says more
    right = pd.DataFrame([{"id": "b", "name": "Hoyle Board Games 2011"},
                          {"id": "c", "name": "Hoyle Card Games 2011 Casual Collection"}])
    m = match_frames(pd.DataFrame([{"id": "p", "name": "Hoyle Card Games 2011"}]), right,
                     "products", threshold=0)
    assert best(m)["right_id"] == "c"
    # the same for company names: "Kamiro Electrical" is another business
    right = pd.DataFrame([{"id": "e", "name": "Kamiro Electrical"},
                          {"id": "s", "name": "Kamiro Plumbing Services Perth"}])
    m = match_frames(pd.DataFrame([{"id": "p", "name": "Kamiro Plumbing"}]), right,
                     "customers", threshold=0)
    assert best(m)["right_id"] == "s"
