"""AteraClient against the loopback Atera sandbox (and, for answers the sandbox never gives, a
scripted httpx.MockTransport)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import httpx
import pytest
from _atera_fixtures import KEY, LONG_TOKEN, AteraSandbox, atera, demo_seed, start_sandbox

from matchkit._config import Settings
from matchkit._exceptions import (
    AuthError,
    ConfigError,
    MatchkitError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from matchkit.atera import AteraClient, labour_rates
from matchkit.atera._client import _Pacer

__all__ = ["atera"]


def test_reads_every_entity_to_the_last_page(atera: AteraSandbox) -> None:
    seed = demo_seed()
    with atera.client() as c:
        assert c.account()["CompanyName"] == seed["account"]["CompanyName"]
        atera.ledger.clear()
        customers = c.customers()
        assert customers == seed["customers"]
        assert atera.requests("/api/v3/customers") == 3  # 150 at 50 a page
        queries = [e.query for e in atera.ledger.entries("atera")]
        assert all("itemsInPage=50" in q for q in queries)
        assert c.contacts() == seed["contacts"]
        assert c.contracts() == seed["contracts"]
        assert c.products() == seed["products"]
        assert c.expenses() == seed["expenses"]
        assert c.invoices() == seed["invoices"]
        first = seed["customers"][0]["CustomerID"]
        assert c.customer(first) == seed["customers"][0]
        assert c.contacts(customer_id=first) == [
            p for p in seed["contacts"] if p["CustomerID"] == first]
        assert c.contracts(customer_id=first) == [
            k for k in seed["contracts"] if k["CustomerID"] == first]
        inv = seed["invoices"][5]
        assert c.invoice(inv["InvoiceNumber"]) == inv
        assert c.product(1) == seed["products"][0]
        assert c.expense(seed["expenses"][0]["RateID"]) == seed["expenses"][0]
        assert c.contract(seed["contracts"][0]["ContractID"]) == seed["contracts"][0]
        assert c.contact(seed["contacts"][0]["EndUserID"]) == seed["contacts"][0]


def test_invoice_date_range(atera: AteraSandbox) -> None:
    seed = demo_seed()["invoices"]
    with atera.client() as c:
        sept = c.invoices(date_from=dt.date(2026, 9, 1), date_to="2026-09-30")
        assert sept == [i for i in seed if i["InvoiceDate"].startswith("2026-09")] != []
        assert c.invoices(date_from="2026-10-15") == [
            i for i in seed if i["InvoiceDate"] >= "2026-10-15"]
        with pytest.raises(ConfigError, match="after"):
            c.invoices(date_from="2026-10-01", date_to="2026-09-01")
        with pytest.raises(ConfigError, match="not a date"):
            c.invoices(date_from="yesterday")


def test_incremental_pull_returns_only_what_changed(atera: AteraSandbox) -> None:
    with atera.client() as c:
        everyone = c.customers()
        since = dt.datetime.fromtimestamp(atera.app.clock.now(), tz=dt.UTC) - dt.timedelta(
            seconds=5)
        assert c.customers(modified_since=since) == []
        c.update_customer(everyone[3]["CustomerID"], {"Notes": "moved office"})
        new_id = c.create_customer({"CustomerName": "Brand New Pty Ltd"})
        changed = c.customers(modified_since=since)
        assert [x["CustomerID"] for x in changed] == [everyone[3]["CustomerID"], new_id]
        assert changed[0]["Notes"] == "moved office"
        q = [e.query for e in atera.ledger.entries("atera") if "FromLastModifiedDate" in e.query]
        assert q and all("%2B" not in x and "Z" not in x for x in q)  # no offset sent
        older = c.customers(modified_since=dt.date(2026, 10, 1))
        assert 0 < len(older) < len(everyone)
        assert c.contacts(modified_since="2026-10-01T00:00:00") == [
            p for p in demo_seed()["contacts"] if p["LastModified"] >= "2026-10-01"]


def test_creates_return_new_ids_and_updates_apply(atera: AteraSandbox) -> None:
    with atera.client() as c:
        cid = c.create_customer({"CustomerName": "Harbour Bridge Dental", "City": "Sydney"})
        assert c.customer(cid)["CustomerName"] == "Harbour Bridge Dental"
        eid = c.create_contact({"Email": "ops@hbd.example", "CustomerID": cid})
        assert c.contact(eid)["CustomerID"] == cid
        pid = c.create_product({"Description": "Laptop stand", "Amount": 59.0})
        assert c.product(pid)["Amount"] == 59.0
        c.update_product(pid, {"Amount": 61.0})
        assert c.product(pid)["Amount"] == 61.0
        c.update_product(pid, {"Archived": True})
        assert pid not in {p["RateID"] for p in c.products()}
        xid = c.create_expense({"Description": "Ferry fare", "Amount": 9.5})
        assert xid != pid and c.expense(xid)["Description"] == "Ferry fare"
        c.update_expense(xid, {"Description": "Ferry fare (Manly)"})
        assert c.expense(xid)["Description"] == "Ferry fare (Manly)"
        assert c.custom_value(cid, "Xero Contact ID") is None
        c.set_custom_value(cid, "Xero Contact ID", "5f0c-contact")
        assert c.custom_value(cid, "Xero Contact ID") == "5f0c-contact"


def test_problem_details_become_typed_errors(atera: AteraSandbox) -> None:
    with atera.client() as c:
        with pytest.raises(NotFoundError) as nf:
            c.customer(424242)
        assert nf.value.status == 404 and nf.value.system == "atera"
        assert "customer 424242 was not found" in str(nf.value)
        assert nf.value.url == "/api/v3/customers/424242"
        with pytest.raises(ValidationError) as bad:
            c.create_customer({"CustomerName": "  "})
        assert bad.value.status == 400 and any("CustomerName" in e for e in bad.value.errors)
        with pytest.raises(ValidationError, match="custom field"):
            c.custom_value(101, "No Such Field")
    assert len(atera.app.customers) == 150  # nothing half-written


@pytest.mark.parametrize("key", ["wrong-key", "x" * 120])
def test_auth_failure_is_auth_error_without_the_key(atera: AteraSandbox, key: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with atera.client(key=key) as c, pytest.raises(AuthError) as err:
        c.customers()
    e = err.value
    assert e.status == 401 and isinstance(e, MatchkitError)
    for text in (str(e), repr(e), repr(c), e.url or "", caplog.text):
        assert key not in text and KEY not in text
    assert atera.requests() == 1  # a 401 is not retried


def test_long_tokens_are_sent_as_bearer() -> None:
    sb = start_sandbox(api_key=LONG_TOKEN)
    try:
        with sb.client(key=LONG_TOKEN) as c:
            assert c.auth_scheme == "Bearer" and "Bearer" in repr(c)
            assert LONG_TOKEN not in repr(c)
            assert c.account()["CompanyName"]
        with sb.client(key=LONG_TOKEN[:100]) as short:  # 100 chars: still a legacy key
            assert short.auth_scheme == "X-API-KEY"
            with pytest.raises(AuthError):
                short.account()
    finally:
        sb.server.stop()


def test_reads_retry_429_and_5xx_honouring_retry_after(atera: AteraSandbox) -> None:
    atera.faults("429=0.3,500=0.1,503=0.1", seed=3)
    with atera.client(max_attempts=10) as c:
        assert c.customers() == demo_seed()["customers"]
    entries = atera.ledger.entries("atera")
    faulted = [e for e in entries if e.fault]
    assert faulted, "the fault plan should have fired"
    assert len(entries) == 3 + len(faulted)  # every fault retried, each page once OK
    # Retry-After (0.25 s) was honoured for 429/503; 500 used exponential backoff
    n_after = sum(1 for e in faulted if e.fault in ("429", "503"))
    assert atera.sleeps.calls.count(0.25) >= n_after


def test_reads_survive_dropped_connections(atera: AteraSandbox) -> None:
    atera.faults("drop=0.3", seed=11)
    with atera.client(max_attempts=10) as c:
        assert len(c.invoices()) == len(demo_seed()["invoices"])
    assert any(e.fault == "drop" for e in atera.ledger.entries("atera"))


def test_retries_give_up_with_typed_errors(atera: AteraSandbox) -> None:
    with atera.client(max_attempts=3, backoff=0.1) as c:
        atera.faults("503=1")
        with pytest.raises(ServerError) as err:
            c.products()
        assert err.value.status == 503
        atera.faults("429=1")
        with pytest.raises(RateLimitError) as rl:
            c.products()
        assert rl.value.retry_after == 0.25
        atera.faults("500=1")
        atera.sleeps.calls.clear()
        with pytest.raises(ServerError):
            c.products()
        assert atera.sleeps.calls == [0.1, 0.2]  # exponential backoff between 3 attempts
        atera.faults("drop=1")
        with pytest.raises(TransportError, match="did not answer"):
            c.products()
    assert atera.requests() == 12


def test_html_on_200_is_a_protocol_error(atera: AteraSandbox) -> None:
    atera.faults("html=1")
    with atera.client() as c, pytest.raises(ProtocolError, match=r"instead of JSON"):
        c.customers()


def test_creates_are_not_blindly_retried(atera: AteraSandbox) -> None:
    with atera.client(max_attempts=5) as c:
        atera.faults("500=1")
        with pytest.raises(ServerError):
            c.create_customer({"CustomerName": "Once Only"})
        assert atera.ledger.count(method="POST") == 1
        atera.faults("")
        atera.app.faults.drop_after_rate = 1.0  # saved, then the answer is lost
        with pytest.raises(TransportError, match="may or may not"):
            c.create_customer({"CustomerName": "Once Only"})
        assert atera.ledger.count(method="POST") == 2
        names = [x["CustomerName"] for x in atera.app.customers.values()]
        assert names.count("Once Only") == 1  # exactly one, not retried into a duplicate


def test_a_429_refusal_on_a_write_is_retried() -> None:
    # Atera refused it outright, so sending it again cannot duplicate anything.
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "2"})
        return httpx.Response(201, json={"ActionID": "77"})

    slept: list[float] = []
    c = AteraClient("https://atera.test", KEY, transport=httpx.MockTransport(handler),
                    sleep=slept.append, rate=0)
    assert c.create_customer({"CustomerName": "X"}) == 77
    assert len(calls) == 2 and slept == [2.0]


def test_next_link_to_another_host_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={
            "items": [{"CustomerID": 1}], "page": 1, "itemsInPage": 50, "totalItemCount": 2,
            "totalPages": 2, "prevLink": "",
            "nextLink": "https://evil.example/api/v3/customers?page=2"})

    c = AteraClient("https://atera.test", KEY, transport=httpx.MockTransport(handler), rate=0)
    with pytest.raises(ProtocolError, match="another host"):
        c.customers()


@pytest.mark.parametrize("answer", [
    httpx.Response(200, json=[1, 2]),
    httpx.Response(200, content=b"{oops", headers={"Content-Type": "application/json"}),
    httpx.Response(201, json={"ActionID": "not-a-number"}),
])
def test_malformed_answers_are_protocol_errors(answer: httpx.Response) -> None:
    c = AteraClient("https://atera.test", KEY,
                    transport=httpx.MockTransport(lambda r: answer), rate=0)
    with pytest.raises(ProtocolError):
        if answer.status_code == 201:
            c.create_product({"Description": "x", "Amount": 1})
        else:
            c.customers()


def test_pacing_spaces_requests(atera: AteraSandbox) -> None:
    class FakeTime:  # time passes only when the pacer sleeps
        now = 1000.0

        def sleep(self, s: float) -> None:
            slept.append(s)
            self.now += s

    slept: list[float] = []
    fake = FakeTime()
    with atera.client(rate=4) as c:
        c._pacer = _Pacer(4, fake.sleep, lambda: fake.now)
        c.customers()
        c.contacts()
    assert atera.requests() == 9  # 3 + 6 pages
    assert slept == [0.25] * 8  # at most 4 a second: one slot every 0.25 s


def test_from_settings_and_bad_configuration() -> None:
    with pytest.raises(ConfigError, match="MATCHKIT_ATERA_API_KEY"):
        AteraClient.from_settings(Settings())
    c = AteraClient.from_settings(Settings(atera_url="http://127.0.0.1:9", atera_api_key=KEY))
    assert c.base_url == "http://127.0.0.1:9" and KEY not in repr(c)
    assert c._pacer.interval == 1 / 5  # the default pace
    c.close()
    with AteraClient.from_settings(Settings.from_env({
            "MATCHKIT_ATERA_URL": "http://127.0.0.1:9", "MATCHKIT_ATERA_API_KEY": KEY,
            "MATCHKIT_ATERA_RATE": "0.5"})) as slow:
        assert slow._pacer.interval == 2.0  # MATCHKIT_ATERA_RATE
    with pytest.raises(ConfigError, match="base URL"):
        AteraClient("app.atera.com", KEY)
    with pytest.raises(ConfigError):
        AteraClient("https://app.atera.com", "  ")


def test_labour_rates_are_de_duplicated_across_contracts(atera: AteraSandbox) -> None:
    with atera.client() as c:
        rates = c.labour_rates()
    contracts = demo_seed()["contracts"]
    keys = [r["RateKey"] for r in rates]
    assert len(keys) == len(set(keys))
    embedded: dict[int, set[int]] = {}
    for k in contracts:
        for v in k[k["ContractType"] + "Contract"].values():
            for rate in v if isinstance(v, list) else [v]:
                if isinstance(rate, dict):
                    embedded.setdefault(rate["RateID"], set()).add(k["ContractID"])
    assert {r["RateID"] for r in rates} == set(embedded)
    remote = next(r for r in rates if r["Description"] == "Remote Support - Standard Hours")
    assert {int(x) for x in remote["ContractIDs"].split(",")} == embedded[remote["RateID"]]
    assert "HourlyContract.PrimaryRate" in remote["Roles"]
    assert len(embedded[remote["RateID"]]) > 5  # the same rate sits in many contracts


def test_labour_rates_without_ids_fall_back_to_a_content_hash() -> None:
    def contract(cid: int, desc: str, amount: float) -> dict[str, Any]:
        return {"ContractID": cid, "ContractType": "Hourly", "HourlyContract": {
            "PrimaryRate": {"RateID": 0, "Description": desc, "Amount": amount, "SKU": None},
            "AdditionalRates": [{"RateID": 0, "Description": " ", "Amount": 1}]}}

    rates = labour_rates([contract(1, "Onsite", 180), contract(2, "Onsite", 180),
                          contract(3, "Onsite", 200)])
    assert [r["ContractIDs"] for r in rates] == ["1,2", "3"]
    assert all(r["RateKey"].startswith("rate:h") for r in rates)


def test_client_from_the_sandbox_environment() -> None:
    # The same wiring the CLI and notebooks use: start(), its env, Settings, from_settings.
    from matchkit.sandbox import start

    with start(seed="demo") as sb:
        settings = Settings.from_env(sb.env)
        with AteraClient.from_settings(settings, rate=0) as c:
            assert len(c.customers()) == len(demo_seed()["customers"])
            sb.set_faults("atera", "503=1")
            with pytest.raises(ServerError):
                AteraClient.from_settings(settings, rate=0, max_attempts=2,
                                          sleep=lambda s: None).account()
        assert sb.ledger.count(system="atera", status=503) == 2


def test_large_seed_pages_through_ten_thousand_customers() -> None:
    from matchkit.sandbox._seed import large_atera_seed

    sb = start_sandbox(large_atera_seed())
    try:
        with sb.client() as c:
            customers = c.customers()
            invoices = c.invoices(date_from="2026-10-01", date_to="2026-10-31")
        assert len(customers) == len(demo_seed()["customers"]) + 10_000
        assert len({x["CustomerID"] for x in customers}) == len(customers)
        assert invoices and all(i["InvoiceDate"].startswith("2026-10") for i in invoices)
        assert sb.requests("/api/v3/customers") == -(-len(customers) // 50)
    finally:
        sb.server.stop()


CONTRACT_BODIES: dict[str, dict[str, Any]] = {
    "RetainerFlatFee": {"RateID": 9008, "Quantity": 2.0, "BillingPeriod": "Monthly"},
    "Hourly": {"HourlyRateID": 9001, "AdditionalRateIDs": [9002, 9003]},
    "BlockHours": {"HourlyRateID": 9010, "OverageRateID": 9011, "HoursIncluded": 10.0},
    "BlockMoney": {"ContractAmountRateID": 9012, "HourlyRateID": 9001},
    "RemoteMonitoring": {"PerDeviceRateID": 9005, "CountBy": "PCAgents"},
    "OnlineBackup": {"PerGBRateID": 9007, "CountBy": "TotalGB"},
    "ProjectOneTimeFee": {"TotalAmountRateId": 9013},
    "ProjectHourlyRate": {"TotalAmountRateId": 9004, "AdditionalRateIDs": [2]},
}


@pytest.mark.parametrize("ctype", sorted(CONTRACT_BODIES))
def test_contracts_of_every_type_are_created_with_embedded_rates(atera: AteraSandbox,
                                                                  ctype: str) -> None:
    rates = {r["RateID"]: r for r in labour_rates(demo_seed()["contracts"])}
    rates.update({p["RateID"]: p for p in demo_seed()["products"]})
    sub = CONTRACT_BODIES[ctype]
    with atera.client() as c:
        cid = c.create_contract({"ContractName": f"New {ctype}", "CustomerID": 101,
                                 "ContractType": ctype, "Active": True, "Taxable": True,
                                 f"{ctype}Contract": sub})
        got = c.contract(cid)
        assert got["ContractType"] == ctype and got["CustomerID"] == 101
        assert cid in {k["ContractID"] for k in c.contracts(customer_id=101)}
        embedded = {r["RateID"] for v in got[f"{ctype}Contract"].values()
                    for r in (v if isinstance(v, list) else [v]) if isinstance(r, dict)}
        wanted = {v for k, v in sub.items() if k.endswith(("RateID", "RateId"))}
        wanted |= set(sub.get("AdditionalRateIDs", []))
        assert embedded == wanted
        for rid in embedded:  # the RateDto as Atera holds it
            assert rates[rid]["Description"] in str(got)
        assert {r["RateKey"] for r in c.labour_rates()} >= {f"rate:{w}" for w in wanted}


def test_contract_validation_and_update(atera: AteraSandbox) -> None:
    with atera.client() as c:
        base = {"CustomerID": 101, "ContractType": "Hourly",
                "HourlyContract": {"HourlyRateID": 9001}}
        for broken, field in [
            ({**base, "ContractType": "Weekly"}, "ContractType"),
            ({**base, "CustomerID": 999999}, None),
            ({**base, "HourlyContract": {"HourlyRateID": 123456}}, "HourlyContract.HourlyRateID"),
            ({**base, "HourlyContract": {}}, "HourlyContract.HourlyRateID"),
            ({**base, "HourlyContract": {"HourlyRateID": 9001, "BillingPeriod": "Daily"}},
             "HourlyContract.BillingPeriod"),
            ({**base, "BlockHoursContract": {"HourlyRateID": 9010}}, "BlockHoursContract"),
        ]:
            before = len(atera.app.contracts)
            with pytest.raises((ValidationError, NotFoundError)) as err:
                c.create_contract(broken)
            if field:
                assert any(e.startswith(field) for e in err.value.errors), err.value.errors
            assert len(atera.app.contracts) == before  # nothing half-created
        cid = c.create_contract({"CustomerID": 101, "ContractType": "RetainerFlatFee",
                                 "RetainerFlatFeeContract": {"RateID": 9009, "Quantity": 1.0}})
        c.update_contract(cid, {"ContractName": "Premium x3", "RetainerFlatFeeContract": {
            "Quantity": 3.0, "BillingPeriod": "Quarterly"}})
        got = c.contract(cid)
        body = got["RetainerFlatFeeContract"]
        assert got["ContractName"] == "Premium x3"
        assert body["Quantity"] == 3.0 and body["BillingPeriod"] == "Quarterly"
        assert body["Rate"]["RateID"] == 9009  # the rate itself is untouched
        with pytest.raises(ValidationError):
            c.update_contract(cid, {"RetainerFlatFeeContract": {"RateID": 9008}})
        with pytest.raises(ValidationError):
            c.update_contract(cid, {"HourlyContract": {"BillingPeriod": "Monthly"}})
        with pytest.raises(NotFoundError):
            c.update_contract(999999, {"Active": False})
