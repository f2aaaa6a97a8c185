"""Xero's formats besides JSON: XML by default (answers and refusals), XML request bodies,
invoices as PDF, and the plain-text answers (404, 503)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from _sandbox_fixtures import XeroHttp, login

from matchkit.sandbox import Sandbox

XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.fixture
def x(sandbox: Sandbox) -> XeroHttp:
    return login(sandbox)


def raw(x: XeroHttp, method: str, path: str, *, accept: str | None = None,
        **kwargs: object) -> httpx.Response:
    headers = {k: v for k, v in x.headers().items() if k != "Accept"}
    if accept is not None:
        headers["Accept"] = accept
    extra = kwargs.pop("headers", {})
    assert isinstance(extra, dict)
    return x.client.request(method, f"/api.xro/2.0/{path}", headers={**headers, **extra},
                            **kwargs)  # type: ignore[arg-type]


def test_xml_is_the_default_and_json_is_asked_for(x: XeroHttp) -> None:
    """"XML by default and JSON if you ask for it" (FACTS.md §3)."""
    for accept in (None, "*/*", "application/xml"):
        r = raw(x, "GET", "Organisation", accept=accept)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
        root = ET.fromstring(r.content)
        assert root.tag == "Response" and root.findtext("Status") == "OK"
        org = root.find("Organisations/Organisation")
        assert org is not None and org.findtext("BaseCurrency") == "AUD"
    assert raw(x, "GET", "Organisation", accept="application/json").json()["Organisations"]


def test_xml_answers_carry_iso_dates_and_item_elements(x: XeroHttp) -> None:
    x.put("Contacts", {"Contacts": [{"Name": "Xml Co", "Phones": [
        {"PhoneType": "DEFAULT", "PhoneNumber": "123"}]}]})
    root = ET.fromstring(raw(x, "GET", "Contacts").content)
    c = root.find("Contacts/Contact")
    assert c is not None and c.findtext("Name") == "Xml Co"
    assert c.findtext("Phones/Phone/PhoneNumber") == "123"
    updated = c.findtext("UpdatedDateUTC") or ""
    assert updated[:4].isdigit() and "T" in updated and "/Date(" not in updated
    assert c.findtext("IsSupplier") == "false"


def test_xml_refusal_is_an_api_exception(x: XeroHttp) -> None:
    """<ApiException> with <Elements><DataContractBase xsi:type=...> (pyxero#43)."""
    r = raw(x, "PUT", "Invoices", json={"Invoices": [{"Type": "ACCREC", "Contact": {}}]},
            headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "ApiException"
    assert (root.findtext("ErrorNumber"), root.findtext("Type")) == ("10",
                                                                     "ValidationException")
    element = root.find("Elements/DataContractBase")
    assert element is not None and element.get(XSI) == "Invoice"
    messages = [m.text for m in element.iter("Message")]
    assert any(m and m.startswith("The Contact must contain") for m in messages)
    parse = raw(x, "GET", "Contacts", params={"where": 'Nope=="x"'})
    assert ET.fromstring(parse.content).findtext("Type") == "QueryParseException"


def test_refusals_before_the_api_stay_json(x: XeroHttp) -> None:
    bad = x.client.get("/api.xro/2.0/Organisation", headers={"Authorization": "Bearer no"})
    assert bad.status_code == 401 and bad.json()["Detail"] == "AuthorizationUnsuccessful"


def test_xml_request_bodies(x: XeroHttp) -> None:
    """Xero reads XML bodies as it writes them (e.g. waynerobinson/xeroizer#380)."""
    body = (b"<Contacts><Contact><Name>Xml Body Co</Name><EmailAddress>a@xml.example"
            b"</EmailAddress><IsSupplier>true</IsSupplier><Addresses><Address>"
            b"<AddressType>STREET</AddressType><City>Hobart</City></Address></Addresses>"
            b"</Contact></Contacts>")
    r = raw(x, "PUT", "Contacts", accept="application/json", content=body,
            headers={"Content-Type": "application/xml"})
    assert r.status_code == 200, r.text
    made = r.json()["Contacts"][0]
    assert made["Name"] == "Xml Body Co" and made["Addresses"][0]["City"] == "Hobart"
    assert made["IsSupplier"] is False  # read-only: ignored, as in JSON
    one = (f"<Invoice><Type>ACCREC</Type><Contact><ContactID>{made['ContactID']}</ContactID>"
           "</Contact><Date>2026-10-01</Date><LineItems><LineItem><Description>Xml line"
           "</Description><Quantity>2</Quantity><UnitAmount>12.50</UnitAmount>"
           "<AccountCode>200</AccountCode></LineItem></LineItems></Invoice>").encode()
    inv = raw(x, "PUT", "Invoices", accept="application/json", content=one,
              headers={"Content-Type": "text/xml"})
    assert inv.status_code == 200, inv.text
    assert inv.json()["Invoices"][0]["SubTotal"] == 25.0
    broken = raw(x, "PUT", "Contacts", accept="application/json", content=b"<Contacts><Co",
                 headers={"Content-Type": "application/xml"})
    assert broken.status_code == 400
    assert broken.json()["Type"] == "PostDataInvalidException"


def test_invoice_as_pdf(x: XeroHttp) -> None:
    """Spec: GET /Invoices/{InvoiceID}/pdf (application/pdf); Accept: application/pdf on the
    invoice itself does the same."""
    c = x.put("Contacts", {"Contacts": [{"Name": "Pdf Co"}]}).json()["Contacts"][0]
    inv = x.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {
        "ContactID": c["ContactID"]}, "LineItems": [{"Description": "Pdf line", "Quantity": 1,
                                                      "UnitAmount": 9, "AccountCode": "200"}]}]}
                ).json()["Invoices"][0]
    for path, accept in ((f"Invoices/{inv['InvoiceID']}/pdf", "application/pdf"),
                         (f"Invoices/{inv['InvoiceID']}", "application/pdf")):
        r = raw(x, "GET", path, accept=accept)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-1.4") and r.content.rstrip().endswith(b"%%EOF")
        assert inv["InvoiceNumber"].encode() in r.content


def test_plain_text_404_and_503(sandbox: Sandbox, x: XeroHttp) -> None:
    """404: XeroAPI/Xero-OpenAPI#163 (Wontfix); 503: Xero-Java#273 (a fault here)."""
    missing = x.get("Invoices/00000000-0000-0000-0000-000000000001")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith(
        "text/plain")
    sandbox.set_faults("xero", "503=1")
    down = x.get("Organisation")
    assert down.status_code == 503 and down.headers["Content-Type"].startswith("text/plain")
