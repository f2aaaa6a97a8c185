"""Snapshots: writing one (with what is derived from it) and reading rows, records and the
difference between two. ``Workspace`` delegates here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from .._exceptions import WorkspaceError
from ._derive import derivations
from ._entities import Entity, entity, typed_rows
from ._open import registered

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = ["diff", "rows", "write"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write(*, ws: Workspace, system: str, name: str, records: Iterable[Mapping[str, Any]],
          source: str, mode: str, base_snapshot_id: int | None,
          changed_since: dt.datetime | None, taken_at: dt.datetime | None, file: str | None
          ) -> dict[str, int]:
    """``Workspace.write_snapshot``."""
    ent = entity(system, name)
    if ent.derived_from:
        raise WorkspaceError(
            f"{ent.label} is derived from {ent.derived_from}; snapshot that instead"
        )
    records = list(records)
    prepared = [(ent, *typed_rows(ent, records, file=file))]
    for child, derive in derivations(system, name):
        child_records = derive(records)
        prepared.append((child, *typed_rows(child, child_records, file=file)))
    taken_at = taken_at or _now()
    ids: dict[str, int] = {}
    with ws.transaction() as conn:
        for e, rows, raws in prepared:
            sid = _insert(conn, e, rows, raws, source=source, mode=mode,
                          base=base_snapshot_id if e is ent else None,
                          changed_since=changed_since, taken_at=taken_at)
            ids[e.name] = sid
    return ids


def _insert(  # one entity's snapshot row and typed rows
    conn: duckdb.DuckDBPyConnection,
    ent: Entity,
    rows: list[dict[str, Any]],
    raws: list[str],
    *,
    source: str,
    mode: str,
    base: int | None,
    changed_since: dt.datetime | None,
    taken_at: dt.datetime,
) -> int:
    row = conn.execute("SELECT nextval('snapshot_seq')").fetchone()
    assert row is not None
    sid = int(row[0])
    conn.execute(
        "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [sid, ent.system, ent.name, taken_at, len(rows), source, mode, base, changed_since],
    )
    if rows:
        names = [c.name for c in ent.columns]
        frame = pd.DataFrame.from_records(rows, columns=names)
        for c in ent.columns:  # typed and object columns survive the hand-over to DuckDB
            frame[c.name] = frame[c.name].astype(object)
        frame.insert(0, "row_no", range(1, len(rows) + 1))
        frame["raw"] = raws
        select = ", ".join(
            [f"{sid}", "row_no"]
            + [f'CAST("{c.name}" AS {c.type})' for c in ent.columns]
            + ["CAST(raw AS JSON)"]
        )
        with registered(conn, "_mk_frame", frame):
            conn.execute(f"INSERT INTO {ent.table} SELECT {select} FROM _mk_frame")
    return sid


def rows(ws: Workspace, system: str, name: str, snapshot_id: int | None,
         columns: Sequence[str] | None) -> pd.DataFrame:
    """``Workspace.rows``."""
    ent = entity(system, name)
    every = ["snapshot_id", "row_no", *[c.name for c in ent.columns], "raw"]
    wanted = every if columns is None else list(columns)
    unknown = [c for c in wanted if c not in every]
    if unknown:
        raise WorkspaceError(f"{ent.label} has no column {unknown[0]!r}")
    if snapshot_id is None:
        info = ws.latest_snapshot(system, name)
        if info is None:
            return pd.DataFrame(columns=wanted)
        snapshot_id = info.snapshot_id
    select = "*" if columns is None else ", ".join(f'"{c}"' for c in wanted)
    return ws.sql(
        f"SELECT {select} FROM {ent.table} WHERE snapshot_id = ? ORDER BY row_no",
        [snapshot_id])


def diff(ws: Workspace, system: str, name: str, old: int | None, new: int | None
         ) -> pd.DataFrame:
    """``Workspace.diff``."""
    ent = entity(system, name)
    if old is None or new is None:
        ids = ws.snapshots(system, name)["snapshot_id"].tolist()
        if new is None:
            new = int(ids[0]) if ids else None
        if old is None:
            older = [i for i in ids if new is not None and i < new]
            old = int(older[0]) if older else None
    if new is None or old is None:
        raise WorkspaceError(
            f"{ent.label}: need two snapshots to compare; take another snapshot first"
        )
    cols = [c.name for c in ent.columns if c.name != ent.key]
    changed = " || ".join(
        f"CASE WHEN o.\"{c}\" IS DISTINCT FROM n.\"{c}\" THEN '{c},' ELSE '' END"
        for c in cols
    ) or "''"
    key = f'"{ent.key}"'
    return ws.sql(
        f"""
        WITH o AS (SELECT * FROM {ent.table} WHERE snapshot_id = $old),
             n AS (SELECT * FROM {ent.table} WHERE snapshot_id = $new),
             j AS (
                SELECT CAST(coalesce(n.{key}, o.{key}) AS VARCHAR) AS key,
                       CASE WHEN o.{key} IS NULL THEN 'added'
                            WHEN n.{key} IS NULL THEN 'removed'
                            ELSE 'changed' END AS change,
                       rtrim({changed}, ',') AS fields,
                       o.raw::VARCHAR AS old_raw, n.raw::VARCHAR AS new_raw
                FROM o FULL OUTER JOIN n ON o.{key} = n.{key})
        SELECT * FROM j
        WHERE change <> 'changed' OR fields <> '' OR old_raw IS DISTINCT FROM new_raw
        ORDER BY change, key
        """,
        {"old": old, "new": new},
    )
