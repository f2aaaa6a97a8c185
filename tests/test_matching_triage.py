"""Link keys, identifiers as candidates, and which rows are clearly new (matching, pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from matchkit.matching import CLEARLY_NEW, NewBar, acronyms, match_frames, similar_names, triage


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_link_keys_come_first_and_hold_their_record() -> None:
    left = _frame([{"id": "1", "name": "Acme Plumbing", "key": "ATERA-1"},
                   {"id": "2", "name": "Acme Plumbing Supplies", "key": "ATERA-2"},
                   {"id": "3", "name": "Brand New Bakery", "key": "ATERA-3"}])
    right = _frame([{"id": "x", "name": "Renamed By Accounts", "key": "atera-1"},
                    {"id": "y", "name": "Acme Plumbing Supplies", "key": "ATERA-7"},
                    {"id": "z", "name": "Zebra Crossings", "key": ""}])
    m = match_frames(left, right, "customers")
    one = m[m["left_id"] == "1"]
    assert one[["right_id", "method", "score", "proposed"]].values.tolist() == [
        ["x", "link", 100.0, True]]  # no name compared
    two = m[m["left_id"] == "2"].set_index("right_id")
    # the same name, but carrying another record's key: shown, never proposed
    assert two.loc["y", "method"] == "exact" and not two.loc["y", "proposed"]
    assert two.loc["y", "conflict"] and "linked to another record (ATERA-7)" in \
        two.loc["y", "evidence"]
    t = triage(m, left, right).set_index("left_id")
    assert t.loc["1", "status"] == "link" and t.loc["2", "status"] == "review"
    assert t.loc["3", "status"] == "new"


def test_a_key_on_two_records_is_for_a_person() -> None:
    left = _frame([{"id": "1", "name": "Acme", "key": "ATERA-1"}])
    right = _frame([{"id": "x", "name": "Acme A", "key": "ATERA-1"},
                    {"id": "y", "name": "Acme B", "key": "ATERA-1"}])
    m = match_frames(left, right, "customers")
    assert m["ambiguous"].all() and not m["proposed"].any()
    assert triage(m, left, right)["status"].tolist() == ["review"]


def test_a_shared_identifier_makes_a_candidate_whatever_the_names() -> None:
    left = _frame([{"id": "1", "name": "Murphy & Thompson Architects Pty Ltd",
                    "tax_number": "16 246 362 513", "email": "a@mtarch.com.au"}])
    right = _frame([{"id": "x", "name": "MTA Pty Ltd", "tax_number": "16246362513"},
                    {"id": "y", "name": "Zebra Crossings", "tax_number": ""}])
    m = match_frames(left, right, "customers")
    assert m[["right_id", "method"]].values.tolist() == [["x", "evidence"]]
    assert m["score"].iloc[0] < 30  # kept below the threshold: a person must see it
    assert not m["proposed"].iloc[0]  # ... but not picked for them
    assert triage(m, left, right)["status"].tolist() == ["review"]


def test_the_same_name_is_kept_below_the_threshold_and_never_clearly_new() -> None:
    left = _frame([{"id": "p1", "name": "Managed Firewall", "code": "FW-1", "price": "49.5"}])
    right = _frame([{"id": "a", "name": "Managed Firewall", "code": "FW-1", "price": "49.5"},
                    {"id": "b", "name": "managed firewall", "code": "FW-OLD",
                     "price": "900"}])
    m = match_frames(left, right, "products", threshold=90)
    assert set(m["right_id"]) == {"a", "b"}
    t = triage(m, left, right)
    assert t["status"].tolist() == ["review"]  # two records of the very name
    assert "ambiguous" in t["reason"].iloc[0]


def test_what_matching_keeps_is_what_the_bar_reads() -> None:
    from matchkit.matching._match import KEEP_ALONE

    # a candidate below the threshold that the bar would still call plausible is kept
    assert all(b.alone >= KEEP_ALONE for b in CLEARLY_NEW.values())


def test_alone_is_the_score_without_rivals() -> None:
    left = _frame([{"id": "1", "name": "Capital Hair Studio Partners"}])
    twins = _frame([{"id": "a", "name": "Capital Hair Studio Company"},
                    {"id": "b", "name": "Capital Hair Studio Group"}])
    m = match_frames(left, twins, "customers", threshold=0)
    assert (m["alone"] >= m["score"]).all()
    single = match_frames(left, twins.iloc[[0]], "customers", threshold=0)
    assert single["alone"].iloc[0] == pytest.approx(
        m.set_index("right_id").loc["a", "alone"], abs=0.2)
    assert single["score"].iloc[0] > m.set_index("right_id").loc["a", "score"]


def test_triage_statuses_and_reasons() -> None:
    left = _frame([{"id": "1", "name": "Harbour View Dental"},
                   {"id": "2", "name": "Blue Sky Dental"},
                   {"id": "3", "name": "Kestrel Roofing"},
                   {"id": "4", "name": "Zyxwvut Quokka Joinery"}])
    right = _frame([{"id": "a", "name": "harbour  view dental"},
                    {"id": "b", "name": "Blue Sky Dental Pty Ltd"},
                    {"id": "c", "name": "Kestrel Roofing Group"},
                    {"id": "c2", "name": "Kestrel Roofing Services"},
                    {"id": "d", "name": "Zebra Crossings"}])
    t = triage(match_frames(left, right, "customers"), left, right).set_index("left_id")
    assert t.loc["1", "status"] == "exact" and t.loc["1", "right_id"] == "a"
    assert t.loc["2", "status"] == "safe" and "Blue Sky Dental Pty Ltd" in t.loc["2", "reason"]
    assert t.loc["3", "status"] == "review" and t.loc["3", "right_id"] in ("c", "c2")
    assert t.loc["4", "status"] == "new" and t.loc["4", "reason"].startswith("nothing like it")


def test_what_the_bar_catches_beyond_scores() -> None:
    # glued words, plurals, acronyms: no candidate scores, yet each is plausible
    left = pd.Series(["ViruseRoofing", "Tolls", "MTA Pty Ltd", "Wattle Logistics Group Pty Ltd"])
    right_c = pd.Series(["Virus Roofing GmbH", "Murphy & Thompson Architects", "WLG Pty Ltd"])
    at, sim = similar_names(left.iloc[[0]], right_c, "customers")
    assert at[0] == 0 and sim[0] >= CLEARLY_NEW["customers"].similar
    at, sim = similar_names(left.iloc[[1]], pd.Series(["Toll Charges", "Parking"]), "products",
                            "set")
    assert at[0] == 0 and sim[0] >= CLEARLY_NEW["products"].similar
    assert acronyms(left.iloc[2:], right_c).tolist() == [1, 2]


def test_a_stricter_bar_leaves_more_for_a_person() -> None:
    left = _frame([{"id": "1", "name": "Kestrel Roofing"}])
    right = _frame([{"id": "c", "name": "Kestrel Roofing Group"},
                    {"id": "c2", "name": "Kestrel Roofing Services"}])
    m = match_frames(left, right, "customers", threshold=0)
    assert triage(m, left, right, bar=NewBar(101, 101, "sort"))["status"].tolist() == ["new"]
    assert triage(m, left, right, bar=NewBar(0, 101, "sort"))["status"].tolist() == ["review"]


def test_a_pair_kept_below_the_threshold_for_a_person_is_not_proposed() -> None:
    left = _frame([{"id": "1", "name": "Capital Hair Studio Partners"}])
    twins = _frame([{"id": "a", "name": "Capital Hair Studio Company"},
                    {"id": "b", "name": "Capital Hair Studio Group"}])
    m = match_frames(left, twins, "customers", threshold=95)
    # kept because each would score high without its twin; neither reaches the threshold
    assert len(m) and (m["score"] < 95).all() and (m["alone"] >= 90).all()
    assert not m["proposed"].any()
    assert triage(m, left, twins)["status"].tolist() == ["review"]
    # at a threshold it reaches, the best of them is the pick
    assert match_frames(left, twins, "customers", threshold=0)["proposed"].sum() == 1
