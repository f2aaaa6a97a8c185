"""The review grid in real JupyterLab + headless Chromium: bulk accept, then undo."""

from __future__ import annotations

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


def test_bulk_accept_and_undo_in_jupyterlab(tmp_path: Path) -> None:
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
    with running_lab(root, tmp_path / "jupyter", env=KERNEL_ENV) as lab, \
            sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            expect = sync_api.expect
            # Two shared cores run the whole team's tests: wait generously, assert exactly.
            expect.set_options(timeout=30_000)
            open_and_run(page, lab, "review.ipynb")
            counts = page.locator(".mk-review-counts")
            expect(counts).to_contain_text(f"{N} shown", timeout=90_000)
            expect(page.locator(".mk-review-grid canvas").first).to_be_visible()

            # A name with markup is shown as text in the side panel, never run.
            text = page.locator(".mk-review-text input")
            text.fill("script")
            text.press("Enter")
            expect(counts).to_contain_text(" 1 shown")
            keys = page.locator(".mk-review-keys input")
            keys.click()
            keys.press("j")
            expect(page.locator(".mk-review-detail")).to_contain_text(
                "<script>alert('x')</script>")
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

            # Keys: next row, accept (and the panel moves on to the following row).
            detail = page.locator(".mk-review-detail")
            keys.click()
            keys.press("j")
            expect(detail).to_contain_text("decision: undecided")
            first = detail.inner_text()
            keys.press("a")
            expect(page.locator(".mk-review-status")).to_contain_text("accepted Atera")
            expect(detail).not_to_have_text(first)
            cur, _ = _decisions(db)
            assert len(cur) == 1 and cur[0][1] == "match"
            assert f"(Atera {cur[0][0]})" in first
            assert dialogs == []
        finally:
            browser.close()
