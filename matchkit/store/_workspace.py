"""The DuckDB workspace: one file holding snapshots, decisions, the export log and more.

DuckDB lets one process write a file at a time and a read-write connection locks the file.
Analysts keep several notebooks and the CLI open on one workspace, so a :class:`Workspace`
holds only a path and opens the database for the moment of each operation; when another
process holds it, it waits a little, then says plainly who holds it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .._exceptions import WorkspaceBusyError, WorkspaceError
from . import _accounts, _decisions, _reconcile, _snapshots, _tenant
from ._decisions import Decision
from ._entities import ENTITIES, Entity
from ._open import check_schema, check_workspace_path, removed_on_failure

__all__ = ["Decision", "SnapshotInfo", "Workspace"]

_LOCK_PID = re.compile(r"PID (\d+)")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: int
    system: str
    entity: str
    taken_at: dt.datetime
    row_count: int
    source: str
    mode: str


def _holder(pid: str) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        cmd = ""
    return f"PID {pid}" + (f" ({cmd[:120]})" if cmd else "")


class Workspace:
    """A matchkit workspace in one DuckDB file (``":memory:"`` for tests).

    Use :meth:`open`; every method opens the file for its own duration, so an idle notebook
    never blocks the CLI.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 15.0) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._local = threading.local()
        self._mem_lock = threading.RLock()

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] = ":memory:", *, busy_timeout: float = 15.0,
             create: bool = True) -> Workspace:
        """Open the workspace at ``path`` and bring its schema up to date. A missing file is
        made (``create``) only in a folder that exists; a file that is not a matchkit
        workspace, or is from a newer matchkit, is refused and left as it was (``_open``)."""
        ws = cls(path, busy_timeout=busy_timeout)
        if ws.path != ":memory:":
            check_workspace_path(Path(ws.path), create=create)
        with removed_on_failure(ws.path):
            ws.migrate()
        return ws

    def __repr__(self) -> str:
        return f"Workspace({self.path!r})"

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = duckdb.connect(":memory:")
            return self._memory
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(self.path)
            except duckdb.IOException as exc:
                msg = str(exc)
                if "lock" not in msg.lower():
                    raise WorkspaceError(f"cannot open workspace {self.path}: {msg}") from None
                if time.monotonic() >= deadline:
                    m = _LOCK_PID.search(msg)
                    who = _holder(m.group(1)) if m else "another process"
                    raise WorkspaceBusyError(
                        f"workspace {self.path} is in use by {who} and stayed busy for "
                        f"{self.busy_timeout:.0f} s. DuckDB allows one writing process at a "
                        "time: wait for that command to finish, or stop the kernel or process "
                        "that keeps it open, then try again."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise WorkspaceError(f"cannot open workspace {self.path}: {exc}") from None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation; nested calls in a thread share it."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield self._local.conn
            finally:
                self._local.depth -= 1
            return
        if self.path == ":memory:":
            self._mem_lock.acquire()
        try:
            conn = self._open()
            self._local.conn, self._local.depth = conn, 1
            try:
                yield conn
            finally:
                self._local.depth = 0
                self._local.conn = None
                if self.path != ":memory:":
                    conn.close()
        finally:
            if self.path == ":memory:":
                self._mem_lock.release()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All writes inside happen together or not at all."""
        with self.connect() as conn:
            if getattr(self._local, "in_tx", False):
                yield conn
                return
            conn.execute("BEGIN TRANSACTION")
            self._local.in_tx = True
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._local.in_tx = False

    def close(self) -> None:
        """Release the in-memory database (file workspaces hold nothing open)."""
        if self._memory is not None:
            self._memory.close()
            self._memory = None

    # --- schema -------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply forward migrations; return the schema version."""
        files = sorted(
            (p for p in resources.files("matchkit.store").joinpath("migrations").iterdir()
             if p.name.endswith(".sql")),
            key=lambda p: p.name,
        )
        known = max(int(f.name.split("_", 1)[0]) for f in files)
        with self.transaction() as conn:
            check_schema(conn, self.path, known)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "name VARCHAR, applied_at TIMESTAMPTZ)"
            )
            row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
            current = int(row[0]) if row else 0
            for f in files:
                version = int(f.name.split("_", 1)[0])
                if version <= current:
                    continue
                conn.execute(f.read_text())
                if version == 1:
                    for ent in ENTITIES.values():
                        conn.execute(self._entity_ddl(ent))
                conn.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)", [version, f.name, _now()]
                )
                current = version
        return current

    @staticmethod
    def _entity_ddl(ent: Entity) -> str:
        cols = ",\n    ".join(f'"{c.name}" {c.type}' for c in ent.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {ent.table} (\n    snapshot_id BIGINT NOT NULL,\n"
            f"    row_no BIGINT NOT NULL,\n    {cols},\n    raw JSON\n)"
        )

    @property
    def schema_version(self) -> int:
        return int(self.sql("SELECT max(version) AS v FROM schema_version")["v"].iloc[0])

    # --- queries ------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
            ) -> pd.DataFrame:
        """Run ``query`` and return the result as a DataFrame."""
        with self.connect() as conn:
            return conn.execute(query, params).df()

    def execute(self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
                ) -> None:
        with self.transaction() as conn:
            conn.execute(query, params)

    # --- snapshots ----------------------------------------------------------------------

    def write_snapshot(
        self,
        system: str,
        name: str,
        records: Iterable[Mapping[str, Any]],
        *,
        source: str = "api",
        mode: str = "full",
        base_snapshot_id: int | None = None,
        changed_since: dt.datetime | None = None,
        taken_at: dt.datetime | None = None,
        file: str | None = None,
    ) -> dict[str, int]:
        """Store ``records`` (API JSON) as a new snapshot, in one transaction.

        Derived entities (Atera invoice lines, labour rates) are written beside their parent
        in the same transaction. Returns ``{entity: snapshot_id}``. Nothing is written when
        any record is refused.
        """
        return _snapshots.write(ws=self, system=system, name=name, records=records,
                                source=source, mode=mode, base_snapshot_id=base_snapshot_id,
                                changed_since=changed_since, taken_at=taken_at, file=file)

    def snapshots(self, system: str | None = None, name: str | None = None) -> pd.DataFrame:
        """Every snapshot, newest first."""
        where, params = [], []
        if system:
            where.append("system = ?")
            params.append(system)
        if name:
            where.append("entity = ?")
            params.append(name)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.sql(f"SELECT * FROM snapshots {clause} ORDER BY snapshot_id DESC", params)

    def latest_snapshot(self, system: str, name: str) -> SnapshotInfo | None:
        df = self.sql(
            "SELECT snapshot_id, system, entity, taken_at, row_count, source, mode FROM snapshots"
            " WHERE system = ? AND entity = ? ORDER BY snapshot_id DESC LIMIT 1",
            [system, name],
        )
        if df.empty:
            return None
        r = df.iloc[0].to_dict()
        return SnapshotInfo(int(r["snapshot_id"]), str(r["system"]), str(r["entity"]),
                            r["taken_at"].to_pydatetime(), int(r["row_count"]), str(r["source"]),
                            str(r["mode"]))

    def rows(self, system: str, name: str, snapshot_id: int | None = None, *,
             columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Typed rows of a snapshot (default: the latest), with ``raw`` as JSON text; only
        ``columns`` when given (a count or a list of ids needs no raw JSON)."""
        return _snapshots.rows(self, system, name, snapshot_id, columns)

    def records(self, system: str, name: str, snapshot_id: int | None = None
                ) -> list[dict[str, Any]]:
        """The raw API records of a snapshot (default: the latest)."""
        return [json.loads(r) for r in self.rows(system, name, snapshot_id)["raw"]]

    def diff(self, system: str, name: str, old: int | None = None, new: int | None = None
             ) -> pd.DataFrame:
        """What was added, changed or removed between two snapshots (default: last two).

        Columns: ``key``, ``change`` (added/changed/removed), ``fields`` (changed typed
        columns, comma separated), ``old_raw``, ``new_raw``.
        """
        return _snapshots.diff(self, system, name, old, new)

    # --- decisions ----------------------------------------------------------------------

    def record_decisions(self, decisions: Iterable[Decision]) -> list[int]:
        """Append decisions (one transaction); return their ids."""
        return _decisions.record_decisions(self, list(decisions))

    def current_decisions(self, entity_name: str | None = None, *,
                          ids: Sequence[str] | None = None, clears: bool = False
                          ) -> pd.DataFrame:
        """The latest decision per record; ``clear`` rows mean undecided and are dropped
        unless ``clears`` (a review tells a cleared row from one never decided); only the
        records ``ids`` when given."""
        q = "SELECT * FROM current_decisions WHERE " + ("1 = 1" if clears else
                                                        "action <> 'clear'")
        params: list[Any] = []
        if entity_name:
            q += " AND entity = ?"
            params.append(entity_name)
        if ids is not None:
            q += " AND atera_id IN (SELECT unnest(?::VARCHAR[]))"
            params.append(list(ids))
        return self.sql(q + " ORDER BY decision_id", params)

    def decision_history(self, entity_name: str | None = None) -> pd.DataFrame:
        q = "SELECT * FROM decisions"
        params: list[Any] = []
        if entity_name:
            q += " WHERE entity = ?"
            params.append(entity_name)
        return self.sql(q + " ORDER BY decision_id", params)

    # --- suggestions --------------------------------------------------------------------

    def record_suggestions(self, kind: str, frame: pd.DataFrame, run_id: str | None = None
                           ) -> str:
        """Append a matching run's output (``match_frames`` columns); return its run id."""
        return _decisions.record_suggestions(self, kind, frame, run_id)

    def latest_suggestions(self, kind: str) -> pd.DataFrame:
        """The most recent matching run's suggestions for ``kind``."""
        return self.sql(
            "SELECT * FROM latest_suggestions WHERE kind = ? ORDER BY left_id, rank", [kind]
        )

    # --- connections and settings -------------------------------------------------------

    def record_connection(self, system: str, *, tenant_id: str | None = None,
                          tenant_name: str | None = None, short_code: str | None = None,
                          xero_connection: str | None = None, base_url: str | None = None,
                          note: str | None = None) -> int:
        """Record a new connection; an open one for the same system is closed first. A Xero
        connection to another organisation than the workspace's is refused
        (:meth:`claim_xero_tenant`)."""
        now = _now()
        with self.transaction() as conn:
            if system == "xero" and tenant_id:
                self.claim_xero_tenant(tenant_id, tenant_name)
            conn.execute(
                "UPDATE connections SET disconnected_at = ?, note = coalesce(note, "
                "'replaced by a new connection') WHERE system = ? AND disconnected_at IS NULL",
                [now, system],
            )
            row = conn.execute("SELECT nextval('connection_seq')").fetchone()
            assert row is not None
            cid = int(row[0])
            conn.execute(
                "INSERT INTO connections VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                [cid, system, tenant_id, tenant_name, short_code, xero_connection, base_url, now,
                 note],
            )
        return cid

    def connection(self, system: str = "xero") -> dict[str, Any] | None:
        """The open connection for ``system``, if any."""
        df = self.sql(
            "SELECT * FROM connections WHERE system = ? AND disconnected_at IS NULL "
            "ORDER BY connection_id DESC LIMIT 1",
            [system],
        )
        if df.empty:
            return None
        return {str(k): (None if pd.isna(v) else v) for k, v in df.iloc[0].to_dict().items()}

    def xero_organisation(self) -> dict[str, Any] | None:
        """``{"tenant_id", "tenant_name"}`` of the Xero organisation this workspace belongs
        to, or ``None`` while none has used it (``_tenant.py``)."""
        return _tenant.xero_organisation(self)

    def claim_xero_tenant(self, tenant_id: str, tenant_name: str | None = None) -> None:
        """Every path that brings a Xero organisation's data in calls this first: the first
        organisation claims the workspace, any other raises :class:`WorkspaceTenantError`
        naming both."""
        _tenant.claim_xero_tenant(self, tenant_id, tenant_name)

    # --- accounts and tracking mapping (``_accounts.py``) ---------------------------------

    def account_mapping(self) -> list[dict[str, Any]]:
        """The rules giving exported lines their Xero account and tracking options."""
        return _accounts.account_mapping(self)

    def set_account_mapping(self, rules: Sequence[Mapping[str, Any]], *,
                            replace_all: bool = False, who: str | None = None) -> None:
        _accounts.set_account_mapping(self, rules, replace_all=replace_all, who=who)

    # --- reconciliation (``_reconcile.py``) ---------------------------------------------

    def has_export_batch(self, batch_id: str) -> bool:
        return _reconcile.has_batch(self, batch_id)

    def exported_to_check(self, tenant_id: str, batch_id: str | None = None
                          ) -> list[dict[str, Any]]:
        """What was exported to ``tenant_id`` (of ``batch_id``), with its payload and
        Atera's invoice: the input of a reconciliation."""
        return _reconcile.exported_to_check(self, tenant_id, batch_id)

    def record_reconciliation(self, tenant_id: str, run_id: str,
                              rows: Sequence[Mapping[str, Any]]) -> None:
        _reconcile.record_reconciliation(self, tenant_id, run_id, rows)

    def reconciliation(self, tenant_id: str | None = None,
                       invoices: Sequence[str] | None = None) -> pd.DataFrame:
        """The latest reconciliation of each exported invoice (``reconcile_state``)."""
        return _reconcile.reconciliation(self, tenant_id, invoices)

    def mark_setup_done(self, system: str = "xero") -> None:
        self.execute(
            "UPDATE connections SET setup_done_at = ? WHERE system = ? AND "
            "disconnected_at IS NULL",
            [_now(), system],
        )

    def record_disconnect(self, system: str = "xero", note: str | None = None) -> None:
        self.execute(
            "UPDATE connections SET disconnected_at = ?, note = coalesce(?, note) "
            "WHERE system = ? AND disconnected_at IS NULL",
            [_now(), note, system],
        )

    def get_setting(self, key: str, default: Any = None) -> Any:
        df = self.sql("SELECT value FROM settings WHERE key = ?", [key])
        return default if df.empty else json.loads(df["value"].iloc[0])

    def set_setting(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT OR REPLACE INTO settings VALUES (?, ?, ?)", [key, json.dumps(value), _now()]
        )

    def delete_setting(self, key: str) -> None:
        self.execute("DELETE FROM settings WHERE key = ?", [key])

    def settings(self) -> dict[str, Any]:
        df = self.sql("SELECT key, value FROM settings ORDER BY key")
        return {k: json.loads(v) for k, v in zip(df["key"], df["value"], strict=True)}

    @staticmethod
    def new_run_id(prefix: str = "run") -> str:
        return f"{prefix}-{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
