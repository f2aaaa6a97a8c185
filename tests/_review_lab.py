"""A real JupyterLab for the review grid's browser test and bench (headless Debian Chromium).

Recipe from ../shared/reference/jupyter-testing.md: a fresh server on a free loopback port in
its own process group, with a token, the news toast turned off and a temp workspace dir; the
whole group is killed afterwards, so no server outlives a test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TOKEN = "mk-review-test-token"


def chromium() -> str | None:
    path = os.environ.get("MATCHKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def lab(root: Path, work: Path) -> Iterator[str]:
    """Serve ``root`` with JupyterLab; yield the base URL. Everything is stopped on exit."""
    port = _free_port()
    settings = work / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:notification": {
            "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
        # Lab 4 detaches cells scrolled out of view; the tests read the whole widget.
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "jcfg"),
           "JUPYTER_RUNTIME_DIR": str(work / "jrt"), "PYTHONPATH": str(TESTS)}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--port-retries=0", "--allow-root",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
           f"--LabApp.app_settings_dir={settings}",
           f"--LabApp.workspaces_dir={work / 'workspaces'}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = (work / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start; see "
                                       f"{work / 'lab.log'}") from None
                time.sleep(0.3)
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


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


def open_and_run(page: Any, base: str, name: str) -> float:
    """Open the notebook, run all cells; return the monotonic time of the Run All click."""
    page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
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

    exe = chromium()
    if exe is None:
        print("browser: skipped (no Chromium; apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory(prefix="mk-review-lab-") as tmp:
        work = Path(tmp)
        root = work / "root"
        root.mkdir()
        write_notebook(root / "review.ipynb", n, work / "ws.duckdb")
        with lab(root, work) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            print(f"browser (JupyterLab + Chromium), {n} rows")
            # Warm-up run: the first kernel start pays for imports once.
            open_and_run(page, base, "review.ipynb")
            page.wait_for_selector(".mk-review-grid canvas", timeout=120_000)
            figures: dict[str, list[float]] = {}
            for _ in range(3):
                page.evaluate("() => fetch('/api/kernels?token=" + TOKEN + "')")
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
