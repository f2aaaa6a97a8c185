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
from ..store import Workspace

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
        self.ws.execute("UPDATE export_locks SET heartbeat_at = ? WHERE tenant_id = ? AND "
                        "run_id = ?", [_now(), self.tenant_id, self.run_id])

    def release(self) -> None:
        self.ws.execute("DELETE FROM export_locks WHERE tenant_id = ? AND run_id = ?",
                        [self.tenant_id, self.run_id])


def acquire(ws: Workspace, tenant_id: str, run_id: str, *, stale_after: float = STALE_AFTER
            ) -> ExportLock:
    host = socket.gethostname()
    now = _now()
    with ws.transaction() as conn:
        rows = conn.execute(
            "SELECT run_id, owner_pid, owner_host, owner_cmd, acquired_at, heartbeat_at "
            "FROM export_locks WHERE tenant_id = ?", [tenant_id]).fetchall()
        for run, pid, owner_host, cmd, acquired, beat in rows:
            age = (now - beat).total_seconds()
            # Here the pid tells; from another machine only the heartbeat can.
            gone = not _alive(int(pid)) if owner_host == host else age >= stale_after
            if not gone:
                raise ExportBusyError(
                    f"an export to this Xero organisation is already running: process {pid} "
                    f"on {owner_host} ({cmd or 'unknown command'}), run {run}, started "
                    f"{acquired:%Y-%m-%d %H:%M:%S %Z}, last heartbeat {age:.0f} s ago. Wait for "
                    "it to finish (or stop that process) and run again; a run that died is "
                    "taken over at once on this machine, or after "
                    f"{stale_after:.0f} s without a heartbeat from another machine.")
        conn.execute("DELETE FROM export_locks WHERE tenant_id = ?", [tenant_id])
        cmd = " ".join(os.path.basename(a) if i == 0 else a
                       for i, a in enumerate(sys.argv[:4]))[:200]
        conn.execute("INSERT INTO export_locks VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [tenant_id, run_id, os.getpid(), host, cmd, now, now])
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
