"""Rows Atera lists only inside other records: an invoice's lines (``LineItems``), one row
each, keyed ``<InvoiceNumber>:<LineIdx>``. Labour rates, inside contracts, are in
``_rates``. The workspace stores both beside their parent snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["invoice_lines"]


def invoice_lines(invoices: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per line of each invoice: ``LineKey``, ``InvoiceNumber``, ``LineIdx`` (the
    line's own, else its position from 1) and the line's fields."""
    out = []
    for inv in invoices:
        number = inv.get("InvoiceNumber")
        for i, line in enumerate(inv.get("LineItems") or [], start=1):
            if not isinstance(line, Mapping):
                continue
            idx = line.get("LineIdx") if line.get("LineIdx") is not None else i
            out.append({"LineKey": f"{number}:{idx}", "InvoiceNumber": number, "LineIdx": idx,
                        **{k: v for k, v in line.items() if k != "LineIdx"}})
    return out
