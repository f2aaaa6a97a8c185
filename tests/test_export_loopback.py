"""Invoice export against the Xero sandbox over loopback: what reaches Xero is read over HTTP."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from matchkit._exceptions import ConfigError
from matchkit.connect import connect_xero
from matchkit.export import (
    ExportOptions,
    batch_from_file,
    batch_from_selection,
    export_batch,
    exported_invoices,
    plan_export,
    refresh_invoices,
)
from matchkit.sandbox import add_exchange_observer, remove_exchange_observer
from matchkit.store import Decision
from matchkit.xero import RetryPolicy
from tests._export_fixtures import demo_seed, export_env, load_demo


def _truth_customers() -> dict[str, str | None]:
    _, truth = demo_seed()
    return {str(t["atera_id"]): t["xero_id"] for t in truth["customers"]}


def _truth_products() -> dict[str, str | None]:
    _, truth = demo_seed()
    return {str(t["atera_id"]): t["xero_id"] for t in truth["products"]}


def _numbers(invoices: list[dict[str, Any]]) -> Counter[str]:
    return Counter(str(i["InvoiceNumber"]) for i in invoices)


def test_unmatched_customers_and_unknown_products_exported_in_full_after_fixing(
        tmp_path: Path) -> None:
    truth = _truth_customers()
    with export_env(tmp_path, in_memory=True) as env:
        # Two customers that do have Xero contacts are not matched yet, nor is one product.
        load_demo(env.ws, leave_customers=frozenset({"101", "102"}),
                  leave_products=frozenset({"rate:9010"}))
        batch = batch_from_selection(env.ws, date_from="2026-08-01", date_to="2026-08-31")
        plan = plan_export(env.ws, env.xero, batch)
        problems = plan.report.problems
        unmatched = {p.invoice for p in problems if p.code == "customer_unmatched"}
        assert unmatched, "the batch should have invoices of unmatched customers"
        item_fixes = [p for p in problems if p.code == "item_create"]
        assert item_fixes and all(p.line for p in item_fixes)
        assert any("Block of 10 Support Hours" in p.message for p in item_fixes)
        assert env.sb.ledger.count(system="xero", method="PUT") == 0  # a dry run sends nothing

        first = export_batch(env.ws, env.xero, batch)
        assert set(first.refused) >= unmatched
        assert first.exported and first.ok  # refused invoices are not valid ones

        # Fix: match the two by hand, create the rest in Xero.
        env.ws.record_decisions([Decision("customers", "match", a, truth[a], "manual")
                                 for a in ("101", "102")])
        plan = plan_export(env.ws, env.xero, batch, ExportOptions(create_missing_customers=True))
        second = export_batch(env.ws, env.xero, batch,
                              ExportOptions(create_missing_customers=True))
        assert second.ok
        assert set(second.already) == set(first.exported)
        # "Block of 10 Support Hours" is Xero's "10 Hour Support Block": never created again;
        # its invoices wait, and say which Xero item a person should look at
        held = {n for n in second.refused
                if any(p.code == "needs_review" for p in second.report.refused[n])}
        assert held and all("10 Hour Support Block" in p.message for n in held
                            for p in second.report.refused[n] if p.code == "needs_review")
        assert not [i for i in env.client().items() if "block of 10" in i["Name"].lower()]
        # The dry run said as much: what is sent, what waits, nothing counted twice.
        waiting = {p.invoice for p in plan.report.problems if p.code == "needs_review"}
        assert waiting == held and set(plan.payloads) == set(second.exported)
        assert plan.text().splitlines()[0].startswith(
            f"{len(batch.numbers)} invoice(s): {len(second.exported)} to send, {len(held)} "
            f"waiting for a person, {len(second.refused) - len(held)} refused, "
            f"{len(second.already)} already exported;")
        # a person matches it; the rest go
        env.ws.record_decisions([Decision("products", "match", "rate:9010",
                                          _truth_products()["rate:9010"], "manual")])
        third = export_batch(env.ws, env.xero, batch,
                             ExportOptions(create_missing_customers=True))
        assert third.ok and set(third.exported) == held
        valid = set(first.exported) | set(second.exported) | set(third.exported)
        assert valid | set(third.refused) == set(batch.numbers)
        assert all(p.code == "customer_unknown" for n in third.refused
                   for p in third.report.refused[n])

        in_xero = _numbers(env.xero_invoices())
        assert set(in_xero) == valid and set(in_xero.values()) == {1}
        # Every created contact exists once, carries its link key, and is clearly new.
        contacts = list(env.client().contacts(include_archived=False))
        names = Counter(c["Name"] for c in contacts)
        assert max(names.values()) == 1
        created = env.ws.current_decisions("customers")
        made = set(created.loc[created["method"] == "created", "atera_id"])
        assert made and made <= {a for a, x in truth.items() if x is None}
        numbers = {c.get("ContactNumber") for c in contacts}
        assert {f"ATERA-{a}" for a in made} <= numbers


def test_invoices_go_tax_free_and_xero_applies_tax(tmp_path: Path) -> None:
    bodies: list[dict[str, Any]] = []

    def watch(ex: Any) -> None:
        if ex.method == "PUT" and ex.path.lower().endswith(("/invoices", "/creditnotes")):
            bodies.append(json.loads(ex.body))

    add_exchange_observer(watch)
    try:
        with export_env(tmp_path, in_memory=True) as env:
            load_demo(env.ws)
            batch = batch_from_selection(env.ws, date_from="2026-09-01", date_to="2026-09-30")
            result = export_batch(env.ws, env.xero, batch,
                                  ExportOptions(create_missing_customers=True))
            assert result.ok and result.exported
            sent = [inv for b in bodies for inv in b.get("Invoices", b.get("CreditNotes", []))]
            assert len(sent) == len(result.exported)
            for inv in sent:
                assert inv["LineAmountTypes"] == "Exclusive"
                for line in inv["LineItems"]:
                    assert "TaxType" not in line and "TaxAmount" not in line
                    assert "LineAmount" not in line
            back = {i["InvoiceID"]: i for i in env.xero_invoices()}
            df = exported_invoices(env.ws, env.xero.tenant_id).set_index("atera_invoice")
            taxed = 0
            for number in result.exported:
                row = df.loc[number]
                inv = back[row["xero_invoice_id"]]
                assert float(row["xero_tax"]) == pytest.approx(inv["TotalTax"])
                assert float(row["xero_total"]) == pytest.approx(inv["Total"])
                assert float(row["subtotal_diff"]) == pytest.approx(0, abs=0.01)
                taxed += inv["TotalTax"] > 0
            assert taxed >= len(result.exported) // 2  # GST on most lines, applied by Xero
    finally:
        remove_exchange_observer(watch)


def _bad_batch(tmp_path: Path) -> Path:
    atera, _ = demo_seed()
    good = [i for i in atera["invoices"] if str(i["InvoiceDate"]).startswith("2026-10")][:20]
    base = good[0]
    bad = [
        {**base, "InvoiceNumber": 990001, "LineItems": []},                      # empty
        {**base, "InvoiceNumber": 990002, "Currency": "EUR"},                   # currency
        {**base, "InvoiceNumber": 990003,
         "LineItems": [{**base["LineItems"][0], "Quantity": 0}]},               # zero total
        {**base, "InvoiceNumber": 990004,
         "LineItems": [{**base["LineItems"][0], "Quantity": -2}]},              # negative
        {**base, "InvoiceNumber": 990005, "To": {"CompanyName": "Nobody Pty Ltd"}},
        {**base, "InvoiceNumber": 990006,
         "LineItems": [{**base["LineItems"][0], "Rate": "a lot"}]},             # bad number
        good[1],                                                                # duplicate
    ]
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"items": good + bad}))
    return path


def test_bad_invoices_are_reported_and_the_good_ones_exported(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        batch = batch_from_file(_bad_batch(tmp_path))
        options = ExportOptions(create_missing_customers=True, credit_notes=False)
        result = export_batch(env.ws, env.xero, batch, options)
        refused = result.report.refused
        codes = {n: {p.code for p in ps} for n, ps in refused.items()}
        assert codes["990001"] == {"empty"}
        assert codes["990002"] == {"currency"}
        assert codes["990003"] == {"zero_total"}
        assert codes["990004"] == {"negative_total"}
        assert codes["990005"] == {"customer_unknown"}
        assert "bad_number" in codes["990006"]
        assert any(p.line == 1 for p in refused["990006"])
        dup = str(json.loads((tmp_path / "batch.json").read_text())["items"][1]["InvoiceNumber"])
        assert any(p.code == "duplicate" and p.invoice == dup for p in result.report.problems)
        assert result.ok
        in_xero = _numbers(env.xero_invoices())
        assert not {"990001", "990002", "990003", "990004", "990005", "990006"} & set(in_xero)
        assert set(in_xero) == set(result.exported) and set(in_xero.values()) == {1}
        log = env.ws.sql("SELECT atera_invoice, status, error FROM export_state")
        assert set(log[log["status"] == "refused"]["atera_invoice"]) == set(refused) - {dup}


def test_negative_invoice_becomes_a_credit_note_once(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        batch = batch_from_file(_bad_batch(tmp_path))
        options = ExportOptions(create_missing_customers=True)
        real = env.xero.create_credit_notes

        def lost_answer(records: list[dict[str, Any]], **kw: Any) -> Any:
            real(records, **kw)
            raise SystemExit("killed before the answer was recorded")

        env.xero.create_credit_notes = lost_answer
        with pytest.raises(SystemExit):
            export_batch(env.ws, env.xero, batch, options)
        env.xero.create_credit_notes = real
        result = export_batch(env.ws, env.xero, batch, options)
        assert result.ok and result.outcomes["990004"].status == "already"  # looked up
        notes = env.xero_credit_notes()
        assert [n["CreditNoteNumber"] for n in notes] == ["990004"]  # found, not sent again
        assert notes[0]["Total"] > 0 and notes[0]["Type"] == "ACCRECCREDIT"
        row = exported_invoices(env.ws).set_index("atera_invoice").loc["990004"]
        assert row["xero_type"] == "ACCRECCREDIT" and "ViewCreditNote" in row["link"]
        again = export_batch(env.ws, env.xero, batch, options)
        assert "990004" in again.already and len(env.xero_credit_notes()) == 1


@pytest.mark.parametrize("retries", [5, 1], ids=["client-retries", "no-client-retries"])
def test_faults_lose_and_double_nothing(tmp_path: Path, retries: int) -> None:
    policy = RetryPolicy(max_attempts=retries, base_delay=0.01, max_delay=0.05)
    with export_env(tmp_path, in_memory=True, retry=policy) as env:
        load_demo(env.ws)
        batch = batch_from_selection(env.ws, date_from="2026-09-01", date_to="2026-10-31")
        options = ExportOptions(create_missing_customers=True)
        valid = set(plan_export(env.ws, env.xero, batch, options).payloads)
        env.sb.set_faults("xero", "429=0.08,500=0.08,drop=0.05,drop_after=0.3", seed=7)
        results = []
        for _ in range(40):  # an operator running it again until it reports success
            try:
                results.append(export_batch(env.ws, env.xero, batch, options))
            except Exception as exc:
                results.append(exc)
                continue
            if results[-1].ok:
                break
        assert not isinstance(results[-1], Exception) and results[-1].ok, results
        in_xero = _numbers(env.xero_invoices())
        assert set(in_xero) == valid and set(in_xero.values()) == {1}
        faults = Counter(e.fault for e in env.sb.ledger.entries("xero") if e.fault)
        assert faults["drop_after"] > 0 and faults["500"] + faults["429"] > 0, (faults, results)
        state = exported_invoices(env.ws, env.xero.tenant_id)
        assert set(state[state["status"] == "exported"]["atera_invoice"]) == valid


def test_xero_numbering_resumes_by_reference(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        batch = batch_from_selection(env.ws, date_from="2026-08-01", date_to="2026-08-31")
        options = ExportOptions(create_missing_customers=True, numbering="xero")
        real = env.xero.create_invoices

        def lost_answer(records: list[dict[str, Any]], **kw: Any) -> Any:
            real(records, **kw)  # Xero applies the write...
            raise SystemExit("killed before the answer was recorded")

        env.xero.create_invoices = lost_answer
        with pytest.raises(SystemExit):
            export_batch(env.ws, env.xero, batch, options)
        env.xero.create_invoices = real
        result = export_batch(env.ws, env.xero, batch, options)
        assert result.ok
        refs = Counter(i["Reference"] for i in env.xero_invoices())
        assert set(refs.values()) == {1}
        assert len(refs) == len(result.exported) + len(result.already)
        numbers = exported_invoices(env.ws)["xero_number"].dropna()
        assert all(n.startswith("INV-") for n in numbers)


def test_refresh_reads_payment_state_back(tmp_path: Path) -> None:
    """The customer pays in Xero (PUT /Payments, spec createPayments): refresh-invoices shows
    paid and part-paid, and exporting the same invoices again sends nothing and changes
    nothing of what was paid."""
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        batch = batch_from_selection(env.ws, date_from="2026-08-01", date_to="2026-08-10")
        options = ExportOptions(create_missing_customers=True, status="AUTHORISED",
                                sales_account="200")
        result = export_batch(env.ws, env.xero, batch, options)
        assert result.ok and len(result.exported) >= 3
        ids = [result.outcomes[n].xero_id for n in result.exported[:3]]
        # One paid in full, one in part; one stays unpaid (due in 2026-08, long past). The
        # bookkeeper's own login pays: matchkit never asks for accounting.payments.
        bookkeeper = replace(env.settings, token_dir=str(tmp_path / "bookkeeper"),
                             xero_scopes=env.settings.xero_scopes + " accounting.payments")
        assert "accounting.payments" not in env.settings.xero_scopes
        with connect_xero(None, bookkeeper) as c:
            for iid, share in zip(ids[:2], (1.0, 0.5), strict=True):
                total = c.request("GET", f"Invoices/{iid}").json()["Invoices"][0]["Total"]
                pay = {"Invoice": {"InvoiceID": iid}, "Account": {"Code": "090"},
                       "Date": "2026-08-20", "Amount": round(total * share, 2)}
                answer = c.request("PUT", "Payments", json_body={"Payments": [pay]}).json()
                assert answer["Payments"][0]["Status"] == "AUTHORISED"
        df = refresh_invoices(env.ws, env.xero).set_index("xero_invoice_id")
        assert df.loc[ids[0], "payment"] == "paid"
        assert df.loc[ids[1], "payment"].startswith("part-paid")
        assert df.loc[ids[2], "payment"] == "overdue"
        assert float(df.loc[ids[1], "amount_paid"]) > 0
        before = {i["InvoiceID"]: i for i in env.xero_invoices() if i["InvoiceID"] in ids}

        writes: list[str] = []

        def watch(ex: Any) -> None:
            if ex.method in ("PUT", "POST") and "/invoices" in ex.path.lower():
                writes.append(f"{ex.method} {ex.path}")

        add_exchange_observer(watch)
        try:
            again = export_batch(env.ws, env.xero, batch_from_selection(
                env.ws, date_from="2026-08-01", date_to="2026-08-10"), options)
        finally:
            remove_exchange_observer(watch)
        assert writes == [] and not again.exported
        assert set(result.exported) <= set(again.already)
        after = {i["InvoiceID"]: i for i in env.xero_invoices() if i["InvoiceID"] in ids}
        assert after == before
        assert after[ids[0]]["Status"] == "PAID"


def test_invoices_per_request_setting_sizes_every_request(tmp_path: Path) -> None:
    sizes: list[int] = []

    def watch(ex: Any) -> None:
        if ex.method == "PUT" and ex.path.lower().endswith("/invoices"):
            sizes.append(len(json.loads(ex.body)["Invoices"]))

    add_exchange_observer(watch)
    try:
        with export_env(tmp_path, in_memory=True) as env:
            load_demo(env.ws)
            env.ws.set_setting("export.per_request", 7)
            options = ExportOptions.from_workspace(env.ws, create_missing_customers=True)
            batch = batch_from_selection(env.ws, date_from="2026-09-01", date_to="2026-09-30")
            plan = plan_export(env.ws, env.xero, batch, options)
            planned = [c.count for c in plan.calls if c.path.startswith("Invoices")]
            # no mapping rules: no read of them planned (accounts_mapping: with rules)
            assert not [c for c in plan.calls if c.path.startswith("TrackingCategories")]
            result = export_batch(env.ws, env.xero, batch, options)
            assert result.ok and len(result.exported) > 14
    finally:
        remove_exchange_observer(watch)
    assert sizes == planned  # the dry run shows the calls that are then made
    assert max(sizes) == 7 and all(s <= 7 for s in sizes) and len(sizes) >= 3
    with pytest.raises(ConfigError, match="per_request"):
        ExportOptions(per_request=51)
