"""``matchkit match``: CSV round trip, and bad files refused with file, row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from matchkit.cli import main

LEFT = (
    "id,name,domain,phone,city\n"
    "101,Smith & Jones Accountants Pty Ltd,smithjones.com.au,+61 2 3920 2940,Wollongong\n"
    "102,Kamiro Plumbing,,,Sydney\n"
    "103,Zyxwv Quantum Holdings,,,\n"
)
RIGHT = (
    "id,name,email,phone,city\n"
    "c1,Smith and Jones Accountants,accounts@smithjones.com.au,02 3920 2940,Wollongong\n"
    "c2,Kamiro Plumbing Services Pty Ltd,,,Sydney\n"
    "c3,Harbour Dental,,,Perth\n"
)


def run(tmp_path: Path, left: str | bytes, right: str | bytes = RIGHT,
        *extra: str) -> tuple[int, str, Path]:
    lp, rp, out = tmp_path / "left.csv", tmp_path / "right.csv", tmp_path / "out" / "m.csv"
    out.parent.mkdir(exist_ok=True)
    for p, text in ((lp, left), (rp, right)):
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    res = CliRunner().invoke(main, ["match", str(lp), str(rp), "--kind", "customers",
                                    "-o", str(out), *extra])
    return res.exit_code, res.output, out


def test_round_trip(tmp_path: Path) -> None:
    code, output, out = run(tmp_path, LEFT, RIGHT, "--top", "2")
    assert code == 0, output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["left_id", "right_id", "score", "method", "rank", "ambiguous",
                             "evidence"]
    by_left: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_left.setdefault(r["left_id"], []).append(r)
    assert list(by_left) == ["101", "102", "103"]  # left order kept
    first = by_left["101"][0]
    assert first["right_id"] == "c1" and first["rank"] == "1"
    assert "same web/e-mail domain smithjones.com.au" in first["evidence"]
    assert by_left["102"][0]["right_id"] == "c2"
    assert all(len(v) <= 2 for v in by_left.values())
    # no candidate at all: one row, empty right_id
    assert len(by_left["103"]) == 1 and by_left["103"][0]["right_id"] == ""
    assert 0 <= float(first["score"]) <= 100


def test_threshold_100_leaves_rows_without_candidates(tmp_path: Path) -> None:
    code, output, out = run(tmp_path, LEFT, RIGHT, "--threshold", "100")
    assert code == 0, output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["left_id"] for r in rows} == {"101", "102", "103"}
    assert all(r["right_id"] == "" or float(r["score"]) >= 100 for r in rows)


@pytest.mark.parametrize(
    ("left", "message"),
    [
        ("", "left.csv: the file is empty"),
        ("id,name\n", "left.csv: no data rows"),
        ("code,name\n1,a\n", "left.csv: row 1: missing column 'id'"),
        ("id,title\n1,a\n", "left.csv: row 1: missing column 'name'"),
        ("id,name\n1,a\n2,b\n1,c\n", "left.csv: row 4: column 'id': duplicate id '1'"),
        ("id,name\n1,a\n,b\n", "left.csv: row 3: column 'id' is empty"),
        ("id,name\n1,\n", "left.csv: row 2: column 'name' is empty"),
        ("id,name\n1,a,extra\n", "left.csv: row 2: 3 fields, the header has 2"),
        ("id,name,id\n1,a,2\n", "left.csv: row 1: column 'id' appears twice"),
        (b"id,name\n1,Caf\xe9\n", "left.csv: line 2: not valid UTF-8 (byte 0xe9"),
        ("id,name\n1," + "x" * 200_000 + "\n", "left.csv: row 2: not readable as CSV"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(tmp_path: Path, left: str | bytes,
                                                      message: str) -> None:
    code, output, out = run(tmp_path, left)
    assert code == 2
    assert message in output
    assert not out.exists()
    assert not out.parent.exists() or not list(out.parent.glob(".match-*"))


def test_missing_file_and_bad_kind(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["match", str(tmp_path / "nope.csv"), str(tmp_path / "r.csv"),
                                    "--kind", "customers", "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "nope.csv: cannot read" in res.output
    res = CliRunner().invoke(main, ["match", "a.csv", "b.csv", "--kind", "vendors", "-o", "o"])
    assert res.exit_code == 2 and "vendors" in res.output


def test_decisions_add_the_pick_and_what_is_safe(tmp_path: Path) -> None:
    left = ("id,name,sku\np1,Acronis Cyber Protect 1 user,\np2,Netgear GS308 Switch,GS308\n"
            "p3,Zyxwv Quantum,\n")
    right = ("id,name,sku\ni1,Acronis Cyber Protect 5 user,\ni2,Netgear GS308 Switch 8-Port,"
             "GS308\ni3,Harbour Dental Chairs,\n")
    lp, rp, out = tmp_path / "l.csv", tmp_path / "r.csv", tmp_path / "m.csv"
    lp.write_text(left)
    rp.write_text(right)
    res = CliRunner().invoke(main, ["match", str(lp), str(rp), "--kind", "products",
                                    "--top", "1", "--decisions", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = {r["left_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert list(rows["p1"])[-2:] == ["proposed", "auto_accept"]
    # another edition: picked, but a person decides; the shared code: safe
    assert rows["p1"]["right_id"] == "i1" and rows["p1"]["proposed"] == "True"
    assert rows["p1"]["auto_accept"] == "False"
    assert rows["p2"]["right_id"] == "i2" and rows["p2"]["auto_accept"] == "True"
    assert rows["p3"]["right_id"] == "" and rows["p3"]["proposed"] == "False"


def test_an_output_folder_that_does_not_exist_is_an_error_and_nothing_is_made(
        tmp_path: Path) -> None:
    (tmp_path / "left.csv").write_text(LEFT)
    (tmp_path / "right.csv").write_text(RIGHT)
    res = CliRunner().invoke(main, ["match", str(tmp_path / "left.csv"),
                                    str(tmp_path / "right.csv"), "--kind", "customers",
                                    "-o", str(tmp_path / "typo" / "m.csv")])
    assert res.exit_code == 2
    assert res.output.startswith("error: no folder ") and res.output.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["left.csv", "right.csv"]
