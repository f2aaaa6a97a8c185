"""How a workspace file is opened: what is refused before anything is written to it (a
missing folder, a file that is not a DuckDB database, another program's database, a schema
newer than this matchkit), and frames registered for one insert."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pandas as pd

from .._exceptions import WorkspaceError

__all__ = ["check_schema", "check_workspace_path", "registered", "remove_if_empty",
           "removed_on_failure"]


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame
               ) -> Iterator[None]:
    """``frame`` visible to SQL as ``name`` for the block. When the block failed, the
    transaction is aborted and unregistering would raise again: the first error is the one
    that says what went wrong, so it is the one that propagates."""
    conn.register(name, frame)
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            conn.unregister(name)
        raise
    conn.unregister(name)


_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def check_workspace_path(path: Path, *, create: bool = True) -> None:
    """Raise :class:`WorkspaceError` unless ``path`` is a workspace file, or (``create``) a
    new file in a folder that exists. Reads at most 12 bytes; changes nothing."""
    if path.is_dir():
        raise WorkspaceError(f"{path} is a folder; give the workspace file, e.g. "
                             f"{path / 'matchkit.duckdb'}")
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            raise WorkspaceError(f"no folder {folder} for the workspace {path}: create the "
                                 "folder first, or check the path")
        if not create:
            raise WorkspaceError(f"no workspace at {path}: check the path, or start one with "
                                 "`matchkit snapshot`, `matchkit load` or `matchkit wizard "
                                 "--auto`")
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise WorkspaceError(f"cannot read workspace {path} ({exc.strerror})") from None
    if head[8:12] != _DUCKDB_MAGIC:
        what = "an empty file" if not head else "not a DuckDB database file"
        raise WorkspaceError(f"{path} is not a matchkit workspace ({what}); choose another "
                             "file")


def check_schema(conn: duckdb.DuckDBPyConnection, path: str, known: int) -> None:
    """Refuse a DuckDB database that is not a matchkit workspace, or one from a newer
    matchkit, before anything is written to it."""
    tables = {str(r[0]) for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = "
        "current_database()").fetchall()}
    if tables and "schema_version" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (" ..." if len(tables) > 5 else "")
        raise WorkspaceError(f"{path} is a DuckDB database but not a matchkit "
                             f"workspace (its tables: {shown}); choose another file")
    if "schema_version" in tables:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        if version > known:
            raise WorkspaceError(f"{path} was written by a newer matchkit (schema "
                                 f"{version}; this one knows up to {known}): upgrade "
                                 "matchkit to use it")


@contextmanager
def removed_on_failure(path: str) -> Iterator[None]:
    """A workspace file this block makes is removed again when the block fails (its first
    migration): a mistake leaves no empty workspace behind."""
    fresh = path != ":memory:" and not Path(path).exists()
    try:
        yield
    except BaseException:
        if fresh:
            for leftover in (Path(path), Path(path + ".wal")):
                leftover.unlink(missing_ok=True)
        raise


def remove_if_empty(path: Path) -> None:
    """Remove a workspace file that holds nothing but its schema (the command that made it
    failed, or only read). One that may hold data, or cannot be read, is kept."""
    if not path.exists():
        return
    try:
        conn = duckdb.connect(str(path))
        try:
            tables = [str(r[0]) for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = "
                "'BASE TABLE' AND table_name <> 'schema_version'").fetchall()]
            rows = 0
            for table in tables:
                found = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                rows += int(found[0]) if found else 0
        finally:
            conn.close()
    except Exception:  # cannot tell: keep it (never delete what may hold data)
        return
    if rows == 0:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
