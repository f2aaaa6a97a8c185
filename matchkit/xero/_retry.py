"""The one retry policy of the Xero client.

Reads are retried on 429, 5xx, timeouts, dropped connections and non-JSON 200s. A write
(PUT/POST) is retried only when it carries an ``Idempotency-Key``: the retry sends the same
key and the same body, so Xero replays the first answer instead of creating twice. A write
without a key is never retried: its outcome is unknown and only the caller can check it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5  # seconds, doubled per attempt
    max_delay: float = 60.0  # cap for backoff and for an honoured Retry-After
    jitter: float = 0.1  # fraction of the delay added at random

    def may_retry(self, method: str, idempotency_key: str | None, attempt: int) -> bool:
        """Whether attempt number ``attempt`` (1-based) may be followed by another."""
        if attempt >= self.max_attempts:
            return False
        return method.upper() in _SAFE_METHODS or bool(idempotency_key)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt``; ``Retry-After`` wins if given."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        base = min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay)
        return base + random.uniform(0, base * self.jitter)
