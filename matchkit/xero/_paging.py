"""Paging and chunking for Xero's list endpoints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from matchkit._exceptions import InputError

__all__ = ["MAX_BODY_BYTES", "MAX_IDS_PER_CALL", "MAX_QUERY_CHARS", "PAGE_SIZE", "chunked",
           "paged", "query_chunks", "size_chunks"]

PAGE_SIZE = 1000  # Xero's maximum pageSize since July 2024 (FACTS §4)
MAX_IDS_PER_CALL = 40  # long IDs/InvoiceNumbers lists give a 404 (PITFALLS 10)
# Xero's web server refuses query strings over 2,048 characters with a 404 (PITFALLS 10:
# ~55 GUIDs): one list value stays well under, percent-encoding included.
MAX_QUERY_CHARS = 1500
# "A single POST to the Accounting or Payroll APIs has a size limit of 3.5MB" (FACTS §3):
# requests stay under 3 MB, whatever "MB" means there.
MAX_BODY_BYTES = 3_000_000

T = TypeVar("T")


def chunked(values: Sequence[T], size: int = MAX_IDS_PER_CALL) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def query_chunks(values: Sequence[str], size: int = MAX_IDS_PER_CALL,
                 max_chars: int = MAX_QUERY_CHARS) -> Iterator[list[str]]:
    """``values`` in lists of at most ``size`` whose comma-joined, percent-encoded text stays
    under ``max_chars``."""
    chunk: list[str] = []
    length = 0
    for value in values:
        cost = len(quote(str(value), safe="")) + 3  # the encoded comma
        if chunk and (len(chunk) >= size or length + cost > max_chars):
            yield chunk
            chunk, length = [], 0
        chunk.append(value)
        length += cost
    if chunk:
        yield chunk


def size_chunks(records: list[dict[str, Any]], key: str, max_bytes: int = MAX_BODY_BYTES
                ) -> list[list[dict[str, Any]]]:
    """``records`` in runs whose JSON body ``{key: [...]}`` stays under ``max_bytes``.

    One record over the limit alone is an error: it cannot be sent at all (the export's
    pre-send checks refuse such an invoice before it gets here)."""
    parts: list[list[dict[str, Any]]] = [[]]
    size = len(key) + 8
    for rec in records:
        cost = len(json.dumps(rec).encode()) + 2
        if cost + len(key) + 8 > max_bytes:
            raise InputError(f"one {key[:-1]} is {cost:,} bytes as JSON; Xero takes at most "
                             "3.5 MB a request")
        if parts[-1] and size + cost > max_bytes:
            parts.append([])
            size = len(key) + 8
        parts[-1].append(rec)
        size += cost
    return parts


def paged(
    fetch: Callable[[int], dict[str, Any]], key: str, page_size: int = PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Yield every element of a paged endpoint, one page at a time.

    ``fetch(page)`` returns the decoded body of one page. Stops on a short page, or at
    ``pagination.pageCount`` when Xero sends it (a full last page then costs no extra call).
    """
    page = 1
    while True:
        body = fetch(page)
        rows = body.get(key) or []
        yield from rows
        pagination = body.get("pagination") or {}
        page_count = pagination.get("pageCount")
        if len(rows) < page_size:
            return
        if isinstance(page_count, int) and page >= page_count:
            return
        page += 1
