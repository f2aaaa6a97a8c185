"""Paging and chunking for Xero's list endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["MAX_IDS_PER_CALL", "PAGE_SIZE", "chunked", "paged"]

PAGE_SIZE = 1000  # Xero's maximum pageSize since July 2024 (FACTS §4)
MAX_IDS_PER_CALL = 40  # long IDs/InvoiceNumbers lists give a 404 (PITFALLS 10)

T = TypeVar("T")


def chunked(values: Sequence[T], size: int = MAX_IDS_PER_CALL) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


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
