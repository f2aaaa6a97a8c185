"""Reconciliation: per exported invoice, Atera's figures beside Xero's and why they differ.

``reconcile(ws, xero, batch_id=None)`` reads the exported invoices back from Xero once,
explains each difference (Xero's tax, per-line rounding; anything else is an error) and
records the result; ``reconcile_batch`` is the line an export ends with (the CLI's and the
export widget's); ``stored_totals(ws)`` gives the totals without calling Xero.
"""

from ._figures import JSON_FIELDS, InvoiceFigures, figures, sent_subtotal, totals
from ._run import (
    Reconciliation,
    check_reconcilable,
    read_back,
    reconcile,
    reconcile_batch,
    stored_totals,
)

__all__ = ["JSON_FIELDS", "InvoiceFigures", "Reconciliation", "check_reconcilable", "figures",
           "read_back", "reconcile", "reconcile_batch", "sent_subtotal", "stored_totals",
           "totals"]
