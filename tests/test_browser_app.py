"""`matchkit lab --app` (what `make app` runs) end to end: the URL it prints is the one Voilà
serves, even when the port asked for is taken, and the app in headless Chromium shows the
wizard, not the notebook's developer cells."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _jupyterlab import CHROMIUM_ARGS, chromium_path, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed "
                       "(apt-get install chromium; `make test` does it)"),
]

# What only a developer reads in notebook 01: none of it belongs on the app's page.
DEVELOPER = ("mode =", "auto =", "MATCHKIT_", "import ", "Developers", "nbval", "sandbox")


def _start(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MATCHKIT_") or k.startswith("MATCHKIT_SANDBOX_EXCHANGE_LOG")}
    env.update({"JUPYTER_CONFIG_DIR": str(tmp_path / "jcfg"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "jrt")})
    proc = subprocess.Popen([sys.executable, "-m", "matchkit", "lab", "--app", "--port",
                             str(port)], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=(tmp_path / "app.log").open("w"),
                            start_new_session=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Ctrl-C"):
            return proc, lines
    proc.kill()
    raise AssertionError(f"no URL printed: {lines}\n{(tmp_path / 'app.log').read_text()}")


def test_app_url_is_the_served_one_and_shows_no_developer_cells(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    taken = socket.socket()
    taken.bind(("127.0.0.1", free_port()))
    taken.listen()
    port = taken.getsockname()[1]
    proc, lines = _start(tmp_path, port)
    try:
        url = next(m.group(1) for line in lines if (m := re.match(r"Voilà: (\S+)", line)))
        served = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
        assert served != port and f"(port {port} was taken)" in lines
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                        args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 1000})
                page.goto(url)
                expect(page.locator("button.mk-connect")).to_be_visible()
                text = page.locator("body").inner_text()
                assert "Connect and sync Atera with Xero" in text
                assert [w for w in DEVELOPER if w in text] == []
                assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor").count() == 0
                page.screenshot(path=str(tmp_path / "app-connect.png"))
                page.click("button.mk-connect")
                expect(page.locator(".mk-title")).to_contain_text("Step 1/6: Welcome")
                text = page.locator("body").inner_text()
                assert [w for w in DEVELOPER if w in text] == []
                page.screenshot(path=str(tmp_path / "app-welcome.png"), full_page=True)
            finally:
                browser.close()
    finally:
        taken.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0
