"""Atera API v3 connector (see docs/internals.md, "Atera connector")."""

from ._client import AteraClient
from ._rates import labour_rates, rate_key
from ._rows import invoice_lines

__all__ = ["AteraClient", "invoice_lines", "labour_rates", "rate_key"]
