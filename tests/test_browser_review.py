"""The review grid in real JupyterLab + headless Chromium: rows drawn, a click selects, keys
pressed on the grid act (and JupyterLab's own shortcuts do not), bulk accept, then undo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _jupyterlab import CHROMIUM_ARGS, chromium_path, running_lab
from _review_fixtures import build
from _review_lab import KERNEL_ENV, open_and_run, write_notebook

pytestmark = pytest.mark.browser
N = 300


def _decisions(db: Path) -> tuple[list[tuple[str, str]], int]:
    """Current decisions and log length, read without taking the kernel's write lock."""
    import duckdb

    conn = duckdb.connect(str(db), read_only=True)
    try:
        cur = conn.execute("SELECT atera_id, action FROM current_decisions WHERE entity = "
                           "'customers' AND action <> 'clear' ORDER BY atera_id").fetchall()
        n = conn.execute("SELECT count(*) FROM decisions").fetchall()[0][0]
    finally:
        conn.close()
    return [(str(a), str(b)) for a, b in cur], int(n)


def _view_order(n: int) -> list[str]:
    """The Atera ids top to bottom as the grid first shows them, from the same fixture."""
    from matchkit.review import Review

    ws, sugg = build(n)
    return [str(a) for a in Review(ws, "customers", sugg).view()["atera_id"]]


def test_review_grid_in_jupyterlab(tmp_path: Path) -> None:
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium (apt-get install chromium, or set MATCHKIT_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    root = tmp_path / "root"
    root.mkdir()
    db = tmp_path / "ws.duckdb"
    write_notebook(root / "review.ipynb", N, db)
    # What the default threshold (95) selects, computed from the same fixture data.
    sugg = build(N)[1]
    top = sugg[(sugg["rank"] == 1) & (sugg["score"] >= 95) & ~sugg["ambiguous"]]
    expected = len(top)
    assert 0 < expected < N

    dialogs: list[str] = []
    sent: list[str] = []  # what the page sent to the kernel
    with running_lab(root, tmp_path / "jupyter", env=KERNEL_ENV) as lab, \
            sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(
                f if isinstance(f, str) else f.decode("utf-8", "replace"))))
            expect = sync_api.expect
            # Two shared cores run the whole team's tests: wait generously, assert exactly.
            expect.set_options(timeout=30_000)
            open_and_run(page, lab, "review.ipynb")
            counts = page.locator(".mk-review-counts")
            expect(counts).to_contain_text(f"{N} shown", timeout=90_000)
            expect(page.locator(".mk-review-grid canvas").first).to_be_visible()
            # The grid paints a screen with one copy to the screen, not one a cell (GridEvents:
            # 0.3-0.6 s a screen otherwise; a Lumino that renamed its internals fails here).
            expect(page.locator(".mk-review-grid [data-mk-blits='batched']")).to_have_count(1)

            detail = page.locator(".mk-review-detail")
            order = _view_order(N)
            # A click on the fourth row selects it: the panel shows that row, and the page
            # reported the id it drew there (rows drawn, not "..." placeholders).
            grid = page.locator(".mk-review-grid").first
            gbox = grid.bounding_box()
            assert gbox is not None
            header = 20  # ipydatagrid's default column header height
            page.mouse.click(gbox["x"] + 150, gbox["y"] + header + 3 * 22 + 11)
            expect(detail).to_contain_text(f"Atera id {order[3]}")
            assert [f'"key": "{order[3]}"' in m or f'"key":"{order[3]}"' in m
                    for m in sent if '"event"' in m and '"row"' in m] == [True]
            cells = page.locator(".jp-Notebook .jp-Cell").count()
            # Keys pressed on the grid itself: j twice, k once.
            for key in "jjk":
                page.keyboard.press(key)
            expect(detail).to_contain_text(f"Atera id {order[4]}")
            page.keyboard.press("ArrowDown")
            expect(detail).to_contain_text(f"Atera id {order[5]}")

            grid_shot = tmp_path / "review.png"
            page.locator(".mk-review").first.screenshot(path=str(grid_shot))

            # A name with markup is shown as text in the side panel, never run.
            text = page.locator(".mk-review-text input")
            text.fill("script")
            text.press("Enter")
            expect(counts).to_contain_text(" 1 shown")
            page.mouse.click(gbox["x"] + 150, gbox["y"] + header + 11)
            expect(detail).to_contain_text("<script>alert('x')</script>")
            text.fill("")
            text.press("Enter")
            expect(counts).to_contain_text(f"{N} shown")

            page.click("button.mk-review-preview")
            box = page.locator(".mk-review-preview-box")
            expect(box).to_contain_text(f"accept {expected} customers with score >= 95")
            assert _decisions(db) == ([], 0)  # a preview writes nothing
            page.click("button.mk-review-confirm")
            expect(counts).to_contain_text(f"{expected} accepted")
            cur, logged = _decisions(db)
            assert sorted(cur) == sorted((a, "match") for a in top["left_id"])
            assert logged == expected

            page.click("button.mk-review-undo")
            expect(counts).to_contain_text(" 0 accepted")
            assert _decisions(db) == ([], 2 * expected)  # the accept and its undo, both kept

            # Keys on the grid: the first row, accept (and the panel moves on to the next row).
            page.mouse.click(gbox["x"] + 150, gbox["y"] + header + 11)
            expect(detail).to_contain_text(f"Atera id {order[0]}")
            expect(detail).to_contain_text("Decision: undecided")
            page.keyboard.press("a")
            expect(page.locator(".mk-review-status")).to_contain_text(f"accepted Atera {order[0]}")
            expect(detail).to_contain_text(f"Atera id {order[1]}")
            cur, _ = _decisions(db)
            assert cur == [(order[0], "match")]
            # "a", "j", "k" went to the grid, not to JupyterLab (which would have inserted a
            # cell above or moved between cells).
            assert page.locator(".jp-Notebook .jp-Cell").count() == cells
            assert dialogs == []
        finally:
            browser.close()
    # The README's picture: refreshed on request only, so a test run leaves the tree clean.
    if os.environ.get("MATCHKIT_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(grid_shot, Path(__file__).resolve().parents[1] / "docs" / "img"
                    / "review.png")
