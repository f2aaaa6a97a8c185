"""What became of one element of a write (shared by the organisation's record types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ElementOutcome"]


@dataclass
class ElementOutcome:
    """The record as Xero echoes it, and the element's validation errors."""

    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
