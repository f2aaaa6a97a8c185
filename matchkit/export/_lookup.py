"""Find what already exists in Xero: by number, or by Reference when Xero numbers invoices.

This is what runs before any resend, so an invoice whose answer was lost is found instead of
created a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ..xero import XeroReader, query_chunks

__all__ = ["credit_note_link", "find_existing", "record_id", "record_number"]


def record_id(rec: dict[str, Any]) -> str | None:
    v = rec.get("InvoiceID") or rec.get("CreditNoteID")
    return str(v) if v else None


def record_number(rec: dict[str, Any]) -> str | None:
    v = rec.get("InvoiceNumber") or rec.get("CreditNoteNumber")
    return str(v) if v else None


def _credit_notes(xero: XeroReader, where: str, since: dt.datetime | None = None
                  ) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"where": where} if where else {}
    headers = {"If-Modified-Since": since.strftime("%Y-%m-%dT%H:%M:%S")} if since else None
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = xero.request("GET", "CreditNotes", params={**params, "page": page},
                            headers=headers)
        body = resp.json()
        notes = body.get("CreditNotes") or []
        out.extend(notes)
        if len(notes) < 100:
            return out
        page += 1


def find_existing(xero: XeroReader, *, numbers: Sequence[str] = (),
                  credit_numbers: Sequence[str] = (), references: Sequence[str] = (),
                  credit_references: Sequence[str] = (), since: dt.datetime | None = None
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """What Xero holds: ``({number: record}, {reference: record})``.

    Invoices and credit notes are looked up by number; those numbered by Xero are found by
    their Reference among records modified since ``since`` (when the first attempt began).
    Deleted and voided records do not count as existing.
    """
    by_number: dict[str, dict[str, Any]] = {}
    by_ref: dict[str, dict[str, Any]] = {}

    def keep(rec: dict[str, Any]) -> bool:
        return rec.get("Status") not in ("DELETED", "VOIDED")

    if numbers:
        for rec in xero.invoices(numbers=list(numbers)):
            n = record_number(rec)
            if n and keep(rec) and rec.get("Type", "ACCREC") == "ACCREC":
                by_number[n] = rec
    # Long query strings get a 404 from Xero (PITFALLS 10): the filters stay short.
    for chunk in query_chunks([f'CreditNoteNumber=="{n}"' for n in credit_numbers]):
        where = " OR ".join(chunk)
        for rec in _credit_notes(xero, where):
            n = record_number(rec)
            if n and keep(rec):
                by_number[n] = rec
    wanted = set(references)
    if wanted:
        for rec in xero.invoices(modified_since=since):
            ref = rec.get("Reference")
            if ref in wanted and keep(rec) and rec.get("Type", "ACCREC") == "ACCREC":
                by_ref[str(ref)] = rec
    wanted_cn = set(credit_references)
    if wanted_cn:
        for rec in _credit_notes(xero, 'Type=="ACCRECCREDIT"', since):
            ref = rec.get("Reference")
            if ref in wanted_cn and keep(rec):
                by_ref[str(ref)] = rec
    return by_number, by_ref


def credit_note_link(web_url: str, short_code: str, credit_note_id: str) -> str:
    """The Xero web-app link to a sales credit note (same login redirect as invoices)."""
    redirect = "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=" + quote(
        credit_note_id, safe="-")
    query = urlencode({"shortcode": short_code, "redirecturl": redirect}, quote_via=quote)
    return f"{web_url.rstrip('/')}/organisationlogin/default.aspx?{query}"
