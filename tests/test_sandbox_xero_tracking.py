"""Tracking categories and the demo organisation's chart of accounts in the Xero sandbox:
what the spec documents and what Xero refuses (docs/fidelity.md names each source)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from _sandbox_fixtures import XeroHttp, login

from matchkit.sandbox import Sandbox
from matchkit.sandbox._xero_tracking import MSG_TRACKING_UNKNOWN

OffContract = Callable[[], AbstractContextManager[list[str]]]
ALL = {"summarizeErrors": "false"}


@pytest.fixture
def x(start_sandbox: Any) -> XeroHttp:
    sb: Sandbox = start_sandbox(seed="demo")
    return login(sb)


def categories(x: XeroHttp, **params: str) -> dict[str, dict[str, Any]]:
    r = x.get("TrackingCategories", params)
    assert r.status_code == 200, r.text
    return {c["Name"]: c for c in r.json()["TrackingCategories"]}


def option_id(cat: dict[str, Any], name: str) -> str:
    return str(next(o["TrackingOptionID"] for o in cat["Options"] if o["Name"] == name))


def refused(r: Any) -> list[str]:
    """A 400 ValidationException's messages (x-hasAccountingValidationError)."""
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["Type"] == "ValidationException" and body["ErrorNumber"] == 10
    return [m["Message"] for e in body["Elements"] for m in e["ValidationErrors"]]


def first_contact(x: XeroHttp) -> str:
    return str(x.get("Contacts", {"where": 'ContactStatus=="ACTIVE"'}).json()
               ["Contacts"][0]["ContactID"])


def document(x: XeroHttp, tracking: Any, path: str = "Invoices") -> dict[str, Any]:
    body = {"Type": "ACCREC" if path == "Invoices" else "ACCRECCREDIT",
            "Contact": {"ContactID": first_contact(x)}, "Date": "2026-10-01",
            "DueDate": "2026-10-15",
            "LineItems": [{"Description": "Managed workstations", "Quantity": 3,
                           "UnitAmount": 45, "AccountCode": "210", "Tracking": tracking}]}
    r = x.put(path, {path: [body]}, ALL)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()[path][0]
    return out


def messages(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


# ------------------------------------------------------------------------ categories

def test_demo_tracking_categories_and_statuses(x: XeroHttp) -> None:
    """Spec /TrackingCategories: ACTIVE by default; includeArchived adds ARCHIVED categories
    and options; where/order work on the spec's fields; one by id."""
    active = categories(x)
    assert list(active) == ["Region", "Service Line"]
    region = active["Region"]
    assert "Hobart" not in {o["Name"] for o in region["Options"]}  # an archived option
    assert {o["Status"] for o in region["Options"]} == {"ACTIVE"}
    everything = categories(x, includeArchived="true")
    assert everything["Department"]["Status"] == "ARCHIVED"
    assert {"Hobart": "ARCHIVED"}.items() <= {o["Name"]: o["Status"] for o in
                                              everything["Region"]["Options"]}.items()
    named = x.get("TrackingCategories", {"where": 'Name=="Service Line"'}).json()
    assert [c["Name"] for c in named["TrackingCategories"]] == ["Service Line"]
    ordered = x.get("TrackingCategories", {"order": "Name DESC"}).json()
    assert [c["Name"] for c in ordered["TrackingCategories"]] == ["Service Line", "Region"]
    one = x.get(f"TrackingCategories/{region['TrackingCategoryID']}").json()
    assert one["TrackingCategories"][0]["Name"] == "Region"
    assert x.get("TrackingCategories/00000000-0000-4000-8000-000000000000").status_code == 404
    bad = x.get("TrackingCategories", {"where": 'Nope=="x"'})
    assert bad.status_code == 400 and bad.json()["Type"] == "QueryParseException"


def test_at_most_two_active_categories(x: XeroHttp) -> None:
    """Two active at a time, the others archived (community.xero.com/business/discussion/
    54766610)."""
    assert refused(x.put("TrackingCategories", {"Name": "Contract Type"})) == [
        "You can only have 2 active tracking categories: archive one before adding or "
        "activating another."]
    archived = x.put("TrackingCategories", {"Name": "Contract Type", "Status": "ARCHIVED"})
    assert archived.status_code == 200, archived.text
    new_id = archived.json()["TrackingCategories"][0]["TrackingCategoryID"]
    assert refused(x.post(f"TrackingCategories/{new_id}", {"Status": "ACTIVE"}))
    service = categories(x)["Service Line"]["TrackingCategoryID"]
    assert x.post(f"TrackingCategories/{service}", {"Status": "ARCHIVED"}).status_code == 200
    made = x.post(f"TrackingCategories/{new_id}", {"Status": "ACTIVE", "Name": "Contract"})
    assert made.status_code == 200, made.text
    assert list(categories(x)) == ["Region", "Contract"]


def test_category_and_option_writes(x: XeroHttp, off_contract: OffContract) -> None:
    region = categories(x)["Region"]
    rid = region["TrackingCategoryID"]
    assert refused(x.put(f"TrackingCategories/{rid}/Options", {"Name": "sydney"})) == [
        "The option 'sydney' already exists in the tracking category 'Region'."]
    added = x.put(f"TrackingCategories/{rid}/Options", {"Name": "Darwin"})
    assert added.status_code == 200, added.text
    opt = added.json()["Options"][0]
    assert (opt["Name"], opt["Status"], opt["IsActive"]) == ("Darwin", "ACTIVE", True)
    oid = opt["TrackingOptionID"]
    renamed = x.post(f"TrackingCategories/{rid}/Options/{oid}", {"Name": "Darwin (NT)"})
    assert renamed.json()["Options"][0]["Name"] == "Darwin (NT)"
    archived = x.post(f"TrackingCategories/{rid}/Options/{oid}", {"Status": "ARCHIVED"})
    assert archived.json()["Options"][0]["IsArchived"] is True
    assert "Darwin (NT)" not in {o["Name"] for o in categories(x)["Region"]["Options"]}
    deleted = x.client.delete(f"/api.xro/2.0/TrackingCategories/{rid}/Options/{oid}",
                              headers=x.headers())
    assert deleted.status_code == 200 and deleted.json()["Options"][0]["Status"] == "DELETED"
    assert x.client.delete(f"/api.xro/2.0/TrackingCategories/{rid}/Options/{oid}",
                           headers=x.headers()).status_code == 404
    # A category's name: required, unique, at most 100 characters (spec maxLength).
    assert refused(x.post(f"TrackingCategories/{rid}", {"Name": "service line"})) == [
        "A tracking category with the name 'service line' already exists."]
    with off_contract():
        long = refused(x.put("TrackingCategories", {"Name": "R" * 101, "Status": "ARCHIVED"}))
    assert long == ["Name must not be more than 100 characters long."]
    dept = categories(x, includeArchived="true")["Department"]["TrackingCategoryID"]
    gone = x.client.delete(f"/api.xro/2.0/TrackingCategories/{dept}", headers=x.headers())
    assert gone.status_code == 200
    assert gone.json()["TrackingCategories"][0]["Status"] == "DELETED"
    assert "Department" not in categories(x, includeArchived="true")
    # Read by id, a deleted category still answers (the spec's example is DELETED).
    assert x.get(f"TrackingCategories/{dept}").json()["TrackingCategories"][0]["Status"] == \
        "DELETED"
    empty = x.put(f"TrackingCategories/{rid}/Options", {})
    assert empty.status_code == 400 and empty.json()["Type"] == "NoDataProcessedException"


def test_settings_scope_guards_tracking_categories(start_sandbox: Any) -> None:
    sb: Sandbox = start_sandbox(seed="demo")
    reader = login(sb, scope="offline_access accounting.settings.read accounting.invoices")
    assert reader.get("TrackingCategories").status_code == 200
    r = reader.put("TrackingCategories", {"Name": "X", "Status": "ARCHIVED"})
    assert r.status_code == 401 and r.json()["Detail"] == "AuthorizationUnsuccessful"


# ------------------------------------------------------------------------ line items

def test_lines_take_tracking_by_id_or_by_name(x: XeroHttp) -> None:
    cats = categories(x)
    region, service = cats["Region"], cats["Service Line"]
    by_id = document(x, [{"TrackingCategoryID": region["TrackingCategoryID"],
                          "TrackingOptionID": option_id(region, "Perth")}])
    by_name = document(x, [{"Name": "region", "Option": "perth"},
                           {"Name": "Service Line", "Option": "Managed Services"}])
    for inv in (by_id, by_name):
        assert not messages(inv)
    want = {"Name": "Region", "Option": "Perth",
            "TrackingCategoryID": region["TrackingCategoryID"],
            "TrackingOptionID": option_id(region, "Perth")}
    assert by_id["LineItems"][0]["Tracking"] == [want]
    assert by_name["LineItems"][0]["Tracking"][0] == want
    assert by_name["LineItems"][0]["Tracking"][1]["TrackingOptionID"] == option_id(
        service, "Managed Services")
    # Read back over HTTP: one invoice, and a page of them, carry the lines' tracking.
    one = x.get(f"Invoices/{by_name['InvoiceID']}").json()["Invoices"][0]
    assert one["LineItems"][0]["Tracking"] == by_name["LineItems"][0]["Tracking"]
    paged = x.get("Invoices", {"page": "1", "IDs": by_id["InvoiceID"]}).json()["Invoices"]
    assert paged[0]["LineItems"][0]["Tracking"] == [want]
    credit = document(x, [{"Name": "Region", "Option": "Sydney"}], "CreditNotes")
    assert not messages(credit)
    assert credit["LineItems"][0]["Tracking"][0]["Option"] == "Sydney"


def test_lines_with_tracking_xero_refuses(x: XeroHttp, off_contract: OffContract) -> None:
    everything = categories(x, includeArchived="true")
    before = len(x.get("Invoices").json()["Invoices"])
    unknown = document(x, [{"Name": "Cost Centre", "Option": "North"}])
    assert messages(unknown) == [MSG_TRACKING_UNKNOWN]  # Xero's words
    archived_cat = document(x, [{"Name": "Department", "Option": "Sales"}])
    assert messages(archived_cat) == [MSG_TRACKING_UNKNOWN]
    wrong_id = document(x, [{"TrackingCategoryID": "00000000-0000-4000-8000-000000000000",
                             "TrackingOptionID": option_id(everything["Region"], "Perth")}])
    assert messages(wrong_id) == [MSG_TRACKING_UNKNOWN]
    archived_opt = document(x, [{"Name": "Region", "Option": "Hobart"}])
    assert messages(archived_opt) == [
        "Unknown tracking details. 'Hobart' is not an active option of the tracking category "
        "'Region'"]
    other_category = document(x, [{"Name": "Region", "Option": "Projects"}])
    assert len(messages(other_category)) == 1
    twice = document(x, [{"Name": "Region", "Option": "Perth"},
                         {"Name": "Region", "Option": "Sydney"}])
    assert messages(twice) == ["Line 1: the tracking category 'Region' is given twice."]
    three = document(x, [{"Name": "Region", "Option": "Perth"},
                         {"Name": "Service Line", "Option": "Projects"},
                         {"Name": "Region", "Option": "Sydney"}])
    assert messages(three) == ["Line 1: a line item can have at most 2 tracking categories."]
    credit = document(x, [{"Name": "Nope", "Option": "Perth"}], "CreditNotes")
    assert messages(credit) == [MSG_TRACKING_UNKNOWN]
    with off_contract():  # a Tracking object where the spec has a list
        single = document(x, {"Name": "Region", "Option": "Perth"})
    assert messages(single) == ["Line 1: Tracking must be a list of tracking categories."]
    # Nothing refused was stored.
    assert len(x.get("Invoices").json()["Invoices"]) == before
    assert not x.get("CreditNotes").json()["CreditNotes"]


# ------------------------------------------------------------------------ accounts

def test_demo_revenue_chart(x: XeroHttp) -> None:
    """A realistic MSP chart: revenue split by what is sold, one revenue account archived."""
    revenue = x.get("Accounts", {"where": 'Class=="REVENUE" AND Status=="ACTIVE"',
                                 "order": "Code"}).json()["Accounts"]
    names = {a["Code"]: a["Name"] for a in revenue}
    assert {"210": "Managed Services Revenue", "215": "Cloud & Hosting Revenue",
            "220": "Hardware Sales", "230": "Labour Revenue",
            "240": "Software Licence Revenue"}.items() <= names.items()
    assert list(names) == sorted(names)
    assert all(a["Description"] for a in revenue if a["Code"] in ("210", "220", "230", "240"))
    archived = x.get("Accounts", {"where": 'Status=="ARCHIVED"'}).json()["Accounts"]
    assert [(a["Code"], a["Class"]) for a in archived] == [("225", "REVENUE")]
    # An archived account takes no new lines (XeroAPI/Xero-NetStandard#364).
    r = x.put("Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": first_contact(x)}, "Date": "2026-10-01",
        "LineItems": [{"Description": "Dock", "Quantity": 1, "UnitAmount": 300,
                       "AccountCode": "225"}]}]}, ALL)
    assert messages(r.json()["Invoices"][0]) == [
        "Account code '225' is not a valid code for this document."]
