"""Loopback sandboxes that speak Xero's and Atera's APIs (see docs/internals.md)."""

from ._sandbox import Sandbox, start
from ._server import Clock, FaultPlan, Ledger, LedgerEntry, parse_faults
from ._xero import (
    EXCHANGE_LOG_ENV,
    Exchange,
    XeroApp,
    add_exchange_observer,
    read_exchange_log,
    remove_exchange_observer,
)
from ._xero_limits import Limits

__all__ = [
    "EXCHANGE_LOG_ENV",
    "Clock",
    "Exchange",
    "FaultPlan",
    "Ledger",
    "LedgerEntry",
    "Limits",
    "Sandbox",
    "XeroApp",
    "add_exchange_observer",
    "parse_faults",
    "read_exchange_log",
    "remove_exchange_observer",
    "start",
]
