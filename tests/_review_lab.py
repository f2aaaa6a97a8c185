"""The review grid in a real JupyterLab (headless Debian Chromium): notebook and figures.

The server comes from ``tests/_jupyterlab.py`` (the shared fixture: free port, token, quiet
settings, its own process group, stopped afterwards); this module writes the review notebook,
drives it, and measures what a person waits for (``bench/bench_review.py --browser``).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import nbformat
from _jupyterlab import CHROMIUM_ARGS, Lab, chromium_path, running_lab

TESTS = Path(__file__).resolve().parent
# The kernel imports _review_fixtures from here.
KERNEL_ENV = {"PYTHONPATH": str(TESTS)}


#: The grid as it was before the streaming change (full resends), for side-by-side figures.
BEFORE_COMMIT = "853e199"


def extract_package(commit: str, dest: Path) -> bool:
    """Put the ``matchkit`` package of ``commit`` (all its modules, as ``git archive`` gives
    them) under ``dest``: with ``dest`` first on ``sys.path`` a process imports that version
    whole, relative imports and all. False when git or that commit is not there."""
    try:
        archive = subprocess.run(["git", "-C", str(TESTS.parent), "archive", commit,
                                  "matchkit"], capture_output=True, check=True,
                                 timeout=60).stdout
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return (dest / "matchkit" / "widgets").is_dir()


def write_notebook(path: Path, n: int, workspace: Path, code: Path | None = None,
                   fill: bool = True) -> None:
    """A notebook that fills a workspace with ``n`` suggestions (unless ``fill`` is false:
    the workspace is there already) and shows the grid; the matchkit under ``code`` (see
    :func:`extract_package`) when given, else this checkout's."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import time\n"
            + ("" if code is None else
               f"import sys\nsys.path.insert(0, {str(code)!r})\nimport matchkit\n"
               f"assert matchkit.__file__.startswith({str(code)!r}), matchkit.__file__\n")
            + "from _review_fixtures import build\n"
            "from matchkit.review import Review\n"
            "from matchkit.store import Workspace\n"
            "from matchkit.widgets import ReviewGrid\n"
            + (f"ws, sugg = build({n}, path={str(workspace)!r}, "
               "names={3: \"<script>alert('x')</script>\"})\n"
               "ws.record_suggestions('customers', sugg)" if fill
               else f"ws = Workspace.open({str(workspace)!r})")),
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


# Installed before the page loads: the time of the frame after each grid data reply (the
# streaming grid fetches its rows after a change, so the text answering first is not yet the
# grid), found by its event name in the kernel websocket's frames.
_REPLIES = """(() => {
  window.__mkReplies = [];
  const Base = window.WebSocket;
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data, text = typeof d === 'string' ? d
          : d instanceof ArrayBuffer ? new TextDecoder().decode(d) : '';
        if (text.includes('"data-reply"'))
          requestAnimationFrame(() => requestAnimationFrame(
            () => window.__mkReplies.push(performance.now())));
      });
    }
  };
})()"""


# The grid's canvas pixels each frame after a wheel event: when they last changed.
_SETTLE_START = """() => {
  window.__mkSettle = {start: null, last: null};
  const canvases = [...document.querySelectorAll('.mk-review-grid canvas')];
  const cv = canvases.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  const ctx = cv.getContext('2d', {willReadFrequently: true});
  const sig = () => { const d = ctx.getImageData(0, 0, Math.min(cv.width, 600), cv.height).data;
    let x = 0; for (let i = 0; i < d.length; i += 8) x = (x * 31 + d[i]) | 0; return x; };
  let prev = sig();
  const frame = () => {
    const s = window.__mkSettle, now = performance.now();
    if (s.start === null || now - s.start < 1000) {
      const cur = sig();
      if (cur !== prev && s.start !== null) s.last = now;
      prev = cur;
      requestAnimationFrame(frame);
    }
  };
  document.addEventListener('wheel', () => { window.__mkSettle.start = performance.now(); },
                            {capture: true, once: true});
  requestAnimationFrame(frame);
}"""
_SETTLE_WAIT = """(ms) => new Promise((done) => setTimeout(() => {
  const s = window.__mkSettle;
  done(s.last === null || s.start === null ? -1 : s.last - s.start);
}, ms + 100))"""


def _grid_drawn(page: Any, wait_ms: int = 1500) -> float | None:
    """Milliseconds from the last timed key to the frame after the first grid data reply
    that followed it (None if none came within ``wait_ms``: a grid sent whole)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "() => window.__mkReplies.some(t => t > window.__mkStart)", timeout=wait_ms)
    except PlaywrightTimeout:
        return None
    return float(page.evaluate(
        "() => Math.min(...window.__mkReplies.filter(t => t > window.__mkStart))"
        " - window.__mkStart"))


def _in_page(page: Any, selector: str, text: str, act: Any) -> float:
    """Milliseconds from the key that starts ``act`` to ``text`` in ``selector``, timed
    inside the page (no Playwright polling in the figure)."""
    page.evaluate(_WATCH, [selector, text])
    act()
    page.wait_for_function("() => window.__mkDone !== null", timeout=120_000)
    return float(page.evaluate("() => window.__mkDone - window.__mkStart"))


def _measure(page: Any, lab: Lab, name: str, n: int, rounds: int,
             received: list[int]) -> dict[str, list[tuple[float, int]]]:
    """Open notebook ``name``, run it, then time each action ``rounds`` times: (ms, bytes
    the page received over the kernel websocket while it waited)."""
    open_and_run(page, lab, name)
    page.wait_for_selector(".mk-review-grid canvas", timeout=120_000)
    page.locator(".mk-review-counts").filter(has_text=f"{n} shown").wait_for(timeout=120_000)
    figures: dict[str, list[tuple[float, int]]] = {}

    def add(what: str, selector: str, text: str, act: Any, grid: bool = False) -> None:
        before = received[0]
        ms = _in_page(page, selector, text, act)
        figures.setdefault(what, []).append((ms, received[0] - before))
        # The rows drawn, when the grid fetches them after the text has answered (a grid sent
        # whole has them before its text: no separate figure).
        drawn = _grid_drawn(page) if grid else None
        if drawn is not None:
            figures.setdefault(f"  ... {what.split(' ->')[0]}: grid rows drawn",
                               []).append((max(ms, drawn), 0))

    for _ in range(rounds):
        cell = page.locator(".jp-Notebook .jp-CodeCell").nth(1)
        cell.locator(".jp-InputArea-editor").click()
        add("Shift+Enter on the grid cell -> grid shown", ".mk-review-counts", f"{n} shown",
            lambda: page.keyboard.press("Shift+Enter"))
        page.locator(".mk-review-grid canvas").first.wait_for()
        text = page.locator(".mk-review-text input")
        text.fill("00042")
        add("filter (Enter in find box) -> 1 row", ".mk-review-counts", " 1 shown",
            lambda t=text: t.press("Enter"), grid=True)
        text.fill("")
        add(f"clear filter -> all {n} rows", ".mk-review-counts", f"{n} shown",
            lambda t=text: t.press("Enter"), grid=True)
        # A page flip: the wheel over the grid scrolls a screen down. Timed from the wheel
        # event to the last frame in which the grid's pixels changed (rows drawn from the
        # page's cache paint at once; rows it must fetch paint when they arrive).
        box = page.locator(".mk-review-grid").first.bounding_box()
        if box is not None:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            for delta in (440, -440):
                page.evaluate(_SETTLE_START)
                page.mouse.wheel(0, delta)
                flip = float(page.evaluate(_SETTLE_WAIT, 1000))
                if flip < 0:  # the grid never changed: nothing was measured, say so
                    print(f"    {name}: page flip ({delta:+d} px): the grid did not change "
                          "within 1 s; not timed")
                    continue
                figures.setdefault("page flip (wheel, one screen) -> grid settled",
                                   []).append((flip, 0))
        press = _keys(page)
        add("key j -> next row in side panel", ".mk-review-detail", "Atera",
            lambda p=press: p("j"))
        add("key a -> accepted", ".mk-review-status", "accepted", lambda p=press: p("a"),
            grid=True)
        add("key u -> undone", ".mk-review-status", "undone", lambda p=press: p("u"),
            grid=True)
        page.wait_for_timeout(300)  # let trailing grid messages land before the next round
    return figures


def _keys(page: Any) -> Any:
    """How keys reach this grid: pressed on the grid (its first row clicked: focus and a
    row), or typed into the keys box of grids before 2660c9e."""
    box = page.locator(".mk-review-keys input")
    if box.count():
        box.click()
        return box.press
    grid = page.locator(".mk-review-grid").first.bounding_box()
    page.mouse.click(grid["x"] + 150, grid["y"] + 20 + 11)
    page.locator(".mk-review-detail").filter(has_text="Atera id").wait_for(timeout=60_000)
    return page.keyboard.press


def _stop_kernels(lab: Lab) -> None:
    import httpx

    params = {"token": lab.token}
    for k in httpx.get(f"{lab.base}/api/kernels", params=params, timeout=10).json():
        httpx.delete(f"{lab.base}/api/kernels/{k['id']}", params=params, timeout=30)


def browser_figures(n: int, rounds: int = 3, before: bool = True,
                    commit: str = BEFORE_COMMIT) -> None:
    """Print what a person waits for with ``n`` suggestions, for the grid now and (``before``)
    as it was at ``commit``, in the same Lab (bench; nothing asserted)."""
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
        db = work / "ws.duckdb"
        write_notebook(root / "review.ipynb", n, db)
        variants = [("now (streaming)", "review.ipynb")]
        if before and extract_package(commit, work / "before"):
            write_notebook(root / "review_before.ipynb", n, db, code=work / "before",
                           fill=False)
            variants.append((f"before ({commit})", "review_before.ipynb"))
        elif before:
            print(f"browser: no git commit {commit} here; measuring the grid as it is")
        with running_lab(root, work / "jupyter", env=KERNEL_ENV) as lab, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            print(f"browser (JupyterLab + Chromium), {n} rows, {rounds} rounds; timed inside "
                  "the page, from the key press to the frame after the change; KB = what the "
                  "page received from the kernel meanwhile")
            results = []
            for label, name in variants:
                page = browser.new_page(viewport={"width": 1600, "height": 1400})
                page.add_init_script(_REPLIES)
                received = [0]

                def on_ws(ws: Any, received: list[int] = received) -> None:
                    ws.on("framereceived", lambda f: received.__setitem__(
                        0, received[0] + len(f if isinstance(f, bytes | str) else b"")))

                page.on("websocket", on_ws)
                results.append((label, _measure(page, lab, name, n, rounds, received)))
                page.close()
                _stop_kernels(lab)  # one workspace file, one writer: free it for the next

            for label, figures in results:
                print(f"  {label}")
                for what, got in figures.items():
                    ms = sorted(t for t, _ in got)
                    kb = max(b for _, b in got) / 1024
                    print(f"    {what:<44} best {ms[0]:6.0f} ms   worst {ms[-1]:6.0f} ms   "
                          f"max {kb:7.1f} KB")
            browser.close()
