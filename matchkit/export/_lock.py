"""One export at a time per Xero organisation: a lock row in the workspace.

The row names its owner (pid, host, command) and carries a heartbeat. A second export is
refused with :class:`ExportBusyError` naming that process. A crashed run never blocks for
ever: on the same host its pid is gone, so the lock is taken over at once; an owner on another
host (a shared workspace file) is presumed dead when its heartbeat is older than
``stale_after``. A live owner on this host keeps the lock however long it waits (a day-limit
429 can mean hours), so two exports never run side by side.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .._exceptions import ExportBusyError
from ..store import (
    LockRow,
    Workspace,
    beat_export_lock,
    claim_export_lock,
    release_export_lock,
)

__all__ = ["ExportLock", "export_lock"]

STALE_AFTER = 120.0  # seconds without a heartbeat before a lock may be taken over


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class ExportLock:
    ws: Workspace
    tenant_id: str
    run_id: str

    def heartbeat(self) -> None:
        beat_export_lock(self.ws, self.tenant_id, self.run_id)

    def release(self) -> None:
        release_export_lock(self.ws, self.tenant_id, self.run_id)


def acquire(ws: Workspace, tenant_id: str, run_id: str, *, stale_after: float = STALE_AFTER
            ) -> ExportLock:
    host = socket.gethostname()
    now = _now()

    def gone(row: LockRow) -> bool:
        # Here the pid tells; from another machine only the heartbeat can.
        _run, pid, owner_host, _cmd, _acquired, beat = row
        if owner_host == host:
            return not _alive(pid)
        return (now - beat).total_seconds() >= stale_after

    cmd = " ".join(os.path.basename(a) if i == 0 else a
                   for i, a in enumerate(sys.argv[:4]))[:200]
    held = claim_export_lock(ws, tenant_id, run_id, pid=os.getpid(), host=host, cmd=cmd,
                             holder_gone=gone)
    if held is not None:
        run, pid, owner_host, owner_cmd, acquired, beat = held
        age = (now - beat).total_seconds()
        raise ExportBusyError(
            f"an export to this Xero organisation is already running: process {pid} "
            f"on {owner_host} ({owner_cmd or 'unknown command'}), run {run}, started "
            f"{acquired:%Y-%m-%d %H:%M:%S %Z}, last heartbeat {age:.0f} s ago. Wait for "
            "it to finish (or stop that process) and run again; a run that died is "
            "taken over at once on this machine, or after "
            f"{stale_after:.0f} s without a heartbeat from another machine.")
    return ExportLock(ws, tenant_id, run_id)


@contextmanager
def export_lock(ws: Workspace, tenant_id: str, run_id: str, *,
                stale_after: float = STALE_AFTER) -> Iterator[ExportLock]:
    """Hold the export lock for ``tenant_id`` while the block runs."""
    lock = acquire(ws, tenant_id, run_id, stale_after=stale_after)
    try:
        yield lock
    finally:
        lock.release()
