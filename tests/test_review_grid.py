"""The review grid driven from Python: filters, selection, keys, bulk accept with undo, escaping."""

from __future__ import annotations

from typing import Any

import pytest
from _review_fixtures import build, xero_id

from matchkit.review import Review
from matchkit.widgets import ReviewGrid
from matchkit.widgets._review import KEYS

# ipydatagrid's own `data` getter uses an inplace drop that pandas 3.1 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

EVIL = "<script>alert('x')</script> & <b>Co</b>"


@pytest.fixture
def grid() -> ReviewGrid:
    ws, sugg = build(40, names={3: EVIL})
    return ReviewGrid(Review(ws, "customers", sugg, who="analyst"))


def _grid_ids(g: ReviewGrid) -> list[str]:
    return [str(i) for i in g.shown().index]


def _fetch(g: ReviewGrid, r1: int, r2: int) -> dict[str, list[Any]]:
    """Rows r1..r2 as the page gets them: its data request, answered by the kernel."""
    sent: list[dict[str, Any]] = []
    g.grid.send = lambda content, buffers=None: sent.append(content)
    try:
        g.grid._handle_custom_msg({"type": "data-request", "r1": r1, "r2": r2, "c1": 0,
                                   "c2": 99}, None)
    finally:
        del g.grid.send
    (reply,) = sent
    assert reply["event_type"] == "data-reply"
    # The reply covers the rows asked for and may hold more around them (a prefetch).
    assert reply["r1"] <= r1 and reply["r2"] >= min(r2, len(g.shown()) - 1)
    cut = slice(r1 - reply["r1"], r2 - reply["r1"] + 1)
    # Text columns travel as lists; numbers as binary buffers (not decoded here).
    return {str(k): v[cut] for k, v in reply["value"]["data"].items() if isinstance(v, list)}


def _press(g: ReviewGrid, keys: str) -> None:
    """Keys pressed on the grid, each as the page reports it (one message a key)."""
    for key in keys:
        g.events._handle(g.events, {"event": "key", "key": key}, None)


def _click_row(g: ReviewGrid, row: int) -> None:
    """What the page reports after a click selected row ``row`` (as the grid draws it)."""
    g.events._handle(g.events, {"event": "row", "row": row, "key": None}, None)


def _current(g: ReviewGrid) -> dict[str, str]:
    cur = g.review.ws.current_decisions("customers")
    return dict(zip(cur["atera_id"], cur["action"], strict=True))


def test_all_rows_in_one_grid_and_filters_narrow_it(grid: ReviewGrid) -> None:
    assert len(_grid_ids(grid)) == 40
    assert "<b>40</b> undecided of 40" in grid.counts.value
    grid.score.value = (95.0, 100.0)
    ids = _grid_ids(grid)
    assert set(ids) == {"0", "1", "2", "3", "4", "5"}
    assert ids[0] == "0"  # sorted by score, best first
    grid.descending.value = False
    assert _grid_ids(grid)[0] == "5"
    grid.score.value = (0.0, 100.0)
    grid.ambiguous.value = "ambiguous"
    assert set(_grid_ids(grid)) == {str(i) for i in range(40) if i % 7 == 3}
    grid.ambiguous.value = "any"
    grid.methods.value = ("evidence",)
    assert set(grid.shown()["method"]) == {"evidence"}
    grid.methods.value = ()
    grid.text.value = "00021"
    assert _grid_ids(grid) == ["21"]
    assert "1 shown" in grid.counts.value
    assert grid.grid._row_count == 1  # the page is told the count, then fetches the row
    assert _fetch(grid, 0, 0)["atera id"] == ["21"]
    grid.text.value = ""
    assert grid.grid._row_count == 40 and len(_fetch(grid, 0, 39)["atera id"]) == 40


def test_clicking_a_row_selects_it_and_fills_the_side_panel(grid: ReviewGrid) -> None:
    ids = _grid_ids(grid)
    _click_row(grid, 2)
    assert grid.review.selected == ids[2]
    assert "Customer" in grid.detail.value
    assert grid.candidates.options[0][1] == grid.review.row()["xero_id"]
    # The row header the page drew names the row (its order may lag the kernel's by a change)
    grid.events._handle(grid.events, {"event": "row", "row": 2, "key": ids[7]}, None)
    assert grid.review.selected == ids[7]
    grid.events._handle(grid.events, {"event": "row", "row": 999, "key": None}, None)
    assert grid.review.selected == ids[7]  # a row the kernel does not have: nothing moves


def test_keys_move_accept_reject_and_undo(grid: ReviewGrid) -> None:
    ids = _grid_ids(grid)
    _press(grid, "j")
    assert grid.review.selected == ids[0]
    _press(grid, "a")  # accept, then move on
    assert _current(grid) == {ids[0]: "match"}
    assert grid.review.selected == ids[1]
    assert grid.shown()["decision"].iloc[0] == "match"
    _press(grid, "r")
    row = grid.review.row(ids[1])
    assert row["rejected"] and row["decision"] == ""
    assert grid.shown()["suggested id"].iloc[1] == row["xero_id"]
    _press(grid, "u")
    assert grid.review.row(ids[1])["rejected"] == ()
    assert grid.status.value == "undone: reject (1 row)"
    _press(grid, "k")
    assert grid.review.selected == ids[0]
    _press(grid, "x")
    assert _current(grid) == {ids[0]: "unmatch"}
    _press(grid, "c")
    assert _current(grid)[ids[1]] == "create"
    _press(grid, "u")
    _press(grid, "u")
    assert _current(grid) == {ids[0]: "match"}
    _press(grid, "q")
    assert "unknown key" in grid.status.value


def test_arrow_keys_move_and_the_grid_highlights_the_row(grid: ReviewGrid) -> None:
    ids = _grid_ids(grid)
    grid.events._handle(grid.events, {"event": "key", "key": "ArrowDown"}, None)
    grid.events._handle(grid.events, {"event": "key", "key": "ArrowDown"}, None)
    assert grid.review.selected == ids[1]
    assert grid.grid.selections == [{"r1": 1, "c1": 0, "r2": 1, "c2": len(grid.shown().columns)
                                     - 1}]
    grid.events._handle(grid.events, {"event": "key", "key": "ArrowUp"}, None)
    assert grid.review.selected == ids[0]
    # The page takes only these keys from the grid; all others stay with the grid and Lab.
    assert set(grid.events.taken) == set(KEYS)


def test_bulk_accept_confirms_count_and_sample_then_undo(grid: ReviewGrid) -> None:
    grid.bulk_action.value = "accept"
    grid.threshold.value = 96.0
    grid.preview_btn.click()
    box = grid.preview_box.value
    assert "accept 4 customers with score &gt;= 96: 4 rows will change (1 skipped)" in box
    assert "1 skipped: ambiguous: choose by hand" in box  # row 3
    assert box.count("<tr>") == 1 + 4  # header + sample rows
    assert _current(grid) == {}  # nothing written before Confirm
    assert not grid.confirm_btn.disabled
    grid.confirm_btn.click()
    assert set(_current(grid)) == {"0", "1", "2", "4"}
    assert "4 accepted" in grid.counts.value
    assert grid.shown()["decision"].iloc[4] == "match"
    page = _fetch(grid, 0, 5)  # what the page draws after the accept
    assert page["decision"] == ["match"] * 3 + [""] + ["match", ""]
    assert page["atera id"] == ["0", "1", "2", "3", "4", "5"]
    assert grid.confirm_btn.disabled
    assert "bulk accept" in grid.undo_btn.description
    grid.undo_btn.click()
    assert _current(grid) == {}
    assert grid.status.value == "undone: bulk accept (4 rows)"
    assert "0 accepted" in grid.counts.value
    assert grid.shown()["decision"].iloc[4] == ""
    assert _fetch(grid, 0, 5)["decision"] == [""] * 6


def test_bulk_acts_only_on_shown_rows_and_cancel_writes_nothing(grid: ReviewGrid) -> None:
    grid.text.value = "0000"  # customers 0..9
    grid.bulk_action.value = "create"
    grid.preview_btn.click()
    assert "create 10 customers" in grid.preview_box.value
    grid.cancel_btn.click()
    assert grid.preview_box.value == "" and _current(grid) == {}
    grid.confirm_btn.click()  # disabled in the browser; from code it explains itself
    assert "preview a bulk action first" in grid.errors.widget.value


def test_side_panel_choose_candidate_search_and_errors(grid: ReviewGrid) -> None:
    grid.accept_btn.click()
    assert "no row selected" in grid.errors.widget.value
    grid.select("5")
    grid.candidates.value = xero_id(6)
    grid.accept_candidate_btn.click()
    assert grid.errors.widget.value == ""
    assert grid.review.row("5")["decided_xero_id"] == xero_id(6)
    grid.select("6")
    grid.accept_btn.click()  # its candidate is taken by row 5 now
    assert "already matched to Atera 5" in grid.errors.widget.value
    grid.search.value = "Customer 00047"
    assert grid.results.options[0][1] == xero_id(47)
    grid.results.value = xero_id(47)
    grid.match_result_btn.click()
    assert grid.review.row("6")["decided_xero_id"] == xero_id(47)
    grid.unmatch_btn.click()  # decides row 6 and moves on to the next row
    assert _current(grid)["6"] == "unmatch" and grid.review.selected == "7"
    grid.select("6")
    grid.create_btn.click()
    assert _current(grid)["6"] == "create"
    grid.select("6")
    grid.clear_btn.click()
    assert "6" not in _current(grid)


def test_names_from_outside_are_text_not_html(grid: ReviewGrid) -> None:
    grid.select("3")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" \
        in grid.detail.value
    assert "<script>" not in grid.detail.value and "<b>Co" not in grid.detail.value
    grid.bulk_action.value = "create"
    grid.preview_btn.click()  # the sample table escapes names too
    assert "&lt;script&gt;" in grid.preview_box.value and "<script>" not in grid.preview_box.value
    _press(grid, "<")
    assert "<" not in grid.status.value.replace("&lt;", "")


def test_histogram_is_drawn_when_opened(grid: ReviewGrid) -> None:
    assert grid.histogram.value == b""  # not drawn while closed
    grid.show_histogram()
    png = bytes(grid.histogram.value)
    assert png.startswith(b"\x89PNG")
    grid.threshold.value = 80.0
    assert bytes(grid.histogram.value) != png


def test_reload_sees_decisions_made_elsewhere(grid: ReviewGrid) -> None:
    other = Review(grid.review.ws, "customers", build(40)[1])
    other.leave_unmatched("7")
    grid.refresh_btn.click()
    assert "1 left unmatched" in grid.counts.value


def test_a_sort_made_in_the_grid_header_is_followed(grid: ReviewGrid) -> None:
    # The header menu sends a sort to the kernel, which serves the rows in that order.
    grid.grid._transforms = [{"type": "sort", "column": "Atera", "desc": True}]
    ids = _grid_ids(grid)
    assert ids[0] == "39" and ids[-1] == "3"  # row 3's name starts with "<"
    assert _fetch(grid, 0, 0)["atera id"] == ["39"]
    _click_row(grid, 0)
    assert grid.review.selected == "39"
    _press(grid, "j")
    assert grid.review.selected == "38"
    _press(grid, "a")  # the change reaches the header-sorted rows too
    assert _fetch(grid, 0, 1)["decision"] == ["", "match"]


def _page_asks(g: ReviewGrid, r1: int, r2: int) -> None:
    """The page's data request for rows r1..r2, as the comm delivers it (to every handler)."""
    g.grid._handle_custom_msg({"type": "data-request", "r1": r1, "r2": r2, "c1": 0, "c2": 9},
                              None)


def _pushed(sent: list[dict[str, Any]]) -> tuple[int, int, dict[str, list[Any]]]:
    """The one data reply the kernel pushed unasked: its rows and its text columns."""
    (reply,) = [m for m in sent if m["event_type"] == "data-reply"]
    return reply["r1"], reply["r2"], {str(k): v for k, v in reply["value"]["data"].items()
                                      if isinstance(v, list)}


def test_one_row_changed_sends_its_cells_many_push_the_rows_drawn(grid: ReviewGrid) -> None:
    sent: list[dict[str, Any]] = []
    grid.grid.send = lambda content, buffers=None: sent.append(content)
    ids = _grid_ids(grid)
    grid.select(ids[2])
    grid.accept_btn.click()
    # Only the cells that changed, at the row the page draws them (no refetch).
    assert sorted((m["event_type"], m["row"], m["column"], m["value"]) for m in sent) == [
        ("cell-changed", 2, "decided Xero", grid.review.row(ids[2])["decided_xero_name"]),
        ("cell-changed", 2, "decision", "match")]
    sent.clear()
    grid.bulk_action.value = "accept"
    grid.threshold.value = 90.0
    grid.preview_btn.click()
    grid.confirm_btn.click()
    # Many rows, and the page has not said what it draws: rows pushed, then a tick.
    assert [m["event_type"] for m in sent] == ["data-reply", "tick"]
    assert _pushed(sent)[2]["decision"][:5] == ["match"] * 3 + ["", "match"]
    # Once the page has asked for rows 0-9, a change pushes those rows and a screen either
    # side, with no tick: it draws them without asking.
    _page_asks(grid, 0, 9)
    sent.clear()
    grid.undo_btn.click()
    assert [m["event_type"] for m in sent] == ["data-reply"]
    r1, r2, cols = _pushed(sent)
    assert grid._screen_rows is not None
    assert (r1, r2) == (0, min(len(ids), 2 * grid._screen_rows) - 1)
    assert cols["decision"][:5] == ["", "", "match", "", ""]  # the bulk undone, row 2 kept
    del grid.grid.send
    assert _fetch(grid, 0, 4)["decision"] == cols["decision"][:5]  # what the page would get
    # A page flip far down: the reply holds the rows asked for and a screen either side.
    sent.clear()
    grid.grid.send = lambda content, buffers=None: sent.append(content)
    _page_asks(grid, 30, 35)
    assert _pushed(sent)[:2] == (max(0, 30 - grid._screen_rows), len(ids) - 1)


def test_a_filter_pushes_the_rows_the_page_will_draw(grid: ReviewGrid) -> None:
    sent: list[dict[str, Any]] = []
    grid.grid.send = lambda content, buffers=None: sent.append(content)
    _page_asks(grid, 0, 9)
    sent.clear()
    grid.score.value = (60.0, 100.0)
    shown = _grid_ids(grid)
    screen = grid._screen_rows
    assert screen == 460 // 22 + 2 and len(shown) >= screen
    assert [m["event_type"] for m in sent] == ["data-reply"]  # still fills the screen
    r1, r2, cols = _pushed(sent)
    assert (r1, r2) == (0, min(len(shown), 2 * screen) - 1)
    assert cols["Atera"] == [grid.review.row(a)["atera_name"] for a in shown[:r2 + 1]]
    # Fewer rows than the page may be scrolled to: it may scroll up, so it refetches too.
    _page_asks(grid, 12, 21)
    sent.clear()
    grid.text.value = "00001"
    assert [m["event_type"] for m in sent] == ["data-reply", "tick"]
    r1, r2, cols = _pushed(sent)
    assert (r1, r2) == (0, len(_grid_ids(grid)) - 1)
    assert all("00001" in name for name in cols["Atera"])


def test_the_page_model_starts_with_the_table_and_replies_fit_its_columns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ways the page once drew no rows at all: a grid made from an empty frame (text
    where the scores are numbers), and replies naming one column more than the page has
    (ipydatagrid adds its row key to the frame; the page stopped before the Atera ids)."""
    import matchkit.widgets._review as review_module

    made: list[dict[str, Any]] = []

    class Recording(review_module.StreamingDataGrid):  # type: ignore[misc]
        def __init__(self, dataframe: Any, **kwargs: Any) -> None:
            super().__init__(dataframe, **kwargs)
            made.append(self._data["schema"])

    monkeypatch.setattr(review_module, "StreamingDataGrid", Recording)
    ws, sugg = build(30)
    g = ReviewGrid(Review(ws, "customers", sugg))
    (first,) = made
    assert first == g.grid._data["schema"]
    assert {f["name"]: f["type"] for f in first["fields"]}["score"] == "number"
    sent: list[dict[str, Any]] = []
    g.grid.send = lambda content, buffers=None: sent.append(content)
    _page_asks(g, 0, 9)
    (reply,) = sent
    body = [f["name"] for f in first["fields"] if f["name"] not in ("atera id", "ipydguuid")]
    assert (reply["c1"], reply["c2"]) == (0, len(body) - 1)
    assert [k for k in reply["value"]["data"] if k not in ("atera id", "ipydguuid")] == body
    assert reply["value"]["data"]["atera id"][:3] == _grid_ids(g)[:3]


def test_the_grid_opens_few_widgets_sharing_their_layout_and_styles(monkeypatch) -> None:
    """Each widget made alone opens two more comms (its layout, its style), and every comm is
    a message the kernel, the server and the page handle before the grid shows; so is each
    class added after a widget is made."""
    import ipywidgets as w

    ws, sugg = build(40)
    before = set(w.Widget.widgets)
    updates: list[str] = []
    send = w.Widget._send
    monkeypatch.setattr(w.Widget, "_send", lambda self, msg, buffers=None: (
        updates.extend(msg.get("state", {})), send(self, msg, buffers))[1])
    grid = ReviewGrid(Review(ws, "customers", sugg))
    assert "_dom_classes" not in updates  # each made with its mk- class
    made = [w.Widget.widgets[k] for k in set(w.Widget.widgets) - before]
    assert grid.widget in made and grid.grid in made
    buttons = [x for x in made if isinstance(x, w.Button)]
    assert len(buttons) >= 14 and len({id(b.style) for b in buttons}) == 1
    assert len([x for x in made if isinstance(x, w.Layout)]) <= 12
    assert len(made) <= 80  # 130 when each made its own
