"""Per-tenant rate limiting: under 60 calls a minute and 5 in flight (FACTS §2).

One :class:`RateLimiter` per tenant is shared by every client of that tenant in the process
(:func:`limiter_for`). It keeps its own sliding window of call start times, and also trusts
the server: ``X-MinLimit-Remaining: 0`` or a 429's ``Retry-After`` pause every caller of the
tenant. ``time_scale`` runs the limiter on a faster clock for a time-scaled sandbox.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

__all__ = ["OnWait", "RateLimiter", "limiter_for"]

log = logging.getLogger("matchkit.xero")

OnWait = Callable[[float, str], None]
"""``on_wait(seconds, reason)``: called before the limiter makes a caller wait."""


class RateLimiter:
    """A thread-safe limiter for one tenant."""

    def __init__(
        self,
        per_minute: int = 60,
        concurrent: int = 5,
        time_scale: float = 1.0,
        on_wait: OnWait | None = None,
    ) -> None:
        if per_minute < 1 or concurrent < 1 or time_scale <= 0:
            raise ValueError("per_minute and concurrent must be >= 1 and time_scale > 0")
        self.per_minute = per_minute
        self.concurrent = concurrent
        self.time_scale = time_scale
        self.on_wait = on_wait
        # Calls are counted by when they *finished* (Xero counted them before that), and
        # calls in flight count too: then no window of this length, wherever Xero's fixed
        # window starts, can see more than per_minute arrivals, whatever the latency.
        # 1% over a minute absorbs rounding of the server's window edges.
        self.window = 60.6 / time_scale
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self._cond = threading.Condition()
        self.min_remaining: int | None = None
        self.day_remaining: int | None = None
        self.waits = 0
        self.waited = 0.0  # real seconds spent waiting, for benchmarks and progress

    def _announce(self, seconds: float, reason: str, on_wait: OnWait | None) -> None:
        self.waits += 1
        log.info("Xero rate limit: waiting %.1fs (%s)", seconds, reason)
        callback = on_wait or self.on_wait
        if callback is not None:
            callback(seconds, reason)

    def acquire(self, on_wait: OnWait | None = None) -> None:
        """Block until one more call may start, then count it as in flight.

        ``on_wait`` (else the limiter's own) hears why and for about how long it waits.
        """
        announced = ""
        with self._cond:
            while True:
                now = time.monotonic()
                while self._done and self._done[0] <= now - self.window:
                    self._done.popleft()
                wait: float | None
                if self._paused_until > now:
                    wait, reason = self._paused_until - now, "Xero asked to slow down"
                elif self._in_flight >= self.concurrent:
                    wait, reason = None, f"{self.concurrent} calls already in flight"
                elif len(self._done) + self._in_flight >= self.per_minute:
                    wait = (self._done[0] + self.window - now) if self._done else None
                    reason = f"{self.per_minute} calls in the last minute"
                else:
                    self._in_flight += 1
                    return
                if reason != announced and (wait is None or wait > 0.05):
                    announced = reason
                    self._announce(wait or 0.0, reason, on_wait)
                started = time.monotonic()
                self._cond.wait(timeout=wait)
                self.waited += time.monotonic() - started

    def release(self, headers: Mapping[str, str] | None = None) -> None:
        """One call finished; read Xero's remaining-calls headers from its answer."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._done.append(time.monotonic())
            if headers is not None:
                self.min_remaining = _int_header(headers, "X-MinLimit-Remaining",
                                                 self.min_remaining)
                self.day_remaining = _int_header(headers, "X-DayLimit-Remaining",
                                                 self.day_remaining)
                told = any(k.lower() == "retry-after" for k in headers)
                if self.min_remaining == 0 and not told:
                    # Calls made by other processes used the minute up; Xero's window
                    # resets at an unknown moment, so wait until ours would have. (With
                    # a Retry-After the caller pauses for exactly that instead.)
                    now = time.monotonic()
                    until = (self._done[0] + self.window) if self._done else now + self.window
                    self._paused_until = max(self._paused_until, until)
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every caller of this tenant for ``seconds`` (real time: a ``Retry-After``
        is what the caller really has to wait, also from a time-scaled sandbox)."""
        with self._cond:
            until = time.monotonic() + seconds
            self._paused_until = max(self._paused_until, until)
            self._cond.notify_all()


def _int_header(headers: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = headers.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


_registry: dict[tuple[str, str, float], RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(tenant_id: str, time_scale: float = 1.0, api_url: str = "") -> RateLimiter:
    """The process-wide limiter of one tenant (created on first use).

    ``api_url`` keeps separate servers apart: two sandboxes seeded with the same tenant id
    have separate limits, while every client of the real Xero tenant shares one limiter.
    """
    with _registry_lock:
        key = (api_url.rstrip("/"), tenant_id, time_scale)
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(time_scale=time_scale)
        return limiter
