"""The export widget, driven headless against the sandbox: check, export, links, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from matchkit._exceptions import TransportError
from matchkit.export import batch_from_file
from matchkit.reconcile import reconcile, reconcile_batch
from matchkit.widgets import ExportView, esc
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
        # It ends as `matchkit export` does: the batch read back from Xero and reconciled.
        line = view.reconciled.value
        assert line.startswith(f"<p>reconciled {len(view.result.exported)} invoice(s) of batch "
                               f"{view.result.batch_id}: Atera subtotal "), line
        assert "nothing unexplained" in line
        again = reconcile(env.ws, env.xero, view.result.batch_id)
        assert line == f"<p>{esc(again.summary())}</p>"
        # Xero unreachable for the read-back: the export stands, the line says what to run.
        down = _Unreachable(env.xero.tenant_id)
        said, ok = reconcile_batch(env.ws, down, view.result.batch_id)
        assert not ok and said == ("could not read the batch back from Xero (connection "
                                   f"refused): run `matchkit reconcile --batch "
                                   f"{view.result.batch_id}`")


class _Unreachable:
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    def invoices(self, **_: object) -> list[dict[str, object]]:
        raise TransportError("connection refused", system="xero")


def test_export_view_reports_a_missing_date_range(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        view = ExportView(env.ws, env.xero)
        view.check_button.click()
        assert "pick the first and the last invoice date" in view.errors.widget.value


def test_unmatched_customers_can_be_matched_or_created_from_the_view(tmp_path: Path) -> None:
    atera, truth = demo_seed()
    true_contact = {str(t["atera_id"]): t["xero_id"] for t in truth["customers"]}
    by_invoice = {str(k): str(v) for k, v in truth["invoice_customers"].items()}
    names = {str(c["CustomerID"]): c["CustomerName"] for c in atera["customers"]}
    to_name = {str(i["InvoiceNumber"]): i["To"]["CompanyName"] for i in atera["invoices"]}
    # A customer Xero does not have yet, whose invoices name it exactly: to be created.
    new = min(c for n, c in by_invoice.items()
              if true_contact[c] is None and to_name[n] == names[c])
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws, leave_customers=frozenset({"101"}))
        env.ws.record_suggestions("customers", pd.DataFrame([
            {"left_id": "101", "right_id": true_contact["101"], "score": 91.0,
             "method": "normalised", "rank": 1, "ambiguous": False, "evidence": "name",
             "left_name": "a", "right_name": "Smith and Jones <b>Accountants</b>"}]))
        numbers = [n for n, c in by_invoice.items() if c in ("101", new)]
        path = tmp_path / "b.json"
        path.write_text(json.dumps([i for i in atera["invoices"]
                                    if str(i["InvoiceNumber"]) in numbers]))
        view = ExportView(env.ws, env.xero, batch_from_file(path))
        view.check()
        assert set(view.customer_choices) == {"101", new}
        labels = dict(view.customer_choices["101"].options)
        assert "Match: Smith and Jones <b>Accountants</b> (91)" in labels  # text, not HTML
        assert "suggested: Smith and Jones" in view.problems.value
        view.customer_choices["101"].value = true_contact["101"]
        view.customer_choices[new].value = "create"
        view.apply_button.click()
        assert view.errors.last is None, view.errors.last
        assert view.customer_choices == {}  # nothing left to decide
        result = view.export()
        assert result.ok and set(result.exported) == set(numbers)
        sent_to = {i["InvoiceNumber"]: i["Contact"]["ContactID"] for i in env.xero_invoices()}
        assert {sent_to[n] for n in numbers if by_invoice[n] == "101"} == {true_contact["101"]}
        dec = env.ws.current_decisions("customers").set_index("atera_id")
        assert dec.loc["101", "method"] == "manual"
        assert dec.loc[new, "method"] == "created"
        made = [c for c in env.client().contacts(include_archived=False)
                if c["ContactID"] == dec.loc[new, "xero_id"]]
        assert [c["Name"] for c in made] == [names[new]]
