"""The rest of Atera's API the sandbox serves: both auth schemes, the DELETE verbs, tickets,
agents, work hours, custom values of every record type, and paging defaults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _atera_fixtures import KEY, AteraSandbox, atera, demo_seed

from matchkit.sandbox import start
from matchkit.sandbox._atera import AteraApp
from matchkit.sandbox._atera_more import generate_activity

__all__ = ["atera"]

H = {"X-API-KEY": KEY}


@pytest.fixture
def http(atera: AteraSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=atera.url, headers=H, timeout=10) as c:
        yield c


def all_pages(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    url: str = path
    while url:
        body = http.get(url).json()
        out += body["items"]
        url = body["nextLink"]
    return out


def test_both_auth_schemes() -> None:
    """X-API-KEY (legacy) and Authorization: Bearer (the spec's scheme; 2026 JWT tokens,
    davejlong/PSAtera README); anything else is a 401 with an empty body."""
    with start(seed="demo") as sb:
        url = f"{sb.atera_url}/api/v3/account"
        assert httpx.get(url, headers={"X-API-KEY": sb.atera_api_key}).status_code == 200
        assert len(sb.atera_api_token) > 100
        bearer = httpx.get(url, headers={"Authorization": f"Bearer {sb.atera_api_token}"})
        assert bearer.status_code == 200
        for headers in ({}, {"X-API-KEY": "nope"}, {"Authorization": "Bearer nope"},
                        {"Authorization": f"Basic {sb.atera_api_token}"}):
            refused = httpx.get(url, headers=headers)
            assert refused.status_code == 401 and refused.content == b""


def test_paging_defaults(http: httpx.Client) -> None:
    """itemsInPage: "default is 20, max is 50" (every list's description)."""
    for path in ("/api/v3/tickets", "/api/v3/agents", "/api/v3/workhours"):
        body = http.get(path).json()
        assert (body["page"], body["itemsInPage"], len(body["items"])) == (1, 20, 20), path
        assert http.get(path, params={"itemsInPage": 80}).json()["itemsInPage"] == 50
        assert http.get(path, params={"page": 0}).status_code == 400


def test_delete_verbs(atera: AteraSandbox, http: httpx.Client) -> None:
    """The DELETE operations of the document: customers, contacts, products, expenses,
    tickets, agents (204)."""
    contact = min(atera.app.contacts)
    expense = min(atera.app.expenses)
    for path in (f"/api/v3/contacts/{contact}", "/api/v3/rates/products/1",
                 f"/api/v3/rates/expenses/{expense}", "/api/v3/tickets/1", "/api/v3/agents/1",
                 "/api/v3/customers/101"):
        assert http.delete(path).status_code == 204, path
        assert http.delete(path).status_code == 404, path
        assert http.get(path).status_code == 404, path
    assert all(w["TicketID"] != 1 for w in atera.app.workhours.values())


def test_tickets(atera: AteraSandbox, http: httpx.Client) -> None:
    tickets = all_pages(http, "/api/v3/tickets?itemsInPage=50")
    assert len(tickets) == len(atera.app.tickets) > 20
    one = tickets[0]
    assert http.get(f"/api/v3/tickets/{one['TicketID']}").json()["TicketID"] == one["TicketID"]
    mine = http.get("/api/v3/tickets", params={"customerId": one["CustomerID"]}).json()
    assert {t["CustomerID"] for t in mine["items"]} == {one["CustomerID"]}
    closed = all_pages(http, "/api/v3/tickets?ticketStatus=closed&itemsInPage=50")
    assert closed and {t["TicketStatus"] for t in closed} == {"Closed"}
    done = all_pages(http, "/api/v3/tickets/statusmodified?itemsInPage=50")
    assert {t["TicketStatus"] for t in done} == {"Resolved", "Closed"}
    # includeRelations is false by default; noComments leaves the comments out.
    assert "RelationType" not in one
    assert "FirstComment" not in http.get("/api/v3/tickets/noComments").json()["items"][0]
    # lastmodified: since a date (UTC); tickets touched later are listed.
    later = http.get("/api/v3/tickets/lastmodified", params={"date": "2030-01-01"}).json()
    assert later["items"] == []
    http.put(f"/api/v3/customvalues/ticketfield/{one['TicketID']}/Xero%20Invoice",
             json={"Value": "INV-7"})
    now = atera.app._now()[:10]
    touched = http.get("/api/v3/tickets/lastmodified", params={"date": now}).json()["items"]
    assert [t["TicketID"] for t in touched] == [one["TicketID"]]


def test_work_hours(atera: AteraSandbox, http: httpx.Client) -> None:
    records = all_pages(http, "/api/v3/workhours?itemsInPage=50")
    assert len(records) == len(atera.app.workhours)
    assert "RateID" not in records[0]  # includeRates: "default is false"
    rated = http.get("/api/v3/workhours", params={"includeRates": "true"}).json()["items"][0]
    assert "RateID" in rated and "RateAmount" in rated
    window = http.get("/api/v3/workhours", params={
        "startWorkhour": "2026-08-10", "endWorkhour": "2026-08-20T23:59:59",
        "itemsInPage": 50}).json()["items"]
    assert window and all(w["StartWorkHour"] >= "2026-08-10" and
                          w["EndWorkHour"] <= "2026-08-20T23:59:59" for w in window)
    # Local times without an offset only (the parameter descriptions).
    assert http.get("/api/v3/workhours",
                    params={"startWorkhour": "2026-08-10T00:00:00Z"}).status_code == 400
    tid = records[0]["TicketID"]
    mine = [w for w in records if w["TicketID"] == tid]
    per_ticket = http.get(f"/api/v3/tickets/{tid}/workhoursrecords").json()["items"]
    assert [w["WorkHoursID"] for w in per_ticket] == [w["WorkHoursID"] for w in mine]
    summary = http.get(f"/api/v3/tickets/{tid}/workhours").json()
    billable = http.get(f"/api/v3/tickets/{tid}/billableduration").json()
    assert summary["Billable"] == billable and billable["ticketId"] == tid
    total = sum(_hours(w) for w in mine if w["Billiable"])
    assert billable["TotalDurationHours"] == pytest.approx(total, abs=0.01)
    batch = http.post("/api/v3/tickets/billableduration", json=[tid]).json()
    assert batch == [billable]


def _hours(w: dict[str, Any]) -> float:
    import datetime as dt

    span = (dt.datetime.fromisoformat(w["EndWorkHour"])
            - dt.datetime.fromisoformat(w["StartWorkHour"]))
    return span.total_seconds() / 3600


def test_agents(atera: AteraSandbox, http: httpx.Client) -> None:
    agents = all_pages(http, "/api/v3/agents?itemsInPage=50")
    assert len(agents) == len(atera.app.agents)
    a = agents[0]
    assert http.get(f"/api/v3/agents/{a['AgentID']}").json()["MachineName"] == a["MachineName"]
    by_customer = http.get(f"/api/v3/agents/customer/{a['CustomerID']}").json()["items"]
    assert a["AgentID"] in {x["AgentID"] for x in by_customer}
    by_machine = http.get(f"/api/v3/agents/machine/{a['MachineName'].lower()}").json()
    assert [x["AgentID"] for x in by_machine["items"]] == [a["AgentID"]]


def test_custom_values_of_every_record_type(atera: AteraSandbox, http: httpx.Client) -> None:
    fields = http.get("/api/v3/customvalues/customfields").json()
    assert {f["Target"] for f in fields} == {"Customer", "Contact", "Contract", "Ticket"}
    contact, contract = min(atera.app.contacts), min(atera.app.contracts)
    for target, item, field in (("customer", 101, "Xero%20Link"),
                                ("contact", contact, "Xero%20Contact%20Person"),
                                ("contract", contract, "Xero%20Item%20Code"),
                                ("ticket", 1, "Xero%20Invoice")):
        path = f"/api/v3/customvalues/{target}field/{item}/{field}"
        assert http.get(path).json() == []
        assert http.post(path, json={"Value": f"v-{target}"}).json() == {"ActionID": str(item)}
        value = http.get(path).json()[0]
        assert value["ValueAsString"] == f"v-{target}" and value["ItemId"] == item
        listed = http.get(f"/api/v3/customvalues/{target}fields/{item}").json()
        assert listed == [value]
        assert http.get(f"/api/v3/customvalues/{value['Id']}").json() == [value]
        assert http.get(f"/api/v3/customvalues/{target}field/{item}/Nope").status_code == 400
    assert http.get("/api/v3/customvalues/customerfield/999999/Xero%20Link"
                    ).status_code == 404


def test_generated_activity_is_repeatable() -> None:
    seed = demo_seed()
    app1 = AteraApp(seed)
    app2 = AteraApp(demo_seed())
    assert app1.tickets == app2.tickets and app1.workhours == app2.workhours
    tickets, agents, hours = generate_activity({}, {}, {})
    assert (tickets, agents, hours) == ([], [], [])
    given = AteraApp({**seed, "tickets": [], "agents": [], "workhours": []})
    assert given.tickets == {} and given.agents == {}
