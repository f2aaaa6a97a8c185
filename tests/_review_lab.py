"""The review grid in a real JupyterLab (headless Debian Chromium): notebook and figures.

The server comes from ``tests/_jupyterlab.py`` (the shared fixture: free port, token, quiet
settings, its own process group, stopped afterwards); this module writes the review notebook,
drives it, and measures what a person waits for (``bench/bench_review.py --browser``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nbformat
from _jupyterlab import CHROMIUM_ARGS, Lab, chromium_path, running_lab

TESTS = Path(__file__).resolve().parent
# The kernel imports _review_fixtures from here.
KERNEL_ENV = {"PYTHONPATH": str(TESTS)}


def write_notebook(path: Path, n: int, workspace: Path) -> None:
    """A notebook that fills a workspace with ``n`` suggestions and shows the grid."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import time\n"
            "from _review_fixtures import build\n"
            "from matchkit.review import Review\n"
            "from matchkit.widgets import ReviewGrid\n"
            f"ws, sugg = build({n}, path={str(workspace)!r}, "
            "names={3: \"<script>alert('x')</script>\"})\n"
            "ws.record_suggestions('customers', sugg)"),
        nbformat.v4.new_code_cell(
            "t0 = time.perf_counter()\n"
            "view = ReviewGrid(Review.from_workspace(ws, 'customers', who='browser'))\n"
            "view.widget"),
    ]
    nbformat.write(nb, path)


def open_and_run(page: Any, lab: Lab, name: str) -> float:
    """Open the notebook, run all cells; return the monotonic time of the Run All click."""
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    page.wait_for_function(
        "document.body.innerText.includes('Python 3 (ipykernel) | Idle')", timeout=60_000)
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    started = time.monotonic()
    page.click('.lm-Menu-item[data-command="runmenu:run-all"]')
    return started


def browser_figures(n: int) -> None:
    """Print what a person waits for with ``n`` suggestions (bench; nothing asserted)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        print("browser: skipped (no Chromium; apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory(prefix="mk-review-lab-") as tmp:
        work = Path(tmp)
        root = work / "root"
        root.mkdir()
        write_notebook(root / "review.ipynb", n, work / "ws.duckdb")
        with running_lab(root, work / "jupyter", env=KERNEL_ENV) as lab, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            print(f"browser (JupyterLab + Chromium), {n} rows")
            # Warm-up run: the first kernel start pays for imports once.
            open_and_run(page, lab, "review.ipynb")
            page.wait_for_selector(".mk-review-grid canvas", timeout=120_000)
            figures: dict[str, list[float]] = {}
            for _ in range(3):
                # Re-run only the grid cell: from its Shift+Enter to the grid on screen.
                cell = page.locator(".jp-Notebook .jp-CodeCell").nth(1)
                cell.locator(".jp-InputArea-editor").click()
                t = time.monotonic()
                page.keyboard.press("Shift+Enter")
                page.wait_for_function(
                    "() => { const c = document.querySelectorAll('.mk-review-counts');"
                    f" return c.length && c[c.length-1].innerText.includes('{n} shown') &&"
                    " document.querySelectorAll('.mk-review-grid canvas').length; }",
                    timeout=60_000)
                figures.setdefault("run cell -> grid with all rows on screen", []).append(
                    time.monotonic() - t)
                text = page.locator(".mk-review-text input").last
                t = time.monotonic()
                text.fill("00042")
                text.press("Enter")
                page.locator(".mk-review-counts").last.filter(has_text=" 1 shown").wait_for()
                figures.setdefault("filter (type + Enter) -> 1 row shown", []).append(
                    time.monotonic() - t)
                t = time.monotonic()
                text.fill("")
                text.press("Enter")
                page.locator(".mk-review-counts").last.filter(has_text=f"{n} shown").wait_for()
                figures.setdefault(f"clear filter -> {n} rows shown", []).append(
                    time.monotonic() - t)
                keys = page.locator(".mk-review-keys input").last
                keys.click()
                keys.press("j")
                page.locator(".mk-review-detail").last.filter(has_text="Atera").wait_for()
                t = time.monotonic()
                keys.press("a")
                page.locator(".mk-review-status").last.filter(has_text="accepted").wait_for()
                figures.setdefault("key a -> 'accepted' on screen", []).append(
                    time.monotonic() - t)
                t = time.monotonic()
                keys.press("u")
                page.locator(".mk-review-status").last.filter(has_text="undone").wait_for()
                figures.setdefault("key u -> 'undone' on screen", []).append(
                    time.monotonic() - t)
            for what, times in figures.items():
                ms = sorted(x * 1000 for x in times)
                print(f"  {what:<44} best {ms[0]:7.0f} ms   worst {ms[-1]:7.0f} ms "
                      "(upper bounds: Playwright polls)")
            browser.close()
