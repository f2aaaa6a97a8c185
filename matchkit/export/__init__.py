"""Exporting Atera invoice batches to Xero: validated, planned, sent exactly once, read back.

See docs/internals.md ("Export") for the contract with the wizard, the CLI and ``status``.
"""

from ._batch import (
    Batch,
    CustomerLink,
    batch_from_api,
    batch_from_file,
    batch_from_selection,
    link_customers,
    load_batch,
)
from ._checks import parse_invoice
from ._invoice import Invoice, Line
from ._lock import ExportLock, export_lock
from ._mapping import ExportOptions, map_invoice
from ._plan import ExportPlan, PlannedCall
from ._readback import exported_invoices, payment_state, refresh_invoices
from ._send import ExportResult, InvoiceOutcome, export_batch, plan_export
from ._validate import Prepared, Problem, ValidationReport, XeroCatalogue, validate_batch

__all__ = [
    "Batch",
    "CustomerLink",
    "ExportLock",
    "ExportOptions",
    "ExportPlan",
    "ExportResult",
    "Invoice",
    "InvoiceOutcome",
    "Line",
    "PlannedCall",
    "Prepared",
    "Problem",
    "ValidationReport",
    "XeroCatalogue",
    "batch_from_api",
    "batch_from_file",
    "batch_from_selection",
    "export_batch",
    "export_lock",
    "exported_invoices",
    "link_customers",
    "load_batch",
    "map_invoice",
    "parse_invoice",
    "payment_state",
    "plan_export",
    "refresh_invoices",
    "validate_batch",
]
