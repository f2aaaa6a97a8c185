"""The Xero sandbox's Accounting API over real loopback HTTP: reads, filters, paging, writes
and the rules Xero enforces (names, codes, invoice numbers, tax, approval)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest
from _sandbox_fixtures import XeroHttp, login

from matchkit.sandbox import Sandbox, start

OffContract = Callable[[], AbstractContextManager[list[str]]]


@pytest.fixture
def x(sandbox: Sandbox) -> XeroHttp:
    return login(sandbox)


def contact_names(x: XeroHttp, **params: Any) -> list[str]:
    r = x.get("Contacts", params)
    assert r.status_code == 200, r.text
    return [c["Name"] for c in r.json()["Contacts"]]


def put_contacts(x: XeroHttp, *names: str, **extra: Any) -> list[dict[str, Any]]:
    r = x.put("Contacts", {"Contacts": [{"Name": n, **extra} for n in names]},
              {"summarizeErrors": "false"})
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()["Contacts"]
    return out


def test_organisation_tax_rates_accounts_currencies(x: XeroHttp) -> None:
    org = x.get("Organisation").json()["Organisations"][0]
    assert org["ShortCode"].startswith("!") and org["BaseCurrency"] == "AUD"
    rates = x.get("TaxRates").json()["TaxRates"]
    by_type = {r["TaxType"]: r for r in rates}
    assert by_type["OUTPUT"]["CanApplyToRevenue"] is True
    assert by_type["INPUT"]["CanApplyToRevenue"] is False
    assert by_type["TAX001"]["Status"] == "ARCHIVED"
    active = x.get("TaxRates", {"where": 'Status=="ACTIVE"'}).json()["TaxRates"]
    assert "TAX001" not in {r["TaxType"] for r in active} and len(active) == len(rates) - 1
    one = x.get("TaxRates/OUTPUT").json()["TaxRates"]
    assert [r["TaxType"] for r in one] == ["OUTPUT"]
    accounts = x.get("Accounts", {"where": 'Type=="REVENUE"'}).json()["Accounts"]
    assert {a["Code"] for a in accounts} == {"200", "250"}
    assert "AUD" in {c["Code"] for c in x.get("Currencies").json()["Currencies"]}


def test_unknown_resource_is_plain_text_404(x: XeroHttp) -> None:
    r = x.get("NoSuchThing")
    assert r.status_code == 404
    assert r.text == "The resource you're looking for cannot be found"
    assert r.headers["Content-Type"].startswith("text/plain")
    assert x.get("Contacts/00000000-0000-0000-0000-000000000009").status_code == 404


def test_contact_name_must_be_unique_among_active_contacts(x: XeroHttp) -> None:
    first = put_contacts(x, "Acme Pty Ltd")[0]
    assert first["StatusAttributeString"] == "OK"
    # Default mode: one bad element makes a 400 listing only the failed element...
    r = x.put("Contacts", {"Contacts": [{"Name": "ACME PTY LTD"}, {"Name": "Beta Ltd"}]})
    assert r.status_code == 400
    body = r.json()
    assert body["Type"] == "ValidationException" and body["ErrorNumber"] == 10
    assert [e["Name"] for e in body["Elements"]] == ["ACME PTY LTD"]
    assert body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "The contact name ACME PTY LTD is already assigned to another contact. "
        "The contact name must be unique across all active contacts.")
    # ...while the valid one was still created.
    assert "Beta Ltd" in contact_names(x)
    # Archive the first; the name is free again.
    r = x.post("Contacts", {"Contacts": [{"ContactID": first["ContactID"],
                                          "ContactStatus": "ARCHIVED"}]})
    assert r.status_code == 200, r.text
    again = put_contacts(x, "Acme Pty Ltd")[0]
    assert again["StatusAttributeString"] == "OK" and again["ContactID"] != first["ContactID"]


def test_contact_writes_per_element_results_and_no_data(x: XeroHttp,
                                                       off_contract: OffContract) -> None:
    out = put_contacts(x, "Gamma", "", "Gamma")
    assert [c["StatusAttributeString"] for c in out] == ["OK", "ERROR", "ERROR"]
    assert [c["HasValidationErrors"] for c in out] == [False, True, True]
    r = x.put("Contacts", {"Contacts": []})
    assert r.status_code == 400 and r.json()["Type"] == "NoDataProcessedException"
    with off_contract():
        bad = x.client.put("/api.xro/2.0/Contacts", content=b"{not json",
                           headers=x.headers(**{"Content-Type": "application/json"}))
    assert bad.status_code == 400 and bad.json()["Type"] == "PostDataInvalidException"


def test_contacts_paging_filters_and_search(x: XeroHttp) -> None:
    names = [f"Client {i:03d}" for i in range(250)]
    for chunk in range(0, 250, 50):
        put_contacts(x, *names[chunk:chunk + 50])
    put_contacts(x, "Zed Archived")
    zed = x.get("Contacts", {"searchTerm": "zed archived"}).json()["Contacts"][0]
    x.post("Contacts", {"Contacts": [{"ContactID": zed["ContactID"],
                                      "ContactStatus": "ARCHIVED"}]})
    page = x.get("Contacts", {"page": 2, "pageSize": 100}).json()
    assert page["pagination"] == {"page": 2, "pageSize": 100, "pageCount": 3,
                                  "itemCount": 250}
    assert len(page["Contacts"]) == 100
    capped = x.get("Contacts", {"page": 1, "pageSize": 5000}).json()["pagination"]
    assert capped["pageSize"] == 1000
    seen: list[str] = []
    for p in range(1, 4):
        seen += [c["Name"] for c in x.get("Contacts", {"page": p}).json()["Contacts"]]
    assert sorted(seen) == names
    assert "Zed Archived" in contact_names(x, includeArchived="true")
    assert contact_names(x, where='ContactStatus=="ARCHIVED"', includeArchived="true") == [
        "Zed Archived"]
    assert contact_names(x, where='Name=="Client 007"') == ["Client 007"]
    assert contact_names(x, where='Name.Contains("4") && Name.StartsWith("Client 14")') == [
        f"Client {i}" for i in range(140, 150)]
    assert contact_names(x, where='Name=="Client 007" OR Name.ToLower()=="client 009"') == [
        "Client 007", "Client 009"]
    assert len(contact_names(x, searchTerm="client 00")) == 10
    ids = [c["ContactID"] for c in x.get("Contacts", {"page": 1}).json()["Contacts"][:3]]
    assert len(contact_names(x, IDs=",".join(ids))) == 3
    bad = x.get("Contacts", {"where": "Name ~~ 3"})
    assert bad.status_code == 400


def test_high_volume_orgs_refuse_or_filters(sandbox: Sandbox, x: XeroHttp) -> None:
    put_contacts(x, "One", "Two")
    where = 'Name=="One" || Name=="Two"'
    assert contact_names(x, where=where) == ["One", "Two"]
    sandbox.xero.high_volume = 2
    r = x.get("Contacts", {"where": where})
    assert r.status_code == 400
    assert r.json()["Type"] == "HighVolumeException" and r.json()["ErrorNumber"] == 51
    assert contact_names(x, where='Name=="One"') == ["One"]


def test_if_modified_since(sandbox: Sandbox, x: XeroHttp, off_contract: OffContract) -> None:
    put_contacts(x, "Old One")
    sandbox.clock.advance(3600)
    cut = datetime.fromtimestamp(sandbox.clock.now() - 60, UTC).isoformat()
    x = login(sandbox)  # the first token expired during that hour
    put_contacts(x, "New One")
    r = x.get("Contacts", **{"If-Modified-Since": cut})
    assert [c["Name"] for c in r.json()["Contacts"]] == ["New One"]
    with off_contract():
        assert x.get("Contacts", **{"If-Modified-Since": "yesterday"}).status_code == 400


def test_items_codes_and_lengths(x: XeroHttp, off_contract: OffContract) -> None:
    good = {"Code": "M365-BP", "Name": "M365 Business Premium",
            "SalesDetails": {"UnitPrice": 36.3, "AccountCode": "200", "TaxType": "OUTPUT"}}
    r = x.put("Items", {"Items": [good]})
    assert r.status_code == 200, r.text
    item = r.json()["Items"][0]
    assert item["ItemID"] and item["IsSold"] is True
    r = x.put("Items", {"Items": [dict(good, Name="Again"),
                                  {"Code": "BADTAX", "SalesDetails": {"TaxType": "INPUT"}}]},
              {"summarizeErrors": "false"})
    errors = [i.get("ValidationErrors", []) for i in r.json()["Items"]]
    assert errors[0] == [{"Message": "Price List Item with Code ''M365-BP'' already exists"}]
    assert "INPUT" in errors[1][0]["Message"]
    with off_contract():  # the spec itself forbids these bodies
        r = x.put("Items", {"Items": [{"Name": "No code"}, {"Code": "X" * 31},
                                      {"Code": "LONG", "Name": "N" * 51}]},
                  {"summarizeErrors": "false"})
    assert [bool(i.get("ValidationErrors")) for i in r.json()["Items"]] == [True] * 3
    # POST updates the item with that code instead.
    r = x.post("Items", {"Items": [dict(good, Name="Renamed")]})
    assert r.status_code == 200 and r.json()["Items"][0]["ItemID"] == item["ItemID"]
    assert [i["Name"] for i in x.get("Items").json()["Items"]] == ["Renamed"]
    assert x.get(f"Items/{item['ItemID']}").json()["Items"][0]["Code"] == "M365-BP"


def _invoice(contact: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                            "Date": "2026-10-01", "DueDate": "2026-10-15",
                            "LineItems": [{"Description": "Support", "Quantity": 2,
                                           "UnitAmount": 100, "AccountCode": "200"}]}
    base.update(fields)
    return base


def test_invoice_tax_defaults_and_totals(x: XeroHttp) -> None:
    c = put_contacts(x, "Taxed Co")[0]
    x.put("Items", {"Items": [{"Code": "EXP", "Name": "Export support", "SalesDetails": {
        "UnitPrice": 50, "AccountCode": "250", "TaxType": "EXEMPTOUTPUT"}}]})
    lines = [
        {"Description": "Account default", "Quantity": 1, "UnitAmount": 100,
         "AccountCode": "200"},                                        # OUTPUT 10%
        {"ItemCode": "EXP", "Quantity": 2},                            # item's tax, 0%
        {"ItemCode": "EXP", "Quantity": 1, "AccountCode": "200"},      # account wins: 10%
        {"Description": "Explicit", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200",
         "TaxType": "BASEXCLUDED"},
    ]
    r = x.put("Invoices", {"Invoices": [_invoice(c, LineItems=lines)]})
    assert r.status_code == 200, r.text
    inv = r.json()["Invoices"][0]
    assert [li["TaxType"] for li in inv["LineItems"]] == ["OUTPUT", "EXEMPTOUTPUT", "OUTPUT",
                                                          "BASEXCLUDED"]
    assert [li["TaxAmount"] for li in inv["LineItems"]] == [10.0, 0.0, 5.0, 0.0]
    assert (inv["SubTotal"], inv["TotalTax"], inv["Total"]) == (260.0, 15.0, 275.0)
    assert inv["AmountDue"] == 275.0 and inv["Status"] == "DRAFT"
    assert inv["InvoiceNumber"].startswith("INV-")
    assert inv["Date"].startswith("/Date(") and inv["Date"].endswith("+0000)/")
    incl = x.put("Invoices", {"Invoices": [_invoice(c, LineAmountTypes="Inclusive", LineItems=[
        {"Description": "Incl", "Quantity": 1, "UnitAmount": 110, "AccountCode": "200"}])]})
    got = incl.json()["Invoices"][0]
    assert (got["SubTotal"], got["TotalTax"], got["Total"]) == (100.0, 10.0, 110.0)
    notax = x.put("Invoices", {"Invoices": [_invoice(c, LineAmountTypes="NoTax")]})
    assert notax.json()["Invoices"][0]["TotalTax"] == 0.0


def test_invoice_rules_default_mode_still_creates_the_valid_ones(x: XeroHttp) -> None:
    c = put_contacts(x, "Rules Co")[0]
    no_account = [{"Description": "No account", "Quantity": 1, "UnitAmount": 5}]
    batch = [
        _invoice(c, InvoiceNumber="MK-1"),
        _invoice(c, InvoiceNumber="MK-1"),                                  # duplicate
        _invoice(c, InvoiceNumber="MK-2", Status="AUTHORISED", LineItems=no_account),
        _invoice(c, InvoiceNumber="MK-3", LineItems=no_account),            # DRAFT: fine
        _invoice(c, InvoiceNumber="MK-4", Contact={}),
    ]
    r = x.put("Invoices", {"Invoices": batch})
    assert r.status_code == 400
    failed = r.json()["Elements"]
    assert [e["InvoiceNumber"] for e in failed] == ["MK-1", "MK-2", "MK-4"]
    assert failed[0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    assert all(e["HasErrors"] for e in failed)
    got = x.get("Invoices", {"InvoiceNumbers": "MK-1,MK-2,MK-3,MK-4"}).json()["Invoices"]
    assert sorted(i["InvoiceNumber"] for i in got) == ["MK-1", "MK-3"]


def test_invoice_post_updates_and_status_rules(x: XeroHttp,
                                               off_contract: OffContract) -> None:
    c = put_contacts(x, "Post Co")[0]
    inv = x.put("Invoices", {"Invoices": [_invoice(c, InvoiceNumber="P-1")]}
                ).json()["Invoices"][0]
    r = x.post("Invoices", {"Invoices": [{"InvoiceID": inv["InvoiceID"],
                                          "Status": "AUTHORISED", "Reference": "PO 7"}]})
    assert r.status_code == 200, r.text
    upd = r.json()["Invoices"][0]
    assert upd["Status"] == "AUTHORISED" and upd["Reference"] == "PO 7"
    assert upd["InvoiceNumber"] == "P-1" and upd["Total"] == inv["Total"]
    # PUT never updates; an AUTHORISED invoice is voided, not deleted.
    assert x.put("Invoices", {"Invoices": [{"InvoiceID": inv["InvoiceID"],
                                            "Type": "ACCREC"}]}).status_code == 400
    assert x.post("Invoices", {"Invoices": [{"InvoiceID": inv["InvoiceID"],
                                             "Status": "DELETED"}]}).status_code == 400
    voided = x.post(f"Invoices/{inv['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
    assert voided.json()["Invoices"][0]["Status"] == "VOIDED"
    with off_contract():  # Xero takes a number in place of the id; the spec says uuid
        by_number = x.get("Invoices/P-1").json()["Invoices"][0]
    assert by_number["InvoiceID"] == inv["InvoiceID"] and by_number["AmountDue"] == 0.0


def test_invoice_reads_by_ids_numbers_statuses_with_paging(x: XeroHttp) -> None:
    c = put_contacts(x, "Many Co")[0]
    batch = [_invoice(c, InvoiceNumber=f"B-{i:03d}",
                      Status="AUTHORISED" if i % 2 else "DRAFT") for i in range(120)]
    r = x.put("Invoices", {"Invoices": batch}, {"summarizeErrors": "false"})
    assert r.status_code == 200
    created = r.json()["Invoices"]
    assert all(i["StatusAttributeString"] == "OK" for i in created)
    page2 = x.get("Invoices", {"Statuses": "AUTHORISED", "page": 2}).json()
    assert page2["pagination"]["itemCount"] == 60 and len(page2["Invoices"]) == 0
    page1 = x.get("Invoices", {"Statuses": "AUTHORISED", "page": 1}).json()
    assert len(page1["Invoices"]) == 60
    ids = ",".join(i["InvoiceID"] for i in created[:3])
    assert [i["InvoiceNumber"] for i in x.get("Invoices", {"IDs": ids}).json()["Invoices"]
            ] == ["B-000", "B-001", "B-002"]
    contact_inv = x.get("Invoices", {"ContactIDs": c["ContactID"], "page": 1,
                                     "pageSize": 50}).json()
    assert contact_inv["pagination"]["pageCount"] == 3
    assert x.get("Contacts/" + c["ContactID"]).json()["Contacts"][0]["IsCustomer"] is True


def test_invoice_unknown_references_are_named(x: XeroHttp) -> None:
    c = put_contacts(x, "Ref Co")[0]
    r = x.put("Invoices", {"Invoices": [
        _invoice(c, LineItems=[{"ItemCode": "NOPE", "Quantity": 1}]),
        _invoice(c, LineItems=[{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]),
        _invoice(c, LineItems=[{"Description": "x", "UnitAmount": 1, "AccountCode": "200",
                                "TaxType": "INPUT"}]),
        _invoice(c, CurrencyCode="EUR"),
        _invoice({"ContactID": "00000000-0000-0000-0000-00000000000a"}),
    ]}, {"summarizeErrors": "false"})
    msgs = [" ".join(v["Message"] for v in i["ValidationErrors"]) for i in r.json()["Invoices"]]
    assert "NOPE" in msgs[0]
    assert "999" in msgs[1]
    assert "INPUT" in msgs[2]
    assert "EUR" in msgs[3]
    assert "ContactID" in msgs[4]


def test_credit_notes(x: XeroHttp, off_contract: OffContract) -> None:
    c = put_contacts(x, "Credit Co")[0]
    cn = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": c["ContactID"]},
          "Date": "2026-10-02", "Reference": "refund", "Status": "AUTHORISED",
          "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 50,
                         "AccountCode": "200"}]}
    r = x.put("CreditNotes", {"CreditNotes": [cn]}, {"summarizeErrors": "false"})
    assert r.status_code == 200
    made = r.json()["CreditNotes"][0]
    assert made["Total"] == 55.0 and made["RemainingCredit"] == 55.0
    assert made["CreditNoteNumber"].startswith("CN-")
    with off_contract():
        r = x.put("CreditNotes", {"CreditNotes": [dict(cn, Type="BOGUS")]},
                  {"summarizeErrors": "false"})
    assert r.json()["CreditNotes"][0]["HasErrors"] is True
    listed = x.get("CreditNotes", {"page": 1}).json()
    assert [n["CreditNoteID"] for n in listed["CreditNotes"]] == [made["CreditNoteID"]]
    assert x.get(f"CreditNotes/{made['CreditNoteID']}").status_code == 200


def test_invoice_deep_link_page_escapes_names(sandbox: Sandbox, x: XeroHttp) -> None:
    c = put_contacts(x, "<script>alert(1)</script> & Co")[0]
    inv = x.put("Invoices", {"Invoices": [_invoice(c)]}).json()["Invoices"][0]
    short = sandbox.xero.org.organisation["ShortCode"]
    url = (f"/organisationlogin/default.aspx?shortcode={short.replace('!', '%21')}"
           f"&redirecturl=/AccountsReceivable/View.aspx?InvoiceID={inv['InvoiceID']}")
    page = x.client.get(url)
    assert page.status_code == 200
    assert inv["InvoiceNumber"] in page.text and "220.0" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    missing = x.client.get(url.replace(inv["InvoiceID"], "0" * 8 + inv["InvoiceID"][8:]))
    assert missing.status_code == 404


def test_demo_seed_has_archived_contacts_and_items() -> None:
    with start(seed="demo") as sb:
        x = login(sb)
        active = x.get("Contacts", {"page": 1, "pageSize": 1000}).json()["pagination"]
        every = x.get("Contacts", {"page": 1, "pageSize": 1000, "includeArchived": "true"}
                      ).json()["pagination"]
        assert every["itemCount"] > active["itemCount"] > 100
        assert len(x.get("Items").json()["Items"]) > 20


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed 'nope'"):
        start(seed="nope")


def test_read_only_contact_fields_are_ignored(x: XeroHttp, off_contract: OffContract) -> None:
    with off_contract() as seen:  # Website is read-only in the spec; clients must not send it
        r = x.put("Contacts", {"Contacts": [{"Name": "Web Co", "Website": "web.example",
                                             "IsCustomer": True}]})
    assert r.status_code == 200
    stored = x.get(f"Contacts/{r.json()['Contacts'][0]['ContactID']}").json()["Contacts"][0]
    assert "Website" not in stored and stored["IsCustomer"] is False
    assert seen == [] or any("read-only" in v for v in seen)


@pytest.mark.slow
def test_large_seed_has_100k_contacts_and_5k_items() -> None:
    with start(seed="large") as sb:
        sb.xero.set_limits(per_minute=1000)
        x = login(sb)
        first = x.get("Contacts", {"page": 1, "pageSize": 1000, "includeArchived": "true"})
        assert first.json()["pagination"]["itemCount"] == 100_000
        assert first.json()["pagination"]["pageCount"] == 100
        last = x.get("Contacts", {"page": 100, "pageSize": 1000, "includeArchived": "true"})
        ids = {c["ContactID"] for c in first.json()["Contacts"]} | {
            c["ContactID"] for c in last.json()["Contacts"]}
        assert len(ids) == 2000
        assert len(x.get("Items").json()["Items"]) == 5000
