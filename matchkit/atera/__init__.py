"""Atera API v3 connector."""

from ._rates import labour_rates, rate_key

__all__ = ["labour_rates", "rate_key"]
