"""``matchkit status``: what the workspace knows, as a dictionary and as text (``_status.py``).

Named ``workspace_status`` rather than ``status``: ``matchkit.status`` is the function."""

from ._status import format_status, status

__all__ = ["format_status", "status"]
