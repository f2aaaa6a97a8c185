"""The contract recorder itself: it must catch what breaks the official spec, and a tour of
the sandbox's API on the demo organisation must break nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from _contract import ContractRecorder
from _sandbox_fixtures import login

from matchkit.sandbox import EXCHANGE_LOG_ENV, Exchange, Sandbox, read_exchange_log, start

TESTS = Path(__file__).resolve().parent

TENANT = "8f2c5b1e-4a7d-4c1b-9e3f-2d6a0b9c7e41"
HEADERS = {"xero-tenant-id": TENANT, "Authorization": "Bearer x",
           "Content-Type": "application/json", "Accept": "application/json"}


def _exchange(method: str, path: str, body: Any, status: int, answer: Any,
              query: str = "") -> Exchange:
    return Exchange("xero", method, path, query, HEADERS,
                    json.dumps(body).encode() if body is not None else b"", status,
                    {"Content-Type": "application/json; charset=utf-8"},
                    json.dumps(answer).encode())


def test_recorder_accepts_a_valid_exchange(contract: ContractRecorder) -> None:
    ex = _exchange("GET", "/api.xro/2.0/contacts", None, 200, {"Contacts": [
        {"ContactID": "a822e0af-6fc8-4595-862a-9a45df5e67b0", "Name": "A",
         "ContactStatus": "ACTIVE"}]}, query="page=1&pageSize=1000")
    assert ContractRecorder().check(ex) == []


def test_recorder_catches_bad_responses_and_requests(contract: ContractRecorder) -> None:
    bad_answer = _exchange("GET", "/api.xro/2.0/Contacts", None, 200, {"Contacts": [
        {"ContactID": "not-a-uuid", "Name": "A", "ContactStatus": "SLEEPING"}]})
    problems = ContractRecorder().check(bad_answer)
    assert len(problems) == 1 and "response" in problems[0] and "SLEEPING" in problems[0]
    # Website is read-only in the spec: a client must not send it.
    read_only = _exchange("PUT", "/api.xro/2.0/Contacts", {"Contacts": [
        {"Name": "A", "Website": "a.example"}]}, 200, {"Contacts": []},
        query="summarizeErrors=false")
    assert any("read-only" in p for p in ContractRecorder().check(read_only))
    no_tenant = Exchange("xero", "GET", "/api.xro/2.0/Organisation", "",
                         {"Authorization": "Bearer x"}, b"", 200,
                         {"Content-Type": "application/json"}, b'{"Organisations": []}')
    assert any("xero-tenant-id" in p for p in ContractRecorder().check(no_tenant))
    unknown_path = _exchange("GET", "/api.xro/2.0/Spaceships", None, 200, {})
    assert any("lacks" in p for p in ContractRecorder().check(unknown_path))


def test_recorder_collects_from_a_running_sandbox(contract: ContractRecorder,
                                                  sandbox: Sandbox) -> None:
    x = login(sandbox)
    with contract.expect_violations() as seen:
        x.put("Contacts", {"Contacts": [{"Name": "Site Co", "Website": "site.example"}]})
    assert len(seen) == 1 and "read-only" in seen[0]


def test_sandbox_tour_breaks_no_contract(contract: ContractRecorder) -> None:
    before = contract.checked_responses
    with contract.expect_violations() as seen, start(seed="demo") as sb:
        x = login(sb)
        for path in ("Organisation", "TaxRates", "Accounts", "Currencies", "Items"):
            assert x.get(path).status_code == 200
        contacts = x.get("Contacts", {"page": 1, "pageSize": 1000,
                                      "includeArchived": "true"}).json()["Contacts"]
        one = contacts[0]["ContactID"]
        assert x.get(f"Contacts/{one}").status_code == 200
        item = x.get("Items").json()["Items"][0]
        inv = {"Type": "ACCREC", "Contact": {"ContactID": one}, "Date": "2026-10-01",
               "DueDate": "2026-10-31", "Reference": "tour", "Status": "AUTHORISED",
               "LineAmountTypes": "Exclusive",
               "LineItems": [{"ItemCode": item["Code"], "Quantity": 2},
                             {"Description": "Labour", "Quantity": 1.5, "UnitAmount": 120,
                              "AccountCode": "200"}]}
        made = x.put("Invoices", {"Invoices": [inv, dict(inv, Contact={})]},
                     {"summarizeErrors": "false"}, **{"Idempotency-Key": "tour-1"})
        assert made.status_code == 200
        summarized = x.put("Invoices", {"Invoices": [dict(inv, Contact={})]})
        assert summarized.status_code == 400
        invoice_id = made.json()["Invoices"][0]["InvoiceID"]
        x.post("Invoices", {"Invoices": [{"InvoiceID": invoice_id, "Reference": "tour 2"}]})
        x.get("Invoices", {"IDs": invoice_id, "page": 1})
        x.get("Invoices", {"Statuses": "AUTHORISED,DRAFT", "page": 1, "pageSize": 100})
        x.get(f"Invoices/{invoice_id}")
        note = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": one}, "Date": "2026-10-02",
                "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 10,
                               "AccountCode": "200"}]}
        assert x.put("CreditNotes", {"CreditNotes": [note]},
                     {"summarizeErrors": "false"}).status_code == 200
        x.get("CreditNotes", {"page": 1})
        x.put("Items", {"Items": [{"Code": "TOUR-1", "Name": "Tour item",
                                   "SalesDetails": {"UnitPrice": 5, "AccountCode": "200"}}]})
        x.post("Contacts", {"Contacts": [{"ContactID": one, "EmailAddress": "a@b.example"}]})
        bearer = {"Authorization": x.headers()["Authorization"]}
        conn = x.client.get("/connections", headers=bearer).json()[0]["id"]
        assert x.client.delete(f"/connections/{conn}", headers=bearer).status_code == 204
    assert seen == []
    assert contract.checked_responses - before >= 18


def test_a_sandbox_can_carry_its_own_recorder(contract: ContractRecorder) -> None:
    own = ContractRecorder()
    with start(seed="empty", validate=own) as sb:
        x = login(sb)
        x.get("Organisation")
        with contract.expect_violations():  # keep the session's recorder out of it
            x.put("Contacts", {"Contacts": [{"Name": "Own Co", "Website": "own.example"}]})
    assert own.checked_responses >= 3
    assert len(own.violations) == 1 and "read-only" in own.violations[0]


def test_sandboxes_in_other_processes_log_their_exchanges_without_credentials(
        tmp_path: Path, contract: ContractRecorder) -> None:
    log = tmp_path / "exchanges.jsonl"
    child = (
        "import json\n"
        "from _sandbox_fixtures import login\n"
        "from matchkit.sandbox import start\n"
        "with start(seed='demo') as sb:\n"
        "    x = login(sb)\n"
        "    x.get('Contacts')\n"
        "    x.put('Contacts', {'Contacts': [{'Name': 'Site Co', 'Website': 'site.example'}]})\n"
        "    print(json.dumps(x.token['access_token']))\n"
    )
    env = {**os.environ, EXCHANGE_LOG_ENV: str(log), "PYTHONPATH": str(TESTS)}
    env.pop(EXCHANGE_LOG_ENV + "_OWNER", None)
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    token = json.loads(out.strip().splitlines()[-1])
    text = log.read_text()
    assert token not in text and "Bearer" not in text  # no credentials in the log
    exchanges = read_exchange_log(str(log))
    assert [e.method for e in exchanges if "/api.xro/" in e.path] == ["GET", "PUT"]
    assert read_exchange_log(str(log), skip_pid=_writer_pid(log)) == []
    # the same checks as in-process: the read-only Website is caught
    recorder = ContractRecorder()
    for ex in exchanges:
        recorder(ex)
    assert len(recorder.violations) == 1 and "read-only" in recorder.violations[0]


def _writer_pid(log: Path) -> int:
    return int(json.loads(log.read_text().splitlines()[0])["pid"])
