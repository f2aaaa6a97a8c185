"""Decisions and suggestions: appending them. The append-only rules (known entities and
actions, a match names its Xero record) are checked here; ``Workspace`` delegates here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import pandas as pd

from .._exceptions import WorkspaceError
from ._open import registered

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = [
    "DECISION_ACTIONS",
    "DECISION_ENTITIES",
    "SUGGESTION_COLUMNS",
    "Decision",
    "record_decisions",
    "record_suggestions",
]

DECISION_ENTITIES = ("customers", "products", "imports", "adds")  # adds: items into Atera
DECISION_ACTIONS = ("match", "create", "unmatch", "import", "clear")
SUGGESTION_COLUMNS = ("left_id", "right_id", "score", "method", "rank", "ambiguous",
                      "evidence", "left_name", "right_name")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Decision:
    """One judgment about one Atera record (or, for imports, one Xero contact)."""

    entity: str  # 'customers' | 'products' | 'imports' | 'adds'
    action: str  # 'match' | 'create' | 'unmatch' | 'import' | 'clear'
    atera_id: str | None = None
    xero_id: str | None = None
    method: str | None = None
    score: float | None = None
    who: str | None = None
    run_id: str | None = None
    note: str | None = None
    decided_at: dt.datetime = field(default_factory=_now)


_DECISION_FIELDS = [f.name for f in fields(Decision)]


def record_decisions(ws: Workspace, decisions: list[Decision]) -> list[int]:
    """``Workspace.record_decisions``."""
    decisions = list(decisions)
    for d in decisions:
        if d.entity not in DECISION_ENTITIES:
            raise WorkspaceError(f"unknown decision entity {d.entity!r}")
        if d.action not in DECISION_ACTIONS:
            raise WorkspaceError(f"unknown decision action {d.action!r}")
        if d.action == "match" and not d.xero_id:
            raise WorkspaceError(f"a match needs a Xero id (Atera {d.atera_id})")
        if d.atera_id is None and d.xero_id is None:
            raise WorkspaceError("a decision needs an Atera or a Xero id")
    if not decisions:
        return []
    with ws.transaction() as conn:
        first = conn.execute(
            "SELECT nextval('decision_seq') FROM range(?)", [len(decisions)]
        ).fetchall()
        ids = [int(r[0]) for r in first]
        # column by column: dataclasses.asdict deep-copies and was half of a bulk write
        frame = pd.DataFrame({"decision_id": ids, **{
            name: [getattr(d, name) for d in decisions] for name in _DECISION_FIELDS}})
        with registered(conn, "_mk_dec", frame):
            conn.execute(
                "INSERT INTO decisions (decision_id, entity, atera_id, xero_id, action, "
                "method, score, who, decided_at, run_id, note) SELECT decision_id, entity, "
                "atera_id, xero_id, action, method, score, who, decided_at, run_id, note "
                "FROM _mk_dec"
            )
    return ids


def record_suggestions(ws: Workspace, kind: str, frame: pd.DataFrame, run_id: str | None
                       ) -> str:
    """``Workspace.record_suggestions``."""
    run_id = run_id or ws.new_run_id(f"suggest-{kind}")
    data = pd.DataFrame({c: frame.get(c) for c in SUGGESTION_COLUMNS})
    data = data.astype(object).where(data.notna(), None)
    data["right_id"] = [None if v in (None, "") else str(v) for v in data["right_id"]]
    data["left_id"] = data["left_id"].astype(str)
    with ws.transaction() as conn, registered(conn, "_mk_sugg", data):
        conn.execute(
            "INSERT INTO suggestions SELECT ?, ?, left_id, right_id, "
            "CAST(score AS DOUBLE), method, CAST(rank AS INTEGER), "
            "CAST(ambiguous AS BOOLEAN), evidence, left_name, right_name, ? "
            "FROM _mk_sugg",
            [run_id, kind, _now()],
        )
    return run_id
