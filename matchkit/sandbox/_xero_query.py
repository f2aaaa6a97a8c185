"""The parts of Xero's GET query language the sandbox understands: ``where`` and ``order``.

``where`` supports ``Field==value``, ``!=``, ``<``/``>``/``<=``/``>=``,
``Field.Contains("x")``, ``StartsWith``/``EndsWith``, ``.ToLower()``/``.ToUpper()`` on the
field, dotted paths (``Contact.ContactID``), values ``"text"``, ``true``/``false``,
numbers, ``Guid("...")``, ``DateTime(2026, 1, 31)`` and ``null``; joined by ``&&``/``AND``
(binding tighter) and ``||``/``OR``.

Xero parses these with Dynamic LINQ and answers mistakes with a 400 ``QueryParseException``
(ErrorNumber 16): ``No property or field 'x' exists in type 'Journal'``
(freakboy3742/pyxero#272), ``Operator '==' incompatible with operand types 'Boolean?' and
'String'`` (pyxero#217), ``Expression expected`` (XeroAPI/xero-php-oauth2#307). With a record
type given, fields and literal types are checked against the spec's (``_xero_fields.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ._xero_fields import SCHEMAS

__all__ = ["QueryError", "compile_order", "compile_where"]

Predicate = Callable[[dict[str, Any]], bool]

_COND = re.compile(
    r"""\s*\(?\s*(?P<field>[A-Za-z]\w*(?:\.[A-Za-z]\w*)*?)
        (?P<case>\.ToLower\(\)|\.ToUpper\(\))?
        (?:\.(?P<func>Contains|StartsWith|EndsWith)\(\s*"(?P<farg>(?:[^"\\]|\\.)*)"\s*\)
          |\s*(?P<op>==|!=|>=|<=|>|<|=)\s*
           (?P<val>"(?:[^"\\]|\\.)*"|true|false|null|-?\d+(?:\.\d+)?|Guid\(\s*"[^"]*"\s*\)
              |DateTime\(\s*\d{4}\s*(?:,\s*\d{1,2}\s*){2,5}\))?)
        \s*\)?\s*""",
    re.VERBOSE | re.IGNORECASE,
)
_JOIN = re.compile(r"\s*(&&|\|\||\bAND\b|\bOR\b)\s*", re.IGNORECASE)
_MS = re.compile(r"^/Date\((-?\d+)")
# Dynamic LINQ's names for the spec's types, as Xero's messages show them.
_TYPE_NAMES = {"boolean": "Boolean?", "number": "Decimal?", "uuid": "Guid", "date": "DateTime?",
               "string": "String"}


class QueryError(ValueError):
    """A ``where`` or ``order`` Xero would refuse (its message is the exception text)."""


def _key(value: dict[str, Any], part: str) -> str | None:
    # Xero's field names are case-insensitive in filters.
    return next((k for k in value if k.lower() == part.lower()), None)


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = _key(value, part)
        value = value.get(key) if key is not None else None
    return value


def _field_type(path: str, schema: str | None) -> str | None:
    """The spec type of a dotted field, or ``None`` when no schema is known; refuses an
    unknown field as Xero does."""
    if schema is None or schema not in SCHEMAS:
        return None
    kind: str | None = None
    current = schema
    for part in path.split("."):
        if current not in SCHEMAS:
            return None  # a nested type the table does not describe
        types = SCHEMAS[current].types
        name = next((k for k in types if k.lower() == part.lower()), None)
        if name is None:
            raise QueryError(f"No property or field '{part}' exists in type '{current}'")
        kind = types[name]
        current = kind.split(":", 1)[1] if kind.startswith("object:") else ""
    return kind


def _literal(text: str) -> tuple[Any, str]:
    """The value of a literal and its Dynamic LINQ type name."""
    low = text.lower()
    if low == "true":
        return True, "Boolean"
    if low == "false":
        return False, "Boolean"
    if low == "null":
        return None, "null"
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\"), "String"
    if low.startswith("guid"):
        return text[text.index('"') + 1:text.rindex('"')].lower(), "Guid"
    if low.startswith("datetime"):
        y, mo, d, h, mi, sec = ([int(p) for p in re.findall(r"\d+", text)] + [0, 0, 0])[:6]
        try:
            return datetime(y, mo, d, h, mi, sec, tzinfo=UTC).timestamp(), "DateTime"
        except ValueError as exc:
            raise QueryError(f"'{text}' is not a valid DateTime") from exc
    return float(text), ("Decimal" if "." in text else "Int32")


def _check_types(op: str, field_type: str | None, literal_type: str) -> None:
    if field_type is None or literal_type == "null":
        return
    base = field_type.split(":", 1)[0]
    ok = {
        "boolean": ("Boolean",),
        "number": ("Int32", "Decimal"),
        "date": ("DateTime",),
        "uuid": ("Guid", "String"),
        "string": ("String",),
        "enum": ("String",),
    }.get(base)
    if ok is not None and literal_type not in ok:
        left = _TYPE_NAMES.get(base, base)
        raise QueryError(f"Operator '{op}' incompatible with operand types '{left}' and "
                         f"'{literal_type}'")


def _as_time(value: Any) -> float | None:
    m = _MS.match(value) if isinstance(value, str) else None
    return int(m.group(1)) / 1000 if m else None


def _condition(m: re.Match[str], schema: str | None) -> Predicate:
    field = m.group("field")
    field_type = _field_type(field, schema)
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
    if m.group("val") is None:
        raise QueryError("Expression expected")
    op = "==" if m.group("op") == "=" else m.group("op")
    want, literal_type = _literal(m.group("val"))
    _check_types(op, field_type, literal_type)

    def compare(rec: dict[str, Any]) -> bool:
        have = value_of(rec)
        if literal_type == "Guid":
            have = str(have).lower() if have is not None else None
        elif literal_type == "DateTime":
            have = _as_time(have)
        elif isinstance(want, float) and have is not None and not isinstance(have, bool):
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


def compile_where(text: str, schema: str | None = None) -> Predicate:
    """A predicate over a record for a ``where`` string; ``QueryError`` if Xero would refuse
    it. ``schema`` (e.g. ``"Contact"``) checks field names and literal types."""
    pos = 0
    groups: list[list[Predicate]] = [[]]  # OR of ANDs
    if not text.strip():
        raise QueryError("Expression expected")
    while True:
        m = _COND.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError("Syntax error" if text[pos:].strip() else "Expression expected")
        groups[-1].append(_condition(m, schema))
        pos = m.end()
        if pos >= len(text):
            break
        j = _JOIN.match(text, pos)
        if not j:
            raise QueryError("Syntax error")
        if j.group(1).lower() in ("||", "or"):
            groups.append([])
        pos = j.end()
        if pos >= len(text):
            raise QueryError("Expression expected")
    return lambda rec: any(all(p(rec) for p in g) for g in groups)


def compile_order(text: str, schema: str | None = None
                  ) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A sorter for ``order`` such as ``Name ASC`` or ``UpdatedDateUTC DESC, Name``."""
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        bits = part.split()
        if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1].upper() not in ("ASC",
                                                                                   "DESC")):
            raise QueryError("Syntax error")
        _field_type(bits[0], schema)
        keys.append((bits[0], len(bits) == 2 and bits[1].upper() == "DESC"))

    def sort_key(field: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        def key(rec: dict[str, Any]) -> tuple[int, Any]:
            v = _get(rec, field)
            if v is None:
                return (2, "")
            t = _as_time(v)
            if t is not None:
                return (0, t)
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
