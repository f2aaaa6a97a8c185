"""``matchkit match LEFT.csv RIGHT.csv --kind customers|products -o OUT.csv``: one-off matching
of two CSV files, no workspace needed."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import click
import pandas as pd

from .._exceptions import InputError
from .._text import decode_utf8
from ..matching import AUTO_ACCEPT, DEFAULT_THRESHOLD, auto_accepted, match_frames
from ._options import output_file

__all__ = ["COMMANDS", "read_frame"]

_OUT = ["left_id", "right_id", "score", "method", "rank", "ambiguous", "evidence"]


def read_frame(path: Path) -> pd.DataFrame:
    """A CSV with ``id`` and ``name`` columns, all values as text; bad files raise
    :class:`InputError` naming the file, row and column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    text = decode_utf8(raw, str(path), what=" CSV")
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a header with id,name")
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:  # a cell over csv's field limit, a NUL byte ...
        raise InputError(f"{path}: row {reader.line_num}: not readable as CSV ({exc})") from None
    header = [h.strip() for h in rows[0]]
    for col in ("id", "name"):
        if col not in header:
            raise InputError(f"{path}: row 1: missing column {col!r} "
                             f"(header: {','.join(header)})")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(f"{path}: row 1: column {dup!r} appears twice")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    seen: dict[str, int] = {}
    id_at, name_at = header.index("id"), header.index("name")
    records = []
    for n, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(header):
            raise InputError(f"{path}: row {n}: {len(r)} fields, the header has {len(header)}")
        rid = r[id_at].strip()
        if not rid:
            raise InputError(f"{path}: row {n}: column 'id' is empty")
        if rid in seen:
            raise InputError(f"{path}: row {n}: column 'id': duplicate id {rid!r} "
                             f"(first in row {seen[rid]})")
        seen[rid] = n
        if not r[name_at].strip():
            raise InputError(f"{path}: row {n}: column 'name' is empty")
        records.append([c.strip() if i == id_at else c for i, c in enumerate(r)])
    if not body:
        raise InputError(f"{path}: no data rows under the header")
    return pd.DataFrame(records, columns=header, dtype=object)


@click.command("match")
@click.argument("left", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("right", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(["customers", "products"]), required=True,
              help="What the rows are: decides normalisation and evidence rules.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Candidates kept per left row.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=DEFAULT_THRESHOLD,
              show_default=True, help="Lowest score (0-100) worth listing.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              required=True, help="CSV to write (written whole, or not at all).")
@click.option("--decisions", is_flag=True,
              help="Add columns proposed (the one-to-one pick) and auto_accept (safe to "
                   f"accept without a person: proposed, unambiguous, score >= {AUTO_ACCEPT:g}, "
                   "for products no evidence against).")
def match_cmd(left: Path, right: Path, kind: str, top: int, threshold: float,
              output: Path, decisions: bool) -> None:
    """Match LEFT.csv (e.g. Atera) against RIGHT.csv (e.g. Xero).

    Both need id,name; customers may add email, domain, website, phone, tax_number, city,
    country; products code, sku, price, description. OUT.csv has one row per left row and
    candidate (left_id,right_id,score,method,rank,ambiguous,evidence); a left row with no
    candidate at or above the threshold gets one row with an empty right_id. --decisions
    adds proposed,auto_accept (true/false) after those columns.
    """
    output_file(output)  # before the work: a mistyped folder is said at once, and made never
    lf, rf = read_frame(left), read_frame(right)
    m = match_frames(lf, rf, kind, top=top, threshold=threshold)
    columns = list(_OUT)
    if decisions:
        safe = set(zip(*(auto_accepted(m)[c] for c in ("left_id", "right_id")), strict=True))
        m["auto_accept"] = [p in safe for p in zip(m["left_id"], m["right_id"], strict=True)]
        columns += ["proposed", "auto_accept"]
    found = set(m["left_id"])
    missing = pd.DataFrame({"left_id": [i for i in lf["id"] if i not in found]})
    if decisions:  # a row without a candidate is neither picked nor safe
        missing = missing.assign(proposed=False, auto_accept=False)
    out = pd.concat([m[columns], missing], ignore_index=True)
    order = {v: k for k, v in enumerate(lf["id"])}
    out = out.assign(_o=out["left_id"].map(order)).sort_values(
        ["_o", "rank"], kind="stable", na_position="first").drop(columns="_o")
    out["rank"] = out["rank"].astype("Int64")
    # write beside the target, then rename: a failed run never leaves half a file
    try:
        fd, tmp = tempfile.mkstemp(prefix=".match-", suffix=".csv", dir=output.parent)
    except OSError as exc:  # a folder that takes no files (read-only, not allowed, /proc)
        raise InputError(f"{output}: cannot write in {output.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            out.to_csv(fh, index=False)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    matched = m.loc[m["proposed"], "left_id"].nunique()
    click.echo(f"{len(lf)} left rows, {len(rf)} right rows: {matched} with a proposed match, "
               f"{len(missing)} without a candidate >= {threshold:g}; wrote {output}",
               err=True)


COMMANDS: list[click.Command] = [match_cmd]
