"""Xero's date formats: MS-JSON ``/Date(ms+0000)/`` out, ``YYYY-MM-DD`` (or MS-JSON) in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["iso_utc", "ms_date", "parse_date", "parse_since"]

_MS_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def ms_date(ts: float) -> str:
    """``/Date(1551399323399+0000)/`` for a Unix timestamp."""
    return f"/Date({int(ts * 1000)}+0000)/"


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_date(value: object) -> date | None:
    """A date sent by a client, or ``None`` when it is not one Xero would accept."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    m = _MS_RE.match(text)
    if m:
        return datetime.fromtimestamp(int(m.group(1)) / 1000, UTC).date()
    try:
        return datetime.fromisoformat(text[:19] if "T" in text else text[:10]).date()
    except ValueError:
        return None


def parse_since(value: str) -> float | None:
    """An ``If-Modified-Since`` value (ISO 8601 as in the spec, or an HTTP date) as a timestamp."""
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
