"""Deep links into the Xero web app."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from matchkit._exceptions import InputError

__all__ = ["invoice_link"]


def invoice_link(web_url: str, short_code: str, invoice_id: str) -> str:
    """The Xero web-app link that opens an invoice in the right organisation.

    ``short_code`` is ``Organisation.ShortCode`` (e.g. ``"!mBdtL"``); it holds characters such
    as ``!`` that must be URL-encoded, so the query is built with ``urlencode``.
    """
    if not short_code:
        raise InputError("invoice_link: short_code is empty (read Organisation.ShortCode first)")
    if not invoice_id:
        raise InputError("invoice_link: invoice_id is empty")
    redirect = "/AccountsReceivable/View.aspx?InvoiceID=" + quote(invoice_id, safe="-")
    query = urlencode({"shortcode": short_code, "redirecturl": redirect}, quote_via=quote)
    return f"{web_url.rstrip('/')}/organisationlogin/default.aspx?{query}"
