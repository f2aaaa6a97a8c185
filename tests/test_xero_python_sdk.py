"""Xero's own Python SDK (PyPI ``xero-python``, unchanged) against the sandbox: what people we
have not met would do with it. Only the base URLs are pointed at the sandbox, as the SDK's
``base_url`` arguments allow; its models deserialize every answer strictly (enums, MS-JSON
dates, field types), so a sandbox answer Xero would not give fails here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from _sandbox_fixtures import SCOPES, tokens
from xero_python.accounting import (  # the dev extra installs xero-python
    Account,
    AccountingApi,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    Item,
    Items,
    LineItem,
    Payment,
    Payments,
    Purchase,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import AccountingBadRequestException
from xero_python.identity import IdentityApi

from matchkit.sandbox import Sandbox

OffContract = Callable[[], AbstractContextManager[list[str]]]


@pytest.fixture
def sdk(sandbox: Sandbox) -> tuple[AccountingApi, str]:
    import httpx

    with httpx.Client(base_url=sandbox.xero_url, timeout=10) as http:
        token = tokens(http, sandbox, SCOPES + " accounting.payments")
    store: dict[str, Any] = {}
    client = ApiClient(Configuration(oauth2_token=OAuth2Token(
        client_id=sandbox.client_id, client_secret=sandbox.client_secret)), pool_threads=1)

    @client.oauth2_token_getter  # type: ignore[misc]
    def get_token() -> Any:
        return store.get("token")

    @client.oauth2_token_saver  # type: ignore[misc]
    def save_token(t: Any) -> None:
        store["token"] = t

    client.set_oauth2_token(token)
    conns = IdentityApi(client, base_url=sandbox.xero_url).get_connections()
    assert conns[0].tenant_id == sandbox.tenant_id
    assert isinstance(conns[0].created_date_utc, dt.datetime)
    return AccountingApi(client, base_url=sandbox.xero_url + "/api.xro/2.0"), conns[0].tenant_id


def test_contacts_items_invoices_and_payments_with_the_official_sdk(
        sdk: tuple[AccountingApi, str], off_contract: OffContract) -> None:
    api, tenant = sdk
    with off_contract() as seen:
        _tour(api, tenant)
    # The SDK sends read-only flags (HasAttachments: false) the spec says a client must not
    # write; Xero takes them. Nothing else breaks the spec: every answer validated.
    assert all("request: InvalidRequestBody" in v and
               "Tried to write read-only property with False" in v for v in seen), seen


def _tour(api: AccountingApi, tenant: str) -> None:
    made = api.create_contacts(tenant, Contacts(contacts=[
        Contact(name="SDK Co", email_address="ap@sdk.example")]), summarize_errors=False)
    contact = made.contacts[0]
    assert contact.has_validation_errors is False and contact.contact_status == "ACTIVE"
    page = api.get_contacts(tenant, page=1, page_size=10, include_archived=True)
    assert [c.name for c in page.contacts] == ["SDK Co"] and page.pagination.item_count == 1
    bad = api.create_contacts(tenant, Contacts(contacts=[
        Contact(name="Bad SDK Co", email_address="nope@")]), summarize_errors=False)
    assert bad.contacts[0].validation_errors[0].message == "Email address must be valid"

    api.create_items(tenant, Items(items=[Item(code="SDK-1", name="SDK item", sales_details=
                                               Purchase(unit_price=12.3456, account_code="200"))]),
                     unitdp=4)
    items = api.get_items(tenant, unitdp=4).items
    assert [(i.code, float(i.sales_details.unit_price)) for i in items] == [("SDK-1", 12.3456)]

    line = LineItem(item_code="SDK-1", quantity=3, account_code="200", description="SDK line")
    created = api.create_invoices(tenant, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(contact_id=contact.contact_id), line_items=[line],
        date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 15), status="AUTHORISED",
        reference="SDK 1")]), summarize_errors=False, unitdp=4, idempotency_key="sdk-1")
    inv = created.invoices[0]
    assert float(inv.line_items[0].unit_amount) == 12.3456 and float(inv.sub_total) == 37.04
    assert inv.date == dt.date(2026, 10, 1) and inv.status == "AUTHORISED"
    listed = api.get_invoices(tenant)
    assert listed.invoices[0].line_items == []  # no page, no line items
    paged = api.get_invoices(tenant, page=1, page_size=10, unitdp=4)
    assert float(paged.invoices[0].line_items[0].line_amount) == 37.04
    assert paged.pagination.page_count == 1
    one = api.get_invoice(tenant, inv.invoice_id)
    assert one.invoices[0].total == inv.total

    paid = api.create_payments(tenant, Payments(payments=[Payment(
        invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code="090"),
        amount=inv.total, date=dt.date(2026, 10, 5))]), summarize_errors=False)
    assert paid.payments[0].status == "AUTHORISED"
    assert api.get_invoice(tenant, inv.invoice_id).invoices[0].status == "PAID"
    with pytest.raises(AccountingBadRequestException) as refused:
        api.update_invoice(tenant, inv.invoice_id, Invoices(invoices=[Invoice(
            reference="changed")]))
    assert "cannot be edited" in str(refused.value.body)
