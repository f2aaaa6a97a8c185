"""Xero's per-tenant rate limits (minute, day, concurrent) and the app-wide minute limit.

Windows are fixed and start at a tenant's first call, as Xero's are ("a fixed window which
will reset at different times for each tenant"); they run on the sandbox clock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Limits", "RateLimiter", "Refusal"]


@dataclass
class Limits:
    per_minute: int = 60
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10_000


@dataclass
class Refusal:
    problem: str  # 'minute' | 'day' | 'concurrent' | 'appminute'
    retry_after: int | None  # real seconds to wait, or None (Xero sends none for concurrency)


@dataclass
class _Window:
    start: float = 0.0
    count: int = 0

    def roll(self, now: float, span: float) -> None:
        if now - self.start >= span:
            self.start, self.count = now, 0

    def remaining(self, now: float, span: float) -> float:
        return max(0.0, self.start + span - now)


@dataclass
class _Tenant:
    minute: _Window = field(default_factory=_Window)
    day: _Window = field(default_factory=_Window)
    in_flight: int = 0


class RateLimiter:
    def __init__(self, limits: Limits, now: Callable[[], float],
                 scale: Callable[[], float]) -> None:
        self.limits = limits
        self._now = now
        self._scale = scale
        self._lock = threading.Lock()
        self._tenants: dict[str, _Tenant] = {}
        self._app = _Window()

    def _wait(self, sandbox_seconds: float) -> int:
        # Retry-After is what the client really has to wait: sandbox seconds over the scale.
        return max(1, math.ceil(sandbox_seconds / max(self._scale(), 1e-9)))

    def acquire(self, tenant: str) -> Refusal | None:
        """Count one call and take a concurrency slot, or say which limit refuses it."""
        lim = self.limits
        with self._lock:
            now = self._now()
            t = self._tenants.setdefault(tenant, _Tenant())
            t.minute.roll(now, 60)
            t.day.roll(now, 86400)
            self._app.roll(now, 60)
            if t.day.count >= lim.per_day:
                return Refusal("day", self._wait(t.day.remaining(now, 86400)))
            if t.minute.count >= lim.per_minute:
                return Refusal("minute", self._wait(t.minute.remaining(now, 60)))
            if self._app.count >= lim.app_per_minute:
                return Refusal("appminute", self._wait(self._app.remaining(now, 60)))
            if t.in_flight >= lim.concurrent:
                return Refusal("concurrent", None)
            t.minute.count += 1
            t.day.count += 1
            self._app.count += 1
            t.in_flight += 1
            return None

    def release(self, tenant: str) -> None:
        with self._lock:
            t = self._tenants.get(tenant)
            if t is not None and t.in_flight > 0:
                t.in_flight -= 1

    def headers(self, tenant: str | None) -> dict[str, str]:
        """``X-*-Remaining`` headers as they stand after this call."""
        lim = self.limits
        with self._lock:
            now = self._now()
            self._app.roll(now, 60)
            out = {"X-AppMinLimit-Remaining": str(max(0, lim.app_per_minute - self._app.count))}
            if tenant is not None:
                t = self._tenants.setdefault(tenant, _Tenant())
                t.minute.roll(now, 60)
                t.day.roll(now, 86400)
                out["X-MinLimit-Remaining"] = str(max(0, lim.per_minute - t.minute.count))
                out["X-DayLimit-Remaining"] = str(max(0, lim.per_day - t.day.count))
            return out
