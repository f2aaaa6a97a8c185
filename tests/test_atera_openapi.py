"""Every Atera sandbox endpoint, answered over loopback, validated against Atera's own OpenAPI
document (``reference/atera/atera-openapi.json``, kept in the repository) with openapi-core.

One deliberate leniency: Atera documents its times as ``date-time`` but reads and writes them
in the account's time zone without an offset (``2026-08-01T00:00:00``; see atera_api.md), and
the sandbox does the same. Those values are checked as ISO times without requiring an offset;
everything else is validated strictly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import pytest
from _atera_fixtures import ATERA_SPEC, KEY, AteraSandbox, atera
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

__all__ = ["atera"]


def _local_date_time(value: Any) -> bool:
    if not isinstance(value, str):
        return True  # type errors are the type validator's business
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


@cache
def _spec() -> Any:
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_file_path(
        str(ATERA_SPEC),
        config=Config(extra_format_validators={"date-time": _local_date_time}),
    )


@pytest.fixture
def http(atera: AteraSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=atera.url, headers={"X-API-KEY": KEY}, timeout=10) as c:
        yield c


def check(http: httpx.Client, method: str, path: str, json: Any = None,
          status: int | None = None) -> httpx.Response:
    """Send over loopback, then validate request and response against the spec."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

    r = http.request(method, path, json=json)
    if status is not None:
        assert r.status_code == status, r.text
    url = httpx.URL(path)
    env = EnvironBuilder(
        method=method, path=url.path, query_string=url.query.decode() or None,
        base_url="http://localhost",
        data=r.request.content or None, content_type=r.request.headers.get("content-type"),
    ).get_environ()
    resp = Response(r.content, status=r.status_code, content_type=r.headers.get("content-type"))
    req = WerkzeugOpenAPIRequest(Request(env))  # one Request: its body can be read once
    _spec().validate_response(req, WerkzeugOpenAPIResponse(resp))
    if method != "GET" and r.status_code < 300:
        # body and parameters; the spec's security scheme ("Bearer", capitalised) trips
        # openapi-core and is tested by the auth tests instead
        from openapi_core.validation.request.validators import (
            V30RequestBodyValidator,
            V30RequestParametersValidator,
        )

        for cls in (V30RequestBodyValidator, V30RequestParametersValidator):
            cls(_spec().spec, extra_format_validators={"date-time": _local_date_time}
                ).validate(req)
    return r


def test_list_endpoints_validate_on_every_page(http: httpx.Client) -> None:
    for path in ("/api/v3/customers", "/api/v3/contacts", "/api/v3/contracts",
                 "/api/v3/rates/products", "/api/v3/rates/expenses", "/api/v3/billing/invoices",
                 "/api/v3/contracts/customer/101"):
        page, pages = 1, 1
        while page <= pages:
            body = check(http, "GET", f"{path}?page={page}&itemsInPage=50", status=200).json()
            pages = body["totalPages"]
            page += 1


def test_single_records_and_account_validate(http: httpx.Client, atera: AteraSandbox) -> None:
    contract_types = set()
    for cid in sorted(atera.app.contracts):
        c = check(http, "GET", f"/api/v3/contracts/{cid}", status=200).json()
        contract_types.add(c["ContractType"])
    assert len(contract_types) == 8  # every type, with its embedded rates, validated
    for path in ("/api/v3/customers/101", f"/api/v3/contacts/{min(atera.app.contacts)}",
                 "/api/v3/rates/products/1", f"/api/v3/rates/expenses/{min(atera.app.expenses)}",
                 f"/api/v3/billing/invoice/{min(atera.app.invoices)}", "/api/v3/account"):
        check(http, "GET", path, status=200)
    for number in list(atera.app.invoices)[::25]:
        check(http, "GET", f"/api/v3/billing/invoice/{number}", status=200)


def test_writes_and_their_answers_validate(http: httpx.Client) -> None:
    r = check(http, "POST", "/api/v3/customers",
              json={"CustomerName": "Spec Co", "City": "Hobart", "Longitude": 147.3}, status=201)
    new = r.json()["ActionID"]
    check(http, "GET", f"/api/v3/customers/{new}", status=200)
    check(http, "PUT", f"/api/v3/customers/{new}", json={"Notes": "n"}, status=200)
    check(http, "POST", f"/api/v3/customers/{new}", json={"Phone": "1"}, status=200)
    check(http, "POST", "/api/v3/contacts", json={"Email": "a@b.c", "CustomerID": int(new)},
          status=201)
    r = check(http, "POST", "/api/v3/rates/products",
              json={"Description": "Spec product", "Amount": 1.5, "SKU": "SP"}, status=201)
    check(http, "PUT", f"/api/v3/rates/products/{r.json()['ActionID']}",
          json={"Archived": True}, status=200)
    check(http, "POST", "/api/v3/rates/expenses", json={"Description": "Spec expense",
                                                        "Amount": 2}, status=201)
    check(http, "PUT", "/api/v3/customvalues/customerfield/101/Xero%20Link",
          json={"Value": "https://go.xero.com/x"}, status=200)
    check(http, "GET", "/api/v3/customvalues/customerfield/101/Xero%20Link", status=200)


def test_problem_details_validate(http: httpx.Client) -> None:
    # only the statuses Atera documents for each operation (GET /customers/{id} lists no 404)
    check(http, "PUT", "/api/v3/customers/999999", json={"Notes": "x"}, status=404)
    check(http, "GET", "/api/v3/rates/products/999999", status=404)
    check(http, "POST", "/api/v3/customers", json={"City": "no name"}, status=400)
    check(http, "PUT", "/api/v3/rates/products/1", json={"Description": ""}, status=400)
    check(http, "GET", "/api/v3/billing/invoices?invoiceDateFrom=2026-10-01"
                       "&invoiceDateTo=2026-09-01", status=400)


def test_validator_is_not_a_rubber_stamp(http: httpx.Client, atera: AteraSandbox) -> None:
    from openapi_core.validation.response.exceptions import InvalidData

    atera.app.customers[101]["Surprise"] = "not in CustomerDto"  # additionalProperties: false
    with pytest.raises(InvalidData):
        check(http, "GET", "/api/v3/customers/101")
    del atera.app.customers[101]["Surprise"]
    atera.app.invoices[min(atera.app.invoices)]["InvoiceDate"] = "01/08/2026"
    with pytest.raises(InvalidData):
        check(http, "GET", f"/api/v3/billing/invoice/{min(atera.app.invoices)}")


def test_contract_writes_validate(http: httpx.Client) -> None:
    r = check(http, "POST", "/api/v3/contracts", json={
        "ContractName": "Spec contract", "CustomerID": 101, "ContractType": "BlockHours",
        "Active": True, "Taxable": False, "StartDate": "2026-11-01T00:00:00",
        "BlockHoursContract": {"HourlyRateID": 9010, "OverageRateID": 9011,
                               "HoursIncluded": 20.0, "BillingPeriod": "Monthly"}}, status=201)
    cid = r.json()["ActionID"]
    check(http, "GET", f"/api/v3/contracts/{cid}", status=200)
    check(http, "PUT", f"/api/v3/contracts/{cid}",
          json={"BlockHoursContract": {"HoursIncluded": 30.0}}, status=204)
    check(http, "POST", f"/api/v3/contracts/{cid}", json={"Active": False}, status=204)
    check(http, "PUT", "/api/v3/contracts/999999", json={"Active": False}, status=404)
    check(http, "POST", "/api/v3/contracts", json={"CustomerID": 101}, status=400)


def test_tickets_agents_work_hours_and_custom_values_validate(http: httpx.Client,
                                                              atera: AteraSandbox) -> None:
    for path in ("/api/v3/tickets", "/api/v3/tickets/noComments", "/api/v3/tickets/statusmodified",
                 "/api/v3/tickets/lastmodified?date=2026-01-01", "/api/v3/agents",
                 "/api/v3/agents/customer/101", "/api/v3/workhours?includeRates=true"):
        page, pages = 1, 1
        sep = "&" if "?" in path else "?"
        while page <= pages:
            body = check(http, "GET", f"{path}{sep}page={page}&itemsInPage=50",
                         status=200).json()
            pages = body["totalPages"]
            page += 1
    agent = atera.app.agents[min(atera.app.agents)]
    ticket = min(atera.app.tickets)
    for path in (f"/api/v3/tickets/{ticket}", f"/api/v3/tickets/{ticket}?includeRelations=true",
                 f"/api/v3/tickets/{ticket}/workhours",
                 f"/api/v3/tickets/{ticket}/workhoursrecords",
                 f"/api/v3/tickets/{ticket}/billableduration",
                 f"/api/v3/tickets/{ticket}/nonbillableduration",
                 f"/api/v3/agents/{agent['AgentID']}",
                 f"/api/v3/agents/machine/{agent['MachineName']}",
                 "/api/v3/customvalues/customfields", "/api/v3/customvalues/customerfields/101"):
        check(http, "GET", path, status=200)
    check(http, "POST", "/api/v3/tickets/billableduration", json=[ticket], status=200)
    check(http, "PUT", f"/api/v3/customvalues/ticketfield/{ticket}/Xero%20Invoice",
          json={"Value": "INV-1"}, status=200)
    check(http, "GET", f"/api/v3/customvalues/ticketfields/{ticket}", status=200)
    for path in (f"/api/v3/tickets/{ticket}", f"/api/v3/agents/{agent['AgentID']}",
                 "/api/v3/rates/products/1", f"/api/v3/contacts/{min(atera.app.contacts)}"):
        check(http, "DELETE", path, status=204)
