"""The review model: filters, row actions, bulk actions with preview, undo, counts."""

from __future__ import annotations

import pandas as pd
import pytest
from _review_fixtures import build, xero_id

from matchkit import InputError
from matchkit.review import Review, ReviewFilter, atera_records
from matchkit.store import Workspace


@pytest.fixture
def review() -> Review:
    ws, sugg = build(40)
    return Review(ws, "customers", sugg, who="tester")


def _log(r: Review) -> pd.DataFrame:
    return r.ws.decision_history("customers")


def test_one_row_per_atera_record_with_its_best_candidate(review: Review) -> None:
    rows = review.rows().set_index("atera_id")
    assert len(rows) == 40
    assert rows.loc["4", "xero_id"] == xero_id(4)
    assert rows.loc["4", "score"] == 96.0
    assert rows.loc["4", "candidates"] == 2
    assert rows.loc["9", "xero_id"] == "" and rows.loc["9", "candidates"] == 0
    assert bool(rows.loc["3", "ambiguous"]) and not bool(rows.loc["4", "ambiguous"])


def test_filters_combine(review: Review) -> None:
    v = review.set_filter(score_min=90, score_max=95)
    assert sorted(v["score"].unique()) == [90.0, 92.0, 93.0, 94.0, 95.0]  # 91 (row 9) has none
    v = review.set_filter(ReviewFilter(methods=("fuzzy",)))
    assert set(v["method"]) == {"fuzzy"} and len(v) > 0
    v = review.set_filter(ReviewFilter(ambiguous=True))
    assert set(v["atera_id"]) == {str(i) for i in range(40) if i % 7 == 3}
    v = review.set_filter(ReviewFilter(text="00012"))
    assert list(v["atera_id"]) == ["12"]
    review.accept("12")
    assert "12" not in set(review.set_filter(ReviewFilter(undecided=True))["atera_id"])
    assert list(review.set_filter(ReviewFilter(undecided=False))["atera_id"]) == ["12"]


def test_sort_and_pages(review: Review) -> None:
    review.sort("score", ascending=True)
    v = review.view()
    scores = v["score"].dropna().tolist()
    assert scores == sorted(scores)
    assert v["score"].iloc[-1] != v["score"].iloc[-1]  # rows without a candidate go last
    assert review.page_count(15) == 3
    assert len(review.page(2, 15)) == 10
    assert review.page(0, 15)["atera_id"].tolist() == v["atera_id"].iloc[:15].tolist()
    with pytest.raises(InputError, match="cannot sort"):
        review.sort("nope")


def test_row_actions_are_logged_and_counted(review: Review) -> None:
    assert review.accept("0") == 1
    assert review.create("9") == 1
    assert review.leave_unmatched("19") == 1
    assert review.accept("1", xero_id=xero_id(45)) == 1  # any Xero record, by hand
    cur = review.ws.current_decisions("customers").set_index("atera_id")
    assert cur.loc["0", "action"] == "match" and cur.loc["0", "xero_id"] == xero_id(0)
    assert cur.loc["0", "method"] == "exact" and cur.loc["0", "who"] == "tester"
    assert cur.loc["1", "method"] == "manual" and cur.loc["1", "xero_id"] == xero_id(45)
    assert cur.loc["9", "action"] == "create" and cur.loc["19", "action"] == "unmatch"
    c = review.counts()
    assert (c.total, c.decided, c.undecided, c.accepted, c.created, c.unmatched) == (
        40, 4, 36, 2, 1, 1)
    assert review.accept("0") == 0  # the same decision again writes nothing
    assert len(_log(review)) == 4


def test_two_atera_rows_cannot_take_one_xero_record(review: Review) -> None:
    review.accept("0")
    with pytest.raises(InputError, match="already matched to Atera 0"):
        review.accept("5", xero_id=xero_id(0))
    with pytest.raises(InputError, match="unknown Xero id"):
        review.accept("5", xero_id="not-a-contact")
    assert len(_log(review)) == 1


def test_reject_shows_next_candidate_and_undo_brings_it_back(review: Review) -> None:
    assert review.row("2")["xero_id"] == xero_id(2)
    review.reject("2")
    row = review.row("2")
    assert row["xero_id"] == xero_id(3) and row["decision"] == ""
    assert row["rejected"] == (xero_id(2),)
    assert review.counts().rejected == 1
    assert "2" not in set(review.ws.current_decisions("customers")["atera_id"])
    review.reject("2")
    assert review.row("2")["xero_id"] == ""
    with pytest.raises(InputError, match="no candidate"):
        review.accept("2")
    review.undo()
    assert review.row("2")["xero_id"] == xero_id(3)
    review.undo()
    assert review.row("2")["xero_id"] == xero_id(2) and review.row("2")["rejected"] == ()
    # A fresh review over the same log sees the same state.
    review.reject("2")
    again = Review(review.ws, "customers", build(40)[1])
    assert again.row("2")["xero_id"] == xero_id(3)


def test_bulk_accept_previews_then_applies_and_undo_restores(review: Review) -> None:
    review.accept("0")
    review.set_filter(score_min=95)
    p = review.preview("accept", score_min=97)
    # Rows 1..3 score 99..97; row 0 is already decided; row 3 is ambiguous (by hand only).
    assert p.count == 2 and set(p.atera_ids) == {"1", "2"}
    assert p.skipped == {"0": "already decided", "3": "ambiguous: choose by hand"}
    assert list(p.sample["atera_id"]) == ["1", "2"]
    assert "2 rows will change (2 skipped)" in str(p)
    assert len(_log(review)) == 1  # a preview writes nothing
    p = review.preview("accept", score_min=97, include_ambiguous=True)
    assert p.count == 3
    assert review.apply(p) == 3
    cur = review.ws.current_decisions("customers").set_index("atera_id")
    assert set(cur.index) == {"0", "1", "2", "3"}
    assert (cur.loc[["1", "2", "3"], "method"] == "bulk").all()
    assert review.counts().accepted == 4
    assert review.undo() == 3
    assert set(review.ws.current_decisions("customers")["atera_id"]) == {"0"}
    assert review.counts().accepted == 1
    assert len(_log(review)) == 1 + 3 + 3  # the mistake and its correction are both kept
    review.undo()
    assert review.ws.current_decisions("customers").empty
    with pytest.raises(InputError, match="nothing to undo"):
        review.undo()


def test_bulk_accept_skips_rows_that_would_share_a_xero_record(review: Review) -> None:
    review.reject("4")  # row 4's next candidate is contact 5, which row 5 also shows first
    p = review.preview("accept", score_min=80)
    assert {"4", "5"} <= set(p.skipped)
    assert "same Xero record" in p.skipped["4"]
    review.accept("6")
    review.reject("5")  # now row 5 shows contact 6, already matched to row 6
    p = review.preview("accept", score_min=80)
    assert p.skipped["5"] == "Xero record already matched to Atera 6"
    review.apply(p)
    cur = review.ws.current_decisions("customers")
    assert not cur["xero_id"].duplicated().any()


def test_bulk_other_actions(review: Review) -> None:
    review.set_filter(ReviewFilter(text="0000"))  # customers 0..9
    p = review.preview("create")
    assert p.count == 10
    review.apply(p)
    assert review.counts().created == 10
    p = review.preview("clear")
    assert p.count == 10
    review.apply(p)
    assert review.counts().decided == 0
    p = review.preview("unmatch", atera_ids=["20", "21"])
    assert review.apply(p) == 2 and review.counts().unmatched == 2


def test_preview_refused_when_rows_changed_in_between(review: Review) -> None:
    other = Review(review.ws, "customers", build(40)[1])
    p = review.preview("accept", score_min=98)
    other.leave_unmatched("1")  # another notebook decides a row of the preview
    with pytest.raises(InputError, match="changed since"):
        review.apply(p)
    assert len(_log(review)) == 1  # nothing of the bulk action was written
    review.refresh()
    assert review.row("1")["decision"] == "unmatch"
    assert review.apply(review.preview("accept", score_min=98)) == 2  # rows 0 and 2 now


def test_keyboard_style_navigation(review: Review) -> None:
    review.set_filter(score_min=97)
    ids = review.view()["atera_id"].tolist()
    assert review.next() == ids[0]
    assert review.next() == ids[1]
    assert review.previous() == ids[0]
    assert review.previous() == ids[0]  # stays on the first row
    review.accept()  # the selected row
    assert review.row(ids[0])["decision"] == "match"


def test_candidates_and_search(review: Review) -> None:
    review.accept("3")
    c = review.candidates("2")
    assert c["xero_id"].tolist() == [xero_id(2), xero_id(3)]
    assert c["taken_by"].tolist() == ["", "3"]
    hits = review.search("customer 00045")
    assert hits["xero_id"].iloc[0] == xero_id(45)
    assert review.search("   ").empty


def test_scores_by_method_follow_the_filter(review: Review) -> None:
    all_ = review.scores_by_method()
    assert set(all_) == {"exact", "normalised", "fuzzy", "evidence"}
    assert sum(len(v) for v in all_.values()) == 36
    review.set_filter(methods=["fuzzy"])
    assert set(review.scores_by_method()) == {"fuzzy"}


def test_bad_inputs_are_named(review: Review) -> None:
    with pytest.raises(InputError, match="unknown Atera customer id '999'"):
        review.accept("999")
    with pytest.raises(InputError, match="no row selected"):
        review.accept()
    with pytest.raises(InputError, match="unknown bulk action"):
        review.preview("delete")
    with pytest.raises(InputError, match="unknown kind"):
        Review(review.ws, "invoices", build(2)[1])
    with pytest.raises(InputError, match="no products suggestions"):
        Review.from_workspace(review.ws, "products")


def test_atera_records_without_any_suggestion_are_rows_too() -> None:
    ws, sugg = build(20)
    sugg = sugg[sugg["right_id"].notna()]  # match_frames leaves such records out
    assert "9" not in set(sugg["left_id"])
    r = Review(ws, "customers", sugg, atera=atera_records(ws, "customers"))
    assert len(r.rows()) == 20
    assert r.row("9")["xero_id"] == "" and r.row("9")["atera_name"] == "Customer 00009 Ltd"
    ws.record_suggestions("customers", sugg)
    assert len(Review.from_workspace(ws, "customers").rows()) == 20


def test_products_cover_products_expenses_and_labour_rates(tmp_path) -> None:
    ws = Workspace.open(tmp_path / "p.duckdb")
    ws.write_snapshot("atera", "products", [
        {"RateID": 1, "Description": "Managed backup", "Amount": 10},
        {"RateID": 2, "Description": "Old thing", "Archived": True}])
    ws.write_snapshot("atera", "expenses", [{"RateID": 7, "Description": "Travel"}])
    ws.write_snapshot("xero", "items", [
        {"ItemID": "i-1", "Code": "BKP", "Name": "Managed Backup"},
        {"ItemID": "i-2", "Code": "TRAVEL"}])
    sugg = pd.DataFrame([{"left_id": "product:1", "left_name": "Managed backup",
                          "right_id": "i-1", "right_name": "Managed Backup", "score": 97.0,
                          "method": "normalised", "rank": 1, "ambiguous": False,
                          "evidence": "same name"}])
    ws.record_suggestions("products", sugg)
    r = Review.from_workspace(ws, "products")
    assert set(r.rows()["atera_id"]) == {"product:1", "expense:7"}  # archived left out
    assert r.search("travel")["xero_id"].iloc[0] == "i-2"  # an item without a Name: its Code
    r.accept("expense:7", xero_id="i-2")
    assert r.apply(r.preview("accept", score_min=95)) == 1
    cur = ws.current_decisions("products").set_index("atera_id")
    assert cur.loc["product:1", "xero_id"] == "i-1" and cur.loc["expense:7", "xero_id"] == "i-2"
    out = tmp_path / "p.csv"
    r.export_csv(out)
    assert Review.from_workspace(ws, "products").apply_csv(out).changed == 0


def test_rows_come_in_the_order_people_count() -> None:
    """Atera's numeric customer ids by number, other ids by their text and numbers."""
    from matchkit.review._types import natural_sorted

    assert natural_sorted(["10", "9", "100", "09", "1"]) == ["1", "9", "09", "10", "100"]
    assert natural_sorted(["rate:10", "product:2", "product:10", "expense:1", "product:9"]) == [
        "expense:1", "product:2", "product:9", "product:10", "rate:10"]
    assert natural_sorted(["12", "²", "3"]) == ["3", "12", "²"]  # a digit only Unicode knows
    ws, sugg = build(12)
    assert Review(ws, "customers", sugg).rows()["atera_id"].tolist() == [
        str(i) for i in range(12)]


def test_the_xero_records_to_pick_from_are_matchings_own(tmp_path) -> None:
    """The review reads only the ids and names of the Xero snapshot (xero_names), the same
    ones matching's frame has, archived contacts and code-only items too."""
    from matchkit.sources import xero_frame, xero_names

    ws, sugg = build(20, path=str(tmp_path / "w.duckdb"), extra_xero=5)
    ws.write_snapshot("xero", "contacts", [
        {"ContactID": xero_id(i), "Name": f"Customer {i:05d} Limited",
         "ContactStatus": "ARCHIVED" if i == 22 else "ACTIVE"} for i in range(25)])
    ws.write_snapshot("xero", "items", [{"ItemID": "i-1", "Code": "BKP", "Name": "Backup"},
                                        {"ItemID": "i-2", "Code": "TRAVEL"}])
    for kind in ("customers", "products"):
        full = xero_frame(ws, kind, include_archived=True)[["id", "name"]]
        pd.testing.assert_frame_equal(xero_names(ws, kind), full)
    assert xero_names(ws, "products")["name"].tolist() == ["Backup", "TRAVEL"]
    ws.record_suggestions("customers", sugg)
    r = Review.from_workspace(ws, "customers")
    archived = xero_id(22)  # no suggestion names it
    assert archived not in set(sugg["right_id"])
    assert r.search(archived)["xero_id"].iloc[0] == archived
    r.accept("3", xero_id=archived)
    again = Review.from_workspace(ws, "customers")
    assert again.row("3")["decided_xero_name"] == "Customer 00022 Limited"
