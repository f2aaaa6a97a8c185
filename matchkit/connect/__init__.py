"""Connecting to Xero, Atera or the sandbox: the Xero login, the organisation a command works
on, and the connection recorded in the workspace (``_connect.py``)."""

from ._connect import connect_atera, connect_xero, is_loopback, xero_login

__all__ = ["connect_atera", "connect_xero", "is_loopback", "xero_login"]
