"""Snapshots: pull every entity of Atera and Xero into the workspace (``_take.py``)."""

from ._take import SnapshotResult, take_snapshots

__all__ = ["SnapshotResult", "take_snapshots"]
