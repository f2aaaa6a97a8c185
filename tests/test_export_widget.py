"""The export widget, driven headless against the sandbox: check, export, links, escaping."""

from __future__ import annotations

import json
from pathlib import Path

from matchkit.export import batch_from_file
from matchkit.widgets import ExportView
from tests._export_fixtures import demo_seed, export_env, load_demo


def test_export_view_checks_exports_and_links(tmp_path: Path) -> None:
    atera, _ = demo_seed()
    invoices = [i for i in atera["invoices"] if str(i["InvoiceDate"]).startswith("2026-08")][:8]
    evil = {**invoices[0], "InvoiceNumber": 880001,
            "To": {"CompanyName": "<script>alert('x')</script> & Co"}}
    path = tmp_path / "b.json"
    path.write_text(json.dumps([*invoices, evil]))
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        view = ExportView(env.ws, env.xero, batch_from_file(path))
        view.create_customers.value = True
        view.check_button.click()
        assert view.errors.last is None, view.errors.last
        assert view.plan is not None and not view.export_button.disabled
        assert "&lt;script&gt;" in view.problems.value and "<script>" not in view.problems.value
        assert "PUT Invoices?summarizeErrors=false" in view.calls.value
        assert env.sb.ledger.count(system="xero", method="PUT") == 0
        view.export_button.click()
        assert view.errors.last is None, view.errors.last
        assert view.result is not None and view.result.ok
        assert view.progress.bar.value == view.progress.bar.max == len(view.result.exported)
        links = view.links.value
        for number in view.result.exported:
            link = view.result.outcomes[number].link
            assert link and link.replace("&", "&amp;") in links
        assert "880001" in links and "<script>" not in links  # refused, escaped


def test_export_view_reports_a_missing_date_range(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        view = ExportView(env.ws, env.xero)
        view.check_button.click()
        assert "pick the first and the last invoice date" in view.errors.widget.value
