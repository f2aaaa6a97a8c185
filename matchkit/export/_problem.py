"""One problem found in a batch: which invoice, line and field, and why, in one sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Problem", "Severity"]

Severity = Literal["error", "fix", "info"]


@dataclass(frozen=True)
class Problem:
    invoice: str
    line: int | None
    code: str
    message: str
    severity: Severity = "error"
    field: str | None = None  # the Atera field at fault (``Quantity``, ``InvoiceDate`` ...)

    def __str__(self) -> str:
        where = f"invoice {self.invoice}" + (f" line {self.line}" if self.line else "")
        return f"{where}: {self.message}"
