"""Rows left for a person (0008): what a run held back stays held for later runs.

``matchkit._gate.keep_held`` applies them; this module alone runs their SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from .._exceptions import WorkspaceError
from ._open import registered

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = ["HOLD_ENTITIES", "held_rows", "record_holds"]

# customers and products are held by their Atera id; imports and adds by the Xero id
HOLD_ENTITIES = ("customers", "products", "imports", "adds")


def record_holds(ws: Workspace, holds: Iterable[tuple[str, str, str]], run_id: str | None
                 ) -> None:
    """Record ``(entity, record_id, reason)`` rows as held. A row held before keeps its
    first reason and time: it says when and why a person was first asked."""
    rows = list(holds)
    for entity, record_id, _reason in rows:
        if entity not in HOLD_ENTITIES:
            raise WorkspaceError(f"unknown hold entity {entity!r}")
        if not record_id:
            raise WorkspaceError("a hold needs a record id")
    if not rows:
        return
    frame = pd.DataFrame({"entity": [r[0] for r in rows], "record_id": [r[1] for r in rows],
                          "reason": [r[2] or "" for r in rows]})
    with ws.transaction() as conn, registered(conn, "_mk_holds", frame):
        conn.execute("INSERT INTO review_holds SELECT DISTINCT ON (entity, record_id) "
                     "entity, record_id, reason, ?, ? FROM _mk_holds "
                     "ON CONFLICT DO NOTHING", [run_id, dt.datetime.now(dt.UTC)])


def held_rows(ws: Workspace, entity: str) -> dict[str, str]:
    """``record_id -> reason`` of the rows of ``entity`` a run left for a person."""
    if entity not in HOLD_ENTITIES:
        raise WorkspaceError(f"unknown hold entity {entity!r}")
    df = ws.sql("SELECT record_id, reason FROM review_holds WHERE entity = ?", [entity])
    return dict(zip(df["record_id"].astype(str), df["reason"].astype(str), strict=True))
