"""Unit tests of the Xero client against a scripted fake (httpx.MockTransport)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from _xero_fixtures import TENANT, FakeXero, make_client

from matchkit._exceptions import (
    AuthError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
)
from matchkit.xero import ElementResult, RetryPolicy, invoice_link


def _api_requests(fake: FakeXero) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.startswith("/api.xro/2.0/")]


def test_every_call_carries_tenant_accept_and_bearer(tmp_path: Path) -> None:
    fake = FakeXero()
    with make_client(tmp_path, fake) as xero:
        assert xero.organisation()["ShortCode"] == "!aB1c"
        assert xero.short_code == "!aB1c"  # cached: no second call
        list(xero.contacts())
    calls = _api_requests(fake)
    assert len(calls) == 2
    for r in calls:
        assert r.headers["xero-tenant-id"] == TENANT
        assert r.headers["accept"] == "application/json"
        assert r.headers["authorization"].startswith("Bearer ")


def test_contacts_page_through_to_the_last_page(tmp_path: Path) -> None:
    fake = FakeXero(contacts=[{"ContactID": f"c{i}", "Name": f"N{i}"} for i in range(2500)])
    with make_client(tmp_path, fake) as xero:
        got = list(xero.contacts(modified_since=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)))
    assert [c["ContactID"] for c in got] == [f"c{i}" for i in range(2500)]
    calls = _api_requests(fake)
    assert [r.url.params["page"] for r in calls] == ["1", "2", "3"]
    assert {r.url.params["pageSize"] for r in calls} == {"1000"}
    assert {r.url.params["includeArchived"] for r in calls} == {"true"}
    assert {r.headers["if-modified-since"] for r in calls} == {"2026-01-02T03:04:05Z"}


def test_a_full_last_page_stops_at_page_count(tmp_path: Path) -> None:
    fake = FakeXero(contacts=[{"ContactID": f"c{i}"} for i in range(2000)])
    with make_client(tmp_path, fake) as xero:
        assert len(list(xero.contacts())) == 2000
    assert len(_api_requests(fake)) == 2


def test_invoice_ids_are_sent_in_chunks_of_40(tmp_path: Path) -> None:
    fake = FakeXero()
    ids = [f"id-{i:03d}" for i in range(95)]
    with make_client(tmp_path, fake) as xero:
        assert list(xero.invoices(ids=ids, statuses=["AUTHORISED", "DRAFT"])) == []
    calls = _api_requests(fake)
    sent = [r.url.params["IDs"].split(",") for r in calls]
    assert [len(s) for s in sent] == [40, 40, 15]
    assert [i for chunk in sent for i in chunk] == ids
    assert {r.url.params["Statuses"] for r in calls} == {"AUTHORISED,DRAFT"}


def _status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"Title": "x", "Status": code}, headers=headers)


def test_reads_retry_429_and_5xx_and_report_waits(tmp_path: Path) -> None:
    waits: list[tuple[float, str]] = []
    fake = FakeXero(script=[
        lambda r: _status(429, **{"Retry-After": "0", "X-Rate-Limit-Problem": "minute"}),
        lambda r: _status(503),
        lambda r: None,
    ])
    with make_client(tmp_path, fake, on_wait=lambda s, why: waits.append((s, why))) as xero:
        assert xero.organisation()["Name"] == "Fake Ltd"
        assert xero.calls == 3
    reasons = [w[1] for w in waits]
    assert any("RateLimitError" in r for r in reasons)
    assert any("ServerError" in r for r in reasons)


def test_reads_give_up_after_the_attempt_cap(tmp_path: Path) -> None:
    fake = FakeXero(script=[lambda r: _status(500)] * 10)
    with make_client(tmp_path, fake, retry=RetryPolicy(max_attempts=3, base_delay=0.001)
                     ) as xero, pytest.raises(ServerError) as info:
        xero.organisation()
    assert info.value.status == 500
    assert xero.calls == 3


def test_day_limit_raises_at_once_with_a_clear_message(tmp_path: Path) -> None:
    fake = FakeXero(script=[lambda r: _status(429, **{"Retry-After": "7200",
                                                       "X-Rate-Limit-Problem": "day"})])
    with make_client(tmp_path, fake) as xero, pytest.raises(RateLimitError) as info:
        xero.organisation()
    assert info.value.problem == "day"
    assert info.value.retry_after == 7200
    assert "daily call limit" in str(info.value) and "2.0 hours" in str(info.value)
    assert xero.calls == 1


def test_write_without_key_is_never_retried(tmp_path: Path) -> None:
    fake = FakeXero(script=[lambda r: _status(503)])
    with make_client(tmp_path, fake) as xero, pytest.raises(ServerError):
        xero.create_contacts([{"Name": "A"}])
    assert xero.calls == 1


def test_write_with_key_retries_same_key_same_body_after_a_drop(tmp_path: Path) -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection dropped", request=request)

    fake = FakeXero(script=[drop, lambda r: None])
    with make_client(tmp_path, fake) as xero:
        results = xero.create_contacts([{"Name": "A"}, {"Name": "BAD"}, {"Name": "C"}],
                                       idempotency_key="batch-1")
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert {r.headers["idempotency-key"] for r in puts} == {"batch-1"}
    assert puts[0].content == puts[1].content
    assert {r.url.params["summarizeErrors"] for r in puts} == {"false"}
    assert [(r.index, r.ok) for r in results] == [(0, True), (1, False), (2, True)]
    assert "already assigned" in results[1].errors[0]
    assert results[0].record["Name"] == "A"


def test_dropped_read_becomes_transport_error(tmp_path: Path) -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake = FakeXero(script=[drop] * 5)
    with make_client(tmp_path, fake) as xero, pytest.raises(TransportError) as info:
        xero.organisation()
    assert info.value.status is None and info.value.url == "/Organisation"


def test_html_200_is_a_protocol_error(tmp_path: Path) -> None:
    html = httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"})
    fake = FakeXero(script=[lambda r: html] * 5)
    with make_client(tmp_path, fake) as xero, pytest.raises(ProtocolError) as info:
        xero.organisation()
    assert "not JSON" in str(info.value)


def test_plain_text_404_and_403(tmp_path: Path) -> None:
    fake = FakeXero()
    with make_client(tmp_path, fake) as xero:
        with pytest.raises(NotFoundError):
            xero.request("GET", "Nope")
        xero._http.headers["xero-tenant-id"] = "wrong"
        with pytest.raises(AuthError) as info:
            xero.organisation()
    assert info.value.status == 403


def test_400_validation_exception_is_mapped_to_results(tmp_path: Path) -> None:
    body = {"ErrorNumber": 10, "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"InvoiceNumber": "INV-2", "ValidationErrors": [
                {"Message": "Invoice # must be unique."}]}]}
    fake = FakeXero(script=[lambda r: httpx.Response(400, json=body)])
    sent = [{"InvoiceNumber": "INV-1"}, {"InvoiceNumber": "INV-2"}]
    with make_client(tmp_path, fake) as xero:
        results = xero.create_invoices(sent, idempotency_key="k")
    assert [r.ok for r in results] == [False, False]
    assert results[1].errors == ["Invoice # must be unique."]
    assert "not confirmed" in results[0].errors[0]


def test_empty_write_makes_no_call(tmp_path: Path) -> None:
    fake = FakeXero()
    with make_client(tmp_path, fake) as xero:
        assert xero.create_items([]) == []
        assert xero.calls == 0


def test_401_refreshes_once_then_succeeds(tmp_path: Path) -> None:
    fake = FakeXero()
    with make_client(tmp_path, fake) as xero:
        fake.access_tokens.clear()  # the server forgets the token: TokenExpired
        assert xero.organisation()["Name"] == "Fake Ltd"
        assert xero.tokens.refreshes == 1


def test_expiring_token_is_refreshed_before_the_call(tmp_path: Path) -> None:
    fake = FakeXero()
    with make_client(tmp_path, fake, expires_in=60) as xero:
        xero.organisation()
        assert xero.tokens.refreshes == 1
    # the first request already used the new token: no 401 round trip
    assert [r.url.path for r in fake.requests] == ["/connect/token", "/api.xro/2.0/Organisation"]


def test_no_secret_in_errors_reprs_or_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeXero(script=[lambda r: _status(500)] * 3)
    xero = make_client(tmp_path, fake, retry=RetryPolicy(max_attempts=2, base_delay=0.001))
    seen: list[str] = [repr(xero), repr(xero.tokens), repr(xero.tokens.store.load()),
                       repr(xero.tokens.oauth), repr(xero.settings)]
    try:
        xero.organisation()
    except ServerError as exc:
        seen += [str(exc), repr(exc), repr(exc.body)]
    fake.access_tokens.clear()
    fake.refresh_tokens.clear()  # the next refresh gets invalid_grant
    try:
        xero.organisation()
    except AuthError as exc:
        seen += [str(exc), repr(exc)]
        assert "connect" in str(exc)
    xero.close()
    stored = json.loads(xero.tokens.store.path.read_text())
    secrets = [stored["access_token"], stored["refresh_token"], "fake-secret-XYZ"]
    text = "\n".join(seen + [r.getMessage() for r in caplog.records])
    assert len(seen) >= 9
    for secret in secrets:
        assert secret not in text


def test_element_result_and_invoice_link() -> None:
    r = ElementResult(0, True, {"InvoiceID": "x"})
    assert r.errors == [] and r.warnings == []
    link = invoice_link("https://go.xero.com/", "!mBdtL", "0e64a623-6c0c-4e3a-8f3a-1f2b3c4d5e6f")
    assert link == ("https://go.xero.com/organisationlogin/default.aspx?shortcode=%21mBdtL"
                    "&redirecturl=%2FAccountsReceivable%2FView.aspx%3FInvoiceID%3D"
                    "0e64a623-6c0c-4e3a-8f3a-1f2b3c4d5e6f")
    with pytest.raises(ValueError, match="short_code"):
        invoice_link("https://go.xero.com", "", "x")


def test_bad_arguments_are_input_errors(tmp_path: Path) -> None:
    from matchkit._exceptions import InputError

    fake = FakeXero()
    with make_client(tmp_path, fake) as xero:
        with pytest.raises(InputError, match="128"):
            xero.create_invoices([{"InvoiceNumber": "1"}], idempotency_key="k" * 129)
        with pytest.raises(InputError, match="not both"):
            list(xero.invoices(ids=["a"], numbers=["b"]))
        with pytest.raises(InputError, match="list of records"):
            xero.create_contacts({"Name": "one"})  # type: ignore[arg-type]
    assert xero.calls == 0


def test_retry_after_forms() -> None:
    from email.utils import format_datetime

    from matchkit.xero._client import _retry_after

    assert _retry_after("7") == 7.0
    assert _retry_after("-3") == 0.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    later = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 120, UTC)
    seconds = _retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None and 100 < seconds <= 120
