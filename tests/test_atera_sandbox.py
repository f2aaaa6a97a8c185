"""The Atera sandbox over loopback HTTP, spoken to with plain httpx (no matchkit client)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from _atera_fixtures import KEY, LONG_TOKEN, AteraSandbox, atera, demo_seed, start_sandbox

from matchkit.sandbox._atera import AteraApp

__all__ = ["atera"]  # the fixture, imported for pytest

H = {"X-API-KEY": KEY}
HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS set-up


@pytest.fixture(autouse=True, scope="module")
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


def get(sb: AteraSandbox, path: str, **kw: object) -> httpx.Response:
    return HTTP.get(sb.url + path, headers=H, **kw)  # type: ignore[arg-type]


def test_paging_envelope_walks_to_the_last_page(atera: AteraSandbox) -> None:
    seen: list[int] = []
    url = f"{atera.url}/api/v3/customers?itemsInPage=40"
    pages = 0
    while url:
        body = HTTP.get(url, headers=H).json()
        pages += 1
        assert set(body) == {"items", "page", "itemsInPage", "totalItemCount", "totalPages",
                             "prevLink", "nextLink"}
        assert body["page"] == pages and body["itemsInPage"] == 40
        assert body["totalItemCount"] == 150 and body["totalPages"] == 4
        assert (body["prevLink"] == "") == (pages == 1)
        seen += [c["CustomerID"] for c in body["items"]]
        url = body["nextLink"]
        if url:
            assert url.startswith(atera.url + "/api/v3/customers?")  # a full URL
    assert pages == 4
    assert seen == sorted(seen) and len(set(seen)) == 150


def test_items_in_page_is_clamped_to_fifty_and_filters_survive_in_links(
        atera: AteraSandbox) -> None:
    q0 = "/api/v3/billing/invoices?itemsInPage=500&invoiceDateFrom=2026-09-01"
    body = get(atera, q0).json()
    assert body["itemsInPage"] == 50 and len(body["items"]) == 50
    q = parse_qs(urlsplit(body["nextLink"]).query)
    assert q["invoiceDateFrom"] == ["2026-09-01"] and q["page"] == ["2"]
    beyond = get(atera, f"{q0}&page={body['totalPages'] + 1}").json()
    assert beyond["items"] == [] and beyond["nextLink"] == ""


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong"}, {"Authorization": "Bearer x"},
                                     {"Authorization": KEY}])
def test_bad_or_missing_key_is_401_with_an_empty_body(atera: AteraSandbox,
                                                      headers: dict[str, str]) -> None:
    r = HTTP.get(atera.url + "/api/v3/customers", headers=headers)
    assert r.status_code == 401 and r.content == b""
    r = HTTP.get(atera.url + "/api/v3/no/such/path", headers=headers)
    assert r.status_code == 401  # auth first, whatever the path


def test_bearer_token_is_accepted() -> None:
    sb = start_sandbox(api_key=LONG_TOKEN)
    try:
        ok = HTTP.get(sb.url + "/api/v3/account",
                       headers={"Authorization": f"Bearer {LONG_TOKEN}"})
        assert ok.status_code == 200 and ok.json()["CompanyName"]
    finally:
        sb.server.stop()


def test_problem_details_on_404_and_400(atera: AteraSandbox) -> None:
    r = get(atera, "/api/v3/customers/999999")
    assert r.status_code == 404
    p = r.json()
    assert p["status"] == 404 and "999999" in p["detail"] and p["instance"].endswith("999999")
    r = HTTP.post(atera.url + "/api/v3/customers", headers=H, json={"Notes": "no name"})
    assert r.status_code == 400 and "CustomerName" in r.json()["errors"]
    r = HTTP.post(atera.url + "/api/v3/customers", headers=H, content=b"{not json")
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    r = get(atera, "/api/v3/nothing-here")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_create_get_update_and_post_as_update(atera: AteraSandbox) -> None:
    r = HTTP.post(atera.url + "/api/v3/customers", headers=H,
                   json={"CustomerName": "Fresh Co Pty Ltd", "City": "Perth"})
    assert r.status_code == 201
    new_id = int(r.json()["ActionID"])
    assert new_id not in {c["CustomerID"] for c in demo_seed()["customers"]}
    got = get(atera, f"/api/v3/customers/{new_id}").json()
    assert got["CustomerName"] == "Fresh Co Pty Ltd" and got["City"] == "Perth"
    for method in ("PUT", "POST"):
        r = HTTP.request(method, f"{atera.url}/api/v3/customers/{new_id}", headers=H,
                          json={"Phone": f"+61 8 {method}"})
        assert r.status_code == 200 and r.json() == {"ActionID": str(new_id)}
        assert get(atera, f"/api/v3/customers/{new_id}").json()["Phone"] == f"+61 8 {method}"
    r = HTTP.put(f"{atera.url}/api/v3/customers/{new_id}", headers=H, json={"Logo": "x"})
    assert r.status_code == 400  # not an UpdateCustomerRequest field; nothing changed
    assert get(atera, f"/api/v3/customers/{new_id}").json()["Logo"] is None


def test_last_modified_filter_and_sort(atera: AteraSandbox) -> None:
    since = "2026-10-01"
    body = get(atera, f"/api/v3/customers?FromLastModifiedDate={since}&itemsInPage=50").json()
    expected = [c for c in demo_seed()["customers"] if c["LastModified"] >= since]
    assert 0 < body["totalItemCount"] == len(expected) < 150
    r = HTTP.put(f"{atera.url}/api/v3/customers/101", headers=H, json={"Notes": "touched"})
    assert r.status_code == 200
    now = get(atera, "/api/v3/customers/101").json()["LastModified"]
    after = get(atera, f"/api/v3/customers?FromLastModifiedDate={now}").json()
    assert [c["CustomerID"] for c in after["items"]] == [101]
    by_mod = get(atera, "/api/v3/customers?SortBy=LastModified&itemsInPage=50").json()["items"]
    mods = [c["LastModified"] for c in by_mod]
    assert mods == sorted(mods)
    bad = get(atera, "/api/v3/customers?FromLastModifiedDate=2026-10-01T10:00:00%2B10:00")
    assert bad.status_code == 400 and "FromLastModifiedDate" in bad.json()["errors"]


def test_contacts_filters_and_create(atera: AteraSandbox) -> None:
    contact = demo_seed()["contacts"][0]
    part = contact["Email"].split("@")[1]
    body = get(atera, f"/api/v3/contacts?Email={part}").json()
    assert body["items"] and all(part in c["Email"] for c in body["items"])
    r = HTTP.post(atera.url + "/api/v3/contacts", headers=H,
                   json={"Email": "new@example.com", "CustomerID": contact["CustomerID"]})
    assert r.status_code == 201
    got = get(atera, f"/api/v3/contacts/{r.json()['ActionID']}").json()
    assert got["CustomerName"] == contact["CustomerName"]
    r = HTTP.post(atera.url + "/api/v3/contacts", headers=H, json={"CustomerID": 101})
    assert r.status_code == 400 and "Email" in r.json()["errors"]


def test_contracts_carry_rates_and_list_by_customer(atera: AteraSandbox) -> None:
    contracts = get(atera, "/api/v3/contracts?itemsInPage=50").json()
    assert contracts["totalItemCount"] == len(demo_seed()["contracts"])
    first = contracts["items"][0]
    body = first[first["ContractType"] + "Contract"]
    assert any(isinstance(v, dict) and v.get("RateID") for v in body.values())
    mine = get(atera, f"/api/v3/contracts/customer/{first['CustomerID']}").json()
    assert mine["items"] and {c["CustomerID"] for c in mine["items"]} == {first["CustomerID"]}
    assert get(atera, "/api/v3/contracts/customer/999999").status_code == 404
    assert get(atera, f"/api/v3/contracts/{first['ContractID']}").json() == first


def test_products_create_update_and_archive(atera: AteraSandbox) -> None:
    r = HTTP.post(atera.url + "/api/v3/rates/products", headers=H,
                   json={"Description": "Widget", "Amount": 12.5, "SKU": "W-1"})
    assert r.status_code == 201
    pid = int(r.json()["ActionID"])
    assert get(atera, f"/api/v3/rates/products/{pid}").json()["Amount"] == 12.5
    r = HTTP.put(f"{atera.url}/api/v3/rates/products/{pid}", headers=H,
                  json={"Amount": 13.0, "Archived": True})
    assert r.status_code == 200
    listed = get(atera, "/api/v3/rates/products?itemsInPage=50").json()["items"]
    assert pid not in {p["RateID"] for p in listed}  # archived: out of the list
    assert get(atera, f"/api/v3/rates/products/{pid}").json()["Amount"] == 13.0
    r = HTTP.post(atera.url + "/api/v3/rates/expenses", headers=H, json={"Amount": 1})
    assert r.status_code == 400 and "Description" in r.json()["errors"]
    # products take PUT only
    assert HTTP.post(f"{atera.url}/api/v3/rates/products/{pid}", headers=H,
                      json={}).status_code == 405


@pytest.mark.parametrize("query", ["invoiceDateFrom=2026-10-01&invoiceDateTo=2026-09-01",
                                   "invoiceDateFrom=01/09/2026", "invoiceDateTo=2026-02-30"])
def test_invoice_bad_range_is_400(atera: AteraSandbox, query: str) -> None:
    r = get(atera, f"/api/v3/billing/invoices?{query}")
    assert r.status_code == 400 and r.json()["status"] == 400


def test_invoices_are_read_only_and_filter_by_date(atera: AteraSandbox) -> None:
    body = get(atera, "/api/v3/billing/invoices?invoiceDateFrom=2026-09-01"
                      "&invoiceDateTo=2026-09-30&itemsInPage=50").json()
    expected = [i for i in demo_seed()["invoices"] if i["InvoiceDate"].startswith("2026-09")]
    assert body["totalItemCount"] == len(expected) > 50
    one = get(atera, f"/api/v3/billing/invoice/{expected[0]['InvoiceNumber']}").json()
    assert one == expected[0]
    assert HTTP.post(atera.url + "/api/v3/billing/invoices", headers=H,
                      json={}).status_code == 405


def test_custom_values_round_trip(atera: AteraSandbox) -> None:
    path = "/api/v3/customvalues/customerfield/101/Xero%20Contact%20ID"
    assert get(atera, path).json() == []
    r = HTTP.put(atera.url + path, headers=H, json={"Value": "c0ffee"})
    assert r.status_code == 200
    values = get(atera, path).json()
    assert values[0]["ValueAsString"] == "c0ffee" and values[0]["ItemId"] == 101
    assert get(atera, "/api/v3/customvalues/customerfield/101/Nope").status_code == 400
    assert get(atera, "/api/v3/customvalues/customerfield/999999/Xero%20Link"
               ).status_code == 404


def test_faults_html_429_and_drop_are_ledgered(atera: AteraSandbox) -> None:
    atera.faults("html=1")
    r = get(atera, "/api/v3/customers")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    atera.faults("429=1")
    r = get(atera, "/api/v3/customers")
    assert r.status_code == 429 and r.headers["Retry-After"] == "0.25"
    atera.faults("drop=1")
    with pytest.raises(httpx.TransportError):
        get(atera, "/api/v3/customers")
    atera.faults("")
    assert get(atera, "/api/v3/customers").status_code == 200
    faults = [e.fault for e in atera.ledger.entries("atera")]
    assert faults == ["html", "429", "drop", None]
    assert [e.status for e in atera.ledger.entries("atera")] == [200, 429, 0, 200]


def test_drop_after_applies_the_write_then_loses_the_answer(atera: AteraSandbox) -> None:
    atera.app.faults.drop_after_rate = 1.0
    with pytest.raises(httpx.TransportError):
        HTTP.post(atera.url + "/api/v3/customers", headers=H, json={"CustomerName": "Ghost"})
    assert any(c["CustomerName"] == "Ghost" for c in atera.app.customers.values())


def test_repr_hides_the_key() -> None:
    app = AteraApp(demo_seed(), api_key="super-secret-key")
    assert "super-secret-key" not in repr(app)
    with pytest.raises(ValueError, match="record 0"):
        AteraApp({"customers": [{"CustomerName": "no id"}]})
