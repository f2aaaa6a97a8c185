"""matchkit meets the stricter sandbox: amounts at Atera's totals (unitdp=4, Xero's rounding
guide for longer rates), and what Xero would refuse caught before sending, with a message per
record: locked periods, contacts Xero would refuse, requests over the size limit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from _contract import XERO_REFERENCE
from _spec_fields import spec_fields

from matchkit._limits import CONTACT_LIMITS
from matchkit.export import (
    ExportOptions,
    batch_from_file,
    export_batch,
    exported_invoices,
    parse_invoice,
)
from matchkit.export._presend import lock_problem
from matchkit.outbox import ContactSpec, XeroSyncError, contact_problems, ensure_contacts
from matchkit.sandbox import Exchange, add_exchange_observer, remove_exchange_observer
from tests._export_fixtures import demo_seed, export_env, load_demo


def _batch(tmp_path: Path, invoices: list[dict[str, Any]]) -> Path:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"items": invoices}))
    return path


def _october(n: int = 3) -> list[dict[str, Any]]:
    atera, _ = demo_seed()
    return [i for i in atera["invoices"] if str(i["InvoiceDate"]).startswith("2026-10")][:n]


class _Seen:
    def __init__(self) -> None:
        self.writes: list[Exchange] = []

    def __call__(self, ex: Exchange) -> None:
        if ex.method in ("PUT", "POST") and "/api.xro/" in ex.path:
            self.writes.append(ex)

    def bodies(self, resource: str) -> list[dict[str, Any]]:
        out = []
        for ex in self.writes:
            if ex.path.lower().endswith("/" + resource.lower()):
                out += json.loads(ex.body).get(resource, [])
        return out


@pytest.fixture
def seen() -> Any:
    watch = _Seen()
    add_exchange_observer(watch)
    yield watch
    remove_exchange_observer(watch)


def test_rates_with_more_places_reach_xero_at_ateras_total(tmp_path: Path, seen: _Seen) -> None:
    base = _october(1)[0]
    line = base["LineItems"][0]
    lines = [{**line, "Quantity": 3, "Rate": 12.345, "DiscountPercentage": None},
             {**line, "Quantity": 1000, "Rate": 0.061171, "DiscountPercentage": None},
             {**line, "Quantity": 1, "Rate": 19.99, "DiscountPercentage": 12.5}]
    inv = {**base, "InvoiceNumber": 880001, "LineItems": lines}
    atera_total = float(parse_invoice(inv).subtotal)
    assert atera_total == pytest.approx(37.04 + 61.17 + 17.49)
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        result = export_batch(env.ws, env.xero, batch_from_file(_batch(tmp_path, [inv])),
                              ExportOptions(create_missing_customers=True))
        assert result.exported == ["880001"], result.report.problems
        row = exported_invoices(env.ws).set_index("atera_invoice").loc["880001"]
        assert float(row["xero_subtotal"]) == pytest.approx(atera_total)
        assert float(row["subtotal_diff"]) == 0
        put = [ex for ex in seen.writes if ex.path.endswith("/Invoices")][-1]
        assert parse_qs(put.query)["unitdp"] == ["4"]
        sent = seen.bodies("Invoices")[-1]["LineItems"]
        assert sent[0]["UnitAmount"] == 12.345
        # A rate Xero cannot carry (0.061171: 1000 x 0.0612 would be 61.20): one unit of the
        # line amount, as Xero's rounding guide shows it.
        assert (sent[1]["Quantity"], sent[1]["UnitAmount"]) == (1.0, 61.17)
        assert sent[1]["Description"].startswith("1000 x ")
        assert "@ 0.061171" in sent[1]["Description"]
        back = next(i for i in env.xero_invoices() if i["InvoiceNumber"] == "880001")
        assert back["SubTotal"] == pytest.approx(atera_total)


def test_invoices_in_a_locked_period_are_refused_before_sending(tmp_path: Path,
                                                                seen: _Seen) -> None:
    atera, _ = demo_seed()
    sept = [i for i in atera["invoices"] if str(i["InvoiceDate"]).startswith("2026-09")][:2]
    octo = _october(2)
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        env.sb.xero.org.set_lock_dates(period=dt.date(2026, 9, 30))
        result = export_batch(env.ws, env.xero, batch_from_file(_batch(tmp_path, sept + octo)),
                              ExportOptions(create_missing_customers=True))
        locked = {str(i["InvoiceNumber"]) for i in sept}
        assert set(result.refused) == locked
        for number in locked:
            (problem,) = result.report.refused[number]
            assert problem.code == "period_locked"
            assert "on or before the organisation's period lock date 2026-09-30" in str(problem)
        assert set(result.exported) == {str(i["InvoiceNumber"]) for i in octo}
        sent = {str(b["InvoiceNumber"]) for b in seen.bodies("Invoices")}
        assert not sent & locked  # never sent: Xero would have refused them
        log = env.ws.sql("SELECT atera_invoice, status, error FROM export_state "
                         "WHERE status = 'refused'")
        assert set(log["atera_invoice"]) == locked
        assert all("lock date" in e for e in log["error"])


def test_a_contact_xero_would_refuse_is_caught_before_sending(tmp_path: Path,
                                                              seen: _Seen) -> None:
    inv = _october(1)[0]
    atera, _ = demo_seed()
    customer = next(c for c in atera["customers"]
                    if c["CustomerName"] == inv["To"]["CompanyName"])
    bad = {**inv, "InvoiceNumber": 880101, "To": {**inv["To"], "Email": "accounts@acme"}}
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws, leave_customers=frozenset({str(customer["CustomerID"])}))
        result = export_batch(env.ws, env.xero, batch_from_file(_batch(tmp_path, [bad])),
                              ExportOptions(create_missing_customers=True))
        (problem,) = result.report.refused["880101"]
        assert problem.code == "customer_invalid"
        assert "e-mail address 'accounts@acme' is not one Xero accepts" in problem.message
        assert not seen.bodies("Contacts") and not seen.bodies("Invoices")


def test_ensure_contacts_fails_each_refused_contact_with_its_reason(tmp_path: Path,
                                                                    seen: _Seen) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        # (Atera customer ids are whole numbers: the contact's link key is built from it)
        specs = [ContactSpec("901", "Good Mail Co", email="ap@good.example"),
                 ContactSpec("902", "Bad Mail Co", email="ap@@bad"),
                 ContactSpec("903", "L" * 300)]
        with pytest.raises(XeroSyncError) as err:
            ensure_contacts(env.ws, env.xero, specs, run_id="presend")
        reasons = {f.atera_id: f.reason for f in err.value.failures}
        assert set(reasons) == {"902"}  # the long name is clipped to 255 by matchkit
        assert "e-mail address 'ap@@bad'" in reasons["902"]
        assert set(err.value.done) == {"901", "903"}
        assert {c["Name"] for c in seen.bodies("Contacts")} == {"Good Mail Co", "L" * 255}


def test_account_numbers_xero_holds_are_refused_and_read_only_when_needed() -> None:
    calls: list[int] = []

    def taken() -> set[str]:
        calls.append(1)
        return {"acc-1"}

    assert contact_problems([{"Name": "A"}], taken) == [None] and calls == []
    verdicts = contact_problems([{"Name": "A", "AccountNumber": "ACC-1"},
                                 {"Name": "B", "AccountNumber": "ACC-2"},
                                 {"Name": "C", "AccountNumber": "acc-2"},
                                 {"Name": "D", "Phones": [{"PhoneNumber": "1" * 51}]}], taken)
    assert calls == [1]
    assert "already another Xero contact's" in str(verdicts[0])
    assert verdicts[1] is None and "already" in str(verdicts[2])
    assert verdicts[3] == "phone 1: PhoneNumber is 51 characters; Xero takes at most 50"


def test_contact_limits_are_the_specs() -> None:
    spec = spec_fields(XERO_REFERENCE / "xero_accounting.yaml")
    assert spec["Contact"]["max"] == CONTACT_LIMITS


def test_lock_problem() -> None:
    org = {"PeriodLockDate": "/Date(1719705600000+0000)/",  # 2024-06-30
           "EndOfYearLockDate": "/Date(1688083200000+0000)/"}  # 2023-06-30
    assert lock_problem(dt.date(2024, 7, 1), org) is None
    assert "period lock date 2024-06-30" in str(lock_problem(dt.date(2024, 6, 30), org))
    assert "period lock date" in str(lock_problem(dt.date(2023, 1, 1), org))
    assert lock_problem(dt.date(2020, 1, 1), {}) is None


def test_requests_stay_under_the_size_limit(tmp_path: Path, seen: _Seen) -> None:
    """Xero takes at most 3.5 MB a request (the sandbox answers 413 above): the client splits
    a write into parts with derived Idempotency-Keys; one invoice too big alone is refused
    by the export before sending."""
    with export_env(tmp_path, in_memory=True) as env:
        contact = next(c for c in env.xero.contacts() if c.get("ContactStatus") == "ACTIVE")
        big = [{"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                "InvoiceNumber": f"BIG-{n}", "Date": "2026-10-01",
                "LineItems": [{"Description": "d" * 3900, "Quantity": 1, "UnitAmount": 1,
                               "AccountCode": "200"}] * 25} for n in range(40)]
        results = env.xero.create_invoices(big, idempotency_key="size-test")
        assert [r.index for r in results] == list(range(40)) and all(r.ok for r in results)
        puts = [ex for ex in seen.writes if ex.path.endswith("/Invoices")]
        assert len(puts) == 2 and all(len(ex.body) < 3_000_000 for ex in puts)
        assert [ex.headers["Idempotency-Key"] for ex in puts] == ["size-test-p1",
                                                                  "size-test-p2"]
        inv = {**_october(1)[0], "InvoiceNumber": 880201}
        inv["LineItems"] = [{**inv["LineItems"][0], "Description": "x" * 4000}] * 800
        load_demo(env.ws)
        result = export_batch(env.ws, env.xero, batch_from_file(_batch(tmp_path, [inv])),
                              ExportOptions(create_missing_customers=True))
        (problem,) = result.report.refused["880201"]
        assert problem.code == "too_large" and "3.5 MB" in problem.message


def test_invoice_reads_page_so_line_items_come_back(tmp_path: Path) -> None:
    with export_env(tmp_path, in_memory=True) as env:
        load_demo(env.ws)
        export_batch(env.ws, env.xero, batch_from_file(_batch(tmp_path, _october(2))),
                     ExportOptions(create_missing_customers=True))
        read = list(env.xero.invoices())
        assert read and all(inv["LineItems"] for inv in read)
