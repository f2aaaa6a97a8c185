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


_WATCH = """([sel, txt]) => {
  window.__mkStart = null; window.__mkDone = null;
  document.addEventListener('keydown', () => {
    if (window.__mkStart === null) window.__mkStart = performance.now(); },
    {capture: true, once: true});
  const check = () => {
    const els = document.querySelectorAll(sel), el = els[els.length - 1];
    if (window.__mkStart !== null && window.__mkDone === null && el
        && el.innerText.includes(txt)
        && document.querySelector('.mk-review-grid canvas')) {
      // the frame after the change: what the person sees
      requestAnimationFrame(() => { window.__mkDone = performance.now(); });
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _in_page(page: Any, selector: str, text: str, act: Any) -> float:
    """Milliseconds from the key that starts ``act`` to ``text`` in ``selector``, timed
    inside the page (no Playwright polling in the figure)."""
    page.evaluate(_WATCH, [selector, text])
    act()
    page.wait_for_function("() => window.__mkDone !== null", timeout=120_000)
    return float(page.evaluate("() => window.__mkDone - window.__mkStart"))


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
            print(f"browser (JupyterLab + Chromium), {n} rows; timed inside the page, from "
                  "the key press to the frame after the change")
            # Warm-up run: the first kernel start pays for imports once.
            open_and_run(page, lab, "review.ipynb")
            page.wait_for_selector(".mk-review-grid canvas", timeout=120_000)
            figures: dict[str, list[float]] = {}

            def add(what: str, ms: float) -> None:
                figures.setdefault(what, []).append(ms)

            for _ in range(3):
                cell = page.locator(".jp-Notebook .jp-CodeCell").nth(1)
                cell.locator(".jp-InputArea-editor").click()
                add("Shift+Enter on the grid cell -> grid shown",
                    _in_page(page, ".mk-review-counts", f"{n} shown",
                             lambda: page.keyboard.press("Shift+Enter")))
                text = page.locator(".mk-review-text input")
                text.fill("00042")
                add("filter (Enter in find box) -> 1 row",
                    _in_page(page, ".mk-review-counts", " 1 shown",
                             lambda t=text: t.press("Enter")))
                text.fill("")
                add(f"clear filter -> all {n} rows",
                    _in_page(page, ".mk-review-counts", f"{n} shown",
                             lambda t=text: t.press("Enter")))
                keys = page.locator(".mk-review-keys input")
                keys.click()
                add("key j -> next row in side panel",
                    _in_page(page, ".mk-review-detail", "Atera", lambda k=keys: k.press("j")))
                add("key a -> accepted", _in_page(page, ".mk-review-status", "accepted",
                                                 lambda k=keys: k.press("a")))
                add("key u -> undone", _in_page(page, ".mk-review-status", "undone",
                                               lambda k=keys: k.press("u")))
            for what, times in figures.items():
                ms = sorted(times)
                print(f"  {what:<44} best {ms[0]:7.0f} ms   worst {ms[-1]:7.0f} ms")
            browser.close()
