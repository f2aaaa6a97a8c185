"""`matchkit review export/apply`: CSV round trip on a real DuckDB file, bad rows refused whole."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from _review_fixtures import build, xero_id
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchkit.cli import main
from matchkit.review import Review
from matchkit.store import Workspace


@pytest.fixture
def ws_path(tmp_path: Path) -> str:
    path = str(tmp_path / "ws.duckdb")
    ws, sugg = build(30, path=path, names={7: "<script>alert(1)</script> & Co, \"quoted\""})
    ws.record_suggestions("customers", sugg)
    return path


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def _history(path: str) -> int:
    return len(Workspace.open(path).decision_history())


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_round_trip_without_edits_changes_nothing(ws_path: str, tmp_path: Path) -> None:
    r = Review.from_workspace(Workspace.open(ws_path), "customers")
    r.accept("0")
    r.create("9")
    r.reject("2")
    before = _history(ws_path)
    out = tmp_path / "decisions.csv"
    code, text = _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    assert code == 0, text
    assert "30 customers written" in text
    rows = _read(out)
    assert len(rows) == 30
    by_id = {r["atera_id"]: r for r in rows}
    assert by_id["0"]["action"] == "match" and by_id["0"]["xero_id"] == xero_id(0)
    assert by_id["9"]["action"] == "create"
    assert by_id["2"]["action"] == "" and by_id["2"]["suggested_xero_id"] == xero_id(3)
    assert by_id["7"]["atera_name"] == "<script>alert(1)</script> & Co, \"quoted\""
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 0, text
    assert "30 rows, 0 changed, 30 unchanged" in text
    assert _history(ws_path) == before


def test_names_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    ws, sugg = build(3, names={0: "=HYPERLINK(\"http://x\",\"y\")", 1: "@SUM(A1)",
                               2: "Plain - Name"})
    out = tmp_path / "f.csv"
    Review(ws, "customers", sugg).export_csv(out)
    assert [r["atera_name"] for r in _read(out)] == [
        "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "Plain - Name"]


def test_edited_file_is_applied(ws_path: str, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    rows = _read(out)
    rows[1]["action"] = "match"  # empty xero_id: the suggested one
    rows[3]["action"] = "match"
    rows[3]["xero_id"] = xero_id(35)  # another Xero contact, by hand
    rows[4]["action"] = "UNMATCH"
    rows[4]["note"] = "closed account"
    rows[9]["action"] = "create"
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "--dry-run", "-w", ws_path)
    assert code == 0 and "4 would change" in text, text
    assert _history(ws_path) == 0
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 0 and "4 changed" in text, text
    cur = Workspace.open(ws_path).current_decisions("customers").set_index("atera_id")
    assert cur.loc["1", "xero_id"] == xero_id(1) and cur.loc["1", "method"] == "file"
    assert cur.loc["1", "score"] == 99.0
    assert cur.loc["3", "xero_id"] == xero_id(35)
    assert cur.loc["4", "action"] == "unmatch" and cur.loc["4", "note"] == "closed account"
    assert cur.loc["9", "action"] == "create"
    # Emptying the action of a decided row (in a fresh export) makes it undecided again.
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    rows = _read(out)
    rows[4]["action"] = ""
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 0 and "1 changed" in text, text
    cur = Workspace.open(ws_path).current_decisions("customers")
    assert set(cur["atera_id"]) == {"1", "3", "9"}


def test_bad_rows_are_refused_whole(ws_path: str, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    rows = _read(out)
    rows[0]["action"] = "match"  # fine on its own: must not be written either
    rows[1]["action"] = "acept"
    rows[2]["atera_id"] = "4242"
    rows[5]["action"] = "match"
    rows[5]["xero_id"] = "no-such-contact"
    rows[6]["action"] = "match"
    rows[6]["xero_id"] = xero_id(8)
    rows[8]["action"] = "match"  # suggested: contact 8 too -> two rows, one Xero record
    rows[10]["action"] = "create"
    rows[10]["xero_id"] = xero_id(10)
    rows[11]["kind"] = "products"
    rows[12]["atera_id"] = rows[13]["atera_id"]
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 2
    assert "nothing was applied" in text
    assert "line 3, field 'action': unknown action 'acept'" in text
    assert "line 4, field 'atera_id': unknown Atera id '4242'" in text
    assert "line 7, field 'xero_id': unknown Xero id 'no-such-contact'" in text
    assert f"line 10, field 'xero_id': Xero record {xero_id(8)} is also matched to Atera 6" \
        in text
    assert "line 12, field 'xero_id': must be empty for action 'create'" in text
    assert "line 13, field 'kind': 'products'" in text
    assert "line 15, field 'atera_id': '13' already on line 14" in text
    assert _history(ws_path) == 0


def test_match_against_a_record_decided_in_the_workspace(ws_path: str, tmp_path: Path) -> None:
    Review.from_workspace(Workspace.open(ws_path), "customers").accept("2")
    out = tmp_path / "d.csv"
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    rows = _read(out)
    rows[5]["action"] = "match"
    rows[5]["xero_id"] = xero_id(2)  # row 2 keeps it: the file leaves that row as it is
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 2 and "line 7, field 'xero_id'" in text, text
    assert "also matched to Atera 2 (the workspace)" in text
    assert _history(ws_path) == 1


def test_an_old_file_never_overwrites_newer_decisions(ws_path: str, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    Review.from_workspace(Workspace.open(ws_path), "customers").accept("2")  # after export
    rows = _read(out)
    rows[5]["action"] = "unmatch"
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 2, text
    assert "line 4, field 'decision_id': Atera 2 was decided again" in text
    assert _history(ws_path) == 1
    # Without the decision_id column (a hand-made file) the file is the truth.
    for r in rows:
        del r["decision_id"]
    _write(out, rows)
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 0 and "2 changed" in text, text
    cur = Workspace.open(ws_path).current_decisions("customers")
    assert list(cur["atera_id"]) == ["5"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"kind,atera_id,action\ncustomers,1,match\n", "missing column(s) 'xero_id'"),
        (b"", "the file is empty"),
        ("kind,atera_id,action,xero_id\ncustomers,1,,\ncustomers,2,caf\u00e9,\n"
         .encode("latin-1"), "line 3: not valid UTF-8"),
        ("kind,atera_id,action,xero_id\n".encode("utf-16"), "UTF-16"),
        (b"kind,atera_id,action,xero_id\ncustomers,1,,,extra\n", "line 2: 5 fields"),
        (b"kind,atera_id,action,xero_id\n", "header but no rows"),
        (b"kind,atera_id,action,xero_id\ninvoices,1,,\n", "line 2, field 'kind': 'invoices'"),
    ],
)
def test_unusable_files_are_named(ws_path: str, tmp_path: Path, content: bytes,
                                  message: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    code, text = _run("review", "apply", str(f), "-w", ws_path)
    assert code == 2 and message in text, text
    assert "Traceback" not in text
    assert _history(ws_path) == 0


def test_utf8_bom_from_spreadsheets_is_accepted(ws_path: str, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    _run("review", "export", "--kind", "customers", "-o", str(out), "-w", ws_path)
    rows = _read(out)
    rows[0]["action"] = "match"
    _write(out, rows, encoding="utf-8-sig")
    code, text = _run("review", "apply", str(out), "-w", ws_path)
    assert code == 0 and "1 changed" in text, text


def test_export_without_suggestions_says_what_to_do(tmp_path: Path) -> None:
    path = str(tmp_path / "empty.duckdb")
    Workspace.open(path)
    code, text = _run("review", "export", "--kind", "products", "-o",
                      str(tmp_path / "x.csv"), "-w", path)
    assert code == 2 and "no products suggestions" in text


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(st.characters(blacklist_categories=("Cs",),
                                            blacklist_characters="\x00"), min_size=1)
                      .filter(str.strip),  # Atera refuses blank names
                      min_size=3, max_size=3),
       accept=st.lists(st.booleans(), min_size=3, max_size=3))
def test_round_trip_holds_for_any_names(tmp_path: Path, names: list[str],
                                        accept: list[bool]) -> None:
    ws, sugg = build(3, names=dict(enumerate(names)))
    r = Review(ws, "customers", sugg)
    for i, yes in enumerate(accept):
        if yes:
            r.accept(str(i))
    out = tmp_path / "rt.csv"
    r.export_csv(out)
    before = len(ws.decision_history())
    assert r.apply_csv(out).changed == 0
    assert len(ws.decision_history()) == before
    # Names read back exactly, formula-like ones behind a spreadsheet's text apostrophe.
    assert [row["atera_name"] for row in _read(out)] == [
        "'" + n if n[0] in "=+-@\t\r" else n for n in names]
