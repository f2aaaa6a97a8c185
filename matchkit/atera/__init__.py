"""Atera API v3 connector (see docs/internals.md, "Atera connector")."""

from ._client import AteraClient
from ._rates import labour_rates, rate_key

__all__ = ["AteraClient", "labour_rates", "rate_key"]
