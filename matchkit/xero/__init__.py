"""The Xero connector: OAuth, token store, rate-limited and retried Accounting API calls.

See docs/internals.md ("Xero connector") for the contract the rest of matchkit codes against.
"""

from ._auth import TokenSet, TokenStore
from ._client import XeroClient
from ._connect import Tenant, XeroLogin, connect, login
from ._limits import RateLimiter, limiter_for
from ._links import invoice_link
from ._paging import MAX_BODY_BYTES, query_chunks
from ._protocols import XeroReader, XeroWriter
from ._results import UNCONFIRMED, ElementResult
from ._retry import RetryPolicy

__all__ = [
    "MAX_BODY_BYTES",
    "UNCONFIRMED",
    "ElementResult",
    "RateLimiter",
    "RetryPolicy",
    "Tenant",
    "TokenSet",
    "TokenStore",
    "XeroClient",
    "XeroLogin",
    "XeroReader",
    "XeroWriter",
    "connect",
    "invoice_link",
    "limiter_for",
    "login",
    "query_chunks",
]
