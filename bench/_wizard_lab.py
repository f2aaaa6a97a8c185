"""The wizard's Match steps in a real JupyterLab and headless Chromium: what a person waits
for, timed inside the page (``bench_wizard.py --browser``; nothing asserted).

The notebook builds ``bench_wizard.make_wizard``'s workspace (2,000 Atera customers, 20,000
Xero contacts) and shows the wizard on Match products; each round then times, from the click
(or the key, or the choice) to the frame after the page shows the answer: Next to the Match
customers step with its rows filled, a page flip, a row's choice, Search… opening its panel, a
search typed (every contact searched), and Back.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _jupyterlab import CHROMIUM_ARGS, chromium_path, running_lab  # noqa: E402
from _review_lab import _stop_kernels, extract_package, open_and_run  # noqa: E402

# From the first click, key or change (capture phase) to the frame in which `done()` holds.
_WATCH = """(done) => {
  window.__mkStart = null; window.__mkDone = null;
  const test = new Function('return (' + done + ')();');
  const start = () => { if (window.__mkStart === null) window.__mkStart = performance.now(); };
  for (const e of ['mousedown', 'keydown', 'change', 'input'])
    document.addEventListener(e, start, {capture: true, once: true});
  // checked once a frame, not on every mutation: reading innerText forces a layout, and a
  // page flip makes hundreds of mutations (the check alone cost 70-90 ms of a flip)
  let pending = false;
  const check = () => {
    pending = false;
    if (window.__mkStart !== null && window.__mkDone === null && test()) {
      window.__mkDone = performance.now();
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(check); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true,
                              attributes: true});
}"""


def _text(selector: str) -> str:
    """JS: the text of the shown elements of ``selector`` (a step's hidden tables too)."""
    return (f"[...document.querySelectorAll({selector!r})].filter(e => e.offsetParent "
            "!== null).map(e => e.innerText).join('|')")


def _timed(page: Any, done: str, act: Any) -> float:
    page.evaluate(_WATCH, done)
    act()
    try:
        page.wait_for_function("() => window.__mkDone !== null", timeout=120_000)
    except Exception:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "wizard-lab-timeout.png"))
        print(f"timed out waiting for {done}; the page: wizard-lab-timeout.png in the "
              "temporary folder")
        raise
    return float(page.evaluate("() => window.__mkDone - window.__mkStart"))


def _notebook(path: Path, workspace: Path, code: Path | None = None) -> None:
    """The wizard notebook; on the ``matchkit`` under ``code`` (another commit's) if given."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    other = ("" if code is None else
             f"sys.path.insert(0, {str(code)!r})\nimport matchkit\n"
             f"assert matchkit.__file__.startswith({str(code)!r}), matchkit.__file__\n")
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"import sys\nsys.path.insert(0, {str(ROOT / 'bench')!r})\n{other}"
            "from bench_wizard import make_wizard\n"
            "from matchkit.widgets import WizardView\n"
            f"wiz = make_wizard({str(workspace)!r})\n"
            "wiz.use_workspace()\nwiz.next(confirm=True)  # Match products"),
        nbformat.v4.new_code_cell("view = WizardView(wiz)\nview.widget"),
    ]
    nbformat.write(nb, path)


def _round(page: Any, figures: dict[str, list[float]], n: int) -> None:
    def add(what: str, done: str, act: Any) -> None:
        figures.setdefault(what, []).append(_timed(page, done, act))

    title = _text(".mk-wizard .mk-title")
    add("Next -> Match customers, rows filled",
        f"() => {title}.includes('customers') && "
        f"{_text('.mk-row-name-0')}.trim() !== ''",
        lambda: page.click("button.mk-next"))
    label = _text(".mk-page")
    before = page.evaluate(f"() => {label}")
    add("page flip (Next page)", f"() => {label} !== {before!r}",
        lambda: page.locator("button.mk-page-next:visible").click())
    counts = page.evaluate(f"() => {_text('.mk-counts')}")
    add("a row's choice -> counts updated",
        f"() => {_text('.mk-counts')} !== {counts!r}",
        lambda: page.locator(".mk-row-1 select:visible").select_option(index=2 + n))
    add("Search… -> the search panel open",
        "() => [...document.querySelectorAll('.mk-search-panel')]"
        ".some(p => p.offsetParent !== null)",
        lambda: page.locator("button.mk-pick-2:visible").click())
    add("a search typed -> hits shown (20,000 contacts)",
        "() => [...document.querySelectorAll('.mk-search-hits select')]"
        # ipywidgets draws an option's spaces as no-break spaces
        f".some(s => s.textContent.replace(/\\u00a0/g, ' ').includes('Contact 0123{n + 1}'))",
        lambda: page.locator(".mk-search-panel input:visible").fill(f"Contact 0123{n + 1}"))
    page.locator("button.mk-search-close:visible").click()
    add("Back -> Match products", f"() => {title}.includes('products')",
        lambda: page.click("button.mk-back"))


def browser_figures(rounds: int = 3, before: str | None = None) -> None:
    """Print the figures for this checkout and, side by side, for commit ``before``."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        print("browser: skipped (no Chromium; apt-get install chromium)")
        return
    results: list[tuple[str, dict[str, list[float]]]] = []
    with tempfile.TemporaryDirectory(prefix="mk-wizard-lab-") as tmp:
        work = Path(tmp)
        root = work / "root"
        root.mkdir()
        variants = [("now", "wizard.ipynb")]
        _notebook(root / "wizard.ipynb", work / "ws.duckdb")
        if before is not None and extract_package(before, work / "before"):
            _notebook(root / "before.ipynb", work / "ws-before.duckdb", work / "before")
            variants.append((f"before ({before})", "before.ipynb"))
        elif before is not None:
            print(f"no git commit {before} here: no figures before")
        with running_lab(root, work / "jupyter") as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            for label, name in variants:
                page = browser.new_page(viewport={"width": 1600, "height": 1400})
                open_and_run(page, lab, name)
                page.wait_for_function(f"() => {_text('.mk-wizard .mk-title')}"
                                       ".includes('products')", timeout=300_000)
                figures: dict[str, list[float]] = {}
                for n in range(rounds):
                    _round(page, figures, n)
                    page.wait_for_timeout(300)
                results.append((label, figures))
                page.close()
                _stop_kernels(lab)
            browser.close()
    print(f"browser (JupyterLab + Chromium), {rounds} rounds; timed inside the page, from "
          "the click to the frame after the change (targets: a step 1.5 s, an action 200 ms)")
    for label, figures in results:
        print(f"  {label}")
        for what, ms in figures.items():
            print(f"    {what:<48} best {min(ms):6.0f} ms   median "
                  f"{statistics.median(ms):6.0f} ms   worst {max(ms):6.0f} ms")
