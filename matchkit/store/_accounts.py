"""The workspace side of the accounts and tracking mapping (0007): rules in, rules out.

``matchkit/accounts/`` checks and applies them; this module alone runs their SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ._workspace import Workspace

__all__ = ["account_mapping", "set_account_mapping"]


def account_mapping(ws: Workspace) -> list[dict[str, Any]]:
    """Every rule: ``kind``, ``atera_key``, ``account_code`` (or None), ``tracking`` (a list
    of ``{"category", "option"}``), ``updated_at``, ``updated_by``; ordered by kind and key."""
    df = ws.sql("SELECT kind, atera_key, account_code, tracking, updated_at, updated_by "
                "FROM account_mapping ORDER BY kind, lower(atera_key)")
    out = []
    for r in df.to_dict("records"):
        row = {str(k): (None if not isinstance(v, list | dict) and pd.isna(v) else v)
               for k, v in r.items()}
        text = row.get("tracking")
        row["tracking"] = json.loads(text) if isinstance(text, str) and text else []
        out.append(row)
    return out


def set_account_mapping(ws: Workspace, rules: Sequence[Mapping[str, Any]], *,
                        replace_all: bool = False, who: str | None = None) -> None:
    """Write ``rules`` (``kind``, ``atera_key``, ``account_code``, ``tracking``) in one
    transaction; a rule with neither account nor tracking removes that key's rule.
    ``replace_all``: the rules given become the whole mapping."""
    now = dt.datetime.now(dt.UTC)
    with ws.transaction() as conn:
        if replace_all:
            for kind, key in conn.execute("SELECT kind, atera_key FROM account_mapping"
                                          ).fetchall():
                _log(conn, kind, key, None, None, "unset", now, who)
            conn.execute("DELETE FROM account_mapping")
        for r in rules:
            kind, key = str(r["kind"]), str(r["atera_key"])
            code = r.get("account_code") or None
            tracking = list(r.get("tracking") or [])
            conn.execute("DELETE FROM account_mapping WHERE kind = ? AND atera_key = ?",
                         [kind, key])
            if code is None and not tracking:
                _log(conn, kind, key, None, None, "unset", now, who)
                continue
            text = json.dumps(tracking) if tracking else None
            conn.execute("INSERT INTO account_mapping VALUES (?, ?, ?, ?, ?, ?)",
                         [kind, key, code, text, now, who])
            _log(conn, kind, key, code, text, "set", now, who)


def _log(conn: Any, kind: str, key: str, code: str | None, tracking: str | None, action: str,
         now: dt.datetime, who: str | None) -> None:
    conn.execute("INSERT INTO account_mapping_log VALUES (nextval('account_mapping_seq'), ?, ?, "
                 "?, ?, ?, ?, ?)", [kind, key, code, tracking, action, now, who])
