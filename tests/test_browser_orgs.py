"""The wizard's Connect step in a real JupyterLab (headless Chromium) when the Xero login
reaches two organisations: a picker, nothing connected until one is chosen, then the
workspace belongs to the chosen one."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from _jupyterlab import CHROMIUM_ARGS, Lab, chromium_path, jupyter_lab

from matchkit.sandbox import start
from matchkit.store import Workspace

__all__ = ["jupyter_lab"]

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_connect_and_sync.ipynb"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed "
                       "(apt-get install chromium; `make test` does it)"),
    pytest.mark.skipif(importlib.util.find_spec("matchkit.sources") is None,
                       reason="the matching service (matchkit.sources) is missing"),
]


def test_connect_offers_the_organisations(tmp_path: Path,
                                          jupyter_lab: Callable[..., Lab]) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)  # a loaded 2-core CI box
    shots = tmp_path / "screens"
    shots.mkdir()
    root = tmp_path / "nb"
    root.mkdir()
    shutil.copy(REPO / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    with start(seed="demo", orgs=2) as sb:
        first, second = sb.tenants
        workspace = tmp_path / "ws.duckdb"
        env = {**sb.env, "MATCHKIT_TOKEN_DIR": str(tmp_path / "kernel-tokens"),
               "MATCHKIT_WORKSPACE": str(workspace), "MATCHKIT_WIZARD_AUTO": "0"}
        lab = jupyter_lab(root, env=env)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                        args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 1200})
                page.set_default_timeout(120_000)

                def snap(name: str) -> None:
                    page.locator(".mk-wizard").first.screenshot(path=str(shots / name))

                page.goto(lab.notebook_url(NOTEBOOK))
                page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
                page.wait_for_function(
                    "document.body.innerText.includes('Python 3 (ipykernel) | Idle')")
                page.click('.lm-MenuBar-itemLabel:text-is("Run")')
                page.click('.lm-Menu-item[data-command="runmenu:run-all"]')
                expect(page.locator("button.mk-connect")).to_be_visible()
                page.click("button.mk-connect")  # logs in: two organisations
                picker = page.locator(".mk-organisation select")
                expect(picker).to_be_visible()
                expect(page.locator(".mk-organisation-text")).to_contain_text(
                    "reaches 2 organisations")
                expect(page.locator("button.mk-connect")).to_be_disabled()
                shown = [o.replace("\u00a0", " ").strip()  # ipywidgets shows nbsp
                         for o in picker.locator("option").all_inner_texts()]
                assert shown == [
                    "Choose an organisation…", f"{first['name']} ({first['short_code']})",
                    f"{second['name']} ({second['short_code']})"]
                snap("0-picker.png")
                assert not workspace.exists() or Workspace.open(
                    workspace).xero_organisation() is None  # nothing connected yet
                picker.select_option(index=2)
                button = page.locator("button.mk-connect")
                expect(button).to_have_text(f"Connect to {second['name']}")
                snap("1-chosen.png")
                button.click()
                expect(page.locator(".mk-title")).to_contain_text(
                    f"Step 1/6: Welcome · {second['name']}")
                expect(page.locator(".mk-taxes")).to_contain_text("without tax")
                snap("2-welcome.png")
                assert page.locator(".mk-error").first.inner_text() == ""
            finally:
                browser.close()
    ws = Workspace.open(workspace)
    assert ws.xero_organisation() == {"tenant_id": second["tenant_id"],
                                      "tenant_name": second["name"]}
    assert [r["Name"] for r in ws.records("xero", "organisation")] == [second["name"]]
