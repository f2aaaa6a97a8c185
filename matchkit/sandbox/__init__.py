"""Loopback sandboxes that speak Xero's and Atera's APIs (see docs/internals.md)."""
