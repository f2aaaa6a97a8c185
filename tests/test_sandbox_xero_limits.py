"""Rate limits, idempotency keys, faults and the ledger of the Xero sandbox, over loopback."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from _sandbox_fixtures import XeroHttp, login

from matchkit.sandbox import Limits, Sandbox, parse_faults


def _contact(name: str) -> dict[str, Any]:
    return {"Contacts": [{"Name": name}]}


def test_limit_headers_count_down(sandbox: Sandbox) -> None:
    x = login(sandbox)
    first = x.get("Organisation").headers
    second = x.get("Organisation").headers
    assert int(first["X-MinLimit-Remaining"]) - int(second["X-MinLimit-Remaining"]) == 1
    assert int(first["X-DayLimit-Remaining"]) - int(second["X-DayLimit-Remaining"]) == 1
    assert int(second["X-AppMinLimit-Remaining"]) < 10_000


def test_minute_limit_gives_429_with_retry_after(sandbox: Sandbox) -> None:
    sandbox.xero.set_limits(per_minute=5)
    x = login(sandbox)
    statuses = [x.get("Organisation").status_code for _ in range(5)]
    assert statuses == [200] * 5
    refused = x.get("Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    sandbox.clock.advance(61)
    assert x.get("Organisation").status_code == 200


def test_day_limit_and_time_scale(start_sandbox: Any) -> None:
    # 60 sandbox seconds per real second: a day's wait is reported in real seconds.
    sb = start_sandbox(seed="empty", time_scale=60.0, limits=Limits(per_day=3))
    x = login(sb)
    assert [x.get("Organisation").status_code for _ in range(3)] == [200] * 3
    refused = x.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
    assert 1000 < int(refused.headers["Retry-After"]) <= 86400 // 60


def test_concurrent_limit(sandbox: Sandbox) -> None:
    sandbox.xero.set_limits(concurrent=2)
    sandbox.set_faults("xero", "latency=300ms")
    x = login(sandbox)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(base_url=sandbox.xero_url, timeout=10) as c:
            r = c.get("/api.xro/2.0/Organisation", headers=x.headers())
        with lock:
            results.append(r)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = Counter(r.status_code for r in results)
    assert codes[200] >= 2 and codes[429] >= 1, codes
    refused = [r for r in results if r.status_code == 429]
    assert {r.headers["X-Rate-Limit-Problem"] for r in refused} == {"concurrent"}


def test_idempotency_key_replays_and_refuses_a_different_body(sandbox: Sandbox) -> None:
    x = login(sandbox)
    first = x.put("Contacts", _contact("Once Only"), **{"Idempotency-Key": "k-1"})
    again = x.put("Contacts", _contact("Once Only"), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    names = [c["Name"] for c in x.get("Contacts").json()["Contacts"]]
    assert names.count("Once Only") == 1
    other = x.put("Contacts", _contact("Something Else"), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 400 and "different request" in other.text
    replayed = [e for e in sandbox.ledger.entries("xero") if e.replayed]
    assert len(replayed) == 1 and replayed[0].idempotency_key == "k-1"
    # Keys expire after about six sandbox minutes; then the same key is a new request.
    sandbox.clock.advance(7 * 60)
    x = login(sandbox)
    late = x.put("Contacts", _contact("Once Only"), **{"Idempotency-Key": "k-1"})
    assert late.status_code == 400
    assert "already assigned" in late.text


def test_idempotency_errors_are_replayed_too_and_keys_are_checked(sandbox: Sandbox) -> None:
    x = login(sandbox)
    x.put("Contacts", _contact("Taken"))
    a = x.put("Contacts", _contact("Taken"), **{"Idempotency-Key": "err"})
    b = x.put("Contacts", _contact("Taken"), **{"Idempotency-Key": "err"})
    assert a.status_code == b.status_code == 400 and a.json() == b.json()
    too_long = x.put("Contacts", _contact("Long Key"), **{"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 400


def test_concurrent_same_key_creates_once(sandbox: Sandbox) -> None:
    x = login(sandbox)
    out: list[int] = []

    def send() -> None:
        with httpx.Client(base_url=sandbox.xero_url, timeout=10) as c:
            r = c.put("/api.xro/2.0/Contacts", json=_contact("Racer"),
                      headers=x.headers(**{"Idempotency-Key": "race"}))
            out.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out.count(200) == 4
    names = [c["Name"] for c in x.get("Contacts").json()["Contacts"]]
    assert names.count("Racer") == 1


@pytest.mark.parametrize(("spec", "status"), [("500=1", 500), ("503=1", 503), ("429=1", 429),
                                              ("html=1", 200)])
def test_faults_answer_like_xero(sandbox: Sandbox, spec: str, status: int) -> None:
    x = login(sandbox)
    sandbox.set_faults("xero", spec)
    r = x.put("Contacts", _contact("Never Written"))
    assert r.status_code == status
    if status == 500:
        assert r.json()["Title"] == "An error occurred" and r.json()["Status"] == 500
    if status == 429:
        assert r.headers["Retry-After"] and r.headers["X-Rate-Limit-Problem"] == "minute"
    if spec == "html=1":
        assert r.headers["Content-Type"].startswith("text/html")
    sandbox.set_faults("xero", None)
    names = [c["Name"] for c in x.get("Contacts").json()["Contacts"]]
    assert "Never Written" not in names
    assert [e.fault for e in sandbox.ledger.entries("xero") if e.fault] == [spec.split("=")[0]]


def test_drop_loses_the_answer_and_drop_after_keeps_the_write(sandbox: Sandbox) -> None:
    x = login(sandbox)
    sandbox.set_faults("xero", "drop=1")
    with pytest.raises(httpx.TransportError):
        x.put("Contacts", _contact("Dropped Before"))
    sandbox.set_faults("xero", "drop_after=1")
    with pytest.raises(httpx.TransportError):
        x.put("Contacts", _contact("Dropped After"), **{"Idempotency-Key": "lost"})
    sandbox.set_faults("xero", None)
    names = [c["Name"] for c in x.get("Contacts").json()["Contacts"]]
    assert "Dropped After" in names and "Dropped Before" not in names
    # The retry with the same key gets the stored answer: no duplicate, the client learns the id.
    retry = x.put("Contacts", _contact("Dropped After"), **{"Idempotency-Key": "lost"})
    assert retry.status_code == 200
    assert retry.json()["Contacts"][0]["Name"] == "Dropped After"
    faults = [(e.fault, e.status) for e in sandbox.ledger.entries("xero") if e.fault]
    assert faults == [("drop", 0), ("drop_after", 0)]


def test_ledger_counts_and_fault_specs(sandbox: Sandbox) -> None:
    x: XeroHttp = login(sandbox)
    x.get("Contacts")
    x.get("Items")
    assert sandbox.ledger.count(system="xero", method="GET", path_prefix="/api.xro/2.0/") == 2
    assert sandbox.ledger.count(system="xero-identity", path_prefix="/connect/token") == 1
    assert sandbox.ledger.entries("xero")[-1].tenant == sandbox.tenant_id
    plan = parse_faults("429=0.05,500=0.05,drop=0.02,drop_after=0.01,latency=50ms", seed=1)
    assert plan.rates == {"429": 0.05, "500": 0.05, "drop": 0.02}
    assert plan.latency == pytest.approx(0.05) and plan.drop_after_rate == 0.01
    with pytest.raises(ValueError, match="unknown fault 'boom'"):
        sandbox.set_faults("xero", "boom=1")
    with pytest.raises(ValueError, match="unknown system"):
        sandbox.set_faults("quickbooks", None)
