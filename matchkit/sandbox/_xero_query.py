"""The parts of Xero's GET query language the sandbox understands: ``where`` and ``order``.

``where`` supports ``Field==value``, ``!=``, ``<``/``>``, ``Field.Contains("x")``,
``StartsWith``/``EndsWith``, ``.ToLower()``/``.ToUpper()`` on the field, dotted paths
(``Contact.ContactID``), values ``"text"``, ``true``/``false``, numbers, ``Guid("...")``,
``null``; joined by ``&&``/``AND`` (binding tighter) and ``||``/``OR``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["QueryError", "compile_order", "compile_where"]

Predicate = Callable[[dict[str, Any]], bool]

_COND = re.compile(
    r"""\s*\(?\s*(?P<field>[A-Za-z]\w*(?:\.[A-Za-z]\w*)*?)
        (?P<case>\.ToLower\(\)|\.ToUpper\(\))?
        (?:\.(?P<func>Contains|StartsWith|EndsWith)\(\s*"(?P<farg>(?:[^"\\]|\\.)*)"\s*\)
          |\s*(?P<op>==|!=|>=|<=|>|<)\s*
           (?P<val>"(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?|Guid\(\s*"[^"]*"\s*\)))
        \s*\)?\s*""",
    re.VERBOSE | re.IGNORECASE,
)
_JOIN = re.compile(r"\s*(&&|\|\||\bAND\b|\bOR\b)\s*", re.IGNORECASE)


class QueryError(ValueError):
    """A ``where`` or ``order`` the sandbox cannot read."""


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        # Xero's field names are case-insensitive in filters.
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    return value


def _literal(text: str) -> Any:
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low == "null":
        return None
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if low.startswith("guid"):
        return text[text.index('"') + 1:text.rindex('"')].lower()
    return float(text)


def _condition(m: re.Match[str]) -> Predicate:
    field = m.group("field")
    case = (m.group("case") or "").lower()

    def value_of(rec: dict[str, Any]) -> Any:
        v = _get(rec, field)
        if isinstance(v, str):
            if case == ".tolower()":
                return v.lower()
            if case == ".toupper()":
                return v.upper()
        return v

    func = m.group("func")
    if func:
        arg = m.group("farg").replace('\\"', '"')
        test: Callable[[str], bool] = {
            "contains": lambda s: arg in s,
            "startswith": lambda s: s.startswith(arg),
            "endswith": lambda s: s.endswith(arg),
        }[func.lower()]
        return lambda rec: isinstance(value_of(rec), str) and test(value_of(rec))
    op, want = m.group("op"), _literal(m.group("val"))

    def compare(rec: dict[str, Any]) -> bool:
        have = value_of(rec)
        if isinstance(want, str) and m.group("val").lower().startswith("guid"):
            have = str(have).lower() if have is not None else None
        if isinstance(want, float) and have is not None and not isinstance(have, bool):
            try:
                have = float(have)
            except (TypeError, ValueError):
                return False
        if op == "==":
            return bool(have == want)
        if op == "!=":
            return bool(have != want)
        if have is None or want is None:
            return False
        try:
            return bool({">": have > want, "<": have < want, ">=": have >= want,
                         "<=": have <= want}[op])
        except TypeError:
            return False

    return compare


def compile_where(text: str) -> Predicate:
    """A predicate over a record for a ``where`` string; ``QueryError`` if it cannot be read."""
    pos = 0
    groups: list[list[Predicate]] = [[]]  # OR of ANDs
    while True:
        m = _COND.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"could not read the where clause at {text[pos:pos + 30]!r}")
        groups[-1].append(_condition(m))
        pos = m.end()
        if pos >= len(text):
            break
        j = _JOIN.match(text, pos)
        if not j:
            raise QueryError(f"could not read the where clause at {text[pos:pos + 30]!r}")
        if j.group(1).lower() in ("||", "or"):
            groups.append([])
        pos = j.end()
    return lambda rec: any(all(p(rec) for p in g) for g in groups)


def compile_order(text: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A sorter for ``order`` such as ``Name ASC`` or ``UpdatedDateUTC DESC, Name``."""
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        bits = part.split()
        if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1].upper() not in ("ASC",
                                                                                   "DESC")):
            raise QueryError(f"could not read the order clause {text!r}")
        keys.append((bits[0], len(bits) == 2 and bits[1].upper() == "DESC"))

    def sort_key(field: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        def key(rec: dict[str, Any]) -> tuple[int, Any]:
            v = _get(rec, field)
            if v is None:
                return (2, "")
            if isinstance(v, int | float) and not isinstance(v, bool):
                return (0, v)
            return (1, str(v).lower())
        return key

    def sort(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = list(records)
        for field, desc in reversed(keys):
            out.sort(key=sort_key(field), reverse=desc)
        return out

    return sort
