"""The review grid's layout: its keys, columns, headers and widths (no widgets here)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from ipydatagrid import TextRenderer, VegaExpr

__all__ = ["KEYS"]

#: key pressed on the grid -> ReviewGrid method name
KEYS: dict[str, str] = {
    "j": "next", "n": "next", "ArrowDown": "next", "k": "previous", "p": "previous",
    "ArrowUp": "previous", "a": "accept", "r": "reject", "c": "create", "x": "leave_unmatched",
    "u": "undo",
}
_KEYS_HELP = ("<small>Keys, on the grid (click a row first): <b>j</b>/<b>↓</b> next, "
              "<b>k</b>/<b>↑</b> previous, <b>a</b> accept, <b>r</b> reject, <b>c</b> create "
              "in Xero, <b>x</b> leave unmatched, <b>u</b> undo.</small>")
# What an analyst reads first comes first: the row, its suggestion, how sure, what was
# decided (in sight on a laptop's screen beside the side panel); the Xero id (36 characters)
# last.
_GRID_COLUMNS = ["atera_name", "xero_name", "score", "decision", "decided_xero_name",
                 "method", "ambiguous", "evidence", "candidates", "xero_id"]
_HEADERS = {
    "atera_name": "Atera", "xero_id": "suggested id", "xero_name": "suggested Xero",
    "score": "score", "method": "method", "ambiguous": "ambiguous", "evidence": "evidence",
    "candidates": "cands", "decision": "decision", "decided_xero_name": "decided Xero",
}
_ANY = "any"
# Milliseconds the page waits after a change or a scroll before asking the kernel for the rows
# it draws (ipydatagrid's default is 160, which every filter and accept would pay).
_FETCH_DELAY_MS = 20
# Up to this many rows changed: send their changed cells (the page sets them in the rows it
# holds, no refetch round trip); more: the rows around what the page draws are pushed.
_CELL_UPDATE_LIMIT = 5
_ROW_PX = 22
_GRID_HEADERS = [_HEADERS.get(c, c) for c in _GRID_COLUMNS]
# Column widths from the longest text: ipydatagrid draws 12px sans-serif, where a digit is
# 7.6 px wide; 7.5 px a character and room for the header's filter icon keep every id whole.
# A row without a candidate has no score: drawn blank (ipydatagrid draws NaN in italics, and
# an empty text falls back to that; a space does not).
_NO_NAN = TextRenderer(text_value=VegaExpr("isValid(cell.value) ? cell.value : ' '"))
_CHAR_PX = 7.5
_PAD_PX = 24
_CAP_PX = {"Atera": 260, "suggested Xero": 260, "decided Xero": 260, "evidence": 240}


def _column_widths(table: pd.DataFrame) -> dict[str, int]:
    """Each column as wide as its longest value (ids are never cut short; names and evidence
    are capped, the side panel shows them whole)."""
    columns = [("atera id", table.index.to_series()), *table[_GRID_HEADERS].items()]
    widths = {}
    for name, values in columns:
        # plain Python over each distinct value: pandas' string methods took 30 ms here
        distinct = set(values.dropna().to_numpy(dtype=object))
        longest = max([len(str(name)), *map(len, map(str, distinct))])
        px = int(longest * _CHAR_PX) + _PAD_PX
        widths[str(name)] = min(px, _CAP_PX.get(str(name), px))
    return widths


def _json(value: Any) -> Any:
    """A cell value as JSON (NaN as null)."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and value != value else value
