"""What Xero does that a lax sandbox would wave through: arithmetic, validation, queries,
statuses and payments. Each test names the source of the behaviour (docs/fidelity.md lists
them all)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from _sandbox_fixtures import SCOPES, XeroHttp, login

from matchkit.sandbox import Sandbox

OffContract = Callable[[], AbstractContextManager[list[str]]]
ALL = {"summarizeErrors": "false"}


@pytest.fixture
def x(sandbox: Sandbox) -> XeroHttp:
    return login(sandbox, scope=SCOPES + " accounting.payments")


def contact(x: XeroHttp, name: str = "Acme Pty Ltd", **fields: Any) -> dict[str, Any]:
    r = x.put("Contacts", {"Contacts": [{"Name": name, **fields}]})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()["Contacts"][0]
    return out


def invoice(c: dict[str, Any], *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": "ACCREC", "Contact": {"ContactID": c["ContactID"]},
                            "Date": "2026-10-01", "DueDate": "2026-10-15",
                            "LineItems": list(lines) or [
                                {"Description": "Support", "Quantity": 1, "UnitAmount": 100,
                                 "AccountCode": "200"}]}
    body.update(fields)
    return body


def put_one(x: XeroHttp, body: dict[str, Any], path: str = "Invoices",
            **params: str) -> dict[str, Any]:
    """One element with summarizeErrors=false: the element (with its ValidationErrors)."""
    r = x.put(path, {path: [body]}, {**ALL, **params})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()[path][0]
    return out


def errors(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


def line(**fields: Any) -> dict[str, Any]:
    return {"Description": "Line", "AccountCode": "200", **fields}


# ---------------------------------------------------------------------------- arithmetic

def test_unit_amounts_keep_two_places_unless_unitdp_4(x: XeroHttp) -> None:
    """Rounding in Xero (developer.xero.com/documentation/api-guides/rounding-in-xero)."""
    c = contact(x)
    two = put_one(x, invoice(c, line(Quantity=3, UnitAmount=12.345)))
    assert (two["LineItems"][0]["UnitAmount"], two["LineItems"][0]["LineAmount"]) == (12.35,
                                                                                      37.05)
    four = put_one(x, invoice(c, line(Quantity=3, UnitAmount=12.345)), unitdp="4")
    assert (four["LineItems"][0]["UnitAmount"], four["LineItems"][0]["LineAmount"]) == (
        12.345, 37.04)
    # A read without unitdp=4 shows the unit at 2 places; LineAmount is always 2 places.
    plain = x.get(f"Invoices/{four['InvoiceID']}").json()["Invoices"][0]["LineItems"][0]
    assert (plain["UnitAmount"], plain["LineAmount"]) == (12.35, 37.04)
    exact = x.get(f"Invoices/{four['InvoiceID']}", {"unitdp": 4}).json()["Invoices"][0]
    assert exact["LineItems"][0]["UnitAmount"] == 12.345
    # Item prices too (spec, Purchase.UnitPrice).
    item = put_one(x, {"Code": "K1", "Name": "Kilowatt", "SalesDetails": {"UnitPrice": 0.1648}},
                   "Items")
    assert item["SalesDetails"]["UnitPrice"] == 0.16
    item4 = put_one(x, {"Code": "K2", "Name": "Kilowatt 4", "SalesDetails": {
        "UnitPrice": 0.1648}}, "Items", unitdp="4")
    assert item4["SalesDetails"]["UnitPrice"] == 0.1648
    listed = {i["Code"]: i for i in x.get("Items").json()["Items"]}
    assert listed["K2"]["SalesDetails"]["UnitPrice"] == 0.16
    listed4 = {i["Code"]: i for i in x.get("Items", {"unitdp": 4}).json()["Items"]}
    assert listed4["K2"]["SalesDetails"]["UnitPrice"] == 0.1648


def test_line_amount_must_agree_and_derives_what_is_missing(x: XeroHttp) -> None:
    """Spec, LineItem.LineAmount; the refusal as Xero words it (Xero-NetStandard#74)."""
    c = contact(x)
    wrong = put_one(x, invoice(c, line(Quantity=3, UnitAmount=3.33, LineAmount=10)))
    assert errors(wrong) == ["The line total 10.00 does not match the expected line total 9.99"]
    derived_unit = put_one(x, invoice(c, line(Quantity=4, LineAmount=10)))["LineItems"][0]
    assert (derived_unit["Quantity"], derived_unit["UnitAmount"]) == (4.0, 2.5)
    derived_qty = put_one(x, invoice(c, line(UnitAmount=2.5, LineAmount=10)))["LineItems"][0]
    assert (derived_qty["Quantity"], derived_qty["LineAmount"]) == (4.0, 10.0)
    alone = put_one(x, invoice(c, line(LineAmount=42.5)))["LineItems"][0]
    assert (alone["Quantity"], alone["UnitAmount"], alone["LineAmount"]) == (1.0, 42.5, 42.5)


def test_discounts(x: XeroHttp) -> None:
    """LineAmount = Qty x Unit x (100 - DiscountRate)/100, or less DiscountAmount (spec);
    discounts only on ACCREC invoices (spec, LineItem.DiscountRate)."""
    c = contact(x)
    inv = put_one(x, invoice(c, line(Quantity=2, UnitAmount=50, DiscountRate=10),
                             line(Quantity=1, UnitAmount=80, DiscountAmount=5)))
    assert [li["LineAmount"] for li in inv["LineItems"]] == [90.0, 75.0]
    assert inv["SubTotal"] == 165.0 and inv["TotalDiscount"] == 15.0 and inv["IsDiscounted"]
    too_much = put_one(x, invoice(c, line(Quantity=1, UnitAmount=20, DiscountAmount=27.826)))
    # xero-php-oauth2#288: Xero calls the amount a "rate" in this text.
    assert errors(too_much) == ["The discount rate '27.83' is invalid. Discount must not be "
                                "greater than the line total."]
    bill = put_one(x, invoice(c, line(Quantity=1, UnitAmount=20, DiscountRate=5),
                              Type="ACCPAY"))
    assert any("only supported on ACCREC" in e for e in errors(bill))
    note = put_one(x, invoice(c, line(Quantity=1, UnitAmount=20, DiscountRate=5),
                              Type="ACCRECCREDIT"), "CreditNotes")
    assert any("only supported on ACCREC" in e for e in errors(note))
    both = put_one(x, invoice(c, line(Quantity=1, UnitAmount=20, DiscountRate=5,
                                      DiscountAmount=1)))
    assert errors(both)


def test_tax_amount_overrides_and_tax_is_per_line(x: XeroHttp) -> None:
    """Spec, LineItem.TaxAmount ("can be overriden"); per-line tax rounding (Rounding in
    Xero: 25.06 + 25.61 + 25.63 at 15% is 11.44, not 11.45 — here at AU GST 10%)."""
    c = contact(x)
    over = put_one(x, invoice(c, line(Quantity=1, UnitAmount=100, TaxAmount=1)))
    assert (over["LineItems"][0]["TaxAmount"], over["TotalTax"], over["Total"]) == (1.0, 1.0,
                                                                                      101.0)
    lines = [line(Quantity=1, UnitAmount=u) for u in (0.05, 0.05, 0.05)]
    per_line = put_one(x, invoice(c, *lines))
    assert [li["TaxAmount"] for li in per_line["LineItems"]] == [0.01, 0.01, 0.01]
    assert per_line["TotalTax"] == 0.03  # tax of the sum (0.15) would be 0.02


def test_currency_rates(x: XeroHttp) -> None:
    """Spec, Invoice.CurrencyRate: the given rate, else the day rate; the organisation must
    have the currency."""
    c = contact(x)
    base = put_one(x, invoice(c))
    assert (base["CurrencyCode"], base["CurrencyRate"]) == ("AUD", 1.0)
    usd = put_one(x, invoice(c, CurrencyCode="USD"))
    assert usd["CurrencyRate"] == 0.6512  # the sandbox's fixed day rate
    fixed = put_one(x, invoice(c, CurrencyCode="USD", CurrencyRate=0.71234567))
    assert fixed["CurrencyRate"] == 0.712346  # [18].[6]
    gbp = put_one(x, invoice(c, CurrencyCode="GBP"))
    assert errors(gbp) == ["The currency GBP is not enabled for this organisation."]


# ---------------------------------------------------------------------------- validation

def test_contact_email_must_be_valid(x: XeroHttp) -> None:
    """XeroAPI/Xero-OpenAPI#461, waynerobinson/xeroizer#477."""
    bad = put_one(x, {"Name": "Mail Co", "EmailAddress": "accounts@mail co.com"}, "Contacts")
    assert errors(bad) == ["Email address must be valid"] and bad["HasValidationErrors"]
    good = put_one(x, {"Name": "Mail Co", "EmailAddress": "accounts@mail.example"}, "Contacts")
    assert good["StatusAttributeString"] == "OK"


def test_account_number_is_unique(x: XeroHttp) -> None:
    """calcinai/xero-php#880."""
    first = contact(x, "First", AccountNumber="ACC-1")
    taken = put_one(x, {"Name": "Second", "AccountNumber": "acc-1"}, "Contacts")
    assert errors(taken) == ["The Account Number already exists. Please enter a different "
                             "Account Number."]
    again = x.post("Contacts", {"Contacts": [{"ContactID": first["ContactID"],
                                              "AccountNumber": "ACC-1", "FirstName": "A"}]})
    assert again.status_code == 200  # its own number is not a clash


def test_every_max_length(x: XeroHttp, off_contract: OffContract) -> None:
    """Spec maxLength of Contact, Address, Phone, Item and Invoice fields."""
    c = contact(x)
    with off_contract() as seen:  # the requests break the spec's maxLength on purpose
        cases = [
            ("Contacts", {"Name": "Long", "ContactNumber": "n" * 51}, "ContactNumber", 50),
            ("Contacts", {"Name": "L" * 256}, "Name", 255),
            ("Contacts", {"Name": "Addr", "Addresses": [{"AddressType": "STREET",
                                                         "City": "c" * 256}]},
             "Address 1: City", 255),
            ("Items", {"Code": "C" * 31}, "Code", 30),
            ("Items", {"Code": "OK", "Name": "n" * 51}, "Name", 50),
            ("Items", {"Code": "OK2", "Description": "d" * 4001}, "Description", 4000),
            ("Invoices", invoice(c, InvoiceNumber="N" * 256), "InvoiceNumber", 255),
        ]
        for path, body, field, limit in cases:
            got = put_one(x, body, path)
            assert f"{field} must not be more than {limit} characters long." in errors(got)
    assert len({v.split(" -> ")[0] for v in seen}) >= 2 and len(seen) >= len(cases)


def test_lock_dates_refuse_documents_and_payments(sandbox: Sandbox, x: XeroHttp) -> None:
    """Organisation.PeriodLockDate/EndOfYearLockDate (spec); Xero's text:
    waynerobinson/xeroizer#92."""
    c = contact(x)
    made = put_one(x, invoice(c, Date="2026-07-01", Status="AUTHORISED"))
    sandbox.xero.org.set_lock_dates(period=dt.date(2026, 7, 1))
    org = x.get("Organisation").json()["Organisations"][0]
    assert org["PeriodLockDate"].startswith("/Date(")
    on_lock = put_one(x, invoice(c, Date="2026-07-01"))
    assert errors(on_lock) == ["The document date cannot be before the period lock date, "
                               "currently set at 01-Jul-2026"]
    assert not errors(put_one(x, invoice(c, Date="2026-07-02")))
    void = x.post(f"Invoices/{made['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]},
                  ALL).json()["Invoices"][0]
    assert "period lock date" in errors(void)[0]
    pay = put_one(x, {"Invoice": {"InvoiceID": made["InvoiceID"]}, "Account": {"Code": "090"},
                      "Date": "2026-06-30", "Amount": 10}, "Payments")
    assert "period lock date" in errors(pay)[0]
    sandbox.xero.org.set_lock_dates(end_of_year=dt.date(2026, 6, 30))
    eoy = put_one(x, invoice(c, Date="2026-06-30"))
    assert errors(eoy) == ["The document date cannot be before the end of year lock date, "
                           "currently set at 30-Jun-2026"]


def test_request_over_3_5_mb_is_refused_whole(sandbox: Sandbox, x: XeroHttp) -> None:
    """FACTS.md §3 (3.5 MB per request); the 413 body as Xero-Java#349 quotes it."""
    c = contact(x)
    big = [invoice(c, line(Quantity=1, UnitAmount=1, Description="x" * 3000))
           for _ in range(1300)]
    r = x.put("Invoices", {"Invoices": big}, ALL)
    assert r.status_code == 413
    body = r.json()
    assert (body["Title"], body["Status"], body["Detail"]) == ("RequestEntityTooLarge", 413,
                                                               "PayloadTooLarge")
    assert sandbox.xero.org.invoices == {}


def test_too_many_ids_is_a_plain_404(x: XeroHttp) -> None:
    """More than ~55 GUIDs in IDs: 404, not 414 (PITFALLS.md 10; Xero-NetStandard#413)."""
    c = contact(x)
    ids = [c["ContactID"]] + [f"00000000-0000-0000-0000-{i:012d}" for i in range(39)]
    assert len(x.get("Contacts", {"IDs": ",".join(ids)}).json()["Contacts"]) == 1
    many = ids + [f"00000000-0000-0000-0000-{i:012d}" for i in range(100, 120)]
    r = x.get("Contacts", {"IDs": ",".join(many)})
    assert r.status_code == 404 and r.text == "The resource you're looking for cannot be found"


def test_unknown_item_code_branding_theme_and_url(x: XeroHttp) -> None:
    """FACTS.md §4; a missing branding theme stops the invoice (xero-php-oauth2#267)."""
    c = contact(x)
    assert errors(put_one(x, invoice(c, {"ItemCode": "NOPE", "Quantity": 1}))) == [
        "Item code 'NOPE' is not valid."]
    themes = x.get("BrandingThemes").json()["BrandingThemes"]
    assert [t["SortOrder"] for t in themes] == [0]
    ok = put_one(x, invoice(c, BrandingThemeID=themes[0]["BrandingThemeID"],
                            Url="https://app.atera.com/invoice/7"))
    assert ok["Url"] == "https://app.atera.com/invoice/7"
    assert errors(put_one(x, invoice(c, BrandingThemeID="5d4dd402-c851-497e-aae1-000000000000")))
    assert errors(put_one(x, invoice(c, Url="atera invoice 7")))


# ---------------------------------------------------------------------------- queries

def test_where_errors_are_query_parse_exceptions(x: XeroHttp) -> None:
    """QueryParseException, ErrorNumber 16 (pyxero#272, #217; xero-php-oauth2#307)."""
    contact(x)
    cases = {'Nope=="x"': "No property or field 'Nope' exists in type 'Contact'",
             'IsSupplier=="true"': "Operator '==' incompatible with operand types 'Boolean?' "
                                   "and 'String'",
             "Name==": "Expression expected"}
    for where, message in cases.items():
        r = x.get("Contacts", {"where": where})
        assert r.status_code == 400, where
        assert r.json() == {"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": message}
    bad_order = x.get("Invoices", {"order": "Colour DESC"}).json()
    assert bad_order["Message"] == "No property or field 'Colour' exists in type 'Invoice'"


def test_where_order_search_and_dates(x: XeroHttp) -> None:
    a = contact(x, "Alpha", EmailAddress="ap@alpha.example", ContactNumber="AT-101")
    contact(x, "Beta")
    names = [c["Name"] for c in x.get("Contacts", {"order": "Name DESC"}).json()["Contacts"]]
    assert names == ["Beta", "Alpha"]
    # searchTerm: Name, FirstName, LastName, ContactNumber, EmailAddress (spec).
    for term in ("ALPHA", "ap@alpha", "at-101"):
        found = x.get("Contacts", {"searchTerm": term, "summaryOnly": "true"}).json()
        assert [c["ContactID"] for c in found["Contacts"]] == [a["ContactID"]], term
    put_one(x, invoice(a, Date="2026-10-01", Reference="PO 77"))
    put_one(x, invoice(a, Date="2026-11-05", Reference="PO 78"))
    later = x.get("Invoices", {"where": "Date >= DateTime(2026, 11, 01)"}).json()["Invoices"]
    assert [i["Reference"] for i in later] == ["PO 78"]
    # searchTerm on invoices: InvoiceNumber and Reference (spec).
    hit = x.get("Invoices", {"searchTerm": "po 77"}).json()["Invoices"]
    assert [i["Reference"] for i in hit] == ["PO 77"]
    ordered = x.get("Invoices", {"order": "Date DESC"}).json()["Invoices"]
    assert [i["Reference"] for i in ordered] == ["PO 78", "PO 77"]


def test_some_contact_fields_only_with_paging_summary_only_or_one(x: XeroHttp) -> None:
    """The spec's Contact: MergedToContactID and the default line amount types are "only
    returned when using paging" / "only available when summaryOnly parameter or paging is
    used, or when fetch by ContactId or ContactNumber"."""
    c = contact(x, "Gamma", ContactNumber="G-1", SalesDefaultLineAmountType="INCLUSIVE")
    plain = x.get("Contacts").json()["Contacts"][0]
    assert "SalesDefaultLineAmountType" not in plain
    for params in ({"page": "1"}, {"summaryOnly": "true"}):
        listed = x.get("Contacts", params).json()["Contacts"][0]
        assert listed["SalesDefaultLineAmountType"] == "INCLUSIVE", params
    for key in (c["ContactID"], "G-1"):
        one = x.get(f"Contacts/{key}").json()["Contacts"][0]
        assert one["SalesDefaultLineAmountType"] == "INCLUSIVE", key


def test_line_items_only_with_page_or_one_invoice(x: XeroHttp) -> None:
    """XeroAPI/xero-ruby#9 (Xero staff); the spec's ``page`` description."""
    c = contact(x)
    made = put_one(x, invoice(c, line(Quantity=1, UnitAmount=5)))
    listed = x.get("Invoices").json()["Invoices"][0]
    assert listed["LineItems"] == [] and listed["Total"] == 5.5
    paged = x.get("Invoices", {"page": 1}).json()["Invoices"][0]
    assert len(paged["LineItems"]) == 1
    assert len(x.get(f"Invoices/{made['InvoiceID']}").json()["Invoices"][0]["LineItems"]) == 1
    note = put_one(x, invoice(c, line(Quantity=1, UnitAmount=5), Type="ACCRECCREDIT"),
                   "CreditNotes")
    assert x.get("CreditNotes").json()["CreditNotes"][0]["LineItems"] == []
    assert len(x.get("CreditNotes", {"page": 1}).json()["CreditNotes"][0]["LineItems"]) == 1
    assert note["CreditNoteNumber"].startswith("CN-")


def test_if_modified_since(sandbox: Sandbox, x: XeroHttp) -> None:
    c = contact(x)
    put_one(x, invoice(c, Reference="old"))
    sandbox.clock.advance(60)
    cut = dt.datetime.fromtimestamp(sandbox.clock.now(), dt.UTC).isoformat()
    sandbox.clock.advance(60)
    put_one(x, invoice(c, Reference="new"))
    got = x.get("Invoices", **{"If-Modified-Since": cut}).json()["Invoices"]
    assert [i["Reference"] for i in got] == ["new"]


# ---------------------------------------------------------------------------- statuses

def test_status_changes_xero_allows_and_refuses(x: XeroHttp) -> None:
    """Allowed changes: waynerobinson/xeroizer#48 (Xero support); the refusal:
    Xero-NetStandard#79 (Xero staff)."""
    c = contact(x)

    def move(inv: dict[str, Any], status: str) -> dict[str, Any]:
        r = x.post(f"Invoices/{inv['InvoiceID']}", {"Invoices": [{"Status": status}]}, ALL)
        out: dict[str, Any] = r.json()["Invoices"][0]
        return out

    draft = put_one(x, invoice(c))
    assert move(draft, "SUBMITTED")["Status"] == "SUBMITTED"
    assert move(draft, "DRAFT")["Status"] == "DRAFT"
    assert errors(move(draft, "VOIDED")) == ["Invoice not of valid status for modification"]
    assert move(draft, "AUTHORISED")["Status"] == "AUTHORISED"
    for refused in ("DRAFT", "SUBMITTED", "DELETED"):
        assert errors(move(draft, refused)) == ["Invoice not of valid status for modification"]
    assert move(draft, "VOIDED")["Status"] == "VOIDED"
    assert errors(move(draft, "AUTHORISED")) == ["Invoice not of valid status for "
                                                 "modification"]
    other = put_one(x, invoice(c))
    assert move(other, "DELETED")["Status"] == "DELETED"
    assert errors(put_one(x, invoice(c, Status="VOIDED")))


# ---------------------------------------------------------------------------- payments

def test_payments_pay_an_invoice_and_a_paid_one_refuses_changes(
        x: XeroHttp, off_contract: OffContract) -> None:
    """Spec /Payments; refusals in Xero's words: Xero-Net#257, Xero-NetStandard#84."""
    c = contact(x)
    draft = put_one(x, invoice(c))
    pay = {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "090"},
           "Date": "2026-10-05", "Amount": 40}
    assert errors(put_one(x, pay, "Payments")) == [
        "Payments can only be made against Authorised documents"]
    auth = x.post(f"Invoices/{draft['InvoiceID']}", {"Invoices": [{"Status": "AUTHORISED"}]}
                  ).json()["Invoices"][0]
    assert auth["AmountDue"] == 110.0
    first = put_one(x, pay, "Payments")
    assert first["PaymentType"] == "ACCRECPAYMENT" and first["Status"] == "AUTHORISED"
    part = x.get(f"Invoices/{draft['InvoiceID']}").json()["Invoices"][0]
    assert (part["Status"], part["AmountPaid"], part["AmountDue"]) == ("AUTHORISED", 40.0, 70.0)
    assert errors(put_one(x, {**pay, "Amount": 70.01}, "Payments")) == [
        "Payment amount exceeds the amount outstanding on this document"]
    edit = x.post(f"Invoices/{draft['InvoiceID']}",
                  {"Invoices": [{"Reference": "changed"}]}, ALL).json()["Invoices"][0]
    assert errors(edit) == ["This document cannot be edited as it has a payment or credit note "
                            "allocated to it."]
    # POST /Payments takes one payment (spec: createPayment).
    second = x.post("Payments", {**pay, "Amount": 70, "Reference": "rest"})
    assert second.status_code == 200, second.text
    paid = x.get(f"Invoices/{draft['InvoiceID']}").json()["Invoices"][0]
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0.0, 110.0)
    assert paid["FullyPaidOnDate"].startswith("/Date(") and len(paid["Payments"]) == 2
    void = x.post(f"Invoices/{draft['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]},
                  ALL).json()["Invoices"][0]
    assert errors(void)
    listed = x.get("Payments", {"where": 'Reference=="rest"', "page": 1}).json()
    assert [p["Amount"] for p in listed["Payments"]] == [70.0]
    assert listed["pagination"]["itemCount"] == 1
    # A payment is never edited, only deleted; the invoice is owed again.
    pid = first["PaymentID"]
    with off_contract():  # the spec's PaymentDelete body has only Status
        edited = x.post(f"Payments/{pid}", {"Status": "AUTHORISED", "Amount": 1}, ALL).json()
    assert errors(edited["Payments"][0])
    gone = x.post(f"Payments/{pid}", {"Status": "DELETED"}).json()  # spec: PaymentDelete
    assert gone["Payments"][0]["Status"] == "DELETED"
    back = x.get(f"Invoices/{draft['InvoiceID']}").json()["Invoices"][0]
    assert (back["Status"], back["AmountDue"], back["AmountPaid"]) == ("AUTHORISED", 40.0, 70.0)
    assert x.get(f"Payments/{pid}").json()["Payments"][0]["Status"] == "DELETED"


def test_payment_account_and_refunds(x: XeroHttp) -> None:
    c = contact(x)
    inv = put_one(x, invoice(c, Status="AUTHORISED"))
    sales = put_one(x, {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "200"},
                        "Date": "2026-10-05", "Amount": 1}, "Payments")
    assert errors(sales)  # a revenue account takes no payments
    missing = put_one(x, {"Invoice": {"InvoiceID": inv["InvoiceID"]},
                          "Account": {"Code": "999"}, "Amount": 1}, "Payments")
    assert errors(missing) == ["Account could not be found"]  # pyxero#43
    note = put_one(x, invoice(c, Type="ACCRECCREDIT", Status="AUTHORISED"), "CreditNotes")
    refund = put_one(x, {"CreditNote": {"CreditNoteID": note["CreditNoteID"]},
                         "Account": {"Code": "090"}, "Date": "2026-10-06", "Amount": 110},
                     "Payments")
    assert refund["PaymentType"] == "ARCREDITPAYMENT"
    done = x.get(f"CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"][0]
    assert (done["Status"], done["RemainingCredit"]) == ("PAID", 0.0)


def test_items_can_be_deleted(x: XeroHttp) -> None:
    """Spec: DELETE /Items/{ItemID} -> 204."""
    item = put_one(x, {"Code": "DEL", "Name": "Delete me"}, "Items")
    assert x.client.delete(f"/api.xro/2.0/Items/{item['ItemID']}",
                           headers=x.headers()).status_code == 204
    assert x.get(f"Items/{item['ItemID']}").status_code == 404


def test_small_rules_with_xeros_words(x: XeroHttp, off_contract: OffContract) -> None:
    """A nameless contact (xeroizer#380); IsSold false nulls Description and SalesDetails
    (spec, Item.IsSold); a body that is not JSON (xero-php-oauth2#39, ErrorNumber 14)."""
    assert errors(put_one(x, {"Name": ""}, "Contacts")) == ["Contact Name cannot be empty."]
    put_one(x, {"Code": "SOLD", "Name": "Sold", "Description": "d",
                "SalesDetails": {"UnitPrice": 5}}, "Items")
    unsold = x.post("Items", {"Items": [{"Code": "SOLD", "IsSold": False}]}).json()["Items"][0]
    assert unsold["SalesDetails"] == {} and "Description" not in unsold
    with off_contract():  # not JSON on purpose
        r = x.client.put("/api.xro/2.0/Contacts", content=b"{nope",
                         headers={**x.headers(), "Content-Type": "application/json"})
    assert r.status_code == 400
    body = r.json()
    assert (body["ErrorNumber"], body["Type"]) == (14, "PostDataInvalidException")
    assert body["Message"].startswith("JSON for post data was invalid")
