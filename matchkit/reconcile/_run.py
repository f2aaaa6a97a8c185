"""Reconcile exported invoices against what Xero holds now: one read of Xero, then pure
arithmetic (``_figures.py``), stored in the workspace so ``status`` has the totals offline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._exceptions import ApiError, InputError, NotFoundError
from ..store import Workspace
from ..xero import XeroReader
from ._figures import InvoiceFigures, figures, totals

__all__ = ["Reconciliation", "check_reconcilable", "read_back", "reconcile", "reconcile_batch",
           "stored_totals"]


@dataclass
class Reconciliation:
    """Every invoice checked, and the totals over them."""

    tenant_id: str
    batch_id: str | None
    invoices: list[InvoiceFigures] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        return totals(self.invoices)

    @property
    def errors(self) -> list[InvoiceFigures]:
        return [r for r in self.invoices if r.error]

    def as_json(self) -> dict[str, Any]:
        return {"invoices": [r.as_json() for r in self.invoices], "totals": self.totals}

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.as_row() for r in self.invoices],
                            columns=list(InvoiceFigures.__dataclass_fields__))

    def summary(self) -> str:
        """One line: what Atera billed, what Xero holds, and why they differ."""
        t = self.totals
        where = f"batch {self.batch_id}" if self.batch_id else "all exported invoices"
        parts = [f"xero tax added {t['xero_tax_added']:,.2f}"]
        if t["rounding"]:
            parts.append(f"rounding {t['rounding']:,.2f}")
        if t["errors"]:
            parts.append(f"{t['errors']} invoice(s) changed in Xero or not matching Atera: "
                         f"{t['unexplained']:,.2f} unexplained (matchkit reconcile)")
        else:
            parts.append("nothing unexplained")
        return (f"reconciled {t['invoices']} invoice(s) of {where}: Atera subtotal "
                f"{t['atera_subtotal']:,.2f} (Atera tax {t['atera_tax']:,.2f} not sent), Xero "
                f"total {t['xero_total']:,.2f}; difference {t['difference']:,.2f} = "
                + ", ".join(parts))


def read_back(xero: XeroReader, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The exported invoices as Xero holds them now, by id: invoices by ID list (the client
    splits long lists), credit notes one by one (``/CreditNotes`` has no ID filter)."""
    ids = [str(r["xero_invoice_id"]) for r in rows if r.get("xero_type") != "ACCRECCREDIT"]
    credits = [str(r["xero_invoice_id"]) for r in rows if r.get("xero_type") == "ACCRECCREDIT"]
    found: dict[str, dict[str, Any]] = {}
    if ids:
        for rec in xero.invoices(ids=ids):
            if rec.get("InvoiceID"):
                found[str(rec["InvoiceID"]).lower()] = rec
    for cid in credits:
        try:
            body = xero.request("GET", f"CreditNotes/{cid}").json()
        except NotFoundError:
            continue  # deleted in Xero: reported as not in Xero
        for rec in body.get("CreditNotes") or []:
            if rec.get("CreditNoteID"):
                found[str(rec["CreditNoteID"]).lower()] = rec
    return found


def reconcile(ws: Workspace, xero: XeroReader, batch_id: str | None = None,
              run_id: str | None = None) -> Reconciliation:
    """Check every invoice exported to ``xero``'s organisation (of ``batch_id`` only, if
    given) against Xero, record the result and return it.

    Raises :class:`InputError` for an unknown batch, and when nothing is exported yet.
    """
    tenant = xero.tenant_id
    ws.claim_xero_tenant(tenant, getattr(xero, "tenant_name", None))
    rows = check_reconcilable(ws, batch_id, tenant)
    found = read_back(xero, rows)
    result = Reconciliation(tenant, batch_id, [
        figures(r, found.get(str(r["xero_invoice_id"]).lower())) for r in rows])
    ws.record_reconciliation(tenant, run_id or ws.new_run_id("reconcile"),
                             [r.as_row() for r in result.invoices])
    return result


def reconcile_batch(ws: Workspace, xero: XeroReader, batch_id: str) -> tuple[str, bool]:
    """What an export ends with: its batch reconciled, as the one-line summary (``True``),
    or why Xero could not be read back and what to run (``False``); the export itself is
    done either way. Call it only when the export sent something."""
    try:
        return reconcile(ws, xero, batch_id).summary(), True
    except ApiError as exc:
        return (f"could not read the batch back from Xero ({exc}): run `matchkit reconcile "
                f"--batch {batch_id}`"), False


def check_reconcilable(ws: Workspace, batch_id: str | None = None,
                       tenant_id: str | None = None) -> list[dict[str, Any]]:
    """The invoices a reconciliation would check (of ``tenant_id``, else the workspace's
    organisation); raises :class:`InputError` for an unknown batch or when there are none,
    before anything talks to Xero."""
    if batch_id is not None and not ws.has_export_batch(batch_id):
        raise InputError(f"no export batch {batch_id!r} in workspace {ws.path}: leave out "
                         "--batch to reconcile every exported invoice (batch ids are printed "
                         "by `matchkit export`)")
    if tenant_id is None:
        owner = ws.xero_organisation()
        tenant_id = owner["tenant_id"] if owner else None
    rows = ws.exported_to_check(tenant_id, batch_id) if tenant_id else []
    if not rows:
        if batch_id is not None:
            raise InputError(f"batch {batch_id!r} has no invoice in Xero: run `matchkit "
                             f"export --batch {batch_id}` first")
        raise InputError("nothing has been exported to Xero from this workspace yet: run "
                         "`matchkit export` first")
    return rows


def stored_totals(ws: Workspace, tenant_id: str | None = None) -> dict[str, Any] | None:
    """The totals of the latest check of every invoice, from the workspace alone (``None``
    when nothing has been reconciled)."""
    df = ws.reconciliation(tenant_id)
    if df.empty:
        return None
    names = InvoiceFigures.__dataclass_fields__
    rows = [InvoiceFigures(**{str(k): (None if pd.isna(v) else v) for k, v in r.items()
                              if k in names})  # type: ignore[arg-type]
            for r in df.to_dict("records")]
    out = totals(rows)
    out["checked_at"] = pd.Timestamp(df["checked_at"].max()).isoformat(timespec="seconds")
    return out
