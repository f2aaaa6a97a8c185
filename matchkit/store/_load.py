"""Snapshots from files, for migrations without API access.

A file holds one entity exactly as its API returns it: Atera's paged envelope
(``{"items": [...], ...}``) or a bare list; Xero's wrapper (``{"Contacts": [...]}``) or a bare
list; or CSV with the same field names (dotted names such as ``SalesDetails.UnitPrice`` for
nested fields). Anything wrong is refused with the file, row and field, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import LoadError
from .._text import decode_utf8
from ._entities import entity, typed_rows
from ._workspace import Workspace

__all__ = ["load_file", "read_records"]

MAX_BYTES = 512 * 1024 * 1024


def _decode(data: bytes, file: str) -> str:
    if not data.strip():
        raise LoadError("the file is empty", file=file)
    return decode_utf8(data, file)


def _unflatten(row: Mapping[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        cur = out
        parts = key.split(".")
        for part in parts[:-1]:
            nxt = cur.setdefault(part, {})
            if not isinstance(nxt, dict):
                break
            cur = nxt
        else:
            cur[parts[-1]] = value
    return out


def _json_records(text: str, file: str, system: str, name: str) -> list[Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file=file
        ) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; nesting too deep
        raise LoadError(f"JSON that cannot be read ({str(exc)[:100]})", file=file) from None
    ent = entity(system, name)
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if system == "atera" and isinstance(doc.get("items"), list):
            return list(doc["items"])
        if ent.wrapper and ent.wrapper in doc:
            inner = doc[ent.wrapper]
            if not isinstance(inner, list):
                raise LoadError(f"{ent.wrapper!r} must be a list", file=file, field=ent.wrapper)
            return inner
        keys = ", ".join(sorted(doc)[:8])
        expected = (
            "Atera's paged envelope with 'items' or a list" if system == "atera"
            else f"Xero's wrapper {{{ent.wrapper!r}: [...]}} or a list"
        )
        raise LoadError(f"expected {expected}; found an object with keys {keys}", file=file)
    raise LoadError(f"expected a list of records, found {type(doc).__name__}", file=file)


def _csv_records(text: str, file: str, system: str, name: str) -> tuple[list[dict[str, Any]],
                                                                          int]:
    ent = entity(system, name)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise LoadError(f"not readable as CSV ({exc})", file=file, row=1) from None
    if not header:
        raise LoadError("the CSV has no header row", file=file)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise LoadError(f"column(s) named twice in the header: {', '.join(dupes)}", file=file,
                        row=1)
    missing = [c.path for c in ent.columns if c.required and c.path not in header]
    if missing:
        raise LoadError(
            f"required column(s) missing from the header: {', '.join(missing)}", file=file, row=1
        )
    records: list[dict[str, Any]] = []
    rows = enumerate(reader, start=2)
    while True:
        try:
            i, row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a cell over csv's field limit, a NUL byte ...
            raise LoadError(f"not readable as CSV ({exc})", file=file,
                            row=reader.line_num or None) from None
        if None in row:  # more cells than header columns
            raise LoadError(
                f"{len(header) + len(row[None])} cells but the header has {len(header)}",
                file=file, row=i,
            )
        if any(v is None for v in row.values()):
            raise LoadError(f"fewer cells than the header's {len(header)}", file=file, row=i)
        records.append(_unflatten(row))
    if not records:
        raise LoadError("the CSV has a header but no rows", file=file)
    return records, 2


def read_records(path: str | Path, system: str, name: str) -> tuple[list[Any], int]:
    """Read and check the shape of a file; return its records and the number of the first row."""
    file = str(path)
    ent = entity(system, name)
    if ent.derived_from:
        raise LoadError(
            f"{ent.label} are derived from {ent.derived_from}; load the {ent.derived_from} "
            "file instead", file=file,
        )
    p = Path(path)
    if p.is_dir():
        raise LoadError("is a folder, not a file", file=file)
    if not p.is_file():
        raise LoadError("no such file", file=file)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise LoadError(f"larger than {MAX_BYTES // 2**20} MiB", file=file)
        data = p.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror})", file=file) from None
    text = _decode(data, file)
    suffix = p.suffix.lower()
    if suffix == ".csv" or (suffix != ".json" and not text.lstrip().startswith(("{", "["))):
        return _csv_records(text, file, system, name)
    records = _json_records(text, file, system, name)
    if not records:
        raise LoadError("the file holds no records", file=file)
    return records, 1


def load_file(ws: Workspace, system: str, name: str, path: str | Path) -> dict[str, int]:
    """Load one entity from a file into a new snapshot; all or nothing.

    Returns ``{entity: snapshot_id}`` (derived entities included).
    """
    records, first_row = read_records(path, system, name)
    # Check every record before opening a transaction, so errors name the file's own rows.
    typed_rows(entity(system, name), records, file=str(path), first_row=first_row)
    return ws.write_snapshot(system, name, records, source=f"file:{path}", mode="file",
                             file=str(path))
