"""match_frames: exact, normalised and ambiguous cases, each evidence rule, one-to-one,
score bounds, bad frames, and the workspace adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchkit._exceptions import MatchConfigError
from matchkit.matching import AUTO_ACCEPT, OUTPUT_COLUMNS, auto_accepted, match_frames
from matchkit.sources import atera_frame, suggest, xero_frame
from matchkit.store import Workspace

SEED = Path(__file__).resolve().parent.parent / "data" / "seed"


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def top1(m: pd.DataFrame, left_id: str) -> pd.Series:
    return m[(m["left_id"] == left_id) & (m["rank"] == 1)].iloc[0]


# a neutral background of right names so that scores are not about an empty world
BACKGROUND = [{"id": f"bg{i}", "name": n} for i, n in enumerate([
    "Harbour Dental Pty Ltd", "Northern Roofing", "Summit Physio", "Golden Bakery",
    "Metro Printing Services", "Valley Vets", "Coastal Cleaning Co", "Prime Legal",
])]


def test_output_columns_and_types() -> None:
    m = match_frames(frame([{"id": 1, "name": "Acme Pty Ltd"}]),
                     frame([{"id": "x", "name": "ACME PTY LTD"}, *BACKGROUND]), "customers")
    assert tuple(m.columns) == OUTPUT_COLUMNS
    row = m.iloc[0]
    assert (row["left_id"], row["right_id"], row["rank"]) == ("1", "x", 1)
    assert 0 <= row["score"] <= 100


def test_exact_name_is_exact_and_auto_accepted() -> None:
    m = match_frames(frame([{"id": "a", "name": "Acme Pty Ltd"}]),
                     frame([{"id": "x", "name": "acme  pty ltd"}, *BACKGROUND]), "customers")
    row = top1(m, "a")
    assert row["method"] == "exact" and not row["ambiguous"] and row["proposed"]
    assert row["score"] >= AUTO_ACCEPT
    assert "same name" in row["evidence"]
    assert list(auto_accepted(m)["right_id"]) == ["x"]


def test_normalised_name_names_the_removed_suffix() -> None:
    m = match_frames(frame([{"id": "a", "name": "Acme Plumbing Pty Ltd"}]),
                     frame([{"id": "x", "name": "Acme Plumbing LLC"}, *BACKGROUND]), "customers")
    row = top1(m, "a")
    assert row["method"] == "normalised" and row["right_id"] == "x"
    assert "'pty ltd'" in row["evidence"] and "'llc'" in row["evidence"]


def test_same_name_twice_on_the_right_is_ambiguous_never_auto() -> None:
    right = frame([{"id": "x1", "name": "Acme Plumbing"}, {"id": "x2", "name": "ACME Plumbing"},
                   *BACKGROUND])
    m = match_frames(frame([{"id": "a", "name": "Acme Plumbing"}]), right, "customers")
    both = m[m["right_id"].isin(["x1", "x2"])]
    assert len(both) == 2 and both["ambiguous"].all()
    assert auto_accepted(m).empty
    assert "ambiguous" in both.iloc[0]["evidence"]


def test_same_name_twice_on_the_left_is_ambiguous() -> None:
    left = frame([{"id": "a1", "name": "Acme Plumbing"}, {"id": "a2", "name": "Acme Plumbing Ltd"}])
    m = match_frames(left, frame([{"id": "x", "name": "Acme Plumbing"}, *BACKGROUND]),
                     "customers")
    on_x = m[m["right_id"] == "x"]
    assert len(on_x) == 2 and on_x["ambiguous"].all()
    # one-to-one: x is proposed for one left row only
    assert on_x["proposed"].sum() == 1


def test_evidence_breaks_a_tie_between_namesakes() -> None:
    right = frame([
        {"id": "syd", "name": "Kamiro Plumbing", "city": "Sydney", "phone": "+61 2 9000 1111"},
        {"id": "mel", "name": "Kamiro Plumbing", "city": "Melbourne",
         "phone": "+61 3 9000 2222"},
        *BACKGROUND,
    ])
    left = frame([{"id": "a", "name": "Kamiro Plumbing Pty Ltd", "city": "Melbourne",
                   "phone": "(03) 9000 2222"}])
    m = match_frames(left, right, "customers", threshold=0)
    row = top1(m, "a")
    assert row["right_id"] == "mel"
    assert "same phone number" in row["evidence"] and "same city" in row["evidence"]
    other = m[m["right_id"] == "syd"].iloc[0]
    assert other["score"] < row["score"]
    assert "different phone numbers" in other["evidence"]


@pytest.mark.parametrize(
    ("left_extra", "right_extra", "words"),
    [
        ({"domain": "kamiro.com.au"}, {"email": "accounts@kamiro.com.au"},
         "same web/e-mail domain kamiro.com.au"),
        ({"domain": "kamiro.com.au"}, {"website": "https://www.kamiro.com.au/about"},
         "same web/e-mail domain kamiro.com.au"),
        ({"phone": "+61 2 9000 1111"}, {"phone": "02 9000 1111"}, "same phone number"),
        ({"tax_number": "51 824 753 556"}, {"tax_number": "51824753556"},
         "same tax number 51824753556"),
        ({"city": "Sydney"}, {"city": "SYDNEY"}, "same city sydney"),
        ({"country": "Australia"}, {"country": "australia"}, "same country australia"),
    ],
)
def test_each_customer_evidence_rule_agrees(left_extra: dict[str, str],
                                            right_extra: dict[str, str], words: str) -> None:
    left = frame([{"id": "a", "name": "Kamiro Plumbing", **left_extra}])
    right = frame([{"id": "x", "name": "Kamiro Plumbing Services", **right_extra},
                   *BACKGROUND])
    base = match_frames(frame([{"id": "a", "name": "Kamiro Plumbing"}]),
                        frame([{"id": "x", "name": "Kamiro Plumbing Services"}, *BACKGROUND]),
                        "customers")
    m = match_frames(left, right, "customers")
    row = top1(m, "a")
    assert words in row["evidence"]
    assert row["score"] >= top1(base, "a")["score"]  # agreement never lowers a score


@pytest.mark.parametrize(
    ("left_extra", "right_extra", "words"),
    [
        ({"domain": "kamiro.com.au"}, {"email": "jo@other.com"}, "different web domains"),
        ({"tax_number": "51 824 753 556"}, {"tax_number": "11 111 111 111"},
         "different tax numbers"),
        ({"city": "Sydney"}, {"city": "Perth"}, "different cities"),
    ],
)
def test_each_customer_evidence_rule_disagrees(left_extra: dict[str, str],
                                               right_extra: dict[str, str], words: str) -> None:
    left = frame([{"id": "a", "name": "Kamiro Plumbing", **left_extra}])
    right = frame([{"id": "x", "name": "Kamiro Plumbing Services", **right_extra},
                   *BACKGROUND])
    row = top1(match_frames(left, right, "customers", threshold=0), "a")
    assert words in row["evidence"]


def test_free_mail_domains_are_not_evidence() -> None:
    left = frame([{"id": "a", "name": "Kamiro Plumbing", "email": "kamiro@gmail.com"}])
    right = frame([{"id": "x", "name": "Kamiro Plumbing", "email": "bob@gmail.com"},
                   *BACKGROUND])
    row = top1(match_frames(left, right, "customers"), "a")
    assert "domain" not in row["evidence"]


PRODUCTS = [
    {"id": "i1", "name": "M365 Business Premium", "code": "M365-BP", "price": 38.12,
     "description": "Microsoft 365 Business Premium, monthly"},
    {"id": "i2", "name": "M365 Business Standard", "code": "M365-BS", "price": 20.90},
    {"id": "i3", "name": "Sony Turntable PS-LX350H", "code": "SONY-TT", "price": 99.0},
    {"id": "i4", "name": "Remote Support (hourly)", "code": "LAB-REM", "price": 140.0},
]


def test_product_code_and_price_evidence() -> None:
    left = frame([{"id": "product:1", "name": "Microsoft 365 Business Premium (monthly)",
                   "sku": "m365 bp", "price": "38.12"}])
    row = top1(match_frames(left, frame(PRODUCTS), "products"), "product:1")
    assert row["right_id"] == "i1" and row["method"] == "evidence"
    assert "same code/SKU m365bp" in row["evidence"]
    assert "same price (38.12 vs 38.12)" in row["evidence"]


def test_product_model_number_in_name_is_evidence() -> None:
    left = frame([{"id": "product:2", "name": "Turntable PSLX350H belt drive", "price": "99"}])
    row = top1(match_frames(left, frame(PRODUCTS), "products"), "product:2")
    assert row["right_id"] == "i3"
    assert "shared model number pslx350h" in row["evidence"]


def test_product_price_far_apart_and_description() -> None:
    left = frame([{"id": "p", "name": "M365 Business Premium", "price": "380",
                   "description": "Microsoft 365 Business Premium monthly"}])
    row = top1(match_frames(left, frame(PRODUCTS), "products", threshold=0), "p")
    assert row["right_id"] == "i1"
    assert "prices far apart" in row["evidence"]
    assert "descriptions" in row["evidence"] and "similar" in row["evidence"]


def test_one_to_one_gives_the_contested_record_to_the_better_row() -> None:
    left = frame([{"id": "a", "name": "Kamiro Plumbing Pty Ltd"},
                  {"id": "b", "name": "Kamiro Plumbin"}])
    right = frame([{"id": "x", "name": "Kamiro Plumbing"}, *BACKGROUND])
    m = match_frames(left, right, "customers")
    proposed = m[m["proposed"]]
    assert proposed["right_id"].is_unique
    assert proposed.set_index("left_id").loc["a", "right_id"] == "x"


def test_top_and_threshold_limit_rows() -> None:
    left = frame([{"id": "a", "name": "Golden Roofing"}])
    m = match_frames(left, frame(BACKGROUND), "customers", top=1, threshold=0)
    assert m["rank"].tolist() == [1]
    m = match_frames(left, frame(BACKGROUND), "customers", top=2, threshold=0)
    assert m["rank"].tolist() == [1, 2]
    assert set(m["right_id"]) == {"bg1", "bg3"}
    assert match_frames(left, frame(BACKGROUND), "customers", top=2, threshold=100
                        ).shape[0] <= 1


@pytest.mark.parametrize(
    ("left", "right", "kwargs", "message"),
    [
        (pd.DataFrame({"name": ["a"]}), pd.DataFrame({"id": [1], "name": ["a"]}), {},
         "left: missing column 'id'"),
        (pd.DataFrame({"id": [1], "name": ["a"]}), pd.DataFrame({"id": [1]}), {},
         "right: missing column 'name'"),
        (pd.DataFrame({"id": [1, 1], "name": ["a", "b"]}),
         pd.DataFrame({"id": [1], "name": ["a"]}), {}, "left: duplicate id '1' at row 2"),
        (pd.DataFrame({"id": [1], "name": ["a"]}), pd.DataFrame({"id": [1], "name": ["a"]}),
         {"kind": "vendors"}, "kind must be"),
        (pd.DataFrame({"id": [1], "name": ["a"]}), pd.DataFrame({"id": [1], "name": ["a"]}),
         {"top": 0}, "top must be"),
        (pd.DataFrame({"id": [1], "name": ["a"]}), pd.DataFrame({"id": [1], "name": ["a"]}),
         {"threshold": 101}, "threshold must be"),
    ],
)
def test_bad_frames_are_refused_clearly(left: pd.DataFrame, right: pd.DataFrame,
                                        kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MatchConfigError, match=message):
        match_frames(left, right, **kwargs)  # type: ignore[arg-type]


def test_empty_sides_give_an_empty_result() -> None:
    empty = pd.DataFrame({"id": [], "name": []})
    assert match_frames(empty, frame(BACKGROUND), "customers").empty
    assert match_frames(frame(BACKGROUND), empty, "products").empty


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(names, min_size=1, max_size=6), st.lists(names, min_size=1, max_size=6),
       st.sampled_from(["customers", "products"]))
def test_scores_are_within_0_and_100_and_one_to_one(left: list[str], right: list[str],
                                                    kind: str) -> None:
    lf = pd.DataFrame({"id": range(len(left)), "name": left})
    rf = pd.DataFrame({"id": range(len(right)), "name": right})
    m = match_frames(lf, rf, kind, threshold=0)
    assert m["score"].between(0, 100).all()
    assert m.loc[m["proposed"], "right_id"].is_unique
    assert m.loc[m["proposed"], "left_id"].is_unique
    assert (m.groupby("left_id")["rank"].min() == 1).all()


@pytest.mark.skipif(not (SEED / "truth.json").exists(), reason="data/seed not generated")
def test_workspace_frames_and_suggestions_on_the_demo_seed() -> None:
    atera = json.loads((SEED / "atera_demo.json").read_text())
    xero = json.loads((SEED / "xero_demo.json").read_text())
    ws = Workspace.open()
    for entity in ("customers", "contacts", "products", "expenses", "contracts"):
        ws.write_snapshot("atera", entity, atera[entity])
    ws.write_snapshot("xero", "contacts", xero["Contacts"])
    ws.write_snapshot("xero", "items", xero["Items"])
    left = atera_frame(ws, "customers")
    assert len(left) == len(atera["customers"]) and left["id"].is_unique
    right = xero_frame(ws, "customers")
    archived = {c["ContactID"] for c in xero["Contacts"] if c.get("ContactStatus") == "ARCHIVED"}
    assert not archived & set(right["id"])
    assert archived <= set(xero_frame(ws, "customers", include_archived=True)["id"])
    products = atera_frame(ws, "products")
    assert {i.split(":")[0] for i in products["id"]} == {"product", "expense", "rate"}
    m = suggest(ws, "customers", top=3)
    assert set(m["left_id"]) <= set(left["id"]) and set(m["right_id"]) <= set(right["id"])
    truth = json.loads((SEED / "truth.json").read_text())
    pairs = {(str(t["atera_id"]), t["xero_id"]) for t in truth["customers"] if t["xero_id"]}
    auto = auto_accepted(m)
    correct = sum((a, b) in pairs for a, b in zip(auto["left_id"], auto["right_id"],
                                                  strict=True))
    assert len(auto) > 0 and correct / len(auto) >= 0.95
