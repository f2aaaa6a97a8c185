"""The decisions file: a review's suggestions and decisions as a CSV to edit in any
spreadsheet, and applying the edited file back (every row checked first, then all or nothing).

Functions over a :class:`Review`; the model keeps thin methods (``to_frame``, ``export_csv``,
``apply_csv``) that call them, so callers do not change.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._exceptions import InputError
from .._text import decode_utf8
from ..store import Decision
from ._types import KINDS, REJECTED, ApplyResult

if TYPE_CHECKING:
    from ._model import Review

__all__ = ["FILE_COLUMNS", "apply_csv", "export_csv", "file_kind", "to_frame"]

FILE_ACTIONS: tuple[str, ...] = ("match", "create", "unmatch", "clear")
#: Columns of the decisions file; ``action``, ``xero_id`` and ``note`` are the editable ones.
FILE_COLUMNS = (
    "kind", "atera_id", "atera_name", "suggested_xero_id", "suggested_xero_name", "score",
    "method", "ambiguous", "action", "xero_id", "xero_name", "note", "decision_id",
)
REQUIRED_FILE_COLUMNS = ("kind", "atera_id", "action", "xero_id")
_MAX_LISTED = 25


@dataclass(frozen=True)
class _Want:
    line: int
    action: str
    xero_id: str | None
    note: str | None
    decision_id: str | None  # as exported; None when the file has no such column
    explicit_clear: bool = False


# Names come from Atera and Xero; the file is opened in spreadsheets, which run a cell that
# starts like a formula. These columns are for reading only (apply ignores them), so a
# leading apostrophe keeps them text without touching the round trip.
_NAME_COLUMNS = ("atera_name", "suggested_xero_name", "xero_name")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _open_file(path: str | Path) -> tuple[Any, list[str]]:
    """Decode a decisions file and check its header; return the csv reader and the header."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror})") from None
    text = decode_utf8(data, name, what=" CSV")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{name}: the file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{name}: line 1: {exc}") from None
    missing = [c for c in REQUIRED_FILE_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(map(repr, missing))}; the "
                         f"header must have {', '.join(REQUIRED_FILE_COLUMNS)}")
    dups = sorted({h for h in header if header.count(h) > 1 and h})
    if dups:
        raise InputError(f"{name}: column(s) {', '.join(map(repr, dups))} appear twice")
    return reader, header


def file_kind(path: str | Path) -> str:
    """The kind (customers/products) a decisions file is for, from its first data row."""
    reader, header = _open_file(path)
    i = header.index("kind")
    try:
        for rec in reader:
            if any(v.strip() for v in rec):
                kind = rec[i].strip() if i < len(rec) else ""
                if kind not in KINDS:
                    raise InputError(f"{path}: line {reader.line_num}, field 'kind': {kind!r}; "
                                     "use customers or products")
                return kind
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}") from None
    raise InputError(f"{path}: the file has a header but no rows")


def to_frame(review: Review) -> pd.DataFrame:
    """Suggestions and current decisions as the decisions file has them."""
    t = review._table
    return pd.DataFrame({
        "kind": review.kind,
        "atera_id": t["atera_id"].to_numpy(),
        "atera_name": t["atera_name"].to_numpy(),
        "suggested_xero_id": t["xero_id"].to_numpy(),
        "suggested_xero_name": t["xero_name"].to_numpy(),
        "score": t["score"].round(2).to_numpy(),
        "method": t["method"].to_numpy(),
        "ambiguous": t["ambiguous"].map({True: "yes", False: ""}).to_numpy(),
        "action": t["decision"].to_numpy(),
        "xero_id": t["decided_xero_id"].to_numpy(),
        "xero_name": t["decided_xero_name"].to_numpy(),
        "note": t["_note"].where(t["_method"] != REJECTED, "").to_numpy(),
        "decision_id": t["_decision_id"].to_numpy(),
    }, columns=list(FILE_COLUMNS))


def export_csv(review: Review, path: str | Path) -> int:
    """Write the decisions file (UTF-8, RFC 4180); return the number of rows."""
    frame = to_frame(review)
    for col in _NAME_COLUMNS:
        frame[col] = frame[col].map(_defuse)
    buf = io.StringIO()
    # CRLF as RFC 4180 says: with a bare LF terminator a lone CR inside a name would not
    # be quoted, and the file would not read back.
    frame.to_csv(buf, index=False, lineterminator="\r\n")
    Path(path).write_text(buf.getvalue(), encoding="utf-8", newline="")
    return len(frame)


def apply_csv(review: Review, path: str | Path, *, dry_run: bool = False) -> ApplyResult:
    """See :meth:`Review.apply_csv`."""
    name = str(path)
    reader, header = _open_file(path)
    col = {h: i for i, h in enumerate(header)}
    errors: list[str] = []
    wanted: dict[str, _Want] = {}
    seen: dict[str, int] = {}
    n_rows = 0
    try:
        for rec in reader:
            line = reader.line_num
            if not any(v.strip() for v in rec):
                continue
            n_rows += 1
            if len(rec) != len(header):
                errors.append(f"line {line}: {len(rec)} fields, the header has "
                              f"{len(header)}")
                continue
            _check_row(review, rec, col, line, seen, wanted, errors)
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}")
    changes = _changes(review, wanted, errors)
    _check_targets(review, changes, errors)
    if errors:
        listed = errors[:_MAX_LISTED]
        more = len(errors) - len(listed)
        raise InputError(f"{name}: {len(errors)} problem(s), nothing was applied:\n  "
                         + "\n  ".join(listed)
                         + (f"\n  ... and {more} more" if more else ""))
    decisions = []
    for aid, w in changes.items():
        score = None
        if w.action == "match":
            c = review._candidates_of(aid)
            hit = c[c["right_id"] == w.xero_id]
            score = float(hit["score"].iloc[0]) if len(hit) else None
        decisions.append(Decision(review.kind, w.action, aid, w.xero_id, "file", score,
                                  review.who, review.run_id,
                                  w.note or f"from {Path(path).name}"))
    run = review.run_id if decisions else None
    if decisions and not dry_run:
        review._commit(decisions, f"file {Path(path).name}")
    return ApplyResult(n_rows, len(decisions), n_rows - len(decisions), run)


def _check_row(review: Review, rec: list[str], col: dict[str, int], line: int,
               seen: dict[str, int], wanted: dict[str, _Want],
               errors: list[str]) -> None:
    def get(c: str) -> str:
        return rec[col[c]].strip() if c in col else ""

    kind, aid, action, xid = get("kind"), get("atera_id"), get("action"), get("xero_id")
    bad = len(errors)
    if kind != review.kind:
        errors.append(f"line {line}, field 'kind': {kind!r} but this review is for "
                      f"{review.kind}")
    if not aid:
        errors.append(f"line {line}, field 'atera_id': empty")
    elif aid not in review._table.index:
        errors.append(f"line {line}, field 'atera_id': unknown Atera id {aid!r}")
    elif aid in seen:
        errors.append(f"line {line}, field 'atera_id': {aid!r} already on line "
                      f"{seen[aid]}")
    else:
        seen[aid] = line
    action = action.lower()
    if action and action not in FILE_ACTIONS:
        errors.append(f"line {line}, field 'action': unknown action {action!r}; use "
                      f"{', '.join(FILE_ACTIONS)} or leave it empty (undecided)")
    if action == "match":
        if not xid:
            xid = get("suggested_xero_id")
        if not xid:
            errors.append(f"line {line}, field 'xero_id': a match needs a Xero id")
        elif xid not in review._xero_names:
            errors.append(f"line {line}, field 'xero_id': unknown Xero id {xid!r}")
    elif xid and action in ("create", "unmatch", "clear", ""):
        errors.append(f"line {line}, field 'xero_id': must be empty for action "
                      f"{action or '(empty)'!r}")
    if len(errors) == bad and aid:
        did = get("decision_id") if "decision_id" in col else None
        wanted[aid] = _Want(line, action or "clear", xid or None, get("note") or None, did,
                            explicit_clear=action == "clear")


def _changes(review: Review, wanted: dict[str, _Want], errors: list[str]) -> dict[str, _Want]:
    """The rows that differ from the workspace; stale ones are reported in ``errors``."""
    out = {}
    for aid, w in wanted.items():
        r = review._table.loc[aid]
        current = (r["decision"] or "clear", r["decided_xero_id"] or None)
        # An empty action keeps an undecided row (and its rejections) as it is.
        if (w.action, w.xero_id) == current and not (
                w.action == "clear" and r["_rejected"] and w.explicit_clear):
            continue
        if w.decision_id is not None and w.decision_id != r["_decision_id"]:
            now = r["decision"] or "undecided"
            errors.append(f"line {w.line}, field 'decision_id': Atera {aid} was decided "
                          f"again in the workspace after this file was written (now "
                          f"{now}); export a fresh file")
            continue
        out[aid] = w
    return out


def _check_targets(review: Review, changes: dict[str, _Want], errors: list[str]) -> None:
    """Refuse two Atera rows matched to one Xero record, counting rows left as they are."""
    final = {x: a for x, a in review._taken().items() if a not in changes}
    lines: dict[str, int] = {}
    for aid, w in changes.items():
        line, xid = w.line, w.xero_id
        if w.action != "match" or xid is None:
            continue
        other = final.get(xid)
        if other is not None:
            where = f"line {lines[xid]}" if xid in lines else "the workspace"
            errors.append(f"line {line}, field 'xero_id': Xero record {xid} is also "
                          f"matched to Atera {other} ({where})")
        else:
            final[xid], lines[xid] = aid, line
